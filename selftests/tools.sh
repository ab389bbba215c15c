#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iproute2 on ETP, unmodified: ss reads /proc/net/etp (through PROC_NET_TCP,
# or tools/etp-ss) and shows every state with the right addresses, ports and
# queues; nstat reads /proc/net/etp_stat (PROC_NET_NETSTAT, or
# tools/etp-nstat) and shows every counter and its deltas. proc.sh checks
# the files' layout; this checks what the tools make of them.
. "$(dirname "$0")/lib.sh"

# Queues: the listener's Recv-Q counts connections not yet accepted; an
# ESTAB socket's Recv-Q the bytes not read, its Send-Q the bytes not yet
# acknowledged (sent or not): what one end wrote is the sum of its Send-Q
# and the other end's Recv-Q while the reader sleeps.
test_ss_queues() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import fcntl, struct, subprocess, termios
from etp_util import *

def row(state, local, peer, timeout=60):
    def find_row():
        return [r for r in ss() if (r["state"], r["local"], r["peer"]) == (state, local, peer)]
    r = wait(find_row, timeout, 0.02)
    expect(r, "no %s %s %s in etp-ss: %s" % (state, local, peer, ss()))
    return r[0]

l = sock()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
l.bind(("127.0.0.1", 5000))
l.listen(8)
expect(row("LISTEN", "127.0.0.1:5000", "0.0.0.0:*")["recvq"] == 0, "listener Recv-Q")
c = sock()
c.connect(("127.0.0.1", 5000))
me, srv = "127.0.0.1:%d" % c.getsockname()[1], "127.0.0.1:5000"
expect(wait(lambda: row("LISTEN", srv, "0.0.0.0:*")["recvq"] == 1, 3),
       "listener Recv-Q with one connection to accept: %s" % ss())
s, _ = l.accept()
expect(row("LISTEN", srv, "0.0.0.0:*")["recvq"] == 0, "listener Recv-Q after accept()")

c.sendall(b"a" * 3000)
expect(wait(lambda: row("ESTAB", srv, me)["recvq"] == 3000 and row("ESTAB", me, srv)["sendq"] == 0, 3),
       "3000 bytes unread: %s" % ss())
# Fill the reader's buffer and the writer's: data unsent stays in Send-Q.
c.setblocking(False)
wrote = 3000
try:
    while True:
        wrote += c.send(b"b" * 65536)
except BlockingIOError:
    pass
def settled():
    r, w = row("ESTAB", srv, me), row("ESTAB", me, srv)
    return w["sendq"] > 0 and r["recvq"] + w["sendq"] == wrote and (r, w)
got = wait(settled, 5, 0.05)
expect(got, "wrote %d: reader's Recv-Q + writer's Send-Q should add up to it: %s" % (wrote, ss()))
log("wrote %d bytes: reader Recv-Q %d, writer Send-Q %d" % (wrote, got[0]["recvq"], got[1]["sendq"]))
expect(got[1]["sendq"] > got[0]["recvq"], "the writer holds most of it (a small receive buffer)")
# What the sockets themselves say: FIONREAD at the reader, SIOCOUTQ at the
# writer (nothing moves: the reader's window is shut).
def ioctl_int(k, req):
    return struct.unpack("i", fcntl.ioctl(k.fileno(), req, b"\0" * 4))[0]
inq, outq = ioctl_int(s, termios.FIONREAD), ioctl_int(c, termios.TIOCOUTQ)
expect((got[0]["recvq"], got[1]["sendq"]) == (inq, outq),
       "etp-ss: Recv-Q %d, Send-Q %d; the sockets: FIONREAD %d, SIOCOUTQ %d"
       % (got[0]["recvq"], got[1]["sendq"], inq, outq))
# The kernel's own TCP sockets, IPv4 and IPv6, beside ETP's: etp-ss lists
# neither; the variable alone, as INTERFACES.md promises, lists ETP's rows
# with the same queues, and TCP's IPv6 ones too (ss reads /proc/net/tcp6
# unless PROC_NET_TCP6 says otherwise: what etp-ss is for).
t4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
t4.bind(("127.0.0.1", 5001))
t4.listen(1)
t6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP)
t6.bind(("::1", 5002))
t6.listen(1)
mine = [r for r in ss() if r["local"].endswith((":5001", ":5002"))]
expect(not mine, "etp-ss lists the kernel's TCP sockets: %s" % mine)
raw = subprocess.run(["ss", "-tan"], env=dict(os.environ, PROC_NET_TCP="/proc/net/etp"),
                     check=True, capture_output=True, text=True).stdout
for r in got:
    expect(any(line.split()[:5] == ["ESTAB", str(r["recvq"]), str(r["sendq"]), r["local"], r["peer"]]
               for line in raw.splitlines()),
           "PROC_NET_TCP=/proc/net/etp ss -tan lacks %s: %s" % (r, raw))
expect("[::1]:5002" in raw and ":5001" not in raw,
       "PROC_NET_TCP=/proc/net/etp ss -tan should list TCP's IPv6 listener, not its IPv4 "
       "one: %s" % raw)
t4.close()
t6.close()
c.close()
s.close()
EOF
}

# Every state, as ss spells it: LISTEN, SYN-SENT, SYN-RECV, ESTAB,
# FIN-WAIT-1, CLOSE-WAIT, FIN-WAIT-2, LAST-ACK, TIME-WAIT, and CLOSING when
# both ends close at once. The states that last a round trip are held while
# ss looks: a u32 filter on lo drops the segments that would end them (from
# port 5000, to port 5000, or all), and is removed to let them go on. lo
# also delays everything (by 300 ms; 2 s while two FINs cross).
test_ss_states() {
	local ns
	ns=$(new_netns)
	ip netns exec "$ns" tc qdisc add dev lo root netem delay 300ms || fail "netem on lo"
	py "$ns" <<'EOF'
import subprocess
from etp_util import *

sysctl("msl_ms", 10000)
sysctl("rto_initial_ms", 200)
sysctl("rto_min_ms", 20)

drop, undrop = hold, release

def delay(ms):
    subprocess.run(["tc", "qdisc", "change", "dev", "lo", "root", "netem", "delay", "%dms" % ms],
                   check=True)

def row(state, local, peer, timeout=60):
    rows = wait(lambda: [r for r in ss() if (r["state"], r["local"], r["peer"]) == (state, local, peer)],
                timeout, 0.05)
    expect(rows, "no %s %s -> %s in etp-ss: %s" % (state, local, peer, ss()))
    log("%-10s %s -> %s" % (state, local, peer))

srv = "127.0.0.1:5000"
l = listener("127.0.0.1", 5000)
row("LISTEN", srv, "0.0.0.0:*")

drop("sport")			# the SYN-ACKs
c = sock()
c.setblocking(False)
c.connect_ex(("127.0.0.1", 5000))
me = "127.0.0.1:%d" % c.getsockname()[1]
row("SYN-SENT", me, srv)
row("SYN-RECV", srv, me)
undrop()
row("ESTAB", me, srv)
row("ESTAB", srv, me)
c.setblocking(True)
s, _ = l.accept()

drop("sport")			# the ACK of the client's FIN
c.close()
row("FIN-WAIT-1", me, srv)
row("CLOSE-WAIT", srv, me)
undrop()
row("FIN-WAIT-2", me, srv)

drop("dport")			# the ACK of the server's FIN
s.close()
row("LAST-ACK", srv, me)
row("TIME-WAIT", me, srv)
undrop()
expect(wait(lambda: not [r for r in ss() if r["local"] == srv and r["peer"] == me], 10),
       "LAST-ACK did not end: %s" % ss())

# Simultaneous close: the FINs cross (2 s on the way, queued before the
# filter comes); the filter holds what would end CLOSING: the ACKs of the
# FINs, and the FINs sent again, which acknowledge the other's.
c = sock()
c.connect(("127.0.0.1", 5000))
s, _ = l.accept()
me = "127.0.0.1:%d" % c.getsockname()[1]
delay(2000)
c.close()
s.close()
drop("all")
row("CLOSING", me, srv)
row("CLOSING", srv, me)
undrop()
delay(300)
row("TIME-WAIT", me, srv, 30)
row("TIME-WAIT", srv, me, 30)
EOF
}

# nstat: every counter of /proc/net/etp_stat, by its name with the prefix,
# with its value; deltas between runs (its history, ETP's own file per
# namespace: not nstat's default, not another namespace's).
test_nstat() {
	local ns ino out=/tmp/nstat_out names values
	ns=$(new_netns)
	ino=$(stat -L -c %i "/run/netns/$ns")
	py "$ns" <<'EOF'
from etp_util import *
sysctl("msl_ms", 100)
l, c, s = pair(5000)
c.close()
s.close()
expect(wait(lambda: count(None, 5000) == 0, 5), "connection not gone")
EOF
	rm -f "/tmp/.etp-nstat.u0.ns$ino"
	ip netns exec "$ns" "$TOP/tools/etp-nstat" -az >$out || fail "etp-nstat -az failed"
	[ -f "/tmp/.etp-nstat.u0.ns$ino" ] || fail "no history in /tmp/.etp-nstat.u0.ns$ino"
	names=$(ip netns exec "$ns" awk 'NR == 1 { $1 = ""; print }' /proc/net/etp_stat)
	values=$(ip netns exec "$ns" awk 'NR == 2 { $1 = ""; print }' /proc/net/etp_stat)
	python3 - "$out" "$names" "$values" <<'EOF'
import sys
out, names, values = open(sys.argv[1]).read(), sys.argv[2].split(), sys.argv[3].split()
got = {}
for line in out.splitlines():
    p = line.split()
    if p and not line.startswith("#"):
        got[p[0]] = int(p[1])
want = {"Etp" + n: int(v) for n, v in zip(names, values)}
missing = sorted(set(want) - set(got))
extra = sorted(set(got) - set(want))
wrong = sorted(k for k in want if k in got and got[k] != want[k])
if missing or extra or wrong or want["EtpActiveOpens"] != 1:
    print("FAIL: etp-nstat -az: missing %s, not ETP's %s, values differ %s\n%s"
          % (missing, extra, [(k, got[k], want[k]) for k in wrong], out))
    sys.exit(1)
print("# %d counters, as in /proc/net/etp_stat" % len(want))
EOF
	# The variable alone, as INTERFACES.md promises.
	ip netns exec "$ns" env PROC_NET_NETSTAT=/proc/net/etp_stat NSTAT_HISTORY=/tmp/nstat_raw \
		nstat -az 'Etp*' | grep -qE '^EtpActiveOpens +1 ' || fail "PROC_NET_NETSTAT=... nstat -az"

	ip netns exec "$ns" "$TOP/tools/etp-nstat" >/dev/null
	py "$ns" <<'EOF'
from etp_util import *
for i in range(3):
    l, c, s = pair(5000)
    c.close()
    s.close()
    l.close()
EOF
	# TCP's nstat history, in its own file, changes nothing for ETP's.
	ip netns exec "$ns" nstat -n
	ip netns exec "$ns" "$TOP/tools/etp-nstat" >$out
	cat $out
	grep -qE '^EtpActiveOpens +3 ' $out || fail "etp-nstat: ActiveOpens delta is not 3"
	grep -qE '^EtpPassiveOpens +3 ' $out || fail "etp-nstat: PassiveOpens delta is not 3"
	ip netns exec "$ns" "$TOP/tools/etp-nstat" >$out
	! grep -q EtpActiveOpens $out || fail "etp-nstat: an ActiveOpens delta without connections: $(cat $out)"
}

run_tests
