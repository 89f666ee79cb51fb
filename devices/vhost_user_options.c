// SPDX-License-Identifier: GPL-2.0
/*
 * The --vhost-user-blk and --vhost-user-net rows: a device whose queues
 * a backend process serves over a unix socket, and the one-line errors
 * of connecting to it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/device_kind.h"
#include "devices/vhost_user.h"
#include "devices/vhost_user_device.h"

_Static_assert(sizeof(struct vhost_user_spec) <= DEVICE_SPEC_MAX, "spec size");

static const char *vhost_user_error(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return "the backend did not answer";
	case -ECONNRESET:
		return "the backend closed the connection";
	case -EPROTO:
		return "the backend broke the vhost-user protocol";
	case -EIO:
		return "the backend refused";
	default:
		return strerror(-err);
	}
}

int vhost_user_device_add(const struct vhost_user_device_params *p,
			  const char *option, struct virtio_device *dev,
			  char *err, size_t len)
{
	struct vhost_user_device *d;
	const char *request;
	int ret;

	ret = vhost_user_device_create(p, &d, &request);
	if (ret == -EOPNOTSUPP) {
		snprintf(err, len, "%s: the backend lacks %s", option,
			 p->type == VHOST_USER_BLK ? "VIRTIO_F_VERSION_1 or the CONFIG protocol feature" :
			 "VIRTIO_F_VERSION_1");
		return ret;
	}
	if (ret) {
		snprintf(err, len, "%s: %s%s%s", option, vhost_user_error(ret),
			 request ? " at " : "", request ? request : "");
		return ret;
	}
	vhost_user_device_describe(d, dev);
	return 0;
}

static int parse_blk(const char *arg, void *spec, char *err, size_t len)
{
	struct vhost_user_spec *s = spec;

	s->type = VHOST_USER_BLK;
	/* The whole rest is the path, commas and all. */
	if (strncmp(arg, "socket=", 7))
		return device_option_error(err, len, "--vhost-user-blk: expected socket=PATH, got '%s'", arg);
	return device_parse_socket("--vhost-user-blk", arg + 7, s->socket, err, len);
}

/* "socket=PATH[,mac=MAC]" */
static int parse_net(const char *arg, void *spec, char *err, size_t len)
{
	const char *opt = "--vhost-user-net";
	struct vhost_user_spec *s = spec;
	char item[PATH_MAX + 8];

	s->type = VHOST_USER_NET;

	while (*arg) {
		char *val;

		if (device_next_item(&arg, item, sizeof(item)))
			return device_option_error(err, len, "%s: '%.40s...' is too long", opt, arg);
		val = strchr(item, '=');
		if (!val)
			return device_option_error(err, len, "%s: expected key=value, got '%s'", opt, item);
		*val++ = '\0';
		if (!strcmp(item, "socket")) {
			if (device_parse_socket(opt, val, s->socket, err, len))
				return -EINVAL;
		} else if (!strcmp(item, "mac")) {
			if (device_parse_mac(opt, val, s->mac, err, len))
				return -EINVAL;
			s->have_mac = true;
		} else {
			return device_option_error(err, len, "%s: unknown key '%s' (use socket or mac)",
						   opt, item);
		}
	}
	if (!s->socket[0])
		return device_option_error(err, len, "%s: socket=PATH is required", opt);
	return 0;
}

static int create(const void *spec, const struct device_env *env,
		  struct virtio_device *dev, char *err, size_t len)
{
	const struct vhost_user_spec *s = spec;
	const char *opt = s->type == VHOST_USER_BLK ? "--vhost-user-blk" : "--vhost-user-net";
	struct vhost_user_device_params p = { .type = s->type, .host = env->host };
	char option[PATH_MAX + 32], consumer[PATH_MAX + 64];
	int ret;

	snprintf(option, sizeof(option), "%s socket=%s", opt, s->socket);
	snprintf(consumer, sizeof(consumer), "%s: vhost-user needs shareable guest memory", opt);
	ret = env->get_sharing(env, consumer, &p.sharing, err, len);
	if (ret)
		return ret;
	if (s->type == VHOST_USER_NET)
		device_mac_or_default(s->have_mac ? s->mac : NULL, p.mac);
	p.name = option + 2;
	p.sock = vhost_user_connect(s->socket);
	if (p.sock < 0) {
		snprintf(err, len, "%s: cannot connect: %s", option, strerror(-p.sock));
		return p.sock;
	}
	return vhost_user_device_add(&p, option, dev, err, len);
}

const struct device_kind vhost_user_blk_kind = {
	.option = "vhost-user-blk",
	.syntax = "socket=PATH",
	.help = "virtio-blk served by a vhost-user backend process\n"
		"listening on PATH (qemu-storage-daemon, vmm-blkd)",
	.group = "disks",
	.max = 8,
	.parse = parse_blk,
	.create = create,
};

const struct device_kind vhost_user_net_kind = {
	.option = "vhost-user-net",
	.syntax = "socket=PATH[,mac=MAC]",
	.help = "virtio-net served by a vhost-user backend process\n"
		"(dpdk-testpmd's net_vhost, ...); up to 4 nets",
	.group = "network devices",
	.max = 4,
	.parse = parse_net,
	.create = create,
};
