# SPDX-License-Identifier: GPL-2.0
"""world.py: the lab's small world, made anew for every run of an experiment.

Three network namespaces: the client (10.199.18.1 on c0), the server
(10.199.18.2 on s0) and, between them, the wire: a namespace of its own
whose two veth ends (w0 to the client, w1 to the server) are joined by a
relay in this process, not by a bridge, so that an experiment can do what
netem cannot: lose one chosen segment, hold a SYN back and let it go later,
keep a copy of a segment and replay it, inject a segment no end sent. netem
adds a fixed delay (DELAY_MS) on each side, so that the two ends' time lines
are apart. Every frame is captured at both ends (c0 and s0, with the
kernel's receive timestamps); ETP's tracepoints for the two namespaces are
read on the same monotonic clock. The run's record is then a pcapng of both
ends with the state changes as packet comments (tools/lab/pcapng.py), and
the trace in tools/etp-trace's text, which tools/etp-ladder reads.

Everything runs in one process: the relay and capture in a thread of its
own (one select() over four packet sockets), the trace reader in another,
the experiment's applications in the caller's thread, with sockets made in
the namespace they belong to (a socket keeps its namespace).
"""
import contextlib
import ctypes
import importlib.machinery
import os
import select
import socket
import struct
import subprocess
import threading
import time

import pcapng

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENT, SERVER, ATTACKER = "10.199.18.1", "10.199.18.2", "10.199.18.3"
MAC = {"c": bytes.fromhex("020000001801"), "s": bytes.fromhex("020000001802"),
       "x": bytes.fromhex("020000001803")}
DELAY_MS = 10
ETH_P_ALL, ETH_P_IP = 0x0003, 0x0800
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35
CLONE_NEWNET = 0x40000000
ETP_VARIANT = 1000

_libc = ctypes.CDLL(None, use_errno=True)


def etp_proto():
    try:
        with open("/sys/module/etp/parameters/proto") as f:
            return int(f.read())
    except OSError:
        return 253


def trace_tool():
    """tools/etp-trace as a module: its tracefs Instance and describe()."""
    loader = importlib.machinery.SourceFileLoader("etp_trace_tool",
                                                  os.path.join(TOP, "tools", "etp-trace"))
    return loader.load_module()


class LabError(Exception):
    """The world could not be made, or a run could not go on."""


def sh(*cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise LabError("%s: %s" % (" ".join(cmd), (r.stderr or r.stdout).strip()))
    return r.stdout


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Seg:
    """An ETP segment in an Ethernet frame, parsed (or None fields)."""
    FLAGS = "FSRPAU"

    def __init__(self, frame, proto):
        self.frame = frame
        self.etp = False
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            return
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != proto or len(ip) < ihl + 20:
            return
        self.etp = True
        self.src = socket.inet_ntoa(ip[12:16])
        self.dst = socket.inet_ntoa(ip[16:20])
        self.ipid = struct.unpack("!H", ip[4:6])[0]
        h = ip[ihl:]
        (self.sport, self.dport, self.seq, self.ack, off, self.bits,
         self.win) = struct.unpack("!HHIIBBH", h[:16])
        tot = struct.unpack("!H", ip[2:4])[0]
        self.len = tot - ihl - (off >> 4) * 4
        self.payload = bytes(h[(off >> 4) * 4:(off >> 4) * 4 + self.len])

    def has(self, flags):
        """Exactly these flags ("SA", "A", "FA", "R"...)."""
        want = 0
        for i, f in enumerate(self.FLAGS):
            if f in flags:
                want |= 1 << i
        return self.etp and (self.bits & 0x3f) == want

    def flags(self):
        return "".join(f for i, f in enumerate(self.FLAGS) if self.bits & (1 << i)) or "."

    def __repr__(self):
        if not self.etp:
            return "<frame %d bytes>" % len(self.frame)
        return "%s:%d > %s:%d %s seq=%d ack=%d len=%d" % (
            self.src, self.sport, self.dst, self.dport, self.flags(), self.seq,
            self.ack, self.len)


def segment_frame(src, dst, sport, dport, seq, ack, flags, proto, payload=b"",
                  window=65535, dst_mac=MAC["s"], src_mac=MAC["x"]):
    """An Ethernet frame with an IPv4 ETP segment, checksums right."""
    bits = sum(1 << i for i, f in enumerate(Seg.FLAGS) if f in flags)
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq % (1 << 32), ack % (1 << 32),
                      5 << 4, bits, window, 0, 0)
    pseudo = s + d + struct.pack("!BBH", 0, proto, len(hdr) + len(payload))
    csum = checksum(pseudo + hdr + payload)
    hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(hdr) + len(payload),
                     int.from_bytes(os.urandom(2), "big"), 0x4000, 64, proto, 0, s, d)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + hdr + payload


class Rule:
    """What the wire does to the segments PRED matches: drop, hold, copy."""

    def __init__(self, action, pred, count, why):
        self.action, self.pred, self.count, self.why = action, pred, count, why
        self.hits = 0


@contextlib.contextmanager
def netns(name):
    """Run the block with this thread in namespace NAME (sockets made in it
    stay there)."""
    back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(fd, CLONE_NEWNET):
            raise LabError("setns %s: %s" % (name, os.strerror(ctypes.get_errno())))
        yield
    finally:
        _libc.setns(back, CLONE_NEWNET)
        os.close(fd)
        os.close(back)


class World:
    """The three namespaces, the relay, the captures and the trace."""

    def __init__(self, settings=None, delay_ms=DELAY_MS, override=None):
        self.proto = etp_proto()
        tag = "lab%d%s" % (os.getpid(), os.urandom(2).hex())
        self.ns = {"c": tag + "c", "w": tag + "w", "s": tag + "s"}
        self.rules = []
        self.held = []			# (rule, direction, frame)
        self.copies = []		# (rule, direction, frame)
        self.frames = []		# (t_ns, end, outgoing, frame)
        self.wire_log = []		# (t_ns, direction, Seg, what)
        self.events = []		# (t_ns, event, fields)
        self.lock = threading.Condition()
        self.stop = False
        self.threads = []
        self.socks = []			# the applications' sockets, closed last
        self.made = []
        self.tr = None
        # Settings that win over the experiment's own (etp-lab --variant).
        self.override = dict(override or {})
        try:
            self._make(delay_ms)
            self.settings(dict(settings or {}, **self.override))
            self._open_sockets()
            self._start_trace()
            for fn in (self._pump, self._read_trace):
                th = threading.Thread(target=fn, daemon=True)
                th.start()
                self.threads.append(th)
        except BaseException:
            self.close()
            raise

    # --- making it ------------------------------------------------------

    def _make(self, delay_ms):
        c, w, s = self.ns["c"], self.ns["w"], self.ns["s"]
        for n in (c, w, s):
            sh("ip", "netns", "add", n)
            self.made.append(n)
            with netns(n):
                for k in ("all", "default"):
                    with open("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % k, "w") as f:
                        f.write("1")
        sh("ip", "link", "add", "c0", "netns", c, "address", MAC["c"].hex(":"), "type",
           "veth", "peer", "name", "w0", "netns", w)
        sh("ip", "link", "add", "s0", "netns", s, "address", MAC["s"].hex(":"), "type",
           "veth", "peer", "name", "w1", "netns", w)
        batch = {
            c: ["link set lo up", "addr add %s/24 dev c0" % CLIENT, "link set c0 up",
                "neigh replace %s lladdr %s dev c0 nud permanent" % (SERVER, MAC["s"].hex(":")),
                "neigh replace %s lladdr %s dev c0 nud permanent" % (ATTACKER, MAC["x"].hex(":"))],
            s: ["link set lo up", "addr add %s/24 dev s0" % SERVER, "link set s0 up",
                "neigh replace %s lladdr %s dev s0 nud permanent" % (CLIENT, MAC["c"].hex(":")),
                "neigh replace %s lladdr %s dev s0 nud permanent" % (ATTACKER, MAC["x"].hex(":")),
                # Forged sources (a SYN flood): answered towards the wire.
                "route add 10.200.0.0/16 via %s dev s0" % ATTACKER],
            w: ["link set lo up", "link set w0 up", "link set w1 up"],
        }
        for n, cmds in batch.items():
            r = subprocess.run(["ip", "-n", n, "-batch", "-"], input="\n".join(cmds) + "\n",
                               capture_output=True, text=True)
            if r.returncode:
                raise LabError("ip -n %s: %s" % (n, r.stderr.strip()))
        # Relayed frames must carry real checksums, and wire-sized segments.
        for n, dev in ((c, "c0"), (s, "s0")):
            sh("ip", "netns", "exec", n, "ethtool", "-K", dev, "tx", "off", "tso", "off",
               "gso", "off", "tx-sctp-segmentation", "off")
        if delay_ms:
            for dev in ("w0", "w1"):
                sh("ip", "netns", "exec", w, "tc", "qdisc", "add", "dev", dev, "root",
                   "netem", "delay", "%dms" % delay_ms)

    def settings(self, values, ends="cs"):
        """ETP sysctls (name: value) in the client's and the server's
        namespaces (ENDS: "c", "s" or both); the world's override wins."""
        values = dict(values, **{k: v for k, v in self.override.items() if k in values})
        for end in ends:
            with netns(self.ns[end]):
                for k, v in values.items():
                    path = "/proc/sys/net/etp/%s" % k
                    try:
                        with open(path, "w") as f:
                            f.write("%s\n" % v)
                    except OSError as e:
                        raise LabError("net.etp.%s=%s: %s" % (k, v, e.strerror))

    def sysctl(self, end, path, value):
        """Any /proc/sys/PATH in END's namespace."""
        with netns(self.ns[end]):
            with open("/proc/sys/" + path, "w") as f:
                f.write("%s\n" % value)

    def _packet_socket(self, end, dev):
        with netns(self.ns[end]):
            p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        p.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        p.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        p.bind((dev, ETH_P_ALL))
        return p

    def _open_sockets(self):
        self.cap = {"c": self._packet_socket("c", "c0"), "s": self._packet_socket("s", "s0")}
        self.port = {"w0": self._packet_socket("w", "w0"), "w1": self._packet_socket("w", "w1")}
        # Realtime receive stamps to the monotonic clock the trace uses.
        self.real_to_mono = time.clock_gettime_ns(time.CLOCK_MONOTONIC) - time.time_ns()

    def _start_trace(self):
        tool = trace_tool()
        self.trace_mod = tool
        top = tool.tracefs()
        inos = [os.stat("/run/netns/" + self.ns[e]).st_ino for e in "cs"]
        self.ino_end = {str(inos[0]): "c", str(inos[1]): "s"}
        filt = " || ".join("netns == %d" % i for i in inos)
        self.tr = tool.Instance(top, filt)
        self.pipe = os.open(os.path.join(self.tr.dir, "trace_pipe"), os.O_RDONLY | os.O_NONBLOCK)

    # --- running ----------------------------------------------------------

    def _pump(self):
        socks = list(self.cap.values()) + list(self.port.values())
        names = {id(v): k for k, v in list(self.cap.items()) + list(self.port.items())}
        while not self.stop:
            r, _, _ = select.select(socks, [], [], 0.05)
            for sk in r:
                try:
                    data, anc, _, addr = sk.recvmsg(65600, 64)
                except BlockingIOError:
                    continue
                ts = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
                for lvl, typ, val in anc:
                    if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                        sec, ns = struct.unpack("qq", val[:16])
                        ts = sec * 10**9 + ns + self.real_to_mono
                name = names[id(sk)]
                out = addr[2] == PACKET_OUTGOING
                if name in ("c", "s"):
                    with self.lock:
                        self.frames.append((ts, name, out, data))
                        self.lock.notify_all()
                elif not out:
                    self._relay("c2s" if name == "w0" else "s2c", data, ts)

    def _send(self, direction, frame):
        self.port["w1" if direction == "c2s" else "w0"].send(frame)

    def _relay(self, direction, frame, ts):
        seg = Seg(frame, self.proto)
        with self.lock:
            for rule in self.rules:
                if rule.count and seg.etp and rule.pred(direction, seg):
                    rule.count -= 1
                    rule.hits += 1
                    self.wire_log.append((ts, direction, seg, "%s (%s)" % (rule.action, rule.why)))
                    if rule.action == "copy":
                        self.copies.append((rule, direction, frame))
                        continue
                    if rule.action == "hold":
                        self.held.append((rule, direction, frame))
                    self.lock.notify_all()
                    return
            self.lock.notify_all()
        self._send(direction, frame)

    def _read_trace(self):
        line_re, field_re = self.trace_mod.LINE, self.trace_mod.FIELD
        buf = b""
        while not self.stop:
            r, _, _ = select.select([self.pipe], [], [], 0.05)
            if not r:
                continue
            try:
                buf += os.read(self.pipe, 65536)
            except BlockingIOError:
                continue
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                m = line_re.match(raw.decode(errors="replace"))
                if not m:
                    continue
                f = dict(field_re.findall(m.group("rest")))
                ts = int(round(float(m.group("ts")) * 1e9))
                with self.lock:
                    self.events.append((ts, m.group("event"), f))
                    self.lock.notify_all()

    # --- what experiments use ----------------------------------------------

    def rule(self, action, pred, count=1, why=""):
        """Drop, hold or copy the next COUNT ETP segments PRED(direction,
        seg) matches ("c2s": client to server)."""
        r = Rule(action, pred, count, why)
        with self.lock:
            self.rules.append(r)
        return r

    def release(self, rule=None):
        """Send on what RULE (or every rule) held, in order."""
        with self.lock:
            go = [h for h in self.held if rule is None or h[0] is rule]
            self.held = [h for h in self.held if h not in go]
        for _, direction, frame in go:
            self._send(direction, frame)
        return len(go)

    def replay(self, rule=None, direction=None):
        """Send a copy RULE kept again (towards its destination, or the
        other way with DIRECTION)."""
        with self.lock:
            go = [c for c in self.copies if rule is None or c[0] is rule]
        for r, d, frame in go:
            d = direction or d
            self.wire_log.append((time.clock_gettime_ns(time.CLOCK_MONOTONIC), d,
                                  Seg(frame, self.proto), "replayed (%s)" % r.why))
            self._send(d, frame)
        return len(go)

    def inject(self, direction, frame, why="injected"):
        self.wire_log.append((time.clock_gettime_ns(time.CLOCK_MONOTONIC), direction,
                              Seg(frame, self.proto), why))
        self._send(direction, frame)

    def until(self, cond, what, timeout=30.0):
        """Wait for COND() (under the world's lock, re-checked as frames and
        events come) or fail after TIMEOUT s (times ETP_LAB_SLOW)."""
        end = time.monotonic() + timeout * float(os.environ.get("ETP_LAB_SLOW", "1"))
        with self.lock:
            while True:
                v = cond()
                if v:
                    return v
                left = end - time.monotonic()
                if left <= 0:
                    raise LabError("waited %.0f s for %s" % (timeout, what))
                self.lock.wait(min(left, 0.1))

    def state_changes(self, end=None, new=None, old=None, event=None):
        """The etp_state_change events (fields) so far, filtered."""
        out = []
        for ts, ev, f in self.events:
            if ev != "etp_state_change":
                continue
            if end and self.ino_end.get(f.get("netns")) != end:
                continue
            if new and f.get("newstate") != new:
                continue
            if old and f.get("oldstate") != old:
                continue
            if event and f.get("event") != event:
                continue
            out.append((ts, f))
        return out

    def trace_events(self, name, end=None):
        return [(ts, f) for ts, ev, f in self.events
                if ev == name and (end is None or self.ino_end.get(f.get("netns")) == end)]

    def segs(self, end, outgoing, pred=lambda s: True):
        """Segments captured at END, sent (OUTGOING) or received there."""
        out = []
        for ts, e, o, frame in self.frames:
            if e == end and o == outgoing:
                s = Seg(frame, self.proto)
                if s.etp and pred(s):
                    out.append((ts, s))
        return out

    def socket(self, end, variant=None):
        """An ETP socket in END's namespace; VARIANT: its ETP_VARIANT text.
        The world keeps it until close(), so that what the record shows ends
        with the experiment, not with its sockets' teardown."""
        with netns(self.ns[end]):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, self.proto)
        self.socks.append(s)
        if variant:
            s.setsockopt(self.proto, ETP_VARIANT, variant.encode())
        return s

    def stat(self, end, name):
        with netns(self.ns[end]):
            with open("/proc/thread-self/net/etp_stat") as f:
                names, values = f.read().splitlines()[:2]
        return dict(zip(names.split()[1:], map(int, values.split()[1:])))[name]

    def proc_lines(self, end):
        with netns(self.ns[end]):
            with open("/proc/thread-self/net/etp") as f:
                return f.read().splitlines()[1:]

    # --- the record -----------------------------------------------------------

    def first_segment(self):
        """When the first ETP segment was captured (ns, monotonic), or None."""
        for ts, _, _, frame in self.frames:
            if Seg(frame, self.proto).etp:
                return ts
        return None

    def timeline(self, t0=None):
        """The trace in tools/etp-trace's words, one line per event, in ms
        since T0 (default: the first segment captured, which is also
        tools/etp-ladder's 0: --trace-offset 0 lines them up)."""
        lines = []
        if t0 is None:
            t0 = self.first_segment()
        if t0 is None:
            t0 = self.events[0][0] if self.events else 0
        who = {"c": "client", "s": "server"}
        for ts, ev, f in self.events:
            conn = "%s:%s -> %s:%s" % (f.get("saddr"), f.get("sport"),
                                       f.get("daddr"), f.get("dport"))
            end = who.get(self.ino_end.get(f.get("netns")), "?")
            lines.append("%+10.3f ms  %s  %-44s %s" % ((ts - t0) / 1e6, end, conn,
                                                       self.trace_mod.describe(ev, f)))
        return lines

    def write_pcapng(self, path, comment):
        """Both ends' frames, with the state changes and the wire's doings as
        packet comments on the nearest packet of the end they belong to."""
        notes = {}

        def note(end, ts, text):
            cands = [i for i, (t, e, o, fr) in enumerate(self.frames) if e == end]
            if not cands:
                return
            i = min(cands, key=lambda k: abs(self.frames[k][0] - ts))
            notes.setdefault(i, []).append(text)
        who = {"c": "client", "s": "server"}
        for ts, f in self.state_changes():
            end = self.ino_end.get(f.get("netns"))
            variant = f.get("variant", "standard")
            note(end, ts, "etp: %s %s -> %s (%s) [%s]" % (
                who[end], f.get("oldstate"), f.get("newstate"), f.get("event"), variant))
        for ts, direction, seg, what in self.wire_log:
            end = "c" if direction == "c2s" else "s"
            note(end, ts, "etp: wire: %s: %r" % (what, seg))
        with open(path, "wb") as f:
            w = pcapng.Writer(f, comment=comment)
            ifc = {"c": w.interface("client", pcapng.LINKTYPE_ETHERNET),
                   "s": w.interface("server", pcapng.LINKTYPE_ETHERNET)}
            for i, (ts, end, out, frame) in enumerate(self.frames):
                text = "\n".join(notes.get(i, [])) or None
                w.packet(ifc[end], ts, frame, comment=text)

    def finish(self):
        """Stop recording (the relay and the trace): what the record holds
        ends here."""
        time.sleep(0.05)            # the last frames and events on their way
        self.stop = True
        for th in self.threads:
            th.join(2)
        self.threads = []

    def close(self):
        self.finish()
        for s in self.socks:
            s.close()
        if self.tr:
            os.close(self.pipe)
            self.tr.close()
        for group in (getattr(self, "cap", {}), getattr(self, "port", {})):
            for p in group.values():
                p.close()
        for n in self.made:
            subprocess.run(["ip", "netns", "del", n], capture_output=True)


def is_(flags, direction=None):
    """A predicate: segments with exactly FLAGS (and going DIRECTION)."""
    return lambda d, s: s.has(flags) and (direction is None or d == direction)
