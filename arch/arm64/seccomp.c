// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 vCPU thread's own ioctls, beyond KVM_RUN (devices/host/seccomp.h).
 */
#include <linux/kvm.h>

#include "devices/host/seccomp.h"

static const struct vmm_seccomp_rule rules[] = {
	{ "ioctl", VMM_SECCOMP_IOCTL, KVM_GET_ONE_REG, "KVM_GET_ONE_REG",
	  "register dump when the vCPU fails" },
};

const struct vmm_seccomp_table arch_seccomp_vcpu = { rules, sizeof(rules) / sizeof(rules[0]) };
