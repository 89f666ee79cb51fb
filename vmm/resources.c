// SPDX-License-Identifier: GPL-2.0
/*
 * The process's fds and memory at exit (vmm/resources.h).
 */
#include "vmm/resources.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int resources_open(struct resources_probe *p)
{
	p->status = -1;
	p->fd_dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p->fd_dir >= 0)
		p->status = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	p->err = p->fd_dir < 0 || p->status < 0 ? -errno : 0;
	if (p->err)
		resources_close(p);
	return p->err;
}

void resources_close(struct resources_probe *p)
{
	if (p->fd_dir >= 0)
		close(p->fd_dir);
	if (p->status >= 0)
		close(p->status);
	p->fd_dir = -1;
	p->status = -1;
}

/* The value of "Name:\t   N kB" in text, or -1. */
static long status_kib(const char *text, const char *name)
{
	size_t len = strlen(name);
	const char *line;
	char *end;
	long v;

	for (line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, name, len) || line[len] != ':')
			continue;
		v = strtol(line + len + 1, &end, 10);
		if (end == line + len + 1 || v < 0 || strncmp(end, " kB", 3))
			return -1;
		return v;
	}
	return -1;
}

int resources_parse_status(const char *text, struct resources *r)
{
	r->rss_kib = status_kib(text, "VmRSS");
	r->hwm_kib = status_kib(text, "VmHWM");
	return r->rss_kib < 0 || r->hwm_kib < 0 ? -EINVAL : 0;
}

/* Entries of the fd directory, less ".", ".." and the probe's own fds. */
static int count_fds(const struct resources_probe *p)
{
	char buf[4096];
	long n, off;
	int fds = 0;

	while ((n = getdents64(p->fd_dir, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			char *end;
			long fd = strtol(d->d_name, &end, 10);

			off += d->d_reclen;
			if (end == d->d_name || *end || fd == p->fd_dir || fd == p->status)
				continue;
			fds++;
		}
	}
	return n < 0 ? -errno : fds;
}

int resources_read(struct resources_probe *p, struct resources *r)
{
	char text[8192];
	size_t len = 0;
	ssize_t n;

	if (p->err)
		return p->err;
	r->fds = count_fds(p);
	if (r->fds < 0)
		return r->fds;
	while (len < sizeof(text) - 1 &&
	       (n = read(p->status, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	text[len] = '\0';
	return resources_parse_status(text, r);
}

void resources_report(struct resources_probe *p, FILE *out)
{
	struct resources r;
	int err = resources_read(p, &r);

	if (err)
		fprintf(out, "vmm: resources at exit: unknown (/proc/self: %s)\n", strerror(-err));
	else
		fprintf(out, "vmm: resources at exit: fds=%d rss_kib=%ld hwm_kib=%ld\n",
			r.fds, r.rss_kib, r.hwm_kib);
	resources_close(p);
}
