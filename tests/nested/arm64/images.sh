# shellcheck shell=bash disable=SC2154,SC2034
# Sourced by tests/nested/run.sh for ARCH=arm64, after the downloads: builds
# L2's initramfs, its two disks and L1's initramfs, and sets L2_CMDLINE and
# qemu_cmd for run_l1. Uses run.sh's OUT, KDIR, KIMAGE, KVER, NONCE, VMM,
# BLKD, RAW_GUEST, here and its helpers (skeleton, modules, mkcpio, die).

STRIP=${STRIP:-aarch64-linux-gnu-strip}
L2_MEMORY=256M

# ------------------------------------------------------------- L2 --

# Debian's arm64 vmlinuz is an Image (with an EFI stub), or a gzipped one;
# our VMM takes the plain Image (magic "ARM\x64" at 0x38).
case $(od -An -tx1 -N2 "$KIMAGE" | tr -d ' ') in
1f8b) gzip -dc "$KIMAGE" >"$OUT/Image.tmp" ;;
*) cp "$KIMAGE" "$OUT/Image.tmp" ;;
esac
[ "$(od -An -c -j56 -N4 "$OUT/Image.tmp" | tr -d ' ')" = 'ARMd' ] ||
	die "$KIMAGE is not an arm64 Image (no ARM\\x64 magic at 0x38)"
mv "$OUT/Image.tmp" "$OUT/Image"

L2=$OUT/l2.root
skeleton "$L2" "$here/arm64/l2-init"
l2mods=$(modules "$KMOD" "$L2" virtio_mmio virtio_blk | tr '\n' ' ')

# disk NAME: a 4 MiB raw image with NAME's own 512-byte pattern (with the
# run's nonce) at sector 1; prints the pattern's md5.
disk() {
	local pattern="" i
	for i in $(seq 0 31); do pattern="$pattern$(printf 'vmm nested %s pattern %s %02d' "$1" "$NONCE" "$i")|"; done
	printf '%s' "${pattern:0:512}" >"$OUT/pattern-$1.bin"
	[ "$(wc -c <"$OUT/pattern-$1.bin")" = 512 ] || die "pattern is not 512 bytes"
	rm -f "$OUT/disk-$1.img.tmp"
	truncate -s 4M "$OUT/disk-$1.img.tmp"
	dd if="$OUT/pattern-$1.bin" of="$OUT/disk-$1.img.tmp" bs=512 seek=1 conv=notrunc status=none
	mv "$OUT/disk-$1.img.tmp" "$OUT/disk-$1.img"
	md5sum <"$OUT/pattern-$1.bin" | cut -d' ' -f1
}
cat >"$L2/etc/nested.conf" <<CONF
MODULES="$l2mods"
VDA_MD5=$(disk a)
VDB_MD5=$(disk b)
NONCE=$NONCE
CONF
mkcpio "$L2" "$OUT/l2.cpio.gz"

# ------------------------------------------------------------- L1 --

# The VMM's console is a 16550 at 0x09000000 (ttyS0) named in the device
# tree's /chosen/stdout-path, which plain "earlycon" follows.
L2_CMDLINE="console=ttyS0 earlycon panic=-1${NESTED_L2_CMDLINE_EXTRA:+ $NESTED_L2_CMDLINE_EXTRA}"
L1=$OUT/l1.root
skeleton "$L1" "$here/arm64/l1-init"
"$STRIP" -o "$L1/bin/vmm" "$VMM"
"$STRIP" -o "$L1/bin/vmm-blkd" "$BLKD"
mkdir -p "$L1/l2"
cp "$OUT/Image" "$L1/l2/Image"
cp "$OUT/l2.cpio.gz" "$L1/l2/initrd.cpio.gz"
cp "$OUT/disk-a.img" "$OUT/disk-b.img" "$L1/l2/"
cp "$RAW_GUEST" "$L1/l2/raw-hello.bin"	# for vmm --kernel-format=raw
cat >"$L1/etc/nested.conf" <<CONF
MODULES=""
L2_CMDLINE="$L2_CMDLINE"
L2_MEMORY=$L2_MEMORY
L2_TIMEOUT=$L2_TIMEOUT
L2_CPUS=$L2_CPUS
TRACE_MMIO=${NESTED_TRACE_MMIO:-0}
CONF
mkcpio "$L1" "$OUT/l1.cpio.gz"
echo "nested: L1 modules: none (KVM built in); L2 modules: $l2mods"
echo "nested: L1 initramfs $(du -h "$OUT/l1.cpio.gz" | cut -f1), L2 initramfs $(du -h "$OUT/l2.cpio.gz" | cut -f1)"

# ------------------------------------------------------------ run --

# L1's console is the virt machine's PL011 (ttyAMA0). pauth=off: -cpu max
# with pointer authentication is several times slower under TCG.
L1_CMDLINE="console=ttyAMA0 panic=-1 rdinit=/init"
# shellcheck disable=SC2054
qemu_cmd=("$QEMU" -M virt,virtualization=on,gic-version=3 -cpu max,pauth=off
	-accel tcg -m 1024 -smp 2 -nographic -no-reboot -net none
	-kernel "$OUT/Image" -initrd "$OUT/l1.cpio.gz" -append "$L1_CMDLINE")
