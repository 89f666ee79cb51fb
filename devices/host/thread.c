// SPDX-License-Identifier: GPL-2.0
/*
 * Threads with a small stack (see thread.h).
 */
#include "thread.h"

#include <stddef.h>

#ifdef __SANITIZE_ADDRESS__
#define STACK_SIZE	0	/* glibc's default */
#else
#define STACK_SIZE	HOST_THREAD_STACK
#endif

int host_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	int err;

	if (!STACK_SIZE)
		return -pthread_create(thread, NULL, fn, arg);
	err = pthread_attr_init(&attr);
	if (err)
		return -err;
	err = pthread_attr_setstacksize(&attr, STACK_SIZE);
	if (!err)
		err = pthread_create(thread, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -err;
}
