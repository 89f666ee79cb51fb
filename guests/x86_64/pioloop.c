// SPDX-License-Identifier: GPL-2.0
/*
 * The exit path's cost: 20000 byte writes to port 0x511, which no device
 * claims, each a full exit to the VMM and back, timed with the TSC. It
 * prints
 *
 *	pioloop: 20000 exits, N cycles each
 *
 * and exits with status 0 (tests/bench/exit_bench.sh).
 */
#include "runtime.h"

#define EXITS	20000

int guest_main(void)
{
	uint64_t start, cycles;
	unsigned int i;

	outb(0x511, 0);		/* the first exit warms the path up */
	start = rdtsc();
	for (i = 0; i < EXITS; i++)
		outb(0x511, (uint8_t)i);
	cycles = rdtsc() - start;
	puts_serial("pioloop: ");
	put_dec(EXITS);
	puts_serial(" exits, ");
	put_dec(cycles / EXITS);
	puts_serial(" cycles each\n");
	return 0;
}
