// SPDX-License-Identifier: GPL-2.0
/*
 * A host's state, before and after a run (tests/leftovers.h).
 */
#include "tests/leftovers.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const names[LEFTOVERS_NAMES] = {
	"vmm", "vmm-blkd", "dpdk-testpmd", "virtiofsd", "qemu-storage-d",
};

/* The first line of /proc/PID/NAME, without its newline; "" if unreadable. */
static void proc_line(const char *pid, const char *name, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/%s", pid, name);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static bool holds_memfd(const char *pid)
{
	char path[64], target[300], line[512];
	struct dirent *e;
	bool found = false;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	d = opendir(path);
	while (d && !found && (e = readdir(d))) {
		ssize_t n = readlinkat(dirfd(d), e->d_name, target, sizeof(target) - 1);

		found = n > 0 && (target[n] = '\0', !strncmp(target, "/memfd:", 7));
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "/proc/%s/maps", pid);
	f = found ? NULL : fopen(path, "r");
	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, " /memfd:") != NULL;
	if (f)
		fclose(f);
	return found;
}

static bool is_pid(const char *s)
{
	return *s >= '1' && *s <= '9' && strspn(s, "0123456789") == strlen(s);
}

/* Appends "/name" for each entry of path to list; -errno if unreadable. */
static int list_dir(const char *path, char *list, size_t len)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t used = 0;

	list[0] = '\0';
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		used += (size_t)snprintf(list + used, used < len ? len - used : 0, "/%s", e->d_name);
	}
	closedir(d);
	if (used >= len) {
		list[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

struct report {
	char *why;
	size_t len, used;
	int n;
};

static void add(struct report *r, const char *fmt, ...)
{
	va_list ap;

	r->n++;
	if (r->used >= r->len)
		return;
	va_start(ap, fmt);
	r->used += (size_t)vsnprintf(r->why + r->used, r->len - r->used, fmt, ap);
	va_end(ap);
	if (r->used < r->len)
		r->used += (size_t)snprintf(r->why + r->used, r->len - r->used, "\n");
}

/* Whether list ("/a/b/c") has the entry name (n bytes). */
static bool listed(const char *list, const char *name, size_t n)
{
	const char *p = list;

	while (*p == '/') {
		size_t len = strcspn(p + 1, "/");

		if (len == n && !strncmp(p + 1, name, n))
			return true;
		p += len + 1;
	}
	return false;
}

/* Entries of now's list that before's has not. */
static void new_names(struct report *r, const char *where, const char *before, const char *now)
{
	const char *p = now;

	while (*p == '/') {
		size_t n = strcspn(p + 1, "/");

		if (!listed(before, p + 1, n))
			add(r, "new in %s: %.*s", where, (int)n, p + 1);
		p += n + 1;
	}
}

/* The watched processes into now; children of this process into r, if any. */
static int scan_processes(struct report *r, struct leftovers_snapshot *now)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char comm[64], stat[512], self[16];
	int i;

	snprintf(self, sizeof(self), "%d", getpid());
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		const char *close_paren;
		int ppid = 0;

		if (!is_pid(e->d_name) || !strcmp(e->d_name, self))
			continue;
		proc_line(e->d_name, "comm", comm, sizeof(comm));
		for (i = 0; i < LEFTOVERS_NAMES; i++)
			now->named[i] += !strcmp(comm, names[i]);
		now->memfd_procs += holds_memfd(e->d_name);
		if (!r)
			continue;
		/* "PID (COMM) STATE PPID ...": COMM may hold spaces and ')' */
		proc_line(e->d_name, "stat", stat, sizeof(stat));
		close_paren = strrchr(stat, ')');
		if (close_paren && sscanf(close_paren + 1, " %*c %d", &ppid) == 1 &&
		    ppid == getpid())
			add(r, "a child of the test still there: pid %s (%s)", e->d_name, comm);
	}
	closedir(d);
	return 0;
}

int leftovers_snapshot(struct leftovers_snapshot *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = scan_processes(NULL, s);
	if (!err)
		err = list_dir("/dev/shm", s->shm, sizeof(s->shm));
	return err ? err : list_dir("/tmp", s->tmp, sizeof(s->tmp));
}

/* Entries of dir not in keep, with their kind. */
static void scan_dir(struct report *r, const char *dir, const char *const keep[])
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		add(r, "cannot read %s: %s", dir, strerror(errno));
		return;
	}
	while ((e = readdir(d))) {
		char path[600];
		struct stat st;
		bool kept = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
		int i;

		for (i = 0; keep && keep[i] && !kept; i++)
			kept = !strcmp(e->d_name, keep[i]);
		if (kept)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st))
			st.st_mode = 0;
		add(r, "left in %s: %s (%s)", dir, e->d_name,
		    S_ISSOCK(st.st_mode) ? "a socket" : S_ISDIR(st.st_mode) ? "a directory" : "a file");
	}
	closedir(d);
}

int leftovers_since(const struct leftovers_snapshot *before, const char *dir,
		    const char *const keep[], char *why, size_t len)
{
	static struct leftovers_snapshot now;
	struct report r = { .why = why, .len = len };
	int i;

	if (len)
		why[0] = '\0';
	memset(&now, 0, sizeof(now));
	if (scan_processes(&r, &now))
		add(&r, "cannot read /proc: %s", strerror(errno));
	for (i = 0; i < LEFTOVERS_NAMES; i++)
		if (now.named[i] > before->named[i])
			add(&r, "%d more %s process(es) than before", now.named[i] - before->named[i],
			    names[i]);
	if (now.memfd_procs > before->memfd_procs)
		add(&r, "%d more process(es) holding a memfd than before",
		    now.memfd_procs - before->memfd_procs);
	if (list_dir("/dev/shm", now.shm, sizeof(now.shm)) || list_dir("/tmp", now.tmp, sizeof(now.tmp)))
		add(&r, "cannot list all of /dev/shm or /tmp");
	new_names(&r, "/dev/shm", before->shm, now.shm);
	new_names(&r, "/tmp", before->tmp, now.tmp);
	if (dir)
		scan_dir(&r, dir, keep);
	return r.n;
}
