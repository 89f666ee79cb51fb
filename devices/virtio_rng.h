/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-rng: entropy from the host's getrandom(). Stateless.
 */
#ifndef DEVICES_VIRTIO_RNG_H
#define DEVICES_VIRTIO_RNG_H

#include "devices/device_kind.h"
#include "devices/virtio.h"

void virtio_rng_describe(struct virtio_device *dev);

/* --rng */
extern const struct device_kind rng_kind;

#endif
