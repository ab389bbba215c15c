#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The lab's variants (module/variant.c): the sysctls that take words, the
# ETP_VARIANT socket option, what a socket takes at socket() and a child
# from its listener, and where a variant shows (/proc/net/etp, ss -e; the
# etp_state_change tracepoint is trace.sh's, in a VM of one CPU). What each
# variant does on the wire is conformance.sh's (the v*_ cases); what it
# shows, the lab's (lab.sh).
. "$(dirname "$0")/lib.sh"

# name default good-words... -- bad-words... (an empty write is refused too)
WORDS='
handshake 3way 2way 3way -- 3WAY 4way 2way, 1
close 4way 3way 4way -- 3Way 2way 4way3way close=3way
time_wait 2msl off 1 3600000 500 2msl -- 0 -1 3600001 5ms +5 0x10 on 0500 000000000000001000
isn rfc6528 clock zero rfc6528 -- RFC6528 random 1
'

test_sysctl_words() {
	local ns
	ns=$(new_netns)
	# Bash's own $(<file) and [[ ]], not cat and grep: on the debug kernel
	# each program started costs a fifth of a second, and this reads a
	# file a hundred times.
	ip netns exec "$ns" bash -c "set -e; $(declare -f fail expect_eq)"'
		while read -r name def rest; do
			[ -n "$name" ] || continue
			f=/proc/sys/net/etp/$name
			expect_eq "$def" "$(<$f)" "default of $name"
			for w in ${rest%% -- *}; do
				echo "$w" >$f || fail "$name refused $w"
				expect_eq "$w" "$(<$f)" "$name after writing $w"
			done
			for w in ${rest#* -- } ""; do
				before=$(<$f)
				if err=$(echo "$w" 2>&1 >$f); then
					fail "$name took bad word [$w]"
				fi
				[[ $err == *"Invalid argument"* ]] || fail "$name: [$w]: $err"
				expect_eq "$before" "$(<$f)" "$name after refused [$w]"
			done
		done <<<"$0"
		# A word and its newline in two write()s, as a shell may send them.
		python3 -c "
import os
fd = os.open(\"/proc/sys/net/etp/close\", os.O_WRONLY)
os.write(fd, b\"3way\")
os.write(fd, b\"\\n\")
os.close(fd)" || fail "close: a word and its newline in two writes refused"
		expect_eq 3way "$(</proc/sys/net/etp/close)" "close after two writes"
		for name in rfc5961 rfc1337; do
			f=/proc/sys/net/etp/$name
			expect_eq 1 "$(<$f)" "default of $name"
			echo 0 >$f && expect_eq 0 "$(<$f)" "$name off"
			! echo 2 >$f 2>/dev/null || fail "$name took 2"
			! echo off >$f 2>/dev/null || fail "$name took off (it is 0 or 1)"
		done' "$WORDS"
}

# The option at level 253: every key back from getsockopt(), a change of
# some keys keeps the others, bad texts are refused with EINVAL and change
# nothing, TCP's level does not have it.
test_socket_option() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import errno, socket
from etp_util import *

V = 1000
STD = b"handshake=3way,close=4way,time_wait=2msl,isn=rfc6528,rfc5961=on,rfc1337=on"

def get(s, n=256):
    return s.getsockopt(PROTO, V, n).rstrip(b"\0")

s = sock()
expect(get(s) == STD, "a new socket: %r" % get(s))
s.setsockopt(PROTO, V, b"close=3way,time_wait=off")
want = STD.replace(b"close=4way", b"close=3way").replace(b"time_wait=2msl", b"time_wait=off")
expect(get(s) == want, "after close=3way,time_wait=off: %r" % get(s))
s.setsockopt(PROTO, V, b"time_wait=750\0")          # a C string's NUL counted
expect(b"close=3way,time_wait=750," in get(s), "time_wait=750: %r" % get(s))
expect(get(s, 10) == STD[:10], "truncated to the caller's length: %r" % get(s, 10))
before = get(s)
for bad in (b"", b"close", b"close=", b"close=3WAY", b"Close=3way", b"close=3way,",
            b",close=3way", b"close=3way,close=4way", b"time_wait=0", b"time_wait=-1",
            b"time_wait=10\n", b"time_wait=010",
            b"time_wait=3600001", b"nagle=off", b"standard,close=3way",
            b"rfc5961=0", b"isn=clock" + b" " * 130):
    try:
        s.setsockopt(PROTO, V, bad)
        fail("took %r" % bad)
    except OSError as e:
        expect(e.errno == errno.EINVAL, "%r: %s, expected EINVAL" % (bad, errno.errorcode[e.errno]))
    expect(get(s) == before, "%r changed it: %r" % (bad, get(s)))
s.setsockopt(PROTO, V, b"standard")
expect(get(s) == STD, "standard: %r" % get(s))
for level in (socket.IPPROTO_TCP,):
    for call in (lambda: s.setsockopt(level, V, b"close=3way"), lambda: s.getsockopt(level, V, 64)):
        try:
            call()
            fail("level IPPROTO_TCP has ETP_VARIANT")
        except OSError as e:
            expect(e.errno == errno.ENOPROTOOPT, "IPPROTO_TCP: %s" % errno.errorcode[e.errno])
log("ETP_VARIANT: read, set, refused, standard again; not at IPPROTO_TCP")
EOF
}

# A socket takes the namespace's variants when it is made (a later change
# of the sysctls is for later sockets), and a child its listener's, from a
# half-open entry or from a SYN cookie.
test_taken_at_socket_and_inherited() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import socket
from etp_util import *

V = 1000
def get(s):
    return s.getsockopt(PROTO, V, 256).rstrip(b"\0").decode()

def write(name, value):
    with open("/proc/sys/net/etp/" + name, "w") as f:
        f.write(value + "\n")

old = sock()
write("close", "3way")
write("time_wait", "400")
write("rfc1337", "0")
new = sock()
expect("close=4way" in get(old) and "rfc1337=on" in get(old), "made before: %s" % get(old))
expect("close=3way,time_wait=400," in get(new) and "rfc1337=off" in get(new),
       "made after: %s" % get(new))
for name, value in (("close", "4way"), ("time_wait", "2msl"), ("rfc1337", "1")):
    write(name, value)
for cookies in (0, 2):
    sysctl("syncookies", cookies)
    l = listener(port=5000 + cookies)
    l.setsockopt(PROTO, V, b"isn=zero,rfc5961=off")
    c = sock()
    c.connect(("127.0.0.1", 5000 + cookies))
    a, _ = l.accept()
    expect("isn=zero" in get(a) and "rfc5961=off" in get(a),
           "child (syncookies=%d): %s" % (cookies, get(a)))
    expect(get(c).startswith("handshake=3way,close=4way"), "client: %s" % get(c))
    for x in (a, c, l):
        x.close()
log("socket() takes the namespace's; a child its listener's, cookie or not")
EOF
}

# /proc/net/etp: a socket with variants ends its line with
# "variant:KEY=WORD,..." where ss reads a socket's options (ss -e shows it
# as opt:"..."); lines of sockets without variants are as before, 149
# characters. A TIME_WAIT entry keeps its socket's variants.
test_proc_and_ss() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import os, subprocess, time
from etp_util import *

V = 1000
l = listener(port=5000)
std = sock()
std.connect(("127.0.0.1", 5000))
s1, _ = l.accept()
var = sock()
var.setsockopt(PROTO, V, b"close=3way,time_wait=3000,rfc1337=off")
var.connect(("127.0.0.1", 5000))
s2, _ = l.accept()
lines = open("/proc/net/etp").read().splitlines()[1:]
byport = {int(x.split()[1].split(":")[1], 16): x for x in lines}
vport = var.getsockname()[1]
for port, line in byport.items():
    if port == vport:
        expect(line.endswith(" variant:close=3way,time_wait=3000,rfc1337=off"),
               "the variant socket's line: %r" % line)
        # Right-aligned in the padding where it fits; here it does not.
        expect(len(line) >= 149, "variant line of %d characters: %r" % (len(line), line))
    else:
        expect("variant" not in line and len(line) == 149, "standard line: %r" % line)
import etp_util
top = os.path.dirname(os.path.dirname(os.path.abspath(etp_util.__file__)))
out = subprocess.run([top + "/tools/etp-ss", "-tane"], check=True, capture_output=True,
                     text=True).stdout
# The variant socket's own row: its port as the local address (the
# server's row has it as the peer's).
rows = [r for r in out.splitlines()[1:]
        if len(r.split()) > 3 and r.split()[3].endswith(":%d" % vport)]
expect(rows and 'opt:"variant:close=3way,time_wait=3000,rfc1337=off"' in rows[0],
       "ss -e: %s" % out)
# The variant end closes first: its TIME_WAIT entry says its variants.
var.close()
s2.close()
expect(wait(lambda: count(vport, 5000, "TIME_WAIT") == 1, 5), "no TIME_WAIT: %s" % states(vport))
tw = [x for x in open("/proc/net/etp").read().splitlines()[1:]
      if int(x.split()[1].split(":")[1], 16) == vport]
expect(len(tw) == 1 and tw[0].endswith(" variant:close=3way,time_wait=3000,rfc1337=off")
       and len(tw[0].split()) == 18, "TIME_WAIT line: %r" % tw)
log("/proc/net/etp and ss -e show the variants; standard lines unchanged")
EOF
}

run_tests
