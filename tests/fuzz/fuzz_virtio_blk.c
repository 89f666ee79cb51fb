// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk request parsing (virtio_blk_queue_notify) on a ring the
 * input lays out in guest RAM, against a 64 KiB temporary disk.
 *
 * Input: flags (bit 0: a read-only disk), queue size (u16), desc, avail
 * and used addresses (u32 each), then guest RAM (two 16 KiB regions with
 * a gap, heap-backed). The queue is notified twice, with the avail index
 * bumped by the guest in between, as a driver that keeps going would.
 */
#include <stdlib.h>

#include "devices/virtio_blk.h"
#include "devices/virtqueue.h"
#include "tests/fuzz/fuzz.h"

#define REGION_SIZE	0x4000ULL
#define REGION1_GPA	0x8000ULL
#define DISK_SIZE	0x10000

static struct guest_memory *mem;
static uint8_t *ram[2];
static struct virtio_blk *disk[2];	/* read-write, read-only */

static void setup(void)
{
	struct guest_memory_config cfg = {
		.size = 2 * REGION_SIZE, .backend = GUEST_MEMORY_HEAP,
	};
	struct guest_range layout[2] = {
		{ 0, REGION_SIZE }, { REGION1_GPA, REGION_SIZE },
	};
	char path[] = "/tmp/fuzz-virtio-blk-XXXXXX";
	int fd = mkstemp(path);

	fuzz_assert(fd >= 0 && ftruncate(fd, DISK_SIZE) == 0);
	close(fd);
	fuzz_assert(virtio_blk_create(path, false, "fuzz-disk-0123456789", &disk[0]) == 0);
	fuzz_assert(virtio_blk_create(path, true, "ro", &disk[1]) == 0);
	unlink(path);
	fuzz_assert(guest_memory_create(&cfg, layout, 2, &mem) == 0);
	ram[0] = guest_memory_region(mem, 0)->host;
	ram[1] = guest_memory_region(mem, 1)->host;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct virtqueue vq;
	uint8_t flags;
	uint16_t avail_idx;

	if (!mem)
		setup();
	vq_init(&vq, mem);
	flags = fuzz_u8(&in);
	vq.size = fuzz_u16(&in);
	vq.desc_gpa = fuzz_u32(&in);
	vq.avail_gpa = fuzz_u32(&in);
	vq.used_gpa = fuzz_u32(&in);
	fuzz_take(&in, ram[0], REGION_SIZE);
	fuzz_take(&in, ram[1], REGION_SIZE);
	if (vq_enable(&vq))
		return 0;

	virtio_blk_queue_notify(disk[flags & 1], &vq, 0);
	if (vq.broken)
		return 0;
	fuzz_assert(vq.used_idx == vq.last_avail);
	/* The driver hands the same ring back once more. */
	avail_idx = (uint16_t)(vq.avail[1] + (flags >> 1));
	__atomic_store_n(&vq.avail[1], avail_idx, __ATOMIC_RELEASE);
	virtio_blk_queue_notify(disk[flags & 1], &vq, 0);
	return 0;
}
