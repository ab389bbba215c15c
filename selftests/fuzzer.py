#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A packet fuzzer for ETP, bounded in count and time, on the conformance
framework (etp_conform.py: two namespaces, the peer's packet socket on a veth
whose namespace has no address).

For each target state (LISTEN, SYN_SENT, SYN_RECV, ESTABLISHED with data in
flight both ways, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING,
TIME_WAIT) a fresh pair of namespaces is set up the way the conformance cases
do it (the seeds), then COUNT mutated segments go to it in bursts: random
flags, seq/ack near the numbers of the connection and random, windows
0/random/65535, good and malformed options (SACK blocks too), data offsets
0..15, payloads of 0..MSS+100 bytes, truncated segments, right (mostly) and
wrong checksums, any ECN bits in the IP header (half the ESTABLISHED seeds
agreed to ECN). Between bursts the application reads, writes, accepts and
closes.

At the end of every state everything is closed (the peer resets what is
left, from the numbers A last sent), and the tables must be empty, the Curr*
gauges 0 (Case.close()); at the very end the slab caches etp_sock, etp_req
and etp_tw must hold no more objects than before.

    fuzzer.py [STATE...]     env: ETP_FUZZ_SEED, ETP_FUZZ_COUNT (per state)

It prints "fuzz: sent N segments to M states in S s (seed X)". The kernel
log (WARN, BUG, KASAN, ...) is checked by scripts/vm and selftests/run.
"""
import os
import random
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import etp_conform  # noqa: E402
import etp_packet  # noqa: E402
from etp_conform import (A, APORT, B, BPORT, M32, Case, Conn, Fail,  # noqa: E402
                         log, opts)

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
CACHES = ("etp_sock", "etp_req", "etp_tw")
MSS = 1460
BURST = 100
COMMON = [ACK, ACK | PSH, FIN | ACK, SYN, SYN | ACK, RST, RST | ACK,
          FIN | PSH | ACK, 0, FIN, SYN | FIN, SYN | RST]
SYSCTLS = {"msl_ms": 200, "rto_initial_ms": 1000, "fin_timeout_ms": 2000}


class Fuzzer:
    def __init__(self, t, rng):
        self.t, self.rng = t, rng
        self.sent = 0
        # What A last sent per (A's port, B's port): its seq + length
        # (A's snd_nxt as far as we know) and its ack (A's rcv_nxt).
        self.a_nxt, self.a_ack = {}, {}
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 0, 0, 0, 64,
                         etp_packet.proto(), 0, socket.inet_aton(B),
                         socket.inet_aton(A))
        self.ip = ip
        self.pseudo = socket.inet_aton(B) + socket.inet_aton(A)
        self.a_addr = socket.inet_aton(A)
        self.mac = (bytes.fromhex(etp_conform.MAC_A.replace(":", "")) +
                    bytes.fromhex(etp_conform.MAC_B.replace(":", "")) +
                    b"\x08\x00")

    # --- what A sends -----------------------------------------------------

    def drain(self, wait=0.0):
        """Read what A sent (parsed with struct, not scapy: fast); remember
        the latest numbers per connection."""
        pkt, n = self.t.pkt, 0
        end = time.monotonic() + wait
        while True:
            left = max(0, end - time.monotonic())
            if not select.select([pkt], [], [], left)[0]:
                return n
            d = pkt.recv(65535)
            if len(d) < 34 or d[23] != etp_packet.proto() or \
                    d[26:30] != self.a_addr:
                continue
            ihl = (d[14] & 15) * 4
            tot = struct.unpack("!H", d[16:18])[0]
            h = d[14 + ihl:14 + tot]
            if len(h) < 20:
                continue
            sp, dp, seq, ack = struct.unpack("!HHII", h[:12])
            fl = h[13]
            ln = len(h) - (h[12] >> 4) * 4 + bool(fl & SYN) + bool(fl & FIN)
            self.a_nxt[(sp, dp)] = (seq + ln) % M32
            if fl & ACK:
                self.a_ack[(sp, dp)] = ack
            n += 1

    # --- segments ---------------------------------------------------------

    def options(self, c):
        r = self.rng
        k = r.randrange(12)
        if k < 4:
            return b""
        if k >= 10:
            # SACK blocks (RFC 2018) around what A sent: in and past its
            # data, reversed, below the ACK (D-SACK), overlapping, one to
            # four, of a right length or not.
            una = c.rcv
            nxt = self.a_nxt.get((c.aport, c.bport), una)
            edges = [una, nxt, una + 1460, una + 2920, nxt + 1460, una - 1000]
            blocks = b""
            for _ in range(r.choice([1, 1, 2, 3, 4])):
                le = self.near(r.choice(edges))
                ri = self.near(r.choice(edges)) if r.randrange(4) else le + 1460
                blocks += struct.pack("!II", le % M32, ri % M32)
            ln = 2 + len(blocks) if r.randrange(8) else r.choice([2, 9, 11, 42])
            b = b"\x01\x01" + bytes([5, ln]) + blocks
            return b[:40] + b"\x01" * (-len(b[:40]) % 4)
        if k < 6:
            return opts(mss=r.choice([0, 1, 536, 1460, 65535,
                                      r.randrange(65536)]),
                        ws=r.randrange(256))
        if k < 8:
            # Timestamps of the right length and of others (RFC 7323: 10),
            # SACK permitted of lengths 2 and 3; TSvals near wrap.
            ln = r.choice([10, 10, 10, 8, 12])
            val = r.choice([0, 1, M32 - 1, r.randrange(M32)])
            b = b"\x01\x01" + bytes([8, ln]) + (struct.pack("!II", val, r.randrange(M32)) +
                                                r.randbytes(2))[:ln - 2]
            if r.randrange(2):
                b += bytes([4, r.choice([2, 2, 3])]) + b"\x00"
            return b + b"\x01" * (-len(b) % 4)
        # Malformed and unknown: lengths 0, 1, 2, beyond the header.
        b = b""
        for _ in range(r.randrange(1, 5)):
            kind = r.choice([0, 1, 2, 3, 4, 5, 8, 19, 28, 30, 34, 253, 254,
                             r.randrange(256)])
            if kind in (0, 1):
                b += bytes([kind])
                continue
            ln = r.choice([0, 1, 2, 3, 4, 10, 40, 255, r.randrange(256)])
            b += bytes([kind, ln]) + r.randbytes(max(0, min(ln - 2, 38)))
        b = b[:40]
        return b + b"\x00" * (-len(b) % 4)

    def near(self, x):
        r = self.rng
        return (x + r.choice([0, 0, 0, 1, -1, 2, -2, r.randrange(-70000, 70000),
                              r.randrange(-3000, 3000)])) % M32

    def segment(self, c):
        """One mutated segment for connection C (the peer's view)."""
        r = self.rng
        key = (c.aport, c.bport)
        bport = c.bport if r.random() < 0.92 else r.choice(
            [BPORT + 1000 + r.randrange(8), r.randrange(1, 65536)])
        aport = c.aport if r.random() < 0.95 else r.choice(
            [APORT + 100, BPORT, r.randrange(1, 65536)])
        if r.random() < 0.5:
            flags = r.choice(COMMON)
        else:
            flags = r.randrange(256)
        k = r.random()
        if k < 0.8:
            seq = self.near(self.a_ack.get(key, c.snd) if r.random() < 0.5
                            else c.snd)
        else:
            seq = r.randrange(M32)
        k = r.random()
        if k < 0.35:
            ack = self.a_nxt.get(key, c.rcv)
        elif k < 0.55:
            ack = c.rcv     # what the peer acknowledged last: snd_una
        elif k < 0.85:
            ack = self.near(self.a_nxt.get(key, c.rcv))
        else:
            ack = r.choice([0, r.randrange(M32)])
        win = r.choice([0, 65535, 65535, r.randrange(65536), r.randrange(1024)])
        options = self.options(c)
        k = r.random()
        if k < 0.5:
            payload = b""
        elif k < 0.9:
            payload = r.randbytes(r.randrange(1, 200))
        else:
            payload = r.randbytes(r.randrange(MSS - 100, MSS + 101))
        doff = None
        if r.random() < 0.12:
            doff = r.randrange(16)
        reserved = r.randrange(16) if r.random() < 0.05 else 0
        if doff is None:
            doff = (20 + len(options)) // 4
        hdr = struct.pack("!HHIIBBHHH", bport, aport, seq, ack,
                          (doff << 4) | reserved, flags, win, 0,
                          r.randrange(65536) if flags & URG else 0) + options
        seg = hdr + payload
        if r.random() < 0.06:
            seg = seg[:r.randrange(len(seg))]
        # The checksum over the pseudo-header, right 92 times in 100.
        if len(seg) >= 18:
            s = etp_packet.csum(self.pseudo + struct.pack(
                "!BBH", 0, etp_packet.proto(), len(seg)) + seg[:16] +
                b"\0\0" + seg[18:])
            if r.random() < 0.08:
                s ^= 1 << r.randrange(16)
            seg = seg[:16] + struct.pack("!H", s) + seg[18:]
        return self.frame(seg)

    def frame(self, seg):
        ip = bytearray(self.ip)
        # ECN's bits, any of the four, in a third of them (ecn.c reads them).
        if self.rng.random() < 0.3:
            ip[1] = self.rng.randrange(4)
        struct.pack_into("!H", ip, 2, 20 + len(seg))
        struct.pack_into("!H", ip, 10, etp_packet.csum(bytes(ip)))
        return self.mac + bytes(ip) + seg

    def burst(self, conns, n):
        frames = [self.segment(self.rng.choice(conns)) for _ in range(n)]
        for f in frames:
            self.t.pkt.send(f)
        self.sent += n
        self.drain()

    # --- cleaning up --------------------------------------------------------

    def reset_all(self, timeout=10):
        """Reset what is left (orphans retransmitting to a peer that will not
        answer) with the numbers A sent last, and wait for the table to empty
        (TIME_WAIT ends by itself, after 2*msl_ms; it ignores the RSTs)."""
        t = self.t
        end = time.monotonic() + timeout
        while t.entries() and time.monotonic() < end:
            self.drain(0.2)
            for e in t.entries():
                key = (e["lport"], e["rport"])
                if key in self.a_ack:
                    t.send("R", self.a_ack[key], 0, bport=key[1],
                           aport=key[0], quiet=True)
                if key in self.a_nxt:
                    t.send("RA", self.a_ack.get(key, 0), self.a_nxt[key],
                           bport=key[1], aport=key[0], quiet=True)
            time.sleep(0.1)


# --- the application, between bursts ----------------------------------------

def app_step(t, rng, socks, lsock=None):
    """Read what there is, write a little, sometimes accept (and close)."""
    if lsock is not None:
        lsock.setblocking(False)
        try:
            s, _ = lsock.accept()
            t.socks.append(s)
            socks.append(s)
        except OSError:
            pass
    for s in list(socks):
        if s.fileno() < 0:
            socks.remove(s)
            continue
        s.setblocking(False)
        try:
            while s.recv(65536):
                pass
        except OSError:
            pass
        try:
            s.send(rng.randbytes(rng.randrange(1, 3000)))
        except OSError:
            pass
        if lsock is not None and rng.random() < 0.05:
            s.close()
            socks.remove(s)


def accept_port(t, lsock, socks, bport, timeout=3):
    """t.accept() for the seeds: the connection from BPORT; the fuzz's own
    connections that come first go to the application's SOCKS."""
    end = time.monotonic() + timeout
    while True:
        lsock.settimeout(max(0.01, end - time.monotonic()))
        try:
            s, addr = lsock.accept()
        except socket.timeout:
            raise Fail("accept() gave no connection from port %d in %.1f s" %
                       (bport, timeout))
        t.socks.append(s)
        s.settimeout(None)
        if addr[1] == bport:
            return s
        socks.append(s)


def app_close(t, socks):
    for s in t.socks:
        if s.fileno() >= 0:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.close()


# --- the target states (set up as the conformance cases do) ------------------

def with_data_in_flight(t, c):
    """Data both ways: A sent 3000 bytes the peer does not ACK, the peer
    sent 1000 bytes A has (its receive queue)."""
    c.sock.setblocking(False)
    c.sock.send(b"a" * 3000)
    c.send("PA", b"b" * 1000)
    c.snd += 1000


# Each takes the state's listener on APORT and a port of the peer's, and
# returns the peer's view of a new connection in the state and the sockets
# the application keeps using.

def st_listen(t, rng, lsock, bport):
    return Conn(t, bport, rng.randrange(M32), rng.randrange(M32)), []


def st_syn_sent(t, rng, lsock, bport):
    sport = APORT + 1 + bport - BPORT
    s = t.connect(port=bport, sport=sport)
    syn = t.expect("A's SYN", flags="S", bport=bport)
    return Conn(t, bport, rng.randrange(M32), syn.seq + 1, s,
                aport=sport), [s]


def st_syn_recv(t, rng, lsock, bport):
    x = rng.randrange(M32)
    t.send("S", x, 0, bport=bport, options=opts(mss=1460, ws=7))
    sa = t.expect("SYN-ACK", flags="SA", ack=x + 1, bport=bport)
    return Conn(t, bport, x + 1, sa.seq + 1), []


def st_established(t, rng, lsock, bport):
    # Half of them with SACK, whose blocks then reach the scoreboard; half
    # with ECN, whose marks reach ecn.c and recovery.c's CWR.
    c = t.passive(lsock, bport=bport,
                  options=opts(mss=1460, sackok=bool(rng.randrange(2))),
                  ecn=bool(rng.randrange(2)))
    with_data_in_flight(t, c)
    return c, [c.sock]


def st_fin_wait1(t, rng, lsock, bport):
    c = t.passive(lsock, bport=bport)
    with_data_in_flight(t, c)
    c.sock.shutdown(socket.SHUT_WR)
    return c, [c.sock]


def st_fin_wait2(t, rng, lsock, bport):
    c = t.passive(lsock, bport=bport)
    c.sock.shutdown(socket.SHUT_WR)
    fin = c.expect("A's FIN", flags="FA", seq=c.rcv, ack=c.snd)
    c.rcv = fin.seq + 1
    c.send("A")
    return c, [c.sock]


def st_close_wait(t, rng, lsock, bport):
    c = t.passive(lsock, bport=bport)
    with_data_in_flight(t, c)
    c.send("FA")
    c.snd += 1
    return c, [c.sock]


def st_last_ack(t, rng, lsock, bport):
    c = t.passive(lsock, bport=bport)
    c.send("FA")
    c.snd += 1
    t.expect_state("CLOSE_WAIT", rport=bport)
    c.sock.close()
    return c, []


def st_closing(t, rng, lsock, bport):
    c = t.passive(lsock, bport=bport)
    c.sock.shutdown(socket.SHUT_WR)
    c.expect("A's FIN", flags="FA", seq=c.rcv, ack=c.snd)
    c.send("FA")
    c.snd += 1
    return c, [c.sock]


def st_time_wait(t, rng, lsock, bport):
    c = t.passive(lsock, bport=bport)
    c.sock.close()
    c.expect("A's FIN", flags="FA", seq=c.rcv, ack=c.snd)
    c.rcv += 1
    c.send("FA")
    c.snd += 1
    return c, []


STATES = [("LISTEN", st_listen), ("SYN_SENT", st_syn_sent),
          ("SYN_RECV", st_syn_recv), ("ESTABLISHED", st_established),
          ("FIN_WAIT1", st_fin_wait1), ("FIN_WAIT2", st_fin_wait2),
          ("CLOSE_WAIT", st_close_wait), ("LAST_ACK", st_last_ack),
          ("CLOSING", st_closing), ("TIME_WAIT", st_time_wait)]
MAX_SEEDS = 20


SENT = [0]


def fuzz_state(name, setup, seed, count):
    rng = random.Random("%d-%s" % (seed, name))
    random.seed(rng.random())       # the framework's own choices (ISNs)
    sysctls = dict(SYSCTLS)
    if name == "TIME_WAIT":
        sysctls["msl_ms"] = 2000    # long enough to be fuzzed; shortened after
    t = Case("fuzz_" + name, sysctls)
    f = None
    try:
        # Room for segments of MSS + 100 bytes with 40 bytes of options.
        for ns, dev in ((t.nsa, "va"), (t.nsb, "vb")):
            etp_conform.sh("ip", "-n", ns, "link", "set", dev, "mtu", "1700")
        # Segments of earlier bursts keep coming: the setup's expectations
        # take the first segment that matches.
        expect = t.expect
        t.expect = lambda what, **kw: expect(what, **dict(kw, strict=False))
        f = Fuzzer(t, rng)
        lsock = t.listen(backlog=64)
        conns, socks, seeds = [], [], 0
        t.accept = lambda l, timeout=3: accept_port(t, l, socks, seeds_port[0])
        seeds_port = [BPORT]
        left = count
        while left > 0:
            c = conns[-1] if conns else None
            if seeds < MAX_SEEDS and (
                    c is None or name != "LISTEN" and
                    not t.find(c.aport, c.bport, name)):
                # (Re)seed: the fuzz closed or moved the last connection.
                f.drain()
                seeds_port[0] = BPORT + seeds
                seeds += 1
                try:
                    c, s = setup(t, rng, lsock, seeds_port[0])
                    if name != "LISTEN":
                        t.expect_state(name, lport=c.aport, rport=c.bport)
                except Fail as e:
                    # The first seed must work. Later ones meet what the
                    # fuzz left (a full SYN queue answers with a cookie and
                    # keeps no entry): fuzz what there is.
                    if seeds == 1:
                        raise
                    log("%s: seed %d: %s; no more seeds" % (name, seeds, e))
                    seeds = MAX_SEEDS
                    continue
                conns.append(c)
                socks += s
            n = min(BURST, left)
            # Mostly the newest connection, some to the older ones.
            f.burst(conns[-1:] * 4 + conns, n)
            left -= n
            app_step(t, rng, socks, lsock)
        f.drain(0.2)
        log("%s: %d seeds; after the fuzz: %s" %
            (name, seeds, " ".join(t.states()) or "-"))
        t.sysctl(msl_ms=SYSCTLS["msl_ms"])
        app_close(t, socks)
        f.reset_all()
        done, t = t, None
        done.close()        # Fail if anything is left; cleans up either way
    finally:
        SENT[0] += f.sent if f else 0
        if t:
            t.close(check=False)


# --- slab caches ----------------------------------------------------------------

def slab_active():
    """Objects in use per ETP cache. SLUB counts the free objects of per-CPU
    slabs as active: shrink first, which flushes them."""
    out = {}
    for c in CACHES:
        try:
            with open("/sys/kernel/slab/%s/shrink" % c, "w") as f:
                f.write("1")
        except OSError:
            pass
    with open("/proc/slabinfo") as f:
        for line in f:
            p = line.split()
            if p and p[0] in CACHES:
                out[p[0]] = int(p[1])
    return {c: out.get(c, 0) for c in CACHES}


def main():
    etp_conform.VERBOSE = "-q" not in sys.argv
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    seed = int(os.environ.get("ETP_FUZZ_SEED") or
               random.SystemRandom().randrange(1 << 31))
    count = int(os.environ.get("ETP_FUZZ_COUNT", "1000"))
    states = [(n, f) for n, f in STATES if not names or n in names]
    if names and len(states) != len(names):
        print("unknown state in %s; states: %s" %
              (names, " ".join(n for n, _ in STATES)))
        return 2
    print("# fuzz: seed %d (ETP_FUZZ_SEED=%d reproduces), %d segments per "
          "state" % (seed, seed, count), flush=True)
    before = slab_active()
    log("slab caches before: %s" % before)
    t0 = time.monotonic()
    failed = []
    for name, setup in states:
        try:
            fuzz_state(name, setup, seed, count)
            print("# ok %s" % name, flush=True)
        except Exception as e:
            failed.append(name)
            print("# FAIL %s: %s: %s" % (name, type(e).__name__, e), flush=True)
    # The namespaces are gone; their TIME_WAIT entries and sockets with them
    # (netns cleanup runs in a work queue: wait).
    end = time.monotonic() + 30
    while True:
        after = slab_active()
        if all(after[c] <= before[c] for c in CACHES) or \
                time.monotonic() > end:
            break
        time.sleep(0.5)
    log("slab caches after: %s" % after)
    if not all(after[c] <= before[c] for c in CACHES):
        failed.append("slab")
        print("# FAIL slab caches: %s, before: %s" % (after, before))
    print("fuzz: sent %d segments to %d states in %.1f s (seed %d)" %
          (SENT[0], len(states), time.monotonic() - t0, seed))
    if failed:
        print("fuzz: FAILED: %s (ETP_FUZZ_SEED=%d)" % (" ".join(failed), seed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
