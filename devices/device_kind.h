/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A device kind as the command line knows it: one row per kind, with its
 * option, syntax, help, parser and constructor, kept beside the device it
 * makes (devices/disk.c, devices/net.c, ...). The VMM builds --help and
 * option parsing from the rows (vmm/config.c) and creates the devices
 * from the parsed specs (vmm/device_manager.c); it knows no kind by name.
 *
 * Contract:
 * - parse(arg, spec): arg is the option's value (NULL for a flag, a kind
 *   with syntax NULL); spec is zeroed, DEVICE_SPEC_MAX bytes. 0, or
 *   -EINVAL with one line for the user in err naming the option.
 * - conflict(spec, earlier), optional: checked against each earlier spec
 *   of the same kind; 0, or -EINVAL with one line (a tap given twice).
 * - At most max devices of one group ("disks": --disk and
 *   --vhost-user-blk together). A flag given twice makes one device.
 * - create(spec, env, dev): makes the device and describes it in dev
 *   (devices/virtio.h); dev->ops->destroy frees it. 0, or a negative
 *   errno with one line for the user in err. Nothing is left behind on
 *   failure.
 */
#ifndef DEVICES_DEVICE_KIND_H
#define DEVICES_DEVICE_KIND_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "devices/host/device_host.h"
#include "devices/virtio.h"
#include "memory/guest_memory.h"
#include "memory/sharing.h"

#define DEVICE_SPEC_MAX	(PATH_MAX + 64)

/* What a kind's create() gets from the VM it joins. */
struct device_env {
	const struct device_host *host;
	const struct guest_memory *mem;
	unsigned int index;		/* among devices of its kind */
	/*
	 * The guest memory's sharing object for consumer (an option, named
	 * in the error); for private memory the error is the refusal.
	 */
	int (*get_sharing)(const struct device_env *env, const char *consumer,
			   const struct guest_memory_sharing **out, char *err,
			   size_t len);
	void *ctx;
};

struct device_kind {
	const char *option;		/* "disk": --disk */
	const char *syntax;		/* "PATH[,ro]", NULL for a flag */
	const char *help;		/* lines of --help, '\n' between */
	const char *group;		/* "disks" */
	unsigned int max;		/* devices of the group */
	int (*parse)(const char *arg, void *spec, char *err, size_t len);
	int (*conflict)(const void *spec, const void *earlier, char *err,
			size_t len);
	int (*create)(const void *spec, const struct device_env *env,
		      struct virtio_device *dev, char *err, size_t len);
};

/*
 * Parsing helpers for the kinds. device_parse_socket: "PATH" that fits
 * a sockaddr_un. device_parse_mac: "52:54:00:12:34:56", unicast, not
 * zero. device_next_item: copies the next comma-separated item of *arg
 * into item and advances *arg; -E2BIG if it does not fit.
 */
int device_parse_socket(const char *opt, const char *val, char *out,
			char *err, size_t len);
int device_parse_mac(const char *opt, const char *val, uint8_t mac[6],
		     char *err, size_t len);
int device_next_item(const char **arg, char *item, size_t size);
/*
 * "key=value,key=value": calls item(opt, key, value, spec, err, len) for
 * each; item returns 0, -EINVAL with err set, or -ENOENT for a key it
 * does not know ("unknown key 'K' (use KEYS)"). 0 or -EINVAL.
 */
typedef int (*device_item_fn)(const char *opt, const char *key, const char *val,
			      void *spec, char *err, size_t len);
int device_parse_items(const char *opt, const char *arg, const char *keys,
		       device_item_fn item, void *spec, char *err, size_t len);
/* given, or 52:54:00 and three random bytes when given is NULL. */
void device_mac_or_default(const uint8_t *given, uint8_t mac[6]);
/* One line in err; returns -EINVAL. */
int device_option_error(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
