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

run_tests
