// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 kernel loading: recognise the image, let its loader place it,
 * then lay out what every entry mode shares: initrd at the top of low RAM,
 * command line, boot GDT, identity page tables, MP table and ACPI tables
 * (tables.h), and the memory map as e820 (zero page), PVH memmap
 * (hvm_start_info) or multiboot mmap (multiboot information structure).
 *
 * Recognised in this order: an ELF file (ELF magic) with a PVH note; an
 * ELF file with a multiboot header; a plain ELF64 file; a bzImage ("HdrS"
 * at 0x202, never looked for in an ELF file); a multiboot image with the
 * header's address fields (any other file).
 *
 * x86_64 has no raw format: ARCH_KERNEL_RAW is refused.
 */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/boot.h"
#include "arch/x86_64/elf.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/multiboot.h"
#include "arch/x86_64/tables.h"

#define PTE_PRESENT	0x1ULL
#define PTE_WRITE	0x2ULL
#define PTE_LARGE	0x80ULL
#define PAGE_SIZE	4096ULL

/* Linux's x86 COMMAND_LINE_SIZE: what a PVH or plain ELF kernel keeps. */
#define ELF_CMDLINE_MAX	2048

unsigned int x86_memory_map(const struct guest_memory *mem,
			    struct x86_memmap_entry *map, unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < guest_memory_nr_regions(mem) && n + 3 <= max; i++) {
		const struct guest_region *r = guest_memory_region(mem, i);

		if (r->gpa == 0) {
			/* Low RAM, then EBDA and BIOS area, then the rest. */
			map[n++] = (struct x86_memmap_entry){ 0, X86_EBDA_START, E820_RAM };
			map[n++] = (struct x86_memmap_entry){ X86_EBDA_START,
				X86_HIGH_MEMORY - X86_EBDA_START, E820_RESERVED };
			if (r->size > X86_HIGH_MEMORY)
				map[n++] = (struct x86_memmap_entry){ X86_HIGH_MEMORY,
					r->size - X86_HIGH_MEMORY, E820_RAM };
		} else {
			map[n++] = (struct x86_memmap_entry){ r->gpa, r->size, E820_RAM };
		}
	}
	return n;
}

static int write_page_tables(struct guest_memory *mem)
{
	uint64_t pml4[512] = { 0 }, pdpt[512] = { 0 }, pd[512];
	unsigned int i, j;
	int err;

	pml4[0] = X86_BOOT_PDPT | PTE_PRESENT | PTE_WRITE;
	for (i = 0; i < X86_BOOT_PD_COUNT; i++) {
		uint64_t pd_gpa = X86_BOOT_PD + i * PAGE_SIZE;

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
		[X86_BOOT_CS32 / 8] = 0x00cf9b000000ffffULL,	/* 32-bit code */
		[X86_BOOT_CS / 8] = 0x00af9b000000ffffULL,	/* 64-bit code */
		[X86_BOOT_DS / 8] = 0x00cf93000000ffffULL,	/* flat data */
	};

	return guest_memory_write(mem, X86_BOOT_GDT, gdt, sizeof(gdt));
}

/*
 * The initrd goes as high as it can below limit and the end of the first
 * RAM region, page-aligned, above the kernel.
 */
static int place_initrd(struct guest_memory *mem, const struct arch_kernel *k,
			uint64_t kernel_end, uint64_t limit, uint64_t *gpa,
			const char **why)
{
	const struct guest_region *low = guest_memory_region(mem, 0);
	uint64_t top = low->gpa + low->size;

	*gpa = 0;
	if (!k->initrd_size)
		return 0;
	if (limit && top > limit + 1)
		top = limit + 1;
	if (k->initrd_size > top) {
		*why = "initrd does not fit in guest RAM";
		return -E2BIG;
	}
	*gpa = (top - k->initrd_size) & ~(PAGE_SIZE - 1);
	if (*gpa < kernel_end) {
		*why = "initrd does not fit in guest RAM above the kernel";
		return -E2BIG;
	}
	return guest_memory_write(mem, *gpa, k->initrd, k->initrd_size);
}

static int write_cmdline(struct guest_memory *mem, const char *cmdline,
			 uint64_t max, const char **why)
{
	size_t len = strlen(cmdline);

	if (len + 1 > max || len + 1 > X86_CMDLINE_MAX) {
		*why = "command line is longer than the kernel accepts";
		return -E2BIG;
	}
	return guest_memory_write(mem, X86_CMDLINE, cmdline, len + 1);
}

/* GDT, page tables, MP table and ACPI: what every entry mode shares. */
static int common_setup(struct guest_memory *mem, const struct arch_kernel *k,
			uint64_t *rsdp)
{
	struct x86_mmio_device devices[X86_ACPI_MAX_MMIO_DEVICES];
	unsigned int i;
	int err;

	if (k->nr_virtio > X86_ACPI_MAX_MMIO_DEVICES)
		return -E2BIG;
	for (i = 0; i < k->nr_virtio; i++)
		devices[i] = (struct x86_mmio_device){
			.base = k->virtio[i].base, .len = 0x1000, .gsi = k->virtio[i].irq,
		};
	*rsdp = 0;
	err = write_gdt(mem);
	if (!err)
		err = write_page_tables(mem);
	if (!err)
		err = x86_write_mptable(mem, k->nr_cpus);
	if (!err)
		err = x86_write_acpi(mem, k->nr_cpus, devices, k->nr_virtio, rsdp);
	return err;
}

static int load_bzimage(struct guest_memory *mem, const struct arch_kernel *k,
			struct arch_boot *boot, const char **why)
{
	struct bzimage bz;
	uint64_t initrd, rsdp;
	int err;

	err = x86_bzimage_load(mem, k->image, k->image_size, &bz, why);
	if (!err)
		err = write_cmdline(mem, k->cmdline, bz.cmdline_size ? (uint64_t)bz.cmdline_size + 1 : 256, why);
	if (!err)
		err = place_initrd(mem, k, bz.kernel_end, bz.initrd_addr_max, &initrd, why);
	if (err)
		return err;
	err = common_setup(mem, k, &rsdp);
	if (!err)
		err = x86_write_zero_page(mem, &bz, X86_CMDLINE, initrd, k->initrd_size, rsdp);
	boot->mode = X86_ENTRY_64;
	boot->entry = bz.load_addr + 0x200;
	boot->arg = X86_ZERO_PAGE;
	return err;
}

static int load_elf(struct guest_memory *mem, const struct arch_kernel *k,
		    struct arch_boot *boot, const char **why)
{
	uint64_t entry, end, pvh_entry, initrd, rsdp;
	int err, pvh;

	err = x86_elf_load(mem, k->image, k->image_size, X86_HIGH_MEMORY, &entry,
			   &end, why);
	if (err)
		return err;
	pvh = x86_pvh_entry(k->image, k->image_size, &pvh_entry, why);
	if (pvh == -ENOEXEC)
		return pvh;
	if (pvh == 0 && !guest_memory_ptr(mem, pvh_entry, 1)) {
		*why = "PVH entry point is outside guest RAM";
		return -ENOEXEC;
	}
	err = write_cmdline(mem, k->cmdline, ELF_CMDLINE_MAX, why);
	if (!err)
		err = place_initrd(mem, k, end, UINT32_MAX, &initrd, why);
	if (err)
		return err;
	err = common_setup(mem, k, &rsdp);
	if (err)
		return err;
	if (pvh == 0) {
		boot->mode = X86_ENTRY_PVH;
		boot->entry = pvh_entry;
		boot->arg = X86_PVH_INFO;
		return x86_pvh_write_start_info(mem, X86_CMDLINE, initrd, k->initrd_size, rsdp);
	}
	boot->mode = X86_ENTRY_64;
	boot->entry = entry;
	boot->arg = X86_ZERO_PAGE;
	return x86_write_zero_page(mem, NULL, X86_CMDLINE, initrd, k->initrd_size, rsdp);
}

#define NO_RAW "x86_64 has no raw kernel format: it boots a bzImage, an ELF kernel or a multiboot image (use --kernel-format=auto)"

int arch_kernel_format_check(enum arch_kernel_format format, const char **why)
{
	if (format == ARCH_KERNEL_AUTO)
		return 0;
	*why = NO_RAW;
	return -EINVAL;
}

static int load_multiboot(struct guest_memory *mem, const struct arch_kernel *k,
			  const struct x86_multiboot *mb, struct arch_boot *boot,
			  const char **why)
{
	uint64_t entry, end, initrd, rsdp;
	int err;

	err = x86_multiboot_load(mem, k->image, k->image_size, mb, &entry, &end, why);
	if (!err)
		err = x86_multiboot_write_cmdline(mem, k->name, k->cmdline, why);
	if (!err)
		err = place_initrd(mem, k, end, UINT32_MAX, &initrd, why);
	if (err)
		return err;
	err = common_setup(mem, k, &rsdp);
	if (err)
		return err;
	boot->mode = X86_ENTRY_MULTIBOOT;
	boot->entry = entry;
	boot->arg = X86_MB_INFO;
	return x86_multiboot_write_info(mem, X86_CMDLINE, initrd, k->initrd_size);
}

/* An ELF file: PVH note, then multiboot header, then plain ELF64. */
static int load_any_elf(struct guest_memory *mem, const struct arch_kernel *k,
			struct arch_boot *boot, const char **why)
{
	struct x86_multiboot mb;
	const char *elf_why = NULL, *mb_why = NULL;
	uint64_t pvh_entry;
	int mbf;

	if (!x86_elf_check(k->image, k->image_size, &elf_why)) {
		int pvh = x86_pvh_entry(k->image, k->image_size, &pvh_entry, why);

		if (pvh != -ENOENT)
			return load_elf(mem, k, boot, why);
	}
	mbf = x86_multiboot_find(k->image, k->image_size, &mb, &mb_why);
	if (mbf == 0)
		return load_multiboot(mem, k, &mb, boot, why);
	if (mbf == -ENOEXEC || (elf_why && mb_why)) {
		*why = mb_why;
		return -ENOEXEC;
	}
	if (elf_why && k->image_size > EI_CLASS &&
	    ((const uint8_t *)k->image)[EI_CLASS] == ELFCLASS32) {
		*why = "not a 64-bit ELF file, and a 32-bit one without a multiboot header in its first 8 KiB";
		return -ENOEXEC;
	}
	return load_elf(mem, k, boot, why);
}

int arch_load_kernel(struct guest_memory *mem, const struct arch_kernel *k,
		     struct arch_boot *boot, const char **why)
{
	struct x86_multiboot mb;
	int err;

	if (k->format != ARCH_KERNEL_AUTO) {
		*why = NO_RAW;
		return -ENOEXEC;
	}
	if (k->image_size >= SELFMAG && !memcmp(k->image, ELFMAG, SELFMAG))
		err = load_any_elf(mem, k, boot, why);
	else if (k->image_size > 0x206 &&
		 !memcmp((const char *)k->image + 0x202, "HdrS", 4))
		err = load_bzimage(mem, k, boot, why);
	else {
		const char *mb_why = NULL;

		err = x86_multiboot_find(k->image, k->image_size, &mb, &mb_why);
		if (err == -ENOENT && !mb_why)
			mb_why = "not a kernel: neither an ELF file nor a bzImage nor a multiboot image (no ELF magic, no HdrS, no multiboot header in the first 8 KiB)";
		if (err) {
			*why = mb_why;
			return -ENOEXEC;
		}
		err = load_multiboot(mem, k, &mb, boot, why);
	}
	if (err && err != -ENOEXEC && err != -E2BIG) {
		*why = "guest RAM too small for the boot structures";
		return -E2BIG;
	}
	return err;
}
