// SPDX-License-Identifier: GPL-2.0
/* Chooses the VMM's exit status through the debug-exit port. */
#include "runtime.h"

int guest_main(void)
{
	puts_serial("status: exiting with 42\n");
	return 42;
}
