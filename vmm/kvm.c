// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kvm and the capabilities the VMM needs (generic ones here, the
 * architecture's in arch_required_caps[]).
 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/arch.h"

static const struct kvm_cap_need generic_caps[] = {
	{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
	{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
	{ KVM_CAP_NR_MEMSLOTS, "KVM_CAP_NR_MEMSLOTS" },
	{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	{ 0, NULL },
};

int kvm_check_cap(int fd, int cap)
{
	return ioctl(fd, KVM_CHECK_EXTENSION, cap);
}

static const char *first_missing(int fd, const struct kvm_cap_need *caps)
{
	for (; caps->name; caps++) {
		if (kvm_check_cap(fd, caps->cap) <= 0)
			return caps->name;
	}
	return NULL;
}

int kvm_open(const char **missing)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int err;

	*missing = NULL;
	if (fd < 0)
		return errno == EPERM ? -EACCES : -errno;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		err = -EPROTO;
		goto out;
	}
	*missing = first_missing(fd, generic_caps);
	if (!*missing)
		*missing = first_missing(fd, arch_required_caps);
	if (*missing) {
		err = -ENOSYS;
		goto out;
	}
	return fd;
out:
	close(fd);
	return err;
}

int open_kvm_for_probe(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

bool kvm_is_pvm_host(void)
{
	return access("/sys/module/kvm_pvm", F_OK) == 0;
}
