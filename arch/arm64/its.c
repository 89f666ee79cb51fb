// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's in-kernel ITS (its.h): the device at ARM64_GIC_ITS_BASE,
 * initialised.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/arm64/its.h"
#include "arch/arm64/layout.h"

_Static_assert(ARM64_GIC_ITS_BASE % 0x10000 == 0, "the ITS frame is 64 KiB-aligned");
_Static_assert(ARM64_GIC_ITS_BASE >= ARM64_GIC_DIST_BASE + ARM64_GIC_DIST_SIZE &&
	       ARM64_GIC_ITS_BASE + ARM64_GIC_ITS_SIZE <= ARM64_GIC_REDIST_BASE,
	       "the ITS lies between the distributor and the redistributors");

static int its_attr(int dev_fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr, .addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(dev_fd, KVM_SET_DEVICE_ATTR, &a) < 0 ? -errno : 0;
}

int arm64_its_create(int vm_fd)
{
	struct kvm_create_device its = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	const uint64_t base = ARM64_GIC_ITS_BASE;
	int err;

	if (ioctl(vm_fd, KVM_CREATE_DEVICE, &its) < 0)
		return -errno;
	err = its_attr((int)its.fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_ITS_ADDR_TYPE, &base) ?:
	      its_attr((int)its.fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	close((int)its.fd);
	return err;
}
