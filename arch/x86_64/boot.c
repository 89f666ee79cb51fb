// SPDX-License-Identifier: GPL-2.0
/*
 * Getting an x86_64 guest to its 64-bit entry point: load the image, then
 * build what the Linux 64-bit boot protocol promises at entry: a flat GDT
 * with __BOOT_CS/__BOOT_DS, identity-mapped page tables, and a zero page
 * (struct boot_params) with the e820 memory map, whose address goes in rsi.
 * Our test guests rely on exactly that and nothing more.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/elf.h"
#include "arch/x86_64/layout.h"

/* struct boot_params offsets (Documentation/arch/x86/zero-page.rst) */
#define ZP_E820_ENTRIES		0x1e8
#define ZP_E820_TABLE		0x2d0
#define ZP_E820_MAX		128
#define ZP_SIZE			4096

#define E820_RAM		1
#define E820_RESERVED		2

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

_Static_assert(sizeof(struct e820_entry) == 20, "e820 entry is 20 bytes");
_Static_assert(ZP_E820_TABLE + ZP_E820_MAX * 20 <= ZP_SIZE, "e820 fits");

#define PTE_PRESENT	0x1ULL
#define PTE_WRITE	0x2ULL
#define PTE_LARGE	0x80ULL

static unsigned int build_e820(const struct guest_memory *mem,
			       struct e820_entry *e820)
{
	unsigned int i, n = 0;

	for (i = 0; i < guest_memory_nr_regions(mem); i++) {
		const struct guest_region *r = guest_memory_region(mem, i);

		if (r->gpa == 0) {
			/* Low RAM, then EBDA and BIOS area, then the rest. */
			e820[n++] = (struct e820_entry){ 0, X86_EBDA_START, E820_RAM };
			e820[n++] = (struct e820_entry){ X86_EBDA_START,
				X86_HIGH_MEMORY - X86_EBDA_START, E820_RESERVED };
			if (r->size > X86_HIGH_MEMORY)
				e820[n++] = (struct e820_entry){ X86_HIGH_MEMORY,
					r->size - X86_HIGH_MEMORY, E820_RAM };
		} else {
			e820[n++] = (struct e820_entry){ r->gpa, r->size, E820_RAM };
		}
	}
	return n;
}

static int write_zero_page(struct guest_memory *mem)
{
	uint8_t zp[ZP_SIZE] = { 0 };
	struct e820_entry e820[GUEST_MEMORY_MAX_REGIONS + 2];
	unsigned int n = build_e820(mem, e820);

	zp[ZP_E820_ENTRIES] = (uint8_t)n;
	memcpy(zp + ZP_E820_TABLE, e820, n * sizeof(e820[0]));
	return guest_memory_write(mem, X86_ZERO_PAGE, zp, sizeof(zp));
}

static int write_page_tables(struct guest_memory *mem)
{
	uint64_t pml4[512] = { 0 }, pdpt[512] = { 0 }, pd[512];
	unsigned int i, j;
	int err;

	pml4[0] = X86_BOOT_PDPT | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < X86_BOOT_PD_COUNT; i++) {
		uint64_t pd_gpa = X86_BOOT_PD + i * 4096ULL;

		pdpt[i] = pd_gpa | PTE_PRESENT | PTE_WRITE;
		for (j = 0; j < 512; j++)
			pd[j] = ((uint64_t)i << 30) + ((uint64_t)j << 21) +
				(PTE_PRESENT | PTE_WRITE | PTE_LARGE);
		err = guest_memory_write(mem, pd_gpa, pd, sizeof(pd));
		if (err)
			return err;
	}
	err = guest_memory_write(mem, X86_BOOT_PML4, pml4, sizeof(pml4));
	return err ? err : guest_memory_write(mem, X86_BOOT_PDPT, pdpt, sizeof(pdpt));
}

static int write_gdt(struct guest_memory *mem)
{
	const uint64_t gdt[] = {
		[0] = 0,
		[1] = 0,
		[X86_BOOT_CS / 8] = 0x00af9b000000ffffULL,	/* 64-bit code */
		[X86_BOOT_DS / 8] = 0x00cf93000000ffffULL,	/* flat data */
	};

	return guest_memory_write(mem, X86_BOOT_GDT, gdt, sizeof(gdt));
}

int arch_load_kernel(struct guest_memory *mem, const void *image, size_t size,
		     struct arch_boot *boot, const char **why)
{
	uint64_t entry;
	int err;

	err = x86_elf_load(mem, image, size, X86_HIGH_MEMORY, &entry, why);
	if (err)
		return err;
	err = write_gdt(mem);
	if (!err)
		err = write_page_tables(mem);
	if (!err)
		err = write_zero_page(mem);
	if (err) {
		*why = "guest RAM too small for the boot structures";
		return -E2BIG;
	}
	boot->entry = entry;
	boot->arg = X86_ZERO_PAGE;
	return 0;
}
