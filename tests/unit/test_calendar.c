// SPDX-License-Identifier: GPL-2.0
/*
 * devices/calendar.h against the C library's gmtime_r() and timegm(),
 * which a test may use (it runs under no seccomp filter): every day from
 * 1600 to 2400 at a varying time of day, the leap days and century years,
 * times before 1970, the years a CMOS RTC can hold (to 25599), and fields
 * out of range normalised as timegm() normalises them.
 */
#include <check.h>
#include <stdint.h>
#include <time.h>

#include "devices/calendar.h"

#include "tests/helpers.h"

static void expect_split(int64_t t)
{
	time_t tt = (time_t)t;
	struct calendar_date d;
	struct tm tm;

	ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
	calendar_split(t, &d);
	ck_assert_msg(d.year == tm.tm_year + 1900 && d.month == tm.tm_mon + 1 &&
		      d.day == tm.tm_mday && d.hour == tm.tm_hour &&
		      d.minute == tm.tm_min && d.second == tm.tm_sec &&
		      d.weekday == tm.tm_wday,
		      "%lld: %lld-%d-%d %d:%d:%d wd %d, libc %d-%d-%d %d:%d:%d wd %d",
		      (long long)t, (long long)d.year, d.month, d.day, d.hour, d.minute,
		      d.second, d.weekday, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		      tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_wday);
	ck_assert_int_eq(calendar_join(&d), t);
}

START_TEST(split_and_join_agree_with_libc)
{
	const int64_t day = 86400;
	int64_t t, i = 0;

	/* 1600-01-01 to 2400-01-01, every day, the time of day moving. */
	for (t = -11676096000LL; t < 13569465600LL; t += day, i++)
		expect_split(t + (i * 7919) % day);
	expect_split(0);
	expect_split(-1);
	expect_split(951782400);		/* 2000-02-29 */
	expect_split(4107456000LL);		/* 2100-02-28 */
	expect_split(4107542400LL);		/* 2100-03-01 */
	expect_split(805628883599LL);		/* 27499-12-31 23:59:59 */
}
END_TEST

START_TEST(join_normalises_like_timegm)
{
	static const struct calendar_date odd[] = {
		{ 2026, 13, 1, 0, 0, 0, 0 },	/* month 13 */
		{ 2026, 0, 1, 0, 0, 0, 0 },	/* month 0 */
		{ 2026, 2, 31, 0, 0, 0, 0 },	/* February 31st */
		{ 2026, 12, 7, 23, 59, 99, 0 },	/* second 99 */
		{ 2026, 12, 7, 24, 60, 0, 0 },	/* hour 24, minute 60 */
		{ 2030, 1, 0, 0, 0, 0, 0 },	/* day 0 */
		{ 0, 1, 1, 0, 0, 0, 0 },	/* year 0 (a CMOS century of 0) */
		{ 25599, 19, 99, 99, 99, 99, 0 },	/* the most a CMOS can say */
	};
	unsigned int i;

	for (i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
		struct tm tm = {
			.tm_year = (int)odd[i].year - 1900, .tm_mon = odd[i].month - 1,
			.tm_mday = odd[i].day, .tm_hour = odd[i].hour,
			.tm_min = odd[i].minute, .tm_sec = odd[i].second,
		};

		ck_assert_int_eq(calendar_join(&odd[i]), (int64_t)timegm(&tm));
	}
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("calendar");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, split_and_join_agree_with_libc);
	tcase_add_test(tc, join_normalises_like_timegm);
	return run_tcase("calendar", tc);
}
