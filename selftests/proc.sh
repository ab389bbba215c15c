#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /proc/net/etp and /proc/net/etp_stat: present in every namespace, in the
# formats of /proc/net/tcp and /proc/net/netstat.
. "$(dirname "$0")/lib.sh"

HEADER='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
NAMES='ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs
RetransSegs InErrs OutRsts InCsumErrors ListenOverflows ListenDrops TimeWaitEntered
TimeWaitExpired TimeWaitFinReAcked TimeWaitRecycled TimeWaitOverflow TimeWaitRstIgnored
SynCookiesSent SynCookiesRecv SynCookiesFailed ChallengeAcks KeepaliveProbes
KeepaliveTimeouts CurrSynSent CurrSynRecv CurrFinWait1 CurrFinWait2 CurrCloseWait
CurrLastAck CurrClosing CurrTimeWait CurrListen BacklogDrop AckSkippedChallenge
AckSkippedSeq OutOfWindowIcmps PmtuReduced CurrOrphans AbortOnMemory DelayedAcks'

# check_stat_format FILE: two lines, both "Etp:", the same number of fields,
# every required name, integer values.
check_stat_format() {
	awk -v names="$NAMES" '
		NR == 1 { for (i = 1; i <= NF; i++) have[$i] = 1; nf = NF; p1 = $1 }
		NR == 2 {
			if ($1 != "Etp:" || p1 != "Etp:") { print "prefix is not Etp:"; bad = 1 }
			if (NF != nf) { print "names and values differ in number"; bad = 1 }
			for (i = 2; i <= NF; i++)
				if ($i !~ /^-?[0-9]+$/) { print "not an integer: " $i; bad = 1 }
		}
		END {
			if (NR != 2) { print NR " lines"; bad = 1 }
			n = split(names, want, /[ \n]+/)
			for (i = 1; i <= n; i++)
				if (want[i] != "" && !(want[i] in have)) { print "missing " want[i]; bad = 1 }
			exit bad
		}' "$1" >&2 || fail "$1 is not in the /proc/net/netstat format"
}

test_files_exist() {
	[ -r /proc/net/etp ] || fail "no /proc/net/etp"
	[ -r /proc/net/etp_stat ] || fail "no /proc/net/etp_stat"
	expect_eq "$HEADER" "$(head -n 1 /proc/net/etp | sed 's/ *$//')" "header"
	# Same header as /proc/net/tcp, padded the same way.
	expect_eq "$(head -n 1 /proc/net/tcp)" "$(head -n 1 /proc/net/etp)" "header as in /proc/net/tcp"
	cat /proc/net/etp_stat >/tmp/etp_stat
	check_stat_format /tmp/etp_stat
}

test_new_netns_empty() {
	local ns
	ns=$(new_netns)
	ip netns exec "$ns" cat /proc/net/etp >/tmp/etp_table
	expect_eq 1 "$(wc -l </tmp/etp_table)" "lines in a new namespace's table"
	ip netns exec "$ns" cat /proc/net/etp_stat >/tmp/etp_stat
	check_stat_format /tmp/etp_stat
	awk 'NR == 2 { for (i = 2; i <= NF; i++) if ($i != 0) exit 1 }' /tmp/etp_stat ||
		fail "a new namespace's counters are not all zero"
	[ -d /proc/sys/net/etp ] || fail "no /proc/sys/net/etp"
	ip netns exec "$ns" test -f /proc/sys/net/etp/msl_ms || fail "no sysctl in the namespace"
}

test_many_netns() {
	local i ns
	for i in $(seq 1 10); do
		ns=$(new_netns)
		ip netns exec "$ns" cat /proc/net/etp_stat >/tmp/etp_stat
		check_stat_format /tmp/etp_stat
		ip netns del "$ns"
	done
}

# A bound socket is listed in its own namespace only, with state 07 (CLOSE),
# its address and port in hex, and a line ss can read (under 256 bytes).
test_bound_socket_line() {
	local ns line
	ns=$(new_netns)
	start_holder "$ns" "
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ETP_PROTO)
s.bind(('127.0.0.1', 4660))"
	line=$(ip netns exec "$ns" awk 'NR > 1' /proc/net/etp)
	stop_holder
	[ -n "$line" ] || fail "no line for the bound socket"
	echo "$line" | grep -qE '^ +0: 0100007F:1234 00000000:0000 07 00000000:00000000 00:00000000 00000000 +0 +0 [0-9]+ ' ||
		fail "line not in the /proc/net/tcp layout: $line"
	[ ${#line} -lt 256 ] || fail "line of ${#line} characters"
	expect_eq "$(head -n 1 /proc/net/etp | wc -c)" "$((${#line} + 1))" "line width"
	! awk 'NR > 1' /proc/net/etp | grep -q ' 0100007F:1234 ' ||
		fail "the socket shows in another namespace"
}

test_ss_reads_it() {
	local ns out
	need ss
	ns=$(new_netns)
	start_holder "$ns" "
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, ETP_PROTO)
s.bind(('127.0.0.1', 4661))"
	out=$(ip netns exec "$ns" env PROC_NET_TCP=/proc/net/etp ss -tan)
	stop_holder
	echo "$out" | grep -q '127.0.0.1:4661' || fail "ss does not list the socket: $out"
}

run_tests
