# SPDX-License-Identifier: GPL-2.0
# A link between two namespaces with netem on it, and what netem.sh,
# faults.sh and offload.sh do over it: namespaces A (va, 10.199.3.1) and B
# (vb, 10.199.3.2), transfers checked byte for byte, netem's counts and the
# retransmissions that must answer them. ETP_TEST_TCP runs the same over
# TCP. Sourced after lib.sh.

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
	if ! tcp_mode; then
		for ns in "$A" "$B"; do
			ip netns exec "$ns" sysctl -qw net.etp.rto_min_ms=20 \
				net.etp.rto_initial_ms=200 net.etp.msl_ms=500 || fail "sysctl in $ns"
		done
	fi
	veth_link "$A" "$B" 10.199.3 static no_ipv6
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
	wait_started "$out" $srv
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
