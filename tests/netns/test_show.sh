#!/bin/sh
# tund show and tund reload against running tunds: the view as text and
# as JSON (valid, its totals the sum of its threads, its figures those of
# wg(8) and of the kernel, no secret in it); every interface listed, other
# daemons' sockets skipped; a reload that adds a peer, one refused with
# its file:line message and nothing changed; missing, stale, silent and
# foreign sockets reported; garbage requests refused; and the load run
# and the far end's sink as a load-mode tund shows them.
. "$(dirname "$0")/../lib.sh"

T="show_text_interface show_text_peer show_text_transfer show_text_device
show_json_valid show_json_totals show_json_figures show_no_secrets
show_all_text show_all_json show_skips_others reload_adds_peer
reload_broken_refused reload_broken_unchanged reload_needs_ifname
show_missing show_stale show_not_tund show_silent show_bad_requests
show_load_running show_sink_counts"
need_linux $T
need_root $T
command -v python3 >/dev/null 2>&1 || skip_all "needs python3" $T
command -v wg >/dev/null 2>&1 || skip_all "wg(8) not installed" $T

DIR=/var/run/wireguard
FAKES=""
trap 'for _f in $FAKES; do rm -f "$_f"; done; cleanup' EXIT

umask 077
sites || {
	for t in $T; do fail "$t: cannot create the namespaces"; done
	exit 0
}
PSK=$(wg genpsk)
site_conf a $UB4 "PresharedKey = $PSK" > "$W/a.conf"
site_conf b "" "PresharedKey = $PSK" > "$W/b.conf"
start_tund a "$W/a.conf"; TA=$BG
start_tund b "$W/b.conf"; TB=$BG
ip netns exec $A ping -c 3 -i 0.2 -W 2 $OB4 >/dev/null 2>&1
SHOW="ip netns exec $A $TUND show"
WG="ip netns exec $A wg"

$SHOW ${P}ta > "$W/show.txt" 2>"$W/show.err"
$SHOW -j ${P}ta > "$W/show.json" 2>>"$W/show.err"
$WG show ${P}ta dump | sed -n 2p > "$W/dump"

check show_text_interface sh -c "grep -qx 'interface: ${P}ta' '$W/show.txt' &&
    grep -qx '  public key: $PUBA' '$W/show.txt' &&
    grep -qx '  listening port: 51820' '$W/show.txt' &&
    grep -Eq '^  worker threads: [1-9]' '$W/show.txt' &&
    grep -Eq '^  handshakes +([0-9]+ +)+[1-9][0-9]*$' '$W/show.txt'"
check show_text_peer sh -c "grep -qx 'peer: $PUBB' '$W/show.txt' &&
    grep -qx '  endpoint: $UB4:51820' '$W/show.txt' &&
    grep -qx '  allowed ips: $OB4/32, $OB6/128' '$W/show.txt' &&
    grep -Eq '^  latest handshake: [0-9]+ seconds? ago$' '$W/show.txt' &&
    grep -qx '  persistent keepalive: off' '$W/show.txt'"
# The peer's bytes as wg(8) reads them through get=1: the same counters,
# read a moment apart.
check show_text_transfer python3 - "$W/show.txt" "$W/dump" <<'EOF'
import re, sys
m = re.search(r"transfer: (\d+) bytes received, (\d+) bytes sent",
              open(sys.argv[1]).read())
f = open(sys.argv[2]).read().split("\t")
rx, tx, wrx, wtx = int(m.group(1)), int(m.group(2)), int(f[5]), int(f[6])
print(rx, tx, wrx, wtx)
assert rx > 0 and tx > 0
assert wrx / 2 <= rx <= wrx * 2 and wtx / 2 <= tx <= wtx * 2
EOF
# The kernel's counters, as sysfs in the namespace has them.
sys_stat() { ip netns exec $A cat /sys/class/net/${P}ta/statistics/$1; }
check show_text_device python3 - "$W/show.txt" "$(sys_stat rx_packets)" \
    "$(sys_stat tx_packets)" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
assert "\n  kernel counters " in t
m = re.search(r"\n  packets +(\d+) +(\d+)\n", t)
rx, tx = int(m.group(1)), int(m.group(2))
print(rx, tx, sys.argv[2:])
assert 0 < rx <= int(sys.argv[2]) and 0 < tx <= int(sys.argv[3])
assert int(sys.argv[2]) - rx <= 10 and int(sys.argv[3]) - tx <= 10
assert "n/a" not in t
EOF

check show_json_valid python3 -m json.tool "$W/show.json"
check show_json_totals python3 - "$W/show.json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
th, tot = j["threads"], j["total"]
assert th[0]["thread"] == "main" and len(th) == j["workers"] + 1
assert set(tot) == set(th[0]) - {"thread"}
for k in tot:
    assert tot[k] == sum(t[k] for t in th), k
assert tot["dropped"] == sum(j["drops"].values())
assert tot["device_rx_packets"] > 0 and tot["udp_tx_packets"] > 0
assert tot["handshakes"] >= 1
EOF
check show_json_figures python3 - "$W/show.json" "$W/dump" "$PUBB" \
    "${P}ta" "$(sys_stat tx_packets)" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
f = open(sys.argv[2]).read().split("\t")
p, = j["peers"]
assert j["interface"] == sys.argv[4] and j["listen_port"] == 51820
assert p["public_key"] == sys.argv[3] and p["endpoint"] == f[2]
assert ",".join(p["allowed_ips"]) == f[3]
assert p["latest_handshake"] == int(f[4]) and p["latest_handshake_age"] >= 0
assert int(f[5]) / 2 <= p["rx_bytes"] <= int(f[5]) * 2
assert int(f[6]) / 2 <= p["tx_bytes"] <= int(f[6]) * 2
assert p["persistent_keepalive"] == 0
d = j["device"]
assert 0 < d["tx_packets"] <= int(sys.argv[5])
assert all(isinstance(v, int) for v in d.values())
assert j["load"] is None and j["sink"]["streams"] == 0
EOF
# Neither the private key nor the preshared key, in base64 or in hex.
hex() { python3 -c 'import base64, sys
print(base64.b64decode(sys.argv[1]).hex())' "$1"; }
HEXPRIV=$(hex "$(cat "$W/a.key")")
HEXPSK=$(hex "$PSK")
check show_no_secrets sh -c "! grep -qiF -e '$(cat "$W/a.key")' -e '$PSK' \
    -e '$HEXPRIV' -e '$HEXPSK' '$W/show.txt' '$W/show.json' &&
    grep -q . '$W/show.txt' && ! grep -q . '$W/show.err'"

# Sockets of other daemons are skipped: one that closes the connection
# (as wireguard-go does with a request it does not know), one that answers
# with an errno.  fake NAME MODE: a socket that does so, in the background.
fake() {
	_s=$DIR/$1.sock
	FAKES="$FAKES $_s"
	rm -f "$_s" "$W/$1.ready"
	bg timeout 120 python3 -c '
import socket, sys, time
path, mode, ready = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)
open(ready, "w").close()
if mode == "stale":
    sys.exit(0)
while True:
    c, _ = s.accept()
    if mode == "errno":
        c.recv(4096); c.sendall(b"errno=-22\n\n")
    elif mode == "silent":
        time.sleep(30)
    c.close()' "$_s" "$2" "$W/$1.ready"
	wait_for 5 test -e "$W/$1.ready"
}
mkdir -p $DIR
fake ${P}xc close
fake ${P}xe errno
"$TUND" show > "$W/all.txt" 2>"$W/all.err"
"$TUND" show -j > "$W/all.json" 2>>"$W/all.err"
check show_all_text sh -c "grep -qx 'interface: ${P}ta' '$W/all.txt' &&
    grep -qx 'interface: ${P}tb' '$W/all.txt' &&
    grep -qx 'peer: $PUBA' '$W/all.txt'"
check show_all_json python3 - "$W/all.json" "${P}ta" "${P}tb" <<'EOF'
import json, sys
names = [v["interface"] for v in json.load(open(sys.argv[1]))]
assert sys.argv[2] in names and sys.argv[3] in names, names
EOF
check show_skips_others sh -c "! grep -q '${P}x' '$W/all.txt' '$W/all.json' \
    '$W/all.err'"

# Reload: a peer added to the file appears; a broken file is refused with
# its file:line message, and nothing changes.
PUBC=$(key "$W/c.key")
printf '\n[Peer]\nPublicKey = %s\nAllowedIPs = 198.19.0.99/32\n' "$PUBC" \
    >> "$W/a.conf"
check reload_adds_peer sh -c "$SHOW ${P}ta >/dev/null &&
    ip netns exec $A '$TUND' reload ${P}ta &&
    $WG show ${P}ta peers | grep -qx '$PUBC' &&
    $SHOW ${P}ta | grep -qx 'peer: $PUBC'"
$WG show ${P}ta dump | cut -f1,3,4 | sort > "$W/before"
cp "$W/a.conf" "$W/a.good"
sed '/^PublicKey = '"$(echo "$PUBC" | sed 's|[/+]|\\&|g')"'$/d' "$W/a.good" |
    sed 's/^ListenPort = .*/ListenPort = nonsense/' > "$W/a.conf"
LINE=$(grep -n '^ListenPort' "$W/a.conf" | cut -d: -f1)
ip netns exec $A "$TUND" reload ${P}ta > "$W/rl.out" 2>"$W/rl.err"; RL=$?
check reload_broken_refused sh -c "test $RL = 1 &&
    grep -q '^$W/a.conf:$LINE: ' '$W/rl.err' && grep -q 'kept' '$W/rl.err'"
$WG show ${P}ta dump | cut -f1,3,4 | sort > "$W/after"
check reload_broken_unchanged sh -c "cmp -s '$W/before' '$W/after' &&
    $WG show ${P}ta peers | grep -qx '$PUBC' &&
    ip netns exec $A ping -c 1 -W 2 $OB4"
cp "$W/a.good" "$W/a.conf"
"$TUND" reload > "$W/rl1.out" 2>"$W/rl1.err"; RL=$?
check reload_needs_ifname sh -c "test $RL = 1 &&
    grep -q 'name one' '$W/rl1.err'"

# Sockets that are not a live tund's, each a clear message and exit 1.
# failing NAME IFNAME MESSAGE: tund show IFNAME exits 1 saying MESSAGE.
failing() {
	"$TUND" show $2 > "$W/$1.out" 2>"$W/$1.err"; _rc=$?
	check $1 sh -c "test $_rc = 1 && ! grep -q . '$W/$1.out' &&
	    grep -q '$3' '$W/$1.err'"
}
failing show_missing ${P}none "${P}none: no such interface"
fake ${P}xs stale
failing show_stale ${P}xs "no daemon answers"
failing show_not_tund ${P}xc "not a tund"
fake ${P}xq silent
failing show_silent ${P}xq "did not answer within 10 seconds"

# Garbage in tund's requests: refused like any bad request, and no reload.
raw() {
	ip netns exec $A timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.settimeout(8); out = b""
while True:
    b = s.recv(4096)
    if not b: break
    out += b
sys.stdout.write(out.decode(errors="replace"))' "$DIR/${P}ta.sock"
}
N=$(grep -c 'reloading' "$W/tund-a.log")
printf 'tund-show=xml\n\n' | raw > "$W/g1"
printf 'tund-reload=yes\n\n' | raw > "$W/g2"
printf 'tund-show=json\nextra=1\n\n' | raw > "$W/g3"
check show_bad_requests sh -c "grep -qx 'errno=-22' '$W/g1' &&
    grep -qx 'errno=-22' '$W/g2' && grep -qx 'errno=-22' '$W/g3' &&
    test \"\$(grep -c reloading '$W/tund-a.log')\" = $N"

# A load-mode tund on A shows its run while it sends; B's sink counts it.
stop_bg $TA
bg ip netns exec $A timeout 60 "$TUND" -f "$W/a.conf" \
    -L destination=$OB4:9 -L duration=4 -L rate=2000 \
    > "$W/load.out" 2>"$W/load.log"
LOAD=$BG
running() {
	$SHOW -j ${P}ta > "$W/load.json" 2>/dev/null && python3 -c '
import json, sys
l = json.load(open(sys.argv[1]))["load"]
sys.exit(not (l and l["running"] and l["sent"] > 0))' "$W/load.json"
}
if wait_for 15 running; then
	check show_load_running python3 - "$W/load.json" <<'EOF'
import json, sys
l = json.load(open(sys.argv[1]))["load"]
assert l["runs"] == 1 and l["runs_sent"] == 0 and l["threads"] == 1
assert 0 < l["elapsed"] < 10 and l["sent"] <= 2000 * l["elapsed"] + 100, l
EOF
else
	fail "show_load_running: no run shown:" \
	    "$(tail -2 "$W/load.log" | tr '\n' ' ')"
fi
wait_exit $LOAD 30
ip netns exec $B "$TUND" show -j ${P}tb > "$W/sink.json"
ip netns exec $B "$TUND" show ${P}tb > "$W/sink.txt"
check show_sink_counts python3 - "$W/sink.json" "$W/sink.txt" <<'EOF'
import json, re, sys
s = json.load(open(sys.argv[1]))["sink"]
assert s["streams"] >= 1 and s["delivered"] > 1000, s
m = re.search(r"load sink: (\d+) streams seen, (\d+) packets delivered",
              open(sys.argv[2]).read())
assert int(m.group(1)) == s["streams"] and int(m.group(2)) == s["delivered"]
EOF
