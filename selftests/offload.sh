#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Segmentation offload (module/offload.c): over a veth pair ETP sends skbs of
# many MSS, which veth passes whole, and where the device will not take them
# the stack cuts them with ETP's own gso_segment. In each case 8 MiB
# (ETP_OFFLOAD_MIB: make check-debug sends 1, at KASAN's pace) go from
# namespace A to B intact (SHA-256), and the counters and the veth's own
# packet count say how they went.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_netem.sh"

PORT=5000
SIZE=$((${ETP_OFFLOAD_MIB:-8} * 1024 * 1024))

need_etp() {
	tcp_mode && skip "ETP's offload (TCP's is the kernel's)"
	return 0
}

# xfer_size: A sends SIZE bytes to B, checked as fault_xfer.py checks them.
xfer_size() {
	local out srv i rc=0
	out=$(mktemp)
	ip netns exec "$B" env PYTHONPATH="$SELFTESTS" timeout 120 \
		python3 "$SELFTESTS/fault_xfer.py" server 10.199.3.2 $PORT >"$out" 2>&1 &
	srv=$!
	wait_started "$out" $srv
	ip netns exec "$A" env PYTHONPATH="$SELFTESTS" timeout 120 \
		python3 "$SELFTESTS/fault_xfer.py" client 10.199.3.2 $PORT $SIZE || rc=$?
	wait $srv || rc=1
	cat "$out"
	rm -f "$out"
	[ $rc = 0 ] || fail "the transfer failed"
}

tx_packets() {
	ip -n "$A" -s -j link show va | python3 -c \
		'import json, sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'
}

# transfer_counted: xfer_size, and the numbers it took: OUT (ETP segments A
# sent), PKTS (packets through va), IN (segments B counted), CSUM (B's
# checksum errors).
transfer_counted() {
	local out0 pkts0 in0
	out0=$(etp_stat OutSegs "$A")
	pkts0=$(tx_packets)
	in0=$(etp_stat InSegs "$B")
	xfer_size
	OUT=$(($(etp_stat OutSegs "$A") - out0))
	PKTS=$(($(tx_packets) - pkts0))
	IN=$(($(etp_stat InSegs "$B") - in0))
	CSUM=$(etp_stat InCsumErrors "$B")
	echo "# OutSegs $OUT, packets through va $PKTS, InSegs $IN, InCsumErrors $CSUM"
}

# veth takes the large skbs whole: fewer than half as many packets as
# segments (the skbs grow with the send buffer and are at most half the
# peer's window), and the receiver counts the segments in them.
test_veth_passes_large_skbs() {
	need_etp
	link_ab "" ""
	transfer_counted
	[ "$OUT" -ge $((SIZE / 1460)) ] || fail "only $OUT segments counted for $SIZE bytes"
	[ $((PKTS * 2)) -lt "$OUT" ] ||
		fail "$PKTS packets for $OUT segments: no large skbs went through va"
	[ "$IN" -ge $((SIZE / 1460)) ] || fail "B counted only $IN segments"
	expect_eq 0 "$CSUM" "InCsumErrors"
}

# A lossless link: nothing is sent again. B takes the data its window
# offered also while its reader holds the socket and veth's large skbs wait
# on the backlog; dropped there (the backlog's limit was below what the
# window lets the receive queue hold), a lost tail drew no duplicate ACK and
# A stalled until its retransmission timer, at a few Mbit/s.
test_veth_lossless_no_retransmission() {
	local ns rtx0 drop0
	need_etp
	link_ab "" ""
	# A stalled vCPU must not look like a loss (TCG on a host that builds
	# a kernel beside it has stopped one for over a second): 5 s at least.
	# A lost tail is still sent again, only later, and counted.
	for ns in "$A" "$B"; do
		set_sysctl "$ns" rto_min_ms 5000 rto_initial_ms 5000
	done
	rtx0=$(etp_stat RetransSegs "$A")
	drop0=$(etp_stat BacklogDrop "$B")
	xfer_size
	xfer_size
	expect_eq 0 $(($(etp_stat BacklogDrop "$B") - drop0)) "segments B dropped at its backlog"
	expect_eq 0 $(($(etp_stat RetransSegs "$A") - rtx0)) "segments A sent again on a lossless link"
}

# Without segmentation offload on va, the stack calls etp_gso_segment():
# one packet per segment, in order and intact.
test_software_segmentation() {
	need_etp
	need ethtool
	link_ab "" ""
	ip netns exec "$A" ethtool -K va tx-sctp-segmentation off >/dev/null ||
		fail "ethtool could not turn segmentation off on va"
	transfer_counted
	[ "$PKTS" -ge $((OUT * 9 / 10)) ] ||
		fail "$PKTS packets for $OUT segments: were they cut?"
	expect_eq 0 "$CSUM" "InCsumErrors"
}

# And without checksum offload either: etp_gso_segment() computes every
# segment's checksum, which B verifies (InCsumErrors stays 0).
test_software_segmentation_and_checksums() {
	need_etp
	need ethtool
	link_ab "" ""
	ip netns exec "$A" ethtool -K va tx-sctp-segmentation off tx-checksumming off \
		>/dev/null || fail "ethtool could not turn offloads off on va"
	transfer_counted
	[ "$PKTS" -ge $((OUT * 9 / 10)) ] ||
		fail "$PKTS packets for $OUT segments: were they cut?"
	expect_eq 0 "$CSUM" "InCsumErrors"
}

run_tests
