// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 kernel loading, as the kernel's Documentation/arch/arm64/
 * booting.rst describes it: an uncompressed Image with its 64-byte
 * header, placed text_offset bytes above the 2 MiB-aligned RAM base; the
 * device tree (fdt.h) in the last 2 MiB of RAM; the initrd right below
 * the device tree (and inside the first 32 GiB of RAM, the window that
 * must cover both kernel and initrd). The boot CPU enters the Image at
 * its first byte with the device tree's address in x0 (cpu.c).
 *
 * ARCH_KERNEL_RAW: a binary with no header (a kvm-unit-tests .flat) is
 * copied to the RAM base itself and entered at its first byte, as an
 * Image is; it claims its file size, and the initrd and device tree go
 * above it as for an Image. Under ARCH_KERNEL_AUTO such a file is
 * refused, with a hint at --kernel-format=raw.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/arch.h"
#include "arch/arm64/fdt.h"
#include "arch/arm64/its.h"
#include "arch/arm64/layout.h"
#include "arch/arm64/pmu.h"

/* The Image header (all fields little-endian). */
#define IMAGE_HEADER_LEN	64
#define IMAGE_TEXT_OFFSET	0x08
#define IMAGE_SIZE		0x10
#define IMAGE_MAGIC		0x38
#define IMAGE_MAGIC_BYTES	"ARM\x64"

/* A kernel older than 3.17 has image_size 0 and this text_offset. */
#define OLD_TEXT_OFFSET		0x80000ULL

#define SZ_4K			0x1000ULL
#define SZ_2M			0x200000ULL
#define INITRD_WINDOW		(32ULL << 30)

/* Linux's arm64 COMMAND_LINE_SIZE. */
#define CMDLINE_MAX		2048

#define ALIGN_DOWN(x, a)	((x) & ~((a) - 1))
#define ALIGN_UP(x, a)		ALIGN_DOWN((x) + (a) - 1, a)

static uint64_t le64(const void *p)
{
	const uint8_t *b = p;
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Where the Image goes and how much RAM it claims from there. */
struct image_place {
	uint64_t load;
	uint64_t end;
};

static int check_image(const struct arch_kernel *k, uint64_t ram_base,
		       struct image_place *img, const char **why)
{
	const uint8_t *h = k->image;
	uint64_t text_offset, size;

	if (k->image_size >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
		*why = "gzip-compressed Image: gunzip it first";
		return -ENOEXEC;
	}
	if (k->image_size >= 8 && !memcmp(h, "MZ", 2) && !memcmp(h + 4, "zimg", 4)) {
		*why = "EFI zboot image (compressed): boot the Image inside it";
		return -ENOEXEC;
	}
	if (k->image_size < IMAGE_HEADER_LEN) {
		*why = "not an arm64 Image: shorter than its 64-byte header (a raw binary? use --kernel-format=raw)";
		return -ENOEXEC;
	}
	if (memcmp(h + IMAGE_MAGIC, IMAGE_MAGIC_BYTES, 4)) {
		*why = "not an arm64 Image: no \"ARM\\x64\" magic at offset 0x38 (a raw binary? use --kernel-format=raw)";
		return -ENOEXEC;
	}
	text_offset = le64(h + IMAGE_TEXT_OFFSET);
	size = le64(h + IMAGE_SIZE);
	if (!size) {
		text_offset = OLD_TEXT_OFFSET;
		size = k->image_size;
	}
	if (size < k->image_size)
		size = k->image_size;	/* the file itself must fit, at least */
	img->load = ALIGN_UP(ram_base, SZ_2M) + text_offset;
	img->end = img->load + size;
	if (text_offset >= ARM64_MAX_RAM || size >= ARM64_MAX_RAM || img->end < img->load) {
		*why = "arm64 Image header has an impossible text_offset or image_size";
		return -ENOEXEC;
	}
	return 0;
}

/* A raw binary: at the RAM base, claiming what the file holds. */
static int place_raw(const struct arch_kernel *k, uint64_t ram_base,
		     struct image_place *img, const char **why)
{
	if (!k->image_size) {
		*why = "the raw binary is empty";
		return -ENOEXEC;
	}
	if (k->image_size >= ARM64_MAX_RAM) {
		*why = "the raw binary does not fit in guest RAM below the device tree";
		return -E2BIG;
	}
	img->load = ram_base;
	img->end = ram_base + k->image_size;
	return 0;
}

int arch_kernel_format_check(enum arch_kernel_format format, const char **why)
{
	if (format == ARCH_KERNEL_AUTO || format == ARCH_KERNEL_RAW)
		return 0;
	*why = "unknown kernel format";
	return -EINVAL;
}

int arch_load_kernel(struct guest_memory *mem, const struct arch_kernel *k,
		     struct arch_boot *boot, const char **why)
{
	const struct guest_region *ram = guest_memory_region(mem, 0);
	uint64_t ram_end = ram->gpa + ram->size;
	uint64_t fdt, initrd = 0, top;
	struct arm64_fdt_params p;
	struct image_place img;
	void *buf;
	int err;

	if (arch_kernel_format_check(k->format, why))
		return -ENOEXEC;
	err = k->format == ARCH_KERNEL_RAW ? place_raw(k, ram->gpa, &img, why) :
					     check_image(k, ram->gpa, &img, why);
	if (err)
		return err;
	if (strlen(k->cmdline) + 1 > CMDLINE_MAX) {
		*why = "command line is longer than the kernel accepts (2048 bytes)";
		return -E2BIG;
	}
	fdt = ALIGN_DOWN(ram_end - ARM64_FDT_MAX, SZ_2M);
	if (ram->size < ARM64_FDT_MAX || fdt < ram->gpa || img.end > fdt) {
		*why = k->format == ARCH_KERNEL_RAW ?
		       "the raw binary does not fit in guest RAM below the device tree" :
		       "the kernel (its image_size) does not fit in guest RAM below the device tree";
		return -E2BIG;
	}
	if (k->initrd_size) {
		top = fdt < ram->gpa + INITRD_WINDOW ? fdt : ram->gpa + INITRD_WINDOW;
		if (top < img.end || k->initrd_size > top - img.end ||
		    ALIGN_DOWN(top - k->initrd_size, SZ_4K) < img.end) {
			*why = "initrd does not fit in guest RAM between the kernel and the device tree";
			return -E2BIG;
		}
		initrd = ALIGN_DOWN(top - k->initrd_size, SZ_4K);
	}

	err = guest_memory_write(mem, img.load, k->image, k->image_size);
	if (!err && k->initrd_size)
		err = guest_memory_write(mem, initrd, k->initrd, k->initrd_size);
	if (err) {
		*why = "cannot write the kernel or initrd into guest RAM";
		return -E2BIG;
	}

	p = (struct arm64_fdt_params){
		.ram_base = ram->gpa, .ram_size = ram->size,
		.nr_cpus = k->nr_cpus, .cmdline = k->cmdline,
		.initrd_start = initrd, .initrd_size = k->initrd_size,
		.virtio = k->virtio, .nr_virtio = k->nr_virtio,
		.pmu = k->features && (k->features->offered & ARM64_FEATURE_PMU),
		.its = k->features && (k->features->offered & ARM64_FEATURE_ITS),
	};
	buf = guest_memory_ptr(mem, fdt, ARM64_FDT_MAX);
	err = buf ? arm64_fdt_build(&p, buf, ARM64_FDT_MAX) : -E2BIG;
	if (err < 0) {
		*why = err == -E2BIG ? "the device tree does not fit in 2 MiB" :
				       "this machine cannot be described in a device tree";
		return -E2BIG;
	}
	boot->mode = 0;
	boot->entry = img.load;
	boot->arg = fdt;
	return 0;
}
