#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Allocation failures (the debug kernel's failslab and fail_page_alloc; on a
# kernel without fault injection these cases are skipped):
# - every allocation of each socket call, made to fail in turn with
#   /proc/thread-self/fail-nth, gives the caller a clean error and leaves
#   nothing behind;
# - ETP's own caches (etp_req, etp_sock, etp_tw) failing at random in softirq
#   while connections open, carry data and close: segments are dropped and
#   counted, connections fail or recover, and nothing leaks.
# Both end with /proc/net/etp empty, the gauges at 0 and the slab caches
# back to their counts before; kmemleak runs after the suite (scripts/vm).
. "$(dirname "$0")/lib.sh"

FI=/sys/kernel/debug

need_fault_injection() {
	[ -d "$FI/failslab" ] && [ -d "$FI/fail_page_alloc" ] && [ -e /proc/self/fail-nth ] ||
		skip "no fault injection in this kernel (make check-debug has it)"
}


# fault_off: no more injection (also when a case failed half-way).
fault_off() {
	local f
	set +e	# every knob, even if one write fails
	for f in failslab fail_page_alloc; do
		echo 0 >"$FI/$f/probability"
		echo 0 >"$FI/$f/interval" 2>/dev/null || true
		echo 1 >"$FI/$f/times"
		echo N >"$FI/$f/task-filter"
	done
	echo N >"$FI/failslab/cache-filter"
	for c in etp_sock etp_req etp_tw; do
		echo 0 >"/sys/kernel/slab/$c/failslab" 2>/dev/null || true
	done
}

# settle NETNS BEFORE: after the case, nothing of ETP's is left.
settle() {
	local ns=$1 before=$2 now i
	for i in $(seq 1 100); do
		now=$(slabs)
		slabs_within "$now" "$before" && [ "$(ip netns exec "$ns" awk 'NR > 1' /proc/net/etp | wc -l)" = 0 ] && break
		sleep 0.1
	done
	[ "$(ip netns exec "$ns" awk 'NR > 1' /proc/net/etp | wc -l)" = 0 ] ||
		fail "left in /proc/net/etp: $(ip netns exec "$ns" cat /proc/net/etp)"
	local g
	for g in CurrEstab CurrSynSent CurrSynRecv CurrFinWait1 CurrFinWait2 CurrCloseWait \
		 CurrLastAck CurrClosing CurrTimeWait CurrListen; do
		expect_eq 0 "$(etp_stat "$g" "$ns")" "$g after the case"
	done
	now=$(slabs)
	slabs_within "$now" "$before" || fail "slab caches (objects in use) after the case: $now, before: $before"
}

# Each call of a connection's life, with its n-th allocation failing, for n
# from 1 until the call needs no more than n - 1: the call fails with ENOMEM,
# ENOBUFS or EAGAIN (ENFILE for socket() and accept(), whose new inode is the
# kernel's, not ETP's), or succeeds, an allocation having a fallback; and
# everything is closed cleanly afterwards.
test_each_allocation_of_each_call() {
	need_fault_injection
	local ns before
	ns=$(new_netns)
	before=$(slabs)
	trap fault_off EXIT
	echo N >"$FI/failslab/ignore-gfp-wait"
	echo N >"$FI/fail_page_alloc/ignore-gfp-wait"
	echo N >"$FI/fail_page_alloc/ignore-gfp-highmem"
	echo 0 >"$FI/fail_page_alloc/min-order"
	# fail-nth alone picks the failures: it takes precedence over the
	# probability, which stays 0 so that nothing else in the task fails.
	for f in failslab fail_page_alloc; do
		echo 0 >"$FI/$f/verbose"
	done
	ip netns exec "$ns" env PYTHONPATH="$SELFTESTS" timeout 300 python3 - <<'EOF'
import errno, os, socket
from etp_util import *

sysctl("msl_ms", 100)
fd = os.open("/proc/thread-self/fail-nth", os.O_RDWR)

def armed(n, call):
    """CALL with its N-th allocation failing; (result or exception, injected)."""
    os.write(fd, b"%d" % n)
    try:
        r = call()
    except OSError as e:
        r = e
    left = int(os.pread(fd, 16, 0) or b"0")
    os.write(fd, b"0")
    return r, left == 0

STEPS = ["socket", "bind", "listen", "connect", "accept", "setsockopt",
         "send", "recv", "shutdown", "close"]
seen, injected = {}, 0

class Refused(Exception):
    """The armed call failed cleanly: the life ends there."""


def life(step, n):
    """One connection's life with STEP's N-th allocation failing: the armed
    call fails with a clean error, or it succeeds and then the whole life
    must work (an allocation with a fallback); any other error fails."""
    global injected
    objs = []

    def do(name, call):
        global injected
        if name != step:
            return call()
        r, hit = armed(n, call)
        injected += hit
        if isinstance(r, OSError):
            seen.setdefault(name, set()).add(errno.errorcode.get(r.errno, r.errno))
            # socket() and accept() say ENFILE when the inode cannot be
            # allocated (sock_alloc()), for TCP as for ETP.
            ok = (errno.ENOMEM, errno.ENOBUFS, errno.EAGAIN) + \
                ((errno.ENFILE,) if name in ("socket", "accept") else ())
            expect(r.errno in ok, "%s with allocation %d failing: %s" % (name, n, r))
            raise Refused()
        return r

    try:
        l = do("socket", sock)
        objs.append(l)
        l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        do("bind", lambda: l.bind(("127.0.0.1", 5000)))
        do("listen", lambda: l.listen(4))
        c = sock()
        objs.append(c)
        c.settimeout(5)
        do("connect", lambda: c.connect(("127.0.0.1", 5000)))
        l.settimeout(5)
        a, _ = do("accept", l.accept)
        objs.append(a)
        a.settimeout(5)
        do("setsockopt", lambda: c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1))
        do("send", lambda: c.sendall(b"x" * 65536))
        got = len(do("recv", lambda: a.recv(65536)))
        while got < 65536:
            got += len(a.recv(65536))
        do("shutdown", lambda: c.shutdown(socket.SHUT_WR))
        expect(a.recv(10) == b"", "no EOF after shutdown")
        do("close", a.close)
    except Refused:
        pass
    except socket.timeout:
        # A call that succeeded must have done its work: data or a FIN
        # that never arrives is lost, not refused.
        fail("%s with allocation %d failing: the connection stalled" % (step, n))
    except OSError as e:
        # Only the armed call may fail; this is a later call, or one
        # before it, failing as a consequence.
        fail("%s with allocation %d failing: a later call failed: %s" % (step, n, e))
    for s in objs:
        s.close()


calls = 0
for step in STEPS:
    for n in range(1, 60):
        before = injected
        life(step, n)
        calls += 1
        if injected == before:
            break  # the call needed fewer than n allocations
print("# %d lives, %d allocations failed; errors seen: %s"
      % (calls, injected, {k: sorted(v) for k, v in seen.items()}))
expect(injected > 20, "only %d allocations failed: is fault injection working?" % injected)
EOF
	fault_off
	trap - EXIT
	settle "$ns" "$before"
}

# ETP's caches fail at random (1 in 4) in softirq while clients connect,
# exchange data and close: no crash, no leak, the failures counted
# (ListenDrops, TimeWaitOverflow), and with the failures gone the next
# connection works.
test_etp_caches_fail_in_softirq() {
	need_fault_injection
	local ns before c
	ns=$(new_netns)
	before=$(slabs)
	trap fault_off EXIT
	echo Y >"$FI/failslab/cache-filter"
	for c in etp_sock etp_req etp_tw; do
		echo 1 >"/sys/kernel/slab/$c/failslab"
	done
	echo 0 >"$FI/failslab/verbose"
	echo N >"$FI/failslab/task-filter"
	echo N >"$FI/failslab/ignore-gfp-wait"
	echo -1 >"$FI/failslab/times"
	# ip netns exec mounts a sysfs of the namespace's, without debugfs: the
	# program turns the failures on (once it listens) and off through this
	# descriptor.
	exec {pfd}>"$FI/failslab/probability"
	ip netns exec "$ns" env PYTHONPATH="$SELFTESTS" PFD=$pfd timeout 300 python3 - <<'EOF'
import os, socket, threading
from etp_util import *

sysctl("msl_ms", 100)
sysctl("rto_initial_ms", 100)
sysctl("syn_retries", 3)
l = listener("127.0.0.1", 5000, backlog=64)
os.write(int(os.environ["PFD"]), b"25")
stop = False
def serve():
    while not stop:
        try:
            l.settimeout(0.5)
            s, _ = l.accept()
        except OSError:
            continue
        try:
            s.settimeout(3)
            s.sendall(s.recv(1000))
        except OSError:
            pass
        s.close()
t = threading.Thread(target=serve)
t.start()
ok = errs = 0
for i in range(150):
    try:
        c = sock()
    except OSError:
        errs += 1
        continue
    c.settimeout(3)
    try:
        c.connect(("127.0.0.1", 5000))
        c.sendall(b"hello %d" % i)
        if c.recv(100) == b"hello %d" % i:
            ok += 1
    except OSError:
        errs += 1
    c.close()
log("under failures: %d exchanges worked, %d failed" % (ok, errs))
expect(errs > 0, "no allocation failure showed")
os.write(int(os.environ["PFD"]), b"0")
c = sock()
c.settimeout(5)
c.connect(("127.0.0.1", 5000))
c.sendall(b"after")
expect(c.recv(100) == b"after", "no echo once allocations work again")
c.close()
stop = True
t.join()
l.close()
log("ListenDrops %s AttemptFails %s TimeWaitOverflow %s" %
    (stat("ListenDrops"), stat("AttemptFails"), stat("TimeWaitOverflow")))
# What failed in softirq was counted: a half-open entry or a child socket
# not made is a dropped SYN or ACK (ListenDrops), a TIME_WAIT entry not made
# a closed connection that goes without one (TimeWaitOverflow). With one
# allocation in four failing over 150 connections, each must have happened.
expect(stat("ListenDrops") > 0, "no ListenDrops, yet etp_req and etp_sock failed")
expect(stat("TimeWaitOverflow") > 0, "no TimeWaitOverflow, yet etp_tw failed")
EOF
	exec {pfd}>&-
	fault_off
	trap - EXIT
	settle "$ns" "$before"
}

run_tests
