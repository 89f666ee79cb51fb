// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's PMU through KVM's vCPU device attributes (pmu.h): the
 * overflow interrupt is given as its GIC INTID (PPI n is INTID 16 + n)
 * in an int, then the PMU is initialised.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "arch/arm64/layout.h"
#include "arch/arm64/pmu.h"

#define GIC_PPI_INTID_BASE	16	/* INTIDs 16-31 are the PPIs */

static int pmu_attr(int vcpu_fd, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(vcpu_fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

int arm64_pmu_vcpu_init(int vcpu_fd)
{
	int irq = GIC_PPI_INTID_BASE + ARM64_PMU_PPI;

	return pmu_attr(vcpu_fd, KVM_ARM_VCPU_PMU_V3_IRQ, &irq) ?:
	       pmu_attr(vcpu_fd, KVM_ARM_VCPU_PMU_V3_INIT, NULL);
}
