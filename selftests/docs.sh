#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The documentation says what the loaded module says: its counters, its
# settings and their ranges, README's runnable lines. Each check starts few
# programs (a TCG guest takes a tenth of a second for each); the checks of
# text alone are docs_text.sh's, which `make check` runs on the host.
. "$(dirname "$0")/lib.sh"

# Every counter the code has is described in the documentation.
test_counters_documented() {
	local name missing="" doc
	doc=$(cat "$TOP/Documentation/protocol.rst" "$TOP/README.md")
	for name in $(head -n 1 /proc/net/etp_stat | cut -d' ' -f2-); do
		[[ $doc == *"$name"* ]] || missing="$missing $name"
	done
	[ -z "$missing" ] || fail "not documented:$missing"
}

# etp.7 has an entry for every counter /proc/net/etp_stat prints.
test_man_page_names_every_counter() {
	local name missing="" man
	man=$'\n'$(cat "$TOP/Documentation/etp.7")$'\n'
	for name in $(head -n 1 /proc/net/etp_stat | cut -d' ' -f2-); do
		[[ $man == *$'\n'".B $name"$'\n'* ]] || missing="$missing $name"
	done
	[ -z "$missing" ] || fail "no entry in etp.7 for:$missing"
}

# etp.7 has an entry for every setting in /proc/sys/net/etp, "(default D;
# WHAT IT TAKES)", with the default a new namespace gets, and what it takes
# is what the module takes: each word ("4way or 3way", "2msl, off or 1 to
# 3600000") and both ends of each range, not a word it does not name, not
# one below or above a range (unless another part names that). A value of
# three numbers (rmem, wmem) is three of each. One Python process, in a new
# namespace.
test_man_page_names_every_sysctl() {
	py "$(new_netns)" "$TOP/Documentation/etp.7" <<'PY'
import os, re, sys

man = open(sys.argv[1]).read().splitlines()
bad = []


def write(path, value):
    """Whether the module takes VALUE (a line, as echo writes it)."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return False
    try:
        os.write(fd, (value + "\n").encode())
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def read(path):
    return " ".join(open(path).read().split())


missing = []
for name in sorted(os.listdir("/proc/sys/net/etp")):
    f = "/proc/sys/net/etp/" + name
    entry = [l for l in man if l.startswith('.IR %s " (default ' % name)]
    if not entry:
        missing.append(name)
        continue
    m = re.match(r'.*\(default ([a-z0-9 ]*[a-z0-9]); (.*)\)"$', entry[0])
    if not m:
        bad.append("etp.7: malformed entry: %s" % entry[0])
        continue
    default, takes = m.group(1), m.group(2)
    if takes == "read-only":
        if read(f) != default:
            bad.append("%s: etp.7 %s, module %s" % (name, default, read(f)))
        if write(f, default):
            bad.append("%s took a write, etp.7 says it is read-only" % name)
        continue
    n = len(default.split())
    ranges = [(int(a), int(b)) for a, b in re.findall(r"(\d+) to (\d+)", takes)]
    words = re.sub(r"\d+ to \d+", "", takes).replace(", ", " ").replace(" or ", " ").split()
    ranges += [(int(w), int(w)) for w in words if w.isdigit()]
    words = [w for w in words if not w.isdigit()]
    if not ranges and not words:
        bad.append("etp.7: %s takes nothing: %s" % (name, entry[0]))
    if read(f) != default:
        bad.append("default of %s: etp.7 %s, module %s" % (name, default, read(f)))

    def named(v):
        return any(lo <= v <= hi for lo, hi in ranges)

    for w in words:
        if not write(f, w):
            bad.append("%s refused %s, a word of etp.7" % (name, w))
    if write(f, "bogus"):
        bad.append("%s took bogus" % name)
    for lo, hi in ranges:
        for v in (lo, hi):
            if not write(f, " ".join([str(v)] * n)):
                bad.append("%s refused %d, which etp.7 says it takes" % (name, v))
        for v in (lo - 1, hi + 1):
            if not named(v) and write(f, " ".join([str(v)] * n)):
                bad.append("%s took %d, which etp.7 does not name" % (name, v))
    if not write(f, default):
        bad.append("%s refused its default %s" % (name, default))
if missing:
    bad.append("no entry in etp.7 for: " + " ".join(missing))
for b in bad:
    print("FAIL: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# Every shell block of README.md marked "<!-- runnable: vm -->" runs, line
# by line, in this VM (a `scripts/vm -- ` in front is the VM we are in),
# each in a network namespace of its own, and succeeds.
test_readme_runnable_blocks() {
	local blocks=0 lines=0 line ns out rc
	out=$(mktemp)
	while IFS= read -r line; do
		if [ "$line" = "<<block>>" ]; then
			blocks=$((blocks + 1))
			continue
		fi
		line=${line#scripts/vm -- }
		ns=$(new_netns)
		echo "# \$ $line"
		# Output to a file, not a pipe: a program the line left in the
		# background (a server) would hold a pipe open. It is killed after.
		rc=0
		(cd "$TOP" && ip netns exec "$ns" timeout 120 bash -c "$line") >"$out" 2>&1 || rc=$?
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
		[ $rc = 0 ] || fail "README.md's runnable line failed (status $rc): $line: $(cat "$out")"
		sed 's/^/#   /' "$out" | head -n 8
		lines=$((lines + 1))
	done < <(awk '
		/^<!-- runnable: vm -->$/ { want = 1; next }
		want && /^```/ { if (inb) { inb = 0; want = 0 } else { inb = 1; print "<<block>>" } next }
		inb && NF { print }' "$TOP/README.md")
	echo "# $blocks blocks, $lines lines run"
	[ "$blocks" -ge 2 ] || fail "README.md has $blocks runnable blocks; it had 2 (the first program, what to look at)"
}

run_tests
