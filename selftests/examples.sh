#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# README.md's "Your first ETP program": the echo server and client of
# tools/examples/, in Python and in C, carry a message over ETP both ways,
# and say what to do, without a traceback, when there is no ETP, no server,
# a port in use or a bad argument.
. "$(dirname "$0")/lib.sh"

EX=$TOP/tools/examples

# server NETNS OUT PROGRAM ARGS...: PROGRAM (a server) in the background in
# NETNS, its output in OUT; waits until it listens. Sets SERVER to its pid.
server() {
	local ns=$1 out=$2
	ip netns exec "$ns" "${@:3}" >"$out" 2>&1 &
	SERVER=$!
	wait_started "$out" "$SERVER" || fail "the server did not start: $(cat "$out")"
}

# echo_pair SERVER-PROGRAM CLIENT-PROGRAM CLIENT-WAIT-FLAG: a message there
# and back, over ETP (the namespace's counters say so), both ends content.
echo_pair() {
	local ns out msg got
	ns=$(new_netns)
	out=$(mktemp)
	msg="hello over ETP, $RANDOM"
	server "$ns" "$out" "$EX/$1" --once 7000
	grep -q "listening on port 7000 (ETP, IP protocol $ETP_PROTO)" "$out" ||
		fail "server's first line: $(cat "$out")"
	got=$(ip netns exec "$ns" "$EX/$2" "$3" 5 127.0.0.1 7000 "$msg") ||
		fail "the client failed"
	expect_eq "$msg" "$got" "the echo"
	wait "$SERVER" || fail "the server exited with $?: $(cat "$out")"
	grep -q "127.0.0.1:[0-9]* sent ${#msg} bytes, all sent back" "$out" ||
		fail "server's last line: $(cat "$out")"
	expect_eq 1 "$(etp_stat ActiveOpens "$ns")" "ETP connections opened (ActiveOpens)"
	expect_eq 1 "$(etp_stat PassiveOpens "$ns")" "ETP connections accepted (PassiveOpens)"
}

test_python_echo() {
	echo_pair echo-server.py echo-client.py --wait
}

test_c_echo() {
	[ -x "$EX/echo-server" ] && [ -x "$EX/echo-client" ] ||
		fail "tools/examples/echo-server, echo-client: not built (make tools)"
	echo_pair echo-server echo-client -w
}

# The two languages speak the same protocol.
test_python_server_c_client() {
	echo_pair echo-server.py echo-client -w
}

# expect_advice STATUS PATTERN COMMAND...: COMMAND exits with STATUS and
# says PATTERN on standard error, with no traceback.
expect_advice() {
	local want=$1 pattern=$2 err rc=0
	err=$("${@:3}" 2>&1 >/dev/null) || rc=$?
	expect_eq "$want" "$rc" "exit status of ${*:3}"
	grep -q -- "$pattern" <<<"$err" || fail "${*:3} said: $err (wanted: $pattern)"
	! grep -q Traceback <<<"$err" || fail "${*:3}: a traceback: $err"
}

# Each mistake a newcomer makes, in both languages: the advice, not a trace.
test_bad_input_advice() {
	local ns out lang s c w
	ns=$(new_netns)
	out=$(mktemp)
	server "$ns" "$out" "$EX/echo-server.py" 7001
	for lang in py c; do
		if [ $lang = py ]; then
			s=$EX/echo-server.py c=$EX/echo-client.py w=--wait
		else
			s=$EX/echo-server c=$EX/echo-client w=-w
		fi
		expect_advice 1 "port 7001 is in use" ip netns exec "$ns" "$s" 7001
		expect_advice 1 "nothing listens on 127.0.0.1:7002 over ETP" \
			ip netns exec "$ns" "$c" 127.0.0.1 7002 hi
		# A refusal is retried as long as asked, then reported.
		expect_advice 1 "nothing listens on 127.0.0.1:7002" \
			ip netns exec "$ns" "$c" $w 0.5 127.0.0.1 7002 hi
		# No ETP: a protocol number no module serves.
		expect_advice 1 "ETP (IP protocol 252) is not loaded here: insmod module/etp.ko" \
			ip netns exec "$ns" env ETP_PROTO=252 "$s" 7003
		expect_advice 1 "ETP (IP protocol 252) is not loaded here" \
			ip netns exec "$ns" env ETP_PROTO=252 "$c" 127.0.0.1 7001 hi
		expect_advice 2 "is not an IPv4 address" "$c" localhost 7001 hi
		expect_advice 2 "usage:" "$c" 127.0.0.1 hi
		expect_advice 2 "usage:" "$s" port
		expect_advice 2 "usage:" "$s" 70000
	done
	kill "$SERVER"
}

run_tests
