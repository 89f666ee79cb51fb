// SPDX-License-Identifier: GPL-2.0
/*
 * ELF32 i386 loader with every offset checked (elf.h), for multiboot
 * images: kvm-unit-tests links its x86_64 tests as ELF64 and converts
 * them with objcopy -O elf32-i386.
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

static int check_header(const Elf32_Ehdr *eh, size_t size, const char **why)
{
	uint64_t ph_end;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(why, -ENOEXEC, "not an ELF file (no ELF magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(why, -ENOEXEC, "not a 32-bit little-endian ELF file");
	if (eh->e_machine != EM_386)
		return bad(why, -ENOEXEC, "32-bit ELF file is not for i386");
	if (eh->e_type != ET_EXEC)
		return bad(why, -ENOEXEC, "ELF file is not an executable (ET_EXEC)");
	if (eh->e_phentsize != sizeof(Elf32_Phdr) || eh->e_phnum == 0)
		return bad(why, -ENOEXEC, "ELF file has no usable program headers");
	ph_end = (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr);
	if (eh->e_phoff > size || ph_end > size)
		return bad(why, -ENOEXEC, "ELF program headers run past the end of the file (truncated?)");
	return 0;
}

int x86_elf32_load(struct guest_memory *mem, const void *image, size_t size,
		   uint64_t min_paddr, uint64_t *entry, uint64_t *end,
		   const char **why)
{
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	bool loaded = false, found_entry = false;
	unsigned int i;
	int err;

	if (size < sizeof(eh))
		return bad(why, -ENOEXEC, "ELF header runs past the end of the file (truncated?)");
	memcpy(&eh, image, sizeof(eh));
	err = check_header(&eh, size, why);
	if (err)
		return err;
	*end = 0;
	for (i = 0; i < eh.e_phnum; i++) {
		/* e_phoff need not be aligned: copy each header out */
		memcpy(&ph, (const char *)image + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		err = x86_elf_copy_segment(mem, image, size, &(struct x86_elf_segment){
			ph.p_offset, ph.p_filesz, ph.p_memsz, ph.p_paddr }, min_paddr, why);
		if (err)
			return err;
		if (!ph.p_memsz)
			continue;
		loaded = true;
		if ((uint64_t)ph.p_paddr + ph.p_memsz > *end)
			*end = (uint64_t)ph.p_paddr + ph.p_memsz;
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz) {
			*entry = (uint64_t)ph.p_paddr + (eh.e_entry - ph.p_vaddr);
			found_entry = true;
		}
	}
	if (!loaded)
		return bad(why, -ENOEXEC, "ELF file has no loadable segment");
	if (!found_entry)
		return bad(why, -ENOEXEC, "ELF entry point is outside the loaded segments");
	return 0;
}
