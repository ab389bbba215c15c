#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Congestion control algorithms as modules of their own (cong.c's registry):
# etp_cubic.ko registers and leaves, a socket or a namespace's default that
# uses it holds its module as TCP's do, a listener's choice goes to its
# children, and a connection transfers with it.
. "$(dirname "$0")/lib.sh"

CUBIC_KO=$(dirname "$ETP_KO_PATH")/etp_cubic.ko

# load_cubic: etp_cubic.ko loaded, unloaded again when the case ends.
load_cubic() {
	[ -f "$CUBIC_KO" ] || fail "no $CUBIC_KO: make module builds it"
	[ -d /sys/module/etp_cubic ] || insmod "$CUBIC_KO" || fail "insmod $CUBIC_KO"
	trap 'rmmod etp_cubic 2>/dev/null || true' EXIT
}

cubic_refs() {
	cat /sys/module/etp_cubic/refcnt
}

test_cubic_registers_and_leaves() {
	local ns
	ns=$(new_netns)
	expect_eq newreno "$(ip netns exec "$ns" cat /proc/sys/net/etp/available_congestion_control)" \
		"available before"
	load_cubic
	expect_eq "newreno cubic" \
		"$(ip netns exec "$ns" cat /proc/sys/net/etp/available_congestion_control)" \
		"available with etp_cubic.ko"
	expect_eq 0 "$(cubic_refs)" "references with nothing using it"
	rmmod etp_cubic || fail "rmmod etp_cubic with nothing using it"
	expect_eq newreno "$(ip netns exec "$ns" cat /proc/sys/net/etp/available_congestion_control)" \
		"available after rmmod"
	py "$ns" <<'EOF'
import errno, socket
from etp_util import *
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
try:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
    fail("TCP_CONGESTION cubic taken after rmmod")
except OSError as e:
    expect(e.errno == errno.ENOENT, "TCP_CONGESTION cubic after rmmod: %s" % e)
EOF
}

# As TCP's: a socket holds its algorithm's module; rmmod is refused until it
# closes (or chooses another).
test_socket_holds_module() {
	local ns
	ns=$(new_netns)
	load_cubic
	start_holder "$ns" "
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ETP_PROTO)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'cubic')
assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b'\0') == b'cubic'
t = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ETP_PROTO)
t.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'cubic')
t.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'reno')"
	expect_eq 1 "$(cubic_refs)" "references with one socket on cubic"
	rmmod etp_cubic 2>/dev/null && fail "rmmod etp_cubic while a socket uses it"
	stop_holder
	for _ in $(seq 1 100); do
		[ "$(cubic_refs)" = 0 ] && break
		sleep 0.1
	done
	expect_eq 0 "$(cubic_refs)" "references once the socket closed"
	rmmod etp_cubic || fail "rmmod etp_cubic once the socket closed"
}

# congestion_control: new sockets take it, a listener's TCP_CONGESTION goes
# to its children (else the default), the default holds the module.
test_default_and_children() {
	local ns
	ns=$(new_netns)
	load_cubic
	ip netns exec "$ns" sh -c 'echo cubic >/proc/sys/net/etp/congestion_control'
	expect_eq 1 "$(cubic_refs)" "references with one namespace's default"
	rmmod etp_cubic 2>/dev/null && fail "rmmod etp_cubic while it is a default"
	py "$ns" <<'EOF'
import socket
from etp_util import *

def name(s):
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()

def child(listener_ca):
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    if listener_ca:
        l.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, listener_ca)
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    c.connect(l.getsockname())
    s, _ = l.accept()
    got = (name(c), name(s))
    for x in (s, c, l):
        x.close()
    return got

expect(name(socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)) == "cubic",
       "a new socket does not take the default cubic")
got = child(None)
expect(got == ("cubic", "cubic"), "client, child with the default: %s" % (got,))
got = child(b"newreno")
expect(got == ("cubic", "newreno"), "child of a newreno listener: %s" % (got,))
EOF
	ip netns exec "$ns" sh -c 'echo newreno >/proc/sys/net/etp/congestion_control'
	for _ in $(seq 1 100); do
		[ "$(cubic_refs)" = 0 ] && break
		sleep 0.1
	done
	expect_eq 0 "$(cubic_refs)" "references once the default is newreno again"
	rmmod etp_cubic || fail "rmmod etp_cubic once nothing uses it"
}

# A new namespace takes the initial namespace's default, as TCP's.
test_new_namespace_takes_initial_default() {
	local ns
	load_cubic
	echo cubic >/proc/sys/net/etp/congestion_control
	ns=$(new_netns)
	echo newreno >/proc/sys/net/etp/congestion_control
	expect_eq cubic "$(ip netns exec "$ns" cat /proc/sys/net/etp/congestion_control)" \
		"a namespace made while the initial one's default was cubic"
	ip netns del "$ns"
}

# A bulk transfer over veth with 1 % loss and CUBIC on both ends: the data
# arrives whole, the sender's window went past the initial one and came
# down after losses (ssthresh set), and the algorithm stayed CUBIC.
test_cubic_transfers() {
	local a b
	load_cubic
	a=$(new_netns)
	b=$(new_netns)
	veth_link "$a" "$b" 10.199.41 static no_ipv6
	ip netns exec "$a" tc qdisc add dev va root netem delay 5ms loss 1% ||
		fail "netem"
	ip netns exec "$b" python3 -c "
import socket, sys
sys.path.insert(0, '$SELFTESTS')
from etp_util import *
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'cubic')
l.bind(('10.199.41.2', 7100))
l.listen(1)
print('listening', flush=True)
s, _ = l.accept()
print('received', len(recv_all(s)), flush=True)
" >"$TMPDIR_CONG/rx" 2>&1 &
	wait_started "$TMPDIR_CONG/rx" $!
	py "$a" <<'EOF'
import socket, time
from etp_util import *
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
c.connect(("10.199.41.2", 7100))
first = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
data = b"c" * (4 << 20)
c.sendall(data)
most = 0
info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
u32 = lambda b, off: int.from_bytes(b[off:off + 4], "little")
cwnd0, cwnd, ssthresh = u32(first, 80), u32(info, 80), u32(info, 76)
name = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0")
log("cwnd at first %d, at the end %d, ssthresh %d, retransmitted %d" %
    (cwnd0, cwnd, ssthresh, u32(info, 100)))
c.close()
expect(name == b"cubic", "the algorithm is %r" % name)
expect(ssthresh < 0x7fffffff // 1448, "no reduction: ssthresh %d" % ssthresh)
expect(cwnd > cwnd0 or u32(info, 100) > 0, "the window never moved: %d" % cwnd)
EOF
	wait
	grep -q "received $((4 << 20))" "$TMPDIR_CONG/rx" || fail "receiver: $(cat "$TMPDIR_CONG/rx")"
}

TMPDIR_CONG=$(mktemp -d)
run_tests
