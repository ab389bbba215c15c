#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# etp-timeout: 1800
# The packet-level conformance suite: a peer made with scapy, in a namespace
# of its own behind a veth, against ETP in another; one case per test_
# function below. The cases are scripts in conform_cases.py (framework:
# etp_conform.py); one Python process (started below, fed over a FIFO) runs
# them all, so that scapy is imported once. By hand, with every step shown:
#
#     scripts/vm -- selftests/conform_cases.py rst_in_window_challenged
. "$(dirname "$0")/lib.sh"

# scripts/setup installs scapy: without it, this test fails rather than
# pass having run nothing.
python3 -c 'import scapy' 2>/dev/null || {
	echo "1..1"
	echo "not ok 1 no scapy (python3-scapy; scripts/setup installs it)"
	exit 1
}

CONFORM_DIR=$(mktemp -d)
mkfifo "$CONFORM_DIR/in" "$CONFORM_DIR/out"
python3 "$SELFTESTS/conform_cases.py" --serve "$CONFORM_DIR/in" "$CONFORM_DIR/out" \
	>"$CONFORM_DIR/server.log" 2>&1 &
CONFORM_PID=$!
exec 3>"$CONFORM_DIR/in" 4<"$CONFORM_DIR/out"
trap 'exec 3>&-; wait $CONFORM_PID; rm -rf "$CONFORM_DIR"' EXIT
read -r -t 120 ready <&4 || { cat "$CONFORM_DIR/server.log"; exit 1; }

# conform CASE: run CASE in the server, show what it did, pass or fail.
conform() {
	local out=$CONFORM_DIR/$1.log name rc
	echo "$1 $out" >&3
	read -r -t 300 name rc <&4 || {
		cat "$CONFORM_DIR/server.log"
		fail "the conformance server did not answer"
	}
	cat "$out"
	[ "$name" = "$1" ] && [ "$rc" = 0 ]
}

# One test_ function per case of conform_cases.py: a function under @case,
# read from the source (importing it would load scapy, seconds in the
# guest). run_tests takes them from generated_tests.
CASES=$(awk '/^@case\(/ { getline; if (match($0, /^def [A-Za-z0-9_]+/)) print substr($0, 5, RLENGTH - 4) }' \
	"$SELFTESTS/conform_cases.py")
for c in $CASES; do
	eval "test_$c() { conform $c; }"
done
generated_tests() {
	printf 'test_%s\n' $CASES
}

# Every @case was read as a case: a decorator the awk above misses would
# leave a case out without a word.
test_all_cases_listed() {
	local want
	want=$(grep -c '^@case(' "$SELFTESTS/conform_cases.py")
	[ "$want" -gt 0 ] || fail "no @case in conform_cases.py"
	[ "$(echo "$CASES" | wc -w)" = "$want" ] ||
		fail "read $(echo "$CASES" | wc -w) cases of the $want @case lines: $CASES"
}

run_tests
