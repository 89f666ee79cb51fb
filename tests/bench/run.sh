#!/bin/sh
# Guest-memory benchmark: allocate + populate + register guest RAM with our
# backends, side by side with the fault-in limit (memset) and with QEMU
# preallocating the same amount; see the header of mem_bench.c.
# Block benchmark: 4 KiB reads/s through our virtio-blk paths (in-process,
# backend thread, vmm-blkd) against qemu-storage-daemon; see blk_bench.c.
# Boot benchmark: spawn to "Run /init" against QEMU microvm; boot_bench.c.
# Footprint benchmark: the VMM process's memory beside guest RAM, 1 and 8
# vCPUs, 4 disks, against QEMU microvm; footprint_bench.c.
# vmm-exec benchmark: `vmm-exec -- true` wall time and virtio-fs read MB/s
# against QEMU microvm with the same kernel, initramfs and virtiofsd; see
# exec_bench.c.
# Exit benchmark: cycles per port-I/O exit, against a baseline build of
# the VMM if given; exit_bench.sh.
# Scale benchmark: how cost grows, one table (start-up by RAM size, boot by
# vCPUs, 16 VMs at once, 1 to 4 disks under load) against QEMU microvm;
# see scale_bench.c.
#
# usage: sh tests/bench/run.sh BUILD_DIR [blk|kvm|scale|all]
#   blk: the block benchmark only (no KVM needed); kvm: the memory, boot,
#   footprint, vmm-exec and scale benchmarks (they need /dev/kvm: `make bench` runs
#   them through tests/box/with-kvm, in the KVM box where the host has
#   none, QEMU beside us in the same box); scale: the scale benchmark
#   only; all (default): blk and kvm.
# environment: ARCH (x86_64), BENCH_RUNS (5), BENCH_WARMUP (1),
#              BENCH_SIZE (1G), QEMU (qemu-system-x86_64),
#              BLK_SECONDS (2), BLK_DEPTH (32),
#              EXEC_KERNEL, EXEC_MODULES (exec_bench's kernel and its
#              modules; default: /boot/vmlinuz-RELEASE of the running
#              kernel, else the Debian kernel the KVM box boots, from its
#              cache), EXEC_READ_MIB (1024), SCALE_RUNS (3),
#              SCALE_QUICK (unset; 1: scale_bench --quick),
#              EXIT_ROUNDS (7), EXIT_BASELINE_VMM (unset: exit_bench
#              measures BUILD_DIR/vmm alone)
# Needs BUILD_DIR/bench/mem_bench, BUILD_DIR/vmm and the guests built;
# blk_bench needs BUILD_DIR/bench/blk_bench and BUILD_DIR/vmm-blkd;
# boot_bench and footprint_bench theirs and the Linux test kernel;
# exec_bench BUILD_DIR/bench/exec_bench, BUILD_DIR/vmm-exec and
# BUILD_DIR/vmm-exec-init, virtiofsd and a kernel with its modules (a
# missing piece skips it, saying which); scale_bench BUILD_DIR/bench/scale_bench,
# the hello guest and the test kernel with an initramfs that has
# testinit.readloop (likewise).
# As root it installs QEMU when missing and reserves huge pages for the
# run (mem_bench puts nr_hugepages back as it found it).

set -u
BUILD=${1:-build}
PART=${2:-all}
ARCH=${ARCH:-x86_64}
QEMU=${QEMU:-qemu-system-x86_64}
BENCH="$BUILD/bench/mem_bench"

if [ "$PART" != scale ] && [ ! -x "$BENCH" ]; then
	echo "run.sh: $BENCH is missing: make $BENCH" >&2
	exit 2
fi

# The peer: QEMU, installed from the distribution if we may.
if ! command -v "$QEMU" >/dev/null 2>&1 && [ "$QEMU" = qemu-system-x86_64 ] &&
   [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "run.sh: installing qemu-system-x86 for the QEMU reference"
	apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 >/dev/null
fi
if command -v "$QEMU" >/dev/null 2>&1; then
	set -- --qemu "$(command -v "$QEMU")"
elif [ "$(id -u)" = 0 ]; then
	set -- --no-qemu "$QEMU not found and could not be installed"
else
	set -- --no-qemu "$QEMU not found; as root: apt-get install -y qemu-system-x86"
fi
if [ "$ARCH" != x86_64 ]; then
	set -- --no-qemu "the QEMU reference is only set up for x86_64"
fi
qemu_opt=$1 qemu_val=$2
LINUX=${LINUX_DIR:-build/guests/linux/$ARCH}

# How cost grows, one table, against QEMU microvm (scale_bench.c).
run_scale() {
	missing=""
	for f in "$BUILD/bench/scale_bench" "$BUILD/vmm" "$BUILD/guests/$ARCH/hello" \
		 "$LINUX/vmlinux" "$LINUX/initramfs.cpio"; do
		[ -e "$f" ] || missing="$missing $f"
	done
	[ "$ARCH" = x86_64 ] || missing="$missing ARCH=x86_64 (the hello guest and QEMU's microvm)"
	if [ -n "$missing" ]; then
		echo "skip: scale_bench: missing:$missing (make $BUILD/bench/scale_bench guests test-kernel)"
		return
	fi
	set -- "$qemu_opt" "$qemu_val"
	[ -z "${SCALE_RUNS:-}" ] || set -- "$@" --runs "$SCALE_RUNS"
	[ -z "${SCALE_QUICK:-}" ] || set -- "$@" --quick
	"$BUILD/bench/scale_bench" --vmm "$BUILD/vmm" --hello "$BUILD/guests/$ARCH/hello" \
		--kernel "$LINUX/vmlinux" --initrd "$LINUX/initramfs.cpio" "$@"
}

# 4 KiB reads through our block paths against qemu-storage-daemon (it
# comes with the QEMU packages above); no guest, no /dev/kvm needed.
if [ "$PART" = kvm ] || [ "$PART" = scale ]; then
	:
elif [ -x "$BUILD/bench/blk_bench" ] && [ -x "$BUILD/vmm-blkd" ]; then
	"$BUILD/bench/blk_bench" --vmm-blkd "$BUILD/vmm-blkd" \
		--runs "${BENCH_RUNS:-5}" --warmup "${BENCH_WARMUP:-1}" \
		--seconds "${BLK_SECONDS:-2}" --depth "${BLK_DEPTH:-32}"
else
	echo "skip: blk_bench: needs $BUILD/bench/blk_bench and $BUILD/vmm-blkd (make $BUILD/vmm-blkd)"
fi

[ "$PART" != blk ] || exit 0
if [ ! -c /dev/kvm ]; then
	echo "run.sh: no /dev/kvm here: run the KVM benchmarks through tests/box/with-kvm (make bench does)" >&2
	exit 2
fi
# Where the figures come from, so that they are read against the right host.
kvm_kind=$("$BUILD/vmm" --probe 2>/dev/null | sed -n 's/^kvm: virtualization //p')
echo "bench: host: $(nproc) CPUs ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)), $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), kernel $(uname -r), KVM ${kvm_kind:-unknown}$([ "$(hostname)" = kvm-box ] && echo ', in the KVM box (nested KVM under QEMU TCG)')"
if [ "$PART" = scale ]; then
	run_scale
	exit 0
fi

"$BENCH" all "$@" \
	--vmm "$BUILD/vmm" --guest "$BUILD/guests/$ARCH/status" \
	--runs "${BENCH_RUNS:-5}" --warmup "${BENCH_WARMUP:-1}" \
	--size "${BENCH_SIZE:-1G}"

# The exit path: cycles per port-I/O exit (x86_64's pioloop guest), against
# another build of the VMM when EXIT_BASELINE_VMM names one.
if [ "$ARCH" = x86_64 ] && [ -f "$BUILD/guests/$ARCH/pioloop" ]; then
	sh tests/bench/exit_bench.sh "$BUILD/guests/$ARCH" ${EXIT_BASELINE_VMM:+"$EXIT_BASELINE_VMM"} "$BUILD/vmm"
else
	echo "skip: exit_bench: needs ARCH=x86_64 and $BUILD/guests/$ARCH/pioloop (make guests)"
fi

# Boot time against QEMU microvm, when the Linux test kernel is built.
if [ -x "$BUILD/bench/boot_bench" ] && [ -f "$LINUX/vmlinux" ] && [ -f "$LINUX/initramfs.cpio" ] &&
   command -v qemu-system-x86_64 >/dev/null 2>&1; then
	disk=$(mktemp /tmp/boot-bench-disk.XXXXXX)
	sh guests/linux/make-mbr-disk.sh "$disk" 37
	"$BUILD/bench/boot_bench" "$BUILD/vmm" "$LINUX/vmlinux" "$LINUX/initramfs.cpio" "$disk" "${BOOT_RUNS:-3}"
	rm -f "$disk"
else
	echo "skip: boot_bench: needs $BUILD/bench/boot_bench, the test kernel (make test-kernel) and qemu-system-x86_64"
fi

# Memory beside guest RAM against QEMU microvm ("$@": --qemu or --no-qemu).
if [ -x "$BUILD/bench/footprint_bench" ] && [ -f "$LINUX/vmlinux" ] && [ -f "$LINUX/initramfs.cpio" ]; then
	"$BUILD/bench/footprint_bench" "$@" "$BUILD/vmm" "$LINUX/vmlinux" "$LINUX/initramfs.cpio"
else
	echo "skip: footprint_bench: needs $BUILD/bench/footprint_bench and the test kernel (make test-kernel)"
fi

# vmm-exec against QEMU microvm: the same distribution kernel, initramfs
# and virtiofsd. The kernel: EXEC_KERNEL, else this host's running one,
# else the one the KVM box boots (it is what runs here in the box).
exec_kernel=${EXEC_KERNEL:-}
exec_modules=${EXEC_MODULES:-}
if [ -z "$exec_kernel" ] && [ -r "/boot/vmlinuz-$(uname -r)" ] &&
   [ -d "/lib/modules/$(uname -r)" ]; then
	exec_kernel=/boot/vmlinuz-$(uname -r)
	exec_modules=/lib/modules/$(uname -r)
fi
if [ -z "$exec_kernel" ]; then
	for k in "${KVM_BOX_CACHE:-/var/cache/vmm-box}"/linux-image-*/boot/vmlinuz-* \
		 "${XDG_CACHE_HOME:-${HOME:-/root}/.cache}"/vmm-box/linux-image-*/boot/vmlinuz-*; do
		[ -r "$k" ] || continue
		exec_kernel=$k
		exec_modules=${k%/boot/*}/lib/modules/${k##*/vmlinuz-}
	done
fi
missing=""
for f in "$BUILD/bench/exec_bench" "$BUILD/vmm-exec" "$BUILD/vmm-exec-init" \
	 /usr/lib/qemu/virtiofsd; do
	[ -e "$f" ] || missing="$missing $f"
done
command -v "$QEMU" >/dev/null 2>&1 || missing="$missing $QEMU"
[ -n "$exec_kernel" ] || missing="$missing a kernel (EXEC_KERNEL=PATH)"
[ "$ARCH" = x86_64 ] || missing="$missing ARCH=x86_64 (QEMU's microvm)"
if [ -z "$missing" ]; then
	set --
	[ -z "$exec_modules" ] || set -- --modules "$exec_modules"
	"$BUILD/bench/exec_bench" --vmm-exec "$BUILD/vmm-exec" --kernel "$exec_kernel" "$@" \
		--qemu "$(command -v "$QEMU")" --runs "${BENCH_RUNS:-5}" \
		--warmup "${BENCH_WARMUP:-1}" --read-mib "${EXEC_READ_MIB:-1024}"
else
	echo "skip: exec_bench: missing:$missing (make $BUILD/vmm-exec $BUILD/vmm-exec-init $BUILD/bench/exec_bench; virtiofsd is in qemu-system-common)"
fi

run_scale
