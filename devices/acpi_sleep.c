// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI hardware-reduced sleep control and status registers: S5 ends the
 * VM, every other sleep state is refused by being ignored.
 */
#include "acpi_sleep.h"

static void acpi_sleep_read(void *opaque, uint64_t offset, uint8_t *data,
			    unsigned int len)
{
	unsigned int i;

	(void)opaque;
	for (i = 0; i < len; i++)
		data[i] = offset + i == ACPI_SLEEP_STATUS ? ACPI_WAK_STS : 0;
}

static void acpi_sleep_write(void *opaque, uint64_t offset,
			     const uint8_t *data, unsigned int len)
{
	struct power_device *p = opaque;
	unsigned int typ = (data[0] & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT;

	(void)len;
	if (offset == ACPI_SLEEP_CONTROL && (data[0] & ACPI_SLP_EN) &&
	    typ == ACPI_SLEEP_TYP_S5)
		p->stop(p->ctx, 0, "guest powered off (ACPI S5)");
}

const struct bus_device_ops acpi_sleep_ops = {
	.read = acpi_sleep_read,
	.write = acpi_sleep_write,
};
