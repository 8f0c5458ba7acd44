#!/bin/sh
# tund against its peers, in network namespaces on this machine, one run.
#
#   sh bench/run.sh [-t seconds] [-o results.json] [-n peers] [-r rounds]
#       [name...]
#
# names (default: all of them, in this order):
#   veth tund-t1 tund-t2 wggo ovpn-aes ovpn-chacha   tunnels
#   crypto                                           openssl speed, one core
#   peers                                            tund with -n peers
#   load                  tund's senders against iperf3, -r rounds
#
# Each tunnel gets two fresh namespaces joined by veth (underlay
# 198.18.0.1-2/24) and carries iperf3 TCP (1 and 4 streams), iperf3 UDP
# with 64-byte payloads and ping (idle, and during the 1-stream TCP run)
# between 198.19.0.1 and 198.19.0.2.  Prints one table with every figure's
# ratio to tund (Threads = 2, else Threads = 1) and writes the results as
# JSON.  Needs root and Linux; installs iperf3, wireguard-go,
# wireguard-tools and openvpn from Debian if missing.  Not a test: it never
# fails on a figure.  See bench/README.md.
set -u

usage() {
	sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

T=10
OUT=bench/results.json
NPEERS=1000
ROUNDS=3
while getopts t:o:n:r:h _o; do
	case $_o in
	t) T=$OPTARG ;;
	o) OUT=$OPTARG ;;
	n) NPEERS=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case $T in ''|*[!0-9]*) usage ;; esac
case $NPEERS in ''|*[!0-9]*) usage ;; esac
case $ROUNDS in ''|*[!0-9]*) usage ;; esac
[ "$T" -ge 1 ] && [ "$NPEERS" -ge 2 ] && [ "$ROUNDS" -ge 1 ] || usage
LOAD_THREADS=${LOAD_THREADS:-1}
TUNNELS="veth tund-t1 tund-t2 wggo ovpn-aes ovpn-chacha"
NAMES=${*:-$TUNNELS crypto peers load}
for _n in $NAMES; do
	case " $TUNNELS crypto peers load " in
	*" $_n "*) ;;
	*) echo "run.sh: unknown name $_n" >&2; usage ;;
	esac
done

case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
TUND=${TUND:-$TOP/tund/tund}
LIB=$TOP/bench/benchlib.py

if [ "$(uname -s)" != Linux ] || [ "$(id -u)" != 0 ]; then
	echo "run.sh: needs root on Linux (network namespaces)" >&2
	exit 1
fi

# --- state and cleanup ----------------------------------------------------

P=bn$$			# prefix of every namespace and interface we make
W=$(mktemp -d /tmp/tund-bench.XXXXXX) || exit 1
RES=$W/res
mkdir "$RES"
NAMESPACES=""
PIDS=""

# stop_pids PID...: TERM, up to 3 s, then KILL; each waited for.
stop_pids() {
	for _p in "$@"; do kill "$_p" 2>/dev/null; done
	for _p in "$@"; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1; _i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
}

forget_pid() {
	_keep=""
	for _p in $PIDS; do [ "$_p" = "$1" ] || _keep="$_keep $_p"; done
	PIDS=$_keep
}

# ns_del NS...: end what still runs inside (by PID), then remove.
ns_del() {
	for _n in "$@"; do
		_left=$(ip netns pids "$_n" 2>/dev/null)
		[ -n "$_left" ] && stop_pids $_left
		ip netns del "$_n" 2>/dev/null
		_keep=""
		for _m in $NAMESPACES; do
			[ "$_m" = "$_n" ] || _keep="$_keep $_m"
		done
		NAMESPACES=$_keep
	done
}

cleanup() {
	trap '' INT TERM HUP
	[ -n "$PIDS" ] && stop_pids $PIDS
	PIDS=""
	[ -n "$NAMESPACES" ] && ns_del $NAMESPACES
	if [ -n "${BENCH_KEEP:-}" ]; then echo "scratch kept in $W" >&2; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

ns_add() {
	ip netns add "$1" || return 1
	NAMESPACES="$NAMESPACES $1"
	ip -n "$1" link set lo up
}

# wait_for SECONDS COMMAND...: until the command succeeds or time is up.
wait_for() {
	_end=$(($(date +%s) + $1)); shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}

alive() {
	for _p in "$@"; do kill -0 "$_p" 2>/dev/null || return 1; done
}

py() { python3 "$LIB" "$@"; }

# fg COMMAND...: run it in the background and wait for it, so that a signal
# to this script is acted on at once (the trap ends the PID).
fg() {
	"$@" &
	_fg=$!; PIDS="$PIDS $_fg"
	wait $_fg; _rc=$?
	forget_pid $_fg
	return $_rc
}

log() { printf '%s\n' "$*" >&2; }

# --- what this machine needs ----------------------------------------------

need_cmds="iperf3 ping python3"
for _n in $NAMES; do
	case $_n in
	wggo) need_cmds="$need_cmds wireguard-go wg" ;;
	ovpn-*) need_cmds="$need_cmds openvpn openssl" ;;
	crypto) need_cmds="$need_cmds openssl" ;;
	esac
done
missing=""
for _c in $need_cmds; do
	command -v "$_c" >/dev/null 2>&1 && continue
	case $_c in
	wg) missing="$missing wireguard-tools" ;;
	ping) missing="$missing iputils-ping" ;;
	*) missing="$missing $_c" ;;
	esac
done
if [ -n "$missing" ] && [ -f /etc/debian_version ] &&
    command -v apt-get >/dev/null 2>&1; then
	log "installing$missing"
	DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
	    $missing >"$W/apt.log" 2>&1 ||
	    { timeout 600 apt-get update -q >>"$W/apt.log" 2>&1 &&
	    DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q \
	    $missing >>"$W/apt.log" 2>&1; } ||
	    log "apt-get failed: $(tail -n 3 "$W/apt.log")"
fi
for _c in iperf3 ping python3; do
	command -v $_c >/dev/null 2>&1 ||
	    { log "run.sh: $_c is needed"; exit 1; }
done
if [ ! -x "$TUND" ]; then
	${MAKE:-make} -s tund/tund >&2 || { log "run.sh: cannot build tund"; exit 1; }
fi

genkey() { # genkey FILE: private key in FILE, public key printed
	(umask 077; "$TUND" genkey > "$1") && "$TUND" pubkey < "$1"
}

{
	echo "nproc $(nproc)"
	echo "kernel $(uname -r)"
	echo "cpu \"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\""
	echo "loadavg_start \"$(cut -d' ' -f1-3 /proc/loadavg)\""
	echo "iperf3 \"$(iperf3 --version 2>/dev/null | head -n 1)\""
	command -v wireguard-go >/dev/null 2>&1 &&
	    echo "wireguard_go \"$(wireguard-go --version 2>/dev/null | head -n 1)\""
	command -v openvpn >/dev/null 2>&1 &&
	    echo "openvpn \"$(openvpn --version 2>/dev/null | head -n 1 | cut -d' ' -f1-2)\""
	echo "openssl \"$(openssl version 2>/dev/null)\""
	echo "tund \"$TUND\""
} > "$RES/machine.kv"

# --- two sites -------------------------------------------------------------
#
# Per tunnel K: namespaces $A and $B, veth ${P}${K}va/vb, underlay
# $UA/$UB, tunnel addresses $OA/$OB; the tunnel's own processes in $TPIDS.

UA=198.18.0.1; UB=198.18.0.2; OA=198.19.0.1; OB=198.19.0.2; OX=198.19.0.3
K=0

sites() {
	K=$((K + 1)); A=${P}${K}a; B=${P}${K}b; TPIDS=""
	ns_add $A && ns_add $B || return 1
	ip link add ${P}${K}va netns $A type veth peer name ${P}${K}vb \
	    netns $B || return 1
	ip -n $A addr add $UA/24 dev ${P}${K}va
	ip -n $B addr add $UB/24 dev ${P}${K}vb
	ip -n $A link set ${P}${K}va up && ip -n $B link set ${P}${K}vb up
}

# spawn LOG NS COMMAND...: a tunnel process in NS (ip netns exec execs, so
# $! is the daemon itself).
spawn() {
	_log=$1 _ns=$2; shift 2
	ip netns exec "$_ns" "$@" >"$_log" 2>&1 &
	TPIDS="$TPIDS $!"; PIDS="$PIDS $!"
}

tund_conf() { # tund_conf KEYFILE PEERPUB ME PEER ENDPOINT DEVICE THREADS
	cat <<EOC
[Interface]
PrivateKey = $(cat "$1")
ListenPort = 51820
Address = $3/24
Device = $6
Threads = $7

[Peer]
PublicKey = $2
AllowedIPs = $4/32
Endpoint = $5:51820
EOC
}

up_tund() { # up_tund THREADS
	_pa=$(genkey "$W/$K.a.key") && _pb=$(genkey "$W/$K.b.key") || return 1
	(umask 077
	tund_conf "$W/$K.a.key" "$_pb" $OA $OB $UB ${P}${K}ta "$1" > "$W/$K.a.conf"
	tund_conf "$W/$K.b.key" "$_pa" $OB $OA $UA ${P}${K}tb "$1" > "$W/$K.b.conf")
	spawn "$W/$NAME.a.log" $A "$TUND" -d -f "$W/$K.a.conf"
	spawn "$W/$NAME.b.log" $B "$TUND" -d -f "$W/$K.b.conf"
}

up_wggo() {
	_pa=$(genkey "$W/$K.a.key") && _pb=$(genkey "$W/$K.b.key") || return 1
	for _s in a b; do
		_ns=$([ $_s = a ] && echo $A || echo $B)
		spawn "$W/$NAME.$_s.log" $_ns env WG_PROCESS_FOREGROUND=1 \
		    WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 \
		    wireguard-go ${P}${K}w$_s
	done
	wait_for 10 test -S /var/run/wireguard/${P}${K}wa.sock || return 1
	wait_for 10 test -S /var/run/wireguard/${P}${K}wb.sock || return 1
	ip netns exec $A wg set ${P}${K}wa listen-port 51820 \
	    private-key "$W/$K.a.key" peer "$_pb" allowed-ips $OB/32 \
	    endpoint $UB:51820 || return 1
	ip netns exec $B wg set ${P}${K}wb listen-port 51820 \
	    private-key "$W/$K.b.key" peer "$_pa" allowed-ips $OA/32 \
	    endpoint $UA:51820 || return 1
	ip -n $A addr add $OA/24 dev ${P}${K}wa
	ip -n $B addr add $OB/24 dev ${P}${K}wb
	ip -n $A link set ${P}${K}wa up mtu 1420 &&
	    ip -n $B link set ${P}${K}wb up mtu 1420
}

# Self-signed certificates, each side pinning the other's by fingerprint.
certs() {
	[ -f "$W/ovb.crt" ] && return 0
	for _s in a b; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -keyout "$W/ov$_s.key" -out "$W/ov$_s.crt" -days 2 \
		    -subj /CN=tund-bench-$_s >/dev/null 2>&1 || return 1
	done
	FPA=$(openssl x509 -in "$W/ova.crt" -noout -fingerprint -sha256 |
	    cut -d= -f2)
	FPB=$(openssl x509 -in "$W/ovb.crt" -noout -fingerprint -sha256 |
	    cut -d= -f2)
}

up_ovpn() { # up_ovpn CIPHER
	certs || return 1
	# Userspace data channel (no DCO), only the one cipher offered.
	_common="--dev-type tun --proto udp --port 1194 --disable-dco
	    --data-ciphers $1 --verb 3"
	spawn "$W/$NAME.a.log" $A openvpn $_common --dev ${P}${K}oa \
	    --local $UA --remote $UB --ifconfig $OA $OB --tls-server \
	    --dh none --cert "$W/ova.crt" --key "$W/ova.key" \
	    --peer-fingerprint "$FPB"
	spawn "$W/$NAME.b.log" $B openvpn $_common --dev ${P}${K}ob \
	    --local $UB --remote $UA --ifconfig $OB $OA --tls-client \
	    --cert "$W/ovb.crt" --key "$W/ovb.key" --peer-fingerprint "$FPA"
	wait_for 30 grep -q 'Initialization Sequence Completed' \
	    "$W/$NAME.a.log" || return 1
	wait_for 10 grep -q 'Initialization Sequence Completed' \
	    "$W/$NAME.b.log" || return 1
	_c=$(sed -n "s/.*Data Channel: cipher '\([^']*\)'.*/\1/p" \
	    "$W/$NAME.a.log" | head -n 1)
	echo "cipher \"${_c:-unknown}\"" >> "$KV"
}

# --- measurements -----------------------------------------------------------

pinger() { # pinger OUT COUNT: ping -i 0.01 from A to the far end
	fg ip netns exec $A timeout $(($2 / 100 + 15)) ping -n -i 0.01 -W 1 \
	    -c "$2" -w $(($2 / 100 + 10)) $ADDR > "$1" 2>&1
}

iperf_server() {
	ip netns exec $B timeout $((T + 60)) iperf3 -s -1 -B $ADDR \
	    >>"$W/$NAME.iperf-server.log" 2>&1 &
	SPID=$!; PIDS="$PIDS $SPID"
	wait_for 5 sh -c "ip netns exec $B ss -Hltn 'sport = :5201' | grep -q ."
}

iperf_server_done() {
	_i=0
	while kill -0 $SPID 2>/dev/null && [ $_i -lt 30 ]; do
		sleep 0.1; _i=$((_i + 1))
	done
	stop_pids $SPID; forget_pid $SPID
}

iperf_client() { # iperf_client OUT ARGS...
	_out=$1; shift
	fg ip netns exec $A timeout $((T + 40)) iperf3 -c $ADDR -t $T -J "$@" \
	    > "$_out" 2>>"$W/$NAME.iperf-client.log"
}

ticks() {
	if [ -n "$TPIDS" ]; then py ticks $TPIDS; else echo 0; fi
}

# tcp_run TAG ARGS...: one TCP test, with the tunnel's CPU time around it.
tcp_run() {
	_tag=$1; shift
	iperf_server
	_t0=$(ticks)
	iperf_client "$W/$NAME.$_tag.json" "$@"
	_t1=$(ticks)
	iperf_server_done
	py tcp ${_tag}_ "$W/$NAME.$_tag.json" >> "$KV"
	echo "${_tag}_cpu_ticks $((_t1 - _t0))" >> "$KV"
}

measure() {
	log "  idle ping"
	pinger "$W/$NAME.ping-idle" $((T * 100))
	py ping idle_ "$W/$NAME.ping-idle" >> "$KV"
	sleep 1

	log "  TCP, 1 stream, ping alongside"
	_n=$(((T - 2) * 100)); [ $_n -lt 100 ] && _n=100
	(sleep 1; pinger "$W/$NAME.ping-load" $_n) &
	_pp=$!; PIDS="$PIDS $_pp"
	tcp_run tcp1
	wait $_pp; forget_pid $_pp
	py ping load_ "$W/$NAME.ping-load" >> "$KV"
	sleep 1

	log "  TCP, 4 streams"
	tcp_run tcp4 -P 4
	sleep 1

	log "  UDP, 64-byte payloads"
	iperf_server
	iperf_client "$W/$NAME.udp.json" -u -b 0 -l 64
	iperf_server_done
	py udp udp_ "$W/$NAME.udp.json" >> "$KV"

	if [ -n "$TPIDS" ]; then
		echo "has_cpu 1" >> "$KV"
		echo "peak_rss_kb $(py hwm $TPIDS)" >> "$KV"
	fi
}

run_tunnel() {
	NAME=$1; KV=$RES/$NAME.kv
	echo "$NAME" >> "$RES/order"
	: > "$KV"
	log "$NAME"
	if ! sites; then
		echo "error \"cannot make the namespaces\"" >> "$KV"
		return
	fi
	_ok=1
	case $NAME in
	veth) ADDR=$UB ;;
	tund-t1) ADDR=$OB; up_tund 1 || _ok=0 ;;
	tund-t2) ADDR=$OB; up_tund 2 || _ok=0 ;;
	wggo) ADDR=$OB; up_wggo || _ok=0 ;;
	ovpn-aes) ADDR=$OB; up_ovpn AES-256-GCM || _ok=0 ;;
	ovpn-chacha) ADDR=$OB; up_ovpn CHACHA20-POLY1305 || _ok=0 ;;
	esac
	_t0=$(date +%s)
	if [ $_ok = 1 ] && wait_for 30 sh -c "kill -0 ${TPIDS:-$$} &&
	    ip netns exec $A ping -n -c 1 -W 1 $ADDR"; then
		echo "up 1" >> "$KV"
		echo "pids \"$(for _p in $TPIDS; do cat /proc/$_p/comm; done |
		    tr '\n' ' ')\"" >> "$KV"
		measure
	else
		echo "up 0" >> "$KV"
		for _s in a b; do
			[ -f "$W/$NAME.$_s.log" ] || continue
			log "  did not come up; $_s log:"
			tail -n 5 "$W/$NAME.$_s.log" | sed 's/^/    /' >&2
			echo "log_${_s}_tail $(tail -n 5 "$W/$NAME.$_s.log" |
			    python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" >> "$KV"
		done
	fi
	for _p in $TPIDS; do forget_pid $_p; done
	[ -n "$TPIDS" ] && stop_pids $TPIDS
	ns_del $A $B
}

run_crypto() {
	log "crypto: openssl speed -evp chacha20-poly1305 -seconds 2"
	fg timeout 120 openssl speed -mr -evp chacha20-poly1305 -seconds 2 \
	    > "$W/speed.out" 2>&1
	py speed "$W/speed.out" > "$RES/crypto.kv"
}

run_peers() {
	log "peers: tund with 1 and $NPEERS peers, start-up and RSS"
	KV=$RES/peers.kv
	echo "n $NPEERS" > "$KV"
	_ns=${P}p
	ns_add $_ns || return
	(umask 077; "$TUND" genkey > "$W/p.key")
	py genconf 1 "$W/p1.conf" "$W/p.key" ${P}pt "$TUND" >/dev/null &&
	_how=$(py genconf "$NPEERS" "$W/pN.conf" "$W/p.key" ${P}pt "$TUND") ||
	    { ns_del $_ns; return; }
	echo "keys_from \"$_how\"" >> "$KV"
	for _c in 1 N; do
		fg python3 "$LIB" startup $_ns "$TUND" "$W/p$_c.conf" 3 > "$W/p$_c.out"
		sed "s/^\([a-z_]*\)_s /\1${_c}_s /; s/^\([a-z]*\)_kb /\1${_c}_kb /" \
		    "$W/p$_c.out" >> "$KV"
	done
	ns_del $_ns
}

# load: 64-byte UDP payloads pushed into A's interface of one
# tund-to-tund tunnel (Threads = $LOAD_THREADS on both sides), by
# iperf3 -u -b 0 -l 64 -P N through tund at A, then by the senders of a
# tund in load mode in A's place (same configuration, -L threads=N,
# Method = socket) for as long.  N = 1 and 2, one after the other, in
# $ROUNDS rounds, so that the two tools of a pair see the same machine;
# each round ends with one sender to $OX, an address of A's interface
# that no peer takes: tund's drain alone.
if_stat() { # if_stat NAME: a counter of A's tunnel interface
	ip netns exec $A cat /sys/class/net/${P}${K}ta/statistics/$1
}

up_a() { # A's tund daemon, until the tunnel carries a ping
	spawn "$W/load.a.log" $A "$TUND" -d -f "$W/$K.a.conf"
	APID=$!
	wait_for 30 sh -c "kill -0 $APID && ip netns exec $A ping -n -c 1 \
	    -W 1 $ADDR"
}

down_a() {
	stop_pids $APID; forget_pid $APID
	_keep=""
	for _p in $TPIDS; do [ "$_p" = "$APID" ] || _keep="$_keep $_p"; done
	TPIDS=$_keep
}

# load_iperf ROUND N: iperf3 -P N through A's daemon, with the interface's
# counters around it.
load_iperf() {
	_o=$W/load.r$1.iperf$2
	if ! up_a; then
		echo "r$1_iperf$2_error \"the tunnel did not come up\"" >> "$KV"
		return 1
	fi
	_p0=$(if_stat tx_packets) _d0=$(if_stat tx_dropped)
	iperf_server
	iperf_client "$_o.json" -u -b 0 -l 64 -P $2
	_p1=$(if_stat tx_packets) _d1=$(if_stat tx_dropped)
	iperf_server_done
	down_a
	py iperf_load r$1_iperf$2_ "$_o.json" $((${_p1:-0} - ${_p0:-0})) \
	    $((${_d1:-0} - ${_d0:-0})) >> "$KV"
}

# load_tund ROUND N TAG DESTINATION: tund's senders in A's place, with the
# CPU time of its N youngest threads (the senders) sampled in the middle of
# the run.
load_tund() {
	_o=$W/load.r$1.$3$2
	ip netns exec $A timeout $((T + 60)) "$TUND" -f "$W/$K.a.conf" \
	    -L destination=$4:9 -L threads=$2 -L size=92 -L duration=$T \
	    -L report="$_o.json" > "$_o.out" 2> "$_o.log" &
	_lp=$!; PIDS="$PIDS $_lp"
	py threadcpu "$_o.cpu" $_lp $2 $T "$_o.log" &
	_cp=$!; PIDS="$PIDS $_cp"
	wait $_lp; forget_pid $_lp
	wait $_cp; forget_pid $_cp
	py tund_load r$1_$3$2_ "$_o.json" "$_o.cpu" >> "$KV"
}

run_load() {
	NAME=load; KV=$RES/load.kv
	: > "$KV"
	log "load: iperf3 -u -b 0 -l 64 -P N against tund -L threads=N," \
	    "N = 1, 2, $ROUNDS rounds"
	if ! sites; then
		echo "error \"cannot make the namespaces\"" >> "$KV"
		return
	fi
	ADDR=$OB
	echo "rounds $ROUNDS" >> "$KV"
	echo "tunnel_threads $LOAD_THREADS" >> "$KV"
	if up_tund $LOAD_THREADS && wait_for 30 sh -c "kill -0 $TPIDS &&
	    ip netns exec $A ping -n -c 1 -W 1 $ADDR"; then
		echo "up 1" >> "$KV"
		set -- $TPIDS
		APID=$1
		down_a
		_r=1
		while [ $_r -le $ROUNDS ]; do
			for _np in 1 2; do
				log "  round $_r, N = $_np"
				load_iperf $_r $_np || break 2
				load_tund $_r $_np tund $OB
			done
			# No peer for the destination: tund's drain alone.
			load_tund $_r 1 drain $OX
			_r=$((_r + 1))
		done
	else
		echo "up 0" >> "$KV"
	fi
	for _p in $TPIDS; do forget_pid $_p; done
	[ -n "$TPIDS" ] && stop_pids $TPIDS
	ns_del $A $B
}

for _n in $NAMES; do
	case $_n in
	crypto) run_crypto ;;
	peers) run_peers ;;
	load) run_load ;;
	*) run_tunnel $_n ;;
	esac
done

echo "loadavg_end \"$(cut -d' ' -f1-3 /proc/loadavg)\"" >> "$RES/machine.kv"
touch "$RES/order"
mkdir -p "$(dirname "$OUT")"
echo
py report "$RES" "$OUT" "$T" && echo "results: $OUT"
