# SPDX-License-Identifier: GPL-2.0
"""ETP's protocol number for the Python examples, and what to say when
socket() finds no ETP (etp-proto.h is the same for the C ones)."""
import errno
import os
import sys

# ETP's own socket option, at level etp_proto() (not IPPROTO_TCP): the lab's
# variants as a text, b"close=3way,time_wait=off" or b"standard" (etp(7)).
ETP_VARIANT = 1000


def etp_proto():
    """253 unless etp.ko was loaded with proto=254; ETP_PROTO overrides both."""
    if "ETP_PROTO" in os.environ:
        return int(os.environ["ETP_PROTO"])
    try:
        with open("/sys/module/etp/parameters/proto") as f:
            return int(f.read())
    except OSError:
        return 253


def die(me, msg, status=1):
    print("%s: %s" % (me, msg), file=sys.stderr)
    sys.exit(status)


def run(me, main):
    """sys.exit(main(argv)): an error the program did not expect is one line,
    not a traceback; socket() finding no ETP says what to do; Ctrl-C is
    status 130."""
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as e:
        if e.errno in (errno.EPROTONOSUPPORT, errno.ESOCKTNOSUPPORT):
            die(me, "ETP (IP protocol %d) is not loaded here: insmod "
                "module/etp.ko, or run this in the test VM (scripts/vm -- ...)"
                % etp_proto())
        die(me, os.strerror(e.errno) if e.errno else str(e))
