// SPDX-License-Identifier: GPL-2.0
/*
 * The generic timer's virtual count, for the exit trace's times
 * (vmm/exit_trace.h): read in user space (Linux enables EL0 access to
 * it), where clock_gettime() can be a system call per exit.
 */
#include <stdint.h>

#include "arch/arch.h"

uint64_t arch_counter(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}
