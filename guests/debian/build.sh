#!/bin/bash
# The Debian 12 test guest: a minbase bookworm with systemd on an ext4
# disk image, Debian's stock amd64 kernel (tests/lib/stock-kernel.sh) and a
# small busybox initramfs for it. Built once into the KVM box's cache
# (/var/cache/vmm-box as root, like the stock kernel) and reused; prints the
# directory holding
#
#   vmlinuz    the stock kernel
#   initrd     gzipped cpio: busybox-static, pvpanic_mmio (a panic ends
#              the VMM with exit 3), virtio_mmio, virtio_blk, ext4,
#              crc32c_generic (ext4 asks for crc32c) and their
#              dependencies, and /init (guests/debian/init), which mounts
#              root= (e.g. /dev/vda) and switch_root's to /sbin/init
#   disk.img   ext4 (sparse): debootstrap --variant=minbase bookworm from
#              deb.debian.org with systemd, systemd-sysv, udev, kmod (a
#              kernel package brings it; kmod-static-nodes.service runs it)
#              and util-linux-extra (hwclock), the kernel's modules (less the
#              drivers of hardware a VM of ours never has: KEEP_MODULES),
#              root without a password, the serial console as stock (a
#              getty on ttyS0), and vmm-check.service
#              (guests/debian/vmm-check): VMM-CHECK lines on the console
#              once the boot has finished, then a poweroff with
#              vmm.check=poweroff on the command line
#   packages   the root's packages and versions (dpkg-query)
#
# Boot it with: vmm --kernel DIR/vmlinuz --initrd DIR/initrd --disk COPY
#   --cpus 2 --memory 1G --rng --cmdline "console=ttyS0 root=/dev/vda"
# on a copy of disk.img (cp --sparse=always): the cache stays pristine.
#
# The directory's name is a hash of what goes into it: the versions of the
# packages debootstrap installs (resolved by apt from this machine's package
# lists, bookworm only, as debootstrap does), the kernel's and busybox's
# versions, and this script and its guest files. Only the newest directory
# is kept. Root only (debootstrap, a chroot, device nodes).
#
# usage: [STOCK_KERNEL=DIR] guests/debian/build.sh  (DIR: what
# tests/lib/stock-kernel.sh printed, which it otherwise runs itself)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/../../tests/lib
# shellcheck source=tests/lib/debian.sh
. "$lib/debian.sh"
die() { echo "debian-guest: $*" >&2; exit 1; }

SUITE=bookworm
MIRROR=http://deb.debian.org/debian
INCLUDE="systemd systemd-sysv udev kmod util-linux-extra"
# The kernel's modules the root gets (under kernel/): all but the drivers
# of hardware a VM of ours never has, so the disk stays small (a test copies
# it for each boot).
KEEP_MODULES="arch crypto lib virt mm block fs net drivers/virtio drivers/block
	drivers/char drivers/input drivers/acpi drivers/platform drivers/hwmon
	drivers/cpufreq drivers/crypto drivers/md drivers/misc drivers/vhost
	drivers/net/*.ko"
SKIP_MODULES="net/wireless net/mac80211 net/bluetooth"

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot); run as root"
if [ -n "${KVM_BOX_CACHE:-}" ]; then
	CACHE=$KVM_BOX_CACHE
else
	CACHE=/var/cache/vmm-box
fi
mkdir -p "$CACHE" || die "cannot create the cache $CACHE"
# Before our lock: stock-kernel.sh takes the cache's common one.
stock=${STOCK_KERNEL:-$(bash "$lib/stock-kernel.sh")} || die "no stock kernel (tests/lib/stock-kernel.sh)"
exec 9>"$CACHE/.debian.lock"
flock 9
need_commands debootstrap:debootstrap mkfs.ext4:e2fsprogs depmod:kmod cpio:cpio
busybox=$(fetch busybox-static) || exit 1
release=$(ls "$stock/lib/modules") || die "no modules in $stock"

# What debootstrap --variant=minbase installs: the Priority: required
# packages and apt, and ours, with their dependencies, at bookworm's
# versions (Default-Release: not the newer ones of -updates or -security).
required=$(apt-cache dumpavail | awk 'BEGIN { RS = "" } /\nPriority: required/' |
	awk '/^Package:/ { print $2 }' | sort -u)
[ -n "$required" ] || die "no Priority: required packages in apt's lists (apt-get update?)"
# shellcheck disable=SC2086
resolved=$(apt_for amd64 "$CACHE/apt-debian" -o APT::Default-Release=$SUITE -s install \
	$required apt $INCLUDE 2>&1 | awk '/^Inst / { print $2, $3 }' | tr -d '(' | sort) ||
	die "apt cannot resolve the package set"
[ "$(echo "$resolved" | grep -c .)" -gt 50 ] || die "apt resolved too few packages: $resolved"
key=$({
	echo "$resolved"
	echo "kernel $stock"
	echo "busybox $busybox"
	cat "$0" "$here"/init "$here"/vmm-check "$here"/vmm-check.service
} | sha256sum | cut -c1-16)
out=$CACHE/debian-12_$key
if [ -f "$out/disk.img" ]; then
	echo "$out"
	exit 0
fi

start=$(date +%s)
tmp=$(mktemp -d "$CACHE/debian-tmp.XXXXXX") || die "cannot make a directory in $CACHE"
trap 'umount -R "$tmp/root/proc" "$tmp/root/sys" 2>/dev/null; rm -rf "$tmp"' EXIT
root=$tmp/root
echo "debian-guest: debootstrap $SUITE (minbase, $INCLUDE) from $MIRROR" >&2
debootstrap --variant=minbase --include="${INCLUDE// /,}" "$SUITE" "$root" "$MIRROR" \
	>"$tmp/debootstrap.log" 2>&1 ||
	die "debootstrap failed: $(tail -n 3 "$tmp/debootstrap.log" | tr '\n' ' ')"

echo "debian-guest: configuring the root" >&2
echo debian-vmm >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tdebian-vmm\n' >"$root/etc/hosts"
printf '/dev/vda\t/\text4\trw,errors=remount-ro\t0 0\n' >"$root/etc/fstab"
chroot "$root" passwd -d root >/dev/null || die "cannot clear root's password"
install -m 755 "$here/vmm-check" "$root/usr/local/sbin/vmm-check"
install -m 644 "$here/vmm-check.service" "$root/etc/systemd/system/vmm-check.service"
ln -sf /etc/systemd/system/vmm-check.service \
	"$root/etc/systemd/system/multi-user.target.wants/vmm-check.service"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*_*
dpkg-query --admindir="$root/var/lib/dpkg" -W -f '${Package} ${Version}\n' >"$tmp/packages" ||
	die "cannot list the root's packages"

# The kernel's modules, for udev in the guest.
mods=$root/usr/lib/modules/$release
mkdir -p "$mods"
# shellcheck disable=SC2046,SC2086 # (globs, split on purpose)
(cd "$stock/lib/modules/$release" && tar cf - modules.builtin* modules.order \
	$(cd kernel && for d in $KEEP_MODULES; do echo "kernel/$d"; done)) |
	(cd "$mods" && tar xf -) || die "cannot copy the modules"
for d in $SKIP_MODULES; do
	rm -rf "${mods:?}/kernel/$d"
done
depmod -b "$root" "$release" || die "depmod failed in the root"

# The initramfs.
ird=$tmp/initrd.d
mkdir -p "$ird/bin" "$ird/dev" "$ird/proc" "$ird/sys" "$ird/root"
cp "$busybox/bin/busybox" "$ird/bin/busybox" || die "no busybox in $busybox"
install -m 755 "$here/init" "$ird/init"
modules "$stock/lib/modules/$release" "$ird" pvpanic_mmio virtio_mmio virtio_blk ext4 crc32c_generic \
	>"$tmp/order" || exit 1
mv "$tmp/order" "$ird/lib/modules/order"
mkcpio "$ird" "$tmp/initrd"

# The disk: what the root holds, and room to spare.
used=$(du -sm "$root" | cut -f1)
size=$(((used * 5 / 4 + 512 + 63) / 64 * 64))
echo "debian-guest: disk.img ${size}M (${used}M used)" >&2
truncate -s "${size}M" "$tmp/disk.img"
mkfs.ext4 -q -F -L debian -d "$root" "$tmp/disk.img" >"$tmp/mkfs.log" 2>&1 ||
	die "mkfs.ext4 -d failed: $(tail -n 2 "$tmp/mkfs.log" | tr '\n' ' ')"
cp "$stock/boot/vmlinuz-$release" "$tmp/vmlinuz"

mkdir "$tmp/out"
mv "$tmp/vmlinuz" "$tmp/initrd" "$tmp/disk.img" "$tmp/packages" "$tmp/out/"
rm -rf "$CACHE"/debian-12_*
mv "$tmp/out" "$out" || die "cannot move the guest to $out"
echo "debian-guest: built $out in $(($(date +%s) - start)) s" >&2
echo "$out"
