// SPDX-License-Identifier: GPL-2.0
/*
 * The four guest RAM backends. Shared ones are populated before anyone sees
 * them, in parallel where the kernel has MADV_POPULATE_WRITE
 * (memory/populate.h), with MAP_POPULATE on one thread where it does not;
 * a hugetlb mapping is made without MAP_NORESERVE, so the kernel reserves
 * every huge page at mmap time and fails there, not with a SIGBUS on first
 * touch.
 */
#include "backend.h"
#include "populate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif
#define MFD_HUGE_SHIFT 26

static int log2_of(long v)
{
	int n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

static int hugetlb_open(const struct guest_memory_config *cfg, long page_size)
{
	char tmpl[PATH_MAX];
	int fd;

	if (!cfg->hugetlb_path) {
		unsigned int flags = MFD_CLOEXEC | MFD_HUGETLB |
				     ((unsigned int)log2_of(page_size) << MFD_HUGE_SHIFT);

		fd = memfd_create("guest-ram", flags);
		return fd < 0 ? -errno : fd;
	}

	if (snprintf(tmpl, sizeof(tmpl), "%s/guest-ram.XXXXXX",
		     cfg->hugetlb_path) >= (int)sizeof(tmpl))
		return -ENAMETOOLONG;
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(tmpl);
	return fd;
}

/*
 * MAP_POPULATE does not report a short populate (the host ran out of
 * memory): find out now with mincore() rather than by a fault later.
 * After MADV_POPULATE_WRITE, which does report one, this is a second
 * opinion that costs a few milliseconds per GiB (one byte per page, no
 * faults); it is kept so that both ways to populate are checked alike.
 */
static int check_resident(void *host, uint64_t size)
{
	const uint64_t window = 1ULL << 30;
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *vec = malloc(window / (uint64_t)page);
	uint64_t off, i;
	int err = 0;

	if (!vec)
		return -ENOMEM;
	for (off = 0; off < size && !err; off += window) {
		uint64_t len = size - off < window ? size - off : window;

		if (mincore((char *)host + off, len, vec)) {
			err = -errno;
			break;
		}
		for (i = 0; i < len / (uint64_t)page; i++) {
			if (!(vec[i] & 1)) {
				err = -ENOMEM;
				break;
			}
		}
	}
	free(vec);
	return err;
}

/*
 * memfd: lets shmem use transparent huge pages where the host allows it
 * for advised mappings (/sys/kernel/mm/transparent_hugepage/shmem_enabled
 * "advise"; "always" and "within_size" need no advice, "never", Debian's
 * default, ignores it), which makes population several times faster. A
 * hint: a kernel without THP says EINVAL and the pages stay small. Safe
 * for sharing: a huge page of the fd is the same memory in every process
 * that maps it, whatever its alignment there. QEMU advises the same for
 * its guest RAM. Given before populating, or it comes too late; so not on
 * the MAP_POPULATE fallback.
 */
static void advise_huge(void *host, uint64_t size)
{
	madvise(host, size, MADV_HUGEPAGE);
}

/*
 * Maps fd whole and populates it: with threads where the kernel has
 * MADV_POPULATE_WRITE, else (before Linux 5.14) with MAP_POPULATE.
 * Returns the mapping, or NULL with *err set.
 */
static void *map_populated(const struct guest_memory_config *cfg,
			   long page_size, int fd, int *err)
{
	unsigned int threads = cfg->populate_threads ? cfg->populate_threads :
				memory_populate_default_threads();
	bool madv = memory_populate_supported();
	void *host;

	host = mmap(NULL, cfg->size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | (madv ? 0 : MAP_POPULATE), fd, 0);
	if (host == MAP_FAILED) {
		*err = -errno;
		return NULL;
	}
	if (madv && cfg->backend == GUEST_MEMORY_MEMFD)
		advise_huge(host, cfg->size);
	*err = madv ? memory_populate(host, cfg->size, page_size, threads) : 0;
	if (*err == -EFAULT)	/* a SIGBUS it spared us: a page not to be had */
		*err = -ENOMEM;
	if (*err) {
		munmap(host, cfg->size);
		return NULL;
	}
	return host;
}

static int shared_alloc(const struct guest_memory_config *cfg, long page_size,
			struct backing *b)
{
	void *host;
	int fd, err;

	if (cfg->backend == GUEST_MEMORY_HUGETLB) {
		fd = hugetlb_open(cfg, page_size);
	} else {
		fd = memfd_create("guest-ram", MFD_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	if (fd < 0)
		return fd;

	if (ftruncate(fd, (off_t)cfg->size) < 0) {
		err = -errno;
		goto out_close;
	}
	host = map_populated(cfg, page_size, fd, &err);
	if (!host)
		goto out_close;
	err = check_resident(host, cfg->size);
	if (err) {
		munmap(host, cfg->size);
		goto out_close;
	}
	b->host = host;
	b->fd = fd;
	return 0;

out_close:
	close(fd);
	return err;
}

static int private_alloc(const struct guest_memory_config *cfg,
			 struct backing *b)
{
	void *host = mmap(NULL, cfg->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (host == MAP_FAILED)
		return -errno;
	b->host = host;
	return 0;
}

static int heap_alloc(const struct guest_memory_config *cfg, long page_size,
		      struct backing *b)
{
	void *host = NULL;
	int err = posix_memalign(&host, (size_t)page_size, cfg->size);

	if (err)
		return -err;
	memset(host, 0, cfg->size);
	b->host = host;
	return 0;
}

int backing_alloc(const struct guest_memory_config *cfg, long page_size,
		  struct backing *out)
{
	struct backing b = { .backend = cfg->backend, .size = cfg->size, .fd = -1 };
	int err;

	switch (cfg->backend) {
	case GUEST_MEMORY_MEMFD:
	case GUEST_MEMORY_HUGETLB:
		err = shared_alloc(cfg, page_size, &b);
		break;
	case GUEST_MEMORY_PRIVATE:
		err = private_alloc(cfg, &b);
		break;
	case GUEST_MEMORY_HEAP:
		err = heap_alloc(cfg, page_size, &b);
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		return err;
	*out = b;
	return 0;
}

void backing_free(struct backing *b)
{
	if (!b->host)
		return;
	if (b->backend == GUEST_MEMORY_HEAP)
		free(b->host);
	else
		munmap(b->host, b->size);
	if (b->fd >= 0)
		close(b->fd);
	b->host = NULL;
	b->fd = -1;
}
