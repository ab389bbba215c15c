# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the scripts in this directory. Source it; do not run it.

# Where set-up puts what is not in the repository (kselftest headers, built
# initramfs images, modules built for other kernels, the debug kernel).
# ETP_CACHE moves it, but not under /tmp, /run or /var/tmp: in the guest
# those are its own tmpfs, and the modules are loaded from the cache.
# etp_help FILE: print FILE's header comment, its usage (for --help).
etp_help() { sed -n '3,/^[^#]/{/^#/{s/^# \{0,1\}//;p}}' "$1" | sed '/./,$!d'; }

etp_cache_dir() { echo "${ETP_CACHE:-/var/cache/etp}"; }
etp_harness_dir() { echo "$(etp_cache_dir)/kselftest"; }
# Debian's dynamically linked busybox, unpacked (not installed: it would
# replace busybox-static), for selftests/apps.sh: etp-run cannot preload a
# static binary.
etp_busybox() { echo "$(etp_cache_dir)/busybox/bin/busybox"; }

# etp_kernel_release SPEC: the installed kernel release for SPEC, which is a
# Debian series ("6.12", "6.1", "6.12-rt" for PREEMPT_RT) or a full release
# ("6.12.57+deb12-amd64"). A series names one flavour: "6.12" is never the
# RT kernel, whose release (6.12.N+deb12-rt-amd64) sorts after the stock one.
etp_kernel_release() {
	local spec=$1 r
	if [ -e "/lib/modules/$spec" ]; then echo "$spec"; return 0; fi
	case $spec in
	*-rt) r=$(ls -d /lib/modules/"${spec%-rt}".*-rt-amd64 2>/dev/null | sort -V | tail -n 1) ;;
	6.1) r=$(ls -d /lib/modules/6.1.0-*-amd64 2>/dev/null | grep -v -- '-rt-amd64$' |
		 sort -V | tail -n 1) ;;
	*) r=$(ls -d /lib/modules/"$spec".*-amd64 2>/dev/null | grep -v -- '-rt-amd64$' |
	       sort -V | tail -n 1) ;;
	esac
	[ -n "$r" ] || return 1
	basename "$r"
}

# The newest installed Debian 6.12 kernel is the default target.
etp_default_release() { etp_kernel_release 6.12; }

# etp_module_tree RELEASE: print the directory etp.ko builds in for RELEASE.
# The default target builds in place (module/etp.ko); any other kernel builds
# in a copy under the cache, its sources brought up to date here, so that the
# two do not clobber each other's objects. The caller holds etp_module_lock.
etp_module_tree() {
	local release=$1 top dir
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	if [ "$release" = "$(etp_default_release 2>/dev/null)" ]; then
		echo "$top"
		return
	fi
	dir=$(etp_cache_dir)/build/$release
	mkdir -p "$dir"
	cp -a "$top/Kbuild" "$top/Makefile" "$dir/"
	rm -rf "$dir/module.new"
	cp -a "$top/module" "$dir/module.new"
	# Keep objects that are still current: only replace sources that
	# changed, stamped now (not with their own time: the cache is shared
	# by every clone, and another clone's build of older sources may be
	# newer than this clone's edit, which make would then skip).
	mkdir -p "$dir/module"
	(cd "$dir/module.new" && find . -type f ! -name '*.o' ! -name '*.ko' ! -name '.*.cmd' \
		! -name '*.mod*' ! -name 'modules.order' ! -name 'Module.symvers' -print0) |
		while IFS= read -r -d '' f; do
			cmp -s "$dir/module.new/$f" "$dir/module/$f" ||
				{ mkdir -p "$dir/module/$(dirname "$f")"; cp "$dir/module.new/$f" "$dir/module/$f"; }
		done
	rm -rf "$dir/module.new"
	echo "$dir"
}

# etp_module_lock RELEASE: take (in $ETP_MODULE_LOCK, an fd) the lock of
# RELEASE's build: two VMs started at once (make check-debug starts two)
# build one at a time, and the second finds the objects current.
etp_module_lock() {
	mkdir -p "$(etp_cache_dir)/build"
	exec {ETP_MODULE_LOCK}>"$(etp_cache_dir)/build/$1.lock"
	flock "$ETP_MODULE_LOCK"
}

# etp_build_module KDIR RELEASE: build etp.ko against KDIR and print its path.
etp_build_module() {
	local kdir=$1 release=$2 dir
	etp_module_lock "$release"
	dir=$(etp_module_tree "$release")
	if ! make -s -C "$dir" KDIR="$kdir" module >&2; then
		exec {ETP_MODULE_LOCK}>&-
		return 1
	fi
	exec {ETP_MODULE_LOCK}>&-
	echo "$dir/module/etp.ko"
}

# etp_vm_initramfs RELEASE: print the path of a small initramfs that loads the
# 9p modules of RELEASE and switches to the host's / over 9p. Cached.
etp_vm_initramfs() {
	local release=$1 top out key tmp m
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	key=$(cat "$top/scripts/vm-initramfs-init" /bin/busybox /lib/modules/"$release"/modules.dep |
		md5sum | cut -c1-12)
	out=$(etp_cache_dir)/initramfs/$release-$key.cpio.gz
	if [ ! -f "$out" ]; then
		tmp=$(mktemp -d)
		mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,lib/modules}
		cp /bin/busybox "$tmp/bin/busybox"
		cp "$top/scripts/vm-initramfs-init" "$tmp/init"
		chmod +x "$tmp/init"
		: >"$tmp/lib/modules/order"
		# Dependencies first, as modprobe would load them; builtins are skipped.
		modprobe -a -S "$release" --show-depends virtio_pci 9pnet_virtio 9p 2>/dev/null |
			awk '$1 == "insmod" { print $2 }' | awk '!seen[$0]++' |
			while read -r m; do
				local name
				name=$(basename "$m"); name=${name%%.ko*}
				case $m in
				*.xz) xz -dc "$m" >"$tmp/lib/modules/$name.ko" ;;
				*.zst) zstd -qdc "$m" >"$tmp/lib/modules/$name.ko" ;;
				*.gz) gzip -dc "$m" >"$tmp/lib/modules/$name.ko" ;;
				*) cp "$m" "$tmp/lib/modules/$name.ko" ;;
				esac
				echo "$name" >>"$tmp/lib/modules/order"
			done
		grep -qx 9p "$tmp/lib/modules/order" || { rm -rf "$tmp"; return 1; }
		mkdir -p "$(dirname "$out")"
		(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
		mv "$out.tmp" "$out"
		rm -rf "$tmp"
	fi
	echo "$out"
}

# etp_kernel_reports LOG...: print the lines of kernel logs that report a bug:
# WARN, BUG, Oops, panic, lockdep, KASAN, KFENCE, UBSAN, kmemleak, debugobjects,
# list corruption, refcount errors, RCU stalls, lockups and hung tasks.
etp_kernel_reports() {
	cat "$@" 2>/dev/null | tr -d '\r' | grep -E \
		-e '-----------[[] cut here []]' -e 'WARNING:' -e 'BUG:' -e '[Oo]ops[:]' \
		-e 'Kernel panic' -e 'general protection fault' -e 'kernel BUG at' \
		-e 'INFO: (possible|inconsistent|trying to register|suspicious RCU)' \
		-e 'KASAN' -e 'KFENCE' -e 'UBSAN' -e 'kmemleak: [0-9]+ new suspected' \
		-e 'unreferenced object' -e 'ODEBUG' -e 'list_(add|del) corruption' \
		-e 'refcount_t:' -e 'rcu_(sched|preempt) detected stall' \
		-e 'soft lockup' -e 'hard LOCKUP' -e 'blocked for more than' |
		awk '!seen[$0]++' | head -n 40 || true
}

# etp_kernel_report_first LOG: the first report of LOG with what follows it
# (the task, RIP, flags and call trace), so that a CI log alone can tell why.
etp_kernel_report_first() {
	local first
	first=$(etp_kernel_reports "$1" | head -n 1)
	[ -n "$first" ] || return 0
	tr -d '\r' <"$1" | grep -F -x -A 45 -- "$first" | head -n 46
}

# The version of Debian's linux-source-6.12 package (the debug kernel's source).
etp_debug_kernel_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null | grep . || return 1
}

# etp_debug_kernel_dir: where 'make debug-kernel' builds, keyed by the source
# version and the config fragments, so that a change to either rebuilds.
etp_debug_kernel_dir() {
	local top ver key
	top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
	ver=$(etp_debug_kernel_source_version) || return 1
	key=$(cat "$top"/scripts/kconfig/*.config | md5sum | cut -c1-12)
	echo "$(etp_cache_dir)/debug-kernel/$ver-$key"
}

# etp_debug_kernel_image: the bzImage built by 'make debug-kernel' for the
# current source and fragments, if it is built.
etp_debug_kernel_image() {
	local dir
	dir=$(etp_debug_kernel_dir) || return 1
	[ -f "$dir/.etp-built" ] && [ -f "$dir/arch/x86/boot/bzImage" ] || return 1
	echo "$dir/arch/x86/boot/bzImage"
}
