#!/bin/sh
# Concurrency under stress: traffic in both directions through two tund
# with two workers each, while one side is killed and restarted every few
# seconds so that the other handshakes again and again under load.  Built
# with "make check SANITIZE=thread", this is the ThreadSanitizer proof;
# built plainly, a stress test.  Either way no daemon may crash or report.
. "$(dirname "$0")/../lib.sh"
T="threads_traffic threads_survivor threads_handshakes threads_clean_logs"
need_linux $T
need_root $T
command -v iperf3 >/dev/null 2>&1 || skip_all "iperf3 not installed" $T

umask 077
sites || { fail "threads_traffic: cannot create namespaces"; exit 0; }
site_conf a $UB4 "PersistentKeepalive = 1" | sed 's/^Device/Threads = 2\nDevice/' \
    > "$W/a.conf"
site_conf b $UA4 | sed 's/^Device/Threads = 2\nDevice/' > "$W/b.conf"
start_tund a "$W/a.conf"; TA=$BG
start_tund b "$W/b.conf"; TB=$BG
wait_for 10 ip netns exec $A ping -c 1 -W 1 $OB4

ip netns exec $B timeout 30 iperf3 -s -1 -B $OB4 >/dev/null 2>&1 &
SRV=$!
sleep 0.5
ip netns exec $A timeout 30 iperf3 -c $OB4 -t 10 -P 2 --bidir -J \
    > "$W/iperf.json" 2>/dev/null &
CLI=$!
# Restart B three times during the transfer: A handshakes each time.
for i in 1 2 3; do
	sleep 2.5
	stop_bg $TB KILL
	start_tund b "$W/b.conf"; TB=$BG
done
wait $CLI; wait $SRV
bytes=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1])); print(int(d["end"]["sum_received"]["bytes"]))' \
    "$W/iperf.json" 2>/dev/null)
check threads_traffic test "${bytes:-0}" -gt 1000000
check threads_survivor kill -0 $TA
kill -USR1 $TA; sleep 0.3
hs=$(grep -o '[0-9]* handshakes' "$W/tund-a.log" | tail -1 | tr -dc 0-9)
check threads_handshakes test "${hs:-0}" -ge 3
stop_bg $TA; stop_bg $TB
check threads_clean_logs sh -c "! grep -E 'Sanitizer|runtime error' \
    '$W/tund-a.log' '$W/tund-b.log'"
