// SPDX-License-Identifier: GPL-2.0
/*
 * PVH direct boot: the ELF note that names the 32-bit entry point
 * (XEN_ELFNOTE_PHYS32_ENTRY) and the hvm_start_info structure the kernel
 * finds in ebx, with the memory map, the command line and the initrd as
 * module 0.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"

#define XEN_ELFNOTE_PHYS32_ENTRY	18
#define HVM_START_MAGIC			0x336ec578
#define HVM_START_VERSION		1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info v1 is 56 bytes");
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "memmap entry is 24 bytes");

#define PVH_MODLIST	(X86_PVH_INFO + 0x40)
#define PVH_MEMMAP	(X86_PVH_INFO + 0x80)
#define PVH_MEMMAP_MAX	((0x1000 - 0x80) / sizeof(struct hvm_memmap_entry))

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~3ULL;
}

/* Walks the notes in [off, off + len) of the image for the PVH entry. */
static int scan_notes(const uint8_t *image, uint64_t off, uint64_t len,
		      uint64_t *entry)
{
	while (len >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr copy, *n = &copy;	/* notes need not be aligned */
		uint64_t name_len, desc_len, total;
		const uint8_t *name, *desc;

		memcpy(&copy, image + off, sizeof(copy));
		name_len = align4(n->n_namesz);
		desc_len = align4(n->n_descsz);
		total = sizeof(*n) + name_len + desc_len;
		if (total > len)
			return -ENOEXEC;
		name = image + off + sizeof(*n);
		desc = name + name_len;
		if (n->n_type == XEN_ELFNOTE_PHYS32_ENTRY && n->n_namesz == 4 &&
		    !memcmp(name, "Xen", 4)) {
			if (n->n_descsz == 4) {
				uint32_t e;

				memcpy(&e, desc, 4);
				*entry = e;
			} else if (n->n_descsz == 8) {
				memcpy(entry, desc, 8);
			} else {
				return -ENOEXEC;
			}
			return 0;
		}
		off += total;
		len -= total;
	}
	return -ENOENT;
}

int x86_pvh_entry(const void *image, size_t size, uint64_t *entry,
		  const char **why)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	Elf64_Phdr copy;
	unsigned int i;

	/* x86_elf_load() has checked the header and program header table. */
	for (i = 0; i < eh->e_phnum; i++) {
		int err;

		/* e_phoff need not be aligned: copy each header out */
		memcpy(&copy, (const uint8_t *)image + eh->e_phoff + i * sizeof(copy),
		       sizeof(copy));
		ph = &copy;
		if (ph->p_type != PT_NOTE)
			continue;
		if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset) {
			*why = "ELF note segment runs past the end of the file (truncated?)";
			return -ENOEXEC;
		}
		err = scan_notes(image, ph->p_offset, ph->p_filesz, entry);
		if (err == -ENOEXEC) {
			*why = "malformed ELF note";
			return err;
		}
		if (!err) {
			if (*entry >= X86_4G) {
				*why = "PVH entry point is above 4 GiB";
				return -ENOEXEC;
			}
			return 0;
		}
	}
	return -ENOENT;
}

int x86_pvh_write_start_info(struct guest_memory *mem, uint64_t cmdline_gpa,
			     uint64_t initrd_gpa, uint64_t initrd_size,
			     uint64_t rsdp_gpa)
{
	struct x86_memmap_entry map[PVH_MEMMAP_MAX];
	struct hvm_memmap_entry out[PVH_MEMMAP_MAX];
	struct hvm_modlist_entry mod = { .paddr = initrd_gpa, .size = initrd_size };
	struct hvm_start_info info = {
		.magic = HVM_START_MAGIC,
		.version = HVM_START_VERSION,
		.nr_modules = initrd_size ? 1 : 0,
		.modlist_paddr = initrd_size ? PVH_MODLIST : 0,
		.cmdline_paddr = cmdline_gpa,
		.rsdp_paddr = rsdp_gpa,
		.memmap_paddr = PVH_MEMMAP,
	};
	unsigned int i, n = x86_memory_map(mem, map, PVH_MEMMAP_MAX);
	int err;

	for (i = 0; i < n; i++)
		out[i] = (struct hvm_memmap_entry){ map[i].addr, map[i].size, map[i].type, 0 };
	info.memmap_entries = n;
	err = guest_memory_write(mem, PVH_MEMMAP, out, n * sizeof(out[0]));
	if (!err && initrd_size)
		err = guest_memory_write(mem, PVH_MODLIST, &mod, sizeof(mod));
	if (!err)
		err = guest_memory_write(mem, X86_PVH_INFO, &info, sizeof(info));
	return err;
}
