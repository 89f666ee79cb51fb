// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 boot preparation without /dev/kvm: the RAM layout around the
 * 32-bit hole, the ELF loader on good and malformed images, what the
 * guest finds at entry (GDT, identity page tables, zero page with e820),
 * bzImages, and multiboot images (ELF32, address fields, ELF64): which
 * format wins, every refusal, and the information structure read back.
 * x86_64 has no raw kernel format: --kernel-format=raw is refused, and a
 * good ELF given as raw is not loaded.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/x86_64/boot.h"
#include "arch/x86_64/elf.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/multiboot.h"

#include "tests/helpers.h"

#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

START_TEST(layout_below_and_above_the_hole)
{
	struct guest_range r[GUEST_MEMORY_MAX_REGIONS];

	ck_assert_int_eq(arch_ram_layout(64 * MiB, r, 8), 1);
	ck_assert_uint_eq(r[0].gpa, 0);
	ck_assert_uint_eq(r[0].size, 64 * MiB);

	ck_assert_int_eq(arch_ram_layout(3 * GiB, r, 8), 1);
	ck_assert_uint_eq(r[0].size, 3 * GiB);

	ck_assert_int_eq(arch_ram_layout(3 * GiB + 2 * MiB, r, 8), 2);
	ck_assert_uint_eq(r[0].gpa, 0);
	ck_assert_uint_eq(r[0].size, 3 * GiB);
	ck_assert_uint_eq(r[1].gpa, 4 * GiB);
	ck_assert_uint_eq(r[1].size, 2 * MiB);

	ck_assert_int_eq(arch_ram_layout(1 * MiB, r, 8), -ERANGE);
	ck_assert_int_eq(arch_ram_layout(2 * X86_MAX_RAM, r, 8), -E2BIG);
	ck_assert_int_eq(arch_ram_layout(UINT64_MAX, r, 8), -E2BIG);
}
END_TEST

static struct guest_memory *mem;

static void make_memory(uint64_t size)
{
	struct guest_memory_config cfg = { .size = size, .backend = GUEST_MEMORY_PRIVATE };
	struct guest_range r[GUEST_MEMORY_MAX_REGIONS];
	int nr = arch_ram_layout(size, r, GUEST_MEMORY_MAX_REGIONS);

	ck_assert_int_gt(nr, 0);
	ck_assert_int_eq(guest_memory_create(&cfg, r, (unsigned int)nr, &mem), 0);
}

static void teardown(void)
{
	guest_memory_destroy(mem);
	mem = NULL;
}

/* A minimal ELF64 executable: one segment of code + bss. */
struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t code[64];
};

static void build_image(struct image *im, uint64_t vaddr, uint64_t paddr)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_entry = vaddr + 8;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 2;
	im->ph[0] = (Elf64_Phdr){
		.p_type = PT_LOAD, .p_offset = offsetof(struct image, code),
		.p_vaddr = vaddr, .p_paddr = paddr,
		.p_filesz = sizeof(im->code), .p_memsz = 8192,
	};
	im->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE };
	memset(im->code, 0xcc, sizeof(im->code));
}

START_TEST(elf_loads_segments_and_translates_entry)
{
	struct image im;
	uint64_t entry = 0, end = 0;
	const char *why = NULL;
	uint8_t *p;

	make_memory(16 * MiB);
	/* Dirty the bss area first: the loader must zero it. */
	memset(guest_memory_ptr(mem, 2 * MiB, 8192), 0x77, 8192);
	build_image(&im, 0xffffffff81000000ULL, 2 * MiB);
	ck_assert_int_eq(x86_elf_load(mem, &im, sizeof(im), MiB, &entry, &end, &why), 0);
	ck_assert_uint_eq(entry, 2 * MiB + 8);
	ck_assert_uint_eq(end, 2 * MiB + 8192);
	p = guest_memory_ptr(mem, 2 * MiB, 8192);
	ck_assert_uint_eq(p[0], 0xcc);
	ck_assert_uint_eq(p[63], 0xcc);
	ck_assert_uint_eq(p[64], 0);
	ck_assert_uint_eq(p[8191], 0);
}
END_TEST

/*
 * Program headers and notes at odd offsets (nothing in ELF makes a loader
 * refuse them): read without misaligned accesses, which UBSan reports in
 * the sanitizer build (found by tests/fuzz/fuzz_x86_kernel).
 */
START_TEST(elf_headers_need_not_be_aligned)
{
	static const uint8_t note[] = {
		4, 0, 0, 0, 4, 0, 0, 0, 18, 0, 0, 0, 'X', 'e', 'n', 0,
		0x00, 0x00, 0x30, 0x00,		/* PVH entry 3 MiB */
	};
	uint8_t buf[sizeof(struct image) + 1 + sizeof(note)];
	uint64_t entry = 0, end = 0, pvh = 0;
	const char *why = NULL;
	struct image im;

	make_memory(16 * MiB);
	build_image(&im, 0xffffffff81000000ULL, 2 * MiB);
	im.eh.e_phoff += 1;
	im.ph[0].p_offset += 1;
	im.ph[1].p_offset = sizeof(struct image) + 1;
	im.ph[1].p_filesz = sizeof(note);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &im.eh, sizeof(im.eh));
	memcpy(buf + offsetof(struct image, ph) + 1, im.ph, sizeof(im.ph) + sizeof(im.code));
	memcpy(buf + sizeof(struct image) + 1, note, sizeof(note));
	ck_assert_int_eq(x86_elf_load(mem, buf, sizeof(buf), MiB, &entry, &end, &why), 0);
	ck_assert_uint_eq(entry, 2 * MiB + 8);
	ck_assert_uint_eq(*(uint8_t *)guest_memory_ptr(mem, 2 * MiB, 1), 0xcc);
	ck_assert_int_eq(x86_pvh_entry(buf, sizeof(buf), &pvh, &why), 0);
	ck_assert_uint_eq(pvh, 3 * MiB);
}
END_TEST

static void expect_refused(struct image *im, size_t len, int want, const char *msg)
{
	uint64_t entry, end;
	const char *why = NULL;

	ck_assert_int_eq(x86_elf_load(mem, im, len, MiB, &entry, &end, &why), want);
	ck_assert_msg(why && strstr(why, msg), "want '%s', got '%s'", msg, why);
}

START_TEST(elf_refuses_malformed_images)
{
	struct image im;

	make_memory(16 * MiB);
	build_image(&im, 2 * MiB, 2 * MiB);
	expect_refused(&im, 10, -ENOEXEC, "no ELF magic");
	expect_refused(&im, offsetof(struct image, ph) + 10, -ENOEXEC, "truncated");
	expect_refused(&im, offsetof(struct image, code) + 10, -ENOEXEC, "truncated");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.eh.e_phoff = UINT64_MAX - 8;
	expect_refused(&im, sizeof(im), -ENOEXEC, "truncated");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.eh.e_phnum = 0xffff;
	expect_refused(&im, sizeof(im), -ENOEXEC, "truncated");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.ph[0].p_offset = UINT64_MAX;
	expect_refused(&im, sizeof(im), -ENOEXEC, "truncated");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.ph[0].p_filesz = im.ph[0].p_memsz + 1;
	expect_refused(&im, sizeof(im), -ENOEXEC, "truncated");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.ph[0].p_memsz = 16;
	expect_refused(&im, sizeof(im), -ENOEXEC, "larger in the file");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.ph[0].p_type = PT_NULL;
	expect_refused(&im, sizeof(im), -ENOEXEC, "no loadable segment");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.eh.e_machine = EM_386;
	expect_refused(&im, sizeof(im), -ENOEXEC, "not for x86_64");

	build_image(&im, 2 * MiB, 2 * MiB);
	im.eh.e_entry = 0;
	expect_refused(&im, sizeof(im), -ENOEXEC, "entry point");

	build_image(&im, 0x1000, 0x1000);
	expect_refused(&im, sizeof(im), -E2BIG, "below 1 MiB");

	build_image(&im, 16 * MiB - 4096, 16 * MiB - 4096);
	expect_refused(&im, sizeof(im), -E2BIG, "does not fit");

	build_image(&im, 2 * MiB, UINT64_MAX - 4096);
	expect_refused(&im, sizeof(im), -E2BIG, "does not fit");

	build_image(&im, 2 * MiB, X86_HOLE_START);
	im.eh.e_entry = X86_HOLE_START;
	expect_refused(&im, sizeof(im), -E2BIG, "does not fit");
}
END_TEST

START_TEST(raw_format_refused)
{
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	struct image im;
	struct arch_kernel k = {
		.format = ARCH_KERNEL_RAW, .image = &im, .image_size = sizeof(im),
		.cmdline = "", .nr_cpus = 1,
	};

	ck_assert_int_eq(arch_kernel_format_check(ARCH_KERNEL_AUTO, &why), 0);
	ck_assert_int_eq(arch_kernel_format_check(ARCH_KERNEL_RAW, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "x86_64 has no raw kernel format"));
	make_memory(64 * MiB);
	build_image(&im, MiB, MiB);
	why = NULL;
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "no raw kernel format"));
	k.format = ARCH_KERNEL_AUTO;
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
}
END_TEST

struct e820 {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

START_TEST(entry_state_for_a_guest_above_4g)
{
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	struct image im;
	uint64_t *pml4, *pdpt, *pd, *gdt;
	const uint8_t *zp;
	const struct e820 *e;

	struct arch_kernel k = { .image = &im, .image_size = sizeof(im), .cmdline = "", .nr_cpus = 1 };

	make_memory(3 * GiB + 64 * MiB);
	build_image(&im, MiB, MiB);
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_int_eq(boot.mode, X86_ENTRY_64);
	ck_assert_uint_eq(boot.entry, MiB + 8);
	ck_assert_uint_eq(boot.arg, X86_ZERO_PAGE);

	gdt = guest_memory_ptr(mem, X86_BOOT_GDT, 32);
	ck_assert_uint_eq(gdt[X86_BOOT_CS / 8], 0x00af9b000000ffffULL);
	ck_assert_uint_eq(gdt[X86_BOOT_DS / 8], 0x00cf93000000ffffULL);

	pml4 = guest_memory_ptr(mem, X86_BOOT_PML4, 4096);
	pdpt = guest_memory_ptr(mem, X86_BOOT_PDPT, 4096);
	ck_assert_uint_eq(pml4[0] & ~0xfffULL, X86_BOOT_PDPT);
	ck_assert_uint_eq(pdpt[3] & ~0xfffULL, X86_BOOT_PD + 3 * 4096);
	pd = guest_memory_ptr(mem, pdpt[3] & ~0xfffULL, 4096);
	/* 2 MiB page 511 of the 4th GiB maps 0xffe00000, present and large */
	ck_assert_uint_eq(pd[511], 0xffe00000ULL | 0x83);

	zp = guest_memory_ptr(mem, X86_ZERO_PAGE, 4096);
	ck_assert_uint_eq(zp[0x1e8], 4);
	e = (const struct e820 *)(zp + 0x2d0);
	ck_assert_uint_eq(e[0].addr, 0);
	ck_assert_uint_eq(e[0].size, X86_EBDA_START);
	ck_assert_uint_eq(e[0].type, 1);
	ck_assert_uint_eq(e[1].type, 2);
	ck_assert_uint_eq(e[1].addr + e[1].size, MiB);
	ck_assert_uint_eq(e[2].addr, MiB);
	ck_assert_uint_eq(e[2].size, 3 * GiB - MiB);
	ck_assert_uint_eq(e[3].addr, 4 * GiB);
	ck_assert_uint_eq(e[3].size, 64 * MiB);
	ck_assert_uint_eq(e[3].type, 1);
}
END_TEST

/* A minimal bzImage: setup header, 4 setup sectors, a protected-mode part. */
#define BZ_SETUP_SECTS	4
#define BZ_PM_SIZE	8192
#define BZ_SIZE		((BZ_SETUP_SECTS + 1) * 512 + BZ_PM_SIZE)

static void put(uint8_t *im, size_t off, uint64_t v, unsigned int bytes)
{
	memcpy(im + off, &v, bytes);
}

static void build_bzimage(uint8_t *im)
{
	memset(im, 0, BZ_SIZE);
	im[0x1f1] = BZ_SETUP_SECTS;
	put(im, 0x1fe, 0xaa55, 2);
	im[0x200] = 0xeb;
	im[0x201] = 0x6a;			/* header runs to 0x26c */
	memcpy(im + 0x202, "HdrS", 4);
	put(im, 0x206, 0x020f, 2);		/* protocol 2.15 */
	im[0x211] = 0x01;			/* LOADED_HIGH */
	put(im, 0x22c, 0x7fffffff, 4);		/* initrd_addr_max */
	put(im, 0x230, 0x200000, 4);		/* kernel_alignment */
	im[0x234] = 1;				/* relocatable */
	put(im, 0x236, 0x1, 2);			/* XLF_KERNEL_64 */
	put(im, 0x238, 2047, 4);		/* cmdline_size */
	put(im, 0x258, 0x1000000, 8);		/* pref_address */
	put(im, 0x260, 0x20000, 4);		/* init_size */
	memset(im + (BZ_SETUP_SECTS + 1) * 512, 0x90, BZ_PM_SIZE);
}

static uint8_t bz[BZ_SIZE];

START_TEST(bzimage_loads_and_fills_the_zero_page)
{
	static const char initrd[] = "initrd contents";
	struct arch_kernel k = {
		.image = bz, .image_size = sizeof(bz), .cmdline = "console=ttyS0 quiet",
		.initrd = initrd, .initrd_size = sizeof(initrd), .nr_cpus = 2,
	};
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	const uint8_t *zp;
	uint32_t ramdisk, ramdisk_size, cmd_line;
	uint64_t rsdp;

	make_memory(64 * MiB);
	build_bzimage(bz);
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_uint_eq(boot.entry, 0x1000000 + 0x200);
	ck_assert_uint_eq(boot.arg, X86_ZERO_PAGE);
	ck_assert_uint_eq(*(uint8_t *)guest_memory_ptr(mem, 0x1000000, 1), 0x90);
	zp = guest_memory_ptr(mem, X86_ZERO_PAGE, 4096);
	ck_assert_uint_eq(zp[0x210], 0xff);			/* type_of_loader */
	ck_assert(zp[0x211] & 0x80);				/* CAN_USE_HEAP */
	ck_assert(!memcmp(zp + 0x202, "HdrS", 4));		/* header copied */
	memcpy(&cmd_line, zp + 0x228, 4);
	ck_assert_str_eq(guest_memory_ptr(mem, cmd_line, 20), "console=ttyS0 quiet");
	memcpy(&ramdisk, zp + 0x218, 4);
	memcpy(&ramdisk_size, zp + 0x21c, 4);
	ck_assert_uint_eq(ramdisk_size, sizeof(initrd));
	ck_assert_uint_eq(ramdisk & 0xfff, 0);
	ck_assert_uint_ge(ramdisk, 0x1000000 + 0x20000);	/* above init_size */
	ck_assert_str_eq(guest_memory_ptr(mem, ramdisk, sizeof(initrd)), initrd);
	memcpy(&rsdp, zp + 0x70, 8);
	ck_assert_uint_eq(rsdp, 0xe0000);			/* acpi_rsdp_addr */
}
END_TEST

static void expect_bz_refused(size_t size, int want, const char *msg)
{
	struct arch_kernel k = { .image = bz, .image_size = size, .cmdline = "", .nr_cpus = 1 };
	struct arch_boot boot;
	const char *why = NULL;

	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), want);
	ck_assert_msg(why && strstr(why, msg), "want '%s', got '%s'", msg, why);
	build_bzimage(bz);
}

START_TEST(bzimage_refuses_bad_images)
{
	static char big_initrd[64];
	struct arch_kernel k = {
		.image = bz, .image_size = sizeof(bz), .cmdline = "",
		.initrd = big_initrd, .initrd_size = 80 * MiB, .nr_cpus = 1,
	};
	char cmdline[4096];
	struct arch_boot boot;
	const char *why = NULL;

	make_memory(32 * MiB);
	build_bzimage(bz);
	expect_bz_refused(0x150, -ENOEXEC, "neither an ELF file nor a bzImage");
	expect_bz_refused(0x250, -ENOEXEC, "truncated");
	put(bz, 0x1fe, 0x1234, 2);
	expect_bz_refused(sizeof(bz), -ENOEXEC, "boot flag");
	put(bz, 0x206, 0x020b, 2);
	expect_bz_refused(sizeof(bz), -ENOEXEC, "older than 2.12");
	put(bz, 0x236, 0, 2);
	expect_bz_refused(sizeof(bz), -ENOEXEC, "no 64-bit entry point");
	bz[0x211] = 0;
	expect_bz_refused(sizeof(bz), -ENOEXEC, "zImage");
	expect_bz_refused((BZ_SETUP_SECTS + 1) * 512, -ENOEXEC, "truncated");
	put(bz, 0x230, 0x300000, 4);
	expect_bz_refused(sizeof(bz), -ENOEXEC, "power of two");
	put(bz, 0x260, 64 * MiB, 4);
	expect_bz_refused(sizeof(bz), -E2BIG, "does not fit");

	/* an initrd larger than RAM, a command line longer than cmdline_size */
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), -E2BIG);
	ck_assert_msg(strstr(why, "initrd"), "%s", why);
	memset(cmdline, 'x', sizeof(cmdline) - 1);
	cmdline[sizeof(cmdline) - 1] = '\0';
	k.initrd_size = 0;
	k.cmdline = cmdline;
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), -E2BIG);
	ck_assert_msg(strstr(why, "command line"), "%s", why);
}
END_TEST

/* A multiboot ELF32 image: header right after the program header. */
struct mb_elf32 {
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	uint32_t hdr[8];
	uint8_t code[64];
};

static void mb_header(uint32_t *hdr, uint32_t flags)
{
	hdr[0] = MULTIBOOT_HEADER_MAGIC;
	hdr[1] = flags;
	hdr[2] = -(MULTIBOOT_HEADER_MAGIC + flags);
}

static void build_mb_elf32(struct mb_elf32 *im, uint32_t paddr, uint32_t flags)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS32;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_386;
	im->eh.e_entry = paddr + 4;
	im->eh.e_phoff = offsetof(struct mb_elf32, ph);
	im->eh.e_phentsize = sizeof(Elf32_Phdr);
	im->eh.e_phnum = 1;
	im->ph = (Elf32_Phdr){
		.p_type = PT_LOAD, .p_offset = offsetof(struct mb_elf32, code),
		.p_vaddr = paddr, .p_paddr = paddr,
		.p_filesz = sizeof(im->code), .p_memsz = 8192,
	};
	mb_header(im->hdr, flags);
	memset(im->code, 0xf4, sizeof(im->code));
}

static void *gp(uint64_t gpa, uint64_t len)
{
	void *p = guest_memory_ptr(mem, gpa, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(multiboot_elf32_loads_and_fills_the_info)
{
	static const char initrd[] = "NR_CPUS=1\nMEMSIZE=64\n";
	struct mb_elf32 im;
	struct arch_kernel k = {
		.image = &im, .image_size = sizeof(im), .cmdline = "mbtest arg=1",
		.name = "guests/mb.elf", .initrd = initrd, .initrd_size = sizeof(initrd) - 1, .nr_cpus = 1,
	};
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	const struct multiboot_info *mbi;
	const struct multiboot_module *mod;
	const uint8_t *map;
	uint32_t off, ram_at_1m = 0, entries = 0;
	const uint8_t *code;

	make_memory(64 * MiB);
	memset(gp(2 * MiB, 8192), 0x55, 8192);	/* the loader zeroes bss */
	build_mb_elf32(&im, 2 * MiB, MB_HDR_PAGE_ALIGN | MB_HDR_MEMORY_INFO);
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_int_eq(boot.mode, X86_ENTRY_MULTIBOOT);
	ck_assert_uint_eq(boot.entry, 2 * MiB + 4);
	ck_assert_uint_eq(boot.arg, X86_MB_INFO);
	code = gp(2 * MiB, 8192);
	ck_assert_uint_eq(code[0], 0xf4);
	ck_assert_uint_eq(code[63], 0xf4);
	ck_assert_uint_eq(code[64], 0);
	ck_assert_uint_eq(code[8191], 0);

	mbi = gp(X86_MB_INFO, sizeof(*mbi));
	ck_assert_uint_eq(mbi->flags, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
			  MB_INFO_MMAP | MB_INFO_LOADER_NAME);
	ck_assert_uint_eq(mbi->mem_lower, 639);
	ck_assert_uint_eq(mbi->mem_upper, (64 * MiB - MiB) / 1024);
	/* the kernel's name first, as GRUB and QEMU give it: argv[0] */
	ck_assert_str_eq(gp(mbi->cmdline, 27), "guests/mb.elf mbtest arg=1");
	ck_assert_str_eq(gp(mbi->boot_loader_name, 4), "vmm");
	ck_assert_uint_eq(mbi->mods_count, 1);
	mod = gp(mbi->mods_addr, sizeof(*mod));
	ck_assert_uint_eq(mod->mod_start & 0xfff, 0);
	ck_assert_uint_ge(mod->mod_start, 2 * MiB + 8192);
	ck_assert_uint_eq(mod->mod_end - mod->mod_start, sizeof(initrd) - 1);
	ck_assert(!memcmp(gp(mod->mod_start, sizeof(initrd) - 1), initrd, sizeof(initrd) - 1));
	ck_assert_str_eq(gp(mod->string, 7), "initrd");

	/* The map, walked as a guest does: each entry's size plus 4. */
	ck_assert_uint_lt(mbi->mmap_addr, X86_HIGH_MEMORY);
	map = gp(mbi->mmap_addr, mbi->mmap_length);
	for (off = 0; off < mbi->mmap_length; entries++) {
		struct multiboot_mmap_entry e;

		memcpy(&e, map + off, sizeof(e));
		ck_assert_uint_eq(e.size, 20);
		if (e.addr == MiB && e.type == 1)
			ram_at_1m = (uint32_t)e.len;
		off += e.size + 4;
	}
	ck_assert_uint_eq(entries, 3);
	ck_assert_uint_eq(ram_at_1m, 63 * MiB);
	/* The boot structures stay: ACPI's RSDP for kvm-unit-tests to find. */
	ck_assert(!memcmp(gp(0xe0000, 8), "RSD PTR ", 8));
}
END_TEST

/* A raw image (no ELF) that places itself with the header's address fields. */
#define RAW_SIZE	4096
#define RAW_HDR		0x40
#define RAW_LOAD	(3 * MiB)

static uint8_t raw[16384];

static void build_raw(uint32_t flags)
{
	uint32_t hdr[8];

	memset(raw, 0, sizeof(raw));
	memset(raw + 0x100, 0x90, RAW_SIZE - 0x100);
	mb_header(hdr, flags | MB_HDR_ADDRESSES);
	hdr[3] = RAW_LOAD + RAW_HDR;		/* header_addr */
	hdr[4] = RAW_LOAD;			/* load_addr */
	hdr[5] = 0;				/* load_end_addr: the whole file */
	hdr[6] = RAW_LOAD + 3 * 4096;		/* bss_end_addr */
	hdr[7] = RAW_LOAD + 0x100;		/* entry_addr */
	memcpy(raw + RAW_HDR, hdr, sizeof(hdr));
}

static void raw_field(unsigned int i, uint32_t v)
{
	memcpy(raw + RAW_HDR + 4 * i, &v, 4);
}

START_TEST(multiboot_address_fields)
{
	struct arch_kernel k = { .image = raw, .image_size = RAW_SIZE, .cmdline = "", .nr_cpus = 1 };
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	const struct multiboot_info *mbi;
	const uint8_t *p;

	make_memory(16 * MiB);
	memset(gp(RAW_LOAD, 3 * 4096), 0x55, 3 * 4096);
	build_raw(0);
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_int_eq(boot.mode, X86_ENTRY_MULTIBOOT);
	ck_assert_uint_eq(boot.entry, RAW_LOAD + 0x100);
	p = gp(RAW_LOAD, 3 * 4096);
	ck_assert(!memcmp(p, raw, RAW_SIZE));
	ck_assert_uint_eq(p[RAW_SIZE], 0);
	ck_assert_uint_eq(p[3 * 4096 - 1], 0);
	mbi = gp(X86_MB_INFO, sizeof(*mbi));
	ck_assert_uint_eq(mbi->flags & MB_INFO_MODS, 0);	/* no initrd */
	ck_assert_uint_eq(mbi->mem_upper, 15 * 1024);
	ck_assert_str_eq(gp(mbi->cmdline, 1), "");

	/* load_end_addr inside the file: only that much is copied. */
	build_raw(0);
	raw_field(5, RAW_LOAD + 0x200);
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_uint_eq(p[0x1ff], 0x90);
	ck_assert_uint_eq(p[0x200], 0);
}
END_TEST

/* An ELF64 with a multiboot header and no PVH note boots as multiboot. */
START_TEST(multiboot_elf64_and_plain_elf64)
{
	uint8_t buf[sizeof(struct image) + 12];
	struct arch_kernel k = { .image = buf, .image_size = sizeof(buf), .cmdline = "", .nr_cpus = 1 };
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	uint32_t hdr[3];
	struct image im;

	make_memory(16 * MiB);
	build_image(&im, 2 * MiB, 2 * MiB);
	memcpy(buf, &im, sizeof(im));
	mb_header(hdr, 0);
	memcpy(buf + sizeof(im), hdr, sizeof(hdr));
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_int_eq(boot.mode, X86_ENTRY_MULTIBOOT);
	ck_assert_uint_eq(boot.entry, 2 * MiB + 8);

	/* a bad checksum: not a header, so a plain ELF64 as before */
	hdr[2]++;
	memcpy(buf + sizeof(im), hdr, sizeof(hdr));
	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), 0);
	ck_assert_int_eq(boot.mode, X86_ENTRY_64);
}
END_TEST

static void expect_mb_refused(const void *image, size_t size, int want, const char *msg)
{
	struct arch_kernel k = { .image = image, .image_size = size, .cmdline = "", .nr_cpus = 1 };
	struct arch_boot boot;
	const char *why = NULL;

	ck_assert_int_eq(arch_load_kernel(mem, &k, &boot, &why), want);
	ck_assert_msg(why && strstr(why, msg), "want '%s', got '%s'", msg, why);
}

START_TEST(multiboot_refusals)
{
	struct mb_elf32 im;

	make_memory(16 * MiB);
	build_mb_elf32(&im, 2 * MiB, 0);
	im.hdr[2]++;
	expect_mb_refused(&im, sizeof(im), -ENOEXEC, "bad checksum");
	build_mb_elf32(&im, 2 * MiB, 1U << 3);
	expect_mb_refused(&im, sizeof(im), -ENOEXEC, "bits 3-15");
	build_mb_elf32(&im, 2 * MiB, MB_HDR_VIDEO_MODE);
	expect_mb_refused(&im, sizeof(im), -ENOEXEC, "video mode");
	build_mb_elf32(&im, 100 * MiB, 0);
	expect_mb_refused(&im, sizeof(im), -E2BIG, "does not fit in guest RAM");
	build_mb_elf32(&im, 0x8000, 0);
	expect_mb_refused(&im, sizeof(im), -E2BIG, "boot structures below 1 MiB");
	build_mb_elf32(&im, 2 * MiB, 0);
	im.eh.e_entry = 5 * MiB;
	expect_mb_refused(&im, sizeof(im), -ENOEXEC, "entry point");
	build_mb_elf32(&im, 2 * MiB, 0);
	expect_mb_refused(&im, offsetof(struct mb_elf32, code) + 8, -ENOEXEC, "truncated");
	expect_mb_refused(&im, offsetof(struct mb_elf32, hdr) + 8, -ENOEXEC, "truncated");
	build_mb_elf32(&im, 2 * MiB, 0);
	memset(im.hdr, 0, sizeof(im.hdr));
	expect_mb_refused(&im, sizeof(im), -ENOEXEC, "without a multiboot header");

	build_raw(0);
	raw[RAW_HDR + 8]++;
	expect_mb_refused(raw, RAW_SIZE, -ENOEXEC, "bad checksum");
	build_raw(0);
	expect_mb_refused(raw, RAW_HDR + 20, -ENOEXEC, "truncated");
	build_raw(0);
	raw_field(5, RAW_LOAD + RAW_SIZE + 1);
	expect_mb_refused(raw, RAW_SIZE, -ENOEXEC, "truncated");
	build_raw(0);
	raw_field(3, RAW_LOAD + 0x400);		/* header_addr too far in */
	expect_mb_refused(raw, RAW_SIZE, -ENOEXEC, "before the start of the file");
	build_raw(0);
	raw_field(3, 0x1000 + RAW_HDR);
	raw_field(4, 0x1000);
	raw_field(6, 0);
	raw_field(7, 0x1100);
	expect_mb_refused(raw, RAW_SIZE, -E2BIG, "boot structures below 1 MiB");
	build_raw(0);
	raw_field(6, 64 * MiB);
	expect_mb_refused(raw, RAW_SIZE, -E2BIG, "does not fit in guest RAM");
	build_raw(0);
	raw_field(7, RAW_LOAD + 3 * 4096);
	expect_mb_refused(raw, RAW_SIZE, -ENOEXEC, "entry_addr is outside");

	/* a good header, but at 8 KiB: beyond where the specification looks */
	build_raw(0);
	memmove(raw + 8192, raw + RAW_HDR, 32);
	memset(raw + RAW_HDR, 0, 32);
	expect_mb_refused(raw, 8192 + RAW_SIZE, -ENOEXEC, "beyond the first 8 KiB");
	/* and nothing at all */
	memset(raw + 8192, 0, 32);
	expect_mb_refused(raw, 8192 + RAW_SIZE, -ENOEXEC, "no multiboot header in the first 8 KiB");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("boot");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, layout_below_and_above_the_hole);
	tcase_add_test(tc, elf_loads_segments_and_translates_entry);
	tcase_add_test(tc, elf_refuses_malformed_images);
	tcase_add_test(tc, elf_headers_need_not_be_aligned);
	tcase_add_test(tc, entry_state_for_a_guest_above_4g);
	tcase_add_test(tc, raw_format_refused);
	tcase_add_test(tc, bzimage_loads_and_fills_the_zero_page);
	tcase_add_test(tc, bzimage_refuses_bad_images);
	tcase_add_test(tc, multiboot_elf32_loads_and_fills_the_info);
	tcase_add_test(tc, multiboot_address_fields);
	tcase_add_test(tc, multiboot_elf64_and_plain_elf64);
	tcase_add_test(tc, multiboot_refusals);
	return run_tcase("x86_boot", tc);
}
