#!/bin/sh
# make demo: a site-to-site VPN in four network namespaces.
#
#   lanA host --- gwA (tund) ===== tunnel ===== gwB (tund) --- lanB host
#
# The gateways run tund with conf/site-a.conf and conf/site-b.conf (fresh
# keys put in) and forward between their LAN and the tunnel.  A host of
# LAN A pings a host of LAN B and sends it TCP (iperf3); wg(8) shows gwA's
# tunnel, each tund logs its counters; then gwA restarts as a load
# generator through the tunnel and prints its report.  Everything is
# removed on any exit.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
TUND=$TOP/tund/tund
P=demo$$
LANA=${P}-lanA GWA=${P}-gwA GWB=${P}-gwB LANB=${P}-lanB
TA=${P}a TB=${P}b		# tunnel interfaces (and control sockets)
HA=198.18.1.2 HB=198.18.2.2	# the two LAN hosts
W=$(mktemp -d)
PIDS=""

[ "$(uname -s)" = Linux ] || { echo "demo: needs Linux" >&2; exit 1; }
[ "$(id -u)" = 0 ] ||
    { echo "demo: needs root (network namespaces)" >&2; exit 1; }

# stop PID: end a process of ours (SIGKILL after 3 s) and forget it.
stop() {
	kill "$1" 2>/dev/null
	_i=0
	while kill -0 "$1" 2>/dev/null && [ $_i -lt 30 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	_keep=""
	for _p in $PIDS; do [ "$_p" = "$1" ] || _keep="$_keep $_p"; done
	PIDS=$_keep
}
cleanup() {
	for p in $PIDS; do stop "$p"; done
	for n in $LANA $GWA $GWB $LANB; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE

say() { printf '\n== %s\n' "$*"; }
die() {
	echo "demo: $*; the gateways' logs:" >&2
	tail -5 "$W/a.log" "$W/b.log" >&2
	exit 1
}
# poll SECONDS COMMAND...: until the command succeeds.
poll() {
	_t=$(($1 * 10)); shift
	until "$@" >/dev/null 2>&1; do
		_t=$((_t - 1)); [ $_t -gt 0 ] || return 1; sleep 0.1
	done
}
# net NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth link, addressed and up.
net() {
	ip link add "$2" netns "$1" type veth peer name "$5" netns "$4" &&
	    ip -n "$1" addr add "$3" dev "$2" && ip -n "$1" link set "$2" up &&
	    ip -n "$4" addr add "$6" dev "$5" && ip -n "$4" link set "$5" up
}

say "the network: four namespaces ($P-lanA, -gwA, -gwB, -lanB)"
cat <<EOD
  lanA host  eth0 $HA/24, default route via gwA
      |
  gwA        lan0 198.18.1.1/24, wan0 198.18.0.1/30; tund: $TA 198.19.0.1/24
      |      (the "internet": the tunnel's UDP datagrams)
  gwB        wan0 198.18.0.2/30, lan0 198.18.2.1/24; tund: $TB 198.19.0.2/24
      |
  lanB host  eth0 $HB/24, default route via gwB
EOD
for n in $LANA $GWA $GWB $LANB; do
	ip netns add "$n" && ip -n "$n" link set lo up || exit 1
done
net $LANA eth0 $HA/24 $GWA lan0 198.18.1.1/24 &&
    net $GWA wan0 198.18.0.1/30 $GWB wan0 198.18.0.2/30 &&
    net $GWB lan0 198.18.2.1/24 $LANB eth0 $HB/24 || exit 1
ip -n $LANA route add default via 198.18.1.1
ip -n $LANB route add default via 198.18.2.1
# Forwarding on in the gateways, and only there.
ip netns exec $GWA sysctl -qw net.ipv4.ip_forward=1
ip netns exec $GWB sysctl -qw net.ipv4.ip_forward=1

say "gwA's configuration: conf/site-a.conf with new keys (gwB's: site-b.conf)"
umask 077
"$TUND" genkey > "$W/a.key" && "$TUND" genkey > "$W/b.key" || exit 1
# site SIDE KEY PEER-KEY DEVICE: the sample with these keys and device.
site() {
	sed -e "s|^PrivateKey = .*|PrivateKey = $(cat "$2")|" \
	    -e "s|^# public key .*|# public key $("$TUND" pubkey < "$2")|" \
	    -e "s|^PublicKey = .*|PublicKey = $("$TUND" pubkey < "$3")|" \
	    -e "/^\[Interface\]/a Device = $4  # added by the demo" \
	    "$TOP/conf/site-$1.conf"
}
site a "$W/a.key" "$W/b.key" $TA > "$W/a.conf"
site b "$W/b.key" "$W/a.key" $TB > "$W/b.conf"
grep -v '^#' "$W/a.conf" | sed 's|^PrivateKey = .*|PrivateKey = (hidden)|'
printf 'tund -n: site a %s, site b %s\n' \
    "$("$TUND" -n -f "$W/a.conf")" "$("$TUND" -n -f "$W/b.conf")"

say "starting tund on both gateways"
ip netns exec $GWA "$TUND" -d -f "$W/a.conf" 2>"$W/a.log" & PA=$!
ip netns exec $GWB "$TUND" -d -f "$W/b.conf" 2>"$W/b.log" & PB=$!
PIDS="$PA $PB"
up() { ip -n "$1" link show "$2" | grep -q ',UP'; }
poll 5 up $GWA $TA && poll 5 up $GWB $TB || die "tund did not start"

say "gwA: its tunnel interface, and the routes tund added from AllowedIPs"
ip -n $GWA -br addr show dev $TA
ip -n $GWA route show dev $TA
say "lanA host: everything goes to its gateway"
ip -n $LANA route

say "ping: lanA host $HA to lanB host $HB (the first starts the handshake)"
ip netns exec $LANA ping -c 3 -i 0.2 -W 2 $HB > "$W/ping" ||
    die "no answer through the tunnel"
grep -E 'seq=1 |transmitted' "$W/ping"

say "TCP: 3 seconds of iperf3 from the lanA host to the lanB host"
ip netns exec $LANB iperf3 -s -1 -B $HB >/dev/null 2>&1 & PI=$!
PIDS="$PIDS $PI"
poll 5 sh -c "ip netns exec $LANB ss -ltn | grep -q ':5201 '"
ip netns exec $LANA iperf3 -c $HB -t 3 -f m 2>&1 |
    grep -E 'sender|receiver|error'
stop $PI

say "wg show on gwA: the stock wg(8) through tund's control socket"
ip netns exec $GWA wg show $TA

# counters SIDE PID: the lines tund logs on SIGUSR1.
counters() {
	_n=$(wc -c < "$W/$1.log")
	kill -USR1 "$2"
	poll 2 sh -c "tail -c +$((_n + 1)) '$W/$1.log' | grep -q '^peer '"
	tail -c +$((_n + 1)) "$W/$1.log"
}
say "gwA: what tund counted (SIGUSR1)"
counters a $PA
say "gwB: what tund counted (SIGUSR1)"
counters b $PB

say "load test: gwA restarts as a load generator, 1 then 2 sender threads"
stop $PA
ip netns exec $GWA timeout 30 "$TUND" -f "$W/a.conf" \
    -L destination=198.19.0.2:9 -L threads=1,2 -L duration=2 -L rate=50k \
    -L size=128 2>"$W/a.log" || die "the load run failed"

say "removing everything"
stop $PB
for g in "$GWA $TA" "$GWB $TB"; do
	set -- $g
	ip -n $1 link show $2 >/dev/null 2>&1 &&
	    echo "$1: tund left $2 behind!" || echo "$1: tund removed $2"
done
cleanup
ip netns list | grep -q "^$P-" && echo "namespaces left behind!" ||
    echo "namespaces removed"
