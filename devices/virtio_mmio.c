// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio registers, feature and status negotiation, queue set-up,
 * and the worker thread that waits on the queues' ioeventfds and, for
 * devices that have one, a host fd.
 */
#include "virtio_mmio.h"

#include <errno.h>
#include <linux/kvm.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/host/seccomp.h"

enum {
	REG_MAGIC = 0x000, REG_VERSION = 0x004, REG_DEVICE_ID = 0x008,
	REG_VENDOR_ID = 0x00c, REG_DEVICE_FEATURES = 0x010,
	REG_DEVICE_FEATURES_SEL = 0x014, REG_DRIVER_FEATURES = 0x020,
	REG_DRIVER_FEATURES_SEL = 0x024, REG_QUEUE_SEL = 0x030,
	REG_QUEUE_NUM_MAX = 0x034, REG_QUEUE_NUM = 0x038,
	REG_QUEUE_READY = 0x044, REG_QUEUE_NOTIFY = 0x050,
	REG_INTERRUPT_STATUS = 0x060, REG_INTERRUPT_ACK = 0x064,
	REG_STATUS = 0x070, REG_QUEUE_DESC_LOW = 0x080,
	REG_QUEUE_DESC_HIGH = 0x084, REG_QUEUE_DRIVER_LOW = 0x090,
	REG_QUEUE_DRIVER_HIGH = 0x094, REG_QUEUE_DEVICE_LOW = 0x0a0,
	REG_QUEUE_DEVICE_HIGH = 0x0a4, REG_CONFIG_GENERATION = 0x0fc,
	REG_CONFIG = 0x100,
};

#define MAGIC_VALUE		0x74726976	/* "virt" */
#define VENDOR_ID		0x554d4551	/* "QEMU", what drivers expect */
#define STATUS_DRIVER_OK	4
#define STATUS_FEATURES_OK	8
#define STATUS_NEEDS_RESET	64
#define QUEUE_NUM_MAX		256	/* what we offer our drivers */
#define INT_USED_BUFFER		1
#define INT_CONFIG_CHANGE	2

struct virtio_mmio {
	struct virtio_mmio_params p;
	struct virtio_device dev;
	pthread_mutex_t lock;		/* device state; held by the worker */
	pthread_t worker;
	bool worker_started;
	sem_t worker_ready;		/* posted once worker_err is set */
	int worker_err;			/* its seccomp filter's installation */
	bool stopping;
	int wake_fd;			/* stop, or look at the fds again */
	int kick_fd[VIRTIO_MAX_QUEUES];
	int err_fd[VIRTIO_MAX_QUEUES];	/* external queues: the backend says
					   the driver broke the queue */
	int irq_fd;

	uint32_t status;
	uint32_t device_features_sel, driver_features_sel;
	uint64_t driver_features;
	uint64_t accepted_features;	/* last set accepted, kept over resets */
	uint32_t status_seen;		/* every status bit ever set */
	uint32_t queue_sel;
	uint32_t interrupt_status;	/* atomic */
	bool fd_paused;			/* device fd: wait for a kick first */
	bool ext_started;		/* external queues handed over */
	bool ext_failed;		/* external side lost, for good */
	struct virtqueue vq[VIRTIO_MAX_QUEUES];
};

static void raise_irq(struct virtio_mmio *t, uint32_t why)
{
	uint64_t one = 1;

	__atomic_or_fetch(&t->interrupt_status, why, __ATOMIC_SEQ_CST);
	if (write(t->irq_fd, &one, sizeof(one)) < 0) {
		/* eventfd write fails only on overflow: an interrupt is pending */
	}
}

static void needs_reset(struct virtio_mmio *t)
{
	if (t->status & STATUS_NEEDS_RESET)
		return;
	t->status |= STATUS_NEEDS_RESET;
	if (t->status & STATUS_DRIVER_OK)
		raise_irq(t, INT_CONFIG_CHANGE);
}

/*
 * While an external backend has the queues it raises interrupts without
 * telling us, so a used buffer is always possible.
 */
static uint32_t interrupt_status(struct virtio_mmio *t)
{
	uint32_t v = __atomic_load_n(&t->interrupt_status, __ATOMIC_SEQ_CST);

	if (__atomic_load_n(&t->ext_started, __ATOMIC_SEQ_CST))
		v |= INT_USED_BUFFER;
	return v;
}

static bool queue_live(const struct virtio_mmio *t, unsigned int q)
{
	const struct virtqueue *vq = &t->vq[q];

	return (t->status & STATUS_DRIVER_OK) && vq->enabled && !vq->broken;
}

static void wake_worker(struct virtio_mmio *t)
{
	uint64_t one = 1;

	if (write(t->wake_fd, &one, sizeof(one)) < 0) {
		/* only on overflow: a wake-up is pending anyway */
	}
}

/* Whether kicks are ours to serve (not an external backend's). */
static bool kicks_local(const struct virtio_mmio *t)
{
	return !t->dev.start || t->ext_failed;
}

/* A kick on queue q, or (from_fd) the device fd is readable. */
static void service_queue(struct virtio_mmio *t, unsigned int q, bool from_fd)
{
	struct virtqueue *vq = &t->vq[q];
	bool pause = false, used;

	if (t->dev.fd_ready && q == t->dev.fd_queue && !from_fd)
		t->fd_paused = false;	/* new buffers: wait on the fd again */
	if (!queue_live(t, q))
		return;
	if (from_fd)
		used = t->dev.fd_ready(t->dev.opaque, vq, &pause);
	else
		used = t->dev.queue_notify(t->dev.opaque, vq, q);
	if (used)
		raise_irq(t, INT_USED_BUFFER);
	if (pause)
		t->fd_paused = true;
	if (vq->broken)
		needs_reset(t);
}

/* Whether the worker should wait on the device fd now. */
static bool fd_wanted(struct virtio_mmio *t)
{
	bool want;

	if (!t->dev.fd_ready)
		return false;
	pthread_mutex_lock(&t->lock);
	want = !t->fd_paused && queue_live(t, t->dev.fd_queue);
	pthread_mutex_unlock(&t->lock);
	return want;
}

/*
 * The external side is gone (err): report it once, ask the driver for a
 * reset, and fail what the backend had taken and not finished.
 */
static void external_failed(struct virtio_mmio *t, int err)
{
	unsigned int q;

	if (t->ext_failed)
		return;
	t->ext_failed = true;
	__atomic_store_n(&t->ext_started, false, __ATOMIC_SEQ_CST);
	if (t->p.report)
		t->p.report(t->p.report_ctx, t->dev.name, err);
	needs_reset(t);
	for (q = 0; q < t->dev.nr_queues; q++) {
		if (!queue_live(t, q))
			continue;
		vq_take_over(&t->vq[q]);
		service_queue(t, q, false);
	}
	wake_worker(t);		/* it must start waiting on the kicks */
}

/* The backend stopped a queue the driver broke: the driver must reset. */
static void ring_error(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	if (t->ext_started)
		needs_reset(t);
	pthread_mutex_unlock(&t->lock);
}

static void watch_event(struct virtio_mmio *t)
{
	int err;

	pthread_mutex_lock(&t->lock);
	if (!t->ext_failed) {
		err = t->dev.watch_failed(t->dev.opaque);
		if (err)
			external_failed(t, err);
	}
	pthread_mutex_unlock(&t->lock);
}

static void fd_event(struct virtio_mmio *t, short revents)
{
	pthread_mutex_lock(&t->lock);
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		t->fd_paused = true;	/* until the next kick or reset */
	else if (revents & POLLIN)
		service_queue(t, t->dev.fd_queue, true);
	pthread_mutex_unlock(&t->lock);
}

/* What the worker waits on besides the kicks and wake_fd. */
struct worker_fds {
	bool kicks, watch, dev_fd, errs;
};

static struct worker_fds worker_wants(struct virtio_mmio *t)
{
	struct worker_fds w;

	pthread_mutex_lock(&t->lock);
	w.kicks = kicks_local(t);
	w.watch = t->dev.start && !t->ext_failed;
	w.errs = t->ext_started;
	pthread_mutex_unlock(&t->lock);
	w.dev_fd = fd_wanted(t);
	return w;
}

static void *worker(void *arg)
{
	struct virtio_mmio *t = arg;
	struct pollfd pfd[2 * VIRTIO_MAX_QUEUES + 3];
	unsigned int i, n = t->dev.nr_queues;

	t->worker_err = vmm_seccomp_install(VMM_SECCOMP_WORKER);
	sem_post(&t->worker_ready);
	if (t->worker_err)
		return NULL;
	for (;;) {
		struct worker_fds w = worker_wants(t);
		nfds_t nfds = n + 1, watch = 0, dev_fd = 0, errs = 0;
		uint64_t count;

		/* fd -1: poll ignores the entry, indices stay fixed */
		for (i = 0; i < n; i++)
			pfd[i] = (struct pollfd){ .fd = w.kicks ? t->kick_fd[i] : -1, .events = POLLIN };
		pfd[n] = (struct pollfd){ .fd = t->wake_fd, .events = POLLIN };
		if (w.watch) {
			watch = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = t->dev.watch_fd, .events = POLLIN };
		}
		if (w.dev_fd) {
			dev_fd = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = t->dev.fd, .events = POLLIN };
		}
		if (w.errs) {
			errs = nfds;
			for (i = 0; i < n; i++)
				pfd[nfds++] = (struct pollfd){ .fd = t->err_fd[i], .events = POLLIN };
		}
		if (poll(pfd, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfd[n].revents) {
			if (read(t->wake_fd, &count, sizeof(count)) < 0) {
				/* nothing pending: someone else read it */
			}
			if (__atomic_load_n(&t->stopping, __ATOMIC_SEQ_CST))
				return NULL;
		}
		if (watch && pfd[watch].revents)
			watch_event(t);
		for (i = 0; i < n; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (read(t->kick_fd[i], &count, sizeof(count)) < 0)
				continue;
			pthread_mutex_lock(&t->lock);
			service_queue(t, i, false);
			pthread_mutex_unlock(&t->lock);
		}
		if (dev_fd && pfd[dev_fd].revents)
			fd_event(t, pfd[dev_fd].revents);
		for (i = 0; errs && i < n; i++)
			if ((pfd[errs + i].revents & POLLIN) &&
			    read(t->err_fd[i], &count, sizeof(count)) == sizeof(count))
				ring_error(t);
	}
}

static void reset_device(struct virtio_mmio *t)
{
	unsigned int i;

	t->status = 0;
	t->driver_features = 0;
	t->device_features_sel = t->driver_features_sel = t->queue_sel = 0;
	__atomic_store_n(&t->interrupt_status, 0, __ATOMIC_SEQ_CST);
	t->fd_paused = false;
	if (t->ext_started && t->dev.stop)
		t->dev.stop(t->dev.opaque);
	__atomic_store_n(&t->ext_started, false, __ATOMIC_SEQ_CST);
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		vq_reset(&t->vq[i]);
	if (t->dev.reset)
		t->dev.reset(t->dev.opaque);
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
	case REG_MAGIC: return MAGIC_VALUE;
	case REG_VERSION: return 2;
	case REG_DEVICE_ID: return t->dev.device_id;
	case REG_VENDOR_ID: return VENDOR_ID;
	case REG_DEVICE_FEATURES:
		if (t->device_features_sel > 1)
			return 0;
		return (uint32_t)(device_features(t) >> (32 * t->device_features_sel));
	case REG_QUEUE_NUM_MAX: return vq ? QUEUE_NUM_MAX : 0;
	case REG_QUEUE_READY: return vq ? vq->enabled : 0;
	case REG_INTERRUPT_STATUS:
		return interrupt_status(t);
	case REG_STATUS: return t->status;
	case REG_CONFIG_GENERATION: return 0;
	default: return 0;
	}
}

/*
 * Handing the queues to the external side when the driver is ready; if
 * that fails, the device has failed (external_failed).
 */
static void start_external(struct virtio_mmio *t)
{
	struct virtio_queue_layout q[VIRTIO_MAX_QUEUES];
	unsigned int n;
	int err;

	if (t->ext_failed) {
		needs_reset(t);
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
		};
	if (!n) {
		/*
		 * DRIVER_OK with no queue ready: the driver's mistake, not the
		 * backend's. Nothing is handed over; a reset sets it right.
		 */
		needs_reset(t);
		return;
	}
	err = t->dev.start(t->dev.opaque, t->driver_features, q, n, t->irq_fd);
	if (err)
		external_failed(t, err);
	else
		__atomic_store_n(&t->ext_started, true, __ATOMIC_SEQ_CST);
	wake_worker(t);		/* it watches the err fds while started */
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
	if ((v & STATUS_FEATURES_OK) && !(t->status & STATUS_FEATURES_OK) &&
	    (!(t->driver_features & (1ULL << VIRTIO_F_VERSION_1)) ||
	     (t->driver_features & ~device_features(t))))
		v &= ~STATUS_FEATURES_OK;
	bool going_live = (v & STATUS_DRIVER_OK) && !(t->status & STATUS_DRIVER_OK);

	t->status = v | (t->status & STATUS_NEEDS_RESET);
	t->status_seen |= t->status;
	if (v & STATUS_FEATURES_OK)
		t->accepted_features = t->driver_features;
	if (going_live && t->dev.start)
		start_external(t);
}

static void queue_write(struct virtio_mmio *t, struct virtqueue *vq,
			uint64_t reg, uint32_t v)
{
	if (vq->enabled && reg != REG_QUEUE_READY)
		return;		/* no changes to a live queue */
	switch (reg) {
	case REG_QUEUE_NUM:
		if (!v || v > QUEUE_NUM_MAX || (v & (v - 1)))
			needs_reset(t);
		else
			vq->size = (uint16_t)v;
		break;
	case REG_QUEUE_READY:
		if (!v)
			vq_reset(vq);
		else if (!vq->enabled && vq_enable(vq))
			needs_reset(t);
		break;
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
		set_addr(&vq->desc_gpa, reg == REG_QUEUE_DESC_HIGH, v);
		break;
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
		set_addr(&vq->avail_gpa, reg == REG_QUEUE_DRIVER_HIGH, v);
		break;
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
		set_addr(&vq->used_gpa, reg == REG_QUEUE_DEVICE_HIGH, v);
		break;
	}
}

static void reg_write(struct virtio_mmio *t, uint64_t reg, uint32_t v)
{
	struct virtqueue *vq = selected(t);
	uint64_t one = 1;

	switch (reg) {
	case REG_DEVICE_FEATURES_SEL: t->device_features_sel = v; break;
	case REG_DRIVER_FEATURES_SEL: t->driver_features_sel = v; break;
	case REG_DRIVER_FEATURES:
		if (t->driver_features_sel <= 1 && !(t->status & STATUS_FEATURES_OK))
			set_addr(&t->driver_features, t->driver_features_sel == 1, v);
		break;
	case REG_QUEUE_SEL: t->queue_sel = v; break;
	case REG_QUEUE_NOTIFY:
		/* Normally taken by the ioeventfd; this is the fallback. */
		if (v < t->dev.nr_queues && write(t->kick_fd[v], &one, sizeof(one)) < 0)
			needs_reset(t);
		break;
	case REG_STATUS: write_status(t, v); break;
	case REG_QUEUE_NUM: case REG_QUEUE_READY:
	case REG_QUEUE_DESC_LOW: case REG_QUEUE_DESC_HIGH:
	case REG_QUEUE_DRIVER_LOW: case REG_QUEUE_DRIVER_HIGH:
	case REG_QUEUE_DEVICE_LOW: case REG_QUEUE_DEVICE_HIGH:
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
	if (off >= REG_CONFIG) {
		uint64_t c = off - REG_CONFIG;

		if (c < t->dev.config_len && len <= t->dev.config_len - c)
			memcpy(data, (const uint8_t *)t->dev.config + c, len);
		return;
	}
	if (len != 4 || (off & 3))
		return;		/* registers are 32-bit only */
	if (off == REG_INTERRUPT_STATUS) {
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

	if (off >= REG_CONFIG || len != 4 || (off & 3))
		return;		/* config space is read-only here */
	memcpy(&v, data, 4);
	if (off == REG_INTERRUPT_ACK) {
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
	unsigned int i;

	for (i = 0; i < t->dev.nr_queues; i++) {
		struct kvm_ioeventfd io = {
			.datamatch = i,
			.addr = t->p.base + REG_QUEUE_NOTIFY,
			.len = 4,
			.fd = t->kick_fd[i],
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};

		if (ioctl(t->p.vm_fd, KVM_IOEVENTFD, &io) < 0)
			return -errno;
	}
	return 0;
}

int virtio_mmio_create(const struct virtio_mmio_params *p,
		       const struct virtio_device *dev, struct virtio_mmio **out)
{
	struct virtio_mmio *t;
	unsigned int i;
	int err;

	if (!dev->nr_queues || dev->nr_queues > VIRTIO_MAX_QUEUES)
		return -EINVAL;
	if (dev->fd_ready && (dev->fd < 0 || dev->fd_queue >= dev->nr_queues))
		return -EINVAL;
	if (dev->start && (!dev->watch_failed || dev->watch_fd < 0))
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
		if (i < dev->nr_queues && dev->start) {
			t->err_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (t->err_fd[i] < 0)
				goto fail_errno;
		}
	}
	if (t->wake_fd < 0 || t->irq_fd < 0)
		goto fail_errno;
	err = register_ioeventfds(t);
	if (err)
		goto fail;
	sem_init(&t->worker_ready, 0, 0);
	err = -pthread_create(&t->worker, NULL, worker, t);
	if (err)
		goto fail;
	t->worker_started = true;
	while (sem_wait(&t->worker_ready) && errno == EINTR)
		;
	err = t->worker_err;
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
	struct kvm_irqfd irqfd = { .fd = (uint32_t)t->irq_fd, .gsi = t->p.irq };

	return ioctl(t->p.vm_fd, KVM_IRQFD, &irqfd) < 0 ? -errno : 0;
}

void virtio_mmio_destroy(struct virtio_mmio *t)
{
	unsigned int i;

	if (!t)
		return;
	if (t->worker_started) {
		__atomic_store_n(&t->stopping, true, __ATOMIC_SEQ_CST);
		wake_worker(t);
		pthread_join(t->worker, NULL);
	}
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
