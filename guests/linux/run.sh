#!/bin/sh
# `make run`: boot Linux with its console on this terminal.
#
# usage: run.sh VMM LINUX_DIR
#
# The test kernel with a 16 MiB disk, virtio-rng and a busybox initramfs
# (busybox-static from Debian, cached next to the kernel) to an interactive
# shell; `poweroff -f` (or Ctrl-C) ends it. The exit status is the VMM's.
# - A host with hardware virtualization (or nested VMX/SVM): right here.
# - A host without a usable /dev/kvm: the same boot inside the KVM box
#   (tests/box/kvm-box --tty), after one line saying so.
# - A PVM host, whose KVM emulates guest kernel code and cannot run guest
#   user space: says so, and boots the test kernel as far as init.
set -eu

vmm=$1
dir=$2
here=$(cd "$(dirname "$0")" && pwd)
sh "$here/build-busybox-initramfs.sh" "$dir"

if ! { [ -c /dev/kvm ] && { : <>/dev/kvm; } 2>/dev/null; }; then
	echo "run: no usable /dev/kvm on this host: booting the same Linux inside the KVM box (QEMU TCG with nested SVM), about 20 s more"
	exec bash "$here/../../tests/box/kvm-box" --tty -- sh "$0" "$vmm" "$dir"
fi

disk=$(mktemp /tmp/vmm-run-disk.XXXXXX)
trap 'rm -f "$disk"' EXIT
sh "$here/make-mbr-disk.sh" "$disk" 16

if [ -e /sys/module/kvm_pvm ] && [ ! -e /sys/module/kvm_amd ] && [ ! -e /sys/module/kvm_intel ]; then
	echo "run: this host's KVM is PVM (guest kernel code is emulated, guest user space cannot run): booting the test kernel as far as init, about a minute"
	initrd=$dir/initramfs.cpio
	cmdline="console=ttyS0 panic=-1"
else
	initrd=$dir/busybox.cpio
	cmdline="console=ttyS0 reboot=k panic=-1"
fi
status=0
"$vmm" --kernel "$dir/vmlinux" --initrd "$initrd" --memory 512M \
	--cpus 2 --disk "$disk" --rng --cmdline "$cmdline" || status=$?
exit "$status"
