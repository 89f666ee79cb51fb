// SPDX-License-Identifier: GPL-2.0
/*
 * Sending fds over a unix socket (SCM_RIGHTS).
 */
#include "unix_fds.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

long unix_send_fds(int sock, const struct iovec *iov, unsigned int iovcnt,
		   const int *fds, unsigned int nr_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * UNIX_SEND_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
	ssize_t n;

	if (nr_fds > UNIX_SEND_MAX_FDS)
		return -EINVAL;
	if (nr_fds) {
		struct cmsghdr *c;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nr_fds);
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -ECONNRESET : -errno;
	return n;
}
