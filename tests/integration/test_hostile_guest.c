// SPDX-License-Identifier: GPL-2.0
/*
 * The hostile guest (guests/x86_64/hostile.c) attacks every virtio device
 * of one VM: a disk served by the device's worker (blk0), a disk served by
 * vmm-blkd's vhost-user backend in a thread (blk1), and virtio-rng (rng2).
 * Each case must end the virtio way, and exactly as this table says: the
 * transport and our in-VMM devices set DEVICE_NEEDS_RESET on a broken
 * chain; the vhost-user backend stops the broken ring and writes its error
 * eventfd, and the transport sets DEVICE_NEEDS_RESET for it, so the guest
 * sees the same. The VMM must not crash, must print no
 * sanitizer report, must leave the disk images as they were, and must
 * exit with the guest's status. Run with 3200 MiB (RAM below the 3 GiB
 * hole and above 4 GiB: two regions) and with 64 MiB (one region).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"

#define DISK_BYTES	(1 << 20)
#define PATTERN		0x5a

/* What each device must answer: inline blk, thread blk, rng (NULL: not run). */
static const struct expect {
	const char *name;
	const char *blk, *thread, *rng;
} expected[] = {
	{ "loop", "needs_reset", "needs_reset", "needs_reset" },
	{ "self_loop", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_outside_ram", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_in_hole", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_on_mmio", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_cross_low_end", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_cross_top", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_wrap", "needs_reset", "needs_reset", "needs_reset" },
	{ "buf_len_4g", "needs_reset", "needs_reset", "needs_reset" },
	{ "head_oob", "needs_reset", "needs_reset", "needs_reset" },
	{ "head_ffff", "needs_reset", "needs_reset", "needs_reset" },
	{ "next_oob", "needs_reset", "needs_reset", "needs_reset" },
	{ "avail_jump", "needs_reset", "needs_reset", "needs_reset" },
	{ "avail_jump_big", "needs_reset", "needs_reset", "needs_reset" },
	{ "avail_rewind", "needs_reset", "needs_reset", "needs_reset" },
	{ "indirect", "needs_reset", "needs_reset", "needs_reset" },
	{ "read_after_write", "needs_reset", "needs_reset", "needs_reset" },
	{ "used_over_desc", "ok", "ok", "ok" },
	{ "rings_overlap", "ok", "ok", "ok" },
	{ "qsize_0", "needs_reset", "needs_reset", "needs_reset" },
	{ "qsize_3", "needs_reset", "needs_reset", "needs_reset" },
	{ "qsize_over_max", "needs_reset", "needs_reset", "needs_reset" },
	{ "qsize_65536", "needs_reset", "needs_reset", "needs_reset" },
	{ "ring_outside_ram", "needs_reset", "needs_reset", "needs_reset" },
	{ "ring_on_mmio", "needs_reset", "needs_reset", "needs_reset" },
	{ "ring_cross_top", "needs_reset", "needs_reset", "needs_reset" },
	{ "ring_wrap", "needs_reset", "needs_reset", "needs_reset" },
	{ "desc_misaligned", "needs_reset", "needs_reset", "needs_reset" },
	{ "avail_misaligned", "needs_reset", "needs_reset", "needs_reset" },
	{ "used_misaligned", "needs_reset", "needs_reset", "needs_reset" },
	{ "ready_garbage", "ok", "ok", "ok" },
	{ "queue_sel_oob", "ignored", "ignored", "ignored" },
	{ "live_queue_change", "ok", "ok", "ok" },
	/* the transport drops the queue; the backend keeps it until reset */
	{ "queue_unready_live", "ignored", "ok", "ignored" },
	{ "config_read_oob", "ignored", "ignored", "ignored" },
	{ "config_write", "ignored", "ignored", "ignored" },
	{ "odd_size_reads", "ignored", "ignored", "ignored" },
	{ "odd_size_writes", "ignored", "ignored", "ignored" },
	{ "notify_bad_queue", "ignored", "ignored", "ignored" },
	{ "notify_before_driver_ok", "ignored", "ignored", "ignored" },
	{ "driver_ok_no_features_ok", "ok", "ok", "ok" },
	/* no queue to hand over: the vhost-user device asks for a reset */
	{ "driver_ok_only", "ignored", "needs_reset", "ignored" },
	{ "features_no_version_1", "refused", "refused", "refused" },
	{ "features_unknown", "refused", "refused", "refused" },
	{ "blk_bad_type", "unsupp", "unsupp", NULL },
	{ "blk_past_end", "ioerr", "ioerr", NULL },
	{ "blk_huge_sector", "ioerr", "ioerr", NULL },
	{ "blk_short_header", "ioerr", "ioerr", NULL },
	{ "blk_partial_sector", "ioerr", "ioerr", NULL },
	{ "blk_no_status", "used", "used", NULL },
	{ "valid_after_reset", "ok", "ok", "ok" },
};

static struct run_result res;

static unsigned int count_of(const char *s, const char *needle)
{
	unsigned int n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

static void make_disk(char *path)
{
	static char buf[DISK_BYTES];
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	memset(buf, PATTERN, sizeof(buf));
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
}

static void assert_disk_untouched(const char *path)
{
	static char buf[DISK_BYTES];
	FILE *f = fopen(path, "rb");
	size_t i;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(buf, 1, sizeof(buf), f), sizeof(buf));
	fclose(f);
	for (i = 0; i < sizeof(buf); i++)
		ck_assert_msg(buf[i] == PATTERN, "%s changed at byte %zu", path, i);
}

/* The outcome printed for device dev and case name, or NULL. */
static const char *outcome(const char *dev, const char *name, char *buf, size_t len)
{
	char key[128];

	snprintf(key, sizeof(key), "HOSTILE %s %s: ", dev, name);
	return text_after(res.out, key, buf, len);
}

static void run_hostile(const char *memory)
{
	static const char *const names[] = { "ok", "ioerr", "unsupp", "used",
		"needs_reset", "ignored", "refused" };
	static const char *const sanitizer[] = { "AddressSanitizer", "LeakSanitizer",
		"UndefinedBehaviorSanitizer", "runtime error:" };
	char disk[] = "/tmp/vmm-test-hostile-XXXXXX", tdisk[] = "/tmp/vmm-test-hostile-XXXXXX";
	char thread_disk[64], got[64];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("hostile"),
			 "--memory", (char *)memory, "--disk", disk, "--disk", thread_disk,
			 "--rng", "--timeout", "240", NULL };
	unsigned int i, d, cases = 0, count[ARRAY_SIZE(names)] = { 0 };

	make_disk(disk);
	make_disk(tdisk);
	snprintf(thread_disk, sizeof(thread_disk), "%s,backend=thread", tdisk);
	ck_assert_int_eq(run_cmd(argv, 300, &res), 0);

	for (i = 0; i < ARRAY_SIZE(sanitizer); i++)
		ck_assert_msg(!strstr(res.err, sanitizer[i]), "sanitizer report: %s",
			      text_tail(res.err, 4000));
	ck_assert_msg(res.status == 0, "exit %d, stderr: %s\nstdout: %s", res.status,
		      text_tail(res.err, 2000), text_tail(res.out, 6000));
	ck_assert_msg(strstr(res.err, "vmm: exit 0: guest wrote its exit status"), "%s", res.err);
	ck_assert_msg(!strstr(res.err, "backend lost"), "%s", res.err);
	ck_assert_msg(!strstr(res.out, "(unacceptable)"), "%s", res.out);
	ck_assert_msg(strstr(res.out, "hostile: 3 devices, 0 unacceptable outcomes\n"), "%s",
		      text_tail(res.out, 2000));

	for (i = 0; i < ARRAY_SIZE(expected); i++) {
		const struct expect *e = &expected[i];
		const char *want[3] = { e->blk, e->thread, e->rng };
		static const char *const dev[3] = { "blk0", "blk1", "rng2" };

		for (d = 0; d < 3; d++) {
			const char *o = outcome(dev[d], e->name, got, sizeof(got));
			unsigned int k;

			if (!want[d]) {
				ck_assert_msg(!o, "%s %s ran: %s", dev[d], e->name, o);
				continue;
			}
			ck_assert_msg(o, "no line for %s %s in: %s", dev[d], e->name,
				      text_tail(res.out, 4000));
			ck_assert_msg(!strcmp(o, want[d]), "%s %s: got %s, want %s", dev[d],
				      e->name, o, want[d]);
			cases++;
			for (k = 0; k < ARRAY_SIZE(names); k++)
				count[k] += !strcmp(o, names[k]);
		}
	}
	ck_assert_int_eq(cases, count_of(res.out, "HOSTILE "));
	assert_disk_untouched(disk);
	assert_disk_untouched(tdisk);
	unlink(disk);
	unlink(tdisk);

	printf("hostile guest, --memory %s: %u cases in %.1f s:", memory, cases, res.seconds);
	for (i = 0; i < ARRAY_SIZE(names); i++)
		printf(" %s %u", names[i], count[i]);
	printf("\n");
	fflush(stdout);
}

START_TEST(hostile_two_regions)
{
	run_hostile("3200M");
}
END_TEST

START_TEST(hostile_one_region)
{
	run_hostile("64M");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("hostile");

	tcase_set_timeout(tc, 320);
	tcase_add_test(tc, hostile_two_regions);
	tcase_add_test(tc, hostile_one_region);
	if (!kvm_usable("hostile_guest"))
		return 1;
	return run_tcase("hostile_guest", tc);
}
