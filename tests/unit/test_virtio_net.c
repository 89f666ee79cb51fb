// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net's queues (devices/virtio_net.h) driven the way the transport
 * drives them, with rings in heap "guest memory" and a SOCK_SEQPACKET
 * socket pair standing in for the tap (one frame per message, readv and
 * writev like a tap with a 12-byte vnet header): what the device offers,
 * transmit with the driver's header replaced by a zero one, receive with
 * a clean header and num_buffers 1, the pause when no receive buffer is
 * there, and bad chains of both kinds completed without harm. No /dev/kvm
 * or tap needed.
 */
#include <check.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/virtio_net.h"

#include "tests/helpers.h"

#define QSIZE	16
#define DESC	0x1000
#define AVAIL	0x2000
#define USED	0x3000
#define BUF	0x10000
#define HDR	12

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static struct guest_memory *mem;
static struct virtio_net *net;
static struct virtio_device dev;
static struct virtqueue vq;
static uint16_t avail_idx;
static int peer;		/* the host side of the "tap" */

struct buf {
	uint64_t gpa;
	uint32_t len;
	bool writable;
};

static void *gpa(uint64_t addr, uint64_t len)
{
	void *p = guest_memory_ptr(mem, addr, len);

	ck_assert_ptr_nonnull(p);
	return p;
}

static void setup(void)
{
	struct guest_memory_config cfg = { .size = 1 << 20, .backend = GUEST_MEMORY_HEAP };
	struct guest_range ram = { 0, 1 << 20 };
	int sv[2];

	ck_assert_int_eq(guest_memory_create(&cfg, &ram, 1, &mem), 0);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	peer = sv[1];
	ck_assert_int_eq(virtio_net_create_fd(sv[0], mac, &net), 0);
	virtio_net_describe(net, &dev);
	vq_init(&vq, mem);
	vq.size = QSIZE;
	vq.desc_gpa = DESC;
	vq.avail_gpa = AVAIL;
	vq.used_gpa = USED;
	avail_idx = 0;
	ck_assert_int_eq(vq_enable(&vq), 0);
}

static void teardown(void)
{
	virtio_net_destroy(net);
	close(peer);
	guest_memory_destroy(mem);
}

/* Chains the n buffers in descriptors from first on and offers the chain. */
static void offer(const struct buf *b, unsigned int n, uint16_t first)
{
	struct vring_desc *d = gpa(DESC, 16 * QSIZE);
	uint16_t *avail = gpa(AVAIL, 6 + 2 * QSIZE);
	unsigned int i;

	for (i = 0; i < n; i++)
		d[first + i] = (struct vring_desc){
			.addr = b[i].gpa, .len = b[i].len,
			.flags = (uint16_t)((b[i].writable ? VRING_DESC_F_WRITE : 0) |
					    (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			.next = (uint16_t)(first + i + 1),
		};
	avail[2 + avail_idx % QSIZE] = first;
	avail[1] = ++avail_idx;
}

static uint16_t used_idx(void)
{
	return ((uint16_t *)gpa(USED, 4))[1];
}

static uint32_t used_len(unsigned int i)
{
	return ((uint32_t *)gpa(USED + 4, 8 * QSIZE))[2 * i + 1];
}

static bool rx(bool *pause)
{
	*pause = false;
	return dev.fd_source.ready(dev.opaque, &vq, pause);
}

START_TEST(describes_itself)
{
	const uint8_t *cfg = dev.config;

	ck_assert_uint_eq(dev.device_id, VIRTIO_ID_NET);
	ck_assert_uint_eq(dev.nr_queues, 2);
	ck_assert_uint_eq(dev.features, (1ULL << 5) | (1ULL << 16));	/* MAC, STATUS */
	ck_assert_uint_eq(dev.config_len, 8);
	ck_assert_mem_eq(cfg, mac, 6);
	ck_assert_uint_eq(cfg[6] | cfg[7] << 8, 1);			/* link up */
	ck_assert_ptr_nonnull(dev.fd_source.ready);
	ck_assert_uint_eq(dev.fd_source.queue, VIRTIO_NET_RX_QUEUE);
}
END_TEST

START_TEST(transmit_replaces_the_header)
{
	struct buf b[] = { { BUF, HDR + 20, false }, { BUF + 0x1000, 40, false } };
	uint8_t *p = gpa(BUF, HDR + 20), got[128], zero[HDR] = { 0 };
	unsigned int i;

	memset(p, 0xee, HDR);			/* flags, gso: must not pass */
	for (i = 0; i < 20; i++)
		p[HDR + i] = (uint8_t)i;
	memset(gpa(BUF + 0x1000, 40), 0x77, 40);
	offer(b, 2, 0);
	ck_assert(dev.ops->queue_notify(dev.opaque, &vq, VIRTIO_NET_TX_QUEUE));
	ck_assert_int_eq(read(peer, got, sizeof(got)), HDR + 60);
	ck_assert_mem_eq(got, zero, HDR);
	ck_assert_mem_eq(got + HDR, p + HDR, 20);
	ck_assert_uint_eq(got[HDR + 20], 0x77);
	ck_assert_uint_eq(got[HDR + 59], 0x77);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(used_len(0), 0);
}
END_TEST

START_TEST(short_transmit_chain_is_completed_unsent)
{
	struct buf b = { BUF, HDR - 1, false };
	uint8_t got[64];

	offer(&b, 1, 0);
	ck_assert(dev.ops->queue_notify(dev.opaque, &vq, VIRTIO_NET_TX_QUEUE));
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_int_eq(read(peer, got, sizeof(got)), -1);	/* nothing sent */
}
END_TEST

START_TEST(receive_gives_a_clean_header)
{
	struct buf b[] = { { BUF, 8, true }, { BUF + 0x1000, 2048, true } };
	uint8_t frame[HDR + 64], want_hdr[HDR] = { [10] = 1 };
	uint8_t *h = gpa(BUF, 8), *data = gpa(BUF + 0x1000, 2048);
	bool pause;

	memset(frame, 0xaa, HDR);		/* the tap's header: dropped */
	memset(frame + HDR, 0x5c, 64);
	ck_assert_int_eq(write(peer, frame, sizeof(frame)), sizeof(frame));
	offer(b, 2, 0);
	ck_assert(rx(&pause));
	ck_assert(!pause);
	ck_assert_uint_eq(used_idx(), 1);
	ck_assert_uint_eq(used_len(0), HDR + 64);
	/* the header spans both buffers: 8 bytes here, 4 there */
	ck_assert_mem_eq(h, want_hdr, 8);
	ck_assert_mem_eq(data, want_hdr + 8, 4);
	ck_assert_mem_eq(data + 4, frame + HDR, 64);
}
END_TEST

START_TEST(no_receive_buffer_pauses)
{
	struct buf b = { BUF, 2048, true };
	uint8_t frame[HDR + 60] = { 0 };
	bool pause;

	ck_assert(!rx(&pause));			/* nothing to read: no pause */
	ck_assert(!pause);
	ck_assert_int_eq(write(peer, frame, sizeof(frame)), sizeof(frame));
	ck_assert(!rx(&pause));
	ck_assert(pause);
	/* the driver adds a buffer (and kicks): the frame was kept */
	ck_assert(!dev.ops->queue_notify(dev.opaque, &vq, VIRTIO_NET_RX_QUEUE));
	offer(&b, 1, 0);
	ck_assert(rx(&pause));
	ck_assert(!pause);
	ck_assert_uint_eq(used_len(0), HDR + 60);
}
END_TEST

START_TEST(bad_receive_chains_cost_only_themselves)
{
	struct buf readable[] = { { BUF, 64, false }, { BUF + 0x1000, 2048, true } };
	struct buf too_short = { BUF + 0x2000, HDR - 1, true };
	struct buf good = { BUF + 0x3000, 2048, true };
	uint8_t frame[HDR + 60] = { 0 };
	bool pause;

	ck_assert_int_eq(write(peer, frame, sizeof(frame)), sizeof(frame));
	offer(readable, 2, 0);
	offer(&too_short, 1, 2);
	offer(&good, 1, 3);
	ck_assert(rx(&pause));
	ck_assert(!pause);
	ck_assert_uint_eq(used_idx(), 3);
	ck_assert_uint_eq(used_len(0), 0);
	ck_assert_uint_eq(used_len(1), 0);
	ck_assert_uint_eq(used_len(2), HDR + 60);
	ck_assert(!vq.broken);
}
END_TEST

START_TEST(broken_receive_queue_stops)
{
	uint16_t *avail = gpa(AVAIL, 6 + 2 * QSIZE);
	uint8_t frame[HDR + 60] = { 0 };
	bool pause;

	ck_assert_int_eq(write(peer, frame, sizeof(frame)), sizeof(frame));
	avail[1] = QSIZE + 1;			/* more than a queue ahead */
	ck_assert(!rx(&pause));
	ck_assert(vq.broken);
	ck_assert(!pause);			/* the transport resets instead */
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("queues");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, describes_itself);
	tcase_add_test(tc, transmit_replaces_the_header);
	tcase_add_test(tc, short_transmit_chain_is_completed_unsent);
	tcase_add_test(tc, receive_gives_a_clean_header);
	tcase_add_test(tc, no_receive_buffer_pauses);
	tcase_add_test(tc, bad_receive_chains_cost_only_themselves);
	tcase_add_test(tc, broken_receive_queue_stops);
	return run_tcase("virtio_net", tc);
}
