/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Populating a fresh shared mapping of guest RAM in parallel (internal to
 * memory/): every page allocated and mapped writable before anyone uses it.
 *
 * Contract:
 * - memory_populate() write-faults every page of [host, host + size) with
 *   madvise(MADV_POPULATE_WRITE) (Linux 5.14+), which, unlike
 *   MAP_POPULATE, reports a page the kernel could not provide: -ENOMEM (out
 *   of memory, or part of the range not mapped), -EFAULT (the fault would
 *   have been a SIGBUS, e.g. a huge page that is not there), -EHWPOISON,
 *   -EINVAL (a mapping that cannot be written: read-only, a PFN map).
 *   Which of them a chunk reports when it has several problems depends on
 *   the kernel (6.1 reports a read-only mapping even after a hole). The
 *   contents of pages already there are kept.
 * - host and size are multiples of page_size (the page size the mapping
 *   is made of: the huge page size for hugetlb), otherwise -EINVAL.
 * - threads is 1..MEMORY_POPULATE_MAX_THREADS, otherwise -EINVAL. The
 *   range is cut into page-aligned chunks of nearly equal size, one per
 *   thread; the caller does the first chunk itself (and any chunk whose
 *   thread could not be started). Below MEMORY_POPULATE_MIN_PARALLEL it
 *   is one chunk on the calling thread: starting a thread costs more than
 *   it saves there. Never more chunks than pages.
 * - Every thread started is joined before memory_populate() returns,
 *   error or not: none outlives the call.
 * - The first error wins: the one of the lowest-addressed chunk that
 *   failed, whatever the order in which the threads finished. Other chunks
 *   are still populated to the end.
 * - -EOPNOTSUPP, with nothing touched, when the kernel has no
 *   MADV_POPULATE_WRITE (madvise() says EINVAL for the advice itself):
 *   the caller falls back to MAP_POPULATE (memory/backend.c does).
 * - The threads are plain pthreads: they need clone3/clone, mmap, mprotect
 *   and munmap for their stacks, madvise, futex and exit. In the VMM,
 *   guest memory is created by vm_create() before any seccomp filter is
 *   installed (vmm_seccomp_configure() there only sets the mode; the main
 *   thread installs its filter in vm_run(), after the vCPU threads have
 *   started), so nothing forbids those calls, and all population threads
 *   have exited when guest_memory_create(), and so vm_create(), returns.
 *   They inherit the caller's signal mask (vm_create() blocks the stop
 *   signals before this).
 * - Returns 0 or a negative errno; nothing is printed.
 */
#ifndef MEMORY_POPULATE_H
#define MEMORY_POPULATE_H

#include <stdbool.h>
#include <stdint.h>

#define MEMORY_POPULATE_MAX_THREADS	8
#define MEMORY_POPULATE_MIN_PARALLEL	(64ULL << 20)

int memory_populate(void *host, uint64_t size, long page_size,
		    unsigned int threads);

/* The default thread count: min(online CPUs, MEMORY_POPULATE_MAX_THREADS). */
unsigned int memory_populate_default_threads(void);

/* Does the kernel have MADV_POPULATE_WRITE? */
bool memory_populate_supported(void);

/*
 * Tests only: when set, memory_populate_supported() says no, as on a
 * kernel before 5.14, so that the fallback can be tested anywhere.
 */
extern bool memory_populate_test_no_madvise;

#endif
