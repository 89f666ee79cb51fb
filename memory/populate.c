// SPDX-License-Identifier: GPL-2.0
/*
 * Parallel population with MADV_POPULATE_WRITE. The range is cut into
 * pieces that the threads (the caller among them) take in address order,
 * each the next one free when it is done with its last: a thread on a busy
 * CPU does fewer pieces instead of holding up the others. Each thread
 * notes its first error; as it goes up in address, that is its lowest.
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

struct populate {
	char *host;
	uint64_t size, piece;
	uint64_t nr_pieces;
	uint64_t next;		/* the next piece to take (atomic) */
	bool failed;		/* stop taking pieces (atomic) */
};

struct worker {
	struct populate *p;
	uint64_t bad;		/* the piece that failed, if err */
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

static int populate_piece(const struct populate *p, uint64_t i)
{
	uint64_t off = i * p->piece;
	uint64_t len = p->size - off < p->piece ? p->size - off : p->piece;

	/* EINTR: a signal came; pages already there are quick to go over */
	while (madvise(p->host + off, len, MADV_POPULATE_WRITE)) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct populate *p = w->p;
	uint64_t i;
	int err;

	while (!__atomic_load_n(&p->failed, __ATOMIC_RELAXED)) {
		i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= p->nr_pieces)
			break;
		err = populate_piece(p, i);
		if (err && !w->err) {
			w->err = err;
			w->bad = i;
			__atomic_store_n(&p->failed, true, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

/*
 * Every piece below the lowest one that failed was taken before it, and
 * each taken piece is finished before its thread is joined: so that one's
 * error is the same whatever the timing.
 */
static int lowest_error(const struct worker *w, unsigned int n)
{
	const struct worker *first = NULL;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (w[i].err && (!first || w[i].bad < first->bad))
			first = &w[i];
	}
	return first ? first->err : 0;
}

static unsigned int nr_threads(uint64_t size, uint64_t nr_pieces,
			       unsigned int threads)
{
	if (size < MEMORY_POPULATE_MIN_PARALLEL)
		return 1;
	return nr_pieces < threads ? (unsigned int)nr_pieces : threads;
}

int memory_populate(void *host, uint64_t size, long page_size,
		    unsigned int threads)
{
	struct worker w[MEMORY_POPULATE_MAX_THREADS] = { 0 };
	uint64_t mask = (uint64_t)page_size - 1;
	struct populate p;
	unsigned int i, n;

	if (page_size <= 0 || (page_size & (page_size - 1)) ||
	    ((uintptr_t)host & mask) || (size & mask) ||
	    !threads || threads > MEMORY_POPULATE_MAX_THREADS)
		return -EINVAL;
	if (!memory_populate_supported())
		return -EOPNOTSUPP;
	if (!size)
		return 0;

	p = (struct populate){ .host = host, .size = size };
	p.piece = (uint64_t)page_size > MEMORY_POPULATE_PIECE ? (uint64_t)page_size :
								MEMORY_POPULATE_PIECE;
	p.nr_pieces = (size + p.piece - 1) / p.piece;
	n = nr_threads(size, p.nr_pieces, threads);
	for (i = 0; i < n; i++)
		w[i].p = &p;
	for (i = 1; i < n; i++)
		w[i].started = !pthread_create(&w[i].thread, NULL, work, &w[i]);
	work(&w[0]);	/* a thread that did not start is one fewer, no more */
	for (i = 1; i < n; i++) {
		if (w[i].started)
			pthread_join(w[i].thread, NULL);
	}
	return lowest_error(w, n);
}
