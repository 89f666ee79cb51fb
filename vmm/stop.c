// SPDX-License-Identifier: GPL-2.0
/*
 * The VM's stop state: first request wins.
 */
#include "stop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/timeline.h"

void stop_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

int stop_block_signals(void)
{
	sigset_t set;

	stop_signal_set(&set);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int stop_init(struct vm_stop *s)
{
	*s = (struct vm_stop){ .event_fd = -1 };
	pthread_mutex_init(&s->lock, NULL);
	s->event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return s->event_fd < 0 ? -errno : 0;
}

void stop_destroy(struct vm_stop *s)
{
	if (s->event_fd >= 0)
		close(s->event_fd);
	s->event_fd = -1;
	pthread_mutex_destroy(&s->lock);
}

void stop_request(struct vm_stop *s, int status, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	s->status = status;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	__atomic_store_n(&s->stopping, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&s->lock);
	timeline_mark(TIMELINE_STOP);
	if (write(s->event_fd, &one, sizeof(one)) < 0) {
		/* The counter cannot overflow with one write per VM. */
	}
}

bool stop_requested(const struct vm_stop *s)
{
	return __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE);
}
