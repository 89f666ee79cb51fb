// SPDX-License-Identifier: GPL-2.0
/*
 * Proof that the sharing object describes the very memory KVM runs the
 * guest on. The mempattern guest fills its RAM with a pattern made of
 * each word's guest-physical address; a separate process receives the
 * regions and fds from --memory-socket (SCM_RIGHTS), maps them, checks the
 * pattern at every word, and writes the complement over the first 4 KiB
 * of each filled range; the guest then must see exactly those writes.
 * Run with memfd, hugetlb, and a 3.2 GiB guest whose RAM is two regions
 * at different offsets of one fd.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"
#include "vmm/memory_socket.h"

#define FILL_START	(4ULL << 20)
#define PATTERN(a)	((a) ^ 0xa5a5a5a55a5a5a5aULL)
#define REPLY_BYTES	4096ULL
#define MAX_REGIONS	8
#define HUGE_PAGES	64	/* 2 MiB pages of the hugetlb guest */

/* Set up in main(), undone at exit by tests/helpers.c; NULL if usable. */
static const char *huge_why;

struct received {
	struct memory_socket_header hdr;
	struct memory_socket_region r[MAX_REGIONS];
	int fds[MAX_REGIONS];
	unsigned int nr_fds;
};

static int receive_regions(const char *path, struct received *rx)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int) * MAX_REGIONS)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = &rx->hdr, .iov_len = sizeof(rx->hdr) + sizeof(rx->r) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	memset(rx, 0, sizeof(*rx));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return -errno;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	close(fd);
	if (n < (ssize_t)sizeof(rx->hdr))
		return -EIO;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			rx->nr_fds = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			memcpy(rx->fds, CMSG_DATA(c), rx->nr_fds * sizeof(int));
		}
	}
	if (rx->hdr.magic != MEMORY_SOCKET_MAGIC || rx->hdr.nr_regions > MAX_REGIONS ||
	    n != (ssize_t)(sizeof(rx->hdr) + rx->hdr.nr_regions * sizeof(rx->r[0])) ||
	    rx->nr_fds != rx->hdr.nr_regions)
		return -EPROTO;
	return 0;
}

/*
 * The separate process: checks and answers every region. Exits 0 on
 * success, 1 + a message on stdout otherwise.
 */
static void inspector(const char *sock, uint64_t want_bytes, unsigned int want_regions)
{
	struct received rx;
	uint64_t checked = 0;
	unsigned int i;
	int err = receive_regions(sock, &rx);

	if (err) {
		printf("inspector: receive: %s\n", strerror(-err));
		_exit(1);
	}
	if (rx.hdr.nr_regions != want_regions) {
		printf("inspector: %u regions, want %u\n", rx.hdr.nr_regions, want_regions);
		_exit(1);
	}
	for (i = 0; i < rx.hdr.nr_regions; i++) {
		const struct memory_socket_region *r = &rx.r[i];
		uint64_t start = r->gpa < FILL_START ? FILL_START : r->gpa, a;
		uint64_t *map = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED,
				     rx.fds[i], (off_t)r->fd_offset);

		if (map == MAP_FAILED) {
			printf("inspector: mmap region %u: %s\n", i, strerror(errno));
			_exit(1);
		}
		for (a = start; a < r->gpa + r->size; a += 8) {
			uint64_t got = map[(a - r->gpa) / 8];

			if (got != PATTERN(a)) {
				printf("inspector: gpa 0x%llx holds 0x%llx, want 0x%llx\n",
				       (unsigned long long)a, (unsigned long long)got,
				       (unsigned long long)PATTERN(a));
				_exit(1);
			}
		}
		for (a = start; a < start + REPLY_BYTES; a += 8)
			map[(a - r->gpa) / 8] = ~PATTERN(a);
		checked += r->gpa + r->size - start;
		munmap(map, r->size);
		close(rx.fds[i]);
	}
	if (checked != want_bytes) {
		printf("inspector: checked %llu bytes, guest filled %llu\n",
		       (unsigned long long)checked, (unsigned long long)want_bytes);
		_exit(1);
	}
	_exit(0);
}

static void share_and_check(const char *memory, unsigned int want_regions)
{
	char dir[] = "/tmp/vmm-share.XXXXXX", sock[64], out[8192] = "", err[4096] = "";
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("mempattern"),
			 "--memory", (char *)memory, "--memory-socket", sock,
			 "--timeout", "120", NULL };
	unsigned long long bytes = 0;
	unsigned int ranges = 0;
	int in_fd, out_fd, err_fd, status;
	pid_t vmm, child;
	char *ready;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/mem.sock", dir);
	vmm = spawn_cmd(argv, &in_fd, &out_fd, &err_fd);
	ck_assert_int_gt(vmm, 0);

	ck_assert_msg(read_until(out_fd, out, sizeof(out), " ranges\n", 90),
		      "guest never got ready: %s", out);
	ready = strstr(out, "mempattern: ready: ");
	ck_assert_ptr_nonnull(ready);
	ck_assert_int_eq(sscanf(ready, "mempattern: ready: %llu bytes in %u ranges",
				&bytes, &ranges), 2);
	ck_assert_uint_eq(ranges, want_regions);

	child = fork();
	ck_assert_int_ge(child, 0);
	if (child == 0)
		inspector(sock, bytes, want_regions);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "inspector failed (status 0x%x)", status);

	ck_assert_int_eq(write(in_fd, "g", 1), 1);
	ck_assert_msg(read_until(out_fd, out, sizeof(out), "pattern intact", 60),
		      "guest did not see the host's writes: %s", out);
	status = wait_cmd(vmm, 30);
	read_until(err_fd, err, sizeof(err), "\n", 1);
	ck_assert_msg(status == 0, "vmm exit %d: %s", status, err);
	ck_assert_int_ne(access(sock, F_OK), 0);	/* socket removed on exit */
	close(in_fd);
	close(out_fd);
	close(err_fd);
	rmdir(dir);
}

START_TEST(memfd_guest_ram_is_shared)
{
	share_and_check("64M", 1);
}
END_TEST

START_TEST(hugetlb_guest_ram_is_shared)
{
	if (huge_why) {
		printf("SKIP hugetlb_guest_ram_is_shared: %s\n", huge_why);
		return;
	}
	share_and_check("size=128M,backend=hugetlb", 1);
}
END_TEST

START_TEST(two_regions_above_4g_are_shared)
{
	share_and_check("3200M", 2);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("mempattern");

	signal(SIGPIPE, SIG_IGN);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, memfd_guest_ram_is_shared);
	tcase_add_test(tc, hugetlb_guest_ram_is_shared);
	tcase_add_test(tc, two_regions_above_4g_are_shared);

	if (!kvm_usable("guest_memory_sharing"))
		return 1;
	hugepages_reserve(HUGE_PAGES, &huge_why);	/* huge_why stays NULL if done */
	return run_tcase("guest_memory_sharing", tc);
}
