// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 vCPU thread's own ioctls, beyond KVM_RUN, and the system calls
 * of its own devices (devices/host/seccomp.h).
 */
#include <linux/kvm.h>

#include "devices/host/seccomp.h"

static const struct vmm_seccomp_rule rules[] = {
	{ "ioctl", VMM_SECCOMP_IOCTL, KVM_GET_ONE_REG, "KVM_GET_ONE_REG",
	  "register dump when the vCPU fails" },
	{ "timerfd_settime", VMM_SECCOMP_ANY, 0, NULL,
	  "the PL031 RTC's match timer, re-armed by a write to MR or LR" },
};

const struct vmm_seccomp_table arch_seccomp_vcpu = { rules, sizeof(rules) / sizeof(rules[0]) };
