#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading: rmmod is refused while a socket is open and leaves
# nothing behind once none is; the proto parameter. Runs last (it unloads
# etp.ko) and loads it again before it ends.
. "$(dirname "$0")/lib.sh"

KO=$ETP_KO_PATH

reload() {
	lsmod | grep -q '^etp ' && rmmod etp
	insmod "$KO" "$@"
}

test_rmmod_refused_while_socket_open() {
	local err
	settle_module
	start_holder "" "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ETP_PROTO)"
	err=$(rmmod etp 2>&1) && { insmod "$KO"; fail "rmmod succeeded with a socket open"; }
	stop_holder
	echo "$err" | grep -qi 'in use' || fail "rmmod said: $err"
	lsmod | grep -q '^etp ' || fail "etp is gone"
	# Once the socket is closed, rmmod goes through.
	rmmod etp || fail "rmmod failed after the socket closed"
	insmod "$KO"
}

test_rmmod_leaves_nothing() {
	local ns
	ns=$(new_netns)
	python3 -c "
import socket
for i in range(50):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, $ETP_PROTO)
    s.bind(('127.0.0.1', 0))
    s.close()
"
	rmmod etp || fail "rmmod failed"
	[ ! -e /proc/net/etp ] || fail "/proc/net/etp is left"
	[ ! -e /proc/net/etp_stat ] || fail "/proc/net/etp_stat is left"
	[ ! -e /proc/sys/net/etp ] || fail "/proc/sys/net/etp is left"
	ip netns exec "$ns" test ! -e /proc/net/etp || fail "/proc/net/etp left in a namespace"
	! grep -qE '^etp_(sock|req|tw) ' /proc/slabinfo || fail "a slab cache is left"
	! grep -q '^ETP ' /proc/net/protocols || fail "the protocol is still registered"
	python3 -c "
import socket, errno
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, $ETP_PROTO)
except OSError as e:
    assert e.errno == errno.EPROTONOSUPPORT, e
else:
    raise SystemExit('socket() works without the module')
"
	insmod "$KO"
	[ -e /proc/net/etp ] || fail "no /proc/net/etp after insmod"
	grep -q '^etp_sock ' /proc/slabinfo || fail "no etp_sock cache after insmod"
	ip netns exec "$ns" test -e /proc/net/etp || fail "no /proc/net/etp in an older namespace"
}

# The self-tests of module/tests/ run at every load and fail it if one
# fails; each load says how many checks passed. At least one per ETP_CHECK
# line (some run in loops): fewer means some did not run.
test_selftests_at_load() {
	local before line n want
	settle_module
	before=$(dmesg | wc -l)
	reload
	line=$(dmesg | tail -n +"$((before + 1))" | grep -o 'etp: self-tests: [0-9]* checks passed') ||
		fail "no 'self-tests: N checks passed' at load: $(dmesg | tail -n +"$((before + 1))")"
	n=$(echo "$line" | grep -o '[0-9]*')
	want=$(cat "$TOP"/module/tests/*_test.c | grep -c 'ETP_CHECK(')
	[ "$n" -ge "$want" ] || fail "$n checks passed, fewer than the $want ETP_CHECK lines"
	echo "# $line ($want ETP_CHECK lines)"
	# The checks run on a socket of the initial namespace; what they count
	# is no traffic of the user's, and a fresh load starts from zero.
	n=$(awk 'NR == 1 { split($0, name) } NR == 2 { for (i = 2; i <= NF; i++) if ($i != 0) printf " %s=%s", name[i], $i }' \
		/proc/net/etp_stat)
	[ -z "$n" ] || fail "counters after a fresh load:$n"
}

test_proto_parameter() {
	local err
	reload proto=254
	expect_eq 254 "$(cat /sys/module/etp/parameters/proto)" "proto"
	python3 -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_STREAM, 254).close()
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, 253)
except OSError:
    pass
else:
    raise SystemExit('253 works with proto=254')
" || { reload; fail "sockets on 254"; }
	rmmod etp
	err=$(insmod "$KO" proto=6 2>&1) && { reload; fail "proto=6 accepted"; }
	echo "$err" | grep -q 'Invalid param' || { reload; fail "proto=6 refused with: $err"; }
	reload
	expect_eq 253 "$(cat /sys/module/etp/parameters/proto)" "default proto"
}

run_tests
