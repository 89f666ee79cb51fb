// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 RAM (one region at ARM64_RAM_BASE), the virtio-mmio slots, and the
 * capabilities arm64 needs (layout.h has the whole guest-physical map).
 */
#include <errno.h>
#include <linux/kvm.h>

#include "arch/arch.h"
#include "arch/arm64/layout.h"
#include "devices/virtio_mmio.h"

/*
 * KVM_CREATE_VM with type 0 gives the VM a 40-bit IPA space: RAM has to
 * end below it.
 */
#define ARM64_IPA_LIMIT		(1ULL << 40)

const struct kvm_cap_need arch_required_caps[] = {
	{ KVM_CAP_ONE_REG, "KVM_CAP_ONE_REG" },
	{ KVM_CAP_DEVICE_CTRL, "KVM_CAP_DEVICE_CTRL" },
	{ KVM_CAP_ARM_PSCI_0_2, "KVM_CAP_ARM_PSCI_0_2" },
	{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD" },
	{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD" },
	{ 0, NULL },
};

int arch_ram_layout(uint64_t size, struct guest_range *ranges, unsigned int max)
{
	if (size < ARM64_MIN_RAM)
		return -ERANGE;
	if (size > ARM64_MAX_RAM || size > ARM64_IPA_LIMIT - ARM64_RAM_BASE || max < 1)
		return -E2BIG;
	ranges[0] = (struct guest_range){ ARM64_RAM_BASE, size };
	return 1;
}

int arch_virtio_slot(unsigned int index, uint64_t *base, unsigned int *irq)
{
	if (index >= ARM64_VIRTIO_SLOTS)
		return -ENOSPC;
	*base = ARM64_VIRTIO_MMIO_BASE + index * (uint64_t)VIRTIO_MMIO_SIZE;
	*irq = ARM64_VIRTIO_SPI_BASE + index;
	return 0;
}
