// SPDX-License-Identifier: GPL-2.0
/*
 * bzImage per the Linux x86 boot protocol (Documentation/arch/x86/boot.rst):
 * check the setup header, place the protected-mode kernel at its preferred
 * address (or 16 MiB, aligned as the kernel asks, when relocatable), and
 * fill the zero page: setup header copy, loader type, command line,
 * initrd and e820 map. The 64-bit entry point is 0x200 past the load
 * address.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"

/* Setup header offsets in the image and in struct boot_params. */
#define HDR_SETUP_SECTS		0x1f1
#define HDR_BOOT_FLAG		0x1fe
#define HDR_JUMP		0x200
#define HDR_MAGIC		0x202
#define HDR_VERSION		0x206
#define HDR_TYPE_OF_LOADER	0x210
#define HDR_LOADFLAGS		0x211
#define HDR_RAMDISK_IMAGE	0x218
#define HDR_RAMDISK_SIZE	0x21c
#define HDR_HEAP_END_PTR	0x224
#define HDR_CMD_LINE_PTR	0x228
#define HDR_INITRD_ADDR_MAX	0x22c
#define HDR_KERNEL_ALIGNMENT	0x230
#define HDR_RELOCATABLE		0x234
#define HDR_XLOADFLAGS		0x236
#define HDR_CMDLINE_SIZE	0x238
#define HDR_PREF_ADDRESS	0x258
#define HDR_INIT_SIZE		0x260
#define HDR_END_MIN		0x264	/* through init_size */
#define ZP_ACPI_RSDP_ADDR	0x070
#define ZP_EXT_RAMDISK_IMAGE	0x0c0
#define ZP_EXT_RAMDISK_SIZE	0x0c4
#define ZP_EXT_CMD_LINE_PTR	0x0c8
#define ZP_E820_ENTRIES		0x1e8
#define ZP_E820_TABLE		0x2d0
#define ZP_E820_MAX		128
#define ZP_SIZE			4096

#define BOOT_FLAG		0xaa55
#define HDR_MAGIC_HDRS		0x53726448	/* "HdrS" */
#define MIN_VERSION		0x020c		/* 2.12: xloadflags */
#define LOADED_HIGH		0x01
#define CAN_USE_HEAP		0x80
#define XLF_KERNEL_64		0x01
#define LOADER_UNDEFINED	0xff
#define DEFAULT_LOAD		0x1000000ULL	/* 16 MiB */

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

static uint16_t get16(const uint8_t *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static int bad(const char **why, int err, const char *what)
{
	*why = what;
	return err;
}

static int check_header(const uint8_t *im, size_t size, const char **why)
{
	uint16_t version;

	if (size < HDR_END_MIN)
		return bad(why, -ENOEXEC, "bzImage is truncated (incomplete setup header)");
	if (get16(im, HDR_BOOT_FLAG) != BOOT_FLAG || get32(im, HDR_MAGIC) != HDR_MAGIC_HDRS)
		return bad(why, -ENOEXEC, "not a bzImage (no boot flag or HdrS magic)");
	version = get16(im, HDR_VERSION);
	if (version < MIN_VERSION)
		return bad(why, -ENOEXEC, "bzImage boot protocol is older than 2.12");
	if (!(im[HDR_LOADFLAGS] & LOADED_HIGH))
		return bad(why, -ENOEXEC, "not a bzImage (zImage loads low)");
	if (!(get16(im, HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return bad(why, -ENOEXEC, "bzImage has no 64-bit entry point");
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a ? (v + a - 1) / a * a : v;
}

int x86_bzimage_load(struct guest_memory *mem, const void *image, size_t size,
		     struct bzimage *bz, const char **why)
{
	const uint8_t *im = image;
	unsigned int setup_sects;
	uint64_t pm_off, pm_size, align, init_size;
	void *dst;
	int err;

	err = check_header(im, size, why);
	if (err)
		return err;
	setup_sects = im[HDR_SETUP_SECTS] ? im[HDR_SETUP_SECTS] : 4;
	pm_off = (uint64_t)(setup_sects + 1) * 512;
	if (pm_off >= size)
		return bad(why, -ENOEXEC, "bzImage is truncated (no protected-mode kernel)");
	pm_size = size - pm_off;
	init_size = get32(im, HDR_INIT_SIZE);
	if (init_size < pm_size)
		init_size = pm_size;

	align = get32(im, HDR_KERNEL_ALIGNMENT);
	if (align & (align - 1))
		return bad(why, -ENOEXEC, "bzImage kernel_alignment is not a power of two");
	bz->load_addr = get64(im, HDR_PREF_ADDRESS);
	if (im[HDR_RELOCATABLE] && bz->load_addr < DEFAULT_LOAD)
		bz->load_addr = align_up(DEFAULT_LOAD, align);
	if (bz->load_addr < X86_HIGH_MEMORY)
		return bad(why, -ENOEXEC, "bzImage wants to load below 1 MiB");
	dst = guest_memory_ptr(mem, bz->load_addr, init_size);
	if (!dst)
		return bad(why, -E2BIG, "bzImage does not fit in guest RAM (init_size)");
	memcpy(dst, im + pm_off, pm_size);
	memset((uint8_t *)dst + pm_size, 0, init_size - pm_size);

	bz->image = im;
	bz->size = size;
	bz->version = get16(im, HDR_VERSION);
	bz->kernel_end = bz->load_addr + init_size;
	bz->initrd_addr_max = get32(im, HDR_INITRD_ADDR_MAX);
	bz->cmdline_size = get32(im, HDR_CMDLINE_SIZE);
	return 0;
}

int x86_write_zero_page(struct guest_memory *mem, const struct bzimage *bz,
			uint64_t cmdline_gpa, uint64_t initrd_gpa,
			uint64_t initrd_size, uint64_t rsdp_gpa)
{
	struct x86_memmap_entry map[ZP_E820_MAX];
	struct e820_entry e820[ZP_E820_MAX];
	uint8_t zp[ZP_SIZE] = { 0 };
	unsigned int i, n = x86_memory_map(mem, map, ZP_E820_MAX);

	if (bz) {
		/* The setup header runs from 0x1f1 to 0x202 + the jump's offset. */
		size_t end = HDR_MAGIC + bz->image[HDR_JUMP + 1];

		if (end > bz->size || end > ZP_E820_TABLE)
			end = HDR_END_MIN;
		memcpy(zp + HDR_SETUP_SECTS, bz->image + HDR_SETUP_SECTS,
		       end - HDR_SETUP_SECTS);
		zp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
		zp[HDR_LOADFLAGS] |= CAN_USE_HEAP;
		zp[HDR_HEAP_END_PTR] = 0x00;
		zp[HDR_HEAP_END_PTR + 1] = 0xfe;
	}
	memcpy(zp + ZP_ACPI_RSDP_ADDR, &rsdp_gpa, sizeof(rsdp_gpa));
	put32(zp, HDR_CMD_LINE_PTR, (uint32_t)cmdline_gpa);
	put32(zp, ZP_EXT_CMD_LINE_PTR, (uint32_t)(cmdline_gpa >> 32));
	put32(zp, HDR_RAMDISK_IMAGE, (uint32_t)initrd_gpa);
	put32(zp, ZP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_gpa >> 32));
	put32(zp, HDR_RAMDISK_SIZE, (uint32_t)initrd_size);
	put32(zp, ZP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));

	for (i = 0; i < n; i++)
		e820[i] = (struct e820_entry){ map[i].addr, map[i].size, map[i].type };
	zp[ZP_E820_ENTRIES] = (uint8_t)n;
	memcpy(zp + ZP_E820_TABLE, e820, n * sizeof(e820[0]));
	return guest_memory_write(mem, X86_ZERO_PAGE, zp, sizeof(zp));
}
