// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 Image loader (arch/arm64/image.c, compiled for the host as
 * for test_arm64_image) on the input as the Image, into 8 MiB of heap
 * guest RAM at the arm64 RAM base; it builds the device tree too.
 *
 * Input: flags (bits 0-2: initrd none, 1 byte, 4 KiB, 1 MiB, 5 MiB,
 * 8 MiB ...; bit 3: a command line over 2048 bytes; bits 4-7: vCPUs and
 * virtio slots), a second flags byte (bit 0: --kernel-format=raw; bit 1:
 * a PMU offered, so a pmu node; bit 2: an ITS offered, so an
 * msi-controller node under the GIC's), then the Image, copied to a
 * buffer of exactly its size.
 */
#include <errno.h>

#include <libfdt.h>

#include "arch/arch.h"
#include "arch/arm64/its.h"
#include "arch/arm64/layout.h"
#include "arch/arm64/pmu.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	(8ULL << 20)

static struct guest_memory *mem;
static uint8_t *initrd;
static char long_cmdline[3000];

static void setup(void)
{
	struct guest_memory_config cfg = { .size = RAM_SIZE, .backend = GUEST_MEMORY_HEAP };
	struct guest_range layout = { ARM64_RAM_BASE, RAM_SIZE };

	fuzz_assert(guest_memory_create(&cfg, &layout, 1, &mem) == 0);
	initrd = calloc(1, RAM_SIZE);
	fuzz_assert(initrd);
	memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t initrd_sizes[8] = {
		0, 1, 4096, 1 << 20, 5 << 20, RAM_SIZE, 4097, 3 << 20,
	};
	struct arch_virtio_slot slots[16];
	struct fuzz_in in = { data, size };
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	unsigned int i, n;
	struct arch_cpu_features features = { 0 };
	uint8_t flags, flags2;
	void *image;
	int err;

	if (!mem)
		setup();
	flags = fuzz_u8(&in);
	flags2 = fuzz_u8(&in);
	n = flags >> 4;
	if (flags2 & 2)
		features.offered |= ARM64_FEATURE_PMU;
	if (flags2 & 4)
		features.offered |= ARM64_FEATURE_ITS;
	for (i = 0; i < 16; i++)
		slots[i] = (struct arch_virtio_slot){
			ARM64_VIRTIO_MMIO_BASE + 0x1000 * i, ARM64_VIRTIO_SPI_BASE + i,
		};
	image = malloc(in.n ? in.n : 1);
	fuzz_assert(image);
	memcpy(image, in.p, in.n);

	err = arch_load_kernel(mem, &(struct arch_kernel){
		.format = flags2 & 1 ? ARCH_KERNEL_RAW : ARCH_KERNEL_AUTO,
		.image = image, .image_size = in.n,
		.initrd = initrd, .initrd_size = initrd_sizes[flags & 7],
		.cmdline = flags & 8 ? long_cmdline : "console=ttyS0 earlycon",
		.nr_cpus = n + 1, .virtio = slots, .nr_virtio = n,
		.features = &features,
	}, &boot, &why);
	fuzz_assert(err == 0 || err == -ENOEXEC || err == -E2BIG);
	if (err) {
		fuzz_assert(why && *why);
	} else {
		const void *fdt = guest_memory_ptr(mem, boot.arg, ARM64_FDT_MAX);

		fuzz_assert(guest_memory_ptr(mem, boot.entry, in.n ? in.n : 1));
		fuzz_assert(fdt && fdt_check_header(fdt) == 0 &&
			    fdt_totalsize(fdt) <= ARM64_FDT_MAX);
		fuzz_assert(!(flags2 & 1) || boot.entry == ARM64_RAM_BASE);
		fuzz_assert((fdt_path_offset(fdt, "/pmu") >= 0) == !!(flags2 & 2));
		fuzz_assert((fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3-its") >= 0) ==
			    !!(flags2 & 4));
	}
	free(image);
	return 0;
}
