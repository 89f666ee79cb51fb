/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio transport's state, shared by its two halves: the
 * register file (virtio_mmio.c) and the worker (virtio_worker.c). Nothing
 * else includes it. Everything below is guarded by lock, except
 * interrupt_status and ext_started (atomics: the interrupt handler's
 * register read must not wait for device work) and stopping.
 */
#ifndef DEVICES_VIRTIO_MMIO_STATE_H
#define DEVICES_VIRTIO_MMIO_STATE_H

#include <pthread.h>
#include <semaphore.h>

#include "devices/virtio_mmio.h"

struct virtio_mmio {
	struct virtio_mmio_params p;
	struct virtio_device dev;
	pthread_mutex_t lock;
	pthread_t worker;
	bool worker_started;
	sem_t worker_ready;		/* posted once worker_err is set */
	int worker_err;			/* its host thread_start() */
	bool stopping;
	int wake_fd;			/* stop, or look at the fds again */
	int kick_fd[VIRTIO_MAX_QUEUES];
	int err_fd[VIRTIO_MAX_QUEUES];	/* external queues: the backend says
					   the driver broke the queue */
	int irq_fd;

	uint32_t status;
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint64_t accepted_features;	/* last set accepted, kept over resets */
	uint32_t status_seen;		/* every status bit ever set */
	uint32_t queue_sel;
	uint32_t interrupt_status;
	bool fd_paused;			/* fd source: wait for a kick first */
	bool ext_started;		/* external queues handed over */
	bool ext_failed;		/* external side lost, for good */
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
};

/* Register file → worker. */
int virtio_worker_start(struct virtio_mmio *t);
void virtio_worker_stop(struct virtio_mmio *t);
void virtio_worker_wake(struct virtio_mmio *t);
/* Lock held: the external side is gone; serve its queues ourselves. */
void virtio_worker_take_back(struct virtio_mmio *t);

/* Worker → register file; lock held. */
void virtio_mmio_raise_irq(struct virtio_mmio *t, uint32_t why);
void virtio_mmio_needs_reset(struct virtio_mmio *t);
bool virtio_mmio_queue_live(const struct virtio_mmio *t, unsigned int q);

#endif
