#!/bin/sh
# Two sites, $A and $B, joined by a veth "internet": tund talks to tund and
# to wireguard-go (on either side), each side initiating, over an IPv4 and
# an IPv6 underlay, with and without a preshared key, carrying IPv4 and
# IPv6; 50 MB TCP transfers arrive intact; a side killed with SIGKILL and
# restarted carries traffic again within 10 s; an endpoint that moves in
# the middle of a transfer is followed.
. "$(dirname "$0")/../lib.sh"

# The handshake matrix: tund_tund, tund_wggo (tund on A, wireguard-go on B)
# and wggo_tund, each side initiating, each underlay and preshared key
# setting met by tund as initiator and as responder.
M="tund_tund_inita_u4 tund_tund_initb_u6_psk tund_wggo_inita_u6
tund_wggo_initb_u4_psk wggo_tund_inita_u6 wggo_tund_initb_u4_psk"
T=""
for m in $M; do
	T="$T tunnel_${m}_ping4 tunnel_${m}_ping6 tunnel_${m}_endpoint"
done
T="$T tunnel_psk_mismatch_refused tunnel_xfer_tund_tund
tunnel_restart_initiator_tund_tund tunnel_restart_responder_tund_tund
tunnel_roam_xfer tunnel_roam_endpoint tunnel_xfer_wggo_tund
tunnel_restart_tund_with_wggo tunnel_restart_wggo_with_tund
tunnel_clean_exits"
need_linux $T
need_root $T
for c in wireguard-go wg python3 ping timeout sha256sum; do
	command -v $c >/dev/null 2>&1 || skip_all "needs $c" $T
done

umask 077
sites || {
	for t in $T; do fail "$t: cannot create the namespaces"; done
	exit 0
}
"$TUND" genkey > "$W/psk"; "$TUND" genkey > "$W/psk2"

ns_of() { if [ "$1" = a ]; then echo $A; else echo $B; fi; }
other() { if [ "$1" = a ]; then echo b; else echo a; fi; }
# The overlay address of a side, or its underlay address, by family.
over() { eval echo \$O$(echo "$1" | tr ab AB)$2; }
under() { eval echo \$U$(echo "$1" | tr ab AB)$2; }

# up SIDE tund|wggo ENDPOINT-HOST [PSK-FILE]: start that side, PID in
# $PID_a or $PID_b, what runs there in $KIND_a or $KIND_b.
up() {
	if [ "$2" = tund ]; then
		site_conf $1 "$3" "${4:+PresharedKey = $(cat "${4:-/dev/null}")}" \
		    > "$W/$1.conf"
		start_tund $1 "$W/$1.conf"
	else
		# A wireguard-go killed with SIGKILL leaves its socket behind.
		rm -f /var/run/wireguard/${P}w$1.sock
		start_wggo $1 "$3" $4
	fi
	_rc=$?
	eval PID_$1=\$BG KIND_$1=$2
	return $_rc
}

# down SIDE [SIGNAL]: stop it (TERM unless told).
# A tund stopped by SIGTERM that does not exit 0 is noted in $W/exits.
down() {
	eval _pid=\${PID_$1:-} _kind=\${KIND_$1:-}
	[ -n "$_pid" ] || return 0
	stop_bg "$_pid" "${2:-TERM}"
	[ "$_kind" = tund ] && [ "${2:-TERM}" = TERM ] && [ "$RC" != 0 ] &&
	    echo "tund $1 exited $RC" >> "$W/exits"
	eval PID_$1=
}

# ping_from SIDE FAMILY: one ping from SIDE to the other's overlay address.
ping_from() {
	ip netns exec $(ns_of $1) ping -$2 -c 1 -W 1 $(over $(other $1) $2)
}

# both_ways SIDE FAMILY: SIDE reaches the other side, and the other back.
both_ways() {
	ping_from $1 $2 && ping_from $(other $1) $2
}

# within SECONDS COMMAND...: poll until the command succeeds, bounded by
# the wall clock (each try can take a second).
within() {
	_end=$(($(date +%s) + $1)); shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -ge $_end ] && return 1
		sleep 0.1
	done
}

# endpoint_of SIDE: the endpoint SIDE holds for its peer, as host:port.
endpoint_of() {
	eval _pid=\$PID_$1 _kind=\$KIND_$1
	if [ "$_kind" = tund ]; then
		kill -USR1 $_pid; sleep 0.3
		grep -o 'endpoint [^,]*' "$W/tund-$1.log" | tail -1 | sed 's/.* //'
	else
		ip netns exec $(ns_of $1) wg show ${P}w$1 endpoints |
		    awk '{ print $2 }'
	fi
}

# endpoint_is SIDE HOST: SIDE's peer endpoint is HOST, port 51820.
endpoint_is() {
	case $2 in
	*:*) _want="[$2]:51820" ;;
	*) _want="$2:51820" ;;
	esac
	_got=$(endpoint_of $1)
	[ "$_got" = "$_want" ] || { echo "endpoint $_got, not $_want"; return 1; }
}

# combo NAME KIND-A KIND-B INITIATOR UNDERLAY-FAMILY [psk]: the responder
# has no Endpoint, so only the initiator can start; pings both ways over
# IPv4 and IPv6; the responder learned the initiator's underlay address.
combo() {
	_n=tunnel_$1 _i=$4 _f=$5 _psk=""
	_r=$(other $_i)
	[ "${6:-}" = psk ] && _psk=$W/psk
	eval _ki=\$$(echo $_i | tr ab 23) _kr=\$$(echo $_r | tr ab 23)
	if ! up $_r $_kr "" $_psk || ! up $_i $_ki $(under $_r $_f) $_psk
	then
		for _t in ping4 ping6 endpoint; do
			fail "${_n}_$_t: cannot start $2 and $3"
		done
	else
		check ${_n}_ping4 within 5 both_ways $_i 4
		check ${_n}_ping6 within 5 both_ways $_i 6
		check ${_n}_endpoint endpoint_is $_r $(under $_i $_f)
	fi
	down a; down b
}

combo tund_tund_inita_u4 tund tund a 4
combo tund_tund_initb_u6_psk tund tund b 6 psk
combo tund_wggo_inita_u6 tund wggo a 6
combo tund_wggo_initb_u4_psk tund wggo b 4 psk
combo wggo_tund_inita_u6 wggo tund a 6
combo wggo_tund_initb_u4_psk wggo tund b 4 psk

# Different preshared keys: A's handshake never completes, A counts the
# failed responses.
drops() { # drops SIDE REASON: the latest count of that reason in its log
	eval kill -USR1 \$PID_$1; sleep 0.3
	grep -o "dropped [0-9]* ($2)" "$W/tund-$1.log" | tail -1 | tr -dc 0-9
}
mismatch() {
	! within 3 ping_from a 4 &&
	    [ "$(drops a 'handshake failed')" -gt "$hf0" ] 2>/dev/null
}
hf0=$(grep -o "dropped [0-9]* (handshake failed)" "$W/tund-a.log" |
    tail -1 | tr -dc 0-9)
hf0=${hf0:-0}
if up b tund "" "$W/psk2" && up a tund $UB4 "$W/psk"; then
	check tunnel_psk_mismatch_refused mismatch
else
	fail "tunnel_psk_mismatch_refused: cannot start tund"
fi
down a; down b

# --- TCP transfers, restarts, roaming --------------------------------------

head -c 50M /dev/urandom > "$W/data"
SUM="$(sha256sum < "$W/data" | cut -d' ' -f1) $(wc -c < "$W/data")"

# xfer NAME FROM-SIDE [MARK GO]: FROM sends the 50 MB file to the other
# side's overlay IPv4 address; the digest received must match.  With MARK
# and GO, the sender runs in the background (PID in $SPID) and xfer_end
# checks the result.
xfer() {
	_xn=$1 _s=$2 _d=$(other $2)
	if ! tcp_recv_digest $(ns_of $_d) $(over $_d 4) 5001 "$W/digest"; then
		fail "$_xn: the receiver did not start"; return
	fi
	RPID=$BG
	if [ -n "${3:-}" ]; then
		tcp_send_file -b $(ns_of $_s) $(over $_d 4) 5001 "$W/data" \
		    "$3" "$4" 2>"$W/send.out"
		SPID=$BG
		return
	fi
	tcp_send_file $(ns_of $_s) $(over $_d 4) 5001 "$W/data" \
	    >"$W/send.out" 2>&1
	xfer_end $_xn $?
}
xfer_end() { # xfer_end NAME SENDER-STATUS
	wait_exit $RPID 10 || stop_bg $RPID KILL
	_got=$(cat "$W/digest" 2>/dev/null)
	if [ "$2" = 0 ] && [ "$_got" = "$SUM" ]; then
		pass $1
	else
		fail "$1: sender status $2, received '${_got:-nothing}'," \
		    "sent '$SUM' $(tail -1 "$W/send.out" 2>/dev/null)"
	fi
}

# restart NAME SIDE: SIGKILL that side and start it again as it was; it
# reaches the other side, and the other side it, within 10 s of the restart.
restart() {
	eval _k=\$KIND_$2
	down $2 KILL
	if ! up $2 $_k $(under $(other $2) 4); then
		fail "$1: cannot restart $_k"; return
	fi
	check $1 within 10 both_ways $2 4
}

# Site to site: both sides have an Endpoint; A speaks first.
if up b tund $UA4 && up a tund $UB4 && within 5 both_ways a 4; then
	xfer tunnel_xfer_tund_tund a
	restart tunnel_restart_initiator_tund_tund a
	restart tunnel_restart_responder_tund_tund b

	# B moves from 198.18.0.2 to 198.18.0.3 while sending to A, whose
	# configuration still says 198.18.0.2: A follows B's packets.
	# (198.18.0.3 is added as a secondary address of the same subnet; it
	# must stay, and keep the route, when the primary goes.)
	ip netns exec $B sh -c \
	    "echo 1 > /proc/sys/net/ipv4/conf/${P}vb/promote_secondaries"
	xfer tunnel_roam_xfer b "$W/mark" "$W/go"
	moved=no
	within 20 test -e "$W/mark" &&
	    ip -n $B addr add 198.18.0.3/24 dev ${P}vb &&
	    ip -n $B addr del $UB4/24 dev ${P}vb && moved=yes
	touch "$W/go"
	# Done within 10 s: not waiting for B's handshake after 15 s unanswered.
	if wait_exit $SPID 10; then
		if [ $moved = yes ]; then xfer_end tunnel_roam_xfer $RC
		else fail "tunnel_roam_xfer: B's address did not move"; fi
	else
		stop_bg $SPID
		wait_exit $RPID 5 || stop_bg $RPID
		fail "tunnel_roam_xfer: not done 10 s after the move"
	fi
	check tunnel_roam_endpoint endpoint_is a 198.18.0.3
else
	for t in tunnel_xfer_tund_tund tunnel_restart_initiator_tund_tund \
	    tunnel_restart_responder_tund_tund tunnel_roam_xfer \
	    tunnel_roam_endpoint; do
		fail "$t: tund to tund does not come up"
	done
fi
down a; down b
ip -n $B addr add $UB4/24 dev ${P}vb 2>/dev/null
ip -n $B addr del 198.18.0.3/24 dev ${P}vb 2>/dev/null

# tund on A, wireguard-go on B: B sends; each side killed in turn.
if up b wggo $UA4 && up a tund $UB4 && within 5 both_ways a 4; then
	xfer tunnel_xfer_wggo_tund b
	restart tunnel_restart_tund_with_wggo a
	restart tunnel_restart_wggo_with_tund b
else
	for t in tunnel_xfer_wggo_tund tunnel_restart_tund_with_wggo \
	    tunnel_restart_wggo_with_tund; do
		fail "$t: tund to wireguard-go does not come up"
	done
fi
down a; down b

# Every tund ended with SIGTERM exited 0; no sanitizer report in any log.
clean() {
	! grep . "$W/exits" 2>/dev/null &&
	    ! grep -h -E 'Sanitizer|runtime error' "$W"/tund-*.log | head -3 | grep .
}
check tunnel_clean_exits clean
