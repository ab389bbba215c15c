# SPDX-License-Identifier: GPL-2.0
"""Read what ETP's tracepoints recorded (the text of a tracefs `trace` file)
for the checks of selftests/trace.sh."""
import re
import sys

LINE = re.compile(r"^\s*(?P<task>.*?)-(?P<pid>\d+)\s+(?:\(.*?\)\s+)?\[(?P<cpu>\d+)\]"
                  r"\s+(?:\S+\s+)?(?P<ts>\d+\.\d+): (?P<event>\w+): (?P<rest>.*)$")
FIELD = re.compile(r"(\w+)=(\S*)")
NUMERIC = ("sport", "dport", "seq", "len", "count", "ack", "timeout_ms", "netns",
           "cwnd", "ssthresh", "snd_una", "recover", "sacked", "lost",
           "snd_nxt", "in_flight", "snd_wnd", "rcv_wnd", "srtt", "mss")


def fail(msg):
    sys.stderr.write("FAIL: %s\n" % msg)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def parse(path):
    """The events in a trace file: dicts of their fields, plus 'event' (the
    tracepoint's name), 'ts' (seconds, float); etp_state_change's own field
    event is 'event_'."""
    out = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            e = dict(FIELD.findall(m.group("rest")))
            # etp_state_change's field "event" (the state machine's).
            if "event" in e:
                e["event_"] = e.pop("event")
            for k in NUMERIC:
                if k in e:
                    e[k] = int(e[k])
            e["event"] = m.group("event")
            e["ts"] = float(m.group("ts"))
            out.append(e)
    return out


def of(events, name, sport=None, dport=None):
    """The events called NAME (without its etp_ prefix) on SPORT -> DPORT."""
    return [e for e in events if e["event"] == "etp_" + name and
            (sport is None or e["sport"] == sport) and
            (dport is None or e["dport"] == dport)]


def transitions(events, sport, dport):
    """The state changes of one end of a connection: 'OLD>NEW(EVENT)'."""
    return ["%s>%s(%s)" % (e["oldstate"], e["newstate"], e["event_"])
            for e in of(events, "state_change", sport, dport)]


def null(ptr):
    """Whether a %p field printed a NULL pointer."""
    return ptr in ("0000000000000000", "00000000", "(null)", "(nil)", "0x0", "0")


def dump(events):
    """The events, one a line, for a failure's message."""
    return "\n".join("%.6f %s %s" % (e["ts"], e["event"],
                                     " ".join("%s=%s" % (k, v) for k, v in e.items()
                                              if k not in ("ts", "event")))
                     for e in events)
