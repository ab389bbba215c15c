#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /proc/sys/net/etp/: every setting, its default, its range, per namespace.
. "$(dirname "$0")/lib.sh"

# name default lowest-good highest-good too-low too-high; a setting of three
# values (rmem, wmem, as tcp_rmem) has them joined by commas.
SETTINGS='
msl_ms 30000 1 3600000 0 3600001
max_tw_entries 262144 0 16777216 -1 16777217
syncookies 1 0 2 -1 3
syn_retries 6 1 127 0 128
synack_retries 5 1 127 0 128
fin_timeout_ms 60000 1 3600000 0 3600001
keepalive_time_ms 7200000 1 32767000 0 32767001
keepalive_intvl_ms 75000 1 32767000 0 32767001
keepalive_probes 9 1 127 0 128
rto_initial_ms 1000 10 120000 9 120001
rto_min_ms 200 1 120000 0 120001
rto_max_ms 120000 10 120000 9 120001
invalid_ratelimit_ms 500 0 3600000 -1 3600001
challenge_ack_limit 2147483647 0 2147483647 -1 2147483648
max_orphans 65536 0 2147483647 -1 2147483648
orphan_retries 8 1 127 0 128
rmem 4096,131072,6291456 1,1,1 2147483647,2147483647,2147483647 1,0,1 1,1,2147483648
wmem 4096,16384,4194304 1,1,1 2147483647,2147483647,2147483647 0,1,1 1,2147483648,1
rfc5961 1 0 1 -1 2
rfc1337 1 0 1 -1 2
timestamps 1 0 2 -1 3
tw_reuse 2 0 2 -1 3
sack 1 0 1 -1 2
dsack 1 0 1 -1 2
reordering 3 1 1024 0 1025
max_reordering 300 1 1024 0 1025
frto 2 0 2 -1 3
recovery 1 0 7 -1 8
early_retrans 3 0 4 -1 5
ecn 2 0 2 -1 3
'

# in_ns NETNS: run the bash program on standard input in NETNS, with fail(),
# expect_eq(), get(), put() and SETTINGS: one process per case (each exec
# costs the TCG guest a tenth of a second, and the cases take every setting
# in turn).
in_ns() {
	ip netns exec "$1" bash -c "set -e
		$(declare -f fail expect_eq get put)
		SETTINGS='$SETTINGS'
		$(cat)"
}

# get FILE: a setting's values as SETTINGS writes them (joined by commas).
get() {
	tr -s '\t ' ',' <"$1"
}

# put FILE VALUES: write VALUES (joined by commas) as the kernel reads them.
put() {
	echo "${2//,/ }" >"$1"
}

test_defaults() {
	local ns
	ns=$(new_netns)
	in_ns "$ns" <<'EOF'
while read -r name def rest; do
	[ -n "$name" ] || continue
	expect_eq "$def" "$(get /proc/sys/net/etp/$name)" "default of $name"
done <<<"$SETTINGS"
# And four that take words (handshake, close, time_wait, isn): variant.sh's;
# two that name algorithms: test_congestion_control's.
expect_eq "$(($(grep -c . <<<"$SETTINGS") + 6))" "$(ls /proc/sys/net/etp | wc -l)" \
	"number of settings (those this test and variant.sh know)"
EOF
}

test_bad_values_refused() {
	local ns
	ns=$(new_netns)
	in_ns "$ns" <<'EOF'
# write_expect_einval FILE VALUE
write_expect_einval() {
	local err
	err=$( { put "$1" "$2"; } 2>&1) && fail "$1 took '$2'"
	echo "$err" | grep -q 'Invalid argument' || fail "$1 refused '$2' with: $err"
}
while read -r name def lo hi bad_lo bad_hi; do
	[ -n "$name" ] || continue
	f=/proc/sys/net/etp/$name
	write_expect_einval $f $bad_lo
	write_expect_einval $f $bad_hi
	write_expect_einval $f abc
	expect_eq "$def" "$(get "$f")" "$name after refused writes"
done <<<"$SETTINGS"
EOF
}

test_good_values_taken() {
	local ns
	ns=$(new_netns)
	in_ns "$ns" <<'EOF'
while read -r name def lo hi rest; do
	[ -n "$name" ] || continue
	f=/proc/sys/net/etp/$name
	put "$f" "$lo"
	expect_eq "$lo" "$(get "$f")" "$name low"
	put "$f" "$hi"
	expect_eq "$hi" "$(get "$f")" "$name high"
done <<<"$SETTINGS"
EOF
}

# congestion_control and available_congestion_control, as TCP's: NewReno
# by default (TCP's "reno" names it too), an unknown name refused with
# ENOENT and nothing changed, the list read-only.
test_congestion_control() {
	local ns
	ns=$(new_netns)
	in_ns "$ns" <<'EOF'
f=/proc/sys/net/etp/congestion_control
expect_eq newreno "$(cat $f)" "default algorithm"
expect_eq newreno "$(cat /proc/sys/net/etp/available_congestion_control)" "available"
echo reno >$f
expect_eq newreno "$(cat $f)" "after writing reno"
err=$( { echo nosuch >$f; } 2>&1) && fail "congestion_control took nosuch"
echo "$err" | grep -q 'No such file or directory' ||
	fail "congestion_control refused nosuch with: $err"
expect_eq newreno "$(cat $f)" "after a refused write"
err=$( { echo newreno >/proc/sys/net/etp/available_congestion_control; } 2>&1) &&
	fail "available_congestion_control took a write"
true
EOF
}

test_per_namespace() {
	local a b
	a=$(new_netns)
	b=$(new_netns)
	ip netns exec "$a" sh -c 'echo 1234 > /proc/sys/net/etp/msl_ms'
	expect_eq 1234 "$(ip netns exec "$a" cat /proc/sys/net/etp/msl_ms)" "msl_ms in a"
	expect_eq 30000 "$(ip netns exec "$b" cat /proc/sys/net/etp/msl_ms)" "msl_ms in b"
	expect_eq 30000 "$(cat /proc/sys/net/etp/msl_ms)" "msl_ms in the initial namespace"
}

# rmem and wmem do what tcp_rmem and tcp_wmem do, set alike in one
# namespace: a new socket's SO_RCVBUF and SO_SNDBUF come from their middle
# values, and the window scale a connection offers follows rmem's largest.
# TCP, in the same namespace, is the control; the defaults are compared
# too, and each setting must change what is seen, so that a setting ETP
# ignored would show.
test_rmem_wmem_as_tcp() {
	local ns
	ns=$(new_netns)
	py "$ns" <<'EOF'
import socket
from etp_util import *

def buffers_and_wscale(proto):
    """SO_RCVBUF, SO_SNDBUF of a new socket; the scale a connection offers."""
    n = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    got = [n.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
           n.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)]
    n.close()
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    l.bind(("127.0.0.1", 0))
    l.listen(1)
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    c.connect(l.getsockname())
    s, _ = l.accept()
    # struct tcp_info's byte 6: snd_wscale in the low 4 bits, rcv_wscale.
    got.append(c.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[6] >> 4)
    for x in (s, c, l):
        x.close()
    return tuple(got)

def both(what):
    tcp = buffers_and_wscale(socket.IPPROTO_TCP)
    etp = buffers_and_wscale(PROTO)
    log("%s: SO_RCVBUF, SO_SNDBUF, window scale offered: TCP %s, ETP %s" % (what, tcp, etp))
    expect(tcp == etp, "%s: ETP %s, TCP %s" % (what, etp, tcp))
    return etp

default = both("defaults")
for rmem, wmem in (("4096 65536 1048576", "4096 32768 1048576"),
                   ("4096 262144 33554432", "4096 65536 8388608")):
    for name, value in (("rmem", rmem), ("wmem", wmem)):
        open("/proc/sys/net/ipv4/tcp_" + name, "w").write(value)
        open("/proc/sys/net/etp/" + name, "w").write(value)
    got = both("rmem %s, wmem %s" % (rmem, wmem))
    expect(got[0] != default[0] and got[1] != default[1] and got[2] != default[2],
           "rmem %s, wmem %s: not every value changed: %s" % (rmem, wmem, got))
EOF
}

run_tests
