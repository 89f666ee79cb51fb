// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state. Every vCPU is initialised with KVM's preferred target for
 * this host and PSCI 0.2, and with a PMU when features->offered has it
 * (pmu.h); the secondaries start powered off and the guest starts them
 * with PSCI CPU_ON, which KVM handles itself. The boot CPU
 * enters the Image as booting.rst asks: x0 = the device tree's address,
 * x1..x3 = 0, EL1h with D, A, I and F masked (the MMU and caches are off
 * after KVM's reset). MPIDR is KVM's own (affinity 0 = the vCPU index,
 * what the FDT's cpu@N reg says).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "arch/arch.h"
#include "arch/arm64/pmu.h"

/* PSTATE at entry: EL1 with SP_EL1, exceptions and interrupts masked. */
#define PSTATE_EL1H		0x005ULL
#define PSTATE_F		0x040ULL
#define PSTATE_I		0x080ULL
#define PSTATE_A		0x100ULL
#define PSTATE_D		0x200ULL
#define BOOT_PSTATE		(PSTATE_EL1H | PSTATE_D | PSTATE_A | PSTATE_I | PSTATE_F)

#define CORE_REG(field) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | \
	 (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))

static int set_reg(int vcpu_fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)&value };

	return ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int get_reg(int vcpu_fd, uint64_t id, uint64_t *value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uint64_t)(uintptr_t)value };

	return ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg) < 0 ? -errno : 0;
}

static int set_entry_state(int vcpu_fd, const struct arch_boot *boot)
{
	int err = set_reg(vcpu_fd, CORE_REG(regs.pstate), BOOT_PSTATE);

	if (!err)
		err = set_reg(vcpu_fd, CORE_REG(regs.regs[0]), boot->arg);
	if (!err)
		err = set_reg(vcpu_fd, CORE_REG(regs.regs[1]), 0);
	if (!err)
		err = set_reg(vcpu_fd, CORE_REG(regs.regs[2]), 0);
	if (!err)
		err = set_reg(vcpu_fd, CORE_REG(regs.regs[3]), 0);
	if (!err)
		err = set_reg(vcpu_fd, CORE_REG(regs.pc), boot->entry);
	return err;
}

int arch_vcpu_init(int kvm_fd, int vm_fd, int vcpu_fd, unsigned int index,
		   unsigned int nr_cpus, const struct arch_boot *boot,
		   const struct arch_cpu_features *features)
{
	struct kvm_vcpu_init init;

	(void)kvm_fd;
	(void)nr_cpus;
	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (index > 0)
		init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	if (features->offered & ARM64_FEATURE_PMU)
		init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	return index == 0 ? set_entry_state(vcpu_fd, boot) : 0;
}

void arch_vcpu_dump(int vcpu_fd, const char *prefix, FILE *out)
{
	uint64_t pc, pstate, sp_el1, x[4];
	unsigned int i;
	int err;

	err = get_reg(vcpu_fd, CORE_REG(regs.pc), &pc);
	if (!err)
		err = get_reg(vcpu_fd, CORE_REG(regs.pstate), &pstate);
	if (!err)
		err = get_reg(vcpu_fd, CORE_REG(sp_el1), &sp_el1);
	for (i = 0; i < 4 && !err; i++)
		err = get_reg(vcpu_fd, CORE_REG(regs.regs[i]), &x[i]);
	if (err) {
		fprintf(out, "%s  (registers unavailable)\n", prefix);
		return;
	}
	fprintf(out, "%s  pc %016llx pstate %016llx sp_el1 %016llx\n", prefix,
		(unsigned long long)pc, (unsigned long long)pstate,
		(unsigned long long)sp_el1);
	fprintf(out, "%s  x0 %016llx x1 %016llx x2 %016llx x3 %016llx\n", prefix,
		(unsigned long long)x[0], (unsigned long long)x[1],
		(unsigned long long)x[2], (unsigned long long)x[3]);
}

int arch_emulation_failure(int vcpu_fd, const struct kvm_run *run)
{
	(void)vcpu_fd;
	(void)run;
	return -ENOSYS;		/* KVM on arm64 emulates nothing we could finish */
}
