// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net on a tap device: frames move between the tap fd and the
 * guest's chains with readv/writev, no copy through the VMM.
 */
#include "virtio_net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>



/* Ethernet header, a VLAN tag and the largest MTU a tap takes. */
#define FRAME_MAX		(14 + 4 + 65535)

struct net_config_space {
	uint8_t mac[6];
	uint16_t status;
} __attribute__((packed));

struct virtio_net {
	int fd;
	struct net_config_space config;
};

static int open_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int fd, hdr_size = sizeof(struct virtio_net_hdr_v1), err;

	if (strlen(name) >= IFNAMSIZ)
		return -EINVAL;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, 0UL) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int virtio_net_create_fd(int fd, const uint8_t mac[6], struct virtio_net **out)
{
	struct virtio_net *net = calloc(1, sizeof(*net));

	if (!net)
		return -ENOMEM;
	net->fd = fd;
	memcpy(net->config.mac, mac, sizeof(net->config.mac));
	net->config.status = VIRTIO_NET_S_LINK_UP;
	*out = net;
	return 0;
}

int virtio_net_create(const char *name, const uint8_t mac[6],
		      struct virtio_net **out)
{
	int fd = open_tap(name), ret;

	if (fd < 0)
		return fd;
	ret = virtio_net_create_fd(fd, mac, out);
	if (ret)
		close(fd);
	return ret;
}

void virtio_net_destroy(struct virtio_net *net)
{
	if (!net)
		return;
	close(net->fd);
	free(net);
}

/*
 * The iovecs of src[0..nr) from byte skip on, at most max bytes of them,
 * into dst; returns how many.
 */
static unsigned int iov_slice(const struct iovec *src, unsigned int nr,
			      uint64_t skip, uint64_t max, struct iovec *dst)
{
	unsigned int i, n = 0;

	for (i = 0; i < nr && max; i++) {
		uint64_t len = src[i].iov_len;

		if (skip >= len) {
			skip -= len;
			continue;
		}
		len -= skip;
		if (len > max)
			len = max;
		dst[n++] = (struct iovec){ (char *)src[i].iov_base + skip, len };
		max -= len;
		skip = 0;
	}
	return n;
}

/* Sends one transmit chain's frame to the tap; a bad one is dropped. */
static void transmit(struct virtio_net *net, const struct vq_chain *c)
{
	static const struct virtio_net_hdr_v1 no_offloads;
	struct iovec iov[1 + VQ_MAX_CHAIN];
	uint64_t frame;
	unsigned int n;

	if (c->out_len < sizeof(no_offloads))
		return;
	frame = c->out_len - sizeof(no_offloads);
	if (frame > FRAME_MAX)
		return;
	iov[0] = (struct iovec){ (void *)&no_offloads, sizeof(no_offloads) };
	n = iov_slice(c->iov, c->nr_out, sizeof(no_offloads), frame, iov + 1);
	if (writev(net->fd, iov, (int)n + 1) < 0) {
		/* tap down, queue full, frame refused: dropped like on a wire */
	}
}

static bool net_tx(struct virtio_net *net, struct virtqueue *vq)
{
	struct vq_chain c;
	bool used = false;

	while (vq_pop(vq, &c) == 1) {
		transmit(net, &c);
		vq_push(vq, c.head, 0);
		used = true;
	}
	return used;
}

static bool tap_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* Reads one frame into a receive chain: bytes written, 0 if none. */
static uint32_t receive(struct virtio_net *net, const struct vq_chain *c)
{
	struct virtio_net_hdr_v1 hdr;
	struct iovec iov[1 + VQ_MAX_CHAIN];
	uint64_t room;
	unsigned int n;
	ssize_t got;

	if (c->nr_out || c->in_len < sizeof(hdr))
		return 0;	/* not a receive buffer: the frame stays */
	room = c->in_len - sizeof(hdr);
	if (room > FRAME_MAX)
		room = FRAME_MAX;
	/* The tap's header lands here and never in the guest. */
	iov[0] = (struct iovec){ &hdr, sizeof(hdr) };
	n = iov_slice(c->iov + c->nr_out, c->nr_in, sizeof(hdr), room, iov + 1);
	got = readv(net->fd, iov, (int)n + 1);
	/* A tap reports a frame's full length, so > room means truncated. */
	if (got < (ssize_t)sizeof(hdr) || (uint64_t)got - sizeof(hdr) > room)
		return 0;
	hdr = (struct virtio_net_hdr_v1){ .num_buffers = 1 };
	vq_copy_to_in(c, 0, &hdr, sizeof(hdr));
	return (uint32_t)got;
}

/*
 * The tap is readable: fill receive chains while there are frames, a
 * queue's worth at most, so a flood from the host cannot hold the device
 * lock for long (the worker polls, and comes back).
 */
static bool net_rx(void *opaque, struct virtqueue *vq, bool *pause)
{
	struct virtio_net *net = opaque;
	unsigned int budget = vq->size;
	struct vq_chain c;
	bool used = false;

	while (budget-- && tap_readable(net->fd)) {
		int ret = vq_pop(vq, &c);

		if (ret <= 0) {
			*pause = ret == 0;	/* none: wait for a kick */
			break;
		}
		vq_push(vq, c.head, receive(net, &c));
		used = true;
	}
	return used;
}

static bool net_queue_notify(void *opaque, struct virtqueue *vq, unsigned int index)
{
	if (index == VIRTIO_NET_TX_QUEUE)
		return net_tx(opaque, vq);
	/* New receive buffers: the transport waits on the tap again. */
	return false;
}

static void net_destroy(void *opaque)
{
	virtio_net_destroy(opaque);
}

static const struct virtio_device_ops net_ops = {
	.queue_notify = net_queue_notify,
	.destroy = net_destroy,
};

void virtio_net_describe(struct virtio_net *net, struct virtio_device *dev)
{
	*dev = (struct virtio_device){
		.name = "virtio-net",
		.device_id = VIRTIO_ID_NET,
		.features = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS),
		.nr_queues = 2,
		.config = &net->config,
		.config_len = sizeof(net->config),
		.opaque = net,
		.ops = &net_ops,
		.fd_source = { .fd = net->fd, .queue = VIRTIO_NET_RX_QUEUE, .ready = net_rx },
	};
}
