/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ACPI hardware-reduced sleep registers (ACPI 6.x, 4.8.3.7), the way
 * a guest without PM1 blocks powers off: it writes SLP_TYP (the first
 * element of \_S5_ in the DSDT) and SLP_EN to SLEEP_CONTROL_REG, then
 * polls SLEEP_STATUS_REG for WAK_STS. Linux does this in
 * acpi_hw_extended_sleep() for "poweroff".
 *
 * Contract, as one bus device of ACPI_SLEEP_LEN bytes whose opaque is a
 * struct power_device (the FADT points SLEEP_CONTROL_REG and
 * SLEEP_STATUS_REG at base + ACPI_SLEEP_CONTROL and base +
 * ACPI_SLEEP_STATUS, as 8-bit SystemIO registers):
 * - a control write with SLP_EN set and SLP_TYP == ACPI_SLEEP_TYP_S5
 *   ends the VM with status 0 and reason "guest powered off (ACPI S5)";
 *   any other write is ignored (no other sleep state is offered);
 * - the status register reads WAK_STS: the machine is always awake, so a
 *   guest that asked for a sleep state we ignored returns at once;
 *   writes to it (clearing WAK_STS) are ignored;
 * - the control register reads 0.
 */
#ifndef DEVICES_ACPI_SLEEP_H
#define DEVICES_ACPI_SLEEP_H

#include "devices/power.h"

/* Register offsets from the device's base. */
#define ACPI_SLEEP_CONTROL	0
#define ACPI_SLEEP_STATUS	1
#define ACPI_SLEEP_LEN		2

/* SLEEP_CONTROL_REG */
#define ACPI_SLP_TYP_SHIFT	2
#define ACPI_SLP_TYP_MASK	(7U << ACPI_SLP_TYP_SHIFT)
#define ACPI_SLP_EN		(1U << 5)
/* SLEEP_STATUS_REG */
#define ACPI_WAK_STS		(1U << 7)

/* The SLP_TYP value of S5 (soft off): \_S5_'s first element. */
#define ACPI_SLEEP_TYP_S5	5

extern const struct bus_device_ops acpi_sleep_ops;

#endif
