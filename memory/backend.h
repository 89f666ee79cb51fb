/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Backing allocations for guest RAM (internal to memory/).
 *
 * backing_alloc() returns one mapping of the whole size: for memfd and
 * hugetlb a MAP_SHARED mapping of an fd that the backing owns, populated
 * by cfg->populate_threads threads (memory/populate.h; MAP_POPULATE where
 * the kernel lacks MADV_POPULATE_WRITE); for private an anonymous
 * MAP_PRIVATE | MAP_POPULATE mapping; for heap an aligned heap block,
 * zeroed (so touched). Every backing is populated, and a shared one is
 * checked to be fully resident with mincore (for hugetlb the mmap itself
 * also reserves every page), so a short populate fails here instead of
 * faulting later; no population thread outlives backing_alloc().
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
