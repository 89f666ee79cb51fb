// SPDX-License-Identifier: GPL-2.0
/*
 * The device kinds the command line knows, in --help order: one row each.
 * A new kind is one file in devices/ and one line here.
 */
#include "vmm/config.h"

#include "devices/disk.h"
#include "devices/net.h"
#include "devices/vhost_user_device.h"
#include "devices/virtio_console.h"
#include "devices/virtio_rng.h"

const struct device_kind *const vmm_device_kinds[] = {
	&disk_kind,
	&vhost_user_blk_kind,
	&rng_kind,
	&virtio_console_kind,
	&net_kind,
	&vhost_user_net_kind,
	&vhost_user_fs_kind,
	NULL,
};
