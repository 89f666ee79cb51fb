/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The only interface vmm/ uses to reach architecture code. Each arch/<name>/
 * directory implements all of it; nothing else in the tree says #ifdef
 * __x86_64__. arch/ supplies layouts, tables and CPU set-up as data and
 * ioctls on fds it is given; it includes nothing from vmm/.
 */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "memory/guest_memory.h"

/* A KVM capability the VMM cannot run without, by name for the error. */
struct kvm_cap_need {
	int cap;
	const char *name;
};

/* A virtio-mmio device as the firmware tables describe it. */
struct arch_virtio_slot {
	uint64_t base;
	unsigned int irq;
};

/*
 * CPU features (bits of the arch's feature table): those the user (or a
 * PVM host) hides from the guest, and those the guest gets that need the
 * VMM's own set-up at vCPU init, in the firmware tables and once the
 * irqchip exists (arm64: the PMU, the GIC's ITS). arch_cpu_features_parse
 * fills hidden, arch_cpu_features_probe fills offered.
 */
struct arch_cpu_features {
	uint64_t hidden;
	uint64_t offered;	/* offered by the host's KVM and not hidden */
};

/*
 * How the --kernel file is read. AUTO: by its header, each architecture
 * its own formats (x86_64: bzImage, ELF; arm64: Image). RAW (arm64 only):
 * a header-less binary such as a kvm-unit-tests .flat, copied to the RAM
 * base and entered at its first byte with the same arguments an Image
 * gets.
 */
enum arch_kernel_format {
	ARCH_KERNEL_AUTO,
	ARCH_KERNEL_RAW,
};

/*
 * Whether this architecture boots format: 0, or -EINVAL with *why set to
 * a short static reason for the user. ARCH_KERNEL_AUTO is always 0.
 */
int arch_kernel_format_check(enum arch_kernel_format format, const char **why);

/* What to boot: images already read into memory. */
struct arch_kernel {
	enum arch_kernel_format format;	/* how to read image */
	const void *image;
	size_t image_size;
	const void *initrd;	/* NULL when there is none */
	size_t initrd_size;
	const char *cmdline;
	/*
	 * The kernel file's name as the user gave it: a multiboot guest's
	 * command line starts with it, as GRUB and QEMU write it (NULL: the
	 * command line alone).
	 */
	const char *name;
	unsigned int nr_cpus;	/* for the firmware tables */
	const struct arch_cpu_features *features;	/* likewise; NULL: none offered */
	const struct arch_virtio_slot *virtio;	/* described to the guest */
	unsigned int nr_virtio;
};

/* Where the guest starts: entry point and the one argument it gets. */
struct arch_boot {
	int mode;		/* arch-specific entry mode */
	uint64_t entry;
	uint64_t arg;		/* x86_64: zero page (rsi) or PVH start info (ebx) */
};

/* Capabilities this architecture needs, ending with { 0, NULL }. */
extern const struct kvm_cap_need arch_required_caps[];

/*
 * Guest-physical layout of size bytes of RAM. Returns the number of ranges
 * written (at most max), -ERANGE if size is below the minimum the boot
 * structures need, or -E2BIG if size cannot be placed.
 */
int arch_ram_layout(uint64_t size, struct guest_range *ranges, unsigned int max);

/* VM-wide set-up after KVM_CREATE_VM and before vCPUs: irqchip, ... */
int arch_vm_init(int vm_fd);

/*
 * Places the kernel, initrd and command line in guest RAM and prepares
 * whatever the kernel needs to find at entry. On failure returns -ENOEXEC
 * (not a kernel we can boot) or -E2BIG (something does not fit) and sets
 * *why to a short static description.
 */
int arch_load_kernel(struct guest_memory *mem, const struct arch_kernel *kernel,
		     struct arch_boot *boot, const char **why);

/*
 * Parses "-name,-name,...". -EINVAL with the offending item copied to bad.
 * arch_pvm_hidden_features is what a PVM host needs hidden.
 */
int arch_cpu_features_parse(const char *spec, struct arch_cpu_features *out,
			    char *bad, size_t bad_len);
extern const char arch_pvm_hidden_features[];

/*
 * Asks KVM (vm_fd) which of the optional features it offers and sets
 * features->offered to those that features->hidden does not hide. Called
 * once, after arch_vm_init and before the kernel is loaded and the vCPUs
 * are created, which both follow features->offered. 0 or a negative errno.
 */
int arch_cpu_features_probe(int vm_fd, struct arch_cpu_features *features);

/*
 * Kernel command line words the architecture adds for a Linux guest (for
 * x86_64: clearcpuid= for hidden features), each preceded by a space, in
 * buf. 0, or -ENOSPC.
 */
int arch_cmdline_extras(const struct arch_cpu_features *features, char *buf,
			size_t len);

/* Per-vCPU set-up: CPUID, registers (the boot CPU enters at boot->entry). */
int arch_vcpu_init(int kvm_fd, int vm_fd, int vcpu_fd, unsigned int index,
		   unsigned int nr_cpus, const struct arch_boot *boot,
		   const struct arch_cpu_features *features);

/*
 * After every vCPU is created (vcpu_fds[0..nr_cpus), in index order) and
 * before any runs: arm64 creates and initialises its GIC here (and its ITS,
 * if features->offered has it), then the per-vCPU devices that need it
 * (the PMU, if features->offered has it).
 * 0 or a negative errno.
 */
int arch_vcpus_ready(int vm_fd, const int *vcpu_fds, unsigned int nr_cpus,
		     const struct arch_cpu_features *features);

/* Drives interrupt line irq (as arch_virtio_slot numbers them). */
int arch_irq_line(int vm_fd, unsigned int irq, int level);

/*
 * An emulation-failure exit (KVM_EXIT_INTERNAL_ERROR): 0 if the
 * architecture completed the instruction and the vCPU can go on,
 * -ENOSYS if it is a real failure.
 */
struct kvm_run;
int arch_emulation_failure(int vcpu_fd, const struct kvm_run *run);

/*
 * Registers of a vCPU as KVM has them now, for a failure report: each
 * line starts with prefix.
 */
void arch_vcpu_dump(int vcpu_fd, const char *prefix, FILE *out);

/*
 * Registers KVM copies into kvm_run at exits (x86: KVM_CAP_SYNC_REGS), for
 * the exit trace (vmm/exit_trace.h). arch_exit_sync_fields says which
 * kvm_valid_regs fields to ask for: always at every exit (x86: the
 * general registers), and sampled at some (x86 on SVM: the special
 * registers and events, which KVM on AMD loses at a triple fault); 0 and
 * 0 where KVM or the architecture has none. arch_exit_pc reads the
 * guest's instruction pointer of this exit from run: false if it is not
 * there. arch_exit_regs_copy keeps a copy of the fields given, and
 * arch_exit_regs_print prints them, each line starting with prefix.
 */
struct kvm_sync_regs;
void arch_exit_sync_fields(int kvm_fd, uint64_t *always, uint64_t *sampled);
bool arch_exit_pc(const struct kvm_run *run, uint64_t *pc);
/* Copies the fields given of run's sync area to dst, and nothing else. */
void arch_exit_regs_copy(struct kvm_sync_regs *dst, const struct kvm_run *run, uint64_t fields);
void arch_exit_regs_print(const struct kvm_sync_regs *regs, uint64_t fields,
			  const char *prefix, FILE *out);

/*
 * A free-running counter user space reads without a system call (x86_64:
 * the TSC, arm64: CNTVCT_EL0), for the exit trace's times; its rate is
 * the caller's to measure.
 */
uint64_t arch_counter(void);

/* Address and interrupt of virtio-mmio slot index; -ENOSPC past the last. */
int arch_virtio_slot(unsigned int index, uint64_t *base, unsigned int *irq);

/* The platform devices vmm/platform.c creates from arch_platform[]. */
enum arch_platform_kind {
	ARCH_DEV_CONSOLE,	/* 16550 UART on the VMM's stdout and stdin */
	ARCH_DEV_DEBUG_EXIT,	/* a byte written ends the VM with it */
	ARCH_DEV_I8042_DATA,	/* idle keyboard controller, data port */
	ARCH_DEV_I8042_COMMAND,	/* ... its command port: 0xfe resets */
	ARCH_DEV_PVPANIC,	/* a guest panic ends the VM (status 3) */
	ARCH_DEV_ACPI_PM,	/* ACPI PM1 registers: S5 powers off */
	ARCH_DEV_RTC_CMOS,	/* MC146818 real-time clock, index and data */
	ARCH_DEV_RTC_PL031,	/* PL031 real-time clock: host time, match alarm */
};

enum arch_bus {
	ARCH_BUS_PIO,
	ARCH_BUS_MMIO,
};

struct arch_platform_device {
	enum arch_platform_kind kind;
	enum arch_bus bus;
	uint64_t base;
	uint64_t len;
	unsigned int irq;	/* as arch_irq_line numbers it; 0: none */
};

/* This machine's platform devices, as its firmware tables describe them. */
extern const struct arch_platform_device arch_platform[];
extern const unsigned int arch_nr_platform;

#endif
