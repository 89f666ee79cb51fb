/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a vCPU did last, for the report when it fails. Each vCPU thread
 * keeps its own trace, written only by itself, with no locks:
 *
 * - a ring of the last EXIT_TRACE_LEN exits to user space: the exit's
 *   number (1 for the vCPU's first), its time (arch_counter(): no system
 *   call, which clock_gettime() can be), KVM_EXIT_* reason and the
 *   fields that say what the guest did (port, size, direction and data of
 *   port I/O; address, length, direction and data of MMIO; ...), and the
 *   guest's instruction pointer when KVM gave it without an ioctl (x86:
 *   KVM_SYNC_X86_REGS, arch_exit_sync_enable);
 * - the registers KVM left in kvm_run at the last exit that was not a
 *   shutdown: those synced at every exit ("always", x86: regs), and of
 *   the last such exit that also had the "sampled" ones (x86 on SVM:
 *   sregs and events), which KVM is asked for at the first exit and then
 *   at one exit in EXIT_TRACE_SAMPLE: they cost KVM more, and change
 *   seldom. A triple fault is
 *   reported as KVM_EXIT_SHUTDOWN, and KVM on AMD resets the vCPU before
 *   it returns it (and copies that reset state into kvm_run), so the
 *   registers of the exit before are the last ones worth reading.
 *
 * exit_trace_record() runs after every KVM_RUN that returned (and after
 * one interrupted, reason KVM_EXIT_INTR): a copy of a few words, and of
 * the synced registers when there are any; it sets kvm_valid_regs for
 * the next KVM_RUN. exit_trace_print() writes the
 * report, every line starting with prefix (for a grep in CI logs); it is
 * an output module and writes to out itself. exit_trace_format_exit()
 * formats one record, for the report and the unit test.
 */
#ifndef VMM_EXIT_TRACE_H
#define VMM_EXIT_TRACE_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_TRACE_LEN		16
#define EXIT_TRACE_SAMPLE	16	/* one exit in this many syncs the sampled fields */

struct exit_record {
	uint64_t nr;		/* the vCPU's exits to user space, this one included */
	uint64_t ticks;		/* arch_counter() */
	uint64_t pc;		/* guest RIP / PC, if pc_known */
	uint32_t reason;	/* KVM_EXIT_* */
	bool pc_known;
	union {
		struct {
			uint16_t port;
			uint8_t size;	/* bytes per item */
			bool out;
			uint32_t count;	/* items: > 1 for rep ins/outs */
			uint32_t data;	/* the first item (out: as written; in: as read) */
		} io;
		struct {
			uint64_t addr;
			uint64_t data;	/* the first len bytes, little-endian */
			uint8_t len;
			bool write;
		} mmio;
		uint64_t code;	/* suberror, hardware entry failure reason, event type */
	};
};

struct exit_trace {
	struct exit_record ring[EXIT_TRACE_LEN];
	uint64_t count;			/* exits recorded, ever */
	uint64_t always, sampled;	/* kvm_valid_regs fields; always 0: none */
	uint64_t armed;			/* the fields asked for at this KVM_RUN */
	uint64_t regs_nr;		/* the exit regs is from; 0: none yet */
	uint64_t regs_ticks;
	struct kvm_sync_regs regs;	/* its always fields */
	uint64_t sampled_nr;		/* the exit sampled_regs is from; 0: none */
	uint64_t sampled_ticks;
	struct kvm_sync_regs sampled_regs;	/* its sampled fields */
	uint64_t start_ticks, start_ns;	/* the counter against CLOCK_MONOTONIC */
};

/*
 * An empty trace for the vCPU whose kvm_run is run, which it asks KVM to
 * sync always and sampled (kvm_valid_regs fields, as
 * arch_exit_sync_fields gave them) into, starting with both at the first
 * exit. Notes the time, to measure the counter's rate against when it
 * prints.
 */
void exit_trace_init(struct exit_trace *t, struct kvm_run *run, uint64_t always,
		     uint64_t sampled);

/*
 * Records the exit KVM just returned in run (reason: run->exit_reason, or
 * KVM_EXIT_INTR for a KVM_RUN interrupted by a signal, which leaves
 * exit_reason as it was). An in-port's data is recorded as the VMM
 * answered it, so call this after the exit was handled.
 */
void exit_trace_record(struct exit_trace *t, struct kvm_run *run, uint32_t reason);

/* The record of the exit back-th from the last (0: the last); NULL if none. */
const struct exit_record *exit_trace_get(const struct exit_trace *t, unsigned int back);

/* One record as "exit NR REASON DETAILS [rip ADDR]", in buf; its length. */
int exit_trace_format_exit(const struct exit_record *r, char *buf, size_t len);

/*
 * The report of vCPU index's failure (what: a short description) on out,
 * every line starting with prefix: the registers of the last exit with
 * registers kept and how long before the failure it was, then the ring,
 * oldest first. The caller holds out's lock if other threads print.
 */
void exit_trace_print(const struct exit_trace *t, unsigned int index, const char *what,
		      const char *prefix, FILE *out);

#endif
