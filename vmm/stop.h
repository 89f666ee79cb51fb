/* SPDX-License-Identifier: GPL-2.0 */
/*
 * How a VM ends: the first request to stop it wins and fixes the exit
 * status and the reason the VMM prints. Any thread may ask (a vCPU on a
 * triple fault, a platform device on power-off, the run loop on a signal
 * or the timeout); everyone else asks stop_requested().
 *
 * stop_init() returns 0 or a negative errno; event_fd becomes readable on
 * the first request, for the run loop's poll().
 */
#ifndef VMM_STOP_H
#define VMM_STOP_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>

/* The VM's exit statuses, and so the process's. */
#define VM_EXIT_OK		0
#define VM_EXIT_FAILED		1
#define VM_EXIT_USAGE		2
#define VM_EXIT_PANIC		3
#define VM_EXIT_TIMEOUT		124
#define VM_EXIT_SIGNAL_BASE	128

struct vm_stop {
	pthread_mutex_t lock;
	bool stopping;		/* written once, under lock; read atomically */
	int status;
	char reason[160];
	int event_fd;
};

/*
 * The signals that stop the VM (SIGINT, SIGTERM, SIGHUP). Blocking them
 * first, before any thread starts, leaves them to the run loop's
 * signalfd in every thread. 0 or a negative errno.
 */
void stop_signal_set(sigset_t *set);
int stop_block_signals(void);

int stop_init(struct vm_stop *s);
void stop_destroy(struct vm_stop *s);
void stop_request(struct vm_stop *s, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool stop_requested(const struct vm_stop *s);

#endif
