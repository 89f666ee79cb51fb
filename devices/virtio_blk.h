/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk backed by a host file: read, write, flush and get-id, with
 * read-only enforced (writes fail with an I/O error status and the RO
 * feature tells the driver). Every request is checked against the disk
 * size; a malformed request gets a virtio error status, never a crash.
 */
#ifndef DEVICES_VIRTIO_BLK_H
#define DEVICES_VIRTIO_BLK_H

#include <stdbool.h>

#include "devices/virtio.h"

struct virtio_blk;

/* Opens path; -errno from open, -EINVAL if its size is not 512-aligned. */
int virtio_blk_create(const char *path, bool read_only, const char *serial,
		      struct virtio_blk **out);
void virtio_blk_destroy(struct virtio_blk *blk);
/* The device description; its destroy frees blk. */
void virtio_blk_describe(struct virtio_blk *blk, struct virtio_device *dev);
uint64_t virtio_blk_capacity(const struct virtio_blk *blk);	/* sectors */

/* Handles a kicked request queue (exposed for tests). */
bool virtio_blk_queue_notify(void *opaque, struct virtqueue *vq, unsigned int index);

#endif
