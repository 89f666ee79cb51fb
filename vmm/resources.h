/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the VMM process still holds when it ends, for --stats: one line,
 * printed after the VM is torn down, right before main() returns:
 *
 *   vmm: resources at exit: fds=N rss_kib=N hwm_kib=N
 *
 * fds: open file descriptors (/proc/self/fd, less this module's own two);
 * rss_kib and hwm_kib: VmRSS and VmHWM of /proc/self/status (resident now,
 * and the peak of the run). The format is stable: the soak test
 * (tests/integration/test_soak.c) asserts on it.
 *
 * The main thread is under its seccomp filter at exit and opens nothing,
 * so resources_open() opens both files before the guest runs (close-on-exec)
 * and resources_report() reads them then (getdents64 and read, both in the
 * main thread's table). Errors are negative errnos; resources_report()
 * prints "unknown (REASON)" in place of the numbers if it cannot tell.
 */
#ifndef VMM_RESOURCES_H
#define VMM_RESOURCES_H

#include <stdio.h>

struct resources_probe {
	int fd_dir;	/* /proc/self/fd, or -1 */
	int status;	/* /proc/self/status, or -1 */
	int err;	/* resources_open()'s result */
};

struct resources {
	int fds;
	long rss_kib, hwm_kib;
};

/* Opens the two files; 0 or -errno (also kept in p->err). */
int resources_open(struct resources_probe *p);
/* Reads both files into r; 0 or -errno. Each file is read once. */
int resources_read(struct resources_probe *p, struct resources *r);
/* VmRSS and VmHWM from the text of a /proc/PID/status; 0 or -EINVAL. */
int resources_parse_status(const char *text, struct resources *r);
/* Reads, prints the line to out, closes the probe. */
void resources_report(struct resources_probe *p, FILE *out);
void resources_close(struct resources_probe *p);

#endif
