// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel population with MADV_POPULATE_WRITE: one page-aligned chunk per
 * thread, the first on the calling thread, every result kept per chunk and
 * read back in address order after the joins. In the background: threads
 * that take fixed pieces from a shared cursor until done or cancelled.
 */
#include "populate.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
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

static int check_args(void *host, uint64_t size, long page_size,
		      unsigned int threads)
{
	uint64_t mask = (uint64_t)page_size - 1;

	if (page_size <= 0 || (page_size & (page_size - 1)) ||
	    ((uintptr_t)host & mask) || (size & mask) ||
	    !threads || threads > MEMORY_POPULATE_MAX_THREADS)
		return -EINVAL;
	if (!memory_populate_supported())
		return -EOPNOTSUPP;
	return 0;
}

int memory_populate(void *host, uint64_t size, long page_size,
		    unsigned int threads)
{
	struct chunk c[MEMORY_POPULATE_MAX_THREADS];
	unsigned int i, n;
	int err = check_args(host, size, page_size, threads);

	if (err || !size)
		return err;

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

#define PIECE (64ULL << 20)

struct memory_populate_job {
	char *host;
	uint64_t size, piece;
	uint64_t next;		/* offset of the next piece to take */
	bool cancel;
	int err;		/* the first error, 0 for none */
	unsigned int nr_threads;
	pthread_t threads[MEMORY_POPULATE_MAX_THREADS];
};

static void *job_thread(void *arg)
{
	struct memory_populate_job *job = arg;

	while (!__atomic_load_n(&job->cancel, __ATOMIC_RELAXED)) {
		uint64_t off = __atomic_fetch_add(&job->next, job->piece, __ATOMIC_RELAXED);
		int expected = 0, err;

		if (off >= job->size)
			break;
		err = populate_chunk(job->host + off, job->size - off < job->piece ?
						      job->size - off : job->piece);
		if (err)
			__atomic_compare_exchange_n(&job->err, &expected, err, false,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
	return NULL;
}

int memory_populate_start(void *host, uint64_t size, long page_size,
			  unsigned int threads, struct memory_populate_job **out)
{
	struct memory_populate_job *job;
	int err = check_args(host, size, page_size, threads);

	if (err)
		return err;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	job->host = host;
	job->size = size;
	/* whole pages, at least one */
	job->piece = PIECE < (uint64_t)page_size ? (uint64_t)page_size :
		     PIECE / (uint64_t)page_size * (uint64_t)page_size;
	while (job->nr_threads < threads &&
	       (uint64_t)job->nr_threads * job->piece < size &&
	       !pthread_create(&job->threads[job->nr_threads], NULL, job_thread, job))
		job->nr_threads++;
	if (!job->nr_threads)
		job_thread(job);
	*out = job;
	return 0;
}

int memory_populate_finish(struct memory_populate_job *job, bool cancel)
{
	unsigned int i;
	int err;

	if (cancel)
		__atomic_store_n(&job->cancel, true, __ATOMIC_RELAXED);
	for (i = 0; i < job->nr_threads; i++)
		pthread_join(job->threads[i], NULL);
	err = job->err;
	free(job);
	return err;
}
