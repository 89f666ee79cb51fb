// SPDX-License-Identifier: GPL-2.0
/*
 * Phase stamps of a run (vmm/timeline.h).
 */
#include "vmm/timeline.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

static uint64_t stamps[TIMELINE_NR];	/* ns of CLOCK_MONOTONIC; 0: not yet */

static const char *const names[TIMELINE_NR] = {
	[TIMELINE_MAIN] = "main",
	[TIMELINE_MEMORY] = "memory",
	[TIMELINE_KERNEL] = "kernel",
	[TIMELINE_READY] = "ready",
	[TIMELINE_FIRST_RUN] = "first-run",
	[TIMELINE_CONSOLE_IRQ] = "console-irq",
	[TIMELINE_STOP] = "stop",
};

void timeline_mark(enum timeline_mark mark)
{
	struct timespec ts;
	uint64_t expected = 0, now;

	if (mark >= TIMELINE_NR || __atomic_load_n(&stamps[mark], __ATOMIC_RELAXED))
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	__atomic_compare_exchange_n(&stamps[mark], &expected, now, false,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void timeline_print(FILE *out)
{
	uint64_t t0 = stamps[TIMELINE_MAIN];
	unsigned int i;

	fprintf(out, "vmm: times: main at %llu.%06llu s monotonic; ms after it:",
		(unsigned long long)(t0 / 1000000000u),
		(unsigned long long)(t0 % 1000000000u / 1000));
	for (i = TIMELINE_MAIN + 1; i < TIMELINE_NR; i++) {
		uint64_t t = __atomic_load_n(&stamps[i], __ATOMIC_RELAXED);

		if (t && t0)
			fprintf(out, " %s=%.1f", names[i], (double)(t - t0) / 1e6);
		else
			fprintf(out, " %s=-", names[i]);
	}
	fprintf(out, "\n");
}
