// SPDX-License-Identifier: GPL-2.0
/*
 * Touches an unmapped address. With no IDT the page fault becomes a double
 * fault and then a triple fault: the VMM must report it (exit status 1,
 * registers on stderr).
 */
#include "runtime.h"

int guest_main(void)
{
	volatile uint64_t *unmapped = (volatile uint64_t *)(1ULL << 46);

	puts_serial("fault: touching an unmapped address\n");
	*unmapped = 1;
	puts_serial("fault: still alive?\n");
	return 0;
}
