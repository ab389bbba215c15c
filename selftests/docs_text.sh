#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The documentation says what the code and the tree say: checks of text
# alone, run on the host by `make check` (they need no module, and a TCG
# guest takes a tenth of a second for each program they start). docs.sh,
# in the VM, checks what the loaded module says.
. "$(dirname "$0")/lib.sh"

# Debian's programs first, as in the VM: conform_cases.py needs its scapy.
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

# Documentation/protocol.rst's state table is module/statetable.c's.
test_state_table_matches_code() {
	"$TOP/scripts/etp-states" --check-table
}

# Documentation/etp-states.dot is what the table gives today, and
# etp-states.svg was drawn from that .dot (`make states` makes both).
test_state_picture_matches_code() {
	"$TOP/scripts/etp-states" --check-picture
}

# The manual page renders without a warning from groff (-ww: all of them).
test_man_page_renders_cleanly() {
	local out
	command -v groff >/dev/null || fail "groff is not installed (scripts/setup installs groff-base)"
	out=$(groff -man -Tutf8 -ww -z "$TOP/Documentation/etp.7" 2>&1)
	[ -z "$out" ] || fail "groff warns about Documentation/etp.7: $out"
}

# selftests/README.md's map names every source file here, and only those.
test_selftests_map_is_complete() {
	local f named missing="" stale=""
	named=$(grep -o '`[A-Za-z0-9_-][A-Za-z0-9_.-]*\.\(sh\|py\|c\|h\)`' "$SELFTESTS/README.md" | tr -d '`' | sort -u)
	for f in $(cd "$SELFTESTS" && ls -- *.sh *.py *.c *.h); do
		echo "$named" | grep -qx -- "$f" || missing+=" $f"
	done
	for f in $named; do
		[ -e "$SELFTESTS/$f" ] || stale+=" $f"
	done
	[ -z "$missing" ] || fail "selftests/README.md does not name:$missing"
	[ -z "$stale" ] || fail "selftests/README.md names files that are not there:$stale"
}

# etp.7 has an entry for every socket option and ioctl the code handles
# (module/*.c's `case TCP_...:`, `case ETP_VARIANT:`, `case SIOC...:`), and
# names none it lacks.
test_man_page_names_every_option() {
	local code man n missing="" stale=""
	code=$(grep -ohE 'case (TCP_[A-Z0-9_]+|ETP_VARIANT|SIOC[A-Z]+):' "$TOP"/module/*.c | sed 's/case //; s/://' | sort -u)
	[ -n "$code" ] || fail "found no option in module/*.c"
	# An entry's tag is the line after .TP: ".B TCP_NODELAY", ".BR FIONREAD \", \" SIOCINQ".
	man=$(awk 'prev ~ /^\.TP/ && /^\.BR? / { print } { prev = $0 }' "$TOP/Documentation/etp.7" |
		grep -oE '(TCP|SIOC|FION|TIOC|ETP_VARIANT)[A-Z0-9_]*' | sort -u)
	for n in $code; do
		grep -qx "$n" <<<"$man" || missing+=" $n"
	done
	for n in $(grep -E '^TCP_' <<<"$man"); do
		grep -qx "$n" <<<"$code" || stale+=" $n"
	done
	[ -z "$missing" ] || fail "no entry in etp.7 for:$missing"
	[ -z "$stale" ] || fail "etp.7 has entries for options the code does not handle:$stale"
}

# Documentation/lab.rst, the lab's handout, has a section for every
# experiment tools/etp-lab runs (and none it does not), and its table says
# where each claim of the project's list (1 to 13) is tested.
test_lab_guide_covers_everything() {
	local doc=$TOP/Documentation/lab.rst names e n c missing=""
	names=$("$TOP/tools/etp-lab" --list | awk '{ print $1 " " $2 }')
	while read -r n e; do
		grep -q "^$n\. $e: " "$doc" || missing+=" $e"
	done <<<"$names"
	[ -z "$missing" ] || fail "lab.rst has no section for:$missing"
	for e in $(grep -oE '^[0-9]+\. [a-z0-9-]+:' "$doc" | sed 's/^[0-9]*\. //; s/:$//'); do
		grep -qx "[0-9]* $e" <<<"$names" || fail "lab.rst describes $e, which etp-lab does not run"
	done
	for c in $(seq 1 13); do
		grep -qE "^$c +[a-z]" "$doc" || missing+=" $c"
	done
	[ -z "$missing" ] || fail "lab.rst's table does not place claims:$missing"
}

# answers PROGRAM: PROGRAM exists, and `PROGRAM --help` exits 0 and names
# PROGRAM, rather than starting its job. The time limit only ends a program
# that does start it: generous, since a TCG guest beside other work (CI's
# debug-kernel build) can take 20 s to start Python.
answers() {
	local out rc=0
	[ -x "$TOP/$1" ] || fail "README.md names $1, which is not an executable file"
	out=$(cd "$TOP" && timeout 300 "./$1" --help 2>&1) || rc=$?
	[ $rc != 124 ] || fail "$1 --help still ran after 300 s: did it start its job? $out"
	[ $rc = 0 ] || fail "$1 --help failed (status $rc): $out"
	grep -q -- "${1##*/}" <<<"$out" || fail "$1 --help does not name it: $out"
}

# check_command "COMMAND LINE": what a README table names exists and
# answers. Words in capitals (CMD, RELEASE, CASE...) are placeholders.
check_command() {
	local line=$1 w args=() t
	read -r -a args <<<"$line"
	case ${args[0]} in *[a-z]*) ;; *) return 0 ;; esac
	case ${args[0]} in
	make)
		for w in "${args[@]:1}"; do
			case $w in *=* | -* | "[" | "("* | *[A-Z]*) continue ;; esac
			grep -qE "^$w:" "$TOP/Makefile" || fail "README.md: make has no target '$w'"
		done ;;
	scripts/vm)
		answers scripts/vm
		for ((t = 1; t < ${#args[@]}; t++)); do
			if [ "${args[t]}" = -- ]; then
				check_command "${args[*]:t+1}"
				break
			fi
		done ;;
	selftests/run)
		answers selftests/run
		for w in "${args[@]:1}"; do
			case $w in *[A-Z]* | *...) continue ;; esac
			[ -e "$SELFTESTS/$w" ] || [ -e "$SELFTESTS/$w.c" ] ||
				fail "README.md: selftests/run $w: no such test"
		done ;;
	selftests/conform_cases.py)
		answers selftests/conform_cases.py
		for w in "${args[@]:1}"; do
			case $w in *[A-Z]* | *...) continue ;; esac
			(cd "$SELFTESTS" && python3 conform_cases.py --list) | grep -qx "$w" ||
				fail "README.md: conform_cases.py has no case $w"
		done ;;
	scripts/* | tools/*)
		answers "${args[0]}" ;;
	man)
		[ -f "$TOP/${args[1]}" ] || fail "README.md: no ${args[1]}" ;;
	dkms | trace-cmd | perf)
		command -v "${args[0]}" >/dev/null || fail "README.md names ${args[0]}: not installed (scripts/setup)" ;;
	*)
		fail "README.md's table names '$line': this test does not know how to check it" ;;
	esac
}

# Every command in README.md's tables (a row's first column, and the
# "command" column of "Changing ETP") exists and answers --help, every
# make target is the Makefile's, every test and case named is there.
test_readme_commands_answer() {
	local cmds n=0 c
	cmds=$(awk -F'|' '
		/^## / { sec = $0 }
		/^\| *(command|step|path|test) *\|/ { col = ($2 ~ /step/) ? 3 : 2; hdr = $0; next }
		/^\| *---/ { next }
		/^\|/ && (sec ~ /Other commands/ || sec ~ /Changing ETP/) { print $col }
		!/^\|/ { col = 0 }' "$TOP/README.md" |
		grep -oE '`[^`]+`' | tr -d '`' | sed 's/ *&&.*//; s/ *#.*//')
	while IFS= read -r c; do
		# Options and names quoted inside a row ("QUICK=1", "-4") are no commands.
		case $c in make* | scripts/* | tools/* | selftests/* | man\ * | dkms\ * | trace-cmd\ * | perf\ *) ;; *) continue ;; esac
		c=${c//\\|/|}
		# "scripts/vm [--kernel 6.12|6.1|PATH] -- CMD": options in brackets go.
		c=$(sed 's/\[[^]]*\]//g' <<<"$c")
		check_command "$c"
		n=$((n + 1))
	done <<<"$cmds"
	echo "# $n commands checked"
	[ "$n" -ge 20 ] || fail "only $n commands found in README.md's tables: the parsing broke?"
}

run_tests
