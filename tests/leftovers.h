/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a run of VMs and their device backends must not leave behind, seen
 * from outside them: a snapshot of the host taken before, compared after.
 *
 * The snapshot holds the processes of each watched name (/proc/PID/comm:
 * vmm, vmm-blkd, dpdk-testpmd, virtiofsd, qemu-storage-d), the processes
 * holding or mapping a memfd, and the names in /dev/shm and /tmp.
 * leftovers_since() compares the host now with it and also looks for
 * processes whose parent is this one (call prctl(PR_SET_CHILD_SUBREAPER)
 * first, so orphans of what the test started come back to it) and for
 * entries of a run directory other than the ones it was given to keep.
 * It describes each leftover in one line of why and returns their number.
 * A directory with more names than a list holds cannot be vouched for: it
 * counts as a leftover.
 *
 * Nothing here asserts: a soak counts leftovers over many runs. Errors
 * reading /proc count as leftovers (the test cannot vouch for the run).
 */
#ifndef TESTS_LEFTOVERS_H
#define TESTS_LEFTOVERS_H

#include <stddef.h>

#define LEFTOVERS_NAMES		5
#define LEFTOVERS_LIST		(256 * 1024)

struct leftovers_snapshot {
	int named[LEFTOVERS_NAMES];	/* processes per watched name */
	int memfd_procs;		/* processes with a memfd fd or mapping */
	char shm[LEFTOVERS_LIST];	/* "/name" each, of /dev/shm */
	char tmp[LEFTOVERS_LIST];	/* "/name" each, of /tmp */
};

/* 0, or -errno if /proc could not be read. */
int leftovers_snapshot(struct leftovers_snapshot *s);

/*
 * Leftovers now against before: processes, memfds, /dev/shm and /tmp
 * entries, children of this process, and entries of dir (NULL: none) not
 * named in keep (NULL-terminated). Appends one line per leftover to why
 * (NUL-terminated, truncated at len); returns how many there were.
 */
int leftovers_since(const struct leftovers_snapshot *before, const char *dir,
		    const char *const keep[], char *why, size_t len);

#endif
