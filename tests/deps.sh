#!/bin/sh
# Make sure what "make check" or "make demo" needs is installed.  On Debian
# as root, install what is missing with apt-get and say which packages;
# elsewhere print the command to run and stop.
# Usage: deps.sh check|demo
set -u
what=${1:-check}

# package:probe pairs; a probe is a command or a pkg-config module (pc:NAME)
need="pkg-config:pkg-config libevent-dev:pc:libevent_pthreads
libpcap-dev:pc:libpcap libssl-dev:pc:libcrypto iproute2:ip gcc:cc make:make
iputils-ping:ping"
need="$need iperf3:iperf3 wireguard-tools:wg procps:sysctl"
[ "$what" = check ] && need="$need
wireguard-go:wireguard-go mandoc:mandoc python3:python3 tcpdump:tcpdump
procps:ps util-linux:setpriv binutils:nm"

have() {
	case $1 in
	pc:*) command -v pkg-config >/dev/null 2>&1 &&
	    pkg-config --exists "${1#pc:}" ;;
	*) command -v "$1" >/dev/null 2>&1 ;;
	esac
}

missing=""
for pair in $need; do
	pkg=${pair%%:*}
	have "${pair#*:}" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
	    apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
	    { echo "deps: apt-get install$missing failed" >&2; exit 1; }
	exit 0
fi
echo "deps: missing packages:$missing" >&2
if command -v apt-get >/dev/null 2>&1; then
	echo "deps: run as root: apt-get install$missing" >&2
else
	echo "deps: install the equivalents of:$missing" >&2
fi
exit 1
