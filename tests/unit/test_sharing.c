// SPDX-License-Identifier: GPL-2.0
/*
 * The guest-memory sharing object (memory/sharing.h):
 * - memfd and hugetlb memory give one whose regions are guest memory's
 *   regions (gpa, size, fd, fd_offset), single- and multi-region, and
 *   get_regions with a short array fills only what fits and returns the
 *   full count;
 * - private and heap memory are refused with exactly -EGUEST_MEMORY_PRIVATE,
 *   *out untouched, and a refusal line that names the backend and the two
 *   that would work;
 * - a consumer process maps every region's fd at fd_offset MAP_SHARED, sees
 *   the VMM's gpa-dependent data and the VMM sees what it writes back: a
 *   forked child, and a fresh exec of this binary that receives the fds
 *   over a unix socket with SCM_RIGHTS, as a vhost-user device will;
 * - the fds stay valid after the object is put, and a dup'ed one after
 *   guest memory is destroyed.
 * Huge pages: run as root, the suite reserves the 2 MiB pages it needs via
 * /proc/sys/vm/nr_hugepages (tests/helpers.h) and gives them back at exit,
 * also on SIGINT, SIGTERM, SIGHUP and SIGQUIT; if it cannot, it prints why
 * it skips hugetlb.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "memory/sharing.h"
#include "tests/helpers.h"

#define HUGE_NEED 8		/* 2 MiB pages the biggest test holds at once */
#define CONSUMER_FLAG "--sharing-consumer"
#define SEED_VMM 0x766d6dULL
#define SEED_DEV 0x646576ULL

static const enum guest_memory_backend shared[] = { GUEST_MEMORY_MEMFD, GUEST_MEMORY_HUGETLB };
static const struct guest_range single[] = { { 0, 4 * MiB } };
static const struct guest_range multi[] = {
	{ 0, 2 * MiB }, { 4 * GiB, 2 * MiB }, { 8 * GiB, 4 * MiB },
};
static const struct layout {
	const struct guest_range *r;
	unsigned int nr;
	uint64_t size;
} layouts[] = { { single, 1, 4 * MiB }, { multi, 3, 8 * MiB } };

static struct guest_memory *create(enum guest_memory_backend b, const struct layout *l)
{
	struct guest_memory_config cfg = { .size = l->size, .backend = b };
	struct guest_memory *mem = NULL;
	int err = guest_memory_create(&cfg, l->r, l->nr, &mem);

	ck_assert_msg(err == 0, "create %s: %s", guest_memory_backend_name(b), strerror(-err));
	return mem;
}

/* A word that tells where it lives in the guest and who wrote it. */
static uint64_t word(uint64_t gpa, uint64_t seed)
{
	return (gpa + seed * 0x100000001ULL) * 0x9E3779B97F4A7C15ULL;
}

/* The VMM side: fill every region through guest_memory_write. */
static void fill_words(struct guest_memory *mem, uint64_t seed)
{
	unsigned int i;
	uint64_t k;

	for (i = 0; i < guest_memory_nr_regions(mem); i++) {
		const struct guest_region *r = guest_memory_region(mem, i);
		uint64_t *buf = malloc(r->size);

		ck_assert_ptr_nonnull(buf);
		for (k = 0; k < r->size / 8; k++)
			buf[k] = word(r->gpa + 8 * k, seed);
		ck_assert_int_eq(guest_memory_write(mem, r->gpa, buf, r->size), 0);
		free(buf);
	}
}

/* The VMM side: what the consumer wrote, read through guest_memory_ptr. */
static void expect_words(struct guest_memory *mem, uint64_t seed)
{
	unsigned int i;
	uint64_t k;

	for (i = 0; i < guest_memory_nr_regions(mem); i++) {
		const struct guest_region *r = guest_memory_region(mem, i);
		const uint64_t *p = guest_memory_ptr(mem, r->gpa, r->size);

		ck_assert_ptr_nonnull(p);
		for (k = 0; k < r->size / 8; k++)
			if (p[k] != word(r->gpa + 8 * k, seed))
				ck_abort_msg("gpa %#llx: %#llx, want %#llx",
					     (unsigned long long)(r->gpa + 8 * k),
					     (unsigned long long)p[k],
					     (unsigned long long)word(r->gpa + 8 * k, seed));
	}
}

/*
 * The consumer side, as a device model does it: map each fd at fd_offset,
 * check the VMM's data, write its own. 0, or an exit status.
 */
static int consume(const struct shared_region *r, unsigned int nr,
		   uint64_t seed_in, uint64_t seed_out)
{
	unsigned int i;
	uint64_t k, *p;

	for (i = 0; i < nr; i++) {
		p = mmap(NULL, r[i].size, PROT_READ | PROT_WRITE, MAP_SHARED, r[i].fd,
			 (off_t)r[i].fd_offset);
		if (p == MAP_FAILED) {
			fprintf(stderr, "consumer: mmap fd %d: %s\n", r[i].fd, strerror(errno));
			return 2;
		}
		for (k = 0; k < r[i].size / 8; k++) {
			if (p[k] != word(r[i].gpa + 8 * k, seed_in)) {
				fprintf(stderr, "consumer: gpa %#llx holds %#llx\n",
					(unsigned long long)(r[i].gpa + 8 * k),
					(unsigned long long)p[k]);
				munmap(p, r[i].size);
				return 3;
			}
			p[k] = word(r[i].gpa + 8 * k, seed_out);
		}
		munmap(p, r[i].size);
	}
	return 0;
}

/* What the VMM sends the exec'd consumer, the fds going as SCM_RIGHTS. */
struct regions_msg {
	uint32_t nr;
	uint64_t seed_in, seed_out;
	struct shared_region r[GUEST_MEMORY_MAX_REGIONS];
};

union fds_cmsg {
	char buf[CMSG_SPACE(sizeof(int) * GUEST_MEMORY_MAX_REGIONS)];
	struct cmsghdr align;
};

/* main() of the exec'd consumer: a fresh process with only the socket. */
static int consumer_main(int sock)
{
	struct regions_msg m;
	union fds_cmsg u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	unsigned char status = 1;
	unsigned int i;

	if (n == sizeof(m) && c && c->cmsg_type == SCM_RIGHTS &&
	    m.nr <= GUEST_MEMORY_MAX_REGIONS && c->cmsg_len == CMSG_LEN(sizeof(int) * m.nr)) {
		for (i = 0; i < m.nr; i++)
			memcpy(&m.r[i].fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		status = (unsigned char)consume(m.r, m.nr, m.seed_in, m.seed_out);
		for (i = 0; i < m.nr; i++)
			close(m.r[i].fd);
	} else {
		fprintf(stderr, "consumer: bad message (%zd bytes)\n", n);
	}
	if (write(sock, &status, 1) != 1)
		return 4;
	return status;
}

static void send_regions(int sock, const struct shared_region *r, unsigned int nr)
{
	struct regions_msg m = { .nr = nr, .seed_in = SEED_VMM, .seed_out = SEED_DEV };
	union fds_cmsg u;
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * nr) };
	struct cmsghdr *c;
	unsigned int i;

	memset(&u, 0, sizeof(u));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * nr);
	for (i = 0; i < nr; i++) {
		m.r[i] = r[i];
		m.r[i].fd = -1;		/* our numbers mean nothing over there */
		memcpy(CMSG_DATA(c) + i * sizeof(int), &r[i].fd, sizeof(int));
	}
	ck_assert_int_eq(sendmsg(sock, &mh, 0), sizeof(m));
}

START_TEST(regions_match)
{
	const struct layout *l = &layouts[_i % ARRAY_SIZE(layouts)];
	struct guest_memory *mem = create(shared[_i / ARRAY_SIZE(layouts)], l);
	struct shared_region got[GUEST_MEMORY_MAX_REGIONS + 1], untouched;
	struct guest_memory_sharing *sh = NULL;
	unsigned int i, max;

	ck_assert_int_eq(guest_memory_sharing_get(mem, &sh), 0);
	ck_assert_ptr_nonnull(sh);
	ck_assert_uint_eq(guest_memory_sharing_nr_regions(sh), l->nr);
	ck_assert_uint_eq(guest_memory_sharing_nr_regions(sh), guest_memory_nr_regions(mem));
	memset(&untouched, 0xa5, sizeof(untouched));
	for (max = 0; max <= ARRAY_SIZE(got); max++) {
		for (i = 0; i < ARRAY_SIZE(got); i++)
			got[i] = untouched;
		ck_assert_uint_eq(guest_memory_sharing_get_regions(sh, got, max), l->nr);
		for (i = 0; i < ARRAY_SIZE(got); i++) {
			const struct guest_region *r = guest_memory_region(mem, i);

			if (i >= max || i >= l->nr) {
				ck_assert_msg(!memcmp(&got[i], &untouched, sizeof(untouched)),
					      "max %u: entry %u written", max, i);
				continue;
			}
			ck_assert_uint_eq(got[i].gpa, l->r[i].gpa);
			ck_assert_uint_eq(got[i].size, l->r[i].size);
			ck_assert_uint_eq(got[i].gpa, r->gpa);
			ck_assert_uint_eq(got[i].size, r->size);
			ck_assert_int_eq(got[i].fd, r->fd);
			ck_assert_int_ge(got[i].fd, 0);
			ck_assert_uint_eq(got[i].fd_offset, r->fd_offset);
		}
	}
	ck_assert_uint_eq(guest_memory_sharing_get_regions(sh, NULL, 0), l->nr);
	guest_memory_sharing_put(sh);
	guest_memory_destroy(mem);
}
END_TEST

START_TEST(private_refused)
{
	static const enum guest_memory_backend b[] = { GUEST_MEMORY_PRIVATE, GUEST_MEMORY_HEAP };
	struct guest_memory *mem = create(b[_i], &layouts[1]);
	struct guest_memory_sharing *sh = (struct guest_memory_sharing *)&sh;
	const char *msg;

	ck_assert_int_eq(guest_memory_sharing_get(mem, &sh), -EGUEST_MEMORY_PRIVATE);
	ck_assert_ptr_eq(sh, (struct guest_memory_sharing *)&sh);
	msg = guest_memory_sharing_refusal(mem);
	ck_assert_ptr_nonnull(msg);
	ck_assert_msg(strstr(msg, guest_memory_backend_name(b[_i])), "'%s'", msg);
	if (b[_i] == GUEST_MEMORY_PRIVATE)	/* ("private" is also just a word) */
		ck_assert_msg(!strstr(msg, "heap"), "'%s'", msg);
	ck_assert_msg(strstr(msg, "memfd") && strstr(msg, "hugetlb"), "'%s'", msg);
	ck_assert_msg(!strchr(msg, '\n'), "not one line: '%s'", msg);
	guest_memory_destroy(mem);
}
END_TEST

START_TEST(fork_consumer)
{
	struct guest_memory *mem = create(shared[_i], &layouts[1]);
	struct shared_region r[GUEST_MEMORY_MAX_REGIONS];
	struct guest_memory_sharing *sh;
	unsigned int nr;
	pid_t pid;

	ck_assert_int_eq(guest_memory_sharing_get(mem, &sh), 0);
	nr = guest_memory_sharing_get_regions(sh, r, ARRAY_SIZE(r));
	fill_words(mem, SEED_VMM);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid)
		_exit(consume(r, nr, SEED_VMM, SEED_DEV));
	ck_assert_int_eq(wait_cmd(pid, 5), 0);
	expect_words(mem, SEED_DEV);
	guest_memory_sharing_put(sh);
	guest_memory_destroy(mem);
}
END_TEST

START_TEST(exec_consumer_scm_rights)
{
	struct guest_memory *mem = create(shared[_i], &layouts[1]);
	struct shared_region r[GUEST_MEMORY_MAX_REGIONS];
	struct guest_memory_sharing *sh;
	unsigned char status = 0xff;
	char sock_arg[16];
	unsigned int nr;
	int sv[2];
	pid_t pid;

	ck_assert_int_eq(guest_memory_sharing_get(mem, &sh), 0);
	nr = guest_memory_sharing_get_regions(sh, r, ARRAY_SIZE(r));
	fill_words(mem, SEED_VMM);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {	/* only sv[1] survives exec: guest memory's fds are CLOEXEC */
		fcntl(sv[1], F_SETFD, 0);
		snprintf(sock_arg, sizeof(sock_arg), "%d", sv[1]);
		execl("/proc/self/exe", "test_sharing", CONSUMER_FLAG, sock_arg, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	send_regions(sv[0], r, nr);
	ck_assert_int_eq(read(sv[0], &status, 1), 1);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(wait_cmd(pid, 5), 0);
	close(sv[0]);
	expect_words(mem, SEED_DEV);
	guest_memory_sharing_put(sh);
	guest_memory_destroy(mem);
}
END_TEST

START_TEST(fds_outlive_put)
{
	struct guest_memory *mem = create(shared[_i], &layouts[1]);
	struct shared_region r[GUEST_MEMORY_MAX_REGIONS], kept;
	struct guest_memory_sharing *sh;
	unsigned int i, nr;
	int fds;

	ck_assert_int_eq(guest_memory_sharing_get(mem, &sh), 0);
	nr = guest_memory_sharing_get_regions(sh, r, ARRAY_SIZE(r));
	guest_memory_sharing_put(sh);
	for (i = 0; i < nr; i++)
		ck_assert_int_ge(fcntl(r[i].fd, F_GETFD), 0);
	fill_words(mem, SEED_VMM);
	ck_assert_int_eq(consume(r, nr, SEED_VMM, SEED_DEV), 0);
	expect_words(mem, SEED_DEV);
	ck_assert_int_eq(guest_memory_sharing_get(mem, &sh), 0);	/* again */
	ck_assert_uint_eq(guest_memory_sharing_nr_regions(sh), nr);
	guest_memory_sharing_put(sh);
	/* what the contract tells a consumer to do to outlive guest memory */
	kept = r[nr - 1];
	kept.fd = fcntl(r[nr - 1].fd, F_DUPFD_CLOEXEC, 0);
	ck_assert_int_ge(kept.fd, 0);
	fds = count_fds();
	guest_memory_destroy(mem);
	ck_assert_int_eq(count_fds(), fds - 1);		/* its one fd */
	ck_assert_int_eq(consume(&kept, 1, SEED_DEV, SEED_VMM), 0);
	close(kept.fd);
}
END_TEST

static TCase *add_cases(Suite *s, const char *name, int b)
{
	TCase *tc = tcase_create(name);

	tcase_add_loop_test(tc, regions_match, b * ARRAY_SIZE(layouts),
			    (b + 1) * ARRAY_SIZE(layouts));
	tcase_add_loop_test(tc, fork_consumer, b, b + 1);
	tcase_add_loop_test(tc, exec_consumer_scm_rights, b, b + 1);
	tcase_add_loop_test(tc, fds_outlive_put, b, b + 1);
	suite_add_tcase(s, tc);
	return tc;
}

int main(int argc, char **argv)
{
	const char *why;
	Suite *s;

	if (argc == 3 && !strcmp(argv[1], CONSUMER_FLAG))
		return consumer_main(atoi(argv[2]));
	s = suite_create("sharing");
	tcase_add_loop_test(add_cases(s, "memfd", 0), private_refused, 0, 2);
	if (hugepages_reserve(HUGE_NEED, &why))
		printf("test_sharing: SKIPPED hugetlb test cases: %s\n", why);
	else
		add_cases(s, "hugetlb", 1);
	fflush(stdout);		/* or every forked test flushes it again */
	return run_suite(s);
}
