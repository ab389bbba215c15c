# SPDX-License-Identifier: GPL-2.0
"""One checked transfer over ETP, for faults.sh and scripts/twovm-test.

    fault_xfer.py server ADDR PORT     accept one connection, read to EOF,
                                       answer "LENGTH SHA256\\n", close
    fault_xfer.py client ADDR PORT SIZE
                                       send SIZE pseudo-random bytes, shut
                                       down, check the server's answer
                                       against what was sent, read EOF, close

The server prints "listening" once it listens. Each side prints one line
"# ROLE: ..." on success and exits 0; on an error it says which (errno
included) and exits 1."""
import sys
import time

from etp_util import expect, fail, listener, log, pattern, recv_all, \
    sha256, sock, socket


def server(addr, port):
    l = listener(addr, port)
    print("listening", flush=True)
    s, peer = l.accept()
    l.close()
    t0 = time.monotonic()
    data = recv_all(s)
    took = time.monotonic() - t0
    s.sendall(("%d %s\n" % (len(data), sha256(data))).encode())
    s.close()
    log("server: %d bytes from %s:%d, then EOF, in %.2f s"
        % (len(data), peer[0], peer[1], took))


def client(addr, port, size):
    data = pattern(size, size)
    c = sock()
    t0 = time.monotonic()
    c.connect((addr, port))
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    reply = recv_all(c).decode()
    c.close()
    want = "%d %s\n" % (size, sha256(data))
    expect(reply == want, "the receiver got %r, the sender sent %r"
           % (reply, want))
    log("client: %d bytes arrived intact in %.2f s"
        % (size, time.monotonic() - t0))


def main():
    role, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    try:
        if role == "server":
            server(addr, port)
        else:
            client(addr, port, int(sys.argv[4]))
    except OSError as e:
        fail("%s: %s (errno %s)" % (role, e, e.errno))


if __name__ == "__main__":
    main()
