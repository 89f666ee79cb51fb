// SPDX-License-Identifier: GPL-2.0
/*
 * A hostile virtio driver. Finds the virtio-mmio devices at 0xd0000000 +
 * i * 0x1000, and for each runs one attack at a time, resetting the device
 * and setting it up again like a driver (ACK, DRIVER, VERSION_1,
 * FEATURES_OK, queue 0, DRIVER_OK) before each: broken descriptor chains,
 * buffers and rings outside RAM, bad queue sizes and indexes, odd MMIO
 * accesses, status writes out of order, and a valid request last. After
 * each it reads back what the device says (DEVICE_NEEDS_RESET in Status,
 * the virtio-blk status byte, or that nothing was used) and prints
 *
 *	HOSTILE <device> <case>: <outcome>
 *
 * It exits 0 if every outcome was one this driver can accept for its case,
 * 33 if one was not, 34 if it found no virtio device. All of it runs at
 * CPL3: MMIO is plain loads and stores.
 */
#include "runtime.h"

#define MMIO_BASE	0xd0000000ULL
#define MMIO_SLOTS	9
#define SLOT_SIZE	0x1000ULL

#define R_MAGIC		0x000
#define R_VERSION	0x004
#define R_DEVICE_ID	0x008
#define R_DRV_FEAT	0x020
#define R_DRV_FEAT_SEL	0x024
#define R_QUEUE_SEL	0x030
#define R_QUEUE_NUM_MAX	0x034
#define R_QUEUE_NUM	0x038
#define R_QUEUE_READY	0x044
#define R_QUEUE_NOTIFY	0x050
#define R_STATUS	0x070
#define R_DESC_LO	0x080
#define R_DESC_HI	0x084
#define R_AVAIL_LO	0x090
#define R_AVAIL_HI	0x094
#define R_USED_LO	0x0a0
#define R_USED_HI	0x0a4
#define R_CONFIG	0x100

#define S_ACK		1
#define S_DRIVER	2
#define S_DRIVER_OK	4
#define S_FEATURES_OK	8
#define S_NEEDS_RESET	0x40

#define F_VERSION_1	(1ULL << 32)

#define D_NEXT		1
#define D_WRITE		2
#define D_INDIRECT	4

#define ID_BLK		2
#define ID_RNG		4

/* Guest-physical scratch: the queue and the request buffers, at 32 MiB. */
#define Q_DESC		0x2000000ULL
#define Q_AVAIL		0x2001000ULL
#define Q_USED		0x2002000ULL
#define B_HDR		0x2010000ULL
#define B_DATA		0x2011000ULL
#define B_STAT		0x2012000ULL
#define B_TABLE		0x2013000ULL
#define QN		8

#define WAIT_SHORT	300000000ULL	/* TSC cycles: about 0.1 s */
#define WAIT_LONG	20000000000ULL	/* several seconds */
#define WAIT_SETTLE	(5 * WAIT_SHORT)

enum outcome {
	O_OK, O_IOERR, O_UNSUPP, O_USED, O_NEEDS_RESET, O_IGNORED, O_REFUSED,
	O_ANSWERED, O_WRONG, NR_OUTCOMES
};

static const char *const outcome_name[NR_OUTCOMES] = {
	"ok", "ioerr", "unsupp", "used", "needs_reset", "ignored", "refused",
	"answered", "wrong",
};

#define A(o)	(1u << O_##o)

struct dev {
	uint64_t base;
	uint32_t id;
	unsigned int slot;
};

/* The queue as laid out for the current case. */
static uint64_t q_desc, q_avail, q_used;
static uint16_t avail_idx, used_seen;
/* The memory map: end of the RAM that starts at 0, and the highest end. */
static uint64_t low_end, top_end;

static uint32_t rd(const struct dev *d, uint64_t off)
{
	return (uint32_t)mmio_read(d->base + off, 4);
}

static void wr(const struct dev *d, uint64_t off, uint32_t v)
{
	mmio_write(d->base + off, 4, v);
}

static void zero(uint64_t gpa, uint64_t len)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;
	uint64_t i;

	for (i = 0; i < len / 8; i++)
		p[i] = 0;
}

static void set_desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	volatile uint8_t *p = (volatile uint8_t *)(q_desc + 16ULL * i);

	*(volatile uint64_t *)p = addr;
	*(volatile uint32_t *)(p + 8) = len;
	*(volatile uint16_t *)(p + 12) = flags;
	*(volatile uint16_t *)(p + 14) = next;
}

static volatile uint16_t *avail_ring(void)
{
	return (volatile uint16_t *)q_avail;
}

static uint16_t used_idx(void)
{
	return ((volatile uint16_t *)q_used)[1];
}

/* Makes head available and moves the avail index by step (normally 1). */
static void publish(uint16_t head, uint16_t step)
{
	avail_ring()[2 + avail_idx % QN] = head;
	__asm__ volatile("" ::: "memory");
	avail_idx = (uint16_t)(avail_idx + step);
	avail_ring()[1] = avail_idx;
}

static void set_queue(const struct dev *d, uint32_t num, uint64_t desc,
		      uint64_t avail, uint64_t used)
{
	q_desc = desc;
	q_avail = avail;
	q_used = used;
	wr(d, R_QUEUE_SEL, 0);
	wr(d, R_QUEUE_NUM, num);
	wr(d, R_DESC_LO, (uint32_t)desc);
	wr(d, R_DESC_HI, (uint32_t)(desc >> 32));
	wr(d, R_AVAIL_LO, (uint32_t)avail);
	wr(d, R_AVAIL_HI, (uint32_t)(avail >> 32));
	wr(d, R_USED_LO, (uint32_t)used);
	wr(d, R_USED_HI, (uint32_t)(used >> 32));
}

/* Reset, ACK, DRIVER, features; FEATURES_OK if asked. 0 if accepted. */
static int negotiate(const struct dev *d, uint64_t features, int features_ok)
{
	wr(d, R_STATUS, 0);
	avail_idx = used_seen = 0;
	zero(Q_DESC, 0x3000);
	wr(d, R_STATUS, S_ACK);
	wr(d, R_STATUS, S_ACK | S_DRIVER);
	wr(d, R_DRV_FEAT_SEL, 0);
	wr(d, R_DRV_FEAT, (uint32_t)features);
	wr(d, R_DRV_FEAT_SEL, 1);
	wr(d, R_DRV_FEAT, (uint32_t)(features >> 32));
	if (!features_ok)
		return 0;
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return rd(d, R_STATUS) & S_FEATURES_OK ? 0 : -1;
}

/* What a driver does: everything up to DRIVER_OK, with a queue of QN. */
static int setup(const struct dev *d)
{
	if (negotiate(d, F_VERSION_1, 1))
		return -1;
	set_queue(d, QN, Q_DESC, Q_AVAIL, Q_USED);
	wr(d, R_QUEUE_READY, 1);
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	return rd(d, R_STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK) ? 0 : -1;
}

/*
 * A valid request as descriptors 0.. (head 0): a virtio-blk read of
 * sector 0 (header, 512 bytes of data, status byte), or 64 random bytes.
 * Returns the index of the data descriptor.
 */
static uint16_t std_chain(const struct dev *d)
{
	volatile uint32_t *hdr = (volatile uint32_t *)B_HDR;

	*(volatile uint8_t *)B_STAT = 0xff;
	if (d->id != ID_BLK) {
		set_desc(0, B_DATA, 64, D_WRITE, 0);
		return 0;
	}
	hdr[0] = 0;		/* VIRTIO_BLK_T_IN */
	hdr[1] = 0;
	*(volatile uint64_t *)(B_HDR + 8) = 0;
	set_desc(0, B_HDR, 16, D_NEXT, 1);
	set_desc(1, B_DATA, 512, D_WRITE | D_NEXT, 2);
	set_desc(2, B_STAT, 1, D_WRITE, 0);
	return 1;
}

/* Kicks queue 0 and waits for the device's answer. */
static enum outcome kick_and_wait(const struct dev *d, uint64_t cycles)
{
	uint64_t end;
	uint32_t len;
	uint8_t st;

	wr(d, R_QUEUE_NOTIFY, 0);
	end = rdtsc() + cycles;
	while (used_idx() == used_seen && !(rd(d, R_STATUS) & S_NEEDS_RESET) &&
	       rdtsc() < end)
		;
	if (rd(d, R_STATUS) & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	if (used_idx() == used_seen)
		return O_IGNORED;
	/*
	 * With rings that overlap (used over the descriptors or the avail
	 * ring) the used index can move under the driver's own writes before
	 * the device has answered: give the answer (the status byte, or the
	 * used length) a moment to arrive. A device that never writes one
	 * costs WAIT_SETTLE.
	 */
	end = rdtsc() + WAIT_SETTLE;
	while (rdtsc() < end &&
	       (d->id == ID_BLK ? *(volatile uint8_t *)B_STAT == 0xff :
		!((volatile uint32_t *)q_used)[1 + 2 * (used_seen % QN) + 1]))
		;
	len = ((volatile uint32_t *)q_used)[1 + 2 * (used_seen % QN) + 1];
	used_seen++;
	if (d->id != ID_BLK)
		return len ? O_OK : O_USED;
	st = *(volatile uint8_t *)B_STAT;
	return st == 0 ? O_OK : st == 1 ? O_IOERR : st == 2 ? O_UNSUPP : O_USED;
}

/* Submits what the descriptors hold now, from head. */
static enum outcome submit(const struct dev *d, uint16_t head, uint64_t cycles)
{
	publish(head, 1);
	return kick_and_wait(d, cycles);
}

/* ---- the cases: set up as needed, attack, say what the device did ---- */

static enum outcome valid_request(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	return submit(d, 0, WAIT_LONG);
}

/* The valid chain with its data buffer moved to [addr, addr + len). */
static enum outcome bad_buffer(const struct dev *d, uint64_t addr, uint32_t len)
{
	uint16_t data;

	if (setup(d))
		return O_WRONG;
	data = std_chain(d);
	set_desc(data, addr, len, D_WRITE | (d->id == ID_BLK ? D_NEXT : 0),
		 (uint16_t)(data + 1));
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome c_loop(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	/* ... data -> status -> data -> ... all writable, so only the loop is wrong */
	if (d->id == ID_BLK)
		set_desc(2, B_STAT, 1, D_WRITE | D_NEXT, 1);
	else {
		set_desc(0, B_DATA, 64, D_WRITE | D_NEXT, 1);
		set_desc(1, B_DATA + 64, 64, D_WRITE | D_NEXT, 0);
	}
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome c_self_loop(const struct dev *d)
{
	uint16_t data;

	if (setup(d))
		return O_WRONG;
	data = std_chain(d);
	set_desc(data, B_DATA, 64, D_WRITE | D_NEXT, data);
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome c_outside_ram(const struct dev *d)
{
	return bad_buffer(d, top_end + (1ULL << 30), 512);
}

static enum outcome c_hole(const struct dev *d)
{
	return bad_buffer(d, 0xc0000000ULL + 0x1000, 512);
}

static enum outcome c_mmio_slot(const struct dev *d)
{
	/* DMA into the device's own registers */
	return bad_buffer(d, d->base, 512);
}

static enum outcome c_cross_low_end(const struct dev *d)
{
	return bad_buffer(d, low_end - 256, 512);
}

static enum outcome c_cross_top(const struct dev *d)
{
	return bad_buffer(d, top_end - 256, 512);
}

static enum outcome c_wrap(const struct dev *d)
{
	return bad_buffer(d, 0xffffffffffffff00ULL, 512);
}

static enum outcome c_len_4g(const struct dev *d)
{
	return bad_buffer(d, B_DATA, 0xffffffffU);
}

static enum outcome c_head_oob(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	return submit(d, QN, WAIT_SHORT);
}

static enum outcome c_head_ffff(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	return submit(d, 0xffff, WAIT_SHORT);
}

static enum outcome c_next_oob(const struct dev *d)
{
	uint16_t data;

	if (setup(d))
		return O_WRONG;
	data = std_chain(d);
	set_desc(data, B_DATA, 512, D_WRITE | D_NEXT, QN + 3);
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome avail_jump(const struct dev *d, uint16_t step)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	publish(0, step);
	return kick_and_wait(d, WAIT_SHORT);
}

static enum outcome c_avail_jump(const struct dev *d)
{
	return avail_jump(d, QN + 1);
}

static enum outcome c_avail_jump_big(const struct dev *d)
{
	return avail_jump(d, 0x8000);
}

static enum outcome c_avail_rewind(const struct dev *d)
{
	enum outcome o = valid_request(d);

	if (o != O_OK)
		return o == O_NEEDS_RESET ? O_WRONG : o;
	avail_idx = 0;
	avail_ring()[1] = 0;	/* behind what the device consumed */
	return kick_and_wait(d, WAIT_SHORT);
}

static enum outcome c_indirect(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	/* a table of one valid descriptor, in RAM: refused all the same */
	*(volatile uint64_t *)B_TABLE = B_DATA;
	*(volatile uint32_t *)(B_TABLE + 8) = 64;
	*(volatile uint16_t *)(B_TABLE + 12) = D_WRITE;
	*(volatile uint16_t *)(B_TABLE + 14) = 0;
	if (d->id == ID_BLK)
		set_desc(1, B_TABLE, 16, D_INDIRECT | D_NEXT, 2);
	else
		set_desc(0, B_TABLE, 16, D_INDIRECT, 0);
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome c_read_after_write(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	if (d->id == ID_BLK)
		set_desc(2, B_STAT, 1, 0, 0);	/* readable after writable */
	else {
		set_desc(0, B_DATA, 64, D_WRITE | D_NEXT, 1);
		set_desc(1, B_DATA + 64, 64, 0, 0);
	}
	return submit(d, 0, WAIT_SHORT);
}

/* The valid request on rings placed as given. */
static enum outcome rings_at(const struct dev *d, uint64_t desc, uint64_t avail,
			     uint64_t used)
{
	if (negotiate(d, F_VERSION_1, 1))
		return O_WRONG;
	set_queue(d, QN, desc, avail, used);
	wr(d, R_QUEUE_READY, 1);
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	std_chain(d);
	return submit(d, 0, WAIT_LONG);
}

static enum outcome c_used_over_desc(const struct dev *d)
{
	return rings_at(d, Q_DESC, Q_AVAIL, Q_DESC);
}

static enum outcome c_rings_overlap(const struct dev *d)
{
	return rings_at(d, Q_DESC, Q_AVAIL, Q_AVAIL);
}

/*
 * A queue the device must refuse at QueueReady: DEVICE_NEEDS_RESET, or
 * QueueReady still 0.
 */
static enum outcome bad_queue(const struct dev *d, uint32_t num, uint64_t desc,
			      uint64_t avail, uint64_t used)
{
	if (negotiate(d, F_VERSION_1, 1))
		return O_WRONG;
	set_queue(d, num, desc, avail, used);
	wr(d, R_QUEUE_READY, 1);
	if (rd(d, R_STATUS) & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	if (!rd(d, R_QUEUE_READY))
		return O_REFUSED;
	return O_WRONG;
}

static enum outcome c_qsize_0(const struct dev *d)
{
	return bad_queue(d, 0, Q_DESC, Q_AVAIL, Q_USED);
}

static enum outcome c_qsize_3(const struct dev *d)
{
	return bad_queue(d, 3, Q_DESC, Q_AVAIL, Q_USED);
}

static enum outcome c_qsize_over_max(const struct dev *d)
{
	return bad_queue(d, rd(d, R_QUEUE_NUM_MAX) * 2, Q_DESC, Q_AVAIL, Q_USED);
}

static enum outcome c_qsize_65536(const struct dev *d)
{
	return bad_queue(d, 65536, Q_DESC, Q_AVAIL, Q_USED);
}

static enum outcome c_ring_outside(const struct dev *d)
{
	return bad_queue(d, QN, top_end + (1ULL << 30), Q_AVAIL, Q_USED);
}

static enum outcome c_ring_hole(const struct dev *d)
{
	return bad_queue(d, QN, Q_DESC, d->base, Q_USED);
}

static enum outcome c_ring_cross_top(const struct dev *d)
{
	return bad_queue(d, QN, Q_DESC, Q_AVAIL, top_end - 16);
}

static enum outcome c_ring_wrap(const struct dev *d)
{
	return bad_queue(d, QN, 0xfffffffffffffff0ULL, Q_AVAIL, Q_USED);
}

static enum outcome c_desc_misaligned(const struct dev *d)
{
	return bad_queue(d, QN, Q_DESC + 8, Q_AVAIL, Q_USED);
}

static enum outcome c_avail_misaligned(const struct dev *d)
{
	return bad_queue(d, QN, Q_DESC, Q_AVAIL + 1, Q_USED);
}

static enum outcome c_used_misaligned(const struct dev *d)
{
	return bad_queue(d, QN, Q_DESC, Q_AVAIL, Q_USED + 2);
}

static enum outcome c_ready_garbage(const struct dev *d)
{
	if (negotiate(d, F_VERSION_1, 1))
		return O_WRONG;
	set_queue(d, QN, Q_DESC, Q_AVAIL, Q_USED);
	wr(d, R_QUEUE_READY, 0xdeadbeef);
	if (rd(d, R_STATUS) & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	if (!rd(d, R_QUEUE_READY))
		return O_REFUSED;
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	std_chain(d);
	return submit(d, 0, WAIT_LONG);
}

/* Queue registers of queues that do not exist: ignored. */
static enum outcome c_queue_sel_oob(const struct dev *d)
{
	static const uint32_t sel[] = { 1, 4, 0xffff, 0xffffffff };
	unsigned int i;

	if (negotiate(d, F_VERSION_1, 1))
		return O_WRONG;
	for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
		wr(d, R_QUEUE_SEL, sel[i]);
		if (rd(d, R_QUEUE_NUM_MAX) && sel[i] >= 4)
			return O_WRONG;
		wr(d, R_QUEUE_NUM, 0);
		wr(d, R_DESC_LO, 0xffffffff);
		wr(d, R_QUEUE_READY, 1);
	}
	if (rd(d, R_STATUS) & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	return valid_request(d) == O_OK ? O_IGNORED : O_WRONG;
}

/* Moving a live queue: ignored, the queue goes on where it was. */
static enum outcome c_live_queue_change(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	wr(d, R_QUEUE_NUM, 3);
	wr(d, R_DESC_LO, 0xfffffff0);
	wr(d, R_DESC_HI, 0xffffffff);
	wr(d, R_USED_LO, (uint32_t)Q_DESC);
	std_chain(d);
	return submit(d, 0, WAIT_LONG);
}

/* QueueReady 0 on a live queue, then a request. */
static enum outcome c_queue_unready_live(const struct dev *d)
{
	if (setup(d))
		return O_WRONG;
	wr(d, R_QUEUE_READY, 0);
	std_chain(d);
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome c_notify_bad_queue(const struct dev *d)
{
	static const uint32_t q[] = { 1, 4, 0xffff, 0xffffffff };
	unsigned int i;
	uint64_t end;

	if (setup(d))
		return O_WRONG;
	std_chain(d);
	publish(0, 1);
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		wr(d, R_QUEUE_NOTIFY, q[i]);
	for (end = rdtsc() + WAIT_SHORT; rdtsc() < end;)
		;
	if (rd(d, R_STATUS) & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	if (used_idx() != used_seen)
		return O_ANSWERED;
	return kick_and_wait(d, WAIT_LONG) == O_OK ? O_IGNORED : O_WRONG;
}

static enum outcome c_notify_before_driver_ok(const struct dev *d)
{
	if (negotiate(d, F_VERSION_1, 1))
		return O_WRONG;
	set_queue(d, QN, Q_DESC, Q_AVAIL, Q_USED);
	wr(d, R_QUEUE_READY, 1);
	std_chain(d);
	return submit(d, 0, WAIT_SHORT);
}

static enum outcome c_driver_ok_no_features_ok(const struct dev *d)
{
	if (negotiate(d, F_VERSION_1, 0))
		return O_WRONG;
	set_queue(d, QN, Q_DESC, Q_AVAIL, Q_USED);
	wr(d, R_QUEUE_READY, 1);
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_DRIVER_OK);
	if (rd(d, R_STATUS) & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	std_chain(d);
	return submit(d, 0, WAIT_SHORT);
}

/* DRIVER_OK alone, first thing after a reset, with no queue ready. */
static enum outcome c_driver_ok_only(const struct dev *d)
{
	uint32_t st;

	wr(d, R_STATUS, 0);
	wr(d, R_STATUS, S_DRIVER_OK);
	st = rd(d, R_STATUS);
	if (st & S_NEEDS_RESET)
		return O_NEEDS_RESET;
	return st == S_DRIVER_OK ? O_IGNORED : O_WRONG;
}

static enum outcome c_features_no_version_1(const struct dev *d)
{
	return negotiate(d, 0, 1) ? O_REFUSED : O_OK;
}

static enum outcome c_features_unknown(const struct dev *d)
{
	return negotiate(d, F_VERSION_1 | (1ULL << 50) | (1ULL << 28), 1) ? O_REFUSED : O_OK;
}

/* Out-of-range config reads give 0; in range, blk's capacity is there. */
static enum outcome c_config_read_oob(const struct dev *d)
{
	static const struct { uint16_t off; uint8_t len; } r[] = {
		{ 0x0114, 4 }, { 0x0110, 8 }, { 0x0118, 8 }, { 0x0200, 4 },
		{ 0x0ffc, 4 }, { 0x0ff8, 8 }, { 0x0fff, 1 }, { 0x0ffe, 2 },
		{ 0x0801, 4 }, { 0x0113, 2 },
	};
	unsigned int i, n = 0;
	uint64_t cap;

	if (setup(d))
		return O_WRONG;
	cap = mmio_read(d->base + R_CONFIG, 8);
	if (d->id == ID_BLK && !cap)
		return O_WRONG;
	for (i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (mmio_read(d->base + r[i].off, r[i].len))
			n++;
	if (d->id != ID_BLK && cap)
		n++;
	return n ? O_ANSWERED : O_IGNORED;
}

/* Config writes of every size, in range and past it: nothing changes. */
static enum outcome c_config_write(const struct dev *d)
{
	static const struct { uint16_t off; uint8_t len; } w[] = {
		{ 0x0100, 4 }, { 0x0100, 8 }, { 0x0101, 1 }, { 0x0102, 2 },
		{ 0x0103, 4 }, { 0x0110, 8 }, { 0x0200, 4 }, { 0x0ff8, 8 },
		{ 0x0ffc, 4 }, { 0x0fff, 1 },
	};
	unsigned int i;
	uint64_t cap;

	if (setup(d))
		return O_WRONG;
	cap = mmio_read(d->base + R_CONFIG, 8);
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		mmio_write(d->base + w[i].off, w[i].len, 0x5a5a5a5a5a5a5a5aULL);
	if (mmio_read(d->base + R_CONFIG, 8) != cap)
		return O_ANSWERED;
	return valid_request(d) == O_OK ? O_IGNORED : O_WRONG;
}

/* Registers are 32-bit: reads of other sizes or unaligned give nothing. */
static enum outcome c_odd_reads(const struct dev *d)
{
	unsigned int off, k, n = 0;

	if (setup(d))
		return O_WRONG;
	for (off = 0; off < R_CONFIG; off += 4) {
		for (k = 0; k < 4; k++) {
			n += mmio_read(d->base + off + k, 1) != 0;
			if (k < 3)
				n += mmio_read(d->base + off + k, 2) != 0;
			if (k)
				n += mmio_read(d->base + off + k, 4) != 0;
		}
		if (!(off & 7))
			n += mmio_read(d->base + off, 8) != 0;
	}
	return n ? O_ANSWERED : O_IGNORED;
}

/* Writes of other sizes or unaligned, to every register: all ignored. */
static enum outcome c_odd_writes(const struct dev *d)
{
	static const uint64_t val[] = { 0, ~0ULL };
	unsigned int off, k, v;

	if (setup(d))
		return O_WRONG;
	for (v = 0; v < 2; v++) {
		for (off = 0; off < R_CONFIG; off += 4) {
			for (k = 0; k < 4; k++) {
				mmio_write(d->base + off + k, 1, val[v]);
				if (k < 3)
					mmio_write(d->base + off + k, 2, val[v]);
				if (k)
					mmio_write(d->base + off + k, 4, val[v]);
			}
			if (!(off & 7))
				mmio_write(d->base + off, 8, val[v]);
		}
	}
	if (rd(d, R_STATUS) != (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK))
		return O_ANSWERED;
	std_chain(d);
	return submit(d, 0, WAIT_LONG) == O_OK ? O_IGNORED : O_WRONG;
}

/* virtio-blk requests that are well formed as chains but not as requests. */
static enum outcome blk_request(const struct dev *d, uint32_t type, uint64_t sector,
				uint32_t hdr_len, uint32_t data_len, int with_status)
{
	if (setup(d))
		return O_WRONG;
	std_chain(d);
	((volatile uint32_t *)B_HDR)[0] = type;
	*(volatile uint64_t *)(B_HDR + 8) = sector;
	set_desc(0, B_HDR, hdr_len, D_NEXT, 1);
	set_desc(1, B_DATA, data_len, D_WRITE | (with_status ? D_NEXT : 0), 2);
	if (!with_status)
		set_desc(1, B_DATA, data_len, 0, 0);	/* no writable buffer at all */
	return submit(d, 0, WAIT_LONG);
}

static enum outcome c_blk_bad_type(const struct dev *d)
{
	return blk_request(d, 0x7777, 0, 16, 512, 1);
}

static enum outcome c_blk_past_end(const struct dev *d)
{
	uint64_t cap = mmio_read(d->base + R_CONFIG, 8);

	return blk_request(d, 0, cap, 16, 512, 1);
}

static enum outcome c_blk_huge_sector(const struct dev *d)
{
	return blk_request(d, 0, ~0ULL, 16, 512, 1);
}

static enum outcome c_blk_short_header(const struct dev *d)
{
	return blk_request(d, 0, 0, 8, 512, 1);
}

static enum outcome c_blk_partial_sector(const struct dev *d)
{
	return blk_request(d, 0, 0, 16, 100, 1);
}

static enum outcome c_blk_no_status(const struct dev *d)
{
	return blk_request(d, 0, 0, 16, 512, 0);
}

#define ANY_DEV	0
#define BLK	ID_BLK

static const struct hostile_case {
	const char *name;
	enum outcome (*run)(const struct dev *d);
	unsigned int accept;
	uint32_t only;		/* device id, or ANY_DEV */
} cases[] = {
	/* chains: the queue must break (or, vhost-user, stop) */
	{ "loop", c_loop, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "self_loop", c_self_loop, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_outside_ram", c_outside_ram, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_in_hole", c_hole, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_on_mmio", c_mmio_slot, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_cross_low_end", c_cross_low_end, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_cross_top", c_cross_top, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_wrap", c_wrap, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "buf_len_4g", c_len_4g, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "head_oob", c_head_oob, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "head_ffff", c_head_ffff, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "next_oob", c_next_oob, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "avail_jump", c_avail_jump, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "avail_jump_big", c_avail_jump_big, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "avail_rewind", c_avail_rewind, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "indirect", c_indirect, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "read_after_write", c_read_after_write, A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	/* rings on each other: inside RAM, so served or refused, no harm */
	{ "used_over_desc", c_used_over_desc,
	  A(OK) | A(IOERR) | A(USED) | A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "rings_overlap", c_rings_overlap,
	  A(OK) | A(IOERR) | A(USED) | A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	/* queue set-up the transport must refuse */
	{ "qsize_0", c_qsize_0, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "qsize_3", c_qsize_3, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "qsize_over_max", c_qsize_over_max, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "qsize_65536", c_qsize_65536, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "ring_outside_ram", c_ring_outside, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "ring_on_mmio", c_ring_hole, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "ring_cross_top", c_ring_cross_top, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "ring_wrap", c_ring_wrap, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "desc_misaligned", c_desc_misaligned, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "avail_misaligned", c_avail_misaligned, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "used_misaligned", c_used_misaligned, A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "ready_garbage", c_ready_garbage, A(OK) | A(NEEDS_RESET) | A(REFUSED), ANY_DEV },
	{ "queue_sel_oob", c_queue_sel_oob, A(IGNORED) | A(NEEDS_RESET), ANY_DEV },
	{ "live_queue_change", c_live_queue_change, A(OK) | A(NEEDS_RESET), ANY_DEV },
	{ "queue_unready_live", c_queue_unready_live, A(IGNORED) | A(OK) | A(NEEDS_RESET), ANY_DEV },
	/* registers */
	{ "config_read_oob", c_config_read_oob, A(IGNORED), ANY_DEV },
	{ "config_write", c_config_write, A(IGNORED), ANY_DEV },
	{ "odd_size_reads", c_odd_reads, A(IGNORED) | A(ANSWERED), ANY_DEV },
	{ "odd_size_writes", c_odd_writes, A(IGNORED), ANY_DEV },
	{ "notify_bad_queue", c_notify_bad_queue, A(IGNORED), ANY_DEV },
	{ "notify_before_driver_ok", c_notify_before_driver_ok, A(IGNORED), ANY_DEV },
	{ "driver_ok_no_features_ok", c_driver_ok_no_features_ok,
	  A(OK) | A(NEEDS_RESET) | A(IGNORED), ANY_DEV },
	{ "driver_ok_only", c_driver_ok_only, A(IGNORED) | A(NEEDS_RESET), ANY_DEV },
	{ "features_no_version_1", c_features_no_version_1, A(REFUSED), ANY_DEV },
	{ "features_unknown", c_features_unknown, A(REFUSED), ANY_DEV },
	/* virtio-blk requests that are bad as requests */
	{ "blk_bad_type", c_blk_bad_type, A(UNSUPP), BLK },
	{ "blk_past_end", c_blk_past_end, A(IOERR), BLK },
	{ "blk_huge_sector", c_blk_huge_sector, A(IOERR), BLK },
	{ "blk_short_header", c_blk_short_header, A(IOERR), BLK },
	{ "blk_partial_sector", c_blk_partial_sector, A(IOERR), BLK },
	{ "blk_no_status", c_blk_no_status, A(USED) | A(IOERR) | A(NEEDS_RESET), BLK },
	/* and after all that, after a reset, the device works */
	{ "valid_after_reset", valid_request, A(OK), ANY_DEV },
};

static void find_ram(void)
{
	unsigned int i;

	for (i = 0; i < e820_count(); i++) {
		const struct e820_entry *e = e820_get(i);
		uint64_t end = e->addr + e->size;

		if (e->type != E820_RAM)
			continue;
		if (e->addr <= Q_DESC && end > Q_DESC)
			low_end = end;
		if (end > top_end)
			top_end = end;
	}
}

static void put_dev(const struct dev *d)
{
	puts_serial(d->id == ID_BLK ? "blk" : d->id == ID_RNG ? "rng" : "dev");
	put_dec(d->slot);
}

/* Runs every case on d; the number of outcomes it could not accept. */
static unsigned int attack(const struct dev *d)
{
	unsigned int i, bad = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile_case *c = &cases[i];
		enum outcome o;

		if (c->only != ANY_DEV && c->only != d->id)
			continue;
		o = c->run(d);
		wr(d, R_STATUS, 0);
		puts_serial("HOSTILE ");
		put_dev(d);
		puts_serial(" ");
		puts_serial(c->name);
		puts_serial(": ");
		puts_serial(outcome_name[o]);
		if (!(c->accept & (1u << o))) {
			puts_serial(" (unacceptable)");
			bad++;
		}
		puts_serial("\n");
	}
	return bad;
}

int guest_main(void)
{
	unsigned int slot, found = 0, bad = 0;

	find_ram();
	for (slot = 0; slot < MMIO_SLOTS; slot++) {
		struct dev d = { .base = MMIO_BASE + slot * SLOT_SIZE, .slot = slot };

		if (rd(&d, R_MAGIC) != 0x74726976 || rd(&d, R_VERSION) != 2)
			continue;
		d.id = rd(&d, R_DEVICE_ID);
		if (d.id != ID_BLK && d.id != ID_RNG)
			continue;
		puts_serial("hostile: ");
		put_dev(&d);
		puts_serial(" at ");
		put_hex(d.base);
		puts_serial("\n");
		found++;
		bad += attack(&d);
	}
	puts_serial("hostile: ");
	put_dec(found);
	puts_serial(" devices, ");
	put_dec(bad);
	puts_serial(" unacceptable outcomes\n");
	if (!found)
		return 34;
	return bad ? 33 : 0;
}
