#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# TIME_WAIT seen from the other end of the wire: a peer made with scapy
# (timewait_peer.py, in a namespace of its own behind a veth) connects to an
# ETP listener, the ETP application closes first, the peer closes too, and the
# ETP end is left in TIME_WAIT. Then the peer retransmits its FIN (ACKed again,
# the timer restarts), sends RSTs (ignored), or a new SYN of the same 4-tuple
# (an old sequence number is not a new connection; one above the old rcv_nxt
# reopens it).
. "$(dirname "$0")/lib.sh"

tcp_mode() { [ -n "${ETP_TEST_TCP:-}" ] && [ "$ETP_TEST_TCP" != 0 ]; }

# The ETP namespace A (va, 10.199.2.1) and the peer's B (vb, no address: its
# kernel drops the segments, only scapy answers). A knows B's MAC.
setup() {
	python3 -c 'import scapy' 2>/dev/null || skip "no scapy (python3-scapy)"
	A=$(new_netns)
	B=$(new_netns)
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip link add va netns "$A" address 02:00:00:00:02:01 type veth \
		peer name vb netns "$B" address 02:00:00:00:02:02
	ip -n "$A" addr add 10.199.2.1/24 dev va
	ip -n "$A" link set va up
	ip -n "$B" link set vb up
	ip -n "$A" neigh replace 10.199.2.2 lladdr 02:00:00:00:02:02 dev va nud permanent
	ip netns exec "$A" sh -c "echo $1 > /proc/sys/net/etp/msl_ms" ||
		tcp_mode || fail "cannot set msl_ms"
	# TCP (ETP_TEST_TCP) kills TIME_WAIT on a RST unless told otherwise.
	tcp_mode && ip netns exec "$A" sysctl -qw net.ipv4.tcp_rfc1337=1
	return 0
}

# The ETP application: accept on 10.199.2.1:7000, close the first connection
# at once, keep the second. APP is its pid, in namespace A.
start_app() {
	local out i
	out=$(mktemp)
	APP_OUT=$out
	ip netns exec "$A" env PYTHONPATH="$SELFTESTS" python3 - >"$out" 2>&1 <<'EOF' &
import time
from etp_util import *
l = listener("10.199.2.1", 7000)
print("ready", flush=True)
s, _ = l.accept()
s.close()
print("closed the first connection", flush=True)
s2, _ = l.accept()
print("accepted the second connection", flush=True)
time.sleep(120)
EOF
	APP=$!
	trap 'kill $APP 2>/dev/null || true; rm -f "$APP_OUT"' EXIT
	for i in $(seq 1 200); do
		grep -q '^ready' "$out" && break
		kill -0 "$APP" 2>/dev/null || break
		sleep 0.1
	done
	APP_OUT=$out
	grep -q '^ready' "$out" || { cat "$out" >&2; fail "the ETP application did not start"; }
}

# The ETP application as a client: from 10.199.2.1:7000 it connects to the
# peer at 10.199.2.2:40000 and says "connected". APP is its pid.
start_client() {
	local out
	out=$(mktemp)
	ip netns exec "$A" env PYTHONPATH="$SELFTESTS" python3 - >"$out" 2>&1 <<'EOF' &
import socket, struct, time
from etp_util import *
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
# Killed at the end, it aborts: no orphan left sending FINs to a gone peer.
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.bind(("10.199.2.1", 7000))
s.connect(("10.199.2.2", 40000))
print("connected", flush=True)
time.sleep(120)
EOF
	APP=$!
	APP_OUT=$out
	trap 'kill $APP 2>/dev/null || true; rm -f "$APP_OUT"' EXIT
}

# peer SCENARIO [LINE]: run timewait_peer.py in B against the application;
# then the application must have printed LINE (within 3 s).
peer() {
	local rc=0 i
	ip netns exec "$B" env PYTHONPATH="$SELFTESTS" \
		python3 "$SELFTESTS/timewait_peer.py" "$1" "$APP" || rc=$?
	if [ $rc = 0 ] && [ -n "${2:-}" ]; then
		for i in $(seq 1 30); do
			grep -q "$2" "$APP_OUT" && break
			sleep 0.1
		done
		grep -q "$2" "$APP_OUT" || { echo "FAIL: the application did not say '$2'"; rc=1; }
	fi
	echo "the ETP application said:"
	cat "$APP_OUT"
	kill "$APP" 2>/dev/null || true
	wait "$APP" 2>/dev/null || true
	rm -f "$APP_OUT"
	return $rc
}

# A FIN retransmitted into TIME_WAIT is ACKed again (TimeWaitFinReAcked) and
# the 2*msl_ms (2 s) start over: the entry outlives its first deadline.
test_fin_reacked() {
	setup 1000
	start_app
	peer fin_reacked
}

# An RST (and an RST-ACK) in TIME_WAIT is ignored (TimeWaitRstIgnored): the
# entry stays and ends on time.
test_rst_ignored() {
	setup 500
	start_app
	peer rst_ignored
}

# A SYN with an old sequence number gets no SYN-ACK; one above the old
# rcv_nxt reopens the connection (TimeWaitRecycled) and the listener answers.
test_syn_recycles() {
	setup 10000
	start_app
	peer recycled 'accepted the second connection'
}

# An old duplicate SYN-ACK (its ACK not for our SYN) is answered with RST and
# the connection attempt goes on (RFC 9293 3.5, figure 9).
test_old_duplicate_synack() {
	setup 1000
	start_client
	peer old_duplicate_synack connected
}

run_tests
