# SPDX-License-Identifier: GPL-2.0
"""The soak's programs (soak.sh).

    soak.py server ADDR PORT NPROC
        NPROC processes accept on one listener; each connection: read to
        EOF, answer "LENGTH SHA256\\n", close. On SIGTERM each prints
        "served N errors E" and the program exits.
    soak.py client ADDR PORT NPROC SECONDS
        NPROC processes loop for SECONDS: connect, send 1 B to 32 KiB,
        shut down, check the answer, read EOF, close. Prints one line
        "attempts A connects C ok K errors E bytes B" summed over them, and
        the first errors."""
import hashlib
import os
import random
import signal
import sys
import time

from etp_util import listener, recv_all, sock, socket


def server(addr, port, nproc):
    l = listener(addr, port, 256)
    kids = []
    for _ in range(nproc):
        pid = os.fork()
        if pid == 0:
            served = errors = 0

            def done(*_):
                print("served %d errors %d" % (served, errors), flush=True)
                os._exit(0)
            signal.signal(signal.SIGTERM, done)
            while True:
                try:
                    c, _ = l.accept()
                except OSError:
                    errors += 1
                    continue
                # Counted once accepted, as PassiveOpens is.
                served += 1
                try:
                    data = recv_all(c)
                    c.sendall(("%d %s\n" % (len(data), hashlib.sha256(
                        data).hexdigest())).encode())
                except OSError as e:
                    errors += 1
                    sys.stderr.write("# server: %s\n" % e)
                c.close()
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


def worker(addr, port, seconds, seed, w):
    rnd = random.Random(seed)
    n = {"attempts": 0, "connects": 0, "ok": 0, "errors": 0, "bytes": 0}
    first = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        data = rnd.randbytes(rnd.randint(1, 32768))
        c = sock()
        n["attempts"] += 1
        try:
            c.settimeout(30)
            c.connect((addr, port))
            n["connects"] += 1
            c.sendall(data)
            c.shutdown(socket.SHUT_WR)
            reply = recv_all(c).decode()
            want = "%d %s\n" % (len(data), hashlib.sha256(data).hexdigest())
            if reply != want:
                raise OSError("answer %r, expected %r" % (reply, want))
            n["ok"] += 1
            n["bytes"] += len(data)
        except OSError as e:
            n["errors"] += 1
            if len(first) < 3:
                first.append(str(e))
        finally:
            c.close()
    w.write(" ".join("%s %d" % kv for kv in n.items()) + "\n")
    for e in first:
        w.write("error " + e + "\n")


def client(addr, port, nproc, seconds):
    r, w = os.pipe()
    kids = []
    for i in range(nproc):
        pid = os.fork()
        if pid == 0:
            os.close(r)
            with os.fdopen(w, "w") as f:
                worker(addr, port, seconds, i + 1, f)
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
                   ("attempts", "connects", "ok", "errors", "bytes")))


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
               float(sys.argv[5]))
