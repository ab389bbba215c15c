#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# /proc/sys/net/etp/: every setting, its default, its range, per namespace.
. "$(dirname "$0")/lib.sh"

# name default lowest-good highest-good too-low too-high
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
'

# in_ns NETNS: run the bash program on standard input in NETNS, with fail(),
# expect_eq() and SETTINGS: one process per case (each exec costs the TCG
# guest a tenth of a second, and the cases take every setting in turn).
in_ns() {
	ip netns exec "$1" bash -c "set -e
		$(declare -f fail expect_eq)
		SETTINGS='$SETTINGS'
		$(cat)"
}

test_defaults() {
	local ns
	ns=$(new_netns)
	in_ns "$ns" <<'EOF'
while read -r name def rest; do
	[ -n "$name" ] || continue
	expect_eq "$def" "$(cat /proc/sys/net/etp/$name)" "default of $name"
done <<<"$SETTINGS"
expect_eq "$(grep -c . <<<"$SETTINGS")" "$(ls /proc/sys/net/etp | wc -l)" \
	"number of settings (those this test knows)"
EOF
}

test_bad_values_refused() {
	local ns
	ns=$(new_netns)
	in_ns "$ns" <<'EOF'
# write_expect_einval FILE VALUE
write_expect_einval() {
	local err
	err=$( { echo "$2" >"$1"; } 2>&1) && fail "$1 took '$2'"
	echo "$err" | grep -q 'Invalid argument' || fail "$1 refused '$2' with: $err"
}
while read -r name def lo hi bad_lo bad_hi; do
	[ -n "$name" ] || continue
	f=/proc/sys/net/etp/$name
	write_expect_einval $f $bad_lo
	write_expect_einval $f $bad_hi
	write_expect_einval $f abc
	expect_eq "$def" "$(cat "$f")" "$name after refused writes"
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
	echo "$lo" >"$f"
	expect_eq "$lo" "$(cat "$f")" "$name low"
	echo "$hi" >"$f"
	expect_eq "$hi" "$(cat "$f")" "$name high"
done <<<"$SETTINGS"
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

run_tests
