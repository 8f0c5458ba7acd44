#!/bin/sh
# tund brings up its interface in a namespace: addresses, MTU, routes; pulls
# the packets routed into it; survives a broken reload; applies a good one;
# leaves nothing behind after SIGTERM, nor after a failure half way; will
# not share its device with a second tund, but takes a persistent one.
. "$(dirname "$0")/../lib.sh"
T="iface_up iface_addr4 iface_addr6 iface_mtu iface_multiqueue iface_routes
iface_pulls_ping4 iface_pulls_ping6 iface_no_peer iface_bad_reload
iface_bad_reload_kept iface_good_reload iface_icmp_source iface_in_use
iface_sigterm
iface_clean iface_half_setup iface_persistent iface_persistent_kept"
need_linux $T
need_root $T

NS=${P}a; DEV=${P}tun; N="ip -n $NS"; LOG=$W/tund.log
ns_add $NS || { fail "iface_up: cannot create namespace"; exit 0; }
PRIV=$("$TUND" genkey)
PEER=$("$TUND" genkey | "$TUND" pubkey)

conf() { # conf EXTRA-ALLOWED-IPS EXTRA-INTERFACE-LINE
	cat <<EOC
# test_iface
[Interface]
PrivateKey = $PRIV
Address = 198.18.1.1/24, 2001:db8:1::1/64
MTU = 1380
Device = $DEV
Threads = 2
$2

[Peer]
PublicKey = $PEER
AllowedIPs = 198.19.7.0/24
AllowedIPs = 2001:db8:7::/48 $1
EOC
}
umask 077
conf > "$W/tund.conf"

# The first number after PATTERN in the latest stats of the log.
stat() {
	kill -USR1 $TPID; sleep 0.3
	grep -o "$1 [0-9]*" "$LOG" | tail -1 | sed 's/.* //'
}

bg sh -c "exec ip netns exec $NS '$TUND' -d -v -f '$W/tund.conf' 2>'$LOG'"
TPID=$BG
check iface_up wait_for 5 sh -c "$N link show $DEV | grep -q ',UP'"
check iface_addr4 sh -c "$N -4 addr show dev $DEV | grep -q 'inet 198.18.1.1/24'"
check iface_addr6 sh -c "$N -6 addr show dev $DEV | grep -q 'inet6 2001:db8:1::1/64'"
check iface_mtu sh -c "$N link show $DEV | grep -q 'mtu 1380'"
check iface_multiqueue sh -c "$N -d link show $DEV | grep -q multi_queue"
check iface_routes sh -c "$N route show | grep -q '^198.19.7.0/24 dev $DEV' &&
    $N -6 route show | grep -q '^2001:db8:7::/48 dev $DEV'"

# Packets routed into the device are pulled and counted; the peer has no
# endpoint, so they wait for one.  A destination no peer takes is
# dropped and answered with ICMP unreachable.
n0=$(stat 'device')
ip netns exec $NS ping -c 3 -i 0.2 -W 1 198.19.7.9 >/dev/null 2>&1
n4=$(stat 'device')
check iface_pulls_ping4 test "${n4:-0}" -ge $((n0 + 3))
ip netns exec $NS ping -6 -c 2 -i 0.2 -W 1 2001:db8:7::9 >/dev/null 2>&1
n6=$(stat 'device')
check iface_pulls_ping6 test "${n6:-0}" -ge $((n4 + 2))
$N route add 198.19.99.0/24 dev $DEV
ip netns exec $NS ping -c 2 -i 0.2 -W 1 198.19.99.1 > "$W/ping" 2>&1
kill -USR1 $TPID; sleep 0.3
np=$(grep -o "dropped [0-9]* (no peer)" "$LOG" | tail -1 | tr -dc 0-9)
check iface_no_peer sh -c "test '${np:-0}' -ge 2 &&
    grep -q 'Destination Host Unreachable' '$W/ping'"

# A broken file on SIGHUP: errors logged as file:line, nothing changes.
printf '[Interface]\nPrivateKey = %s\nMTU = lots\nBogus = 1\n' "$PRIV" \
    > "$W/tund.conf"
kill -HUP $TPID; sleep 0.5
check iface_bad_reload sh -c "kill -0 $TPID &&
    grep -q '$W/tund.conf:3: ' '$LOG' && grep -q '$W/tund.conf:4: ' '$LOG'"
check iface_bad_reload_kept sh -c "$N route show | grep -q '^198.19.7.0/24'"

# A good one: a new route appears, an address goes, the MTU changes.
conf ", 198.19.8.0/24" "" | sed 's/^MTU = 1380/MTU = 1300/;
    s|^Address = .*|Address = 198.18.1.1/24|' > "$W/tund.conf"
kill -HUP $TPID; sleep 0.5
check iface_good_reload sh -c "$N route show | grep -q '^198.19.8.0/24 dev $DEV' &&
    ! $N -6 addr show dev $DEV | grep -q 2001:db8:1::1 &&
    $N link show $DEV | grep -q 'mtu 1300'"

# An error for a packet from another local address comes from the
# destination too (the kernel drops one from its own address).
$N addr add 198.18.9.9/32 dev lo
ip netns exec $NS ping -c 1 -W 2 -I 198.18.9.9 198.19.99.1 > "$W/ping2" 2>&1
check iface_icmp_source grep -q "From 198.19.99.1 .*Unreachable" "$W/ping2"

# A second tund for the same device is refused, and takes nothing away.
timeout 10 ip netns exec $NS "$TUND" -d -f "$W/tund.conf" 2>"$W/second.log"
rc=$?
check iface_in_use sh -c "test $rc = 1 &&
    grep -q '$DEV: in use by another process' '$W/second.log' &&
    kill -0 $TPID && $N link show $DEV | grep -q ',UP'"

kill -TERM $TPID
if wait_exit $TPID 5; then check iface_sigterm test "$RC" = 0
else fail "iface_sigterm: still running after 5 s"; fi
check iface_clean sh -c "! $N link show $DEV &&
    ! $N route show | grep -q 198.19 && ! $N -6 route show | grep -q 2001:db8:7"

# A hook failing after the interface is up: tund exits 1, undoing it all.
conf "" "PostUp = false" > "$W/tund.conf"
ip netns exec $NS "$TUND" -d -f "$W/tund.conf" 2>"$LOG"
rc=$?
check iface_half_setup sh -c "test $rc = 1 && ! $N link show $DEV &&
    ! $N route show | grep -q 198.19"

# A device made persistent for tund is taken, and left in place.
$N tuntap add mode tun multi_queue vnet_hdr name $DEV
conf > "$W/tund.conf"
bg sh -c "exec ip netns exec $NS '$TUND' -d -f '$W/tund.conf' 2>'$LOG'"
TPID=$BG
check iface_persistent wait_for 5 sh -c "$N link show $DEV | grep -q ',UP' &&
    $N -4 addr show dev $DEV | grep -q 198.18.1.1"
stop_bg $TPID
check iface_persistent_kept sh -c "$N link show $DEV &&
    ! $N -4 addr show dev $DEV | grep -q 198.18.1.1"
