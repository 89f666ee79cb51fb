/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console, output only: one port (no MULTIPORT), the guest's
 * /dev/hvcN. Every byte the guest writes goes, in order and unchanged,
 * to a file or an inherited fd; the guest is never sent input. A write
 * that fails (a reader gone) drops the guest's bytes, once said on
 * stderr, and the guest goes on.
 */
#ifndef DEVICES_VIRTIO_CONSOLE_H
#define DEVICES_VIRTIO_CONSOLE_H

#include "devices/device_kind.h"

/* --virtio-console path=FILE|fd=N */
extern const struct device_kind virtio_console_kind;

#endif
