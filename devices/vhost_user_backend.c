// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user backend engine: one frontend connection at a time, its
 * requests, its memory table, its in-flight region and its rings. The
 * device (see vhost_user_backend_blk.c) only handles kicked rings.
 */
#include "vhost_user_backend.h"
#include "vhost_user.h"
#include "vhost_user_inflight.h"
#include "virtqueue_inflight.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "memory/sharing.h"

#define F_VERSION_1		(1ULL << VIRTIO_F_VERSION_1)
#define F_PROTOCOL_FEATURES	(1ULL << VHOST_USER_F_PROTOCOL_FEATURES)
#define PROTOCOL_FEATURES	((1ULL << VHOST_USER_PROTOCOL_F_MQ) | \
				 (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
				 (1ULL << VHOST_USER_PROTOCOL_F_CONFIG) | \
				 (1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))
#define VRING_F_LOG		1u
#define SOCK_TIMEOUT_S		5

struct ring {
	struct virtqueue vq;		/* valid while started */
	uint16_t num;			/* 0 until SET_VRING_NUM */
	uint16_t base;			/* next avail index when (re)started */
	bool addr_set;
	uint64_t desc_uva, avail_uva, used_uva;
	int kick, call, err;		/* -1: none */
	bool enabled;			/* SET_VRING_ENABLE */
	bool started;
	bool failed;			/* broken by the guest, off until reset */
	uint16_t resubmit[VQ_MAX_SIZE];	/* see vq_inflight_start */
};

struct vhost_user_backend {
	struct virtio_device dev;
	FILE *trace;

	/* the connection being served */
	int sock;
	char *err;
	size_t err_len;
	uint64_t features;		/* acked with SET_FEATURES */
	uint64_t protocol_features;
	struct guest_memory *mem;
	unsigned int nr_regions;
	struct vhost_user_region table[VHOST_USER_MAX_REGIONS];
	struct inflight_region inflight;	/* map NULL: none */
	struct ring rings[VIRTIO_MAX_QUEUES];
};

static int fail(struct vhost_user_backend *b, int err, const char *fmt, ...)
{
	va_list ap;

	if (b->err && b->err_len) {
		va_start(ap, fmt);
		vsnprintf(b->err, b->err_len, fmt, ap);
		va_end(ap);
	}
	return err;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close_fd(&fds[n]);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	/* fails only when the counter is full: the peer has it pending */
	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		return;
}

/* ---- rings ---- */

static void ring_stop(struct ring *r)
{
	if (r->started)
		r->base = r->vq.last_avail;
	r->started = false;
}

static void ring_clear(struct ring *r)
{
	close_fd(&r->kick);
	close_fd(&r->call);
	close_fd(&r->err);
	memset(r, 0, sizeof(*r));
	r->kick = r->call = r->err = -1;
}

/* The guest-physical address of [uva, uva + len), wholly in one region. */
static int uva_to_gpa(const struct vhost_user_backend *b, uint64_t uva,
		      uint64_t len, uint64_t *gpa)
{
	unsigned int i;

	for (i = 0; i < b->nr_regions; i++) {
		const struct vhost_user_region *t = &b->table[i];

		if (uva >= t->userspace_addr &&
		    uva - t->userspace_addr < t->memory_size &&
		    len <= t->memory_size - (uva - t->userspace_addr)) {
			*gpa = t->guest_phys_addr + (uva - t->userspace_addr);
			return 0;
		}
	}
	return -EINVAL;
}

static int ring_translate(const struct vhost_user_backend *b, struct ring *r,
			  struct virtqueue *vq)
{
	uint64_t n = r->num;

	if (uva_to_gpa(b, r->desc_uva, 16 * n, &vq->desc_gpa) ||
	    uva_to_gpa(b, r->avail_uva, 6 + 2 * n, &vq->avail_gpa) ||
	    uva_to_gpa(b, r->used_uva, 6 + 8 * n, &vq->used_gpa))
		return -EINVAL;
	return 0;
}

static int process(struct vhost_user_backend *b, unsigned int i)
{
	struct ring *r = &b->rings[i];

	if (b->dev.ops->queue_notify(b->dev.opaque, &r->vq, i))
		signal_fd(r->call);
	if (r->vq.broken) {
		signal_fd(r->err);
		ring_stop(r);
		r->failed = true;
	}
	return 0;
}

static bool ring_ready(const struct vhost_user_backend *b, const struct ring *r)
{
	bool enabled = r->enabled || !(b->features & F_PROTOCOL_FEATURES);

	return !r->started && !r->failed && b->mem && r->num && r->addr_set &&
	       r->kick >= 0 && enabled;
}

/*
 * With an in-flight region, ring i records in it and carries on from it:
 * the used ring's idx plus what its predecessor left unfinished, which
 * is resubmitted first (this overrides SET_VRING_BASE).
 */
static int ring_attach_inflight(struct vhost_user_backend *b, unsigned int i)
{
	struct ring *r = &b->rings[i];
	struct vhost_user_inflight_queue *q = inflight_region_queue(&b->inflight, i);

	/*
	 * QEMU 7.2 on virtio-mmio asks for a region of its queue-size (128)
	 * and then gives the ring the transport's 1024: such a ring runs
	 * without a record rather than not at all.
	 */
	if (!q || r->num > b->inflight.queue_size)
		return 0;
	if (vq_inflight_start(&r->vq, q, b->inflight.queue_size, r->resubmit))
		return fail(b, -EINVAL, "ring %u: the in-flight region is inconsistent", i);
	return 0;
}

/* Starts ring i if it has all it needs, and serves what is waiting. */
static int ring_try_start(struct vhost_user_backend *b, unsigned int i)
{
	struct ring *r = &b->rings[i];

	if (!ring_ready(b, r))
		return 0;
	vq_init(&r->vq, b->mem);
	r->vq.size = r->num;
	if (ring_translate(b, r, &r->vq))
		return fail(b, -EINVAL, "ring %u lies outside the memory table", i);
	if (vq_enable(&r->vq))
		return fail(b, -EINVAL, "ring %u is misaligned or outside guest memory", i);
	r->vq.last_avail = r->base;
	r->vq.used_idx = r->base;
	if (b->inflight.map && ring_attach_inflight(b, i))
		return -EINVAL;
	r->started = true;
	return process(b, i);
}

static void rings_stop(struct vhost_user_backend *b)
{
	unsigned int i;

	for (i = 0; i < b->dev.nr_queues; i++)
		ring_stop(&b->rings[i]);
}

/* After a new memory table or in-flight region: each ring that can. */
static int rings_restart(struct vhost_user_backend *b)
{
	unsigned int i;
	int err, first = 0;

	for (i = 0; i < b->dev.nr_queues; i++) {
		err = ring_try_start(b, i);
		if (err && !first)
			first = err;
	}
	return first;
}

/* Ring i was kicked (revents from poll). */
static int ring_kicked(struct vhost_user_backend *b, unsigned int i, short revents)
{
	struct ring *r = &b->rings[i];
	uint64_t count;
	ssize_t n;

	if (!r->started)
		return 0;
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		return fail(b, -EBADF, "ring %u: the kick fd failed", i);
	n = read(r->kick, &count, sizeof(count));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n != sizeof(count))
		return fail(b, -EBADF, "ring %u: the kick fd is not an eventfd", i);
	return process(b, i);
}

/* ---- connection state ---- */

static void conn_reset(struct vhost_user_backend *b)
{
	unsigned int i;

	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		ring_clear(&b->rings[i]);
	guest_memory_destroy(b->mem);
	b->mem = NULL;
	b->nr_regions = 0;
	inflight_region_unmap(&b->inflight);
	b->features = 0;
	b->protocol_features = 0;
}

int vhost_user_backend_create(const struct virtio_device *dev,
			      struct vhost_user_backend **out)
{
	struct vhost_user_backend *b;
	unsigned int i;

	if (!dev->nr_queues || dev->nr_queues > VIRTIO_MAX_QUEUES ||
	    dev->config_len > VHOST_USER_CONFIG_MAX || !dev->ops ||
	    !dev->ops->queue_notify)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->dev = *dev;
	b->sock = -1;
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		b->rings[i].kick = b->rings[i].call = b->rings[i].err = -1;
	*out = b;
	return 0;
}

void vhost_user_backend_trace(struct vhost_user_backend *b, FILE *f)
{
	b->trace = f;
}

void vhost_user_backend_destroy(struct vhost_user_backend *b)
{
	if (!b)
		return;
	conn_reset(b);
	if (b->dev.ops->destroy)
		b->dev.ops->destroy(b->dev.opaque);
	free(b);
}

/* ---- the requests ---- */

/* The reply to req, with fd (-1: none). */
static int reply_fd(struct vhost_user_backend *b, const struct vhost_user_msg *req,
		    const void *payload, uint32_t size, int fd)
{
	struct vhost_user_msg m = {
		.request = req->request,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY,
		.size = size,
	};
	int err;

	memcpy(&m.payload, payload, size);
	err = vhost_user_send(b->sock, &m, &fd, fd >= 0 ? 1 : 0);
	if (err == -ECONNRESET)
		return 1;	/* the frontend is gone */
	if (err)
		return fail(b, err, "%s: sending the reply: %s",
			    vhost_user_request_name(req->request), strerror(-err));
	return 0;
}

static int reply(struct vhost_user_backend *b, const struct vhost_user_msg *req,
		 const void *payload, uint32_t size)
{
	return reply_fd(b, req, payload, size, -1);
}

static int reply_u64(struct vhost_user_backend *b, const struct vhost_user_msg *req,
		     uint64_t v)
{
	return reply(b, req, &v, sizeof(v));
}

static int check_ring(struct vhost_user_backend *b, const struct vhost_user_msg *m,
		      uint32_t index)
{
	if (index >= b->dev.nr_queues)
		return fail(b, -ERANGE, "%s: ring %u out of range (%u queues)",
			    vhost_user_request_name(m->request), index, b->dev.nr_queues);
	return 0;
}

static int set_mem_table(struct vhost_user_backend *b, const struct vhost_user_msg *m,
			 int *fds)
{
	const struct vhost_user_memory *t = &m->payload.memory;
	struct shared_region regions[VHOST_USER_MAX_REGIONS];
	struct guest_memory *mem, *old = b->mem;
	unsigned int i, j, n = t->nregions;
	int err;

	for (i = 0; i < n; i++) {
		const struct vhost_user_region *r = &t->regions[i];

		if (r->userspace_addr + r->memory_size < r->userspace_addr)
			break;
		for (j = 0; j < i; j++)
			if (r->userspace_addr < t->regions[j].userspace_addr + t->regions[j].memory_size &&
			    t->regions[j].userspace_addr < r->userspace_addr + r->memory_size)
				break;
		if (j < i)
			break;
		regions[i] = (struct shared_region){ .gpa = r->guest_phys_addr,
			.size = r->memory_size, .fd = fds[i], .fd_offset = r->mmap_offset };
	}
	if (i < n) {
		close_fds(fds, n);
		return fail(b, -EINVAL, "SET_MEM_TABLE: region %u overlaps or overflows in the frontend's address space", i);
	}
	err = guest_memory_import(regions, n, &mem);	/* takes the fds */
	for (i = 0; i < n; i++)
		fds[i] = -1;
	if (err)
		return fail(b, err, "SET_MEM_TABLE: cannot map the %u regions: %s", n, strerror(-err));
	rings_stop(b);
	b->mem = mem;
	b->nr_regions = n;
	memcpy(b->table, t->regions, n * sizeof(t->regions[0]));
	guest_memory_destroy(old);
	return rings_restart(b);
}

static int set_vring_addr(struct vhost_user_backend *b, const struct vhost_user_msg *m)
{
	const struct vhost_user_vring_addr *a = &m->payload.addr;
	struct ring *r;
	struct virtqueue probe;
	int err = check_ring(b, m, a->index);

	if (err)
		return err;
	if (a->flags & VRING_F_LOG)
		return fail(b, -EOPNOTSUPP, "SET_VRING_ADDR: dirty logging is not supported");
	r = &b->rings[a->index];
	ring_stop(r);
	r->desc_uva = a->desc;
	r->avail_uva = a->avail;
	r->used_uva = a->used;
	r->addr_set = true;
	r->failed = false;
	if (b->mem && r->num && ring_translate(b, r, &probe)) {
		r->addr_set = false;
		return fail(b, -EINVAL, "SET_VRING_ADDR: ring %u lies outside the memory table", a->index);
	}
	return ring_try_start(b, a->index);
}

static int set_vring_state(struct vhost_user_backend *b, const struct vhost_user_msg *m)
{
	const struct vhost_user_vring_state *s = &m->payload.state;
	const char *name = vhost_user_request_name(m->request);
	struct ring *r;
	int err = check_ring(b, m, s->index);

	if (err)
		return err;
	r = &b->rings[s->index];
	switch (m->request) {
	case VHOST_USER_SET_VRING_NUM:
		if (!s->num || s->num > VQ_MAX_SIZE || (s->num & (s->num - 1)))
			return fail(b, -EINVAL, "%s: %u is not a power of two up to %u",
				    name, s->num, VQ_MAX_SIZE);
		ring_stop(r);
		r->num = (uint16_t)s->num;
		break;
	case VHOST_USER_SET_VRING_BASE:
		if (s->num > 0xffff)
			return fail(b, -EINVAL, "%s: %u is not a ring index", name, s->num);
		ring_stop(r);
		r->base = (uint16_t)s->num;
		break;
	default:	/* SET_VRING_ENABLE */
		if (s->num > 1)
			return fail(b, -EINVAL, "%s: %u is neither 0 nor 1", name, s->num);
		ring_stop(r);
		r->enabled = s->num;
	}
	r->failed = false;
	return ring_try_start(b, s->index);
}

static int get_vring_base(struct vhost_user_backend *b, const struct vhost_user_msg *m)
{
	struct vhost_user_vring_state s = m->payload.state;
	struct ring *r;
	int err = check_ring(b, m, s.index);

	if (err)
		return err;
	r = &b->rings[s.index];
	ring_stop(r);		/* stopped until the next SET_VRING_KICK */
	close_fd(&r->kick);
	r->failed = false;
	s.num = r->base;
	return reply(b, m, &s, sizeof(s));
}

static int set_vring_fd(struct vhost_user_backend *b, const struct vhost_user_msg *m,
			int *fds)
{
	uint64_t v = m->payload.u64;
	uint32_t index = (uint32_t)(v & VHOST_USER_VRING_IDX_MASK);
	const char *name = vhost_user_request_name(m->request);
	int fd = -1;
	struct ring *r;
	int err = check_ring(b, m, index);

	if (!(v & VHOST_USER_VRING_NOFD)) {
		fd = fds[0];	/* ours from here on */
		fds[0] = -1;
	}

	if (!err && (v & ~(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD)))
		err = fail(b, -EINVAL, "%s: unknown flags in 0x%llx", name, (unsigned long long)v);
	if (!err && fd < 0 && m->request == VHOST_USER_SET_VRING_KICK)
		err = fail(b, -EOPNOTSUPP, "%s: ring %u without a kick fd (polling) is not supported",
			   name, index);
	if (!err && fd >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		err = fail(b, -EBADF, "%s: ring %u: a bad fd", name, index);
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	r = &b->rings[index];
	switch (m->request) {
	case VHOST_USER_SET_VRING_KICK:
		close_fd(&r->kick);
		r->kick = fd;
		r->failed = false;
		return ring_try_start(b, index);
	case VHOST_USER_SET_VRING_CALL:
		close_fd(&r->call);
		r->call = fd;
		return 0;
	default:
		close_fd(&r->err);
		r->err = fd;
		return 0;
	}
}

static int get_config(struct vhost_user_backend *b, const struct vhost_user_msg *m)
{
	struct vhost_user_config c = m->payload.config;

	if ((uint64_t)c.offset + c.size > b->dev.config_len) {
		/* an empty answer tells the frontend; the stream stays in step */
		c.size = 0;
		return reply(b, m, &c, VHOST_USER_CONFIG_HDR);
	}
	memcpy(c.payload, (const uint8_t *)b->dev.config + c.offset, c.size);
	return reply(b, m, &c, VHOST_USER_CONFIG_HDR + c.size);
}

/*
 * A new in-flight region (or the one handed back) replaces the current
 * one; the rings restart on it, as after a new memory table.
 */
static int use_inflight(struct vhost_user_backend *b, const struct inflight_region *n)
{
	rings_stop(b);
	inflight_region_unmap(&b->inflight);
	b->inflight = *n;
	return rings_restart(b);
}

static int get_inflight_fd(struct vhost_user_backend *b, const struct vhost_user_msg *m)
{
	struct vhost_user_inflight p = m->payload.inflight;
	struct inflight_region n;
	int ret, fd, err = inflight_region_create(p.num_queues, p.queue_size, &n, &fd);

	if (err == -EINVAL)
		return fail(b, err, "GET_INFLIGHT_FD: %u queues of %u: want 1 to %u queues of a power of two up to %u",
			    p.num_queues, p.queue_size, VIRTIO_MAX_QUEUES, VQ_MAX_SIZE);
	if (err)
		return fail(b, err, "GET_INFLIGHT_FD: cannot make the region: %s", strerror(-err));
	p.mmap_size = n.num_queues * inflight_queue_bytes(n.queue_size);
	p.mmap_offset = 0;
	err = reply_fd(b, m, &p, sizeof(p), fd);
	close(fd);		/* the frontend's copy is the durable one */
	ret = use_inflight(b, &n);
	return err ? err : ret;
}

static int set_inflight_fd(struct vhost_user_backend *b, const struct vhost_user_msg *m,
			   int fd)
{
	const struct vhost_user_inflight *p = &m->payload.inflight;
	struct inflight_region n;
	int err = inflight_region_map(fd, p, &n);

	if (err == -EINVAL)
		return fail(b, err, "SET_INFLIGHT_FD: %u queues of %u in %llu bytes at %llu do not fit the fd, or are out of range",
			    p->num_queues, p->queue_size, (unsigned long long)p->mmap_size,
			    (unsigned long long)p->mmap_offset);
	if (err)
		return fail(b, err, "SET_INFLIGHT_FD: cannot map the region: %s", strerror(-err));
	return use_inflight(b, &n);
}

/* Requests that send their own reply; the others are acked on request. */
static int handle_get(struct vhost_user_backend *b, const struct vhost_user_msg *m)
{
	switch (m->request) {
	case VHOST_USER_GET_FEATURES:
		return reply_u64(b, m, F_VERSION_1 | F_PROTOCOL_FEATURES | b->dev.features);
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		return reply_u64(b, m, PROTOCOL_FEATURES);
	case VHOST_USER_GET_QUEUE_NUM:
		return reply_u64(b, m, b->dev.nr_queues);
	case VHOST_USER_GET_VRING_BASE:
		return get_vring_base(b, m);
	case VHOST_USER_GET_INFLIGHT_FD:
		return get_inflight_fd(b, m);
	default:	/* GET_CONFIG */
		return get_config(b, m);
	}
}

static int handle_set(struct vhost_user_backend *b, const struct vhost_user_msg *m,
		      int *fds)
{
	uint64_t offered = F_VERSION_1 | F_PROTOCOL_FEATURES | b->dev.features;
	unsigned int i;
	int err = 0;

	switch (m->request) {
	case VHOST_USER_SET_FEATURES:
		if (m->payload.u64 & ~offered)
			return fail(b, -EINVAL, "SET_FEATURES: 0x%llx were not offered",
				    (unsigned long long)(m->payload.u64 & ~offered));
		b->features = m->payload.u64;
		for (i = 0; i < b->dev.nr_queues && !err; i++)
			err = ring_try_start(b, i);
		return err;
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		if (m->payload.u64 & ~PROTOCOL_FEATURES)
			return fail(b, -EINVAL, "SET_PROTOCOL_FEATURES: 0x%llx were not offered",
				    (unsigned long long)(m->payload.u64 & ~PROTOCOL_FEATURES));
		b->protocol_features = m->payload.u64;
		return 0;
	case VHOST_USER_SET_OWNER:
		return 0;
	case VHOST_USER_RESET_OWNER:
		conn_reset(b);
		return 0;
	case VHOST_USER_SET_MEM_TABLE:
		return set_mem_table(b, m, fds);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return set_vring_state(b, m);
	case VHOST_USER_SET_VRING_ADDR:
		return set_vring_addr(b, m);
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return set_vring_fd(b, m, fds);
	case VHOST_USER_SET_CONFIG:
		return fail(b, -EPERM, "SET_CONFIG: the config space is read-only");
	case VHOST_USER_SET_INFLIGHT_FD:
		return set_inflight_fd(b, m, fds[0]);
	default:
		return fail(b, -EOPNOTSUPP, "%s (%u) is not supported",
			    vhost_user_request_name(m->request), m->request);
	}
}

static bool has_own_reply(uint32_t request)
{
	return request == VHOST_USER_GET_FEATURES ||
	       request == VHOST_USER_GET_PROTOCOL_FEATURES ||
	       request == VHOST_USER_GET_QUEUE_NUM ||
	       request == VHOST_USER_GET_VRING_BASE ||
	       request == VHOST_USER_GET_CONFIG ||
	       request == VHOST_USER_GET_INFLIGHT_FD;
}

static bool supported(uint32_t request)
{
	switch (request) {
	case VHOST_USER_SET_LOG_BASE:
	case VHOST_USER_SET_LOG_FD:
		return false;
	case VHOST_USER_GET_INFLIGHT_FD:
	case VHOST_USER_SET_INFLIGHT_FD:
		return true;
	default:
		return request && request <= VHOST_USER_SET_CONFIG &&
		       strcmp(vhost_user_request_name(request), "unknown request");
	}
}

static unsigned int fds_expected(const struct vhost_user_msg *m)
{
	switch (m->request) {
	case VHOST_USER_SET_MEM_TABLE:
		return m->payload.memory.nregions;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return (m->payload.u64 & VHOST_USER_VRING_NOFD) ? 0 : 1;
	case VHOST_USER_SET_INFLIGHT_FD:
		return 1;
	default:
		return 0;
	}
}

/* One request: 0, 1 when the frontend is gone, or -errno (err set). */
static int dispatch(struct vhost_user_backend *b, const struct vhost_user_msg *m,
		    int *fds, unsigned int nr_fds)
{
	const char *name = vhost_user_request_name(m->request);
	bool need_reply = m->flags & VHOST_USER_NEED_REPLY;
	int err;

	if (!supported(m->request)) {
		close_fds(fds, nr_fds);
		if (need_reply && !has_own_reply(m->request))
			return reply_u64(b, m, 1);
		return fail(b, -EOPNOTSUPP, "%s (%u) is not supported", name, m->request);
	}
	if (!vhost_user_payload_ok(m, false)) {
		close_fds(fds, nr_fds);
		return fail(b, -EBADMSG, "%s: a payload of %u bytes is malformed", name, m->size);
	}
	if (nr_fds != fds_expected(m)) {
		close_fds(fds, nr_fds);
		return fail(b, -EBADMSG, "%s: %u fds where %u belong", name, nr_fds,
			    fds_expected(m));
	}
	if (has_own_reply(m->request))
		return handle_get(b, m);
	err = handle_set(b, m, fds);
	close_fds(fds, nr_fds);		/* what the handler did not take */
	if (!need_reply || err > 0)
		return err;
	return reply_u64(b, m, err ? 1 : 0);
}

static int receive(struct vhost_user_backend *b)
{
	struct vhost_user_msg m;
	int fds[VHOST_USER_MAX_FDS];
	unsigned int nr_fds, i;
	int err = vhost_user_recv(b->sock, &m, fds, VHOST_USER_MAX_FDS, &nr_fds);

	switch (err) {
	case 0:
		break;
	case -ECONNRESET:
		return 1;
	case -EBADMSG:
		return fail(b, err, "a truncated message, or a bad version");
	case -EMSGSIZE:
		return fail(b, err, "a message of %u bytes, larger than any request", m.size);
	case -ETOOMANYREFS:
		return fail(b, err, "a message with more than %u fds", VHOST_USER_MAX_FDS);
	case -EAGAIN:
		return fail(b, err, "the frontend stopped in the middle of a message");
	default:
		return fail(b, err, "receiving: %s", strerror(-err));
	}
	if (b->trace) {
		fprintf(b->trace, "vhost-user: %s flags 0x%x size %u fds %u", vhost_user_request_name(m.request),
			m.flags, m.size, nr_fds);
		for (i = 0; i < m.size / 8 && i < 4; i++)
			fprintf(b->trace, " %#llx", (unsigned long long)((uint64_t *)&m.payload)[i]);
		fputc('\n', b->trace);
	}
	return dispatch(b, &m, fds, nr_fds);
}

static void set_timeouts(int sock)
{
	struct timeval tv = { .tv_sec = SOCK_TIMEOUT_S };

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int serve_loop(struct vhost_user_backend *b, int stop_fd)
{
	for (;;) {
		struct pollfd p[2 + VIRTIO_MAX_QUEUES];
		unsigned int ring_of[2 + VIRTIO_MAX_QUEUES], n = 2, i, k;
		int err = 0;

		p[0] = (struct pollfd){ .fd = b->sock, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = stop_fd, .events = POLLIN };
		for (i = 0; i < b->dev.nr_queues; i++) {
			if (!b->rings[i].started)
				continue;
			ring_of[n] = i;
			p[n++] = (struct pollfd){ .fd = b->rings[i].kick, .events = POLLIN };
		}
		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return fail(b, -errno, "poll: %s", strerror(errno));
		}
		if (p[1].revents)
			return 0;
		for (k = 2; k < n && !err; k++)
			if (p[k].revents)
				err = ring_kicked(b, ring_of[k], p[k].revents);
		if (!err && p[0].revents)
			err = receive(b);
		if (err)
			return err > 0 ? 0 : err;
	}
}

int vhost_user_backend_serve(struct vhost_user_backend *b, int sock,
			     int stop_fd, char *err, size_t err_len)
{
	int ret;

	if (err && err_len)
		err[0] = '\0';
	conn_reset(b);
	b->sock = sock;
	b->err = err;
	b->err_len = err_len;
	set_timeouts(sock);
	ret = serve_loop(b, stop_fd);
	conn_reset(b);
	b->sock = -1;
	b->err = NULL;
	b->err_len = 0;
	return ret;
}
