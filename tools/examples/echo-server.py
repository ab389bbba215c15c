#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""echo-server.py [--once] [PORT]: an ETP echo server, the first ETP program.

It is a TCP echo server in all but one number: the socket is made with
socket(AF_INET, SOCK_STREAM, 253), IP protocol 253 being ETP's (RFC 3692).
It sends back whatever a client sends until the client shuts down its side,
one connection at a time; --once stops after the first. Run it where etp.ko
is loaded, e.g. in the test VM:

  scripts/vm -- bash -c 'tools/examples/echo-server.py --once &
                         tools/examples/echo-client.py --wait 5 127.0.0.1 7000 hello'
"""
import errno
import socket
import sys

from etp_proto import die as etp_die, etp_proto, run


def die(msg, status=1):
    etp_die("echo-server", msg, status)

def main(argv):
    once = "--once" in argv
    args = [a for a in argv if a != "--once"]
    if len(args) > 1 or (args and not (args[0].isdigit() and 0 < int(args[0]) < 65536)):
        die("usage: echo-server.py [--once] [PORT]   (PORT: 1 to 65535, default 7000)", 2)
    port = int(args[0]) if args else 7000
    proto = etp_proto()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        srv.bind(("0.0.0.0", port))
        srv.listen(16)
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            die("port %d is in use by another ETP socket: give another "
                "port (echo-server.py PORT)" % port)
        raise
    print("echo-server: listening on port %d (ETP, IP protocol %d)" % (port, proto), flush=True)
    while True:
        conn, peer = srv.accept()
        total = 0
        with conn:
            while True:
                data = conn.recv(65536)
                if not data:            # the client's FIN: it sends no more
                    break
                conn.sendall(data)
                total += len(data)
        print("echo-server: %s:%d sent %d bytes, all sent back" % (peer[0], peer[1], total),
              flush=True)
        if once:
            return 0

if __name__ == "__main__":
    run("echo-server", main)
