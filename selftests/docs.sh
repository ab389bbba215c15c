#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The documentation says what the code does.
. "$(dirname "$0")/lib.sh"

# Documentation/protocol.rst's state table is module/statetable.c's.
test_state_table_matches_code() {
	"$TOP/scripts/etp-states" --check-table
}

# Documentation/etp-states.dot is what the table gives today, and
# etp-states.svg was drawn from that .dot (`make states` makes both).
test_state_picture_matches_code() {
	"$TOP/scripts/etp-states" --check-picture
}

# Every counter the code has is described in the documentation.
test_counters_documented() {
	local name missing=""
	for name in $(head -n 1 /proc/net/etp_stat | cut -d' ' -f2-); do
		grep -q "$name" "$TOP/Documentation/protocol.rst" "$TOP/README.md" ||
			missing="$missing $name"
	done
	[ -z "$missing" ] || fail "not documented:$missing"
}

# The manual page renders without a warning from groff (-ww: all of them).
test_man_page_renders_cleanly() {
	local out
	command -v groff >/dev/null || fail "groff is not installed (scripts/setup installs groff-base)"
	out=$(groff -man -Tutf8 -ww -z "$TOP/Documentation/etp.7" 2>&1)
	[ -z "$out" ] || fail "groff warns about Documentation/etp.7: $out"
}

# etp.7 has an entry for every counter /proc/net/etp_stat prints.
test_man_page_names_every_counter() {
	local name missing=""
	for name in $(head -n 1 /proc/net/etp_stat | cut -d' ' -f2-); do
		grep -qx "\.B $name" "$TOP/Documentation/etp.7" || missing="$missing $name"
	done
	[ -z "$missing" ] || fail "no entry in etp.7 for:$missing"
}

# etp.7 has an entry for every setting in /proc/sys/net/etp, with the
# default a new namespace gets, and a range the module enforces: both ends
# are taken, one beyond either end is refused.
test_man_page_names_every_sysctl() {
	local ns
	ns=$(new_netns)
	# One process in the new namespace (each exec costs the guest a tenth
	# of a second).
	ip netns exec "$ns" bash -c "$(declare -f fail expect_eq)"'
		missing=""
		for f in /proc/sys/net/etp/*; do
			name=${f##*/}
			entry=$(grep "^\.IR $name \" (default " "$1") ||
				{ missing="$missing $name"; continue; }
			read -r def lo hi < <(echo "$entry" |
				sed -n "s/.*(default \([0-9]*\); \([0-9]*\) to \([0-9]*\))\"\$/\1 \2 \3/p")
			[ -n "$hi" ] || fail "etp.7: malformed entry: $entry"
			expect_eq "$def" "$(cat "$f")" "default of $name"
			{ echo $lo >"$f" && echo $hi >"$f"; } ||
				fail "$name refused a value in the range $lo to $hi of etp.7"
			! { echo $((lo - 1)) >"$f"; } 2>/dev/null ||
				fail "$name took $((lo - 1)), below the range of etp.7"
			! { echo $((hi + 1)) >"$f"; } 2>/dev/null ||
				fail "$name took $((hi + 1)), above the range of etp.7"
		done
		[ -z "$missing" ] || fail "no entry in etp.7 for:$missing"' sh "$TOP/Documentation/etp.7"
}

# selftests/README.md's map names every source file here, and only those.
test_selftests_map_is_complete() {
	local f named missing="" stale=""
	named=$(grep -o '`[A-Za-z0-9_-][A-Za-z0-9_.-]*\.\(sh\|py\|c\|h\)`' "$SELFTESTS/README.md" | tr -d '`' | sort -u)
	for f in $(cd "$SELFTESTS" && ls -- *.sh *.py *.c *.h); do
		echo "$named" | grep -qx -- "$f" || missing+=" $f"
	done
	for f in $named; do
		[ -e "$SELFTESTS/$f" ] || stale+=" $f"
	done
	[ -z "$missing" ] || fail "selftests/README.md does not name:$missing"
	[ -z "$stale" ] || fail "selftests/README.md names files that are not there:$stale"
}

run_tests
