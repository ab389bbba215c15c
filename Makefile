# SPDX-License-Identifier: GPL-2.0
#
# make               build module/etp.ko against Debian's 6.12 headers
# make KREL=RELEASE  build against /lib/modules/RELEASE/build (e.g. $(uname -r))
# make KDIR=DIR      build against another kernel tree (Debian 6.1 included)
# make check         set-up, warning-free builds, the whole test suite in the
#                    test VM on each of CHECK_KERNELS (default: 6.12 6.1
#                    6.12-rt),
#                    and two VMs joined by virtio-net on 6.12 (scripts/twovm-test)
# make demo          the main job, shown to a person, in the test VM
# make sparse        build with sparse (C=2 checks every file)
# make debug-kernel  build the debug kernel (lockdep, KASAN, kmemleak...), cached
# make check-debug   the whole test suite in the VM on the debug kernel
# make install       install etp.ko under /lib/modules/RELEASE/updates of KDIR's
#                    kernel and run depmod (INSTALL_MOD_PATH=DIR or DESTDIR=DIR:
#                    under DIR instead of /)
# make states        regenerate the state diagram (Documentation/etp-states.*)
#                    and protocol.rst's state table from module/statetable.c
# make tools         build tools/etp-preload.so, which tools/etp-run uses
# make bench         ETP against TCP in the test VM (QUICK=1: a short run);
#                    writes bench-results.csv, .txt and .png
# make dumbbell      N flows of each stack through one bottleneck (Mininet):
#                    Jain's index and shares, dumbbell-results.*

SHELL := /bin/bash
TOP := $(CURDIR)
KREL ?= $(shell . scripts/lib.sh; etp_default_release 2>/dev/null)
KDIR ?= /lib/modules/$(KREL)/build
HARNESS ?= $(shell . scripts/lib.sh; etp_harness_dir)

.PHONY: all module setup sparse clean check demo selftests debug-kernel check-debug install states tools bench lab dumbbell

all: module

module:
	@test -d "$(KDIR)" || { echo "no kernel tree at '$(KDIR)': run scripts/setup (as root) or give KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 modules

sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 W=1 modules

setup:
	@scripts/setup

INSTALL_MOD_PATH ?= $(DESTDIR)
# The kernel's signing key is not in a headers package: install unsigned
# (DKMS signs with its own key).
install: module
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_PATH=$(abspath $(INSTALL_MOD_PATH)) \
		CONFIG_MODULE_SIG_ALL= modules_install
	depmod -b "$(or $(abspath $(INSTALL_MOD_PATH)),/)" "$$(cat $(KDIR)/include/config/kernel.release)"

states:
	scripts/etp-states --write

selftests:
	$(MAKE) -C selftests HARNESS=$(HARNESS)

tools:
	$(MAKE) -C tools

CHECK_KERNELS ?= 6.12 6.1 6.12-rt
# What runs where (Documentation/testing.rst has the table), to keep CI
# under 45 minutes: 6.12 runs everything. 6.1 runs what goes through
# module/compat.h, the only code that differs between the kernels: the
# socket calls (connect, data, bind: accept's and ioctl's arguments, the
# slab's usercopy region), sysctl.sh (sysctl registration), offload.sh
# (GSO), module.sh, l3mdev.sh and policy.sh (IPCB's layout and the hooks the
# demux calls are the kernel's), and icmp.sh (IP_RECVERR's place in
# inet_sock); not cong.sh (algorithms and ECN: no compat.h path; their
# modules build for 6.1 in build-check). The debug kernel leaves out what takes long for little that
# lockdep and KASAN would see anew: the long behaviour runs (the fault
# matrix, the soak, netem.sh: the fuzzer and failslab take their error
# paths), the unmodified programs, the documentation checks and README's
# examples (no kernel code of their own), the sysctl ranges
# (proc_dointvec_minmax's parsing), tools.sh (iproute2 reading the /proc
# files proc.sh checks) and trace.sh (the tracepoints copy fields the rest
# reads under KASAN too; it needs a VM of its own), and l3mdev.sh and
# policy.sh (the debug kernel is built without VRF and IPsec). Empty
# SKIP_6.1 or SKIP_DEBUG to run everything there.
SKIP_6.1 ?= faults.sh soak.sh apps.sh conformance.sh docs.sh netem.sh \
	fuzz.sh syncookies.sh teardown_load.sh trace.sh teardown.sh proc.sh tools.sh \
	examples.sh lab.sh cong.sh
SKIP_DEBUG ?= faults.sh soak.sh apps.sh docs.sh sysctl.sh netem.sh tools.sh trace.sh \
	l3mdev.sh policy.sh examples.sh lab.sh
# PREEMPT_RT (Debian's 6.12 RT kernel: softirqs run in threads, spinlocks
# sleep) runs the tests that take softirq's paths most: the socket calls,
# segment by segment (conformance.sh: the cases of DEBUG_CONFORM, which take
# the timer, allocation and freeing paths in softirq that no other test
# there takes; RT_CONFORM= runs them all), SYN floods and cookies, ICMP,
# closing under load (TIME_WAIT), and the unload. RT_TESTS= runs everything
# there.
RT_TESTS ?= bind connect data conformance.sh syncookies.sh icmp.sh \
	teardown_load.sh module.sh
# At KASAN's pace, beside CI's other VMs, there: offload.sh sends 1 MiB at a
# time, not 8 (2 MiB took 460 s of CPU there), in two of its four cases
# (large skbs through veth, and cut with their checksums by ETP: the other
# two take the same paths, and took 290 s); syncookies.sh leaves out its two
# floods, which take at thousands a second the paths its other four cases
# take a few times (cookies made and checked, the SYN queue full; 5,000 a
# second took 570 s of CPU, 1,000 still more than 500 in CI); the fuzzer
# sends 250 segments per state, not 1,000 (500 took from 310 s to more than
# 600; every state and mutation still runs, each fewer times);
# teardown_load.sh's four busy senders write every 100 ms, not 20 (a fifth
# of its CPU there: 116 s, not 143, beside one other VM); teardown.sh leaves
# out its wire capture (tshark's start, no new kernel path); and icmp.sh its
# TCP runs, whose results it asserts as literals too (ETP_TCP_CONTROL=0: the
# kernel's TCP under KASAN is no news, and its runs took as long as ETP's);
# cong.sh leaves out RFC 3168's transfer (its DCTCP transfer takes ecn.c's
# paths, CWR's and the exact echo; ecn.c's self-tests the RFC 3168 echo).
DEBUG_FLOODS := flood_with_cookies_legitimate_clients_connect,flood_without_cookies_drops_legitimate_syns
DEBUG_ENV ?= ETP_OFFLOAD_MIB=1 ETP_FUZZ_COUNT=250 ETP_LOAD_BUSY_MS=100 ETP_TCP_CONTROL=0 \
	ETP_SKIP_CASES="teardown.sh:wire_sequence offload.sh:veth_lossless_no_retransmission,software_segmentation syncookies.sh:$(DEBUG_FLOODS) cong.sh:ecn_transfers"
# The debug suite runs in two VMs at once, these tests in the second: a TCG
# VM keeps about one core busy, and the debug suite is CI's longest path.
# Balanced by trial ci62's times: the first VM had 1,940 s of tests, the
# second 1,020; with cong.sh, bind and connect here, about 1,480 each. (In
# CI the debug suite starts after the debug kernel's build, when make
# check's VMs are ending: a first VM left alone, with one vCPU, leaves a
# core idle.)
DEBUG_SECOND ?= fuzz.sh syncookies.sh teardown_load.sh offload.sh cong.sh bind connect
# ...and of the conformance suite, on the debug kernel, only these cases:
# timer and queue paths that no other test there takes (keepalive timeouts
# and resets, zero windows and their probes, an orphan's FIN held by one,
# overlapping retransmissions, CLOSING, orphans aborted at close and at a
# timeout; the variants' rows that allocate or free in softirq; TIME_WAIT's
# timestamps and reuse, the out-of-order rbtree and its SACK blocks, a
# timeout's lost marks on the retransmission queue, SACK recovery's cuts and
# marks and a timeout after SACKs, a reneging peer's quick timer and the
# marks it clears, a timeout's undo unmarking the queue). A name that is no
# case fails the run.
DEBUG_CONFORM ?= keepalive_dead_peer keepalive_answered_then_dead \
	keepalive_rebooted_peer zero_window_and_probes zero_window_from_peer \
	overlapping_retransmissions fin_closing orphan_zero_window_gives_up \
	orphans_limited v2way_passive_established_at_synack vclose3_fin_ack_at_once \
	vtw_off_no_time_wait vno1337_rst_ends_time_wait vno5961_syn_in_window_resets \
	tw_timestamps tw_reuse_connect sack_blocks_merge_and_vanish \
	dsack_sent_ofo_duplicate rto_marks_lost sack_recovery_resends_the_hole \
	sack_rto_skips_sacked sack_reneging_resends rto_undo_by_timestamp \
	tlp_probes_the_tail tlp_duplicate_probe_no_reduction
RT_CONFORM ?= $(DEBUG_CONFORM)
comma := ,
empty :=
space := $(empty) $(empty)

# `make check` (CI's longest path) runs its VMs in two lanes at once
# (scripts/check-suites), as the debug suite does (DEBUG_SECOND): a TCG VM
# keeps about one core busy. Lane 1 runs 6.12's suite but these tests, then
# 6.12-rt's; lane 2 these on 6.12, then ONE_CPU_TESTS, then 6.1's suite.
CHECK_SECOND ?= faults.sh docs.sh examples.sh soak.sh netem.sh
# Two vCPUs for these suites (6.12's lane 1, 6.12-rt: the socket call on one
# CPU, softirq on the other), one for every other VM of CI (CHECK_SECOND,
# 6.1, the debug kernel): with four VMs on two cores, a second vCPU spins on
# locks whose holder the host descheduled, and the same tests cost a third
# more CPU (Documentation/testing.rst). lockdep and KASAN check one vCPU's
# interleavings (softirq on a task's way out of an interrupt) as well.
SMP_KERNELS ?= 6.12 6.12-rt
DEBUG_SMP ?= 1

# Tests that switch tracepoints on and off: the first event enabled through
# tracefs registers a probe on sched_switch, which patches __schedule() while
# every CPU runs it, and QEMU 7.2's multi-threaded TCG now and then executes
# the patch's int3 after the kernel has taken it out again (an "Oops: int3"
# whose code bytes show no int3: a stale translation, not the kernel's bug).
# With one vCPU nothing races the patching: these run in a VM of their own
# with -smp 1.
ONE_CPU_TESTS ?= trace.sh lab.sh

# scripts/check-suites runs scripts/vm-check, scripts/dkms-check and
# scripts/twovm-test in its second lane, which has the time to spare.
check: setup
	scripts/build-check
	/usr/bin/python3 -m unittest tools/lab/test_ladder.py
	$(MAKE) module
	$(MAKE) selftests tools
	selftests/docs_text.sh
	CHECK_KERNELS="$(CHECK_KERNELS)" SKIP_61="$(SKIP_6.1)" CHECK_SECOND="$(CHECK_SECOND)" \
		ONE_CPU_TESTS="$(ONE_CPU_TESTS)" RT_TESTS="$(RT_TESTS)" SMP_KERNELS="$(SMP_KERNELS)" \
		RT_CASES="$(if $(strip $(RT_CONFORM)),conformance.sh:$(subst $(space),$(comma),$(strip $(RT_CONFORM))))" \
		scripts/check-suites

debug-kernel: setup
	@scripts/debug-kernel >/dev/null

# The debug kernel is slower (KASAN, lockdep): more time and memory.
# scripts/vm-check ran in `make check`: the harness is the same script on
# every kernel. A ONE_CPU_TESTS test not in SKIP_DEBUG gets its VM.
check-debug: debug-kernel
	$(MAKE) selftests tools
	@set -o pipefail; export ETP_VM_MEM=$${ETP_VM_MEM:-3G} ETP_VM_TIMEOUT=$${ETP_VM_TIMEOUT:-5400} \
		ETP_VM_SMP=$(DEBUG_SMP); \
	second=$$(for t in $(DEBUG_SECOND); do case " $(SKIP_DEBUG) " in *" $$t "*) ;; *) echo $$t ;; esac; done); \
	{ scripts/vm --kernel debug -- env ETP_SKIP_TESTS="$(SKIP_DEBUG) $(ONE_CPU_TESTS) $(DEBUG_SECOND)" \
		ETP_CASES="conformance.sh:$(subst $(space),$(comma),$(strip $(DEBUG_CONFORM)))" \
		$(DEBUG_ENV) selftests/run 2>&1 | sed -u 's/^/[vm 1] /'; } & first=$$!; \
	rc=0; [ -z "$$second" ] || { scripts/vm --kernel debug -- env $(DEBUG_ENV) selftests/run $$second 2>&1 | \
		sed -u 's/^/[vm 2] /'; } || rc=$$?; \
	wait $$first || rc=$$?; exit $$rc
	@one=$$(for t in $(ONE_CPU_TESTS); do case " $(SKIP_DEBUG) " in *" $$t "*) ;; *) echo $$t ;; esac; done); \
	[ -z "$$one" ] || ETP_VM_MEM=$${ETP_VM_MEM:-3G} ETP_VM_SMP=1 \
		scripts/vm --kernel debug -- selftests/run $$one

demo: setup
	$(MAKE) module
	scripts/vm -- scripts/demo

# The lab (Documentation/lab.rst): every experiment both ways in the test VM
# (one vCPU: it traces), its record in lab-results/, then each experiment's
# two ladders side by side as PNG and SVG, drawn on the host (matplotlib).
lab: setup
	$(MAKE) module
	ETP_VM_SMP=1 scripts/vm -- tools/etp-lab --all --out lab-results
	@for d in lab-results/[0-9]*; do \
		tools/etp-ladder $$d/standard.pcapng $$d/variant.pcapng --side-by-side \
			--trace $$d/standard.trace --trace $$d/variant.trace \
			--trace-offset 0 --trace-offset 0 --client 10.199.18.1 \
			--title "$${d##*/}: standard" --title "$${d##*/}: variant" \
			-o $$d/ladders.svg --png $$d/ladders.png || exit 1; \
	done; echo "lab-results/: each experiment's record, ladders.png its two runs side by side"

# The dumbbell (tools/etp-dumbbell): N = 2, 4 and 8 flows of each stack, and
# of both at once, through one bottleneck on Mininet, in the test VM: Jain's
# index and each stack's share, in dumbbell-results.{csv,json,png}.
# DUMBBELL_ARGS changes it (etp-dumbbell -h), e.g. "--cc dctcp --ecn".
DUMBBELL_ARGS ?=
dumbbell: setup
	$(MAKE) module
	ETP_VM_MEM=$${ETP_VM_MEM:-3G} scripts/vm -- tools/etp-dumbbell $(DUMBBELL_ARGS) \
		--csv dumbbell-results.csv --json dumbbell-results.json -o dumbbell-results.png

# The VM gets more memory for 100,000 connections and a bounded time.
QUICK ?= 0
# BENCH=impair (or any of tools/bench/run's groups): only those.
BENCH ?=
IMPAIR_RATE ?=
bench: setup
	$(MAKE) module
	$(MAKE) -C tools/bench
	@rm -f bench-results.csv bench-results.txt; rc=0; \
	ETP_VM_MEM=$${ETP_VM_MEM:-4G} ETP_VM_TIMEOUT=$${ETP_VM_TIMEOUT:-5400} \
		scripts/vm -- env QUICK=$(QUICK) TW_N="$(TW_N)" TW_HUGE_N=$(TW_HUGE_N) \
		IMPAIR_RATE=$(IMPAIR_RATE) tools/bench/run $(BENCH) || rc=$$?; \
	[ -f bench-results.csv ] && tools/bench/plot && cat bench-results.txt; \
	[ $$rc = 0 ] || echo "make bench: FAILED (status $$rc): runs failed or the VM did" >&2; \
	exit $$rc

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null || true
	$(MAKE) -C selftests clean
	$(MAKE) -C tools clean
	$(MAKE) -C tools/bench clean
