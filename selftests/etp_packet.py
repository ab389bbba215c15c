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


if __name__ == "__main__":
    # etp_packet.py KIND DST: send one segment of a kind the tests use.
    import sys
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
