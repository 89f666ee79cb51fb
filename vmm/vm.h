/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtual machine: KVM fds, guest memory and its memslots, buses,
 * platform devices, vCPU threads, and the loop that waits for it to end.
 *
 * vm_create() builds everything from a validated config, or returns a
 * negative errno with one line for the user in err; nothing is left
 * behind on failure. vm_run() starts the vCPUs, serves the console input,
 * signals, the timeout and the memory socket, and returns the process exit
 * status (see VM_EXIT_*). Any thread may end the VM with vm_request_stop();
 * the first request wins.
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
#include "vmm/config.h"
#include "vmm/device_manager.h"
#include "devices/acpi_pm.h"
#include "devices/power.h"

#define VM_DEFAULT_CMDLINE	"console=ttyS0"

#define VM_EXIT_OK		0
#define VM_EXIT_FAILED		1
#define VM_EXIT_USAGE		2
#define VM_EXIT_PANIC		3
#define VM_EXIT_TIMEOUT		124
#define VM_EXIT_SIGNAL_BASE	128

struct vcpu;
struct serial;

/* One interrupt line of the in-kernel irqchip, as a device's irq_fn ctx. */
struct vm_irq_line {
	struct vm *vm;
	unsigned int irq;
};
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

	struct serial *serial;
	struct vm_irq_line serial_irq;
	struct power_device power;
	struct acpi_pm acpi_pm;		/* ACPI PM1 registers (x86) */
	struct device_manager devices;	/* the virtio devices */

	struct guest_memory_sharing *sharing;	/* only if a consumer asked */
	struct memory_socket *memory_socket;

	unsigned int nr_vcpus;
	struct vcpu *vcpus;

	pthread_mutex_t stop_lock;
	bool stopping;
	int exit_status;
	char stop_reason[160];
	int stop_event;		/* eventfd the run loop waits on */
};

int vm_create(const struct vm_config *cfg, struct vm **out, char *err,
	      size_t err_len);
/*
 * Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, so that every
 * thread started after it (device workers, backend threads, vCPUs)
 * leaves them to vm_run()'s signalfd. vm_create() calls it first.
 */
int vm_block_stop_signals(void);
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

void vm_request_stop(struct vm *vm, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * The guest memory's sharing object, for consumer (an option, named in
 * the error): got once, kept in vm->sharing until vm_destroy. For
 * private memory the error line is the sharing object's refusal.
 */
int vm_get_sharing(struct vm *vm, const char *consumer, char *err, size_t len);

/* Drives an interrupt line (ctx: struct vm_irq_line), a device's irq_fn. */
void vm_irq_line_set(void *line, int level);

/* stop_fn for devices: ctx is the vm. */
void vm_stop_from_device(void *vm, int status, const char *reason);

#endif
