/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --memory-socket: hands the sharing object's regions to whoever connects
 * to a unix stream socket — inspectors, debuggers and the tests that prove
 * the guest runs on the memory the sharing object describes.
 *
 * Each client gets one message and is then disconnected: a
 * struct memory_socket_header followed by nr_regions
 * struct memory_socket_region, with one fd per region (in the same order)
 * as SCM_RIGHTS ancillary data. The client maps
 * [fd_offset, fd_offset + size) of each fd MAP_SHARED. The socket is made
 * from the sharing object, so private memory is refused the same way as
 * for every other consumer.
 */
#ifndef VMM_MEMORY_SOCKET_H
#define VMM_MEMORY_SOCKET_H

#include <stdint.h>

#include "memory/sharing.h"

#define MEMORY_SOCKET_MAGIC	0x524d4d56u	/* "VMMR" */
#define MEMORY_SOCKET_VERSION	1

struct memory_socket_header {
	uint32_t magic;
	uint32_t version;
	uint32_t nr_regions;
	uint32_t reserved;
};

struct memory_socket_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t fd_offset;
};

struct memory_socket;

/* Binds and listens at path (which must not exist). 0 or -errno. */
int memory_socket_open(const char *path,
		       const struct guest_memory_sharing *sharing,
		       struct memory_socket **out);
int memory_socket_fd(const struct memory_socket *ms);
/* Accepts one waiting client and sends it the regions. 0 or -errno. */
int memory_socket_serve(struct memory_socket *ms);
/* Closes and unlinks the socket. */
void memory_socket_close(struct memory_socket *ms);

#endif
