# SPDX-License-Identifier: GPL-2.0
#
# make               build module/etp.ko against Debian's 6.12 headers
# make KDIR=DIR      build against another kernel tree (Debian 6.1 included)
# make check         set-up, warning-free builds, the whole test suite in the
#                    test VM on each of CHECK_KERNELS (default: 6.12 6.1),
#                    and two VMs joined by virtio-net on 6.12 (scripts/twovm-test)
# make demo          the main job, shown to a person, in the test VM
# make sparse        build with sparse (C=2 checks every file)

SHELL := /bin/bash
TOP := $(CURDIR)
KREL ?= $(shell . scripts/lib.sh; etp_default_release 2>/dev/null)
KDIR ?= /lib/modules/$(KREL)/build
HARNESS ?= $(shell . scripts/lib.sh; etp_harness_dir)

.PHONY: all module setup sparse clean check demo selftests

all: module

module:
	@test -d "$(KDIR)" || { echo "no kernel tree at '$(KDIR)': run scripts/setup (as root) or give KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(TOP) modules

sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 W=1 modules

setup:
	@scripts/setup

selftests:
	$(MAKE) -C selftests HARNESS=$(HARNESS)

CHECK_KERNELS ?= 6.12 6.1

check: setup
	scripts/build-check
	$(MAKE) module
	$(MAKE) selftests
	@set -e; for k in $(CHECK_KERNELS); do \
		echo "== selftests on Debian $$k"; \
		scripts/vm --kernel $$k -- selftests/run; \
	done
	@case " $(CHECK_KERNELS) " in *" 6.12 "*) echo "== two VMs on Debian 6.12"; scripts/twovm-test ;; esac

demo: setup
	$(MAKE) module
	scripts/vm -- scripts/demo

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean 2>/dev/null || true
	$(MAKE) -C selftests clean
