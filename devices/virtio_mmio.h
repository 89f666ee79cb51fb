/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-mmio transport, version 2 (virtio 1.x, section 4.2), for devices
 * that run in the VMM.
 *
 * A device describes itself with struct virtio_device (id, features,
 * queues, config space) and handles kicked queues in queue_notify, which
 * runs on the transport's worker thread with the device lock held; it
 * pops chains, pushes them back and returns true when the driver should
 * get a used-buffer interrupt.
 *
 * A device may also give the worker a host fd to wait on (a tap's receive
 * side, say): while fd_queue is live and not paused, the worker polls fd
 * for POLLIN and then calls fd_ready with that queue. When fd_ready runs
 * out of buffers it sets *pause, and the worker leaves the fd alone until
 * the driver kicks fd_queue (it adds buffers, then kicks) or resets the
 * device; an fd in error is paused the same way, so nothing spins.
 *
 * Queue notifications arrive through a KVM ioeventfd on QueueNotify and
 * interrupts leave through a KVM irqfd, so neither passes through a vCPU
 * exit. Every register write from the guest is checked: out-of-range
 * queue numbers and sizes, ring addresses outside guest RAM and config
 * accesses past the config space are refused; a queue the driver breaks
 * sets DEVICE_NEEDS_RESET.
 */
#ifndef DEVICES_VIRTIO_MMIO_H
#define DEVICES_VIRTIO_MMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/virtqueue.h"
#include "memory/guest_memory.h"
#include "vmm/bus.h"

#define VIRTIO_MMIO_SIZE	0x1000
#define VIRTIO_MAX_QUEUES	4

#define VIRTIO_F_VERSION_1	32

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_RNG		4

struct virtio_device {
	const char *name;
	uint32_t device_id;
	uint64_t features;		/* VERSION_1 is added by the transport */
	unsigned int nr_queues;
	const void *config;		/* read-only config space */
	uint32_t config_len;
	void *opaque;
	/* Worker thread, device lock held. Returns true to interrupt. */
	bool (*queue_notify)(void *opaque, struct virtqueue *vq, unsigned int index);
	/* Driver reset the device (status 0). Optional. */
	void (*reset)(void *opaque);
	/* Optional: fd is used only if fd_ready is set (see above). */
	int fd;
	unsigned int fd_queue;
	bool (*fd_ready)(void *opaque, struct virtqueue *vq, bool *pause);
};

struct virtio_mmio;

struct virtio_mmio_params {
	int vm_fd;
	const struct guest_memory *mem;
	uint64_t base;			/* guest-physical, VIRTIO_MMIO_SIZE long */
	unsigned int irq;		/* GSI */
};

/* Creates the transport and its worker, and registers the eventfds. */
int virtio_mmio_create(const struct virtio_mmio_params *p,
		       const struct virtio_device *dev, struct virtio_mmio **out);
void virtio_mmio_destroy(struct virtio_mmio *vm);

struct virtio_mmio_stats {
	uint64_t driver_features;	/* last set the driver had accepted */
	uint32_t status;		/* every status bit it ever set */
	uint64_t chains;		/* requests completed, all queues */
	uint64_t bytes_to_guest;
};

void virtio_mmio_stats(struct virtio_mmio *t, struct virtio_mmio_stats *st);

extern const struct bus_device_ops virtio_mmio_ops;

#endif
