#!/bin/sh
# Privilege separation: once set up, tund runs as an unprivileged user with
# no capabilities, no_new_privs and a seccomp filter, while a root child
# does what still needs root (reload's addresses, the fwmark, the down
# hooks, root's files).  Checked from /proc/PID/status, by what still
# works and what fails cleanly once that child is gone, and by what the
# child cleans up once the daemon is killed.
. "$(dirname "$0")/../lib.sh"
need_root privdrop
need_linux privdrop

# status PID FIELD: a line of /proc/PID/status, its values only.
status() {
	awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    /proc/$1/status
}

# expect NAME GOT WANT
expect() {
	if [ "$2" = "$3" ]; then pass "$1"
	else fail "$1: got '$2', want '$3'"
	fi
}

# dropped PID: wait until the daemon's worker threads run, which they do
# only once it has become the user.
dropped() {
	wait_for 10 sh -c "grep -q '^Uid:	$UID_	' /proc/$1/status &&
	    test \$(ls /proc/$1/task | wc -l) -gt 2"
}

# start_a [WRAPPER...] [-- TUND-OPTIONS...]: tund on side A with a.conf,
# its PID in $TA.
start_a() {
	_wrap=""
	while [ $# -gt 0 ] && [ "$1" != -- ]; do _wrap="$_wrap $1"; shift; done
	[ "${1:-}" = -- ] && shift
	bg sh -c "exec ip netns exec $A $_wrap '$TUND' -d -f '$W/a.conf' $* \
	    2>>'$W/tund-a.log'"
	TA=$BG
}

# has_addr ADDR: within 5 s, A's interface has it.
has_addr() {
	wait_for 5 sh -c "ip -n $A addr show dev ${P}ta | grep -q '$1'"
}

# The privileged child of PID.
child_of() {
	ps -o pid= --ppid "$1" | tr -d ' ' | head -1
}

sites || { fail privdrop_setup; exit 1; }
U=nobody
UID_=$(id -u $U); GID_=$(id -g $U)
# A sanitizer build has no seccomp filter (its runtime's own calls).
if nm "$TUND" 2>/dev/null | grep -qE '__(asan|tsan)_init'; then
	SECCOMP=0
else
	SECCOMP=2
fi

umask 077
site_conf b "$UA4" > "$W/b.conf"
{
	site_conf a "$UB4" | sed "/^Device/a\\
User = $U\\
PostUp = grep -E '^Sig(Blk|Ign):' /proc/self/status > $W/postup.sig\\
PreDown = id -u > $W/predown.uid\\
PostDown = grep -E '^Sig(Blk|Ign):' /proc/self/status > $W/postdown.ran"
} > "$W/a.conf"
start_tund b "$W/b.conf"; TB=$BG
start_a -- -v -p "'$W/a.pid'"
wait_for 5 sh -c "ip -n $A link show ${P}ta | grep -q ',UP'" ||
    fail privdrop_start
# The interface is up before the drop, which comes last.
dropped $TA

# The daemon: the user's ids, nothing more.
expect privdrop_uid "$(status $TA Uid)" "$UID_ $UID_ $UID_ $UID_"
expect privdrop_gid "$(status $TA Gid)" "$GID_ $GID_ $GID_ $GID_"
expect privdrop_groups "$(status $TA Groups)" "$GID_"
expect privdrop_capeff "$(status $TA CapEff)" 0000000000000000
expect privdrop_capprm "$(status $TA CapPrm)" 0000000000000000
expect privdrop_no_new_privs "$(status $TA NoNewPrivs)" 1
expect privdrop_seccomp "$(status $TA Seccomp)" $SECCOMP
# Its threads too (the filter and the ids are every thread's).
_bad=0
for _t in /proc/$TA/task/*; do
	grep -q "^Uid:	$UID_	" $_t/status &&
	    grep -q "^Seccomp:	$SECCOMP" $_t/status || _bad=1
done
expect privdrop_threads $_bad 0
C=$(child_of $TA)
expect privdrop_child_root "$(status $C Uid | cut -d' ' -f1)" 0
# holds KEYFILE PID: the process's writable memory holds that private key.
holds() {
	python3 - "$1" "$2" <<'EOF'
import base64, re, sys
key = base64.b64decode(open(sys.argv[1]).read().strip())
pid = sys.argv[2]
with open("/proc/%s/maps" % pid) as maps, \
    open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) rw", line)
        if not m:
            continue
        lo, hi = int(m.group(1), 16), int(m.group(2), 16)
        for at in range(lo, hi, 1 << 20):
            try:
                mem.seek(at)
                if key in mem.read(min(hi - at, (1 << 20) + 31)):
                    sys.exit(0)
            except (OSError, ValueError, OverflowError):
                pass
sys.exit(1)
EOF
}
lacks() { ! holds "$@"; }
# The daemon needs its key; the child, which never handshakes, has none.
# (A sanitizer's terabytes of shadow memory are not for reading through.)
if [ $SECCOMP = 2 ]; then
	check privdrop_key_in_daemon holds "$W/a.key" $TA
	check privdrop_no_key_in_child lacks "$W/a.key" $C
else
	skip "privdrop_key_in_daemon: sanitizer build"
	skip "privdrop_no_key_in_child: sanitizer build"
fi
check privdrop_logged grep -q "running as $U" "$W/tund-a.log"

# Still a tunnel.
check privdrop_ping ip netns exec $A ping -c 2 -i 0.2 -W 2 $OB4

# Reload: the root child reads the 0600 file and adds the address.
sed -i 's|^Address = .*|&, 198.19.7.1/32|' "$W/a.conf"
kill -HUP $TA
check privdrop_reload_address has_addr 198.19.7.1/32
# The fwmark needs CAP_NET_ADMIN: the child sets it.
check privdrop_fwmark ip netns exec $A wg set ${P}ta fwmark 0x77
expect privdrop_fwmark_shown \
    "$(ip netns exec $A wg show ${P}ta fwmark 2>&1)" 0x77

# Without the root child, what needs root fails cleanly and the tunnel
# keeps forwarding.
# The daemon's descriptors, by number and what they are.
fds() {
	for _f in /proc/$TA/fd/*; do
		echo "${_f##*/} $(readlink $_f | sed 's/socket:.*/socket/')"
	done | sort
}
fds > "$W/fds.before"
kill -9 $C
sed -i 's|, 198.19.7.1/32|, 198.19.7.2/32|' "$W/a.conf"
kill -HUP $TA
check privdrop_gone_logged wait_for 5 grep -q \
    "privileged child killed by signal 9" "$W/tund-a.log"
check privdrop_gone_reload_fails wait_for 5 grep -q \
    "reload failed, keeping" "$W/tund-a.log"
check privdrop_gone_fwmark_fails sh -c \
    "! ip netns exec $A wg set ${P}ta fwmark 0x78 2>/dev/null"
# Failed requests close nothing of the daemon's.
for _i in 1 2 3; do
	ip netns exec $A wg set ${P}ta fwmark 0x79 2>/dev/null
	kill -HUP $TA
done
sleep 0.5
fds > "$W/fds.after"
check privdrop_gone_fds_kept diff "$W/fds.before" "$W/fds.after"
check privdrop_gone_alive kill -0 $TA
check privdrop_gone_ping ip netns exec $A ping -c 2 -i 0.2 -W 2 $OB4
expect privdrop_gone_address "$(ip -n $A addr show dev ${P}ta |
    grep -c 198.19.7.2/32)" 0
stop_bg $TA
expect privdrop_gone_exit $RC 0
[ "$RC" = 0 ] || tail -20 "$W/tund-a.log" | sed 's/^/# /'

# A full run: the down hooks run as root, root's files are removed.
rm -f "$W/predown.uid" "$W/postdown.ran"
start_a -- -p "'$W/a.pid'"
wait_for 5 sh -c "ip -n $A link show ${P}ta | grep -q ',UP'"
check privdrop_pidfile test -s "$W/a.pid"
check privdrop_socket test -S /var/run/wireguard/${P}ta.sock
stop_bg $TA
expect privdrop_exit $RC 0
expect privdrop_predown_root "$(cat "$W/predown.uid" 2>&1)" 0
check privdrop_postdown test -e "$W/postdown.ran"
# Hooks run with no signal blocked or ignored, whatever tund does with them
# (of signals 1-31: the C library keeps its own above them out of reach).
# std_sigs FILE: the blocked and ignored ones of a hook's SigBlk/SigIgn.
std_sigs() {
	awk '{ print $1, $2 }' "$1" | while read -r _f _v; do
		printf '%s %x ' "$_f" $((0x$_v & 0x7fffffff))
	done
}
expect privdrop_postup_signals "$(std_sigs "$W/postup.sig")" \
    "SigBlk: 0 SigIgn: 0 "
expect privdrop_postdown_signals "$(std_sigs "$W/postdown.ran")" \
    "SigBlk: 0 SigIgn: 0 "
check privdrop_pidfile_removed test ! -e "$W/a.pid"
check privdrop_socket_removed test ! -e /var/run/wireguard/${P}ta.sock

# The daemon killed: its root child cleans up after it, hooks and files.
rm -f "$W/predown.uid" "$W/postdown.ran"
start_a -- -p "'$W/a.pid'"
dropped $TA
C=$(child_of $TA)
stop_bg $TA KILL
check privdrop_killed_child_ends wait_for 5 sh -c "! kill -0 $C"
check privdrop_killed_postdown test -e "$W/postdown.ran"
check privdrop_killed_pidfile test ! -e "$W/a.pid"
check privdrop_killed_socket test ! -e /var/run/wireguard/${P}ta.sock
check privdrop_killed_device sh -c "! ip -n $A link show ${P}ta"

# A stop as soon as the pidfile is there, during setup: still undone.
start_a -- -p "'$W/a.pid'"
# A tight loop, to come as close after the pidfile as a shell can; it
# looks at the clock every 1000 rounds and gives up after 10 s.
_end=$(($(date +%s) + 10)); _i=0
while [ ! -s "$W/a.pid" ]; do
	_i=$((_i + 1))
	[ $((_i % 1000)) = 0 ] && [ "$(date +%s)" -ge $_end ] && break
done
stop_bg $TA
expect privdrop_early_stop_exit $RC 0
check privdrop_early_stop_pidfile test ! -e "$W/a.pid"
check privdrop_early_stop_device sh -c "! ip -n $A link show ${P}ta"

# A stop in the middle of setup (during PostUp) waits for the loop.
cp "$W/a.conf" "$W/a.conf.keep"
sed -i "s|^PostUp = .*|PostUp = touch $W/in-postup; sleep 1|" "$W/a.conf"
rm -f "$W/in-postup" "$W/postdown.ran"
start_a -- -p "'$W/a.pid'"
wait_for 10 test -e "$W/in-postup"
stop_bg $TA
expect privdrop_setup_stop_exit $RC 0
check privdrop_setup_stop_pidfile test ! -e "$W/a.pid"
check privdrop_setup_stop_postdown grep -q SigIgn "$W/postdown.ran"
mv "$W/a.conf.keep" "$W/a.conf"

# Chroot: the daemon's root is the directory; reload still reads the file.
mkdir -m 755 "$W/empty"
sed -i "/^User/a\\
Chroot = $W/empty" "$W/a.conf"
start_a
wait_for 5 test "$(readlink /proc/$TA/root)" = "$W/empty"
expect privdrop_chroot "$(readlink /proc/$TA/root)" "$W/empty"
check privdrop_chroot_ping ip netns exec $A ping -c 2 -i 0.2 -W 2 $OB4
# The kernel's counters come from files opened before the chroot.
ip netns exec $A "$TUND" show ${P}ta > "$W/show.txt" 2>&1
check privdrop_chroot_counters sh -c "grep -q 'kernel counters' '$W/show.txt' &&
    ! grep -q 'n/a' '$W/show.txt'"
sed -i 's|, 198.19.7.2/32|, 198.19.7.3/32|' "$W/a.conf"
kill -HUP $TA
check privdrop_chroot_reload has_addr 198.19.7.3/32
stop_bg $TA

# User = root keeps root; a user that does not exist is a config error.
sed -i -e '/^Chroot/d' -e 's/^User = .*/User = root/' "$W/a.conf"
start_a
# Threads start once the drop would have happened.
wait_for 5 sh -c "test \$(ls /proc/$TA/task | wc -l) -gt 2"
expect privdrop_user_root "$(status $TA Uid | cut -d' ' -f1)" 0
stop_bg $TA
sed -i 's/^User = .*/User = no-such-user-tund/' "$W/a.conf"
"$TUND" -n -f "$W/a.conf" > "$W/n.out" 2>&1; RC=$?
expect privdrop_no_user_exit $RC 1
check privdrop_no_user_message grep -q "User no-such-user-tund: no such user" \
    "$W/n.out"

# Under the systemd unit's capability bounding set, with a ControlGroup:
# it starts, drops, forwards, reloads and removes what it made.
CAPS=$(sed -n 's/^CapabilityBoundingSet=//p' "$TOP/rc.d/tund.service" |
    tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
sed -i -e "s/^User = .*/User = $U\\
ControlGroup = nogroup/" "$W/a.conf"
start_a setpriv --bounding-set -all,$CAPS
dropped $TA
check privdrop_unit_caps_up sh -c "grep -q '^CapBnd:	0*[1-9a-f]' \
    /proc/$TA/status && test \"\$(stat -c %G \
    /var/run/wireguard/${P}ta.sock)\" = nogroup"
check privdrop_unit_caps_ping ip netns exec $A ping -c 2 -i 0.2 -W 2 $OB4
sed -i 's|, 198.19.7.3/32|, 198.19.7.4/32|' "$W/a.conf"
kill -HUP $TA
check privdrop_unit_caps_reload has_addr 198.19.7.4/32
stop_bg $TA
expect privdrop_unit_caps_exit $RC 0
check privdrop_unit_caps_clean test ! -e /var/run/wireguard/${P}ta.sock
stop_bg $TB
