// SPDX-License-Identifier: GPL-2.0
/*
 * Unix socket server for the guest RAM regions, built from the sharing
 * object only.
 */
#include "memory_socket.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/host/unix_fds.h"

_Static_assert(GUEST_MEMORY_MAX_REGIONS <= UNIX_SEND_MAX_FDS, "one message carries every region's fd");

struct memory_socket {
	int fd;
	char *path;
	const struct guest_memory_sharing *sharing;
};

int memory_socket_open(const char *path,
		       const struct guest_memory_sharing *sharing,
		       struct memory_socket **out)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct memory_socket *ms;
	int err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);

	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	ms->sharing = sharing;
	ms->path = strdup(path);
	ms->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (!ms->path || ms->fd < 0) {
		err = ms->path ? -errno : -ENOMEM;
		goto out_free;
	}
	if (bind(ms->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		goto out_free;
	}
	if (listen(ms->fd, 4) < 0) {
		err = -errno;
		unlink(path);
		goto out_free;
	}
	*out = ms;
	return 0;

out_free:
	if (ms->fd >= 0)
		close(ms->fd);
	free(ms->path);
	free(ms);
	return err;
}

int memory_socket_fd(const struct memory_socket *ms)
{
	return ms->fd;
}

static int send_regions(int client, const struct guest_memory_sharing *sharing)
{
	struct shared_region regions[GUEST_MEMORY_MAX_REGIONS];
	struct {
		struct memory_socket_header hdr;
		struct memory_socket_region r[GUEST_MEMORY_MAX_REGIONS];
	} msg;
	struct iovec iov;
	unsigned int i, nr;
	int fds[GUEST_MEMORY_MAX_REGIONS];

	nr = guest_memory_sharing_get_regions(sharing, regions,
					      GUEST_MEMORY_MAX_REGIONS);
	if (nr > GUEST_MEMORY_MAX_REGIONS)
		return -E2BIG;
	memset(&msg, 0, sizeof(msg));
	msg.hdr = (struct memory_socket_header){
		.magic = MEMORY_SOCKET_MAGIC,
		.version = MEMORY_SOCKET_VERSION,
		.nr_regions = nr,
	};
	for (i = 0; i < nr; i++) {
		msg.r[i] = (struct memory_socket_region){
			.gpa = regions[i].gpa,
			.size = regions[i].size,
			.fd_offset = regions[i].fd_offset,
		};
		fds[i] = regions[i].fd;
	}
	iov.iov_base = &msg;
	iov.iov_len = sizeof(msg.hdr) + nr * sizeof(msg.r[0]);
	if (unix_send_fds(client, &iov, 1, fds, nr) != (long)iov.iov_len)
		return -EIO;
	return 0;
}

int memory_socket_serve(struct memory_socket *ms)
{
	int client = accept4(ms->fd, NULL, NULL, SOCK_CLOEXEC);
	int err;

	if (client < 0)
		return errno == EAGAIN ? 0 : -errno;
	err = send_regions(client, ms->sharing);
	close(client);
	return err;
}

void memory_socket_close(struct memory_socket *ms)
{
	if (!ms)
		return;
	close(ms->fd);
	unlink(ms->path);
	free(ms->path);
	free(ms);
}
