#!/bin/sh
# Throughput and latency through tund, wireguard-go and bare veth, side by
# side in one run, between two network namespaces on this machine.
#
#   sh bench/tunnels.sh [seconds] [name...]     names: veth tund wggo
#
# Prints one line per tunnel and tund's ratio to each.  Installs iperf3 and
# wireguard-go from Debian when run as root and they are missing.  Not a
# test: figures vary with the machine and its load.
set -u
T=${1:-5}; [ $# -gt 0 ] && shift
NAMES=${*:-veth tund wggo}
cd "$(dirname "$0")/.." || exit 1
for c in iperf3 wireguard-go wg; do
	command -v $c >/dev/null 2>&1 || apt-get install -y -qq \
	    $([ $c = wg ] && echo wireguard-tools || echo $c) >/dev/null
done
[ -x tund/tund ] || make -s tund/tund || exit 1
# The namespace helpers of the tests; their result lines are not used here.
TUND=${TUND:-$PWD/tund/tund}
. tests/lib.sh

measure() { # measure NAME SERVER-ADDRESS
	_p=$(ip netns exec $A ping -c 50 -i 0.02 -q "$2" 2>/dev/null |
	    awk -F/ '/^rtt/ {print $5}')
	ip netns exec $B iperf3 -s -1 -B "$2" >/dev/null 2>&1 & _s=$!
	sleep 0.5
	_t=$(ip netns exec $A iperf3 -c "$2" -t "$T" -J 2>/dev/null |
	    python3 -c 'import json,sys
d=json.load(sys.stdin); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' 2>/dev/null)
	wait $_s 2>/dev/null
	ip netns exec $B iperf3 -s -1 -B "$2" >/dev/null 2>&1 & _s=$!
	sleep 0.5
	_u=$(ip netns exec $A iperf3 -c "$2" -t 3 -u -b 0 -l 64 -J 2>/dev/null |
	    python3 -c 'import json,sys
s=json.load(sys.stdin)["end"]["sum"]; print("%.0f" % ((s["packets"]-s["lost_packets"])/s["seconds"]/1e3))' 2>/dev/null)
	wait $_s 2>/dev/null
	printf '%-6s tcp_gbps=%s udp64_kpps=%s ping_ms=%s\n' "$1" \
	    "${_t:-0}" "${_u:-0}" "${_p:-none}" | tee -a "$W/results"
}

stop_all() {
	for _p in $PIDS; do kill $_p 2>/dev/null; done
	for _p in $PIDS; do wait $_p 2>/dev/null; done
	PIDS=""
}

umask 077
sites || exit 1
for n in $NAMES; do
	case $n in
	veth)
		measure veth $UB4 ;;
	tund)
		site_conf a $UB4 > "$W/a.conf"; site_conf b "" > "$W/b.conf"
		start_tund a "$W/a.conf"; start_tund b "$W/b.conf"
		measure tund $OB4; stop_all ;;
	wggo)
		start_wggo a $UB4; start_wggo b ""
		measure wggo $OB4; stop_all ;;
	esac
done
python3 - "$W/results" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    f = line.split()
    r[f[0]] = {k: float(v) if v.replace('.', '', 1).isdigit() else None
               for k, v in (x.split('=') for x in f[1:])}
if 'tund' in r:
    for name, v in r.items():
        if name == 'tund':
            continue
        out = []
        for k in ('tcp_gbps', 'udp64_kpps'):
            if v[k]:
                out.append('%s %.2fx' % (k, r['tund'][k] / v[k]))
        print('tund vs %-5s %s' % (name, ' '.join(out)))
PY
