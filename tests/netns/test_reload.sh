#!/bin/sh
# Reload during a continuous transfer.  Site a pings site b without pause
# while SIGHUPs add a peer c (a third namespace) and a peer d, change c's
# AllowedIPs, add an Address and remove d and the Address again: not a
# ping is lost and b keeps its session (no new handshake).  What a reload
# adds works, what it removes is gone, and a file with an error changes
# nothing at all.
. "$(dirname "$0")/../lib.sh"
T="reload_peer_added reload_peer_added_route reload_address_added
reload_allowedips_changed reload_more_peer_routes reload_address_removed
reload_address_kept reload_peer_removed reload_peer_removed_routes
reload_while_pinging reload_no_loss reload_same_handshake
reload_added_peer_works reload_removed_routes reload_removed_silent
reload_broken_logged reload_broken_unchanged reload_broken_no_loss"
need_linux $T
need_root $T
command -v wg >/dev/null 2>&1 || skip_all "wg(8) not installed" $T

umask 077
C=${P}c; UC4=198.18.3.3; OC4=198.19.0.3
sites && ns_add $C && veth $A ${P}vc $C ${P}vx ||
    { fail "reload_no_loss: cannot create namespaces"; exit 0; }
ip -n $A addr add 198.18.3.1/24 dev ${P}vc
ip -n $C addr add $UC4/24 dev ${P}vx
PUBC=$(key "$W/c.key"); PUBD=$(key "$W/d.key")
cat > "$W/c.conf" <<EOC
[Interface]
PrivateKey = $(cat "$W/c.key")
ListenPort = 51820
Address = $OC4/24
Device = ${P}tc

[Peer]
PublicKey = $PUBA
AllowedIPs = $OA4/32
EOC
site_conf b "" > "$W/b.conf"

# a_conf EXTRA-ADDRESSES [PEERS]: site a's file, its peer b always the
# same, written whole before tund can read it.
a_conf() {
	site_conf a $UB4 "${2:-}" | sed "/^Address = /s|\$|$1|" \
	    > "$W/a.conf.new" && mv "$W/a.conf.new" "$W/a.conf"
}
PEER_C="
[Peer]
PublicKey = $PUBC
Endpoint = $UC4:51820
AllowedIPs = $OC4/32"
PEER_C2="$PEER_C, 198.18.33.0/24"
PEER_D="
[Peer]
PublicKey = $PUBD
AllowedIPs = 198.19.0.4/32, 198.18.44.0/24"

# hup: SIGHUP to site a, and wait until it has reloaded or refused.
NHUP=0
hup() {
	NHUP=$((NHUP + 1))
	kill -HUP $TA
	wait_for 5 sh -c "test \$(grep -cE 'reloaded |reload failed' \
	    '$W/tund-a.log') -ge $NHUP"
}
WG="ip netns exec $A wg"
routes() { ip -n $A route; }
addrs() { ip -n $A addr show dev ${P}ta; }
peers() { $WG show ${P}ta peers; }
# has WHAT GREP-ARGS...: routes, addrs or peers has a line that matches.
has() { _w=$1; shift; $_w | grep -q "$@"; }
lacks() { ! has "$@"; }
handshake_b() {
	$WG show ${P}ta latest-handshakes | awk -v k="$PUBB" '$1 == k { print $2 }'
}
# no_loss FILE: ping's summary in FILE says every packet came back.
no_loss() {
	awk '/packets transmitted/ { print; ok = $1 > 0 && $1 == $4 }
	    END { exit !ok }' "$1"
}

a_conf ""
start_tund a "$W/a.conf"; TA=$BG
start_tund b "$W/b.conf"
start_tund c "$W/c.conf"
ip netns exec $A ping -c 2 -W 2 $OB4 >/dev/null 2>&1
HS0=$(handshake_b)

# At least 5 s of pings, 200 a second; the five reloads take about one.
bg sh -c "exec ip netns exec $A ping -c 1000 -i 0.005 -W 2 $OB4 \
    >'$W/ping' 2>&1"
PING=$BG
sleep 0.5
a_conf "" "$PEER_C"; hup
check reload_peer_added has peers -Fx "$PUBC"
check reload_peer_added_route has routes "^$OC4 "
a_conf ", 198.18.55.1/24" "$PEER_C"; hup
check reload_address_added has addrs "inet 198.18.55.1/24 "
a_conf ", 198.18.55.1/24" "$PEER_C2"; hup
check reload_allowedips_changed has routes "^198.18.33.0/24 "
a_conf ", 198.18.55.1/24" "$PEER_C2$PEER_D"; hup
check reload_more_peer_routes has routes -E "^(198.19.0.4|198.18.44.0/24) "
a_conf "" "$PEER_C2"; hup
check reload_address_removed lacks addrs 198.18.55.1
check reload_address_kept has addrs "inet $OA4/24 "
check reload_peer_removed lacks peers -Fx "$PUBD"
check reload_peer_removed_routes lacks routes -E "^(198.19.0.4|198.18.44.0/24) "
check reload_while_pinging kill -0 $PING
wait_exit $PING 30 || stop_bg $PING
check reload_no_loss no_loss "$W/ping"
check reload_same_handshake test "${HS0:-none}" != 0 -a \
    "$(handshake_b)" = "${HS0:-none}"

# The peer added on the way works; removed, its routes and traffic go.
check reload_added_peer_works wait_for 10 ip netns exec $A ping -c 1 -W 1 $OC4
a_conf ""; hup
check reload_removed_routes lacks routes -E "^($OC4|198.18.33.0/24) "
check reload_removed_silent sh -c "! ip netns exec $A ping -c 2 -W 1 $OC4 &&
    ! ip netns exec $C ping -c 2 -W 1 $OA4"

# A bad line refuses the whole file, the new peer and Address with it.
state() { # peers without their counters, addresses, routes
	$WG show ${P}ta dump | cut -f1-5,8
	ip -n $A addr show dev ${P}ta
	ip -n $A route
}
state > "$W/before"
bg sh -c "exec ip netns exec $A ping -c 300 -i 0.01 -W 2 $OB4 \
    >'$W/ping2' 2>&1"
PING=$BG
a_conf ", 198.18.66.1/24" "$PEER_D
Bogus = 1"
LINE=$(grep -n '^Bogus' "$W/a.conf" | cut -d: -f1)
sleep 0.5; hup
state > "$W/after"
check reload_broken_logged grep -q "$W/a.conf:$LINE: " "$W/tund-a.log"
check reload_broken_unchanged diff "$W/before" "$W/after"
wait_exit $PING 30 || stop_bg $PING
check reload_broken_no_loss no_loss "$W/ping2"
