# SPDX-License-Identifier: GPL-2.0
"""pcapng.py: a small pcapng writer and a pcapng/pcap reader, stdlib only.

The lab writes what it captured at both ends of a connection as one pcapng
file (the draft-ietf-opsawg-pcapng format that Wireshark and tshark read):

    with open("run.pcapng", "wb") as f:
        w = Writer(f, comment="experiment: lost last ACK\\nvariant: standard")
        c = w.interface("client")                # LINKTYPE_RAW: IPv4 packets
        s = w.interface("server")
        w.packet(c, ts_ns, ip_bytes, comment="etp: client SYN_SENT -> ...")

A Section Header Block with the comment (several lines allowed), one
Interface Description Block per capture end (if_name, if_tsresol = 9:
nanoseconds), one Enhanced Packet Block per packet with its optional
comment. read(path) reads that, what tshark and dumpcap write (SHB, IDB,
EPB and SPB, either byte order, several sections, if_tsresol and
if_tsoffset honoured, microseconds by default) and classic libpcap files
(microsecond and nanosecond magic, either byte order), and returns Record
tuples: (iface, name, linktype, ts_ns, data, comment). ip_packet() finds
the IPv4 packet in a record of the usual link types.
"""
import collections
import struct

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_LINUX_SLL2 = 276

SHB, IDB, PB, SPB, EPB = 0x0A0D0D0A, 1, 2, 3, 6
BYTE_ORDER_MAGIC = 0x1A2B3C4D
OPT_END, OPT_COMMENT = 0, 1
IF_NAME, IF_TSRESOL, IF_TSOFFSET = 2, 9, 14
SHB_USERAPPL = 4
PCAP_MAGIC_US, PCAP_MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D

Record = collections.namedtuple("Record", "iface name linktype ts_ns data comment")


class FormatError(Exception):
    """The file is not pcapng or pcap, or is cut short or damaged."""


def _pad(data):
    return data + b"\0" * (-len(data) % 4)


class Writer:
    """Writes one pcapng section to a binary file object: the SHB at once,
    then IDBs and EPBs as interface() and packet() are called."""

    def __init__(self, f, comment=None, application="ETP lab", byteorder="<"):
        self.f = f
        self.bo = byteorder
        self.ifaces = []
        opts = self._options([(OPT_COMMENT, comment), (SHB_USERAPPL, application)])
        # Version 1.0, section length -1: not given.
        self._block(SHB, struct.pack(self.bo + "IHHq", BYTE_ORDER_MAGIC, 1, 0, -1) + opts)

    def _options(self, opts):
        out = b""
        for code, value in opts:
            if value is None:
                continue
            if isinstance(value, str):
                value = value.encode("utf-8")
            out += struct.pack(self.bo + "HH", code, len(value)) + _pad(value)
        return out + struct.pack(self.bo + "HH", OPT_END, 0) if out else b""

    def _block(self, btype, body):
        length = 12 + len(body)
        self.f.write(struct.pack(self.bo + "II", btype, length) + body +
                     struct.pack(self.bo + "I", length))

    def interface(self, name, linktype=LINKTYPE_RAW, snaplen=262144):
        """An Interface Description Block; returns its index for packet()."""
        opts = self._options([(IF_NAME, name), (IF_TSRESOL, bytes([9]))])
        self._block(IDB, struct.pack(self.bo + "HHI", linktype, 0, snaplen) + opts)
        self.ifaces.append(name)
        return len(self.ifaces) - 1

    def packet(self, iface, ts_ns, data, comment=None):
        """An Enhanced Packet Block: DATA seen on interface IFACE at TS_NS
        (nanoseconds since the epoch), with an optional comment."""
        if not 0 <= iface < len(self.ifaces):
            raise ValueError("no interface %r" % iface)
        head = struct.pack(self.bo + "IIIII", iface, ts_ns >> 32, ts_ns & 0xFFFFFFFF,
                           len(data), len(data))
        self._block(EPB, head + _pad(bytes(data)) + self._options([(OPT_COMMENT, comment)]))


def write(path, interfaces, packets, comment=None):
    """Write a whole file: INTERFACES a list of names (or (name, linktype)),
    PACKETS (iface, ts_ns, data[, comment]) tuples."""
    with open(path, "wb") as f:
        w = Writer(f, comment=comment)
        for i in interfaces:
            w.interface(*((i,) if isinstance(i, str) else i))
        for p in packets:
            w.packet(*p)


def _parse_options(data, bo):
    """The options of a block body tail: a list of (code, bytes)."""
    out, off = [], 0
    while off + 4 <= len(data):
        code, length = struct.unpack_from(bo + "HH", data, off)
        if code == OPT_END:
            break
        out.append((code, data[off + 4:off + 4 + length]))
        off += 4 + length + (-length % 4)
    return out


def _tsresol(raw):
    """if_tsresol: units per second, as (base, exponent)."""
    return (2, raw & 0x7F) if raw & 0x80 else (10, raw)


def _to_ns(ts, resol):
    base, exp = resol
    if base == 2:
        return (ts * 10**9) >> exp
    return ts * 10**(9 - exp) if exp <= 9 else ts // 10**(exp - 9)


def _text(value):
    return value.decode("utf-8", errors="replace").rstrip("\0")


class _Iface:
    def __init__(self, linktype, opts, bo):
        self.linktype = linktype
        self.name = None
        self.resol = (10, 6)
        self.offset = 0
        for code, value in opts:
            if code == IF_NAME:
                self.name = _text(value)
            elif code == IF_TSRESOL and value:
                self.resol = _tsresol(value[0])
            elif code == IF_TSOFFSET and len(value) == 8:
                self.offset = struct.unpack(bo + "q", value)[0]


def _read_pcapng(data):
    out, ifaces, bo, off = [], [], "<", 0
    while off + 12 <= len(data):
        btype = struct.unpack_from(bo + "I", data, off)[0]
        if btype == SHB:
            magic = data[off + 8:off + 12]
            bo = "<" if magic == struct.pack("<I", BYTE_ORDER_MAGIC) else ">"
            if struct.unpack(bo + "I", magic)[0] != BYTE_ORDER_MAGIC:
                raise FormatError("bad byte-order magic at offset %d" % off)
            ifaces = []
        btype, length = struct.unpack_from(bo + "II", data, off)
        if length < 12 or length % 4 or off + length > len(data):
            raise FormatError("block at offset %d: bad length %d" % (off, length))
        body = data[off + 8:off + length - 4]
        _read_block(btype, body, bo, ifaces, out)
        off += length
    return out


def _read_block(btype, body, bo, ifaces, out):
    if btype == IDB:
        linktype = struct.unpack_from(bo + "H", body)[0]
        ifaces.append(_Iface(linktype, _parse_options(body[8:], bo), bo))
    elif btype in (EPB, PB):
        if btype == EPB:
            idx, hi, lo, caplen, _ = struct.unpack_from(bo + "IIIII", body)
        else:
            idx, _, hi, lo, caplen, _ = struct.unpack_from(bo + "HHIIII", body)
        if idx >= len(ifaces):
            raise FormatError("a packet on interface %d, which is not described" % idx)
        i = ifaces[idx]
        opts = _parse_options(body[20 + caplen + (-caplen % 4):], bo)
        comment = "\n".join(_text(v) for c, v in opts if c == OPT_COMMENT) or None
        ts = _to_ns((hi << 32) | lo, i.resol) + i.offset * 10**9
        out.append(Record(idx, i.name, i.linktype, ts, body[20:20 + caplen], comment))
    elif btype == SPB:
        if not ifaces:
            raise FormatError("a simple packet before any interface")
        origlen = struct.unpack_from(bo + "I", body)[0]
        out.append(Record(0, ifaces[0].name, ifaces[0].linktype, 0,
                          body[4:4 + origlen], None))


def _read_pcap(data):
    for bo in "<>":
        magic = struct.unpack_from(bo + "I", data)[0]
        if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
            break
    scale = 1000 if magic == PCAP_MAGIC_US else 1
    linktype = struct.unpack_from(bo + "I", data, 20)[0] & 0xFFFF
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack_from(bo + "IIII", data, off)
        if off + 16 + caplen > len(data):
            raise FormatError("packet at offset %d cut short" % off)
        out.append(Record(0, None, linktype, sec * 10**9 + frac * scale,
                          data[off + 16:off + 16 + caplen], None))
        off += 16 + caplen
    return out


def parse(data):
    """The records of a pcapng or pcap file's contents (bytes)."""
    if len(data) >= 12 and data[:4] == b"\x0a\x0d\x0d\x0a":
        return _read_pcapng(data)
    if len(data) >= 24 and data[:4] in (struct.pack(b + "I", m) for b in "<>"
                                        for m in (PCAP_MAGIC_US, PCAP_MAGIC_NS)):
        return _read_pcap(data)
    raise FormatError("neither pcapng nor pcap")


def read(path):
    """The records of the pcapng or pcap file PATH. Raises OSError and FormatError."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return parse(data)
    except struct.error as e:
        raise FormatError("cut short (%s)" % e) from None


def ip_packet(linktype, data):
    """The IPv4 packet in a captured frame of LINKTYPE, or None."""
    proto, off = None, 0
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, 12, 14):
        proto = 0x0800 if data[:1] and data[0] >> 4 == 4 else None
    elif linktype == LINKTYPE_ETHERNET and len(data) >= 14:
        proto, off = struct.unpack_from("!H", data, 12)[0], 14
        while proto in (0x8100, 0x88A8) and len(data) >= off + 4:
            proto, off = struct.unpack_from("!H", data, off + 2)[0], off + 4
    elif linktype == LINKTYPE_LINUX_SLL and len(data) >= 16:
        proto, off = struct.unpack_from("!H", data, 14)[0], 16
    elif linktype == LINKTYPE_LINUX_SLL2 and len(data) >= 20:
        proto, off = struct.unpack_from("!H", data, 0)[0], 20
    elif linktype == LINKTYPE_NULL and len(data) >= 4:
        family = struct.unpack_from("<I", data)[0]
        if family not in (2, 2 << 24):
            return None
        proto, off = 0x0800, 4
    if proto != 0x0800:
        return None
    return bytes(data[off:])
