#!/bin/bash
# The nested-KVM boot test (see tests/nested/README.md).
#
#   run.sh VMM_STATIC OUT_DIR [BLKD_STATIC RAW_GUEST]
#                                             build everything and run the test
#   run.sh --check OUT_DIR                    only judge OUT_DIR/l1.log again
#
# ARCH=x86_64 (default):
# L1 is Debian's cloud kernel under qemu-system-x86_64 -accel tcg with SVM;
# its /init (l1-init) loads irqbypass, kvm and kvm-amd and runs our static
# vmm, which boots L2: the same stock kernel's bzImage with a busybox
# initramfs (l2-init), 2 vCPUs, 256M, a virtio-blk disk and virtio-rng.
# The whole serial log goes to OUT_DIR/l1.log (and, with the host time of
# each line, OUT_DIR/l1.timed.log); the checks and timings are printed at
# the end, with a closing "nested: N passed, N failed" line. Exit status 0
# only if every check passed.
#
# ARCH=arm64: L1 is Debian's arm64 cloud kernel (KVM built in) under
# qemu-system-aarch64 -M virt,virtualization=on,gic-version=3 -cpu
# max,pauth=off -accel tcg; its /init (arm64/l1-init) starts vmm-blkd
# (BLKD_STATIC) on a unix socket and runs our static arm64 vmm, which boots
# L2: the same kernel's Image with a busybox initramfs (arm64/l2-init),
# 2 vCPUs, 256M, one virtio-blk disk of its own and one served by vmm-blkd
# through vhost-user; L2 reports the PMU and the GICv3 ITS our vmm gives
# it. Before L2, L1 boots RAW_GUEST (guests/arm64/raw-hello.bin) with vmm
# --kernel-format=raw.
#
# Environment:
#   NESTED_CACHE            download cache (default /var/cache/vmm-nested as
#                           root, OUT_DIR/cache otherwise), one dir per
#                           package version
#   NESTED_TIMEOUT          the whole L1 run, default 600 s
#   NESTED_L2_TIMEOUT       our vmm's --timeout, default 120 s
#   NESTED_L2_CPUS          arm64: L2's vCPUs, default 2 (experiments)
#   NESTED_L2_EXIT          how L2's init ends the VM: poweroff (default,
#                           ACPI S5) or reboot (i8042 reset via reboot=k);
#                           our vmm exits 0 for both
#   NESTED_VIRTIO_SSDT=1    describe the virtio-mmio devices to L2 in an
#                           extra ACPI table (an experiment, see below)
#   NESTED_L2_CMDLINE_EXTRA appended to L2's command line (experiments)
#   NESTED_TRACE_PIO=1      L1 counts L2's port I/O exits by port
#                           (kvm:kvm_pio tracepoint)
#   NESTED_TRACE_MMIO=1     arm64: L1 counts L2's MMIO exits by address
#                           (kvm:kvm_mmio tracepoint)
#   NESTED_VERBOSE=1        echo the whole log live
#   QEMU                    default qemu-system-x86_64 (arm64:
#                           qemu-system-aarch64)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/debian.sh
. "$here/../lib/debian.sh"
ARCH=${ARCH:-x86_64}
TIMEOUT=${NESTED_TIMEOUT:-600}
L2_TIMEOUT=${NESTED_L2_TIMEOUT:-120}
L2_EXIT=${NESTED_L2_EXIT:-poweroff}
if [ "$ARCH" = arm64 ]; then
	QEMU=${QEMU:-qemu-system-aarch64}
else
	QEMU=${QEMU:-qemu-system-x86_64}
fi
L2_MEM_KB=$((256 * 1024))
L2_CPUS=${NESTED_L2_CPUS:-2}

die() { echo "nested: $*" >&2; exit 1; }

# ---------------------------------------------------------------- checks --

# judge OUT_DIR: the PASS/FAIL lines, timings and the closing count.
judge() {
	local out=$1 log=$1/l1.log tlog=$1/l1.timed.log
	local nonce="" qemu_status="" arch=$ARCH l2_cpus=$L2_CPUS pass=0 fail=0 mem
	[ -f "$log" ] || die "no log at $log"
	# shellcheck disable=SC1091
	[ -f "$out/run.env" ] && . "$out/run.env"
	[ "$arch" = "$ARCH" ] || die "$log is from an ARCH=$arch run; judge it with ARCH=$arch"

	check() {
		local name=$1
		shift
		if "$@"; then
			printf 'PASS  %s\n' "$name"
			pass=$((pass + 1))
		else
			printf 'FAIL  %s\n' "$name"
			fail=$((fail + 1))
		fi
	}
	has() { grep -q -E -- "$1" "$log"; }
	hasnt() { ! grep -q -E -- "$1" "$log"; }
	mem_ok() {
		mem=$(awk 'match($0, /L2-INIT: memtotal_kb [0-9]+/) { split(substr($0, RSTART, RLENGTH), w, " "); print w[3]; exit }' "$log")
		[ -n "$mem" ] && [ "$mem" -le "$L2_MEM_KB" ] && [ "$mem" -ge $((L2_MEM_KB * 3 / 4)) ]
	}
	qemu_ok() { [ "${qemu_status:-x}" = 0 ]; }
	# rtc_near since_epoch|hwclock: that reading of L2's rtc0 minus L2's
	# date +%s is at most 2 s either way.
	rtc_near() {
		local d
		d=$(sed -n "s/.*L2-INIT: rtc minus date: .*$1 \(-\{0,1\}[0-9]*\) s.*/\1/p" "$log" | head -n 1)
		[ -n "$d" ] && [ "${d#-}" -le 2 ]
	}
	rtc_in_l1_run() {
		local before after since
		before=$(sed -n 's/.*L1: clock before vmm \([0-9]*\)$/\1/p' "$log" | head -n 1)
		after=$(sed -n 's/.*L1: clock after vmm \([0-9]*\)$/\1/p' "$log" | head -n 1)
		since=$(sed -n 's/.*L2-INIT: rtc date [0-9]* since_epoch \([0-9]*\) .*/\1/p' "$log" | head -n 1)
		[ -n "$before" ] && [ -n "$after" ] && [ -n "$since" ] &&
			[ "$since" -ge $((before - 1)) ] && [ "$since" -le $((after + 1)) ]
	}

	echo "== nested: checks ($log)"
	check "L1 (QEMU) exited by itself with status 0 (got ${qemu_status:-?}; 124 = ${TIMEOUT}s timeout)" qemu_ok
	check "L1 reached its /init" has 'L1-INIT: started'
	if [ "$arch" = arm64 ]; then
		judge_arm64
		return
	fi
	check "L1 has /dev/kvm after irqbypass, kvm, kvm-amd" has 'L1: /dev/kvm present'
	check "vmm --probe in L1 reports SVM" has 'kvm: virtualization svm'
	check "our vmm exited with status 0" has 'L1: vmm exit status 0( |$)'
	check "L2 reached its /init" has 'L2-INIT: started'
	check "L2 sees 2 CPUs" has 'L2-INIT: cpus 2$'
	mem_ok && true
	check "L2 MemTotal close to 256M (${mem:-?} kB, want $((L2_MEM_KB * 3 / 4))..$L2_MEM_KB)" mem_ok
	check "L2 reads the pattern at sector 1 of /dev/vda" has 'L2-INIT: disk pattern ok'
	check "L2's write to sector 2 reached the disk image" has "L1: disk sector 2: L2-WROTE-${nonce:-NO-NONCE}"
	check "L2 reads 64 bytes from virtio-rng" has 'L2-INIT: hwrng virtio_rng[.0-9]* 64 bytes'
	check "L2's init ran to its end" has 'L2-INIT: done'
	check "no kernel panic in L1 or L2" hasnt 'Kernel panic'

	report
}

# The arm64 checks, after judge's first two.
judge_arm64() {
	check "L1's KVM runs in VHE mode" has 'kvm \[[0-9]+\]: VHE mode initialized successfully'
	check "L1 has /dev/kvm (built into the kernel)" has 'L1: /dev/kvm present'
	check "vmm --probe in L1 exits 0" has 'L1: vmm --probe exit status 0$'
	check "vmm-blkd listens in L1" has 'L1: vmm-blkd listening on '
	check "a raw binary (--kernel-format=raw) printed its line" has 'L1: raw default: RAW-HELLO: hello from a raw arm64 binary'
	check "the raw binary was entered at the RAM base" has 'L1: raw default: RAW-HELLO: entered at the RAM base 0x40000000'
	check "the raw binary got the device tree in x0" has 'L1: raw default: RAW-HELLO: x0 points at a device tree'
	check "the raw binary's device tree has a PMU (L1's KVM offers one)" has 'L1: raw default: RAW-HELLO: the device tree has a PMU'
	check "vmm --kernel-format=raw exited with status 0 (PSCI SYSTEM_OFF)" has 'L1: raw vmm \(default\) exit status 0$'
	check "with --cpu-features -pmu,-its the device tree has no PMU" has 'L1: raw nopmu: RAW-HELLO: the device tree has no PMU'
	check "... and that vmm (no PMU, no ITS) exited with status 0 too" has 'L1: raw vmm \(nopmu\) exit status 0$'
	check "our vmm exited with status 0" has 'L1: vmm exit status 0( |$)'
	check "L2 reached its /init" has 'L2-INIT: started'
	check "L2 sees $l2_cpus CPUs" has "L2-INIT: cpus $l2_cpus\$"
	check "L2 has /dev/rtc0, bound to rtc-pl031 (pl031 node)" has 'L2-INIT: rtc0 char device driver rtc-pl031 '
	check "L2's rtc0 (sysfs since_epoch) is within 2 s of its date +%s" rtc_near since_epoch
	check "L2's hwclock -r -u is within 2 s of its date +%s" rtc_near hwclock
	check "L2's rtc0 reads L1's clock (between L1's date before and after the vmm)" rtc_in_l1_run
	check "L2's RTC alarm (wakealarm +2 s) raised the PL031's interrupt" has 'L2-INIT: rtc alarm interrupts [1-9][0-9]*,'
	check "L2 sees the PMU (armv8_pmuv3 perf events, from the pmu node)" has 'L2-INIT: pmu armv8_pmuv3'
	check "L2's kernel enabled hardware perf events" has 'L2-INIT: dmesg: .*hw perfevents: enabled'
	check "L2 finds the ITS (msi-controller node) at 0x08080000" has 'L2-INIT: its ITS \[mem 0x0*8080000-0x0*809ffff\]$'
	check "L2's ITS driver set up its tables in our vmm's (KVM's) ITS" has 'L2-INIT: dmesg: .*ITS@0x0*8080000: allocated [0-9]+ Devices'
	mem_ok && true
	check "L2 MemTotal close to 256M (${mem:-?} kB, want $((L2_MEM_KB * 3 / 4))..$L2_MEM_KB)" mem_ok
	check "L2 reads the pattern at sector 1 of /dev/vda (our vmm's virtio-blk)" has 'L2-INIT: vda pattern ok'
	check "L2 reads the pattern at sector 1 of /dev/vdb (vmm-blkd, vhost-user)" has 'L2-INIT: vdb pattern ok'
	check "L2's write to vda reached disk-a.img (seen from L1)" has "L1: disk-a sector 2: L2-WROTE-vda-${nonce:-NO-NONCE}"
	check "L2's write to vdb reached disk-b.img through vmm-blkd (seen from L1)" has "L1: disk-b sector 2: L2-WROTE-vdb-${nonce:-NO-NONCE}"
	check "L2's init ran to its end" has 'L2-INIT: done'
	check "vmm-blkd stopped on SIGTERM with status 0" has 'L1: vmm-blkd exit status 0$'
	check "no kernel panic in L1 or L2" hasnt 'Kernel panic'
	report
}

# report: times, the vmm's exit lines and stats, the closing count.
report() {
	if [ -f "$tlog" ]; then
		echo "== nested: times (host clock, from the arrival of each log line)"
		awk '
			function show(name, a, b) {
				if (a == "" || b == "") printf "  %-34s   -\n", name
				else printf "  %-34s %7.1f s\n", name, b - a
			}
			NR == 1 { t0 = $1 }
			/QEMU-START/ && q == "" { q = $1 }
			/L1-INIT: started/ && l1 == "" { l1 = $1 }
			/L1: starting vmm/ && v == "" { v = $1 }
			v != "" && k2 == "" && /Linux version/ { k2 = $1 }
			/L2-INIT: started/ && l2 == "" { l2 = $1 }
			/L2-INIT: done/ && d2 == "" { d2 = $1 }
			/L1: vmm exit status/ && ve == "" { ve = $1 }
			# The sum of the reasons; unclaimed_io and emulated_by_vmm
			# count exits already counted as io/mmio and internal_error.
			/vmm: exits: / && ex == "" {
				for (i = 1; i <= NF; i++)
					if (split($i, kv, "=") == 2 && kv[2] ~ /^[0-9]+$/ &&
					    kv[1] != "unclaimed_io" && kv[1] != "emulated_by_vmm")
						ex += kv[2]
			}
			{ last = $1 }
			END {
				if (q == "") q = t0
				show("L1 boot to its init", q, l1)
				show("vmm start to L2 kernel banner", v, k2)
				show("vmm start to L2 init", v, l2)
				show("L2 init to its end", l2, d2)
				show("vmm start to vmm exit", v, ve)
				show("total (QEMU start to end)", q, last)
				if (ex != "" && v != "" && ve != "" && ve > v)
					printf "  %-34s %7d (%.0f/s over the vmm run)\n", "VM exits, all reasons", ex, ex / (ve - v)
			}' "$tlog"
	fi
	echo "== nested: vmm exit and stats"
	grep -E '^vmm: |L1: vmm exit status|L1: disk(-[ab])? sector 2|L1: vmm-blkd exit' "$log" | sed 's/^/  /' || true
	echo "nested: $pass passed, $fail failed"
	if [ "$fail" != 0 ]; then
		echo "nested: the whole log is $log"
	fi
	[ "$fail" = 0 ]
}

if [ "${1:-}" = "--check" ]; then
	[ $# -eq 2 ] || die "usage: $0 --check OUT_DIR"
	judge "$2"
	exit
fi

[ $# -eq 2 ] || [ $# -eq 4 ] || die "usage: $0 VMM_STATIC OUT_DIR [BLKD_STATIC RAW_GUEST] | $0 --check OUT_DIR"
case $ARCH in
x86_64) machine="Advanced Micro Devices X86-64" ;;
arm64)
	machine=AArch64
	[ $# -eq 4 ] || die "ARCH=arm64 needs BLKD_STATIC and RAW_GUEST: the static vmm-blkd for L1 and guests/arm64's raw binary"
	;;
*) die "ARCH=$ARCH: only x86_64 and arm64" ;;
esac
VMM=$1
BLKD=${3:-}
RAW_GUEST=${4:-}
[ -z "$RAW_GUEST" ] || [ -s "$RAW_GUEST" ] || die "no raw guest binary at $RAW_GUEST"
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
# One run per OUT_DIR at a time: a second would overwrite the first's log.
exec 9>"$OUT/.lock"
flock -n 9 || die "another run.sh is running in $OUT (it holds $OUT/.lock); wait for it or use another OUT_DIR"
# static_binary PATH: an executable for ARCH without a dynamic loader.
static_binary() {
	[ -x "$1" ] || die "no static binary at $1"
	readelf -h "$1" | grep -q -E "Machine: +$machine\$" ||
		die "$1 is not built for $ARCH ($(readelf -h "$1" | sed -n 's/^ *Machine: *//p'))"
	if readelf -l "$1" | grep -q INTERP; then
		die "$1 is dynamically linked; L1 has no C library"
	fi
}
static_binary "$VMM"
[ -z "$BLKD" ] || static_binary "$BLKD"
if [ "$ARCH" = x86_64 ]; then
	"$VMM" --version >/dev/null || die "$VMM does not run"
fi

if [ -n "${NESTED_CACHE:-}" ]; then
	CACHE=$NESTED_CACHE
elif [ "$(id -u)" = 0 ]; then
	CACHE=/var/cache/vmm-nested
else
	CACHE=$OUT/cache
fi
# arm64 packages in a directory of their own (busybox-static has the same
# version for both).
[ "$ARCH" = x86_64 ] || CACHE=$CACHE/$ARCH
mkdir -p "$CACHE/debs"

# ---------------------------------------------------- host packages --

if [ "$ARCH" = arm64 ]; then
	need_commands "$QEMU:qemu-system-arm" aarch64-linux-gnu-strip:binutils-aarch64-linux-gnu
else
	need_commands "$QEMU:qemu-system-x86"
fi
need_commands cpio:cpio depmod:kmod gzip:gzip
# arm64 .debs need dpkg to know the architecture (apt-get download only).
[ "$ARCH" = x86_64 ] || need_arch arm64

# ------------------------------------------------- Debian downloads --

if [ "$ARCH" = arm64 ]; then
	# L1 needs KVM built in (CONFIG_KVM=y, no modules to load): the cloud
	# flavour has it; the generic arm64 kernel is the fallback.
	KDIR=""
	for meta in linux-image-cloud-arm64:arm64 linux-image-arm64:arm64; do
		kpkg=$(kernel_of "$meta")
		KDIR=$(fetch "$kpkg")
		kpkg=${kpkg%:arm64}
		if grep -q '^CONFIG_KVM=y' "$KDIR/boot/config-${kpkg#linux-image-}"; then
			break
		fi
		echo "nested: $kpkg has no CONFIG_KVM=y, trying the next flavour"
		KDIR=""
	done
	[ -n "$KDIR" ] || die "no Debian arm64 kernel with CONFIG_KVM=y"
	BBDIR=$(fetch busybox-static:arm64)
else
	meta=linux-image-cloud-amd64
	kpkg=$(kernel_of "$meta")
	KDIR=$(fetch "$kpkg")
	BBDIR=$(fetch busybox-static)
fi
KVER=${kpkg#linux-image-}
KMOD=$KDIR/lib/modules/$KVER
KIMAGE=$KDIR/boot/vmlinuz-$KVER
[ -f "$KIMAGE" ] || die "no $KIMAGE in $kpkg"
[ -f "$KMOD/modules.dep" ] || depmod -b "$KDIR" "$KVER"
echo "nested: kernel $kpkg ($(basename "$KDIR")), $(basename "$BBDIR")"

# skeleton ROOT INIT: busybox, /init and the directories init mounts on.
skeleton() {
	rm -rf "$1"
	mkdir -p "$1/bin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/etc"
	cp "$BBDIR/bin/busybox" "$1/bin/busybox"
	install -m 755 "$2" "$1/init"
	if [ "$(id -u)" = 0 ]; then
		mknod -m 600 "$1/dev/console" c 5 1
	fi
}

# --------------------------------------------------------- run L1 --

# Each line as it arrives: to l1.log as is (less CRs), to l1.timed.log after
# the host time; marker lines (or, verbose, every line) to stdout.
stamp() {
	local line t0=$EPOCHREALTIME
	exec 3>"$OUT/l1.log" 4>"$OUT/l1.timed.log"
	printf '%s QEMU-START\n' "$t0" >&4
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line//$'\r'/}
		printf '%s\n' "$line" >&3
		printf '%s %s\n' "$EPOCHREALTIME" "$line" >&4
		if [ "${NESTED_VERBOSE:-}" = 1 ]; then
			printf '%s\n' "$line"
		else
			case $line in
			*L1-INIT:* | *L1:* | *L2-INIT:* | vmm:* | *"Kernel panic"*)
				printf '  [%6.1fs] %s\n' "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" "$line" ;;
			esac
		fi
	done
}

# run_l1: run qemu_cmd under the timeout, log it, judge the log.
run_l1() {
	echo "nested: ${qemu_cmd[*]}"
	echo "nested: L2 command line: $L2_CMDLINE"
	echo "nested: running L1 (timeout ${TIMEOUT}s), log in $OUT/l1.log"
	set +e
	timeout -k 10 "$TIMEOUT" "${qemu_cmd[@]}" </dev/null 2>&1 | stamp
	qemu_status=${PIPESTATUS[0]}
	set -e
	printf 'arch=%s\nl2_cpus=%s\nnonce=%s\nqemu_status=%s\n' "$ARCH" "$L2_CPUS" "$NONCE" "$qemu_status" >"$OUT/run.env"
	judge "$OUT"
}

# ------------------------------------------------------------- L2 --

NONCE=$(date +%s)-$$
rm -rf "$OUT/l1.log" "$OUT/l1.timed.log" "$OUT/run.env" "$OUT/early.root" "$OUT/early.cpio" \
	"$OUT/virtio-ssdt.dsl" "$OUT/virtio-ssdt.aml" "$OUT/iasl.log"
if [ "$ARCH" = arm64 ]; then
	# shellcheck source=arm64/images.sh
	. "$here/arm64/images.sh"
	run_l1
	exit
fi
L2=$OUT/l2.root
skeleton "$L2" "$here/l2-init"
l2mods=$(modules "$KMOD" "$L2" virtio_mmio virtio_blk virtio-rng | tr '\n' ' ')
truncate -s 4M "$OUT/disk.img.tmp"
pattern=""
for i in $(seq 0 31); do pattern="$pattern$(printf 'vmm nested pattern %s %02d' "$NONCE" "$i")|"; done
printf '%s' "${pattern:0:512}" >"$OUT/pattern.bin"
[ "$(wc -c <"$OUT/pattern.bin")" = 512 ] || die "pattern is not 512 bytes"
dd if="$OUT/pattern.bin" of="$OUT/disk.img.tmp" bs=512 seek=1 conv=notrunc status=none
mv "$OUT/disk.img.tmp" "$OUT/disk.img"
cat >"$L2/etc/nested.conf" <<EOF
MODULES="$l2mods"
DISK_MD5=$(md5sum <"$OUT/pattern.bin" | cut -d' ' -f1)
NONCE=$NONCE
EXIT_METHOD=$L2_EXIT
EOF
mkcpio "$L2" "$OUT/l2.cpio.gz"
cp "$OUT/l2.cpio.gz" "$OUT/l2.initrd"

# NESTED_VIRTIO_SSDT=1 (an experiment, off by default): Debian's kernels are
# built without CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES, so they find virtio-mmio
# devices only in ACPI (_HID LNRO0005), never from the virtio_mmio.device=
# words our VMM appends. This describes our VMM's two devices (layout as in
# arch/x86_64/layout.h: 4K each from 0xd0000000, IRQ 5 on) in an SSDT that
# L2's kernel installs from an uncompressed cpio in front of its initrd
# (CONFIG_ACPI_TABLE_UPGRADE), to test the virtio path until the VMM's own
# DSDT describes its devices.
if [ "${NESTED_VIRTIO_SSDT:-0}" = 1 ]; then
	command -v iasl >/dev/null || die "NESTED_VIRTIO_SSDT=1 needs iasl: apt-get install -y acpica-tools"
	{
		echo 'DefinitionBlock ("", "SSDT", 2, "VMMNST", "VIRTIO", 1) {'
		echo ' Scope (\_SB) {'
		for i in 0 1; do
			printf '  Device (VR%02d) {\n   Name (_HID, "LNRO0005")\n   Name (_UID, %d)\n' "$i" "$i"
			printf '   Name (_CRS, ResourceTemplate () {\n'
			printf '    Memory32Fixed (ReadWrite, 0x%08x, 0x1000)\n' $((0xd0000000 + i * 0x1000))
			printf '    Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { %d }\n' $((5 + i))
			printf '   })\n  }\n'
		done
		echo ' }'
		echo '}'
	} >"$OUT/virtio-ssdt.dsl"
	iasl -p "$OUT/virtio-ssdt" "$OUT/virtio-ssdt.dsl" >"$OUT/iasl.log" 2>&1 || { cat "$OUT/iasl.log" >&2; die "iasl failed"; }
	rm -rf "$OUT/early.root"
	mkdir -p "$OUT/early.root/kernel/firmware/acpi"
	cp "$OUT/virtio-ssdt.aml" "$OUT/early.root/kernel/firmware/acpi/"
	(cd "$OUT/early.root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$OUT/early.cpio"
	cat "$OUT/early.cpio" "$OUT/l2.cpio.gz" >"$OUT/l2.initrd"
	echo "nested: NESTED_VIRTIO_SSDT=1: L2's initrd carries an SSDT describing the virtio-mmio devices"
fi

# ------------------------------------------------------------- L1 --

L2_CMDLINE="console=ttyS0 earlyprintk=serial,ttyS0 reboot=k panic=-1${NESTED_L2_CMDLINE_EXTRA:+ $NESTED_L2_CMDLINE_EXTRA}"
L1=$OUT/l1.root
skeleton "$L1" "$here/l1-init"
l1mods=$(modules "$KMOD" "$L1" kvm-amd | tr '\n' ' ')
strip -o "$L1/bin/vmm" "$VMM"
mkdir -p "$L1/l2"
cp "$KIMAGE" "$L1/l2/vmlinuz"
cp "$OUT/l2.initrd" "$L1/l2/initrd.cpio.gz"
cp "$OUT/disk.img" "$L1/l2/disk.img"
cat >"$L1/etc/nested.conf" <<EOF
MODULES="$l1mods"
L2_CMDLINE="$L2_CMDLINE"
L2_TIMEOUT=$L2_TIMEOUT
TRACE_PIO=${NESTED_TRACE_PIO:-0}
EOF
mkcpio "$L1" "$OUT/l1.cpio.gz"
echo "nested: L1 modules: $l1mods; L2 modules: $l2mods"
echo "nested: L1 initramfs $(du -h "$OUT/l1.cpio.gz" | cut -f1), L2 initramfs $(du -h "$OUT/l2.cpio.gz" | cut -f1)"

# ------------------------------------------------------------ run --

L1_CMDLINE="console=ttyS0 panic=-1 rdinit=/init"
# shellcheck disable=SC2054
qemu_cmd=("$QEMU" -accel tcg -cpu EPYC,+svm,+npt -m 1024 -smp 2
	-nographic -no-reboot -net none
	-kernel "$KIMAGE" -initrd "$OUT/l1.cpio.gz" -append "$L1_CMDLINE")
run_l1
