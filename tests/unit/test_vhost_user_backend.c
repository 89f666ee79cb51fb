// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user-blk backend, served in a thread over a socketpair to a
 * frontend scripted here: the whole happy path (features, protocol
 * features, config, a memory table of two regions of a real memfd, one
 * ring in it, a read, a write and a flush on a real file, the call
 * eventfd, the ring base, disconnect), then a frontend that breaks the
 * protocol in every way we could think of: each must end the connection
 * with the right error (or a failure reply, when it asked for one), with
 * every fd it sent closed, and a guest that breaks its ring must get the
 * err eventfd, not a crash. Also guest_memory_import's refusals.
 * In-flight tracking: GET_INFLIGHT_FD's region, SET_INFLIGHT_FD's
 * refusals, the flags of requests done and held, and a backend killed
 * with requests in flight (or with a batch published and not yet
 * cleared): a new backend object on the same region resubmits exactly
 * the unfinished ones, in order, then serves new ones; a virtio-blk
 * write left in flight reaches the disk once, after the restart.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/vhost_user.h"
#include "devices/vhost_user_backend.h"
#include "devices/virtqueue.h"
#include "memory/sharing.h"
#include "tests/helpers.h"

#define DISK_SECTORS	512
#define RAM_SIZE	(2 * MiB)
/* region 0: gpa 0, fd offset 0; region 1: gpa 1 GiB, fd offset 1 MiB */
#define GPA1		0x40000000ULL
#define UVA0		0x7f0000000000ULL
#define UVA1		0x7f1000000000ULL
#define QSIZE		8
#define DESC		(GPA1 + 0x0000)
#define AVAIL		(GPA1 + 0x1000)
#define USED		(GPA1 + 0x2000)
#define HDR		0x10000ULL
#define DATA		0x11000ULL
#define STATUS		0x12000ULL

#define F_SEG_MAX	(1ULL << 2)
#define F_RO		(1ULL << 5)
#define F_FLUSH		(1ULL << 9)
#define F_INDIRECT	(1ULL << 28)
#define F_EVENT_IDX	(1ULL << 29)
#define F_PROTOCOL	(1ULL << 30)
#define F_VERSION_1	(1ULL << 32)
#define F_PACKED	(1ULL << 34)

static char disk[] = "/tmp/vhost-user-blk.XXXXXX";
static struct vhost_user_backend *be;
static uint8_t *ram;
static int memfd = -1, fe = -1, be_sock = -1, stop_fd = -1;
static int kick = -1, call = -1, err_fd = -1;
static int fds_before;
static pthread_t thread;
static bool joined;
static int serve_ret;
static char serve_err[256];

static void *serve_thread(void *arg)
{
	(void)arg;
	serve_ret = vhost_user_backend_serve(be, be_sock, stop_fd, serve_err,
					     sizeof(serve_err));
	return NULL;
}

static void fill_disk(int fd)
{
	uint8_t sector[512];
	unsigned int i;

	for (i = 0; i < DISK_SECTORS; i++) {
		memset(sector, (int)(i * 7 + 1), sizeof(sector));
		ck_assert_int_eq(pwrite(fd, sector, sizeof(sector), (off_t)i * 512), 512);
	}
}

/* A new connection to the backend be, served in a thread. */
static void connect_backend(void)
{
	struct timeval tv = { .tv_sec = 3 };
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fe = sv[0];
	be_sock = sv[1];
	setsockopt(fe, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	joined = false;
	serve_err[0] = '\0';
	ck_assert_int_eq(pthread_create(&thread, NULL, serve_thread, NULL), 0);
}

static void start_backend(bool read_only)
{
	int fd = mkstemp(disk);

	ck_assert_int_ge(fd, 0);
	fill_disk(fd);
	close(fd);
	fds_before = count_fds();
	ck_assert_int_eq(vhost_user_blk_backend_create(disk, read_only, &be), 0);
	memfd = memfd_create("guest-ram", MFD_CLOEXEC);
	ck_assert_int_ge(memfd, 0);
	ck_assert_int_eq(ftruncate(memfd, RAM_SIZE), 0);
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ck_assert_ptr_ne(ram, MAP_FAILED);
	stop_fd = eventfd(0, EFD_CLOEXEC);
	kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	connect_backend();
}

static void setup(void)
{
	start_backend(false);
}

/* The frontend hangs up; what serve returned. */
static int finish(void)
{
	if (fe >= 0)
		close(fe);
	fe = -1;
	if (!joined)
		pthread_join(thread, NULL);
	joined = true;
	return serve_ret;
}

static void teardown(void)
{
	int fds[] = { be_sock, stop_fd, kick, call, err_fd, memfd };
	unsigned int i;

	finish();
	vhost_user_backend_destroy(be);
	be = NULL;
	munmap(ram, RAM_SIZE);
	for (i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
	unlink(disk);
	strcpy(disk, "/tmp/vhost-user-blk.XXXXXX");
}

/* After finish() and closing our own: the backend kept no fd. */
static void assert_no_fd_leak(void)
{
	int fds[] = { be_sock, stop_fd, kick, call, err_fd, memfd };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
	be_sock = stop_fd = kick = call = err_fd = memfd = -1;
	vhost_user_backend_destroy(be);
	be = NULL;
	ck_assert_int_eq(count_fds(), fds_before);
}

/* ---- the scripted frontend ---- */

static void send_msg(uint32_t request, uint32_t flags, const void *payload,
		     uint32_t size, const int *fds, unsigned int nr_fds)
{
	struct vhost_user_msg m = {
		.request = request, .flags = VHOST_USER_VERSION | flags, .size = size,
	};

	if (size)
		memcpy(&m.payload, payload, size);
	ck_assert_int_eq(vhost_user_send(fe, &m, fds, nr_fds), 0);
}

static void recv_reply(uint32_t request, struct vhost_user_msg *m)
{
	int fds[1];
	unsigned int n;

	ck_assert_int_eq(vhost_user_recv(fe, m, fds, 0, &n), 0);
	ck_assert_uint_eq(m->request, request);
	ck_assert_uint_eq(m->flags, VHOST_USER_VERSION | VHOST_USER_REPLY);
	/* a request we made up has no known reply size; acked() checks it */
	ck_assert(!strcmp(vhost_user_request_name(request), "unknown request") ||
		  vhost_user_payload_ok(m, true));
}

static uint64_t get_u64(uint32_t request)
{
	struct vhost_user_msg m;

	send_msg(request, 0, NULL, 0, NULL, 0);
	recv_reply(request, &m);
	return m.payload.u64;
}

/* Sends with NEED_REPLY; the acknowledgement (0: success). */
static uint64_t acked(uint32_t request, const void *payload, uint32_t size,
		      const int *fds, unsigned int nr_fds)
{
	struct vhost_user_msg m;

	send_msg(request, VHOST_USER_NEED_REPLY, payload, size, fds, nr_fds);
	recv_reply(request, &m);
	ck_assert_uint_eq(m.size, 8);
	return m.payload.u64;
}

static uint64_t set_u64(uint32_t request, uint64_t v)
{
	return acked(request, &v, sizeof(v), NULL, 0);
}

static uint64_t set_state(uint32_t request, uint32_t index, uint32_t num)
{
	struct vhost_user_vring_state s = { index, num };

	return acked(request, &s, sizeof(s), NULL, 0);
}

static uint64_t set_fd(uint32_t request, uint32_t index, int fd)
{
	uint64_t v = index;

	if (fd < 0)
		v |= VHOST_USER_VRING_NOFD;
	/* SCM_RIGHTS gives the backend its own copy */
	return acked(request, &v, sizeof(v), &fd, fd >= 0 ? 1 : 0);
}

static void mem_table(struct vhost_user_memory *t, int *fds)
{
	memset(t, 0, sizeof(*t));
	t->nregions = 2;
	t->regions[0] = (struct vhost_user_region){ 0, MiB, UVA0, 0 };
	t->regions[1] = (struct vhost_user_region){ GPA1, MiB, UVA1, MiB };
	fds[0] = memfd;
	fds[1] = memfd;
}

static uint32_t mem_table_size(unsigned int nregions)
{
	return 8 + nregions * (uint32_t)sizeof(struct vhost_user_region);
}

static uint64_t uva(uint64_t gpa)
{
	return gpa >= GPA1 ? UVA1 + (gpa - GPA1) : UVA0 + gpa;
}

static void *host(uint64_t gpa)
{
	return ram + (gpa >= GPA1 ? MiB + (gpa - GPA1) : gpa);
}

static uint64_t ring_addr(uint32_t index, uint64_t desc, uint64_t avail, uint64_t used,
			  bool need_reply)
{
	struct vhost_user_vring_addr a = {
		.index = index, .desc = uva(desc), .avail = uva(avail), .used = uva(used),
	};

	if (need_reply)
		return acked(VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	send_msg(VHOST_USER_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
	return 0;
}

/*
 * Negotiation, memory table and ring 0 up to a started ring, in our
 * frontend's order; with the in-flight region inflight_fd (-1: none).
 */
static void bring_up_with(int inflight_fd, uint16_t base)
{
	struct vhost_user_memory t;
	int fds[2];

	if (inflight_fd >= 0) {
		struct vhost_user_inflight p = { 0, 0, 1, QSIZE };
		struct stat st;

		ck_assert_int_eq(fstat(inflight_fd, &st), 0);
		p.mmap_size = (uint64_t)st.st_size;
		ck_assert_uint_eq(acked(VHOST_USER_SET_INFLIGHT_FD, &p, sizeof(p), &inflight_fd, 1), 0);
	}
	ck_assert_uint_eq(set_u64(VHOST_USER_SET_FEATURES,
				  F_VERSION_1 | F_PROTOCOL | F_SEG_MAX | F_FLUSH), 0);
	ck_assert_uint_eq(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, 0x209), 0);
	mem_table(&t, fds);
	ck_assert_uint_eq(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	ck_assert_uint_eq(set_fd(VHOST_USER_SET_VRING_CALL, 0, call), 0);
	ck_assert_uint_eq(set_fd(VHOST_USER_SET_VRING_ERR, 0, err_fd), 0);
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_NUM, 0, QSIZE), 0);
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_BASE, 0, base), 0);
	ck_assert_uint_eq(ring_addr(0, DESC, AVAIL, USED, true), 0);
	ck_assert_uint_eq(set_fd(VHOST_USER_SET_VRING_KICK, 0, kick), 0);
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_ENABLE, 0, 1), 0);
}

static void bring_up(void)
{
	bring_up_with(-1, 0);
}

/* ---- the guest side of the ring ---- */

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	memcpy(host(DESC + 16 * i), &d, sizeof(d));
}

static uint16_t avail_idx;

static void offer_and_kick(uint16_t head)
{
	uint64_t one = 1;
	uint16_t *avail = host(AVAIL);

	avail[2 + avail_idx % QSIZE] = head;
	avail_idx++;
	__atomic_store_n(&avail[1], avail_idx, __ATOMIC_RELEASE);
	ck_assert_int_eq(write(kick, &one, sizeof(one)), 8);
}

static bool wait_event(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, 3000) != 1)
		return false;
	return read(fd, &v, sizeof(v)) == 8;
}

static bool pending(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

static uint16_t used_idx(void)
{
	return __atomic_load_n((uint16_t *)host(USED) + 1, __ATOMIC_ACQUIRE);
}

/* One request (header, data of len bytes in or out, status); its status. */
static uint8_t request(uint32_t type, uint64_t sector, uint32_t len, bool in,
		       uint32_t *used_len)
{
	struct { uint32_t type, reserved; uint64_t sector; } h = { type, 0, sector };
	uint8_t *status = host(STATUS);
	uint32_t *elem;
	uint16_t before = used_idx();

	memcpy(host(HDR), &h, sizeof(h));
	*status = 0xff;
	set_desc(0, HDR, sizeof(h), VRING_DESC_F_NEXT, len ? 1 : 2);
	set_desc(1, DATA, len, VRING_DESC_F_NEXT | (in ? VRING_DESC_F_WRITE : 0), 2);
	set_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	offer_and_kick(0);
	ck_assert_msg(wait_event(call), "no call eventfd after the request");
	ck_assert_uint_eq(used_idx(), (uint16_t)(before + 1));
	elem = (uint32_t *)((uint16_t *)host(USED) + 2) + 2 * (before % QSIZE);
	ck_assert_uint_eq(elem[0], 0);
	*used_len = elem[1];
	return *status;
}

/* ---- the tests ---- */

START_TEST(happy_path)
{
	struct vhost_user_msg m;
	struct vhost_user_config c = { .offset = 0, .size = 60 };
	struct vhost_user_vring_state s = { 0, 0 };
	uint8_t want[512], got[512];
	uint64_t f, capacity;
	uint32_t len, seg_max;
	int fd;

	f = get_u64(VHOST_USER_GET_FEATURES);
	ck_assert_msg((f & (F_VERSION_1 | F_PROTOCOL | F_SEG_MAX | F_FLUSH)) ==
		      (F_VERSION_1 | F_PROTOCOL | F_SEG_MAX | F_FLUSH), "features %#llx",
		      (unsigned long long)f);
	ck_assert_msg(!(f & (F_RO | F_INDIRECT | F_EVENT_IDX | F_PACKED)), "features %#llx",
		      (unsigned long long)f);
	ck_assert_uint_eq(get_u64(VHOST_USER_GET_PROTOCOL_FEATURES), 0x1209);
	ck_assert_uint_eq(get_u64(VHOST_USER_GET_QUEUE_NUM), 1);
	ck_assert_uint_eq(acked(VHOST_USER_SET_OWNER, NULL, 0, NULL, 0), 0);

	send_msg(VHOST_USER_GET_CONFIG, 0, &c, VHOST_USER_CONFIG_HDR + c.size, NULL, 0);
	recv_reply(VHOST_USER_GET_CONFIG, &m);
	ck_assert_uint_eq(m.payload.config.size, 60);
	memcpy(&capacity, m.payload.config.payload, 8);
	memcpy(&seg_max, m.payload.config.payload + 12, 4);
	ck_assert_uint_eq(capacity, DISK_SECTORS);
	ck_assert_uint_eq(seg_max, VQ_MAX_CHAIN - 2);

	bring_up();

	/* read sector 3 */
	memset(host(DATA), 0, 512);
	ck_assert_uint_eq(request(0, 3, 512, true, &len), 0);
	ck_assert_uint_eq(len, 513);
	memset(want, 3 * 7 + 1, sizeof(want));
	ck_assert_mem_eq(host(DATA), want, 512);

	/* write sector 5 */
	memset(host(DATA), 0xa5, 512);
	ck_assert_uint_eq(request(1, 5, 512, false, &len), 0);
	ck_assert_uint_eq(len, 1);
	fd = open(disk, O_RDONLY);
	ck_assert_int_eq(pread(fd, got, sizeof(got), 5 * 512), 512);
	close(fd);
	memset(want, 0xa5, sizeof(want));
	ck_assert_mem_eq(got, want, 512);

	/* flush, then a read past the end gets an error status */
	ck_assert_uint_eq(request(4, 0, 0, false, &len), 0);
	ck_assert_uint_eq(request(0, DISK_SECTORS, 512, true, &len), 1);

	/* stopping the ring tells where it is */
	send_msg(VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0);
	recv_reply(VHOST_USER_GET_VRING_BASE, &m);
	ck_assert_uint_eq(m.payload.state.index, 0);
	ck_assert_uint_eq(m.payload.state.num, 4);
	ck_assert(!pending(err_fd));

	ck_assert_int_eq(finish(), 0);
	ck_assert_str_eq(serve_err, "");
	assert_no_fd_leak();
}
END_TEST

START_TEST(config_range_is_checked)
{
	struct vhost_user_config c = { .offset = 90, .size = 8 };
	struct vhost_user_msg m;

	send_msg(VHOST_USER_GET_CONFIG, 0, &c, VHOST_USER_CONFIG_HDR + c.size, NULL, 0);
	recv_reply(VHOST_USER_GET_CONFIG, &m);
	ck_assert_uint_eq(m.size, VHOST_USER_CONFIG_HDR);
	ck_assert_uint_eq(m.payload.config.size, 0);
	ck_assert_uint_eq(get_u64(VHOST_USER_GET_QUEUE_NUM), 1);
	ck_assert_int_eq(finish(), 0);
}
END_TEST

START_TEST(stop_fd_ends_serve_and_it_serves_again)
{
	uint64_t one = 1;
	int sv[2];

	ck_assert_uint_eq(get_u64(VHOST_USER_GET_QUEUE_NUM), 1);
	ck_assert_int_eq(write(stop_fd, &one, sizeof(one)), 8);
	pthread_join(thread, NULL);
	ck_assert_int_eq(serve_ret, 0);

	/* the next connection starts afresh */
	ck_assert_int_eq(read(stop_fd, &one, sizeof(one)), 8);
	close(fe);
	close(be_sock);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fe = sv[0];
	be_sock = sv[1];
	ck_assert_int_eq(pthread_create(&thread, NULL, serve_thread, NULL), 0);
	bring_up();
	{
		uint32_t len;

		ck_assert_uint_eq(request(0, 1, 512, true, &len), 0);
	}
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

START_TEST(read_only_disk_is_offered_and_enforced)
{
	uint32_t len;

	teardown();
	start_backend(true);
	ck_assert(get_u64(VHOST_USER_GET_FEATURES) & F_RO);
	bring_up();
	ck_assert_uint_eq(set_u64(VHOST_USER_SET_FEATURES, F_VERSION_1 | F_PROTOCOL | F_RO), 0);
	ck_assert_uint_eq(request(1, 5, 512, false, &len), 1);
	ck_assert_int_eq(finish(), 0);
}
END_TEST

START_TEST(wrong_payload_size)
{
	uint32_t four = 0;

	send_msg(VHOST_USER_SET_FEATURES, 0, &four, sizeof(four), NULL, 0);
	ck_assert_int_eq(finish(), -EBADMSG);
	ck_assert_msg(strstr(serve_err, "SET_FEATURES") && strstr(serve_err, "4 bytes"),
		      "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(unknown_request)
{
	uint64_t v = 0;

	/* asked for a reply: a failure, and the connection goes on */
	ck_assert_uint_ne(acked(40, &v, sizeof(v), NULL, 0), 0);
	ck_assert_uint_eq(get_u64(VHOST_USER_GET_QUEUE_NUM), 1);
	/* not asked: the end */
	send_msg(40, 0, &v, sizeof(v), NULL, 0);
	ck_assert_int_eq(finish(), -EOPNOTSUPP);
	ck_assert_msg(strstr(serve_err, "(40) is not supported"), "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(unoffered_features_are_refused)
{
	ck_assert_uint_ne(set_u64(VHOST_USER_SET_FEATURES, F_VERSION_1 | F_INDIRECT), 0);
	ck_assert_uint_ne(set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, 1ULL << 1), 0);
	send_msg(VHOST_USER_SET_FEATURES, 0, &(uint64_t){ F_EVENT_IDX }, 8, NULL, 0);
	ck_assert_int_eq(finish(), -EINVAL);
	ck_assert_msg(strstr(serve_err, "SET_FEATURES: 0x20000000 were not offered"), "%s", serve_err);
}
END_TEST

START_TEST(too_many_fds)
{
	uint64_t v = 0;
	int fds[2] = { call, err_fd };

	send_msg(VHOST_USER_SET_VRING_CALL, 0, &v, sizeof(v), fds, 2);
	ck_assert_int_eq(finish(), -EBADMSG);
	ck_assert_msg(strstr(serve_err, "SET_VRING_CALL: 2 fds where 1 belong"), "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(fds_where_none_belong)
{
	int fds[VHOST_USER_MAX_FDS];
	unsigned int i;

	for (i = 0; i < VHOST_USER_MAX_FDS; i++)
		fds[i] = call;
	send_msg(VHOST_USER_GET_QUEUE_NUM, 0, NULL, 0, fds, VHOST_USER_MAX_FDS);
	ck_assert_int_eq(finish(), -EBADMSG);
	ck_assert_msg(strstr(serve_err, "GET_QUEUE_NUM: 8 fds where 0 belong"), "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(mem_table_with_fewer_fds_than_regions)
{
	struct vhost_user_memory t;
	int fds[2];

	mem_table(&t, fds);
	send_msg(VHOST_USER_SET_MEM_TABLE, VHOST_USER_NEED_REPLY, &t, mem_table_size(2), fds, 1);
	ck_assert_int_eq(finish(), -EBADMSG);
	ck_assert_msg(strstr(serve_err, "SET_MEM_TABLE: 1 fds where 2 belong"), "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(bad_mem_tables)
{
	struct vhost_user_memory t;
	int fds[2];

	/* overlapping in guest-physical space */
	mem_table(&t, fds);
	t.regions[1].guest_phys_addr = 0x80000;
	ck_assert_uint_ne(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	/* overlapping in the frontend's address space */
	mem_table(&t, fds);
	t.regions[1].userspace_addr = UVA0 + 0x1000;
	ck_assert_uint_ne(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	/* fd offset not page-aligned */
	mem_table(&t, fds);
	t.regions[1].mmap_offset = MiB + 8;
	ck_assert_uint_ne(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	/* past the end of the fd */
	mem_table(&t, fds);
	t.regions[1].memory_size = 4 * MiB;
	ck_assert_uint_ne(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	/* no regions */
	t.nregions = 0;
	ck_assert_uint_ne(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(0), NULL, 0), 0);
	/* the good one still works after all that */
	mem_table(&t, fds);
	ck_assert_uint_eq(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

START_TEST(ring_outside_the_table)
{
	struct vhost_user_memory t;
	int fds[2];

	mem_table(&t, fds);
	ck_assert_uint_eq(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_NUM, 0, QSIZE), 0);
	/* used ring runs off the end of region 1 */
	ck_assert_uint_ne(ring_addr(0, DESC, AVAIL, GPA1 + MiB - 8, true), 0);
	/* desc in the hole between the regions */
	ring_addr(0, 2 * MiB, AVAIL, USED, false);
	ck_assert_int_eq(finish(), -EINVAL);
	ck_assert_msg(strstr(serve_err, "SET_VRING_ADDR: ring 0 lies outside the memory table"),
		      "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(ring_index_out_of_range)
{
	ck_assert_uint_ne(set_fd(VHOST_USER_SET_VRING_CALL, 1, call), 0);
	ck_assert_uint_ne(set_state(VHOST_USER_SET_VRING_NUM, 0, 12), 0);
	ck_assert_uint_ne(set_state(VHOST_USER_SET_VRING_NUM, 0, 2 * VQ_MAX_SIZE), 0);
	ck_assert_uint_ne(set_fd(VHOST_USER_SET_VRING_KICK, 0, -1), 0);
	send_msg(VHOST_USER_SET_VRING_NUM, 0,
		 &(struct vhost_user_vring_state){ 255, QSIZE }, 8, NULL, 0);
	ck_assert_int_eq(finish(), -ERANGE);
	ck_assert_msg(strstr(serve_err, "SET_VRING_NUM: ring 255 out of range (1 queues)"),
		      "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(truncated_message_then_disconnect)
{
	uint8_t raw[VHOST_USER_HDR_SIZE + 4] = { 0 };
	struct vhost_user_msg h = {
		.request = VHOST_USER_SET_FEATURES, .flags = VHOST_USER_VERSION, .size = 8,
	};

	memcpy(raw, &h, VHOST_USER_HDR_SIZE);
	ck_assert_int_eq(write(fe, raw, sizeof(raw)), sizeof(raw));
	ck_assert_int_eq(finish(), -EBADMSG);
	ck_assert_msg(strstr(serve_err, "truncated"), "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

START_TEST(descriptor_outside_memory_breaks_the_ring)
{
	struct vhost_user_vring_state s = { 0, 0 };
	struct vhost_user_msg m;

	bring_up();
	set_desc(0, HDR, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, 2 * MiB - 256, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 2);
	set_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	offer_and_kick(0);
	ck_assert_msg(wait_event(err_fd), "no err eventfd for a broken ring");
	ck_assert_uint_eq(used_idx(), 0);
	/* the connection goes on; the ring is stopped until set up again */
	send_msg(VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0);
	recv_reply(VHOST_USER_GET_VRING_BASE, &m);
	ck_assert_uint_eq(m.payload.state.num, 0);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

/* ---- in-flight tracking ---- */

#define INFLIGHT_BYTES	192	/* 16-byte header + 8 entries of 16, to 64 */

/* GET_INFLIGHT_FD for one queue of QSIZE: the region's fd. */
static int get_inflight(void)
{
	struct vhost_user_inflight p = { 0, 0, 1, QSIZE };
	struct vhost_user_msg m;
	unsigned int n;
	int fd = -1;

	send_msg(VHOST_USER_GET_INFLIGHT_FD, 0, &p, sizeof(p), NULL, 0);
	ck_assert_int_eq(vhost_user_recv(fe, &m, &fd, 1, &n), 0);
	ck_assert_uint_eq(m.request, VHOST_USER_GET_INFLIGHT_FD);
	ck_assert(vhost_user_payload_ok(&m, true));
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(m.payload.inflight.mmap_size, INFLIGHT_BYTES);
	ck_assert_uint_eq(m.payload.inflight.mmap_offset, 0);
	ck_assert_uint_eq(m.payload.inflight.num_queues, 1);
	ck_assert_uint_eq(m.payload.inflight.queue_size, QSIZE);
	return fd;
}

static struct vhost_user_inflight_queue *map_inflight(int fd)
{
	void *p = mmap(NULL, INFLIGHT_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

START_TEST(get_inflight_fd_gives_an_initialised_region)
{
	struct vhost_user_inflight_queue *q;
	struct stat st;
	unsigned int i;
	int fd = get_inflight();

	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, INFLIGHT_BYTES);
	ck_assert_int_lt(ftruncate(fd, 64), 0);		/* sealed */
	q = map_inflight(fd);
	ck_assert_uint_eq(q->version, 1);
	ck_assert_uint_eq(q->desc_num, QSIZE);
	ck_assert_uint_eq(q->used_idx, 0);
	for (i = 0; i < QSIZE; i++)
		ck_assert_uint_eq(q->desc[i].inflight, 0);
	munmap(q, INFLIGHT_BYTES);
	/* handing it back is accepted; the region goes with the connection */
	bring_up_with(fd, 0);
	close(fd);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

static uint64_t set_inflight(uint64_t size, uint64_t offset, uint16_t queues, uint16_t qsize,
			     int fd)
{
	struct vhost_user_inflight p = { size, offset, queues, qsize };

	return acked(VHOST_USER_SET_INFLIGHT_FD, &p, sizeof(p), &fd, 1);
}

START_TEST(bad_inflight_fds_are_refused)
{
	struct vhost_user_inflight p = { INFLIGHT_BYTES, 0, 1, 0 };
	int fd = get_inflight();
	int big = memfd_create("big", MFD_CLOEXEC);

	ck_assert_int_eq(ftruncate(big, 4096), 0);
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES + 1, 0, 1, QSIZE, fd), 0);	/* past the end */
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 64, 1, QSIZE, fd), 0);
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 0, 2, QSIZE, fd), 0);	/* 2 queues need more */
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 0, 1, 12, fd), 0);		/* not a power of 2 */
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 0, 1, 2 * VQ_MAX_SIZE, big), 0);
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 0, 0, QSIZE, fd), 0);
	ck_assert_uint_ne(set_inflight(9 * INFLIGHT_BYTES, 0, 9, QSIZE, big), 0);	/* > VIRTIO_MAX_QUEUES */
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 3, 1, QSIZE, big), 0);	/* misaligned */
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, UINT64_MAX - 7, 1, QSIZE, big), 0);
	ck_assert_uint_ne(set_inflight(INFLIGHT_BYTES, 0, 1, QSIZE, kick), 0);	/* an eventfd */
	ck_assert_uint_eq(set_inflight(INFLIGHT_BYTES, 0, 1, QSIZE, fd), 0);
	bring_up();
	/* a ring larger than the region's queues runs, without a record */
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_NUM, 0, 2 * QSIZE), 0);
	{
		uint32_t len;

		ck_assert_uint_eq(request(0, 1, 512, true, &len), 0);
	}
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_NUM, 0, QSIZE), 0);
	/* a region inside a larger file, at an offset; never used: set up */
	ck_assert_uint_eq(set_inflight(INFLIGHT_BYTES, 64, 1, QSIZE, big), 0);
	{
		uint32_t len;
		uint16_t version;

		ck_assert_uint_eq(request(0, 1, 512, true, &len), 0);
		ck_assert_int_eq(pread(big, &version, 2, 64 + 8), 2);
		ck_assert_uint_eq(version, 1);
	}
	close(big);
	close(fd);
	/* a size that cannot be made ends the connection, with one line */
	send_msg(VHOST_USER_GET_INFLIGHT_FD, 0, &p, sizeof(p), NULL, 0);
	ck_assert_int_eq(finish(), -EINVAL);
	ck_assert_msg(strstr(serve_err, "GET_INFLIGHT_FD: 1 queues of 0"), "%s", serve_err);
	assert_no_fd_leak();
}
END_TEST

/*
 * The backend process dies (the frontend sees a hang-up) and a new one,
 * a new backend object, takes the next connection.
 */
static void replace_backend(struct vhost_user_backend *next)
{
	finish();
	close(be_sock);
	vhost_user_backend_destroy(be);
	be = next;
	connect_backend();
}

/* A device that takes every request and returns those not marked 'H'. */
static uint16_t popped[32];
static unsigned int nr_popped;
static bool holding;

static bool hold_notify(void *opaque, struct virtqueue *vq, unsigned int index)
{
	struct vq_chain c;
	bool used = false;
	char mark;

	(void)opaque;
	(void)index;
	while (vq_pop(vq, &c) == 1) {
		ck_assert_uint_lt(nr_popped, ARRAY_SIZE(popped));
		popped[nr_popped++] = c.head;
		if (holding && vq_copy_from_out(&c, 0, &mark, 1) == 1 && mark == 'H')
			continue;
		vq_push(vq, c.head, 0);
		used = true;
	}
	return used;
}

static const struct virtio_device_ops hold_ops = { .queue_notify = hold_notify };

static void restart_as_hold_device(bool hold)
{
	struct virtio_device dev = {
		.name = "hold", .device_id = VIRTIO_ID_BLOCK, .nr_queues = 1, .ops = &hold_ops,
		.features = F_SEG_MAX | F_FLUSH,	/* what bring_up acks */
	};
	struct vhost_user_backend *next;

	ck_assert_int_eq(vhost_user_backend_create(&dev, &next), 0);
	replace_backend(next);
	holding = hold;
	nr_popped = 0;
}

/* Head's one readable byte is mark; offered and kicked. */
static void offer_marked(uint16_t head, char mark)
{
	*(char *)host(DATA + 64 * head) = mark;
	set_desc(head, DATA + 64 * head, 1, 0, 0);
	offer_and_kick(head);
}

/* A round trip: every kick before it has been served. */
static void sync_backend(void)
{
	ck_assert_uint_eq(get_u64(VHOST_USER_GET_QUEUE_NUM), 1);
}

static void assert_popped(const uint16_t *want, unsigned int n)
{
	unsigned int i;

	ck_assert_uint_eq(nr_popped, n);
	for (i = 0; i < n; i++)
		ck_assert_msg(popped[i] == want[i], "pop %u: head %u, want %u", i, popped[i], want[i]);
}

static uint16_t vring_base(void)
{
	struct vhost_user_vring_state s = { 0, 0 };
	struct vhost_user_msg m;

	send_msg(VHOST_USER_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0);
	recv_reply(VHOST_USER_GET_VRING_BASE, &m);
	return (uint16_t)m.payload.state.num;
}

START_TEST(inflight_flags_follow_requests)
{
	struct vhost_user_inflight_queue *q;
	int fd;

	restart_as_hold_device(true);
	fd = get_inflight();
	bring_up_with(fd, 0);
	q = map_inflight(fd);
	offer_marked(0, 'd');
	offer_marked(1, 'H');
	offer_marked(2, 'd');
	sync_backend();
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert_uint_eq(q->desc[0].inflight, 0);
	ck_assert_uint_eq(q->desc[1].inflight, 1);
	ck_assert_uint_eq(q->desc[2].inflight, 0);
	ck_assert_uint_eq(q->desc[1].counter, 2);
	ck_assert_uint_eq(q->used_idx, 2);
	ck_assert_uint_eq(q->last_batch_head, 2);
	munmap(q, INFLIGHT_BYTES);
	close(fd);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

START_TEST(restarted_backend_resubmits_what_was_in_flight)
{
	static const uint16_t first[] = { 0, 2, 1, 3 }, resubmitted[] = { 2, 1 },
			      then[] = { 2, 1, 4 };
	struct vhost_user_inflight_queue *q;
	unsigned int i;
	int fd;

	restart_as_hold_device(true);
	fd = get_inflight();
	bring_up_with(fd, 0);
	offer_marked(0, 'd');
	offer_marked(2, 'H');
	offer_marked(1, 'H');
	offer_marked(3, 'd');
	sync_backend();
	assert_popped(first, 4);
	ck_assert_uint_eq(used_idx(), 2);

	/* killed with 2 and 1 in flight; the frontend reconnects */
	restart_as_hold_device(false);
	bring_up_with(fd, used_idx());
	assert_popped(resubmitted, 2);
	ck_assert_uint_eq(used_idx(), 4);
	offer_marked(4, 'd');
	ck_assert(wait_event(call));
	sync_backend();
	assert_popped(then, 3);
	ck_assert_uint_eq(used_idx(), 5);
	ck_assert_uint_eq(vring_base(), 5);
	q = map_inflight(fd);
	for (i = 0; i < QSIZE; i++)
		ck_assert_uint_eq(q->desc[i].inflight, 0);
	ck_assert_uint_eq(q->desc[4].counter, 5);	/* above the 4 before */
	ck_assert_uint_eq(q->used_idx, 5);
	munmap(q, INFLIGHT_BYTES);
	close(fd);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

START_TEST(restart_after_a_published_batch_does_not_repeat_it)
{
	static const uint16_t resubmitted[] = { 1 };
	struct vhost_user_inflight_queue *q;
	int fd;

	restart_as_hold_device(true);
	fd = get_inflight();
	bring_up_with(fd, 0);
	offer_marked(0, 'd');
	offer_marked(1, 'H');
	sync_backend();
	ck_assert_uint_eq(used_idx(), 1);

	/* as if killed after publishing head 0, before clearing its flag */
	restart_as_hold_device(false);
	q = map_inflight(fd);
	ck_assert_uint_eq(q->last_batch_head, 0);
	q->desc[0].inflight = 1;
	q->used_idx = 0;
	bring_up_with(fd, used_idx());
	assert_popped(resubmitted, 1);
	ck_assert_uint_eq(used_idx(), 2);
	ck_assert_uint_eq(q->desc[0].inflight, 0);
	ck_assert_uint_eq(q->desc[1].inflight, 0);
	ck_assert_uint_eq(q->used_idx, 2);
	munmap(q, INFLIGHT_BYTES);
	close(fd);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

START_TEST(garbled_region_fails_the_ring)
{
	struct vhost_user_inflight_queue *q;
	int fd;

	restart_as_hold_device(false);
	fd = get_inflight();
	q = map_inflight(fd);
	q->desc[5].inflight = 7;
	ck_assert_uint_eq(set_inflight(INFLIGHT_BYTES, 0, 1, QSIZE, fd), 0);
	ck_assert_uint_eq(set_u64(VHOST_USER_SET_FEATURES, F_VERSION_1), 0);
	ck_assert_uint_eq(set_state(VHOST_USER_SET_VRING_NUM, 0, QSIZE), 0);
	ck_assert_uint_eq(ring_addr(0, DESC, AVAIL, USED, true), 0);
	{
		struct vhost_user_memory t;
		int fds[2];

		mem_table(&t, fds);
		ck_assert_uint_eq(acked(VHOST_USER_SET_MEM_TABLE, &t, mem_table_size(2), fds, 2), 0);
	}
	/* the ring would start here: refused, and said so */
	send_msg(VHOST_USER_SET_VRING_KICK, 0, &(uint64_t){ 0 }, 8, &kick, 1);
	ck_assert_int_eq(finish(), -EINVAL);
	ck_assert_msg(strstr(serve_err, "ring 0: the in-flight region is inconsistent"), "%s", serve_err);
	ck_assert_uint_eq(nr_popped, 0);
	munmap(q, INFLIGHT_BYTES);
	close(fd);
	assert_no_fd_leak();
}
END_TEST

START_TEST(blk_write_in_flight_is_done_once_after_a_restart)
{
	struct { uint32_t type, reserved; uint64_t sector; } h = { 1, 0, 5 };
	struct vhost_user_inflight_queue *q;
	struct vhost_user_backend *next;
	uint8_t want[512], got[512];
	uint16_t *avail = host(AVAIL);
	uint32_t *elem = (uint32_t *)((uint16_t *)host(USED) + 2);
	int fd = get_inflight(), disk_fd;

	bring_up_with(fd, 0);
	/* backend 1 took a write and died before doing it */
	memcpy(host(HDR), &h, sizeof(h));
	memset(host(DATA), 0x5a, 512);
	*(uint8_t *)host(STATUS) = 0xff;
	set_desc(0, HDR, sizeof(h), VRING_DESC_F_NEXT, 1);
	set_desc(1, DATA, 512, VRING_DESC_F_NEXT, 2);
	set_desc(2, STATUS, 1, VRING_DESC_F_WRITE, 0);
	avail[2] = 0;
	__atomic_store_n(&avail[1], 1, __ATOMIC_RELEASE);
	q = map_inflight(fd);
	q->desc[0].counter = 1;
	q->desc[0].inflight = 1;
	ck_assert_int_eq(vhost_user_blk_backend_create(disk, false, &next), 0);
	replace_backend(next);

	/* backend 2 does it when the ring starts */
	bring_up_with(fd, 0);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(elem[0], 0);
	ck_assert_uint_eq(elem[1], 1);
	ck_assert_uint_eq(*(uint8_t *)host(STATUS), 0);
	disk_fd = open(disk, O_RDONLY);
	ck_assert_int_eq(pread(disk_fd, got, sizeof(got), 5 * 512), 512);
	close(disk_fd);
	memset(want, 0x5a, sizeof(want));
	ck_assert_mem_eq(got, want, 512);
	ck_assert_uint_eq(q->desc[0].inflight, 0);
	ck_assert_uint_eq(q->used_idx, 1);
	/* and only once */
	ck_assert_int_eq(write(kick, &(uint64_t){ 1 }, 8), 8);
	sync_backend();
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(vring_base(), 1);
	munmap(q, INFLIGHT_BYTES);
	close(fd);
	ck_assert_int_eq(finish(), 0);
	assert_no_fd_leak();
}
END_TEST

/* ---- guest_memory_import ---- */

static int import(uint64_t gpa0, uint64_t size0, uint64_t off0, uint64_t gpa1,
		  uint64_t size1, uint64_t off1, struct guest_memory **mem)
{
	struct shared_region r[2] = {
		{ gpa0, size0, dup(memfd), off0 },
		{ gpa1, size1, dup(memfd), off1 },
	};

	return guest_memory_import(r, 2, mem);
}

START_TEST(import_maps_and_refuses)
{
	struct guest_memory *mem;
	uint32_t v = 0x12345678, w = 0;
	int before = count_fds();

	ck_assert_int_eq(import(0, MiB, 0, GPA1, MiB, MiB, &mem), 0);
	ck_assert_int_eq(guest_memory_backend(mem), GUEST_MEMORY_MEMFD);
	ck_assert_uint_eq(guest_memory_size(mem), 2 * MiB);
	ck_assert_int_eq(guest_memory_write(mem, GPA1 + 0x100, &v, 4), 0);
	memcpy(&w, ram + MiB + 0x100, 4);
	ck_assert_uint_eq(w, v);
	ck_assert_ptr_null(guest_memory_ptr(mem, MiB, 4));		/* the hole */
	ck_assert_ptr_null(guest_memory_ptr(mem, GPA1 + MiB - 2, 4));	/* the end */
	guest_memory_destroy(mem);
	ck_assert_int_eq(count_fds(), before);

	ck_assert_int_eq(import(0, MiB, 0, MiB / 2, MiB, MiB, &mem), -EINVAL);
	ck_assert_int_eq(import(0, MiB, 0, GPA1, 0, MiB, &mem), -EINVAL);
	ck_assert_int_eq(import(0, MiB, 100, GPA1, MiB, MiB, &mem), -EINVAL);
	ck_assert_int_eq(import(UINT64_MAX - 10, MiB, 0, GPA1, MiB, MiB, &mem), -EINVAL);
	ck_assert_int_eq(import(0, MiB, 0, GPA1, MiB, UINT64_MAX - 4095, &mem), -EINVAL);
	ck_assert_int_eq(import(0, MiB, 0, GPA1, 2 * MiB, MiB, &mem), -ERANGE);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("backend");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, happy_path);
	tcase_add_test(tc, config_range_is_checked);
	tcase_add_test(tc, stop_fd_ends_serve_and_it_serves_again);
	tcase_add_test(tc, read_only_disk_is_offered_and_enforced);
	tcase_add_test(tc, wrong_payload_size);
	tcase_add_test(tc, unknown_request);
	tcase_add_test(tc, unoffered_features_are_refused);
	tcase_add_test(tc, too_many_fds);
	tcase_add_test(tc, fds_where_none_belong);
	tcase_add_test(tc, mem_table_with_fewer_fds_than_regions);
	tcase_add_test(tc, bad_mem_tables);
	tcase_add_test(tc, ring_outside_the_table);
	tcase_add_test(tc, ring_index_out_of_range);
	tcase_add_test(tc, truncated_message_then_disconnect);
	tcase_add_test(tc, descriptor_outside_memory_breaks_the_ring);
	tcase_add_test(tc, import_maps_and_refuses);
	tcase_add_test(tc, get_inflight_fd_gives_an_initialised_region);
	tcase_add_test(tc, bad_inflight_fds_are_refused);
	tcase_add_test(tc, inflight_flags_follow_requests);
	tcase_add_test(tc, restarted_backend_resubmits_what_was_in_flight);
	tcase_add_test(tc, restart_after_a_published_batch_does_not_repeat_it);
	tcase_add_test(tc, garbled_region_fails_the_ring);
	tcase_add_test(tc, blk_write_in_flight_is_done_once_after_a_restart);
	return run_tcase("vhost_user_backend", tc);
}
