// SPDX-License-Identifier: GPL-2.0
/*
 * RAM below the 32-bit hole, the rest above 4 GiB; the capabilities x86
 * needs.
 */
#include <errno.h>
#include <linux/kvm.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"

const struct kvm_cap_need arch_required_caps[] = {
	{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
	{ KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
	{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
	{ 0, NULL },
};

int arch_ram_layout(uint64_t size, struct guest_range *ranges, unsigned int max)
{
	if (size < X86_MIN_RAM)
		return -ERANGE;
	if (size > X86_MAX_RAM || max < 2)
		return -E2BIG;
	if (size <= X86_HOLE_START) {
		ranges[0] = (struct guest_range){ 0, size };
		return 1;
	}
	ranges[0] = (struct guest_range){ 0, X86_HOLE_START };
	ranges[1] = (struct guest_range){ X86_4G, size - X86_HOLE_START };
	return 2;
}
