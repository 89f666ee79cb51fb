// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-rng (virtio 1.x, section 5.4): fills every writable buffer the
 * driver offers with bytes from getrandom().
 */
#include "virtio_rng.h"

#include <sys/random.h>

static bool rng_queue_notify(void *opaque, struct virtqueue *vq, unsigned int index)
{
	struct vq_chain c;
	bool used = false;
	unsigned int i;

	(void)opaque;
	(void)index;
	while (vq_pop(vq, &c) == 1) {
		uint64_t written = 0;

		for (i = c.nr_out; i < c.nr_out + c.nr_in; i++) {
			ssize_t n = getrandom(c.iov[i].iov_base, c.iov[i].iov_len, 0);

			if (n < 0)
				break;
			written += (uint64_t)n;
			if ((size_t)n < c.iov[i].iov_len)
				break;
		}
		vq_push(vq, c.head, (uint32_t)written);
		used = true;
	}
	return used;
}

static const struct virtio_device_ops rng_ops = {
	.queue_notify = rng_queue_notify,
};

void virtio_rng_describe(struct virtio_device *dev)
{
	*dev = (struct virtio_device){
		.name = "virtio-rng",
		.device_id = VIRTIO_ID_RNG,
		.nr_queues = 1,
		.ops = &rng_ops,
	};
}

static int create(const void *spec, const struct device_env *env,
		  struct virtio_device *dev, char *err, size_t len)
{
	(void)spec;
	(void)env;
	(void)err;
	(void)len;
	virtio_rng_describe(dev);
	return 0;
}

const struct device_kind rng_kind = {
	.option = "rng",
	.help = "virtio-rng entropy device",
	.group = "entropy devices",
	.max = 1,
	.create = create,
};
