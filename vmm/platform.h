/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM's platform devices, made from the architecture's table
 * (arch_platform[]): the console UART on stdout, and the devices through
 * which a guest ends the VM (debug exit, i8042 reset, pvpanic, ACPI S5),
 * which call stop(ctx, status, reason), and the real-time clock (arm64's
 * PL031), whose match timer the run loop polls.
 *
 * platform_create() puts each row's device on its bus; 0 or a negative
 * errno. platform_destroy() frees what it made (once no vCPU runs).
 */
#ifndef VMM_PLATFORM_H
#define VMM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/acpi_pm.h"
#include "devices/host/bus.h"
#include "devices/power.h"

struct pl031;
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
	struct pl031 *rtc;		/* NULL when the machine has none */
	unsigned int rtc_irq;		/* its line, as set_irq's argument */
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

#endif
