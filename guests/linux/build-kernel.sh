#!/bin/sh
# Build the small x86_64 Linux test kernel from Debian's linux-source-6.1.
#
# usage: build-kernel.sh OUT_DIR        (e.g. build/guests/linux/x86_64)
#
# Recipe: untar /usr/src/linux-source-6.1.tar.xz, `make tinyconfig`, enable
# the options listed in x86_64.config (next to this script) with
# scripts/config, `make olddefconfig`, check that every listed option ended up
# as asked, then `make vmlinux` and `make bzImage`. Two one-line source
# patches are applied, see patch_source() below.
#
# Outputs in OUT_DIR:
#   vmlinux           uncompressed ELF with the PVH entry note (boot this one:
#                     a bzImage spends minutes in its decompressor when the
#                     host's KVM emulates guest kernel code)
#   bzImage           the same kernel in the x86 boot protocol format
#   kernel.config     the final .config
#   kernel-build.log  output of the kernel's make
#   test-kernel.stamp hash of the recipe the outputs were built from
#
# Caching: the recipe hash covers this script, the options of x86_64.config
# (not its comments), any *.patch in this directory, the linux-source-6.1
# package version and the compiler version. When OUT_DIR's stamp matches,
# nothing is rebuilt. Built kernels are also kept in $TEST_KERNEL_CACHE/HASH/
# (default /var/cache/vmm-test-kernel for root, ~/.cache/vmm-test-kernel
# otherwise; set TEST_KERNEL_CACHE= to turn it off), so a fresh checkout on
# the same machine (CI) copies instead of rebuilding. KEEP_SRC=1 keeps the
# configured source tree in OUT_DIR/src. Concurrent runs on one OUT_DIR wait
# for each other (flock).
#
# Missing build packages are installed when run as root; otherwise the exact
# apt-get line is printed and the script exits 1.
set -eu

usage() { echo "usage: $0 OUT_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
[ -n "$1" ] || usage

SRC_PKG=linux-source-6.1
SRC_TAR=/usr/src/linux-source-6.1.tar.xz
PKGS="$SRC_PKG build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils kmod"
KMAKE="make ARCH=x86_64 KBUILD_BUILD_USER=vmm KBUILD_BUILD_HOST=test-kernel"

here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
fragment="$here/x86_64.config"
mkdir -p "$1"
out=$(cd "$1" && pwd)
stamp="$out/test-kernel.stamp"

if [ "${TEST_KERNEL_CACHE+set}" = set ]; then
	cache=$TEST_KERNEL_CACHE
elif [ "$(id -u)" = 0 ]; then
	cache=/var/cache/vmm-test-kernel
else
	cache="${XDG_CACHE_HOME:-$HOME/.cache}/vmm-test-kernel"
fi

log() { echo "build-kernel: $*"; }
die() { echo "build-kernel: error: $*" >&2; exit 1; }

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

ensure_packages() {
	missing=""
	for p in $PKGS; do
		installed "$p" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "build-kernel: missing packages:$missing" >&2
		echo "run as root: apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	log "installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

recipe_hash() {
	{
		cat "$self"
		fragment_options    # the fragment without its comments
		for f in "$here"/*.patch; do
			[ -e "$f" ] && cat "$f"
		done
		echo "$SRC_PKG $(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null || echo none)"
		gcc --version 2>/dev/null | head -n 1 || echo "no gcc"
	} | sha256sum | cut -c1-16
}

up_to_date() {
	[ -f "$stamp" ] && [ -f "$out/vmlinux" ] && [ "$(cat "$stamp")" = "$1" ]
}

from_cache() {
	[ -n "$cache" ] && [ -f "$cache/$1/vmlinux" ] && [ -f "$cache/$1/stamp" ] || return 1
	for f in vmlinux bzImage kernel.config; do
		[ -f "$cache/$1/$f" ] && cp "$cache/$1/$f" "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"
	done
	echo "$1" >"$stamp"
}

to_cache() {
	[ -n "$cache" ] || return 0
	mkdir -p "$cache/$1" 2>/dev/null || { log "cannot write cache $cache (ignored)"; return 0; }
	for f in vmlinux bzImage kernel.config; do
		[ -f "$out/$f" ] && cp "$out/$f" "$cache/$1/$f"
	done
	echo "$1" >"$cache/$1/stamp"
	# Keep the four most recently built kernels.
	# shellcheck disable=SC2012
	ls -1dt "$cache"/*/ 2>/dev/null | tail -n +5 | while read -r old; do
		rm -rf "$old"
	done
}

# Source patches, both for PVM hosts (/dev/kvm is the kvm_pvm module): there
# KVM runs guest kernel code in its instruction emulator, which cannot
# execute some instructions (int3 in protected or long mode, fwait, xrstor,
# clac/stac, popcnt) and fails the vCPU with KVM_EXIT_INTERNAL_ERROR
# (emulation failure) when it meets one. Neither patch has a config option;
# each sed is checked.
#
# 1. arch/x86/kernel/alternative.c: alternative_instructions() runs an int3
#    self-test at boot (int3 in long mode). The call becomes
#    `if (0) int3_selftest();`: the compiler drops the call and the then
#    unused self-test code, without an unused-function warning.
# 2. arch/x86/kernel/fpu/core.c: fpu__drop() runs `fwait` (to flush pending
#    x87 exceptions of the task) whenever a task exits or execs, including
#    kernel threads that exit during boot (a workqueue rescuer, the
#    clocksource watchdog's "kwatchdog", depending on timing), so an
#    unpatched kernel stops at a random point of its boot. The fwait becomes
#    a nop; a pending unmasked x87 exception of an exiting task is then just
#    forgotten, which does not matter for the test kernel.
patch_source() {
	f="$1/arch/x86/kernel/alternative.c"
	sed -i 's/^\tint3_selftest();$/\tif (0) int3_selftest(); \/* vmm test kernel: no int3 self-test *\//' "$f"
	[ "$(grep -c '^	if (0) int3_selftest(); /\* vmm test kernel' "$f")" = 1 ] ||
		die "patching int3_selftest() in $f failed (source changed?)"

	f="$1/arch/x86/kernel/fpu/core.c"
	sed -i 's|^\t\tasm volatile("1: fwait\\n"$|\t\tasm volatile("1: nop\\n" /* vmm test kernel: no fwait */|' "$f"
	[ "$(grep -c 'asm volatile("1: nop\\n" /\* vmm test kernel: no fwait' "$f")" = 1 ] ||
		die "patching fpu__drop() in $f failed (source changed?)"
}

# Every NAME=VALUE of the fragment, without comments and blank lines.
fragment_options() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$fragment"
}

configure() {
	src="$1"
	$KMAKE -C "$src" tinyconfig >>"$out/kernel-build.log" 2>&1
	fragment_options | while IFS='=' read -r name value; do
		name=${name#CONFIG_}
		case "$value" in
		y) "$src/scripts/config" --file "$src/.config" --enable "$name" ;;
		n) "$src/scripts/config" --file "$src/.config" --disable "$name" ;;
		*) "$src/scripts/config" --file "$src/.config" --set-val "$name" "$value" ;;
		esac
	done
	$KMAKE -C "$src" olddefconfig >>"$out/kernel-build.log" 2>&1
	bad=""
	for opt in $(fragment_options); do
		case "$opt" in
		*=n) grep -q "^${opt%=n}=" "$src/.config" && bad="$bad $opt" ;;
		*) grep -qx "$opt" "$src/.config" || bad="$bad $opt" ;;
		esac
	done
	if [ -n "$bad" ]; then
		echo "build-kernel: these options of $fragment did not end up as asked" \
			"after make olddefconfig (a dependency is missing from the fragment?):" >&2
		for opt in $bad; do
			echo "  $opt (got: $(grep -E "^(# )?${opt%%=*}[= ]" "$src/.config" || echo 'absent'))" >&2
		done
		exit 1
	fi
}

hash=$(recipe_hash)
if up_to_date "$hash"; then
	echo "test kernel up to date (hash $hash)"
	exit 0
fi

# One build per OUT_DIR at a time (flock is in util-linux, always installed);
# whoever waited finds the other's result up to date below.
exec 9>"$out/.build-kernel.lock"
if ! flock -n 9; then
	log "waiting for another build-kernel.sh in $out"
	flock 9
fi

ensure_packages
hash=$(recipe_hash)     # the source package may just have been installed
if up_to_date "$hash"; then
	echo "test kernel up to date (hash $hash)"
	exit 0
fi
if from_cache "$hash"; then
	echo "test kernel up to date (hash $hash, copied from $cache/$hash)"
	exit 0
fi

[ -f "$SRC_TAR" ] || die "$SRC_TAR not found although $SRC_PKG is installed"
start=$(date +%s)
rm -f "$stamp" "$out/kernel-build.log"
srcdir="$out/src"
rm -rf "$srcdir"
mkdir -p "$srcdir"
log "unpacking $SRC_TAR into $srcdir"
tar -xJf "$SRC_TAR" -C "$srcdir"
src="$srcdir/linux-source-6.1"
[ -f "$src/Makefile" ] || die "unexpected layout of $SRC_TAR (no linux-source-6.1/Makefile)"

patch_source "$src"
for p in "$here"/*.patch; do
	[ -e "$p" ] || continue
	log "applying $(basename "$p")"
	patch -d "$src" -p1 --forward --quiet <"$p"
done

log "configuring (tinyconfig + $(basename "$fragment"))"
configure "$src"

jobs=$(nproc 2>/dev/null || echo 2)
log "building vmlinux with $jobs jobs (output in $out/kernel-build.log)"
if ! $KMAKE -C "$src" -j"$jobs" vmlinux >>"$out/kernel-build.log" 2>&1; then
	tail -n 40 "$out/kernel-build.log" >&2
	die "kernel build failed; full log: $out/kernel-build.log"
fi
readelf -n "$src/vmlinux" | grep -q 'Xen.*0x00000012' ||
	die "vmlinux has no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY)"
log "building bzImage"
if ! $KMAKE -C "$src" -j"$jobs" bzImage >>"$out/kernel-build.log" 2>&1; then
	tail -n 40 "$out/kernel-build.log" >&2
	die "bzImage build failed; full log: $out/kernel-build.log"
fi

for f in vmlinux arch/x86/boot/bzImage .config; do
	name=$(basename "$f")
	[ "$name" = .config ] && name=kernel.config
	cp "$src/$f" "$out/$name.tmp"
	mv "$out/$name.tmp" "$out/$name"
done
[ "${KEEP_SRC:-0}" = 1 ] || rm -rf "$srcdir"
echo "$hash" >"$stamp"
to_cache "$hash"
log "built $(basename "$src") in $(($(date +%s) - start)) s:" \
	"vmlinux $(wc -c <"$out/vmlinux") bytes, bzImage $(wc -c <"$out/bzImage") bytes (hash $hash)"
