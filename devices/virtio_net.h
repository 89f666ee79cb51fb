/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-net (virtio 1.x, section 5.1) on a host tap device.
 *
 * One receive queue (0) and one transmit queue (1); the MAC address and a
 * link that is always up are offered in config space (VIRTIO_NET_F_MAC,
 * VIRTIO_NET_F_STATUS); no checksum or segmentation offloads, so every
 * frame is whole and fully checksummed both ways.
 *
 * Transmit: each chain's readable bytes are a 12-byte virtio_net_hdr_v1
 * and an Ethernet frame; the frame goes to the tap behind a header of our
 * own (all zero: the driver's header is never passed on). Receive: when
 * the tap has a frame and the driver a receive chain, the frame is read
 * into the chain's writable buffers behind a zeroed header with
 * num_buffers 1. With no receive chain the device stops waiting on the tap
 * until the driver kicks queue 0 (the transport's device fd).
 *
 * The driver's mistakes cost it only the chain: a transmit chain shorter
 * than the header or longer than the largest frame is completed unsent, a
 * receive chain with readable buffers or with no room for the header or
 * the whole frame is completed with 0 bytes (the frame is dropped only in
 * the last case). Host errors drop the frame. Nothing here can crash or
 * spin on what the guest writes.
 */
#ifndef DEVICES_VIRTIO_NET_H
#define DEVICES_VIRTIO_NET_H

#include <stdint.h>

#include "devices/virtio.h"

#define VIRTIO_NET_RX_QUEUE	0
#define VIRTIO_NET_TX_QUEUE	1

struct virtio_net;

/*
 * Opens /dev/net/tun and attaches to tap device name, creating it (needs
 * CAP_NET_ADMIN) if there is none, with a 12-byte vnet header, no
 * offloads and a non-blocking fd. -errno: from open (ENOENT: no
 * /dev/net/tun; EACCES), or from TUNSETIFF (EPERM: not allowed; EBUSY: in
 * use by another process; EINVAL: name exists and is not a single-queue
 * tap).
 */
int virtio_net_create(const char *name, const uint8_t mac[6],
		      struct virtio_net **out);
/* The same on an fd that behaves like a tap with a 12-byte vnet header. */
int virtio_net_create_fd(int fd, const uint8_t mac[6], struct virtio_net **out);
void virtio_net_destroy(struct virtio_net *net);	/* closes the fd */
/* The device description for the transport. */
void virtio_net_describe(struct virtio_net *net, struct virtio_device *dev);

#endif
