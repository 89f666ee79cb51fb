// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue as a hostile driver would program it, and virtio-blk
 * requests on a real file: good chains are walked and completed; loops,
 * out-of-range heads and next indices, avail-index jumps, buffers outside
 * guest RAM, indirect descriptors, readable-after-writable buffers and
 * misplaced rings are refused without touching anything outside guest
 * RAM; block reads, writes, flush, get-id, unsupported types, requests
 * past the end and writes to a read-only disk get the right status.
 * With an in-flight region (vhost-user backends): each head taken and
 * returned is recorded in the spec's order, a restart resubmits the
 * unfinished heads in the order taken (validated like fresh ones) and
 * finishes a published last batch, and a garbled region is refused.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "devices/virtqueue.h"
#include "devices/virtqueue_inflight.h"
#include "vmm/kvm_device_host.h"
#include "tests/helpers.h"

#define QSIZE	8
#define DESC	0x10000ULL
#define AVAIL	0x11000ULL
#define USED	0x12000ULL
#define DATA	0x20000ULL

static struct guest_memory *mem;
static struct virtqueue vq;

static void setup(void)
{
	struct guest_memory_config cfg = { .size = 4 * MiB, .backend = GUEST_MEMORY_PRIVATE };
	struct guest_range r = { 0, 4 * MiB };

	ck_assert_int_eq(guest_memory_create(&cfg, &r, 1, &mem), 0);
	vq_init(&vq, mem);
	vq.size = QSIZE;
	vq.desc_gpa = DESC;
	vq.avail_gpa = AVAIL;
	vq.used_gpa = USED;
	ck_assert_int_eq(vq_enable(&vq), 0);
}

static void teardown(void)
{
	guest_memory_destroy(mem);
}

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct vring_desc d = { addr, len, flags, next };

	ck_assert_int_eq(guest_memory_write(mem, DESC + 16 * i, &d, sizeof(d)), 0);
}

/* Makes head available as ring entry n and sets avail idx to n + 1. */
static void offer(uint16_t n, uint16_t head)
{
	uint16_t idx = (uint16_t)(n + 1);

	guest_memory_write(mem, AVAIL + 4 + 2 * (n % QSIZE), &head, 2);
	guest_memory_write(mem, AVAIL + 2, &idx, 2);
}

/* An indirect table at gpa: out 16 bytes, then in 8. */
static void indirect_table(uint64_t gpa, uint16_t inner_flags)
{
	struct vring_desc t[2] = {
		{ DATA, 16, VRING_DESC_F_NEXT | inner_flags, 1 },
		{ DATA + 0x1000, 8, VRING_DESC_F_WRITE, 0 },
	};

	ck_assert_int_eq(guest_memory_write(mem, gpa, t, sizeof(t)), 0);
}

START_TEST(indirect_only_when_negotiated)
{
	struct vq_chain c;

	indirect_table(DATA + 0x3000, 0);
	set_desc(0, DATA + 0x3000, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	ck_assert_int_eq(vq_pop(&vq, &c), -EIO);	/* not negotiated */
	ck_assert(vq.broken);

	vq_reset(&vq);
	vq.size = QSIZE;
	vq.desc_gpa = DESC;
	vq.avail_gpa = AVAIL;
	vq.used_gpa = USED;
	ck_assert_int_eq(vq_enable(&vq), 0);
	vq.indirect = true;
	ck_assert_int_eq(vq_pop(&vq, &c), 1);
	ck_assert_uint_eq(c.nr_out, 1);
	ck_assert_uint_eq(c.nr_in, 1);
	ck_assert_uint_eq(c.out_len, 16);
	ck_assert_uint_eq(c.in_len, 8);

	indirect_table(DATA + 0x3000, VRING_DESC_F_INDIRECT);	/* nested */
	offer(1, 0);
	ck_assert_int_eq(vq_pop(&vq, &c), -EIO);
}
END_TEST

START_TEST(event_idx_asks_for_the_next_kick)
{
	struct vq_chain c;
	uint16_t avail_event = 0xffff;

	vq.event_idx = true;
	set_desc(0, DATA, 16, 0, 0);
	offer(0, 0);
	ck_assert_int_eq(vq_pop(&vq, &c), 1);
	ck_assert_int_eq(vq_pop(&vq, &c), 0);
	/* avail_event follows the used ring: kick me at index 1 */
	ck_assert_int_eq(guest_memory_read(mem, USED + 4 + 8 * QSIZE, &avail_event, 2), 0);
	ck_assert_uint_eq(avail_event, 1);
}
END_TEST

START_TEST(good_chain_is_walked_and_completed)
{
	struct vq_chain c;
	uint16_t used_idx;
	uint32_t used[2];

	set_desc(0, DATA, 16, VRING_DESC_F_NEXT, 3);
	set_desc(3, DATA + 0x1000, 512, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 5);
	set_desc(5, DATA + 0x2000, 1, VRING_DESC_F_WRITE, 0);
	offer(0, 0);
	ck_assert_int_eq(vq_pop(&vq, &c), 1);
	ck_assert_uint_eq(c.head, 0);
	ck_assert_uint_eq(c.nr_out, 1);
	ck_assert_uint_eq(c.nr_in, 2);
	ck_assert_uint_eq(c.out_len, 16);
	ck_assert_uint_eq(c.in_len, 513);
	ck_assert_ptr_eq(c.iov[1].iov_base, guest_memory_ptr(mem, DATA + 0x1000, 512));
	ck_assert_int_eq(vq_pop(&vq, &c), 0);		/* nothing more */
	vq_push(&vq, 0, 513);
	guest_memory_read(mem, USED + 2, &used_idx, 2);
	guest_memory_read(mem, USED + 4, used, 8);
	ck_assert_uint_eq(used_idx, 1);
	ck_assert_uint_eq(used[0], 0);
	ck_assert_uint_eq(used[1], 513);
}
END_TEST

static void expect_broken(void)
{
	struct vq_chain c;

	ck_assert_int_eq(vq_pop(&vq, &c), -EIO);
	ck_assert(vq.broken);
	ck_assert_int_eq(vq_pop(&vq, &c), -EIO);	/* stays broken */
}

START_TEST(loop_is_refused)
{
	set_desc(0, DATA, 16, VRING_DESC_F_NEXT, 1);
	set_desc(1, DATA, 16, VRING_DESC_F_NEXT, 0);
	offer(0, 0);
	expect_broken();
}
END_TEST

START_TEST(next_out_of_range_is_refused)
{
	set_desc(0, DATA, 16, VRING_DESC_F_NEXT, QSIZE);
	offer(0, 0);
	expect_broken();
}
END_TEST

START_TEST(head_out_of_range_is_refused)
{
	offer(0, QSIZE + 3);
	expect_broken();
}
END_TEST

START_TEST(avail_jump_is_refused)
{
	uint16_t idx = QSIZE + 1;

	guest_memory_write(mem, AVAIL + 2, &idx, 2);
	expect_broken();
}
END_TEST

START_TEST(buffer_outside_ram_is_refused)
{
	set_desc(0, 4 * MiB - 8, 16, 0, 0);		/* runs off the end */
	offer(0, 0);
	expect_broken();
}
END_TEST

START_TEST(wrapping_length_is_refused)
{
	set_desc(0, UINT64_MAX - 4, 16, 0, 0);
	offer(0, 0);
	expect_broken();
}
END_TEST

START_TEST(indirect_is_refused)
{
	set_desc(0, DATA, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0, 0);
	expect_broken();
}
END_TEST

START_TEST(readable_after_writable_is_refused)
{
	set_desc(0, DATA, 16, VRING_DESC_F_NEXT | VRING_DESC_F_WRITE, 1);
	set_desc(1, DATA, 16, 0, 0);
	offer(0, 0);
	expect_broken();
}
END_TEST

START_TEST(misplaced_rings_are_refused)
{
	struct virtqueue q;

	vq_init(&q, mem);
	q.size = QSIZE;
	q.desc_gpa = DESC + 8;				/* not 16-aligned */
	q.avail_gpa = AVAIL;
	q.used_gpa = USED;
	ck_assert_int_eq(vq_enable(&q), -EINVAL);
	q.desc_gpa = 4 * MiB - 16;			/* table past the end */
	ck_assert_int_eq(vq_enable(&q), -EINVAL);
	q.desc_gpa = DESC;
	q.used_gpa = USED + 2;				/* not 4-aligned */
	ck_assert_int_eq(vq_enable(&q), -EINVAL);
	q.used_gpa = USED;
	q.size = 3;					/* not a power of two */
	ck_assert_int_eq(vq_enable(&q), -EINVAL);
	q.size = VQ_MAX_SIZE * 2;
	ck_assert_int_eq(vq_enable(&q), -EINVAL);
	q.size = QSIZE;
	ck_assert_int_eq(vq_enable(&q), 0);
}
END_TEST

/* virtio-blk on a 64 KiB file of known bytes. */
static char disk_path[] = "/tmp/vmm-vq-disk.XXXXXX";

static struct virtio_blk *make_disk(bool ro)
{
	struct virtio_blk *blk;
	char buf[65536];
	int fd = mkstemp(disk_path), i;

	ck_assert_int_ge(fd, 0);
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i / 512);
	ck_assert_int_eq(write(fd, buf, sizeof(buf)), sizeof(buf));
	close(fd);
	ck_assert_int_eq(virtio_blk_create(disk_path, ro, "serial-1234", &blk), 0);
	unlink(disk_path);
	strcpy(disk_path, "/tmp/vmm-vq-disk.XXXXXX");
	return blk;
}

/* One request: header, data buffer of len (in or out), status byte. */
static uint8_t request(struct virtio_blk *blk, uint16_t n, uint32_t type,
		       uint64_t sector, uint32_t len, bool data_in)
{
	struct { uint32_t type, reserved; uint64_t sector; } h = { type, 0, sector };
	uint8_t status = 0xee;

	guest_memory_write(mem, DATA, &h, sizeof(h));
	guest_memory_write(mem, DATA + 0x3000, &status, 1);
	set_desc(0, DATA, sizeof(h), VRING_DESC_F_NEXT, len ? 1 : 2);
	set_desc(1, DATA + 0x1000, len, VRING_DESC_F_NEXT | (data_in ? VRING_DESC_F_WRITE : 0), 2);
	set_desc(2, DATA + 0x3000, 1, VRING_DESC_F_WRITE, 0);
	offer(n, 0);
	ck_assert(virtio_blk_queue_notify(blk, &vq, 0));
	guest_memory_read(mem, DATA + 0x3000, &status, 1);
	return status;
}

START_TEST(blk_requests)
{
	struct virtio_blk *blk = make_disk(false);
	uint8_t *data = guest_memory_ptr(mem, DATA + 0x1000, 1024);

	ck_assert_uint_eq(virtio_blk_capacity(blk), 128);
	ck_assert_uint_eq(request(blk, 0, 0, 3, 1024, true), 0);	/* read */
	ck_assert_uint_eq(data[0], 3);
	ck_assert_uint_eq(data[1023], 4);
	memset(data, 0xab, 512);
	ck_assert_uint_eq(request(blk, 1, 1, 10, 512, false), 0);	/* write */
	memset(data, 0, 512);
	ck_assert_uint_eq(request(blk, 2, 0, 10, 512, true), 0);
	ck_assert_uint_eq(data[100], 0xab);
	ck_assert_uint_eq(request(blk, 3, 4, 0, 0, false), 0);		/* flush */
	ck_assert_uint_eq(request(blk, 4, 8, 0, 20, true), 0);		/* get id */
	ck_assert(!memcmp(data, "serial-1234", 11));
	ck_assert_uint_eq(request(blk, 5, 0, 127, 1024, true), 1);	/* past the end */
	ck_assert_uint_eq(request(blk, 6, 0, UINT64_MAX / 512, 512, true), 1);
	ck_assert_uint_eq(request(blk, 7, 0, 0, 100, true), 1);		/* not whole sectors */
	ck_assert_uint_eq(request(blk, 8, 99, 0, 0, false), 2);		/* unsupported */
	ck_assert(!vq.broken);
	virtio_blk_destroy(blk);
}
END_TEST

START_TEST(blk_read_only)
{
	struct virtio_blk *blk = make_disk(true);
	struct virtio_device dev;

	virtio_blk_describe(blk, &dev);
	ck_assert(dev.features & (1ULL << 5));				/* VIRTIO_BLK_F_RO */
	ck_assert_uint_eq(request(blk, 0, 1, 0, 512, false), 1);	/* write refused */
	ck_assert_uint_eq(request(blk, 1, 0, 0, 512, true), 0);		/* read works */
	virtio_blk_destroy(blk);
}
END_TEST

/* An external-queue device that records what the transport asks of it. */
static unsigned int ext_starts;

static int ext_start(void *opaque, uint64_t features, const struct virtio_queue_layout *q,
		     unsigned int nr, int irq_fd)
{
	(void)opaque; (void)features; (void)q; (void)nr; (void)irq_fd;
	ext_starts++;
	return 0;
}

static void ext_stop(void *opaque)
{
	(void)opaque;
}

static bool ext_lost(void *opaque)
{
	(void)opaque;
	return false;
}

static int ext_watch_fd = -1;

static int ext_watch(void *opaque)
{
	(void)opaque;
	return ext_watch_fd;
}

static bool ext_notify(void *opaque, struct virtqueue *q, unsigned int index)
{
	(void)opaque; (void)q; (void)index;
	return false;
}

static const struct virtio_device_ops ext_ops = { .queue_notify = ext_notify };
static const struct virtio_external_ops ext_external = {
	.start = ext_start, .stop = ext_stop, .lost = ext_lost, .watch = ext_watch,
};

static void mmio_wr(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	virtio_mmio_ops.write(t, off, (const uint8_t *)&v, 4);
}

static uint32_t mmio_rd(struct virtio_mmio *t, uint64_t off)
{
	uint32_t v;

	virtio_mmio_ops.read(t, off, (uint8_t *)&v, 4);
	return v;
}

/*
 * Found by the hostile guest: DRIVER_OK with no queue ready on a device
 * with external queues (vhost-user) failed the device for good, as if the
 * backend had died. It is the driver's mistake: DEVICE_NEEDS_RESET, no
 * report, and after a reset the device starts as usual.
 */
START_TEST(driver_ok_without_queues_is_not_fatal)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, watch = eventfd(0, EFD_CLOEXEC);
	struct virtio_device dev = {
		.name = "ext", .device_id = VIRTIO_ID_BLOCK, .nr_queues = 1,
		.ops = &ext_ops, .external = &ext_external,
	};
	struct virtio_mmio_params p = { .mem = mem, .base = 0xd0000000ULL, .irq = 5 };
	struct kvm_device_host host;
	struct virtio_mmio_stats st;
	struct virtio_mmio *t;

	ck_assert_int_ge(kvm, 0);
	ext_watch_fd = watch;
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	ck_assert_int_ge(vm, 0);
	kvm_device_host_init(&host, vm);
	p.host = &host.host;
	ck_assert_int_eq(virtio_mmio_create(&p, &dev, &t), 0);
	mmio_wr(t, 0x070, 1 | 2);			/* ACK, DRIVER */
	mmio_wr(t, 0x024, 1);
	mmio_wr(t, 0x020, 1);				/* VERSION_1 */
	mmio_wr(t, 0x070, 1 | 2 | 8);			/* FEATURES_OK */
	mmio_wr(t, 0x070, 1 | 2 | 8 | 4);		/* DRIVER_OK, no queue */
	ck_assert_uint_eq(mmio_rd(t, 0x070), 1 | 2 | 8 | 4 | 0x40);
	ck_assert_uint_eq(ext_starts, 0);
	virtio_mmio_stats(t, &st);
	ck_assert(!st.failed);

	mmio_wr(t, 0x070, 0);				/* reset, then do it right */
	mmio_wr(t, 0x070, 1 | 2);
	mmio_wr(t, 0x024, 1);
	mmio_wr(t, 0x020, 1);
	mmio_wr(t, 0x070, 1 | 2 | 8);
	mmio_wr(t, 0x038, QSIZE);
	mmio_wr(t, 0x080, (uint32_t)DESC);
	mmio_wr(t, 0x090, (uint32_t)AVAIL);
	mmio_wr(t, 0x0a0, (uint32_t)USED);
	mmio_wr(t, 0x044, 1);
	mmio_wr(t, 0x070, 1 | 2 | 8 | 4);
	ck_assert_uint_eq(mmio_rd(t, 0x070), 1 | 2 | 8 | 4);
	ck_assert_uint_eq(ext_starts, 1);
	virtio_mmio_stats(t, &st);
	ck_assert(!st.failed);
	virtio_mmio_destroy(t);
	close(vm);
	close(kvm);
	close(watch);
}
END_TEST

/* ---- in-flight tracking ---- */

static struct {
	struct vhost_user_inflight_queue q;
	struct vhost_user_inflight_desc desc[QSIZE];
} region;
static uint16_t resubmit[VQ_MAX_SIZE];

static void region_init(void)
{
	memset(&region, 0, sizeof(region));
	region.q.version = 1;
	region.q.desc_num = QSIZE;
}

static void set_used_idx(uint16_t idx)
{
	ck_assert_int_eq(guest_memory_write(mem, USED + 2, &idx, 2), 0);
}

static void mark_inflight(uint16_t head, uint64_t counter)
{
	region.desc[head].inflight = 1;
	region.desc[head].counter = counter;
}

static uint16_t pop_head(void)
{
	struct vq_chain c;

	ck_assert_int_eq(vq_pop(&vq, &c), 1);
	return c.head;
}

START_TEST(inflight_records_taken_and_returned)
{
	unsigned int i;

	region_init();
	region.q.last_batch_head = 7;
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), 0);
	ck_assert_uint_eq(vq.nr_resubmit, 0);
	for (i = 0; i < 3; i++) {
		set_desc((uint16_t)i, DATA, 16, 0, 0);
		offer((uint16_t)i, (uint16_t)i);
		ck_assert_uint_eq(pop_head(), i);
		ck_assert_uint_eq(region.desc[i].inflight, 1);
		ck_assert_uint_eq(region.desc[i].counter, i + 1);
	}
	vq_push(&vq, 1, 0);
	ck_assert_uint_eq(region.desc[1].inflight, 0);
	ck_assert_uint_eq(region.desc[1].next, 7);
	ck_assert_uint_eq(region.q.last_batch_head, 1);
	ck_assert_uint_eq(region.q.used_idx, 1);
	vq_push(&vq, 0, 0);
	ck_assert_uint_eq(region.desc[0].next, 1);
	ck_assert_uint_eq(region.q.used_idx, 2);
	ck_assert_uint_eq(region.desc[2].inflight, 1);	/* not returned */
	ck_assert_uint_eq(region.desc[0].inflight + region.desc[1].inflight, 0);
}
END_TEST

START_TEST(inflight_restart_resubmits_in_counter_order)
{
	unsigned int i;

	/* heads 0-3 and 5 taken, 0 and 2 returned; 6 and 7 are new */
	for (i = 0; i < QSIZE; i++)
		set_desc((uint16_t)i, DATA + 0x100 * i, 16, 0, 0);
	for (i = 0; i < 7; i++)
		offer((uint16_t)i, (uint16_t)(i < 4 ? i : i + 1));
	set_used_idx(2);
	region_init();
	region.q.used_idx = 2;
	mark_inflight(3, 7);
	mark_inflight(5, 4);
	mark_inflight(1, 9);
	region.desc[0].counter = 2;	/* returned long ago */

	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), 0);
	ck_assert_uint_eq(vq.last_avail, 5);
	ck_assert_uint_eq(vq.used_idx, 2);
	ck_assert_uint_eq(pop_head(), 5);
	ck_assert_uint_eq(pop_head(), 3);
	ck_assert_uint_eq(pop_head(), 1);
	/* then the ring from last_avail: entries 5 and 6 */
	ck_assert_uint_eq(pop_head(), 6);
	ck_assert_uint_eq(region.desc[6].counter, 10);
	ck_assert_uint_eq(pop_head(), 7);
	ck_assert_uint_eq(region.desc[7].counter, 11);
	ck_assert_uint_eq(region.desc[5].counter, 4);	/* resubmitted as it was */
	{
		struct vq_chain c;

		ck_assert_int_eq(vq_pop(&vq, &c), 0);
	}
	vq_push(&vq, 3, 0);
	ck_assert_uint_eq(region.q.used_idx, 3);
}
END_TEST

START_TEST(inflight_published_batch_is_finished)
{
	/* head 4 was in the used ring (idx 3) when the backend died */
	set_used_idx(3);
	region_init();
	region.q.used_idx = 2;
	region.q.last_batch_head = 4;
	mark_inflight(4, 5);
	mark_inflight(2, 6);
	set_desc(2, DATA, 16, 0, 0);
	offer(3, 2);
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), 0);
	ck_assert_uint_eq(region.desc[4].inflight, 0);
	ck_assert_uint_eq(region.q.used_idx, 3);
	ck_assert_uint_eq(vq.nr_resubmit, 1);
	ck_assert_uint_eq(vq.last_avail, 4);
	ck_assert_uint_eq(pop_head(), 2);
	ck_assert_uint_eq(vq.inflight_counter, 6);
}
END_TEST

START_TEST(inflight_garbage_is_refused)
{
	region_init();
	region.q.version = 0;
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), -EINVAL);
	region_init();
	region.q.desc_num = QSIZE / 2;
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), -EINVAL);
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE / 2, resubmit), -EINVAL);
	region_init();
	region.desc[3].inflight = 2;
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), -EINVAL);
	region_init();
	set_used_idx(QSIZE + 1);		/* a batch longer than the ring */
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), -EINVAL);
	region_init();
	set_used_idx(3);			/* a batch that leaves the table */
	region.q.last_batch_head = 1;
	region.desc[1].next = 0x7fff;
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), -EINVAL);
	ck_assert_ptr_null(vq.inflight);
	ck_assert_uint_eq(vq.nr_resubmit, 0);
}
END_TEST

START_TEST(inflight_resubmitted_chain_is_checked)
{
	region_init();
	mark_inflight(2, 1);
	set_desc(2, DATA, 16, VRING_DESC_F_NEXT, QSIZE);	/* next out of range */
	ck_assert_int_eq(vq_inflight_start(&vq, &region.q, QSIZE, resubmit), 0);
	ck_assert_uint_eq(vq.last_avail, 1);
	expect_broken();
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtqueue");
	TCase *tc = tcase_create("virtqueue");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_chain_is_walked_and_completed);
	tcase_add_test(tc, indirect_only_when_negotiated);
	tcase_add_test(tc, event_idx_asks_for_the_next_kick);
	tcase_add_test(tc, loop_is_refused);
	tcase_add_test(tc, next_out_of_range_is_refused);
	tcase_add_test(tc, head_out_of_range_is_refused);
	tcase_add_test(tc, avail_jump_is_refused);
	tcase_add_test(tc, buffer_outside_ram_is_refused);
	tcase_add_test(tc, wrapping_length_is_refused);
	tcase_add_test(tc, indirect_is_refused);
	tcase_add_test(tc, readable_after_writable_is_refused);
	tcase_add_test(tc, misplaced_rings_are_refused);
	tcase_add_test(tc, blk_requests);
	tcase_add_test(tc, blk_read_only);
	tcase_add_test(tc, inflight_records_taken_and_returned);
	tcase_add_test(tc, inflight_restart_resubmits_in_counter_order);
	tcase_add_test(tc, inflight_published_batch_is_finished);
	tcase_add_test(tc, inflight_garbage_is_refused);
	tcase_add_test(tc, inflight_resubmitted_chain_is_checked);
	suite_add_tcase(s, tc);
	/*
	 * The transport registers its ioeventfds with a KVM VM: this case
	 * runs where /dev/kvm does, and the integration tier (here or in the
	 * KVM box) runs this suite again for it.
	 */
	if (access("/dev/kvm", R_OK | W_OK) == 0) {
		tc = tcase_create("transport_on_kvm");
		tcase_add_checked_fixture(tc, setup, teardown);
		tcase_add_test(tc, driver_ok_without_queues_is_not_fatal);
		suite_add_tcase(s, tc);
	} else {
		printf("virtqueue: the transport case needs /dev/kvm: the integration tier runs it\n");
	}
	return run_suite(s);
}
