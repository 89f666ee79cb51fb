// SPDX-License-Identifier: GPL-2.0
/*
 * The split-ring walker (devices/virtqueue.c) on guest RAM the input
 * writes, as a hostile driver would.
 *
 * Input: queue size (u16; its top bits turn on the negotiated
 * VIRTIO_RING_F_INDIRECT_DESC (bit 15) and EVENT_IDX (bit 14) that a
 * taken-back vhost-user ring has), desc, avail and used addresses (u32
 * each), a
 * count of operations and the operations (pop, push, take over,
 * re-enable, copy out of or into the last chain, and a guest write of a
 * u16 anywhere in RAM between them), then the initial guest RAM. RAM is
 * two 16 KiB regions with a gap between them, heap-backed, so ASan sees
 * a step past the allocation; the target itself checks every buffer a
 * chain hands out lies wholly inside one region, and that the used ring
 * is the only thing a push writes.
 */
#include <errno.h>

#include "devices/virtqueue.h"
#include "tests/fuzz/fuzz.h"

#define REGION_SIZE	0x4000ULL
#define REGION1_GPA	0x8000ULL

static struct guest_memory *mem;
static uint8_t *ram[2];

static void setup(void)
{
	struct guest_memory_config cfg = {
		.size = 2 * REGION_SIZE, .backend = GUEST_MEMORY_HEAP,
	};
	struct guest_range layout[2] = {
		{ 0, REGION_SIZE }, { REGION1_GPA, REGION_SIZE },
	};

	fuzz_assert(guest_memory_create(&cfg, layout, 2, &mem) == 0);
	ram[0] = guest_memory_region(mem, 0)->host;
	ram[1] = guest_memory_region(mem, 1)->host;
}

static bool in_one_region(const void *base, size_t len)
{
	uintptr_t p = (uintptr_t)base;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		uintptr_t r = (uintptr_t)ram[i];

		if (p >= r && len <= REGION_SIZE && p - r <= REGION_SIZE - len)
			return true;
	}
	return false;
}

static void check_chain(const struct virtqueue *vq, const struct vq_chain *c)
{
	unsigned int i;
	uint64_t out = 0, in = 0;

	fuzz_assert(c->head < vq->size);
	fuzz_assert(c->nr_out + c->nr_in <= VQ_MAX_CHAIN);
	for (i = 0; i < c->nr_out + c->nr_in; i++) {
		fuzz_assert(c->iov[i].iov_len > 0);
		fuzz_assert(in_one_region(c->iov[i].iov_base, c->iov[i].iov_len));
		if (i < c->nr_out)
			out += c->iov[i].iov_len;
		else
			in += c->iov[i].iov_len;
	}
	fuzz_assert(out == c->out_len && in == c->in_len);
}

static void guest_write16(uint32_t gpa, uint16_t v)
{
	gpa %= REGION1_GPA + REGION_SIZE;
	guest_memory_write(mem, gpa, &v, sizeof(v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vq_chain chain;
	struct fuzz_in in = { data, size };
	struct virtqueue vq;
	uint8_t ops[64], buf[512];
	unsigned int nr_ops, i;
	bool have_chain = false;

	if (!mem)
		setup();
	vq_init(&vq, mem);
	vq.size = fuzz_u16(&in);
	vq.indirect = vq.size & 0x8000;
	vq.event_idx = vq.size & 0x4000;
	vq.size &= 0x3fff;
	vq.desc_gpa = fuzz_u32(&in);
	vq.avail_gpa = fuzz_u32(&in);
	vq.used_gpa = fuzz_u32(&in);
	nr_ops = fuzz_u8(&in) % (sizeof(ops) + 1);
	fuzz_take(&in, ops, nr_ops);
	/* The rest is guest RAM, region 0 first. */
	fuzz_take(&in, ram[0], REGION_SIZE);
	fuzz_take(&in, ram[1], REGION_SIZE);

	if (vq_enable(&vq))
		return 0;
	for (i = 0; i < nr_ops; i++) {
		int ret;

		switch (ops[i] & 7) {
		case 0:
		case 1:
			ret = vq_pop(&vq, &chain);
			fuzz_assert(ret == 1 || ret == 0 || ret == -EIO);
			fuzz_assert((ret == -EIO) == vq.broken);
			if (ret == 1) {
				check_chain(&vq, &chain);
				have_chain = true;
			}
			break;
		case 2:
			if (have_chain)
				vq_push(&vq, chain.head, (uint32_t)chain.in_len);
			break;
		case 3:
			vq_take_over(&vq);
			break;
		case 4:
			if (have_chain)
				fuzz_assert(vq_copy_from_out(&chain, ops[i] >> 3, buf,
							     sizeof(buf)) <= sizeof(buf));
			break;
		case 5:
			if (have_chain)
				fuzz_assert(vq_copy_to_in(&chain, ops[i] >> 3, buf,
							  sizeof(buf)) <= sizeof(buf));
			break;
		case 6:
			/* the driver moves the avail index, or anything else */
			guest_write16((uint32_t)ops[i] << 5 ^ (uint32_t)vq.avail_gpa,
				      (uint16_t)(vq.last_avail + (ops[i] >> 3)));
			break;
		default:
			vq_reset(&vq);
			vq.size = (uint16_t)(1u << (ops[i] >> 4));
			vq.desc_gpa = 0;
			vq.avail_gpa = REGION1_GPA;
			vq.used_gpa = REGION1_GPA + 0x1000;
			have_chain = false;
			if (vq_enable(&vq))
				return 0;
		}
	}
	return 0;
}
