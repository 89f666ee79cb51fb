/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vm_run(): starts the vCPU threads, then serves console input, signals,
 * the --timeout deadline and the memory socket until the VM stops; joins
 * every vCPU, prints one line saying why the VM ended ("vmm: exit N:
 * reason") and returns that exit status (stop.h's VM_EXIT_*).
 */
#ifndef VMM_RUN_LOOP_H
#define VMM_RUN_LOOP_H

struct vm;

int vm_run(struct vm *vm);

#endif
