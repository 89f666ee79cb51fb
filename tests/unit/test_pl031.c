// SPDX-License-Identifier: GPL-2.0
/*
 * The PL031 real-time clock driven the way a vCPU drives it: DR follows
 * the host's CLOCK_REALTIME, a write to LR moves DR (and only DR: the
 * host clock is left alone), the AMBA ID registers Linux matches its
 * driver by, the match interrupt (MR, IMSC, RIS, MIS, ICR) with its line
 * through set_irq, both at once and from the timerfd a second later, and
 * accesses of the wrong width, misaligned or at unknown offsets, which
 * read as zero and change nothing.
 */
#include <check.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "devices/pl031.h"

#include "tests/helpers.h"

struct line {
	int level, changes;
};

static void set_line(void *ctx, int level)
{
	struct line *l = ctx;

	l->level = level;
	l->changes++;
}

static struct pl031 *rtc;
static struct line line;

static void setup(void)
{
	line = (struct line){ 0 };
	ck_assert_int_eq(pl031_create(set_line, &line, &rtc), 0);
}

static void teardown(void)
{
	pl031_destroy(rtc);
	rtc = NULL;
}

static uint32_t rd(uint64_t offset)
{
	uint8_t data[4];
	uint32_t v;

	memset(data, 0xa5, sizeof(data));
	pl031_ops.read(rtc, offset, data, 4);
	memcpy(&v, data, 4);
	return v;
}

static void wr(uint64_t offset, uint32_t v)
{
	uint8_t data[4];

	memcpy(data, &v, 4);
	pl031_ops.write(rtc, offset, data, 4);
}

static int64_t host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

/* DR is within a second of t (a second boundary may fall in between). */
static void assert_dr_near(int64_t t)
{
	uint32_t dr = rd(PL031_DR);
	int64_t diff = (int64_t)dr - (int64_t)(uint32_t)t;

	ck_assert_msg(diff >= -1 && diff <= 1, "DR %u, expected about %lld",
		      dr, (long long)(uint32_t)t);
}

/* Waits up to timeout_ms for the match timer; true if it fired. */
static bool wait_match(int timeout_ms)
{
	struct pollfd pfd = { .fd = pl031_timer_fd(rtc), .events = POLLIN };

	if (poll(&pfd, 1, timeout_ms) != 1)
		return false;
	pl031_timer_event(rtc);
	return true;
}

START_TEST(dr_tracks_host_time)
{
	int64_t before = host_now();
	uint32_t dr = rd(PL031_DR);

	ck_assert_uint_ge(dr, (uint32_t)before);
	ck_assert_uint_le(dr, (uint32_t)host_now());
	ck_assert_uint_eq(rd(PL031_CR), 1);	/* always running */
	wr(PL031_CR, 0);			/* and cannot be stopped */
	ck_assert_uint_eq(rd(PL031_CR), 1);
	assert_dr_near(host_now());
	wr(PL031_DR, 12345);			/* read-only */
	assert_dr_near(host_now());
}
END_TEST

START_TEST(lr_shifts_dr_not_the_host)
{
	int64_t now = host_now();

	wr(PL031_LR, (uint32_t)(now + 1000000));
	assert_dr_near(host_now() + 1000000);
	ck_assert_int_le(host_now() - now, 1);	/* the host clock did not move */
	ck_assert_uint_eq(rd(PL031_LR), 0);	/* write-only */

	wr(PL031_LR, 100);
	ck_assert_uint_ge(rd(PL031_DR), 100);
	ck_assert_uint_le(rd(PL031_DR), 101);

	wr(PL031_LR, (uint32_t)host_now());
	assert_dr_near(host_now());
}
END_TEST

START_TEST(amba_id_registers)
{
	static const uint32_t want[] = {
		0x31, 0x10, 0x14, 0x00,		/* peripheral ID 0x00141031 */
		0x0d, 0xf0, 0x05, 0xb1,		/* PrimeCell ID 0xb105f00d */
	};
	uint32_t periph = 0, cell = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(want); i++)
		ck_assert_uint_eq(rd(PL031_PERIPH_ID0 + 4 * i), want[i]);
	/* As Linux's AMBA bus assembles them (amba_read_periphid). */
	for (unsigned int i = 0; i < 4; i++) {
		periph |= (rd(0xfe0 + 4 * i) & 0xff) << (8 * i);
		cell |= (rd(0xff0 + 4 * i) & 0xff) << (8 * i);
	}
	ck_assert_uint_eq(periph & 0x000fffff, 0x00041031);	/* rtc-pl031's match */
	ck_assert_uint_eq(cell, 0xb105f00d);
	wr(0xfe0, 0);			/* read-only */
	ck_assert_uint_eq(rd(0xfe0), 0x31);
}
END_TEST

START_TEST(match_now_sets_ris_and_the_line_follows_imsc)
{
	uint32_t dr;

	ck_assert_uint_eq(rd(PL031_RIS), 0);
	ck_assert_uint_eq(rd(PL031_IMSC), 0);
	/* Stop the counter on a value and match it: a match at once. */
	wr(PL031_LR, 5000);
	dr = rd(PL031_DR);
	wr(PL031_MR, dr);
	ck_assert_uint_eq(rd(PL031_MR), dr);
	if (rd(PL031_DR) != dr) {	/* a second passed in between */
		dr = rd(PL031_DR);
		wr(PL031_MR, dr);
	}
	ck_assert_uint_eq(rd(PL031_RIS), PL031_INT_MATCH);
	ck_assert_uint_eq(rd(PL031_MIS), 0);		/* masked */
	ck_assert_int_eq(line.changes, 0);

	wr(PL031_IMSC, 0xffffffff);			/* only bit 0 exists */
	ck_assert_uint_eq(rd(PL031_IMSC), PL031_INT_MATCH);
	ck_assert_uint_eq(rd(PL031_MIS), PL031_INT_MATCH);
	ck_assert_int_eq(line.level, 1);
	ck_assert_int_eq(line.changes, 1);

	wr(PL031_RIS, 0);				/* read-only */
	wr(PL031_MIS, 0);
	ck_assert_uint_eq(rd(PL031_RIS), PL031_INT_MATCH);
	ck_assert_uint_eq(rd(PL031_ICR), 0);		/* write-only */

	wr(PL031_ICR, 0);				/* 0 clears nothing */
	ck_assert_uint_eq(rd(PL031_RIS), PL031_INT_MATCH);
	wr(PL031_ICR, PL031_INT_MATCH);
	ck_assert_uint_eq(rd(PL031_RIS), 0);
	ck_assert_uint_eq(rd(PL031_MIS), 0);
	ck_assert_int_eq(line.level, 0);
	ck_assert_int_eq(line.changes, 2);

	/* Masking a pending match lowers the line, unmasking raises it. */
	wr(PL031_MR, rd(PL031_DR));
	if (!rd(PL031_RIS))
		wr(PL031_MR, rd(PL031_DR));
	ck_assert_int_eq(line.level, 1);
	wr(PL031_IMSC, 0);
	ck_assert_int_eq(line.level, 0);
	ck_assert_uint_eq(rd(PL031_RIS), PL031_INT_MATCH);
	wr(PL031_IMSC, PL031_INT_MATCH);
	ck_assert_int_eq(line.level, 1);
}
END_TEST

START_TEST(match_in_a_second_from_the_timer)
{
	uint32_t dr = rd(PL031_DR);

	wr(PL031_IMSC, PL031_INT_MATCH);
	wr(PL031_MR, dr + 1);
	ck_assert_uint_eq(rd(PL031_RIS), 0);
	ck_assert_int_eq(line.level, 0);
	ck_assert(wait_match(2500));
	ck_assert_uint_eq(rd(PL031_RIS), PL031_INT_MATCH);
	ck_assert_uint_ge(rd(PL031_DR), dr + 1);
	ck_assert_int_eq(line.level, 1);
	wr(PL031_ICR, PL031_INT_MATCH);
	ck_assert_int_eq(line.level, 0);

	/* Far off: nothing within a second; a new MR re-arms the timer. */
	wr(PL031_MR, rd(PL031_DR) + 3600);
	ck_assert(!wait_match(1200));
	ck_assert_uint_eq(rd(PL031_RIS), 0);

	/* LR moves the counter up to the match: MR is reached at once. */
	wr(PL031_LR, rd(PL031_MR));
	ck_assert_uint_eq(rd(PL031_RIS), PL031_INT_MATCH);
	ck_assert_int_eq(line.level, 1);
	/* ... and the old timer is gone. */
	wr(PL031_ICR, PL031_INT_MATCH);
	ck_assert(!wait_match(0));
	pl031_timer_event(rtc);			/* nothing to consume: no match */
	ck_assert_uint_eq(rd(PL031_RIS), 0);
}
END_TEST

START_TEST(bad_accesses_are_harmless)
{
	static const unsigned int lens[] = { 1, 2, 8 };
	static const uint64_t offsets[] = {
		0x020, 0x024, 0x100, 0x800, 0xfdc, 0x1000, 0x10000, ~0ULL - 3,
	};
	uint8_t data[8];

	wr(PL031_IMSC, PL031_INT_MATCH);
	wr(PL031_MR, 77);
	wr(PL031_LR, 1000);
	for (unsigned int i = 0; i < ARRAY_SIZE(lens); i++) {
		/* Wrong widths at registers that matter: read 0, drop writes. */
		memset(data, 0xff, sizeof(data));
		pl031_ops.read(rtc, PL031_DR, data, lens[i]);
		for (unsigned int b = 0; b < lens[i]; b++)
			ck_assert_uint_eq(data[b], 0);
		memset(data, 0xff, sizeof(data));
		pl031_ops.write(rtc, PL031_LR, data, lens[i]);
		pl031_ops.write(rtc, PL031_MR, data, lens[i]);
		pl031_ops.write(rtc, PL031_ICR, data, lens[i]);
	}
	/* Misaligned. */
	memset(data, 0xff, sizeof(data));
	pl031_ops.read(rtc, PL031_DR + 1, data, 4);
	ck_assert_uint_eq(data[0] | data[1] | data[2] | data[3], 0);
	memset(data, 0xff, sizeof(data));
	pl031_ops.write(rtc, PL031_LR + 2, data, 4);
	pl031_ops.write(rtc, PL031_MR + 1, data, 4);
	/* Unknown offsets, in the window and past it. */
	for (unsigned int i = 0; i < ARRAY_SIZE(offsets); i++) {
		ck_assert_uint_eq(rd(offsets[i]), 0);
		wr(offsets[i], 0xffffffff);
	}
	ck_assert_uint_ge(rd(PL031_DR), 1000);
	ck_assert_uint_le(rd(PL031_DR), 1002);
	ck_assert_uint_eq(rd(PL031_MR), 77);
	ck_assert_uint_eq(rd(PL031_IMSC), PL031_INT_MATCH);
	ck_assert_int_eq(line.changes, 0);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("pl031");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, dr_tracks_host_time);
	tcase_add_test(tc, lr_shifts_dr_not_the_host);
	tcase_add_test(tc, amba_id_registers);
	tcase_add_test(tc, match_now_sets_ris_and_the_line_follows_imsc);
	tcase_add_test(tc, match_in_a_second_from_the_timer);
	tcase_add_test(tc, bad_accesses_are_harmless);
	return run_tcase("pl031", tc);
}
