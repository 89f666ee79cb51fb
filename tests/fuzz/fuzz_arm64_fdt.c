// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 device tree builder (arm64_fdt_build) on parameters taken
 * from the input, into a buffer of the input's length, allocated to
 * exactly that so ASan sees a write past it.
 *
 * Input: buffer length (u32, up to ARM64_FDT_MAX and a little more), RAM
 * base and size (u64 each; flags bit 0 makes them small offsets from the
 * arm64 RAM base instead), vCPUs (u8), initrd start and size (u64),
 * flags (u8), virtio slots (u8) and per slot its index in the window (u8)
 * and SPI (u8) (flags bit 1: a raw u64 base; bit 4: a PMU; bit 5: an
 * ITS), then the command line.
 * A tree that builds must pass fdt_check_full and carry the command line.
 */
#include <errno.h>

#include <libfdt.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/layout.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arch_virtio_slot slots[40];
	struct arm64_fdt_params p = { 0 };
	struct fuzz_in in = { data, size };
	size_t len;
	uint8_t flags;
	unsigned int i;
	char *cmdline;
	void *buf;
	int err;

	len = fuzz_u32(&in) % (ARM64_FDT_MAX + 4097);
	p.ram_base = fuzz_u64(&in);
	p.ram_size = fuzz_u64(&in);
	p.nr_cpus = fuzz_u8(&in);
	p.initrd_start = fuzz_u64(&in);
	p.initrd_size = fuzz_u64(&in);
	flags = fuzz_u8(&in);
	p.nr_virtio = fuzz_u8(&in) % 40;
	if (flags & 1) {
		p.ram_base = ARM64_RAM_BASE + (p.ram_base & 0xffe00000ULL);
		p.ram_size &= 0xfffffffffULL;
		p.initrd_start = p.ram_base + (p.initrd_start & 0xffffffULL);
		p.initrd_size &= 0xffffffULL;
	}
	for (i = 0; i < p.nr_virtio; i++) {
		slots[i].base = flags & 2 ? fuzz_u64(&in) :
			ARM64_VIRTIO_MMIO_BASE + 0x1000ULL * fuzz_u8(&in);
		slots[i].irq = fuzz_u8(&in);
	}
	p.virtio = p.nr_virtio || (flags & 4) ? slots : NULL;
	cmdline = malloc(in.n + 1);
	fuzz_assert(cmdline);
	memcpy(cmdline, in.p, in.n);
	cmdline[in.n] = '\0';
	p.cmdline = flags & 8 ? NULL : cmdline;
	p.pmu = flags & 16;
	p.its = flags & 32;
	buf = malloc(len ? len : 1);
	fuzz_assert(buf);

	err = arm64_fdt_build(&p, buf, len);
	fuzz_assert(err == 0 || err == -EINVAL || err == -E2BIG);
	if (!err) {
		const char *bootargs;
		int node;

		fuzz_assert(fdt_totalsize(buf) <= len);
		fuzz_assert(fdt_check_full(buf, len) == 0);
		node = fdt_path_offset(buf, "/chosen");
		fuzz_assert(node >= 0);
		bootargs = fdt_getprop(buf, node, "bootargs", NULL);
		fuzz_assert(bootargs && !strcmp(bootargs, cmdline));
	}
	free(buf);
	free(cmdline);
	return 0;
}
