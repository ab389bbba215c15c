# SPDX-License-Identifier: GPL-2.0
"""ETP's packet-level conformance suite, in the spirit of packetdrill: the
framework. The cases are in conform_cases.py, which runs them.

Each case is a short script: the remote peer (scapy, on a veth whose own
namespace has no address, so its kernel stays silent) sends segments and
expects answers; the ETP application (ETP sockets in the other namespace,
driven from the same process) accepts, connects, reads, writes and closes;
the case checks /proc/net/etp and the counters of /proc/net/etp_stat. Every
case gets two fresh namespaces, so counters start at zero and must end with
the tables empty.

    conform_cases.py [-q] CASE...      run cases, print what they do
    conform_cases.py --list            the names of all cases
    conform_cases.py --serve IN OUT    run the cases named on the FIFO IN, one a
                                     line; answer "NAME RC LOGFILE" on OUT
                                     (conformance.sh: one scapy import for
                                     the whole suite)

Namespaces: A holds ETP (va, 10.199.3.1), B the peer (vb, no address). The
process switches between them with setns(2): the peer's packet socket is
made in B, everything else runs in A.
"""
import ctypes
import errno
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import etp_packet  # noqa: E402
from etp_util import NAMES, STATES, wait  # noqa: E402

from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

PROTO = etp_packet.proto()
ETP_VARIANT = 1000                      # the lab's socket option, at level PROTO
A, B = "10.199.3.1", "10.199.3.2"
MAC_A, MAC_B = "02:00:00:00:03:01", "02:00:00:00:03:02"
APORT, BPORT = 7000, 40000
M32 = 1 << 32
CLONE_NEWNET = 0x40000000
TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT = 4, 5, 6
# RFC 5961 challenge ACKs per second and namespace (etp_challenge_ack()).
CHALLENGE_ACK_LIMIT = 1000
GAUGES = ("CurrEstab CurrSynSent CurrSynRecv CurrFinWait1 CurrFinWait2 "
          "CurrCloseWait CurrLastAck CurrClosing CurrTimeWait CurrListen "
          "CurrOrphans").split()

_libc = ctypes.CDLL(None, use_errno=True)
VERBOSE = True


class Fail(Exception):
    pass


def log(msg):
    if VERBOSE:
        sys.stdout.write("# %s\n" % msg)
        sys.stdout.flush()


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET):
            e = ctypes.get_errno()
            raise OSError(e, "setns %s: %s" % (path, os.strerror(e)))
    finally:
        os.close(fd)


def sh(*args):
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    if r.returncode:
        raise Fail("%s: %s" % (" ".join(args), r.stdout.strip()))
    return r.stdout


def ip_batch(ns, cmds):
    """ip commands in one process (-batch; in namespace NS unless None):
    each exec costs a tenth of a second in a TCG guest."""
    args = ["ip"] + (["-n", ns] if ns else []) + ["-batch", "-"]
    r = subprocess.run(args, input="\n".join(cmds) + "\n", stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode:
        raise Fail("%s: %s: %s" % (" ".join(args), "; ".join(cmds), r.stdout.strip()))


def write_sysctl(path, value):
    """/proc/sys/PATH in this thread's network namespace (the one /proc/sys
    shows is the opener's)."""
    with open("/proc/sys/" + path, "w") as f:
        f.write("%s\n" % value)            # a number, or a variant's word


def opts(**kw):
    """TCP options as bytes, NOP-padded to 4 bytes: opts(mss=1460, ws=7,
    ts=(TSVAL, TSECR), sackok=True, sack=[(LEFT, RIGHT), ...], raw=b"...")
    in TCP's order (MSS, SACK permitted in the timestamps' NOPs, window
    scale, NOP NOP SACK; RAW last)."""
    b = b""
    if "mss" in kw:
        b += struct.pack("!BBH", 2, 4, kw["mss"])
    if "ts" in kw:
        b += (b"\x04\x02" if kw.get("sackok") else b"\x01\x01") + \
            struct.pack("!BBII", 8, 10, *kw["ts"])
    elif kw.get("sackok"):
        b += b"\x01\x01\x04\x02"
    if "ws" in kw:
        b += struct.pack("!BBB", 3, 3, kw["ws"]) + b"\x01"
    if kw.get("sack"):
        b += b"\x01\x01" + struct.pack("!BB", 5, 2 + 8 * len(kw["sack"])) + \
            b"".join(struct.pack("!II", le % M32, ri % M32) for le, ri in kw["sack"])
    b += kw.get("raw", b"")
    return b + b"\x01" * (-len(b) % 4)


def sdiff(a, b):
    """a - b in sequence space, as a signed number."""
    d = (a - b) % M32
    return d - M32 if d >= M32 // 2 else d


class Seg:
    """A segment from A, parsed with scapy."""

    def __init__(self, t, tos=0):
        self.t = t
        self.tos = tos          # the IP header's DS field: tos & 3 is ECN
        self.flags = str(t.flags)
        self.seq, self.ack, self.win = t.seq, t.ack, t.window
        self.payload = bytes(t.payload)
        self.len = len(self.payload)
        self.options = dict((k, v) for k, v in t.options
                            if isinstance(k, str))
        self.sport, self.dport = t.sport, t.dport

    def __str__(self):
        s = "%s seq=%d ack=%d win=%d len=%d" % (self.flags, self.seq,
                                                self.ack, self.win, self.len)
        if self.tos & 3:
            s += " ecn=%s" % ("ECT(1)", "ECT(0)", "CE")[(self.tos & 3) - 1]
        if self.options:
            s += " %s" % self.options
        return s

    def has(self, flags):
        """Exactly these flags; PSH does not matter unless asked for."""
        got = set(self.flags)
        want = set(flags)
        if "P" not in want:
            got.discard("P")
        return got == want


class Conn:
    """The peer's view of one connection: its next sequence number (snd)
    and the next it expects from A (rcv)."""

    def __init__(self, case, bport, snd, rcv, sock=None, aport=APORT):
        self.case, self.bport, self.aport = case, bport, aport
        self.snd, self.rcv, self.sock = snd % M32, rcv % M32, sock

    def send(self, flags, payload=b"", seq=None, ack=None, **kw):
        seq = self.snd if seq is None else seq
        ack = self.rcv if ack is None else ack
        self.case.send(flags, seq, ack, payload=payload, bport=self.bport,
                       aport=self.aport, **kw)

    def expect(self, what, **kw):
        kw.setdefault("bport", self.bport)
        return self.case.expect(what, **kw)

    def expect_ack(self, what, ack=None, **kw):
        """A pure ACK at A's snd_nxt acknowledging ACK (default: snd)."""
        return self.expect(what, flags="A", seq=self.rcv,
                           ack=self.snd if ack is None else ack, length=0,
                           **kw)

    def state(self):
        return self.case.states(self.aport, self.bport)


class Case:
    """The world of one case: two namespaces, the peer, the application."""

    def __init__(self, name, sysctls=None):
        self.name = name
        tag = "etptest%d_%d" % (os.getpid(), random.randrange(1 << 30))
        self.nsa, self.nsb = tag + "a", tag + "b"
        self.socks = []
        self.pkt = None
        self.pending = []
        self.root = os.open("/proc/self/ns/net", os.O_RDONLY)
        # No loss probes (early_retrans 0) unless a case asks: the peer
        # answers when the case says, often later than two RTTs of a veth,
        # and a probe would come between; the tlp_* cases turn them on.
        settings = {"msl_ms": 100, "rto_initial_ms": 3000, "early_retrans": 0}
        settings.update(sysctls or {})
        self.msl_ms = settings["msl_ms"]
        ip_batch(None, ["netns add " + self.nsa, "netns add " + self.nsb,
                        "link add va netns %s address %s type veth peer name vb "
                        "netns %s address %s" % (self.nsa, MAC_A, self.nsb, MAC_B)])
        for ns in (self.nsb, self.nsa):
            self.enter(ns)
            write_sysctl("net/ipv6/conf/all/disable_ipv6", 1)
            write_sysctl("net/ipv6/conf/default/disable_ipv6", 1)
        ip_batch(self.nsb, ["link set lo up", "link set vb up"])
        ip_batch(self.nsa, ["link set lo up", "addr add %s/24 dev va" % A,
                            "link set va up",
                            "neigh replace %s lladdr %s dev va nud permanent" % (B, MAC_B)])
        # The peer's packet socket must see segments as the wire would, not
        # the large skbs veth passes whole: the stack cuts them before va
        # (ETP's etp_gso_segment(), or TCP's). ethtool runs in this
        # thread's namespace, A's.
        sh("ethtool", "-K", "va", "tx-sctp-segmentation", "off",
           "tcp-segmentation-offload", "off")
        self.sysctl(**settings)
        self.peer_open()

    # --- namespaces and the peer's socket ---------------------------------

    def enter(self, ns):
        setns("/run/netns/" + ns)

    def peer_open(self):
        self.enter(self.nsb)
        self.pkt = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                 socket.htons(0x0800))
        self.pkt.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.pkt.bind(("vb", 0x0800))
        self.enter(self.nsa)

    def sysctl(self, **kw):
        """ETP's settings in A's namespace."""
        self.enter(self.nsa)
        for k, v in kw.items():
            try:
                write_sysctl("net/etp/" + k, v)
            except OSError as e:
                raise Fail("net.etp.%s=%s: %s" % (k, v, e))
        if "msl_ms" in kw:
            self.msl_ms = kw["msl_ms"]

    def close(self, check=True):
        """End the case: close the application's sockets, check that the
        tables empty and the gauges are back at zero, remove the namespaces."""
        try:
            for s in self.socks:
                try:
                    # RST, not FIN: no orphan left retransmitting to a peer
                    # that is gone (it would hold etp.ko).
                    if s.fileno() >= 0:
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
                    s.close()
                except OSError:
                    pass
            if check:
                limit = 2 * self.msl_ms / 1000 + 3
                if not self.wait(lambda: not self.entries(), limit):
                    raise Fail("/proc/net/etp not empty %.1f s after the case: "
                               "%s" % (limit, self.states()))
                for g in GAUGES:
                    v = self.stat(g)
                    if v != 0:
                        raise Fail("gauge %s is %d with no socket left" % (g, v))
                # The peer's kernel saw none of it: its counters are its own.
                self.enter(self.nsb)
                peer = self.stats()
                self.enter(self.nsa)
                if peer["InSegs"] or peer["OutSegs"]:
                    raise Fail("the peer's namespace counted ETP segments: "
                               "InSegs %d OutSegs %d" %
                               (peer["InSegs"], peer["OutSegs"]))
                log("end: /proc/net/etp empty, gauges 0, nothing in the "
                    "peer's namespace")
        finally:
            if self.pkt:
                self.pkt.close()
            setns("/proc/self/fd/%d" % self.root)
            os.close(self.root)
            subprocess.run(["ip", "-force", "-batch", "-"],
                           input="netns del %s\nnetns del %s\n" % (self.nsa, self.nsb),
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)

    # --- checks -------------------------------------------------------------

    def check(self, cond, msg):
        if not cond:
            raise Fail(msg)

    def wait(self, cond, timeout, step=0.02):
        return wait(cond, timeout, step)

    def entries(self):
        out = []
        with open("/proc/thread-self/net/etp") as f:
            next(f)
            for line in f:
                p = line.split()
                if len(p) < 6:
                    continue
                out.append({"lport": int(p[1].split(":")[1], 16),
                            "rport": int(p[2].split(":")[1], 16),
                            "st": int(p[3], 16),
                            "when": int(p[5].split(":")[1], 16)})
        return out

    def find(self, lport=None, rport=None, st=None):
        if isinstance(st, str):
            st = STATES[st]
        return [e for e in self.entries()
                if (lport is None or e["lport"] == lport) and
                (rport is None or e["rport"] == rport) and
                (st is None or e["st"] == st)]

    def states(self, lport=None, rport=None):
        return [NAMES.get(e["st"], hex(e["st"])) for e in self.find(lport, rport)]

    def expect_state(self, st, lport=APORT, rport=BPORT, timeout=2):
        ok = self.wait(lambda: len(self.find(lport, rport, st)) == 1, timeout)
        self.check(ok, "expected %s for %d-%d, got %s" %
                   (st, lport, rport, self.states(lport, rport)))
        log("A: %d-%d is %s" % (lport, rport, st))

    def stats(self):
        with open("/proc/thread-self/net/etp_stat") as f:
            n, v = f.read().splitlines()[:2]
        return dict(zip(n.split()[1:], map(int, v.split()[1:])))

    def brief_stats(self):
        """The counters that are not 0, for messages."""
        return " ".join("%s=%d" % kv for kv in self.stats().items() if kv[1])

    def stat(self, name):
        return self.stats()[name]

    def counters(self, **want):
        """Counters are exactly these values (waiting a second for them)."""
        self.wait(lambda: all(self.stat(k) == v for k, v in want.items()), 1)
        got = self.stats()
        bad = ["%s=%d (expected %d)" % (k, got[k], v)
               for k, v in want.items() if got[k] != v]
        self.check(not bad, "counters: " + ", ".join(bad))
        log("counters: " + " ".join("%s=%d" % kv for kv in want.items()))

    # --- the peer -----------------------------------------------------------

    def send_raw(self, seg, src=B, dst=A, tos=0):
        """An ETP segment (header and payload, as bytes) from B to A."""
        frame = (Ether(src=MAC_B, dst=MAC_A) /
                 IP(src=src, dst=dst, proto=PROTO, ttl=64, tos=tos) / Raw(seg))
        self.pkt.send(bytes(frame))

    def frame(self, seg):
        """SEG (bytes) in an IP packet and an Ethernet frame from B to A,
        built without scapy: for bursts, where scapy is too slow."""
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 0, 0, 64,
                         PROTO, 0, socket.inet_aton(B), socket.inet_aton(A))
        ip = ip[:10] + struct.pack("!H", etp_packet.csum(ip)) + ip[12:]
        mac = lambda m: bytes.fromhex(m.replace(":", ""))  # noqa: E731
        return mac(MAC_A) + mac(MAC_B) + b"\x08\x00" + ip + seg

    def send(self, flags, seq, ack=0, payload=b"", options=b"", window=65535,
             bport=BPORT, aport=APORT, doff=None, bad_csum=False, quiet=False,
             tos=0):
        """A segment from B to A; FLAGS as scapy writes them ("SA", "FA",
        E for ECE, C for CWR); TOS the IP header's (ECN in its low bits)."""
        bits = 0
        for f, b in (("F", 1), ("S", 2), ("R", 4), ("P", 8), ("A", 16),
                     ("U", 32), ("E", 64), ("C", 128)):
            if f in flags:
                bits |= b
        seg = etp_packet.segment(B, A, bport, aport, seq=seq % M32,
                                 ack=ack % M32, flags=bits, window=window,
                                 options=options, payload=payload, doff=doff,
                                 bad_csum=bad_csum)
        self.send_raw(seg, tos=tos)
        if not quiet:
            log("B > A %s seq=%d ack=%d len=%d%s%s%s" %
                (flags or ".", seq % M32, ack % M32, len(payload),
                 " opts=" + options.hex() if options else "",
                 " BAD CSUM" if bad_csum else "",
                 " tos=%#x" % tos if tos else ""))

    def send_icmp(self, seg, type, code, mtu=0, seq=None, quiet=False):
        """An ICMP error from B to A about SEG, a segment A sent: it quotes
        the segment's IP header and the first 8 bytes of its ETP header (the
        ports and SEQ, SEG's own unless given), as a router would."""
        seq = seg.seq if seq is None else seq % M32
        head = struct.pack("!HHI", seg.sport, seg.dport, seq)
        quoted = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 20 + seg.len, 0,
                             0x4000, 64, PROTO, 0, socket.inet_aton(A),
                             socket.inet_aton(B))
        quoted = quoted[:10] + struct.pack("!H", etp_packet.csum(quoted)) + \
            quoted[12:] + head
        icmp = struct.pack("!BBHHH", type, code, 0, 0, mtu) + quoted
        icmp = icmp[:2] + struct.pack("!H", etp_packet.csum(icmp)) + icmp[4:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64,
                         1, 0, socket.inet_aton(B), socket.inet_aton(A))
        ip = ip[:10] + struct.pack("!H", etp_packet.csum(ip)) + ip[12:]
        mac = lambda m: bytes.fromhex(m.replace(":", ""))  # noqa: E731
        self.pkt.send(mac(MAC_A) + mac(MAC_B) + b"\x08\x00" + ip + icmp)
        if not quiet:
            log("B > A ICMP type %d code %d%s quoting seq=%d" %
                (type, code, " mtu=%d" % mtu if mtu else "", seq))

    def recv(self, timeout):
        """The next segment from A, or None after TIMEOUT s."""
        if self.pending:
            return self.pending.pop(0)
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.pkt], [], [], left)[0]:
                return None
            data = self.pkt.recv(65535)
            ip = Ether(data).getlayer(IP)
            if ip is None or ip.proto != PROTO or ip.src != A or ip.dst != B:
                continue
            seg = Seg(TCP(bytes(ip.payload)[:ip.len - ip.ihl * 4]), ip.tos)
            log("A > B %s" % seg)
            return seg

    def drain(self):
        """Forget what A sent so far."""
        while self.recv(0.05):
            pass

    def flush(self):
        """Forget what A sent so far without parsing it (many frames)."""
        self.pending = []
        while select.select([self.pkt], [], [], 0.05)[0]:
            self.pkt.recv(65535)

    def match(self, seg, flags=None, seq=None, ack=None, length=None,
              win=None, bport=BPORT):
        return ((flags is None or seg.has(flags)) and
                (seq is None or seg.seq == seq % M32) and
                (ack is None or seg.ack == ack % M32) and
                (length is None or seg.len == length) and
                (win is None or seg.win == win) and seg.dport == bport)

    def expect(self, what, timeout=3, strict=True, **kw):
        """The next segment from A matches (flags=, seq=, ack=, length=,
        win=) within TIMEOUT s; with strict=False, others may come first."""
        end = time.monotonic() + timeout
        while True:
            seg = self.recv(max(0, end - time.monotonic()))
            if seg is None:
                raise Fail("expected %s (%s) within %.1f s, got nothing" %
                           (what, kw, timeout))
            if self.match(seg, **kw):
                log("   ok: %s" % what)
                return seg
            if strict:
                raise Fail("expected %s (%s), got %s" % (what, kw, seg))

    def quiet(self, what, timeout=0.5):
        """Nothing from A for TIMEOUT s."""
        seg = self.recv(timeout)
        self.check(seg is None, "expected silence (%s), got %s" % (what, seg))
        log("   ok: silence for %.1f s (%s)" % (timeout, what))

    # --- the application ----------------------------------------------------

    def sock(self):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)
        self.socks.append(s)
        return s

    def listen(self, port=APORT, backlog=8, rcvbuf=None):
        s = self.sock()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if rcvbuf:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.bind((A, port))
        s.listen(backlog)
        log("app: listen on %s:%d" % (A, port))
        return s

    def accept(self, lsock, timeout=3):
        lsock.settimeout(timeout)
        try:
            s, addr = lsock.accept()
        except socket.timeout:
            raise Fail("accept() returned nothing within %.1f s" % timeout)
        self.socks.append(s)
        s.settimeout(None)
        log("app: accepted %s:%d" % addr)
        return s

    def connect(self, port=BPORT, sport=APORT, variant=None):
        """A non-blocking connect from A:SPORT to B:PORT; VARIANT: the lab's
        variants for the socket (ETP_VARIANT), as "handshake=2way"."""
        s = self.sock()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if variant:
            s.setsockopt(PROTO, ETP_VARIANT, variant.encode())
        s.bind((A, sport))
        s.setblocking(False)
        rc = s.connect_ex((B, port))
        self.check(rc == errno.EINPROGRESS, "connect: %s" % os.strerror(rc))
        log("app: connect to %s:%d (EINPROGRESS)" % (B, port))
        return s

    def connect_result(self, s, timeout=3):
        """The errno a non-blocking connect ended with (0: connected)."""
        r = select.select([], [s], [], timeout)[1]
        self.check(r, "connect() did not finish within %.1f s" % timeout)
        return s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)

    def read(self, s, n, timeout=3):
        """Exactly N bytes from S."""
        s.settimeout(timeout)
        buf = b""
        try:
            while len(buf) < n:
                d = s.recv(n - len(buf))
                if not d:
                    break
                buf += d
        except socket.timeout:
            pass
        s.settimeout(None)
        self.check(len(buf) == n, "app: read %d bytes of %d" % (len(buf), n))
        log("app: read %d bytes" % n)
        return buf

    def nothing_to_read(self, s):
        s.setblocking(False)
        try:
            d = s.recv(65536)
        except BlockingIOError:
            d = None
        finally:
            s.setblocking(True)
        self.check(d is None, "app: expected nothing to read, got %r" % d)
        log("app: nothing to read")

    def sock_error(self, s, timeout=3):
        """The errno that recv() on S ends with (0 for EOF)."""
        s.settimeout(timeout)
        try:
            d = s.recv(100)
        except OSError as e:
            # Python's own timeout is a TimeoutError without an errno;
            # ETIMEDOUT from the kernel is a TimeoutError with one.
            if e.errno is not None:
                return e.errno
            raise Fail("app: recv() neither failed nor returned in %.1f s; "
                       "state %s; %s" % (timeout, self.states(),
                                         self.brief_stats()))
        finally:
            s.settimeout(None)
        self.check(not d, "app: recv() returned data %r" % d)
        return 0

    def expect_error(self, s, err, timeout=3):
        got = self.sock_error(s, timeout)
        self.check(got == err, "app: expected %s, recv() gave %s" %
                   (errno.errorcode[err], errno.errorcode.get(got, got)))
        log("app: recv() fails with %s" % errno.errorcode[err])

    def abort(self, s):
        """Close S with RST (SO_LINGER 0): the case leaves nothing behind."""
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        self.drain()

    # --- connections --------------------------------------------------------

    def passive(self, lsock, bport=BPORT, options=None, window=65535,
                isn=None, ecn=False):
        """The peer opens a connection to A's listener; A accepts it. With
        ECN, the SYN asks for it and the SYN-ACK must agree (ecn=1 or 2)."""
        x = random.randrange(M32) if isn is None else isn
        self.send("SEC" if ecn else "S", x, 0, bport=bport, window=window,
                  options=opts(mss=1460) if options is None else options)
        sa = self.expect("SYN-ACK", flags="SAE" if ecn else "SA", ack=x + 1,
                         bport=bport)
        self.send("A", x + 1, sa.seq + 1, bport=bport, window=window)
        s = self.accept(lsock)
        c = Conn(self, bport, x + 1, sa.seq + 1, s)
        c.synack = sa
        return c

    def active(self, port=BPORT, options=None, window=65535):
        """A connects to the peer, which answers; returns (socket, Conn)."""
        s = self.connect(port)
        syn = self.expect("A's SYN", flags="S", bport=port)
        y = random.randrange(M32)
        self.send("SA", y, syn.seq + 1, bport=port, window=window,
                  options=opts(mss=1460) if options is None else options)
        self.expect("the ACK of the SYN-ACK", flags="A", seq=syn.seq + 1,
                    ack=y + 1, bport=port)
        self.check(self.connect_result(s) == 0, "connect() failed")
        c = Conn(self, port, y + 1, syn.seq + 1, s)
        c.syn = syn
        return s, c


CASES = []


def case(**setup):
    """Register a case: a function of a Case. SETUP: sysctls of namespace A."""
    def deco(f):
        f.setup = setup
        CASES.append(f)
        return f
    return deco


def run(f):
    """Run case F; return (ok, message)."""
    random.seed("%s-%d" % (f.__name__, os.getpid()))
    c = None
    try:
        log("case %s: %s" % (f.__name__, (f.__doc__ or "").strip().split("\n")[0]))
        c = Case(f.__name__, f.setup)
        f(c)
        c.close()
        c = None
        return True, "ok"
    except Fail as e:
        return False, "FAIL: %s" % e
    except Exception:
        return False, "FAIL: " + traceback.format_exc()
    finally:
        if c:
            try:
                c.close(check=False)
            except Exception:
                traceback.print_exc(file=sys.stdout)


def serve(fifo_in, fifo_out):
    """conformance.sh's server: a case name a line in, "NAME RC" out."""
    global VERBOSE
    by_name = {f.__name__: f for f in CASES}
    with open(fifo_in) as fin, open(fifo_out, "w") as fout:
        fout.write("ready\n")
        fout.flush()
        for line in fin:
            name, out = line.split()
            with open(out, "w") as o:
                old = sys.stdout
                sys.stdout = o
                try:
                    if name not in by_name:
                        ok, msg = False, "FAIL: no case %s" % name
                    else:
                        ok, msg = run(by_name[name])
                    print(msg if not ok else "# ok %s" % name)
                finally:
                    sys.stdout = old
            fout.write("%s %d\n" % (name, 0 if ok else 1))
            fout.flush()


def main():
    global VERBOSE
    args = sys.argv[1:]
    if args[:1] == ["--list"]:
        print("\n".join(f.__name__ for f in CASES))
        return 0
    if args[:1] == ["--serve"]:
        serve(args[1], args[2])
        return 0
    if args[:1] == ["-q"]:
        VERBOSE = False
        args = args[1:]
    elif args[:1] == ["-v"]:
        args = args[1:]
    by_name = {f.__name__: f for f in CASES}
    failed = 0
    for name in args or list(by_name):
        if name not in by_name:
            print("no case %s" % name)
            return 2
        ok, msg = run(by_name[name])
        print("%s %s%s" % ("ok" if ok else "not ok", name,
                           "" if ok else "\n" + msg))
        failed += not ok
    return 1 if failed else 0

