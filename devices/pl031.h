/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An ARM PrimeCell PL031 real-time clock (arm64: MMIO 0x09020000, SPI 2),
 * as Linux's rtc-pl031 driver uses it (PL031 TRM, ARM DDI 0224).
 *
 * Contract, as a bus device whose opaque is a struct pl031:
 * - the counter is the host's CLOCK_REALTIME in seconds plus an offset
 *   that the device keeps: a write to LR sets the counter to that value
 *   from that instant on (the offset changes, the host clock never);
 *   DR reads the counter (the low 32 bits, as the hardware's); the
 *   counter always runs, so CR reads 1 and writes to it change nothing;
 * - the match interrupt: RIS bit 0 is set when the counter reaches MR
 *   (at once if it equals MR when MR or LR is written), IMSC bit 0
 *   masks it, MIS = RIS & IMSC, a 1 written to ICR bit 0 clears RIS;
 *   the interrupt line is MIS, a level, driven through set_irq on each
 *   change. The time of the next match is a CLOCK_REALTIME timerfd
 *   (pl031_timer_fd()); the owner polls it and calls pl031_timer_event()
 *   when it is readable;
 * - the AMBA identification registers at 0xfe0..0xffc read as a PL031's
 *   (peripheral ID 0x00141031, PrimeCell ID 0xb105f00d, a byte each);
 * - only aligned 32-bit accesses inside PL031_LEN are served: any other
 *   read, and a read of an unknown or write-only register, returns zeros;
 *   any other write, and a write to a read-only register, is dropped.
 *
 * Thread-safe: vCPU threads access registers while the event loop
 * delivers the match.
 */
#ifndef DEVICES_PL031_H
#define DEVICES_PL031_H

#include "devices/host/bus.h"

#define PL031_LEN	0x1000

/* Register offsets. */
#define PL031_DR	0x000	/* data: the counter (read-only) */
#define PL031_MR	0x004	/* match */
#define PL031_LR	0x008	/* load: sets the counter (write) */
#define PL031_CR	0x00c	/* control: bit 0 starts the counter */
#define PL031_IMSC	0x010	/* interrupt mask set and clear */
#define PL031_RIS	0x014	/* raw interrupt status (read-only) */
#define PL031_MIS	0x018	/* masked interrupt status (read-only) */
#define PL031_ICR	0x01c	/* interrupt clear (write-only) */
#define PL031_PERIPH_ID0 0xfe0	/* then ID1..3, PrimeCell ID0..3 at 0xff0 */

#define PL031_INT_MATCH	(1U << 0)

struct pl031;

extern const struct bus_device_ops pl031_ops;

/*
 * A running clock with offset 0, no interrupt pending and the match
 * masked. set_irq(irq_ctx, level) drives the interrupt line. 0 with *out
 * set, -ENOMEM, or the timerfd's negative errno.
 */
int pl031_create(irq_fn set_irq, void *irq_ctx,
		 struct pl031 **out);
void pl031_destroy(struct pl031 *rtc);

/* Readable when the counter has reached MR. */
int pl031_timer_fd(const struct pl031 *rtc);
/* Consumes the timerfd's expiry: the match happened, RIS is set. */
void pl031_timer_event(struct pl031 *rtc);

#endif
