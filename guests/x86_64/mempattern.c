// SPDX-License-Identifier: GPL-2.0
/*
 * Fills all RAM from 4 MiB up (every RAM range of the e820 map) with a
 * pattern that encodes each word's own guest-physical address, announces
 * it, and waits for one byte on the serial port. Meanwhile a host process
 * maps the sharing object's fds, checks the pattern and writes the
 * complement over the first 4 KiB of each filled range. The guest then
 * checks that it sees exactly those writes and exits 0, or 10 on any
 * mismatch.
 */
#include "runtime.h"

#define FILL_START	(4ULL << 20)
#define PATTERN(a)	((a) ^ 0xa5a5a5a55a5a5a5aULL)
#define REPLY_BYTES	4096ULL

struct range {
	uint64_t start, end;
};

static unsigned int fill_ranges(struct range *r, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < e820_count() && n < max; i++) {
		const struct e820_entry *e = e820_get(i);
		uint64_t start = e->addr, end = e->addr + e->size;

		if (e->type != E820_RAM || end <= FILL_START)
			continue;
		if (start < FILL_START)
			start = FILL_START;
		if (end > (uint64_t)GUEST_MAX_GIB << 30)
			end = (uint64_t)GUEST_MAX_GIB << 30;
		r[n].start = start;
		r[n].end = end;
		n++;
	}
	return n;
}

static int mismatch(uint64_t a, uint64_t want, uint64_t got)
{
	puts_serial("mempattern: MISMATCH at ");
	put_hex(a);
	puts_serial(" want ");
	put_hex(want);
	puts_serial(" got ");
	put_hex(got);
	puts_serial("\n");
	return 10;
}

int guest_main(void)
{
	struct range r[8];
	unsigned int i, n = fill_ranges(r, 8);
	uint64_t a, total = 0;

	for (i = 0; i < n; i++) {
		for (a = r[i].start; a < r[i].end; a += 8)
			*(volatile uint64_t *)a = PATTERN(a);
		total += r[i].end - r[i].start;
	}
	puts_serial("mempattern: ready: ");
	put_dec(total);
	puts_serial(" bytes in ");
	put_dec(n);
	puts_serial(" ranges\n");

	getc_serial();

	for (i = 0; i < n; i++) {
		for (a = r[i].start; a < r[i].end; a += 8) {
			uint64_t want = PATTERN(a), got = *(volatile uint64_t *)a;

			if (a - r[i].start < REPLY_BYTES)
				want = ~want;
			if (got != want)
				return mismatch(a, want, got);
		}
	}
	puts_serial("mempattern: host writes seen, pattern intact\n");
	return 0;
}
