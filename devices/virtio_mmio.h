/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-mmio transport, version 2 (virtio 1.x, section 4.2), for the
 * devices of devices/virtio.h.
 *
 * Two halves share one state (virtio_mmio_state.h): the register file
 * (virtio_mmio.c), which the guest's MMIO accesses reach through the bus,
 * and the worker thread (virtio_worker.c), which waits on the queues'
 * kick eventfds, the device's fd source and the external side's fds, and
 * calls the device. Queue notifications arrive through ioeventfds and
 * interrupts leave through an irqfd, both registered through the device
 * host (devices/host/device_host.h), so neither passes through a vCPU
 * exit. Every register write from the guest is checked: out-of-range
 * queue numbers and sizes, ring addresses outside guest RAM and config
 * accesses past the config space are refused; a queue the driver breaks
 * sets DEVICE_NEEDS_RESET.
 */
#ifndef DEVICES_VIRTIO_MMIO_H
#define DEVICES_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/host/bus.h"
#include "devices/host/device_host.h"
#include "devices/virtio.h"
#include "memory/guest_memory.h"

#define VIRTIO_MMIO_SIZE	0x1000

struct virtio_mmio;

struct virtio_mmio_params {
	const struct device_host *host;
	const struct guest_memory *mem;
	uint64_t base;			/* guest-physical, VIRTIO_MMIO_SIZE long */
	unsigned int irq;		/* GSI */
};

/* Creates the transport and its worker, and registers the ioeventfds. */
int virtio_mmio_create(const struct virtio_mmio_params *p,
		       const struct virtio_device *dev, struct virtio_mmio **out);
/*
 * Registers the device's irqfd on GSI params.irq: once the VM's
 * interrupt controller is complete (arm64's vGIC refuses irqfds until it
 * is initialised, after the last vCPU) and before any vCPU runs. An
 * interrupt raised before that waits in the eventfd. 0 or -errno.
 */
int virtio_mmio_attach_irq(struct virtio_mmio *t);
/* Stops the worker; the device itself is its owner's to destroy. */
void virtio_mmio_destroy(struct virtio_mmio *t);

struct virtio_mmio_stats {
	uint64_t driver_features;	/* last set the driver had accepted */
	uint32_t status;		/* every status bit it ever set */
	uint64_t chains;		/* requests completed, all queues */
	uint64_t bytes_to_guest;
	bool failed;			/* external queues, backend lost */
};

void virtio_mmio_stats(struct virtio_mmio *t, struct virtio_mmio_stats *st);

extern const struct bus_device_ops virtio_mmio_ops;

#endif
