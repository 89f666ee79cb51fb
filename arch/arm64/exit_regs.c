// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 has no KVM_CAP_SYNC_REGS for the core registers: the exit trace
 * (vmm/exit_trace.h) keeps no PC per exit and no registers, and the
 * failure report reads PC and PSTATE with KVM_GET_ONE_REG
 * (arch_vcpu_dump), which on arm64 is the state of the failed exit.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/arch.h"

void arch_exit_sync_fields(int kvm_fd, uint64_t *always, uint64_t *sampled)
{
	(void)kvm_fd;
	*always = *sampled = 0;
}

bool arch_exit_pc(const struct kvm_run *run, uint64_t *pc)
{
	(void)run;
	(void)pc;
	return false;
}

void arch_exit_regs_copy(struct kvm_sync_regs *dst, const struct kvm_run *run, uint64_t fields)
{
	(void)dst;
	(void)run;
	(void)fields;
}

void arch_exit_regs_print(const struct kvm_sync_regs *regs, uint64_t fields,
			  const char *prefix, FILE *out)
{
	(void)regs;
	(void)fields;
	(void)prefix;
	(void)out;
}
