/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest-memory sharing object: how a device model — in the VMM or in
 * another process — gets the very RAM the vCPUs run on.
 *
 * Contract:
 * - Only shared backends (memfd, hugetlb) have one. For private or heap
 *   memory guest_memory_sharing_get() returns -EGUEST_MEMORY_PRIVATE (and
 *   only then), and guest_memory_sharing_refusal() says which backends to
 *   use instead. "Not shareable" is an answer, not a crash.
 * - Every region is fully committed: a consumer mmaps
 *   [fd_offset, fd_offset + size) of fd MAP_SHARED and uses it directly;
 *   the VMM never handles a fault on its behalf.
 * - The set of regions is static for the lifetime of the VM (no hotplug
 *   yet; when it comes, this object grows a notification method).
 * - The fds stay owned by guest memory and are valid until it is
 *   destroyed. A consumer that keeps one beyond that dups it; sending one
 *   over SCM_RIGHTS gives the peer its own reference.
 * - The object must be put before the guest memory it came from is
 *   destroyed.
 */
#ifndef MEMORY_SHARING_H
#define MEMORY_SHARING_H

#include <stdint.h>

#include "guest_memory.h"

/* Distinct error: the guest memory is private and cannot be shared. */
#define EGUEST_MEMORY_PRIVATE EPERM

struct shared_region {
	uint64_t gpa;		/* guest physical address */
	uint64_t size;		/* bytes */
	int fd;			/* owned by guest memory; dup to keep */
	uint64_t fd_offset;	/* where gpa lives in fd */
};

struct guest_memory_sharing;

/* 0, -EGUEST_MEMORY_PRIVATE for private/heap memory, or -ENOMEM. */
int guest_memory_sharing_get(struct guest_memory *mem,
			     struct guest_memory_sharing **out);
void guest_memory_sharing_put(struct guest_memory_sharing *sharing);

/* One line for a user whose memory was refused. */
const char *guest_memory_sharing_refusal(const struct guest_memory *mem);

unsigned int guest_memory_sharing_nr_regions(const struct guest_memory_sharing *sharing);

/*
 * Fills up to max regions; returns how many there are (which may be more
 * than max: call again with a bigger array).
 */
unsigned int guest_memory_sharing_get_regions(const struct guest_memory_sharing *sharing,
					      struct shared_region *regions,
					      unsigned int max);

#endif
