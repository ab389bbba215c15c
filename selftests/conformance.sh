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

# Every case of conform_cases.py (a function under @case, read from the
# source: --list would import scapy, seconds in the guest) has its test_
# function here.
test_all_cases_listed() {
	local c missing=""
	for c in $(awk '/^@case\(/ { getline; if (match($0, /^def [A-Za-z0-9_]+/)) print substr($0, 5, RLENGTH - 4) }' \
		"$SELFTESTS/conform_cases.py"); do
		grep -q "^test_$c()" "$0" || missing="$missing $c"
	done
	[ -z "$missing" ] || fail "cases without a test_ function:$missing"
}

test_synack_options() { conform synack_options; }
test_syn_retransmitted_to_half_open() { conform syn_retransmitted_to_half_open; }
test_synrecv_bad_ack_rst() { conform synrecv_bad_ack_rst; }
test_listener_answers() { conform listener_answers; }
test_closed_port_rst() { conform closed_port_rst; }
test_synsent_bad_ack_rst() { conform synsent_bad_ack_rst; }
test_synsent_rst_refused() { conform synsent_rst_refused; }
test_synsent_rst_bad_ack_ignored() { conform synsent_rst_bad_ack_ignored; }
test_rst_exact_resets() { conform rst_exact_resets; }
test_rst_in_window_challenged() { conform rst_in_window_challenged; }
test_rst_out_of_window_ignored() { conform rst_out_of_window_ignored; }
test_syn_established_challenged() { conform syn_established_challenged; }
test_challenge_ack_rate_limit() { conform challenge_ack_rate_limit; }
test_ack_beyond_snd_nxt_dropped() { conform ack_beyond_snd_nxt_dropped; }
test_ack_too_old_dropped() { conform ack_too_old_dropped; }
test_out_of_order_delivered() { conform out_of_order_delivered; }
test_overlapping_retransmissions() { conform overlapping_retransmissions; }
test_segment_beyond_window() { conform segment_beyond_window; }
test_zero_window_and_probes() { conform zero_window_and_probes; }
test_zero_window_from_peer() { conform zero_window_from_peer; }
test_zero_length_segments() { conform zero_length_segments; }
test_mss_sized_segments() { conform mss_sized_segments; }
test_fin_close_wait_last_ack() { conform fin_close_wait_last_ack; }
test_fin_closing() { conform fin_closing; }
test_tw_fin_reacked() { conform tw_fin_reacked; }
test_tw_rst_ignored() { conform tw_rst_ignored; }
test_tw_syn_recycles() { conform tw_syn_recycles; }
test_tw_syn_no_listener() { conform tw_syn_no_listener; }
test_tw_old_duplicates() { conform tw_old_duplicates; }
test_tw_overflow() { conform tw_overflow; }
test_bad_checksum() { conform bad_checksum; }
test_truncated_and_bad_offsets() { conform truncated_and_bad_offsets; }
test_impossible_flags() { conform impossible_flags; }
test_no_ack_flag() { conform no_ack_flag; }
test_bad_option_lengths() { conform bad_option_lengths; }
test_mss_extremes() { conform mss_extremes; }
test_wscale_extremes() { conform wscale_extremes; }
test_isn_unpredictable() { conform isn_unpredictable; }
test_isn_new_after_reload() { conform isn_new_after_reload; }
test_keepalive_dead_peer() { conform keepalive_dead_peer; }
test_keepalive_answered_then_dead() { conform keepalive_answered_then_dead; }
test_keepalive_rebooted_peer() { conform keepalive_rebooted_peer; }
test_keepalive_sysctl_defaults() { conform keepalive_sysctl_defaults; }

run_tests
