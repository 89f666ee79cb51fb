// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel GICv3 (KVM's vGIC) at the addresses of layout.h, with
 * 32 + ARM64_NR_SPIS interrupt lines.
 *
 * The whole vGIC is created in arch_vcpus_ready, after every vCPU exists:
 * KVM accepts a vGIC created after its vCPUs as long as none has run, the
 * redistributors of vCPUs that already exist are registered when their
 * base is set, and KVM_DEV_ARM_VGIC_CTRL_INIT has to come after the last
 * vCPU anyway. So the device fd is needed only inside that one function
 * and is closed at its end (the vGIC itself lives as long as the VM, like
 * every KVM device without a release hook): no fd to keep between calls,
 * no state per VM in this file. arch_vm_init only checks that KVM can
 * create a vGICv3 at all, so a host without one fails before any RAM or
 * device is set up.
 *
 * KVM refuses KVM_IRQFD until the vGIC is initialised, which is why the
 * VM attaches the virtio irqfds after arch_vcpus_ready. So does
 * KVM_ARM_VCPU_PMU_V3_INIT: each vCPU's PMU is initialised right after
 * the vGIC, when features->offered has it (pmu.h). The ITS, when offered
 * (its.h), is created and initialised right after the vGIC too, before
 * the PMUs.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/arm64/fdt.h"
#include "arch/arm64/its.h"
#include "arch/arm64/layout.h"
#include "arch/arm64/pmu.h"

#define GIC_NR_PRIVATE	32	/* SGIs and PPIs: INTIDs below the first SPI */

_Static_assert(ARM64_UART_SPI < ARM64_NR_SPIS, "the UART's SPI is a line of the GIC");
_Static_assert(ARM64_VIRTIO_SPI_BASE + ARM64_VIRTIO_SLOTS <= ARM64_NR_SPIS,
	       "every virtio slot's SPI is a line of the GIC");

static int set_attr(int dev_fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(dev_fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

int arch_vm_init(int vm_fd)
{
	struct kvm_create_device test = {
		.type = KVM_DEV_TYPE_ARM_VGIC_V3, .flags = KVM_CREATE_DEVICE_TEST,
	};

	return ioctl(vm_fd, KVM_CREATE_DEVICE, &test) < 0 ? -errno : 0;
}

static int init_gic(int vm_fd, unsigned int nr_cpus)
{
	struct kvm_create_device gic = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	const uint64_t dist = ARM64_GIC_DIST_BASE, redist = ARM64_GIC_REDIST_BASE;
	const uint32_t nr_irqs = GIC_NR_PRIVATE + ARM64_NR_SPIS;
	int err;

	if (!nr_cpus || nr_cpus > ARM64_MAX_CPUS)
		return -EINVAL;
	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &gic) < 0)
		return -errno;
	err = set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!err)
		err = set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	if (!err)
		err = set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs);
	if (!err)
		err = set_attr((int)gic.fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	close((int)gic.fd);
	return err;
}

int arch_vcpus_ready(int vm_fd, const int *vcpu_fds, unsigned int nr_cpus,
		     const struct arch_cpu_features *features)
{
	int err = init_gic(vm_fd, nr_cpus);

	if (!err && (features->offered & ARM64_FEATURE_ITS))
		err = arm64_its_create(vm_fd);
	for (unsigned int i = 0; !err && (features->offered & ARM64_FEATURE_PMU) &&
	     i < nr_cpus; i++)
		err = arm64_pmu_vcpu_init(vcpu_fds[i]);
	return err;
}

int arch_irq_line(int vm_fd, unsigned int irq, int level)
{
	struct kvm_irq_level l = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (GIC_NR_PRIVATE + irq),
		.level = (uint32_t)level,
	};

	if (irq >= ARM64_NR_SPIS)
		return -EINVAL;
	return ioctl(vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}
