// SPDX-License-Identifier: GPL-2.0
/*
 * The vhost-user frontend parsing a backend's replies: the input is what
 * the backend says, replayed on a socketpair (all of it written up front,
 * then end of stream) while vhost_user_frontend_open, get_config, start
 * and stop run against it.
 *
 * Input: fds (bits 0-1: how many eventfds ride with the stream, from
 * byte 4 * split on), split, config length, start (bits 0-3: queues,
 * bit 4: no features, bit 5: ask for an in-flight region first), then
 * the backend's byte stream. Besides ASan and
 * UBSan, every fd the frontend received or opened must be closed when it
 * is closed.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "devices/host/unix_fds.h"
#include "devices/vhost_user.h"
#include "devices/vhost_user_frontend.h"
#include "memory/sharing.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	0x10000ULL

static struct guest_memory *mem;
static struct guest_memory_sharing *sharing;
static int kick, call;

static void setup(void)
{
	struct guest_memory_config cfg = { .size = RAM_SIZE, .backend = GUEST_MEMORY_MEMFD };
	struct guest_range layout = { 0, RAM_SIZE };

	fuzz_assert(guest_memory_create(&cfg, &layout, 1, &mem) == 0);
	fuzz_assert(guest_memory_sharing_get(mem, &sharing) == 0);
	kick = eventfd(0, EFD_CLOEXEC);
	call = eventfd(0, EFD_CLOEXEC);
	fuzz_assert(kick >= 0 && call >= 0);
}

/* Writes the stream, nr_fds eventfds riding with the bytes from split on. */
static void replay(int sock, const uint8_t *p, size_t n, size_t split,
		   unsigned int nr_fds)
{
	int fds[3] = { -1, -1, -1 };
	struct iovec iov;
	unsigned int i;

	if (split > n)
		split = n;
	if (split && send(sock, p, split, MSG_NOSIGNAL) != (ssize_t)split)
		abort();
	if (split == n)
		return;
	iov = (struct iovec){ (void *)(p + split), n - split };
	for (i = 0; i < nr_fds; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		fuzz_assert(fds[i] >= 0);
	}
	fuzz_assert(unix_send_fds(sock, &iov, 1, fds, nr_fds) == (long)(n - split));
	for (i = 0; i < nr_fds; i++)
		close(fds[i]);	/* the frontend has its own, if it took them */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vhost_user_queue q[9];
	struct vhost_user_frontend *fe;
	struct vhost_user_inflight_fd inflight;
	bool have_inflight = false;
	const char *request = NULL;
	uint8_t fds, split, config_len, start, buf[256];
	unsigned int i, nr;
	int sv[2], lowest, err;

	if (!mem)
		setup();
	lowest = fuzz_lowest_fd();
	fds = fuzz_u8(&in);
	split = fuzz_u8(&in);
	config_len = fuzz_u8(&in);
	start = fuzz_u8(&in);
	fuzz_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	replay(sv[1], in.p, in.n, (size_t)split * 4, fds & 3);
	shutdown(sv[1], SHUT_WR);

	err = vhost_user_frontend_open(sv[0], sharing, &fe, &request);
	if (err) {
		fuzz_assert(err < 0 && request);
		goto out;
	}
	fuzz_assert(vhost_user_frontend_queues(fe) >= 1 &&
		    vhost_user_frontend_queues(fe) <= 8);
	if (vhost_user_frontend_has_config(fe))
		vhost_user_frontend_get_config(fe, buf, config_len);
	nr = start & 15;
	for (i = 0; i < 9; i++)
		q[i] = (struct vhost_user_queue){
			.size = 256, .desc_gpa = 0x1000 * i, .avail_gpa = 0x1000 * i + 0x800,
			.used_gpa = 0x1000 * i + 0xc00, .kick_fd = kick, .call_fd = call,
			.err_fd = i & 1 ? call : -1,
		};
	if (vhost_user_frontend_has_inflight(fe) && (start & 32) &&
	    !vhost_user_frontend_get_inflight(fe, 2, 256, &inflight)) {
		fuzz_assert(inflight.fd >= 0);
		have_inflight = true;
	}
	err = vhost_user_frontend_start(fe, start & 16 ? 0 : vhost_user_frontend_features(fe),
					q, nr, have_inflight ? &inflight : NULL);
	if (have_inflight)
		close(inflight.fd);
	if (!err || err == -EIO)
		vhost_user_frontend_stop(fe);
	vhost_user_frontend_check(fe);
	vhost_user_frontend_close(fe);
out:
	close(sv[1]);	/* with it what the frontend sent, fds and all */
	fuzz_assert(fuzz_lowest_fd() == lowest);
	return 0;
}
