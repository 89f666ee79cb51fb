// SPDX-License-Identifier: GPL-2.0
/* Never ends by itself: for --timeout and signal tests. */
#include "runtime.h"

int guest_main(void)
{
	volatile uint64_t n = 0;

	puts_serial("spin: spinning forever\n");
	for (;;)
		n++;
}
