/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pvpanic: the guest tells the host it panicked, through one I/O port
 * (QEMU's pvpanic device; x86 port 0x505). Linux's pvpanic-mmio driver
 * (CONFIG_PVPANIC_MMIO) binds to the ACPI device "QEMU0001" and accepts
 * an I/O port resource for it.
 *
 * Contract, as a bus device whose opaque is a struct power_device:
 * - a read returns the events the device supports, PVPANIC_PANICKED |
 *   PVPANIC_CRASH_LOADED (the driver only sends those);
 * - a write with PVPANIC_PANICKED set ends the VM with exit status
 *   PVPANIC_EXIT_STATUS (3: the VMM's "guest kernel panicked" status,
 *   VM_EXIT_PANIC in vmm/stop.h) and reason "guest kernel panicked
 *   (pvpanic)";
 * - PVPANIC_CRASH_LOADED alone (a kdump kernel is about to take over)
 *   does not end the VM, nor does any other write.
 */
#ifndef DEVICES_PVPANIC_H
#define DEVICES_PVPANIC_H

#include "devices/power.h"

#define PVPANIC_PANICKED	(1U << 0)
#define PVPANIC_CRASH_LOADED	(1U << 1)

#define PVPANIC_EXIT_STATUS	3
#define PVPANIC_LEN		1

extern const struct bus_device_ops pvpanic_ops;

#endif
