# SPDX-License-Identifier: GPL-2.0
"""Craft ETP segments (TCP's header layout on ETP's protocol number) without
scapy, for tests that need raw packets and start fast."""
import os
import socket
import struct


def proto():
    try:
        with open("/sys/module/etp/parameters/proto") as f:
            return int(f.read())
    except OSError:
        return 253


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20


def segment(src, dst, sport, dport, seq=0, ack=0, flags=SYN, window=65535,
            options=b"", payload=b"", doff=None, bad_csum=False):
    """Header + payload with the checksum over the IPv4 pseudo-header."""
    if doff is None:
        doff = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags,
                      window, 0, 0) + options
    pseudo = struct.pack("!4s4sBBH", socket.inet_aton(src),
                         socket.inet_aton(dst), 0, proto(),
                         len(hdr) + len(payload))
    c = csum(pseudo + hdr + payload)
    if bad_csum:
        c ^= 0x5555
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + payload


def send(dst, data):
    """Send raw bytes as the payload of an IP packet of ETP's protocol."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto())
    try:
        s.sendto(data, (dst, 0))
    finally:
        s.close()


def pcap_frames(path):
    """The frames of a capture in the classic pcap format (dumpcap -P):
    read here in a fraction of the seconds tshark takes to start in a TCG
    guest."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError("%s is not a pcap file (dumpcap -P writes one)" % path)
    link = struct.unpack(end + "I", data[20:24])[0]
    if link != 1:
        raise ValueError("%s: link type %d, not Ethernet" % (path, link))
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def pcap_protos(path, port):
    """The IP protocol of each IPv4 packet of the capture PATH whose
    transport header (TCP's layout, as ETP's) has PORT as either port."""
    out = []
    for fr in pcap_frames(path):
        if len(fr) < 34 or fr[12:14] != b"\x08\x00":
            continue
        ip = fr[14:]
        ihl = (ip[0] & 15) * 4
        if len(ip) < ihl + 4:
            continue
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        if port in (sport, dport):
            out.append(ip[9])
    return out


if __name__ == "__main__":
    # etp_packet.py KIND DST: send one segment of a kind the tests use.
    import sys
    if sys.argv[1] == "pcap-protos":
        # etp_packet.py pcap-protos FILE PORT: one protocol number a line.
        for p in pcap_protos(sys.argv[2], int(sys.argv[3])):
            print(p)
        sys.exit(0)
    kind, dst = sys.argv[1], sys.argv[2]
    port = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    good = segment(dst, dst, 40000 + os.getpid() % 1000, port)
    if kind == "good":
        # A well-formed RST: no one answers a RST, so it is all that arrives.
        send(dst, segment(dst, dst, 40000, port, flags=RST))
    elif kind == "syn":
        send(dst, good)
    elif kind == "badcsum":
        send(dst, segment(dst, dst, 40000, port, bad_csum=True))
    elif kind == "short":
        send(dst, good[:12])
    elif kind == "baddoff":
        send(dst, segment(dst, dst, 40000, port, doff=15))
    else:
        sys.exit("unknown kind " + kind)
