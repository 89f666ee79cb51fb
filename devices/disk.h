/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --disk PATH[,ro][,backend=inline|thread]: a virtio-blk disk on a host
 * file, served by the device's worker (inline, devices/virtio_blk.h) or
 * by vmm-blkd's vhost-user code in a thread of the VMM (thread, over a
 * socketpair, devices/vhost_user_backend_thread.h).
 */
#ifndef DEVICES_DISK_H
#define DEVICES_DISK_H

#include <limits.h>
#include <stdbool.h>

#include "devices/device_kind.h"

enum disk_backend {
	DISK_BACKEND_INLINE,
	DISK_BACKEND_THREAD,
};

struct disk_spec {
	char path[PATH_MAX];
	bool read_only;
	enum disk_backend backend;
};

extern const struct device_kind disk_kind;

#endif
