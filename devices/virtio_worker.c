// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio transport's worker thread: it waits on the queues' kick
 * eventfds, the device's fd source, and for external queues the watch fd
 * and the err eventfds, and calls the device (devices/virtio.h) with the
 * transport's lock held.
 */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "devices/virtio_mmio_state.h"
#include "devices/host/thread.h"

void virtio_worker_wake(struct virtio_mmio *t)
{
	uint64_t one = 1;

	if (write(t->wake_fd, &one, sizeof(one)) < 0) {
		/* only on overflow: a wake-up is pending anyway */
	}
}

/* Whether kicks are ours to serve (not an external backend's). */
static bool kicks_local(const struct virtio_mmio *t)
{
	return !t->dev.external || t->ext_failed;
}

/* A kick on queue q, or (from_fd) the device's fd is readable. */
static void service_queue(struct virtio_mmio *t, unsigned int q, bool from_fd)
{
	const struct virtio_fd_source *src = &t->dev.fd_source;
	struct virtqueue *vq = &t->vq[q];
	bool pause = false, used;

	if (src->ready && q == src->queue && !from_fd)
		t->fd_paused = false;	/* new buffers: wait on the fd again */
	if (!virtio_mmio_queue_live(t, q))
		return;
	if (from_fd)
		used = src->ready(t->dev.opaque, vq, &pause);
	else
		used = t->dev.ops->queue_notify(t->dev.opaque, vq, q);
	if (used)
		virtio_mmio_raise_irq(t, VIRTIO_MMIO_INT_VRING);
	if (pause)
		t->fd_paused = true;
	if (vq->broken)
		virtio_mmio_needs_reset(t);
}

void virtio_worker_take_back(struct virtio_mmio *t)
{
	unsigned int q;

	if (t->ext_failed)
		return;
	t->ext_failed = true;
	__atomic_store_n(&t->ext_started, false, __ATOMIC_SEQ_CST);
	virtio_mmio_needs_reset(t);
	for (q = 0; q < t->dev.nr_queues; q++) {
		if (!virtio_mmio_queue_live(t, q))
			continue;
		t->vq[q].event_idx = t->driver_features &
				     VIRTIO_BIT(VIRTIO_RING_F_EVENT_IDX);
		t->vq[q].indirect = t->driver_features &
				    VIRTIO_BIT(VIRTIO_RING_F_INDIRECT_DESC);
		vq_take_over(&t->vq[q]);
		service_queue(t, q, false);
	}
	virtio_worker_wake(t);		/* it must start waiting on the kicks */
}

/* The backend stopped a queue the driver broke: the driver must reset. */
static void ring_error(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	if (t->ext_started)
		virtio_mmio_needs_reset(t);
	pthread_mutex_unlock(&t->lock);
}

static void watch_event(struct virtio_mmio *t)
{
	pthread_mutex_lock(&t->lock);
	if (!t->ext_failed && t->dev.external->lost(t->dev.opaque))
		virtio_worker_take_back(t);
	pthread_mutex_unlock(&t->lock);
}

static void fd_event(struct virtio_mmio *t, short revents)
{
	pthread_mutex_lock(&t->lock);
	if (revents & (POLLERR | POLLHUP | POLLNVAL))
		t->fd_paused = true;	/* until the next kick or reset */
	else if (revents & POLLIN)
		service_queue(t, t->dev.fd_source.queue, true);
	pthread_mutex_unlock(&t->lock);
}

/* What the worker waits on besides the kicks and wake_fd. */
struct worker_fds {
	bool kicks, dev_fd, errs;
	int watch;		/* -1: none */
};

static struct worker_fds worker_wants(struct virtio_mmio *t)
{
	struct worker_fds w;

	pthread_mutex_lock(&t->lock);
	w.kicks = kicks_local(t);
	w.watch = t->dev.external && !t->ext_failed ? t->dev.external->watch(t->dev.opaque) : -1;
	w.errs = t->ext_started;
	w.dev_fd = t->dev.fd_source.ready && !t->fd_paused &&
		   virtio_mmio_queue_live(t, t->dev.fd_source.queue);
	pthread_mutex_unlock(&t->lock);
	return w;
}

static void kick_events(struct virtio_mmio *t, const struct pollfd *pfd)
{
	unsigned int i;
	uint64_t count;

	for (i = 0; i < t->dev.nr_queues; i++) {
		if (!(pfd[i].revents & POLLIN))
			continue;
		if (read(t->kick_fd[i], &count, sizeof(count)) < 0)
			continue;
		pthread_mutex_lock(&t->lock);
		service_queue(t, i, false);
		pthread_mutex_unlock(&t->lock);
	}
}

static void *worker(void *arg)
{
	struct virtio_mmio *t = arg;
	struct pollfd pfd[2 * VIRTIO_MAX_QUEUES + 3];
	unsigned int i, n = t->dev.nr_queues;

	t->worker_err = t->p.host->thread_start(t->p.host);
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
		if (w.watch >= 0) {
			watch = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = w.watch, .events = POLLIN };
		}
		if (w.dev_fd) {
			dev_fd = nfds;
			pfd[nfds++] = (struct pollfd){ .fd = t->dev.fd_source.fd, .events = POLLIN };
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
		kick_events(t, pfd);
		if (dev_fd && pfd[dev_fd].revents)
			fd_event(t, pfd[dev_fd].revents);
		for (i = 0; errs && i < n; i++)
			if ((pfd[errs + i].revents & POLLIN) &&
			    read(t->err_fd[i], &count, sizeof(count)) == sizeof(count))
				ring_error(t);
	}
}

int virtio_worker_start(struct virtio_mmio *t)
{
	int err;

	sem_init(&t->worker_ready, 0, 0);
	err = host_thread_create(&t->worker, worker, t);
	if (err)
		return err;
	t->worker_started = true;
	while (sem_wait(&t->worker_ready) && errno == EINTR)
		;
	return t->worker_err;
}

void virtio_worker_stop(struct virtio_mmio *t)
{
	if (!t->worker_started)
		return;
	__atomic_store_n(&t->stopping, true, __ATOMIC_SEQ_CST);
	virtio_worker_wake(t);
	pthread_join(t->worker, NULL);
	t->worker_started = false;
}
