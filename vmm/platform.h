/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's platform devices, made from the architecture's table
 * (arch_platform[]): the console UART on stdout, the real-time clock
 * (x86: the CMOS RTC; arm64: the PL031; one at most), and the devices through which a guest ends the VM (debug exit, i8042
 * reset, pvpanic, ACPI S5), which call stop(ctx, status, reason).
 *
 * platform_create() puts each row's device on its bus; 0 or a negative
 * errno. platform_destroy() frees what it made (once no vCPU runs).
 *
 * platform_timer_fd() is an fd for the run loop to poll (POLLIN), or -1
 * when the machine has no timed device; when it is readable the loop
 * calls platform_timer_event().
 */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/acpi_pm.h"
#include "devices/host/bus.h"
#include "devices/power.h"

struct pl031;
struct rtc_cmos;
struct serial;

struct platform {
	struct serial *serial;		/* NULL when the machine has none */
	struct power_device power;
	struct acpi_pm acpi_pm;
	/* The console's interrupt line, as set_irq's argument. */
	void (*set_irq)(void *ctx, unsigned int irq, int level);
	void *irq_ctx;
	unsigned int serial_irq;
	/* Where its registers are (the transmit register first). */
	uint64_t serial_base;
	bool serial_on_pio;
	struct rtc_cmos *rtc_cmos;	/* NULL when the machine has none */
	struct pl031 *rtc_pl031;	/* likewise */
	unsigned int rtc_irq;
};

struct platform_params {
	struct bus *pio, *mmio;
	void (*set_irq)(void *ctx, unsigned int irq, int level);
	void *irq_ctx;
	stop_fn stop;
	void *stop_ctx;
	enum debug_exit_encoding debug_exit;
};

int platform_create(struct platform *p, const struct platform_params *params);
void platform_destroy(struct platform *p);
int platform_timer_fd(const struct platform *p);
void platform_timer_event(struct platform *p);

#endif
