#!/bin/sh
# Run the unit test programs given as arguments, then the shell tests in
# tests/cli/ and tests/netns/, and count their PASS/FAIL/SKIP lines (lines
# of "# " are shown too: diagnostics).  Ends with the one
# summary line "N passed, N failed, N skipped" and fails if anything did.
set -u
cd "$(dirname "$0")/.." || exit 1
out=$(mktemp)
one="$out.one"
trap 'rm -f "$out" "$one"' EXIT INT TERM

# Run one test program; one that fails without saying which test (a crash,
# a sanitizer report) counts as a failure of its own.
run() {
	"$@" >"$one" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP|#) ' "$one"
	cat "$one" >>"$out"
	if [ $rc != 0 ] && ! grep -q '^FAIL ' "$one"; then
		tail -5 "$one"
		echo "FAIL $*: exited with status $rc" | tee -a "$out"
	fi
}

for t in "$@"; do
	echo "== $t"
	run "./$t"
done
for t in tests/cli/test_*.sh tests/netns/test_*.sh; do
	echo "== $t"
	run sh "$t"
done

p=$(grep -c '^PASS ' "$out"); f=$(grep -c '^FAIL ' "$out")
s=$(grep -c '^SKIP ' "$out")
if [ "$f" != 0 ]; then
	echo; echo "failures:"; grep '^FAIL ' "$out"
fi
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
