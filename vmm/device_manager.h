/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device manager: one list of the VM's virtio devices, whatever
 * their kind, each on a virtio-mmio slot the architecture assigns.
 *
 * Contract:
 * - device_manager_create() makes every device of the config, in
 *   command-line order, through its kind's row (devices/device_kind.h),
 *   and puts it on the MMIO bus. 0, or a negative errno with one line for
 *   the user in err.
 * - device_manager_attach_irqs() connects every device's interrupt; after
 *   arch_vcpus_ready() (the irqchip is complete), before any vCPU runs.
 * - device_manager_destroy() stops the transports, then destroys the
 *   devices; it must run before guest memory and its sharing object go.
 * - device_manager_cmdline() appends " virtio_mmio.device=4K@0xADDR:IRQ"
 *   per device when the guest's command line says acpi=off (otherwise
 *   the firmware tables describe them). 0 or -ENOSPC.
 */
#ifndef VMM_DEVICE_MANAGER_H
#define VMM_DEVICE_MANAGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch.h"
#include "devices/device_kind.h"
#include "devices/host/bus.h"
#include "vmm/config.h"
#include "vmm/kvm_device_host.h"

struct virtio_mmio;

struct managed_device {
	struct virtio_device dev;
	struct virtio_mmio *transport;
	uint64_t base;
	unsigned int irq;
};

struct device_manager {
	struct kvm_device_host host;
	struct device_env env;
	unsigned int nr;
	struct managed_device devices[VMM_MAX_DEVICES];
};

int device_manager_create(struct device_manager *dm, const struct vm_config *cfg,
			  struct bus *mmio, char *err, size_t len);
int device_manager_attach_irqs(struct device_manager *dm, char *err, size_t len);
void device_manager_destroy(struct device_manager *dm);
int device_manager_cmdline(const struct device_manager *dm, const char *cmdline,
			   char *buf, size_t len);
/* The slots, as the firmware tables describe them; at most max. */
unsigned int device_manager_slots(const struct device_manager *dm,
				  struct arch_virtio_slot *slots, unsigned int max);
/* One line per device for --stats. */
void device_manager_print_stats(const struct device_manager *dm, FILE *out);

#endif
