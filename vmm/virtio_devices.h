/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-process virtio devices a VM was configured with (--disk, --rng,
 * --net), each on its own virtio-mmio slot that the architecture assigns,
 * and the virtio_mmio.device= words that tell a Linux guest where they are.
 *
 * vm_virtio_create() returns 0 or a negative errno with one line for the
 * user in err; vm_virtio_destroy() stops the device threads and must run
 * before guest memory goes away.
 */
#ifndef VMM_VIRTIO_DEVICES_H
#define VMM_VIRTIO_DEVICES_H

#include <stddef.h>
#include <stdio.h>

struct vm;

int vm_virtio_create(struct vm *vm, char *err, size_t err_len);
/*
 * Connects every device's interrupt to the in-kernel irqchip; after
 * arch_vcpus_ready() (the irqchip is complete), before any vCPU runs.
 */
int vm_virtio_attach_irqs(struct vm *vm, char *err, size_t err_len);
void vm_virtio_destroy(struct vm *vm);
/*
 * Appends " virtio_mmio.device=4K@0xADDR:IRQ" per device to buf when the
 * guest's command line (cmdline) says acpi=off; otherwise the firmware
 * tables describe the devices (LNRO0005 in the DSDT) and nothing is
 * added. 0 or -ENOSPC.
 */
int vm_virtio_cmdline(const struct vm *vm, const char *cmdline, char *buf,
		      size_t len);

/* One line per device for --stats. */
void vm_virtio_print_stats(const struct vm *vm, FILE *out);

#endif
