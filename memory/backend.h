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
 * faulting later. Except: memfd RAM that fallocate() could allocate whole
 * (the host's shmem THP not by advice, MADV_POPULATE_WRITE there) is
 * committed by that call and mapped by threads that go on after
 * backing_alloc() returns (memory/populate.h); backing_wait_populated()
 * joins them and returns their first error; backing_free() stops them
 * early and joins them before it unmaps. Otherwise no population thread
 * outlives backing_alloc(). backing_free() undoes it.
 */
#ifndef MEMORY_BACKEND_H
#define MEMORY_BACKEND_H

#include "guest_memory.h"

struct memory_populate_job;

struct backing {
	enum guest_memory_backend backend;
	void *host;
	uint64_t size;
	int fd;
	struct memory_populate_job *populating;	/* NULL: populated */
};

int backing_alloc(const struct guest_memory_config *cfg, long page_size,
		  struct backing *out);
int backing_wait_populated(struct backing *b);
void backing_free(struct backing *b);

#endif
