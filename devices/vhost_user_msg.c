// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user messages on a unix socket: framing, fds, and which payload
 * size each request must carry.
 */
#include "vhost_user.h"
#include "devices/host/unix_fds.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *const names[VHOST_USER_MAX_REQUEST] = {
	[VHOST_USER_GET_FEATURES] = "GET_FEATURES",
	[VHOST_USER_SET_FEATURES] = "SET_FEATURES",
	[VHOST_USER_SET_OWNER] = "SET_OWNER",
	[VHOST_USER_RESET_OWNER] = "RESET_OWNER",
	[VHOST_USER_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VHOST_USER_SET_LOG_BASE] = "SET_LOG_BASE",
	[VHOST_USER_SET_LOG_FD] = "SET_LOG_FD",
	[VHOST_USER_SET_VRING_NUM] = "SET_VRING_NUM",
	[VHOST_USER_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VHOST_USER_SET_VRING_BASE] = "SET_VRING_BASE",
	[VHOST_USER_GET_VRING_BASE] = "GET_VRING_BASE",
	[VHOST_USER_SET_VRING_KICK] = "SET_VRING_KICK",
	[VHOST_USER_SET_VRING_CALL] = "SET_VRING_CALL",
	[VHOST_USER_SET_VRING_ERR] = "SET_VRING_ERR",
	[VHOST_USER_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VHOST_USER_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VHOST_USER_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VHOST_USER_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VHOST_USER_GET_CONFIG] = "GET_CONFIG",
	[VHOST_USER_SET_CONFIG] = "SET_CONFIG",
	[VHOST_USER_GET_INFLIGHT_FD] = "GET_INFLIGHT_FD",
	[VHOST_USER_SET_INFLIGHT_FD] = "SET_INFLIGHT_FD",
};

const char *vhost_user_request_name(uint32_t request)
{
	if (request < VHOST_USER_MAX_REQUEST && names[request])
		return names[request];
	return "unknown request";
}

static bool config_size_ok(const struct vhost_user_msg *msg)
{
	const struct vhost_user_config *c = &msg->payload.config;

	return msg->size >= VHOST_USER_CONFIG_HDR &&
	       c->size <= VHOST_USER_CONFIG_MAX &&
	       msg->size == VHOST_USER_CONFIG_HDR + c->size;
}

static bool mem_table_size_ok(const struct vhost_user_msg *msg)
{
	const struct vhost_user_memory *m = &msg->payload.memory;
	size_t hdr = offsetof(struct vhost_user_memory, regions);

	return msg->size >= hdr && m->nregions <= VHOST_USER_MAX_REGIONS &&
	       msg->size == hdr + m->nregions * sizeof(struct vhost_user_region);
}

bool vhost_user_payload_ok(const struct vhost_user_msg *msg, bool reply)
{
	switch (msg->request) {
	case VHOST_USER_GET_FEATURES:
	case VHOST_USER_GET_PROTOCOL_FEATURES:
	case VHOST_USER_GET_QUEUE_NUM:
		return msg->size == (reply ? sizeof(uint64_t) : 0);
	case VHOST_USER_SET_OWNER:
	case VHOST_USER_RESET_OWNER:
		return msg->size == (reply ? sizeof(uint64_t) : 0);
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return msg->size == sizeof(uint64_t);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return msg->size == (reply ? sizeof(uint64_t) :
				     sizeof(struct vhost_user_vring_state));
	case VHOST_USER_GET_VRING_BASE:
		return msg->size == sizeof(struct vhost_user_vring_state);
	case VHOST_USER_SET_VRING_ADDR:
		return msg->size == (reply ? sizeof(uint64_t) :
				     sizeof(struct vhost_user_vring_addr));
	case VHOST_USER_SET_MEM_TABLE:
		return reply ? msg->size == sizeof(uint64_t) : mem_table_size_ok(msg);
	case VHOST_USER_GET_CONFIG:
		return config_size_ok(msg);
	case VHOST_USER_SET_CONFIG:
		return reply ? msg->size == sizeof(uint64_t) : config_size_ok(msg);
	case VHOST_USER_GET_INFLIGHT_FD:
		return msg->size == sizeof(struct vhost_user_inflight);
	case VHOST_USER_SET_INFLIGHT_FD:
		return msg->size == (reply ? sizeof(uint64_t) :
				     sizeof(struct vhost_user_inflight));
	default:
		return false;
	}
}


int vhost_user_send(int sock, const struct vhost_user_msg *msg,
		    const int *fds, unsigned int nr_fds)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)msg, .iov_len = VHOST_USER_HDR_SIZE },
		{ .iov_base = (void *)&msg->payload, .iov_len = msg->size },
	};
	long n;

	if (msg->size > sizeof(msg->payload) || nr_fds > VHOST_USER_MAX_FDS)
		return -EINVAL;
	n = unix_send_fds(sock, iov, 2, fds, nr_fds);
	if (n < 0)
		return (int)n;
	/* A stream socket takes a message this small whole, or not at all. */
	return (size_t)n == VHOST_USER_HDR_SIZE + msg->size ? 0 : -EIO;
}

static void close_fds(int *fds, unsigned int n)
{
	while (n--)
		close(fds[n]);
}

/* The fds of a received header; -ETOOMANYREFS (all closed) if over max. */
static int take_fds(struct msghdr *mh, int *fds, unsigned int max_fds,
		    unsigned int *nr_fds)
{
	struct cmsghdr *c;
	unsigned int n = 0;
	bool too_many = (mh->msg_flags & MSG_CTRUNC) != 0;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		unsigned int i, k;
		int got[VHOST_USER_MAX_FDS + 1];

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (k > VHOST_USER_MAX_FDS + 1)
			k = VHOST_USER_MAX_FDS + 1;
		memcpy(got, CMSG_DATA(c), k * sizeof(int));
		for (i = 0; i < k; i++) {
			if (n < max_fds)
				fds[n++] = got[i];
			else {
				close(got[i]);
				too_many = true;
			}
		}
	}
	if (too_many) {
		close_fds(fds, n);
		return -ETOOMANYREFS;
	}
	*nr_fds = n;
	return 0;
}

static int read_full(int sock, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = recv(sock, (char *)buf + done, len - done, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		if (n == 0)
			return done ? -EBADMSG : -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

int vhost_user_recv(int sock, struct vhost_user_msg *msg, int *fds,
		    unsigned int max_fds, unsigned int *nr_fds)
{
	union {
		/* one more than allowed, so that too many is seen, not cut */
		char buf[CMSG_SPACE(sizeof(int) * (VHOST_USER_MAX_FDS + 1))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = msg, .iov_len = VHOST_USER_HDR_SIZE };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	unsigned int n = 0;
	ssize_t got;
	int err;

	*nr_fds = 0;
	if (max_fds > VHOST_USER_MAX_FDS)
		max_fds = VHOST_USER_MAX_FDS;
	do {
		got = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (got < 0 && errno == EINTR);
	if (got < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN :
		       errno == EPIPE ? -ECONNRESET : -errno;
	err = take_fds(&mh, fds, max_fds, &n);
	if (err)
		return err;
	if (got == 0) {
		close_fds(fds, n);
		return -ECONNRESET;
	}
	if ((size_t)got < VHOST_USER_HDR_SIZE)
		err = read_full(sock, (char *)msg + got, VHOST_USER_HDR_SIZE - (size_t)got);
	if (!err && msg->size > sizeof(msg->payload))
		err = -EMSGSIZE;
	if (!err && (msg->flags & VHOST_USER_VERSION_MASK) != VHOST_USER_VERSION)
		err = -EBADMSG;
	if (!err && msg->size)
		err = read_full(sock, &msg->payload, msg->size);
	if (err == -ECONNRESET)
		err = -EBADMSG;		/* it stopped inside a message */
	if (err) {
		close_fds(fds, n);
		return err;
	}
	*nr_fds = n;
	return 0;
}

int vhost_user_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}
