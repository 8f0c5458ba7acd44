#!/bin/sh
# The control socket: the stock wg(8) shows and changes a running tund, and
# malformed, oversized and stalled requests change nothing and block
# nothing.  ControlSocket and ControlGroup move the socket and open it to a
# group.
. "$(dirname "$0")/../lib.sh"
T="control_socket_mode control_show control_dump control_set_peer
control_remove_peer control_add_peer control_syncconf control_set_refused
control_port control_port_traffic control_port_in_use control_port_back
control_port_reload control_port_reload_traffic
control_reload_removes control_reload_adds control_private_key
control_private_key_traffic control_private_key_reload control_private_key_back
control_garbage
control_oversized control_stalled control_still_forwards
control_socket_removed control_path control_group_mode control_group_member
control_group_others control_path_removed"
need_linux $T
need_root $T
command -v wg >/dev/null 2>&1 || skip_all "wg(8) not installed" $T

umask 077
sites || { fail "control_show: cannot create namespaces"; exit 0; }
site_conf a $UB4 > "$W/a.conf"; site_conf b "" > "$W/b.conf"
start_tund a "$W/a.conf"; TA=$BG
start_tund b "$W/b.conf"
SOCK=/var/run/wireguard/${P}ta.sock
WG="ip netns exec $A wg"
ip netns exec $A ping -c 2 -W 2 $OB4 >/dev/null 2>&1

check control_socket_mode sh -c "test \"\$(stat -c %a $SOCK)\" = 600"
check control_show sh -c "$WG show ${P}ta | grep -q 'peer: $PUBB' &&
    $WG show ${P}ta | grep -q 'listening port: 51820' &&
    $WG show ${P}ta | grep -q 'endpoint: $UB4:51820' &&
    test \"\$($WG show ${P}ta public-key)\" = '$PUBA'"
# dump: public key, psk, endpoint, allowed ips, handshake, rx, tx, keepalive
$WG show ${P}ta dump | sed -n 2p > "$W/dump"
check control_dump sh -c "awk -F'\t' '\$1 == \"$PUBB\" && \$3 == \"$UB4:51820\" &&
    \$4 == \"$OB4/32,$OB6/128\" && \$5 > 0 && \$6 > 0 && \$7 > 0 &&
    \$8 == \"off\" { ok = 1 } END { exit !ok }' '$W/dump'"

$WG set ${P}ta peer "$PUBB" allowed-ips $OB4/32,$OB6/128,198.19.50.0/24 \
    persistent-keepalive 7
check control_set_peer sh -c "$WG show ${P}ta allowed-ips | grep -q 198.19.50.0/24 &&
    test \"\$($WG show ${P}ta persistent-keepalive | cut -f2)\" = 7"

# Peers come and go at run time.  The far end accepts at most 50
# initiations a second from one peer, so a quick comeback may wait for the
# retransmission: allow 10 s.
$WG set ${P}ta peer "$PUBB" remove
check control_remove_peer sh -c "! $WG show ${P}ta | grep -q '$PUBB' &&
    ! ip netns exec $A ping -c 1 -W 1 $OB4"
$WG set ${P}ta peer "$PUBB" allowed-ips $OB4/32,$OB6/128 endpoint $UB4:51820
check control_add_peer wait_for 10 ip netns exec $A ping -c 1 -W 1 $OB4
$WG showconf ${P}ta > "$W/sc.conf"
check control_syncconf sh -c "$WG syncconf ${P}ta '$W/sc.conf' &&
    $WG showconf ${P}ta | cmp -s - '$W/sc.conf' &&
    ip netns exec $A ping -c 1 -W 2 $OB4"

# A refused request applies nothing of itself: no key is no interface.
$WG set ${P}ta private-key /dev/null peer "$PUBB" persistent-keepalive 9 \
    2>"$W/err"
check control_set_refused sh -c "grep -q 'Invalid argument' '$W/err' &&
    test \"\$($WG show ${P}ta public-key)\" = '$PUBA' &&
    test \"\$($WG show ${P}ta persistent-keepalive | cut -f2)\" = off"

# A new listening port: the sockets move, B follows A's new source port,
# traffic flows; a port in use is refused and the old one kept.
$WG set ${P}ta listen-port 51999
check control_port sh -c "$WG show ${P}ta | grep -q 'listening port: 51999' &&
    ip netns exec $A ss -ulnH | grep -q ':51999 ' &&
    ! ip netns exec $A ss -ulnH | grep -q ':51820 '"
check control_port_traffic wait_for 10 ip netns exec $A ping -c 1 -W 1 $OB4
ip netns exec $A python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("::", 51998)); open("'"$W"'/held", "w").close(); time.sleep(5)' &
HOLD=$!
wait_for 5 test -e "$W/held"
$WG set ${P}ta listen-port 51998 2>"$W/err"
check control_port_in_use sh -c "grep -q 'in use' '$W/err' &&
    $WG show ${P}ta | grep -q 'listening port: 51999' &&
    ip netns exec $A ping -c 1 -W 2 $OB4"
kill $HOLD 2>/dev/null
$WG set ${P}ta listen-port 51820
check control_port_back sh -c "$WG show ${P}ta |
    grep -q 'listening port: 51820' && ip netns exec $A ping -c 1 -W 2 $OB4"
# ListenPort in the file moves it on reload too.
sed -i 's/^ListenPort = 51820/ListenPort = 51821/' "$W/a.conf"
kill -HUP $TA
check control_port_reload wait_for 5 sh -c \
    "$WG show ${P}ta | grep -q 'listening port: 51821'"
check control_port_reload_traffic wait_for 10 \
    ip netns exec $A ping -c 1 -W 1 $OB4
sed -i 's/^ListenPort = 51821/ListenPort = 51820/' "$W/a.conf"
kill -HUP $TA
wait_for 5 sh -c "$WG show ${P}ta | grep -q 'listening port: 51820'"

# SIGHUP moves the peers to the file: without B, B goes; with it, it comes.
sed '/^\[Peer\]/,$d' "$W/a.conf" > "$W/a0.conf"
cp "$W/a.conf" "$W/a1.conf"; cp "$W/a0.conf" "$W/a.conf"
kill -HUP $TA; sleep 0.5
check control_reload_removes sh -c "! $WG show ${P}ta | grep -q '$PUBB'"
cp "$W/a1.conf" "$W/a.conf"
kill -HUP $TA
check control_reload_adds wait_for 10 ip netns exec $A ping -c 1 -W 1 $OB4

# A new private key: the public key changes at once, and with B told the
# new one the tunnel comes back; a reload puts the file's key back.
"$TUND" genkey > "$W/new.key"
NEWPUB=$("$TUND" pubkey < "$W/new.key")
WGB="ip netns exec $B wg"
$WG set ${P}ta private-key "$W/new.key"
check control_private_key test "$($WG show ${P}ta public-key)" = "$NEWPUB"
$WGB set ${P}tb peer "$PUBA" remove peer "$NEWPUB" \
    allowed-ips $OA4/32,$OA6/128
check control_private_key_traffic wait_for 10 \
    ip netns exec $A ping -c 1 -W 1 $OB4
kill -HUP $TA; sleep 0.5
check control_private_key_reload test "$($WG show ${P}ta public-key)" = "$PUBA"
$WGB set ${P}tb peer "$NEWPUB" remove peer "$PUBA" \
    allowed-ips $OA4/32,$OA6/128
check control_private_key_back wait_for 10 ip netns exec $A ping -c 1 -W 1 $OB4

# Raw requests: an answer, or a closed connection; never a hang.
raw() { # raw HOLD-SECONDS: stdin to the socket, print what comes back
	ip netns exec $A timeout 10 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); time.sleep(float(sys.argv[2]))
s.settimeout(8); out = b""
try:
    while True:
        b = s.recv(4096)
        if not b: break
        out += b
except Exception as e: out += b"(" + type(e).__name__.encode() + b")"
sys.stdout.write(out.decode(errors="replace"))' "$SOCK" "$1"
}
printf 'set=1\nbogus=1\n\n' | raw 0 > "$W/garbage"
check control_garbage grep -q '^errno=-22$' "$W/garbage"
python3 -c 'import sys; sys.stdout.write("set=1\n" + "x" * 2000000)' |
    raw 0 > "$W/big" 2>/dev/null
check control_oversized sh -c "! grep -q 'errno=0' '$W/big'"
# A client that sends half a request and stalls is dropped in seconds,
# and others are served meanwhile.
printf 'get=1\n' | raw 7 > "$W/stalled" &
STALL=$!
sleep 0.5
check control_stalled sh -c "$WG show ${P}ta | grep -q 'peer: $PUBB'"
wait $STALL
check control_still_forwards ip netns exec $A ping -c 2 -W 2 $OB4
stop_bg $TA
check control_socket_removed test ! -e "$SOCK"

# Elsewhere, and for a group: its members may connect, others may not.
chmod 711 "$W"
mkdir -m 755 "$W/run"
CSOCK=$W/run/ctl.sock
site_conf a $UB4 | sed "/^Device/a\\
ControlSocket = $CSOCK\\
ControlGroup = nogroup" > "$W/a.conf"
start_tund a "$W/a.conf"; TA=$BG
check control_path sh -c "'$TUND' show '$CSOCK' | grep -q '$PUBB'"
check control_group_mode test "$(stat -c %a:%G "$CSOCK")" = 660:nogroup
check control_group_member sh -c "$(command -v setpriv) --reuid=nobody \
    --regid=nogroup --clear-groups '$TUND' show '$CSOCK' | grep -q '$PUBB'"
check control_group_others sh -c "! $(command -v setpriv) --reuid=daemon \
    --regid=daemon --clear-groups '$TUND' show '$CSOCK' 2>/dev/null"
stop_bg $TA
check control_path_removed test ! -e "$CSOCK"
