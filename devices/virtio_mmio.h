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
 * External queues (vhost-user): a device with start set has its queues
 * served by another process. When the driver sets DRIVER_OK the
 * transport calls start with each queue's layout, its KVM ioeventfd (kick)
 * and the device's KVM irqfd (call); from then on the worker leaves the
 * kick fds alone and INTERRUPT_STATUS always shows a used buffer, because
 * the backend raises the interrupt without us; it watches each queue's
 * err fd instead, which the backend writes when the driver broke that
 * queue: the device then reports DEVICE_NEEDS_RESET, as an in-VMM one
 * would. A driver reset calls stop.
 * The worker watches watch_fd; when watch_failed says the other side is
 * gone, or start fails, the device has failed for good: the transport
 * reports it through params.report, sets DEVICE_NEEDS_RESET, and from
 * then on serves the queues itself with queue_notify, which completes
 * every request as failed (so the driver sees errors, not a hang),
 * starting with those the backend took and never finished.
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
#include "devices/host/bus.h"

#define VIRTIO_MMIO_SIZE	0x1000
#define VIRTIO_MAX_QUEUES	4

#define VIRTIO_F_VERSION_1	32

#define VIRTIO_ID_NET		1
#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_RNG		4

/* A queue as the driver laid it out, for devices with external queues. */
struct virtio_queue_layout {
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int kick_fd;
	int err_fd;	/* the backend writes it when the driver broke the
			   queue: the transport sets DEVICE_NEEDS_RESET */
};

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
	/* Optional: external queues (see above). */
	int (*start)(void *opaque, uint64_t driver_features,
		     const struct virtio_queue_layout *queues, unsigned int nr,
		     int irq_fd);
	void (*stop)(void *opaque);
	int watch_fd;
	/* Worker thread, device lock held: 0 while the other side is fine. */
	int (*watch_failed)(void *opaque);
};

struct virtio_mmio;

struct virtio_mmio_params {
	int vm_fd;
	const struct guest_memory *mem;
	uint64_t base;			/* guest-physical, VIRTIO_MMIO_SIZE long */
	unsigned int irq;		/* GSI */
	/* Called (worker or vCPU thread) once, when a device with external
	 * queues fails: which device, and why (negative errno). */
	void (*report)(void *ctx, const char *device, int err);
	void *report_ctx;
};

/* Creates the transport and its worker, and registers the ioeventfds. */
int virtio_mmio_create(const struct virtio_mmio_params *p,
		       const struct virtio_device *dev, struct virtio_mmio **out);
/*
 * Registers the device's KVM irqfd on GSI params.irq: once the VM's
 * interrupt controller is complete (arm64's vGIC refuses irqfds until it
 * is initialised, after the last vCPU) and before any vCPU runs. An
 * interrupt raised before that waits in the eventfd. 0 or -errno.
 */
int virtio_mmio_attach_irq(struct virtio_mmio *t);
void virtio_mmio_destroy(struct virtio_mmio *vm);

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
