#!/bin/sh
# make demo: two sites, each a network namespace running tund, joined by a
# veth "internet" link.  Shows both interfaces coming up, the WireGuard
# tunnel between them carrying pings and a TCP stream (iperf3), what each
# daemon counted, then site a again as a load generator: sender threads
# through its interface, the far end counting, one report.  Removes
# everything on exit.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
TUND=$TOP/tund/tund
P=demo$$
A=${P}a; B=${P}b
W=$(mktemp -d)
PIDS=""

[ "$(uname -s)" = Linux ] || { echo "demo: needs Linux" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: needs root (network namespaces)" >&2; exit 1; }

cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

say() { printf '\n== %s\n' "$*"; }

say "two sites: namespaces $A and $B, underlay 198.18.0.0/24 on veth"
ip netns add $A && ip netns add $B || exit 1
ip link add ${P}va netns $A type veth peer name ${P}vb netns $B
ip -n $A addr add 198.18.0.1/24 dev ${P}va; ip -n $A link set ${P}va up
ip -n $B addr add 198.18.0.2/24 dev ${P}vb; ip -n $B link set ${P}vb up

umask 077
"$TUND" genkey > "$W/a.key"; "$TUND" genkey > "$W/b.key"
site() { # site KEYFILE PEERKEYFILE OVERLAY-ADDR PEER-OVERLAY PEER-UNDERLAY DEV
	cat <<EOC
[Interface]
PrivateKey = $(cat "$1")
ListenPort = 51820
Address = $3/24
Device = $6

[Peer]
PublicKey = $("$TUND" pubkey < "$2")
AllowedIPs = $4/32, 198.19.$7.0/24
Endpoint = $5:51820
EOC
}
site "$W/a.key" "$W/b.key" 198.19.0.1 198.19.0.2 198.18.0.2 ${P}ta 2 > "$W/a.conf"
site "$W/b.key" "$W/a.key" 198.19.0.2 198.19.0.1 198.18.0.1 ${P}tb 1 > "$W/b.conf"
sed 's/PrivateKey = .*/PrivateKey = (secret)/' "$W/a.conf"
"$TUND" -n -f "$W/a.conf" && "$TUND" -n -f "$W/b.conf" || exit 1

say "starting tund on both sites"
ip netns exec $A "$TUND" -d -f "$W/a.conf" 2>"$W/a.log" & PIDS="$PIDS $!"; PA=$!
ip netns exec $B "$TUND" -d -f "$W/b.conf" 2>"$W/b.log" & PIDS="$PIDS $!"; PB=$!
for i in $(seq 50); do
	ip -n $A link show ${P}ta 2>/dev/null | grep -q ',UP' &&
	    ip -n $B link show ${P}tb 2>/dev/null | grep -q ',UP' && break
	sleep 0.1
done
for s in a b; do
	ns=$([ $s = a ] && echo $A || echo $B)
	say "site $s: interface and routes"
	ip -n $ns -br addr show dev ${P}t$s
	ip -n $ns route show dev ${P}t$s
done

say "traffic: site a pings site b through the tunnel (the first ping starts the handshake)"
ip netns exec $A ping -c 3 -i 0.2 -W 2 198.19.0.2 | tail -2

say "load: 3 seconds of TCP from site a to site b through the tunnel (iperf3)"
ip netns exec $B iperf3 -s -1 -B 198.19.0.2 >/dev/null 2>&1 & IP=$!
sleep 0.5
ip netns exec $A iperf3 -c 198.19.0.2 -t 3 -f m 2>&1 | grep -E 'sender|receiver'
wait $IP 2>/dev/null

for s in a b; do
	kill -USR1 $([ $s = a ] && echo $PA || echo $PB); sleep 0.3
	say "site $s: tund's counters"
	grep -E 'device|dropped|peer' "$W/$s.log" | tail -4
done

say "load test: site a restarts as a load generator (1, then 2 sender threads, 2 s each)"
kill -TERM $PA; wait $PA
PIDS=$PB
ip netns exec $A "$TUND" -f "$W/a.conf" -L destination=198.19.0.2:9 \
    -L threads=1,2 -L duration=2 -L rate=50k -L size=128 2>"$W/load.log" ||
    { echo "load run failed:"; cat "$W/load.log"; }

say "stopping site b"
kill -TERM $PB; wait $PB; PIDS=""
ip -n $A link show ${P}ta >/dev/null 2>&1 && echo "site a: interface left behind!" ||
    echo "site a: interface removed"
ip -n $B link show ${P}tb >/dev/null 2>&1 && echo "site b: interface left behind!" ||
    echo "site b: interface removed"
