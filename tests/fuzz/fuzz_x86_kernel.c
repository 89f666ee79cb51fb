// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 kernel loaders (arch_load_kernel: bzImage, ELF with or
 * without a PVH note, multiboot as ELF32, ELF64 or by address fields) on
 * the input as the kernel image, into 32 MiB of private guest RAM.
 *
 * Input: flags (bits 0-3: virtio slots, 0-15, more than ACPI takes;
 * bits 4-5: initrd none, 1 byte, 64 KiB or 40 MiB; bit 6: a command line
 * longer than a bzImage's cmdline_size allows; bit 7: 64 vCPUs, else 1),
 * then the image, copied to a buffer of exactly its size so that ASan
 * sees any read past its end.
 */
#include <errno.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"
#include "tests/fuzz/fuzz.h"

#define RAM_SIZE	(32ULL << 20)

static struct guest_memory *mem;
static uint8_t *initrd;
static char long_cmdline[4096];

static void setup(void)
{
	struct guest_memory_config cfg = { .size = RAM_SIZE, .backend = GUEST_MEMORY_PRIVATE };
	struct guest_range layout[4];
	int n = arch_ram_layout(RAM_SIZE, layout, 4);

	fuzz_assert(n > 0);
	fuzz_assert(guest_memory_create(&cfg, layout, (unsigned int)n, &mem) == 0);
	initrd = calloc(1, 40 << 20);
	fuzz_assert(initrd);
	memset(long_cmdline, 'x', sizeof(long_cmdline) - 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t initrd_sizes[4] = { 0, 1, 64 << 10, 40 << 20 };
	struct arch_virtio_slot slots[16];
	struct fuzz_in in = { data, size };
	struct arch_boot boot = { 0 };
	const char *why = NULL;
	unsigned int i;
	uint8_t flags;
	void *image;
	int err;

	if (!mem)
		setup();
	flags = fuzz_u8(&in);
	for (i = 0; i < 16; i++)
		slots[i] = (struct arch_virtio_slot){ X86_VIRTIO_MMIO_BASE + 0x1000 * i, 5 + i };
	image = malloc(in.n ? in.n : 1);
	fuzz_assert(image);
	memcpy(image, in.p, in.n);

	err = arch_load_kernel(mem, &(struct arch_kernel){
		.image = image, .image_size = in.n,
		.initrd = initrd, .initrd_size = initrd_sizes[(flags >> 4) & 3],
		.cmdline = flags & 64 ? long_cmdline : "console=ttyS0 panic=-1",
		.nr_cpus = flags & 128 ? 64 : 1,
		.virtio = slots, .nr_virtio = flags & 15,
	}, &boot, &why);
	fuzz_assert(err == 0 || err == -ENOEXEC || err == -E2BIG);
	if (err)
		fuzz_assert(why && *why);
	else
		fuzz_assert(guest_memory_ptr(mem, boot.entry, 1) && boot.entry < (1ULL << 32));
	free(image);
	return 0;
}
