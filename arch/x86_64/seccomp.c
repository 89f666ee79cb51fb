// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 vCPU thread's own ioctls, beyond KVM_RUN (devices/host/seccomp.h).
 */
#include <linux/kvm.h>

#include "devices/host/seccomp.h"

static const struct vmm_seccomp_rule rules[] = {
	{ "ioctl", VMM_SECCOMP_IOCTL, KVM_GET_REGS, "KVM_GET_REGS",
	  "step over an instruction the host cannot emulate; register dump" },
	{ "ioctl", VMM_SECCOMP_IOCTL, KVM_SET_REGS, "KVM_SET_REGS",
	  "step over an instruction the host cannot emulate" },
	{ "ioctl", VMM_SECCOMP_IOCTL, KVM_GET_SREGS, "KVM_GET_SREGS",
	  "register dump when the vCPU fails" },
};

const struct vmm_seccomp_table arch_seccomp_vcpu = { rules, sizeof(rules) / sizeof(rules[0]) };
