// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk request handling (virtio 1.x, section 5.2): a 16-byte header
 * in the readable buffers, data, and a status byte at the very end of the
 * writable buffers.
 */
#include "virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <linux/virtio_blk.h>
#include <unistd.h>

#define SECTOR_SIZE		512
#define ID_BYTES		20

struct blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
} __attribute__((packed));

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct virtio_blk {
	int fd;
	bool read_only;
	char id[ID_BYTES];
	struct blk_config config;
};

int virtio_blk_create(const char *path, bool read_only, const char *serial,
		      struct virtio_blk **out)
{
	struct virtio_blk *blk;
	struct stat st;
	int fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		close(fd);
		return -EINVAL;
	}
	if (S_ISBLK(st.st_mode))
		st.st_size = lseek(fd, 0, SEEK_END);
	if (st.st_size <= 0 || st.st_size % SECTOR_SIZE) {
		close(fd);
		return -EINVAL;
	}
	blk = calloc(1, sizeof(*blk));
	if (!blk) {
		close(fd);
		return -ENOMEM;
	}
	blk->fd = fd;
	blk->read_only = read_only;
	/* The id is up to 20 bytes, NUL-terminated only if shorter. */
	memcpy(blk->id, serial, strnlen(serial, sizeof(blk->id)));
	blk->config.capacity = (uint64_t)st.st_size / SECTOR_SIZE;
	blk->config.seg_max = VQ_MAX_CHAIN - 2;
	*out = blk;
	return 0;
}

void virtio_blk_destroy(struct virtio_blk *blk)
{
	if (!blk)
		return;
	close(blk->fd);
	free(blk);
}

uint64_t virtio_blk_capacity(const struct virtio_blk *blk)
{
	return blk->config.capacity;
}

/* The data iovecs: out after the header, or in before the status byte. */
static unsigned int data_iov(const struct vq_chain *c, bool in, struct iovec *iov)
{
	const struct iovec *src = in ? c->iov + c->nr_out : c->iov;
	unsigned int nr = in ? c->nr_in : c->nr_out, i, n = 0;
	uint64_t skip = in ? 0 : sizeof(struct blk_header);
	uint64_t keep = (in ? c->in_len - 1 : c->out_len - skip);

	for (i = 0; i < nr && keep; i++) {
		uint64_t len = src[i].iov_len, off = 0;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		off = skip;
		skip = 0;
		len -= off;
		if (len > keep)
			len = keep;
		iov[n++] = (struct iovec){ (char *)src[i].iov_base + off, len };
		keep -= len;
	}
	return n;
}

static uint8_t do_rw(struct virtio_blk *blk, const struct vq_chain *c,
		     const struct blk_header *h, bool in, uint32_t *written)
{
	struct iovec iov[VQ_MAX_CHAIN];
	uint64_t bytes = in ? c->in_len - 1 : c->out_len - sizeof(*h);
	unsigned int n = data_iov(c, in, iov);
	off_t off = (off_t)(h->sector * SECTOR_SIZE);
	ssize_t done = 0;

	if (!in && blk->read_only)
		return VIRTIO_BLK_S_IOERR;
	if (bytes % SECTOR_SIZE || h->sector > blk->config.capacity ||
	    bytes / SECTOR_SIZE > blk->config.capacity - h->sector)
		return VIRTIO_BLK_S_IOERR;
	if (bytes)
		done = in ? preadv(blk->fd, iov, (int)n, off) :
			    pwritev(blk->fd, iov, (int)n, off);
	if (done < 0 || (uint64_t)done != bytes)
		return VIRTIO_BLK_S_IOERR;
	if (in)
		*written = (uint32_t)bytes;
	return VIRTIO_BLK_S_OK;
}

static uint8_t handle(struct virtio_blk *blk, const struct vq_chain *c,
		      uint32_t *written)
{
	struct blk_header h;

	*written = 0;
	if (vq_copy_from_out(c, 0, &h, sizeof(h)) != sizeof(h))
		return VIRTIO_BLK_S_IOERR;
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
		return do_rw(blk, c, &h, true, written);
	case VIRTIO_BLK_T_OUT:
		return do_rw(blk, c, &h, false, written);
	case VIRTIO_BLK_T_FLUSH:
		if (!blk->read_only && fdatasync(blk->fd))
			return VIRTIO_BLK_S_IOERR;
		return VIRTIO_BLK_S_OK;
	case VIRTIO_BLK_T_GET_ID:
		if (c->in_len < 1)
			return VIRTIO_BLK_S_IOERR;
		*written = (uint32_t)vq_copy_to_in(c, 0, blk->id,
			c->in_len - 1 < ID_BYTES ? c->in_len - 1 : ID_BYTES);
		return VIRTIO_BLK_S_OK;
	default:
		return VIRTIO_BLK_S_UNSUPP;
	}
}

bool virtio_blk_queue_notify(void *opaque, struct virtqueue *vq, unsigned int index)
{
	struct virtio_blk *blk = opaque;
	struct vq_chain c;
	bool used = false;

	(void)index;
	while (vq_pop(vq, &c) == 1) {
		uint32_t written = 0;
		uint8_t status;

		/* Room for the status byte is the least a request must have. */
		if (!c.in_len) {
			vq_push(vq, c.head, 0);
			used = true;
			continue;
		}
		status = handle(blk, &c, &written);
		vq_copy_to_in(&c, c.in_len - 1, &status, 1);
		vq_push(vq, c.head, written + 1);
		used = true;
	}
	return used;
}

static void blk_destroy(void *opaque)
{
	virtio_blk_destroy(opaque);
}

static const struct virtio_device_ops blk_ops = {
	.queue_notify = virtio_blk_queue_notify,
	.destroy = blk_destroy,
};

void virtio_blk_describe(struct virtio_blk *blk, struct virtio_device *dev)
{
	*dev = (struct virtio_device){
		.name = "virtio-blk",
		.device_id = VIRTIO_ID_BLOCK,
		.features = VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
			    (blk->read_only ? VIRTIO_BIT(VIRTIO_BLK_F_RO) : 0),
		.nr_queues = 1,
		.config = &blk->config,
		.config_len = sizeof(blk->config),
		.opaque = blk,
		.ops = &blk_ops,
	};
}
