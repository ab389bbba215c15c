# SPDX-License-Identifier: GPL-2.0
"""Helpers for the socket programs of the shell selftests (teardown.sh,
netem.sh). They run inside the network namespace under test:
/proc/net/etp, /proc/net/etp_stat and /proc/sys/net/etp/ are that namespace's.

ETP_TEST_TCP=1 in the environment makes them use the kernel's TCP instead
(protocol 6, /proc/net/tcp, the Tcp:/TcpExt: counters), to check the tests
themselves: ETP's sysctls and counters that TCP lacks are then not set or
checked (sysctl() does nothing, stat() gives None)."""
import hashlib
import os
import random
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import etp_packet  # noqa: E402

TCP_MODE = os.environ.get("ETP_TEST_TCP", "0") not in ("", "0")
PROTO = socket.IPPROTO_TCP if TCP_MODE else etp_packet.proto()
# The /proc/net of the namespace looked at: this process's, or another
# process's (watch_netns_of).
NET = "/proc/net"



def _state_codes():
    """{name: code}: module/states.h's ETP_STATE_LIST, in TCP's order
    of the codes from 1 (statetable.c checks it)."""
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    src = open(os.path.join(top, "module", "states.h")).read()
    body = src[src.index("#define ETP_STATE_LIST"):]
    body = body[:body.index("\n\n")]
    names = re.findall(r"^\s*(?:X|LAST)\((\w+),", body, re.M)
    return {n: i + 1 for i, n in enumerate(names)}


STATES = _state_codes()
NAMES = {v: k for k, v in STATES.items()}


def fail(msg):
    """End the program with a message the shell test shows."""
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.stderr.flush()
    os._exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def log(msg):
    sys.stderr.write("# %s\n" % msg)
    sys.stderr.flush()


def sock():
    return socket.socket(socket.AF_INET, socket.SOCK_STREAM, PROTO)


def listener(addr="127.0.0.1", port=5000, backlog=8):
    s = sock()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(backlog)
    return s


def pair(port=5000, addr="127.0.0.1"):
    """A listener on ADDR:PORT, a client connected to it, the accepted end."""
    l = listener(addr, port)
    c = sock()
    c.connect((addr, port))
    s, _ = l.accept()
    return l, c, s


def watch_netns_of(pid):
    """Read /proc/net/etp and the counters of the namespace of process PID."""
    global NET
    NET = "/proc/%d/net" % pid


def entries():
    """The lines of /proc/net/etp as dicts: lport, rport, st, tx, rx, tr, when."""
    out = []
    with open(NET + ("/tcp" if TCP_MODE else "/etp")) as f:
        next(f)
        for line in f:
            p = line.split()
            if len(p) < 6:
                continue
            laddr, lport = p[1].split(":")
            raddr, rport = p[2].split(":")
            tx, rx = p[4].split(":")
            tr, when = p[5].split(":")
            out.append({"lport": int(lport, 16), "rport": int(rport, 16),
                        "laddr": laddr, "raddr": raddr, "st": int(p[3], 16),
                        "tx": int(tx, 16), "rx": int(rx, 16),
                        "tr": int(tr, 16), "when": int(when, 16)})
    return out


def find(lport=None, rport=None, st=None):
    """Entries with this local port, remote port and state (None: any)."""
    if isinstance(st, str):
        st = STATES[st]
    return [e for e in entries()
            if (lport is None or e["lport"] == lport) and
            (rport is None or e["rport"] == rport) and
            (st is None or e["st"] == st)]


def count(lport=None, rport=None, st=None):
    return len(find(lport, rport, st))


def states(lport=None, rport=None):
    """The state names of the matching entries, for messages."""
    return [NAMES.get(e["st"], hex(e["st"])) for e in find(lport, rport)]


def _stat_file(path, prefix, name):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for i in range(0, len(lines) - 1, 2):
        n, v = lines[i].split(), lines[i + 1].split()
        if n and n[0] == prefix and name in n:
            return int(v[n.index(name)])
    return None


def stat(name):
    """Counter NAME of /proc/net/etp_stat (None under ETP_TEST_TCP when TCP
    has no counter of that name)."""
    if not TCP_MODE:
        v = _stat_file(NET + "/etp_stat", "Etp:", name)
        if v is None:
            fail("no counter %s in /proc/net/etp_stat" % name)
        return v
    v = _stat_file(NET + "/snmp", "Tcp:", name)
    if v is None:
        v = _stat_file(NET + "/netstat", "TcpExt:", name)
    return v


def expect_stat(name, want, what=""):
    """Counter NAME is WANT (waiting up to a second for it to get there)."""
    v = stat(name)
    if v is None:
        return
    wait(lambda: stat(name) == want, 1.0)
    v = stat(name)
    expect(v == want, "%s: expected %s, got %s%s" %
           (name, want, v, " (%s)" % what if what else ""))


TCP_SYSCTL = {"syn_retries": "tcp_syn_retries",
              "synack_retries": "tcp_synack_retries",
              "orphan_retries": "tcp_orphan_retries",
              "max_tw_entries": "tcp_max_tw_buckets",
              "timestamps": "tcp_timestamps",
              "sack": "tcp_sack",
              "dsack": "tcp_dsack",
              "reordering": "tcp_reordering",
              "max_reordering": "tcp_max_reordering",
              "frto": "tcp_frto",
              "recovery": "tcp_recovery",
              "early_retrans": "tcp_early_retrans",
              "tw_reuse": "tcp_tw_reuse"}


def sysctl(name, value):
    """Set /proc/sys/net/etp/NAME in this namespace."""
    if TCP_MODE:
        if name not in TCP_SYSCTL:
            return
        path = "/proc/sys/net/ipv4/" + TCP_SYSCTL[name]
    else:
        path = "/proc/sys/net/etp/" + name
    with open(path, "w") as f:
        f.write("%d\n" % value)


def wait(cond, timeout, step=0.01):
    """Poll COND until it is true or TIMEOUT seconds passed; its last value."""
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step)


def tcp_mode_stop(why):
    """Under ETP_TEST_TCP, end the test here (passing): the rest is ETP's own."""
    if TCP_MODE:
        log("ETP_TEST_TCP: not checked: " + why)
        sys.exit(0)


def pattern(n, seed=1):
    """N pseudo-random bytes, the same for the same SEED."""
    return random.Random(seed).randbytes(n)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def recv_all(s, bufsize=65536):
    """Everything until EOF."""
    chunks = []
    while True:
        d = s.recv(bufsize)
        if not d:
            return b"".join(chunks)
        chunks.append(d)


def ss(*args):
    """The rows of tools/etp-ss ARGS (default -tan) in this namespace, as
    dicts: state, recvq, sendq, local, peer (ss's own spelling: ESTAB,
    SYN-SENT, 127.0.0.1:5000, 0.0.0.0:*)."""
    import subprocess
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([os.path.join(top, "tools", "etp-ss")] + list(args or ["-tan"]),
                         check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:
        p = line.split()
        if len(p) >= 5:
            rows.append({"state": p[0], "recvq": int(p[1]), "sendq": int(p[2]),
                         "local": p[3], "peer": p[4]})
    return rows


# Segments of PROTO on lo from port 5000 ("sport"), to it ("dport"), or all,
# assuming 20-byte IP headers; the u32 matches of hold().
HOLD_MATCH = {"sport": ["match", "u16", "5000", "0xffff", "at", "20"],
              "dport": ["match", "u16", "5000", "0xffff", "at", "22"],
              "all": []}


def hold(what="all"):
    """Drop this namespace's segments on lo (HOLD_MATCH[WHAT]) until
    release(): a state that lasts until a segment arrives (FIN_WAIT1,
    LAST_ACK, SYN_RECV...) stays for as long as a test looks at it, however
    slow the guest, and goes on once released (the segment is sent again)."""
    import subprocess
    subprocess.run(["tc", "qdisc", "add", "dev", "lo", "clsact"],
                   capture_output=True)
    subprocess.run(["tc", "filter", "add", "dev", "lo", "egress", "pref", "1",
                    "protocol", "ip", "u32", "match", "u8", str(PROTO), "0xff",
                    "at", "9"] + HOLD_MATCH[what] + ["action", "drop"], check=True)


def release():
    """Let the segments hold() dropped through again."""
    import subprocess
    subprocess.run(["tc", "filter", "del", "dev", "lo", "egress", "pref", "1"],
                   check=True)
