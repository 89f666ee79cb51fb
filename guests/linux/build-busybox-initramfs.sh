#!/bin/sh
# OUT_DIR/busybox.cpio: Debian's busybox-static as /init (busybox init, so
# the kernel needs no script support), an inittab that mounts proc, sys
# and devtmpfs, gives an interactive shell on the serial console, and
# powers off when the shell ends. For hosts where guest user space runs.
#
# usage: build-busybox-initramfs.sh OUT_DIR
set -eu

out=$(cd "$1" && pwd)
img=$out/busybox.cpio
[ -f "$img" ] && [ "$img" -nt "$0" ] && exit 0

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q busybox-static >/dev/null 2>&1) || {
	[ "$(id -u)" = 0 ] || { echo "build-busybox-initramfs: run as root: apt-get update && apt-get download busybox-static" >&2; exit 1; }
	apt-get update -qq && (cd "$work" && apt-get download -q busybox-static >/dev/null)
}
dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/etc"
cp "$work/pkg/bin/busybox" "$root/bin/busybox"
ln -s bin/busybox "$root/init"
cat >"$root/etc/inittab" <<'INITTAB'
::sysinit:/bin/busybox sh /etc/boot
ttyS0::wait:/bin/busybox sh -l
::wait:/bin/busybox poweroff -f
INITTAB
cat >"$root/etc/boot" <<'BOOT'
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "busybox shell on $(uname -r), $(nproc) CPUs; 'poweroff -f' ends the VM"
BOOT
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$img.tmp"
mv "$img.tmp" "$img"
echo "build-busybox-initramfs: built $img"
