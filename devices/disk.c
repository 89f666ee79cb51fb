// SPDX-License-Identifier: GPL-2.0
/*
 * The --disk row: its syntax, and the disk it makes.
 */
#include "disk.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "devices/vhost_user_backend.h"
#include "devices/vhost_user_backend_thread.h"
#include "devices/vhost_user_device.h"
#include "devices/virtio_blk.h"

_Static_assert(sizeof(struct disk_spec) <= DEVICE_SPEC_MAX, "spec size");

/* Strips a trailing ",WORD" from s[0..*n) if it is exactly word. */
static bool strip_suffix(const char *s, size_t *n, const char *word)
{
	size_t k = strlen(word);

	if (*n < k + 1 || s[*n - k - 1] != ',' || strncmp(s + *n - k, word, k))
		return false;
	*n -= k + 1;
	return true;
}

/* Options in any order after the path, which may itself hold commas. */
static int parse(const char *arg, void *spec, char *err, size_t len)
{
	struct disk_spec *d = spec;
	size_t n = strlen(arg);

	for (;;) {
		if (strip_suffix(arg, &n, "ro"))
			d->read_only = true;
		else if (strip_suffix(arg, &n, "backend=thread"))
			d->backend = DISK_BACKEND_THREAD;
		else if (strip_suffix(arg, &n, "backend=inline"))
			d->backend = DISK_BACKEND_INLINE;
		else
			break;
	}
	if (!n || arg[n - 1] == ',')
		return device_option_error(err, len, "--disk: path must not be empty");
	if (n >= sizeof(d->path))
		return device_option_error(err, len, "--disk: path too long");
	if (memmem(arg, n, ",backend=", 9))
		return device_option_error(err, len, "--disk: bad backend in '%s' (use backend=inline or backend=thread)", arg);
	memcpy(d->path, arg, n);
	d->path[n] = '\0';
	return 0;
}

/* A file that cannot be served: one line. */
static int disk_error(const char *path, int ret, char *err, size_t len)
{
	if (ret == -EINVAL)
		snprintf(err, len, "--disk %s: not a regular file or block device whose size is a non-zero multiple of 512 bytes", path);
	else
		snprintf(err, len, "--disk %s: %s", path, strerror(-ret));
	return ret;
}

static int create_thread_disk(const struct disk_spec *d, const struct device_env *env,
			      struct virtio_device *dev, char *err, size_t len)
{
	struct vhost_user_device_params p = { .type = VHOST_USER_BLK, .host = env->host };
	struct vhost_user_backend *backend;
	char option[PATH_MAX + 32];
	int ret;

	snprintf(option, sizeof(option), "--disk %s,backend=thread", d->path);
	ret = env->get_sharing(env, "--disk backend=thread: vhost-user needs shareable guest memory",
			       &p.sharing, err, len);
	if (ret)
		return ret;
	ret = vhost_user_blk_backend_create(d->path, d->read_only, &backend);
	if (ret)
		return disk_error(d->path, ret, err, len);
	p.name = option + 2;
	ret = vhost_user_backend_thread_start(backend, p.name, &p.sock, &p.thread);
	if (ret) {
		vhost_user_backend_destroy(backend);
		snprintf(err, len, "%s: cannot start the backend thread: %s", option, strerror(-ret));
		return ret;
	}
	return vhost_user_device_add(&p, option, dev, err, len);
}

static int create(const void *spec, const struct device_env *env,
		  struct virtio_device *dev, char *err, size_t len)
{
	const struct disk_spec *d = spec;
	struct virtio_blk *blk;
	char serial[24];
	int ret;

	if (d->backend == DISK_BACKEND_THREAD)
		return create_thread_disk(d, env, dev, err, len);
	snprintf(serial, sizeof(serial), "vmm-disk%u", env->index);
	ret = virtio_blk_create(d->path, d->read_only, serial, &blk);
	if (ret)
		return disk_error(d->path, ret, err, len);
	virtio_blk_describe(blk, dev);
	return 0;
}

const struct device_kind disk_kind = {
	.option = "disk",
	.syntax = "PATH[,ro][,backend=inline|thread]",
	.help = "virtio-blk disk backed by a file (up to 8 disks\n"
		"in all); backend=thread serves it with vmm-blkd's\n"
		"vhost-user code in a thread of the VMM",
	.group = "disks",
	.max = 8,
	.parse = parse,
	.create = create,
};
