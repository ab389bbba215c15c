#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the receive path owes the rest of the stack, as tcp_v4_rcv() does for
# every segment: IPsec's inbound policy (ETP's net_protocol has .no_policy,
# so IP leaves the check to it) and the socket's filter (SO_ATTACH_FILTER).
# Each case does the same over TCP first, the control, in the same run.
. "$(dirname "$0")/lib.sh"

# try_connect NAME PORT: A connects to B:PORT for 2 s while B listens;
# prints "connected", "blocked" (no answer: a policy drops segments
# silently) or the error that ended the attempt (ECONNREFUSED: a RST).
# B listens until A is done, however long A takes to start (a loaded TCG
# guest can take seconds to start Python).
try_connect() {
	local port=$2 out srv
	out=$(mktemp)
	ip netns exec "$B" env ETP_TEST_TCP="$ETP_TEST_TCP" PYTHONPATH="$SELFTESTS" \
		timeout 30 python3 - "$port" >"$out" 2>&1 <<'PY' &
import sys, time
from etp_util import *
l = listener("10.199.10.2", int(sys.argv[1]))
print("listening", flush=True)
time.sleep(25)
PY
	srv=$!
	wait_started "$out" $srv
	ip netns exec "$A" env ETP_TEST_TCP="$ETP_TEST_TCP" PYTHONPATH="$SELFTESTS" \
		timeout 30 python3 - "$port" <<'PY'
import errno, select, sys
from etp_util import *
c = sock()
c.setblocking(False)
try:
    c.connect(("10.199.10.2", int(sys.argv[1])))
except BlockingIOError:
    pass
w = select.select([], [c], [], 2)[1]
err = c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) if w else 0
print("blocked" if not w else "connected" if not err else errno.errorcode.get(err, err))
PY
	kill $srv 2>/dev/null || true
	wait $srv 2>/dev/null || true
	rm -f "$out"
}

# An inbound policy in B that requires ESP from A: plaintext segments are
# dropped before any socket sees them, so nothing connects.
test_ipsec_policy_required() {
	local got
	A=$(new_netns)
	B=$(new_netns)
	veth_link "$A" "$B" 10.199.10 no_ipv6
	expect_eq connected "$(ETP_TEST_TCP=0 try_connect etp 5000)" "ETP without a policy"
	ip -n "$B" xfrm policy add src 10.199.10.1/32 dst 10.199.10.2/32 dir in \
		tmpl proto esp mode transport level required || fail "cannot add the policy"
	got=$(ETP_TEST_TCP=1 try_connect tcp 5001)
	expect_eq blocked "$got" "TCP through a policy that requires ESP"
	got=$(ETP_TEST_TCP=0 try_connect etp 5002)
	expect_eq blocked "$got" "ETP through a policy that requires ESP"
}

# A filter that drops every segment (classic BPF "ret #0") on the receiving
# socket: the data does not arrive; once the filter is gone the sender's
# retransmission brings it.
filtered() {
	py "$(new_netns)" "$1" <<'PY'
import ctypes, socket, struct, sys
from etp_util import *
l, c, s = pair(5000)
ins = ctypes.create_string_buffer(struct.pack("HBBI", 0x06, 0, 0, 0))
s.setsockopt(socket.SOL_SOCKET, 26, struct.pack("HL", 1, ctypes.addressof(ins)))
c.send(b"filtered")
s.settimeout(1)
try:
    got = s.recv(100)
except socket.timeout:
    got = None
expect(got is None, "%s: %r came through a filter that drops everything" %
       (sys.argv[1], got))
s.setsockopt(socket.SOL_SOCKET, 27, 0)
s.settimeout(15)
got = s.recv(100)
expect(got == b"filtered", "%s: %r after the filter went" % (sys.argv[1], got))
log("%s: held by the filter, delivered once it went" % sys.argv[1])
PY
}

test_socket_filter() {
	(export ETP_TEST_TCP=1; filtered tcp)
	(export ETP_TEST_TCP=0; filtered etp)
}

run_tests
