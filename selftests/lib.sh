# SPDX-License-Identifier: GPL-2.0
# Shell selftests: each test case is a function test_NAME in the test file;
# run_tests runs them in file order (or those ETP_TESTS names), each in a
# subshell with `set -e`, and
# prints TAP ("ok N NAME", "not ok N NAME", "ok N NAME # SKIP why").
# A test fails by exiting non-zero (fail, or any failing command) and is
# skipped by `skip WHY`.

ETP_PROTO=$(cat /sys/module/etp/parameters/proto 2>/dev/null || echo 253)
SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$SELFTESTS")

fail() { echo "FAIL: $*" >&2; exit 1; }
# skip WHY: the case cannot run here. selftests/run fails it unless
# selftests/allowed-skips allows it on this kernel.
skip() {
	[ -n "$*" ] || fail "skip without a reason"
	echo "$*" >"$ETP_SKIP_FILE"
	exit 4
}
# py NETNS [ARGS...]: the Python program on stdin, in NETNS, with the
# selftests' modules importable and ARGS as sys.argv[1:].
py() {
	ip netns exec "$1" env PYTHONPATH="$SELFTESTS" python3 - "${@:2}"
}

# The etp.ko the VM loaded (tests that unload it load it again).
ETP_KO_PATH=${ETP_KO:-$TOP/module/etp.ko}

# settle_module: wait (up to 120 s) until nothing holds etp.ko. Sockets other
# tests closed may still be finishing as orphans (sending their FIN until it
# is acknowledged or they give up), and each holds the module.
settle_module() {
	local i
	for i in $(seq 1 240); do
		[ "$(cat /sys/module/etp/refcnt)" = 0 ] && return 0
		sleep 0.5
	done
	fail "etp.ko still in use after 120 s: $(cat /sys/module/etp/refcnt) references"
}

# need COMMAND...: these programs are there (scripts/setup installs them),
# or the case fails: a missing tool is a broken set-up, not a skip.
need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || fail "no $c here: scripts/setup installs it"
	done
}

# expect_eq EXPECTED ACTUAL WHAT
expect_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# etp_stat NAME [NETNS]: the value of counter NAME in /proc/net/etp_stat.
etp_stat() {
	local cmd=(cat /proc/net/etp_stat)
	[ -n "${2:-}" ] && cmd=(ip netns exec "$2" cat /proc/net/etp_stat)
	"${cmd[@]}" | awk -v n="$1" '
		NR == 1 { for (i = 2; i <= NF; i++) idx[$i] = i }
		NR == 2 { if (n in idx) print $(idx[n]); else print "missing" }'
}

# slab_active CACHE: its objects in use. SLUB counts the free objects of
# per-CPU slabs as active: shrink first, which flushes them.
slab_active() {
	echo 1 >"/sys/kernel/slab/$1/shrink" 2>/dev/null || true
	awk -v c="$1" '$1 == c { print $2; f = 1 } END { if (!f) print 0 }' /proc/slabinfo
}

# slabs: "etp_sock=N etp_req=N etp_tw=N ", the objects in use of ETP's caches.
slabs() {
	local c
	for c in etp_sock etp_req etp_tw; do printf '%s=%s ' "$c" "$(slab_active "$c")"; done
}

# slabs_within AFTER BEFORE: no cache of AFTER (as slabs prints) holds more
# objects than in BEFORE. Not "equal": objects of earlier tests (a namespace
# still being dismantled, sockets freed after an RCU grace period) may be
# freed meanwhile.
slabs_within() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		n = split(b, x, " ")
		for (i = 1; i <= n; i++) { split(x[i], kv, "="); lim[kv[1]] = kv[2] }
		n = split(a, x, " ")
		for (i = 1; i <= n; i++) { split(x[i], kv, "="); if (kv[2] + 0 > lim[kv[1]] + 0) exit 1 }
	}'
}

# wait_slabs BEFORE [SECONDS]: wait (30 s unless told) until the slab caches
# are within BEFORE (as slabs prints them), and fail if they never are.
wait_slabs() {
	local before=$1 secs=${2:-30} after i
	for i in $(seq 1 $((secs * 2))); do
		after=$(slabs)
		slabs_within "$after" "$before" && break
		sleep 0.5
	done
	echo "# slab caches: before $before, after $after"
	slabs_within "$after" "$before" ||
		fail "$secs s on, the slab caches did not come back: $after, before: $before"
}

# wait_etp_listen NETNS: until an ETP socket listens in NETNS (20 s at most;
# false then).
wait_etp_listen() {
	ip netns exec "$1" sh -c 'for i in $(seq 1 200); do
		awk "\$4 == \"0A\" { f = 1 } END { exit !f }" /proc/net/etp && exit 0
		sleep 0.1; done; exit 1'
}

# A network namespace of the test's own, removed when the test ends.
new_netns() {
	local ns=etptest$$_$RANDOM
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	echo "$ns"
}

# wait_started OUT PID [PATTERN]: wait until the program PID, started in the
# background with its output going to OUT, prints PATTERN (default:
# listening), 60 s at most; fails, showing OUT, if it exits or never does.
wait_started() {
	local out=$1 pid=$2 pattern=${3:-listening} i
	for i in $(seq 1 1200); do
		grep -q -- "$pattern" "$out" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q -- "$pattern" "$out" && return 0
	cat "$out"
	fail "the program with pid $pid did not start (no '$pattern' from it)"
}

# veth_link NS_A NS_B NET [static] [no_ipv6]: the one way tests join two
# namespaces: a veth pair, va in NS_A (NET.1/24) and vb in NS_B (NET.2/24),
# up. static: fixed MACs (02:00:00:00:N:01 and :02, N the third octet of NET)
# and permanent neighbours, since ARP would suffer netem's loss too
# (EHOSTUNREACH). no_ipv6: nothing but the test's packets on the wire.
veth_link() {
	local a=$1 b=$2 net=$3 opt static=0 ns n ma mb
	shift 3
	for opt; do
		case $opt in
		static) static=1 ;;
		no_ipv6)
			for ns in "$a" "$b"; do
				ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
					net.ipv6.conf.default.disable_ipv6=1 || fail "no IPv6 in $ns"
			done ;;
		*) fail "veth_link: unknown option $opt" ;;
		esac
	done
	if [ $static = 1 ]; then
		n=$(printf %02x "$(echo "$net" | cut -d. -f3)")
		ma=02:00:00:00:$n:01
		mb=02:00:00:00:$n:02
		ip link add va netns "$a" address $ma type veth peer name vb netns "$b" address $mb
	else
		ip link add va netns "$a" type veth peer name vb netns "$b"
	fi || fail "veth_link $net"
	ip -n "$a" addr add "$net.1/24" dev va
	ip -n "$b" addr add "$net.2/24" dev vb
	ip -n "$a" link set va up
	ip -n "$b" link set vb up
	if [ $static = 1 ]; then
		ip -n "$a" neigh replace "$net.2" lladdr $mb dev va nud permanent
		ip -n "$b" neigh replace "$net.1" lladdr $ma dev vb nud permanent
	fi
}

# start_holder NETNS CODE: run Python CODE (which opens ETP sockets; ETP_PROTO
# is defined for it) in the background in NETNS ("" for this one), until
# stop_holder. Returns once CODE has run; HOLDER is its pid.
start_holder() {
	local ns=$1 code=$2 out i
	out=$(mktemp)
	local cmd=(python3 -c "import socket, time
ETP_PROTO = $ETP_PROTO
$code
print('ready', flush=True)
time.sleep(300)")
	[ -n "$ns" ] && cmd=(ip netns exec "$ns" "${cmd[@]}")
	"${cmd[@]}" >"$out" 2>&1 </dev/null &
	HOLDER=$!
	for i in $(seq 1 200); do
		grep -q '^ready' "$out" && { rm -f "$out"; return 0; }
		kill -0 "$HOLDER" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out" >&2
	rm -f "$out"
	fail "the socket holder did not start"
}

stop_holder() {
	kill "$HOLDER" 2>/dev/null || true
	wait "$HOLDER" 2>/dev/null || true
}

run_tests() {
	local file=$0 all tests n=0 failed=0 t rc log start unmatched=""
	# The file's test_ functions, and those it makes (generated_tests).
	all=$(grep -oE '^test_[A-Za-z0-9_]+' "$file"
	      ! declare -F generated_tests >/dev/null || generated_tests)
	tests=$all
	# ETP_TESTS="name ...": only these cases; ETP_NOT_TESTS="name ...":
	# all but these. A name that is no case of this file is a failure, not
	# a smaller run.
	if [ -n "${ETP_TESTS:-}" ]; then
		tests=$(for t in $all; do
			case " $ETP_TESTS " in *" ${t#test_} "*) echo "$t" ;; esac
		done)
	fi
	if [ -n "${ETP_NOT_TESTS:-}" ]; then
		tests=$(for t in $tests; do
			case " $ETP_NOT_TESTS " in *" ${t#test_} "*) ;; *) echo "$t" ;; esac
		done)
	fi
	for t in ${ETP_TESTS:-} ${ETP_NOT_TESTS:-}; do
		grep -qx "test_$t" <<<"$all" || unmatched="$unmatched $t"
	done
	log=$(mktemp)
	ETP_SKIP_FILE=$(mktemp)
	echo "TAP version 13"
	[ -z "${ETP_NOT_TESTS:-}" ] || echo "# left out: $ETP_NOT_TESTS (ETP_NOT_TESTS)"
	echo "1..$(($(echo "$tests" | wc -w) + $(echo "$unmatched" | wc -w)))"
	for t in $unmatched; do
		n=$((n + 1))
		echo "not ok $n $t # no such case in $(basename "$file") (ETP_TESTS, ETP_NOT_TESTS)"
		failed=$((failed + 1))
	done
	for t in $tests; do
		n=$((n + 1))
		: >"$ETP_SKIP_FILE"
		start=$(date +%s%N)
		# ETP_XTRACE=1: each command of the case, with the time it
		# started, in its output (shown below when it fails or with
		# ETP_VERBOSE=1): where a slow case spends its time.
		if [ "${ETP_XTRACE:-0}" != 0 ]; then
			(PS4='+ ${EPOCHREALTIME} '; set -ex; "$t") >"$log" 2>&1
		else
			(set -e; "$t") >"$log" 2>&1
		fi
		rc=$?
		echo "# ${t#test_}: $((($(date +%s%N) - start) / 1000000)) ms"
		# Namespaces a test made are its own to remove, even when it failed.
		for ns in $(ip netns list 2>/dev/null | awk '/^etptest/ { print $1 }'); do
			ip netns del "$ns"
		done
		# A skip is exit 4 with its reason said (skip WHY); exit 4 from
		# anything else is a failure like any other status.
		[ $rc != 0 ] || [ "${ETP_VERBOSE:-0}" = 0 ] || sed 's/^/# /' "$log"
		if [ $rc = 0 ]; then
			echo "ok $n ${t#test_}"
		elif [ $rc = 4 ] && [ -s "$ETP_SKIP_FILE" ]; then
			echo "ok $n ${t#test_} # SKIP $(cat "$ETP_SKIP_FILE")"
		else
			sed 's/^/# /' "$log"
			echo "not ok $n ${t#test_}"
			failed=$((failed + 1))
		fi
	done
	rm -f "$log" "$ETP_SKIP_FILE"
	[ $failed = 0 ]
}
