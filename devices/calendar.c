// SPDX-License-Identifier: GPL-2.0
/*
 * UTC dates from and to seconds (devices/calendar.h). Days are counted in
 * 400-year cycles of 146097 days, with years that start on March 1 so
 * that the leap day is the last day of its year.
 */
#include "calendar.h"

#define DAYS_PER_CYCLE	146097	/* 400 Gregorian years */
#define DAYS_0000_TO_1970 719468	/* 0000-03-01 to 1970-01-01 */
#define SECONDS_PER_DAY	86400

/* Floor division, also for negative n. */
static int64_t div_floor(int64_t n, int64_t d)
{
	return n >= 0 ? n / d : -((-n + d - 1) / d);
}

/* Days from 1970-01-01 to the first of month (1-12) of year. */
static int64_t days_to_month(int64_t year, int month)
{
	int64_t y = month <= 2 ? year - 1 : year;	/* March-based year */
	int64_t cycle = div_floor(y, 400);
	int64_t year_of_cycle = y - cycle * 400;	/* 0-399 */
	int64_t month_from_march = month <= 2 ? month + 9 : month - 3;
	int64_t day_of_year = (153 * month_from_march + 2) / 5;
	int64_t day_of_cycle = year_of_cycle * 365 + year_of_cycle / 4 -
			       year_of_cycle / 100 + day_of_year;

	return cycle * DAYS_PER_CYCLE + day_of_cycle - DAYS_0000_TO_1970;
}

int64_t calendar_join(const struct calendar_date *d)
{
	int64_t months = (int64_t)d->month - 1;
	int64_t year = d->year + div_floor(months, 12);
	int month = (int)(months - div_floor(months, 12) * 12) + 1;
	int64_t days = days_to_month(year, month) + d->day - 1;

	return days * SECONDS_PER_DAY + (int64_t)d->hour * 3600 +
	       (int64_t)d->minute * 60 + d->second;
}

void calendar_split(int64_t t, struct calendar_date *d)
{
	int64_t days = div_floor(t, SECONDS_PER_DAY);
	int64_t secs = t - days * SECONDS_PER_DAY;
	int64_t z = days + DAYS_0000_TO_1970;
	int64_t cycle = div_floor(z, DAYS_PER_CYCLE);
	int64_t day_of_cycle = z - cycle * DAYS_PER_CYCLE;	/* 0-146096 */
	int64_t year_of_cycle = (day_of_cycle - day_of_cycle / 1460 +
				 day_of_cycle / 36524 - day_of_cycle / 146096) / 365;
	int64_t day_of_year = day_of_cycle - (365 * year_of_cycle + year_of_cycle / 4 -
					      year_of_cycle / 100);
	int64_t month_from_march = (5 * day_of_year + 2) / 153;	/* 0-11 */

	d->day = (int)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
	d->month = (int)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
	d->year = year_of_cycle + cycle * 400 + (d->month <= 2);
	d->hour = (int)(secs / 3600);
	d->minute = (int)(secs / 60 % 60);
	d->second = (int)(secs % 60);
	d->weekday = (int)(days - div_floor(days + 4, 7) * 7 + 4);	/* 1970-01-01: Thursday */
}
