# SPDX-License-Identifier: GPL-2.0
"""test_ladder.py: host tests of tools/etp-ladder and tools/lab/pcapng.py.

Run from the repository's top directory:

    /usr/bin/python3 -m unittest tools/lab/test_ladder.py

Synthetic captures, written here packet by packet (IPv4 + ETP headers made
with struct, checksums computed): a handshake, data and a four-way close seen
at both ends; the same with the last ACK lost and the FIN retransmitted; a
classic pcap taken at the client only. The trace logs are made with
tools/etp-trace's own formatting. The tests need no root, no module and no
network; the one that runs tshark is skipped if it is not installed.
"""
import importlib.machinery
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOOLS, "lab"))
import pcapng  # noqa: E402

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
CLIENT, SERVER, CPORT, SPORT = "10.199.7.1", "10.199.7.2", 40312, 5000
CISN, SISN = 1000, 700000
BASE_NS = 1_700_000_000 * 10**9
SVG = "{http://www.w3.org/2000/svg}"


def load_script(name):
    """A script of tools/ without a .py suffix, as a module."""
    path = os.path.join(TOOLS, name)
    loader = importlib.machinery.SourceFileLoader(name.replace("-", "_"), path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


ladder = load_script("etp-ladder")
etp_trace = load_script("etp-trace")


from world import checksum  # noqa: E402  (the lab's, for the packets below)


def packet(src, dst, ipid, sport, dport, seq, ack, flags, payload=b"", proto=253):
    """An IPv4 datagram carrying one ETP segment, both checksums right."""
    a, b = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    csum = checksum(a + b + struct.pack("!BBH", 0, proto, len(seg)) + seg)
    seg = seg[:16] + struct.pack("!H", csum) + seg[18:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), ipid, 0x4000, 64, proto, 0, a, b)
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:] + seg


# (ms sent, from client?, ip id, seq, ack, flags, payload, lost?, comment)
ONE_WAY = 10.0
CONNECTION = [
    (0.0, True, 1, CISN, 0, SYN, b"", False, "etp: client CLOSE -> SYN_SENT (CONNECT) [standard]"),
    (10.05, False, 1, SISN, CISN + 1, SYN | ACK, b"", False, None),
    (20.1, True, 2, CISN + 1, SISN + 1, ACK, b"", False, None),
    (20.2, True, 3, CISN + 1, SISN + 1, PSH | ACK, b"hello", False, None),
    (30.3, False, 2, SISN + 1, CISN + 6, ACK, b"", False, None),
    (40.4, True, 4, CISN + 6, SISN + 1, FIN | ACK, b"", False, None),
    (50.5, False, 3, SISN + 1, CISN + 7, ACK, b"", False, None),
    (50.6, False, 4, SISN + 1, CISN + 7, FIN | ACK, b"", False, None),
    (60.7, True, 5, CISN + 7, SISN + 2, ACK, b"", False, None),
]
# The last ACK lost, the FIN sent again 200 ms later, acknowledged again.
LOST_LAST_ACK = CONNECTION[:-1] + [
    (60.7, True, 5, CISN + 7, SISN + 2, ACK, b"", True, "etp: lost (wire rule: last ACK)"),
    (260.6, False, 5, SISN + 1, CISN + 7, FIN | ACK, b"", False, None),
    (270.7, True, 6, CISN + 7, SISN + 2, ACK, b"", False, None),
]

# (ms in the trace, end, old, new, event); the trace's clock is 100 ms ahead.
TRACE_AHEAD = 100.0
STATES = [
    (50.0, "listener", "CLOSE", "LISTEN", "LISTEN"),
    (100.0, "c", "CLOSE", "SYN_SENT", "CONNECT"),
    (110.0, "s", "LISTEN", "SYN_RECV", "RCV_SYN"),
    (120.05, "c", "SYN_SENT", "ESTABLISHED", "RCV_SYNACK"),
    (130.1, "s", "SYN_RECV", "ESTABLISHED", "SYN_ACKED"),
    (140.4, "c", "ESTABLISHED", "FIN_WAIT1", "CLOSE"),
    (150.4, "s", "ESTABLISHED", "CLOSE_WAIT", "RCV_FIN"),
    (150.6, "s", "CLOSE_WAIT", "LAST_ACK", "CLOSE"),
    (160.5, "c", "FIN_WAIT1", "FIN_WAIT2", "FIN_ACKED"),
    (160.6, "c", "FIN_WAIT2", "TIME_WAIT", "RCV_FIN"),
    (160.6, "c", "tw_enter", None, None),
    (170.7, "s", "LAST_ACK", "CLOSE", "FIN_ACKED"),
    (2160.6, "c", "tw_expire", None, None),
]


def trace_log(states, netns=True):
    """An etp-trace log of STATES, each line as etp-trace prints it."""
    ends = {"c": ("client", CLIENT, CPORT, SERVER, SPORT),
            "s": ("server", SERVER, SPORT, CLIENT, CPORT),
            "listener": ("server", "0.0.0.0", SPORT, "0.0.0.0", 0)}
    lines = ["etp-trace: tracing ETP in client, server; times in ms since the first event"]
    for ms, end, old, new, ev in states:
        ns, la, lp, ra, rp = ends[end]
        if old == "tw_enter":
            what = etp_trace.describe("etp_tw_enter", {"timeout_ms": "2000"})
        elif old == "tw_expire":
            what = etp_trace.describe("etp_tw_expire", {})
        else:
            what = etp_trace.describe("etp_state_change",
                                      {"oldstate": old, "newstate": new, "event": ev})
        conn = "%s:%s -> %s:%s" % (la, lp, ra, rp)
        ns = ns + "  " if netns else ""
        lines.append("%+10.3f ms  %s%-44s %s" % (ms, ns, conn, what))
    return "\n".join(lines) + "\n"


def frames(script, ends=("client", "server")):
    """The (iface, ts_ns, data, comment) of SCRIPT seen at ENDS: 0 is the
    client's interface, 1 the server's."""
    out = []
    for ms, from_client, ipid, seq, ack, flags, data, lost, comment in script:
        src, dst, sp, dp = (CLIENT, SERVER, CPORT, SPORT) if from_client else \
            (SERVER, CLIENT, SPORT, CPORT)
        pkt = packet(src, dst, ipid, sp, dp, seq, ack, flags, data)
        sender, receiver = (0, 1) if from_client else (1, 0)
        seen = [(sender, ms)] + ([] if lost else [(receiver, ms + ONE_WAY)])
        for iface, t in seen:
            if ("client", "server")[iface] in ends:
                out.append((iface, BASE_NS + int(round(t * 1e6)), pkt,
                            comment if iface == sender else None))
    return sorted(out, key=lambda f: f[1])


def write_two_ended(path, script):
    pcapng.write(path, ["client", "server"], frames(script),
                 comment="experiment: teardown\nvariant: standard")


def write_client_pcap(path):
    """A classic pcap (microseconds, Ethernet) taken at the client only."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", pcapng.PCAP_MAGIC_US, 2, 4, 0, 0, 262144, 1))
        for _, ts, pkt, _ in frames(CONNECTION, ends=("client",)):
            eth = b"\x02\0\0\0\x09\x02" + b"\x02\0\0\0\x09\x01" + b"\x08\x00" + pkt
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(eth), len(eth)))
            f.write(eth)


class Tmp(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="etp-ladder-test.")

    def tearDown(self):
        shutil.rmtree(self.dir)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def run_ladder(self, *args):
        """etp-ladder ARGS, as a command: (status, stdout, stderr)."""
        p = subprocess.run([os.path.join(TOOLS, "etp-ladder")] + list(args),
                           capture_output=True, text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def build(self, capture, *args, trace=None):
        opts = ladder.parse_args([capture] + list(args))
        return ladder.build(capture, opts, trace, None, ladder.nth(opts.trace_offset, 0))


class PcapngTest(Tmp):
    def test_round_trip(self):
        """What Writer writes, read() reads back: packets, times, comments, names."""
        want = frames(LOST_LAST_ACK)
        path = self.path("rt.pcapng")
        write_two_ended(path, LOST_LAST_ACK)
        got = pcapng.read(path)
        self.assertEqual([(r.iface, r.ts_ns, r.data, r.comment) for r in got], want)
        self.assertEqual({r.iface: r.name for r in got}, {0: "client", 1: "server"})
        self.assertEqual({r.linktype for r in got}, {pcapng.LINKTYPE_RAW})
        self.assertIn("etp: lost (wire rule: last ACK)", [r.comment for r in got])

    def test_big_endian_ethernet_multiline(self):
        """Either byte order, Ethernet frames, a comment of several lines."""
        path = self.path("be.pcapng")
        frame = b"\xff" * 12 + b"\x08\x00" + packet(CLIENT, SERVER, 9, 1, 2, 3, 0, SYN)
        with open(path, "wb") as f:
            w = pcapng.Writer(f, comment="a\nb", byteorder=">")
            w.interface("eth0", pcapng.LINKTYPE_ETHERNET)
            w.packet(0, BASE_NS + 123456789, frame, comment="one\ntwo")
        (r,) = pcapng.read(path)
        self.assertEqual((r.iface, r.name, r.linktype, r.ts_ns, r.data, r.comment),
                         (0, "eth0", 1, BASE_NS + 123456789, frame, "one\ntwo"))
        self.assertEqual(pcapng.ip_packet(r.linktype, r.data), frame[14:])

    def test_microsecond_default_and_classic_pcap(self):
        """An IDB without if_tsresol counts in µs; pcap in µs and in ns."""
        body = struct.pack("<HHI", pcapng.LINKTYPE_RAW, 0, 65535)
        pkt = packet(CLIENT, SERVER, 1, 1, 2, 3, 0, SYN)
        ts = 1_700_000_000_123_456  # µs
        epb = struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(pkt), len(pkt)) + pkt
        data = b""
        for btype, b in ((0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)),
                         (1, body), (6, epb)):
            data += struct.pack("<II", btype, 12 + len(b)) + b + struct.pack("<I", 12 + len(b))
        self.assertEqual(pcapng.parse(data)[0].ts_ns, ts * 1000)
        for magic, frac, scale in ((pcapng.PCAP_MAGIC_US, 123456, 1000),
                                   (pcapng.PCAP_MAGIC_NS, 123456789, 1)):
            raw = struct.pack(">IHHiIII", magic, 2, 4, 0, 0, 65535, 101) + \
                struct.pack(">IIII", 1_700_000_000, frac, len(pkt), len(pkt)) + pkt
            (r,) = pcapng.parse(raw)
            self.assertEqual((r.linktype, r.ts_ns, r.data),
                             (101, BASE_NS + frac * scale, pkt))

    def test_not_a_capture(self):
        with self.assertRaises(pcapng.FormatError):
            pcapng.parse(b"hello, this is not a capture file at all")

    def tshark(self, *args):
        if not shutil.which("tshark"):
            self.skipTest("tshark is not installed (scripts/setup installs it)")
        p = subprocess.run(["tshark"] + list(args), capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout

    def test_tshark_reads_comments_and_etp(self):
        """tshark shows the packets' comments and decodes ETP as TCP."""
        path = self.path("ts.pcapng")
        write_two_ended(path, LOST_LAST_ACK)
        out = ""
        for field in ("frame.comment", "pkt_comment"):
            try:
                out = self.tshark("-r", path, "-T", "fields", "-e", field)
                break
            except AssertionError:
                continue
        self.assertIn("etp: client CLOSE -> SYN_SENT (CONNECT) [standard]", out)
        self.assertIn("etp: lost (wire rule: last ACK)", out)
        out = self.tshark("-r", path, "-d", "ip.proto==253,tcp", "-T", "fields",
                          "-e", "frame.interface_name", "-e", "tcp.srcport", "-e", "tcp.seq",
                          "-e", "tcp.len", "-e", "tcp.flags.str")
        rows = [line.split("\t") for line in out.splitlines()]
        self.assertEqual(len(rows), len(frames(LOST_LAST_ACK)))
        self.assertEqual(rows[0][:4], ["client", str(CPORT), "0", "0"])
        self.assertIn(["client", str(CPORT), "1", "5"], [r[:4] for r in rows])

    def test_reads_what_tshark_writes(self):
        """tshark's own pcapng, and pcap in µs and ns (editcap), read alike."""
        src = self.path("src.pcapng")
        write_two_ended(src, CONNECTION)
        want = [(r.iface, r.ts_ns, r.data) for r in pcapng.read(src)]
        self.tshark("-r", src, "-w", self.path("ts.pcapng"))
        got = pcapng.read(self.path("ts.pcapng"))
        self.assertEqual([(r.iface, r.ts_ns, r.data) for r in got], want)
        self.assertEqual(got[0].name, "client")
        if not shutil.which("editcap"):
            self.skipTest("editcap is not installed")
        for fmt, exact in (("pcap", False), ("nsecpcap", True)):
            out = self.path("x." + fmt)
            subprocess.run(["editcap", "-F", fmt, src, out], check=True, capture_output=True)
            got = pcapng.read(out)
            self.assertEqual([r.data for r in got], [w[2] for w in want])
            self.assertEqual([r.ts_ns for r in got],
                             [w[1] if exact else w[1] // 1000 * 1000 for w in want])


class TwoEndedTest(Tmp):
    def ladder(self, script, *args, states=STATES):
        cap = self.path("cap.pcapng")
        write_two_ended(cap, script)
        log = self.write("trace.log", trace_log(states)) if states else None
        return self.build(cap, *args, trace=log)

    def test_handshake_data_close(self):
        lad = self.ladder(CONNECTION)
        self.assertEqual(len(lad.arrows), 9)
        self.assertEqual([a.label for a in lad.arrows], [
            "SYN seq=0 len=0", "SYN-ACK seq=0 ack=1 len=0", "ACK seq=1 ack=1 len=0",
            "PSH-ACK seq=1 ack=1 len=5", "ACK seq=1 ack=6 len=0", "FIN-ACK seq=6 ack=1 len=0",
            "ACK seq=1 ack=7 len=0", "FIN-ACK seq=1 ack=7 len=0", "ACK seq=7 ack=2 len=0"])
        self.assertEqual([a.frm for a in lad.arrows], list("csccscssc"))
        self.assertFalse([a for a in lad.arrows if a.lost or a.rtx])
        for a, (ms, *_), in zip(lad.arrows, CONNECTION):
            self.assertAlmostEqual(a.t0, ms, places=6)
            self.assertAlmostEqual(a.t1, ms + ONE_WAY, places=6)
        self.assertEqual((lad.client, lad.server), ("client %s:%d" % (CLIENT, CPORT),
                                                    "server %s:%d" % (SERVER, SPORT)))

    def test_absolute(self):
        lad = self.ladder(CONNECTION, "--absolute", states=None)
        self.assertEqual(lad.arrows[1].label, "SYN-ACK seq=%d ack=%d len=0" % (SISN, CISN + 1))

    def test_states_from_the_trace(self):
        """Each end's states at the capture's times (the trace's first
        SYN_SENT is the first SYN), the initial ones at the top, TIME_WAIT a
        bar until tw_expire."""
        lad = self.ladder(CONNECTION)
        got = [(side, round(t, 3), name) for side, t, name in lad.states]
        self.assertEqual(got, [
            ("c", -50.0, "CLOSE"), ("s", -50.0, "CLOSE"), ("s", -50.0, "LISTEN"),
            ("c", 0.0, "SYN_SENT"), ("s", 10.0, "SYN_RECV"), ("c", 20.05, "ESTABLISHED"),
            ("s", 30.1, "ESTABLISHED"), ("c", 40.4, "FIN_WAIT1"), ("s", 50.4, "CLOSE_WAIT"),
            ("s", 50.6, "LAST_ACK"), ("c", 60.5, "FIN_WAIT2"), ("c", 60.6, "TIME_WAIT"),
            ("s", 70.7, "CLOSE"), ("c", 2060.6, "CLOSED")])
        self.assertEqual([(s, round(a, 3), round(b, 3)) for s, a, b in lad.bars],
                         [("c", 60.6, 2060.6)])

    def test_trace_offset_and_unexpired_time_wait(self):
        """--trace-offset overrides the alignment; a TIME_WAIT not expired
        in the trace lasts to the end of the figure."""
        lad = self.ladder(CONNECTION, "--trace-offset", "-90", states=STATES[:-1])
        self.assertIn(("c", 10.0, "SYN_SENT"), [(s, round(t, 3), n) for s, t, n in lad.states])
        self.assertEqual([(s, round(a, 3), b) for s, a, b in lad.bars], [("c", 70.6, None)])

    def test_trace_without_namespaces_with_variants(self):
        """Lines without a namespace, or with more said after the event
        (the variant a state change was made under), read the same."""
        cap = self.path("cap.pcapng")
        write_two_ended(cap, CONNECTION)
        log = trace_log(STATES, netns=False).replace(")\n", ") [standard]\n")
        self.assertIn("(RCV_SYNACK) [standard]", log)
        lad = self.build(cap, trace=self.write("t.log", log))
        self.assertEqual(len(lad.states), 14)
        self.assertEqual(len(lad.bars), 1)

    def test_one_address_for_both_ends(self):
        """On lo both ends are 127.0.0.1: the ports tell which is which,
        in the capture and in the trace."""
        lo = "127.0.0.1"
        path = self.path("lo.pcapng")
        pcapng.write(path, ["lo"], [
            (0, BASE_NS, packet(lo, lo, 1, CPORT, SPORT, CISN, 0, SYN)),
            (0, BASE_NS + 50000, packet(lo, lo, 0, SPORT, CPORT, SISN, CISN + 1, SYN | ACK)),
            (0, BASE_NS + 90000, packet(lo, lo, 2, CPORT, SPORT, CISN + 1, SISN + 1, ACK))])
        log = "\n".join("%+10.3f ms  %-44s %s" % (ms, conn, etp_trace.describe(
            "etp_state_change", {"oldstate": old, "newstate": new, "event": ev}))
            for ms, conn, old, new, ev in (
                (1.0, "0.0.0.0:%d -> 0.0.0.0:0" % SPORT, "CLOSE", "LISTEN", "LISTEN"),
                (2.0, "%s:%d -> %s:%d" % (lo, CPORT, lo, SPORT), "CLOSE", "SYN_SENT", "CONNECT"),
                (2.01, "%s:%d -> %s:%d" % (lo, SPORT, lo, CPORT), "LISTEN", "SYN_RECV", "RCV_SYN")))
        lad = self.build(path, trace=self.write("lo.log", log + "\n"))
        self.assertEqual([a.frm for a in lad.arrows], ["c", "s", "c"])
        self.assertEqual((lad.client, lad.server), ("client 127.0.0.1:%d" % CPORT,
                                                    "server 127.0.0.1:%d" % SPORT))
        self.assertEqual([(side, name) for side, _, name in lad.states],
                         [("c", "CLOSE"), ("s", "CLOSE"), ("s", "LISTEN"), ("c", "SYN_SENT"),
                          ("s", "SYN_RECV")])

    def test_lost_last_ack_and_retransmitted_fin(self):
        lad = self.ladder(LOST_LAST_ACK)
        self.assertEqual(len(lad.arrows), 11)
        lost = [a for a in lad.arrows if a.lost]
        rtx = [a for a in lad.arrows if a.rtx]
        self.assertEqual([(a.frm, a.label) for a in lost], [("c", "ACK seq=7 ack=2 len=0")])
        self.assertEqual([(a.frm, a.label) for a in rtx],
                         [("s", "FIN-ACK seq=1 ack=7 len=0 (rtx)")])
        self.assertAlmostEqual(rtx[0].t0, 260.6)
        self.assertEqual(lad.arrows[-1].label, "ACK seq=7 ack=2 len=0")

    def test_svg(self):
        """The SVG parses; an arrow per segment, dashed retransmissions, a
        cross per lost one, the states and the TIME_WAIT bar written."""
        lad = self.ladder(LOST_LAST_ACK)
        root = ET.fromstring(ladder.svg(*ladder.layout([lad])))
        self.assertEqual(root.tag, SVG + "svg")

        def of(tag, cls):
            return [e for e in root.iter(SVG + tag) if cls in e.get("class", "").split()]
        arrows = of("line", "arrow")
        self.assertEqual(len(arrows), 11)
        self.assertEqual(len(of("line", "rtx")), 1)
        self.assertEqual(of("line", "rtx")[0].get("stroke-dasharray"), "6,4")
        self.assertEqual(len(of("line", "lost")), 1)
        self.assertIsNone(of("line", "lost")[0].get("marker-end"))
        self.assertEqual(len(of("path", "lost")), 1)
        self.assertEqual(len([a for a in arrows if a.get("marker-end")]), 10)
        labels = [e.text for e in of("text", "label")]
        self.assertIn("FIN-ACK seq=1 ack=7 len=0 (rtx)", labels)
        self.assertIn("SYN-ACK seq=0 ack=1 len=0", labels)
        states = [e.text for e in of("text", "state")]
        for name in ("SYN_SENT", "SYN_RECV", "TIME_WAIT", "LAST_ACK", "CLOSED"):
            self.assertIn(name, states)
        (bar,) = of("rect", "tw")
        self.assertGreater(float(bar.get("height")), 0)
        # The lost arrow stops halfway between the lines.
        lines = of("line", "timeline")
        mid = (float(lines[0].get("x1")) + float(lines[1].get("x1"))) / 2
        self.assertAlmostEqual(float(of("line", "lost")[0].get("x2")), mid)

    def test_text(self):
        lad = self.ladder(CONNECTION)
        lines = ladder.text(lad).splitlines()
        arrows = [line for line in lines if "seq=" in line]
        self.assertEqual(len(arrows), 9)
        self.assertRegex(arrows[0], r"^\s+0\.000\s+\|---- SYN seq=0 len=0 -+>\|\s+10\.000$")
        self.assertRegex(arrows[1],
                         r"^\s+20\.050\s+\|<--- SYN-ACK seq=0 ack=1 len=0 -+\|\s+10\.050$")
        self.assertRegex(lines[1], "captured at both ends")
        syn_sent = [line for line in lines if "SYN_SENT" in line]
        self.assertRegex(syn_sent[0], r"^\s+0\.000\s+SYN_SENT \| +\|$")
        listen = [line for line in lines if "LISTEN" in line]
        self.assertRegex(listen[0], r"^\s+\| +\| LISTEN\s+-50\.000$")
        # TIME_WAIT: the client's line drawn with # from the change to the expiry.
        tw = lines.index([line for line in lines if "TIME_WAIT" in line][0])
        self.assertIn("#", lines[tw])
        self.assertRegex(lines[tw + 1], r"^\s+\S+\s+#")
        closed = [line for line in lines if "CLOSED" in line]
        self.assertRegex(closed[0], r"^\s+2060\.600\s+CLOSED \|")

    def test_text_lost_and_rtx(self):
        lines = ladder.text(self.ladder(LOST_LAST_ACK, states=None)).splitlines()
        lost = [line for line in lines if "X" in line and "seq=" in line]
        self.assertEqual(len(lost), 1)
        self.assertRegex(lost[0], r"\|---- ACK seq=7 ack=2 len=0 --X +\|$")
        rtx = [line for line in lines if "(rtx)" in line]
        self.assertEqual(len(rtx), 1)
        self.assertRegex(rtx[0], r"\|<- - FIN-ACK seq=1 ack=7 len=0 \(rtx\) - - .*-?\|")

    def test_client_by_name_or_first_syn(self):
        """Interfaces not named client/server: the first to see a SYN is the client's."""
        path = self.path("anon.pcapng")
        pcapng.write(path, ["vb", "va"],
                     [((1 - i), ts, d, c) for i, ts, d, c in frames(CONNECTION)])
        lad = self.build(path)
        self.assertFalse([a for a in lad.arrows if a.lost])
        self.assertAlmostEqual(lad.arrows[0].t1, ONE_WAY)


class OnePointTest(Tmp):
    def test_one_way(self):
        cap = self.path("client.pcap")
        write_client_pcap(cap)
        lad = self.build(cap, "--one-way", "10")
        self.assertEqual(len(lad.arrows), 9)
        self.assertIn("captured at the client", lad.note)
        for a, (ms, *_) in zip(lad.arrows, CONNECTION):
            self.assertAlmostEqual(a.t0, ms, places=2)
            self.assertAlmostEqual(a.t1, ms + ONE_WAY, places=2)
        self.assertEqual(lad.arrows[1].label, "SYN-ACK seq=0 ack=1 len=0")
        # Seen at the server instead (--at server): the server's sends are
        # on time, the client's are drawn earlier.
        lad = self.build(cap, "--one-way", "10", "--at", "server")
        self.assertAlmostEqual(lad.arrows[0].t0, -10.0, places=2)
        # Every time seen an arrival (netem delays before the capture).
        lad = self.build(cap, "--one-way", "10", "--at", "receiver")
        self.assertEqual([(round(a.t0, 2), round(a.t1, 2)) for a in lad.arrows[:2]],
                         [(-10.0, 0.0), (10.05, 20.05)])
        self.assertIn("departures drawn 10 ms earlier", lad.note)

    def test_command(self):
        """The command: text by default, SVG and PNG files, exit status 0."""
        cap = self.path("client.pcap")
        write_client_pcap(cap)
        log = self.write("trace.log", trace_log(STATES))
        svg = self.path("out.svg")
        status, out, err = self.run_ladder(cap, "--one-way", "10", "--trace", log,
                                           "-o", svg, "--text", "--title", "demo")
        self.assertEqual((status, err), (0, ""))
        self.assertEqual(out.splitlines()[0], "demo")
        self.assertIn("<--- SYN-ACK seq=0 ack=1 len=0 ---", out)
        ET.parse(svg)

    def test_png(self):
        try:
            subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], check=True,
                           capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            self.skipTest("no matplotlib for /usr/bin/python3")
        cap = self.path("client.pcap")
        write_client_pcap(cap)
        status, _, err = self.run_ladder(cap, "--png", self.path("o.png"))
        self.assertEqual((status, err), (0, ""))
        with open(self.path("o.png"), "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


class SideBySideTest(Tmp):
    def test_two_panels(self):
        a, b = self.path("a.pcapng"), self.path("b.pcapng")
        write_two_ended(a, CONNECTION)
        write_two_ended(b, LOST_LAST_ACK)
        log = self.write("t.log", trace_log(STATES))
        svg = self.path("both.svg")
        status, out, err = self.run_ladder(a, b, "--side-by-side", "--trace", log, "--trace", log,
                                           "--title", "standard", "--title", "variant",
                                           "-o", svg)
        self.assertEqual((status, out, err), (0, "", ""))
        root = ET.parse(svg).getroot()
        titles = [e.text for e in root.iter(SVG + "text") if e.get("class") == "title"]
        self.assertEqual(titles, ["standard", "variant"])
        arrows = [e for e in root.iter(SVG + "line") if "arrow" in e.get("class", "")]
        self.assertEqual(len(arrows), 9 + 11)
        xs = [float(e.get("x1")) for e in root.iter(SVG + "line") if e.get("class") == "timeline"]
        self.assertEqual(len(xs), 4)
        self.assertLess(max(xs[:2]), min(xs[2:]))
        self.assertLessEqual(max(xs), float(root.get("width")))


class ErrorTest(Tmp):
    def assertFails(self, args, message):
        status, out, err = self.run_ladder(*args)
        self.assertEqual(status, 2, err)
        self.assertIn(message, err)
        self.assertEqual(out, "")

    def test_errors(self):
        empty = self.path("empty.pcapng")
        pcapng.write(empty, ["client"], [(0, BASE_NS, packet(CLIENT, SERVER, 1, 1, 2, 3, 0, SYN,
                                                             proto=6))])
        self.assertFails([self.path("missing.pcap")], "cannot read")
        self.assertFails([empty], "no ETP segments")
        self.assertFails([self.write("junk", "not a capture")], "not a capture")
        self.assertFails([empty, "--frobnicate"], "unrecognized arguments: --frobnicate")
        self.assertFails([empty, empty], "--side-by-side")
        cap = self.path("c.pcapng")
        write_two_ended(cap, CONNECTION)
        self.assertFails([cap, "--trace", self.path("nope.log")], "cannot read")
        self.assertFails([cap, "--trace", self.write("x.log", "nothing\n")], "no state changes")
        status, _, _ = self.run_ladder(empty, "--proto", "6")
        self.assertEqual(status, 0)

    def test_help(self):
        status, out, _ = self.run_ladder("--help")
        self.assertEqual(status, 0)
        self.assertIn("etp-ladder", out)


class PerformanceTest(Tmp):
    def test_hundreds_of_segments(self):
        """400 segments, SVG and text, well under a second."""
        script = [(0.0, True, 1, CISN, 0, SYN, b"", False, None),
                  (10.05, False, 1, SISN, CISN + 1, SYN | ACK, b"", False, None)]
        for i in range(199):
            script.append((20 + i * 0.5, True, 2 + i, CISN + 1 + 100 * i, SISN + 1, ACK,
                           b"x" * 100, i % 50 == 7, None))
            script.append((30.2 + i * 0.5, False, 2 + i, SISN + 1, CISN + 101 + 100 * i, ACK,
                           b"", False, None))
        cap = self.path("big.pcapng")
        write_two_ended(cap, script)
        start = time.monotonic()
        lad = self.build(cap)
        prims = ladder.layout([lad])
        ET.fromstring(ladder.svg(*prims))
        ladder.text(lad)
        self.assertLess(time.monotonic() - start, 1.0)
        self.assertEqual(len(lad.arrows), 400)
        self.assertEqual(len([a for a in lad.arrows if a.lost]), 4)


if __name__ == "__main__":
    unittest.main()
