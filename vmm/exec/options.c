// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec's command line: its own options, the VMM's (passed on as they
 * are, in order), then -- and the command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vmm/exec/exec.h"

const char exec_usage[] =
"usage: vmm-exec --kernel PATH [options] [vmm options] -- CMD [ARG...]\n"
"Boots PATH in a fresh VM, runs CMD there as root in this directory with\n"
"this environment (less what only means something on this host), and\n"
"exits with its status; CMD's stdout and stderr arrive here, separately\n"
"and byte for byte, as it writes them. CMD's stdin is /dev/null.\n"
"  --kernel PATH          bzImage, vmlinux or arm64 Image; a distribution\n"
"                         kernel gets its virtio, virtiofs, fuse and\n"
"                         overlay modules from /lib/modules/RELEASE\n"
"  --share DIR[:ro]       DIR mounted at the same path in the guest,\n"
"                         through virtiofsd; :ro mounts it read-only (up\n"
"                         to 4 shares, 3 with --root-host)\n"
"  --root-host            the host's / as the guest's /, read-only, under\n"
"                         a tmpfs overlay the guest can write (writes do\n"
"                         not reach the host; shares do)\n"
"  --modules DIR          where the kernel's modules are (default:\n"
"                         /lib/modules/RELEASE, RELEASE read from the\n"
"                         kernel; none there: all built in)\n"
"  --virtiofsd PATH       default /usr/lib/qemu/virtiofsd\n"
"  --vmm PATH             the VMM (default: vmm next to vmm-exec)\n"
"  --cmdline STRING       appended to the guest kernel's command line\n"
"  --initramfs-out FILE   write the guest's initramfs to FILE and stop\n"
"  -v, --verbose          the guest's console and the VMM's messages here,\n"
"                         on stderr\n"
"  --help, --version\n"
"Other options before -- go to the VMM as they are (see vmm --help):\n"
"--memory, --cpus, --timeout, --disk, --net, --rng, ...\n"
"Where this host has no /dev/kvm, vmm-exec runs itself in the KVM box (a\n"
"QEMU guest with nested KVM, docs/kvm-box.md): there the host's / is\n"
"read-only and the shares and this directory are read-write.\n"
"exit status: CMD's (128+N: killed by signal N; 126: cannot run it, 127:\n"
"not found), 2 bad usage, 3 guest kernel panic, 124 timeout (--timeout),\n"
"125 the VM or vmm-exec failed before CMD's status came back\n";

struct own_option {
	const char *name;
	bool has_arg;
};

static const struct own_option own[] = {
	{ "kernel", true }, { "share", true }, { "root-host", false },
	{ "modules", true }, { "virtiofsd", true }, { "vmm", true },
	{ "cmdline", true }, { "initramfs-out", true }, { "verbose", false },
	{ "help", false }, { "version", false },
};

static int usage_error(char *err, size_t len, const char *fmt, const char *arg)
{
	snprintf(err, len, fmt, arg);
	return -EINVAL;
}

static int add_share(struct exec_config *cfg, const char *arg, char *err, size_t len)
{
	char dir[PATH_MAX];
	size_t n = strlen(arg);
	struct exec_share *s;
	struct stat st;
	unsigned int i;
	bool ro = false;

	if (n >= sizeof(dir))
		return usage_error(err, len, "--share %s: path too long", arg);
	strcpy(dir, arg);
	if (n > 3 && (!strcmp(dir + n - 3, ":ro") || !strcmp(dir + n - 3, ":rw"))) {
		ro = dir[n - 2] == 'r' && dir[n - 1] == 'o';
		dir[n - 3] = '\0';
	}
	if (cfg->nr_shares == EXEC_MAX_FS)
		return usage_error(err, len, "--share %s: too many shares (at most 4)", arg);
	s = &cfg->shares[cfg->nr_shares];
	if (!realpath(dir, s->path)) {
		snprintf(err, len, "--share %s: %s", dir, strerror(errno));
		return -EINVAL;
	}
	if (stat(s->path, &st) || !S_ISDIR(st.st_mode))
		return usage_error(err, len, "--share %s: not a directory", dir);
	for (i = 0; i < cfg->nr_shares; i++)
		if (!strcmp(cfg->shares[i].path, s->path))
			return usage_error(err, len, "--share %s: shared twice", s->path);
	s->ro = ro;
	cfg->nr_shares++;
	return 0;
}

static int set_own(struct exec_config *cfg, const char *name, const char *val,
		   char *err, size_t len)
{
	if (!strcmp(name, "kernel"))
		cfg->kernel = val;
	else if (!strcmp(name, "share"))
		return add_share(cfg, val, err, len);
	else if (!strcmp(name, "root-host"))
		cfg->root_host = true;
	else if (!strcmp(name, "modules"))
		cfg->modules = val;
	else if (!strcmp(name, "virtiofsd"))
		cfg->virtiofsd = val;
	else if (!strcmp(name, "vmm"))
		cfg->vmm = val;
	else if (!strcmp(name, "cmdline"))
		cfg->cmdline = val;
	else if (!strcmp(name, "initramfs-out"))
		cfg->initramfs_out = val;
	else if (!strcmp(name, "verbose"))
		cfg->verbose = true;
	else if (!strcmp(name, "help"))
		cfg->help = true;
	else if (!strcmp(name, "version"))
		cfg->version = true;
	return 0;
}

/* --NAME VALUE or --NAME=VALUE for our own options; NULL: not ours. */
static const struct own_option *own_option(const char *arg, const char **inline_val)
{
	size_t i, n;

	*inline_val = NULL;
	if (!strcmp(arg, "-v"))
		arg = "--verbose";
	if (strncmp(arg, "--", 2))
		return NULL;
	arg += 2;
	for (i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		n = strlen(own[i].name);
		if (!strncmp(arg, own[i].name, n) && (arg[n] == '\0' || arg[n] == '=')) {
			if (arg[n] == '=')
				*inline_val = arg + n + 1;
			return &own[i];
		}
	}
	return NULL;
}

static int share_cmp(const void *a, const void *b)
{
	return strcmp(((const struct exec_share *)a)->path, ((const struct exec_share *)b)->path);
}

int exec_parse(int argc, char **argv, struct exec_config *cfg, char *err, size_t len)
{
	const struct own_option *o;
	const char *val;
	int i;

	*cfg = (struct exec_config){ .virtiofsd = "/usr/lib/qemu/virtiofsd" };
	cfg->vmm_args = calloc((size_t)argc + 1, sizeof(char *));
	if (!cfg->vmm_args)
		return usage_error(err, len, "%s", "out of memory");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			cfg->argv = argv + i + 1;
			break;
		}
		o = own_option(argv[i], &val);
		if (!o) {
			if (!strcmp(argv[i], "--initrd") || !strncmp(argv[i], "--initrd=", 9))
				return usage_error(err, len, "%s: vmm-exec builds the initramfs itself",
						   argv[i]);
			cfg->vmm_args[cfg->nr_vmm_args++] = argv[i];
			continue;
		}
		if (o->has_arg && !val) {
			if (i + 1 >= argc)
				return usage_error(err, len, "--%s needs a value", o->name);
			val = argv[++i];
		} else if (!o->has_arg && val) {
			return usage_error(err, len, "--%s takes no value", o->name);
		}
		if (set_own(cfg, o->name, val, err, len))
			return -EINVAL;
	}
	if (cfg->help || cfg->version)
		return 0;
	if (cfg->root_host && cfg->nr_shares > EXEC_MAX_FS - 1)
		return usage_error(err, len, "%s", "too many shares with --root-host (at most 3)");
	if (!cfg->kernel)
		return usage_error(err, len, "%s", "--kernel PATH is required (see --help)");
	if (!cfg->argv || !cfg->argv[0])
		return usage_error(err, len, "%s", "no command: put it after -- (see --help)");
	/* A parent before its children, as the guest mounts them. */
	qsort(cfg->shares, cfg->nr_shares, sizeof(cfg->shares[0]), share_cmp);
	return 0;
}
