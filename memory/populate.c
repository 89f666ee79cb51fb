// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel population with MADV_POPULATE_WRITE: one page-aligned chunk per
 * thread, the first on the calling thread, every result kept per chunk and
 * read back in address order after the joins.
 */
#include "populate.h"

#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

bool memory_populate_test_no_madvise;

struct chunk {
	char *start;
	uint64_t len;
	int err;
	bool started;
	pthread_t thread;
};

bool memory_populate_supported(void)
{
	/* An empty range: only the advice itself is checked. */
	return !memory_populate_test_no_madvise &&
	       !madvise(NULL, 0, MADV_POPULATE_WRITE);
}

unsigned int memory_populate_default_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	if (cpus < 1)
		return 1;
	return cpus < MEMORY_POPULATE_MAX_THREADS ? (unsigned int)cpus :
						    MEMORY_POPULATE_MAX_THREADS;
}

static int populate_chunk(char *start, uint64_t len)
{
	/* EINTR: a signal came; pages already there are quick to go over */
	while (madvise(start, len, MADV_POPULATE_WRITE)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void *populate_thread(void *arg)
{
	struct chunk *c = arg;

	c->err = populate_chunk(c->start, c->len);
	return NULL;
}

/* Cuts [host, host + size) into n chunks of whole pages, sizes within a page. */
static void cut(struct chunk *c, unsigned int n, char *host, uint64_t size,
		long page_size)
{
	uint64_t pages = size / (uint64_t)page_size;
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint64_t first = pages * i / n, end = pages * (i + 1) / n;

		c[i] = (struct chunk){
			.start = host + first * (uint64_t)page_size,
			.len = (end - first) * (uint64_t)page_size,
		};
	}
}

static unsigned int nr_chunks(uint64_t size, long page_size,
			      unsigned int threads)
{
	uint64_t pages = size / (uint64_t)page_size;

	if (size < MEMORY_POPULATE_MIN_PARALLEL)
		return 1;
	return pages < threads ? (unsigned int)pages : threads;
}

int memory_populate(void *host, uint64_t size, long page_size,
		    unsigned int threads)
{
	struct chunk c[MEMORY_POPULATE_MAX_THREADS];
	uint64_t mask = (uint64_t)page_size - 1;
	unsigned int i, n;
	int err = 0;

	if (page_size <= 0 || (page_size & (page_size - 1)) ||
	    ((uintptr_t)host & mask) || (size & mask) ||
	    !threads || threads > MEMORY_POPULATE_MAX_THREADS)
		return -EINVAL;
	if (!memory_populate_supported())
		return -EOPNOTSUPP;
	if (!size)
		return 0;

	n = nr_chunks(size, page_size, threads);
	cut(c, n, host, size, page_size);
	for (i = 1; i < n; i++)
		c[i].started = !pthread_create(&c[i].thread, NULL,
					       populate_thread, &c[i]);
	for (i = 0; i < n; i++) {
		if (!c[i].started)
			c[i].err = populate_chunk(c[i].start, c[i].len);
	}
	for (i = 1; i < n; i++) {
		if (c[i].started)
			pthread_join(c[i].thread, NULL);
	}
	for (i = 0; i < n && !err; i++)
		err = c[i].err;
	return err;
}
