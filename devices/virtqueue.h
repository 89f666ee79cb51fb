/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A split virtqueue (virtio 1.x, section 2.7) as the device sees it.
 *
 * Everything in the rings comes from the guest and is checked: ring areas
 * must lie inside guest RAM and be aligned (vq_enable), the avail index
 * may not run more than a queue size ahead of what we consumed, heads and
 * next indices must be below the queue size, a chain may not be longer
 * than the queue or VQ_MAX_CHAIN (so loops end), every buffer must lie
 * in guest RAM, and indirect descriptors are refused unless the queue's
 * indirect flag says the driver negotiated them (only a vhost-user
 * backend offers them; we serve its rings once it is lost): then one
 * table of at most VQ_MAX_SIZE entries, not nested, ends a chain. Any
 * violation marks the queue broken: it returns -EIO from then on and the transport
 * reports DEVICE_NEEDS_RESET to the driver.
 *
 * One thread at a time uses a queue (the device's worker); the transport
 * configures it only while the worker is held off.
 */
#ifndef DEVICES_VIRTQUEUE_H
#define DEVICES_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/virtio_ring.h>

#include "memory/guest_memory.h"

struct vhost_user_inflight_queue;	/* devices/vhost_user.h */

/* QEMU's virtio-mmio always asks for 1024 (vmm-blkd behind QEMU). */
#define VQ_MAX_SIZE	1024
/* Longer chains are refused as broken; virtio-blk says seg_max to match. */
#define VQ_MAX_CHAIN	256

struct virtqueue {
	const struct guest_memory *mem;
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool enabled;
	bool broken;
	/*
	 * VIRTIO_RING_F_EVENT_IDX was negotiated (by a vhost-user backend
	 * whose rings we took back): the driver kicks only once it passes
	 * avail_event, which vq_pop keeps at the next index it wants.
	 */
	bool event_idx;
	/* VIRTIO_RING_F_INDIRECT_DESC was negotiated, likewise. */
	bool indirect;

	/* host views of the rings, valid while enabled */
	struct vring_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[size], used_event */
	uint16_t *used;		/* flags, idx, then {u32 id, u32 len}[size] */
	uint16_t last_avail;
	uint16_t used_idx;

	/*
	 * In-flight tracking (devices/virtqueue_inflight.h), set only by a
	 * vhost-user backend that has a region: vq_pop records each head
	 * it takes, vq_push each chain it returns. NULL: nothing recorded.
	 */
	struct vhost_user_inflight_queue *inflight;
	uint64_t inflight_counter;	/* of the last head taken */
	/* heads vq_pop returns before the avail ring's (after a restart) */
	const uint16_t *resubmit;
	uint16_t nr_resubmit;

	/* counters that survive resets, for --stats */
	uint64_t chains;
	uint64_t bytes_to_guest;
};

/*
 * A descriptor chain: its head, and its buffers as iovecs, the
 * device-readable ones first (out), then the device-writable ones (in).
 */
struct vq_chain {
	uint16_t head;
	unsigned int nr_out, nr_in;
	uint64_t out_len, in_len;
	struct iovec iov[VQ_MAX_CHAIN];	/* out then in */
};

void vq_init(struct virtqueue *vq, const struct guest_memory *mem);
/* Checks and maps the ring areas. -EINVAL if the guest gave nonsense. */
int vq_enable(struct virtqueue *vq);
void vq_reset(struct virtqueue *vq);

/*
 * Taking over an enabled queue that someone else served (a vhost-user
 * backend that died): carry on from the used index in the ring, so the
 * requests it took and never finished are popped again.
 */
void vq_take_over(struct virtqueue *vq);

/*
 * 1 and a chain, 0 when the avail ring is empty, -EIO if broken. The
 * resubmit heads come first, each walked and checked like a fresh one.
 */
int vq_pop(struct virtqueue *vq, struct vq_chain *chain);
/* Returns a chain with the bytes written into its in buffers. */
void vq_push(struct virtqueue *vq, uint16_t head, uint32_t written);

/* Copy helpers over a chain's out (readable) or in (writable) buffers. */
uint64_t vq_copy_from_out(const struct vq_chain *c, uint64_t off, void *buf,
			  uint64_t len);
uint64_t vq_copy_to_in(const struct vq_chain *c, uint64_t off, const void *buf,
		       uint64_t len);

#endif
