#!/bin/sh
# Capture: tund to tund with "Capture" on side A.  Pings through the
# tunnel, IPv4 and IPv6; after SIGTERM tcpdump reads the file: every echo
# request and every reply, both directions, and the file is mode 0600
# even where it was there before.
# Then a small CaptureLimit: the file rotates into path.1 and path.2, each
# within the limit, each readable, and no more old files than asked.
# tund -w captures as Capture does.
# Last, [Load] Replay of a pcap made here arrives at B exactly, as B's
# own capture shows.
. "$(dirname "$0")/../lib.sh"
T="capture_ping4 capture_ping6 capture_exit capture_mode capture_ipv4
capture_ipv6 capture_rotation_files capture_rotation_sizes
capture_rotation_readable capture_rotation_owner capture_cli
capture_replay_exit capture_replay_delivered
capture_clean_logs"
need_linux $T
need_root $T
for c in tcpdump ping timeout python3; do
	command -v $c >/dev/null 2>&1 || skip_all "needs $c" $T
done

umask 077
sites || {
	for t in $T; do fail "$t: cannot create the namespaces"; done
	exit 0
}

# conf_with SIDE ENDPOINT-HOST LINES: that side's configuration with the
# lines in [Interface].
conf_with() {
	site_conf $1 "$2" |
	    ADD=$3 awk '{ print } /^Device/ { print ENVIRON["ADD"] }'
}

# tcpdump's lines of a capture file (on its standard input, so that no
# profile of tcpdump's about file names gets in the way).
show() {
	tcpdump -n -r - < "$1" 2>/dev/null
}

# seen FILE COUNT PATTERN: tcpdump shows exactly COUNT lines like it.
seen() {
	_n=$(show "$1" | grep -c -- "$3")
	[ "$_n" = "$2" ] || { echo "$_n lines with \"$3\", not $2"; return 1; }
}

site_conf b "" > "$W/b.conf"
conf_with a $UB4 "Capture = $W/cap.pcap" > "$W/a.conf"
# There already, readable by all: tund empties it and makes it 0600.
echo old > "$W/cap.pcap"; chmod 644 "$W/cap.pcap"
start_tund b "$W/b.conf"; TB=$BG
start_tund a "$W/a.conf"; TA=$BG
check capture_ping4 ip netns exec $A ping -4 -c 5 -i 0.2 -w 10 $OB4
check capture_ping6 ip netns exec $A ping -6 -c 3 -i 0.2 -w 10 $OB6
stop_bg $TA
check capture_exit test "$RC" = 0
check capture_mode test "$(stat -c %a "$W/cap.pcap")" = 600
both4() {
	seen "$W/cap.pcap" 5 "IP $OA4 > $OB4: ICMP echo request" &&
	    seen "$W/cap.pcap" 5 "IP $OB4 > $OA4: ICMP echo reply"
}
both6() {
	seen "$W/cap.pcap" 3 "IP6 $OA6 > $OB6: ICMP6, echo request" &&
	    seen "$W/cap.pcap" 3 "IP6 $OB6 > $OA6: ICMP6, echo reply"
}
check capture_ipv4 both4
check capture_ipv6 both6

# 2000 bytes a file: the header and three records of 528-byte packets.
conf_with a $UB4 "Capture = $W/rot.pcap
CaptureLimit = 2k
CaptureFiles = 2" > "$W/a.conf"
start_tund a "$W/a.conf"; TA=$BG
ip netns exec $A ping -4 -c 10 -i 0.2 -w 10 -s 500 $OB4 >/dev/null
stop_bg $TA
check capture_rotation_files sh -c "test -s '$W/rot.pcap' &&
    test -s '$W/rot.pcap.1' && test -s '$W/rot.pcap.2' &&
    ! test -e '$W/rot.pcap.3'"
sizes() {
	for _f in "$W"/rot.pcap*; do
		_s=$(stat -c %s "$_f")
		[ "$_s" -le 2000 ] || { echo "$_f: $_s bytes"; return 1; }
	done
}
check capture_rotation_sizes sizes
readable() {
	for _f in "$W"/rot.pcap*; do
		tcpdump -n -r - < "$_f" > "$W/show" || return 1
		grep -q . "$W/show" || { echo "$_f: no packets"; return 1; }
	done
}
check capture_rotation_readable readable
# The rotated files were made by the privileged part, for root alone.
owned() {
	for _f in "$W"/rot.pcap*; do
		[ "$(stat -c %U:%a "$_f")" = root:600 ] ||
		    { echo "$_f: $(stat -c %U:%a "$_f")"; return 1; }
	done
}
check capture_rotation_owner owned

# The command line's form, tund -w, with no Capture in the file.
site_conf a $UB4 > "$W/a.conf"
bg sh -c "exec ip netns exec $A '$TUND' -d -f '$W/a.conf' -w '$W/cli.pcap' \
    2>>'$W/tund-a.log'"; TA=$BG
wait_for 5 sh -c "ip -n $A link show ${P}ta | grep -q ',UP'"
ip netns exec $A ping -4 -c 5 -i 0.2 -w 10 $OB4 >/dev/null
stop_bg $TA
check capture_cli sh -c "tcpdump -n -r - < '$W/cli.pcap' 2>/dev/null |
    grep -c 'IP $OA4 > $OB4: ICMP echo request' | grep -qx 5"
stop_bg $TB

# Replay: a pcap made here, Ethernet frames (some with a VLAN tag) of UDP
# packets to B's port 9 between ARP frames, sent by tund's load mode on
# A; B's capture holds exactly its IP packets, each once.
mkpcap() {
	python3 - "$1" $OA4 $OB4 $OA6 $OB6 <<'EOF'
import socket, struct, sys
out, a4, b4, a6, b6 = sys.argv[1:]
A4, B4 = (socket.inet_pton(socket.AF_INET, x) for x in (a4, b4))
A6, B6 = (socket.inet_pton(socket.AF_INET6, x) for x in (a6, b6))
def udp(sport):
    data = b"replay %d" % sport
    return struct.pack("!HHHH", sport, 9, 8 + len(data), 0) + data
def ip4(sport):
    u = udp(sport)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), sport, 0,
                       64, 17, 0, A4, B4) + u
def ip6(sport):
    u = udp(sport)    # no checksum: B's capture sees it before UDP does
    return struct.pack("!IHBB16s16s", 6 << 28, len(u), 17, 64, A6, B6) + u
def ether(etype, payload, vlan):
    tag = struct.pack("!HH", 0x8100, 5) if vlan else b""
    return b"\xff" * 6 + b"\x02" * 6 + tag + struct.pack("!H", etype) + payload
frames = []
for i in range(30):
    if i % 10 == 0:
        frames.append(ether(0x0806, bytes(28), False))
    ip = ip4(40000 + i) if i < 20 else ip6(40000 + i)
    frames.append(ether(0x0800 if i < 20 else 0x86dd, ip, i % 2))
with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for n, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1000 + n, 0, len(fr), len(fr)) + fr)
EOF
}
# The packets to port 9 in B's capture: 30, each once.
replayed() {
	tcpdump -n -r - 'udp and dst port 9' < "$W/b-cap.pcap" > "$W/replayed"
	_all=$(grep -c . "$W/replayed")
	_distinct=$(awk '{ print $3 }' "$W/replayed" | sort -u | grep -c .)
	[ "$_all" = 30 ] && [ "$_distinct" = 30 ] ||
	    { echo "$_all packets, $_distinct distinct, not 30"; return 1; }
}
mkpcap "$W/replay.pcap"
conf_with b "" "Capture = $W/b-cap.pcap" > "$W/b.conf"
site_conf a $UB4 > "$W/a.conf"
start_tund b "$W/b.conf"; TB=$BG
ip netns exec $A timeout 60 "$TUND" -f "$W/a.conf" \
    -L replay="$W/replay.pcap" > "$W/replay.out" 2>&1
check capture_replay_exit test $? = 0
stop_bg $TB
check capture_replay_delivered replayed
check capture_clean_logs sh -c "! grep -E 'Sanitizer|runtime error' \
    '$W'/tund-*.log '$W/replay.out'"
