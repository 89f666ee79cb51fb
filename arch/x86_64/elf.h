/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ELF64 x86_64 executables (our test guests, and vmlinux), and ELF32 i386
 * ones (multiboot images such as kvm-unit-tests'): every PT_LOAD
 * segment is copied to its physical address, bss zeroed, and the entry
 * point translated from its virtual to its physical address (vmlinux
 * gives a physical one, which is taken as it is); *end is the
 * first physical address after the highest segment.
 *
 * The image is untrusted input: every header field is bounds-checked
 * against the image size and every segment against guest RAM, and no
 * segment may start below min_paddr. Returns 0, -ENOEXEC (malformed or not
 * for x86_64, or i386 for x86_elf32_load) or -E2BIG (does not fit), with
 * *why describing the problem.
 *
 * x86_elf_check() checks an ELF64 file's header and program header table
 * only: 0, or -ENOEXEC with *why.
 */
#ifndef ARCH_X86_64_ELF_H
#define ARCH_X86_64_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_memory.h"

int x86_elf_load(struct guest_memory *mem, const void *image, size_t size,
		 uint64_t min_paddr, uint64_t *entry, uint64_t *end,
		 const char **why);

int x86_elf32_load(struct guest_memory *mem, const void *image, size_t size,
		   uint64_t min_paddr, uint64_t *entry, uint64_t *end,
		   const char **why);

int x86_elf_check(const void *image, size_t size, const char **why);

/*
 * One PT_LOAD segment of either width, and the copy both loaders share:
 * file bytes checked against the image, the rest of memsz zeroed, the
 * whole against guest RAM and min_paddr.
 */
struct x86_elf_segment {
	uint64_t offset, filesz, memsz, paddr;
};

int x86_elf_copy_segment(struct guest_memory *mem, const void *image,
			 size_t size, const struct x86_elf_segment *seg,
			 uint64_t min_paddr, const char **why);

#endif
