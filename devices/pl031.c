// SPDX-License-Identifier: GPL-2.0
/*
 * PL031 real-time clock: the counter is host CLOCK_REALTIME plus the
 * guest's offset, kept in nanoseconds so that a load takes effect at the
 * instant of the write; the match is an absolute CLOCK_REALTIME timerfd,
 * re-armed whenever MR or the offset changes.
 */
#include "pl031.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NSEC	1000000000LL

struct pl031 {
	pthread_mutex_t lock;
	int64_t offset_ns;	/* counter = (CLOCK_REALTIME + offset) / 1 s */
	uint32_t mr, imsc, ris;
	bool line;		/* the level set_irq was last given */
	int timer_fd;
	irq_fn set_irq;
	void *irq_ctx;
};

/* PL031 peripheral ID 0x00141031, then the PrimeCell ID, a byte each. */
static const uint8_t pl031_id[8] = {
	0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NSEC + ts.tv_nsec;
}

/* Whole seconds, rounding down also below zero. */
static int64_t seconds_of(int64_t ns)
{
	return ns >= 0 ? ns / NSEC : -((-ns + NSEC - 1) / NSEC);
}

static int64_t counter(const struct pl031 *rtc)
{
	return seconds_of(realtime_ns() + rtc->offset_ns);
}

static void update_irq(struct pl031 *rtc)
{
	bool level = rtc->ris & rtc->imsc & PL031_INT_MATCH;

	if (level != rtc->line) {
		rtc->line = level;
		rtc->set_irq(rtc->irq_ctx, level);
	}
}

/*
 * After MR or the offset changed: a match now if the counter equals MR,
 * else the timer set for the instant the counter next reaches MR (the
 * 32-bit counter wraps, as the hardware's does).
 */
static void arm_match(struct pl031 *rtc)
{
	int64_t now = counter(rtc);
	uint32_t delta = rtc->mr - (uint32_t)now;
	struct itimerspec its = { 0 };

	if (delta == 0) {
		rtc->ris |= PL031_INT_MATCH;
		update_irq(rtc);
	} else {
		int64_t at = (now + delta) * NSEC - rtc->offset_ns;

		its.it_value.tv_sec = seconds_of(at);
		its.it_value.tv_nsec = at - its.it_value.tv_sec * NSEC;
	}
	/* Also clears an expiry the event loop has not consumed yet. */
	timerfd_settime(rtc->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static uint32_t read_reg(struct pl031 *rtc, uint64_t offset)
{
	if (offset >= PL031_PERIPH_ID0)
		return pl031_id[(offset - PL031_PERIPH_ID0) / 4];
	switch (offset) {
	case PL031_DR:
		return (uint32_t)counter(rtc);
	case PL031_MR:
		return rtc->mr;
	case PL031_CR:
		return 1;
	case PL031_IMSC:
		return rtc->imsc;
	case PL031_RIS:
		return rtc->ris;
	case PL031_MIS:
		return rtc->ris & rtc->imsc;
	default:
		return 0;	/* LR, ICR (write-only), reserved */
	}
}

static void write_reg(struct pl031 *rtc, uint64_t offset, uint32_t v)
{
	switch (offset) {
	case PL031_MR:
		rtc->mr = v;
		arm_match(rtc);
		break;
	case PL031_LR:
		rtc->offset_ns = (int64_t)v * NSEC - realtime_ns();
		arm_match(rtc);
		break;
	case PL031_IMSC:
		rtc->imsc = v & PL031_INT_MATCH;
		update_irq(rtc);
		break;
	case PL031_ICR:
		rtc->ris &= ~(v & PL031_INT_MATCH);
		update_irq(rtc);
		break;
	default:
		break;		/* DR, RIS, MIS (read-only), CR, reserved */
	}
}

static bool served(uint64_t offset, unsigned int len)
{
	return len == 4 && offset % 4 == 0 && offset < PL031_LEN;
}

static void pl031_read(void *opaque, uint64_t offset, uint8_t *data,
		       unsigned int len)
{
	struct pl031 *rtc = opaque;
	uint32_t v;

	memset(data, 0, len);
	if (!served(offset, len))
		return;
	pthread_mutex_lock(&rtc->lock);
	v = read_reg(rtc, offset);
	pthread_mutex_unlock(&rtc->lock);
	memcpy(data, &v, 4);	/* little-endian host and guest */
}

static void pl031_write(void *opaque, uint64_t offset, const uint8_t *data,
			unsigned int len)
{
	struct pl031 *rtc = opaque;
	uint32_t v;

	if (!served(offset, len))
		return;
	memcpy(&v, data, 4);
	pthread_mutex_lock(&rtc->lock);
	write_reg(rtc, offset, v);
	pthread_mutex_unlock(&rtc->lock);
}

const struct bus_device_ops pl031_ops = {
	.read = pl031_read,
	.write = pl031_write,
};

int pl031_create(irq_fn set_irq, void *irq_ctx,
		 struct pl031 **out)
{
	struct pl031 *rtc = calloc(1, sizeof(*rtc));

	if (!rtc)
		return -ENOMEM;
	rtc->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	if (rtc->timer_fd < 0) {
		int err = -errno;

		free(rtc);
		return err;
	}
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->set_irq = set_irq;
	rtc->irq_ctx = irq_ctx;
	*out = rtc;
	return 0;
}

void pl031_destroy(struct pl031 *rtc)
{
	if (!rtc)
		return;
	close(rtc->timer_fd);
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

int pl031_timer_fd(const struct pl031 *rtc)
{
	return rtc->timer_fd;
}

void pl031_timer_event(struct pl031 *rtc)
{
	uint64_t expiries;

	pthread_mutex_lock(&rtc->lock);
	/* Nothing to read: a register write re-armed the timer meanwhile. */
	if (read(rtc->timer_fd, &expiries, sizeof(expiries)) == sizeof(expiries)) {
		rtc->ris |= PL031_INT_MATCH;
		update_irq(rtc);
	}
	pthread_mutex_unlock(&rtc->lock);
}
