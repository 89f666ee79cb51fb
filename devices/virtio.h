/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio device contract: what a device is, whatever transport
 * carries it (virtio-mmio today, devices/virtio_mmio.h).
 *
 * A device describes itself with struct virtio_device: id, features (the
 * transport adds VIRTIO_F_VERSION_1), queues, a read-only config space,
 * and up to three sets of callbacks, all called with opaque:
 *
 * - Core (ops, required). queue_notify runs on the transport's worker
 *   thread with the device lock held when the driver kicks a queue; it
 *   pops chains, pushes them back, and returns true when the driver
 *   should get a used-buffer interrupt. destroy (optional) frees the
 *   device once its transport is gone. A driver reset resets the queues;
 *   none of our devices keeps other state across it.
 * - An fd source (fd_source.ready set, optional). The worker polls
 *   fd_source.fd for POLLIN while queue fd_source.queue is live and calls
 *   ready with that queue. When ready runs out of buffers it sets *pause,
 *   and the worker leaves the fd alone until the driver kicks that queue
 *   or resets the device; an fd in error is paused the same way.
 * - External queues (external set, optional): another process (a
 *   vhost-user backend) serves the queues. At DRIVER_OK the transport
 *   calls start with each ready queue's layout, its kick eventfd, its err
 *   eventfd and the device's interrupt eventfd; the device hands them on
 *   and the transport leaves the kicks alone. A driver reset calls stop.
 *   The worker polls the fd watch() names (asked again each time round,
 *   so a device may change it: its connection, or a timer while it
 *   reconnects) and calls lost() when it is readable. lost() returning
 *   false means the device dealt with it (the connection is fine, or it
 *   is reconnecting and keeps the rings meanwhile: the guest's requests
 *   wait). lost() (or a failed start) returning true means the other
 *   side is gone for good: the device has reported it through the host
 *   and from then on the transport serves the queues itself with
 *   queue_notify, starting with the requests the backend took and never
 *   finished, and sets DEVICE_NEEDS_RESET. What the device does with
 *   requests then (fail them) is its own policy.
 */
#ifndef DEVICES_VIRTIO_H
#define DEVICES_VIRTIO_H

#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/virtqueue.h"

#define VIRTIO_MAX_QUEUES	4
#define VIRTIO_BIT(f)		(1ULL << (f))

/* A queue as the driver laid it out, for devices with external queues. */
struct virtio_queue_layout {
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int kick_fd;
	int err_fd;	/* the backend writes it when the driver broke the
			   queue: the transport sets DEVICE_NEEDS_RESET */
	/* the used ring's idx in guest RAM, valid until stop */
	const uint16_t *used_idx;
};

struct virtio_device_ops {
	bool (*queue_notify)(void *opaque, struct virtqueue *vq, unsigned int index);
	void (*destroy)(void *opaque);
};

struct virtio_fd_source {
	int fd;
	unsigned int queue;
	bool (*ready)(void *opaque, struct virtqueue *vq, bool *pause);
};

struct virtio_external_ops {
	/* 0, or a negative errno: the device has failed (see above). */
	int (*start)(void *opaque, uint64_t driver_features,
		     const struct virtio_queue_layout *queues, unsigned int nr,
		     int irq_fd);
	void (*stop)(void *opaque);
	/* Worker thread, device lock held: true once the other side is gone. */
	bool (*lost)(void *opaque);
	/* Worker thread, device lock held: the fd to watch, or -1. */
	int (*watch)(void *opaque);
};

struct virtio_device {
	const char *name;
	uint32_t device_id;		/* VIRTIO_ID_* */
	uint64_t features;
	unsigned int nr_queues;
	const void *config;
	uint32_t config_len;
	void *opaque;
	const struct virtio_device_ops *ops;
	struct virtio_fd_source fd_source;
	const struct virtio_external_ops *external;
};

#endif
