/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the test suites: run a program with a deadline and capture
 * what it printed, start one in the background, and small file helpers.
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_result {
	int status;		/* exit status, 128+signal, or -1: timed out */
	char out[65536];	/* stdout, NUL-terminated, truncated if longer */
	char err[65536];	/* stderr, likewise */
	double seconds;
};

/*
 * Runs argv (NULL-terminated) with stdin from /dev/null; kills it after
 * timeout_s seconds. Returns 0, or -errno if it could not be started.
 */
int run_cmd(char *const argv[], double timeout_s, struct run_result *res);

/* Starts argv with pipes for stdin/stdout/stderr (any may be NULL). */
pid_t spawn_cmd(char *const argv[], int *in_fd, int *out_fd, int *err_fd);

/*
 * Reads fd into buf (NUL-terminated, len bytes at most) until needle
 * appears or timeout_s passes. Returns true if it appeared.
 */
bool read_until(int fd, char *buf, size_t len, const char *needle,
		double timeout_s);

/* Waits for pid up to timeout_s; kills it after that. Exit status as above. */
int wait_cmd(pid_t pid, double timeout_s);

/* Number of lines in s (a final line without '\n' counts). */
int count_lines(const char *s);

/*
 * Makes at least n free default-size huge pages available, remembering the
 * old /proc/sys/vm/nr_hugepages; hugepages_restore() puts it back (also
 * registered with atexit). Returns 0 or -errno (with a reason in why).
 */
int hugepages_reserve(long n, const char **why);
void hugepages_restore(void);

/* $VMM and $GUESTS with defaults for running from the tree root. */
const char *vmm_path(void);
const char *guest_path(const char *name);

#endif
