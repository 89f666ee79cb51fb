/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pieces of an x86_64 boot, shared by the loaders in this directory.
 *
 * Each loader (elf.c, pvh.c, bzimage.c, multiboot.c) places the kernel and reports
 * where it ends; boot.c then places the initrd, the command line, the GDT,
 * page tables and the memory map, and picks the entry mode:
 *  X86_ENTRY_64   64-bit mode, paging on, rsi = zero page (Linux 64-bit
 *                 boot protocol; bzImage and plain ELF64);
 *  X86_ENTRY_PVH  32-bit protected mode, paging off, ebx = hvm_start_info
 *                 (ELF vmlinux with a PVH note).
 */
#ifndef ARCH_X86_64_BOOT_H
#define ARCH_X86_64_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_memory.h"

enum x86_entry_mode {
	X86_ENTRY_64,
	X86_ENTRY_PVH,
	X86_ENTRY_MULTIBOOT,
};

/* An e820 / PVH memory map entry type. */
#define E820_RAM	1
#define E820_RESERVED	2

struct x86_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/* Fills map from the RAM regions; returns the number of entries. */
unsigned int x86_memory_map(const struct guest_memory *mem,
			    struct x86_memmap_entry *map, unsigned int max);

/* Finds the PVH entry note of an ELF image: 0, -ENOENT, or -ENOEXEC. */
int x86_pvh_entry(const void *image, size_t size, uint64_t *entry,
		  const char **why);

/*
 * Writes hvm_start_info (with memory map, command line and initrd module)
 * at X86_PVH_INFO. initrd_size 0: no module.
 */
int x86_pvh_write_start_info(struct guest_memory *mem, uint64_t cmdline_gpa,
			     uint64_t initrd_gpa, uint64_t initrd_size,
			     uint64_t rsdp_gpa);

/* A bzImage as the boot protocol describes it, checked. */
struct bzimage {
	const uint8_t *image;
	size_t size;
	uint16_t version;
	uint64_t load_addr;	/* where the protected-mode kernel goes */
	uint64_t kernel_end;	/* load_addr + init_size */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
};

/* Parses and places a bzImage: 0, -ENOEXEC or -E2BIG with *why. */
int x86_bzimage_load(struct guest_memory *mem, const void *image, size_t size,
		     struct bzimage *bz, const char **why);

/* Fills the zero page at X86_ZERO_PAGE for a bzImage (bz) or ELF (NULL). */
int x86_write_zero_page(struct guest_memory *mem, const struct bzimage *bz,
			uint64_t cmdline_gpa, uint64_t initrd_gpa,
			uint64_t initrd_size, uint64_t rsdp_gpa);

struct arch_cpu_features;

/* Sets this vCPU's CPUID: supported set, topology, hidden features. */
int x86_setup_cpuid(int kvm_fd, int vcpu_fd, unsigned int index,
		    unsigned int nr_cpus, const struct arch_cpu_features *features);

#endif
