// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's side of the device host: what a device asks for, done with
 * ioctls on the VM fd.
 */
#include "kvm_device_host.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "devices/host/seccomp.h"

static int vm_fd_of(const struct device_host *host)
{
	return ((const struct kvm_device_host *)host)->vm_fd;
}

static int add_ioeventfd(const struct device_host *host, uint64_t addr,
			 unsigned int len, uint64_t datamatch, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	return ioctl(vm_fd_of(host), KVM_IOEVENTFD, &io) < 0 ? -errno : 0;
}

static int add_irqfd(const struct device_host *host, unsigned int gsi, int fd)
{
	struct kvm_irqfd irqfd = { .fd = (uint32_t)fd, .gsi = gsi };

	return ioctl(vm_fd_of(host), KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

static int thread_start(const struct device_host *host)
{
	(void)host;
	return vmm_seccomp_install(VMM_SECCOMP_WORKER);
}

static void report(const struct device_host *host, const char *device, const char *what)
{
	(void)host;
	fprintf(stderr, "vmm: %s: %s\n", device, what);
}

void kvm_device_host_init(struct kvm_device_host *h, int vm_fd)
{
	*h = (struct kvm_device_host){
		.host = {
			.add_ioeventfd = add_ioeventfd,
			.add_irqfd = add_irqfd,
			.thread_start = thread_start,
			.report = report,
		},
		.vm_fd = vm_fd,
	};
}
