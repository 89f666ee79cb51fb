/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backing allocations for guest RAM (internal to memory/).
 *
 * backing_alloc() returns one mapping of the whole size: for memfd and
 * hugetlb a MAP_SHARED | MAP_POPULATE mapping of an fd that the backing
 * owns; for private an anonymous MAP_PRIVATE | MAP_POPULATE mapping; for
 * heap an aligned heap block, zeroed (so touched). Every backing is
 * populated, and a shared one is checked to be fully resident (mincore for
 * memfd; for hugetlb the mmap itself reserves every page), so a short
 * populate fails here instead of faulting later.
 * backing_free() undoes it.
 */
#ifndef MEMORY_BACKEND_H
#define MEMORY_BACKEND_H

#include "guest_memory.h"

struct backing {
	enum guest_memory_backend backend;
	void *host;
	uint64_t size;
	int fd;
};

int backing_alloc(const struct guest_memory_config *cfg, long page_size,
		  struct backing *out);
void backing_free(struct backing *b);

#endif
