#!/bin/sh
# An Endpoint given as a host name follows the host when it moves.  Site
# a knows b as peer-b.test (the namespace's own /etc/hosts, which `ip
# netns exec` mounts over /etc/hosts); b knows no endpoint for a.  Then b
# moves to another underlay address and its tund restarts, the hosts file
# says so, and a, still sending, must reach b again without a reload,
# once its handshakes have gone unanswered for 15 s and the name has been
# looked up again: about 35 s after the move, 90 s at most.
. "$(dirname "$0")/../lib.sh"
T="resolve_name_works resolve_follows_move resolve_logged resolve_no_reload"
need_linux $T
need_root $T

UB4N=198.18.0.3		# b's address after the move
# Over a's /etc: hosts, and a resolv.conf that keeps any stray DNS query
# inside the namespace; readable by all, as tund looks them up after it
# gave up root.
ETC=/etc/netns/$A
trap 'rm -rf "$ETC"; rmdir /etc/netns 2>/dev/null; cleanup' EXIT
umask 022
mkdir -p "$ETC" &&
    echo "$UB4 peer-b.test" > "$ETC/hosts" &&
    echo "nameserver 127.0.0.1" > "$ETC/resolv.conf" || {
	fail "resolve_name_works: cannot write $ETC"; exit 0; }
umask 077
sites || { fail "resolve_name_works: cannot create namespaces"; exit 0; }

site_conf a peer-b.test > "$W/a.conf"
site_conf b "" > "$W/b.conf"
start_tund b "$W/b.conf"; TB=$BG
start_tund a "$W/a.conf"
check resolve_name_works wait_for 10 ip netns exec $A ping -c 1 -W 1 $OB4

# b moves: a new address, a new tund, and the name points there.  The file
# is written in place: it is mounted, so a new file would go unseen.
stop_bg $TB
ip -n $B addr del $UB4/24 dev ${P}vb
ip -n $B addr add $UB4N/24 dev ${P}vb
echo "$UB4N peer-b.test" > "$ETC/hosts"
start_tund b "$W/b.conf"

# Ping until b answers (a's traffic is what makes it try), for 90 s at most.
moved() {
	_end=$(($(date +%s) + 90))
	until ip netns exec $A ping -c 1 -W 1 $OB4; do
		[ "$(date +%s)" -lt $_end ] || return 1
	done
}
check resolve_follows_move moved
check resolve_logged grep -q "endpoint peer-b.test resolved to $UB4N:51820 (was $UB4:51820)" \
    "$W/tund-a.log"
check resolve_no_reload sh -c "! grep -q reload '$W/tund-a.log'"
