#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# VRF (an L3 master device, Documentation/networking/vrf.rst in the kernel):
# a segment that arrives on a device enslaved to a VRF finds a listener bound
# to that device, as TCP's does (the lookup's sdif). Each case does the same
# over TCP first, the control, in the same namespaces.
. "$(dirname "$0")/lib.sh"

# vrf_link: A (va, 10.199.9.1) and B (vb, 10.199.9.2), vb enslaved in B to
# the VRF "blue" (table 10), which takes vb's routes with it.
vrf_link() {
	A=$(new_netns)
	B=$(new_netns)
	veth_link "$A" "$B" 10.199.9 no_ipv6
	ip -n "$B" link add blue type vrf table 10 || fail "cannot add a VRF"
	ip -n "$B" link set blue up
	ip -n "$B" link set vb master blue || fail "cannot enslave vb to the VRF"
}

# echo_through PORT [tcp]: a listener in B bound to vb (SO_BINDTODEVICE)
# accepts a connection from A and echoes what it reads; A must get it back.
echo_through() {
	local port=$1 env=(ETP_TEST_TCP=0) out srv
	[ "${2:-}" = tcp ] && env=(ETP_TEST_TCP=1)
	out=$(mktemp)
	ip netns exec "$B" env "${env[@]}" PYTHONPATH="$SELFTESTS" timeout 30 \
		python3 - "$port" >"$out" 2>&1 <<'PY' &
import socket, sys
from etp_util import *
l = sock()
l.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"vb")
l.bind(("0.0.0.0", int(sys.argv[1])))
l.listen(4)
print("listening", flush=True)
l.settimeout(20)
s, _ = l.accept()
s.sendall(s.recv(100))
s.close()
PY
	srv=$!
	wait_started "$out" $srv
	ip netns exec "$A" env "${env[@]}" PYTHONPATH="$SELFTESTS" timeout 30 \
		python3 - "$port" <<'PY' || { cat "$out"; fail "${2:-etp}: no echo through the VRF"; }
import socket, sys
from etp_util import *
c = sock()
c.settimeout(10)
c.connect(("10.199.9.2", int(sys.argv[1])))
c.sendall(b"through the VRF")
c.shutdown(socket.SHUT_WR)
got = recv_all(c)
expect(got == b"through the VRF", "got %r back" % got)
PY
	wait $srv || { cat "$out"; fail "${2:-etp}: the server failed"; }
	rm -f "$out"
}

# A listener bound to the enslaved device: TCP takes the connection, and so
# must ETP (before the fix, ETP read the sdif from IPCB after its own
# control block had overwritten it with the sequence number: RST).
test_listener_bound_to_vrf_slave() {
	vrf_link
	echo_through 5000 tcp
	echo_through 5001
}

run_tests
