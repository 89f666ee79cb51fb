/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --net tap=NAME[,mac=MAC]: virtio-net on a host tap device
 * (devices/virtio_net.h), attached, or created with CAP_NET_ADMIN.
 */
#ifndef DEVICES_NET_H
#define DEVICES_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/device_kind.h"

#define NET_TAP_NAME_MAX 16	/* IFNAMSIZ */

struct net_spec {
	char tap[NET_TAP_NAME_MAX];
	bool have_mac;		/* else 52:54:00 and three random bytes */
	uint8_t mac[6];
};

extern const struct device_kind net_kind;

#endif
