# Shared by the shell tests: result lines that tests/run.sh counts, and
# network namespaces that are removed on any exit.
#
# A test sources this file, calls need_root/need_linux as it must, makes
# namespaces with ns_add (named with the per-run prefix $P), starts its
# daemons with bg (so they are ended by PID), and reports with pass, fail,
# skip or check.

TOP=$(cd "$(dirname "$0")/../.." && pwd)
TUND=${TUND:-$TOP/tund/tund}
P=t$$			# per-run prefix for namespaces and interfaces
W=$(mktemp -d)		# scratch directory
NAMESPACES=""
PIDS=""

pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; }
skip() { echo "SKIP $*"; }

# check NAME COMMAND...: PASS if the command succeeds, else FAIL.
check() {
	_name=$1; shift
	if "$@" >"$W/check.out" 2>&1; then pass "$_name"
	else fail "$_name: $* ($(head -c 300 "$W/check.out" | tr '\n' ' '))"
	fi
}

# skip_all WHY NAME...: these tests cannot run here.
skip_all() {
	_why=$1; shift
	for _t in "$@"; do skip "$_t: $_why"; done
	exit 0
}

cleanup() {
	for _p in $PIDS; do kill "$_p" 2>/dev/null; done
	for _p in $PIDS; do
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 30 ]; do
			sleep 0.1; _i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
	done
	for _n in $NAMESPACES; do ip netns del "$_n" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

ns_add() {
	ip netns add "$1" && NAMESPACES="$NAMESPACES $1" &&
	    ip -n "$1" link set lo up
}

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
veth() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	    ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

# bg COMMAND...: run in the background, remember the PID in $BG.
bg() {
	"$@" &
	BG=$!
	PIDS="$PIDS $BG"
}

# wait_for SECONDS COMMAND...: poll until the command succeeds.
wait_for() {
	_t=$(($1 * 10)); shift
	while [ $_t -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; _t=$((_t - 1))
	done
	return 1
}

# wait_exit PID SECONDS: wait for a process of ours to end; its status in $RC.
wait_exit() {
	_t=$(($2 * 10))
	while kill -0 "$1" 2>/dev/null && [ $_t -gt 0 ]; do
		sleep 0.1; _t=$((_t - 1))
	done
	kill -0 "$1" 2>/dev/null && return 1
	wait "$1"; RC=$?
	return 0
}

need_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root" "$@"
}

need_linux() {
	[ "$(uname -s)" = Linux ] || skip_all "needs Linux" "$@"
}

# key FILE: a new private key in FILE (mode 600); its public key printed.
key() {
	(umask 077; "$TUND" genkey > "$1") && "$TUND" pubkey < "$1"
}
