// SPDX-License-Identifier: GPL-2.0
/*
 * A vhost-user device's link to its backend process: handing the rings
 * over when the driver starts, asking for them back when it resets, and
 * what happens when the backend goes away.
 *
 * Without reconnect= a lost backend fails the device for good. With it,
 * the rings stay where they are (the guest's requests wait, its kicks
 * pile up in the kick eventfds), a timer ticks every RETRY_MS, and each
 * tick tries the socket again until reconnect_s have passed. A backend
 * that answers is negotiated with from scratch, gets the memory table
 * again and each ring with BASE = the used ring's idx (the requests the
 * old one took and never finished are taken again), and the in-flight
 * region if it tracks one; then every ring is kicked and the guest
 * interrupted once, for what happened while no one was looking.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "devices/vhost_user_device_state.h"

#define RETRY_MS	100

static void report(struct vhost_user_device *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct vhost_user_device *d, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	d->host->report(d->host, d->name, what);
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void signal_fd(int fd)
{
	uint64_t one = 1;

	/* fails only when the counter is full: a signal is pending anyway */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

static void drop_inflight(struct vhost_user_device *d)
{
	if (d->inflight.fd >= 0)
		close(d->inflight.fd);
	d->inflight.fd = -1;
}

/*
 * The rings to the backend: fresh (base 0) when the driver starts them,
 * restored (base = used idx) on a new backend. blk asks for an in-flight
 * region once per driver start, if the backend keeps one.
 */
static int hand_over(struct vhost_user_device *d, bool restore)
{
	struct vhost_user_queue q[VIRTIO_MAX_QUEUES];
	uint16_t max_size = 0;
	unsigned int i;
	int err;

	for (i = 0; i < d->nr_running; i++) {
		const struct virtio_queue_layout *l = &d->layout[i];

		q[i] = (struct vhost_user_queue){
			.size = l->size,
			.desc_gpa = l->desc_gpa,
			.avail_gpa = l->avail_gpa,
			.used_gpa = l->used_gpa,
			.kick_fd = l->kick_fd,
			.call_fd = d->irq_fd,
			.err_fd = l->err_fd,
			.base = restore ? __atomic_load_n(l->used_idx, __ATOMIC_ACQUIRE) : 0,
		};
		if (l->size > max_size)
			max_size = l->size;
	}
	if (d->type == VHOST_USER_BLK && d->inflight.fd < 0 &&
	    vhost_user_frontend_has_inflight(d->fe)) {
		err = vhost_user_frontend_get_inflight(d->fe, (uint16_t)d->nr_running,
						       max_size, &d->inflight);
		if (err)
			return err;
	}
	err = vhost_user_frontend_start(d->fe,
					d->driver_features & vhost_user_frontend_features(d->fe),
					q, d->nr_running,
					d->inflight.fd >= 0 && vhost_user_frontend_has_inflight(d->fe) ?
					&d->inflight : NULL);
	if (err || !restore)
		return err;
	for (i = 0; i < d->nr_running; i++)
		signal_fd(d->layout[i].kick_fd);
	signal_fd(d->irq_fd);
	return 0;
}

static void arm_timer(struct vhost_user_device *d, bool on)
{
	struct itimerspec t = { 0 };

	if (on)
		t = (struct itimerspec){
			.it_value.tv_nsec = 1000000,
			.it_interval.tv_nsec = RETRY_MS * 1000000L,
		};
	timerfd_settime(d->timer_fd, 0, &t, NULL);
}

/*
 * The backend is gone (err). Returns true if that is the end of the
 * device: no reconnect=, or the first connection's in-process backend.
 */
static bool backend_gone(struct vhost_user_device *d, int err)
{
	if (!d->reconnect_s) {
		vhost_user_frontend_disconnect(d->fe);
		report(d, "backend lost (%s); the device fails every request from now on",
		       strerror(-err));
		return true;
	}
	vhost_user_frontend_close(d->fe);
	d->fe = NULL;
	d->reconnecting = true;
	clock_gettime(CLOCK_MONOTONIC, &d->lost_at);
	arm_timer(d, true);
	report(d, "backend lost (%s); reconnecting for up to %u s", strerror(-err),
	       d->reconnect_s);
	return false;
}

/* One try; 0 when the backend is back and has the rings. */
static int reconnect_once(struct vhost_user_device *d)
{
	/* not NET_F_MAC and the like: what we give the guest ourselves */
	uint64_t wanted = d->driver_features & d->backend_features;
	const char *request;
	int sock, err;

	sock = vhost_user_connect(d->socket);
	if (sock < 0)
		return sock;
	err = vhost_user_frontend_open(sock, d->sharing, &d->fe, &request);
	if (err)
		return err;
	if (d->nr_running && (wanted & ~vhost_user_frontend_features(d->fe)))
		err = -EOPNOTSUPP;
	else if (d->nr_running)
		err = hand_over(d, true);
	if (err) {
		vhost_user_frontend_close(d->fe);
		d->fe = NULL;
	}
	return err;
}

/* A tick while reconnecting: true once it is too late. */
static bool reconnect_tick(struct vhost_user_device *d)
{
	uint64_t ticks;
	double waited;

	if (read(d->timer_fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return false;
	if (!reconnect_once(d)) {
		d->reconnecting = false;
		arm_timer(d, false);
		report(d, "backend back after %.2f s%s", seconds_since(&d->lost_at),
		       d->type == VHOST_USER_BLK && !vhost_user_frontend_has_inflight(d->fe) ?
		       "; it keeps no in-flight record, so it restarted from the used index" : "");
		return false;
	}
	waited = seconds_since(&d->lost_at);
	if (waited < d->reconnect_s)
		return false;
	d->reconnecting = false;
	arm_timer(d, false);
	report(d, "backend did not come back within %u s; the device fails every request from now on",
	       d->reconnect_s);
	return true;
}

int vhost_user_link_start(void *opaque, uint64_t driver_features,
			  const struct virtio_queue_layout *layout, unsigned int nr,
			  int irq_fd)
{
	struct vhost_user_device *d = opaque;
	int err;

	d->driver_features = driver_features;
	memcpy(d->layout, layout, nr * sizeof(*layout));
	d->nr_running = nr;
	d->irq_fd = irq_fd;
	if (d->reconnecting)
		return 0;	/* handed over once the backend is back */
	err = hand_over(d, false);
	if (err && backend_gone(d, err))
		return err;
	return 0;
}

void vhost_user_link_stop(void *opaque)
{
	struct vhost_user_device *d = opaque;

	/* A backend that does not answer is noticed by the watch. */
	if (d->fe)
		vhost_user_frontend_stop(d->fe);
	d->nr_running = 0;
	drop_inflight(d);	/* the next start's requests are all new */
}

bool vhost_user_link_lost(void *opaque)
{
	struct vhost_user_device *d = opaque;
	int err;

	if (d->reconnecting)
		return reconnect_tick(d);
	err = vhost_user_frontend_check(d->fe);
	return err && backend_gone(d, err);
}

int vhost_user_link_watch(void *opaque)
{
	struct vhost_user_device *d = opaque;

	if (d->reconnecting)
		return d->timer_fd;
	return d->fe ? vhost_user_frontend_fd(d->fe) : -1;
}

int vhost_user_link_init(struct vhost_user_device *d, const char *socket,
			 unsigned int reconnect_s)
{
	d->inflight.fd = -1;
	d->timer_fd = -1;
	if (!reconnect_s)
		return 0;
	if (!socket || strlen(socket) >= sizeof(d->socket))
		return -EINVAL;
	strcpy(d->socket, socket);
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->timer_fd < 0)
		return -errno;
	d->reconnect_s = reconnect_s;
	return 0;
}

void vhost_user_link_destroy(struct vhost_user_device *d)
{
	vhost_user_frontend_close(d->fe);
	d->fe = NULL;
	drop_inflight(d);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	d->timer_fd = -1;
}
