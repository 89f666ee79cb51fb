// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU thread: KVM_RUN loop and exit dispatch.
 */
#include "vcpu.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/arch.h"
#include "devices/host/seccomp.h"
#include "vmm/exit_trace.h"
#include "vmm/timeline.h"
#include "devices/host/thread.h"

#define VCPU_KICK_SIGNAL SIGUSR1

static const char *const stat_names[VCPU_NR_STATS] = {
	[VCPU_STAT_IO] = "io",
	[VCPU_STAT_MMIO] = "mmio",
	[VCPU_STAT_INTR] = "intr",
	[VCPU_STAT_HLT] = "hlt",
	[VCPU_STAT_SHUTDOWN] = "shutdown",
	[VCPU_STAT_INTERNAL_ERROR] = "internal_error",
	[VCPU_STAT_EMULATED] = "emulated_by_vmm",
	[VCPU_STAT_FAIL_ENTRY] = "fail_entry",
	[VCPU_STAT_SYSTEM_EVENT] = "system_event",
	[VCPU_STAT_OTHER] = "other",
	[VCPU_STAT_UNCLAIMED_IO] = "unclaimed_io",
};

const char *vcpu_stat_name(enum vcpu_stat stat)
{
	return stat < VCPU_NR_STATS ? stat_names[stat] : "?";
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vcpu_init_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;	/* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL) ? -errno : 0;
}

int vcpu_create(const struct vcpu_env *env, unsigned int index, struct vcpu *vcpu)
{
	uint64_t always, sampled;
	int mmap_size, err;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->env = env;
	vcpu->index = index;
	vcpu->fd = ioctl(env->vm_fd, KVM_CREATE_VCPU, index);
	if (vcpu->fd < 0)
		return -errno;
	mmap_size = ioctl(env->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size <= 0) {
		err = mmap_size < 0 ? -errno : -EINVAL;
		goto out_close;
	}
	vcpu->run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		err = -errno;
		goto out_close;
	}
	vcpu->run_size = (size_t)mmap_size;
	arch_exit_sync_fields(env->kvm_fd, &always, &sampled);
	exit_trace_init(&vcpu->trace, vcpu->run, always, sampled);
	err = arch_vcpu_init(env->kvm_fd, env->vm_fd, vcpu->fd, index, env->nr_cpus, env->boot,
			     env->features);
	if (err)
		goto out_unmap;
	return 0;

out_unmap:
	munmap(vcpu->run, vcpu->run_size);
out_close:
	close(vcpu->fd);
	vcpu->fd = -1;
	return err;
}

static void handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	/* A string instruction (rep outsb/insb) comes as count items. */
	for (i = 0; i < run->io.count; i++) {
		if (bus_access(vcpu->env->pio, run->io.port, data, run->io.size,
			       is_write))
			vcpu->stats[VCPU_STAT_UNCLAIMED_IO]++;
		data += run->io.size;
	}
}

static void handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (bus_access(vcpu->env->mmio, run->mmio.phys_addr, run->mmio.data,
		       run->mmio.len, run->mmio.is_write))
		vcpu->stats[VCPU_STAT_UNCLAIMED_IO]++;
}

/*
 * The failure report on stderr, every line after the first starting with
 * prefix: the exit trace (the registers at the last exit and the last
 * exits), then the registers as KVM has them now.
 */
static void fail(struct vcpu *vcpu, const char *prefix, const char *what)
{
	flockfile(stderr);
	fprintf(stderr, "vmm: vcpu %u: %s\n", vcpu->index, what);
	exit_trace_print(&vcpu->trace, vcpu->index, what, prefix, stderr);
	fprintf(stderr, "%sregisters now, read after the exit (after a triple fault on AMD: the reset state):\n",
		prefix);
	arch_vcpu_dump(vcpu->fd, prefix, stderr);
	funlockfile(stderr);
	stop_request(vcpu->env->stop, VM_EXIT_FAILED, "vcpu %u: %s", vcpu->index, what);
}

static void report_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[160];
	int n;

	n = snprintf(what, sizeof(what), "KVM internal error, suberror %u",
		     run->internal.suberror);
	if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION) {
		unsigned int i, len = run->emulation_failure.insn_size;

		n += snprintf(what + n, sizeof(what) - (size_t)n,
			      " (emulation failure)");
		if ((run->emulation_failure.flags &
		     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
		    len <= sizeof(run->emulation_failure.insn_bytes)) {
			n += snprintf(what + n, sizeof(what) - (size_t)n,
				      ", instruction bytes");
			for (i = 0; i < len && n < (int)sizeof(what) - 4; i++)
				n += snprintf(what + n, sizeof(what) - (size_t)n,
					      " %02x", run->emulation_failure.insn_bytes[i]);
		}
	}
	fail(vcpu, "vmm: internal error: ", what);
}

/*
 * KVM ended the machine for the guest (arm64: PSCI SYSTEM_OFF or
 * SYSTEM_RESET): status 0, whatever the type, with the type named.
 */
static void stop_on_system_event(struct vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		stop_request(vcpu->env->stop, VM_EXIT_OK, "guest powered off");
		break;
	case KVM_SYSTEM_EVENT_RESET:
		stop_request(vcpu->env->stop, VM_EXIT_OK, "guest reset the machine");
		break;
	default:
		stop_request(vcpu->env->stop, VM_EXIT_OK, "guest powered off or reset (system event %u)",
			     vcpu->run->system_event.type);
		break;
	}
}

/* Returns false when the thread should stop running the vCPU. */
static bool handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	coalesced_drain(vcpu->env->coalesced);	/* what the guest wrote first */
	/* I/O is traced once handled (with the data read), the rest at once. */
	if (run->exit_reason != KVM_EXIT_IO && run->exit_reason != KVM_EXIT_MMIO)
		exit_trace_record(&vcpu->trace, run, run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu->stats[VCPU_STAT_IO]++;
		handle_io(vcpu);
		exit_trace_record(&vcpu->trace, run, KVM_EXIT_IO);
		coalesced_check(vcpu->env->coalesced);
		return true;
	case KVM_EXIT_MMIO:
		vcpu->stats[VCPU_STAT_MMIO]++;
		handle_mmio(vcpu);
		exit_trace_record(&vcpu->trace, run, KVM_EXIT_MMIO);
		coalesced_check(vcpu->env->coalesced);
		return true;
	case KVM_EXIT_INTR:
		vcpu->stats[VCPU_STAT_INTR]++;
		return true;
	case KVM_EXIT_HLT:
		vcpu->stats[VCPU_STAT_HLT]++;
		return true;
	case KVM_EXIT_SHUTDOWN:
		vcpu->stats[VCPU_STAT_SHUTDOWN]++;
		fail(vcpu, "vmm: triple fault: ", "shutdown (triple fault)");
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		if (!arch_emulation_failure(vcpu->fd, run)) {
			vcpu->stats[VCPU_STAT_EMULATED]++;
			return true;
		}
		vcpu->stats[VCPU_STAT_INTERNAL_ERROR]++;
		report_internal_error(vcpu);
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		vcpu->stats[VCPU_STAT_FAIL_ENTRY]++;
		fail(vcpu, "vmm: failed entry: ", "KVM could not enter the guest (fail_entry)");
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vcpu->stats[VCPU_STAT_SYSTEM_EVENT]++;
		stop_on_system_event(vcpu);
		return false;
	default: {
		char what[64];

		vcpu->stats[VCPU_STAT_OTHER]++;
		snprintf(what, sizeof(what), "unhandled exit reason %u",
			 run->exit_reason);
		fail(vcpu, "vmm: unhandled exit: ", what);
		return false;
	}
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm_stop *stop = vcpu->env->stop;
	sigset_t set;
	int err;

	sigemptyset(&set);
	sigaddset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	err = vmm_seccomp_install(VMM_SECCOMP_VCPU);	/* before the guest runs */
	if (err) {
		stop_request(stop, VM_EXIT_FAILED, "vcpu %u: seccomp filter: %s",
			     vcpu->index, strerror(-err));
		return NULL;
	}
	if (vcpu->index == 0)
		timeline_mark(TIMELINE_FIRST_RUN);
	while (!stop_requested(stop)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				exit_trace_record(&vcpu->trace, vcpu->run, KVM_EXIT_INTR);
				vcpu->run->immediate_exit = 0;
				vcpu->stats[VCPU_STAT_INTR]++;
				continue;
			}
			stop_request(stop, VM_EXIT_FAILED, "vcpu %u: KVM_RUN failed: %s",
				     vcpu->index, strerror(errno));
			break;
		}
		if (!handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int err = host_thread_create(&vcpu->thread, vcpu_thread, vcpu);

	if (err)
		return err;
	vcpu->started = true;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu->started)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (!vcpu->started)
		return;
	pthread_join(vcpu->thread, NULL);
	vcpu->started = false;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run && vcpu->run != MAP_FAILED)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
}
