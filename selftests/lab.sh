#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab (tools/etp-lab, Documentation/lab.rst): each experiment is a case,
# run both ways. etp-lab checks that the standard design did what it should
# and that the variant failed the way the claim says (a VERDICT line ends in
# "ok" only then); the case checks that both did, and what a run leaves: the
# pcapng of both ends with the state changes as packet comments (read back
# with tshark), the trace, the ladder diagrams. Bad names are refused with
# the list of valid ones. Tracepoints: a VM of one CPU (the Makefile's
# ONE_CPU_TESTS).
# etp-timeout: 900
. "$(dirname "$0")/lib.sh"

LAB=$TOP/tools/etp-lab
EXPERIMENTS=$("$LAB" --list | awk '{ print $2 }')

# lab NAME: run experiment NAME both ways into $OUT ($DIR: its folder).
lab() {
	local log d
	OUT=$(mktemp -d)
	log=$("$LAB" --out "$OUT" "$1" 2>&1) || fail "etp-lab $1 failed: $log"
	[ "$(grep -c "^VERDICT $1 .* -- ok " <<<"$log")" = 2 ] ||
		fail "etp-lab $1: not two verdicts ok: $log"
	grep "^VERDICT" <<<"$log" >&2
	DIR=$(echo "$OUT"/[0-9][0-9]-"$1")
	for d in standard variant; do
		[ -s "$DIR/$d.pcapng" ] && [ -s "$DIR/$d.trace" ] && [ -s "$DIR/$d.svg" ] ||
			fail "$1: $d's pcapng, trace or svg is missing: $(ls "$DIR")"
	done
	grep -q "^Claims" "$DIR/explanation.txt" || fail "$1: no explanation"
}

# One case per experiment, in etp-lab's order.
generated_tests() {
	local e
	for e in $EXPERIMENTS; do
		echo "test_${e//-/_}"
	done
}
for e in $EXPERIMENTS; do
	eval "test_${e//-/_}() { lab $e; rm -rf \"\$OUT\"; }"
done

# What a run leaves: the pcapng has both ends, the state changes and the
# wire's doings as packet comments (what Wireshark shows), and decodes as
# TCP; the ladder's SVG is well-formed and draws TIME_WAIT and the lost ACK.
test_record_of_a_run() {
	local f comments
	need tshark
	lab lost-last-ack
	f=$DIR/standard.pcapng
	comments=$(tshark -r "$f" -T fields -e frame.comment 2>/dev/null)
	grep -q "etp: client FIN_WAIT2 -> TIME_WAIT (RCV_FIN) \[standard\]" <<<"$comments" ||
		fail "no state change comment: $comments"
	grep -q "etp: wire: drop (the last ACK)" <<<"$comments" ||
		fail "no comment on the lost ACK: $comments"
	tshark -r "$DIR/variant.pcapng" -T fields -e frame.comment 2>/dev/null |
		grep -q "\[time_wait=off\]" || fail "the variant's comments do not name it"
	[ "$(tshark -r "$f" -d ip.proto==$ETP_PROTO,tcp -Y 'tcp.flags.fin==1' 2>/dev/null |
		wc -l)" -ge 4 ] || fail "tshark does not decode the FINs at both ends"
	python3 - "$DIR/standard.svg" <<'EOF' || fail "the ladder's SVG"
import sys
import xml.etree.ElementTree as ET
text = open(sys.argv[1]).read()
ET.fromstring(text)
assert "TIME_WAIT" in text, "no TIME_WAIT"
assert "\u00d7" in text or "lost" in text, "the lost ACK is not drawn"
EOF
	rm -rf "$OUT"
}

# --variant changes a design: old-data's variant with RFC 6528's ISNs back
# no longer delivers the old segment, and says so (status 1, the verdict
# against the unchanged design's prediction).
test_variant_option_changes_the_run() {
	local out rc=0 d
	d=$(mktemp -d)
	out=$("$LAB" --out "$d" --no-ladder --design variant --variant isn=rfc6528 old-data 2>&1) ||
		rc=$?
	rm -rf "$d"
	[ $rc = 1 ] || fail "status $rc: $out"
	grep -q "^VERDICT old-data variant .*UNEXPECTED: the old bytes were not delivered" <<<"$out" ||
		fail "the old data was still taken, or another failure: $out"
}

test_bad_names_refused() {
	local out rc=0
	out=$("$LAB" no-such-experiment 2>&1) || rc=$?
	[ $rc = 2 ] || fail "an unknown experiment: status $rc"
	grep -q "half-close" <<<"$out" || fail "no list of experiments: $out"
	rc=0
	out=$("$LAB" --design sideways half-close 2>&1) || rc=$?
	[ $rc = 2 ] || fail "an unknown design: status $rc: $out"
	rc=0
	out=$("$LAB" --variant nagle=off half-close 2>&1) || rc=$?
	[ $rc = 2 ] && grep -q "the keys: handshake close" <<<"$out" || fail "a bad key: $rc $out"
	rc=0
	out=$("$LAB" --variant close=5way half-close 2>&1) || rc=$?
	[ $rc = 2 ] && grep -q "close takes 4way, 3way" <<<"$out" || fail "a bad word: $rc $out"
	rc=0
	out=$("$LAB" 2>&1) || rc=$?
	[ $rc = 2 ] && grep -q "name an experiment" <<<"$out" || fail "no name: $rc $out"
}

run_tests
