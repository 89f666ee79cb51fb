/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vhost-user backend's in-flight region (GET_INFLIGHT_FD and
 * SET_INFLIGHT_FD, protocol feature INFLIGHT_SHMFD): shared memory with
 * one queue header and queue_size descriptor entries per queue (layout
 * in devices/vhost_user.h), each queue's part rounded up to 64 bytes.
 *
 * Contract:
 * - Sizes accepted: 1..VIRTIO_MAX_QUEUES queues, a queue size that is a
 *   power of two up to VQ_MAX_SIZE; others are -EINVAL.
 * - inflight_region_create() makes a new region: a memfd (close-on-exec,
 *   sealed against shrinking and growing), zeroed, every queue header
 *   initialised (version 1, desc_num), mapped shared. *fd is the caller's
 *   (to send, then close); the mapping does not need it.
 * - inflight_region_map() maps what the frontend hands back: a regular
 *   file whose size holds [mmap_offset, mmap_offset + mmap_size), and
 *   mmap_size enough for the stated queues (offset 8-byte aligned).
 *   Only the part the queues use is mapped. Headers still at version 0
 *   are initialised; others are left for vq_inflight_start to judge. The
 *   fd stays the caller's. -EINVAL for sizes, -EBADF for an fd that is
 *   no regular file, -errno from fstat or mmap.
 * - The region's contents are the frontend's to write at any time; as
 *   with guest RAM, a frontend that truncates an unsealed file under the
 *   mapping can only hurt its own backend (SIGBUS).
 * - inflight_region_unmap() of a region never mapped (all zero) is a
 *   no-op. Nothing is printed.
 */
#ifndef DEVICES_VHOST_USER_INFLIGHT_H
#define DEVICES_VHOST_USER_INFLIGHT_H

#include <stdint.h>

#include "devices/vhost_user.h"

struct inflight_region {
	void *map;		/* NULL: none */
	uint64_t map_len;
	uint8_t *base;		/* queue 0's header */
	uint16_t num_queues;
	uint16_t queue_size;
};

/* Bytes of one queue's part for queue_size entries. */
uint64_t inflight_queue_bytes(uint16_t queue_size);

int inflight_region_create(uint16_t num_queues, uint16_t queue_size,
			   struct inflight_region *r, int *fd);
int inflight_region_map(int fd, const struct vhost_user_inflight *p,
			struct inflight_region *r);
void inflight_region_unmap(struct inflight_region *r);

/* Queue i's header, or NULL when the region has no queue i. */
struct vhost_user_inflight_queue *inflight_region_queue(const struct inflight_region *r,
							unsigned int i);

#endif
