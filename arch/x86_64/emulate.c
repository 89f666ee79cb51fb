// SPDX-License-Identifier: GPL-2.0
/*
 * Instructions the host's KVM cannot emulate, done here. On PVM hosts
 * guest kernel code runs in KVM's instruction emulator, which gives up on
 * a few instructions with an emulation-failure exit carrying the
 * instruction bytes. The ones that are safe to finish from user space:
 *
 *   9b  fwait: waits for pending x87 exceptions. The guest's x87 state
 *       lives in the vCPU and KVM reports none pending to us, so it is a
 *       no-op: step over it.
 *
 * Anything else stays a failure, reported with its bytes.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "arch/arch.h"

#define OP_FWAIT 0x9b

int arch_emulation_failure(int vcpu_fd, const struct kvm_run *run)
{
	const __typeof__(run->emulation_failure) *f = &run->emulation_failure;
	struct kvm_regs regs;

	if (run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION ||
	    !(f->flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) ||
	    f->insn_size < 1)
		return -ENOSYS;
	if (f->insn_bytes[0] != OP_FWAIT)
		return -ENOSYS;
	if (ioctl(vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return -errno;
	regs.rip += 1;
	return ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}
