/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm --probe: prints "kvm: NAME VALUE" lines (API version, capabilities,
 * "virtualization pvm|vmx|svm|unknown") and a note on PVM hosts. Returns
 * the process exit status: 0, or 2 when /dev/kvm cannot be opened.
 */
#ifndef VMM_PROBE_H
#define VMM_PROBE_H

#include <stdio.h>

int vmm_probe(FILE *out);

#endif
