// SPDX-License-Identifier: GPL-2.0
/*
 * The CMOS RTC (devices/rtc_cmos.h) driven through its two ports as a
 * guest drives them, on a clock the test sets: the time in BCD and binary,
 * 24- and 12-hour formats; setting the clock with and without SET; the
 * update and alarm flags, IRQF and the interrupt line; RAM and the index
 * port; and, on the host's clock, the once-a-second timer.
 */
#include <check.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "devices/rtc_cmos.h"

#include "tests/helpers.h"

static time_t fake_now;

static time_t fake_clock(void)
{
	return fake_now;
}

struct line {
	int level;
	unsigned int rises;
};

static void line_set(void *ctx, int level)
{
	struct line *l = ctx;

	if (level && !l->level)
		l->rises++;
	l->level = level;
}

static uint8_t rd(struct rtc_cmos *rtc, uint8_t reg)
{
	uint8_t v = 0xee;

	rtc_cmos_ops.write(rtc, 0, &reg, 1);
	rtc_cmos_ops.read(rtc, 1, &v, 1);
	return v;
}

static void wr(struct rtc_cmos *rtc, uint8_t reg, uint8_t v)
{
	rtc_cmos_ops.write(rtc, 0, &reg, 1);
	rtc_cmos_ops.write(rtc, 1, &v, 1);
}

/* 2026-12-07 13:45:56 UTC, a Monday. */
static time_t monday(void)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 7,
			 .tm_hour = 13, .tm_min = 45, .tm_sec = 56 };

	return timegm(&tm);
}

START_TEST(reads_the_clock_in_bcd_24h)
{
	struct rtc_cmos *rtc;

	fake_now = monday();
	rtc = rtc_cmos_create(NULL, NULL, fake_clock);
	ck_assert_ptr_nonnull(rtc);
	ck_assert_uint_eq(rd(rtc, 0x00), 0x56);
	ck_assert_uint_eq(rd(rtc, 0x02), 0x45);
	ck_assert_uint_eq(rd(rtc, 0x04), 0x13);
	ck_assert_uint_eq(rd(rtc, 0x06), 0x02);		/* Monday; Sunday is 1 */
	ck_assert_uint_eq(rd(rtc, 0x07), 0x07);
	ck_assert_uint_eq(rd(rtc, 0x08), 0x12);
	ck_assert_uint_eq(rd(rtc, 0x09), 0x26);
	ck_assert_uint_eq(rd(rtc, RTC_CMOS_CENTURY), 0x20);
	ck_assert_uint_eq(rd(rtc, 0x0a), 0x26);		/* UIP clear */
	ck_assert_uint_eq(rd(rtc, 0x0b), 0x02);		/* BCD, 24-hour */
	ck_assert_uint_eq(rd(rtc, 0x0d), 0x80);		/* valid */
	fake_now += 65;
	ck_assert_uint_eq(rd(rtc, 0x00), 0x01);
	ck_assert_uint_eq(rd(rtc, 0x02), 0x47);
	rtc_cmos_destroy(rtc);
}
END_TEST

START_TEST(binary_and_12_hour_formats)
{
	struct rtc_cmos *rtc;

	fake_now = monday();
	rtc = rtc_cmos_create(NULL, NULL, fake_clock);
	wr(rtc, 0x0b, 0x04);				/* binary, 12-hour */
	ck_assert_uint_eq(rd(rtc, 0x00), 56);
	ck_assert_uint_eq(rd(rtc, 0x04), 0x80 | 1);	/* 1 PM */
	ck_assert_uint_eq(rd(rtc, 0x09), 26);
	wr(rtc, 0x0b, 0x00);				/* BCD, 12-hour */
	ck_assert_uint_eq(rd(rtc, 0x04), 0x81);
	fake_now -= 13 * 3600;				/* 00:45:56 */
	ck_assert_uint_eq(rd(rtc, 0x04), 0x12);		/* 12 AM */
	/* A 12-hour write: 11 PM. */
	wr(rtc, 0x04, 0x80 | 0x11);
	wr(rtc, 0x0b, 0x02);
	ck_assert_uint_eq(rd(rtc, 0x04), 0x23);
	rtc_cmos_destroy(rtc);
}
END_TEST

START_TEST(setting_the_clock_moves_only_the_guest)
{
	struct rtc_cmos *rtc;

	fake_now = monday();
	rtc = rtc_cmos_create(NULL, NULL, fake_clock);
	/* As Linux does: SET, the time, SET cleared. */
	wr(rtc, 0x0b, 0x82);
	wr(rtc, 0x00, 0x05);
	wr(rtc, 0x02, 0x04);
	wr(rtc, 0x04, 0x03);
	wr(rtc, 0x07, 0x02);
	wr(rtc, 0x08, 0x01);
	wr(rtc, 0x09, 0x30);
	fake_now += 7;					/* stands still while SET */
	ck_assert_uint_eq(rd(rtc, 0x00), 0x05);
	wr(rtc, 0x0b, 0x02);
	ck_assert_uint_eq(rd(rtc, 0x00), 0x05);
	ck_assert_uint_eq(rd(rtc, 0x09), 0x30);
	ck_assert_uint_eq(rd(rtc, 0x08), 0x01);
	ck_assert_uint_eq(rd(rtc, 0x06), 0x04);		/* 2030-01-02: Wednesday */
	fake_now += 10;
	ck_assert_uint_eq(rd(rtc, 0x00), 0x15);
	/* One register alone, clock running: the rest stays. */
	wr(rtc, 0x02, 0x59);
	ck_assert_uint_eq(rd(rtc, 0x02), 0x59);
	ck_assert_uint_eq(rd(rtc, 0x04), 0x03);
	ck_assert_uint_eq(rd(rtc, 0x00), 0x15);
	/* The century register moves the year by centuries. */
	wr(rtc, RTC_CMOS_CENTURY, 0x21);
	ck_assert_uint_eq(rd(rtc, 0x09), 0x30);
	ck_assert_uint_eq(rd(rtc, RTC_CMOS_CENTURY), 0x21);
	/* Nonsense is normalised, not a crash: 0x99 seconds. */
	wr(rtc, 0x00, 0x99);
	ck_assert_uint_le(rd(rtc, 0x00), 0x59);
	rtc_cmos_destroy(rtc);
}
END_TEST

START_TEST(update_and_alarm_flags_raise_irq)
{
	struct line line = { 0 };
	struct rtc_cmos *rtc;

	fake_now = monday();
	rtc = rtc_cmos_create(line_set, &line, fake_clock);
	ck_assert_uint_eq(rd(rtc, 0x0c), 0);
	/* A second passes with nothing enabled: UF, no IRQF, line low. */
	fake_now++;
	ck_assert_uint_eq(rd(rtc, 0x0c), 0x10);
	ck_assert_uint_eq(rd(rtc, 0x0c), 0);		/* read clears */
	ck_assert_int_eq(line.level, 0);

	/* UIE: the next second raises the line until C is read. */
	wr(rtc, 0x0b, 0x12);
	fake_now++;
	ck_assert_uint_eq(rd(rtc, 0x0a), 0x26);		/* any access catches up */
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(rtc, 0x0c), 0x90);
	ck_assert_int_eq(line.level, 0);
	ck_assert_uint_eq(line.rises, 1);

	/* AIE alone, alarm at 13:46:00 (it is 13:45:58). */
	wr(rtc, 0x0b, 0x22);
	wr(rtc, 0x01, 0x00);
	wr(rtc, 0x03, 0x46);
	wr(rtc, 0x05, 0x13);
	fake_now++;					/* :59 */
	ck_assert_uint_eq(rd(rtc, 0x0c), 0x10);
	ck_assert_int_eq(line.level, 0);
	fake_now++;					/* 13:46:00 */
	ck_assert_uint_eq(rd(rtc, 0x0c), 0xb0);
	ck_assert_uint_eq(line.rises, 2);
	/* "Any" bytes: every second matches. */
	wr(rtc, 0x01, 0xc0);
	wr(rtc, 0x03, 0xff);
	wr(rtc, 0x05, 0xc0);
	fake_now++;
	ck_assert_uint_eq(rd(rtc, 0x0c), 0xb0);
	/* Enabling a flag that is already set raises IRQF at once. */
	wr(rtc, 0x0b, 0x02);
	fake_now++;
	wr(rtc, 0x0b, 0x12);
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(rtc, 0x0c) & 0x90, 0x90);
	rtc_cmos_destroy(rtc);
}
END_TEST

START_TEST(ram_index_and_odd_accesses)
{
	struct rtc_cmos *rtc;
	uint8_t buf[4] = { 0xaa, 0xaa, 0xaa, 0xaa }, idx;

	fake_now = monday();
	rtc = rtc_cmos_create(NULL, NULL, fake_clock);
	ck_assert_uint_eq(rd(rtc, 0x40), 0);
	wr(rtc, 0x80 | 0x40, 0x5a);			/* bit 7: NMI mask */
	ck_assert_uint_eq(rd(rtc, 0x40), 0x5a);
	ck_assert_uint_eq(rd(rtc, 0x7f), 0);
	rtc_cmos_ops.read(rtc, 0, buf, 1);		/* the index port */
	ck_assert_uint_eq(buf[0], 0xff);
	wr(rtc, 0x0d, 0x00);				/* read-only */
	ck_assert_uint_eq(rd(rtc, 0x0d), 0x80);
	wr(rtc, 0x0a, 0xff);				/* UIP is read-only */
	ck_assert_uint_eq(rd(rtc, 0x0a), 0x7f);
	/* A 4-byte read of the data port: one byte, the rest zero. */
	idx = 0x40;
	rtc_cmos_ops.write(rtc, 0, &idx, 1);
	rtc_cmos_ops.read(rtc, 1, buf, 4);
	ck_assert_uint_eq(buf[0], 0x5a);
	ck_assert_uint_eq(buf[1] | buf[2] | buf[3], 0);
	rtc_cmos_destroy(rtc);
}
END_TEST

/* On the host's clock: with UIE on, the timer fires within a second. */
START_TEST(timer_ticks_on_the_host_clock)
{
	struct line line = { 0 };
	struct rtc_cmos *rtc = rtc_cmos_create(line_set, &line, NULL);
	struct pollfd pfd = { .events = POLLIN };
	struct timespec t0, t1;

	ck_assert_ptr_nonnull(rtc);
	pfd.fd = rtc_cmos_timer_fd(rtc);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);		/* disarmed */
	rd(rtc, 0x0c);
	wr(rtc, 0x0b, 0x12);
	clock_gettime(CLOCK_REALTIME, &t0);
	ck_assert_int_eq(poll(&pfd, 1, 1500), 1);
	clock_gettime(CLOCK_REALTIME, &t1);
	ck_assert_int_le(t1.tv_sec - t0.tv_sec, 1);	/* at the boundary */
	rtc_cmos_timer_event(rtc);
	ck_assert_int_eq(line.level, 1);
	ck_assert_uint_eq(rd(rtc, 0x0c), 0x90);
	/* It keeps ticking: re-armed for the next second. */
	ck_assert_int_eq(poll(&pfd, 1, 1500), 1);
	rtc_cmos_timer_event(rtc);
	ck_assert_uint_eq(rd(rtc, 0x0c), 0x90);
	/* UIE off: disarmed. */
	wr(rtc, 0x0b, 0x02);
	ck_assert_int_eq(poll(&pfd, 1, 1200), 0);
	rtc_cmos_destroy(rtc);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("rtc_cmos");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, reads_the_clock_in_bcd_24h);
	tcase_add_test(tc, binary_and_12_hour_formats);
	tcase_add_test(tc, setting_the_clock_moves_only_the_guest);
	tcase_add_test(tc, update_and_alarm_flags_raise_irq);
	tcase_add_test(tc, ram_index_and_odd_accesses);
	tcase_add_test(tc, timer_ticks_on_the_host_clock);
	return run_tcase("rtc_cmos", tc);
}
