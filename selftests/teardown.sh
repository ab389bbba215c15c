#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Closing connections: the active closer's FIN_WAIT2 and TIME_WAIT (its length
# and counters), the passive closer's CLOSE_WAIT and LAST_ACK, simultaneous
# close through CLOSING, an orphaned socket that still delivers its data,
# max_tw_entries, a TIME_WAIT table that grows to 1,000 entries and
# empties, and the segments on the wire from SYN to the last ACK.
# The socket programs are Python (etp_util.py) run in the test's namespace.
# etp-timeout: 1200
. "$(dirname "$0")/lib.sh"

# lo_delay NETNS MS: every packet on NETNS's lo waits MS ms, so that states
# that last one round trip (FIN_WAIT1, LAST_ACK, CLOSING) can be seen.
lo_delay() {
	ip netns exec "$1" tc qdisc add dev lo root netem delay "$2ms" ||
		fail "cannot add netem to lo"
}

# The active closer: FIN_WAIT1/FIN_WAIT2, then TIME_WAIT for 2*msl_ms (1 s
# here), then gone; the counters follow.
test_active_close_time_wait() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import time
from etp_util import *

sysctl("msl_ms", 500)
l, c, s = pair(5000)
cp = c.getsockname()[1]
expect(count(cp, 5000, "ESTABLISHED") == 1, "client ESTABLISHED: %s" % states(cp))
c.close()
expect(wait(lambda: count(cp, 5000, "FIN_WAIT2") == 1, 2),
       "active closer: expected FIN_WAIT2 (05) once its FIN is ACKed, got %s" % states(cp))
expect(count(5000, cp, "CLOSE_WAIT") == 1,
       "passive end: expected CLOSE_WAIT (08), got %s" % states(5000, cp))
expect_stat("CurrFinWait2", 1)
expect_stat("CurrCloseWait", 1)
expect(s.recv(100) == b"", "the passive end reads EOF")
t0 = time.monotonic()
s.close()
expect(wait(lambda: count(cp, 5000, "TIME_WAIT") == 1, 2),
       "active closer: expected TIME_WAIT (06) after the peer's FIN, got %s" % states(cp))
entered = time.monotonic()
expect(wait(lambda: count(5000, cp) == 0, 2),
       "passive end still listed after the last ACK: %s" % states(5000, cp))
expect_stat("CurrFinWait2", 0)
expect_stat("CurrCloseWait", 0)
expect_stat("CurrLastAck", 0)
expect_stat("TimeWaitEntered", 1)
expect_stat("CurrTimeWait", 1)
expect_stat("TimeWaitExpired", 0)
tcp_mode_stop("TIME_WAIT lasts 60 s in TCP")
# Still there well before 2*msl_ms...
time.sleep(max(0, t0 + 0.5 - time.monotonic()))
expect(count(cp, 5000, "TIME_WAIT") == 1,
       "TIME_WAIT entry gone after %.2f s, before 2*msl_ms = 1 s" % (time.monotonic() - t0))
# ...and gone soon after.
expect(wait(lambda: count(cp, 5000) == 0, 4, 0.005),
       "TIME_WAIT entry still there %.2f s after it started, 2*msl_ms = 1 s: %s"
       % (time.monotonic() - entered, states(cp)))
lasted = time.monotonic() - t0
log("TIME_WAIT gone %.3f s after the passive close" % lasted)
expect(lasted >= 0.95, "TIME_WAIT lasted %.3f s, 2*msl_ms = 1 s" % lasted)
expect_stat("TimeWaitExpired", 1)
expect_stat("CurrTimeWait", 0)
expect_stat("TimeWaitEntered", 1)
EOF
}

# The passive closer: CLOSE_WAIT until it closes, LAST_ACK until the ACK of
# its FIN comes, then gone. FIN_WAIT1 and LAST_ACK last a round trip: each
# is held while the test looks (hold(): lo drops everything, so the FIN
# waits for its retransmission), however slow the guest.
test_passive_close_states() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
from etp_util import *

sysctl("msl_ms", 2000)
sysctl("rto_max_ms", 1000)
l, c, s = pair(5000)
cp = c.getsockname()[1]
hold()
c.close()
expect(wait(lambda: count(cp, 5000, "FIN_WAIT1") == 1, 5),
       "active closer: expected FIN_WAIT1 (04) while its FIN is unacked, got %s" % states(cp))
expect_stat("CurrFinWait1", 1)
expect(count(5000, cp, "ESTABLISHED") == 1,
       "passive end: expected ESTABLISHED before the FIN came, got %s" % states(5000, cp))
release()
expect(wait(lambda: count(5000, cp, "CLOSE_WAIT") == 1, 10),
       "passive end: expected CLOSE_WAIT (08) after the FIN, got %s" % states(5000, cp))
expect_stat("CurrCloseWait", 1)
expect(s.recv(100) == b"", "the passive end reads EOF")
expect(wait(lambda: count(cp, 5000, "FIN_WAIT2") == 1, 10),
       "active closer: expected FIN_WAIT2 (05) after the ACK, got %s" % states(cp))
hold()
s.close()
expect(wait(lambda: count(5000, cp, "LAST_ACK") == 1, 5),
       "passive end: expected LAST_ACK (09) after its close, got %s" % states(5000, cp))
expect_stat("CurrLastAck", 1)
expect_stat("CurrCloseWait", 0)
release()
expect(wait(lambda: count(5000, cp) == 0, 10),
       "passive end still listed after the ACK of its FIN: %s" % states(5000, cp))
expect_stat("CurrLastAck", 0)
expect(wait(lambda: count(cp, 5000, "TIME_WAIT") == 1, 3),
       "active closer: expected TIME_WAIT (06), got %s" % states(cp))
# The listener was not disturbed.
expect(count(5000, 0, "LISTEN") == 1, "listener: %s" % states(5000, 0))
EOF
}

# Both ends close at once: the FINs cross (1 s on this lo, so that a stalled
# vCPU between the two close() calls cannot undo it), both go FIN_WAIT1 ->
# CLOSING -> TIME_WAIT.
test_simultaneous_close() {
	local ns
	ns=$(new_netns)
	lo_delay "$ns" 1000
	py "$ns" <<'EOF'
import time
from etp_util import *

sysctl("msl_ms", 2000)
l, c, s = pair(5000)
cp = c.getsockname()[1]
c.close()
s.close()
seen = {cp: set(), 5000: set()}
end = time.monotonic() + 15
while time.monotonic() < end:
    for e in find(cp, 5000) + find(5000, cp):
        seen[e["lport"]].add(NAMES.get(e["st"], e["st"]))
    if count(cp, 5000, "TIME_WAIT") == 1 and count(5000, cp, "TIME_WAIT") == 1:
        break
    time.sleep(0.01)
log("states seen: client %s, server %s" % (sorted(seen[cp]), sorted(seen[5000])))
expect(count(cp, 5000, "TIME_WAIT") == 1,
       "client: expected TIME_WAIT (06) after a simultaneous close, got %s" % states(cp))
expect(count(5000, cp, "TIME_WAIT") == 1,
       "server: expected TIME_WAIT (06) after a simultaneous close, got %s" % states(5000, cp))
expect("CLOSING" in seen[cp] and "CLOSING" in seen[5000],
       "expected both ends to pass through CLOSING (0B) when the FINs cross")
expect("FIN_WAIT2" not in seen[cp] | seen[5000],
       "FIN_WAIT2 seen: the FINs did not cross")
expect_stat("TimeWaitEntered", 2)
expect_stat("CurrTimeWait", 2)
expect_stat("CurrClosing", 0)
expect_stat("CurrFinWait1", 0)
EOF
}

# close() right after sending 2 MiB: the socket lives on as an orphan and the
# peer, which only starts reading a second later, gets every byte and EOF.
test_orphan_close_delivers() {
	local ns
	ns=$(new_netns)
	lo_delay "$ns" 20
	py "$ns" <<'EOF'
import socket, threading, time
from etp_util import *

sysctl("msl_ms", 500)
data = pattern(2 << 20, 11)
l = sock()
l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
l.bind(("127.0.0.1", 5000))
l.listen(4)
got = {}

def server():
    s, _ = l.accept()
    time.sleep(1)
    got["data"] = recv_all(s)
    s.close()

t = threading.Thread(target=server)
t.start()
c = sock()
c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
c.connect(("127.0.0.1", 5000))
cp = c.getsockname()[1]
c.sendall(data)
c.close()
e = find(cp, 5000)
log("after close: %s" % ["%s tx_queue %d" % (NAMES.get(x["st"]), x["tx"]) for x in e])
expect(e and e[0]["st"] in (STATES["FIN_WAIT1"], STATES["ESTABLISHED"]) or TCP_MODE,
       "the orphan: expected FIN_WAIT1 with data in flight, got %s" % states(cp))
t.join(30)
expect(not t.is_alive(), "the server did not see EOF within 30 s")
r = got.get("data", b"")
expect(len(r) == len(data), "received %d of %d bytes" % (len(r), len(data)))
expect(sha256(r) == sha256(data), "received data differs")
# And the orphan finishes: TIME_WAIT, then nothing.
expect(wait(lambda: count(cp, 5000, "TIME_WAIT") == 1 or count(cp, 5000) == 0, 5),
       "orphan after delivering everything: %s" % states(cp))
EOF
}

# max_tw_entries 2: the third active close goes straight to CLOSED.
test_tw_overflow() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
from etp_util import *

sysctl("max_tw_entries", 2)
sysctl("msl_ms", 10000)
l = listener("127.0.0.1", 5000)
ports = []
for i in range(3):
    c = sock()
    c.connect(("127.0.0.1", 5000))
    s, _ = l.accept()
    cp = c.getsockname()[1]
    ports.append(cp)
    c.close()
    # (TCP turns an orphan in FIN_WAIT2 into a TIME_WAIT entry too: the
    # third one overflows there already.)
    expect(wait(lambda: count(cp, 5000, "FIN_WAIT2") == 1, 2) or (TCP_MODE and i == 2),
           "connection %d: expected FIN_WAIT2, got %s" % (i, states(cp)))
    s.close()
    expect(wait(lambda: count(cp, 5000, "FIN_WAIT2") == 0, 2),
           "connection %d: still FIN_WAIT2 after the peer's FIN" % i)
    expect(wait(lambda: count(5000, cp) == 0, 2),
           "connection %d: passive end still there: %s" % (i, states(5000, cp)))
tw = [p for p in ports if count(p, 5000, "TIME_WAIT") == 1]
log("TIME_WAIT entries for client ports %s of %s" % (tw, ports))
expect(tw == ports[:2], "expected TIME_WAIT for the first two closes only, got %s of %s"
       % (tw, ports))
expect(count(ports[2], 5000) == 0, "third close: expected no entry left, got %s"
       % states(ports[2]))
expect(count(None, None, "TIME_WAIT") == 2, "TIME_WAIT entries: %d" % count(None, None, "TIME_WAIT"))
expect_stat("TimeWaitOverflow", 1)
expect_stat("TimeWaitEntered", 2)
expect_stat("CurrTimeWait", 2)
EOF
}

# The TIME_WAIT table grows with its entries: 1,000 of them (its hash starts
# with 256 buckets and is resized three times on the way) are all listed,
# all found by connect() (a 4-tuple in TIME_WAIT is refused) and all
# expire, after which the hash shrinks again. Each entry lasts 2*msl_ms from
# its close: every entry younger than that must be there, and at least 768
# at once (the third resize). 2*msl_ms is 30 s, or twice what making them
# takes at the pace 100 connections in another namespace show, if longer
# (the debug kernel beside other VMs makes 1,000 in 90 s).
test_tw_table_grows() {
	local ns life
	life=$(py "$(new_netns)" <<'EOF'
import time
from etp_util import *
l = listener("127.0.0.1", 5000, 64)
t0 = time.monotonic()
for i in range(100):
    c = sock()
    c.connect(("127.0.0.1", 5000))
    s, _ = l.accept()
    c.close()
    s.recv(1)
    s.close()
print(max(30, int(2 * 10 * (time.monotonic() - t0)) + 1))
EOF
) || fail "could not time 100 connections"
	ns=$(new_netns)
	py "$ns" "$life" <<'EOF'
import errno
import socket
import sys
import time
from etp_util import *

N, LIFE = 1000, float(sys.argv[1])
log("2*msl_ms = %d s" % LIFE)
sysctl("msl_ms", int(LIFE * 500))
# Without timestamps no connect() takes a TIME_WAIT 4-tuple over (etp(7)'s
# tw_reuse): every entry lives its time, and a bound port in one is refused.
sysctl("timestamps", 0)
l = listener("127.0.0.1", 5000, 64)
ports, closed = [], {}
t0 = time.monotonic()
for i in range(N):
    c = sock()
    c.connect(("127.0.0.1", 5000))
    s, _ = l.accept()
    p = c.getsockname()[1]
    ports.append(p)
    closed[p] = time.monotonic()    # its entry is made after this
    c.close()
    s.recv(1)           # the client's FIN: the server closes second
    s.close()
made = time.monotonic() - t0
log("%d connections closed in %.1f s" % (N, made))

def alive_until(p):
    """Until when P's entry must be there (a second of slack for timers)."""
    return closed[p] + LIFE - 1

expect_stat("TimeWaitEntered", N)
lines = find(None, 5000, "TIME_WAIT")
looked = time.monotonic()
listed = set(e["lport"] for e in lines)
must = set(p for p in ports if alive_until(p) > looked)
expect(listed <= set(ports), "/proc/net/etp lists TIME_WAIT entries of other ports: %s"
       % sorted(listed - set(ports))[:10])
expect(must <= listed, "%d entries younger than 2*msl_ms are not listed (of %d listed)"
       % (len(must - listed), len(listed)))
expect(len(must) >= 768, "only %d entries at once: making %d took %.1f s, too close to "
       "2*msl_ms = %d s" % (len(must), N, made, LIFE))
log("%d entries listed at once (%d had to be)" % (len(listed), len(must)))
# Every entry made is counted once: there or expired.
cur, gone = stat("CurrTimeWait"), stat("TimeWaitExpired")
if cur is not None:
    expect(cur + gone == N, "CurrTimeWait %d + TimeWaitExpired %d != %d entries made"
           % (cur, gone, N))
tcp_mode_stop("TCP reuses TIME_WAIT 4-tuples on loopback (tcp_tw_reuse=2)")
tried = 0
for p in ports[::-97]:      # the youngest first
    c = sock()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.bind(("127.0.0.1", p))
    try:
        c.connect(("127.0.0.1", 5000))
        expect(alive_until(p) <= time.monotonic(),
               "connect from port %d: its 4-tuple is in TIME_WAIT, yet it connected" % p)
    except OSError as e:
        tried += 1
        expect(e.errno == errno.EADDRNOTAVAIL,
               "connect from port %d in TIME_WAIT: %s, expected EADDRNOTAVAIL" % (p, e))
    c.close()
expect(tried > 0, "no port tried was still in TIME_WAIT")
expect(wait(lambda: stat("CurrTimeWait") == 0,
            max(closed.values()) + LIFE + 10 - time.monotonic(), 0.5),
       "TIME_WAIT entries left: %d" % stat("CurrTimeWait"))
expect_stat("TimeWaitExpired", N)
expect(count(None, None, "TIME_WAIT") == 0, "still listed: %d" % count(None, None, "TIME_WAIT"))
EOF
}

# The segments of a connection on the wire, captured by tshark on the veth and
# decoded as TCP: SYN (with MSS and window scale), SYN-ACK, ACK, the data,
# then the client's FIN, its ACK, the server's FIN, its ACK; no RST; the
# timestamps option on every segment, the SYN-ACK echoing the SYN's.
test_wire_sequence() {
	local a b cap err rdy pid srv i fields
	need tshark
	# dumpcap (tshark's capture engine) starts in a second, tshark in eight.
	local capper=dumpcap
	command -v dumpcap >/dev/null || capper=tshark
	a=$(new_netns)
	b=$(new_netns)
	veth_link "$a" "$b" 10.199.1 no_ipv6
	cap=/tmp/etp-wire-$$.pcap
	err=/tmp/etp-wire-$$.err
	rm -f "$cap"
	ip netns exec "$a" $capper -i va -w "$cap" -q 2>"$err" &
	pid=$!
	trap "kill $pid 2>/dev/null || true; rm -f $cap $err" EXIT
	for i in $(seq 1 300); do
		grep -q 'Capturing on' "$err" && break
		kill -0 $pid 2>/dev/null || { cat "$err" >&2; fail "$capper did not start"; }
		sleep 0.1
	done
	grep -q 'Capturing on' "$err" || fail "$capper did not start capturing in 30 s"
	rdy=/tmp/etp-wire-$$.rdy
	py "$b" >"$rdy" <<'EOF' &
import time
from etp_util import *
l = listener("10.199.1.2", 5000)
print("listening", flush=True)
s, _ = l.accept()
d = recv_all(s)
expect(d == b"hello", "server received %r" % d)
time.sleep(0.5)  # the ACK of the client's FIN goes out on its own
s.close()
EOF
	srv=$!
	trap "kill $pid $srv 2>/dev/null || true; rm -f $cap $err $rdy" EXIT
	wait_started "$rdy" $srv
	py "$a" <<'EOF'
from etp_util import *
c = sock()
c.connect(("10.199.1.2", 5000))
c.sendall(b"hello")
c.close()
EOF
	wait $srv || fail "the server failed"
	sleep 0.5
	kill -INT $pid
	wait $pid || true
	# Decoded as TCP; ETP_TEST_TCP captures TCP itself.
	local proto=$ETP_PROTO
	[ -n "${ETP_TEST_TCP:-}" ] && [ "${ETP_TEST_TCP}" != 0 ] && proto=6
	fields=$(tshark -r "$cap" -d "ip.proto==$proto,tcp" -T fields -E separator=, \
		-e ip.src -e tcp.flags -e tcp.len -e tcp.options.mss_val -e tcp.options.wscale.shift \
		-e tcp.seq -e tcp.ack -e tcp.options.timestamp.tsval \
		-e tcp.options.timestamp.tsecr -Y "ip.proto==$proto" 2>/dev/null)
	rm -f "$cap" "$err" "$rdy"
	echo "captured (src,flags,len,mss,wscale,seq,ack,tsval,tsecr):"
	echo "$fields"
	python3 - "$fields" <<'EOF'
import sys
rows = [r.split(",") for r in sys.argv[1].splitlines() if r]
A, B = "10.199.1.1", "10.199.1.2"
def fail(m):
    sys.exit("FAIL: " + m)
if len(rows) < 7:
    fail("only %d segments captured" % len(rows))
seg = [(r[0], int(r[1], 16) & 0x3f, int(r[2] or 0), r[3], r[4]) for r in rows]
# Relative sequence and acknowledgment numbers, as tshark shows them.
seq = [int(r[5] or 0) for r in rows]
ack = [int(r[6] or 0) for r in rows]
FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16
name = lambda f: "|".join(n for b, n in ((SYN, "SYN"), (ACK, "ACK"), (PSH, "PSH"),
                                          (FIN, "FIN"), (RST, "RST")) if f & b) or "none"
if any(f & RST for _, f, _, _, _ in seg):
    fail("a RST on the wire")
want = [(A, SYN), (B, SYN | ACK), (A, ACK)]
for i, (src, fl) in enumerate(want):
    if (seg[i][0], seg[i][1]) != (src, fl):
        fail("segment %d: expected %s from %s, got %s from %s"
             % (i + 1, name(fl), src, name(seg[i][1]), seg[i][0]))
if not seg[0][3] or not seg[0][4]:
    fail("the SYN has no MSS or no window scale option: mss=%r wscale=%r" % seg[0][3:5])
tsval = [r[7] for r in rows]
tsecr = [r[8] for r in rows]
if not all(tsval):
    fail("segments without timestamps: %s" % [i + 1 for i, v in enumerate(tsval) if not v])
if tsecr[0] != "0" or tsecr[1] != tsval[0]:
    fail("the SYN-ACK echoes %s, the SYN's TSval is %s (its echo %s)"
         % (tsecr[1], tsval[0], tsecr[0]))
if not seg[1][3]:
    fail("the SYN-ACK has no MSS option")
if not seg[0][4] or not seg[1][4]:
    fail("window scaling is offered in the SYN but not in the SYN-ACK")
sent = sum(l for src, _, l, _, _ in seg if src == A)
if sent != 5:
    fail("the client's segments carry %d bytes of data, it sent 5" % sent)
if any(f & SYN for _, f, _, _, _ in seg[3:]):
    fail("a SYN after the handshake")
# The close: the client's FIN, the server's ACK of it on its own (the
# server closes 0.5 s later), the server's FIN, the client's last ACK. The
# ACK of the data may come before the client's FIN or cross it.
fins = [i for i, s in enumerate(seg) if s[1] & FIN]
if len(fins) != 2:
    fail("%d FIN segments, expected one each way" % len(fins))
fa, fb = fins
if seg[fa][0] != A or seg[fb][0] != B:
    fail("the FINs came from %s, then %s: expected the client's, then the server's"
         % (seg[fa][0], seg[fb][0]))
a_end = seq[fa] + seg[fa][2] + 1
if not any(seg[i][0] == B and seg[i][1] == ACK and ack[i] == a_end
           for i in range(fa + 1, fb)):
    fail("no ACK of the client's FIN (ack %d) from the server before its FIN" % a_end)
if not seg[fb][1] & ACK or ack[fb] != a_end:
    fail("the server's FIN does not acknowledge the client's (ack %d, expected %d)"
         % (ack[fb], a_end))
b_end = seq[fb] + seg[fb][2] + 1
if fb != len(seg) - 2 or seg[-1][0] != A or seg[-1][1] != ACK or ack[-1] != b_end:
    fail("the last segment is not the client's ACK of the server's FIN: %s from %s, ack %d"
         % (name(seg[-1][1]), seg[-1][0], ack[-1]))
EOF
}

# An orphan (closed by its user) in FIN_WAIT2 waits for the peer's FIN at most
# fin_timeout_ms, then sends RST and is gone; the peer, still in CLOSE_WAIT,
# gets EPIPE on its next send.
test_orphan_fin_wait2_timeout() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import errno, time
from etp_util import *

tcp_mode_stop("TCP's FIN_WAIT2 limit is tcp_fin_timeout, in seconds")
sysctl("fin_timeout_ms", 500)
l, c, s = pair(5010)
cp = c.getsockname()[1]
t0 = time.monotonic()    # before FIN_WAIT2 and its timer: lasted can only be longer
c.close()
expect(wait(lambda: count(cp, 5010, "FIN_WAIT2") == 1, 2),
       "orphan: expected FIN_WAIT2 (05), got %s" % states(cp))
expect(wait(lambda: count(cp, 5010) == 0, 3, 0.01),
       "orphan still there 3 s into fin_timeout_ms = 0.5 s: %s" % states(cp))
lasted = time.monotonic() - t0
log("the orphan's FIN_WAIT2 lasted %.3f s" % lasted)
expect(lasted >= 0.45, "FIN_WAIT2 ended after %.3f s, fin_timeout_ms = 0.5 s" % lasted)
expect(wait(lambda: count(5010, cp) == 0, 2),
       "the peer got no RST: %s" % states(5010, cp))
try:
    s.send(b"x")
    fail("send() after the peer's RST succeeded")
except OSError as e:
    expect(e.errno == errno.EPIPE, "send() after RST in CLOSE_WAIT: %s" % e)
expect_stat("CurrFinWait2", 0)
expect_stat("CurrCloseWait", 0)
EOF
}

run_tests
