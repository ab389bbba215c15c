#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# etp-timeout: 1200
# The fault matrix: one test case per row, a transfer of one size (1 B to
# 8 MiB) over a veth pair with one fault on it: netem loss (1% to 40%),
# reordering, duplication, corruption, delay with jitter, or the link going
# down for 2 s mid-transfer. In every row:
# - every byte arrives intact (the receiver's SHA-256 is the sender's), the
#   receiver sees EOF and the sender the receiver's EOF;
# - the connection ends right at both ends: the client (which shuts down
#   first) went through TIME_WAIT, the server through LAST_ACK, one active and
#   one passive open, no reset, no failed attempt;
# - once TIME_WAIT has expired (msl_ms is 500) nothing is left in either
#   namespace's /proc/net/etp and every state gauge is 0;
# - where the loss makes one likely (more than 99.99%), RetransSegs rose;
#   under corruption InCsumErrors rose (the bad segments were dropped).
# It ends by printing a table of the rows: condition, size, time,
# retransmissions and checksum errors, result.
#
# The links come from lib_netem.sh (link_ab: rto_min_ms 20, rto_initial_ms 200,
# msl_ms 500 in both namespaces); the 40% rows also keep the RTO within 10 to
# 100 ms (rto_min_ms, rto_max_ms) and give a half-open entry 100 SYN-ACKs:
# with 64% of round trips failing, doubling to 120 s would let a row take
# minutes by chance (the retransmission limits are times, rto_max_ms does not
# shorten them).
# The sizes keep the whole matrix within a few minutes of a TCG guest.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_netem.sh"

PORT=5000
TABLE=${ETP_FAULTS_TABLE:-/tmp/etp-faults-table.$$}
: >"$TABLE"

GAUGES="CurrEstab CurrSynSent CurrSynRecv CurrFinWait1 CurrFinWait2 CurrCloseWait CurrLastAck CurrClosing CurrTimeWait CurrListen"

xfer() {
	ip netns exec "$1" env PYTHONPATH="$SELFTESTS" timeout "$2" python3 "$SELFTESTS/fault_xfer.py" "${@:3}"
}

# counters NS: "NAME VALUE" lines of NS's /proc/net/etp_stat (one read: each
# ip netns exec costs a good part of a second in a TCG guest).
counters() {
	ip netns exec "$1" cat /proc/net/etp_stat | awk '
		NR == 1 { for (i = 2; i <= NF; i++) n[i] = $i }
		NR == 2 { for (i = 2; i <= NF; i++) print n[i], $i }'
}

# The counter NAME in A plus the one in B.
sum_stat() {
	{ counters "$A"; counters "$B"; } | awk -v n="$1" '$1 == n { s += $2 } END { print s + 0 }'
}

# expect_counters NS WHO NAME=VALUE...: NS's counters have these values.
expect_counters() {
	local ns=$1 who=$2 bad
	shift 2
	bad=$(counters "$ns" | awk -v want="$*" '
		BEGIN { n = split(want, w, " ")
			for (i = 1; i <= n; i++) { split(w[i], kv, "="); wv[kv[1]] = kv[2] } }
		{ got[$1] = $2 }
		END { for (k in wv) if (!(k in got) || got[k] != wv[k])
			printf "%s %s (expected %s) ", k, (k in got) ? got[k] : "missing", wv[k] }')
	[ -z "$bad" ] || fail "$who's counters: $bad"
}

# transfer_checked SIZE TIMEOUT [HOOK]: A (10.199.3.1) sends SIZE bytes to B
# (10.199.3.2) as fault_xfer.py does, both sides within TIMEOUT s. HOOK, a
# shell function, runs in the background meanwhile.
transfer_checked() {
	local size=$1 to=$2 hook=${3:-} out srv rc=0 i hookpid=""
	out=$(mktemp)
	xfer "$B" "$to" server 10.199.3.2 $PORT >"$out" 2>&1 &
	srv=$!
	wait_started "$out" $srv
	if [ -n "$hook" ]; then
		"$hook" &
		hookpid=$!
	fi
	xfer "$A" "$to" client 10.199.3.2 $PORT "$size" || rc=$?
	wait $srv || { echo "the server failed (status $?)"; rc=1; }
	[ -z "$hookpid" ] || wait $hookpid || { echo "the hook failed"; rc=1; }
	grep -v '^listening' "$out" || true
	rm -f "$out"
	[ $rc = 0 ] || fail "the transfer failed (status $rc; 124 is the ${to} s timeout)"
}

# Both ends closed right, and after TIME_WAIT nothing is left: the entries
# gone within 30 s, then every gauge 0 and the counters of one clean
# connection (A the active opener and closer, B the passive one).
ended_clean() {
	local left end=$((SECONDS + 30)) g zero
	while :; do
		left=$(ip netns exec "$A" awk 'NR > 1' /proc/net/etp; ip netns exec "$B" awk 'NR > 1' /proc/net/etp)
		[ -z "$left" ] && break
		[ $SECONDS -lt $end ] || fail "entries left 30 s after the transfer: $left"
		sleep 0.2
	done
	zero=$(for g in $GAUGES EstabResets AttemptFails; do printf '%s=0 ' $g; done)
	expect_counters "$A" A $zero ActiveOpens=1 PassiveOpens=0 TimeWaitEntered=1 TimeWaitExpired=1
	expect_counters "$B" B $zero ActiveOpens=0 PassiveOpens=1 TimeWaitEntered=0
}

# likely_hit P N: whether a fault of P% per packet all but surely (1 - 1e-4)
# hit at least one of N packets.
likely_hit() {
	awk -v p="$1" -v n="$2" 'BEGIN { exit !((1 - p / 100) ^ n < 1e-4) }'
}

human() {
	awk -v n="$1" 'BEGIN {
		if (n >= 1048576) printf "%d MiB", n / 1048576
		else if (n >= 1024) printf "%d KiB", n / 1024
		else printf "%d B", n }'
}

# Once B got 200 segments: va down, 2 s, up again (the neighbour entries go
# with the link: put them back). B must still be ESTABLISHED (it has not had
# the FIN) when the link goes down, or this was not mid-transfer.
flap() {
	local mid=1
	# One process polls, as an `ip netns exec` per
	# poll costs a TCG VM a good part of a second, the transfer ~3 s.
	ip netns exec "$B" sh -c '
		for i in $(seq 1 1000); do
			awk "NR == 1 { for (i = 2; i <= NF; i++) if (\$i == \"InSegs\") c = i }
			     NR == 2 { exit !(\$c > 200) }" /proc/net/etp_stat && break
			sleep 0.02
		done'
	ip -n "$A" link set va down
	ip netns exec "$B" awk 'NR > 1 && $4 == "01" { f = 1 } END { exit !f }' /proc/net/etp || mid=0
	echo "# link down after $(etp_stat InSegs "$B") segments in B"
	sleep 2
	ip -n "$A" link set va up
	ip -n "$A" neigh replace 10.199.3.2 lladdr 02:00:00:00:03:02 dev va nud permanent
	ip -n "$B" neigh replace 10.199.3.1 lladdr 02:00:00:00:03:01 dev vb nud permanent
	echo "# link up"
	[ $mid = 1 ] || fail "the transfer was over before the link went down"
}

# row CONDITION SIZE TIMEOUT NETEM_A NETEM_B [KIND]: one row of the matrix.
# KIND: "loss=P" expects retransmissions when netem dropped any of A's data
# packets, "corrupt" (5%) InCsumErrors when B's packets make a hit all
# but sure; "flap" takes va down for 2 s mid-transfer.
row() {
	local cond=$1 size=$2 to=$3 kind=${6:-} start rc took re cs hook="" ns
	link_ab "$4" "$5"
	case $kind in
	rto10)
		for ns in "$A" "$B"; do
			set_sysctl "$ns" rto_min_ms 10 rto_max_ms 100 synack_retries 100
		done ;;
	flap)
		hook=flap ;;
	esac
	start=$(date +%s%N)
	set +e
	(
		set -e
		transfer_checked "$size" "$to" "$hook"
		ended_clean
		# Data that netem took from A must have been sent again
		# (expect_resent; the 1-byte rows have no such packet). B
		# sends pure ACKs only (no GSO: netem's count is exact): a
		# corruption of one of enough of them is all but sure. netem
		# flips a bit anywhere in the frame, and only the 20 bytes of
		# ETP header of a 54-byte ACK make a checksum error (a flip in
		# the MAC or IP header drops it before ETP): 5% * 20/54.
		case $kind in
		loss=*)
			expect_resent ;;
		corrupt)
			if likely_hit 1.85 "$(netem_count vb pkt)"; then
				[ "$(sum_stat InCsumErrors)" -gt 0 ] ||
					fail "netem corrupted segments but InCsumErrors is 0 ($(netem_count vb pkt) packets on vb)"
			fi ;;
		esac
	)
	rc=$?
	set -e
	took=$((($(date +%s%N) - start) / 1000000))
	re=$(sum_stat RetransSegs)
	cs=$(sum_stat InCsumErrors)
	printf '%-30s %8s %8d.%02d %8s %8s  %s\n' "$cond" "$(human "$size")" \
		$((took / 1000)) $((took % 1000 / 10)) "$re" "$cs" \
		"$([ $rc = 0 ] && echo ok || echo FAIL)" >>"$TABLE"
	echo "# $cond, $(human "$size"): RetransSegs $re, InCsumErrors $cs, netem dropped $(netem_count va dropped data) data packets on va"
	return $rc
}

KiB=1024
MiB=$((1024 * 1024))

test_clean_1B()       { row "clean (delay 1ms)" 1 60 "delay 1ms" "delay 1ms"; }
test_clean_64K()      { row "clean (delay 1ms)" $((64 * KiB)) 60 "delay 1ms" "delay 1ms"; }
test_clean_1M()       { row "clean (delay 1ms)" $MiB 60 "delay 1ms" "delay 1ms"; }
test_clean_8M()       { row "clean (delay 1ms)" $((8 * MiB)) 90 "delay 1ms" "delay 1ms"; }
test_loss1_1B()       { row "loss 1%" 1 60 "loss 1%" "loss 1%" loss=1; }
test_loss1_64K()      { row "loss 1%" $((64 * KiB)) 60 "loss 1%" "loss 1%" loss=1; }
test_loss1_1M()       { row "loss 1%" $MiB 60 "loss 1%" "loss 1%" loss=1; }
test_loss1_8M()       { row "loss 1%" $((8 * MiB)) 120 "loss 1%" "loss 1%" loss=1; }
test_loss5_1B()       { row "loss 5%" 1 60 "loss 5%" "loss 5%" loss=5; }
test_loss5_64K()      { row "loss 5%" $((64 * KiB)) 60 "loss 5%" "loss 5%" loss=5; }
test_loss5_1M()       { row "loss 5%" $MiB 90 "loss 5%" "loss 5%" loss=5; }
test_loss20_1B()      { row "loss 20%" 1 60 "loss 20%" "loss 20%" loss=20; }
test_loss20_64K()     { row "loss 20%" $((64 * KiB)) 90 "loss 20%" "loss 20%" loss=20; }
test_loss40_1B()      { row "loss 40% (RTO 10-100 ms)" 1 90 "loss 40%" "loss 40%" rto10; }
test_loss40_16K()     { row "loss 40% (RTO 10-100 ms)" $((16 * KiB)) 120 "loss 40%" "loss 40%" rto10; }
test_reorder_64K()    { row "reorder 25% (delay 10ms)" $((64 * KiB)) 60 "delay 10ms reorder 25% 50%" "delay 10ms reorder 25% 50%"; }
test_reorder_1M()     { row "reorder 25% (delay 10ms)" $MiB 90 "delay 10ms reorder 25% 50%" "delay 10ms reorder 25% 50%"; }
test_duplicate_64K()  { row "duplicate 10%" $((64 * KiB)) 60 "duplicate 10%" "duplicate 10%"; }
test_duplicate_1M()   { row "duplicate 10%" $MiB 60 "duplicate 10%" "duplicate 10%"; }
test_corrupt_4M()     { row "corrupt 5%" $((4 * MiB)) 120 "corrupt 5%" "corrupt 5%" corrupt; }
test_jitter_64K()     { row "delay 20ms jitter 10ms" $((64 * KiB)) 60 "delay 20ms 10ms" "delay 20ms 10ms"; }
test_jitter_1M()      { row "delay 20ms jitter 10ms" $MiB 90 "delay 20ms 10ms" "delay 20ms 10ms"; }
test_link_down_up_4M() { row "link down 2 s mid-transfer" $((4 * MiB)) 90 "rate 10mbit" "" flap; }

run_tests
rc=$?
echo "# The fault matrix ($(grep -c . "$TABLE") rows):"
printf '# %-30s %8s %11s %8s %8s  %s\n' condition size "time (s)" retrans csumerr result
sed 's/^/# /' "$TABLE"
[ -n "${ETP_FAULTS_TABLE:-}" ] || rm -f "$TABLE"
exit $rc
