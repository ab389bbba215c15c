# SPDX-License-Identifier: GPL-2.0
"""The two ends of teardown_load.sh: connections in every state a teardown
must clean up. Each prints "ready" once its connections are there, then
keeps the busy ones busy until it is killed.

    load_peer.py server ADDR   listeners on ADDR: 5000 reads everything,
                               5001 accepts and never reads (zero window),
                               5002 never accepts (half-open entries stay),
                               5003 accepts and closes first (its TIME_WAIT)
    load_peer.py client ADDR SERVER SPOOF
                               from ADDR to SERVER: 20 connections closed
                               first (TIME_WAIT here), 10 closed second (TIME_WAIT
                               there), 4 orphans with unsent data under a
                               zero window, 4 busy senders, and 20 SYNs from
                               SPOOF, which gets no SYN-ACK (half-open there)
"""
import os
import socket
import struct
import sys
import threading
import time

import etp_packet
from etp_util import listener, sock

PORT_SINK, PORT_ZERO, PORT_HALF, PORT_CLOSE = 5000, 5001, 5002, 5003
N_TW, N_TW_PEER, N_ORPHAN, N_BUSY, N_HALF = 20, 10, 4, 4, 20


def thread(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()


# Milliseconds between a busy sender's writes (ETP_LOAD_BUSY_MS): make
# check-debug waits 100, as under KASAN four senders every 20 ms took a
# fifth of the test's CPU.
BUSY_MS = int(os.environ.get("ETP_LOAD_BUSY_MS", "20"))


def busy(c):
    """Keep data in flight on C: 64 KiB every BUSY_MS. Paced, not as fast
    as it goes: flat out, four senders kept both of the guest's CPUs busy
    for the whole test, which CI's other VMs share."""
    while True:
        c.sendall(b"b" * 65536)
        time.sleep(BUSY_MS / 1000)


def sink(c):
    while c.recv(65536):
        pass
    c.close()


def server(addr):
    keep = []
    ls = listener(addr, PORT_SINK, 64)
    lz = sock()
    lz.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lz.bind((addr, PORT_ZERO))
    lz.listen(16)
    lh = listener(addr, PORT_HALF, 64)
    lc = listener(addr, PORT_CLOSE, 64)
    keep += [lh]

    def accept_loop(l, fn):
        while True:
            c, _ = l.accept()
            fn(c)

    thread(accept_loop, ls, lambda c: thread(sink, c))
    thread(accept_loop, lz, keep.append)
    thread(accept_loop, lc, lambda c: c.close())
    print("ready", flush=True)
    while True:
        time.sleep(60)


def syn(src, dst, sport, dport):
    """A SYN with any source address: IP header included."""
    seg = etp_packet.segment(src, dst, sport, dport, seq=sport * 1000)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0, 0, 64,
                     etp_packet.proto(), 0, socket.inet_aton(src),
                     socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + seg, (dst, 0))
    s.close()


def client(addr, srv, spoof):
    for _ in range(N_TW):
        c = sock()
        c.bind((addr, 0))
        c.connect((srv, PORT_SINK))
        c.sendall(b"x" * 100)
        c.shutdown(socket.SHUT_WR)
        c.recv(1)
        c.close()
    for _ in range(N_TW_PEER):
        c = sock()
        c.bind((addr, 0))
        c.connect((srv, PORT_CLOSE))
        c.recv(1)
        c.close()
    for _ in range(N_ORPHAN):
        c = sock()
        c.bind((addr, 0))
        c.connect((srv, PORT_ZERO))
        c.setblocking(False)
        try:
            while True:
                c.send(b"z" * 65536)
        except BlockingIOError:
            pass
        c.close()
    for _ in range(N_BUSY):
        c = sock()
        c.bind((addr, 0))
        c.connect((srv, PORT_SINK))
        thread(busy, c)
    for i in range(N_HALF):
        syn(spoof, srv, 30000 + i, PORT_HALF)
    print("ready", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2])
    else:
        client(*sys.argv[2:5])
