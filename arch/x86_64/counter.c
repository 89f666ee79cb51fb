// SPDX-License-Identifier: GPL-2.0
/*
 * The time-stamp counter, for the exit trace's times (vmm/exit_trace.h):
 * read in user space, where clock_gettime() can be a system call per
 * exit (hosts whose clock source has no vDSO, such as the KVM box's hpet).
 */
#include <stdint.h>
#include <x86intrin.h>

#include "arch/arch.h"

uint64_t arch_counter(void)
{
	return __rdtsc();
}
