#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The receive path: every segment of ETP's protocol is counted (InSegs); bad
# ones are dropped and counted in InErrs and InCsumErrors; a segment for no
# one is answered with RST.
. "$(dirname "$0")/lib.sh"

send() { ip netns exec "$1" python3 "$SELFTESTS/etp_packet.py" "$2" 127.0.0.1; }

test_good_segment_counted() {
	local ns
	ns=$(new_netns)
	send "$ns" good
	send "$ns" good
	expect_eq 2 "$(etp_stat InSegs "$ns")" "InSegs"
	expect_eq 0 "$(etp_stat InErrs "$ns")" "InErrs"
	expect_eq 0 "$(etp_stat InCsumErrors "$ns")" "InCsumErrors"
}

test_bad_checksum_counted() {
	local ns
	ns=$(new_netns)
	send "$ns" badcsum
	expect_eq 1 "$(etp_stat InSegs "$ns")" "InSegs"
	expect_eq 1 "$(etp_stat InCsumErrors "$ns")" "InCsumErrors"
	expect_eq 1 "$(etp_stat InErrs "$ns")" "InErrs"
}

test_truncated_header_counted() {
	local ns
	ns=$(new_netns)
	send "$ns" short
	send "$ns" baddoff
	expect_eq 2 "$(etp_stat InErrs "$ns")" "InErrs"
	expect_eq 0 "$(etp_stat InCsumErrors "$ns")" "InCsumErrors"
}

# A SYN to a port no one listens on is answered with RST (RFC 9293 3.10.7.1);
# on loopback the RST arrives too, and is not answered.
test_closed_port_answers_rst() {
	local ns
	ns=$(new_netns)
	send "$ns" syn
	expect_eq 1 "$(etp_stat OutRsts "$ns")" "OutRsts"
	expect_eq 2 "$(etp_stat InSegs "$ns")" "InSegs (the SYN and the RST)"
	expect_eq 1 "$(etp_stat OutSegs "$ns")" "OutSegs"
}

# Segments of another namespace do not count here.
test_counters_per_namespace() {
	local a b
	a=$(new_netns)
	b=$(new_netns)
	send "$a" good
	expect_eq 1 "$(etp_stat InSegs "$a")" "InSegs in a"
	expect_eq 0 "$(etp_stat InSegs "$b")" "InSegs in b"
}

run_tests
