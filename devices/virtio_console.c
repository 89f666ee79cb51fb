// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (virtio 1.x, section 5.3) with one port and no optional
 * feature: receiveq 0 is left alone, transmitq 1 is written out.
 */
#include "virtio_console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/virtio_console.h>

struct console_spec {
	char path[PATH_MAX];
	int fd;			/* -1: path */
};

_Static_assert(sizeof(struct console_spec) <= DEVICE_SPEC_MAX, "spec size");

struct virtio_console {
	int fd;
	bool broken;		/* a write failed: drop from now on */
	unsigned int index;
	struct virtio_console_config config;
};

#define CONSOLE_TXQ	1

static void console_write(struct virtio_console *c, const struct iovec *iov, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr && !c->broken; i++) {
		const char *p = iov[i].iov_base;
		size_t left = iov[i].iov_len;

		while (left) {
			ssize_t n = write(c->fd, p, left);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fprintf(stderr, "vmm: --virtio-console %u: output lost from here: %s\n",
					c->index, n < 0 ? strerror(errno) : "short write");
				c->broken = true;
				break;
			}
			p += n;
			left -= (size_t)n;
		}
	}
}

static bool console_queue_notify(void *opaque, struct virtqueue *vq, unsigned int index)
{
	struct virtio_console *c = opaque;
	struct vq_chain chain;
	bool used = false;

	if (index != CONSOLE_TXQ)
		return false;	/* receive buffers wait: there is no input */
	while (vq_pop(vq, &chain) == 1) {
		console_write(c, chain.iov, chain.nr_out);
		vq_push(vq, chain.head, 0);
		used = true;
	}
	return used;
}

static void console_destroy(void *opaque)
{
	struct virtio_console *c = opaque;

	close(c->fd);
	free(c);
}

static const struct virtio_device_ops console_ops = {
	.queue_notify = console_queue_notify,
	.destroy = console_destroy,
};

/* "path=FILE" (the rest, commas and all) or "fd=N" */
static int parse(const char *arg, void *spec, char *err, size_t len)
{
	struct console_spec *s = spec;
	char *end;
	long fd;

	s->fd = -1;
	if (!strncmp(arg, "fd=", 3)) {
		errno = 0;
		fd = strtol(arg + 3, &end, 10);
		if (arg[3] < '0' || arg[3] > '9' || *end || errno || fd > INT_MAX)
			return device_option_error(err, len, "--virtio-console: fd=N needs a number, got '%s'",
						   arg + 3);
		s->fd = (int)fd;
		return 0;
	}
	if (!strncmp(arg, "path=", 5) && arg[5]) {
		if (strlen(arg + 5) >= sizeof(s->path))
			return device_option_error(err, len, "--virtio-console: path too long");
		strcpy(s->path, arg + 5);
		return 0;
	}
	return device_option_error(err, len, "--virtio-console: expected path=FILE or fd=N, got '%s'", arg);
}

static int open_output(const struct console_spec *s, char *err, size_t len)
{
	int fd, flags;

	if (s->fd < 0) {
		fd = open(s->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			snprintf(err, len, "--virtio-console: %s: %s", s->path, strerror(errno));
		return fd < 0 ? -errno : fd;
	}
	flags = fcntl(s->fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
		snprintf(err, len, "--virtio-console: fd %d is %s", s->fd,
			 flags < 0 ? "not open" : "not open for writing");
		return -EBADF;
	}
	fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		snprintf(err, len, "--virtio-console: fd %d: %s", s->fd, strerror(errno));
		return -errno;
	}
	return fd;
}

static int create(const void *spec, const struct device_env *env,
		  struct virtio_device *dev, char *err, size_t len)
{
	struct virtio_console *c;
	int fd;

	fd = open_output(spec, err, len);
	if (fd < 0)
		return fd;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		snprintf(err, len, "--virtio-console: out of memory");
		return -ENOMEM;
	}
	c->fd = fd;
	c->index = env->index;
	*dev = (struct virtio_device){
		.name = "virtio-console",
		.device_id = VIRTIO_ID_CONSOLE,
		.nr_queues = 2,
		.config = &c->config,
		.config_len = sizeof(c->config),
		.opaque = c,
		.ops = &console_ops,
	};
	return 0;
}

const struct device_kind virtio_console_kind = {
	.option = "virtio-console",
	.syntax = "path=FILE|fd=N",
	.help = "virtio console (the guest's /dev/hvcN, in order) whose\n"
		"output goes to FILE (truncated) or to inherited fd N,\n"
		"byte for byte; it takes no input; up to 4",
	.group = "virtio consoles",
	.max = 4,
	.parse = parse,
	.create = create,
};
