// SPDX-License-Identifier: GPL-2.0
/*
 * The registers KVM copies into kvm_run at every exit (KVM_CAP_SYNC_REGS):
 * the general registers, the special ones and the pending events, asked
 * for once through kvm_run->kvm_valid_regs and then written by KVM on
 * every return of KVM_RUN, without another ioctl. Read by the exit trace
 * (vmm/exit_trace.h) for each exit's RIP and for the failure report.
 *
 * What KVM writes there at KVM_EXIT_SHUTDOWN (a triple fault) depends on
 * the vendor: VMX (and PVM) report the triple fault with the vCPU as it
 * was when it faulted, while SVM's shutdown intercept re-initialises the
 * VMCB and resets the vCPU (INIT) first, so the sync area then holds the
 * reset state (RIP fff0, CS f000). Only the registers of the exit before
 * are the guest's on both, which is why the trace keeps a copy of them.
 *
 * What it costs KVM at every exit differs too. On SVM the special
 * registers and events are fields of the VMCB in memory; on VMX each
 * segment, descriptor table and event field is a VMREAD, some 40 per
 * exit on top of the round trip of an exit to user space. So the special
 * registers and the events are synced only on SVM (kvm_amd loaded),
 * where they are lost at a triple fault; elsewhere only the general
 * registers and RIP are (cheap: KVM caches them), and the report's
 * registers read after the exit are the state that faulted.
 */
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/arch.h"

#define SYNC_SVM	(KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define SYNC_OTHER	KVM_SYNC_X86_REGS

int arch_exit_sync_enable(int kvm_fd, struct kvm_run *run)
{
	int offered = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	int wanted = access("/sys/module/kvm_amd", F_OK) ? SYNC_OTHER : SYNC_SVM;

	/* Older KVM, or one that cannot sync these fields: no per-exit regs. */
	if (offered <= 0 || (offered & wanted) != wanted)
		return 0;
	run->kvm_valid_regs = (uint64_t)wanted;
	return 1;
}

bool arch_exit_pc(const struct kvm_run *run, uint64_t *pc)
{
	if (!(run->kvm_valid_regs & KVM_SYNC_X86_REGS))
		return false;
	*pc = run->s.regs.regs.rip;
	return true;
}

static void print_segment(const char *name, const struct kvm_segment *s,
			  const char *prefix, FILE *out)
{
	fprintf(out, "%s  %-4s %04x base %016llx limit %08x type %x dpl %u p %u s %u l %u db %u g %u%s\n",
		prefix, name, s->selector, (unsigned long long)s->base, s->limit, s->type,
		s->dpl, s->present, s->s, s->l, s->db, s->g, s->unusable ? " unusable" : "");
}

void arch_exit_regs_print(const struct kvm_sync_regs *sync, uint64_t fields,
			  const char *prefix, FILE *out)
{
	const struct kvm_regs *r = &sync->regs;
	const struct kvm_sregs *s = &sync->sregs;
	const struct kvm_vcpu_events *e = &sync->events;

	fprintf(out, "%s  rip %016llx rsp %016llx rflags %016llx\n", prefix,
		r->rip, r->rsp, r->rflags);
	fprintf(out, "%s  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", prefix,
		r->rax, r->rbx, r->rcx, r->rdx);
	fprintf(out, "%s  rsi %016llx rdi %016llx rbp %016llx\n", prefix,
		r->rsi, r->rdi, r->rbp);
	fprintf(out, "%s  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", prefix,
		r->r8, r->r9, r->r10, r->r11);
	fprintf(out, "%s  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n", prefix,
		r->r12, r->r13, r->r14, r->r15);
	if (!(fields & KVM_SYNC_X86_SREGS)) {
		fprintf(out, "%s  (control and segment registers, events: not synced at each exit "
			"on this host, whose KVM keeps them at a triple fault: see the registers "
			"read after the exit)\n", prefix);
		return;
	}
	fprintf(out, "%s  cr0 %016llx cr2 %016llx cr3 %016llx\n", prefix,
		s->cr0, s->cr2, s->cr3);
	fprintf(out, "%s  cr4 %016llx cr8 %016llx efer %016llx apic_base %016llx\n", prefix,
		s->cr4, s->cr8, s->efer, s->apic_base);
	print_segment("cs", &s->cs, prefix, out);
	print_segment("ss", &s->ss, prefix, out);
	print_segment("ds", &s->ds, prefix, out);
	print_segment("es", &s->es, prefix, out);
	print_segment("fs", &s->fs, prefix, out);
	print_segment("gs", &s->gs, prefix, out);
	print_segment("tr", &s->tr, prefix, out);
	print_segment("ldtr", &s->ldt, prefix, out);
	fprintf(out, "%s  gdt base %016llx limit %04x idt base %016llx limit %04x\n", prefix,
		(unsigned long long)s->gdt.base, s->gdt.limit,
		(unsigned long long)s->idt.base, s->idt.limit);
	if (!(fields & KVM_SYNC_X86_EVENTS))
		return;
	fprintf(out, "%s  exception injected %u pending %u nr %u error_code %s%x\n", prefix,
		e->exception.injected, e->exception.pending, e->exception.nr,
		e->exception.has_error_code ? "" : "(none) ", e->exception.error_code);
	fprintf(out, "%s  interrupt injected %u nr %u soft %u shadow %u; nmi injected %u pending %u masked %u\n",
		prefix, e->interrupt.injected, e->interrupt.nr, e->interrupt.soft,
		e->interrupt.shadow, e->nmi.injected, e->nmi.pending, e->nmi.masked);
}
