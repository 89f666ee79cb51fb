/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An I/O bus (port I/O or MMIO): a fixed table of address ranges, each
 * served by one device's read/write callbacks.
 *
 * Contract: devices are added before any vCPU runs; after that the table
 * is read-only and lookups take no lock. A device gets offsets relative to
 * its base and accesses of 1 to 8 bytes; it serialises its own state.
 * Accesses that hit no device read as all ones and writes are dropped, as
 * on real hardware; bus_access() reports them with -ENODEV so the caller
 * can count them.
 */
#ifndef DEVICES_HOST_BUS_H
#define DEVICES_HOST_BUS_H

#include <stdbool.h>
#include <stdint.h>

/* How a device on the bus drives its interrupt line (level 1 or 0). */
typedef void (*irq_fn)(void *ctx, int level);

struct bus_device_ops {
	void (*read)(void *opaque, uint64_t offset, uint8_t *data, unsigned int len);
	void (*write)(void *opaque, uint64_t offset, const uint8_t *data,
		      unsigned int len);
};

#define BUS_MAX_DEVICES 64

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_device_ops *ops;
	void *opaque;
};

struct bus {
	const char *name;
	unsigned int nr;
	struct bus_range ranges[BUS_MAX_DEVICES];	/* sorted by base */
};

void bus_init(struct bus *bus, const char *name);

/* 0, -EBUSY if it overlaps another device, -ENOSPC, -EINVAL. */
int bus_add(struct bus *bus, uint64_t base, uint64_t len,
	    const struct bus_device_ops *ops, void *opaque);

/* 0, or -ENODEV when no device is there (reads then return all ones). */
int bus_access(const struct bus *bus, uint64_t addr, uint8_t *data,
	       unsigned int len, bool is_write);

#endif
