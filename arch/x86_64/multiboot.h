/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Multiboot (version 1, specification 0.6.96) images, as kvm-unit-tests'
 * x86 tests are: the header, the image's loading, and the information
 * structure the image finds in ebx.
 *
 * x86_multiboot_find() looks for the header: magic 0x1BADB002, flags and
 * a checksum that make the three sum to 0 mod 2^32, 4-byte aligned and
 * wholly within the first 8192 bytes of the file. It returns
 *   0        a header, in *mb;
 *   -ENOENT  none: not a multiboot image. *why is NULL, or says what came
 *            close (a magic with a bad checksum, a header beyond 8 KiB),
 *            for a caller that has no other way to boot the file;
 *   -ENOEXEC a header this loader must refuse: cut off by the end of the
 *            file, or a requirement flag (bits 0-15) it cannot honour.
 *            Bit 0 (modules page-aligned) and bit 1 (memory information)
 *            are honoured; bit 2 (a video mode) is refused: there is no
 *            display; bits 3-15 are unknown and refused.
 *
 * x86_multiboot_load() places the image. With header flag 16 it follows
 * the header's address fields (header_addr, load_addr, load_end_addr,
 * bss_end_addr, entry_addr); otherwise the file must be ELF32 (i386) or
 * ELF64 (x86_64), whose PT_LOAD segments go to their physical addresses.
 * Every byte it writes must lie in guest RAM, at or above 1 MiB (below is
 * the boot structures', layout.h) and below 4 GiB, and the entry point in
 * what it loaded. *end is the first address after the image. 0, -ENOEXEC
 * (malformed) or -E2BIG (does not fit), with *why.
 *
 * x86_multiboot_write_cmdline() writes the command line at X86_CMDLINE
 * as GRUB and QEMU hand it to a multiboot kernel: the kernel's file name,
 * a space, then the user's command line (without name: that alone), so
 * the guest's argv[0] is its name. 0, or -E2BIG with *why.
 *
 * x86_multiboot_write_info() writes the information structure at
 * X86_MB_INFO and, in the same page, what it points to: mem_lower and
 * mem_upper (KiB below the EBDA; KiB from 1 MiB to the end of the first
 * RAM region), the command line (at cmdline_gpa, written by the caller),
 * the initrd as the one module (when initrd_size is not 0) with the
 * string "initrd", the memory map of x86_memory_map() in multiboot's
 * format, and boot_loader_name "vmm". 0 or a negative errno.
 */
#ifndef ARCH_X86_64_MULTIBOOT_H
#define ARCH_X86_64_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_memory.h"

#define MULTIBOOT_HEADER_MAGIC	0x1BADB002U
#define MULTIBOOT_BOOT_MAGIC	0x2BADB002U	/* in eax at entry */
#define MULTIBOOT_SEARCH_LIMIT	8192

/* Header flags. */
#define MB_HDR_PAGE_ALIGN	(1U << 0)
#define MB_HDR_MEMORY_INFO	(1U << 1)
#define MB_HDR_VIDEO_MODE	(1U << 2)
#define MB_HDR_ADDRESSES	(1U << 16)

/* Information structure flags. */
#define MB_INFO_MEMORY		(1U << 0)
#define MB_INFO_CMDLINE		(1U << 2)
#define MB_INFO_MODS		(1U << 3)
#define MB_INFO_MMAP		(1U << 6)
#define MB_INFO_LOADER_NAME	(1U << 9)

/* A header found in a file; the address fields only with flag 16. */
struct x86_multiboot {
	size_t offset;		/* of the magic, in the file */
	uint32_t flags;
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
};

/* The information structure, as far as this loader fills it. */
struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower;
	uint32_t mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
};

struct multiboot_module {
	uint32_t mod_start;
	uint32_t mod_end;	/* first byte after the module */
	uint32_t string;
	uint32_t reserved;
};

/* size is that of the rest of the entry (20): the map's stride is size + 4. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));

int x86_multiboot_find(const void *image, size_t size, struct x86_multiboot *mb,
		       const char **why);

int x86_multiboot_load(struct guest_memory *mem, const void *image, size_t size,
		       const struct x86_multiboot *mb, uint64_t *entry,
		       uint64_t *end, const char **why);

int x86_multiboot_write_cmdline(struct guest_memory *mem, const char *name,
				const char *cmdline, const char **why);

int x86_multiboot_write_info(struct guest_memory *mem, uint64_t cmdline_gpa,
			     uint64_t initrd_gpa, uint64_t initrd_size);

#endif
