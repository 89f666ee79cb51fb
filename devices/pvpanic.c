// SPDX-License-Identifier: GPL-2.0
/*
 * pvpanic: one port, read for the supported events, written with the
 * event that happened.
 */
#include "pvpanic.h"

#include <string.h>

static void pvpanic_read(void *opaque, uint64_t offset, uint8_t *data,
			 unsigned int len)
{
	(void)opaque;
	memset(data, 0, len);
	if (offset == 0)
		data[0] = PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
}

static void pvpanic_write(void *opaque, uint64_t offset, const uint8_t *data,
			  unsigned int len)
{
	struct power_device *p = opaque;

	(void)len;
	if (offset == 0 && (data[0] & PVPANIC_PANICKED))
		p->stop(p->ctx, PVPANIC_EXIT_STATUS,
			"guest kernel panicked (pvpanic)");
}

const struct bus_device_ops pvpanic_ops = {
	.read = pvpanic_read,
	.write = pvpanic_write,
};
