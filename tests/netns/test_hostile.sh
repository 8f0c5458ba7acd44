#!/bin/sh
# tund against a hostile network, tund to tund: an inner source outside the
# peer's AllowedIPs, a replayed data message, a burst of malformed datagrams
# during a transfer, and a flood of initiations with a valid mac1 that puts
# the daemon under load.  Each is dropped and counted by reason; nothing is
# delivered twice, the transfer completes intact, memory stays flat, and
# the only answer to an unauthenticated source is a 64-byte cookie reply.
. "$(dirname "$0")/../lib.sh"
T="hostile_up hostile_spoof4 hostile_spoof6 hostile_spoof_ping hostile_capture
hostile_replay hostile_replay_no_roam hostile_burst_transfer
hostile_burst_counted hostile_burst_memory hostile_burst_alive
hostile_cookie_replies hostile_cookie_counted hostile_cookie_amplification
hostile_cookie_alive hostile_clean_exit"
need_linux $T
need_root $T
PY=$(command -v python3) || skip_all "needs python3" $T

umask 077
sites || { fail "hostile_up: cannot create namespaces"; exit 0; }
site_conf a "$UB4" > "$W/a.conf"
site_conf b "$UA4" > "$W/b.conf"
start_tund a "$W/a.conf"; APID=$BG
start_tund b "$W/b.conf"; BPID=$BG
LOG=$W/tund-a.log
INA="ip netns exec $A"; INB="ip netns exec $B"

# The helpers that speak UDP and TCP; every loop in them is bounded.
cat > "$W/h.py" <<'EOF'
import base64, hashlib, os, random, socket, struct, sys, time

def capture(ifname, dst, out, ready, secs):
    """The UDP payload of the first data message (type 4, not a
    keepalive) sent to dst:51820 on ifname, in hex to out."""
    # Only an ETH_P_ALL socket sees outgoing packets.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                      socket.htons(3))
    s.bind((ifname, 0))
    s.settimeout(0.2)
    dst = socket.inet_aton(dst)
    open(ready, "w").close()
    end = time.time() + float(secs)
    while time.time() < end:
        try:
            p, a = s.recvfrom(65535)
        except socket.timeout:
            continue
        if a[1] != 0x0800 or len(p) < 28:
            continue
        ihl = (p[0] & 15) * 4
        if p[9] != 17 or p[16:20] != dst:
            continue
        u = p[ihl:]
        pay = u[8:]
        if struct.unpack("!H", u[2:4])[0] == 51820 and len(pay) > 32 \
                and pay[:4] == b"\4\0\0\0":
            with open(out, "w") as f:
                f.write(pay.hex() + "\n")
            return 0
    return 1

def replay(host, hexfile, count):
    m = bytes.fromhex(open(hexfile).read().strip())
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for _ in range(int(count)):
        s.sendto(m, (host, 51820))
        time.sleep(0.01)
    return 0

def datagrams(index, n):
    """n malformed datagrams, cycling through the classes."""
    R = random.Random(1)
    rnd = lambda k: R.randbytes(k)
    exact = {1: 148, 2: 92, 3: 64}
    def wrong_len(t):
        while True:
            k = R.randint(4, 1500) if t != 4 else R.randint(4, 31)
            if k != exact.get(t):
                return k
    def reserved():
        r = bytes([R.randint(0, 255) for _ in range(3)])
        return r if r != b"\0\0\0" else b"\0\0\1"
    classes = [
        lambda: rnd(R.randint(0, 1500)),                  # anything
        lambda: rnd(R.randint(0, 3)),                     # bad length
        lambda: bytes([R.randint(5, 255)]) + rnd(R.randint(3, 1500)),
        lambda: (lambda t: bytes([t]) + b"\0\0\0" + rnd(wrong_len(t) - 4))(
            R.randint(1, 4)),                             # bad length
        lambda: (lambda t: bytes([t]) + reserved() +
                 rnd(exact.get(t, 64) - 4))(R.randint(1, 4)),
        lambda: b"\1\0\0\0" + rnd(144),                   # bad mac1
        lambda: b"\2\0\0\0" + rnd(88),                    # bad mac1
        lambda: b"\4\0\0\0" + rnd(4) + rnd(R.randint(24, 1400)),
        lambda: b"\4\0\0\0" + index +                     # auth failed
            struct.pack("<Q", R.randint(1 << 40, 1 << 50)) +
            rnd(16 * R.randint(1, 80)),
    ]
    return [classes[i % len(classes)]() for i in range(n)]

def garbage(host, indexhex, stop, started, minsecs, secs, maxn):
    """Malformed datagrams at host:51820 until the file stop appears
    (but for minsecs at least), secs have passed or maxn are sent;
    prints how many and why it ended."""
    pool = datagrams(bytes.fromhex(indexhex), 9 * 1000)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    t0 = time.time()
    end = t0 + float(secs)
    n, maxn, why = 0, int(maxn), "limit"
    while n < maxn:
        for m in pool[n % len(pool):][:500]:
            try:
                s.sendto(m, (host, 51820))
            except (BlockingIOError, OSError):
                time.sleep(0.0005)
            n += 1
        if n == 500:
            open(started, "w").close()
        if time.time() - t0 >= float(minsecs) and os.path.exists(stop):
            why = "stopped"
            break
        if time.time() > end:
            why = "time"
            break
    print(n, why)
    return 0

def flood(host, pub, secs, maxn):
    """Initiations with a valid mac1 (the rest random) at host:51820;
    counts what comes back and prints: sent, bytes sent, replies, bytes
    received, cookie replies (type 3, 64 bytes, to a sender index of
    ours), other replies."""
    key = hashlib.blake2s(b"mac1----" + base64.b64decode(pub)).digest()
    pool, ours = [], set()
    for _ in range(4096):
        m = b"\1\0\0\0" + os.urandom(112)
        ours.add(m[4:8])
        pool.append(m + hashlib.blake2s(m, digest_size=16, key=key).digest()
                    + bytes(16))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.setblocking(False)
    sent = sbytes = replies = rbytes = cookies = other = 0
    def drain():
        nonlocal replies, rbytes, cookies, other
        while True:
            try:
                r = s.recv(65535)
            except BlockingIOError:
                return
            replies += 1
            rbytes += len(r)
            if len(r) == 64 and r[:4] == b"\3\0\0\0" and r[4:8] in ours:
                cookies += 1
            else:
                other += 1
    end = time.time() + float(secs)
    while sent < int(maxn) and time.time() < end:
        for m in pool[sent % 4096:][:256]:
            try:
                s.sendto(m, (host, 51820))
                sent += 1
                sbytes += len(m)
            except (BlockingIOError, OSError):
                pass
        drain()
    end = time.time() + 1
    while time.time() < end:
        drain()
        time.sleep(0.01)
    print(sent, sbytes, replies, rbytes, cookies, other)
    return 0

def sink(port, out, ready):
    """Accept one TCP connection; its data's sha256 in hex to out."""
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("0.0.0.0", int(port)))
    l.listen(1)
    open(ready, "w").close()
    c, _ = l.accept()
    h = hashlib.sha256()
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        h.update(b)
    with open(out, "w") as f:
        f.write(h.hexdigest() + "\n")
    return 0

def source(host, port, path):
    c = socket.create_connection((host, int(port)), timeout=10)
    with open(path, "rb") as f:
        c.sendfile(f)
    c.close()
    return 0

sys.exit(globals()[sys.argv[1]](*sys.argv[2:]))
EOF

# stats: make A log its counters, and wait until the peer line that ends
# them is there.  drops REASON: A's latest count for it.  delivered: the
# packets A wrote to its device.  endpoint: A's peer's endpoint.
stats() {
	_n=$(grep -c ': endpoint ' "$LOG")
	kill -USR1 $APID
	wait_for 3 sh -c "test \$(grep -c ': endpoint ' '$LOG') -gt $_n"
}
drops() {
	_d=$(grep -o "dropped [0-9]* ($1)" "$LOG" | tail -1 | cut -d' ' -f2)
	echo "${_d:-0}"
}
delivered() {
	_d=$(grep -o "[0-9]* packets [0-9]* bytes out" "$LOG" | tail -1 |
	    cut -d' ' -f1)
	echo "${_d:-0}"
}
endpoint() {
	grep -o ': endpoint [^,]*' "$LOG" | tail -1 | cut -d' ' -f3
}

# The first handshake: one reply within 10 s.
if ! $INB ping -c 1 -w 10 $OA4 >/dev/null 2>&1; then
	fail "hostile_up: no ping through the tunnel ($(tail -3 "$LOG"))"
	exit 0
fi
pass hostile_up

# 1. Spoofed inner sources: B's tund encrypts what its device hands it,
# whatever the source; A must refuse sources outside B's AllowedIPs.
ip -n $B addr add 198.19.5.2/32 dev ${P}tb
ip -n $B addr add 2001:db8:5::2/128 dev ${P}tb nodad
stats; s0=$(drops 'source not allowed')
$INB ping -c 3 -i 0.2 -W 1 -I 198.19.5.2 $OA4 > "$W/spoof4" 2>&1; rc4=$?
stats; s4=$(drops 'source not allowed')
$INB ping -6 -c 3 -i 0.2 -W 1 -I 2001:db8:5::2 $OA6 > "$W/spoof6" 2>&1
rc6=$?
stats; s6=$(drops 'source not allowed')
check hostile_spoof4 sh -c "echo 'ping rc $rc4, drops $s0 -> $s4';
    test $rc4 != 0 && test $s4 -ge $((s0 + 3))"
check hostile_spoof6 sh -c "echo 'ping rc $rc6, drops $s4 -> $s6';
    test $rc6 != 0 && test $s6 -ge $((s4 + 3))"
check hostile_spoof_ping sh -c "$INB ping -c 2 -i 0.2 -W 1 $OA4 &&
    $INB ping -6 -c 2 -i 0.2 -W 1 $OA6"

# 2. A captured data message sent again: refused by the replay window
# before anything else, so nothing reaches A's device twice and the
# endpoint does not follow the replayer.
rm -f "$W/ready"
bg $INB timeout 10 "$PY" "$W/h.py" capture ${P}vb $UA4 "$W/data.hex" \
    "$W/ready" 8
CPID=$BG
wait_for 5 test -f "$W/ready"
$INB ping -c 3 -i 0.2 -W 1 $OA4 >/dev/null 2>&1
if wait_exit $CPID 8 && [ "$RC" = 0 ] && [ -s "$W/data.hex" ]; then
	pass hostile_capture
	INDEX=$(cut -c9-16 "$W/data.hex")
	sleep 0.3
	stats; r0=$(drops replayed); d0=$(delivered)
	$INB timeout 10 "$PY" "$W/h.py" replay $UA4 "$W/data.hex" 5
	sleep 0.3
	stats; r1=$(drops replayed); d1=$(delivered); ep=$(endpoint)
	check hostile_replay sh -c "echo 'replayed $r0 -> $r1,' \
	    'delivered $d0 -> $d1'; test $r1 -ge $((r0 + 5)) && test $d1 = $d0"
	check hostile_replay_no_roam sh -c "echo 'endpoint $ep';
	    test '$ep' = '$UB4:51820'"
else
	fail "hostile_capture: no data message seen on ${P}vb"
	INDEX=00000000
	fail "hostile_replay: nothing captured to replay"
	fail "hostile_replay_no_roam: nothing captured to replay"
fi

# 3. Malformed datagrams at A's port for as long as a TCP transfer B->A
# takes (3 s at least, 10 s at most): the transfer completes intact, each
# class is counted, memory stays flat.
head -c 31457280 /dev/urandom > "$W/blob"
want=$(sha256sum < "$W/blob" | cut -d' ' -f1)
rm -f "$W/ready" "$W/started" "$W/stop"
# A first transfer, so that buffers reached their working size.
bg $INA timeout 20 "$PY" "$W/h.py" sink 5001 "$W/sum0" "$W/ready"
wait_for 5 test -f "$W/ready"
head -c 4194304 "$W/blob" > "$W/blob0"
$INB timeout 20 "$PY" "$W/h.py" source $OA4 5001 "$W/blob0"
wait_exit $BG 5
# And a first burst, so that the handshake queue was filled once.
$INB timeout 10 "$PY" "$W/h.py" garbage $UA4 $INDEX "$W/stop" "$W/started" \
    0 1 200000 > /dev/null 2>&1
sleep 0.5
stats
before=$(rss_kb $APID)
c0=""
for r in "bad length" "unknown type" "reserved bits" "bad mac1" \
    "unknown index" "authentication failed"; do
	c0="$c0 $(drops "$r")"
done
rm -f "$W/ready" "$W/started"
bg $INA timeout 40 "$PY" "$W/h.py" sink 5002 "$W/sum" "$W/ready"
SINK=$BG
wait_for 5 test -f "$W/ready"
bg sh -c "$INB timeout 30 '$PY' '$W/h.py' garbage $UA4 $INDEX '$W/stop' \
    '$W/started' 3 10 2000000 > '$W/garbage.out' 2>&1"
GPID=$BG
wait_for 5 test -f "$W/started"
t0=$(date +%s)
$INB timeout 40 "$PY" "$W/h.py" source $OA4 5002 "$W/blob" \
    > "$W/source.out" 2>&1
src=$?
t1=$(date +%s)
touch "$W/stop"
wait_exit $GPID 10
wait_exit $SINK 10
got=$(cat "$W/sum" 2>/dev/null)
check hostile_burst_transfer sh -c "echo 'source rc $src,' \
    '$((t1 - t0)) s, garbage: $(cat "$W/garbage.out")'; cat '$W/source.out';
    test '$got' = '$want'"
sleep 0.5
stats
after=$(rss_kb $APID)
bad=""
set -- $c0
for r in "bad length" "unknown type" "reserved bits" "bad mac1" \
    "unknown index" "authentication failed"; do
	n=$(drops "$r")
	[ "$n" -gt "$1" ] || bad="$bad $r $1 -> $n;"
	shift
done
if [ -z "$bad" ]; then pass hostile_burst_counted
else fail "hostile_burst_counted: not counted:$bad"; fi
# AddressSanitizer keeps freed memory in quarantine (256 MB by default),
# so the RSS of such a build grows with any allocation, freed or not.
if { grep -q asan /proc/$APID/maps || grep -qa __asan_init "$TUND"; } &&
    ! echo "${ASAN_OPTIONS:-}" | grep -q 'quarantine_size_mb=0'; then
	skip "hostile_burst_memory: AddressSanitizer build, RSS counts its" \
	    "quarantine (ASAN_OPTIONS=quarantine_size_mb=0 to measure)"
else
	# ThreadSanitizer's shadow of newly touched memory counts in RSS too.
	grep -qa __tsan_init "$TUND" && slack=16384 || slack=4096
	check hostile_burst_memory sh -c "echo 'RSS $before kB ->' \
	    '${after:-gone} kB'; test -n '$after' &&
	    test $after -le $((before + slack))"
fi
check hostile_burst_alive sh -c "kill -0 $APID && $INB ping -c 2 -i 0.2 -W 1 $OA4"

# 4. Initiations with a valid mac1 (the rest random) faster than A can do
# the Diffie-Hellman: its handshake queue fills past 1/8, it is under load
# and answers with cookie replies, never more bytes than it was sent.
stats; k0=$(drops 'cookie sent')
$INB timeout 15 "$PY" "$W/h.py" flood $UA4 "$PUBA" 4 1500000 \
    > "$W/flood.out" 2>&1
stats; k1=$(drops 'cookie sent')
set -- $(cat "$W/flood.out") x x x x x x
echo "# flood: sent $1 ($2 bytes), $3 replies ($4 bytes), $5 cookies," \
    "$6 other; cookie sent $k0 -> $k1; handshake failed" \
    "$(drops 'handshake failed'), queue full $(drops 'handshake queue full')"
check hostile_cookie_replies sh -c "echo '$*'; test '$5' -gt 0 2>/dev/null &&
    test '$6' = 0"
check hostile_cookie_counted sh -c "echo 'cookie sent $k0 -> $k1';
    test $k1 -gt $k0"
check hostile_cookie_amplification sh -c "echo 'sent $2, received $4';
    test '$4' -le '$2' 2>/dev/null"
check hostile_cookie_alive sh -c "kill -0 $APID && $INB ping -c 2 -i 0.2 -W 1 $OA4"

# After all that, both end cleanly on SIGTERM, with no sanitizer report.
kill -TERM $APID $BPID
wait_exit $APID 5 && ra=$RC || ra="still running"
wait_exit $BPID 5 && rb=$RC || rb="still running"
check hostile_clean_exit sh -c "echo 'status a: $ra, b: $rb';
    grep -h -m 3 -E 'runtime error|Sanitizer' '$LOG' '$W/tund-b.log';
    test '$ra' = 0 && test '$rb' = 0 &&
    ! grep -q -E 'runtime error|Sanitizer' '$LOG' '$W/tund-b.log'"
