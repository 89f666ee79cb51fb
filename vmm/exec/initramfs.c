// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec's initramfs: an uncompressed newc cpio archive (the kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst) holding
 * /init, the spec, the modules under /lib/modules and the directories
 * init mounts on. Uncompressed, because the kernel unpacks it faster
 * than it decompresses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guests/exec/protocol.h"
#include "vmm/exec/exec.h"

struct cpio {
	FILE *f;
	unsigned int ino;
};

static void pad4(struct cpio *c)
{
	while (ftell(c->f) % 4)
		fputc(0, c->f);
}

static void header(struct cpio *c, const char *name, unsigned int mode, size_t size,
		   unsigned int rmajor, unsigned int rminor)
{
	fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		++c->ino, mode, 0, 0, 1, 0, size, 0, 0, rmajor, rminor, strlen(name) + 1, 0);
	fputs(name, c->f);
	fputc(0, c->f);
	pad4(c);
}

static void add_data(struct cpio *c, const char *name, unsigned int mode,
		     const void *data, size_t size)
{
	header(c, name, S_IFREG | mode, size, 0, 0);
	fwrite(data, 1, size, c->f);
	pad4(c);
}

static int add_file(struct cpio *c, const char *name, unsigned int mode, const char *path)
{
	char buf[65536];
	struct stat st;
	size_t n;
	FILE *in = fopen(path, "re");

	if (!in || fstat(fileno(in), &st) || !S_ISREG(st.st_mode)) {
		int ret = in ? -EINVAL : -errno;

		if (in)
			fclose(in);
		return ret;
	}
	header(c, name, S_IFREG | mode, (size_t)st.st_size, 0, 0);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, c->f);
	fclose(in);
	pad4(c);
	return 0;
}

int exec_write_initramfs(const char *out, const char *init, const struct exec_modules *mods,
			 const char *spec, size_t spec_len, char *err, size_t len)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "mnt", "lib", "lib/modules" };
	struct cpio c = { 0 };
	char name[PATH_MAX];
	unsigned int i;
	int ret;

	c.f = fopen(out, "we");
	if (!c.f) {
		snprintf(err, len, "%s: %s", out, strerror(errno));
		return -errno;
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		header(&c, dirs[i], S_IFDIR | 0755, 0, 0, 0);
	header(&c, "dev/console", S_IFCHR | 0600, 0, 5, 1);
	ret = add_file(&c, "init", 0755, init);
	if (ret) {
		snprintf(err, len, "the guest init %s: %s", init, strerror(-ret));
		goto out;
	}
	add_data(&c, EXEC_SPEC_PATH + 1, 0644, spec, spec_len);
	for (i = 0; i < mods->nr; i++) {
		const char *base = strrchr(mods->path[i], '/');

		snprintf(name, sizeof(name), "lib/modules/%s", base ? base + 1 : mods->path[i]);
		ret = add_file(&c, name, 0644, mods->path[i]);
		if (ret) {
			snprintf(err, len, "%s: %s", mods->path[i], strerror(-ret));
			goto out;
		}
	}
	header(&c, "TRAILER!!!", 0, 0, 0, 0);
	if (ferror(c.f)) {
		ret = -EIO;
		snprintf(err, len, "%s: write error", out);
	}
out:
	if (fclose(c.f) && !ret) {
		ret = -errno;
		snprintf(err, len, "%s: %s", out, strerror(errno));
	}
	return ret;
}
