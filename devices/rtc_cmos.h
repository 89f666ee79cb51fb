/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PC's CMOS real-time clock (Motorola MC146818), as every x86 guest
 * expects it: an index port and a data port (0x70/0x71 on the PC; the
 * device sees offsets 0 and 1), IRQ 8, 128 bytes of registers.
 *
 * Contract:
 * - The time (registers 0x00-0x09, and the century at RTC_CMOS_CENTURY,
 *   the register the FADT names) is the host's CLOCK_REALTIME plus an
 *   offset in whole seconds that belongs to the guest: setting the clock
 *   (register B's SET bit, then the time registers, then SET cleared; or a
 *   time register written alone) moves the offset, never the host's clock.
 *   BCD or binary and 12- or 24-hour formats follow register B, as written
 *   by the guest; the reset state is BCD, 24-hour.
 * - Register A's update-in-progress bit always reads 0 (an update is
 *   atomic here); register D always reads "valid RAM and time".
 * - Register C reports the update-ended (UF) and alarm (AF) flags, set
 *   once per second of guest time, and IRQF when an enabled one is set
 *   (UIE, AIE in register B); reading C clears them and lowers the
 *   interrupt line, which is high while IRQF is set. The alarm registers
 *   take 0xc0-0xff as "any". The periodic interrupt (PIE) is not offered:
 *   PF never sets.
 * - The rest of the 128 bytes is battery-backed RAM: it keeps what the
 *   guest writes for the life of the VM, starting zeroed.
 * - Interrupts need a tick: while UIE or AIE is on, rtc_cmos_timer_fd()
 *   becomes readable at each second boundary of the host's clock, and the
 *   caller's poll loop then calls rtc_cmos_timer_event(). Flags are also
 *   brought up to date on every register access, so a guest that polls
 *   without interrupts sees them too.
 * - Register accesses (the bus ops, from vCPU threads) and the timer event
 *   (from the poll loop) may run concurrently: the device has one lock.
 *   set_irq is called with it held and must not call back into the device.
 *   Neither makes a system call beyond clock_gettime, read of the timerfd
 *   and timerfd_settime (dates are computed by devices/calendar.h, not by
 *   the C library, whose first gmtime_r() may open time zone files).
 */
#ifndef DEVICES_RTC_CMOS_H
#define DEVICES_RTC_CMOS_H

#include <stdint.h>
#include <time.h>

#include "devices/host/bus.h"

#define RTC_CMOS_LEN		2	/* index and data ports */
#define RTC_CMOS_CENTURY	0x32	/* as on PCs (the FADT's CENTURY) */

struct rtc_cmos;

/*
 * The clock is the host's CLOCK_REALTIME unless now is given (tests give
 * their own). NULL when out of memory or file descriptors.
 */
struct rtc_cmos *rtc_cmos_create(irq_fn set_irq, void *irq_ctx,
				 time_t (*now)(void));
void rtc_cmos_destroy(struct rtc_cmos *rtc);

extern const struct bus_device_ops rtc_cmos_ops;

/* A timerfd to poll for POLLIN; rtc_cmos_timer_event() when it fires. */
int rtc_cmos_timer_fd(const struct rtc_cmos *rtc);
void rtc_cmos_timer_event(struct rtc_cmos *rtc);

#endif
