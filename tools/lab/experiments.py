# SPDX-License-Identifier: GPL-2.0
"""experiments.py: the lab's experiments, each a classic claim about TCP's
design (the numbers are those of CLAIMS, Documentation/lab.rst) run twice:
under the standard design and under the variant that TCP rejected (or, for
a scenario, the usual course and the unusual one). Each run is a function
of a fresh World (world.py) that drives the two ends and the wire, waits
for events (never for a fixed time), checks that what the claim predicts
happened, and returns its verdict in words; what did not happen raises
Unexpected.
"""
import errno
import hashlib
import random
import socket

from world import CLIENT, MAC, SERVER, LabError, Seg, is_, segment_frame

PORT = 5000
SOL_TCP = socket.IPPROTO_TCP
TCP_SYNCNT = 7
M32 = 1 << 32


class Unexpected(Exception):
    """The run did not show what the design predicts."""


def expect(cond, text):
    if not cond:
        raise Unexpected(text)


def so_error(s):
    return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


def errname(e):
    return errno.errorcode.get(e, str(e)) if e else "no error"


def serve(w, variant=None, backlog=8, port=PORT):
    """A listener on the server."""
    lsn = w.socket("s", variant)
    lsn.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsn.bind((SERVER, port))
    lsn.listen(backlog)
    return lsn


def client(w, variant=None, port=0, syncnt=None):
    c = w.socket("c", variant)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if syncnt:
        c.setsockopt(SOL_TCP, TCP_SYNCNT, syncnt)
    c.bind((CLIENT, port))
    return c


def connect(w, c, port=PORT, timeout=10):
    """A connect() that returns its errno (0: connected)."""
    c.settimeout(timeout)
    try:
        return c.connect_ex((SERVER, port))
    finally:
        c.settimeout(None)


def accept(w, lsn, timeout=10):
    """The next connection LSN accepts (kept by the world), or None."""
    lsn.settimeout(timeout)
    try:
        a, _ = lsn.accept()
    except (socket.timeout, TimeoutError):
        return None
    a.settimeout(None)
    w.socks.append(a)
    return a


def connected(w, port=0):
    """A listener, a client connected to it from PORT (0: any), and the
    server's end: (listener, client, server)."""
    lsn = serve(w)
    c = client(w, port=port)
    expect(connect(w, c) == 0, "connect() failed")
    return lsn, c, accept(w, lsn)


def read_all(s, timeout=10):
    """Everything until EOF, and the errno it ended with (0: EOF)."""
    s.settimeout(timeout)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return out, 0
            out += d
    except OSError as e:
        return out, e.errno or errno.ETIMEDOUT


def pure_ack(direction):
    return lambda d, s: d == direction and s.has("A") and s.len == 0


# ---------------------------------------------------------------------------


def old_syn(w, design):
    """Old duplicate SYN: the wire holds the SYN of a first connect() from
    port P; that attempt is abandoned, a second one from P begins, and the
    old SYN arrives first."""
    w.settings({"handshake": "2way" if design == "variant" else "3way"})
    lsn = serve(w)
    c1 = client(w, port=41000)
    hold = w.rule("hold", is_("S", "c2s"), 2, "SYNs held back")
    c1.setblocking(False)
    c1.connect_ex((SERVER, PORT))
    w.until(lambda: hold.hits >= 1, "the first SYN")
    c1.close()                      # the client gives up on it
    c2 = client(w, port=41000, syncnt=2)
    c2.setblocking(False)
    c2.connect_ex((SERVER, PORT))
    w.until(lambda: hold.hits >= 2, "the second SYN")
    old, new = w.held[0], w.held[1]
    w.held = []
    w._send(old[1], old[2])        # the old duplicate first
    if design == "standard":
        w.until(lambda: w.state_changes("s", old="SYN_RECV", new="CLOSE"),
                "the half-open entry of the old SYN to go")
        ev = w.state_changes("s", old="SYN_RECV", new="CLOSE")[0][1]["event"]
        expect(ev == "RCV_RST", "the old entry ended by %s, not the client's RST" % ev)
        w._send(new[1], new[2])
        c2.setblocking(True)
        a = accept(w, lsn)
        expect(a is not None, "no connection after the RST")
        w.until(lambda: w.state_changes("c", new="ESTABLISHED"), "the client's connection")
        expect(so_error(c2) == 0, "connect(): %s" % errname(so_error(c2)))
        syns = w.segs("c", True, lambda s: s.has("S"))
        synack = [s for _, s in w.segs("c", False, lambda s: s.has("SA"))][-1]
        expect(synack.ack == syns[-1][1].seq + 1, "ack != seq + 1")
        return ("3way: the client answered the old SYN's SYN-ACK (ack %d, not %d) "
                "with RST and the server's entry was torn down, nothing held; then "
                "SYN, SYN-ACK, ACK with ack = seq + 1 each way" %
                (w.segs("c", False, lambda s: s.has("SA"))[0][1].ack, syns[-1][1].seq + 1))
    a = accept(w, lsn)
    expect(a is not None, "the 2way server accepted nothing")
    w._send(new[1], new[2])
    c2.setblocking(True)
    got = w.until(lambda: so_error(c2) or None, "the client's connect() to fail", 20)
    rsts = w.segs("c", True, lambda s: s.bits & 4)
    expect(not rsts, "the 2way client sent a RST")
    held = [ln for ln in w.proc_lines("s") if " 01 " in ln]
    expect(held, "the server holds no ESTABLISHED connection")
    return ("2way: the server accepted an ESTABLISHED connection that no client asked "
            "for (the old duplicate SYN) and holds it; the client sent no RST, and its "
            "own connect() failed with %s" % errname(got))


def lost_ack3(w, design):
    """Lost third ACK: the wire drops the client's ACKs of the SYN-ACK; the
    server's SYN-ACK goes again, and the client's first data completes the
    handshake. Then a client that goes silent after its SYN: the server gives
    up after synack_retries."""
    if design == "variant":
        w.settings({"handshake": "2way"})
        lsn = serve(w)
        drop = w.rule("drop", is_("SA", "s2c"), 100, "the SYN-ACK")
        c = client(w, syncnt=2)
        c.setblocking(False)
        c.connect_ex((SERVER, PORT))
        a = accept(w, lsn)
        expect(a is not None, "the 2way server accepted nothing")
        err = w.until(lambda: so_error(c) or None, "the client's connect() to fail")
        expect(err == errno.ETIMEDOUT, "connect(): %s" % errname(err))
        expect(drop.hits >= 1, "no SYN-ACK lost")
        return ("2way: the SYN-ACK was lost and nothing sends it again: the server "
                "holds an ESTABLISHED connection the client never completed, whose "
                "connect() timed out (%s)" % errname(err))
    w.settings({"synack_retries": 2}, "s")
    lsn = serve(w)
    drop = w.rule("drop", pure_ack("c2s"), 100, "the client's pure ACKs")
    c = client(w)
    expect(connect(w, c) == 0, "connect() failed")
    w.until(lambda: len(w.segs("s", True, lambda s: s.has("SA"))) >= 2,
            "the SYN-ACK sent again")
    c.sendall(b"hello")
    a = accept(w, lsn)
    expect(a is not None, "no connection")
    expect(a.recv(5) == b"hello", "the data")
    w.until(lambda: w.state_changes("s", old="SYN_RECV", new="ESTABLISHED"),
            "SYN_RECV -> ESTABLISHED")
    drop.count = 0
    # A client that says nothing after its SYN: the wire drops all it sends.
    w.rule("drop", lambda d, s: d == "c2s" and not s.has("S"), 100,
           "everything after the SYN")
    c2 = client(w, syncnt=1)
    c2.setblocking(False)
    c2.connect_ex((SERVER, PORT))
    w.until(lambda: w.state_changes("s", old="SYN_RECV", new="CLOSE", event="TIMEOUT"),
            "the half-open entry to give up", 30)
    synacks = len(w.segs("s", True, lambda s: s.has("SA") and s.dport == c2.getsockname()[1]))
    return ("3way: the third ACK was lost; the server sent its SYN-ACK again, and the "
            "client's first data (an ACK with 5 bytes) completed the handshake; a "
            "half-open entry whose client went silent gave up after %d SYN-ACKs "
            "(synack_retries 2)" % synacks)


def half_close(w, design):
    """Half-close: the client sends its request and shuts down its half; the
    server reads to EOF, then sends a 100000-byte response and closes."""
    if design == "variant":
        w.settings({"close": "3way"}, "s")
    lsn, c, a = connected(w)
    c.sendall(b"GET /report\r\n")
    c.shutdown(socket.SHUT_WR)
    req, err = read_all(a)
    expect(req == b"GET /report\r\n" and err == 0, "the request: %r %s" % (req, errname(err)))
    body = random.Random(3).randbytes(100000)
    sent_err = 0
    try:
        a.sendall(body)
    except OSError as e:
        sent_err = e.errno
    a.close()
    got, err = read_all(c)
    if design == "standard":
        expect(sent_err == 0, "send(): %s" % errname(sent_err))
        expect(hashlib.sha256(got).digest() == hashlib.sha256(body).digest(),
               "the response: %d bytes, not whole" % len(got))
        w.until(lambda: w.state_changes("s", new="CLOSE_WAIT"), "CLOSE_WAIT")
        return ("4way: the server ACKed the FIN and stayed in CLOSE_WAIT; its response "
                "arrived whole (100000 bytes, sha256 ok), then its FIN (LAST_ACK)")
    expect(sent_err == errno.EPIPE, "send(): %s, expected EPIPE" % errname(sent_err))
    w.until(lambda: w.state_changes("s", old="ESTABLISHED", new="LAST_ACK",
                                    event="RCV_FIN"), "ESTABLISHED -> LAST_ACK on the FIN")
    fa = w.segs("s", True, lambda s: s.has("FA"))
    return ("3way: the server answered the FIN with FIN+ACK at once (LAST_ACK) though "
            "its application had not closed; its send() failed with EPIPE and the "
            "client read %d of 100000 bytes: the half-close was lost (%d FIN+ACK "
            "segment%s)" % (len(got), len(fa), "" if len(fa) == 1 else "s"))


def lost_last_ack(w, design):
    """Lost last ACK: the client closes first; the wire drops its ACK of the
    server's FIN; the server sends the FIN again."""
    if design == "variant":
        w.settings({"time_wait": "off"}, "c")
    lsn, c, a = connected(w)
    seen = {"fin": False}

    def last_ack(d, s):
        if d == "s2c" and s.bits & 1:
            seen["fin"] = True
            return False
        return seen["fin"] and d == "c2s" and s.has("A") and s.len == 0
    drop = w.rule("drop", last_ack, 1, "the last ACK")
    c.close()
    data, err = read_all(a)
    a.shutdown(socket.SHUT_WR)
    w.until(lambda: w.state_changes("s", old="LAST_ACK", new="CLOSE"),
            "the server's LAST_ACK to end")
    expect(drop.hits == 1, "the last ACK was not dropped")
    ev = w.state_changes("s", old="LAST_ACK", new="CLOSE")[0][1]["event"]
    err = so_error(a)
    if design == "standard":
        expect(ev == "FIN_ACKED" and err == 0, "LAST_ACK ended by %s, %s" % (ev, errname(err)))
        reacked = w.stat("c", "TimeWaitFinReAcked")
        expect(reacked == 1, "TimeWaitFinReAcked %d" % reacked)
        return ("2msl: the last ACK was lost; the server's FIN sent again met the "
                "client's TIME_WAIT entry, which ACKed it again (TimeWaitFinReAcked 1); "
                "the server closed cleanly (FIN_ACKED, no error)")
    expect(ev == "RCV_RST" and err == errno.ECONNRESET,
           "LAST_ACK ended by %s, %s" % (ev, errname(err)))
    expect(w.stat("c", "TimeWaitEntered") == 0, "a TIME_WAIT entry was made")
    return ("off: the last ACK was lost; the server's FIN sent again met no state at "
            "the client and drew a RST: the server's connection ended with %s "
            "instead of closing" % errname(err))


def old_data(w, design):
    """Old duplicate data: a first connection sends 3000 bytes (the wire keeps
    a copy of its first segment) and the client closes first; the same
    4-tuple opens again and the copy arrives in the new connection."""
    if design == "variant":
        w.settings({"time_wait": "off", "isn": "zero"})
    lsn = serve(w)
    copy = w.rule("copy", lambda d, s: d == "c2s" and s.len > 0, 1,
                  "a copy of the first data segment")
    c = client(w, port=42000)
    c.setsockopt(SOL_TCP, socket.TCP_NODELAY, 1)
    expect(connect(w, c) == 0, "connect() failed")
    a = accept(w, lsn)
    old = random.Random(1).randbytes(3000)
    c.sendall(old)
    got, _ = b"", None
    while len(got) < 3000:
        got += a.recv(65536)
    c.close()
    read_all(a)
    a.close()
    w.until(lambda: w.state_changes("s", new="CLOSE"), "the first connection's end")
    note = ""
    c2 = client(w, port=42000)
    if design == "standard":
        err = connect(w, c2)
        expect(err == errno.EADDRNOTAVAIL, "connect() under TIME_WAIT: %s" % errname(err))
        note = "connect() from the same port failed (%s) while TIME_WAIT held it; " % \
            errname(err)
        w.until(lambda: w.trace_events("etp_tw_expire", "c"), "TIME_WAIT's end", 10)
        c2.close()
        c2 = client(w, port=42000)
    expect(connect(w, c2) == 0, "the second connect() failed")
    a2 = accept(w, lsn)
    w.replay(copy)
    w.until(lambda: len(w.segs("s", False, lambda s: s.len > 0)) >= 4,
            "the old segment to arrive")
    new = random.Random(2).randbytes(3000)
    c2.sendall(new)
    c2.shutdown(socket.SHUT_WR)
    data, _ = read_all(a2)
    same = data == new
    if design == "standard":
        expect(same, "the application read other bytes than were sent")
        return ("2msl with RFC 6528 ISNs: %safter it, the old segment fell outside the "
                "new connection's window and was dropped; the 3000 bytes read are those "
                "sent (sha256 ok)" % note)
    n = w.copies[0][0].hits and Seg(w.copies[0][2], w.proto).len
    expect(not same and len(data) == len(new) and data[:n] == old[:n],
           "the old bytes were not delivered")
    return ("time_wait=off and isn=zero: the same 4-tuple opened again at once with the "
            "same ISNs, and the old segment fit its window: of the %d bytes the "
            "application read, the first %d were the old connection's (sha256 differs)"
            % (len(data), n))


def syn_flood(w, design):
    """SYN flood: 64 SYNs from forged sources fill a listener's queue of 16
    half-open entries; then a legitimate client connects."""
    w.settings({"syncookies": 1 if design == "standard" else 0}, "s")
    lsn = serve(w, backlog=16)
    for i in range(64):
        src = "10.200.%d.%d" % (i // 200, 1 + i % 200)
        w.inject("c2s", segment_frame(src, SERVER, 1024 + i, lsn.getsockname()[1], random.randrange(M32),
                                      0, "S", w.proto), "a forged SYN")
    w.until(lambda: w.stat("s", "CurrSynRecv") >= 17 or w.stat("s", "SynCookiesSent"),
            "the queue to fill")
    c = client(w, syncnt=2)
    err = connect(w, c, timeout=30)
    entries = w.stat("s", "CurrSynRecv")
    if design == "standard":
        expect(err == 0, "connect(): %s" % errname(err))
        w.until(lambda: w.stat("s", "SynCookiesRecv") >= 1, "the cookie's ACK")
        return ("syncookies=1: %d forged SYNs filled the queue (%d half-open entries); "
                "the legitimate client was answered with a cookie and connected "
                "(SynCookiesSent %d, SynCookiesRecv 1)" %
                (64, entries, w.stat("s", "SynCookiesSent")))
    expect(err == errno.ETIMEDOUT, "connect(): %s" % errname(err))
    return ("syncookies=0: %d forged SYNs left %d half-open entries, a full queue; the "
            "legitimate client's SYNs were dropped (ListenDrops %d) and its connect() "
            "failed with %s" % (64, entries, w.stat("s", "ListenDrops"), errname(err)))


def _echo_pair(w):
    """A connection that has carried "ping" each way: (listener, client, server)."""
    lsn, c, a = connected(w)
    c.sendall(b"ping")
    expect(a.recv(4) == b"ping", "no echo")
    a.sendall(b"ping")
    expect(c.recv(4) == b"ping", "no echo")
    return lsn, c, a


def _last(w, end, outgoing, pred):
    segs = w.segs(end, outgoing, pred)
    return segs[-1][1] if segs else None


def blind_rst(w, design):
    """Blind in-window RST: an attacker who knows the 4-tuple but not the
    sequence numbers sends a RST somewhere in the server's window."""
    if design == "variant":
        w.settings({"rfc5961": 0}, "s")
    lsn, c, a = _echo_pair(w)
    last = w.until(lambda: _last(w, "c", True, lambda s: s.dport == PORT), "a segment")
    seq = last.seq + last.len + 30000            # inside the 64 KB window, not RCV.NXT
    cport = c.getsockname()[1]
    w.inject("c2s", segment_frame(CLIENT, SERVER, cport, PORT, seq, 0, "R", w.proto,
                                  src_mac=MAC["c"]), "a blind RST at RCV.NXT + 30000")
    if design == "standard":
        w.until(lambda: w.stat("s", "ChallengeAcks") >= 1, "a challenge ACK")
        c.sendall(b"DONE")
        expect(a.recv(4) == b"DONE", "the echo did not go on")
        return ("rfc5961 on: the RST in the window but not at RCV.NXT drew a challenge "
                "ACK and the connection lived (an attacker needs RCV.NXT exactly: 1 "
                "chance in 2^32)")
    err = w.until(lambda: so_error(a) or None, "the server's connection to die")
    return ("rfc5961 off: the RST anywhere in the 64 KB window was accepted: the "
            "server's connection died with %s (1 chance in 65536 per guess)" % errname(err))


def tw_assassin(w, design):
    """TIME_WAIT assassination (RFC 1337): while the client is in TIME_WAIT, an
    old segment of the server's arrives; the entry answers with its ACK, the
    closed server answers that with a RST."""
    w.settings({"msl_ms": 1000}, "c")
    if design == "variant":
        w.settings({"rfc1337": 0}, "c")
    lsn = serve(w)
    copy = w.rule("copy", lambda d, s: d == "s2c" and s.len > 0, 1,
                  "a copy of the server's data")
    c = client(w)
    expect(connect(w, c) == 0, "connect() failed")
    a = accept(w, lsn)
    a.sendall(b"x" * 1000)
    got = b""
    while len(got) < 1000:
        got += c.recv(4096)
    c.close()
    read_all(a)
    a.close()
    w.until(lambda: w.trace_events("etp_tw_enter", "c"), "TIME_WAIT")
    w.until(lambda: w.state_changes("s", new="CLOSE"), "the server to close")
    t_enter = w.trace_events("etp_tw_enter", "c")[0][0]
    w.replay(copy)
    if design == "standard":
        w.until(lambda: w.stat("c", "TimeWaitRstIgnored") >= 1, "the RST")
        w.until(lambda: w.trace_events("etp_tw_expire", "c"), "TIME_WAIT's end", 10)
        held = (w.trace_events("etp_tw_expire", "c")[0][0] - t_enter) / 1e6
        return ("rfc1337 on: the old segment drew the entry's ACK, the closed server "
                "answered it with RST, and the RST was ignored (TimeWaitRstIgnored 1): "
                "TIME_WAIT held its full %.0f ms" % held)
    w.until(lambda: w.stat("c", "TimeWaitKilled") >= 1, "the RST to end TIME_WAIT")
    killed = w.until(lambda: w.state_changes("c", old="TIME_WAIT", new="CLOSE"),
                     "TIME_WAIT -> CLOSE traced")
    died = (killed[0][0] - t_enter) / 1e6
    return ("rfc1337 off: the old segment drew the entry's ACK, the closed server "
            "answered it with RST, and the RST ended TIME_WAIT %.0f ms in, %.0f ms "
            "early (TimeWaitKilled 1)" % (died, 2000 - died))


def isn_guess(w, design):
    """Predictable ISNs: an off-path attacker who knows the 4-tuple sends
    "EVIL" with guessed sequence and acknowledgment numbers before the
    client's own first bytes."""
    if design == "variant":
        w.settings({"isn": "zero"})
    lsn, c, a = connected(w, 43000)
    tries = 64
    rng = random.Random(7)
    for i in range(tries):
        if design == "variant":
            seq, ack = 1, 1                      # ISN 0 on both ends
        else:
            seq, ack = rng.randrange(M32), rng.randrange(M32)
        w.inject("c2s", segment_frame(CLIENT, SERVER, 43000, PORT, seq, ack, "PA", w.proto,
                                      b"EVIL", src_mac=MAC["c"]), "an injected segment")
        if design == "variant":
            break
    w.until(lambda: len(w.segs("s", False, lambda s: s.len == 4)) >= (
        1 if design == "variant" else tries), "the injected segments")
    c.sendall(b"DONE")
    a.settimeout(10)
    got = a.recv(4)
    if design == "standard":
        expect(got == b"DONE", "the server read %r" % got)
        return ("rfc6528: 0 of %d guesses accepted (each has about 1 chance in 2^48 of "
                "both numbers being acceptable); the server read DONE" % tries)
    expect(got == b"EVIL", "the server read %r" % got)
    return ("isn=zero: the attacker's first guess (seq 1, ack 1) was accepted: the "
            "server read EVIL, and the client's DONE, now a duplicate, was dropped")


def simultaneous(w, design):
    """Simultaneous open and close: both ends connect() to each other at once,
    and later close at once (the wire holds both SYNs, then both FINs)."""
    if design == "standard":
        lsn, c, a = connected(w)
        c.close()
        read_all(a)
        a.close()
        w.until(lambda: w.trace_events("etp_tw_enter", "c"), "TIME_WAIT")
        w.until(lambda: w.state_changes("s", new="CLOSE"), "the server to close")
        expect(not w.trace_events("etp_tw_enter", "s"), "the server entered TIME_WAIT")
        return ("the usual course: SYN, SYN-ACK, ACK; the client closed first and only "
                "it passed through TIME_WAIT; the server went CLOSE_WAIT, LAST_ACK, CLOSE")
    hold = w.rule("hold", is_("S"), 2, "both SYNs")
    s = w.socket("s")
    s.bind((SERVER, 6000))
    c = client(w, port=6001)
    for sk, dst in ((c, (SERVER, 6000)), (s, (CLIENT, 6001))):
        sk.setblocking(False)
        sk.connect_ex(dst)
    w.until(lambda: hold.hits >= 2, "both SYNs")
    w.release(hold)
    for sk in (c, s):
        w.until(lambda: so_error(sk) == 0 and
                w.state_changes(None, new="ESTABLISHED"), "both connected")
    w.until(lambda: len(w.state_changes(None, old="SYN_RECV", new="ESTABLISHED")) >= 2,
            "both ESTABLISHED")
    hold2 = w.rule("hold", lambda d, sg: bool(sg.bits & 1), 2, "both FINs")
    for sk in (c, s):
        sk.setblocking(True)
        sk.shutdown(socket.SHUT_WR)
    w.until(lambda: hold2.hits >= 2, "both FINs")
    w.release(hold2)
    w.until(lambda: len(w.trace_events("etp_tw_enter")) >= 2, "both in TIME_WAIT")
    for end in "cs":
        path = [f["oldstate"] for _, f in w.state_changes(end)]
        expect("CLOSING" in path, "%s did not pass CLOSING" % end)
    return ("both ends SYN_SENT -> SYN_RECV -> ESTABLISHED (four segments: two SYNs, two "
            "SYN-ACKs), then FIN_WAIT1 -> CLOSING -> TIME_WAIT: both closed first, "
            "so both paid TIME_WAIT")


def ports(w, design):
    """Ports held by TIME_WAIT: the client may use 8 local ports and opens 9
    connections in turn, each closed once its data is through."""
    w.sysctl("c", "net/ipv4/ip_local_port_range", "40000 40007")
    w.settings({"msl_ms": 30000}, "c")     # TIME_WAIT outlasts the run
    if design == "variant":
        w.settings({"time_wait": "off"}, "c")
    lsn = serve(w)
    n = 0
    err = 0
    for i in range(9):
        c = w.socket("c")
        err = connect(w, c)
        if err:
            break
        a = accept(w, lsn)
        c.close()                   # the client closes first
        read_all(a)
        a.close()
        n += 1
        w.until(lambda: len(w.state_changes("s", new="CLOSE")) >= n, "the close")
    if design == "standard":
        expect(n == 8 and err == errno.EADDRNOTAVAIL,
               "%d connected, then %s" % (n, errname(err)))
        return ("2msl: 8 connections closed by the client left 8 TIME_WAIT entries "
                "holding all 8 ports; the 9th connect() failed with EADDRNOTAVAIL")
    expect(n == 9, "only %d connected (%s)" % (n, errname(err)))
    return ("time_wait=off: no entry held a port: all 9 connections were made")


class Experiment:
    """NAME, its run FN, the CLAIMS it tests, a TITLE, what its two designs
    are (the variant's settings, or the scenario's name), and a NOTE on what
    the claims say against what the runs show."""

    def __init__(self, name, fn, claims, title, standard, variant, note):
        self.name, self.fn, self.claims, self.title = name, fn, claims, title
        self.designs = {"standard": standard, "variant": variant}
        self.note = note


EXPERIMENTS = [
    Experiment("old-syn", old_syn, (1, 2, 3), "an old duplicate SYN",
               "handshake=3way", "handshake=2way",
               "Claim 2 holds as stated: only the third segment lets the client refuse "
               "a connection it did not ask for. Claim 1's ack = seq + 1 shows in every "
               "SYN-ACK; claim 3's 'four would work' is experiment 10's simultaneous open."),
    Experiment("lost-ack3", lost_ack3, (4, 5), "the third ACK lost",
               "handshake=3way", "handshake=2way",
               "Claim 4 holds: after a lost third ACK the ends disagree until the SYN-ACK "
               "comes again or the client's data arrives, which completes the handshake "
               "by itself (it carries the ACK). Claim 5's bound is synack_retries."),
    Experiment("half-close", half_close, (7,), "a half-close, then the response",
               "close=4way", "close=3way",
               "Claim 7 is simplified: Linux TCP closes in three segments when the "
               "application closes before the delayed ACK of the FIN leaves (the FIN "
               "carries the ACK). What fails is merging them whether or not the "
               "application has closed: the half-close is lost. ETP ACKs a FIN at once, "
               "so its own close is four segments."),
    Experiment("lost-last-ack", lost_last_ack, (8, 9, 11), "the last ACK lost",
               "time_wait=2msl", "time_wait=off",
               "Claim 9's first reason holds as stated: without TIME_WAIT the FIN sent "
               "again meets no state and draws a RST, and the peer's clean close becomes "
               "an error."),
    Experiment("old-data", old_data, (9, 13), "an old connection's data",
               "time_wait=2msl,isn=rfc6528", "time_wait=off,isn=zero",
               "Claim 9's second reason needs both failures here: with RFC 6528 ISNs the "
               "old segment rarely fits a new window even without TIME_WAIT (try "
               "--variant isn=rfc6528), and a SYN that reopens a TIME_WAIT 4-tuple starts "
               "above the old numbers."),
    Experiment("syn-flood", syn_flood, (6,), "a SYN flood", "syncookies=1", "syncookies=0",
               "Claim 6 is simplified: what runs out is not memory but the listener's "
               "queue (its listen() backlog of half-open entries); cookies answer past it."),
    Experiment("blind-rst", blind_rst, (13,), "a blind RST in the window",
               "rfc5961=on", "rfc5961=off",
               "Not in the claims' list: RFC 5961 shrinks a blind attacker's odds from one "
               "in (2^32 / window) to one in 2^32 per RST, with challenge ACKs."),
    Experiment("tw-assassin", tw_assassin, (8, 9), "TIME_WAIT assassination",
               "rfc1337=on", "rfc1337=off",
               "Linux TCP's default, tcp_rfc1337=0, is the rejected design: a RST at the "
               "right sequence number does end its TIME_WAIT, and with it claim 9's "
               "protections."),
    Experiment("isn-guess", isn_guess, (13,), "an injector guessing sequence numbers",
               "isn=rfc6528", "isn=zero",
               "Claim 13 holds: with known ISNs an off-path attacker's first segment is "
               "taken; RFC 5961's acknowledgment check is what makes a random guess need "
               "both numbers."),
    Experiment("simultaneous", simultaneous, (3, 8), "simultaneous open and close",
               "sequential", "simultaneous",
               "Claim 8 is wrong for a simultaneous close: both ends closed first, and "
               "both pay TIME_WAIT. Claim 3's 'four would work' is what a simultaneous "
               "open does."),
    Experiment("ports", ports, (10, 11), "a client's ports held by TIME_WAIT",
               "time_wait=2msl", "time_wait=off",
               "Claim 10 holds; claim 11 too: let the server close first (in ports()) "
               "and the client's ports are free at once."),
]


def find(name):
    for e in EXPERIMENTS:
        if e.name == name:
            return e
    raise LabError("no experiment %s; the experiments: %s" %
                   (name, " ".join(e.name for e in EXPERIMENTS)))
