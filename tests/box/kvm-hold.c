// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-hold: keeps one idle KVM VM (an in-kernel irqchip and one vCPU that
 * never runs) for the KVM box's lifetime, started by box-init.
 *
 * Why: KVM flips kernel static keys when the number of VMs goes between 0
 * and 1 (preempt_notifier_key, patched in __schedule) and when the number
 * of vCPUs with a software-disabled APIC does (apic_sw_disabled). Every
 * flip rewrites code with text_poke_bp while the other CPUs run it, and
 * under multi-threaded QEMU TCG that was seen to wedge the box: a CPU
 * looping on the int3 of a patch while holding its run-queue lock. With
 * this VM alive the counts never return to 0, so tests that start and
 * stop hundreds of VMs patch nothing.
 *
 * Built static by kvm-box into the box's initramfs. Exits 1 with one line
 * if KVM refuses; otherwise sleeps until killed.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, vcpu;

	vm = kvm < 0 ? -1 : ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0 ||
	    (vcpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0) {
		perror("kvm-hold: cannot create the idle VM");
		return 1;
	}
	for (;;)
		pause();
}
