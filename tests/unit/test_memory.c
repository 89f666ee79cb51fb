// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory (memory/guest_memory.h): every backend (memfd, hugetlb via
 * MFD_HUGETLB and via a hugetlbfs mount, private, heap) reports its backend,
 * size and regions and round-trips data through write/read/ptr; memfd and
 * hugetlb are MAP_SHARED views of their fd at fd_offset and hugetlb really
 * takes huge pages; destroy gives back every fd and mapping. Every bad size
 * and layout fails with its documented errno and leaks nothing. Multi-region
 * layouts: one fd, fd_offset = sum of the previous sizes, guest_memory_ptr
 * refusing empty, overflowing, region-crossing, gap and beyond-RAM ranges,
 * copies across adjacent regions but never across a gap. Page sizes, names.
 * Population (memory/populate.h): 1, 2 and 8 threads over sizes that are no
 * multiple of threads x page leave every page of the range resident and
 * nothing outside it, keep what was there, leave no thread behind, and
 * report the lowest-addressed chunk's error (a hole: -ENOMEM; read-only:
 * -EINVAL) without crashing, on 6.1 as on 6.18; memfd and hugetlb memory made with those
 * thread counts is resident; the kernel-before-5.14 fallback (forced by a
 * test hook) refuses to populate and guest memory falls back to
 * MAP_POPULATE, still resident.
 *
 * Huge pages: the suite (run as root) reserves the 2 MiB pages it needs via
 * /proc/sys/vm/nr_hugepages and mounts its own hugetlbfs (tests/helpers.h),
 * and undoes both at exit, also on SIGINT/SIGTERM/SIGHUP/SIGQUIT. If it
 * cannot, it prints which test cases it skips and why.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "memory/guest_memory.h"
#include "memory/populate.h"
#include "tests/helpers.h"

#define HUGE_SZ (2 * MiB)
#define HUGE_NEED 33		/* 2 MiB pages the biggest test holds at once */
#define PAGE 4096ULL
/* Just over the size populate goes parallel at, and no multiple of 8 pages. */
#define POP_SIZE (MEMORY_POPULATE_MIN_PARALLEL + 3 * PAGE)
#define POP_HUGE_PAGES 33	/* 66 MiB: parallel, an odd number of pages */
#define HUGETLBFS_MAGIC_ 0x958458f6

/* Set up in main(), undone at exit by tests/helpers.c; why NULL if usable. */
static const char *huge_why, *huge_mnt, *mnt_why;

/* MAP_SHARED mappings of this process ("rw-s" in /proc/self/maps). */
static int count_shared_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char *line = NULL, perms[8];
	size_t cap = 0;
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (getline(&line, &cap, f) > 0)
		n += sscanf(line, "%*s %7s", perms) == 1 && perms[3] == 's';
	free(line);
	fclose(f);
	return n;
}

static bool is_mapped(const void *p)
{
	unsigned char vec;

	return !mincore((void *)((uintptr_t)p & ~(uintptr_t)4095), 4096, &vec);
}

static bool shared_backend(enum guest_memory_backend b)
{
	return b == GUEST_MEMORY_MEMFD || b == GUEST_MEMORY_HUGETLB;
}

/* Bytes that depend on where they live in the guest; each seed differs. */
static void fill(uint8_t *buf, uint64_t gpa, uint64_t len, unsigned int seed)
{
	uint64_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(((gpa + i) * 0x9E3779B97F4A7C15ULL) >> 56 ^ seed * 0x3b);
}

static struct guest_memory *create(enum guest_memory_backend b, const char *path,
				   const struct guest_range *layout, unsigned int nr,
				   uint64_t size)
{
	struct guest_memory_config cfg = { .size = size, .backend = b, .hugetlb_path = path };
	struct guest_memory *mem = NULL;
	int err = guest_memory_create(&cfg, layout, nr, &mem);

	ck_assert_msg(err == 0, "create %s %s %#llx: %s", guest_memory_backend_name(b),
		      path ? path : "", (unsigned long long)size, strerror(-err));
	return mem;
}

static void expect_create_fails(enum guest_memory_backend b, const char *path,
				const struct guest_range *layout, unsigned int nr,
				uint64_t size, int want, const char *what)
{
	struct guest_memory_config cfg = { .size = size, .backend = b, .hugetlb_path = path };
	int fds = count_fds(), maps = count_shared_maps();
	struct guest_memory *mem = NULL;
	int err = guest_memory_create(&cfg, layout, nr, &mem);

	ck_assert_msg(err == want, "%s, %s: got %d (%s), want %d (%s)", what,
		      guest_memory_backend_name(b), err, strerror(-err), want, strerror(-want));
	ck_assert_msg(count_fds() == fds, "%s: fd leaked", what);
	ck_assert_msg(count_shared_maps() == maps, "%s: mapping leaked", what);
}

/*
 * write/read/ptr agree at the start, across a page boundary and at the
 * end; for shared backends the fd at fd_offset is the same memory.
 */
static void round_trip(struct guest_memory *mem, const struct guest_region *r)
{
	const uint64_t at[] = { 0, r->size / 2 - 3, r->size - 64 };
	enum guest_memory_backend b = guest_memory_backend(mem);
	uint8_t buf[64], got[64], *p, *view = NULL;
	unsigned int i;

	if (shared_backend(b)) {	/* hugetlbfs has no write(): map it again */
		view = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd,
			    (off_t)r->fd_offset);
		ck_assert_ptr_ne(view, MAP_FAILED);
	}
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		fill(buf, at[i], sizeof(buf), i + 1);
		ck_assert_int_eq(guest_memory_write(mem, at[i], buf, sizeof(buf)), 0);
		memset(got, 0, sizeof(got));
		ck_assert_int_eq(guest_memory_read(mem, at[i], got, sizeof(got)), 0);
		ck_assert_mem_eq(got, buf, sizeof(buf));
		p = guest_memory_ptr(mem, at[i], sizeof(buf));
		ck_assert_ptr_eq(p, (uint8_t *)r->host + at[i]);
		ck_assert_mem_eq(p, buf, sizeof(buf));
		fill(buf, at[i], sizeof(buf), i + 10);
		memcpy(p, buf, sizeof(buf));
		ck_assert_int_eq(guest_memory_read(mem, at[i], got, sizeof(got)), 0);
		ck_assert_mem_eq(got, buf, sizeof(buf));
		if (!view)
			continue;
		ck_assert_int_eq(pread(r->fd, got, sizeof(got), (off_t)(r->fd_offset + at[i])),
				 sizeof(got));
		ck_assert_mem_eq(got, buf, sizeof(buf));
		fill(buf, at[i], sizeof(buf), i + 20);
		if (b == GUEST_MEMORY_MEMFD)
			ck_assert_int_eq(pwrite(r->fd, buf, sizeof(buf),
						(off_t)(r->fd_offset + at[i])), sizeof(buf));
		else
			memcpy(view + at[i], buf, sizeof(buf));
		ck_assert_mem_eq(p, buf, sizeof(buf));
	}
	if (view)
		munmap(view, r->size);
}

static void check_backend(enum guest_memory_backend b, const char *path, uint64_t size)
{
	struct guest_range range = { 0, size };
	int fds = count_fds(), maps = count_shared_maps(), shared = shared_backend(b);
	long free_before = b == GUEST_MEMORY_HUGETLB ? hugepages_free() : 0;
	struct guest_memory *mem = create(b, path, &range, 1, size);
	const struct guest_region *r = guest_memory_region(mem, 0);
	void *host;

	ck_assert_int_eq(guest_memory_backend(mem), b);
	ck_assert_uint_eq(guest_memory_size(mem), size);
	ck_assert_uint_eq(guest_memory_nr_regions(mem), 1);
	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_null(guest_memory_region(mem, 1));
	ck_assert_uint_eq(r->gpa, 0);
	ck_assert_uint_eq(r->size, size);
	ck_assert_uint_eq(r->fd_offset, 0);
	ck_assert_ptr_nonnull(r->host);
	ck_assert_int_eq(r->fd >= 0, shared);
	ck_assert_int_ge(r->fd, -1);
	ck_assert_int_eq(count_fds(), fds + shared);
	ck_assert_int_eq(count_shared_maps(), maps + shared);
	if (b == GUEST_MEMORY_HUGETLB)	/* committed when create returns */
		ck_assert_int_eq(free_before - hugepages_free(), (long)(size / HUGE_SZ));
	round_trip(mem, r);
	host = r->host;
	guest_memory_destroy(mem);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(count_shared_maps(), maps);
	if (b != GUEST_MEMORY_HEAP)
		ck_assert_msg(!is_mapped(host), "still mapped after destroy");
	if (b == GUEST_MEMORY_HUGETLB)
		ck_assert_int_eq(hugepages_free(), free_before);
}

static const enum guest_memory_backend small[] = {
	GUEST_MEMORY_MEMFD, GUEST_MEMORY_PRIVATE, GUEST_MEMORY_HEAP,
};

START_TEST(backend_round_trip)
{
	check_backend(small[_i], NULL, 4 * MiB + 4096);
}
END_TEST

static const struct bad_case {
	const char *what;
	uint64_t size;
	unsigned int nr;
	struct guest_range r[2];
	int err;
} bad[] = {
	{ "size 0", 0, 1, { { 0, 0 } }, -EINVAL },
	{ "size 0, layout 4096", 0, 1, { { 0, 4096 } }, -EINVAL },
	{ "size 4097", 4097, 1, { { 0, 4097 } }, -EINVAL },
	{ "size 4097, layout 4096", 4097, 1, { { 0, 4096 } }, -EINVAL },
	{ "size 1000", 1000, 1, { { 0, 1000 } }, -EINVAL },
	{ "larger than host RAM", 1ULL << 50, 1, { { 0, 1ULL << 50 } }, -E2BIG },
	{ "layout short of size", 12288, 2, { { 0, 4096 }, { MiB, 4096 } }, -EINVAL },
	{ "layout beyond size", 4096, 2, { { 0, 4096 }, { MiB, 4096 } }, -EINVAL },
	{ "overlapping ranges", 12288, 2, { { 0, 8192 }, { 4096, 4096 } }, -EINVAL },
	{ "same gpa twice", 8192, 2, { { MiB, 4096 }, { MiB, 4096 } }, -EINVAL },
	{ "unsorted ranges", 8192, 2, { { MiB, 4096 }, { 0, 4096 } }, -EINVAL },
	{ "unaligned gpa", 8192, 1, { { 512, 8192 } }, -EINVAL },
	{ "unaligned second gpa", 8192, 2, { { 0, 4096 }, { MiB + 1, 4096 } }, -EINVAL },
	{ "unaligned range sizes", 8192, 2, { { 0, 6144 }, { MiB, 2048 } }, -EINVAL },
	{ "zero-size range", 8192, 2, { { 0, 8192 }, { MiB, 0 } }, -EINVAL },
	{ "gpa + size overflows", 8192, 1, { { UINT64_MAX - 4095, 8192 } }, -EINVAL },
	{ "second gpa + size overflows", 12288, 2,
	  { { 0, 4096 }, { UINT64_MAX - 4095, 8192 } }, -EINVAL },
	{ "no ranges", 4096, 0, { { 0, 4096 } }, -EINVAL },
}, bad_huge[] = {
	{ "size 4096", 4096, 1, { { 0, 4096 } }, -EINVAL },
	{ "size 1M", MiB, 1, { { 0, MiB } }, -EINVAL },
	{ "size 2M + 4096", 2 * MiB + 4096, 1, { { 0, 2 * MiB + 4096 } }, -EINVAL },
	{ "gpa not 2M-aligned", 4 * MiB, 2, { { 0, 2 * MiB }, { GiB + 4096, 2 * MiB } }, -EINVAL },
	{ "range sizes not 2M multiples", 4 * MiB, 2,
	  { { 0, 2 * MiB + 4096 }, { GiB, 2 * MiB - 4096 } }, -EINVAL },
	{ "larger than host RAM", 1ULL << 50, 1, { { 0, 1ULL << 50 } }, -E2BIG },
};

static uint64_t host_ram(void)
{
	return (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
}

START_TEST(bad_layouts)
{
	const struct bad_case *c = &bad[_i / ARRAY_SIZE(small)];

	if (c->err == -E2BIG)	/* the case only means something if so */
		ck_assert_uint_lt(host_ram(), c->size);
	expect_create_fails(small[_i % ARRAY_SIZE(small)], NULL, c->r, c->nr,
			    c->size, c->err, c->what);
}
END_TEST

START_TEST(too_many_ranges)
{
	struct guest_range l[GUEST_MEMORY_MAX_REGIONS + 1];
	struct guest_memory *mem;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(l); i++)
		l[i] = (struct guest_range){ i * 2 * 4096ULL, 4096 };
	mem = create(small[_i], NULL, l, GUEST_MEMORY_MAX_REGIONS, GUEST_MEMORY_MAX_REGIONS * 4096ULL);
	ck_assert_uint_eq(guest_memory_nr_regions(mem), GUEST_MEMORY_MAX_REGIONS);
	guest_memory_destroy(mem);
	expect_create_fails(small[_i], NULL, l, ARRAY_SIZE(l), ARRAY_SIZE(l) * 4096ULL,
			    -EINVAL, "GUEST_MEMORY_MAX_REGIONS + 1 ranges");
}
END_TEST

static const struct guest_range multi[] = {
	{ 0, 2 * MiB }, { 4 * GiB, 2 * MiB }, { 8 * GiB, 4 * MiB },
};

/* On the multi layout: every range not wholly inside one region is refused. */
static void check_bounds(struct guest_memory *mem)
{
	static const struct { uint64_t gpa, len; } no[] = {
		{ 0, 0 }, { 4 * GiB, 0 },			/* empty */
		{ 0, 2 * MiB + 1 }, { 2 * MiB - 1, 2 },		/* off region 0 */
		{ 2 * MiB, 1 }, { 3 * GiB, 4096 },		/* gaps */
		{ 4 * GiB - 1, 2 }, { 4 * GiB + 2 * MiB - 1, 2 },
		{ 8 * GiB + 4 * MiB, 1 }, { 8 * GiB + 4 * MiB - 1, 2 }, /* past RAM */
		{ 16 * GiB, 4096 }, { 1ULL << 63, 1 },
		{ 8 * GiB, UINT64_MAX }, { 8 * GiB + 1, UINT64_MAX }, /* overflow */
		{ 4096, UINT64_MAX - 4095 }, { UINT64_MAX, 1 }, { UINT64_MAX, UINT64_MAX },
	};
	static const struct { uint64_t gpa, len; unsigned int region; } yes[] = {
		{ 0, 1, 0 }, { 0, 2 * MiB, 0 }, { 2 * MiB - 1, 1, 0 },
		{ 4 * GiB, 2 * MiB, 1 }, { 8 * GiB, 4 * MiB, 2 }, { 8 * GiB + 4 * MiB - 1, 1, 2 },
	};
	uint8_t *buf = calloc(1, 4 * MiB);
	const struct guest_region *r;
	unsigned int i;

	ck_assert_ptr_nonnull(buf);
	for (i = 0; i < ARRAY_SIZE(no); i++) {
		ck_assert_msg(!guest_memory_ptr(mem, no[i].gpa, no[i].len),
			      "ptr(%#llx, %#llx) not refused",
			      (unsigned long long)no[i].gpa, (unsigned long long)no[i].len);
		/* a huge len is only safe to try if refused before copying */
		if (!no[i].len || (no[i].len > 4 * MiB && no[i].len < UINT64_MAX - 4095))
			continue;
		ck_assert_int_eq(guest_memory_read(mem, no[i].gpa, buf, no[i].len), -EFAULT);
		ck_assert_int_eq(guest_memory_write(mem, no[i].gpa, buf, no[i].len), -EFAULT);
	}
	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		r = guest_memory_region(mem, yes[i].region);
		ck_assert_ptr_eq(guest_memory_ptr(mem, yes[i].gpa, yes[i].len),
				 (char *)r->host + (yes[i].gpa - r->gpa));
	}
	free(buf);
}

static void check_multi(enum guest_memory_backend b, const char *path)
{
	struct guest_memory *mem = create(b, path, multi, ARRAY_SIZE(multi), 8 * MiB);
	int fd = guest_memory_region(mem, 0)->fd;
	uint8_t buf[256], got[256];
	uint64_t off = 0, gpa;
	unsigned int i, end;

	ck_assert_uint_eq(guest_memory_nr_regions(mem), ARRAY_SIZE(multi));
	ck_assert_ptr_null(guest_memory_region(mem, ARRAY_SIZE(multi)));
	ck_assert_int_eq(fd >= 0, shared_backend(b));
	ck_assert_int_ge(fd, -1);
	for (i = 0; i < ARRAY_SIZE(multi); i++) {
		const struct guest_region *r = guest_memory_region(mem, i);

		ck_assert_uint_eq(r->gpa, multi[i].gpa);
		ck_assert_uint_eq(r->size, multi[i].size);
		ck_assert_uint_eq(r->fd_offset, off);
		ck_assert_int_eq(r->fd, fd);
		for (end = 0; end < 2; end++) {	/* gpa-dependent data lands at fd_offset */
			gpa = end ? r->gpa + r->size - sizeof(buf) : r->gpa;
			fill(buf, gpa, sizeof(buf), 3);
			ck_assert_int_eq(guest_memory_write(mem, gpa, buf, sizeof(buf)), 0);
			ck_assert_mem_eq((char *)r->host + (gpa - r->gpa), buf, sizeof(buf));
			if (!shared_backend(b))
				continue;
			ck_assert_int_eq(pread(fd, got, sizeof(got),
					       (off_t)(r->fd_offset + gpa - r->gpa)), sizeof(got));
			ck_assert_mem_eq(got, buf, sizeof(buf));
		}
		off += r->size;
	}
	check_bounds(mem);
	guest_memory_destroy(mem);
}

START_TEST(multi_region)
{
	check_multi(small[_i], NULL);
}
END_TEST

/* Regions 0 and 1 are adjacent, then a gap before region 2. */
START_TEST(copies_across_regions)
{
	static const struct guest_range l[] = {
		{ 0, 2 * MiB }, { 2 * MiB, 2 * MiB }, { 6 * MiB, 2 * MiB },
	};
	struct guest_memory *mem = create(small[_i], NULL, l, 3, 6 * MiB);
	uint8_t before[4096], after[4096], got[8192], *buf = malloc(2 * MiB + 8192);
	unsigned int i;

	ck_assert_ptr_nonnull(buf);
	fill(buf, 2 * MiB - 4096, 8192, 4);	/* one copy, though no one pointer */
	ck_assert_ptr_null(guest_memory_ptr(mem, 2 * MiB - 4096, 8192));
	ck_assert_int_eq(guest_memory_write(mem, 2 * MiB - 4096, buf, 8192), 0);
	ck_assert_mem_eq(guest_memory_ptr(mem, 2 * MiB - 4096, 4096), buf, 4096);
	ck_assert_mem_eq(guest_memory_ptr(mem, 2 * MiB, 4096), buf + 4096, 4096);
	ck_assert_int_eq(guest_memory_read(mem, 2 * MiB - 4096, got, 8192), 0);
	ck_assert_mem_eq(got, buf, 8192);

	fill(before, 4 * MiB - 4096, 4096, 5);	/* the gap: nothing copied at all */
	fill(after, 6 * MiB, 4096, 6);
	ck_assert_int_eq(guest_memory_write(mem, 4 * MiB - 4096, before, 4096), 0);
	ck_assert_int_eq(guest_memory_write(mem, 6 * MiB, after, 4096), 0);
	fill(buf, 4 * MiB - 4096, 2 * MiB + 8192, 9);
	ck_assert_int_eq(guest_memory_write(mem, 4 * MiB - 4096, buf, 8192), -EFAULT);
	ck_assert_int_eq(guest_memory_write(mem, 6 * MiB - 4096, buf, 8192), -EFAULT);
	ck_assert_int_eq(guest_memory_write(mem, 4 * MiB - 4096, buf, 2 * MiB + 8192), -EFAULT);
	ck_assert_mem_eq(guest_memory_ptr(mem, 4 * MiB - 4096, 4096), before, 4096);
	ck_assert_mem_eq(guest_memory_ptr(mem, 6 * MiB, 4096), after, 4096);
	memset(got, 0x5a, sizeof(got));
	ck_assert_int_eq(guest_memory_read(mem, 4 * MiB - 4096, got, sizeof(got)), -EFAULT);
	for (i = 0; i < sizeof(got); i++)
		ck_assert_msg(got[i] == 0x5a, "failed read wrote got[%u]", i);
	free(buf);
	guest_memory_destroy(mem);
}
END_TEST

START_TEST(page_sizes)
{
	struct guest_memory_config cfg = { .size = 4096, .hugetlb_path = "/tmp" };
	struct guest_range r = { 0, 4096 };
	struct statfs st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(small); i++) {
		cfg.backend = small[i];
		ck_assert_int_eq(guest_memory_page_size(&cfg), sysconf(_SC_PAGESIZE));
	}
	ck_assert_int_eq(statfs("/tmp", &st), 0);
	ck_assert_uint_ne((unsigned long)st.f_type, HUGETLBFS_MAGIC_);
	cfg.backend = GUEST_MEMORY_HUGETLB;
	ck_assert_int_eq(guest_memory_page_size(&cfg), -ENOTTY);
	cfg.hugetlb_path = "/nonexistent/hugetlbfs";
	ck_assert_int_lt(guest_memory_page_size(&cfg), 0);
	expect_create_fails(GUEST_MEMORY_HUGETLB, "/tmp", &r, 1, 4096, -ENOTTY,
			    "hugetlb_path /tmp");
}
END_TEST

START_TEST(backend_names)
{
	static const struct {
		enum guest_memory_backend b;
		const char *name;
		bool shared;
	} names[] = {
		{ GUEST_MEMORY_MEMFD, "memfd", true }, { GUEST_MEMORY_HUGETLB, "hugetlb", true },
		{ GUEST_MEMORY_PRIVATE, "private", false }, { GUEST_MEMORY_HEAP, "heap", false },
	};
	static const char *const unknown[] = { "", "bogus", "memfd ", "hugetlbfs", "hea" };
	enum guest_memory_backend out;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		ck_assert_str_eq(guest_memory_backend_name(names[i].b), names[i].name);
		out = (enum guest_memory_backend)99;
		ck_assert_int_eq(guest_memory_backend_parse(names[i].name, &out), 0);
		ck_assert_int_eq(out, names[i].b);
		ck_assert_int_eq(guest_memory_backend_shareable(names[i].b), names[i].shared);
	}
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		ck_assert_msg(guest_memory_backend_parse(unknown[i], &out) == -EINVAL,
			      "'%s' parsed", unknown[i]);
}
END_TEST

/* ---- population (memory/populate.h) ---- */

static const unsigned int pop_threads[] = { 1, 2, 8 };

/* 4 KiB pages of [p, p + len) that mincore() says are resident. */
static uint64_t resident_pages(const void *p, uint64_t len)
{
	unsigned char *vec = malloc(len / PAGE);
	uint64_t i, n = 0;

	ck_assert_ptr_nonnull(vec);
	ck_assert_int_eq(mincore((void *)p, len, vec), 0);
	for (i = 0; i < len / PAGE; i++)
		n += vec[i] & 1;
	free(vec);
	return n;
}

static int count_threads(void)
{
	return count_dir_entries("/proc/self/task");
}

/*
 * The threads of this process once every joined one is gone. pthread_join()
 * returns when the kernel has cleared the thread's tid, which it does
 * while the thread exits, a moment before it leaves /proc/self/task (seen
 * on 6.1): wait up to a second for that, no more.
 */
static int threads_after_join(int want)
{
	int i, n = count_threads();

	for (i = 0; i < 1000 && n != want; i++) {
		usleep(1000);
		n = count_threads();
	}
	return n;
}

static bool kernel_has_populate_write(void)	/* Linux 5.14 */
{
	struct utsname u;
	int major = 0, minor = 0;

	ck_assert_int_eq(uname(&u), 0);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 5 || (major == 5 && minor >= 14);
}

/* A fresh memfd of len bytes, mapped MAP_SHARED with prot; *fd to close. */
static uint8_t *map_memfd(uint64_t len, int prot, int *fd)
{
	uint8_t *p;

	*fd = memfd_create("populate", MFD_CLOEXEC);
	ck_assert_int_ge(*fd, 0);
	ck_assert_int_eq(ftruncate(*fd, (off_t)len), 0);
	p = mmap(NULL, len, prot, MAP_SHARED, *fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

/*
 * Every page of the range, and neither the page before nor the one after;
 * populating again keeps what was written (a mark every 1000 pages).
 */
START_TEST(populate_threads)
{
	unsigned int threads = pop_threads[_i];
	uint64_t len = POP_SIZE + 2 * PAGE, pages = POP_SIZE / PAGE, i;
	int fd, tasks = count_threads();
	uint8_t *map = map_memfd(len, PROT_READ | PROT_WRITE, &fd), *p = map + PAGE;

	ck_assert_int_eq(memory_populate(p, POP_SIZE, PAGE, threads), 0);
	ck_assert_int_eq(threads_after_join(tasks), tasks);
	ck_assert_uint_eq(resident_pages(p, POP_SIZE), pages);
	ck_assert_uint_eq(resident_pages(map, PAGE), 0);
	ck_assert_uint_eq(resident_pages(p + POP_SIZE, PAGE), 0);
	for (i = 0; i < pages; i += 1000)
		memcpy(p + i * PAGE + 8, &i, sizeof(i));
	ck_assert_int_eq(memory_populate(p, POP_SIZE, PAGE, threads), 0);
	for (i = 0; i < pages; i += 1000)
		ck_assert_mem_eq(p + i * PAGE + 8, &i, sizeof(i));
	ck_assert_uint_eq(p[PAGE + 1], 0);
	munmap(map, len);
	close(fd);
}
END_TEST

/* Guest memory made with 1, 2, 8 threads: every page there, nothing leaked. */
START_TEST(populate_guest_memory)
{
	struct guest_memory_config cfg = { .size = POP_SIZE, .backend = GUEST_MEMORY_MEMFD,
					   .populate_threads = pop_threads[_i] };
	struct guest_range range = { 0, POP_SIZE };
	int fds = count_fds(), maps = count_shared_maps(), tasks = count_threads();
	struct guest_memory *mem = NULL;
	const struct guest_region *r;

	ck_assert_int_eq(guest_memory_create(&cfg, &range, 1, &mem), 0);
	ck_assert_int_eq(threads_after_join(tasks), tasks);
	r = guest_memory_region(mem, 0);
	ck_assert_uint_eq(resident_pages(r->host, POP_SIZE), POP_SIZE / PAGE);
	round_trip(mem, r);
	guest_memory_destroy(mem);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(count_shared_maps(), maps);
	cfg.populate_threads = MEMORY_POPULATE_MAX_THREADS + 1;
	mem = NULL;
	ck_assert_int_eq(guest_memory_create(&cfg, &range, 1, &mem), -EINVAL);
	ck_assert_ptr_null(mem);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(count_shared_maps(), maps);
}
END_TEST

START_TEST(populate_bad_arguments)
{
	int fd;
	uint8_t *p = map_memfd(4 * PAGE, PROT_READ | PROT_WRITE, &fd);

	ck_assert_int_eq(memory_populate(p, 4 * PAGE, PAGE, 0), -EINVAL);
	ck_assert_int_eq(memory_populate(p, 4 * PAGE, PAGE, MEMORY_POPULATE_MAX_THREADS + 1),
			 -EINVAL);
	ck_assert_int_eq(memory_populate(p + 1, 2 * PAGE, PAGE, 1), -EINVAL);
	ck_assert_int_eq(memory_populate(p, 2 * PAGE + 1, PAGE, 1), -EINVAL);
	ck_assert_int_eq(memory_populate(p, 2 * PAGE, 3000, 1), -EINVAL);
	ck_assert_int_eq(memory_populate(p, 2 * PAGE, 0, 1), -EINVAL);
	ck_assert_int_eq(memory_populate(p, 2 * PAGE, HUGE_SZ, 1), -EINVAL);
	ck_assert_uint_eq(resident_pages(p, 4 * PAGE), 0);
	ck_assert_int_eq(memory_populate(p, 0, PAGE, 8), 0);
	ck_assert_int_eq(memory_populate(p, PAGE, PAGE, 8), 0);	/* one page, 8 threads */
	ck_assert_uint_eq(resident_pages(p, 4 * PAGE), 1);
	munmap(p, 4 * PAGE);
	close(fd);
}
END_TEST

/* A read-only mapping cannot be populated for writing: an error, not a crash. */
START_TEST(populate_read_only)
{
	int fd, tasks = count_threads();
	uint8_t *p = map_memfd(POP_SIZE, PROT_READ, &fd);

	ck_assert_int_eq(memory_populate(p, POP_SIZE, PAGE, pop_threads[_i]), -EINVAL);
	ck_assert_int_eq(threads_after_join(tasks), tasks);
	ck_assert_uint_eq(resident_pages(p, POP_SIZE), 0);
	munmap(p, POP_SIZE);
	close(fd);
}
END_TEST

/*
 * Two bad pages side by side, a hole (-ENOMEM) and a read-only page
 * (-EINVAL): the last page of the first half and the first of the second,
 * which with 2 and 8 threads are in different chunks. The second chunk
 * fails at once, the first only at its end, yet the first's error is the
 * answer; with 8 the chunks after them are still populated. With 1
 * thread one madvise() meets both, and which it reports depends on the
 * kernel (6.1 reports the read-only page even after a hole; 6.18 stops at
 * the hole): one of the two.
 */
START_TEST(populate_first_error_wins)
{
	unsigned int threads = pop_threads[_i % 3];
	bool hole_first = _i < 3;
	uint64_t pages = POP_SIZE / PAGE;
	uint64_t at[2] = { pages / 2 - 1, pages / 2 };
	int fd, err, tasks = count_threads();
	uint8_t *p = map_memfd(POP_SIZE, PROT_READ | PROT_WRITE, &fd);
	uint8_t *hole = p + at[!hole_first] * PAGE, *ro = p + at[hole_first] * PAGE;

	ck_assert_int_eq(munmap(hole, PAGE), 0);
	ck_assert_int_eq(mprotect(ro, PAGE, PROT_READ), 0);
	err = memory_populate(p, POP_SIZE, PAGE, threads);
	if (threads == 1)
		ck_assert_msg(err == -ENOMEM || err == -EINVAL, "got %d", err);
	else
		ck_assert_int_eq(err, hole_first ? -ENOMEM : -EINVAL);
	ck_assert_int_eq(threads_after_join(tasks), tasks);
	ck_assert_uint_eq(resident_pages(p, at[0] * PAGE), at[0]);
	if (threads == 8)	/* chunks 5 to 7 */
		ck_assert_uint_eq(resident_pages(p + POP_SIZE - PAGE, PAGE), 1);
	munmap(p, POP_SIZE);
	close(fd);
}
END_TEST

/* Kernels before 5.14, as the test hook makes them look: MAP_POPULATE. */
START_TEST(populate_fallback)
{
	struct guest_range range = { 0, POP_SIZE };
	struct guest_memory *mem;
	int fd;
	uint8_t *p = map_memfd(POP_SIZE, PROT_READ | PROT_WRITE, &fd);

	if (kernel_has_populate_write())
		ck_assert(memory_populate_supported());
	memory_populate_test_no_madvise = true;
	ck_assert(!memory_populate_supported());
	ck_assert_int_eq(memory_populate(p, POP_SIZE, PAGE, 2), -EOPNOTSUPP);
	ck_assert_uint_eq(resident_pages(p, POP_SIZE), 0);
	mem = create(GUEST_MEMORY_MEMFD, NULL, &range, 1, POP_SIZE);
	ck_assert_uint_eq(resident_pages(guest_memory_region(mem, 0)->host, POP_SIZE),
			  POP_SIZE / PAGE);
	round_trip(mem, guest_memory_region(mem, 0));
	guest_memory_destroy(mem);
	memory_populate_test_no_madvise = false;
	munmap(p, POP_SIZE);
	close(fd);
}
END_TEST

/* The hugetlb cases: _i == 0 uses MFD_HUGETLB, _i == 1 our hugetlbfs mount. */
#define HUGE_PATH (_i ? huge_mnt : NULL)

/* A page promised to a mapping but not faulted in yet is not free. */
static void free_pages_count_reserved(void)
{
	int fd = memfd_create("reserved", MFD_CLOEXEC | MFD_HUGETLB);
	long before = hugetlb_free_pages(HUGE_SZ);
	void *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, HUGE_SZ), 0);
	p = mmap(NULL, HUGE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(hugetlb_free_pages(HUGE_SZ), before - 1);
	munmap(p, HUGE_SZ);
	close(fd);
	ck_assert_int_eq(hugetlb_free_pages(HUGE_SZ), before);
}

START_TEST(huge_round_trip)
{
	struct guest_memory_config cfg = { .backend = GUEST_MEMORY_HUGETLB,
					   .hugetlb_path = HUGE_PATH };

	ck_assert_int_eq(guest_memory_page_size(&cfg), HUGE_SZ);
	ck_assert_int_eq(hugetlb_total_pages(HUGE_SZ), hugepages_total());
	ck_assert_int_eq(hugetlb_free_pages(HUGE_SZ), hugepages_free());
	if (!_i)
		free_pages_count_reserved();
	check_backend(GUEST_MEMORY_HUGETLB, HUGE_PATH, 4 * MiB);
}
END_TEST

START_TEST(huge_multi_region)
{
	check_multi(GUEST_MEMORY_HUGETLB, HUGE_PATH);
}
END_TEST

START_TEST(huge_not_enough_pages)
{
	uint64_t size = ((uint64_t)hugepages_free() + 1) * HUGE_SZ;
	struct guest_range r = { 0, size };

	ck_assert_uint_le(size, host_ram());
	expect_create_fails(GUEST_MEMORY_HUGETLB, HUGE_PATH, &r, 1, size, -ENOMEM,
			    "one more huge page than are free");
}
END_TEST

START_TEST(huge_bad_layouts)
{
	const struct bad_case *c = &bad_huge[_i];

	expect_create_fails(GUEST_MEMORY_HUGETLB, NULL, c->r, c->nr, c->size, c->err, c->what);
}
END_TEST

/* Huge pages by 1, 2 and 8 threads, straight and as guest memory. */
START_TEST(huge_populate)
{
	unsigned int threads = pop_threads[_i];
	uint64_t size = POP_HUGE_PAGES * HUGE_SZ;
	struct guest_memory_config cfg = { .size = size, .backend = GUEST_MEMORY_HUGETLB,
					   .populate_threads = threads };
	struct guest_range range = { 0, size };
	int fd = memfd_create("populate", MFD_CLOEXEC | MFD_HUGETLB);
	long before = hugepages_free();
	struct guest_memory *mem = NULL;
	uint8_t *p;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ck_assert_ptr_ne(p, MAP_FAILED);
	ck_assert_int_eq(memory_populate(p, size, HUGE_SZ, threads), 0);
	ck_assert_uint_eq(resident_pages(p, size), size / PAGE);
	ck_assert_int_eq(before - hugepages_free(), POP_HUGE_PAGES);
	munmap(p, size);
	close(fd);
	ck_assert_int_eq(hugepages_free(), before);

	ck_assert_int_eq(guest_memory_create(&cfg, &range, 1, &mem), 0);
	ck_assert_uint_eq(resident_pages(guest_memory_region(mem, 0)->host, size), size / PAGE);
	guest_memory_destroy(mem);
	ck_assert_int_eq(hugepages_free(), before);
}
END_TEST

static void add_huge(Suite *s, const char *name, int i, const char *why)
{
	TCase *tc;

	if (why) {
		printf("test_memory: SKIPPED %s test cases: %s\n", name, why);
		return;
	}
	tc = tcase_create(name);
	if (!i) {
		tcase_add_loop_test(tc, huge_bad_layouts, 0, ARRAY_SIZE(bad_huge));
		tcase_add_loop_test(tc, huge_populate, 0, ARRAY_SIZE(pop_threads));
	}
	tcase_add_loop_test(tc, huge_round_trip, i, i + 1);
	tcase_add_loop_test(tc, huge_multi_region, i, i + 1);
	tcase_add_loop_test(tc, huge_not_enough_pages, i, i + 1);
	suite_add_tcase(s, tc);
}

int main(void)
{
	Suite *s = suite_create("guest_memory");
	TCase *tc = tcase_create("backends");

	if (hugepages_reserve(HUGE_NEED, &huge_why))
		mnt_why = huge_why;
	else
		huge_mnt = hugetlbfs_mount(&mnt_why);
	tcase_add_loop_test(tc, backend_round_trip, 0, ARRAY_SIZE(small));
	tcase_add_loop_test(tc, bad_layouts, 0, ARRAY_SIZE(bad) * ARRAY_SIZE(small));
	tcase_add_loop_test(tc, too_many_ranges, 0, ARRAY_SIZE(small));
	tcase_add_loop_test(tc, multi_region, 0, ARRAY_SIZE(small));
	tcase_add_loop_test(tc, copies_across_regions, 0, ARRAY_SIZE(small));
	tcase_add_test(tc, page_sizes);
	tcase_add_test(tc, backend_names);
	suite_add_tcase(s, tc);
	tc = tcase_create("populate");
	tcase_add_loop_test(tc, populate_threads, 0, ARRAY_SIZE(pop_threads));
	tcase_add_loop_test(tc, populate_guest_memory, 0, ARRAY_SIZE(pop_threads));
	tcase_add_test(tc, populate_bad_arguments);
	tcase_add_loop_test(tc, populate_read_only, 0, ARRAY_SIZE(pop_threads));
	tcase_add_loop_test(tc, populate_first_error_wins, 0, 2 * ARRAY_SIZE(pop_threads));
	tcase_add_test(tc, populate_fallback);
	suite_add_tcase(s, tc);
	add_huge(s, "hugetlb", 0, huge_why);
	add_huge(s, "hugetlbfs", 1, mnt_why);
	fflush(stdout);		/* or every forked test flushes it again */
	return run_suite(s);
}
