/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UTC calendar arithmetic for the real-time clocks, in plain integer code:
 * the C library's gmtime_r() and timegm() may load time zone files on
 * first use (glibc does), which a device thread under the seccomp filter
 * must not do.
 *
 * Contract: proleptic Gregorian calendar, no leap seconds, seconds counted
 * from 1970-01-01 00:00:00 UTC (negative before it). calendar_split()
 * gives the date of t (month 1-12, day 1-31, weekday 0 = Sunday).
 * calendar_join() is its inverse and takes fields out of range the way
 * timegm() does: month 13 is January of the next year, second 99 is 39
 * seconds into the next minute, and so on; the weekday is ignored.
 */
#ifndef DEVICES_CALENDAR_H
#define DEVICES_CALENDAR_H

#include <stdint.h>

struct calendar_date {
	int64_t year;
	int month, day, hour, minute, second, weekday;
};

void calendar_split(int64_t t, struct calendar_date *d);
int64_t calendar_join(const struct calendar_date *d);

#endif
