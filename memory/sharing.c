// SPDX-License-Identifier: GPL-2.0
/*
 * The sharing object: a view of guest memory's regions as
 * {gpa, size, fd, fd_offset}, handed out only for shared backends.
 */
#include "sharing.h"

#include <errno.h>
#include <stdlib.h>

struct guest_memory_sharing {
	const struct guest_memory *mem;
};

int guest_memory_sharing_get(struct guest_memory *mem,
			     struct guest_memory_sharing **out)
{
	struct guest_memory_sharing *sharing;

	if (!guest_memory_backend_shareable(guest_memory_backend(mem)))
		return -EGUEST_MEMORY_PRIVATE;
	sharing = calloc(1, sizeof(*sharing));
	if (!sharing)
		return -ENOMEM;
	sharing->mem = mem;
	*out = sharing;
	return 0;
}

void guest_memory_sharing_put(struct guest_memory_sharing *sharing)
{
	free(sharing);
}

const char *guest_memory_sharing_refusal(const struct guest_memory *mem)
{
	if (guest_memory_backend(mem) == GUEST_MEMORY_HEAP)
		return "guest memory backend=heap is private to the VMM and cannot be shared; use backend=memfd or backend=hugetlb";
	return "guest memory backend=private is private to the VMM and cannot be shared; use backend=memfd or backend=hugetlb";
}

unsigned int guest_memory_sharing_nr_regions(const struct guest_memory_sharing *sharing)
{
	return guest_memory_nr_regions(sharing->mem);
}

unsigned int guest_memory_sharing_get_regions(const struct guest_memory_sharing *sharing,
					      struct shared_region *regions,
					      unsigned int max)
{
	unsigned int i, nr = guest_memory_nr_regions(sharing->mem);

	for (i = 0; i < nr && i < max; i++) {
		const struct guest_region *r = guest_memory_region(sharing->mem, i);

		regions[i] = (struct shared_region){
			.gpa = r->gpa,
			.size = r->size,
			.fd = r->fd,
			.fd_offset = r->fd_offset,
		};
	}
	return nr;
}
