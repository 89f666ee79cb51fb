/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtual machine: KVM fds, guest memory and its memslots, buses,
 * platform devices, vCPU threads, and the loop that waits for it to end.
 *
 * vm_create() builds everything from a validated config, or returns a
 * negative errno with one line for the user in err; nothing is left
 * behind on failure. vm_run() (run_loop.h) runs it. Any thread may end
 * the VM with stop_request(&vm->stop, ...) (stop.h); the first wins.
 */
#ifndef VMM_VM_H
#define VMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "arch/arch.h"
#include "memory/guest_memory.h"
#include "memory/sharing.h"
#include "devices/host/bus.h"
#include "vmm/coalesced.h"
#include "vmm/config.h"
#include "vmm/device_manager.h"
#include "vmm/platform.h"
#include "vmm/stop.h"
#include "vmm/vcpu.h"

#define VM_DEFAULT_CMDLINE	"console=ttyS0"

struct memory_socket;

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	struct guest_memory *mem;
	struct arch_boot boot;
	struct arch_cpu_features cpu_features;
	char *cmdline;		/* as the guest gets it */
	struct bus pio;
	struct bus mmio;

	struct platform platform;	/* console, power, panic */
	struct device_manager devices;	/* the virtio devices */

	struct guest_memory_sharing *sharing;	/* only if a consumer asked */
	struct memory_socket *memory_socket;

	unsigned int nr_vcpus;
	struct vcpu *vcpus;

	struct vcpu_env vcpu_env;
	struct coalesced coalesced;	/* the console's transmit register */
	struct vm_stop stop;
};

int vm_create(const struct vm_config *cfg, struct vm **out, char *err,
	      size_t err_len);
void vm_destroy(struct vm *vm);


#endif
