// SPDX-License-Identifier: GPL-2.0
/*
 * Recording a split virtqueue's heads in a vhost-user in-flight region,
 * and recovering from one at start. The frontend can write the region
 * at any time: every value read from it is loaded once, into a local,
 * and checked there.
 */
#include "virtqueue_inflight.h"

#include <errno.h>

#define USED_IDX	1
#define INFLIGHT_VERSION 1

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define PUBLISH(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELEASE)

struct taken {
	uint64_t counter;
	uint16_t head;
};

/*
 * In counter order (head order among equal counters, which only a
 * garbled region has). Insertion: n is small, and qsort may ask the
 * kernel things a seccomp filter does not allow.
 */
static void sort(struct taken *t, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		struct taken x = t[i];

		for (j = i; j && (t[j - 1].counter > x.counter ||
				  (t[j - 1].counter == x.counter && t[j - 1].head > x.head)); j--)
			t[j] = t[j - 1];
		t[j] = x;
	}
}

/* The last batch was published in the used ring: its flags cleared. */
static int finish_last_batch(struct vhost_user_inflight_queue *q, uint16_t desc_num,
			     uint16_t size, uint16_t used)
{
	uint16_t behind = (uint16_t)(used - LOAD(q->used_idx));
	uint16_t head = LOAD(q->last_batch_head), i;

	if (!behind)
		return 0;
	if (behind > size)
		return -EINVAL;
	for (i = 0; i < behind; i++) {
		if (head >= desc_num)
			return -EINVAL;
		STORE(q->desc[head].inflight, 0);
		head = LOAD(q->desc[head].next);
	}
	PUBLISH(q->used_idx, used);
	return 0;
}

/*
 * The heads in flight below size, in the order taken, into out; their
 * number, or -EINVAL. *max: the highest counter of any entry.
 */
static int collect(struct vhost_user_inflight_queue *q, uint16_t desc_num, uint16_t size,
		   struct taken *out, uint64_t *max)
{
	unsigned int i, n = 0;

	*max = 0;
	for (i = 0; i < desc_num; i++) {
		uint64_t counter = LOAD(q->desc[i].counter);
		uint8_t flag = LOAD(q->desc[i].inflight);

		if (flag > 1)
			return -EINVAL;
		if (counter > *max)
			*max = counter;
		if (flag && i < size)
			out[n++] = (struct taken){ counter, (uint16_t)i };
	}
	sort(out, n);
	return (int)n;
}

int vq_inflight_start(struct virtqueue *vq, struct vhost_user_inflight_queue *q,
		      uint16_t desc_num, uint16_t *resubmit)
{
	struct taken taken[VQ_MAX_SIZE];
	uint16_t used = __atomic_load_n(&vq->used[USED_IDX], __ATOMIC_ACQUIRE);
	uint64_t max;
	int i, n;

	if (desc_num < vq->size || desc_num > VQ_MAX_SIZE ||
	    LOAD(q->version) != INFLIGHT_VERSION || LOAD(q->desc_num) != desc_num)
		return -EINVAL;
	if (finish_last_batch(q, desc_num, vq->size, used))
		return -EINVAL;
	n = collect(q, desc_num, vq->size, taken, &max);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		resubmit[i] = taken[i].head;
	vq->last_avail = (uint16_t)(used + n);
	vq->used_idx = used;
	vq->inflight = q;
	vq->inflight_counter = max;
	vq->resubmit = resubmit;
	vq->nr_resubmit = (uint16_t)n;
	return 0;
}

void vq_inflight_taken(struct virtqueue *vq, uint16_t head)
{
	struct vhost_user_inflight_desc *d = &vq->inflight->desc[head];

	STORE(d->counter, ++vq->inflight_counter);
	PUBLISH(d->inflight, 1);
}

void vq_inflight_returning(struct virtqueue *vq, uint16_t head)
{
	struct vhost_user_inflight_queue *q = vq->inflight;

	STORE(q->desc[head].next, LOAD(q->last_batch_head));
	PUBLISH(q->last_batch_head, head);
	/* the used idx follows with a release store of its own */
}

void vq_inflight_returned(struct virtqueue *vq, uint16_t head)
{
	struct vhost_user_inflight_queue *q = vq->inflight;

	PUBLISH(q->desc[head].inflight, 0);
	PUBLISH(q->used_idx, vq->used_idx);
}
