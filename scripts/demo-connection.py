#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""One ETP connection, step by step: open, data, close, TIME_WAIT; after each
step the lines of /proc/net/etp for it and the counters that moved. Run by
scripts/demo inside the test VM."""
import socket
import sys
import time

PROTO = int(open("/sys/module/etp/parameters/proto").read())
PORT = 7000
STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
          5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
          9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING"}
last = {}


def counters():
    names, values = open("/proc/net/etp_stat").read().split("\n")[:2]
    return dict(zip(names.split()[1:], map(int, values.split()[1:])))


def show(what):
    global last
    print("\n\033[1m-- %s\033[0m" % what)
    for line in open("/proc/net/etp").read().splitlines()[1:]:
        f = line.split()
        local, remote, st, timer = f[1], f[2], int(f[3], 16), f[5]
        lport, rport = int(local.split(":")[1], 16), int(remote.split(":")[1], 16)
        if PORT not in (lport, rport):
            continue
        who = "server" if lport == PORT else "client"
        tr, when = timer.split(":")
        left = ""
        if tr != "00":
            left = "  (timer %s, %.1f s left)" % (
                {"01": "retransmit", "02": "keepalive", "03": "TIME_WAIT",
                 "04": "window probe"}.get(tr, tr), int(when, 16) / 100)
        print("   %-6s %5d -> %-5d %-11s%s" % (who, lport, rport, STATES[st], left))
    now = counters()
    moved = ["%s %+d" % (k, v - last.get(k, 0)) for k, v in now.items()
             if v != last.get(k, 0)]
    if moved:
        print("   counters: " + ", ".join(moved))
    last = now


def main():
    global last
    last = counters()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", PORT))
    srv.listen(4)
    show("listen(): the server waits for a SYN")

    cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
    cli.connect(("127.0.0.1", PORT))
    show("connect(): SYN, SYN-ACK, ACK; the server's connection waits in the accept queue")
    conn, _ = srv.accept()

    cli.sendall(b"hello over ETP")
    print("   server read: %r" % conn.recv(100))
    conn.sendall(b"hello back")
    print("   client read: %r" % cli.recv(100))
    show("data both ways")

    cli.shutdown(socket.SHUT_WR)
    time.sleep(0.2)
    show("client shutdown(SHUT_WR): its FIN is ACKed (FIN_WAIT2); the server has CLOSE_WAIT")
    print("   server read: %r (EOF), but it can still send" % conn.recv(100))
    conn.sendall(b"one more thing")
    print("   client read: %r (half-close: the client still receives)" % cli.recv(100))

    conn.close()
    time.sleep(0.2)
    show("server close(): its FIN (LAST_ACK, then gone); the client is in TIME_WAIT")
    cli.close()
    srv.close()
    msl = int(open("/proc/sys/net/etp/msl_ms").read())
    time.sleep(2 * msl / 1000 + 0.5)
    show("after 2 * msl_ms = %.1f s: the TIME_WAIT entry expired" % (2 * msl / 1000))


if __name__ == "__main__":
    sys.exit(main())
