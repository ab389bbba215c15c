#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One ETP connection between two network namespaces, step by step, for
scripts/demo: after each step the lines tools/etp-trace wrote meanwhile (the
state changes, from the module's tracepoints) and what tools/etp-ss shows in
each namespace. Every state and event it shows is also checked: the program
ends with status 1 if one did not happen.

usage: demo-connection.py TRACE_LOG (the output file of a running etp-trace)
"""
import ctypes
import hashlib
import os
import re
import socket
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROTO = int(open("/sys/module/etp/parameters/proto").read())
CLIENT, SERVER = "client", "server"
CADDR, SADDR, PORT = "10.199.9.1", "10.199.9.2", 5000
DELAY_MS = int(os.environ.get("DEMO_DELAY_MS", "400"))
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
problems = []


def say(text=""):
    print(text, flush=True)


def step(title, *text):
    say("\n\033[1m== %s\033[0m" % title)
    for t in text:
        say("   " + t)


def check(cond, what):
    if not cond:
        problems.append(what)
        say("   \033[31m!! did not happen: %s\033[0m" % what)
    return cond


def in_netns(ns, fn):
    """Run fn() with this (single-threaded) process in namespace NS."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + ns)
        return fn()
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(fd)
        os.close(home)


def etp_socket(ns):
    """An ETP socket in namespace NS (a socket keeps the namespace it was made in)."""
    return in_netns(ns, lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO))


class Timeline:
    """The lines etp-trace appends to its output file."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.lines = []

    def show(self, settle=0.4):
        time.sleep(settle)
        with open(self.path) as f:
            f.seek(self.pos)
            data = f.read()
        end = data.rfind("\n") + 1
        self.pos += len(data[:end].encode())
        new = [line for line in data[:end].splitlines() if re.match(r"\s*[+-]\d", line)]
        if new:
            say("   timeline (tools/etp-trace):")
            for line in new:
                say("   | " + line.rstrip())
        self.lines += new
        return new

    def has(self, who, pattern):
        return any(who in line and re.search(pattern, line) for line in self.lines)


def ss(ns):
    """tools/etp-ss in NS (started from inside NS: quicker than ip netns exec)."""
    out = in_netns(ns, lambda: subprocess.run([os.path.join(TOP, "tools", "etp-ss"), "-tan"],
                                              capture_output=True, text=True).stdout)
    return out.splitlines()


def show_ss(ns, state, local, peer, why, timeout=15.0, transient=False):
    """Poll etp-ss in NS until a row STATE LOCAL PEER shows; print the table.
    A TRANSIENT state (one round trip long) may be over before a slow VM
    runs ss: that is said, and the timeline shows the state instead."""
    end = time.monotonic() + (min(timeout, 3.0) if transient else timeout)
    while True:
        lines = ss(ns)
        rows = [line for line in lines[1:] if line.split()[:1] == [state] and
                line.split()[3:5] == [local, peer]]
        if rows or time.monotonic() > end:
            break
        time.sleep(0.02)
    say("   %s: \033[1m%s\033[0m  (ip netns exec %s tools/etp-ss)" % (ns, state, ns))
    for line in lines:
        say("   : " + line.replace("Process", "").rstrip())
    say("     " + why)
    if not rows and transient:
        say("     (over before ss looked: this VM is slow today; the timeline shows it)")
        return rows
    check(rows, "%s in %s's ss (%s -> %s)" % (state, ns, local, peer))
    return rows


def queues(ns, local, peer):
    for line in ss(ns)[1:]:
        p = line.split()
        if p[3:5] == [local, peer]:
            return int(p[1]), int(p[2])
    return None


def wait(cond, timeout):
    end = time.monotonic() + timeout
    while not cond() and time.monotonic() < end:
        time.sleep(0.02)
    return cond()


def netem(ns, dev, spec):
    subprocess.run(["ip", "netns", "exec", ns, "tc", "qdisc", "change", "dev", dev, "root",
                    "netem"] + spec.split(), check=True)


def main():
    tl = Timeline(sys.argv[1])
    srv_end = "%s:%d" % (SADDR, PORT)

    step("1. The server listens: socket(AF_INET, SOCK_STREAM, %d), bind, listen" % PROTO)
    lsk = etp_socket(SERVER)
    lsk.bind((SADDR, PORT))
    lsk.listen(8)
    tl.show()
    check(tl.has(SERVER, r"CLOSE +-> LISTEN"), "server CLOSE -> LISTEN in the timeline")
    show_ss(SERVER, "LISTEN", srv_end, "0.0.0.0:*", "A listener has no peer; the SYNs will come to it.")

    step("2. The client connects: SYN, SYN-ACK, ACK (the three-way handshake)",
         "Each segment takes %d ms to cross, so the half-open states last a moment." % DELAY_MS)
    cli = etp_socket(CLIENT)
    cli.setblocking(False)
    cli.connect_ex((SADDR, PORT))
    cli_end = "%s:%d" % cli.getsockname()
    show_ss(CLIENT, "SYN-SENT", cli_end, srv_end, "The client sent its SYN and waits for the SYN-ACK (Send-Q 1: the SYN).",
            transient=True)
    show_ss(SERVER, "SYN-RECV", srv_end, cli_end,
            "The server got the SYN, answered SYN-ACK, and waits for the ACK: a half-open entry.",
            transient=True)
    cli.setblocking(True)
    conn, _ = lsk.accept()
    tl.show(0.2)
    check(tl.has(CLIENT, r"SYN_SENT +-> ESTABLISHED"), "client SYN_SENT -> ESTABLISHED")
    check(tl.has(SERVER, r"SYN_RECV +-> ESTABLISHED"), "server SYN_RECV -> ESTABLISHED")
    show_ss(SERVER, "ESTAB", srv_end, cli_end, "accept() returned the server's end of the connection.")

    step("3. Data: the client sends 20000 bytes; the server does not read them yet")
    data = os.urandom(20000)
    cli.sendall(data)
    wait(lambda: queues(SERVER, srv_end, cli_end) == (20000, 0) and
         queues(CLIENT, cli_end, srv_end) == (0, 0), 30)
    show_ss(SERVER, "ESTAB", srv_end, cli_end,
            "Recv-Q 20000: received and acknowledged, waiting for the reader.")
    check(queues(SERVER, srv_end, cli_end) == (20000, 0), "server Recv-Q 20000")
    check(queues(CLIENT, cli_end, srv_end) == (0, 0), "client Send-Q 0 (all acknowledged)")

    step("4. A segment is lost: the link drops everything from the client for a moment",
         "The client sends 5000 bytes more; they wait in its Send-Q, unacknowledged,",
         "until its retransmission timer fires and it sends them again (from the first",
         "byte not acknowledged, one segment at first: the congestion window restarts).")
    netem(CLIENT, "va", "delay %dms loss 100%%" % DELAY_MS)
    more = os.urandom(5000)
    cli.sendall(more)
    wait(lambda: queues(CLIENT, cli_end, srv_end) == (0, 5000), 10)
    show_ss(CLIENT, "ESTAB", cli_end, srv_end, "Send-Q 5000: sent, lost, not acknowledged.")
    check(queues(CLIENT, cli_end, srv_end) == (0, 5000), "client Send-Q 5000")
    time.sleep(0.5)
    netem(CLIENT, "va", "delay %dms" % DELAY_MS)
    check(wait(lambda: queues(SERVER, srv_end, cli_end) == (25000, 0), 30), "the 5000 bytes arrive")
    tl.show(0.1)
    check(tl.has(CLIENT, r"retransmit +seq \d+ len \d+ .*\(TIMEOUT"), "a retransmission on timeout")
    got = b""
    while len(got) < 25000:
        got += conn.recv(65536)
    check(hashlib.sha256(got).digest() == hashlib.sha256(data + more).digest(),
          "the server read the 25000 bytes intact")
    say("   The server reads them: 25000 bytes, intact (SHA-256 checked).")

    step("5. The client closes first (the active close): its FIN")
    cli.close()
    show_ss(CLIENT, "FIN-WAIT-1", cli_end, srv_end, "The client's FIN is on its way, not yet acknowledged (Send-Q 1: the FIN).",
            transient=True)
    show_ss(SERVER, "CLOSE-WAIT", srv_end, cli_end,
            "The server got the FIN: its reader will see EOF, which is not read yet (Recv-Q 1,\n"
            "     as TCP shows it: a FIN takes a sequence number); the server may still send.")
    show_ss(CLIENT, "FIN-WAIT-2", cli_end, srv_end, "The FIN is acknowledged; the client waits for the server's.")
    check(conn.recv(100) == b"", "the server reads EOF")
    tl.show(0.1)

    step("6. The server closes (the passive close): its FIN, the client's last ACK")
    conn.close()
    show_ss(SERVER, "LAST-ACK", srv_end, cli_end, "The server's FIN waits for the last ACK.",
            transient=True)
    show_ss(CLIENT, "TIME-WAIT", cli_end, srv_end,
            "The client got the FIN and sent the last ACK; it stays in TIME_WAIT for 2 * MSL,")
    say("     so that a lost last ACK can be sent again and old segments die out.")
    msl = int(in_netns(CLIENT, lambda: open("/proc/sys/net/etp/msl_ms").read()))
    check(wait(lambda: queues(SERVER, srv_end, cli_end) is None, 15), "the server's end is gone")
    tl.show(0.1)

    step("7. TIME_WAIT ends after 2 * msl_ms = %.1f s" % (2 * msl / 1000))
    end = time.monotonic() + 2 * msl / 1000 + 5
    while not tl.has(CLIENT, r"TIME_WAIT +-> CLOSED") and time.monotonic() < end:
        tl.show(0.2)
    check(tl.has(CLIENT, r"TIME_WAIT +-> CLOSED"), "TIME_WAIT expired")
    rows = [line for line in ss(CLIENT)[1:] if cli_end in line]
    check(not rows, "nothing left of the connection in the client's ss")
    say("   The client's ss lists nothing for %s any more." % cli_end)

    step("8. A connection to a port where no one listens: RST")
    bad = etp_socket(CLIENT)
    try:
        bad.connect((SADDR, PORT + 1))
        check(False, "connect() to a closed port failed")
    except ConnectionRefusedError as e:
        say("   connect() to %s:%d: %s" % (SADDR, PORT + 1, e.strerror))
    bad.close()
    tl.show()
    check(tl.has(SERVER, r"RST sent +by the stack \(no socket\): NO_CONNECTION"), "the server's stack sends RST")
    check(tl.has(CLIENT, r"RST received in SYN_SENT"), "the client accepts the RST")
    lsk.close()
    tl.show(0.2)

    # The whole life of the connection, in order, from the timeline.
    c_want = ["CLOSE +-> SYN_SENT", "SYN_SENT +-> ESTABLISHED", "ESTABLISHED -> FIN_WAIT1",
              "FIN_WAIT1 +-> FIN_WAIT2", "FIN_WAIT2 +-> TIME_WAIT", "TIME_WAIT entry made",
              "TIME_WAIT +-> CLOSED"]
    s_want = ["LISTEN +-> SYN_RECV", "SYN_RECV +-> ESTABLISHED", "ESTABLISHED -> CLOSE_WAIT",
              "CLOSE_WAIT +-> LAST_ACK", "LAST_ACK +-> CLOSE "]
    for who, tup, want in ((CLIENT, "%s -> %s" % (cli_end, srv_end), c_want),
                           (SERVER, "%s -> %s" % (srv_end, cli_end), s_want)):
        seq = [line for line in tl.lines if tup in line]
        i = 0
        for line in seq:
            if i < len(want) and re.search(want[i], line):
                i += 1
        check(i == len(want), "the %s's states in order (missing from: %s)" % (who, want[i:]))
    return 1 if problems else 0


if __name__ == "__main__":
    rc = main()
    if problems:
        say("\n\033[31mdemo: %d thing(s) did not happen: %s\033[0m" % (len(problems), "; ".join(problems)))
    sys.exit(rc)
