/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When each phase of a VMM run was reached, for --stats: the moments a
 * run passes once (guest RAM ready, kernel loaded, first KVM_RUN, the
 * guest's console driver switching to interrupts, stop), stamped with
 * CLOCK_MONOTONIC. The first stamp of each mark wins, so any thread may
 * call timeline_mark() any number of times; a mark never reached prints
 * as "-". One timeline per process (a process runs one VM).
 */
#ifndef VMM_TIMELINE_H
#define VMM_TIMELINE_H

#include <stdio.h>

enum timeline_mark {
	TIMELINE_MAIN,		/* main() entered */
	TIMELINE_MEMORY,	/* guest RAM allocated, populated, registered */
	TIMELINE_KERNEL,	/* kernel and initrd in guest RAM */
	TIMELINE_READY,		/* vCPUs and devices set up */
	TIMELINE_FIRST_RUN,	/* vCPU 0 enters KVM_RUN */
	TIMELINE_CONSOLE_IRQ,	/* guest enables the UART's THRI: a tty opened */
	TIMELINE_STOP,		/* the VM's end requested */
	TIMELINE_NR
};

void timeline_mark(enum timeline_mark mark);
/* One line: main's monotonic time, then each mark in ms after main. */
void timeline_print(FILE *out);

#endif
