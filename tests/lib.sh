# Shared by the shell tests: result lines that tests/run.sh counts, and
# network namespaces that are removed on any exit.
#
# A test sources this file, calls need_root/need_linux as it must, makes
# namespaces with ns_add (named with the per-run prefix $P), starts its
# daemons with bg (so they are ended by PID), and reports with pass, fail,
# skip or check.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TUND=${TUND:-$TOP/tund/tund}
P=t$$			# per-run prefix for namespaces and interfaces
W=$(mktemp -d)		# scratch directory
NAMESPACES=""
PIDS=""

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME COMMAND...: PASS if the command succeeds, else FAIL.
check() {
	_name=$1; shift
	if "$@" >"$W/check.out" 2>&1; then pass "$_name"
	else fail "$_name: $* ($(head -c 300 "$W/check.out" | tr '\n' ' '))"
	fi
}

# skip_all WHY NAME...: these tests cannot run here.
skip_all() {
	_why=$1; shift
	for _t in "$@"; do skip "$_t: $_why"; done
	exit 0
}

cleanup() {
	for _p in $PIDS; do kill "$_p" 2>/dev/null; done
	for _p in $PIDS; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1; _i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
	done
	for _n in $NAMESPACES; do ip netns del "$_n" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ns_add() {
	ip netns add "$1" && NAMESPACES="$NAMESPACES $1" &&
	    ip -n "$1" link set lo up
}

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	    ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# bg COMMAND...: run in the background, remember the PID in $BG.
bg() {
	"$@" &
	BG=$!
	PIDS="$PIDS $BG"
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	_t=$(($1 * 10)); shift
	while [ $_t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	return 1
}

# wait_exit PID SECONDS: wait for a process of ours to end; its status in $RC.
wait_exit() {
	_t=$(($2 * 10))
	while kill -0 "$1" 2>/dev/null && [ $_t -gt 0 ]; do
		sleep 0.1; _t=$((_t - 1))
	done
	kill -0 "$1" 2>/dev/null && return 1
	wait "$1"; RC=$?
	return 0
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root" "$@"
}

need_linux() {
	[ "$(uname -s)" = Linux ] || skip_all "needs Linux" "$@"
}

# key FILE: a new private key in FILE (mode 600); its public key printed.
key() {
	(umask 077; "$TUND" genkey > "$1") && "$TUND" pubkey < "$1"
}

# --- Two sites joined by a veth "internet" -------------------------------
#
# sites: namespaces $A and $B, veth ${P}va/${P}vb with underlay addresses
# $UA4/$UB4 and $UA6/$UB6.  Overlay (inside the tunnel): $OA4/$OB4 and
# $OA6/$OB6.  Keys in $W/{a,b}.key with public keys $PUBA/$PUBB.
A=${P}a; B=${P}b
UA4=198.18.0.1; UB4=198.18.0.2; UA6=2001:db8::1; UB6=2001:db8::2
OA4=198.19.0.1; OB4=198.19.0.2; OA6=2001:db8:19::1; OB6=2001:db8:19::2

sites() {
	ns_add $A && ns_add $B && veth $A ${P}va $B ${P}vb || return 1
	ip -n $A addr add $UA4/24 dev ${P}va
	ip -n $B addr add $UB4/24 dev ${P}vb
	ip -n $A addr add $UA6/64 dev ${P}va nodad
	ip -n $B addr add $UB6/64 dev ${P}vb nodad
	(umask 077; "$TUND" genkey > "$W/a.key"; "$TUND" genkey > "$W/b.key")
	PUBA=$("$TUND" pubkey < "$W/a.key"); PUBB=$("$TUND" pubkey < "$W/b.key")
}

# site_conf SIDE ENDPOINT-HOST [EXTRA-PEER-LINES]: a tund.conf for side a
# or b, its peer the other side at ENDPOINT-HOST ("" for no Endpoint).
site_conf() {
	if [ "$1" = a ]; then
		_k=$W/a.key _pub=$PUBB _me4=$OA4 _me6=$OA6 _p4=$OB4 _p6=$OB6
	else
		_k=$W/b.key _pub=$PUBA _me4=$OB4 _me6=$OB6 _p4=$OA4 _p6=$OA6
	fi
	cat <<EOC
[Interface]
PrivateKey = $(cat "$_k")
ListenPort = 51820
Address = $_me4/24, $_me6/64
Device = ${P}t$1

[Peer]
PublicKey = $_pub
AllowedIPs = $_p4/32, $_p6/128
EOC
	case $2 in
	"") ;;
	*:*) echo "Endpoint = [$2]:51820" ;;
	*) echo "Endpoint = $2:51820" ;;
	esac
	[ -n "${3:-}" ] && printf '%s\n' "$3"
	return 0
}

# start_tund SIDE CONF-FILE: tund in that side's namespace ($A, $B, or
# ${P}SIDE for another letter); PID in $BG, log in $W/tund-SIDE.log.
start_tund() {
	case $1 in a) _ns=$A ;; b) _ns=$B ;; *) _ns=$P$1 ;; esac
	bg sh -c "exec ip netns exec $_ns '$TUND' -d -v -f '$2' \
	    2>>'$W/tund-$1.log'"
	wait_for 5 sh -c "ip -n $_ns link show ${P}t$1 | grep -q ',UP'"
}

# start_wggo SIDE ENDPOINT-HOST [PSK-FILE]: wireguard-go with wg(8) as the
# other end of the same configuration.  Interface ${P}w$SIDE.
start_wggo() {
	_ns=$([ "$1" = a ] && echo $A || echo $B)
	_if=${P}w$1
	if [ "$1" = a ]; then
		_k=$W/a.key _pub=$PUBB _me4=$OA4 _me6=$OA6 _p4=$OB4 _p6=$OB6
	else
		_k=$W/b.key _pub=$PUBA _me4=$OB4 _me6=$OB6 _p4=$OA4 _p6=$OA6
	fi
	bg ip netns exec $_ns env WG_PROCESS_FOREGROUND=1 \
	    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 wireguard-go $_if \
	    >>"$W/wggo-$1.log" 2>&1
	wait_for 5 test -S /var/run/wireguard/$_if.sock || return 1
	_ep=""
	case $2 in
	"") ;;
	*:*) _ep="endpoint [$2]:51820" ;;
	*) _ep="endpoint $2:51820" ;;
	esac
	ip netns exec $_ns wg set $_if listen-port 51820 private-key "$_k" \
	    peer "$_pub" allowed-ips $_p4/32,$_p6/128 $_ep \
	    ${3:+preshared-key "$3"} || return 1
	ip -n $_ns addr add $_me4/24 dev $_if
	ip -n $_ns addr add $_me6/64 dev $_if nodad
	ip -n $_ns link set $_if up mtu 1420
}

# rss_kb PID: resident memory of a process, in kB.
rss_kb() {
	awk '/^VmRSS/ {print $2}' /proc/$1/status
}

# --- Added for tests/netns/test_tunnel.sh: stopping daemons, TCP transfers --

# stop_bg PID [SIGNAL]: end a process started with bg (TERM unless told), wait
# up to 15 s (a busy kernel can be slow to unregister a device), then say
# where its threads are and KILL it; forget its PID.  Its exit status in $RC.
stop_bg() {
	kill -"${2:-TERM}" "$1" 2>/dev/null
	wait_exit "$1" 15 || {
		stuck "$1"
		kill -9 "$1" 2>/dev/null
		wait_exit "$1" 2
	}
	_keep=""
	for _p in $PIDS; do [ "$_p" = "$1" ] || _keep="$_keep $_p"; done
	PIDS=$_keep
}

# stuck PID: each thread's name, state, wait channel and kernel stack, for
# the log of a run where the process would not end.
stuck() {
	echo "# $1 did not end; its threads:"
	for _t in /proc/$1/task/*; do
		echo "# $(cat $_t/comm 2>/dev/null) $(cut -d' ' -f3 $_t/stat \
		    2>/dev/null) $(cat $_t/wchan 2>/dev/null)"
		sed 's/^/#   /' $_t/stack 2>/dev/null | head -12
	done
}

# tcp_recv_digest NS ADDR PORT OUT: in the background (PID in $BG), accept
# one TCP connection on ADDR:PORT in NS, and write "SHA256 BYTES" of all it
# receives to OUT.  Gives up after 60 s.
tcp_recv_digest() {
	rm -f "$4" "$4.ready"
	bg ip netns exec "$1" timeout 60 python3 -c '
import hashlib, socket, sys
addr, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(1)
open(out + ".ready", "w").close()
c, _ = s.accept()
c.settimeout(30)
h = hashlib.sha256(); n = 0
while True:
    d = c.recv(1 << 16)
    if not d:
        break
    h.update(d); n += len(d)
c.close()
with open(out, "w") as f:
    f.write("%s %d\n" % (h.hexdigest(), n))
' "$2" "$3" "$4"
	wait_for 5 test -e "$4.ready"
}

# tcp_send_file [-b] NS ADDR PORT FILE [MARK GO]: send FILE from NS to
# ADDR:PORT (at most 60 s); with -b in the background, PID in $BG.  With
# MARK and GO: touch MARK after a third of it, send the second third slowly,
# and wait (up to 20 s) for GO to exist before sending the last third, so
# that something can happen mid-transfer.
tcp_send_file() {
	_bg=""
	[ "$1" = -b ] && { _bg=bg; shift; }
	$_bg ip netns exec "$1" timeout 60 python3 -c '
import os, socket, sys, time
addr, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
mark, go = (sys.argv[4], sys.argv[5]) if len(sys.argv) > 5 else (None, None)
end = time.time() + 5
while True:
    try:
        c = socket.create_connection((addr, port), timeout=2); break
    except OSError:
        if time.time() > end:
            raise
        time.sleep(0.1)
c.settimeout(30)
size = os.path.getsize(path); sent = 0
with open(path, "rb") as f:
    while True:
        if mark and sent >= size // 3:
            if not os.path.exists(mark):
                open(mark, "w").close()
            if sent < 2 * size // 3:
                time.sleep(0.002)
            else:
                end = time.time() + 20
                while not os.path.exists(go) and time.time() < end:
                    time.sleep(0.05)
        d = f.read(1 << 16)
        if not d:
            break
        c.sendall(d); sent += len(d)
c.shutdown(socket.SHUT_WR)
c.recv(1)
' "$2" "$3" "$4" ${5:+"$5"} ${6:+"$6"}
}
