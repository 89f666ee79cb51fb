// SPDX-License-Identifier: GPL-2.0
/*
 * Our vhost-user-blk backend (vhost_user_backend_serve) serving a
 * frontend's byte stream: the input's messages, written up front on a
 * socketpair and then end of stream, with a memfd the only fd any of them
 * carries. The memfd holds guest RAM (the input's tail) for SET_MEM_TABLE;
 * as a kick fd it is always readable, so rings are served over and over.
 *
 * Input: flags (bit 0: attach one fd too many to message (flags >> 1)),
 * stream length (u16), the stream, then up to 64 KiB of guest RAM. Each
 * message gets the fds its header asks for (SET_MEM_TABLE: nregions,
 * SET_VRING_KICK/CALL/ERR: one unless NOFD, SET_INFLIGHT_FD: one), each
 * a dup of the memfd; so an in-flight region lies in guest RAM, where
 * the input writes what it likes. GET_INFLIGHT_FD's region comes back
 * on the socket nobody reads, and goes when it closes.
 * Besides ASan and UBSan: every fd the backend received is closed when
 * serve returns, and serve never returns an error without a message.
 */
#include <sys/mman.h>
#include <sys/socket.h>

#include "devices/host/unix_fds.h"
#include "devices/vhost_user.h"
#include "devices/vhost_user_backend.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	0x10000
#define DISK_SIZE	0x10000

static struct vhost_user_backend *backend;

static void setup(void)
{
	char path[] = "/tmp/fuzz-vhost-blk-XXXXXX";
	int fd = mkstemp(path);

	fuzz_assert(fd >= 0 && ftruncate(fd, DISK_SIZE) == 0);
	close(fd);
	fuzz_assert(vhost_user_blk_backend_create(path, false, &backend) == 0);
	unlink(path);
}

static unsigned int fds_for(const uint8_t *p, size_t n)
{
	uint32_t request, size, nregions;
	uint64_t u64;

	if (n < VHOST_USER_HDR_SIZE)
		return 0;
	memcpy(&request, p, 4);
	memcpy(&size, p + 8, 4);
	p += VHOST_USER_HDR_SIZE;
	n -= VHOST_USER_HDR_SIZE;
	switch (request) {
	case VHOST_USER_SET_MEM_TABLE:
		if (n < 4)
			return 0;
		memcpy(&nregions, p, 4);
		return nregions <= VHOST_USER_MAX_FDS ? nregions : 1;
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		if (n < 8)
			return 1;
		memcpy(&u64, p, 8);
		return u64 & VHOST_USER_VRING_NOFD ? 0 : 1;
	case VHOST_USER_SET_INFLIGHT_FD:
		return 1;
	default:
		return 0;
	}
}

static void send_with_fds(int sock, const uint8_t *p, size_t n, int memfd,
			  unsigned int nr_fds)
{
	int fds[VHOST_USER_MAX_FDS + 1];
	struct iovec iov = { (void *)p, n };
	unsigned int i;

	for (i = 0; i < nr_fds; i++)
		fds[i] = memfd;
	fuzz_assert(unix_send_fds(sock, &iov, 1, fds, nr_fds) == (long)n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t flags;
	size_t len, off, msg;
	unsigned int index = 0;
	char err[256];
	int sv[2], memfd, lowest, ret;

	if (!backend)
		setup();
	lowest = fuzz_lowest_fd();
	flags = fuzz_u8(&in);
	len = fuzz_u16(&in);
	if (len > in.n)
		len = in.n;

	memfd = memfd_create("fuzz-guest-ram", MFD_CLOEXEC);
	fuzz_assert(memfd >= 0 && ftruncate(memfd, RAM_SIZE) == 0);
	if (in.n > len) {
		size_t ram = in.n - len < RAM_SIZE ? in.n - len : RAM_SIZE;

		fuzz_assert(pwrite(memfd, in.p + len, ram, 0) == (ssize_t)ram);
	}
	fuzz_assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	/* One sendmsg per message, so that its fds arrive with its header. */
	for (off = 0; off < len; off += msg, index++) {
		uint32_t payload = 0;
		unsigned int nr_fds = fds_for(in.p + off, len - off);

		if (len - off >= VHOST_USER_HDR_SIZE)
			memcpy(&payload, in.p + off + 8, 4);
		msg = VHOST_USER_HDR_SIZE + (size_t)payload;
		if (msg > len - off)
			msg = len - off;
		if ((flags & 1) && index == (flags >> 1))
			nr_fds++;
		send_with_fds(sv[1], in.p + off, msg, memfd, nr_fds);
	}
	shutdown(sv[1], SHUT_WR);

	ret = vhost_user_backend_serve(backend, sv[0], -1, err, sizeof(err));
	fuzz_assert(ret <= 0);
	fuzz_assert(ret == 0 || err[0]);
	close(sv[0]);
	close(sv[1]);
	close(memfd);
	fuzz_assert(fuzz_lowest_fd() == lowest);
	return 0;
}
