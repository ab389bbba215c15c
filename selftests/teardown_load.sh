#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# etp-timeout: 1200
# Teardown under load: two namespaces joined by a veth pair hold connections
# in every state (load_peer.py): busy transfers, TIME_WAIT entries at both
# ends, half-open entries (SYNs from an address whose SYN-ACKs go nowhere),
# orphans with unsent data under a zero window. None may end by itself while
# the test runs, however slow the guest (on the debug kernel beside CI's
# other VMs a case takes five minutes): TIME_WAIT lasts 20 minutes (msl_ms),
# a SYN-ACK is sent 20 times (half an hour), and an orphan gives up after 15
# window probes, not 8 (orphan_retries: about 14 minutes; at 8 one probing
# since the load began was gone within a minute of it). Then
# - netns_del: the programs are killed and both namespaces deleted; within
#   60 s the slab caches etp_sock, etp_req and etp_tw hold no more objects
#   than before (the TIME_WAIT entries went with their namespace);
# - rmmod: the client is killed; while its orphans, the half-open entries
#   and the TIME_WAIT entries are there, rmmod is refused (the orphans hold
#   etp.ko) and they stay; then the server is killed; once the orphans are
#   gone (etp.ko's reference count is 0) rmmod succeeds while TIME_WAIT
#   entries remain, the slab caches are gone, and insmod brings ETP back to
#   the namespaces, empty.
# selftests/run fails either if the kernel logs a report meanwhile.
. "$(dirname "$0")/lib.sh"

KO=$ETP_KO_PATH

# count NETNS STATE: entries of /proc/net/etp in this state (hex code).
count() {
	ip netns exec "$1" awk -v st="$2" 'NR > 1 && $4 == st { n++ } END { print n + 0 }' /proc/net/etp
}

# at_least NETNS WHO STATE NAME N: NETNS has (or, within 60 s, gets) N
# entries in STATE at least: "ready" says the programs made their
# connections, not that every segment of them has been handled.
at_least() {
	local n end=$((SECONDS + 60))
	while n=$(count "$1" "$3"); [ "$n" -lt "$5" ]; do
		[ $SECONDS -lt $end ] || fail "$2: $n entries in $4, expected at least $5"
		sleep 0.2
	done
	echo "# $2: $n in $4"
}

start_peer() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" env PYTHONPATH="$SELFTESTS" python3 "$SELFTESTS/load_peer.py" "$@" >"$out" 2>&1 &
	PEER_PIDS+=" $!"
	wait_started "$out" $! '^ready'
}

# Namespaces C (10.199.5.1) and S (10.199.5.2) with load_peer.py's
# connections between them; SYN-ACKs to 10.199.5.99 go to a MAC no one has.
load() {
	PEER_PIDS=""
	C=$(new_netns)
	S=$(new_netns)
	veth_link "$C" "$S" 10.199.5
	ip -n "$S" neigh replace 10.199.5.99 lladdr 02:00:00:00:05:99 dev vb nud permanent
	for ns in "$C" "$S"; do
		ip netns exec "$ns" sh -c 'echo 600000 >/proc/sys/net/etp/msl_ms;
			echo 20 >/proc/sys/net/etp/synack_retries;
			echo 15 >/proc/sys/net/etp/orphan_retries'
	done
	start_peer "$S" /tmp/load-server.$$ server 10.199.5.2
	start_peer "$C" /tmp/load-client.$$ client 10.199.5.1 10.199.5.2 10.199.5.99
	CLIENT_PID=${PEER_PIDS##* }
	at_least "$C" client 06 TIME_WAIT 20
	at_least "$C" client 04 FIN_WAIT1 4
	at_least "$C" client 01 ESTABLISHED 4
	at_least "$S" server 06 TIME_WAIT 10
	at_least "$S" server 03 SYN_RECV 20
	at_least "$S" server 0A LISTEN 4
	echo "# slab caches under load: $(slabs)"
}

unload_peers() {
	local p
	for p in $PEER_PIDS; do kill -9 "$p" 2>/dev/null || true; done
	for p in $PEER_PIDS; do wait "$p" 2>/dev/null || true; done
	rm -f /tmp/load-server.$$ /tmp/load-client.$$
}

test_netns_del() {
	local before
	settle_module
	before=$(slabs)
	echo "# slab caches before: $before"
	load
	unload_peers
	ip netns del "$C"
	ip netns del "$S"
	wait_slabs "$before" 60
	[ "$(cat /sys/module/etp/refcnt)" = 0 ] || fail "etp.ko still has $(cat /sys/module/etp/refcnt) references"
}

test_rmmod() {
	local i err
	settle_module
	load
	# The client's sockets close; its orphans stay, their data unsent
	# under the server's zero window, and so does etp.ko's reference
	# count: rmmod is refused and disturbs nothing.
	kill -9 "$CLIENT_PID"
	wait "$CLIENT_PID" 2>/dev/null || true
	at_least "$C" client 04 FIN_WAIT1 4
	at_least "$S" server 03 SYN_RECV 20
	[ "$(cat /sys/module/etp/refcnt)" -gt 0 ] || fail "no reference to etp.ko with orphans left"
	if err=$(rmmod etp 2>&1); then
		insmod "$KO"
		fail "rmmod succeeded while orphans were left"
	fi
	echo "# rmmod with orphans: $err (refcnt $(cat /sys/module/etp/refcnt))"
	at_least "$C" client 04 FIN_WAIT1 4
	at_least "$C" client 06 TIME_WAIT 20
	unload_peers
	# The orphans end with the RSTs of their peers' closed sockets.
	for i in $(seq 1 120); do
		[ "$(cat /sys/module/etp/refcnt)" = 0 ] && break
		sleep 0.5
	done
	[ "$(count "$C" 06)" -ge 20 ] || fail "the TIME_WAIT entries went before rmmod"
	echo "# before rmmod: $(slabs), refcnt $(cat /sys/module/etp/refcnt)"
	err=$(rmmod etp 2>&1) || fail "rmmod: $err ($(cat /sys/module/etp/refcnt) references)"
	! grep -qE '^etp_(sock|req|tw) ' /proc/slabinfo || { insmod "$KO"; fail "a slab cache is left"; }
	ip netns exec "$C" test ! -e /proc/net/etp || { insmod "$KO"; fail "/proc/net/etp left in a namespace"; }
	insmod "$KO" || fail "insmod $KO"
	expect_eq 0 "$(ip netns exec "$C" awk 'NR > 1' /proc/net/etp | wc -l)" "entries in C after insmod"
	expect_eq 0 "$(ip netns exec "$S" awk 'NR > 1' /proc/net/etp | wc -l)" "entries in S after insmod"
}

run_tests
