#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Congestion control algorithms as modules of their own (cong.c's registry):
# etp_cubic.ko registers and leaves, a socket or a namespace's default that
# uses it holds its module as TCP's do, a listener's choice goes to its
# children, and a connection transfers with it.
. "$(dirname "$0")/lib.sh"

# start_receiver NETNS ADDR ALGO: in the background, a listener on ADDR:7100
# with ALGO that takes one connection and reads it to EOF; it writes
# "received N" to $TMPDIR_CONG/rx.
start_receiver() {
	ip netns exec "$1" python3 -c "
import socket, sys
sys.path.insert(0, '$SELFTESTS')
from etp_util import *
l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
l.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'$3')
l.bind(('$2', 7100))
l.listen(1)
print('listening', flush=True)
s, _ = l.accept()
print('received', len(recv_all(s)), flush=True)
" >"$TMPDIR_CONG/rx" 2>&1 &
	wait_started "$TMPDIR_CONG/rx" $!
}

# load_ca NAME: etp_NAME.ko loaded, unloaded again when the case ends.
load_ca() {
	local ko
	ko=$(dirname "$ETP_KO_PATH")/etp_$1.ko
	[ -f "$ko" ] || fail "no $ko: make module builds it"
	[ -d "/sys/module/etp_$1" ] || insmod "$ko" || fail "insmod $ko"
	# shellcheck disable=SC2064
	trap "rmmod etp_$1 2>/dev/null || true" EXIT
}


cubic_refs() {
	cat /sys/module/etp_cubic/refcnt
}

test_cubic_registers_and_leaves() {
	local ns
	ns=$(new_netns)
	expect_eq newreno "$(ip netns exec "$ns" cat /proc/sys/net/etp/available_congestion_control)" \
		"available before"
	load_ca cubic
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
	load_ca cubic
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
	load_ca cubic
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
	load_ca cubic
	echo cubic >/proc/sys/net/etp/congestion_control
	ns=$(new_netns)
	echo newreno >/proc/sys/net/etp/congestion_control
	expect_eq cubic "$(ip netns exec "$ns" cat /proc/sys/net/etp/congestion_control)" \
		"a namespace made while the initial one's default was cubic"
	ip netns del "$ns"
}

# ecn_transfer ALGO: 512 KiB from A_NS to B_NS over veth, ALGO on both ends,
# ecn=1 on A_NS; netem on the data direction marks 3 % of the ECT packets
# CE where it would drop them (its ecn flag). Leaves the sender's TCP_INFO
# words "algorithm options retransmitted cwnd ssthresh" in $TMPDIR_CONG/tx.
ecn_transfer() {
	local algo=$1
	A_NS=$(new_netns)
	B_NS=$(new_netns)
	veth_link "$A_NS" "$B_NS" 10.199.42 static no_ipv6
	ip netns exec "$A_NS" sh -c 'echo 1 >/proc/sys/net/etp/ecn'
	# One segment a packet: netem marks a packet, and a GSO skb of many
	# segments would take one mark for all of them.
	ip -n "$A_NS" link set dev va gso_max_segs 1 || fail "gso_max_segs"
	ip netns exec "$A_NS" tc qdisc add dev va root netem delay 5ms loss 3% ecn ||
		fail "netem"
	start_receiver "$B_NS" 10.199.42.2 "$algo"
	ALGO=$algo py "$A_NS" >"$TMPDIR_CONG/tx" <<'EOF'
import os, socket
from etp_util import *
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, os.environ["ALGO"].encode())
c.connect(("10.199.42.2", 7100))
c.sendall(b"e" * (512 << 10))
info = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
u32 = lambda off: int.from_bytes(info[off:off + 4], "little")
name = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()
print(name, info[5], u32(100), u32(80), u32(76))
c.close()
EOF
	wait
	grep -q "received $((512 << 10))" "$TMPDIR_CONG/rx" || fail "receiver: $(cat "$TMPDIR_CONG/rx")"
	echo "# sender: algorithm, TCP_INFO options, retransmitted, cwnd, ssthresh: $(cat "$TMPDIR_CONG/tx")"
}

# ecn_checks ALGO: the sender kept ALGO and had ECN; the receiver saw CE
# marks and CWRs, the sender ECEs; marks did not turn into retransmissions
# (a quarter of the marks at most: a timer may still fire in a loaded VM).
ecn_checks() {
	local ce ece cwr rtx
	# shellcheck disable=SC2046
	set -- $(cat "$TMPDIR_CONG/tx")
	expect_eq "$algo" "$1" "the sender's algorithm"
	[ $(($2 & 8)) = 8 ] || fail "TCP_INFO options $2 without TCPI_OPT_ECN"
	ce=$(etp_stat EcnCeRecv "$B_NS")
	cwr=$(etp_stat EcnCwrRecv "$B_NS")
	ece=$(etp_stat EcnEceRecv "$A_NS")
	rtx=$(etp_stat RetransSegs "$A_NS")
	echo "# CE marks received $ce, CWRs $cwr; ECEs at the sender $ece, retransmitted $rtx"
	expect_eq 1 "$(etp_stat EcnNegotiated "$A_NS")" "connections with ECN at the sender"
	if [ "$ce" = 0 ] || [ "$cwr" = 0 ] || [ "$ece" = 0 ]; then
		fail "CE marks $ce, CWRs $cwr, ECEs $ece: ECN did not run its course"
	fi
	[ $((rtx * 4)) -le "$ce" ] || fail "retransmitted $rtx for $ce marks: marks became losses"
	# RFC 3168 holds ECE until CWR: at least one per mark. DCTCP's exact
	# echo (RFC 8257 3.2): one for a CE segment, or two when a delayed
	# ACK owed went first, ECE off again with the next ECT segment.
	if [ "$algo" = dctcp ]; then
		[ "$ece" -le $((2 * ce + 2)) ] || fail "$ece ECEs for $ce marks: not the exact echo"
	else
		[ "$ece" -ge "$ce" ] || fail "$ece ECEs for $ce marks"
	fi
}

# RFC 3168 with NewReno: the marks reduce the window without a loss.
test_ecn_transfers() {
	local algo=newreno
	ecn_transfer $algo
	ecn_checks $algo
}

# DCTCP (RFC 8257): ECN whatever the sysctl says, the CE state echoed
# exactly, the algorithm kept (not dctcp-reno).
test_dctcp_transfers() {
	local algo=dctcp
	load_ca dctcp
	ecn_transfer $algo
	ecn_checks $algo
}

# A DCTCP socket whose peer does not agree to ECN runs as dctcp-reno, as
# TCP's, holding etp_dctcp.ko all the same.
test_dctcp_without_ecn() {
	local ns
	ns=$(new_netns)
	load_ca dctcp
	ip netns exec "$ns" sh -c 'echo 0 >/proc/sys/net/etp/ecn'
	py "$ns" <<'EOF'
import socket
from etp_util import *

def name(s):
    return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16).rstrip(b"\0").decode()

l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
l.bind(("127.0.0.1", 0))
l.listen(1)
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"dctcp")
c.connect(l.getsockname())
s, _ = l.accept()
c.sendall(b"z" * 100000)
c.shutdown(socket.SHUT_WR)
expect(len(recv_all(s)) == 100000, "data lost")
expect(name(c) == "dctcp-reno", "without ECN the algorithm is %s" % name(c))
expect(not c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)[5] & 8, "ECN on")
with open("/sys/module/etp_dctcp/refcnt") as f:
    expect(f.read().strip() == "1", "dctcp-reno holds no reference on etp_dctcp")
for x in (s, c, l):
    x.close()
EOF
}

# A bulk transfer over veth with 1 % loss and CUBIC on both ends: the data
# arrives whole, the sender's window went past the initial one and came
# down after losses (ssthresh set), and the algorithm stayed CUBIC.
test_cubic_transfers() {
	local a b
	load_ca cubic
	a=$(new_netns)
	b=$(new_netns)
	veth_link "$a" "$b" 10.199.41 static no_ipv6
	ip netns exec "$a" tc qdisc add dev va root netem delay 5ms loss 1% ||
		fail "netem"
	start_receiver "$b" 10.199.41.2 cubic
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

# tools/etp-dumbbell, the smallest: one flow of each stack at once through
# a 10 Mbit/s bottleneck on Mininet. Both got data through, together no
# more than the bottleneck carries, and they filled most of it; the tool
# leaves TCP's settings as they were (Mininet's own set-up would raise
# tcp_rmem and tcp_wmem for the rest of the VM's life).
test_dumbbell() {
	local out
	modprobe bridge 2>/dev/null || true
	[ -d /sys/module/bridge ] || skip "no Linux bridge in this kernel (Mininet's switches)"
	local rmem
	rmem=$(cat /proc/sys/net/ipv4/tcp_rmem)
	out=$(/usr/bin/python3 "$TOP/tools/etp-dumbbell" -n 2 --runs mix --cc reno --rate 10 \
		--delay 5 --secs 4 --json "$TMPDIR_CONG/db.json" 2>&1) || fail "etp-dumbbell: $out"
	expect_eq "$rmem" "$(cat /proc/sys/net/ipv4/tcp_rmem)" "tcp_rmem after the dumbbell"
	echo "$out" | sed 's/^/# /'
	/usr/bin/python3 - "$TMPDIR_CONG/db.json" <<'EOF' || fail "the dumbbell's results"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]["n2"]
ok = True
if not 5 <= s["total_mix"] <= 11:
    print("%.1f Mbit/s in all through a 10 Mbit/s bottleneck" % s["total_mix"])
    ok = False
if not 0 < s["share_etp"] < 1:
    print("ETP's share of a mixed run: %s" % s["share_etp"])
    ok = False
sys.exit(0 if ok else 1)
EOF
}

TMPDIR_CONG=$(mktemp -d)
run_tests
