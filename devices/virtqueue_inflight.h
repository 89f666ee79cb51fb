/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-flight tracking of a split virtqueue in one queue of a vhost-user
 * in-flight region (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD; the layout and
 * the algorithm are described in devices/vhost_user.h), so that a backend
 * restarted after a crash resubmits what its predecessor took from the
 * avail ring and never returned.
 *
 * Contract:
 * - vq_inflight_start() attaches the region's queue q (desc_num entries,
 *   at least the queue size) to an enabled queue and recovers from what
 *   it records: if its used_idx is behind the used ring's idx, the last
 *   batch is finished (its flags cleared, used_idx caught up); the heads
 *   still in flight (below the queue size) become the resubmit list in
 *   the order they were taken (by counter), stored in resubmit (room
 *   for VQ_MAX_SIZE heads, the caller's until the queue is reset);
 *   last_avail becomes the used idx plus their number and used_idx the
 *   used idx; the counter goes on above the highest one recorded.
 *   Returns -EINVAL, attaching nothing, for a queue header that is not
 *   version 1 with desc_num entries, a flag other than 0 or 1, or a last
 *   batch longer than the queue or leaving the table: the region comes
 *   from the frontend and is never trusted; indices read from it are
 *   checked before use.
 * - vq_pop and vq_push call the other three while q is attached, in the
 *   spec's order (see devices/vhost_user.h), with release ordering
 *   between the stores, so a process killed between any two of them
 *   leaves a region the next start recovers from.
 */
#ifndef DEVICES_VIRTQUEUE_INFLIGHT_H
#define DEVICES_VIRTQUEUE_INFLIGHT_H

#include "devices/vhost_user.h"
#include "devices/virtqueue.h"

int vq_inflight_start(struct virtqueue *vq, struct vhost_user_inflight_queue *q,
		      uint16_t desc_num, uint16_t *resubmit);

/* head was taken from the avail ring: counter, then the flag. */
void vq_inflight_taken(struct virtqueue *vq, uint16_t head);
/* head is being returned: linked into the batch before the used idx. */
void vq_inflight_returning(struct virtqueue *vq, uint16_t head);
/* the used idx is published: the flag cleared, then used_idx. */
void vq_inflight_returned(struct virtqueue *vq, uint16_t head);

#endif
