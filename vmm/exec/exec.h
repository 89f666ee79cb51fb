/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmm-exec: run one command in a fresh VM and exit with its status.
 *
 * It starts a virtiofsd for each shared directory (and one for the host's
 * / with --root-host), writes an initramfs at run time (the guest init of
 * guests/exec/ and the kernel modules it needs), runs the VMM with a
 * virtio console as the channel back, and turns what arrives there into
 * its own stdout, stderr and exit status (guests/exec/protocol.h).
 *
 * Each module returns 0 or a negative errno and writes one line for the
 * user into err; main.c prints it.
 */
#ifndef VMM_EXEC_EXEC_H
#define VMM_EXEC_EXEC_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define EXEC_ERR_LEN		(PATH_MAX + 256)
#define EXEC_MAX_FS		4	/* the VMM's --vhost-user-fs limit */
#define EXEC_MAX_MODULES	32

/* Exit statuses of vmm-exec itself (otherwise: the command's). */
#define EXEC_EXIT_USAGE		2
#define EXEC_EXIT_FAILED	125

struct exec_share {
	char path[PATH_MAX];	/* absolute, resolved */
	bool ro;
};

struct exec_config {
	const char *kernel;
	const char *modules;		/* NULL: /lib/modules/RELEASE */
	const char *virtiofsd;
	const char *vmm;		/* NULL: next to vmm-exec */
	const char *cmdline;		/* appended to ours */
	const char *initramfs_out;	/* write the initramfs there, stop */
	struct exec_share shares[EXEC_MAX_FS];
	unsigned int nr_shares;
	bool root_host;
	bool verbose;
	char **vmm_args;		/* passed on to the VMM */
	int nr_vmm_args;
	char **argv;			/* the command */
	bool help, version;
};

/* options.c: argv as vmm-exec takes it. */
int exec_parse(int argc, char **argv, struct exec_config *cfg, char *err, size_t len);
extern const char exec_usage[];

/* modules.c: the modules (paths, load order) the guest must load. */
struct exec_modules {
	char *path[EXEC_MAX_MODULES];
	unsigned int nr;
};
int exec_kernel_release(const char *kernel, char *release, size_t size);
int exec_find_modules(const char *dir, const char *const *names, unsigned int nr_required,
		      unsigned int nr, struct exec_modules *out, char *err, size_t len);
void exec_modules_free(struct exec_modules *m);

/* initramfs.c: an uncompressed newc archive. */
int exec_write_initramfs(const char *out, const char *init, const struct exec_modules *mods,
			 const char *spec, size_t spec_len, char *err, size_t len);

/* virtiofsd.c: one virtiofsd serving dir on sock, listening on return. */
int exec_start_virtiofsd(const char *virtiofsd, const char *dir, const char *sock,
			 const char *log, pid_t *pid, char *err, size_t len);

/* channel.c: the frames from the guest. */
struct exec_channel {
	unsigned char buf[8 + 65536];
	size_t have;
	int status;		/* -1 until EXEC_STATUS */
	bool failed;		/* EXEC_FAIL arrived */
	bool out_closed;	/* our stdout's reader went away */
	bool broken;		/* a malformed frame */
};
void exec_channel_init(struct exec_channel *c);
/* Feeds bytes read from the console; -EPIPE once our stdout is gone. */
int exec_channel_feed(struct exec_channel *c, const void *data, size_t n);

#endif
