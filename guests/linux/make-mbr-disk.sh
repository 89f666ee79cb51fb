#!/bin/sh
# Make a raw disk image with an MBR partition table holding one Linux
# partition (type 0x83) from sector 2048 to the end, for the Linux test
# kernel's virtio-blk checks (the kernel should print " vda: vda1").
# Needs only printf and dd (no sfdisk).
#
# usage: make-mbr-disk.sh FILE SIZE_MIB
set -eu

if [ $# -ne 2 ] || [ -z "$1" ]; then
	echo "usage: $0 FILE SIZE_MIB" >&2
	exit 2
fi
file=$1
mib=$2
case "$mib" in '' | *[!0-9]*) echo "make-mbr-disk: SIZE_MIB must be a number" >&2; exit 2 ;; esac
[ "$mib" -ge 2 ] || { echo "make-mbr-disk: SIZE_MIB must be at least 2" >&2; exit 2; }

start=2048
count=$((mib * 2048 - start))

# Print the 4 little-endian bytes of $1 as a printf escape string.
le32() {
	printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

rm -f "$file"
dd if=/dev/zero of="$file" bs=1M count=0 seek="$mib" 2>/dev/null
# Disk signature at 440, one partition entry at 446, boot signature at 510.
# shellcheck disable=SC2059
{
	printf "$(le32 0x564d4d31)\\000\\000"
	printf "\\000\\376\\377\\377\\203\\376\\377\\377$(le32 $start)$(le32 $count)"
	dd if=/dev/zero bs=1 count=48 2>/dev/null
	printf '\125\252'
} | dd of="$file" bs=1 seek=440 conv=notrunc 2>/dev/null
