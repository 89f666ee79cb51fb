/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ACPI PM1a register blocks of a machine with a full (not
 * hardware-reduced) FADT (ACPI 6.5, 4.8.3.1 and 4.8.3.2): the PM1 event
 * block (PM1_STS, PM1_EN) and the PM1 control block (PM1_CNT), 16 bits
 * each, back to back. They exist for one thing, powering off: Linux's
 * acpi_hw_legacy_sleep() for "poweroff" writes SLP_TYP (the first element
 * of \_S5_ in the DSDT) and then SLP_TYP | SLP_EN to PM1_CNT.
 *
 * The FADT has SMI_CMD 0, so the machine is in ACPI mode from the start:
 * SCI_EN reads 1 and nothing ever raises the SCI (no fixed event is
 * wired to anything).
 *
 * Contract, as one bus device of ACPI_PM_LEN bytes whose opaque is a
 * struct acpi_pm (the FADT points PM1a_EVT_BLK at base +
 * ACPI_PM1_STATUS, 4 bytes, and PM1a_CNT_BLK at base + ACPI_PM1_CONTROL,
 * 2 bytes). Accesses of any width are taken byte by byte:
 * - PM1_STS reads WAK_STS and nothing else: the machine is always awake,
 *   so a guest that asked for a sleep state we ignored returns at once.
 *   Writes (write-1-to-clear) are ignored.
 * - PM1_EN reads back what was last written (ACPICA checks that an enable
 *   bit, the global lock's GBL_EN, sticks); no status ever sets, so
 *   enabling an event has no effect.
 * - PM1_CNT reads SCI_EN. A write whose high byte has SLP_EN set and
 *   SLP_TYP == ACPI_SLEEP_TYP_S5 ends the VM with status 0 and reason
 *   "guest powered off (ACPI S5)"; every other write is ignored (no other
 *   sleep state is offered).
 * The device serialises nothing but the two PM1_EN bytes, each stored
 * atomically; struct acpi_pm needs no initialisation beyond .power.
 */
#ifndef DEVICES_ACPI_PM_H
#define DEVICES_ACPI_PM_H

#include <stdint.h>

#include "devices/power.h"

/* Register offsets from the device's base. */
#define ACPI_PM1_STATUS		0
#define ACPI_PM1_ENABLE		2
#define ACPI_PM1_CONTROL	4
#define ACPI_PM_LEN		6
#define ACPI_PM1_EVT_LEN	4	/* FADT PM1_EVT_LEN: PM1_STS + PM1_EN */
#define ACPI_PM1_CNT_LEN	2	/* FADT PM1_CNT_LEN */

/* PM1_STS */
#define ACPI_WAK_STS		(1U << 15)
/* PM1_EN */
#define ACPI_GBL_EN		(1U << 5)
/* PM1_CNT */
#define ACPI_SCI_EN		(1U << 0)
#define ACPI_SLP_TYP_SHIFT	10
#define ACPI_SLP_TYP_MASK	(7U << ACPI_SLP_TYP_SHIFT)
#define ACPI_SLP_EN		(1U << 13)

/* The SLP_TYP value of S5 (soft off): \_S5_'s first element. */
#define ACPI_SLEEP_TYP_S5	5

struct acpi_pm {
	struct power_device *power;
	uint8_t enable[2];		/* PM1_EN, little-endian */
};

extern const struct bus_device_ops acpi_pm_ops;

#endif
