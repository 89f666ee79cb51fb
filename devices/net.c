// SPDX-License-Identifier: GPL-2.0
/*
 * The --net row: its syntax, and the tap-backed virtio-net it makes.
 */
#include "net.h"

#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "devices/virtio_net.h"

_Static_assert(sizeof(struct net_spec) <= DEVICE_SPEC_MAX, "spec size");
_Static_assert(NET_TAP_NAME_MAX == IFNAMSIZ, "interface name size");

/* A Linux interface name: 1 to 15 bytes, none of them '/', ':', '%' or space. */
static bool valid_ifname(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == 0x7f || strchr("/:%", s[i]))
			return false;
	return true;
}

static int net_item(const char *opt, const char *key, const char *val, void *spec,
		    char *err, size_t len)
{
	struct net_spec *n = spec;

	if (!strcmp(key, "tap")) {
		if (!valid_ifname(val))
			return device_option_error(err, len, "%s: bad tap name '%s' (1 to %d characters, no '/', ':', '%%' or spaces)",
						   opt, val, IFNAMSIZ - 1);
		strcpy(n->tap, val);
		return 0;
	}
	if (!strcmp(key, "mac")) {
		if (device_parse_mac(opt, val, n->mac, err, len))
			return -EINVAL;
		n->have_mac = true;
		return 0;
	}
	return -ENOENT;
}

static int parse(const char *arg, void *spec, char *err, size_t len)
{
	const struct net_spec *n = spec;

	if (device_parse_items("--net", arg, "tap or mac", net_item, spec, err, len))
		return -EINVAL;
	if (!n->tap[0])
		return device_option_error(err, len, "--net: tap=NAME is required");
	return 0;
}

static int conflict(const void *spec, const void *earlier, char *err, size_t len)
{
	const struct net_spec *a = spec, *b = earlier;

	if (strcmp(a->tap, b->tap))
		return 0;
	return device_option_error(err, len, "--net: tap '%s' given twice", a->tap);
}

static const char *tap_error(int err)
{
	switch (err) {
	case -ENOENT: case -ENODEV: case -ENXIO:
		return "no /dev/net/tun (is the tun module loaded?)";
	case -EACCES:
		return "cannot open /dev/net/tun: Permission denied";
	case -EPERM:
		return "not allowed to create or attach it (needs CAP_NET_ADMIN, or a tap owned by this user)";
	case -EBUSY:
		return "in use by another process";
	case -EINVAL:
		return "exists and is not a single-queue tap device";
	default:
		return strerror(-err);
	}
}

static int create(const void *spec, const struct device_env *env,
		  struct virtio_device *dev, char *err, size_t len)
{
	const struct net_spec *n = spec;
	struct virtio_net *net;
	uint8_t mac[6];
	int ret;

	(void)env;
	device_mac_or_default(n->have_mac ? n->mac : NULL, mac);
	ret = virtio_net_create(n->tap, mac, &net);
	if (ret) {
		snprintf(err, len, "--net tap=%s: %s", n->tap, tap_error(ret));
		return ret;
	}
	virtio_net_describe(net, dev);
	return 0;
}

const struct device_kind net_kind = {
	.option = "net",
	.syntax = "tap=NAME[,mac=MAC]",
	.help = "virtio-net on host tap device NAME (attached, or\n"
		"created with CAP_NET_ADMIN; up to 4); MAC like\n"
		"52:54:00:12:34:56 (default 52:54:00 and 3 random)",
	.group = "network devices",
	.max = 4,
	.parse = parse,
	.conflict = conflict,
	.create = create,
};
