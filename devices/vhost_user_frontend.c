// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user frontend: negotiation at open, rings handed over at start,
 * taken back at stop. Every reply is checked before it is believed.
 */
#include "vhost_user_frontend.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "vhost_user.h"

#define WANTED_PROTOCOL_FEATURES ((1ULL << VHOST_USER_PROTOCOL_F_MQ) | \
				  (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
				  (1ULL << VHOST_USER_PROTOCOL_F_CONFIG) | \
				  (1ULL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD))
#define MAX_QUEUES 8

struct vhost_user_frontend {
	int sock;
	const struct guest_memory_sharing *sharing;
	uint64_t features;		/* as the backend offered them */
	uint64_t protocol_features;	/* as agreed */
	unsigned int queues;
	unsigned int started;		/* rings handed over */
	uint32_t last_request;
};

static bool has_protocol(const struct vhost_user_frontend *fe, unsigned int bit)
{
	return fe->protocol_features & (1ULL << bit);
}

static bool protocol_negotiated(const struct vhost_user_frontend *fe)
{
	return fe->features & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES);
}

/*
 * Waits for the backend's answer to request; checks it is one. With fd,
 * the answer must carry exactly one fd, which is stored there.
 */
static int recv_reply(struct vhost_user_frontend *fe, uint32_t request,
		      struct vhost_user_msg *reply, int *fd)
{
	struct pollfd pfd = { .fd = fe->sock, .events = POLLIN };
	unsigned int nr_fds;
	int n, err, got = -1;

	do {
		n = poll(&pfd, 1, VHOST_USER_REPLY_TIMEOUT_MS);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	err = vhost_user_recv(fe->sock, reply, &got, fd ? 1 : 0, &nr_fds);
	if (err == -ECONNRESET || err == -EAGAIN)
		return err == -EAGAIN ? -ETIMEDOUT : err;
	if (err)
		return -EPROTO;		/* too big, torn, or fds we did not ask for */
	if (reply->request != request || !(reply->flags & VHOST_USER_REPLY) ||
	    !vhost_user_payload_ok(reply, true) || (fd && nr_fds != 1)) {
		if (nr_fds)
			close(got);
		return -EPROTO;
	}
	if (fd)
		*fd = got;
	return 0;
}

/*
 * Sends msg. If want_reply, the backend's answer replaces msg. Otherwise,
 * with REPLY_ACK agreed, waits for the ack and turns a non-zero one into
 * -EIO.
 */
static int transact(struct vhost_user_frontend *fe, struct vhost_user_msg *msg,
		    const int *fds, unsigned int nr_fds, bool want_reply)
{
	bool ack = !want_reply && has_protocol(fe, VHOST_USER_PROTOCOL_F_REPLY_ACK);
	uint32_t request = msg->request;
	int err;

	fe->last_request = request;
	msg->flags = VHOST_USER_VERSION | (ack ? VHOST_USER_NEED_REPLY : 0);
	err = vhost_user_send(fe->sock, msg, fds, nr_fds);
	if (err)
		return err == -EAGAIN ? -ETIMEDOUT : err;
	if (!want_reply && !ack)
		return 0;
	err = recv_reply(fe, request, msg, NULL);
	if (err)
		return err;
	if (ack && msg->payload.u64)
		return -EIO;
	return 0;
}

static int get_u64(struct vhost_user_frontend *fe, uint32_t request, uint64_t *v)
{
	struct vhost_user_msg msg = { .request = request };
	int err = transact(fe, &msg, NULL, 0, true);

	if (!err)
		*v = msg.payload.u64;
	return err;
}

static int set_u64(struct vhost_user_frontend *fe, uint32_t request, uint64_t v)
{
	struct vhost_user_msg msg = {
		.request = request, .size = sizeof(uint64_t), .payload.u64 = v,
	};

	return transact(fe, &msg, NULL, 0, false);
}

static int set_state(struct vhost_user_frontend *fe, uint32_t request,
		     uint32_t index, uint32_t num)
{
	struct vhost_user_msg msg = {
		.request = request,
		.size = sizeof(struct vhost_user_vring_state),
		.payload.state = { .index = index, .num = num },
	};

	return transact(fe, &msg, NULL, 0, false);
}

static int set_vring_fd(struct vhost_user_frontend *fe, uint32_t request,
			uint32_t index, int fd)
{
	struct vhost_user_msg msg = {
		.request = request, .size = sizeof(uint64_t),
		.payload.u64 = index | (fd < 0 ? VHOST_USER_VRING_NOFD : 0),
	};

	return transact(fe, &msg, &fd, fd < 0 ? 0 : 1, false);
}

static int negotiate(struct vhost_user_frontend *fe)
{
	struct vhost_user_msg msg = { .request = VHOST_USER_SET_OWNER };
	uint64_t v;
	int err;

	err = transact(fe, &msg, NULL, 0, false);
	if (!err)
		err = get_u64(fe, VHOST_USER_GET_FEATURES, &fe->features);
	if (err || !protocol_negotiated(fe))
		return err;
	err = get_u64(fe, VHOST_USER_GET_PROTOCOL_FEATURES, &v);
	if (err)
		return err;
	/* Until this is agreed no request asks for an ack. */
	err = set_u64(fe, VHOST_USER_SET_PROTOCOL_FEATURES, v & WANTED_PROTOCOL_FEATURES);
	if (err)
		return err;
	fe->protocol_features = v & WANTED_PROTOCOL_FEATURES;
	if (has_protocol(fe, VHOST_USER_PROTOCOL_F_MQ)) {
		err = get_u64(fe, VHOST_USER_GET_QUEUE_NUM, &v);
		if (err)
			return err;
		if (!v)
			return -EPROTO;
		fe->queues = v > MAX_QUEUES ? MAX_QUEUES : (unsigned int)v;
	}
	return 0;
}

/*
 * poll() bounds the wait for a reply to begin; these bound a reply that
 * stops half-way (a truncated message from a backend that stays
 * connected) and a send to a backend that no longer reads.
 */
static void set_timeouts(int sock)
{
	struct timeval tv = {
		.tv_sec = VHOST_USER_REPLY_TIMEOUT_MS / 1000,
		.tv_usec = (VHOST_USER_REPLY_TIMEOUT_MS % 1000) * 1000,
	};

	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

int vhost_user_frontend_open(int sock, const struct guest_memory_sharing *sharing,
			     struct vhost_user_frontend **out, const char **request)
{
	struct vhost_user_frontend *fe = calloc(1, sizeof(*fe));
	int err;

	if (!fe) {
		close(sock);
		return -ENOMEM;
	}
	fe->sock = sock;
	fe->sharing = sharing;
	fe->queues = 1;
	set_timeouts(sock);
	err = negotiate(fe);
	if (err) {
		*request = vhost_user_request_name(fe->last_request);
		vhost_user_frontend_close(fe);
		return err;
	}
	*out = fe;
	return 0;
}

void vhost_user_frontend_close(struct vhost_user_frontend *fe)
{
	if (!fe)
		return;
	close(fe->sock);
	free(fe);
}

uint64_t vhost_user_frontend_features(const struct vhost_user_frontend *fe)
{
	return fe->features & ~(1ULL << VHOST_USER_F_PROTOCOL_FEATURES);
}

unsigned int vhost_user_frontend_queues(const struct vhost_user_frontend *fe)
{
	return fe->queues;
}

bool vhost_user_frontend_has_config(const struct vhost_user_frontend *fe)
{
	return has_protocol(fe, VHOST_USER_PROTOCOL_F_CONFIG);
}

int vhost_user_frontend_get_config(struct vhost_user_frontend *fe, void *buf,
				   uint32_t len)
{
	struct vhost_user_msg msg = {
		.request = VHOST_USER_GET_CONFIG,
		.size = VHOST_USER_CONFIG_HDR + len,
		.payload.config = { .offset = 0, .size = len },
	};
	int err;

	if (!vhost_user_frontend_has_config(fe))
		return -EOPNOTSUPP;
	if (len > VHOST_USER_CONFIG_MAX)
		return -EINVAL;
	err = transact(fe, &msg, NULL, 0, true);
	if (err)
		return err;
	if (msg.payload.config.size != len)
		return -EPROTO;
	memcpy(buf, msg.payload.config.payload, len);
	return 0;
}

bool vhost_user_frontend_has_inflight(const struct vhost_user_frontend *fe)
{
	return has_protocol(fe, VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD);
}

int vhost_user_frontend_get_inflight(struct vhost_user_frontend *fe,
				     uint16_t num_queues, uint16_t queue_size,
				     struct vhost_user_inflight_fd *out)
{
	struct vhost_user_msg msg = {
		.request = VHOST_USER_GET_INFLIGHT_FD,
		.flags = VHOST_USER_VERSION,
		.size = sizeof(struct vhost_user_inflight),
		.payload.inflight = { .num_queues = num_queues, .queue_size = queue_size },
	};
	int err, fd;

	if (!vhost_user_frontend_has_inflight(fe))
		return -EOPNOTSUPP;
	fe->last_request = msg.request;
	err = vhost_user_send(fe->sock, &msg, NULL, 0);
	if (err)
		return err == -EAGAIN ? -ETIMEDOUT : err;
	err = recv_reply(fe, msg.request, &msg, &fd);
	if (err)
		return err;
	if (!msg.payload.inflight.mmap_size) {
		close(fd);
		return -EPROTO;
	}
	out->fd = fd;
	out->info = msg.payload.inflight;
	return 0;
}

static int set_inflight(struct vhost_user_frontend *fe,
			const struct vhost_user_inflight_fd *inflight)
{
	struct vhost_user_msg msg = {
		.request = VHOST_USER_SET_INFLIGHT_FD,
		.size = sizeof(struct vhost_user_inflight),
		.payload.inflight = inflight->info,
	};

	return transact(fe, &msg, &inflight->fd, 1, false);
}

/* Each region of the sharing object, as the backend should map it. */
static int set_mem_table(struct vhost_user_frontend *fe)
{
	struct shared_region r[VHOST_USER_MAX_REGIONS];
	struct vhost_user_msg msg = { .request = VHOST_USER_SET_MEM_TABLE };
	struct vhost_user_memory *m = &msg.payload.memory;
	int fds[VHOST_USER_MAX_REGIONS];
	unsigned int i, n;

	n = guest_memory_sharing_get_regions(fe->sharing, r, VHOST_USER_MAX_REGIONS);
	if (n > VHOST_USER_MAX_REGIONS)
		return -E2BIG;
	m->nregions = n;
	for (i = 0; i < n; i++) {
		m->regions[i] = (struct vhost_user_region){
			.guest_phys_addr = r[i].gpa,
			.memory_size = r[i].size,
			.userspace_addr = r[i].gpa,
			.mmap_offset = r[i].fd_offset,
		};
		fds[i] = r[i].fd;
	}
	msg.size = (uint32_t)(sizeof(*m) - sizeof(m->regions) + n * sizeof(m->regions[0]));
	return transact(fe, &msg, fds, n, false);
}

static int start_ring(struct vhost_user_frontend *fe, uint32_t i,
		      const struct vhost_user_queue *q)
{
	struct vhost_user_msg addr = {
		.request = VHOST_USER_SET_VRING_ADDR,
		.size = sizeof(struct vhost_user_vring_addr),
		.payload.addr = {
			.index = i, .desc = q->desc_gpa, .used = q->used_gpa,
			.avail = q->avail_gpa,
		},
	};
	int err;

	err = set_state(fe, VHOST_USER_SET_VRING_NUM, i, q->size);
	if (!err)
		err = set_state(fe, VHOST_USER_SET_VRING_BASE, i, q->base);
	if (!err)
		err = transact(fe, &addr, NULL, 0, false);
	if (!err)
		err = set_vring_fd(fe, VHOST_USER_SET_VRING_KICK, i, q->kick_fd);
	if (!err)
		err = set_vring_fd(fe, VHOST_USER_SET_VRING_CALL, i, q->call_fd);
	if (!err && q->err_fd >= 0)
		err = set_vring_fd(fe, VHOST_USER_SET_VRING_ERR, i, q->err_fd);
	return err;
}

int vhost_user_frontend_start(struct vhost_user_frontend *fe, uint64_t features,
			      const struct vhost_user_queue *q, unsigned int nr,
			      const struct vhost_user_inflight_fd *inflight)
{
	unsigned int i;
	int err = 0;

	if (nr > MAX_QUEUES || (features & ~vhost_user_frontend_features(fe)) ||
	    (inflight && !vhost_user_frontend_has_inflight(fe)))
		return -EINVAL;
	if (protocol_negotiated(fe))
		features |= 1ULL << VHOST_USER_F_PROTOCOL_FEATURES;
	/* QEMU's order, which libvhost-user backends expect: region first. */
	if (inflight)
		err = set_inflight(fe, inflight);
	if (!err)
		err = set_u64(fe, VHOST_USER_SET_FEATURES, features);
	if (!err)
		err = set_mem_table(fe);
	for (i = 0; !err && i < nr; i++) {
		err = start_ring(fe, i, &q[i]);
		if (!err)
			fe->started = i + 1;
	}
	/* With protocol features rings start disabled (spec: "Ring states"). */
	for (i = 0; !err && i < nr && protocol_negotiated(fe); i++)
		err = set_state(fe, VHOST_USER_SET_VRING_ENABLE, i, 1);
	return err;
}

int vhost_user_frontend_stop(struct vhost_user_frontend *fe)
{
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < fe->started; i++) {
		struct vhost_user_msg msg = {
			.request = VHOST_USER_GET_VRING_BASE,
			.size = sizeof(struct vhost_user_vring_state),
			.payload.state = { .index = i },
		};

		err = transact(fe, &msg, NULL, 0, true);
		if (!err && msg.payload.state.index != i)
			err = -EPROTO;
	}
	fe->started = 0;
	return err;
}

int vhost_user_frontend_fd(const struct vhost_user_frontend *fe)
{
	return fe->sock;
}

int vhost_user_frontend_check(struct vhost_user_frontend *fe)
{
	char c;
	ssize_t n = recv(fe->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		return -ECONNRESET;
	return n > 0 ? -EPROTO : 0;
}

void vhost_user_frontend_disconnect(struct vhost_user_frontend *fe)
{
	shutdown(fe->sock, SHUT_RDWR);
}

const char *vhost_user_frontend_last_request(const struct vhost_user_frontend *fe)
{
	return vhost_user_request_name(fe->last_request);
}
