/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a device model needs from the process that hosts it, passed in as
 * a table of functions so that devices/ never includes vmm/: the VMM
 * implements it with KVM (vmm/kvm_device_host.c); a device hosted
 * elsewhere supplies its own.
 *
 * Contract:
 * - add_ioeventfd(): from now on a guest write of len bytes equal to
 *   datamatch at guest-physical addr signals fd (an eventfd) instead of
 *   exiting to a vCPU. 0 or a negative errno.
 * - add_irqfd(): from now on a write to fd (an eventfd) raises interrupt
 *   line gsi. Only once the interrupt controller is complete (see
 *   virtio_mmio_attach_irq). 0 or a negative errno.
 * - thread_start(): every thread a device starts calls it first, before
 *   it touches anything the guest controls (the VMM installs the worker's
 *   seccomp filter there). 0, or a negative errno and the thread ends.
 * - report(): one line about a device's backend (lost, reconnecting,
 *   back, failed for good), for the host to print. Any thread.
 */
#ifndef DEVICES_HOST_DEVICE_HOST_H
#define DEVICES_HOST_DEVICE_HOST_H

#include <stdint.h>

struct device_host {
	int (*add_ioeventfd)(const struct device_host *host, uint64_t addr,
			     unsigned int len, uint64_t datamatch, int fd);
	int (*add_irqfd)(const struct device_host *host, unsigned int gsi, int fd);
	int (*thread_start)(const struct device_host *host);
	void (*report)(const struct device_host *host, const char *device, const char *what);
	void *ctx;
};

#endif
