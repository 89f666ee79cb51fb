// SPDX-License-Identifier: GPL-2.0
/*
 * Which kernel modules vmm-exec's guest loads: the kernel's release,
 * read from its image, names /lib/modules/RELEASE; there modules.builtin
 * says what the kernel builds in and modules.dep what a module needs
 * (depmod lists the whole closure, the last to load first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/exec/exec.h"

#define SETUP_HDR_MAGIC		0x202	/* "HdrS" (x86 boot protocol) */
#define SETUP_KERNEL_VERSION	0x20e	/* offset of the string, less 0x200 */

static int copy_release(const char *s, size_t avail, char *release, size_t size)
{
	size_t n = 0;

	while (n < avail && n + 1 < size && s[n] > ' ' && s[n] < 0x7f)
		n++;
	if (!n)
		return -ENOENT;
	memcpy(release, s, n);
	release[n] = '\0';
	return 0;
}

/*
 * A bzImage names its release in its setup header; any other image (an
 * ELF vmlinux, an arm64 Image) holds the banner "Linux version RELEASE ".
 */
int exec_kernel_release(const char *kernel, char *release, size_t size)
{
	static const char banner[] = "Linux version ";
	const char *img, *hit;
	struct stat st;
	size_t len;
	uint16_t off;
	int fd, ret = -ENOENT;

	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 1024) {
		close(fd);
		return -EINVAL;
	}
	len = (size_t)st.st_size;
	img = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (img == MAP_FAILED)
		return -errno;
	if (!memcmp(img + SETUP_HDR_MAGIC, "HdrS", 4)) {
		memcpy(&off, img + SETUP_KERNEL_VERSION, sizeof(off));
		if (off && (size_t)off + 0x200 < len)
			ret = copy_release(img + off + 0x200, len - off - 0x200, release, size);
	}
	if (ret && (hit = memmem(img, len, banner, sizeof(banner) - 1))) {
		hit += sizeof(banner) - 1;
		ret = copy_release(hit, (size_t)(img + len - hit), release, size);
	}
	munmap((void *)img, len);
	return ret;
}

/* "kernel/fs/fuse/virtiofs.ko[.xz]" is "virtiofs"; '-' counts as '_'. */
static bool module_is(const char *path, size_t plen, const char *name)
{
	const char *base = path, *p;
	size_t i, n = strlen(name);

	for (p = path; p < path + plen; p++)
		if (*p == '/')
			base = p + 1;
	if ((size_t)(path + plen - base) < n + 3 || memcmp(base + n, ".ko", 3))
		return false;
	for (i = 0; i < n; i++) {
		char a = base[i] == '-' ? '_' : base[i], b = name[i] == '-' ? '_' : name[i];

		if (a != b)
			return false;
	}
	return true;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	*len = 0;
	for (;;) {
		size_t n;

		if (*len + 4096 + 1 > size) {
			char *bigger = realloc(buf, size = size * 2 + 65536);

			if (!bigger) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = bigger;
		}
		n = fread(buf + *len, 1, size - *len - 1, f);
		if (!n)
			break;
		*len += n;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* The line of text (NUL-ended lines) whose first word is module name. */
static const char *find_line(const char *text, size_t len, const char *name)
{
	const char *line = text, *end = text + len;

	while (line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *word_end = line;

		if (!eol)
			eol = end;
		while (word_end < eol && *word_end != ':' && *word_end != ' ')
			word_end++;
		if (module_is(line, (size_t)(word_end - line), name))
			return line;
		line = eol + 1;
	}
	return NULL;
}

static int add_path(struct exec_modules *m, const char *dir, const char *rel, size_t n)
{
	char path[PATH_MAX];
	unsigned int i;

	if (snprintf(path, sizeof(path), "%s/%.*s", dir, (int)n, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (i = 0; i < m->nr; i++)
		if (!strcmp(m->path[i], path))
			return 0;
	if (m->nr == EXEC_MAX_MODULES)
		return -E2BIG;
	m->path[m->nr] = strdup(path);
	return m->path[m->nr++] ? 0 : -ENOMEM;
}

/* "mod.ko: dep1.ko dep2.ko": the deps, last first, then mod. */
static int add_with_deps(struct exec_modules *m, const char *dir, const char *line)
{
	const char *eol = strchr(line, '\n'), *colon = strchr(line, ':');
	const char *words[EXEC_MAX_MODULES], *p;
	size_t lens[EXEC_MAX_MODULES];
	int nr = 0, ret;

	if (!eol)
		eol = line + strlen(line);
	if (!colon || colon > eol)
		return -EINVAL;
	for (p = colon + 1; p < eol && nr < EXEC_MAX_MODULES;) {
		while (p < eol && *p == ' ')
			p++;
		words[nr] = p;
		while (p < eol && *p != ' ')
			p++;
		lens[nr] = (size_t)(p - words[nr]);
		if (lens[nr])
			nr++;
	}
	while (nr-- > 0) {
		ret = add_path(m, dir, words[nr], lens[nr]);
		if (ret)
			return ret;
	}
	return add_path(m, dir, line, (size_t)(colon - line));
}

int exec_find_modules(const char *dir, const char *const *names, unsigned int nr_required,
		      unsigned int nr, struct exec_modules *out, char *err, size_t len)
{
	char path[PATH_MAX];
	char *dep, *builtin;
	size_t dep_len, builtin_len = 0;
	unsigned int i;
	int ret = 0;

	*out = (struct exec_modules){ 0 };
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	dep = slurp(path, &dep_len);
	if (!dep) {
		snprintf(err, len, "%s: %s (run depmod for this kernel, or give --modules DIR)",
			 path, strerror(errno));
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	builtin = slurp(path, &builtin_len);
	for (i = 0; i < nr && !ret; i++) {
		const char *line;

		if (builtin && find_line(builtin, builtin_len, names[i]))
			continue;
		line = find_line(dep, dep_len, names[i]);
		if (line) {
			ret = add_with_deps(out, dir, line);
			if (ret)
				snprintf(err, len, "%s/modules.dep: %s: %s", dir, names[i], strerror(-ret));
		} else if (i < nr_required) {
			ret = -ENOENT;
			snprintf(err, len, "the kernel has no %s: neither built in nor a module in %s",
				 names[i], dir);
		}
	}
	free(dep);
	free(builtin);
	if (ret)
		exec_modules_free(out);
	return ret;
}

void exec_modules_free(struct exec_modules *m)
{
	while (m->nr)
		free(m->path[--m->nr]);
}
