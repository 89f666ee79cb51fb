/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Ways a guest ends the VM, as bus devices that call stop(ctx, status,
 * reason) with a static reason string:
 *
 * - debug-exit: a byte written at offset 0 ends the VM with that byte as
 *   the VMM's exit status (for test guests; QEMU's isa-debug-exit sits at
 *   the same port but encodes the status differently).
 * - i8042 reset line: command 0xfe written to the controller's command
 *   port (x86: 0x64) ends the VM with status 0, as Linux's reboot=k does.
 *   The command and data ports (0x60) otherwise read as an idle
 *   controller with no keyboard.
 */
#ifndef DEVICES_POWER_H
#define DEVICES_POWER_H

#include "devices/host/bus.h"

typedef void (*stop_fn)(void *ctx, int status, const char *reason);

struct power_device {
	stop_fn stop;
	void *ctx;
};

#define DEBUG_EXIT_LEN 1
#define I8042_LEN 1

extern const struct bus_device_ops debug_exit_ops;
extern const struct bus_device_ops i8042_command_ops;
extern const struct bus_device_ops i8042_data_ops;

#endif
