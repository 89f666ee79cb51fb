// SPDX-License-Identifier: GPL-2.0
/*
 * The --vhost-user-blk and --vhost-user-net rows: a device whose queues
 * a backend process serves over a unix socket, and the one-line errors
 * of connecting to it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	if (ret == -EINVAL && p->type == VHOST_USER_FS) {
		snprintf(err, len, "%s: the backend serves fewer than the %u queues asked for",
			 option, p->fs_queues + 1);
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

/* "reconnect=S": 1 to VHOST_USER_RECONNECT_MAX seconds. */
static int parse_reconnect(const char *opt, const char *val, unsigned int *out,
			   char *err, size_t len)
{
	unsigned long n;
	char *end;

	n = strtoul(val, &end, 10);
	if (*val < '0' || *val > '9' || *end || !n || n > VHOST_USER_RECONNECT_MAX)
		return device_option_error(err, len, "%s: reconnect must be 1 to %d seconds, got '%s'",
					   opt, VHOST_USER_RECONNECT_MAX, val);
	*out = (unsigned int)n;
	return 0;
}

/*
 * "socket=PATH[,reconnect=S]". The path may hold commas, so the rest is
 * the path, but for a last ",reconnect=" item.
 */
static int parse_blk(const char *arg, void *spec, char *err, size_t len)
{
	struct vhost_user_spec *s = spec;
	const char *item = strstr(arg, ",reconnect=");
	char path[PATH_MAX];

	s->type = VHOST_USER_BLK;
	if (strncmp(arg, "socket=", 7))
		return device_option_error(err, len, "--vhost-user-blk: expected socket=PATH, got '%s'", arg);
	arg += 7;
	while (item && strstr(item + 1, ",reconnect="))
		item = strstr(item + 1, ",reconnect=");
	if (!item)
		return device_parse_socket("--vhost-user-blk", arg, s->socket, err, len);
	if ((size_t)(item - arg) >= sizeof(path))
		return device_option_error(err, len, "--vhost-user-blk: socket path too long");
	memcpy(path, arg, (size_t)(item - arg));
	path[item - arg] = '\0';
	if (parse_reconnect("--vhost-user-blk", item + strlen(",reconnect="), &s->reconnect,
			    err, len))
		return -EINVAL;
	return device_parse_socket("--vhost-user-blk", path, s->socket, err, len);
}

/* The keys of --vhost-user-net and --vhost-user-fs. */
static int vhost_user_item(const char *opt, const char *key, const char *val, void *spec,
			   char *err, size_t len)
{
	struct vhost_user_spec *s = spec;
	unsigned long n;
	char *end;

	if (!strcmp(key, "socket"))
		return device_parse_socket(opt, val, s->socket, err, len);
	if (s->type == VHOST_USER_NET && !strcmp(key, "mac")) {
		if (device_parse_mac(opt, val, s->mac, err, len))
			return -EINVAL;
		s->have_mac = true;
		return 0;
	}
	if (s->type == VHOST_USER_NET && !strcmp(key, "reconnect"))
		return parse_reconnect(opt, val, &s->reconnect, err, len) ? -EINVAL : 0;
	if (s->type == VHOST_USER_FS && !strcmp(key, "tag")) {
		if (!*val || strlen(val) > VHOST_USER_FS_TAG_MAX)
			return device_option_error(err, len, "%s: tag must be 1 to %d bytes", opt,
						   VHOST_USER_FS_TAG_MAX);
		strcpy(s->tag, val);
		return 0;
	}
	if (s->type == VHOST_USER_FS && !strcmp(key, "queues")) {
		n = strtoul(val, &end, 10);
		if (*val < '1' || *val > '9' || *end || n > VIRTIO_MAX_QUEUES - 1)
			return device_option_error(err, len, "%s: queues must be 1 to %d", opt,
						   VIRTIO_MAX_QUEUES - 1);
		s->queues = (unsigned int)n;
		return 0;
	}
	return -ENOENT;
}

/* "socket=PATH[,mac=MAC][,reconnect=S]" */
static int parse_net(const char *arg, void *spec, char *err, size_t len)
{
	struct vhost_user_spec *s = spec;

	s->type = VHOST_USER_NET;
	if (device_parse_items("--vhost-user-net", arg, "socket, mac or reconnect", vhost_user_item,
			       spec, err, len))
		return -EINVAL;
	if (!s->socket[0])
		return device_option_error(err, len, "--vhost-user-net: socket=PATH is required");
	return 0;
}

/* "socket=PATH,tag=TAG[,queues=N]" */
static int parse_fs(const char *arg, void *spec, char *err, size_t len)
{
	struct vhost_user_spec *s = spec;

	s->type = VHOST_USER_FS;
	s->queues = 1;
	if (device_parse_items("--vhost-user-fs", arg, "socket, tag or queues", vhost_user_item,
			       spec, err, len))
		return -EINVAL;
	if (!s->socket[0])
		return device_option_error(err, len, "--vhost-user-fs: socket=PATH is required");
	if (!s->tag[0])
		return device_option_error(err, len, "--vhost-user-fs: tag=TAG is required");
	return 0;
}

static int create(const void *spec, const struct device_env *env,
		  struct virtio_device *dev, char *err, size_t len)
{
	const struct vhost_user_spec *s = spec;
	static const char *const options[] = {
		[VHOST_USER_BLK] = "--vhost-user-blk",
		[VHOST_USER_NET] = "--vhost-user-net",
		[VHOST_USER_FS] = "--vhost-user-fs",
	};
	const char *opt = options[s->type];
	struct vhost_user_device_params p = {
		.type = s->type, .host = env->host, .tag = s->tag, .fs_queues = s->queues,
		.socket = s->socket, .reconnect_s = s->reconnect,
	};
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
	.syntax = "socket=PATH[,reconnect=S]",
	.help = "virtio-blk served by a vhost-user backend process\n"
		"listening on PATH (qemu-storage-daemon, vmm-blkd);\n"
		"S: if it goes away, wait up to S seconds for it\n"
		"to come back (requests wait) instead of failing",
	.group = "disks",
	.max = 8,
	.parse = parse_blk,
	.create = create,
};

const struct device_kind vhost_user_net_kind = {
	.option = "vhost-user-net",
	.syntax = "socket=PATH[,mac=MAC][,reconnect=S]",
	.help = "virtio-net served by a vhost-user backend process\n"
		"(dpdk-testpmd's net_vhost, ...); up to 4 nets;\n"
		"S as for --vhost-user-blk (no traffic while it\n"
		"is away)",
	.group = "network devices",
	.max = 4,
	.parse = parse_net,
	.create = create,
};

const struct device_kind vhost_user_fs_kind = {
	.option = "vhost-user-fs",
	.syntax = "socket=PATH,tag=TAG[,queues=N]",
	.help = "virtio-fs served by a vhost-user backend process\n"
		"(virtiofsd) on PATH; the guest mounts it with\n"
		"mount -t virtiofs TAG DIR; N request queues (1)",
	.group = "file systems",
	.max = 4,
	.parse = parse_fs,
	.create = create,
};
