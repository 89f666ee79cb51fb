#!/bin/sh
# Build the Linux test initramfs: OUT_DIR/initramfs.cpio (newc) and the same
# archive gzipped, OUT_DIR/initramfs.cpio.gz, holding /init, a static build of init.c (next to this script), and the
# directories it mounts on (/dev, /proc, /sys), plus /dev/console when run as
# root (otherwise init opens it from devtmpfs itself).
#
# init is linked statically against musl (musl-gcc, Debian's musl-tools, a
# gcc wrapper): 55 KB instead of glibc's 690 KB. The kernel gunzips the
# initramfs while it boots, and under our hosts' emulated KVM that took about
# 20 s for the glibc build; the musl build takes a fraction of a second.
#
# usage: build-initramfs.sh OUT_DIR     (e.g. build/guests/linux/x86_64)
#
# The archives are reproducible (fixed mtimes, sorted entries, root owner,
# gzip -n). Rebuilt only when init.c or this script is newer than one of them.
# Missing packages are installed when run as root; otherwise the exact
# apt-get line is printed and the script exits 1.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUT_DIR" >&2
	exit 2
fi

PKGS="gcc musl-tools cpio gzip"
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
img="$out/initramfs.cpio.gz"
cpio_img="$out/initramfs.cpio"

newer_than() {
	find "$here/init.c" "$here/build-initramfs.sh" -newer "$1"
}
if [ -f "$img" ] && [ -f "$cpio_img" ] && [ -z "$(newer_than "$img")" ] &&
	[ -z "$(newer_than "$cpio_img")" ]; then
	echo "test initramfs up to date ($cpio_img, $img)"
	exit 0
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "build-initramfs: missing packages:$missing" >&2
		echo "run as root: apt-get update && apt-get install -y$missing" >&2
		exit 1
	fi
	echo "build-initramfs: installing:$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

root="$out/initramfs.root"
rm -rf "$root"
mkdir -p "$root/dev" "$root/proc" "$root/sys"
musl-gcc -static -Os -s -Wall -Wextra -Werror -o "$root/init" "$here/init.c"
if [ "$(id -u)" = 0 ]; then
	mknod -m 600 "$root/dev/console" c 5 1
fi
find "$root" -exec touch -h -d @0 {} +

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc --owner 0:0 --reproducible) >"$cpio_img.tmp"
gzip -n -9 <"$cpio_img.tmp" >"$img.tmp"
mv "$img.tmp" "$img"
mv "$cpio_img.tmp" "$cpio_img"
rm -rf "$root"
echo "build-initramfs: built $cpio_img ($(wc -c <"$cpio_img") bytes) and $img ($(wc -c <"$img") bytes)"
