#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Transfers over a bad link: a veth pair between two namespaces with netem on
# one or both ends (loss, reordering, duplication, delay). Every byte arrives intact
# (the receiver's SHA-256 must be the sender's), the receiver sees EOF, both
# ends finish closing (nothing left in /proc/net/etp), and loss is repaired
# by retransmission (RetransSegs). rto_min_ms and rto_initial_ms are lowered
# in both namespaces to keep each case within about 30 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_netem.sh"

# lossy_transfers SIZE [dup]: transfer SIZE bytes (transfer, all_closed), and
# again, five times at most, until netem has dropped data packets of A's
# (three with "dup", whose drops may all be copies otherwise): netem drops
# veth's GSO skbs whole, and a transfer is only some dozens of them, so
# one transfer can go through untouched. Then expect_resent.
lossy_transfers() {
	local size=$1 dup=${2:-} want=1 i lost
	[ "$dup" = dup ] && want=3
	for i in 1 2 3 4 5; do
		transfer "$size"
		all_closed
		tcp_mode && return 0
		lost=$(netem_count va dropped data)
		[ "$lost" -lt "$want" ] || break
	done
	[ "$lost" -ge "$want" ] ||
		fail "netem dropped only $lost data packets of A's in $i transfers: the loss was not tested"
	expect_resent "$dup"
}

test_clean_link() {
	link delay 1ms
	transfer $((2 << 20))
	all_closed
}

test_loss_5() {
	link loss 5%
	lossy_transfers $((2 << 20))
}

# 20% of the data segments lost (the ACKs get through: with both directions
# at 20% even Linux's TCP stalls for a minute at times, in backoff).
test_loss_20() {
	link_ab "loss 20%" ""
	lossy_transfers $((1 << 20))
}

# 20% lost both ways, ACKs too: a smaller transfer, since every lost
# retransmission doubles the timeout (RFC 6298 5.5). Without timestamps:
# with them, the ACK of a retransmission that netem drops makes the next
# one's ACK echo the first (RFC 7323 4.3: a duplicate does not move
# TS.Recent), an RTT sample as long as the backed-off RTO; SRTT follows, and
# so does every later timeout. At 20% each way that takes the transfer from
# about 3 s to anything up to minutes, for TCP as for ETP (with timestamps,
# in one VM: ETP missed this case's 60 s in 8 runs of 30, TCP in 1 of 6);
# loss_20 and everything_at_once keep them on.
test_loss_20_both_ways() {
	local ns
	link loss 20%
	for ns in "$A" "$B"; do
		if tcp_mode; then
			ip netns exec "$ns" sysctl -qw net.ipv4.tcp_timestamps=0
		else
			set_sysctl "$ns" timestamps 0
		fi
	done
	lossy_transfers $((256 << 10))
}

test_reorder() {
	link delay 10ms reorder 25% 50%
	transfer $((2 << 20))
	all_closed
}

test_duplicate() {
	link duplicate 10%
	transfer $((2 << 20))
	all_closed
}

test_delay_20ms() {
	link delay 20ms
	transfer $((2 << 20))
	all_closed
}

test_everything_at_once() {
	link delay 5ms loss 5% duplicate 5% reorder 10% 50%
	lossy_transfers $((1 << 20)) dup
}

run_tests
