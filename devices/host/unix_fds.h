/* SPDX-License-Identifier: GPL-2.0 */
/*
 * unix_send_fds() sends the bytes of iov and, with them, nr_fds fds as
 * SCM_RIGHTS (at most UNIX_SEND_MAX_FDS: more than a vhost-user message
 * may carry, so that tests and fuzzers can play a peer that breaks the
 * rules). Never raises SIGPIPE; retries on EINTR. Bytes sent, or -errno
 * (-ECONNRESET for a peer that is gone).
 */
#ifndef DEVICES_HOST_UNIX_FDS_H
#define DEVICES_HOST_UNIX_FDS_H

#define UNIX_SEND_MAX_FDS	16

struct iovec;
long unix_send_fds(int sock, const struct iovec *iov, unsigned int iovcnt,
		   const int *fds, unsigned int nr_fds);

#endif
