#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""echo-client.py [--wait SECONDS] HOST PORT MESSAGE: the client of echo-server.py.

Connects over ETP (socket(AF_INET, SOCK_STREAM, 253)), sends MESSAGE, shuts
down its sending side (a FIN: "no more from me"), reads the echo until the
server's FIN, prints it and checks it is what was sent. --wait: retry a
refused connection for up to SECONDS (a server started just before).
HOST is an IPv4 address: ETP has no IPv6 yet.
"""
import socket
import sys
import time

from etp_proto import die as etp_die, etp_proto, run


def die(msg, status=1):
    etp_die("echo-client", msg, status)

def main(argv):
    usage = "usage: echo-client.py [--wait SECONDS] HOST PORT MESSAGE"
    wait = 0.0
    if argv[:1] == ["--wait"]:
        if len(argv) < 2:
            die(usage, 2)
        try:
            wait = float(argv[1])
        except ValueError:
            die(usage, 2)
        argv = argv[2:]
    if len(argv) != 3 or not argv[1].isdigit():
        die(usage, 2)
    host, port, message = argv[0], int(argv[1]), argv[2].encode()
    try:
        socket.inet_aton(host)
    except OSError:
        die("%s is not an IPv4 address (ETP has no IPv6 and this client looks "
            "up no names: try 127.0.0.1)" % host, 2)
    proto = etp_proto()
    deadline = time.monotonic() + wait
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
        try:
            s.connect((host, port))
            break
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() >= deadline:
                die("nothing listens on %s:%d over ETP (connection refused): "
                    "start echo-server first" % (host, port))
            time.sleep(0.1)
        except TimeoutError:
            die("%s:%d did not answer (connection timed out)" % (host, port))
    with s:
        s.sendall(message)
        s.shutdown(socket.SHUT_WR)
        back = b""
        while True:
            data = s.recv(65536)
            if not data:
                break
            back += data
    print(back.decode(errors="replace"))
    if back != message:
        die("the echo differs from what was sent (%d bytes sent, %d back)"
            % (len(message), len(back)))
    return 0

if __name__ == "__main__":
    run("echo-client", main)
