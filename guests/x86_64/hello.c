// SPDX-License-Identifier: GPL-2.0
/* Prints a greeting and the memory map it was given, then resets. */
#include "runtime.h"

int guest_main(void)
{
	uint64_t top = 0, ram = 0;
	unsigned int i, n = e820_count();

	puts_serial("Hello from the guest!\n");
	for (i = 0; i < n; i++) {
		const struct e820_entry *e = e820_get(i);

		if (e->type != E820_RAM)
			continue;
		ram += e->size;
		if (e->addr + e->size > top)
			top = e->addr + e->size;
	}
	puts_serial("hello: e820 entries ");
	put_dec(n);
	puts_serial(", RAM ends at ");
	put_hex(top);
	puts_serial(", usable RAM ");
	put_dec(ram);
	puts_serial(" bytes\n");
	guest_reset();
}
