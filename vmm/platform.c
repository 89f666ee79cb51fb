// SPDX-License-Identifier: GPL-2.0
/*
 * One device per row of the architecture's platform table.
 */
#include "platform.h"

#include <errno.h>
#include <unistd.h>

#include "arch/arch.h"
#include "devices/pl031.h"
#include "devices/pvpanic.h"
#include "devices/rtc_cmos.h"
#include "devices/serial.h"
#include "vmm/stop.h"

_Static_assert(PVPANIC_EXIT_STATUS == VM_EXIT_PANIC, "pvpanic ends the VM with the panic status");

/* The UART's irq_fn: its line of the in-kernel irqchip. */
static void serial_irq(void *ctx, int level)
{
	struct platform *p = ctx;

	p->set_irq(p->irq_ctx, p->serial_irq, level);
}

/* The RTC's irq_fn: its line of the in-kernel irqchip. */
static void rtc_irq(void *ctx, int level)
{
	struct platform *p = ctx;

	p->set_irq(p->irq_ctx, p->rtc_irq, level);
}

static int add(struct platform *p, const struct platform_params *params,
	       const struct arch_platform_device *d)
{
	struct bus *bus = d->bus == ARCH_BUS_PIO ? params->pio : params->mmio;
	const struct bus_device_ops *ops;
	void *opaque = &p->power;
	int err;

	switch (d->kind) {
	case ARCH_DEV_CONSOLE:
		if (p->serial)
			return -EEXIST;
		p->serial_irq = d->irq;
		p->serial_base = d->base;
		p->serial_on_pio = d->bus == ARCH_BUS_PIO;
		p->serial = serial_create(STDOUT_FILENO, serial_irq, p);
		if (!p->serial)
			return -ENOMEM;
		ops = &serial_ops;
		opaque = p->serial;
		break;
	case ARCH_DEV_DEBUG_EXIT:
		ops = &debug_exit_ops;
		break;
	case ARCH_DEV_I8042_DATA:
		ops = &i8042_data_ops;
		break;
	case ARCH_DEV_I8042_COMMAND:
		ops = &i8042_command_ops;
		break;
	case ARCH_DEV_PVPANIC:
		ops = &pvpanic_ops;
		break;
	case ARCH_DEV_ACPI_PM:
		ops = &acpi_pm_ops;
		opaque = &p->acpi_pm;
		break;
	case ARCH_DEV_RTC_CMOS:
		if (p->rtc_cmos || p->rtc_pl031)
			return -EEXIST;	/* one RTC: the run loop polls one timer */
		p->rtc_irq = d->irq;
		p->rtc_cmos = rtc_cmos_create(rtc_irq, p, NULL);
		if (!p->rtc_cmos)
			return -ENOMEM;
		ops = &rtc_cmos_ops;
		opaque = p->rtc_cmos;
		break;
	case ARCH_DEV_RTC_PL031:
		if (p->rtc_cmos || p->rtc_pl031)
			return -EEXIST;
		p->rtc_irq = d->irq;
		err = pl031_create(rtc_irq, p, &p->rtc_pl031);
		if (err)
			return err;
		ops = &pl031_ops;
		opaque = p->rtc_pl031;
		break;
	default:
		return -EINVAL;
	}
	return bus_add(bus, d->base, d->len, ops, opaque);
}

int platform_create(struct platform *p, const struct platform_params *params)
{
	unsigned int i;
	int err = 0;

	*p = (struct platform){
		.power = { .stop = params->stop, .ctx = params->stop_ctx,
			   .debug_exit = params->debug_exit },
		.set_irq = params->set_irq,
		.irq_ctx = params->irq_ctx,
	};
	p->acpi_pm = (struct acpi_pm){ .power = &p->power };
	for (i = 0; !err && i < arch_nr_platform; i++)
		err = add(p, params, &arch_platform[i]);
	return err;
}

void platform_destroy(struct platform *p)
{
	serial_destroy(p->serial);
	p->serial = NULL;
	rtc_cmos_destroy(p->rtc_cmos);
	p->rtc_cmos = NULL;
	pl031_destroy(p->rtc_pl031);
	p->rtc_pl031 = NULL;
}

int platform_timer_fd(const struct platform *p)
{
	if (p->rtc_cmos)
		return rtc_cmos_timer_fd(p->rtc_cmos);
	return p->rtc_pl031 ? pl031_timer_fd(p->rtc_pl031) : -1;
}

void platform_timer_event(struct platform *p)
{
	if (p->rtc_cmos)
		rtc_cmos_timer_event(p->rtc_cmos);
	else if (p->rtc_pl031)
		pl031_timer_event(p->rtc_pl031);
}
