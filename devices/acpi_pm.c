// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI PM1a event and control blocks: S5 ends the VM, every other sleep
 * state is refused by being ignored.
 */
#include "acpi_pm.h"

/* Byte n (0 low, 1 high) of a 16-bit register value. */
static uint8_t byte_of(unsigned int value, unsigned int n)
{
	return (uint8_t)(value >> (8 * n));
}

static uint8_t pm_read_byte(struct acpi_pm *pm, unsigned int offset)
{
	switch (offset) {
	case ACPI_PM1_STATUS:
	case ACPI_PM1_STATUS + 1:
		return byte_of(ACPI_WAK_STS, offset - ACPI_PM1_STATUS);
	case ACPI_PM1_ENABLE:
	case ACPI_PM1_ENABLE + 1:
		return __atomic_load_n(&pm->enable[offset - ACPI_PM1_ENABLE],
				       __ATOMIC_RELAXED);
	case ACPI_PM1_CONTROL:
	case ACPI_PM1_CONTROL + 1:
		return byte_of(ACPI_SCI_EN, offset - ACPI_PM1_CONTROL);
	}
	return 0;
}

/* The high byte of PM1_CNT holds SLP_TYP and SLP_EN. */
static void pm_control_high_write(struct acpi_pm *pm, uint8_t v)
{
	unsigned int value = (unsigned int)v << 8;
	unsigned int typ = (value & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT;

	if ((value & ACPI_SLP_EN) && typ == ACPI_SLEEP_TYP_S5)
		pm->power->stop(pm->power->ctx, 0, "guest powered off (ACPI S5)");
}

static void pm_write_byte(struct acpi_pm *pm, unsigned int offset, uint8_t v)
{
	switch (offset) {
	case ACPI_PM1_ENABLE:
	case ACPI_PM1_ENABLE + 1:
		__atomic_store_n(&pm->enable[offset - ACPI_PM1_ENABLE], v,
				 __ATOMIC_RELAXED);
		break;
	case ACPI_PM1_CONTROL + 1:
		pm_control_high_write(pm, v);
		break;
	}
	/* PM1_STS: nothing to clear; PM1_CNT's low byte: nothing to do. */
}

static void acpi_pm_read(void *opaque, uint64_t offset, uint8_t *data,
			 unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		data[i] = pm_read_byte(opaque, (unsigned int)offset + i);
}

static void acpi_pm_write(void *opaque, uint64_t offset, const uint8_t *data,
			  unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		pm_write_byte(opaque, (unsigned int)offset + i, data[i]);
}

const struct bus_device_ops acpi_pm_ops = {
	.read = acpi_pm_read,
	.write = acpi_pm_write,
};
