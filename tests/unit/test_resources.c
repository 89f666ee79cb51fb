// SPDX-License-Identifier: GPL-2.0
/*
 * The --stats line of what the VMM holds at exit (vmm/resources.h): VmRSS
 * and VmHWM parsed from a status text (and refused when absent or not in
 * kB), fds counted without the probe's own, memory touched showing in
 * rss_kib and hwm_kib, and the line's exact format, which the soak test
 * parses. No /dev/kvm needed.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/resources.h"

#include "tests/helpers.h"

#define LINE_FMT "vmm: resources at exit: fds=%d rss_kib=%ld hwm_kib=%ld\n"

START_TEST(parse_status)
{
	static const char good[] = "Name:\tvmm\nVmPeak:\t  9000 kB\nVmHWM:\t    2048 kB\n"
				   "VmRSS:\t    1536 kB\nThreads:\t3\n";
	struct resources r;

	ck_assert_int_eq(resources_parse_status(good, &r), 0);
	ck_assert_int_eq(r.rss_kib, 1536);
	ck_assert_int_eq(r.hwm_kib, 2048);
	ck_assert_int_eq(resources_parse_status("VmHWM:\t 5 kB\n", &r), -EINVAL);
	ck_assert_int_eq(resources_parse_status("VmRSS:\t 5 kB\nVmHWM:\t 7 MB\n", &r), -EINVAL);
	ck_assert_int_eq(resources_parse_status("VmRSS:\t kB\nVmHWM:\t 7 kB\n", &r), -EINVAL);
	/* a longer name with the same start is another field */
	ck_assert_int_eq(resources_parse_status("VmRSSx:\t 5 kB\nVmHWM:\t 7 kB\n", &r), -EINVAL);
	ck_assert_int_eq(resources_parse_status("", &r), -EINVAL);
}
END_TEST

static struct resources measure(void)
{
	struct resources_probe p;
	struct resources r;

	ck_assert_int_eq(resources_open(&p), 0);
	ck_assert_int_eq(resources_read(&p, &r), 0);
	resources_close(&p);
	return r;
}

START_TEST(counts_fds_not_its_own)
{
	struct resources before, after;
	int fds[2];

	before = measure();
	/* count_fds() (tests/helpers.c) holds one fd of its own while it counts */
	ck_assert_int_eq(before.fds, count_fds() - 1);
	ck_assert_int_eq(pipe(fds), 0);
	after = measure();
	close(fds[0]);
	close(fds[1]);
	ck_assert_int_eq(after.fds, before.fds + 2);
}
END_TEST

START_TEST(touched_memory_is_resident)
{
	const size_t bytes = 16 << 20;
	struct resources before, after;
	char *mem;

	before = measure();
	ck_assert_int_gt(before.rss_kib, 0);
	ck_assert_int_ge(before.hwm_kib, before.rss_kib);
	mem = malloc(bytes);
	ck_assert_ptr_nonnull(mem);
	memset(mem, 0x5a, bytes);
	after = measure();
	ck_assert_msg(after.rss_kib >= before.rss_kib + (long)(bytes >> 10) - 1024,
		      "rss %ld kB -> %ld kB after touching %zu kB", before.rss_kib, after.rss_kib,
		      bytes >> 10);
	ck_assert_int_ge(after.hwm_kib, after.rss_kib);
	/* used after the measure, so the compiler keeps the memset */
	ck_assert_int_eq(mem[bytes / 2], 0x5a);
	free(mem);
}
END_TEST

START_TEST(line_format)
{
	struct resources_probe p;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int fds;
	long rss, hwm;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(resources_open(&p), 0);
	resources_report(&p, out);
	ck_assert_int_eq(p.fd_dir, -1);		/* closed */
	ck_assert_int_eq(p.status, -1);
	/* unknown in place of numbers when the probe could not open */
	p.err = -ENOENT;
	resources_report(&p, out);
	fclose(out);
	ck_assert_int_eq(count_lines(text), 2);
	ck_assert_int_eq(sscanf(text, LINE_FMT, &fds, &rss, &hwm), 3);
	ck_assert_int_gt(fds, 2);
	ck_assert_int_gt(rss, 0);
	ck_assert_int_ge(hwm, rss);
	ck_assert_msg(strstr(text, "\nvmm: resources at exit: unknown (/proc/self: No such file or directory)\n"),
		      "%s", text);
	free(text);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("resources");
	TCase *tc = tcase_create("proc");

	tcase_add_test(tc, parse_status);
	tcase_add_test(tc, counts_fds_not_its_own);
	tcase_add_test(tc, touched_memory_is_resident);
	tcase_add_test(tc, line_format);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
