/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vhost-user device's state, shared by its two halves: what the guest
 * sees (vhost_user_device.c) and the link to the backend process
 * (vhost_user_link.c). Nothing else includes it. The transport calls the
 * link with its lock held, so one thread at a time touches the link.
 */
#ifndef DEVICES_VHOST_USER_DEVICE_STATE_H
#define DEVICES_VHOST_USER_DEVICE_STATE_H

#include <limits.h>
#include <time.h>

#include "devices/vhost_user_device.h"
#include "devices/vhost_user_frontend.h"

#define VHOST_USER_CONFIG_LEN	60	/* up to virtio-blk's write-zeroes fields */

struct vhost_user_device {
	enum vhost_user_device_type type;
	char name[128];
	const struct device_host *host;
	struct vhost_user_backend_thread *thread;	/* ours to stop, or NULL */
	uint64_t features;		/* offered to the guest */
	uint64_t backend_features;	/* the first backend's, which the
					   guest's share must come back with */
	uint8_t config[VHOST_USER_CONFIG_LEN];
	uint32_t config_len;
	unsigned int nr_queues;

	/* the link */
	struct vhost_user_frontend *fe;	/* NULL while reconnecting */
	const struct guest_memory_sharing *sharing;
	char socket[PATH_MAX];		/* to reconnect to */
	unsigned int reconnect_s;	/* 0: a lost backend fails the device */
	int timer_fd;			/* ticks while reconnecting; -1: none */
	bool reconnecting;
	struct timespec lost_at;

	/* what the driver started, to start it again on a new backend */
	uint64_t driver_features;
	struct virtio_queue_layout layout[VIRTIO_MAX_QUEUES];
	unsigned int nr_running;	/* 0: the driver has not started it */
	int irq_fd;
	struct vhost_user_inflight_fd inflight;	/* fd -1: none */
};

/* The external queue ops (devices/virtio.h), and the watch fd. */
int vhost_user_link_start(void *opaque, uint64_t driver_features,
			  const struct virtio_queue_layout *layout, unsigned int nr,
			  int irq_fd);
void vhost_user_link_stop(void *opaque);
bool vhost_user_link_lost(void *opaque);
int vhost_user_link_watch(void *opaque);

/* Sets up the link's fields (before the first connection); -errno. */
int vhost_user_link_init(struct vhost_user_device *d, const char *socket,
			 unsigned int reconnect_s);
void vhost_user_link_destroy(struct vhost_user_device *d);

#endif
