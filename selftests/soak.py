# SPDX-License-Identifier: GPL-2.0
"""The soak's programs (soak.sh). Each process runs one epoll loop over
hundreds of non-blocking sockets, so that thousands of connections are open
at once.

    soak.py server ADDR PORT NPROC
        NPROC processes accept on one listener; each connection: read to
        EOF, answer "LENGTH SHA256\\n", close. On SIGTERM each prints
        "served N errors E" and the program exits.
    soak.py client ADDR PORT NPROC SECONDS CONC
        NPROC processes keep CONC connections each going for SECONDS: a
        connection is opened, held idle for up to HOLD seconds (so that
        many are open at the same time), sends 1 B to 32 KiB, shuts down,
        checks the answer, reads EOF and is closed; another takes its
        place. Prints one line "attempts A connects C ok K errors E bytes B
        open O" summed over them (O: the most connections the processes
        had open at one time, added up), and the first errors."""
import errno
import hashlib
import os
import random
import resource
import selectors
import signal
import socket
import sys
import time

from etp_util import listener, sock

HOLD = 2.0		# the longest a connection stays idle before it sends
# The longest one connection may take: a hang, not a slow guest. The load
# is fixed (2,000 connections open), the guest's speed is not: beside CI's
# other VMs one served seven times fewer connections a second than alone,
# so each lived seven times longer (Little's law: 36 s on average, and the
# slowest past 60 s, the limit then), with no segment lost or sent again.
TIMEOUT = 240.0


def more_files(n):
    """Raise this process's file limit to N (the tests run as root)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (n, max(n, hard)))


def server(addr, port, nproc):
    more_files(65536)
    l = listener(addr, port, 4096)
    l.setblocking(False)
    kids = []
    for _ in range(nproc):
        pid = os.fork()
        if pid == 0:
            serve(l)
        kids.append(pid)
    l.close()
    print("listening", flush=True)

    def stop(*_):
        for k in kids:
            os.kill(k, signal.SIGTERM)
        for k in kids:
            os.waitpid(k, 0)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    while True:
        time.sleep(60)


def serve(l):
    """One server process: accept, read to EOF, answer, close."""
    n = {"served": 0, "errors": 0}
    sel = selectors.DefaultSelector()
    sel.register(l, selectors.EVENT_READ, None)

    def done(*_):
        print("served %d errors %d" % (n["served"], n["errors"]), flush=True)
        os._exit(0)
    signal.signal(signal.SIGTERM, done)

    def finish(c, err=None):
        if err:
            n["errors"] += 1
            sys.stderr.write("# server: %s\n" % err)
        sel.unregister(c)
        c.close()

    while True:
        for key, _ in sel.select():
            if key.data is None:
                try:
                    c, _ = l.accept()
                except BlockingIOError:
                    continue	# another process took it
                except OSError as e:
                    n["errors"] += 1
                    sys.stderr.write("# accept: %s\n" % e)
                    continue
                # Counted once accepted, as PassiveOpens is.
                n["served"] += 1
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ, [hashlib.sha256(), 0])
                continue
            c, st = key.fileobj, key.data
            try:
                data = c.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                finish(c, e)
                continue
            if data:
                st[0].update(data)
                st[1] += len(data)
                continue
            # EOF: the answer is short enough for an empty send buffer.
            reply = ("%d %s\n" % (st[1], st[0].hexdigest())).encode()
            try:
                sent = c.send(reply)
                finish(c, None if sent == len(reply) else "short answer")
            except OSError as e:
                finish(c, e)


class Conn:
    """One client connection and where it is in its life."""

    def __init__(self, rnd, addr, port, now):
        self.data = rnd.randbytes(rnd.randint(1, 32768))
        self.want = ("%d %s\n" % (len(self.data),
                                  hashlib.sha256(self.data).hexdigest())).encode()
        self.hold = now + rnd.uniform(0, HOLD)
        self.deadline = now + TIMEOUT
        self.sent = 0
        self.reply = b""
        self.state = "connect"
        self.s = sock()
        self.s.setblocking(False)
        e = self.s.connect_ex((addr, port))
        if e not in (0, errno.EINPROGRESS):
            raise OSError(e, "connect: " + os.strerror(e))


def worker(addr, port, seconds, conc, seed, w):
    rnd = random.Random(seed)
    n = {"attempts": 0, "connects": 0, "ok": 0, "errors": 0, "bytes": 0,
         "open": 0}
    first = []
    sel = selectors.DefaultSelector()
    conns = set()
    end = time.monotonic() + seconds

    def error(c, e):
        n["errors"] += 1
        if len(first) < 3:
            first.append("%s: %s" % (c.state, e))
        close(c)

    def close(c):
        if c.state != "idle":
            sel.unregister(c.s)
        c.s.close()
        conns.discard(c)

    def start(now):
        n["attempts"] += 1
        try:
            c = Conn(rnd, addr, port, now)
        except OSError as e:
            n["errors"] += 1
            if len(first) < 3:
                first.append("connect: %s" % e)
            return
        conns.add(c)
        sel.register(c.s, selectors.EVENT_WRITE, c)

    while True:
        now = time.monotonic()
        while now < end and len(conns) < conc:
            start(now)
        if not conns:
            break
        n["open"] = max(n["open"], len(conns))
        for c in [c for c in conns if c.state == "idle" and c.hold <= now]:
            c.state = "send"
            sel.register(c.s, selectors.EVENT_WRITE, c)
        for c in [c for c in conns if c.deadline < now]:
            error(c, "no end after %d s" % TIMEOUT)
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                step(c, sel, n, close)
            except OSError as e:
                error(c, e)
    w.write(" ".join("%s %d" % kv for kv in n.items()) + "\n")
    for e in first:
        w.write("error " + e + "\n")


def step(c, sel, n, close):
    """Move connection C on as far as its socket lets it."""
    if c.state == "connect":
        e = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if e:
            raise OSError(e, os.strerror(e))
        n["connects"] += 1
        c.state = "idle"	# held open until c.hold
        sel.unregister(c.s)
    elif c.state == "send":
        try:
            c.sent += c.s.send(c.data[c.sent:c.sent + 65536])
        except BlockingIOError:
            return
        if c.sent == len(c.data):
            c.s.shutdown(socket.SHUT_WR)
            c.state = "read"
            sel.modify(c.s, selectors.EVENT_READ, c)
    elif c.state == "read":
        try:
            data = c.s.recv(4096)
        except BlockingIOError:
            return
        if data:
            c.reply += data
            if len(c.reply) > len(c.want):
                raise OSError("answer %r, expected %r" % (c.reply, c.want))
            return
        if c.reply != c.want:
            raise OSError("answer %r, expected %r" % (c.reply, c.want))
        n["ok"] += 1
        n["bytes"] += len(c.data)
        close(c)


def client(addr, port, nproc, seconds, conc):
    more_files(conc + 64)
    r, w = os.pipe()
    kids = []
    for i in range(nproc):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            with os.fdopen(w, "w") as f:
                worker(addr, port, seconds, conc, i + 1, f)
            os._exit(0)
        kids.append(pid)
    os.close(w)
    with os.fdopen(r) as f:
        lines = f.read().splitlines()
    for k in kids:
        os.waitpid(k, 0)
    total = {}
    for line in lines:
        if line.startswith("error "):
            print("# " + line)
            continue
        p = line.split()
        for k, v in zip(p[::2], p[1::2]):
            total[k] = total.get(k, 0) + int(v)
    print(" ".join("%s %d" % (k, total.get(k, 0)) for k in
                   ("attempts", "connects", "ok", "errors", "bytes", "open")))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               float(sys.argv[5]), int(sys.argv[6]))
