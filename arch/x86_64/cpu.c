// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU state: CPUID (cpuid.c), and for the boot CPU the registers of its
 * entry mode: long mode for the 64-bit entry, protected mode for PVH and
 * multiboot (which also wants its magic in eax).
 * Application processors stay in wait-for-SIPI, as on real hardware; the
 * guest starts them with INIT/SIPI through the in-kernel LAPIC.
 */
#include <errno.h>
#include <stdbool.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/arch.h"
#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/multiboot.h"

#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* The boot CPU's state at entry, for one entry mode. */
struct entry_state {
	bool long_mode;		/* else 32-bit protected mode, paging off */
	uint64_t cr0, cr3, cr4, efer;
	uint64_t rax;
};

static const struct entry_state entry_64 = {
	.long_mode = true,
	.cr0 = CR0_PE | CR0_ET | CR0_PG,
	.cr3 = X86_BOOT_PML4,
	.cr4 = CR4_PAE,
	.efer = EFER_LME | EFER_LMA,
};

static const struct entry_state entry_pvh = {
	.cr0 = CR0_PE | CR0_ET,
};

static const struct entry_state entry_multiboot = {
	.cr0 = CR0_PE | CR0_ET,
	.rax = MULTIBOOT_BOOT_MAGIC,
};

static int set_entry_state(int vcpu_fd, const struct entry_state *e,
			   const struct arch_boot *boot)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff,
		.selector = e->long_mode ? X86_BOOT_CS : X86_BOOT_CS32,
		.type = 11, .present = 1, .s = 1, .g = 1,
		.l = e->long_mode, .db = !e->long_mode,
	};
	struct kvm_segment data = {
		.base = 0, .limit = 0xffffffff, .selector = X86_BOOT_DS,
		.type = 3, .present = 1, .s = 1, .db = 1, .g = 1,
	};
	struct kvm_segment tr = {
		.base = 0, .limit = 0x67, .type = 11, .present = 1,	/* busy TSS */
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	sregs.cs = code;
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
	/*
	 * PVH asks for a 0x67-byte TSS. Long mode keeps KVM's reset TR: on a
	 * PVM host, a 0x67-byte TR made CPL3 port I/O fault even with IOPL 3
	 * (measured with the test guests).
	 */
	if (!e->long_mode)
		sregs.tr = tr;
	sregs.gdt.base = X86_BOOT_GDT;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr0 = e->cr0;
	sregs.cr3 = e->cr3;
	sregs.cr4 = e->cr4;
	sregs.efer = e->efer;
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;

	/*
	 * 64-bit boot protocol: zero page in rsi; PVH: start info in ebx;
	 * multiboot: information structure in ebx, magic in eax.
	 */
	memset(&regs, 0, sizeof(regs));
	regs.rip = boot->entry;
	regs.rax = e->rax;
	if (e->long_mode)
		regs.rsi = boot->arg;
	else
		regs.rbx = boot->arg;
	regs.rflags = 0x2;
	return ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

int arch_vcpu_init(int kvm_fd, int vm_fd, int vcpu_fd, unsigned int index,
		   unsigned int nr_cpus, const struct arch_boot *boot,
		   const struct arch_cpu_features *features)
{
	int err = x86_setup_cpuid(kvm_fd, vcpu_fd, index, nr_cpus, features);

	(void)vm_fd;	/* x86 vCPUs need nothing VM-wide */
	if (err || index != 0)
		return err;
	switch (boot->mode) {
	case X86_ENTRY_PVH:
		return set_entry_state(vcpu_fd, &entry_pvh, boot);
	case X86_ENTRY_MULTIBOOT:
		return set_entry_state(vcpu_fd, &entry_multiboot, boot);
	default:
		return set_entry_state(vcpu_fd, &entry_64, boot);
	}
}

void arch_vcpu_dump(int vcpu_fd, const char *prefix, FILE *out)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(out, "%s  (registers unavailable)\n", prefix);
		return;
	}
	fprintf(out, "%s  rip %016llx rsp %016llx rflags %016llx\n", prefix,
		r.rip, r.rsp, r.rflags);
	fprintf(out, "%s  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", prefix,
		r.rax, r.rbx, r.rcx, r.rdx);
	fprintf(out, "%s  rsi %016llx rdi %016llx rbp %016llx\n", prefix, r.rsi, r.rdi, r.rbp);
	fprintf(out, "%s  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", prefix,
		r.r8, r.r9, r.r10, r.r11);
	fprintf(out, "%s  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n", prefix,
		r.r12, r.r13, r.r14, r.r15);
	fprintf(out, "%s  cs %04x (base %llx, dpl %u, l %u) ss %04x\n", prefix,
		s.cs.selector, s.cs.base, s.cs.dpl, s.cs.l, s.ss.selector);
	fprintf(out, "%s  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n", prefix,
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer);
	/* KVM on AMD resets a vCPU before it reports a triple fault. */
	if (r.rip == 0xfff0 && s.cs.selector == 0xf000 && s.cs.base == 0xffff0000)
		fprintf(out, "%s  (this is the vCPU's reset state, not the state that failed: "
			"KVM on AMD resets a vCPU before it reports a triple fault)\n", prefix);
}
