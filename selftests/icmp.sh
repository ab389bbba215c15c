#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ICMP errors through a router: A (10.199.41.1) reaches B (10.199.42.2)
# through R. Path MTU discovery (RFC 1191): R's link to B is narrower than
# A's own, R refuses A's segments that do not fit with "fragmentation
# needed", and A must lower its MSS and go on. Unreachable (RFC 1122
# 4.2.3.9): R has no route further, and A's connect() fails, or a socket
# with IP_RECVERR learns it at once. TCP does each first, the control, in
# the same namespaces.
. "$(dirname "$0")/lib.sh"

# TCP's runs check that what ETP must match (the MSS, the errno) is what
# the kernel's TCP does here, and each result is a literal as well.
# ETP_TCP_CONTROL=0 leaves them out where the kernel's TCP is no news (the
# debug kernel: its runs cost as much as ETP's, under KASAN), and ETP's
# result is held to the literal alone.
control() { [ "${ETP_TCP_CONTROL:-1}" != 0 ]; }

# router MTU: A -va/vb- R -va/vb- B, R's side of its link to B of MTU
# bytes. B's side keeps 1500: B's SYN-ACK then offers the MSS of 1500, and
# only R's "fragmentation needed" can tell A of the narrower path.
router() {
	A=$(new_netns)
	R=$(new_netns)
	B=$(new_netns)
	veth_link "$A" "$R" 10.199.41 no_ipv6
	veth_link "$R" "$B" 10.199.42 no_ipv6
	ip -n "$R" link set va mtu "$1"
	ip netns exec "$R" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$A" route add default via 10.199.41.2
	ip -n "$B" route add default via 10.199.42.1
}

# tcp_env [tcp]: the environment that makes etp_util's sock() ETP's or TCP's.
tcp_env() {
	[ "${1:-}" = tcp ] && echo ETP_TEST_TCP=1 || echo ETP_TEST_TCP=0
}

# serve_in_b PORT ENV: a server in B that accepts one connection on PORT,
# as s, and runs the Python on standard input with it; its output goes to
# $out and its pid to $srv, once it listens.
serve_in_b() {
	out=$(mktemp)
	ip netns exec "$B" env "$2" PYTHONPATH="$SELFTESTS" timeout 60 python3 -c "
import socket, sys
from etp_util import *
l = listener('0.0.0.0', $1)
print('listening', flush=True)
l.settimeout(30)
s, _ = l.accept()
s.settimeout(40)
$(cat)" >"$out" 2>&1 &
	srv=$!
	wait_started "$out" $srv
}

# transfer PORT [tcp]: A sends 1 MiB to B, which counts it; prints A's MSS
# once B has it all, the connection still open.
transfer() {
	local port=$1 env out srv
	env=$(tcp_env "${2:-}")
	serve_in_b "$port" "$env" <<'PY'
n = 0
while n < 1 << 20:
    d = s.recv(1 << 16)
    if not d:
        break
    n += len(d)
s.sendall(b'%d' % n)
recv_all(s)
s.close()
PY
	ip netns exec "$A" env "$env" PYTHONPATH="$SELFTESTS" timeout 60 \
		python3 - "$port" <<'PY' || { cat "$out" >&2; fail "${2:-etp}: the transfer failed"; }
import socket, sys
from etp_util import *
c = sock()
c.settimeout(30)
c.connect(("10.199.42.2", int(sys.argv[1])))
c.sendall(pattern(1 << 20))
got = c.recv(100)
expect(got == b"%d" % (1 << 20), "B counted %r bytes" % got)
# Still open: ETP's TCP_MAXSEG is its default once closed.
print(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG))
c.close()
PY
	wait $srv || { cat "$out" >&2; fail "${2:-etp}: the server failed"; }
	rm -f "$out"
}

# A's path MTU is 1280 past R: A's MSS must come down from 1448 to 1228
# (1280 less 40 bytes of headers and 12 of timestamps, on by default in
# both), as TCP's does, for its full-sized segments to pass.
test_narrow_link_lowers_mss() {
	local tcp=1228 etp
	if control; then
		router 1280
		tcp=$(transfer 5000 tcp)
		expect_eq 1228 "$tcp" "TCP's MSS through an MTU of 1280"
	fi
	# New namespaces: A's route now knows the path's MTU from TCP's run.
	router 1280
	etp=$(transfer 5001)
	expect_eq "$tcp" "$etp" "ETP's MSS through an MTU of 1280 (TCP's $tcp)"
	[ "$(etp_stat PmtuReduced "$A")" -ge 1 ] || fail "PmtuReduced: $(etp_stat PmtuReduced "$A")"
}

# connect_fails ADDR PORT [tcp]: a connect() from A to ADDR fails; prints
# its errno's name.
connect_fails() {
	ip netns exec "$A" env "$(tcp_env "${3:-}")" PYTHONPATH="$SELFTESTS" \
		timeout 30 python3 - "$1" "$2" <<'PY'
import errno, socket, sys
from etp_util import *
c = sock()
c.settimeout(20)
try:
    c.connect((sys.argv[1], int(sys.argv[2])))
    fail("connect() succeeded")
except socket.timeout:
    fail("connect() still waiting after 20 s")
except OSError as e:
    print(errno.errorcode[e.errno])
PY
}

# R has no way to 10.199.43.0/24 (an "unreachable" route): it answers A's
# SYN with host unreachable, which ends the connect() at once.
test_unreachable_ends_connect() {
	local tcp=EHOSTUNREACH etp
	router 1500
	ip -n "$R" route add unreachable 10.199.43.0/24
	if control; then
		tcp=$(connect_fails 10.199.43.2 5004 tcp)
		expect_eq EHOSTUNREACH "$tcp" "TCP's connect() through R"
	fi
	etp=$(connect_fails 10.199.43.2 5005)
	expect_eq "$tcp" "$etp" "ETP's connect() through R (TCP's $tcp)"
}

# send_after_route_gone PORT [tcp]: a connection from A to B with
# IP_RECVERR set on A; then R loses its route to B and A sends: what
# recv() on A fails with (R's host unreachable), printed.
send_after_route_gone() {
	local port=$1 env out srv
	env=$(tcp_env "${2:-}")
	serve_in_b "$port" "$env" <<'PY'
try:
    recv_all(s)
except OSError:
    pass
PY
	ip netns exec "$A" env "$env" PYTHONPATH="$SELFTESTS" R="$R" timeout 60 \
		python3 - "$port" <<'PY' || { cat "$out" >&2; fail "${2:-etp}: no error"; }
import errno, os, socket, subprocess, sys
from etp_util import *
IP_RECVERR = 11
c = sock()
c.settimeout(30)
c.connect(("10.199.42.2", int(sys.argv[1])))
c.setsockopt(socket.IPPROTO_IP, IP_RECVERR, 1)
subprocess.run(["ip", "-n", os.environ["R"], "route", "replace", "unreachable",
                "10.199.42.0/24"], check=True)
c.sendall(b"x" * 1000)
try:
    got = c.recv(100)
    fail("recv() returned %r" % got)
except socket.timeout:
    fail("no error within 30 s")
except OSError as e:
    print(errno.errorcode[e.errno])
c.close()
PY
	kill $srv 2>/dev/null
	wait $srv 2>/dev/null
	rm -f "$out"
}

# Once open, an ICMP error does not end the connection but is reported at
# once to a socket with IP_RECVERR.
test_unreachable_reported_with_recverr() {
	local tcp=EHOSTUNREACH etp
	if control; then
		router 1500
		tcp=$(send_after_route_gone 5006 tcp)
		expect_eq EHOSTUNREACH "$tcp" "TCP's recv() after R lost its route"
	fi
	router 1500
	etp=$(send_after_route_gone 5007)
	expect_eq "$tcp" "$etp" "ETP's recv() after R lost its route (TCP's $tcp)"
}

run_tests
