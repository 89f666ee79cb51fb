/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Debian 12 test guest (guests/debian/build.sh) for the VM suites:
 * where it is ($DEBIAN_GUEST, the directory build.sh printed), a copy of
 * its disk for one boot (the cache stays pristine), and one boot of it on
 * the VMM, watched on its serial console: when systemd's "Welcome to", the
 * serial getty's "login: " and vmm-check's "VMM-CHECK done" first appear,
 * and how the VMM ended.
 */
#ifndef TESTS_DEBIAN_GUEST_H
#define TESTS_DEBIAN_GUEST_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "tests/helpers.h"

struct debian_guest {
	char kernel[PATH_MAX], initrd[PATH_MAX], disk[PATH_MAX];
};

/*
 * Fills g from $DEBIAN_GUEST; if it is unset or lacks a file, prints
 * "FAIL <suite> suite: ..." saying how to build it and returns false.
 */
bool debian_guest_find(const char *suite, struct debian_guest *g);

/* cp --sparse=always from to; 0, or -1 after printing why. */
int debian_disk_copy(const char *from, const char *to);

struct debian_boot {
	int status;		/* the VMM's exit status; -1: killed past its --timeout */
	double seconds;		/* from the VMM's start to its exit */
	double welcome_s;	/* to the first "Welcome to", -1 if never */
	double login_s;		/* to the first "login: " */
	double check_s;		/* to "VMM-CHECK done" */
	struct text out;	/* the console, ANSI escape sequences removed */
	struct text err;	/* the VMM's stderr */
};

/*
 * Boots g on disk (a copy) with cpus vCPUs, 1G, --rng, --stats and --cmdline
 * cmdline, the VMM's --timeout timeout_s (the wait: 60 s more), and fills
 * b (large: allocate it). Its stdout and stderr are this process's only
 * through b.
 */
void debian_boot(const struct debian_guest *g, const char *disk, int cpus, const char *cmdline,
		 int timeout_s, struct debian_boot *b);

/*
 * The value of vmm-check's line "VMM-CHECK key=VALUE" (VALUE up to the end
 * of the line, into buf), or NULL if the console has no such line.
 */
const char *debian_check(const struct debian_boot *b, const char *key, char *buf, size_t len);

/*
 * Prints each console line (up to 30) with a warning, an error, a failed
 * unit or a call trace in it, after prefix: what a reader of the log
 * wants to see of a boot that passed too.
 */
void debian_print_notable(const struct debian_boot *b, const char *prefix);

/*
 * Whether b is a clean boot and power-off: exit 0 with the VMM's
 * "guest powered off (ACPI S5)" line, "Welcome to Debian" and
 * "VMM-CHECK done" on the console. If not, one line saying what is
 * missing (a triple fault is named as such) into why, and false.
 */
bool debian_boot_clean(const struct debian_boot *b, char *why, size_t len);

#endif
