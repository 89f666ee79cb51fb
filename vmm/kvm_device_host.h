/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device host (devices/host/device_host.h) of a KVM VM: ioeventfds
 * and irqfds on vm_fd, the worker class's seccomp filter for device
 * threads, and device failures reported as one line on stderr.
 */
#ifndef VMM_KVM_DEVICE_HOST_H
#define VMM_KVM_DEVICE_HOST_H

#include "devices/host/device_host.h"

struct kvm_device_host {
	struct device_host host;
	int vm_fd;
};

void kvm_device_host_init(struct kvm_device_host *h, int vm_fd);

#endif
