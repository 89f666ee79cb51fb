// SPDX-License-Identifier: GPL-2.0
/*
 * The in-flight region's memory: made for GET_INFLIGHT_FD, mapped from
 * what SET_INFLIGHT_FD hands back, every size checked first.
 */
#include "vhost_user_inflight.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/virtio.h"

#define INFLIGHT_ALIGN		64
#define INFLIGHT_VERSION	1

uint64_t inflight_queue_bytes(uint16_t queue_size)
{
	uint64_t n = sizeof(struct vhost_user_inflight_queue) +
		     (uint64_t)queue_size * sizeof(struct vhost_user_inflight_desc);

	return (n + INFLIGHT_ALIGN - 1) & ~(uint64_t)(INFLIGHT_ALIGN - 1);
}

static bool sizes_ok(uint16_t num_queues, uint16_t queue_size)
{
	return num_queues && num_queues <= VIRTIO_MAX_QUEUES && queue_size &&
	       queue_size <= VQ_MAX_SIZE && !(queue_size & (queue_size - 1));
}

struct vhost_user_inflight_queue *inflight_region_queue(const struct inflight_region *r,
							unsigned int i)
{
	if (!r->map || i >= r->num_queues)
		return NULL;
	return (void *)(r->base + i * inflight_queue_bytes(r->queue_size));
}

/* Headers never used (version 0) get version 1 and their desc_num. */
static void init_headers(struct inflight_region *r)
{
	unsigned int i;

	for (i = 0; i < r->num_queues; i++) {
		struct vhost_user_inflight_queue *q = inflight_region_queue(r, i);

		if (__atomic_load_n(&q->version, __ATOMIC_RELAXED))
			continue;
		q->desc_num = r->queue_size;
		__atomic_store_n(&q->version, INFLIGHT_VERSION, __ATOMIC_RELEASE);
	}
}

static int map(int fd, uint64_t offset, uint16_t num_queues, uint16_t queue_size,
	       struct inflight_region *r)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t start = offset & ~(page - 1);
	uint64_t len = offset - start + num_queues * inflight_queue_bytes(queue_size);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);

	if (p == MAP_FAILED)
		return -errno;
	*r = (struct inflight_region){ .map = p, .map_len = len,
		.base = (uint8_t *)p + (offset - start),
		.num_queues = num_queues, .queue_size = queue_size };
	init_headers(r);
	return 0;
}

int inflight_region_create(uint16_t num_queues, uint16_t queue_size,
			   struct inflight_region *r, int *fd)
{
	uint64_t size = num_queues * inflight_queue_bytes(queue_size);
	int f, err;

	if (!sizes_ok(num_queues, queue_size))
		return -EINVAL;
	f = memfd_create("vhost-user-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f < 0)
		return -errno;
	/* a new memfd reads as zeros */
	if (ftruncate(f, (off_t)size) < 0 ||
	    fcntl(f, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		err = -errno;
		close(f);
		return err;
	}
	err = map(f, 0, num_queues, queue_size, r);
	if (err) {
		close(f);
		return err;
	}
	*fd = f;
	return 0;
}

int inflight_region_map(int fd, const struct vhost_user_inflight *p,
			struct inflight_region *r)
{
	uint64_t need;
	struct stat st;

	if (!sizes_ok(p->num_queues, p->queue_size) || (p->mmap_offset & 7))
		return -EINVAL;
	need = p->num_queues * inflight_queue_bytes(p->queue_size);
	if (p->mmap_size < need)
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	if (p->mmap_offset > (uint64_t)st.st_size ||
	    p->mmap_size > (uint64_t)st.st_size - p->mmap_offset)
		return -EINVAL;
	return map(fd, p->mmap_offset, p->num_queues, p->queue_size, r);
}

void inflight_region_unmap(struct inflight_region *r)
{
	if (r->map)
		munmap(r->map, r->map_len);
	memset(r, 0, sizeof(*r));
}
