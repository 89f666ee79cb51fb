// SPDX-License-Identifier: GPL-2.0
/*
 * Sorted range table with binary-search dispatch.
 */
#include "bus.h"

#include <errno.h>
#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

int bus_add(struct bus *bus, uint64_t base, uint64_t len,
	    const struct bus_device_ops *ops, void *opaque)
{
	unsigned int i, pos;

	if (!len || base + len < base || !ops)
		return -EINVAL;
	if (bus->nr == BUS_MAX_DEVICES)
		return -ENOSPC;
	for (pos = 0; pos < bus->nr && bus->ranges[pos].base < base; pos++)
		;
	if (pos > 0) {
		const struct bus_range *prev = &bus->ranges[pos - 1];

		if (prev->base + prev->len > base)
			return -EBUSY;
	}
	if (pos < bus->nr && base + len > bus->ranges[pos].base)
		return -EBUSY;
	for (i = bus->nr; i > pos; i--)
		bus->ranges[i] = bus->ranges[i - 1];
	bus->ranges[pos] = (struct bus_range){ base, len, ops, opaque };
	bus->nr++;
	return 0;
}

static const struct bus_range *find(const struct bus *bus, uint64_t addr)
{
	unsigned int lo = 0, hi = bus->nr;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (addr < r->base)
			hi = mid;
		else if (addr - r->base >= r->len)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

int bus_access(const struct bus *bus, uint64_t addr, uint8_t *data,
	       unsigned int len, bool is_write)
{
	const struct bus_range *r = find(bus, addr);

	if (!r || len == 0 || len > 8 || len > r->len - (addr - r->base)) {
		if (!is_write)
			memset(data, 0xff, len > 8 ? 8 : len);
		return -ENODEV;
	}
	if (is_write) {
		if (r->ops->write)
			r->ops->write(r->opaque, addr - r->base, data, len);
	} else if (r->ops->read) {
		r->ops->read(r->opaque, addr - r->base, data, len);
	} else {
		memset(data, 0xff, len);
	}
	return 0;
}
