// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user-blk and vhost-user-net as virtio-mmio devices: what the
 * guest is offered, and what happens to its requests once the backend is
 * gone.
 */
#include "vhost_user_device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/fuse.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_fs.h>
#include <linux/virtio_net.h>

#include "devices/vhost_user_backend_thread.h"
#include "devices/vhost_user_device_state.h"

#define BIT(n)	VIRTIO_BIT(n)

/* Ring features the backend implements; the transport does not care. */
#define RING_FEATURES	(BIT(VIRTIO_RING_F_INDIRECT_DESC) | BIT(VIRTIO_RING_F_EVENT_IDX) | \
			 BIT(VIRTIO_F_VERSION_1))

/* Not CONFIG_WCE: the config space is read-only. */
#define BLK_F_MQ	BIT(VIRTIO_BLK_F_MQ)
#define BLK_FEATURES	(BIT(VIRTIO_BLK_F_SIZE_MAX) | BIT(VIRTIO_BLK_F_SEG_MAX) | \
			 BIT(VIRTIO_BLK_F_GEOMETRY) | BIT(VIRTIO_BLK_F_RO) | \
			 BIT(VIRTIO_BLK_F_BLK_SIZE) | BIT(VIRTIO_BLK_F_FLUSH) | \
			 BIT(VIRTIO_BLK_F_TOPOLOGY) | BLK_F_MQ | \
			 BIT(VIRTIO_BLK_F_DISCARD) | BIT(VIRTIO_BLK_F_WRITE_ZEROES) | \
			 RING_FEATURES)
#define BLK_CONFIG_LEN	VHOST_USER_CONFIG_LEN
#define BLK_NUM_QUEUES	34	/* offset of num_queues (le16) */

/* The checksum and segmentation offloads and MRG_RXBUF; MAC is ours. */
#define NET_F_MAC	BIT(VIRTIO_NET_F_MAC)
#define NET_FEATURES	(BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) | \
			 BIT(VIRTIO_NET_F_GUEST_TSO4) | BIT(VIRTIO_NET_F_GUEST_TSO6) | \
			 BIT(VIRTIO_NET_F_GUEST_ECN) | BIT(VIRTIO_NET_F_GUEST_UFO) | \
			 BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_NET_F_HOST_TSO6) | \
			 BIT(VIRTIO_NET_F_HOST_ECN) | BIT(VIRTIO_NET_F_HOST_UFO) | \
			 BIT(VIRTIO_NET_F_MRG_RXBUF) | RING_FEATURES)
#define NET_CONFIG_LEN	8	/* mac, status */
/* virtio-fs: the ring features; config space is the tag and queue count. */
#define FS_FEATURES	RING_FEATURES
_Static_assert(sizeof(struct virtio_fs_config) <= BLK_CONFIG_LEN, "config fits");
#define NET_TX_QUEUE	1


/* The backend is gone: every request fails (blk) or is dropped (net tx). */
/* A virtio-blk request: IOERR in its status byte, the last one. */
static uint32_t fail_blk(const struct vq_chain *c)
{
	uint8_t status = VIRTIO_BLK_S_IOERR;

	return c->in_len ? (uint32_t)vq_copy_to_in(c, c->in_len - 1, &status, 1) : 0;
}

/* A FUSE request: a reply header with -EIO for the request's unique id. */
static uint32_t fail_fuse(const struct vq_chain *c)
{
	struct fuse_in_header in;
	struct fuse_out_header out = { .len = sizeof(out), .error = -EIO };

	if (vq_copy_from_out(c, 0, &in, sizeof(in)) != sizeof(in) || c->in_len < sizeof(out))
		return 0;	/* FORGET and the like want no reply */
	out.unique = in.unique;
	return (uint32_t)vq_copy_to_in(c, 0, &out, sizeof(out));
}

static const uint32_t device_ids[] = {
	[VHOST_USER_BLK] = VIRTIO_ID_BLOCK,
	[VHOST_USER_NET] = VIRTIO_ID_NET,
	[VHOST_USER_FS] = VIRTIO_ID_FS,
};

static bool fail_requests(void *opaque, struct virtqueue *vq, unsigned int index)
{
	struct vhost_user_device *d = opaque;
	struct vq_chain *c = malloc(sizeof(*c));
	bool used = false;

	if (!c)
		return false;
	if (d->type == VHOST_USER_NET && index != NET_TX_QUEUE) {
		free(c);
		return false;	/* receive buffers: nothing will arrive */
	}
	while (vq_pop(vq, c) == 1) {
		uint32_t written = 0;

		if (d->type == VHOST_USER_BLK)
			written = fail_blk(c);
		else if (d->type == VHOST_USER_FS)
			written = fail_fuse(c);
		vq_push(vq, c->head, written);
		used = true;
	}
	free(c);
	return used;
}

/*
 * Several request queues when the backend offers them (MQ, and as many
 * rings in GET_QUEUE_NUM): as many as both say, at most what the
 * transport has; the config space then tells the driver that number.
 */
static int setup_blk(struct vhost_user_device *d)
{
	uint16_t nq;
	int err;

	d->features = vhost_user_frontend_features(d->fe) & BLK_FEATURES;
	d->config_len = BLK_CONFIG_LEN;
	d->nr_queues = 1;
	err = vhost_user_frontend_get_config(d->fe, d->config, d->config_len);
	if (err || !(d->features & BLK_F_MQ))
		return err;
	memcpy(&nq, d->config + BLK_NUM_QUEUES, sizeof(nq));
	if (nq > vhost_user_frontend_queues(d->fe))
		nq = (uint16_t)vhost_user_frontend_queues(d->fe);
	if (nq > VIRTIO_MAX_QUEUES)
		nq = VIRTIO_MAX_QUEUES;
	if (nq <= 1) {
		d->features &= ~BLK_F_MQ;
		return 0;
	}
	memcpy(d->config + BLK_NUM_QUEUES, &nq, sizeof(nq));
	d->nr_queues = nq;
	return 0;
}

/* One hiprio queue, then the request queues; the config space says so. */
static int setup_fs(struct vhost_user_device *d, const char *tag, unsigned int queues)
{
	struct virtio_fs_config c = { .num_request_queues = queues };
	size_t n = strlen(tag);

	unsigned int offered = vhost_user_frontend_queues(d->fe);	/* 1: no MQ */

	if (!n || n > sizeof(c.tag) || !queues || queues + 1 > VIRTIO_MAX_QUEUES ||
	    (offered > 1 && queues + 1 > offered))
		return -EINVAL;
	memcpy(c.tag, tag, n);
	d->features = vhost_user_frontend_features(d->fe) & FS_FEATURES;
	memcpy(d->config, &c, sizeof(c));
	d->config_len = sizeof(c);
	d->nr_queues = 1 + queues;
	return 0;
}

static void setup_net(struct vhost_user_device *d, const uint8_t mac[6])
{
	d->features = (vhost_user_frontend_features(d->fe) & NET_FEATURES) | NET_F_MAC;
	memcpy(d->config, mac, 6);
	d->config_len = NET_CONFIG_LEN;
	d->nr_queues = 2;	/* one receive, one transmit queue */
}

int vhost_user_device_create(const struct vhost_user_device_params *p,
			     struct vhost_user_device **out,
			     const char **request)
{
	struct vhost_user_device *d = calloc(1, sizeof(*d));
	int err;

	*request = NULL;
	if (!d) {
		close(p->sock);
		vhost_user_backend_thread_stop(p->thread);
		return -ENOMEM;
	}
	d->thread = p->thread;
	d->host = p->host;
	d->type = p->type;
	d->sharing = p->sharing;
	snprintf(d->name, sizeof(d->name), "%s", p->name);
	err = vhost_user_link_init(d, p->socket, p->reconnect_s);
	if (err) {
		close(p->sock);
		goto fail;
	}
	err = vhost_user_frontend_open(p->sock, p->sharing, &d->fe, request);
	if (err)
		goto fail;
	err = -EOPNOTSUPP;
	d->backend_features = vhost_user_frontend_features(d->fe);
	if (!(d->backend_features & BIT(VIRTIO_F_VERSION_1)))
		goto fail;
	if (p->type == VHOST_USER_BLK) {
		err = setup_blk(d);
		if (err) {
			*request = vhost_user_frontend_last_request(d->fe);
			goto fail;
		}
	} else if (p->type == VHOST_USER_FS) {
		err = setup_fs(d, p->tag, p->fs_queues);
		if (err)
			goto fail;
	} else {
		setup_net(d, p->mac);
	}
	*out = d;
	return 0;

fail:
	vhost_user_device_destroy(d);
	return err;
}

void vhost_user_device_destroy(struct vhost_user_device *d)
{
	if (!d)
		return;
	vhost_user_link_destroy(d);
	vhost_user_backend_thread_stop(d->thread);	/* after its peer left */
	free(d);
}

static void destroy(void *opaque)
{
	vhost_user_device_destroy(opaque);
}

static const struct virtio_device_ops ops = {
	.queue_notify = fail_requests,
	.destroy = destroy,
};

static const struct virtio_external_ops external = {
	.start = vhost_user_link_start,
	.stop = vhost_user_link_stop,
	.lost = vhost_user_link_lost,
	.watch = vhost_user_link_watch,
};

void vhost_user_device_describe(struct vhost_user_device *d,
				struct virtio_device *dev)
{
	*dev = (struct virtio_device){
		.name = d->name,
		.device_id = device_ids[d->type],
		.features = d->features,
		.nr_queues = d->nr_queues,
		.config = d->config,
		.config_len = d->config_len,
		.opaque = d,
		.ops = &ops,
		.external = &external,
	};
}
