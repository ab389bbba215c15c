#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Transfers over a bad link: a veth pair between two namespaces with netem on
# one or both ends (loss, reordering, duplication, delay). Every byte arrives intact
# (the receiver's SHA-256 must be the sender's), the receiver sees EOF, both
# ends finish closing (nothing left in /proc/net/etp), and loss is repaired
# by retransmission (RetransSegs). rto_min_ms and rto_initial_ms are lowered
# in both namespaces to keep each case within about 30 s.
. "$(dirname "$0")/lib.sh"

tcp_mode() { [ -n "${ETP_TEST_TCP:-}" ] && [ "$ETP_TEST_TCP" != 0 ]; }
PROCFILE=/proc/net/etp
tcp_mode && PROCFILE=/proc/net/tcp

# set_sysctl NETNS NAME VALUE [NAME VALUE...]: ETP settings (not under
# ETP_TEST_TCP), in one process: each exec costs a TCG guest a tenth of a
# second.
set_sysctl() {
	local ns=$1 kv=()
	tcp_mode && return 0
	shift
	while [ $# -ge 2 ]; do kv+=("net.etp.$1=$2"); shift 2; done
	ip netns exec "$ns" sysctl -qw "${kv[@]}" || fail "cannot set ${kv[*]}"
}

# link NETEM...: namespaces A (va, 10.199.3.1) and B (vb, 10.199.3.2) joined
# by a veth pair with netem NETEM on both ends.
link() {
	link_ab "$*" "$*"
}

# link_ab NETEM_A NETEM_B: the same, with netem NETEM_A on va (A to B) and
# NETEM_B on vb (B to A); an empty one leaves that direction alone.
link_ab() {
	local ns
	A=$(new_netns)
	B=$(new_netns)
	# No IPv6: its neighbour discovery and MLD would meet netem too, and
	# faults.sh counts netem's drops as ETP's.
	local etp=(net.etp.rto_min_ms=20 net.etp.rto_initial_ms=200 net.etp.msl_ms=500)
	tcp_mode && etp=()
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 "${etp[@]}" || fail "sysctl in $ns"
	done
	# No ARP: it would suffer the loss too (EHOSTUNREACH).
	ip link add va netns "$A" address 02:00:00:00:03:01 type veth \
		peer name vb netns "$B" address 02:00:00:00:03:02
	ip -n "$A" -batch - <<EOF
addr add 10.199.3.1/24 dev va
link set va up
neigh replace 10.199.3.2 lladdr 02:00:00:00:03:02 dev va nud permanent
EOF
	ip -n "$B" -batch - <<EOF
addr add 10.199.3.2/24 dev vb
link set vb up
neigh replace 10.199.3.1 lladdr 02:00:00:00:03:01 dev vb nud permanent
EOF
	# ETP_TEST_TCP: the same minimum RTO for TCP, by a route attribute.
	if tcp_mode; then
		ip -n "$A" route replace 10.199.3.0/24 dev va src 10.199.3.1 rto_min 20ms
		ip -n "$B" route replace 10.199.3.0/24 dev vb src 10.199.3.2 rto_min 20ms
	fi
	if [ -n "$1" ]; then
		netem_on "$A" va $1 || fail "netem $1 on va"
	fi
	if [ -n "$2" ]; then
		netem_on "$B" vb $2 || fail "netem $2 on vb"
	fi
}

# netem_on NS DEV NETEM...: NETEM on DEV, as two instances under a prio
# qdisc: one for IPv4 packets of 256 bytes and more (data: netem_count's
# "data"), one for the rest (handshakes, pure ACKs, bare FINs, which later
# packets can make up for), so that a test can tell what netem took from
# the data alone.
netem_on() {
	local ns=$1 dev=$2
	shift 2
	# The high byte of the IP total length is 0: under 256 bytes.
	tc -n "$ns" -batch - <<EOF
qdisc add dev $dev root handle 1: prio bands 2 priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1
qdisc add dev $dev parent 1:1 handle 10: netem $*
qdisc add dev $dev parent 1:2 handle 20: netem $*
filter add dev $dev parent 1: prio 1 protocol ip u32 match u8 0 0xff at 2 flowid 1:2
filter add dev $dev parent 1: prio 2 protocol ip u32 match u32 0 0 flowid 1:1
EOF
}

# netem_count DEV pkt|dropped [data]: what netem on va (in A) or vb (in B)
# sent or dropped; with "data", its instance for packets of 256 bytes and
# more only. "pkt" counts segments (a GSO skb as its gso_segs), "dropped"
# skbs: ETP hands veth large GSO skbs, cut only after the qdisc, so netem's
# faults hit skbs, not segments.
netem_count() {
	tc -n "$([ "$1" = va ] && echo "$A" || echo "$B")" -s qdisc show dev "$1" |
		awk -v what="$2" -v only="${3:+10:}" '
			$1 == "qdisc" { on = $2 == "netem" && (only == "" || $3 == only) }
			on && $1 == "Sent" {
				if (what == "pkt") n += $4
				else if (match($0, /dropped [0-9]+/)) n += substr($0, RSTART + 8, RLENGTH - 8) }
			END { print n + 0 }'
}

# transfer BYTES: A sends BYTES pseudo-random bytes to B and shuts down its
# side; B reads to EOF, answers with the length and SHA-256 it got, and closes;
# A checks them against what it sent, reads EOF, closes. Both within 60 s.
transfer() {
	local size=$1 srv out rc=0 start i
	out=$(mktemp)
	start=$(date +%s%N)
	ip netns exec "$B" env PYTHONPATH="$SELFTESTS" timeout 60 python3 - "$size" >"$out" 2>&1 <<'EOF' &
import signal, sys, time
from etp_util import *
got = []
start = time.monotonic()
def progress(*_):
    log("server: %d of %s bytes after %.1f s, no EOF yet"
        % (sum(map(len, got)), sys.argv[1], time.monotonic() - start))
    sys.exit(124)
signal.signal(signal.SIGTERM, progress)
l = listener("10.199.3.2", 5000)
print("listening", flush=True)
s, _ = l.accept()
l.close()
start = time.monotonic()
while True:
    d = s.recv(65536)
    if not d:
        break
    got.append(d)
data = b"".join(got)
log("server: %d bytes, then EOF, in %.1f s" % (len(data), time.monotonic() - start))
s.sendall(("%d %s\n" % (len(data), sha256(data))).encode())
s.close()
print("server done", flush=True)
EOF
	srv=$!
	trap "kill $srv 2>/dev/null || true; rm -f $out" EXIT
	for i in $(seq 1 200); do
		grep -q listening "$out" && break
		sleep 0.1
	done
	ip netns exec "$A" env PYTHONPATH="$SELFTESTS" timeout 60 python3 - "$size" <<'EOF' || rc=$?
import sys
from etp_util import *
size = int(sys.argv[1])
data = pattern(size, size)
c = sock()
c.connect(("10.199.3.2", 5000))
c.sendall(data)
c.shutdown(socket.SHUT_WR)
reply = recv_all(c).decode()
c.close()
want = "%d %s\n" % (size, sha256(data))
expect(reply == want, "the receiver got %r, the sender sent %r" % (reply, want))
log("client: the receiver got all %d bytes intact" % size)
EOF
	wait $srv || { echo "the server failed (status $?):"; rc=1; }
	cat "$out"
	rm -f "$out"
	echo "transfer of $size bytes: $((($(date +%s%N) - start) / 1000000)) ms"
	[ $rc = 0 ] || fail "the transfer failed (status $rc; 124 is the 60 s timeout)"
}

# Both ends finish: no socket left in either namespace (TIME_WAIT included,
# msl_ms is 500) within 20 s.
all_closed() {
	local left end=$((SECONDS + 20))
	while :; do
		left=$(ip netns exec "$A" awk 'NR > 1' $PROCFILE; ip netns exec "$B" awk 'NR > 1' $PROCFILE)
		# (TIME_WAIT lasts 60 s in TCP: it counts as closed there.)
		tcp_mode && left=$(echo "$left" | awk '$4 != "06"')
		[ -z "$left" ] && return 0
		[ $SECONDS -lt $end ] || break
		sleep 0.2
	done
	fail "sockets left 20 s after the transfer: $left"
}

retrans() {
	echo $(($(etp_stat RetransSegs "$A") + $(etp_stat RetransSegs "$B")))
}

# expect_resent [dup]: every data packet netem took from A (netem_on: its
# instance for packets of 256 bytes and more) was sent again: A's
# RetransSegs is at least netem's drops of data, each dropped packet having
# held a segment of its own (a dropped retransmission is itself one). With
# "dup" (netem duplicates too) a dropped packet may be netem's copy of one
# that got through: one retransmission at least, then.
expect_resent() {
	tcp_mode && return 0
	local lost n
	lost=$(netem_count va dropped data)
	n=$(etp_stat RetransSegs "$A")
	echo "netem dropped $lost data packets from A; RetransSegs in A: $n"
	if [ "${1:-}" = dup ]; then
		[ "$lost" = 0 ] || [ "$n" -gt 0 ] ||
			fail "netem dropped $lost data packets from A but RetransSegs in A is 0"
	else
		[ "$n" -ge "$lost" ] ||
			fail "netem dropped $lost data packets from A but A sent only $n segments again"
	fi
}

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
# retransmission doubles the timeout (RFC 6298 5.5).
test_loss_20_both_ways() {
	link loss 20%
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

# faults.sh sources this file for its helpers (link_ab, set_sysctl).
[ "${BASH_SOURCE[0]}" != "$0" ] || run_tests
