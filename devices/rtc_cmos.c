// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 CMOS real-time clock (devices/rtc_cmos.h): the time registers
 * are computed from the host's clock and the guest's offset at each read;
 * the alarm, control and RAM bytes are stored as written.
 */
#include "rtc_cmos.h"

#include "calendar.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum {
	REG_SECONDS = 0x00, REG_SECONDS_ALARM = 0x01,
	REG_MINUTES = 0x02, REG_MINUTES_ALARM = 0x03,
	REG_HOURS = 0x04, REG_HOURS_ALARM = 0x05,
	REG_WEEKDAY = 0x06, REG_DAY = 0x07, REG_MONTH = 0x08, REG_YEAR = 0x09,
	REG_A = 0x0a, REG_B = 0x0b, REG_C = 0x0c, REG_D = 0x0d,
	NR_REGS = 128,
};

#define INDEX_MASK	0x7f	/* bit 7 of the index port masks NMIs */
#define A_UIP		0x80
#define A_RESET		0x26	/* 32.768 kHz time base, 1024 Hz rate */
#define B_SET		0x80
#define B_UIE		0x10	/* these three share their bits with C's flags */
#define B_AIE		0x20
#define B_PIE		0x40
#define B_BINARY	0x04
#define B_24H		0x02
#define C_IRQF		0x80
#define C_FLAGS		(B_UIE | B_AIE | B_PIE)
#define C_UF		B_UIE
#define C_AF		B_AIE
#define D_VRT		0x80
#define ALARM_ANY	0xc0	/* alarm bytes 0xc0-0xff match any value */

struct rtc_cmos {
	pthread_mutex_t lock;
	irq_fn set_irq;
	void *irq_ctx;
	time_t (*now)(void);
	int timer_fd;
	int64_t offset;		/* guest time minus host time, in seconds */
	struct calendar_date frozen;	/* the time being set while B_SET is on */
	time_t last_second;	/* the host second whose update was counted */
	int irq_level;
	uint8_t index;
	uint8_t regs[NR_REGS];
};

static time_t host_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

struct rtc_cmos *rtc_cmos_create(irq_fn set_irq, void *irq_ctx,
				 time_t (*now)(void))
{
	struct rtc_cmos *rtc = calloc(1, sizeof(*rtc));

	if (!rtc)
		return NULL;
	rtc->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (rtc->timer_fd < 0) {
		free(rtc);
		return NULL;
	}
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->set_irq = set_irq;
	rtc->irq_ctx = irq_ctx;
	rtc->now = now ? now : host_now;
	rtc->last_second = rtc->now();
	rtc->regs[REG_A] = A_RESET;
	rtc->regs[REG_B] = B_24H;
	return rtc;
}

void rtc_cmos_destroy(struct rtc_cmos *rtc)
{
	if (!rtc)
		return;
	close(rtc->timer_fd);
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

int rtc_cmos_timer_fd(const struct rtc_cmos *rtc)
{
	return rtc->timer_fd;
}

/* ------------------------------------------------- register formats -- */

static bool binary(const struct rtc_cmos *rtc)
{
	return rtc->regs[REG_B] & B_BINARY;
}

static uint8_t encode(const struct rtc_cmos *rtc, int v)
{
	return binary(rtc) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int decode(const struct rtc_cmos *rtc, uint8_t v)
{
	return binary(rtc) ? v : (v >> 4) * 10 + (v & 0x0f);
}

/* 12-hour mode: 1-12, bit 7 for PM. */
static uint8_t encode_hour(const struct rtc_cmos *rtc, int hour)
{
	int h12 = hour % 12 ? hour % 12 : 12;

	if (rtc->regs[REG_B] & B_24H)
		return encode(rtc, hour);
	return encode(rtc, h12) | (hour >= 12 ? 0x80 : 0);
}

static int decode_hour(const struct rtc_cmos *rtc, uint8_t v)
{
	if (rtc->regs[REG_B] & B_24H)
		return decode(rtc, v);
	return decode(rtc, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

/* ------------------------------------------------------- the clock -- */

static struct calendar_date running_time(const struct rtc_cmos *rtc, time_t host)
{
	struct calendar_date date;

	calendar_split((int64_t)host + rtc->offset, &date);
	return date;
}

static struct calendar_date guest_time(const struct rtc_cmos *rtc)
{
	if (rtc->regs[REG_B] & B_SET)
		return rtc->frozen;
	return running_time(rtc, rtc->now());
}

/* The clock runs from date from now on. */
static void restart_from(struct rtc_cmos *rtc, const struct calendar_date *date)
{
	rtc->offset = calendar_join(date) - (int64_t)rtc->now();
}

static bool alarm_matches(const struct rtc_cmos *rtc, const struct calendar_date *now)
{
	const uint8_t *r = rtc->regs;

	return (r[REG_SECONDS_ALARM] >= ALARM_ANY || r[REG_SECONDS_ALARM] == encode(rtc, now->second)) &&
	       (r[REG_MINUTES_ALARM] >= ALARM_ANY || r[REG_MINUTES_ALARM] == encode(rtc, now->minute)) &&
	       (r[REG_HOURS_ALARM] >= ALARM_ANY || r[REG_HOURS_ALARM] == encode_hour(rtc, now->hour));
}

/* IRQF and the line follow the flags and their enables. */
static void update_irq(struct rtc_cmos *rtc)
{
	int level;

	if (rtc->regs[REG_C] & rtc->regs[REG_B] & C_FLAGS)
		rtc->regs[REG_C] |= C_IRQF;
	level = !!(rtc->regs[REG_C] & C_IRQF);
	if (level != rtc->irq_level && rtc->set_irq) {
		rtc->irq_level = level;
		rtc->set_irq(rtc->irq_ctx, level);
	}
}

/*
 * A new second of host time since the last look is an update cycle: UF,
 * and AF if the alarm matches the guest's time now. (Seconds skipped
 * between two looks, with no interrupt enabled, are not checked one by
 * one: only the latest.) The clock stands still while being set.
 */
static void catch_up(struct rtc_cmos *rtc)
{
	time_t host = rtc->now();
	struct calendar_date now;

	if (host == rtc->last_second)
		return;
	rtc->last_second = host;
	if (rtc->regs[REG_B] & B_SET)
		return;
	now = running_time(rtc, host);
	rtc->regs[REG_C] |= C_UF;
	if (alarm_matches(rtc, &now))
		rtc->regs[REG_C] |= C_AF;
	update_irq(rtc);
}

/* The timer fires at the next second boundary while an interrupt is on. */
static void arm_timer(struct rtc_cmos *rtc)
{
	struct itimerspec its = { 0 };
	struct timespec now;

	if ((rtc->regs[REG_B] & (B_UIE | B_AIE)) && !(rtc->regs[REG_B] & B_SET)) {
		clock_gettime(CLOCK_REALTIME, &now);
		its.it_value.tv_sec = now.tv_sec + 1;
	}
	timerfd_settime(rtc->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void rtc_cmos_timer_event(struct rtc_cmos *rtc)
{
	uint64_t expirations;

	if (read(rtc->timer_fd, &expirations, sizeof(expirations)) < 0) {
		/* EAGAIN: disarmed or re-armed since it fired */
	}
	pthread_mutex_lock(&rtc->lock);
	catch_up(rtc);
	arm_timer(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

/* ------------------------------------------------------- registers -- */

static uint8_t reg_read(struct rtc_cmos *rtc, uint8_t reg)
{
	struct calendar_date now = guest_time(rtc);
	uint8_t v;

	switch (reg) {
	case REG_SECONDS:
		return encode(rtc, now.second);
	case REG_MINUTES:
		return encode(rtc, now.minute);
	case REG_HOURS:
		return encode_hour(rtc, now.hour);
	case REG_WEEKDAY:
		return encode(rtc, now.weekday + 1);
	case REG_DAY:
		return encode(rtc, now.day);
	case REG_MONTH:
		return encode(rtc, now.month);
	case REG_YEAR:
		return encode(rtc, (int)(now.year % 100));
	case RTC_CMOS_CENTURY:
		return encode(rtc, (int)(now.year / 100));
	case REG_A:
		return rtc->regs[REG_A] & ~A_UIP;
	case REG_C:
		v = rtc->regs[REG_C];
		rtc->regs[REG_C] = 0;
		update_irq(rtc);
		return v;
	case REG_D:
		return D_VRT;
	default:
		return rtc->regs[reg];
	}
}

/* A time register written: the clock (or the time being set) moves. */
static void write_time(struct rtc_cmos *rtc, uint8_t reg, uint8_t v)
{
	struct calendar_date date = guest_time(rtc);

	switch (reg) {
	case REG_SECONDS:
		date.second = decode(rtc, v);
		break;
	case REG_MINUTES:
		date.minute = decode(rtc, v);
		break;
	case REG_HOURS:
		date.hour = decode_hour(rtc, v);
		break;
	case REG_DAY:
		date.day = decode(rtc, v);
		break;
	case REG_MONTH:
		date.month = decode(rtc, v);
		break;
	case REG_YEAR:
		date.year = date.year / 100 * 100 + decode(rtc, v);
		break;
	case RTC_CMOS_CENTURY:
		date.year = decode(rtc, v) * 100 + date.year % 100;
		break;
	default:
		return;		/* the weekday follows from the date */
	}
	if (rtc->regs[REG_B] & B_SET)
		rtc->frozen = date;
	else
		restart_from(rtc, &date);
}

static void write_b(struct rtc_cmos *rtc, uint8_t v)
{
	uint8_t old = rtc->regs[REG_B];

	if ((v & B_SET) && !(old & B_SET))
		rtc->frozen = guest_time(rtc);
	if (v & B_SET)
		v &= (uint8_t)~B_UIE;	/* SET clears UIE, as on the part */
	rtc->regs[REG_B] = v;
	if (!(v & B_SET) && (old & B_SET))
		restart_from(rtc, &rtc->frozen);
	update_irq(rtc);
	arm_timer(rtc);
}

static void reg_write(struct rtc_cmos *rtc, uint8_t reg, uint8_t v)
{
	switch (reg) {
	case REG_SECONDS: case REG_MINUTES: case REG_HOURS: case REG_WEEKDAY:
	case REG_DAY: case REG_MONTH: case REG_YEAR: case RTC_CMOS_CENTURY:
		write_time(rtc, reg, v);
		break;
	case REG_A:
		rtc->regs[REG_A] = v & ~A_UIP;
		break;
	case REG_B:
		write_b(rtc, v);
		break;
	case REG_C:
	case REG_D:
		break;		/* read-only */
	default:
		rtc->regs[reg] = v;
		break;
	}
}

/* Offset 0 is the index port (reads as 0xff, like a floating bus). */
static void rtc_cmos_read(void *opaque, uint64_t offset, uint8_t *data,
			  unsigned int len)
{
	struct rtc_cmos *rtc = opaque;

	memset(data, 0, len);
	pthread_mutex_lock(&rtc->lock);
	catch_up(rtc);
	data[0] = offset == 0 ? 0xff : reg_read(rtc, rtc->index);
	pthread_mutex_unlock(&rtc->lock);
}

static void rtc_cmos_write(void *opaque, uint64_t offset, const uint8_t *data,
			   unsigned int len)
{
	struct rtc_cmos *rtc = opaque;

	(void)len;
	pthread_mutex_lock(&rtc->lock);
	catch_up(rtc);
	if (offset == 0)
		rtc->index = data[0] & INDEX_MASK;
	else
		reg_write(rtc, rtc->index, data[0]);
	pthread_mutex_unlock(&rtc->lock);
}

const struct bus_device_ops rtc_cmos_ops = {
	.read = rtc_cmos_read,
	.write = rtc_cmos_write,
};
