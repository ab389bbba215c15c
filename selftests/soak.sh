#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The soak: 8 client processes keep 250 connections each going at once
# (soak.py: an epoll loop each; a connection is held open for up to 2 s,
# then carries 1 B to 32 KiB one way and its SHA-256 back, and another takes
# its place) against 4 server processes, for ETP_SOAK_SECONDS (default 120)
# in all: half over loopback in one namespace, half over a veth pair between
# two. While it runs, /proc/net/etp is sampled every second: it must show
# at least ETP_SOAK_MIN_OPEN (default 1000) client connections open at one
# time. Then, in each namespace:
# - no connection failed and every answer was right;
# - the counters add up: ActiveOpens is the client's attempts, PassiveOpens
#   the connections the servers accepted, and both are the successful
#   connects (AttemptFails 0, EstabResets 0);
# - once TIME_WAIT has expired (msl_ms 200), /proc/net/etp is empty, every
#   state gauge is 0 and every entry made (TimeWaitEntered) expired or was
#   taken over by a connect() (TimeWaitRecycled: loopback, timestamps);
# and the slab caches etp_sock, etp_req and etp_tw are back where they began.
# etp-timeout: 1200
. "$(dirname "$0")/lib.sh"

SECONDS_ALL=${ETP_SOAK_SECONDS:-120}
MIN_OPEN=${ETP_SOAK_MIN_OPEN:-1000}
# The figures of each case, shown even when the test passes.
SUMMARY=$(mktemp)
trap 'rm -f "$SUMMARY"' EXIT
GAUGES="CurrEstab CurrSynSent CurrSynRecv CurrFinWait1 CurrFinWait2 CurrCloseWait CurrLastAck CurrClosing CurrTimeWait"


# stat NETNS NAME
stat() {
	etp_stat "$2" "$1"
}

# soak CLIENT_NS SERVER_NS SERVER_ADDR SECONDS: the soak between the two
# namespaces (the same one for loopback).
soak() {
	local cns=$1 sns=$2 addr=$3 secs=$4 out res srv i g attempts connects ok errors
	local served serrors left end ao po sampler peak bytes
	for ns in $cns $sns; do
		ip netns exec "$ns" sh -c 'echo 200 >/proc/sys/net/etp/msl_ms'
	done
	out=$(mktemp)
	# $! is the server itself (ip netns exec execs it), to stop it.
	ip netns exec "$sns" env PYTHONPATH="$SELFTESTS" python3 "$SELFTESTS/soak.py" \
		server "$addr" 6000 4 >"$out" 2>&1 &
	srv=$!
	wait_started "$out" $srv
	# The kernel's view: client connections (to port 6000, 0x1770) in the
	# client's namespace, and the slab caches, once a second (one process:
	# a shell loop's four programs a second cost a sixth of a CPU).
	ip netns exec "$cns" python3 -c '
import re, time
conn = re.compile(r"^ *[0-9]+: [0-9A-F]+:[0-9A-F]+ [0-9A-F]+:1770 0[1-9B]")
while True:
    with open("/proc/net/etp") as f:
        n = sum(1 for line in f if conn.match(line))
    with open("/proc/slabinfo") as f:
        b = sum(int(p[1]) * int(p[3]) for p in (line.split() for line in f)
                if p and p[0] in ("etp_sock", "etp_req", "etp_tw"))
    print(n, b, flush=True)
    time.sleep(1)
' >"$out.samples" 2>/dev/null &
	sampler=$!
	res=$(timeout $((secs + 300)) ip netns exec "$cns" env PYTHONPATH="$SELFTESTS" \
		python3 "$SELFTESTS/soak.py" client "$addr" 6000 8 "$secs" 250) ||
		fail "the clients failed: $res"
	kill $srv $sampler
	wait $srv || true
	wait $sampler || true
	echo "$res"
	read -r _ attempts _ connects _ ok _ errors _ _ _ _ < <(echo "$res" | grep '^attempts')
	read -r peak bytes < <(awk '$1 > c { c = $1 } $2 > b { b = $2 } END { print c + 0, b + 0 }' "$out.samples")
	rm -f "$out.samples"
	served=$(awk '/^served/ { s += $2 } END { print s + 0 }' "$out")
	serrors=$(awk '/^served/ { s += $4 } END { print s + 0 }' "$out")
	grep -v '^served\|^listening' "$out" || true
	rm -f "$out"
	echo "to $3: $attempts attempts, $ok connections served and checked in ${secs} s" \
		"(servers: $served accepted); at most $peak open at once; at most $bytes bytes" \
		"in ETP's slab objects" | tee -a "$SUMMARY"
	for ns in $cns $sns; do
		echo "# counters in $ns:"
		ip netns exec "$ns" cat /proc/net/etp_stat | awk '
			NR == 1 { for (i = 2; i <= NF; i++) n[i] = $i }
			NR == 2 { for (i = 2; i <= NF; i++) if ($i != 0) printf " %s %s", n[i], $i; print "" }'
	done
	[ "$ok" -ge 100 ] || fail "only $ok connections"
	[ "$peak" -ge "$MIN_OPEN" ] ||
		fail "at most $peak connections were open at one time, fewer than $MIN_OPEN"
	expect_eq "$attempts" "$ok" "successful connections"
	expect_eq 0 "$errors" "client errors"
	expect_eq 0 "$serrors" "server errors"
	expect_eq "$ok" "$served" "connections the servers accepted"
	# Everything ends: the TIME_WAIT entries go after 2 * msl_ms.
	end=$((SECONDS + 30))
	while :; do
		left=$(ip netns exec "$cns" awk 'NR > 1' /proc/net/etp; ip netns exec "$sns" awk 'NR > 1' /proc/net/etp)
		[ -z "$left" ] && break
		[ $SECONDS -lt $end ] || fail "entries left 30 s after the soak: $(echo "$left" | head -5)"
		sleep 0.5
	done
	ao=$(stat "$cns" ActiveOpens)
	po=$(stat "$sns" PassiveOpens)
	echo "# ActiveOpens $ao PassiveOpens $po AttemptFails $(stat "$cns" AttemptFails)" \
		"TimeWaitEntered $(stat "$cns" TimeWaitEntered) RetransSegs $(stat "$cns" RetransSegs)"
	expect_eq "$attempts" "$ao" "ActiveOpens (the clients' attempts)"
	expect_eq "$ok" "$po" "PassiveOpens (the servers' accepted connections)"
	for ns in $cns $sns; do
		for g in $GAUGES AttemptFails EstabResets; do
			expect_eq 0 "$(stat "$ns" $g)" "$g"
		done
		# An entry ends expired, or taken over by connect() (TimeWaitRecycled:
		# on loopback, with timestamps, as TCP's tcp_tw_reuse=2).
		expect_eq "$(stat "$ns" TimeWaitEntered)" \
			"$(($(stat "$ns" TimeWaitExpired) + $(stat "$ns" TimeWaitRecycled)))" \
			"TimeWaitExpired + TimeWaitRecycled"
	done
	# The servers closed their listener: nothing left listening.
	expect_eq 0 "$(stat "$sns" CurrListen)" "CurrListen"
}

test_soak_loopback() {
	local ns before
	before=$(slabs)
	ns=$(new_netns)
	soak "$ns" "$ns" 127.0.0.1 $((SECONDS_ALL / 2))
	wait_slabs "$before"
}

test_soak_veth() {
	local c s before
	before=$(slabs)
	c=$(new_netns)
	s=$(new_netns)
	veth_link "$c" "$s" 10.199.6
	soak "$c" "$s" 10.199.6.2 $((SECONDS_ALL - SECONDS_ALL / 2))
	wait_slabs "$before"
}

rc=0
run_tests || rc=$?
sed 's/^/# soak: /' "$SUMMARY"
exit $rc
