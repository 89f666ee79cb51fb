// SPDX-License-Identifier: GPL-2.0
/*
 * A vhost-user-blk device's link (devices/vhost_user_link.c) with
 * reconnect=, against our blk backend listening on a unix socket, with no
 * KVM: the test plays the transport (it calls the external ops and keeps
 * the ring in a memfd) and the guest (it writes requests and kicks).
 * - The backend serves a write; then it goes away. The device says so in
 *   one line, keeps the ring, and watches its timer instead of the socket.
 * - A write made while no backend is there waits. A new backend on the
 *   same socket gets the ring back where the guest left it: the waiting
 *   write reaches the disk, the used ring gets exactly one entry for it,
 *   the guest is interrupted, and one line says the backend is back.
 * - With no backend within reconnect=, one line says so and lost() says
 *   the device is gone for good (the transport then fails its requests).
 * - Without reconnect=, a lost backend is gone for good at once.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>

#include "devices/vhost_user.h"
#include "devices/vhost_user_backend.h"
#include "devices/vhost_user_device.h"
#include "memory/sharing.h"
#include "tests/helpers.h"

#define RAM_SIZE	(1 * MiB)
#define QSIZE		8
#define DESC		0x1000
#define AVAIL		0x2000
#define USED		0x3000
#define HDR		0x4000
#define DATA		0x5000
#define STATUS		0x6000

static char dir[] = "/tmp/vhost-link.XXXXXX";
static char sock_path[200], disk_path[200];
static struct guest_memory *mem;
static struct guest_memory_sharing *sharing;
static int kick, irq, err_fd;
static char reports[4096];
static uint16_t avail_idx;

/* ---- a backend process, as a thread: listen, serve one, until stopped ---- */

struct backend {
	pthread_t thread;
	int listen_fd, stop_fd;
	struct vhost_user_backend *b;
};

static void *backend_thread(void *arg)
{
	struct backend *be = arg;
	char err[256];

	for (;;) {
		struct pollfd p[2] = { { be->listen_fd, POLLIN, 0 }, { be->stop_fd, POLLIN, 0 } };
		int conn;

		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		conn = accept4(be->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		vhost_user_backend_serve(be->b, conn, be->stop_fd, err, sizeof(err));
		close(conn);
	}
}

static void backend_start(struct backend *be)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	ck_assert_int_eq(vhost_user_blk_backend_create(disk_path, false, &be->b), 0);
	strcpy(addr.sun_path, sock_path);
	unlink(sock_path);
	be->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(be->listen_fd, 0);
	ck_assert_int_eq(bind(be->listen_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	ck_assert_int_eq(listen(be->listen_fd, 1), 0);
	be->stop_fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_eq(pthread_create(&be->thread, NULL, backend_thread, be), 0);
}

/* The backend dies: its connection and socket go away with it. */
static void backend_kill(struct backend *be)
{
	uint64_t one = 1;

	ck_assert_int_eq(write(be->stop_fd, &one, sizeof(one)), 8);
	pthread_join(be->thread, NULL);
	close(be->listen_fd);
	close(be->stop_fd);
	unlink(sock_path);
	vhost_user_backend_destroy(be->b);
}

/* ---- the host and the guest ---- */

static void report(const struct device_host *host, const char *device, const char *what)
{
	(void)host;
	snprintf(reports + strlen(reports), sizeof(reports) - strlen(reports), "%s: %s\n",
		 device, what);
}

static const struct device_host host = { .report = report };

static void *gpa(uint64_t a)
{
	return guest_memory_ptr(mem, a, 1);
}

static uint16_t used_idx(void)
{
	return __atomic_load_n((uint16_t *)gpa(USED) + 1, __ATOMIC_ACQUIRE);
}

/* A 512-byte write of byte v to sector, offered and kicked. */
static void write_request(uint64_t sector, uint8_t v)
{
	struct virtio_blk_outhdr h = { .type = VIRTIO_BLK_T_OUT, .sector = sector };
	struct vring_desc *d = gpa(DESC);
	uint16_t *avail = gpa(AVAIL);
	uint64_t one = 1;

	memcpy(gpa(HDR), &h, sizeof(h));
	memset(gpa(DATA), v, 512);
	*(uint8_t *)gpa(STATUS) = 0xff;
	d[0] = (struct vring_desc){ HDR, sizeof(h), VRING_DESC_F_NEXT, 1 };
	d[1] = (struct vring_desc){ DATA, 512, VRING_DESC_F_NEXT, 2 };
	d[2] = (struct vring_desc){ STATUS, 1, VRING_DESC_F_WRITE, 0 };
	avail[2 + avail_idx % QSIZE] = 0;
	avail_idx++;
	__atomic_store_n(&avail[1], avail_idx, __ATOMIC_RELEASE);
	ck_assert_int_eq(write(kick, &one, sizeof(one)), 8);
}

static bool wait_used(uint16_t want, double timeout_s)
{
	double end = monotonic_seconds() + timeout_s;

	while (used_idx() != want && monotonic_seconds() < end)
		usleep(1000);
	return used_idx() == want;
}

static uint8_t disk_byte(uint64_t sector)
{
	uint8_t v = 0;
	int fd = open(disk_path, O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &v, 1, (off_t)sector * 512), 1);
	close(fd);
	return v;
}

/* What the transport's worker does: wait for the watch fd, call lost(). */
static bool poll_lost(struct virtio_device *dev, double timeout_s, bool *gone)
{
	struct pollfd p = { .fd = dev->external->watch(dev->opaque), .events = POLLIN };

	if (poll(&p, 1, (int)(timeout_s * 1000)) != 1)
		return false;
	*gone = dev->external->lost(dev->opaque);
	return true;
}

static struct vhost_user_device *open_device(unsigned int reconnect_s,
					     struct virtio_device *dev)
{
	struct vhost_user_device_params p = {
		.type = VHOST_USER_BLK, .name = "vhost-user-blk test",
		.sharing = sharing, .host = &host, .socket = sock_path,
		.reconnect_s = reconnect_s,
	};
	struct vhost_user_device *d;
	const char *request;

	p.sock = vhost_user_connect(sock_path);
	ck_assert_int_ge(p.sock, 0);
	ck_assert_int_eq(vhost_user_device_create(&p, &d, &request), 0);
	vhost_user_device_describe(d, dev);
	return d;
}

static void start_ring(struct virtio_device *dev)
{
	struct virtio_queue_layout l = {
		.size = QSIZE, .desc_gpa = DESC, .avail_gpa = AVAIL, .used_gpa = USED,
		.kick_fd = kick, .err_fd = err_fd, .used_idx = (uint16_t *)gpa(USED) + 1,
	};

	ck_assert_int_eq(dev->external->start(dev->opaque, 1ULL << VIRTIO_F_VERSION_1,
					      &l, 1, irq), 0);
}

static void setup(void)
{
	struct guest_memory_config cfg = { .size = RAM_SIZE, .backend = GUEST_MEMORY_MEMFD };
	struct guest_range layout = { 0, RAM_SIZE };
	int fd;

	ck_assert_ptr_nonnull(make_tmpdir(dir));
	snprintf(sock_path, sizeof(sock_path), "%s/blk.sock", dir);
	snprintf(disk_path, sizeof(disk_path), "%s/disk", dir);
	fd = open(disk_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 * MiB), 0);
	close(fd);
	ck_assert_int_eq(guest_memory_create(&cfg, &layout, 1, &mem), 0);
	ck_assert_int_eq(guest_memory_sharing_get(mem, &sharing), 0);
	kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	irq = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	reports[0] = '\0';
	avail_idx = 0;
}

static void teardown(void)
{
	close(kick);
	close(irq);
	close(err_fd);
	guest_memory_sharing_put(sharing);
	guest_memory_destroy(mem);
	remove_tree(dir);
}

START_TEST(backend_restart_loses_nothing)
{
	struct backend be1, be2;
	struct virtio_device dev;
	struct vhost_user_device *d;
	uint64_t v;
	bool gone = true;
	int i;

	backend_start(&be1);
	d = open_device(5, &dev);
	start_ring(&dev);
	write_request(1, 0x11);
	ck_assert(wait_used(1, 5));
	ck_assert_uint_eq(*(uint8_t *)gpa(STATUS), VIRTIO_BLK_S_OK);

	backend_kill(&be1);
	ck_assert(poll_lost(&dev, 5, &gone));
	ck_assert(!gone);
	ck_assert_msg(strstr(reports, "vhost-user-blk test: backend lost (") &&
		      strstr(reports, "); reconnecting for up to 5 s\n"), "%s", reports);
	ck_assert_int_eq(count_lines(reports), 1);

	write_request(2, 0x22);		/* waits: no one serves it */
	for (i = 0; i < 3; i++) {	/* the timer ticks, nothing answers */
		ck_assert(poll_lost(&dev, 1, &gone));
		ck_assert(!gone);
	}
	ck_assert_uint_eq(used_idx(), 1);
	while (read(irq, &v, sizeof(v)) == 8)
		;

	backend_start(&be2);
	for (i = 0; i < 50 && !strstr(reports, "backend back after"); i++) {
		ck_assert(poll_lost(&dev, 1, &gone));
		ck_assert(!gone);
	}
	ck_assert_msg(strstr(reports, "vhost-user-blk test: backend back after "), "%s", reports);
	ck_assert_msg(!strstr(reports, "no in-flight record"), "%s", reports);	/* ours keeps one */
	ck_assert_int_eq(count_lines(reports), 2);
	ck_assert(wait_used(2, 5));
	usleep(100 * 1000);
	ck_assert_uint_eq(used_idx(), 2);	/* once, not twice */
	ck_assert_uint_eq(*(uint8_t *)gpa(STATUS), VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(disk_byte(1), 0x11);
	ck_assert_uint_eq(disk_byte(2), 0x22);
	ck_assert_int_eq(read(irq, &v, sizeof(v)), 8);

	write_request(3, 0x33);		/* and it goes on */
	ck_assert(wait_used(3, 5));
	ck_assert_uint_eq(disk_byte(3), 0x33);
	dev.external->stop(dev.opaque);
	vhost_user_device_destroy(d);
	backend_kill(&be2);
}
END_TEST

START_TEST(backend_that_stays_away_fails_the_device)
{
	double start;
	struct backend be;
	struct virtio_device dev;
	struct vhost_user_device *d;
	bool gone = false;

	backend_start(&be);
	d = open_device(1, &dev);
	start_ring(&dev);
	backend_kill(&be);
	start = monotonic_seconds();
	ck_assert(poll_lost(&dev, 5, &gone));
	ck_assert(!gone);
	while (!gone && monotonic_seconds() - start < 5)
		ck_assert(poll_lost(&dev, 1, &gone));
	ck_assert(gone);
	ck_assert(monotonic_seconds() - start >= 0.9);
	ck_assert_msg(strstr(reports, "vhost-user-blk test: backend did not come back within 1 s; "
			     "the device fails every request from now on\n"), "%s", reports);
	ck_assert_int_eq(count_lines(reports), 2);
	vhost_user_device_destroy(d);
}
END_TEST

START_TEST(without_reconnect_a_lost_backend_is_final)
{
	struct backend be;
	struct virtio_device dev;
	struct vhost_user_device *d;
	bool gone = false;

	backend_start(&be);
	d = open_device(0, &dev);
	start_ring(&dev);
	backend_kill(&be);
	ck_assert(poll_lost(&dev, 5, &gone));
	ck_assert(gone);
	ck_assert_msg(strstr(reports, "backend lost (") &&
		      strstr(reports, "); the device fails every request from now on\n"), "%s", reports);
	ck_assert_int_eq(count_lines(reports), 1);
	vhost_user_device_destroy(d);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost_user_link");
	TCase *tc = tcase_create("link");

	sigpipe_to_epipe();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, backend_restart_loses_nothing);
	tcase_add_test(tc, backend_that_stays_away_fails_the_device);
	tcase_add_test(tc, without_reconnect_a_lost_backend_is_final);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
