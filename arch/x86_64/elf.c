// SPDX-License-Identifier: GPL-2.0
/*
 * ELF64 loader with every offset checked.
 */
#include "elf.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

static int bad(const char **why, int err, const char *what)
{
	*why = what;
	return err;
}

int x86_elf_check(const void *image, size_t size, const char **why)
{
	const Elf64_Ehdr *eh = image;
	uint64_t ph_end;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(why, -ENOEXEC, "not an ELF file (no ELF magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(why, -ENOEXEC, "not a 64-bit little-endian ELF file");
	if (eh->e_machine != EM_X86_64)
		return bad(why, -ENOEXEC, "ELF file is not for x86_64");
	if (eh->e_type != ET_EXEC)
		return bad(why, -ENOEXEC, "ELF file is not an executable (ET_EXEC)");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		return bad(why, -ENOEXEC, "ELF file has no usable program headers");
	ph_end = eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > size || ph_end > size || ph_end < eh->e_phoff)
		return bad(why, -ENOEXEC, "ELF program headers run past the end of the file (truncated?)");
	return 0;
}

int x86_elf_copy_segment(struct guest_memory *mem, const void *image,
			 size_t size, const struct x86_elf_segment *seg,
			 uint64_t min_paddr, const char **why)
{
	char *dst;

	if (seg->offset > size || seg->filesz > size - seg->offset)
		return bad(why, -ENOEXEC, "ELF segment runs past the end of the file (truncated?)");
	if (seg->filesz > seg->memsz)
		return bad(why, -ENOEXEC, "ELF segment is larger in the file than in memory");
	if (!seg->memsz)
		return 0;
	if (seg->paddr < min_paddr)
		return bad(why, -E2BIG, "ELF segment overlaps the boot structures below 1 MiB");
	dst = guest_memory_ptr(mem, seg->paddr, seg->memsz);
	if (!dst)
		return bad(why, -E2BIG, "ELF segment does not fit in guest RAM");
	memcpy(dst, (const char *)image + seg->offset, seg->filesz);
	memset(dst + seg->filesz, 0, seg->memsz - seg->filesz);
	return 0;
}

int x86_elf_load(struct guest_memory *mem, const void *image, size_t size,
		 uint64_t min_paddr, uint64_t *entry, uint64_t *end,
		 const char **why)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	Elf64_Phdr copy;
	bool loaded = false, found_entry = false;
	unsigned int i;
	int err;

	err = x86_elf_check(image, size, why);
	if (err)
		return err;
	*end = 0;
	for (i = 0; i < eh->e_phnum; i++) {
		/* e_phoff need not be aligned: copy each header out */
		memcpy(&copy, (const char *)image + eh->e_phoff + i * sizeof(copy),
		       sizeof(copy));
		ph = &copy;
		if (ph->p_type != PT_LOAD)
			continue;
		err = x86_elf_copy_segment(mem, image, size, &(struct x86_elf_segment){
			ph->p_offset, ph->p_filesz, ph->p_memsz, ph->p_paddr }, min_paddr, why);
		if (err)
			return err;
		loaded = true;
		if (ph->p_paddr + ph->p_memsz > *end)
			*end = ph->p_paddr + ph->p_memsz;
		if (eh->e_entry >= ph->p_vaddr && eh->e_entry - ph->p_vaddr < ph->p_memsz) {
			*entry = ph->p_paddr + (eh->e_entry - ph->p_vaddr);
			found_entry = true;
		} else if (!found_entry && eh->e_entry >= ph->p_paddr &&
			   eh->e_entry - ph->p_paddr < ph->p_memsz) {
			*entry = eh->e_entry;	/* vmlinux gives a physical entry */
			found_entry = true;
		}
	}
	if (!loaded)
		return bad(why, -ENOEXEC, "ELF file has no loadable segment");
	if (!found_entry)
		return bad(why, -ENOEXEC, "ELF entry point is outside the loaded segments");
	return 0;
}
