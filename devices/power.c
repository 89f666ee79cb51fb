// SPDX-License-Identifier: GPL-2.0
/*
 * debug-exit port and the i8042 reset line.
 */
#include "power.h"

#include <stdint.h>
#include <string.h>

#define I8042_CMD_RESET		0xfe

static void debug_exit_write(void *opaque, uint64_t offset, const uint8_t *data,
			     unsigned int len)
{
	struct power_device *p = opaque;
	uint32_t value = 0;
	unsigned int i;

	if (offset != 0 || len > sizeof(value))
		return;
	for (i = 0; i < len; i++)
		value |= (uint32_t)data[i] << (8 * i);
	if (p->debug_exit == DEBUG_EXIT_QEMU)
		p->stop(p->ctx, ((value << 1) | 1) & 0xff,
			"guest wrote N to the debug-exit port (status (N << 1) | 1, as QEMU's isa-debug-exit)");
	else
		p->stop(p->ctx, value & 0xff, "guest wrote its exit status to the debug-exit port");
}

const struct bus_device_ops debug_exit_ops = {
	.write = debug_exit_write,
};

static void i8042_idle_read(void *opaque, uint64_t offset, uint8_t *data,
			    unsigned int len)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, len);	/* status: no data, input buffer empty */
}

static void i8042_command_write(void *opaque, uint64_t offset,
				const uint8_t *data, unsigned int len)
{
	struct power_device *p = opaque;

	(void)len;
	(void)offset;
	if (data[0] == I8042_CMD_RESET)
		p->stop(p->ctx, 0, "guest reset the machine (i8042)");
}

const struct bus_device_ops i8042_command_ops = {
	.read = i8042_idle_read,
	.write = i8042_command_write,
};

const struct bus_device_ops i8042_data_ops = {
	.read = i8042_idle_read,
};
