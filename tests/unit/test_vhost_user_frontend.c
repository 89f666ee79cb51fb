// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user frontend (devices/vhost_user_frontend.h) against a
 * scripted backend on the other end of a socketpair. The frontend runs in
 * a thread; the test body plays the backend, so it sees every message
 * exactly as sent and answers as a good or a broken backend would:
 * - negotiation: SET_OWNER, GET_FEATURES, protocol features (only the
 *   ones we want are taken), GET_QUEUE_NUM; with REPLY_ACK agreed every
 *   SET_* asks for an ack;
 * - start: SET_FEATURES, a SET_MEM_TABLE built from the sharing object
 *   (userspace_addr = gpa, mmap_offset = fd_offset, one fd per region,
 *   each the same file as guest memory's), then NUM, BASE, ADDR (gpa),
 *   KICK and CALL with their fds, then ENABLE;
 * - broken replies: wrong size, wrong request, missing REPLY flag, fds
 *   attached, an oversized payload, a refused ack, a hang-up: an error
 *   each (-EPROTO, -EIO, -ECONNRESET), no crash;
 * - check(): a quiet backend is fine, a closed one is -ECONNRESET, one
 *   that speaks unasked is -EPROTO;
 * - the in-flight region: GET_INFLIGHT_FD's fd is handed to the caller
 *   (an answer without it is -EPROTO), and a start with a region sends
 *   SET_INFLIGHT_FD with that fd before anything else, and each ring's
 *   base as given (a restored ring's used index).
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/vhost_user.h"
#include "devices/vhost_user_frontend.h"
#include "memory/sharing.h"
#include "tests/helpers.h"

#define FEATURES	((1ULL << 32) | (1ULL << 30) | (1ULL << 9))
#define ALL_PROTOCOL	0xffffULL

struct fixture {
	int sv[2];		/* [0] frontend, [1] us, the backend */
	struct guest_memory *mem;
	struct guest_memory_sharing *sharing;
	pthread_t thread;
	struct vhost_user_frontend *fe;
	int result;
	const char *request;
};

static struct fixture fx;

static void *open_thread(void *arg)
{
	(void)arg;
	fx.result = vhost_user_frontend_open(fx.sv[0], fx.sharing, &fx.fe, &fx.request);
	return NULL;
}

static void setup(void)
{
	static const struct guest_range layout[] = { { 0, 2 * MiB }, { 4 * GiB, 2 * MiB } };
	struct guest_memory_config cfg = { .size = 4 * MiB, .backend = GUEST_MEMORY_MEMFD };

	memset(&fx, 0, sizeof(fx));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fx.sv), 0);
	ck_assert_int_eq(guest_memory_create(&cfg, layout, 2, &fx.mem), 0);
	ck_assert_int_eq(guest_memory_sharing_get(fx.mem, &fx.sharing), 0);
}

static void teardown(void)
{
	vhost_user_frontend_close(fx.fe);
	close(fx.sv[1]);
	guest_memory_sharing_put(fx.sharing);
	guest_memory_destroy(fx.mem);
}

static void start_open(void)
{
	ck_assert_int_eq(pthread_create(&fx.thread, NULL, open_thread, NULL), 0);
}

static int join(void)
{
	pthread_join(fx.thread, NULL);
	if (fx.result)
		fx.fe = NULL;	/* the frontend closed its end itself */
	return fx.result;
}

/* Receives the next request; asserts which one it is. */
static void expect(uint32_t request, struct vhost_user_msg *msg, int *fds,
		   unsigned int *nr_fds)
{
	unsigned int n = 0;

	ck_assert_int_eq(vhost_user_recv(fx.sv[1], msg, fds, fds ? VHOST_USER_MAX_FDS : 0,
					 nr_fds ? nr_fds : &n), 0);
	ck_assert_msg(msg->request == request, "got %s, expected %s",
		      vhost_user_request_name(msg->request), vhost_user_request_name(request));
	ck_assert(vhost_user_payload_ok(msg, false));
}

static void reply_u64(const struct vhost_user_msg *req, uint64_t v)
{
	struct vhost_user_msg r = {
		.request = req->request, .flags = VHOST_USER_VERSION | VHOST_USER_REPLY,
		.size = 8, .payload.u64 = v,
	};

	ck_assert_int_eq(vhost_user_send(fx.sv[1], &r, NULL, 0), 0);
}

/* Answers a request; if it asked for an ack, acks it. */
static void ack_if_asked(const struct vhost_user_msg *req)
{
	if (req->flags & VHOST_USER_NEED_REPLY)
		reply_u64(req, 0);
}

/* A good backend up to and including GET_QUEUE_NUM. */
static void negotiate(uint64_t protocol, uint64_t queues)
{
	struct vhost_user_msg m;

	expect(VHOST_USER_SET_OWNER, &m, NULL, NULL);
	ck_assert(!(m.flags & VHOST_USER_NEED_REPLY));	/* nothing agreed yet */
	expect(VHOST_USER_GET_FEATURES, &m, NULL, NULL);
	reply_u64(&m, FEATURES);
	expect(VHOST_USER_GET_PROTOCOL_FEATURES, &m, NULL, NULL);
	reply_u64(&m, protocol);
	expect(VHOST_USER_SET_PROTOCOL_FEATURES, &m, NULL, NULL);
	ck_assert_uint_eq(m.payload.u64, protocol & ((1 << VHOST_USER_PROTOCOL_F_MQ) |
						     (1 << VHOST_USER_PROTOCOL_F_REPLY_ACK) |
						     (1 << VHOST_USER_PROTOCOL_F_CONFIG) |
						     (1 << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)));
	if (protocol & (1 << VHOST_USER_PROTOCOL_F_MQ)) {
		expect(VHOST_USER_GET_QUEUE_NUM, &m, NULL, NULL);
		ack_if_asked(&m);	/* a GET is not acked: this does nothing */
		reply_u64(&m, queues);
	}
}

START_TEST(negotiates_features)
{
	start_open();
	negotiate(ALL_PROTOCOL, 4);
	ck_assert_int_eq(join(), 0);
	ck_assert_uint_eq(vhost_user_frontend_features(fx.fe), FEATURES & ~(1ULL << 30));
	ck_assert_uint_eq(vhost_user_frontend_queues(fx.fe), 4);
	ck_assert(vhost_user_frontend_has_config(fx.fe));
	ck_assert_int_eq(vhost_user_frontend_check(fx.fe), 0);
}
END_TEST

START_TEST(without_protocol_features)
{
	struct vhost_user_msg m;

	start_open();
	expect(VHOST_USER_SET_OWNER, &m, NULL, NULL);
	expect(VHOST_USER_GET_FEATURES, &m, NULL, NULL);
	reply_u64(&m, 1ULL << 32);
	ck_assert_int_eq(join(), 0);
	ck_assert_uint_eq(vhost_user_frontend_queues(fx.fe), 1);
	ck_assert(!vhost_user_frontend_has_config(fx.fe));
}
END_TEST

struct start_args {
	struct vhost_user_queue q[2];
	int result;
};

static void *start_thread(void *arg)
{
	struct start_args *a = arg;

	a->result = vhost_user_frontend_start(fx.fe, 1ULL << 32, a->q, 2, NULL);
	return NULL;
}

static void same_file(int a, int b)
{
	struct stat sa, sb;

	ck_assert_int_eq(fstat(a, &sa), 0);
	ck_assert_int_eq(fstat(b, &sb), 0);
	ck_assert(sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

START_TEST(start_hands_over_memory_and_rings)
{
	struct start_args a = { .q = {
		{ .size = 256, .desc_gpa = 0x10000, .avail_gpa = 0x11000, .used_gpa = 0x12000, .err_fd = -1 },
		{ .size = 128, .desc_gpa = 4 * GiB, .avail_gpa = 4 * GiB + 0x1000, .used_gpa = 4 * GiB + 0x2000, .err_fd = -1 },
	} };
	struct shared_region r[2];
	struct vhost_user_msg m;
	int fds[VHOST_USER_MAX_FDS];
	unsigned int nr, i, q;
	pthread_t t;

	start_open();
	negotiate(ALL_PROTOCOL, 2);
	ck_assert_int_eq(join(), 0);
	for (q = 0; q < 2; q++) {
		a.q[q].kick_fd = eventfd(0, 0);
		a.q[q].call_fd = eventfd(0, 0);
	}
	ck_assert_int_eq(pthread_create(&t, NULL, start_thread, &a), 0);

	expect(VHOST_USER_SET_FEATURES, &m, NULL, NULL);
	ck_assert_uint_eq(m.payload.u64, (1ULL << 32) | (1ULL << 30));
	ck_assert(m.flags & VHOST_USER_NEED_REPLY);
	ack_if_asked(&m);

	expect(VHOST_USER_SET_MEM_TABLE, &m, fds, &nr);
	ck_assert_uint_eq(guest_memory_sharing_get_regions(fx.sharing, r, 2), 2);
	ck_assert_uint_eq(m.payload.memory.nregions, 2);
	ck_assert_uint_eq(nr, 2);
	for (i = 0; i < 2; i++) {
		const struct vhost_user_region *vr = &m.payload.memory.regions[i];

		ck_assert_uint_eq(vr->guest_phys_addr, r[i].gpa);
		ck_assert_uint_eq(vr->userspace_addr, r[i].gpa);
		ck_assert_uint_eq(vr->memory_size, r[i].size);
		ck_assert_uint_eq(vr->mmap_offset, r[i].fd_offset);
		same_file(fds[i], r[i].fd);
		close(fds[i]);
	}
	ack_if_asked(&m);

	for (q = 0; q < 2; q++) {
		expect(VHOST_USER_SET_VRING_NUM, &m, NULL, NULL);
		ck_assert_uint_eq(m.payload.state.index, q);
		ck_assert_uint_eq(m.payload.state.num, a.q[q].size);
		ack_if_asked(&m);
		expect(VHOST_USER_SET_VRING_BASE, &m, NULL, NULL);
		ck_assert_uint_eq(m.payload.state.num, 0);
		ack_if_asked(&m);
		expect(VHOST_USER_SET_VRING_ADDR, &m, NULL, NULL);
		ck_assert_uint_eq(m.payload.addr.index, q);
		ck_assert_uint_eq(m.payload.addr.desc, a.q[q].desc_gpa);
		ck_assert_uint_eq(m.payload.addr.avail, a.q[q].avail_gpa);
		ck_assert_uint_eq(m.payload.addr.used, a.q[q].used_gpa);
		ack_if_asked(&m);
		expect(VHOST_USER_SET_VRING_KICK, &m, fds, &nr);
		ck_assert_uint_eq(nr, 1);
		ck_assert_uint_eq(m.payload.u64, q);
		same_file(fds[0], a.q[q].kick_fd);
		close(fds[0]);
		ack_if_asked(&m);
		expect(VHOST_USER_SET_VRING_CALL, &m, fds, &nr);
		ck_assert_uint_eq(nr, 1);
		same_file(fds[0], a.q[q].call_fd);
		close(fds[0]);
		ack_if_asked(&m);
	}
	for (q = 0; q < 2; q++) {
		expect(VHOST_USER_SET_VRING_ENABLE, &m, NULL, NULL);
		ck_assert_uint_eq(m.payload.state.index, q);
		ck_assert_uint_eq(m.payload.state.num, 1);
		ack_if_asked(&m);
	}
	pthread_join(t, NULL);
	ck_assert_int_eq(a.result, 0);
	for (q = 0; q < 2; q++) {
		close(a.q[q].kick_fd);
		close(a.q[q].call_fd);
	}
}
END_TEST

struct inflight_args {
	struct vhost_user_inflight_fd region;
	struct vhost_user_queue q;
	int result;
};

static void *inflight_thread(void *arg)
{
	struct inflight_args *a = arg;

	a->result = vhost_user_frontend_get_inflight(fx.fe, 1, 128, &a->region);
	if (!a->result)
		a->result = vhost_user_frontend_start(fx.fe, 1ULL << 32, &a->q, 1, &a->region);
	return NULL;
}

/* GET_INFLIGHT_FD's answer: the region in a memfd, or (fd < 0) none. */
static void answer_inflight(const struct vhost_user_msg *req, int fd)
{
	struct vhost_user_msg r = {
		.request = req->request, .flags = VHOST_USER_VERSION | VHOST_USER_REPLY,
		.size = sizeof(struct vhost_user_inflight),
		.payload.inflight = req->payload.inflight,
	};

	r.payload.inflight.mmap_size = 4096;
	ck_assert_int_eq(vhost_user_send(fx.sv[1], &r, &fd, fd < 0 ? 0 : 1), 0);
}

START_TEST(in_flight_region)
{
	struct inflight_args a = { .q = { .size = 128, .base = 7, .err_fd = -1 } };
	struct vhost_user_msg m;
	int region = memfd_create("inflight", MFD_CLOEXEC), fds[VHOST_USER_MAX_FDS];
	unsigned int nr;
	pthread_t t;

	ck_assert_int_ge(region, 0);
	ck_assert_int_eq(ftruncate(region, 4096), 0);
	a.q.kick_fd = eventfd(0, 0);
	a.q.call_fd = eventfd(0, 0);
	start_open();
	negotiate(ALL_PROTOCOL, 2);
	ck_assert_int_eq(join(), 0);
	ck_assert(vhost_user_frontend_has_inflight(fx.fe));
	ck_assert_int_eq(pthread_create(&t, NULL, inflight_thread, &a), 0);

	expect(VHOST_USER_GET_INFLIGHT_FD, &m, NULL, NULL);
	ck_assert_uint_eq(m.payload.inflight.num_queues, 1);
	ck_assert_uint_eq(m.payload.inflight.queue_size, 128);
	answer_inflight(&m, region);
	expect(VHOST_USER_SET_INFLIGHT_FD, &m, fds, &nr);
	ck_assert_uint_eq(nr, 1);
	same_file(fds[0], region);
	close(fds[0]);
	ck_assert_uint_eq(m.payload.inflight.mmap_size, 4096);
	ck_assert_uint_eq(m.payload.inflight.num_queues, 1);
	ack_if_asked(&m);
	expect(VHOST_USER_SET_FEATURES, &m, NULL, NULL);
	ack_if_asked(&m);
	expect(VHOST_USER_SET_MEM_TABLE, &m, fds, &nr);
	while (nr)
		close(fds[--nr]);
	ack_if_asked(&m);
	expect(VHOST_USER_SET_VRING_NUM, &m, NULL, NULL);
	ack_if_asked(&m);
	expect(VHOST_USER_SET_VRING_BASE, &m, NULL, NULL);
	ck_assert_uint_eq(m.payload.state.num, 7);
	ack_if_asked(&m);
	close(fx.sv[1]);	/* enough: the rest fails */
	fx.sv[1] = -1;
	pthread_join(t, NULL);
	ck_assert_int_eq(a.result, -ECONNRESET);
	same_file(a.region.fd, region);
	close(a.region.fd);
	close(region);
	close(a.q.kick_fd);
	close(a.q.call_fd);
}
END_TEST

START_TEST(in_flight_answer_without_fd)
{
	struct inflight_args a = { .q = { .size = 128, .err_fd = -1 } };
	struct vhost_user_msg m;
	pthread_t t;

	start_open();
	negotiate(ALL_PROTOCOL, 2);
	ck_assert_int_eq(join(), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, inflight_thread, &a), 0);
	expect(VHOST_USER_GET_INFLIGHT_FD, &m, NULL, NULL);
	answer_inflight(&m, -1);
	pthread_join(t, NULL);
	ck_assert_int_eq(a.result, -EPROTO);
}
END_TEST

START_TEST(refused_ack_is_an_error)
{
	struct start_args a = { .q = { { .size = 8, .kick_fd = -1, .call_fd = -1, .err_fd = -1 } } };
	struct vhost_user_msg m;
	pthread_t t;

	start_open();
	negotiate(ALL_PROTOCOL, 2);
	ck_assert_int_eq(join(), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, start_thread, &a), 0);
	expect(VHOST_USER_SET_FEATURES, &m, NULL, NULL);
	reply_u64(&m, 1);	/* "failed" */
	pthread_join(t, NULL);
	ck_assert_int_eq(a.result, -EIO);
}
END_TEST

/* Broken answers to GET_FEATURES, one per case. */
enum breakage { WRONG_SIZE, WRONG_REQUEST, NOT_A_REPLY, WITH_FD, TOO_BIG, HANG_UP, BREAKAGES };

START_TEST(broken_replies)
{
	struct vhost_user_msg m, r = {
		.request = VHOST_USER_GET_FEATURES,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY, .size = 8,
		.payload.u64 = FEATURES,
	};
	int fd = -1, expected = -EPROTO;
	char raw[12];

	start_open();
	expect(VHOST_USER_SET_OWNER, &m, NULL, NULL);
	expect(VHOST_USER_GET_FEATURES, &m, NULL, NULL);
	switch (_i) {
	case WRONG_SIZE:
		r.size = 4;
		break;
	case WRONG_REQUEST:
		r.request = VHOST_USER_GET_PROTOCOL_FEATURES;
		break;
	case NOT_A_REPLY:
		r.flags = VHOST_USER_VERSION;
		break;
	case WITH_FD:
		fd = eventfd(0, 0);
		break;
	case TOO_BIG:
		/* a header that claims more payload than any message has */
		r.size = 100000;
		memcpy(raw, &r, 12);
		ck_assert_int_eq(send(fx.sv[1], raw, 12, 0), 12);
		break;
	case HANG_UP:
		shutdown(fx.sv[1], SHUT_RDWR);
		expected = -ECONNRESET;
		break;
	}
	if (_i != TOO_BIG && _i != HANG_UP)
		ck_assert_int_eq(vhost_user_send(fx.sv[1], &r, &fd, fd >= 0), 0);
	ck_assert_int_eq(join(), expected);
	ck_assert_str_eq(fx.request, "GET_FEATURES");
	if (fd >= 0)
		close(fd);
}
END_TEST

START_TEST(check_sees_hang_up_and_chatter)
{
	struct vhost_user_msg m = { .request = VHOST_USER_GET_FEATURES, .flags = VHOST_USER_VERSION };

	start_open();
	negotiate(0, 0);
	ck_assert_int_eq(join(), 0);
	ck_assert_int_eq(vhost_user_frontend_check(fx.fe), 0);
	ck_assert_int_eq(vhost_user_send(fx.sv[1], &m, NULL, 0), 0);
	ck_assert_int_eq(vhost_user_frontend_check(fx.fe), -EPROTO);
	shutdown(fx.sv[1], SHUT_WR);
	/* the unread chatter still comes first; once read, EOF */
	ck_assert_int_eq(recv(vhost_user_frontend_fd(fx.fe), &m, sizeof(m), 0), 12);
	ck_assert_int_eq(vhost_user_frontend_check(fx.fe), -ECONNRESET);
}
END_TEST

/*
 * A reply that stops inside its header or payload while the backend stays
 * connected: the frontend gives up after VHOST_USER_REPLY_TIMEOUT_MS
 * instead of waiting for the rest for ever.
 */
START_TEST(truncated_reply_times_out)
{
	struct vhost_user_msg m, r = {
		.request = VHOST_USER_GET_FEATURES,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY, .size = 8,
		.payload.u64 = FEATURES,
	};
	char raw[16];
	size_t len = _i ? 12 + 4 : 6;	/* half a header, or half a payload */

	start_open();
	expect(VHOST_USER_SET_OWNER, &m, NULL, NULL);
	expect(VHOST_USER_GET_FEATURES, &m, NULL, NULL);
	memcpy(raw, &r, 12);
	memcpy(raw + 12, &r.payload, 4);
	ck_assert_int_eq(send(fx.sv[1], raw, len, 0), (ssize_t)len);
	ck_assert_int_eq(join(), -ETIMEDOUT);
	ck_assert_str_eq(fx.request, "GET_FEATURES");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("vhost_user_frontend");
	TCase *tc = tcase_create("frontend");
	TCase *slow = tcase_create("timeouts");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, negotiates_features);
	tcase_add_test(tc, without_protocol_features);
	tcase_add_test(tc, start_hands_over_memory_and_rings);
	tcase_add_test(tc, refused_ack_is_an_error);
	tcase_add_test(tc, in_flight_region);
	tcase_add_test(tc, in_flight_answer_without_fd);
	tcase_add_loop_test(tc, broken_replies, 0, BREAKAGES);
	tcase_add_test(tc, check_sees_hang_up_and_chatter);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(slow, setup, teardown);
	tcase_set_timeout(slow, 3 * VHOST_USER_REPLY_TIMEOUT_MS / 1000);
	tcase_add_loop_test(slow, truncated_reply_times_out, 0, 2);
	suite_add_tcase(s, slow);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
