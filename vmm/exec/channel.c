// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's frames (guests/exec/protocol.h), as the VMM writes them
 * from the virtio console: the command's stdout and stderr become ours,
 * byte for byte; a failure line goes to stderr; the status is kept.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guests/exec/protocol.h"
#include "vmm/exec/exec.h"

void exec_channel_init(struct exec_channel *c)
{
	c->have = 0;
	c->status = -1;
	c->failed = c->out_closed = c->broken = false;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int deliver(struct exec_channel *c, const struct exec_frame *f, const unsigned char *data)
{
	uint32_t le;
	int ret = 0;

	switch (f->type) {
	case EXEC_OUT:
		if (!c->out_closed)
			ret = write_all(STDOUT_FILENO, data, f->len);
		if (ret == -EPIPE)
			c->out_closed = true;
		return ret == -EPIPE ? ret : 0;
	case EXEC_ERR:
		write_all(STDERR_FILENO, data, f->len);
		return 0;
	case EXEC_FAIL:
		c->failed = true;
		fprintf(stderr, "vmm-exec: in the guest: %.*s\n", (int)f->len, (const char *)data);
		return 0;
	case EXEC_STATUS:
		if (f->len == sizeof(le)) {
			memcpy(&le, data, sizeof(le));
			c->status = (int)(le32toh(le) & 0xff);
			return 0;
		}
		break;
	}
	c->broken = true;
	return 0;
}

int exec_channel_feed(struct exec_channel *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	struct exec_frame f;
	int ret = 0;

	while (n && !c->broken) {
		size_t want = sizeof(f), take;

		if (c->have >= sizeof(f)) {
			memcpy(&f, c->buf, sizeof(f));
			want += le32toh(f.len);
		}
		take = want - c->have < n ? want - c->have : n;
		memcpy(c->buf + c->have, p, take);
		c->have += take;
		p += take;
		n -= take;
		if (c->have < sizeof(f))
			continue;
		memcpy(&f, c->buf, sizeof(f));
		f.len = le32toh(f.len);
		if (f.len > EXEC_FRAME_MAX) {
			c->broken = true;
			break;
		}
		if (c->have == sizeof(f) + f.len) {
			ret = deliver(c, &f, c->buf + sizeof(f)) ?: ret;
			c->have = 0;
		}
	}
	return ret;
}
