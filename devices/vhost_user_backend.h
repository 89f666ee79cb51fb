/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The backend (server) side of vhost-user: a virtio device that runs in
 * a process of its own (vmm-blkd) or in a thread of the VMM, and maps
 * the guest RAM the frontend shares with SET_MEM_TABLE.
 *
 * Contract:
 * - vhost_user_backend_serve() serves one frontend connection at a time
 *   and starts each connection from scratch (features, memory table and
 *   rings of the previous one are dropped). It returns 0 when the
 *   frontend disconnects or stop_fd becomes readable (stop_fd < 0: none),
 *   and a negative errno with one line in err when the frontend breaks
 *   the protocol. It never closes sock, but sets send and receive
 *   timeouts on it, so a peer that stops mid-message cannot hang it.
 * - Nothing the frontend sends is trusted: every payload size, fd count,
 *   ring index, ring size, feature bit, memory region and ring address is
 *   checked. A request that fails while carrying NEED_REPLY is answered
 *   with a non-zero u64 and the connection goes on; without NEED_REPLY
 *   it ends the connection with an error. Malformed messages (sizes, fds,
 *   versions, truncation) always end it.
 * - Features offered: VERSION_1, PROTOCOL_FEATURES and the device's own
 *   (for blk: SEG_MAX, FLUSH, and RO for a read-only disk); protocol
 *   features MQ, REPLY_ACK, CONFIG, INFLIGHT_SHMFD. No EVENT_IDX,
 *   INDIRECT_DESC or packed rings. A ring needs a kick eventfd (polling
 *   is refused).
 * - In-flight region (devices/vhost_user_inflight.h): GET_INFLIGHT_FD
 *   makes a new one (1 to VIRTIO_MAX_QUEUES queues of a power of two up
 *   to VQ_MAX_SIZE; other sizes end the connection) and answers with its
 *   memfd; SET_INFLIGHT_FD maps the one handed back, refusing sizes that
 *   do not fit it. Either replaces the connection's region, which is
 *   dropped with the connection: the frontend's fd is the durable copy.
 *   While a ring runs with a region, every head taken from its avail
 *   ring and every chain returned is recorded there in the spec's order
 *   (devices/virtqueue_inflight.h), so the backend may die between any
 *   two stores. A ring that starts with a region carries on from it, not
 *   from SET_VRING_BASE: the used ring's idx plus the heads left in
 *   flight, which the device gets first, in the order they were taken.
 *   A ring that does not fit the region (more queues or a larger size
 *   than it was made for, as QEMU 7.2 on virtio-mmio does) runs without
 *   a record; a region that does not make sense fails the ring's start
 *   like a ring outside the memory table.
 * - A ring starts once it has a size, addresses, a kick fd, a memory
 *   table and, when PROTOCOL_FEATURES was acked, SET_VRING_ENABLE 1.
 *   Requests are handled by the device on each kick (and once at start);
 *   the call eventfd is written when buffers were used. A ring the guest
 *   breaks (see devices/virtqueue.h) is stopped and its err eventfd
 *   written; the connection goes on.
 * - Functions return 0 or a negative errno; nothing is printed, except
 *   trace lines to a FILE the caller asked for.
 */
#ifndef DEVICES_VHOST_USER_BACKEND_H
#define DEVICES_VHOST_USER_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "devices/virtio.h"

struct vhost_user_backend;

/*
 * A vhost-user-blk backend on disk_path (virtio_blk_create: -errno from
 * open, -EINVAL for a size that is not a multiple of 512).
 */
int vhost_user_blk_backend_create(const char *disk_path, bool read_only,
				  struct vhost_user_backend **out);

/*
 * A backend for any device described like an in-VMM one (features
 * without VERSION_1, queues, config space, ops->queue_notify); destroy
 * calls ops->destroy, if set, with dev->opaque. -EINVAL for more queues
 * than VIRTIO_MAX_QUEUES or a config space over VHOST_USER_CONFIG_MAX.
 */
int vhost_user_backend_create(const struct virtio_device *dev,
			      struct vhost_user_backend **out);

int vhost_user_backend_serve(struct vhost_user_backend *b, int sock,
			     int stop_fd, char *err, size_t err_len);

/* Every request received is named on f (NULL: off), for debugging. */
void vhost_user_backend_trace(struct vhost_user_backend *b, FILE *f);

void vhost_user_backend_destroy(struct vhost_user_backend *b);

#endif
