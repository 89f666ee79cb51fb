/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ways a guest ends the VM, as bus devices that call stop(ctx, status,
 * reason) with a static reason string:
 *
 * - debug-exit: a write of 1, 2 or 4 bytes at offset 0 ends the VM. Its
 *   exit status is the value's low byte (DEBUG_EXIT_RAW), or, with
 *   DEBUG_EXIT_QEMU, (value << 1) | 1 as QEMU's isa-debug-exit makes it
 *   (kvm-unit-tests writes 4 bytes there), cut to the 8 bits a process
 *   exit status has.
 * - i8042 reset line: command 0xfe written to the controller's command
 *   port (x86: 0x64) ends the VM with status 0, as Linux's reboot=k does.
 *   The command and data ports (0x60) otherwise read as an idle
 *   controller with no keyboard.
 */
#ifndef DEVICES_POWER_H
#define DEVICES_POWER_H

#include "devices/host/bus.h"

typedef void (*stop_fn)(void *ctx, int status, const char *reason);

enum debug_exit_encoding {
	DEBUG_EXIT_RAW,
	DEBUG_EXIT_QEMU,
};

struct power_device {
	stop_fn stop;
	void *ctx;
	enum debug_exit_encoding debug_exit;
};

#define DEBUG_EXIT_LEN 4
#define I8042_LEN 1

extern const struct bus_device_ops debug_exit_ops;
extern const struct bus_device_ops i8042_command_ops;
extern const struct bus_device_ops i8042_data_ops;

#endif
