// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM as regions over one backing, and the only code that turns a
 * guest-physical address into a host pointer.
 */
#include "guest_memory.h"
#include "backend.h"
#include "populate.h"
#include "sharing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct guest_memory {
	struct backing backing;
	bool imported;		/* regions mapped one by one, fds their own */
	unsigned int nr_regions;
	struct guest_region regions[GUEST_MEMORY_MAX_REGIONS];
};

static const char *const backend_names[] = {
	[GUEST_MEMORY_MEMFD] = "memfd",
	[GUEST_MEMORY_HUGETLB] = "hugetlb",
	[GUEST_MEMORY_PRIVATE] = "private",
	[GUEST_MEMORY_HEAP] = "heap",
};

const char *guest_memory_backend_name(enum guest_memory_backend backend)
{
	if ((unsigned int)backend >= sizeof(backend_names) / sizeof(backend_names[0]))
		return "unknown";
	return backend_names[backend];
}

int guest_memory_backend_parse(const char *name, enum guest_memory_backend *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(backend_names) / sizeof(backend_names[0]); i++) {
		if (!strcmp(name, backend_names[i])) {
			*out = (enum guest_memory_backend)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool guest_memory_backend_shareable(enum guest_memory_backend backend)
{
	return backend == GUEST_MEMORY_MEMFD || backend == GUEST_MEMORY_HUGETLB;
}

static uint64_t host_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES);
	long page = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page <= 0)
		return UINT64_MAX;
	return (uint64_t)pages * (uint64_t)page;
}

/* Ranges must be page-aligned, non-empty, ascending, disjoint, sum to size. */
static int check_layout(const struct guest_range *layout, unsigned int nr,
			uint64_t size, long page_size)
{
	uint64_t total = 0, next_free = 0;
	uint64_t mask = (uint64_t)page_size - 1;
	unsigned int i;

	if (nr == 0 || nr > GUEST_MEMORY_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		const struct guest_range *r = &layout[i];

		if (!r->size || (r->gpa & mask) || (r->size & mask))
			return -EINVAL;
		if (r->gpa + r->size < r->gpa)
			return -EINVAL;
		if (i && r->gpa < next_free)
			return -EINVAL;
		next_free = r->gpa + r->size;
		total += r->size;
	}
	return total == size ? 0 : -EINVAL;
}

int guest_memory_create(const struct guest_memory_config *cfg,
			const struct guest_range *layout, unsigned int nr_ranges,
			struct guest_memory **out)
{
	struct guest_memory *mem;
	uint64_t offset = 0;
	long page_size;
	unsigned int i;
	int err;

	page_size = guest_memory_page_size(cfg);
	if (page_size < 0)
		return (int)page_size;
	if (!cfg->size || cfg->size % (uint64_t)page_size ||
	    cfg->populate_threads > MEMORY_POPULATE_MAX_THREADS)
		return -EINVAL;
	err = check_layout(layout, nr_ranges, cfg->size, page_size);
	if (err)
		return err;
	if (cfg->size > host_ram_bytes())
		return -E2BIG;

	mem = calloc(1, sizeof(*mem));
	if (!mem)
		return -ENOMEM;
	err = backing_alloc(cfg, page_size, &mem->backing);
	if (err) {
		free(mem);
		return err;
	}
	for (i = 0; i < nr_ranges; i++) {
		mem->regions[i] = (struct guest_region){
			.gpa = layout[i].gpa,
			.size = layout[i].size,
			.host = (char *)mem->backing.host + offset,
			.fd = mem->backing.fd,
			.fd_offset = offset,
		};
		offset += layout[i].size;
	}
	mem->nr_regions = nr_ranges;
	*out = mem;
	return 0;
}

static void unmap_imported(struct guest_memory *mem)
{
	unsigned int i;

	for (i = 0; i < mem->nr_regions; i++) {
		munmap(mem->regions[i].host, mem->regions[i].size);
		close(mem->regions[i].fd);
	}
}

void guest_memory_destroy(struct guest_memory *mem)
{
	if (!mem)
		return;
	if (mem->imported)
		unmap_imported(mem);
	else
		backing_free(&mem->backing);
	free(mem);
}

/* Sizes non-zero, no overflow, offsets page-aligned, no gpa overlap, fds distinct. */
static int check_import(const struct shared_region *r, unsigned int n)
{
	uint64_t mask = (uint64_t)sysconf(_SC_PAGESIZE) - 1;
	unsigned int i, j;

	if (n == 0 || n > GUEST_MEMORY_MAX_REGIONS)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (!r[i].size || r[i].fd < 0 || (r[i].fd_offset & mask) ||
		    r[i].gpa + r[i].size < r[i].gpa ||
		    r[i].fd_offset + r[i].size < r[i].fd_offset ||
		    r[i].size > (uint64_t)SIZE_MAX)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (r[i].fd == r[j].fd ||
			    (r[i].gpa < r[j].gpa + r[j].size &&
			     r[j].gpa < r[i].gpa + r[i].size))
				return -EINVAL;
	}
	return 0;
}

static int map_region(const struct shared_region *r, struct guest_region *out)
{
	struct stat st;
	void *host;

	if (fstat(r->fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size < 0 || (uint64_t)st.st_size < r->fd_offset + r->size)
		return -ERANGE;
	host = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
		    (off_t)r->fd_offset);
	if (host == MAP_FAILED)
		return -errno;
	*out = (struct guest_region){
		.gpa = r->gpa, .size = r->size, .host = host,
		.fd = r->fd, .fd_offset = r->fd_offset,
	};
	return 0;
}

static bool fd_seen(const struct shared_region *r, unsigned int i)
{
	unsigned int j;

	for (j = 0; j < i; j++)
		if (r[j].fd == r[i].fd)
			return true;
	return false;
}

int guest_memory_import(const struct shared_region *regions, unsigned int n,
			struct guest_memory **out)
{
	struct guest_memory *mem = NULL;
	unsigned int i;
	int err = check_import(regions, n);

	if (!err) {
		mem = calloc(1, sizeof(*mem));
		err = mem ? 0 : -ENOMEM;
	}
	for (i = 0; !err && i < n; i++) {
		err = map_region(&regions[i], &mem->regions[i]);
		if (!err) {
			mem->nr_regions++;
			mem->backing.size += regions[i].size;
		}
	}
	if (err) {
		/* close, once each, the fds no mapped region took over */
		for (i = mem ? mem->nr_regions : 0; i < n; i++)
			if (regions[i].fd >= 0 && !fd_seen(regions, i))
				close(regions[i].fd);
		if (mem) {
			unmap_imported(mem);
			free(mem);
		}
		return err;
	}
	mem->imported = true;
	mem->backing.backend = GUEST_MEMORY_MEMFD;
	mem->backing.fd = -1;
	*out = mem;
	return 0;
}

enum guest_memory_backend guest_memory_backend(const struct guest_memory *mem)
{
	return mem->backing.backend;
}

uint64_t guest_memory_size(const struct guest_memory *mem)
{
	return mem->backing.size;
}

unsigned int guest_memory_nr_regions(const struct guest_memory *mem)
{
	return mem->nr_regions;
}

const struct guest_region *guest_memory_region(const struct guest_memory *mem,
					       unsigned int index)
{
	return index < mem->nr_regions ? &mem->regions[index] : NULL;
}

static const struct guest_region *region_of(const struct guest_memory *mem,
					    uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < mem->nr_regions; i++) {
		const struct guest_region *r = &mem->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *guest_memory_ptr(const struct guest_memory *mem, uint64_t gpa,
		       uint64_t len)
{
	const struct guest_region *r = region_of(mem, gpa);

	if (!r || !len || len > r->size - (gpa - r->gpa))
		return NULL;
	return (char *)r->host + (gpa - r->gpa);
}

/* Walks [gpa, gpa + len) region by region; copy == NULL only checks. */
static int walk(const struct guest_memory *mem, uint64_t gpa, char *buf,
		uint64_t len, bool to_guest, bool copy)
{
	if (gpa + len < gpa)
		return -EFAULT;
	while (len) {
		const struct guest_region *r = region_of(mem, gpa);
		uint64_t chunk;
		char *host;

		if (!r)
			return -EFAULT;
		chunk = r->size - (gpa - r->gpa);
		if (chunk > len)
			chunk = len;
		host = (char *)r->host + (gpa - r->gpa);
		if (copy && to_guest)
			memcpy(host, buf, chunk);
		else if (copy)
			memcpy(buf, host, chunk);
		gpa += chunk;
		buf += chunk;
		len -= chunk;
	}
	return 0;
}

int guest_memory_read(const struct guest_memory *mem, uint64_t gpa, void *buf,
		      uint64_t len)
{
	int err = walk(mem, gpa, buf, len, false, false);

	return err ? err : walk(mem, gpa, buf, len, false, true);
}

int guest_memory_write(const struct guest_memory *mem, uint64_t gpa,
		       const void *buf, uint64_t len)
{
	int err = walk(mem, gpa, (char *)buf, len, true, false);

	return err ? err : walk(mem, gpa, (char *)buf, len, true, true);
}
