/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vCPU threads. Each runs KVM_RUN and dispatches port I/O and MMIO exits to
 * the VM's buses, and lets the architecture finish instructions KVM could
 * not emulate (arch_emulation_failure); an exit that ends the VM (triple fault, emulation
 * failure, failed entry) stops it with status 1 after printing a report on
 * stderr: its last exits and registers (vmm/exit_trace.h), and its
 * registers as KVM has them after the exit.
 *
 * vcpu_kick() makes a running thread leave KVM_RUN (immediate_exit plus a
 * signal) so it can see that the VM is stopping. A vCPU ends the VM
 * through env->stop and runs until stop_requested().

 */
#ifndef VMM_VCPU_H
#define VMM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "arch/arch.h"
#include "devices/host/bus.h"
#include "vmm/coalesced.h"
#include "vmm/exit_trace.h"
#include "vmm/stop.h"

/* What every vCPU of a VM shares; the VM keeps it while they run. */
struct vcpu_env {
	int kvm_fd, vm_fd;
	unsigned int nr_cpus;
	const struct arch_boot *boot;
	const struct arch_cpu_features *features;
	const struct bus *pio, *mmio;
	struct vm_stop *stop;
	struct coalesced *coalesced;	/* replayed before each exit */
};

enum vcpu_stat {
	VCPU_STAT_IO,
	VCPU_STAT_MMIO,
	VCPU_STAT_INTR,
	VCPU_STAT_HLT,
	VCPU_STAT_SHUTDOWN,
	VCPU_STAT_INTERNAL_ERROR,
	VCPU_STAT_EMULATED,		/* instructions KVM could not emulate */
	VCPU_STAT_FAIL_ENTRY,
	VCPU_STAT_SYSTEM_EVENT,
	VCPU_STAT_OTHER,
	VCPU_STAT_UNCLAIMED_IO,		/* I/O no device answered */
	VCPU_NR_STATS,
};

struct vcpu {
	const struct vcpu_env *env;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
	uint64_t stats[VCPU_NR_STATS];
	struct exit_trace trace;	/* for the failure report */
};

int vcpu_create(const struct vcpu_env *env, unsigned int index, struct vcpu *vcpu);
int vcpu_start(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

/* Installs the (empty) kick signal handler; once per process. */
int vcpu_init_signals(void);

const char *vcpu_stat_name(enum vcpu_stat stat);

#endif
