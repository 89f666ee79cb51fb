// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user-blk: the in-VMM virtio-blk device (devices/virtio_blk.c)
 * behind the vhost-user backend engine. Frontends read the whole
 * virtio-blk config space (QEMU asks for its own struct's size), so the
 * space is the full layout of virtio 1.3 section 5.2.4: our fields
 * (capacity, size_max, seg_max) first, every later field zero, as no
 * feature that gives them meaning is offered. seg_max leaves room for
 * the header and status buffers within a chain the walker accepts.
 */
#include "vhost_user_backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_blk.h"

/* capacity .. secure erase (72 bytes) and the zoned block (24 bytes) */
#define BLK_CONFIG_SPACE	96
#define SEG_MAX_OFFSET		12

struct blk_backend {
	struct virtio_blk *blk;
	uint8_t config[BLK_CONFIG_SPACE];
};

static bool blk_notify(void *opaque, struct virtqueue *vq, unsigned int index)
{
	struct blk_backend *bb = opaque;

	return virtio_blk_queue_notify(bb->blk, vq, index);
}

static void blk_release(void *opaque)
{
	struct blk_backend *bb = opaque;

	virtio_blk_destroy(bb->blk);
	free(bb);
}

static const struct virtio_device_ops blk_backend_ops = {
	.queue_notify = blk_notify,
	.destroy = blk_release,
};

int vhost_user_blk_backend_create(const char *disk_path, bool read_only,
				  struct vhost_user_backend **out)
{
	struct virtio_device dev;
	uint32_t seg_max;
	struct blk_backend *bb = calloc(1, sizeof(*bb));
	int err;

	if (!bb)
		return -ENOMEM;
	err = virtio_blk_create(disk_path, read_only, "vmm-blkd", &bb->blk);
	if (err) {
		free(bb);
		return err;
	}
	virtio_blk_describe(bb->blk, &dev);
	if (dev.config_len > sizeof(bb->config)) {
		blk_release(bb);
		return -EINVAL;
	}
	memcpy(bb->config, dev.config, dev.config_len);
	/* a request may take no more buffers than the walker takes */
	seg_max = VQ_MAX_CHAIN - 2;
	memcpy(bb->config + SEG_MAX_OFFSET, &seg_max, sizeof(seg_max));
	dev.config = bb->config;
	dev.config_len = sizeof(bb->config);
	dev.opaque = bb;
	dev.ops = &blk_backend_ops;
	err = vhost_user_backend_create(&dev, out);
	if (err)
		blk_release(bb);
	return err;
}
