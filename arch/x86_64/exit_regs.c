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
 * What it costs KVM at every exit: the general registers and RIP are in
 * KVM's register cache; the special registers and events are 8 segments,
 * 2 descriptor tables, control registers and event state, each a VMREAD
 * on VMX. So the general registers are synced at every exit (RIP for
 * each exit of the trace), and the special registers and the events only
 * on SVM (kvm_amd loaded), where a triple fault loses them, and there at
 * one exit in EXIT_TRACE_SAMPLE (vmm/exit_trace.h): synced at every exit
 * they made a port-I/O exit measurably slower in the KVM box. Elsewhere
 * (VMX, PVM) KVM keeps the vCPU's state at a triple fault, and the
 * report's registers read after the exit are the state that faulted.
 */
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/arch.h"

#define SYNC_SPECIAL	(KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)

void arch_exit_sync_fields(int kvm_fd, uint64_t *always, uint64_t *sampled)
{
	int offered = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);

	*always = *sampled = 0;
	/* Older KVM: no per-exit registers. */
	if (offered <= 0 || !(offered & KVM_SYNC_X86_REGS))
		return;
	*always = KVM_SYNC_X86_REGS;
	if (!access("/sys/module/kvm_amd", F_OK) && (offered & SYNC_SPECIAL) == SYNC_SPECIAL)
		*sampled = SYNC_SPECIAL;
}

bool arch_exit_pc(const struct kvm_run *run, uint64_t *pc)
{
	if (!(run->kvm_valid_regs & KVM_SYNC_X86_REGS))
		return false;
	*pc = run->s.regs.regs.rip;
	return true;
}

void arch_exit_regs_copy(struct kvm_sync_regs *dst, const struct kvm_run *run, uint64_t fields)
{
	if (fields & KVM_SYNC_X86_REGS)
		dst->regs = run->s.regs.regs;
	if (fields & KVM_SYNC_X86_SREGS)
		dst->sregs = run->s.regs.sregs;
	if (fields & KVM_SYNC_X86_EVENTS)
		dst->events = run->s.regs.events;
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

	if (!(fields & KVM_SYNC_X86_REGS))
		goto sregs;
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
sregs:
	if (!(fields & KVM_SYNC_X86_SREGS))
		goto events;
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
events:
	if (!(fields & KVM_SYNC_X86_EVENTS))
		return;
	fprintf(out, "%s  exception injected %u pending %u nr %u error_code %s%x\n", prefix,
		e->exception.injected, e->exception.pending, e->exception.nr,
		e->exception.has_error_code ? "" : "(none) ", e->exception.error_code);
	fprintf(out, "%s  interrupt injected %u nr %u soft %u shadow %u; nmi injected %u pending %u masked %u\n",
		prefix, e->interrupt.injected, e->interrupt.nr, e->interrupt.soft,
		e->interrupt.shadow, e->nmi.injected, e->nmi.pending, e->nmi.masked);
}
