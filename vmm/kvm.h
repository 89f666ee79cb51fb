/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvm: opening it, checking the API version and the capabilities we
 * rely on, creating a VM.
 *
 * kvm_open() returns the fd or:
 *  -ENOENT  no /dev/kvm (KVM not loaded or not available in this machine);
 *  -EACCES  no permission (join the group owning /dev/kvm, usually 'kvm');
 *  -EPROTO  API version is not 12;
 *  -ENOSYS  a required capability is missing: *missing names it.
 */
#ifndef VMM_KVM_H
#define VMM_KVM_H

#include <stdbool.h>

#include "arch/arch.h"	/* struct kvm_cap_need */

int kvm_open(const char **missing);

/* /dev/kvm without the capability checks, for --probe: fd or -errno. */
int open_kvm_for_probe(void);

/* Value of KVM_CHECK_EXTENSION on fd (/dev/kvm or a VM fd); <= 0: absent. */
int kvm_check_cap(int fd, int cap);

/* true if /dev/kvm is the kvm_pvm module (guest kernel code is emulated). */
bool kvm_is_pvm_host(void);

#endif
