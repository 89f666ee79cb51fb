#!/bin/sh
# `make run`: boot Linux with its console on this terminal.
#
# usage: run.sh VMM LINUX_DIR
#
# On a host with hardware virtualization: the test kernel with a busybox
# initramfs (busybox-static from Debian, cached next to the kernel) to an
# interactive shell; `poweroff -f` (or Ctrl-C) ends it.
# On a PVM host, whose KVM emulates guest kernel code and cannot run guest
# user space: say so, and boot the test kernel as far as init.
set -eu

vmm=$1
dir=$2
disk=$(mktemp /tmp/vmm-run-disk.XXXXXX)
trap 'rm -f "$disk"' EXIT
sh "$(dirname "$0")/make-mbr-disk.sh" "$disk" 16

if [ -e /sys/module/kvm_pvm ]; then
	echo "run: this host's KVM is PVM (guest kernel code is emulated, guest user space cannot run): booting the test kernel as far as init, about a minute"
	"$vmm" --kernel "$dir/vmlinux" --initrd "$dir/initramfs.cpio" --memory 256M \
		--cpus 2 --disk "$disk" --rng --cmdline "console=ttyS0 panic=-1" \
		--timeout 300 || true
	exit 0
fi

sh "$(dirname "$0")/build-busybox-initramfs.sh" "$dir"
exec "$vmm" --kernel "$dir/vmlinux" --initrd "$dir/busybox.cpio" --memory 512M \
	--cpus 2 --disk "$disk" --rng --cmdline "console=ttyS0 reboot=k panic=-1"
