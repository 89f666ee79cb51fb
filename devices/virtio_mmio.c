// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport's register file: what the guest's MMIO
 * accesses see, feature and status negotiation, queue set-up, handing
 * queues to an external side, and creating and destroying the transport.
 */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "devices/virtio_mmio_state.h"

#define MAGIC_VALUE		0x74726976	/* "virt" */
#define VENDOR_ID		0x554d4551	/* "QEMU", what drivers expect */
#define QUEUE_NUM_MAX		256	/* what we offer our drivers */

void virtio_mmio_raise_irq(struct virtio_mmio *t, uint32_t why)
{
	uint64_t one = 1;

	__atomic_or_fetch(&t->interrupt_status, why, __ATOMIC_SEQ_CST);
	if (write(t->irq_fd, &one, sizeof(one)) < 0) {
		/* eventfd write fails only on overflow: an interrupt is pending */
	}
}

void virtio_mmio_needs_reset(struct virtio_mmio *t)
{
	if (t->status & VIRTIO_CONFIG_S_NEEDS_RESET)
		return;
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (t->status & VIRTIO_CONFIG_S_DRIVER_OK)
		virtio_mmio_raise_irq(t, VIRTIO_MMIO_INT_CONFIG);
}

/*
 * While an external backend has the queues it raises interrupts without
 * telling us, so a used buffer is always possible.
 */
static uint32_t interrupt_status(struct virtio_mmio *t)
{
	uint32_t v = __atomic_load_n(&t->interrupt_status, __ATOMIC_SEQ_CST);

	if (__atomic_load_n(&t->ext_started, __ATOMIC_SEQ_CST))
		v |= VIRTIO_MMIO_INT_VRING;
	return v;
}

bool virtio_mmio_queue_live(const struct virtio_mmio *t, unsigned int q)
{
	const struct virtqueue *vq = &t->vq[q];

	return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) && vq->enabled && !vq->broken;
}

static void reset_device(struct virtio_mmio *t)
{
	unsigned int i;

	t->status = 0;
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
	__atomic_store_n(&t->interrupt_status, 0, __ATOMIC_SEQ_CST);
	t->fd_paused = false;
	if (t->ext_started)
		t->dev.external->stop(t->dev.opaque);
	__atomic_store_n(&t->ext_started, false, __ATOMIC_SEQ_CST);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vq_reset(&t->vq[i]);
}

static uint64_t device_features(const struct virtio_mmio *t)
{
	return t->dev.features | (1ULL << VIRTIO_F_VERSION_1);
}

static struct virtqueue *selected(struct virtio_mmio *t)
{
	return t->queue_sel < t->dev.nr_queues ? &t->vq[t->queue_sel] : NULL;
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t reg)
{
	struct virtqueue *vq = selected(t);

	switch (reg) {
	case VIRTIO_MMIO_MAGIC_VALUE: return MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION: return 2;
	case VIRTIO_MMIO_DEVICE_ID: return t->dev.device_id;
	case VIRTIO_MMIO_VENDOR_ID: return VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (t->device_features_sel > 1)
			return 0;
		return (uint32_t)(device_features(t) >> (32 * t->device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return vq ? QUEUE_NUM_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY: return vq ? vq->enabled : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return interrupt_status(t);
	case VIRTIO_MMIO_STATUS: return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION: return 0;
	/* No shared memory region (a DAX window): its length reads as ~0. */
	case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW: case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff;
	default: return 0;
	}
}

/*
 * Handing the queues to the external side when the driver is ready; if
 * that fails, the device has failed and reported it: take the queues back.
 */
static void start_external(struct virtio_mmio *t)
{
	struct virtio_queue_layout q[VIRTIO_MAX_QUEUES];
	unsigned int n;
	int err;

	if (t->ext_failed) {
		virtio_mmio_needs_reset(t);
		return;
	}
	for (n = 0; n < t->dev.nr_queues && t->vq[n].enabled; n++)
		q[n] = (struct virtio_queue_layout){
			.size = t->vq[n].size,
			.desc_gpa = t->vq[n].desc_gpa,
			.avail_gpa = t->vq[n].avail_gpa,
			.used_gpa = t->vq[n].used_gpa,
			.kick_fd = t->kick_fd[n],
			.err_fd = t->err_fd[n],
			.used_idx = &t->vq[n].used[1],
		};
	if (!n) {
		/*
		 * DRIVER_OK with no queue ready: the driver's mistake, not the
		 * backend's. Nothing is handed over; a reset sets it right.
		 */
		virtio_mmio_needs_reset(t);
		return;
	}
	err = t->dev.external->start(t->dev.opaque, t->driver_features, q, n, t->irq_fd);
	if (err)
		virtio_worker_take_back(t);
	else
		__atomic_store_n(&t->ext_started, true, __ATOMIC_SEQ_CST);
	virtio_worker_wake(t);		/* it watches the err fds while started */
}

static void set_addr(uint64_t *addr, bool high, uint32_t v)
{
	if (high)
		*addr = (*addr & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		*addr = (*addr & ~0xffffffffULL) | v;
}

static void write_status(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		reset_device(t);
		return;
	}
	/* FEATURES_OK only if the driver took VERSION_1 and nothing unknown */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    (!(t->driver_features & (1ULL << VIRTIO_F_VERSION_1)) ||
	     (t->driver_features & ~device_features(t))))
		v &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	bool going_live = (v & VIRTIO_CONFIG_S_DRIVER_OK) && !(t->status & VIRTIO_CONFIG_S_DRIVER_OK);

	t->status = v | (t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	t->status_seen |= t->status;
	if (v & VIRTIO_CONFIG_S_FEATURES_OK)
		t->accepted_features = t->driver_features;
	if (going_live && t->dev.external)
		start_external(t);
}

static void queue_write(struct virtio_mmio *t, struct virtqueue *vq,
			uint64_t reg, uint32_t v)
{
	if (vq->enabled && reg != VIRTIO_MMIO_QUEUE_READY)
		return;		/* no changes to a live queue */
	switch (reg) {
	case VIRTIO_MMIO_QUEUE_NUM:
		if (!v || v > QUEUE_NUM_MAX || (v & (v - 1)))
			virtio_mmio_needs_reset(t);
		else
			vq->size = (uint16_t)v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (!v)
			vq_reset(vq);
		else if (!vq->enabled && vq_enable(vq))
			virtio_mmio_needs_reset(t);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_addr(&vq->desc_gpa, reg == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_addr(&vq->avail_gpa, reg == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW: case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_addr(&vq->used_gpa, reg == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	}
}

static void reg_write(struct virtio_mmio *t, uint64_t reg, uint32_t v)
{
	struct virtqueue *vq = selected(t);
	uint64_t one = 1;

	switch (reg) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: t->device_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: t->driver_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->driver_features_sel <= 1 && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_addr(&t->driver_features, t->driver_features_sel == 1, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL: t->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Normally taken by the ioeventfd; this is the fallback. */
		if (v < t->dev.nr_queues && write(t->kick_fd[v], &one, sizeof(one)) < 0)
			virtio_mmio_needs_reset(t);
		break;
	case VIRTIO_MMIO_STATUS: write_status(t, v); break;
	case VIRTIO_MMIO_QUEUE_NUM: case VIRTIO_MMIO_QUEUE_READY:
	case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
	case VIRTIO_MMIO_QUEUE_USED_LOW: case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (vq)
			queue_write(t, vq, reg, v);
		break;
	default:
		break;	/* read-only or unknown: ignored */
	}
}

static void mmio_read(void *opaque, uint64_t off, uint8_t *data, unsigned int len)
{
	struct virtio_mmio *t = opaque;
	uint32_t v;

	memset(data, 0, len);
	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;

		if (c < t->dev.config_len && len <= t->dev.config_len - c)
			memcpy(data, (const uint8_t *)t->dev.config + c, len);
		return;
	}
	if (len != 4 || (off & 3))
		return;		/* registers are 32-bit only */
	if (off == VIRTIO_MMIO_INTERRUPT_STATUS) {
		/* The interrupt handler's read must not wait for device work. */
		v = interrupt_status(t);
	} else {
		pthread_mutex_lock(&t->lock);
		v = reg_read(t, off);
		pthread_mutex_unlock(&t->lock);
	}
	memcpy(data, &v, 4);
}

static void mmio_write(void *opaque, uint64_t off, const uint8_t *data,
		       unsigned int len)
{
	struct virtio_mmio *t = opaque;
	uint32_t v;

	if (off >= VIRTIO_MMIO_CONFIG || len != 4 || (off & 3))
		return;		/* config space is read-only here */
	memcpy(&v, data, 4);
	if (off == VIRTIO_MMIO_INTERRUPT_ACK) {
		__atomic_and_fetch(&t->interrupt_status, ~v, __ATOMIC_SEQ_CST);
		return;
	}
	pthread_mutex_lock(&t->lock);
	reg_write(t, off, v);
	pthread_mutex_unlock(&t->lock);
}

void virtio_mmio_stats(struct virtio_mmio *t, struct virtio_mmio_stats *st)
{
	unsigned int i;

	pthread_mutex_lock(&t->lock);
	*st = (struct virtio_mmio_stats){
		.driver_features = t->accepted_features,
		.status = t->status_seen,
		.failed = t->ext_failed,
	};
	for (i = 0; i < t->dev.nr_queues; i++) {
		st->chains += t->vq[i].chains;
		st->bytes_to_guest += t->vq[i].bytes_to_guest;
	}
	pthread_mutex_unlock(&t->lock);
}

const struct bus_device_ops virtio_mmio_ops = {
	.read = mmio_read,
	.write = mmio_write,
};

static int register_ioeventfds(struct virtio_mmio *t)
{
	const struct device_host *h = t->p.host;
	unsigned int i;
	int err;

	for (i = 0; i < t->dev.nr_queues; i++) {
		err = h->add_ioeventfd(h, t->p.base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, i,
				       t->kick_fd[i]);
		if (err)
			return err;
	}
	return 0;
}

static bool device_valid(const struct virtio_device *dev)
{
	if (!dev->ops || !dev->ops->queue_notify)
		return false;
	if (!dev->nr_queues || dev->nr_queues > VIRTIO_MAX_QUEUES)
		return false;
	if (dev->fd_source.ready &&
	    (dev->fd_source.fd < 0 || dev->fd_source.queue >= dev->nr_queues))
		return false;
	if (dev->external && (!dev->external->start || !dev->external->stop ||
			      !dev->external->lost || !dev->external->watch))
		return false;
	return true;
}

int virtio_mmio_create(const struct virtio_mmio_params *p,
		       const struct virtio_device *dev, struct virtio_mmio **out)
{
	struct virtio_mmio *t;
	unsigned int i;
	int err;

	if (!device_valid(dev))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->p = *p;
	t->dev = *dev;
	pthread_mutex_init(&t->lock, NULL);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		t->kick_fd[i] = t->err_fd[i] = -1;
	t->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		vq_init(&t->vq[i], p->mem);
		t->kick_fd[i] = i < dev->nr_queues ? eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) : -1;
		if (i < dev->nr_queues && t->kick_fd[i] < 0)
			goto fail_errno;
		if (i < dev->nr_queues && dev->external) {
			t->err_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (t->err_fd[i] < 0)
				goto fail_errno;
		}
	}
	if (t->wake_fd < 0 || t->irq_fd < 0)
		goto fail_errno;
	err = register_ioeventfds(t);
	if (!err)
		err = virtio_worker_start(t);
	if (err)
		goto fail;
	*out = t;
	return 0;

fail_errno:
	err = -errno;
fail:
	virtio_mmio_destroy(t);
	return err;
}

int virtio_mmio_attach_irq(struct virtio_mmio *t)
{
	return t->p.host->add_irqfd(t->p.host, t->p.irq, t->irq_fd);
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	unsigned int i;

	if (!t)
		return;
	virtio_worker_stop(t);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++) {
		if (t->kick_fd[i] >= 0)
			close(t->kick_fd[i]);
		if (t->err_fd[i] >= 0)
			close(t->err_fd[i]);
	}
	if (t->irq_fd >= 0)
		close(t->irq_fd);
	if (t->wake_fd >= 0)
		close(t->wake_fd);
	pthread_mutex_destroy(&t->lock);
	sem_destroy(&t->worker_ready);	/* zeroed if never initialised */
	free(t);
}
