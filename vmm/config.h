/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line → struct vm_config.
 *
 * config_parse() validates everything that can be checked without touching
 * the host (syntax, ranges, combinations). On error it returns -EINVAL and
 * leaves one line for the user in err (no trailing newline). Checks that
 * need the host (page sizes, free huge pages, the kernel file) happen when
 * the VM is built.
 */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"
#include "memory/guest_memory.h"
#include "devices/host/seccomp.h"

#define VMM_MAX_CPUS 64
#define VMM_MAX_DISKS 8
#define VMM_MAX_NETS 4
#define VMM_IFNAMSIZ 16		/* IFNAMSIZ: a name has at most 15 bytes */

/* Who serves a virtio-blk disk's queue. */
enum disk_backend {
	DISK_BACKEND_INLINE,	/* --disk PATH: the device's worker thread */
	DISK_BACKEND_THREAD,	/* --disk PATH,backend=thread: our vhost-user
				   backend in a thread, over a socketpair */
	DISK_BACKEND_VHOST_USER,/* --vhost-user-blk socket=PATH: another process */
};

/* --disk and --vhost-user-blk, in command-line order. */
struct disk_config {
	char path[PATH_MAX];	/* the file, or the backend's socket */
	bool read_only;
	enum disk_backend backend;
};

/*
 * --net tap=NAME[,mac=MAC]: a virtio-net device on a host tap device;
 * --vhost-user-net socket=PATH[,mac=MAC]: one a backend process serves.
 */
struct net_config {
	char tap[VMM_IFNAMSIZ];	/* empty for vhost-user */
	char socket[PATH_MAX];	/* empty for a tap */
	uint8_t mac[6];
	bool have_mac;		/* false: the VMM picks 52:54:00:xx:xx:xx */
};
#define CONFIG_ERR_LEN 512

enum config_action {
	CONFIG_RUN,
	CONFIG_HELP,
	CONFIG_VERSION,
	CONFIG_PROBE,
};

struct vm_config {
	enum config_action action;
	struct guest_memory_config memory;
	unsigned int cpus;
	const char *kernel;
	const char *initrd;
	const char *cmdline;		/* NULL: the default */
	bool cpu_features_given;	/* else: what the host needs */
	struct arch_cpu_features cpu_features;
	uint64_t timeout_ms;		/* 0: none */
	const char *memory_socket;	/* export guest RAM for inspection */
	unsigned int nr_disks;
	struct disk_config disks[VMM_MAX_DISKS];
	unsigned int nr_nets;
	struct net_config nets[VMM_MAX_NETS];
	bool rng;
	bool stats;
	enum vmm_seccomp_mode seccomp;	/* default on */
	char hugetlb_dir[PATH_MAX];	/* memory.hugetlb_path points here */
};

int config_parse(int argc, char **argv, struct vm_config *cfg, char *err,
		 size_t err_len);

/* "64M", "1G", "4096": bytes, with K/M/G/T suffixes (powers of 1024). */
int parse_size(const char *s, uint64_t *out);

/* Formats bytes as "64M", "1536K", ... exactly; buf of 32 bytes. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

extern const char config_usage[];

#endif
