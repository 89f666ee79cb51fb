#!/bin/bash
# Debian's stock amd64 kernel (the one linux-image-amd64 depends on),
# downloaded and unpacked once into the KVM box's cache, with modules.dep
# made by depmod; prints its directory: DIR/boot/vmlinuz-RELEASE and
# DIR/lib/modules/RELEASE. The vmm-exec suite boots it (STOCK_KERNEL).
#
# usage: tests/lib/stock-kernel.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=debian.sh
. "$here/debian.sh"
die() { echo "stock-kernel: $*" >&2; exit 1; }

if [ -n "${KVM_BOX_CACHE:-}" ]; then
	CACHE=$KVM_BOX_CACHE
elif [ "$(id -u)" = 0 ]; then
	CACHE=/var/cache/vmm-box
else
	CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/vmm-box
fi
mkdir -p "$CACHE" || die "cannot create the cache $CACHE"
exec 8>"$CACHE/.lock"
flock 8
need_commands depmod:kmod
kpkg=$(kernel_of linux-image-amd64)
release=${kpkg#linux-image-}
dir=$(fetch "$kpkg")
[ -f "$dir/lib/modules/$release/modules.dep" ] || depmod -b "$dir" "$release" ||
	die "depmod failed for $release"
[ -f "$dir/boot/vmlinuz-$release" ] || die "no $dir/boot/vmlinuz-$release"
echo "$dir"
