// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueue walking, with every guest-supplied value checked.
 */
#include "virtqueue.h"
#include "virtqueue_inflight.h"

#include <errno.h>
#include <string.h>

#define AVAIL_FLAGS	0
#define AVAIL_IDX	1
#define AVAIL_RING	2
#define USED_IDX	1
#define USED_AVAIL_EVENT(vq)	(2 + 4 * (vq)->size)	/* after ring[size] */

void vq_init(struct virtqueue *vq, const struct guest_memory *mem)
{
	memset(vq, 0, sizeof(*vq));
	vq->mem = mem;
	vq->size = VQ_MAX_SIZE;
}

void vq_reset(struct virtqueue *vq)
{
	uint64_t chains = vq->chains, bytes = vq->bytes_to_guest;

	vq_init(vq, vq->mem);
	vq->chains = chains;
	vq->bytes_to_guest = bytes;
}

int vq_enable(struct virtqueue *vq)
{
	uint64_t n = vq->size;

	if (!n || n > VQ_MAX_SIZE || (n & (n - 1)))
		return -EINVAL;
	if ((vq->desc_gpa & 15) || (vq->avail_gpa & 1) || (vq->used_gpa & 3))
		return -EINVAL;
	vq->desc = guest_memory_ptr(vq->mem, vq->desc_gpa, 16 * n);
	vq->avail = guest_memory_ptr(vq->mem, vq->avail_gpa, 6 + 2 * n);
	vq->used = guest_memory_ptr(vq->mem, vq->used_gpa, 6 + 8 * n);
	if (!vq->desc || !vq->avail || !vq->used)
		return -EINVAL;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->broken = false;
	vq->enabled = true;
	return 0;
}

void vq_take_over(struct virtqueue *vq)
{
	uint16_t used = __atomic_load_n(&vq->used[USED_IDX], __ATOMIC_ACQUIRE);

	vq->last_avail = used;
	vq->used_idx = used;
}

static int broken(struct virtqueue *vq)
{
	vq->broken = true;
	return -EIO;
}

static int add_buffer(struct virtqueue *vq, struct vq_chain *c,
		      const struct vring_desc *d, bool *seen_in)
{
	unsigned int n = c->nr_out + c->nr_in;
	void *host;

	if (!d->len)
		return 0;
	host = guest_memory_ptr(vq->mem, d->addr, d->len);
	if (!host || n == VQ_MAX_CHAIN)
		return broken(vq);
	if (d->flags & VRING_DESC_F_WRITE) {
		*seen_in = true;
		c->nr_in++;
		c->in_len += d->len;
	} else {
		if (*seen_in)	/* readable after writable: not allowed */
			return broken(vq);
		c->nr_out++;
		c->out_len += d->len;
	}
	c->iov[n] = (struct iovec){ .iov_base = host, .iov_len = d->len };
	return 0;
}

/*
 * The chain from table[i] (n entries): the ring's descriptor table, or
 * (top false) an indirect table one of its descriptors points to, which
 * may not point to another. An indirect descriptor ends the chain.
 */
static int walk(struct virtqueue *vq, struct vq_chain *c, const struct vring_desc *table,
		unsigned int n, uint16_t i, bool *seen_in, bool top)
{
	unsigned int steps;

	for (steps = 0;; steps++) {
		struct vring_desc d;

		if (steps == n)
			return broken(vq);	/* a loop */
		memcpy(&d, &table[i], sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			const struct vring_desc *inner;

			if (!top || !vq->indirect || (d.flags & (VRING_DESC_F_NEXT | VRING_DESC_F_WRITE)) ||
			    !d.len || d.len % sizeof(d) || d.len / sizeof(d) > VQ_MAX_SIZE)
				return broken(vq);
			inner = guest_memory_ptr(vq->mem, d.addr, d.len);
			if (!inner)
				return broken(vq);
			return walk(vq, c, inner, d.len / sizeof(d), 0, seen_in, false);
		}
		if (add_buffer(vq, c, &d, seen_in))
			return -EIO;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return broken(vq);
		i = d.next;
	}
}

/* The chain from head, which is below the queue size. */
static int take(struct virtqueue *vq, struct vq_chain *c, uint16_t head)
{
	bool seen_in = false;

	memset(c, 0, sizeof(*c) - sizeof(c->iov));
	c->head = head;
	return walk(vq, c, vq->desc, vq->size, head, &seen_in, true);
}

/* A head taken before a restart and never returned: taken again. */
static int pop_resubmitted(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t head = *vq->resubmit++;

	vq->nr_resubmit--;
	if (head >= vq->size)
		return broken(vq);
	return take(vq, c, head) ? -EIO : 1;
}

int vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail_idx, head;

	if (vq->broken || !vq->enabled)
		return vq->broken ? -EIO : 0;
	if (vq->nr_resubmit)
		return pop_resubmitted(vq, c);
	avail_idx = __atomic_load_n(&vq->avail[AVAIL_IDX], __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail && vq->event_idx) {
		/* Ask for a kick at the next buffer, then look once more. */
		__atomic_store_n(&vq->used[USED_AVAIL_EVENT(vq)], vq->last_avail, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = __atomic_load_n(&vq->avail[AVAIL_IDX], __ATOMIC_ACQUIRE);
	}
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
		return broken(vq);
	if (avail_idx == vq->last_avail)
		return 0;

	head = __atomic_load_n(&vq->avail[AVAIL_RING + vq->last_avail % vq->size],
			       __ATOMIC_RELAXED);
	if (head >= vq->size)
		return broken(vq);
	if (take(vq, c, head))
		return -EIO;
	if (vq->inflight)
		vq_inflight_taken(vq, head);
	vq->last_avail++;
	return 1;
}

void vq_push(struct virtqueue *vq, uint16_t head, uint32_t written)
{
	uint32_t *elem = (uint32_t *)(vq->used + 2) + 2 * (vq->used_idx % vq->size);

	elem[0] = head;
	elem[1] = written;
	vq->chains++;
	vq->bytes_to_guest += written;
	vq->used_idx++;
	if (vq->inflight)
		vq_inflight_returning(vq, head);
	__atomic_store_n(&vq->used[USED_IDX], vq->used_idx, __ATOMIC_RELEASE);
	if (vq->inflight)
		vq_inflight_returned(vq, head);
}

static uint64_t copy(const struct iovec *iov, unsigned int nr, uint64_t off,
		     void *buf, uint64_t len, bool to_iov)
{
	uint64_t done = 0;
	unsigned int i;

	for (i = 0; i < nr && done < len; i++) {
		uint64_t chunk;

		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		chunk = iov[i].iov_len - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_iov)
			memcpy((char *)iov[i].iov_base + off, (char *)buf + done, chunk);
		else
			memcpy((char *)buf + done, (char *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

uint64_t vq_copy_from_out(const struct vq_chain *c, uint64_t off, void *buf,
			  uint64_t len)
{
	return copy(c->iov, c->nr_out, off, buf, len, false);
}

uint64_t vq_copy_to_in(const struct vq_chain *c, uint64_t off, const void *buf,
		       uint64_t len)
{
	return copy(c->iov + c->nr_out, c->nr_in, off, (void *)buf, len, true);
}
