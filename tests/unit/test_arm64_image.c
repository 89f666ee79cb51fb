// SPDX-License-Identifier: GPL-2.0
/*
 * arm64 kernel loading (arch/arm64/image.c), on any host: Images built
 * here with a booting.rst header, loaded into heap-backed guest RAM at
 * ARM64_RAM_BASE. Where the Image lands (RAM base + text_offset; 0x80000
 * for an old kernel with image_size 0), the device tree in the last 2 MiB
 * and the initrd right below it, what boot gets, and every refusal:
 * gzip, EFI zboot, a short header, no magic, an impossible header, a
 * kernel or initrd that does not fit, a too long command line. A raw
 * binary (ARCH_KERNEL_RAW): at the RAM base itself, entered at its first
 * byte with x0 = the device tree, initrd and device tree above its end;
 * empty or too big refused. The PMU node and the ITS node when the
 * features offer them.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "arch/arch.h"
#include "arch/arm64/its.h"
#include "arch/arm64/layout.h"
#include "arch/arm64/pmu.h"
#include "memory/guest_memory.h"

#include "tests/helpers.h"

#define SZ_2M		(2ULL << 20)
#define HEADER_LEN	64

static struct guest_memory *mem;
static uint8_t image[HEADER_LEN + 4096];

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 4 KiB Image with the given header fields and a recognisable body. */
static void make_image(uint64_t text_offset, uint64_t image_size)
{
	memset(image, 0, sizeof(image));
	for (size_t i = HEADER_LEN; i < sizeof(image); i++)
		image[i] = (uint8_t)i;
	put_le64(image + 0x08, text_offset);
	put_le64(image + 0x10, image_size);
	put_le64(image + 0x18, 0xa);	/* LE, 4K pages, anywhere */
	memcpy(image + 0x38, "ARM\x64", 4);
}

static void ram(uint64_t size)
{
	struct guest_memory_config cfg = { .size = size, .backend = GUEST_MEMORY_HEAP };
	struct guest_range r = { ARM64_RAM_BASE, size };

	guest_memory_destroy(mem);
	mem = NULL;
	ck_assert_int_eq(guest_memory_create(&cfg, &r, 1, &mem), 0);
}

static struct arch_kernel kernel(void)
{
	return (struct arch_kernel){
		.image = image, .image_size = sizeof(image),
		.cmdline = "console=ttyS0", .nr_cpus = 2,
	};
}

/* A 32- or 64-bit cell property, read the unaligned way libfdt allows. */
static uint64_t prop_u(const void *fdt, int node, const char *name)
{
	const void *p;
	int len;

	p = fdt_getprop(fdt, node, name, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert(len == 4 || len == 8);
	return len == 8 ? fdt64_ld(p) : fdt32_ld(p);
}

static int load(const struct arch_kernel *k, struct arch_boot *boot, const char **why)
{
	*why = NULL;
	memset(boot, 0, sizeof(*boot));
	return arch_load_kernel(mem, k, boot, why);
}

static void teardown(void)
{
	guest_memory_destroy(mem);
	mem = NULL;
}

START_TEST(image_at_text_offset_fdt_at_the_top)
{
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	const char *why;
	uint8_t back[sizeof(image)];
	const void *fdt;

	ram(256 * MiB);
	make_image(0, 8 * MiB);
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_uint_eq(boot.entry, ARM64_RAM_BASE);
	ck_assert_uint_eq(boot.arg, ARM64_RAM_BASE + 256 * MiB - SZ_2M);
	ck_assert_int_eq(guest_memory_read(mem, boot.entry, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, image, sizeof(image));
	fdt = guest_memory_ptr(mem, boot.arg, ARM64_FDT_MAX);
	ck_assert_ptr_nonnull(fdt);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	ck_assert_int_ge(fdt_path_offset(fdt, "/chosen"), 0);
	ck_assert_ptr_null(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"),
				       "linux,initrd-start", NULL));

	make_image(0x80000, 8 * MiB);
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_uint_eq(boot.entry, ARM64_RAM_BASE + 0x80000);
}
END_TEST

START_TEST(old_kernel_without_image_size_is_at_0x80000)
{
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	const char *why;

	ram(64 * MiB);
	make_image(0x1234, 0);	/* text_offset is not trusted then */
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_uint_eq(boot.entry, ARM64_RAM_BASE + 0x80000);
}
END_TEST

START_TEST(initrd_right_below_the_fdt)
{
	static uint8_t initrd[10000];
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	const char *why;
	const void *fdt;
	uint8_t back[sizeof(initrd)];
	uint64_t start, end;
	int chosen;

	memset(initrd, 0x5a, sizeof(initrd));
	k.initrd = initrd;
	k.initrd_size = sizeof(initrd);
	ram(128 * MiB);
	make_image(0, 8 * MiB);
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	fdt = guest_memory_ptr(mem, boot.arg, ARM64_FDT_MAX);
	chosen = fdt_path_offset(fdt, "/chosen");
	start = prop_u(fdt, chosen, "linux,initrd-start");
	end = prop_u(fdt, chosen, "linux,initrd-end");
	ck_assert_uint_eq(end - start, sizeof(initrd));
	ck_assert_uint_eq(start % 4096, 0);
	ck_assert_uint_le(end, boot.arg);
	ck_assert_uint_gt(start + 4096 + sizeof(initrd), boot.arg);
	ck_assert_int_eq(guest_memory_read(mem, start, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, initrd, sizeof(initrd));
}
END_TEST

START_TEST(raw_binary_at_the_ram_base)
{
	static uint8_t raw[5000], initrd[10000];
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	uint8_t back[sizeof(raw)];
	const char *why;
	const void *fdt;
	uint64_t start;
	int chosen, mem_node;

	/* No header at all: auto refuses it and points at raw. */
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 7 + 1);
	memset(initrd, 0xa5, sizeof(initrd));
	k.image = raw;
	k.image_size = sizeof(raw);
	k.initrd = initrd;
	k.initrd_size = sizeof(initrd);
	ram(64 * MiB);
	ck_assert_int_eq(load(&k, &boot, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "--kernel-format=raw"));

	k.format = ARCH_KERNEL_RAW;
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_uint_eq(boot.entry, ARM64_RAM_BASE);
	ck_assert_int_eq(guest_memory_read(mem, ARM64_RAM_BASE, back, sizeof(back)), 0);
	ck_assert_mem_eq(back, raw, sizeof(raw));

	/* x0: the device tree, above the binary, whose memory starts at it. */
	ck_assert_uint_eq(boot.arg, ARM64_RAM_BASE + 64 * MiB - SZ_2M);
	ck_assert_uint_ge(boot.arg, ARM64_RAM_BASE + sizeof(raw));
	fdt = guest_memory_ptr(mem, boot.arg, ARM64_FDT_MAX);
	ck_assert_int_eq(fdt_check_header(fdt), 0);
	mem_node = fdt_path_offset(fdt, "/memory@40000000");
	ck_assert_int_ge(mem_node, 0);
	ck_assert_uint_eq(fdt64_ld(fdt_getprop(fdt, mem_node, "reg", NULL)), ARM64_RAM_BASE);
	chosen = fdt_path_offset(fdt, "/chosen");
	start = prop_u(fdt, chosen, "linux,initrd-start");
	ck_assert_uint_ge(start, ARM64_RAM_BASE + sizeof(raw));
	ck_assert_uint_le(start + sizeof(initrd), boot.arg);

	/* A binary that reaches into the device tree's 2 MiB is refused. */
	k.initrd_size = 0;
	k.image_size = 62 * MiB + 1;	/* only read if it fit */
	ck_assert_int_eq(load(&k, &boot, &why), -E2BIG);
	ck_assert_ptr_nonnull(strstr(why, "raw binary does not fit"));
	k.image_size = 0;
	ck_assert_int_eq(load(&k, &boot, &why), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(why, "empty"));
	ck_assert_int_eq(arch_kernel_format_check(ARCH_KERNEL_RAW, &why), 0);
}
END_TEST

START_TEST(pmu_described_when_offered)
{
	struct arch_cpu_features f = { .hidden = 0, .offered = 0 };
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	const char *why;
	const void *fdt;

	ram(64 * MiB);
	make_image(0, 8 * MiB);
	ck_assert_int_eq(load(&k, &boot, &why), 0);	/* no features at all */
	fdt = guest_memory_ptr(mem, boot.arg, ARM64_FDT_MAX);
	ck_assert_int_eq(fdt_path_offset(fdt, "/pmu"), -FDT_ERR_NOTFOUND);
	k.features = &f;
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_int_eq(fdt_path_offset(fdt, "/pmu"), -FDT_ERR_NOTFOUND);
	f.offered = ARM64_FEATURE_PMU;
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_int_ge(fdt_node_offset_by_compatible(fdt, -1, "arm,armv8-pmuv3"), 0);
}
END_TEST

START_TEST(its_described_when_offered)
{
	struct arch_cpu_features f = { .hidden = 0, .offered = ARM64_FEATURE_PMU };
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	const char *why;
	const void *fdt;

	ram(64 * MiB);
	make_image(0, 8 * MiB);
	k.features = &f;
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	fdt = guest_memory_ptr(mem, boot.arg, ARM64_FDT_MAX);
	ck_assert_int_eq(fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3-its"),
			 -FDT_ERR_NOTFOUND);
	f.offered = ARM64_FEATURE_ITS;
	ck_assert_int_eq(load(&k, &boot, &why), 0);
	ck_assert_int_ge(fdt_path_offset(fdt, "/intc@8000000/msi-controller@8080000"), 0);
	ck_assert_int_eq(fdt_path_offset(fdt, "/pmu"), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_check_full(fdt, fdt_totalsize(fdt)), 0);
}
END_TEST

static const struct refusal {
	const char *what;
	int err;
	const char *why_has;
} refusals[] = {
	{ "gzip", -ENOEXEC, "gunzip it first" },
	{ "zboot", -ENOEXEC, "zboot" },
	{ "short", -ENOEXEC, "64-byte header" },
	{ "magic", -ENOEXEC, "magic" },
	{ "huge image_size", -ENOEXEC, "impossible" },
	{ "kernel too big", -E2BIG, "does not fit" },
	{ "initrd too big", -E2BIG, "initrd does not fit" },
	{ "cmdline", -E2BIG, "command line" },
	{ "fdt params", -E2BIG, "device tree" },
};

START_TEST(refusals_say_why)
{
	const struct refusal *r = &refusals[_i];
	static char long_cmdline[3000];
	struct arch_kernel k = kernel();
	struct arch_boot boot;
	const char *why;

	ram(64 * MiB);
	make_image(0, 8 * MiB);
	switch (_i) {
	case 0:
		image[0] = 0x1f;
		image[1] = 0x8b;
		break;
	case 1:
		memcpy(image, "MZ\0\0zimg", 8);
		break;
	case 2:
		k.image_size = HEADER_LEN - 1;
		break;
	case 3:
		image[0x3b] = 0x65;
		break;
	case 4:
		make_image(0, UINT64_MAX - 4096);
		break;
	case 5:
		make_image(0, 63 * MiB);
		break;
	case 6:
		k.initrd = image;
		k.initrd_size = 60 * MiB;	/* only read if it fit */
		break;
	case 7:
		memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
		k.cmdline = long_cmdline;
		break;
	case 8:
		k.nr_cpus = ARM64_MAX_CPUS + 1;
		break;
	}
	ck_assert_msg(load(&k, &boot, &why) == r->err, "%s: want %d", r->what, r->err);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, r->why_has), "%s: why is '%s'", r->what, why);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("image");

	/* each check maps and fills guest RAM: seconds under ASan on a busy host */
	tcase_set_timeout(tc, 60);

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, image_at_text_offset_fdt_at_the_top);
	tcase_add_test(tc, old_kernel_without_image_size_is_at_0x80000);
	tcase_add_test(tc, initrd_right_below_the_fdt);
	tcase_add_test(tc, raw_binary_at_the_ram_base);
	tcase_add_test(tc, pmu_described_when_offered);
	tcase_add_test(tc, its_described_when_offered);
	tcase_add_loop_test(tc, refusals_say_why, 0, (int)ARRAY_SIZE(refusals));
	return run_tcase("arm64_image", tc);
}
