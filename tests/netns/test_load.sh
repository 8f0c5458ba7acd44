#!/bin/sh
# Load mode between two sites: tund on A sends through its own interface,
# by UDP sockets and by pcap_inject, to the sink of tund on B.  The
# report's figures agree with each other: what the kernel accepted less
# the interface's drops is what tund pulled, what it pulled it encrypted,
# and what it encrypted B delivered.  A sweep gives a row per thread
# count, valid JSON and a well-formed SVG; Count and Rate hold; with no
# peer for the destination tund drains and counts; bad -L arguments are
# refused with their message.
. "$(dirname "$0")/../lib.sh"

T="load_socket_counts load_inject_counts load_unlimited_accounted
load_sweep_json load_sweep_svg load_rate load_count_json_stdout load_drain
load_bad_option load_check_only load_clean_exits"
need_linux $T
need_root $T
command -v python3 >/dev/null 2>&1 || skip_all "needs python3" $T

umask 077
sites || {
	for t in $T; do fail "$t: cannot create the namespaces"; done
	exit 0
}
site_conf a $UB4 > "$W/a.conf"
site_conf b $UA4 > "$W/b.conf"
start_tund b "$W/b.conf" || {
	for t in $T; do fail "$t: tund on B does not start"; done
	exit 0
}

# load NAME ARGS...: tund on A in load mode to B's sink (unless ARGS say
# otherwise), at most 60 s; stdout in $W/NAME.out, stderr in $W/NAME.log,
# exit status in $W/NAME.rc.
load() {
	_n=$1; shift
	ip netns exec $A timeout 60 "$TUND" -f "$W/a.conf" \
	    -L destination=$OB4:9 "$@" >"$W/$_n.out" 2>"$W/$_n.log"
	echo $? > "$W/$_n.rc"
}

# report NAME EXPR...: tund exited 0 and each Python expression holds over
# the JSON report $W/NAME.json: j is all of it, r the first run, t its
# total, f its far end, lat the far end's latency percentiles.  A failing
# one is printed with the figures.
report() {
	_n=$1; shift
	[ "$(cat "$W/$_n.rc")" = 0 ] || {
		echo "exit $(cat "$W/$_n.rc"): $(tail -3 "$W/$_n.log")"
		return 1
	}
	python3 - "$W/$_n.json" "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
r = j["runs"][0]
t, f = r["total"], r["far"]
lat = f.get("latency_us") or {}
for e in sys.argv[2:]:
    if not eval(e):
        print("not %s: total %s, pulled %d, encrypted %d, drops %d, far %s"
              % (e, t, r["pulled"], r["encrypted"],
                 r["interface_tx_dropped"], f))
        sys.exit(1)
EOF
}

# accounted NAME: the report's figures agree, whatever was dropped: the
# kernel took what was offered less the errors, tund pulled what the
# interface did not drop (within 5 packets: the kernel's own IPv6 chatter
# on the interface) and encrypted no more than that, and B delivered no
# more than that.
accounted() {
	report $1 \
	    't["offered_pkts"] == t["accepted_pkts"] + sum(t["errors"].values())' \
	    'abs(r["pulled"] - (t["accepted_pkts"] - r["interface_tx_dropped"])) <= 5' \
	    'r["encrypted"] <= r["pulled"] + 5' \
	    'f["answered"] and 0 < f["delivered"] <= r["encrypted"]' \
	    'f["duplicated"] == 0 and f["clock_shared"]' \
	    'abs(f["loss_pct"] - 100.0 * (t["accepted_pkts"] - f["delivered"])
	        / t["accepted_pkts"]) < 0.01'
}

# lossless NAME: accounted, and at a rate the slowest (sanitizer) build
# keeps up with, nothing was lost on the way: B delivered every packet.
lossless() {
	accounted $1 && report $1 't["accepted_pkts"] > 9000' \
	    'f["delivered"] == t["accepted_pkts"] - r["interface_tx_dropped"]' \
	    '0 < lat["p50"] <= lat["p99"] <= lat["p999"]'
}

load sock -L rate=5k -L duration=2 -L size=92 -L report="$W/sock.json"
check load_socket_counts lossless sock
load inject -L method=inject -L rate=5k -L duration=2 -L size=imix \
    -L flows=3 -L report="$W/inject.json"
check load_inject_counts lossless inject
load flat -L duration=2 -L size=92 -L report="$W/flat.json"
check load_unlimited_accounted accounted flat

# A sweep: a row per thread count, JSON and SVG that parse.
load sweep -L threads=1,2 -L duration=1 -L rate=4k \
    -L report="$W/sweep.json" -L plot="$W/sweep.svg"
check load_sweep_json report sweep \
    '[x["threads"] for x in j["runs"]] == [1, 2]' \
    '[len(x["per_thread"]) for x in j["runs"]] == [1, 2]' \
    'all(x["far"]["answered"] and x["far"]["delivered"] > 0 for x in j["runs"])'
svg_ok() {
	python3 -c '
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
sys.exit(0 if root.tag.endswith("svg") and len(list(root.iter())) > 5 else 1)
' "$W/sweep.svg"
}
check load_sweep_svg svg_ok

# 2000 packets a second for 2 s: 4000 within 10%.
load rate -L rate=2000 -L duration=2 -L report="$W/rate.json"
check load_rate report rate '3600 <= t["accepted_pkts"] <= 4400' \
    '1.9 <= r["seconds"] <= 2.2' 'f["delivered"] == t["accepted_pkts"]'

# Count, and JSON on stdout (the table goes to stderr).
load count -L count=1000 -L rate=5k -L report=json
cp "$W/count.out" "$W/count.json"
check load_count_json_stdout report count 't["offered_pkts"] == 1000' \
    'f["delivered"] == 1000' 'r["threads"] == 1'

# No peer for 198.19.0.99 (on the interface's subnet): tund pulls and
# drops, nothing is encrypted, nobody answers.
load drain -L destination=198.19.0.99:9 -L rate=5k -L duration=1 \
    -L report="$W/drain.json"
check load_drain report drain 't["accepted_pkts"] > 4000' \
    'abs(r["pulled"] - (t["accepted_pkts"] - r["interface_tx_dropped"])) <= 5' \
    'r["encrypted"] <= 5 and not f["answered"]'

# Bad arguments: exit 1, each error named after -L, nothing set up.
refused() {
	ip netns exec $A "$TUND" -f "$W/a.conf" -L threads=0 -L nokey \
	    >"$W/bad.out" 2>&1 && return 1
	grep -q -- '-L: bad Threads "0": not a number from 1 to 256' \
	    "$W/bad.out" &&
	    grep -q -- '-L: expected key=value, not "nokey"' "$W/bad.out" &&
	    ! ip -n $A link show ${P}ta >/dev/null 2>&1
}
check load_bad_option refused
check load_check_only sh -c "'$TUND' -n -f '$W/a.conf' -L destination=$OB4:9 \
    -L threads=1,2,4 | grep -q 'configuration OK'"

# Every run exited 0 and no log holds a sanitizer's report.
clean() {
	for n in sock inject flat sweep rate count drain; do
		[ "$(cat "$W/$n.rc")" = 0 ] ||
		    { echo "$n exited $(cat "$W/$n.rc")"; return 1; }
	done
	! grep -h -E 'Sanitizer|runtime error' "$W"/*.log | head -3 | grep .
}
check load_clean_exits clean
