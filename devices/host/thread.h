/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Starting the threads of the VMM and of its device models with a small
 * stack.
 *
 * Contract:
 * - host_thread_create() is pthread_create() with default attributes but
 *   for the stack: HOST_THREAD_STACK bytes (guard page included, glibc's
 *   default guard). Returns 0 or a negative errno.
 * - Code that runs on such a thread (vCPU exit handling, device workers,
 *   vhost-user backends, seccomp installation, the SIGSYS handler) keeps
 *   its frames small: nothing of more than a few KiB on the stack. On
 *   x86_64 these threads touched at most 16 KiB of stack, TLS and the
 *   thread descriptor included (tests/bench/footprint_bench, a Linux boot
 *   with 4 disks), so 256 KiB leaves a wide margin.
 * - Why: glibc's default is an 8 MiB mapping per thread, of which little
 *   is used, but with transparent huge pages on ("always") a first touch
 *   can fault in a whole 2 MiB page there; a mapping smaller than 2 MiB
 *   never gets one.
 * - Under AddressSanitizer (SAN=1), whose redzones make frames several
 *   times larger, threads keep glibc's default stack.
 */
#ifndef DEVICES_HOST_THREAD_H
#define DEVICES_HOST_THREAD_H

#include <pthread.h>

#define HOST_THREAD_STACK	(256 * 1024)

int host_thread_create(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
