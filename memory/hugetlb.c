// SPDX-License-Identifier: GPL-2.0
/*
 * Page sizes of the backends and the host's free huge pages, read from
 * /proc/meminfo, statfs() of a hugetlbfs mount and
 * /sys/kernel/mm/hugepages.
 */
#include "guest_memory.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef HUGETLBFS_MAGIC
#define HUGETLBFS_MAGIC 0x958458f6
#endif

static long default_huge_page_size(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kib = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Hugepagesize: %ld kB", &kib) == 1)
			break;
	}
	fclose(f);
	return kib > 0 ? kib * 1024 : -ENOENT;
}

long guest_memory_page_size(const struct guest_memory_config *cfg)
{
	struct statfs st;

	if (cfg->backend != GUEST_MEMORY_HUGETLB)
		return sysconf(_SC_PAGESIZE);
	if (!cfg->hugetlb_path)
		return default_huge_page_size();
	if (statfs(cfg->hugetlb_path, &st) < 0)
		return -errno;
	if ((unsigned long)st.f_type != HUGETLBFS_MAGIC)
		return -ENOTTY;
	return (long)st.f_bsize;
}

static long read_sys_long(long page_size, const char *name)
{
	char path[128];
	long v = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path),
		 "/sys/kernel/mm/hugepages/hugepages-%ldkB/%s",
		 page_size / 1024, name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &v) != 1)
		v = -EIO;
	fclose(f);
	return v;
}

long hugetlb_free_pages(long page_size)
{
	long free_pages = read_sys_long(page_size, "free_hugepages");
	long reserved = read_sys_long(page_size, "resv_hugepages");

	if (free_pages < 0)
		return free_pages;
	if (reserved < 0)
		return reserved;
	return free_pages > reserved ? free_pages - reserved : 0;
}

long hugetlb_total_pages(long page_size)
{
	return read_sys_long(page_size, "nr_hugepages");
}
