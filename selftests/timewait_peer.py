# SPDX-License-Identifier: GPL-2.0
"""The remote end for timewait.sh, made with scapy: a host with no ETP stack
of its own (its veth has no address, so its kernel drops what comes) that
opens a connection to an ETP listener, lets the ETP side close first, closes
in turn, and then probes the ETP side's TIME_WAIT entry.

    timewait_peer.py SCENARIO APP_PID

runs in the peer's namespace; APP_PID is a process in the ETP namespace (its
/proc/PID/net/etp and etp_stat are read). The ETP application accepts on
10.199.2.1:7000, closes the first connection at once and keeps the second.
Prints what it does; exits non-zero with "FAIL: ..." when ETP misbehaves.
"""
import os
import random
import select
import socket
import sys
import time

from etp_util import (PROTO, TCP_MODE, count, expect, fail, find, log, stat,
                      states, wait, watch_netns_of)
import etp_packet

from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402

A, B = "10.199.2.1", "10.199.2.2"
MAC_A, MAC_B = "02:00:00:00:02:01", "02:00:00:00:02:02"
APORT, BPORT = 7000, 40000
IFACE = "vb"


class Peer:
    def __init__(self):
        self.s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                               socket.htons(0x0800))
        self.s.bind((IFACE, 0x0800))
        self.seen = []

    def send(self, flags, seq, ack, options=(), payload=b""):
        """One segment from B to A, its checksum over the pseudo-header
        of ETP's protocol (scapy's TCP would use 6)."""
        seg = bytes(TCP(sport=BPORT, dport=APORT, seq=seq % 2**32,
                        ack=ack % 2**32, flags=flags, window=65535,
                        options=list(options), chksum=0)) + payload
        ph = (socket.inet_aton(B) + socket.inet_aton(A) +
              bytes([0, PROTO]) + len(seg).to_bytes(2, "big"))
        c = etp_packet.csum(ph + seg)
        seg = seg[:16] + c.to_bytes(2, "big") + seg[18:]
        frame = (Ether(src=MAC_B, dst=MAC_A) /
                 IP(src=B, dst=A, proto=PROTO, ttl=64) / Raw(seg))
        self.s.send(bytes(frame))
        log("B -> A %s seq=%d ack=%d" % (flags, seq % 2**32, ack % 2**32))

    def recv(self, timeout):
        """The next segment from A (a scapy TCP), None after TIMEOUT s."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.s], [], [], left)[0]:
                return None
            data = self.s.recv(65535)
            ip = Ether(data).getlayer(IP)
            if ip is None or ip.proto != PROTO or ip.src != A or ip.dst != B:
                continue
            t = TCP(bytes(ip.payload)[:ip.len - ip.ihl * 4])
            log("A -> B %s seq=%d ack=%d len=%d" %
                (t.flags, t.seq, t.ack, len(t.payload)))
            self.seen.append(t)
            return t

    def expect(self, what, cond, timeout=2.0):
        """The next segment from A matching COND, within TIMEOUT s."""
        end = time.monotonic() + timeout
        while True:
            t = self.recv(max(0, end - time.monotonic()))
            if t is None:
                fail("expected %s from the ETP side within %.1f s" %
                     (what, timeout))
            if cond(t):
                return t

    def quiet(self, what, cond, timeout):
        """No segment from A matching COND for TIMEOUT s."""
        end = time.monotonic() + timeout
        while True:
            t = self.recv(max(0, end - time.monotonic()))
            if t is None:
                return
            if cond(t):
                fail("unexpected %s: %s seq=%d ack=%d" %
                     (what, t.flags, t.seq, t.ack))


def flags(t, want):
    return str(t.flags) == want


def tw_entry():
    return count(APORT, BPORT, "TIME_WAIT") == 1


def into_time_wait(p):
    """Open a connection to A, let A close it first, close it too: A's end is
    left in TIME_WAIT. Returns (B's ISN, A's ISN)."""
    x = random.randrange(1 << 31)
    p.send("S", x, 0, options=[("MSS", 1460)])
    t = p.expect("a SYN-ACK", lambda t: flags(t, "SA") and t.ack == x + 1)
    y = t.seq
    p.send("A", x + 1, y + 1)
    # The application accepts and closes: A's FIN.
    t = p.expect("the FIN of the application's close",
                 lambda t: "F" in str(t.flags), timeout=5)
    expect(t.seq == (y + 1) % 2**32 and t.ack == x + 1,
           "A's FIN: seq %d ack %d, expected %d %d" % (t.seq, t.ack, y + 1, x + 1))
    p.send("A", x + 1, y + 2)
    expect(wait(lambda: count(APORT, BPORT, "FIN_WAIT2") == 1, 2),
           "A after the ACK of its FIN: expected FIN_WAIT2 (05), got %s"
           % states(APORT, BPORT))
    p.send("FA", x + 1, y + 2)
    p.expect("the ACK of our FIN",
             lambda t: flags(t, "A") and t.ack == (x + 2) % 2**32)
    expect(wait(tw_entry, 2),
           "A after both FINs: expected TIME_WAIT (06), got %s" % states(APORT, BPORT))
    if stat("TimeWaitEntered") is not None:
        expect(stat("TimeWaitEntered") == 1, "TimeWaitEntered: %s" % stat("TimeWaitEntered"))
    return x, y


def when(e):
    return e[0]["when"] if e else None


def fin_reacked(p):
    """msl_ms 1000: a FIN retransmitted 1.2 s into TIME_WAIT is ACKed again
    and the 2 s start over."""
    x, y = into_time_wait(p)
    t_tw = time.monotonic()
    time.sleep(1.2)
    before = when(find(APORT, BPORT, "TIME_WAIT"))
    expect(tw_entry(), "TIME_WAIT gone 1.2 s in, 2*msl_ms = 2 s")
    t_fin = time.monotonic()
    p.send("FA", x + 1, y + 2)
    p.expect("an ACK of the retransmitted FIN",
             lambda t: flags(t, "A") and t.ack == (x + 2) % 2**32, timeout=1)
    after = when(find(APORT, BPORT, "TIME_WAIT"))
    log("TIME_WAIT timer (tm->when) before the FIN: %s, after: %s" % (before, after))
    # The timer column, when it is filled in, shows the restart too.
    if before and after is not None:
        expect(after > before, "tm->when of the TIME_WAIT entry went from %s to %s "
               "across the retransmitted FIN: not restarted" % (before, after))
    if stat("TimeWaitFinReAcked") is not None:
        expect(wait(lambda: stat("TimeWaitFinReAcked") == 1, 1),
               "TimeWaitFinReAcked: expected 1, got %s" % stat("TimeWaitFinReAcked"))
    if TCP_MODE:
        return
    # Past the first deadline (t_tw + 2 s at the latest), the entry is there.
    time.sleep(max(0, t_tw + 2.5 - time.monotonic()))
    expect(tw_entry(), "TIME_WAIT gone %.2f s after the retransmitted FIN: the "
           "2*msl_ms timer did not restart" % (time.monotonic() - t_fin))
    expect(wait(lambda: count(APORT, BPORT) == 0, t_fin + 3.5 - time.monotonic()),
           "TIME_WAIT still there %.2f s after the FIN, 2*msl_ms = 2 s: %s"
           % (time.monotonic() - t_fin, states(APORT, BPORT)))
    expect(stat("TimeWaitExpired") == 1, "TimeWaitExpired: %s" % stat("TimeWaitExpired"))
    expect(stat("CurrTimeWait") == 0, "CurrTimeWait: %s" % stat("CurrTimeWait"))


def rst_ignored(p):
    """msl_ms 500: an in-window RST does not end TIME_WAIT early."""
    x, y = into_time_wait(p)
    t_tw = time.monotonic()
    p.send("R", x + 2, 0)
    p.quiet("reply to a RST", lambda t: True, 0.3)
    expect(tw_entry(), "TIME_WAIT entry gone after a RST: %s" % states(APORT, BPORT))
    if stat("TimeWaitRstIgnored") is not None:
        expect(stat("TimeWaitRstIgnored") == 1,
               "TimeWaitRstIgnored: expected 1, got %s" % stat("TimeWaitRstIgnored"))
        expect(stat("CurrTimeWait") == 1, "CurrTimeWait: %s" % stat("CurrTimeWait"))
    # An RST with the ACK bit too.
    p.send("RA", x + 2, y + 2)
    time.sleep(0.2)
    expect(tw_entry(), "TIME_WAIT entry gone after a RST-ACK: %s" % states(APORT, BPORT))
    if TCP_MODE:
        return
    expect(stat("TimeWaitRstIgnored") == 2,
           "TimeWaitRstIgnored after the second RST: %s" % stat("TimeWaitRstIgnored"))
    # It still ends on time.
    expect(wait(lambda: count(APORT, BPORT) == 0, t_tw + 3 - time.monotonic()),
           "TIME_WAIT still there 3 s in, 2*msl_ms = 1 s: %s" % states(APORT, BPORT))
    expect(stat("TimeWaitExpired") == 1, "TimeWaitExpired: %s" % stat("TimeWaitExpired"))


def recycled(p):
    """A SYN of the same 4-tuple: an old sequence number is not a new
    connection; one above the old rcv_nxt reopens it, the listener answers."""
    x, y = into_time_wait(p)
    p.send("S", x, 0, options=[("MSS", 1460)])
    p.quiet("SYN-ACK to a SYN with an old sequence number",
            lambda t: "S" in str(t.flags), 0.5)
    expect(tw_entry(), "TIME_WAIT gone after an old SYN: %s" % states(APORT, BPORT))
    if stat("TimeWaitRecycled") is not None:
        expect(stat("TimeWaitRecycled") == 0, "TimeWaitRecycled after an old SYN: %s"
               % stat("TimeWaitRecycled"))
    z = x + 2 + 100000
    p.send("S", z, 0, options=[("MSS", 1460)])
    t = p.expect("a SYN-ACK to a new SYN above the old rcv_nxt",
                 lambda t: flags(t, "SA") and t.ack == (z + 1) % 2**32)
    if stat("TimeWaitRecycled") is not None:
        expect(stat("TimeWaitRecycled") == 1,
               "TimeWaitRecycled: expected 1, got %s" % stat("TimeWaitRecycled"))
    expect(count(APORT, BPORT, "TIME_WAIT") == 0,
           "the TIME_WAIT entry is still there next to the new connection")
    p.send("A", z + 1, t.seq + 1)
    expect(wait(lambda: count(APORT, BPORT, "ESTABLISHED") == 1, 3),
           "the reopened connection: expected ESTABLISHED (01), got %s"
           % states(APORT, BPORT))
    if stat("PassiveOpens") is not None:
        expect(wait(lambda: stat("PassiveOpens") == 2, 1),
               "PassiveOpens: expected 2, got %s" % stat("PassiveOpens"))
    # Data flows on it: A acknowledges 5 bytes.
    p.send("PA", z + 1, t.seq + 1, payload=b"hello")
    p.expect("an ACK of 5 bytes on the reopened connection",
             lambda t: "A" in str(t.flags) and t.ack == (z + 6) % 2**32)


def old_duplicate_synack(p):
    """RFC 9293 3.5 (figure 9): A connects; a SYN-ACK whose ACK is not for
    A's SYN (an old duplicate) draws <SEQ=SEG.ACK><CTL=RST> and A stays in
    SYN_SENT; the right SYN-ACK then completes the handshake."""
    t = p.expect("A's SYN", lambda t: flags(t, "S"), timeout=5)
    y = t.seq
    expect(count(APORT, BPORT, "SYN_SENT") == 1,
           "A while connecting: expected SYN_SENT (02), got %s" % states(APORT, BPORT))
    x = random.randrange(1 << 31)
    bad = (y + 1 + 5000) % 2**32
    p.send("SA", x, bad, options=[("MSS", 1460)])
    t = p.expect("a RST to the old duplicate SYN-ACK",
                 lambda t: "R" in str(t.flags), timeout=2)
    expect(t.seq == bad and "A" not in str(t.flags),
           "the RST: expected <SEQ=%d><CTL=RST>, got %s seq=%d" % (bad, t.flags, t.seq))
    expect(count(APORT, BPORT, "SYN_SENT") == 1,
           "A after the old duplicate: expected SYN_SENT (02), got %s" % states(APORT, BPORT))
    p.send("SA", x, y + 1, options=[("MSS", 1460)])
    p.expect("the ACK of our SYN-ACK",
             lambda t: flags(t, "A") and t.ack == (x + 1) % 2**32 and
             t.seq == (y + 1) % 2**32)
    expect(wait(lambda: count(APORT, BPORT, "ESTABLISHED") == 1, 2),
           "A after the right SYN-ACK: expected ESTABLISHED (01), got %s"
           % states(APORT, BPORT))


def main():
    scenario, pid = sys.argv[1], int(sys.argv[2])
    watch_netns_of(pid)
    random.seed(os.getpid())
    p = Peer()
    {"fin_reacked": fin_reacked, "rst_ignored": rst_ignored,
     "recycled": recycled, "old_duplicate_synack": old_duplicate_synack}[scenario](p)
    print("ok", scenario, flush=True)


if __name__ == "__main__":
    main()
