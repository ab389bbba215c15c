#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# ETP's tracepoints (system "etp" in tracefs): the state changes of both
# ends of a connection, TIME_WAIT's entry and expiry, resets sent and
# received, retransmissions of SYN, SYN-ACK and data with their cause; and
# that trace-cmd, perf and tools/etp-trace can use them. Each test traces in
# a tracefs instance of its own, filtered to its own namespaces.
. "$(dirname "$0")/lib.sh"

TRACING=/sys/kernel/tracing

# trace_start NETNS...: record every etp event of these namespaces in a new
# tracefs instance ($INST), until trace_stop.
trace_start() {
	local ns conds=""
	[ -d "$TRACING/events/etp" ] || fail "no etp events in $TRACING/events"
	INST=$TRACING/instances/etptest$$_$RANDOM
	mkdir "$INST" || fail "cannot create a tracefs instance"
	trap trace_cleanup EXIT
	echo mono >"$INST/trace_clock"
	echo 2048 >"$INST/buffer_size_kb"
	for ns in "$@"; do
		conds="$conds${conds:+ || }netns == $(stat -L -c %i "/run/netns/$ns")"
	done
	echo "$conds" >"$INST/events/etp/filter" || fail "filter '$conds' refused"
	echo 1 >"$INST/events/etp/enable"
	# etp_probe (one per segment) only where a test asks for it.
	[ -n "${TRACE_PROBE:-}" ] || echo 0 >"$INST/events/etp/etp_probe/enable"
}

trace_cleanup() {
	[ -n "${INST:-}" ] && [ -d "$INST" ] || return 0
	echo 0 >"$INST/events/etp/enable"
	rmdir "$INST"
}

# trace_stop FILE: stop recording and save what was recorded in FILE.
trace_stop() {
	echo 0 >"$INST/events/etp/enable"
	cat "$INST/trace" >"$1"
	rmdir "$INST"
	INST=
	grep -c ': etp_' "$1" | sed 's/^/events recorded: /'
}

# check FILE ARGS...: run the Python checks on standard input over the events
# of FILE (the list `events`, and sys.argv[1:] = ARGS).
check() {
	local file=$1
	shift
	PYTHONPATH="$SELFTESTS" python3 - "$@" 3<"$file" <<EOF
import sys
from etp_trace import *
events = parse("/dev/fd/3")
args = sys.argv[1:]
$(cat)
EOF
}

# One connection on lo, closed by the client: the state changes of the
# client (the active closer), the server's child and the listener, in order;
# the TIME_WAIT entry made and expired after 2 * msl_ms; nothing else.
test_state_changes() {
	local ns cp out=/tmp/trace_states
	ns=$(new_netns)
	trace_start "$ns"
	cp=$(py "$ns" <<'EOF'
from etp_util import *
sysctl("msl_ms", 300)
l, c, s = pair(5000)
cp = c.getsockname()[1]
c.close()
expect(wait(lambda: count(cp, 5000, "FIN_WAIT2") == 1, 3), "no FIN_WAIT2: %s" % states(cp))
expect(s.recv(10) == b"", "EOF")
s.close()
expect(wait(lambda: count(cp, 5000, "TIME_WAIT") == 1, 3), "no TIME_WAIT: %s" % states(cp))
expect(wait(lambda: count(cp, 5000) == 0, 5), "TIME_WAIT did not end: %s" % states(cp))
l.close()
print(cp)
EOF
)
	trace_stop $out
	check $out "$cp" <<'EOF'
cp = int(args[0])
client = transitions(events, cp, 5000)
want = ["CLOSE>SYN_SENT(CONNECT)", "SYN_SENT>ESTABLISHED(RCV_SYNACK)",
        "ESTABLISHED>FIN_WAIT1(CLOSE)", "FIN_WAIT1>FIN_WAIT2(FIN_ACKED)",
        "FIN_WAIT2>TIME_WAIT(RCV_FIN)"]
expect(client == want, "active closer: %s, expected %s" % (client, want))
server = transitions(events, 5000, cp)
want = ["LISTEN>SYN_RECV(RCV_SYN)", "SYN_RECV>ESTABLISHED(SYN_ACKED)",
        "ESTABLISHED>CLOSE_WAIT(RCV_FIN)", "CLOSE_WAIT>LAST_ACK(CLOSE)",
        "LAST_ACK>CLOSE(FIN_ACKED)"]
expect(server == want, "passive closer: %s, expected %s" % (server, want))
lst = transitions(events, 5000, 0)
expect(lst == ["CLOSE>LISTEN(LISTEN)", "LISTEN>CLOSE(CLOSE)"], "listener: %s" % lst)

# One object per end: the client's socket throughout; the server's half-open
# entry, then its child socket.
sc = of(events, "state_change", cp, 5000)
expect(len({e["skaddr"] for e in sc}) == 1, "client skaddr changed: %s" % dump(sc))
ss = of(events, "state_change", 5000, cp)
expect(ss[0]["skaddr"] != ss[1]["skaddr"] and len({e["skaddr"] for e in ss[1:]}) == 1,
       "server: a half-open entry, then one socket: %s" % dump(ss))
for e in sc + ss:
    expect(e["saddr"] == "127.0.0.1" and e["daddr"] == "127.0.0.1",
           "addresses: %s" % dump([e]))

enter = of(events, "tw_enter", cp, 5000)
expire = of(events, "tw_expire", cp, 5000)
expect(len(enter) == 1 and len(expire) == 1,
       "one TIME_WAIT entry, entered and expired: %s" % dump(enter + expire))
expect(enter[0]["timeout_ms"] == 600, "tw_enter timeout_ms %s, 2 * msl_ms = 600" % enter[0]["timeout_ms"])
expect(enter[0]["sock"] == sc[0]["skaddr"], "tw_enter's sock is not the client's socket")
tw_state = [e for e in sc if e["newstate"] == "TIME_WAIT"][0]
expect(tw_state["ts"] <= enter[0]["ts"], "tw_enter before the TIME_WAIT transition")
lasted = expire[0]["ts"] - enter[0]["ts"]
expect(0.59 <= lasted < 5, "TIME_WAIT lasted %.3f s by the trace, 2 * msl_ms = 0.6 s" % lasted)
expect(expire[0]["skaddr"] == enter[0]["skaddr"], "expired another entry")
others = [e for e in events if e["event"] not in ("etp_state_change", "etp_tw_enter", "etp_tw_expire")]
expect(not others, "unexpected events: %s" % dump(others))
print("# client: " + " ".join(client))
print("# server: " + " ".join(server))
print("# TIME_WAIT lasted %.3f s" % lasted)
EOF
}

# A SYN to a closed port: the stack answers RST (no socket), the client
# accepts it in SYN_SENT and closes. Unread data at close(): the server's
# socket aborts with RST, which the client accepts in ESTABLISHED.
test_resets() {
	local ns out=/tmp/trace_resets cp2
	ns=$(new_netns)
	trace_start "$ns"
	cp2=$(py "$ns" <<'EOF'
from etp_util import *
c1 = sock()
try:
    c1.connect(("127.0.0.1", 5001))
    fail("connect to a closed port succeeded")
except ConnectionRefusedError:
    pass
l, c, s = pair(5000)
cp2 = c.getsockname()[1]
c.sendall(b"unread")
expect(wait(lambda: [e for e in find(5000, cp2) if e["rx"] == 6], 3), "data not received")
s.close()
try:
    c.recv(10)
    fail("no reset")
except ConnectionResetError:
    pass
print(cp2)
EOF
)
	trace_stop $out
	check $out "$cp2" <<'EOF'
cp2 = int(args[0])
# The refused client's port, which it gave back when it closed.
cp1 = of(events, "state_change", None, 5001)[0]["sport"]
sent = of(events, "send_reset", 5001, cp1)
expect(len(sent) == 1 and null(sent[0]["skaddr"]) and sent[0]["reason"] == "NO_CONNECTION"
       and sent[0]["state"] == "CLOSE", "RST from a closed port: %s" % dump(sent))
got = of(events, "recv_reset", cp1, 5001)
expect(len(got) == 1 and got[0]["state"] == "SYN_SENT", "RST accepted in SYN_SENT: %s" % dump(got))
expect(transitions(events, cp1, 5001) == ["CLOSE>SYN_SENT(CONNECT)", "SYN_SENT>CLOSE(RCV_RST)"],
       "refused client: %s" % transitions(events, cp1, 5001))

sent = of(events, "send_reset", 5000, cp2)
server = of(events, "state_change", 5000, cp2)
expect(len(sent) == 1 and sent[0]["reason"] == "ABORT" and sent[0]["state"] == "ESTABLISHED"
       and sent[0]["skaddr"] == server[-1]["skaddr"],
       "RST from the aborting socket: %s" % dump(sent + server))
expect(transitions(events, 5000, cp2)[-1] == "ESTABLISHED>CLOSE(ABORT)",
       "aborting server: %s" % transitions(events, 5000, cp2))
got = of(events, "recv_reset", cp2, 5000)
expect(len(got) == 1 and got[0]["state"] == "ESTABLISHED" and got[0]["seq"] == sent[0]["seq"],
       "RST accepted in ESTABLISHED with the seq sent: %s" % dump(got + sent))
expect(transitions(events, cp2, 5000)[-1] == "ESTABLISHED>CLOSE(RCV_RST)",
       "reset client: %s" % transitions(events, cp2, 5000))
print("# " + dump(of(events, "send_reset") + of(events, "recv_reset")).replace("\n", "\n# "))
EOF
}

# link: namespaces A (va, 10.199.8.1) and B (vb, 10.199.8.2) joined by a
# veth pair, static neighbours (netem loss would hit ARP too), short timers.
link() {
	local ns
	A=$(new_netns)
	B=$(new_netns)
	veth_link "$A" "$B" 10.199.8 static
	for ns in "$A" "$B"; do
		ip netns exec "$ns" sh -c 'echo 200 >/proc/sys/net/etp/rto_initial_ms;
			echo 20 >/proc/sys/net/etp/rto_min_ms'
	done
}

# Lost SYN-ACKs: the client sends its SYN again (TIMEOUT), the server's
# half-open entry its SYN-ACK (SYNACK_TIMER). Lost data: sent again on
# timeout, from ISS + 1, the same length. One event per RetransSegs. The
# client runs without RACK (recovery=0): its FIN, sent after the data, may
# be SACKed before the data's timeout, and RACK would resend the data then.
test_retransmit() {
	local out=/tmp/trace_rtx srv
	link
	trace_start "$A" "$B"
	# The server lives through the whole exchange, both Python start-ups
	# included: in CI's one-vCPU VM beside three others that took 30 s
	# once (the case, 12 to 30 s, ran 36). Its limit catches a hang.
	ip netns exec "$B" env PYTHONPATH="$SELFTESTS" timeout 120 python3 -c '
from etp_util import *
l = listener("10.199.8.2", 5000)
s, _ = l.accept()
expect(len(recv_all(s)) == 1000, "data")
s.close()
' &
	srv=$!
	# Listening before the first SYN: else no SYN-ACK is ever lost.
	wait_etp_listen "$B" || fail "B does not listen after 20 s"
	py "$A" <<EOF
import subprocess, time
from etp_util import *
sysctl("recovery", 0)
def tc(ns, *a):
    subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc"] + list(a), check=True)
tc("$B", "add", "dev", "vb", "root", "netem", "loss", "100%")
c = sock()
c.setblocking(False)
c.connect_ex(("10.199.8.2", 5000))
time.sleep(1.2)
tc("$B", "del", "dev", "vb", "root")
expect(wait(lambda: count(c.getsockname()[1], 5000, "ESTABLISHED") == 1, 10), "no connection")
c.setblocking(True)
tc("$A", "add", "dev", "va", "root", "netem", "loss", "100%")
c.sendall(b"x" * 1000)
time.sleep(0.8)
tc("$A", "del", "dev", "va", "root")
c.shutdown(socket.SHUT_WR)
expect(recv_all(c) == b"", "EOF")
c.close()
EOF
	wait $srv || fail "the server failed"
	trace_stop $out
	check $out "$(etp_stat RetransSegs "$A")" "$(etp_stat RetransSegs "$B")" <<'EOF'
rs_a, rs_b = map(int, args)
rtx = of(events, "retransmit")
syn = [e for e in rtx if e["flags"] == "SYN"]
synack = [e for e in rtx if e["flags"] == "SYN|ACK"]
data = [e for e in rtx if e["len"] > 0]
expect(syn and all(e["state"] == "SYN_SENT" and e["cause"] == "TIMEOUT" and e["dport"] == 5000
                   for e in syn), "SYN retransmitted on timeout: %s" % dump(rtx))
expect([e["count"] for e in syn] == list(range(1, len(syn) + 1)), "SYN counts: %s" % dump(syn))
expect(synack and all(e["state"] == "SYN_RECV" and e["cause"] == "SYNACK_TIMER" and
                      e["sport"] == 5000 and e["len"] == 0 for e in synack),
       "SYN-ACK retransmitted by the half-open entry's timer: %s" % dump(rtx))
iss = syn[0]["seq"]
# (The FIN may follow it: shutdown() comes while the data waits.)
expect(data and all(e["seq"] == (iss + 1) % 2**32 and e["len"] == 1000 and e["cause"] == "TIMEOUT"
                    and e["state"] in ("ESTABLISHED", "FIN_WAIT1") for e in data),
       "data retransmitted from ISS + 1 = %d, 1000 bytes, on timeout: %s" % (iss + 1, dump(rtx)))
fin = [e for e in rtx if e["flags"] == "FIN"]
expect(all(e["seq"] == (iss + 1001) % 2**32 for e in fin), "FIN after the data: %s" % dump(fin))
expect(len(syn) + len(synack) + len(data) + len(fin) == len(rtx), "other retransmissions: %s" % dump(rtx))
ns_a = syn[0]["netns"]
n_a = len([e for e in rtx if e["netns"] == ns_a])
n_b = len(rtx) - n_a
expect((n_a, n_b) == (rs_a, rs_b),
       "retransmit events (%d, %d), RetransSegs (%d, %d)" % (n_a, n_b, rs_a, rs_b))
# Loss recovery's states on A: Loss on the SYN's timeout and on the data's,
# each ended by the ACK that follows; every change starts where the last one
# ended.
ca = [e for e in of(events, "ca_state") if e["netns"] == ns_a]
expect([e["old"] for e in ca] == ["OPEN"] + [e["new"] for e in ca[:-1]] and
       ca and ca[-1]["new"] == "OPEN", "states do not chain: %s" % dump(ca))
expect(any(e["new"] == "LOSS" and e["cause"] == "RTO" and e["snd_una"] == iss for e in ca) and
       any(e["new"] == "LOSS" and e["cause"] == "RTO" and e["snd_una"] == (iss + 1) % 2**32
           and e["cwnd"] > 0 for e in ca),
       "no Loss on the SYN's and the data's timeouts: %s" % dump(ca))
expect(all(e["cause"] == "RECOVERED" for e in ca if e["new"] == "OPEN"),
       "Open again other than by an ACK: %s" % dump(ca))
print("# %d SYN, %d SYN-ACK and %d data retransmissions traced" % (len(syn), len(synack), len(data)))
EOF
}

# The same connection as test_state_changes, run under COMMAND...; sets CP.
traced_connection() {
	local ns=$1
	shift
	"$@" ip netns exec "$ns" env PYTHONPATH="$SELFTESTS" python3 -c '
from etp_util import *
sysctl("msl_ms", 200)
l, c, s = pair(5000)
c.close()
s.close()
l.close()
expect(wait(lambda: count(None, 5000) == 0, 5), "TIME_WAIT did not end")'
}

# etp_probe: one event per segment a connected socket handles, after its
# ACK (as TCP's tcp_probe). 1 MiB from A to B over veth, without loss: the
# sender's window is the initial one (RFC 6928: 10 MSS) at least, grows
# (slow start) and at each ACK by no more than it acknowledged (RFC 5681
# 3.1, byte counting); ssthresh stays unset, recovery Open; SND.UNA only
# moves on; once an ACK has sampled the RTT, srtt is set; what is in flight
# never passes the window. B's events carry the 1 MiB between them. Then
# tools/etp-cwnd records the same transfer and finds the same sender, with
# a plot.
test_probe_window() {
	local out=/tmp/trace_probe
	link
	TRACE_PROBE=1 trace_start "$A" "$B"
	probe_transfer || fail "the transfer failed"
	trace_stop $out
	check $out <<'EOF'
probe = of(events, "probe")
snd = [e for e in probe if e["dport"] == 5000]
rcv = [e for e in probe if e["sport"] == 5000]
expect(len(snd) >= 20 and rcv, "etp_probe: %d events at the sender, %d at the receiver"
       % (len(snd), len(rcv)))
mss = snd[0]["mss"]
cw = [e["cwnd"] for e in snd]
una = [e["snd_una"] for e in snd]
expect(cw[0] >= 10 * mss, "first window %d, under 10 MSS (%d)" % (cw[0], mss))
expect(all(0 <= (b - a) % 2**32 < 2**31 for a, b in zip(una, una[1:])), "SND.UNA went back")
grew = [(cw[i + 1] - cw[i], (una[i + 1] - una[i]) % 2**32) for i in range(len(cw) - 1)]
expect(all(0 <= g <= a for g, a in grew) and cw[-1] > cw[0],
       "the window shrank, grew past what an ACK acknowledged, or never grew: %s"
       % [x for x in grew if not 0 <= x[0] <= x[1]][:10])
expect(all(e["ssthresh"] >= 0x7fffffff for e in snd), "ssthresh set without a loss")
expect(snd[-1]["srtt"] > 0 and all(e["in_flight"] <= e["cwnd"] for e in snd),
       "srtt %d; in flight past the window: %s" % (snd[-1]["srtt"],
       [(e["in_flight"], e["cwnd"]) for e in snd if e["in_flight"] > e["cwnd"]][:5]))
expect(sum(e["len"] for e in rcv) == 1 << 20,
       "the receiver's events carry %d bytes" % sum(e["len"] for e in rcv))
expect(all(e["ca_state"] == "OPEN" for e in snd), "recovery on a lossless link")
print("# etp_probe: %d sender events, window %d -> %d bytes" % (len(snd), cw[0], cw[-1]))
EOF
	# The same with tools/etp-cwnd: its rows and its plot.
	"$TOP/tools/etp-cwnd" -p 5000 --netns "$A" --csv $out.csv -o $out.png -- \
		bash -c "$(declare -f probe_transfer); A=$A B=$B SELFTESTS=$SELFTESTS probe_transfer" \
		2>$out.err || fail "etp-cwnd failed: $(cat $out.err)"
	cat $out.err
	[ -s $out.png ] || fail "no plot"
	grep -q "^etp-cwnd: ETP 10.199.8.1:[0-9]* -> 10.199.8.2:5000: [0-9]* events" $out.err ||
		fail "etp-cwnd did not find the sender: $(cat $out.err)"
	python3 - $out.csv <<'EOF' || fail "etp-cwnd's rows: $(head -n 5 $out.csv)"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
snd = [r for r in rows if r["flow"].endswith(":5000") and r["stack"] == "ETP"]
print("# etp-cwnd: %d rows, the sender's window %s -> %s segments" %
      (len(rows), snd[0]["cwnd"] if snd else "-", snd[-1]["cwnd"] if snd else "-"))
sys.exit(not (snd and float(snd[0]["cwnd"]) >= 10 and
              float(snd[-1]["cwnd"]) > float(snd[0]["cwnd"])))
EOF
}

# probe_transfer: B listens on 5000 and reads all; A sends 1 MiB.
probe_transfer() {
	ip netns exec "$B" env PYTHONPATH="$SELFTESTS" timeout 120 python3 -c '
from etp_util import *
l = listener("10.199.8.2", 5000)
print("listening", flush=True)
s, _ = l.accept()
assert len(recv_all(s)) == 1 << 20
' >/tmp/probe_srv.$$ 2>&1 &
	local srv=$! i
	for i in $(seq 1 600); do
		grep -q listening /tmp/probe_srv.$$ && break
		sleep 0.1
	done
	ip netns exec "$A" env PYTHONPATH="$SELFTESTS" timeout 120 python3 -c '
from etp_util import *
c = sock()
c.connect(("10.199.8.2", 5000))
c.sendall(b"p" * (1 << 20))
c.shutdown(socket.SHUT_WR)
recv_all(c)
' || return 1
	wait $srv || { cat /tmp/probe_srv.$$; return 1; }
	rm -f /tmp/probe_srv.$$
}

# etp_state_change says under which of the lab's variants a connection
# changed state: variant=standard, or the variants joined by |.
test_state_change_names_variant() {
	local ns out=/tmp/trace_variant
	ns=$(new_netns)
	trace_start "$ns"
	py "$ns" <<'EOF'
from etp_util import *
l = listener(port=5000)
for v in (b"standard", b"close=3way,isn=clock"):
    c = sock()
    c.setsockopt(PROTO, 1000, v)
    c.connect(("127.0.0.1", 5000))
    a, _ = l.accept()
    c.close()
    a.close()
EOF
	trace_stop $out
	grep -q 'newstate=SYN_SENT event=CONNECT variant=standard$' $out ||
		fail "no standard SYN_SENT: $(cat $out)"
	grep -q 'newstate=SYN_SENT event=CONNECT variant=close=3way|isn=clock$' $out ||
		fail "no variant SYN_SENT: $(cat $out)"
}

test_trace_cmd() {
	local ns out=/tmp/trace_cmd
	need trace-cmd
	# On Debian's 6.1 kernel trace-cmd record (the same binary that works
	# on 6.12) keeps recording 0 bytes per CPU late in a suite run (CI,
	# twice in a row with the retry below): there this case proves nothing
	# of ETP, whose events the tracefs cases above read on 6.1 too.
	case $(uname -r) in
	6.1.*) skip "trace-cmd record loses short traces on 6.1" ;;
	esac
	ns=$(new_netns)
	# The whole trace is a few dozen events, less than one ring-buffer
	# page per CPU; once in a while (seen on 6.1 under load) trace-cmd's
	# recorders lose that last partial page and the report is empty. An
	# empty report says nothing of ETP (the tracefs tests above see the same
	# events): record once more, and fail if events are missing then.
	for try in 1 2; do
		traced_connection "$ns" timeout 60 trace-cmd record -e etp -o /tmp/trace.dat -- >$out.rec 2>&1 ||
			fail "trace-cmd record or the connection failed: $(tail -n 20 $out.rec)"
		trace-cmd report -i /tmp/trace.dat >$out 2>$out.err ||
			fail "trace-cmd report failed: $(head -n 20 $out.err)"
		grep -q ': etp_' $out && break
		echo "# trace-cmd recorded no etp event (try $try): $(tail -n 3 $out.rec | tr '\n' ' ')"
	done
	check $out <<'EOF' || fail "trace-cmd record said: $(tail -n 10 $out.rec); the report began: $(head -n 30 $out)"
got = [(e["oldstate"], e["newstate"]) for e in of(events, "state_change") if e["dport"] == 5000]
for want in [("CLOSE", "SYN_SENT"), ("SYN_SENT", "ESTABLISHED"), ("FIN_WAIT2", "TIME_WAIT")]:
    expect(want in got, "trace-cmd report: no %s -> %s in %s" % (want + (got,)))
expect(of(events, "tw_enter") and of(events, "tw_expire"), "trace-cmd report: no TIME_WAIT events")
print("# trace-cmd: %d events" % len(events))
EOF
}

test_perf() {
	local ns out=/tmp/trace_perf
	need perf
	ns=$(new_netns)
	# perf trace formats the fields itself (numbers): 2 is SYN_SENT, 6 TIME_WAIT.
	traced_connection "$ns" timeout 60 perf trace -a -o $out -e 'etp:*' -- ||
		fail "perf trace or the connection under it failed: $(head -c 600 $out)"
	grep -q 'etp:etp_state_change(.*newstate: 2' $out || fail "perf trace: no SYN_SENT: $(cat $out)"
	grep -q 'etp:etp_state_change(.*oldstate: 5, newstate: 6' $out || fail "perf trace: no FIN_WAIT2 -> TIME_WAIT: $(cat $out)"
	grep -q 'etp:etp_tw_expire' $out || fail "perf trace: no TIME_WAIT expiry: $(cat $out)"
	echo "perf trace: $(grep -c 'etp:' $out) events"
}

# tools/etp-trace: the timeline of one connection, in order, then nothing
# left behind (its instance removed, no event enabled); COMMAND's status.
test_etp_trace_tool() {
	local ns out=/tmp/trace_tool rc=0
	ns=$(new_netns)
	traced_connection "$ns" timeout 60 "$TOP/tools/etp-trace" -p 5000 --netns "$ns" --linger 1 -- >$out ||
		fail "etp-trace failed: $(cat $out)"
	cat $out
	PYTHONPATH="$SELFTESTS" python3 - $out <<'EOF'
import re, sys
from etp_util import expect
lines = open(sys.argv[1]).read().splitlines()
want = [r"CLOSE +-> LISTEN", r"CLOSE +-> SYN_SENT +\(CONNECT\)", r"LISTEN +-> SYN_RECV",
        r"SYN_SENT +-> ESTABLISHED +\(RCV_SYNACK\)", r"ESTABLISHED -> FIN_WAIT1",
        r"FIN_WAIT1 +-> FIN_WAIT2", r"FIN_WAIT2 +-> TIME_WAIT", r"TIME_WAIT entry made: it lasts 400 ms",
        r"TIME_WAIT +-> CLOSED +\(2 \* msl_ms passed"]
i = 0
for line in lines:
    if i < len(want) and re.search(want[i], line):
        expect(re.match(r"^ *\+\d+\.\d{3} ms  \S+  127\.0\.0\.1:\d+ -> (127\.0\.0\.1|0\.0\.0\.0):\d+ ", line),
               "line layout: %r" % line)
        i += 1
expect(i == len(want), "etp-trace: missing or out of order: %s" % want[i:] if i < len(want) else "")
EOF
	ls $TRACING/instances | grep -q etp-trace && fail "etp-trace left its instance behind"
	grep -q 1 $TRACING/events/etp/enable && fail "etp-trace enabled the events at the top level"
	"$TOP/tools/etp-trace" --linger 0 -- sh -c 'exit 3' >/dev/null || rc=$?
	expect_eq 3 "$rc" "etp-trace's status after COMMAND exits 3"
}

run_tests
