/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM: one backing allocation, laid out as one or more guest-physical
 * regions.
 *
 * Contract:
 * - guest_memory_create() allocates the whole size in one piece (one fd for
 *   the shared backends) and slices it into the regions of the layout, in
 *   order: region i starts in the backing right after region i-1 ends, so
 *   fd_offset(i) = size(0) + ... + size(i-1).
 * - Shared backends (memfd, hugetlb) are mapped MAP_SHARED and populated
 *   by populate_threads threads with MADV_POPULATE_WRITE (memory/populate.h;
 *   on kernels before 5.14 by MAP_POPULATE on one thread), then checked
 *   with mincore(): they are fully committed when create returns, and
 *   nobody ever takes a fault that could SIGBUS. No population thread is
 *   left running when create returns. Private backends (private, heap)
 *   have no fd.
 * - The set of regions never changes for the lifetime of the object.
 * - Guest-physical addresses are turned into host pointers only by
 *   guest_memory_ptr() and friends below, which refuse any range that
 *   overflows, leaves its region or falls into a gap between regions.
 * - guest_memory_import() is the other way to get one: in a device process
 *   (a vhost-user backend), from regions another process shared, each an
 *   fd range mapped MAP_SHARED read/write at its own address. The importer
 *   does not populate or check residency: the exporter committed the
 *   memory (see memory/sharing.h). An imported memory reports backend
 *   memfd, owns the fds (closed on destroy) and has the same checked
 *   accessors, so everything that walks guest RAM works on it unchanged.
 * - Functions return 0 or a negative errno; nothing is printed here.
 */
#ifndef MEMORY_GUEST_MEMORY_H
#define MEMORY_GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum guest_memory_backend {
	GUEST_MEMORY_MEMFD,
	GUEST_MEMORY_HUGETLB,
	GUEST_MEMORY_PRIVATE,
	GUEST_MEMORY_HEAP,
};

#define GUEST_MEMORY_MAX_REGIONS 8

struct guest_memory_config {
	uint64_t size;
	enum guest_memory_backend backend;
	const char *hugetlb_path;	/* hugetlbfs mount, or NULL: MFD_HUGETLB */
	/* memfd, hugetlb: 1..8 threads populate; 0: min(online CPUs, 8) */
	unsigned int populate_threads;
};

/* A guest-physical range, as the architecture lays RAM out. */
struct guest_range {
	uint64_t gpa;
	uint64_t size;
};

struct guest_region {
	uint64_t gpa;
	uint64_t size;
	void *host;		/* where the VMM has it mapped */
	int fd;			/* -1 for private backends */
	uint64_t fd_offset;
};

struct guest_memory;

/* Name of a backend ("memfd", ...) and the reverse; -EINVAL if unknown. */
const char *guest_memory_backend_name(enum guest_memory_backend backend);
int guest_memory_backend_parse(const char *name, enum guest_memory_backend *out);
bool guest_memory_backend_shareable(enum guest_memory_backend backend);

/*
 * The page size a backend allocates in: the host page size, or for hugetlb
 * the huge page size of the mount (or the default huge page size).
 * -ENOENT: the host has no huge pages; -ENOTTY: path is not hugetlbfs.
 */
long guest_memory_page_size(const struct guest_memory_config *cfg);

/* Free huge pages of the given size not promised to anyone, or -errno. */
long hugetlb_free_pages(long page_size);
/* Huge pages of the given size the host keeps (nr_hugepages), or -errno. */
long hugetlb_total_pages(long page_size);

/*
 * Allocates cfg->size bytes, laid out as the ranges (whose sizes must add
 * up to cfg->size). Errors:
 *  -EINVAL  size 0, not a multiple of the page size, layout does not add up
 *           or overlaps, too many ranges, or populate_threads above 8;
 *  -E2BIG   size larger than the host's RAM;
 *  -ENOMEM  the memory could not be reserved or populated (for hugetlb:
 *           not enough free huge pages);
 *  -ENOENT, -ENOTTY  as guest_memory_page_size() (no huge pages, path not
 *           hugetlbfs);
 *  other    from memfd_create/ftruncate/mmap.
 */
int guest_memory_create(const struct guest_memory_config *cfg,
			const struct guest_range *layout, unsigned int nr_ranges,
			struct guest_memory **out);
void guest_memory_destroy(struct guest_memory *mem);

struct shared_region;	/* memory/sharing.h */

/*
 * Maps regions[0..n) (fd, fd_offset, size at gpa) MAP_SHARED read/write.
 * Each region has its own fd (as SCM_RIGHTS delivers them; dup one fd to
 * map two ranges of it). Takes ownership of every fd, also on error
 * (each is closed once then).
 * Errors:
 *  -EINVAL  n is 0 or above GUEST_MEMORY_MAX_REGIONS, a size is 0, a
 *           range overflows, two regions overlap in guest-physical space,
 *           an fd_offset is not page-aligned, an fd is negative or used
 *           twice, or an fd is not a regular file (memfd, hugetlbfs, tmpfs);
 *  -ERANGE  an fd is shorter than fd_offset + size (it would SIGBUS);
 *  other    from fstat/mmap.
 */
int guest_memory_import(const struct shared_region *regions, unsigned int n,
			struct guest_memory **out);

enum guest_memory_backend guest_memory_backend(const struct guest_memory *mem);
uint64_t guest_memory_size(const struct guest_memory *mem);
unsigned int guest_memory_nr_regions(const struct guest_memory *mem);
const struct guest_region *guest_memory_region(const struct guest_memory *mem,
					       unsigned int index);

/*
 * Host pointer for [gpa, gpa + len), or NULL if that range is not wholly
 * inside one region. len 0 is refused.
 */
void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa,
		       uint64_t len);

/* Copy to or from guest RAM; the range may span adjacent regions. -EFAULT. */
int guest_memory_read(const struct guest_memory *mem, uint64_t gpa, void *buf,
		      uint64_t len);
int guest_memory_write(const struct guest_memory *mem, uint64_t gpa,
		       const void *buf, uint64_t len);

#endif
