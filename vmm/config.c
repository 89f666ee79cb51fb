// SPDX-License-Identifier: GPL-2.0
/*
 * Option parsing. Every error names the option and the bad value.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

_Static_assert(VMM_IFNAMSIZ == IFNAMSIZ, "interface name size");

const char config_usage[] =
"usage: vmm --kernel PATH [options]\n"
"  --kernel PATH          kernel to boot: on x86_64 a bzImage, an ELF vmlinux\n"
"                         (PVH entry) or ELF64 (64-bit entry); on arm64 an\n"
"                         uncompressed Image\n"
"  --initrd PATH          initial ramdisk\n"
"  --cmdline STRING       kernel command line (default: console=ttyS0)\n"
"  --cpu-features -F,...  hide CPU features from the guest: popcnt, x2apic,\n"
"                         xsave, avx, avx2, rdrand, rdseed, smep, smap, umip,\n"
"                         pku, kvm-pv-unhalt, kvm-pv-tlb-flush, kvm-pv-ipi,\n"
"                         kvm-pv-sched-yield (default: none, or on a PVM host\n"
"                         what its emulator cannot run)\n"
"  --memory SIZE          guest RAM, e.g. 512M (default 256M)\n"
"  --memory size=SIZE[,backend=memfd|hugetlb|private|heap][,path=DIR]\n"
"                         backend: memfd (default) and hugetlb can be shared\n"
"                         with device processes; path: a hugetlbfs mount\n"
"  --cpus N               vCPUs (default 1, at most 64)\n"
"  --timeout SECONDS      stop the guest after this long, exit status 124\n"
"  --memory-socket PATH   serve guest RAM regions and their fds on a unix\n"
"                         socket (SCM_RIGHTS), for inspectors and tests\n"
"  --disk PATH[,ro][,backend=inline|thread]\n"
"                         virtio-blk disk backed by a file (up to 8 disks\n"
"                         in all); backend=thread serves it with vmm-blkd's\n"
"                         vhost-user code in a thread of the VMM\n"
"  --vhost-user-blk socket=PATH\n"
"                         virtio-blk served by a vhost-user backend process\n"
"                         listening on PATH (qemu-storage-daemon, vmm-blkd)\n"
"  --rng                  virtio-rng entropy device\n"
"  --net tap=NAME[,mac=MAC]\n"
"                         virtio-net on host tap device NAME (attached, or\n"
"                         created with CAP_NET_ADMIN; up to 4); MAC like\n"
"                         52:54:00:12:34:56 (default 52:54:00 and 3 random)\n"
"  --vhost-user-net socket=PATH[,mac=MAC]\n"
"                         virtio-net served by a vhost-user backend process\n"
"                         (dpdk-testpmd's net_vhost, ...); up to 4 nets\n"
"  vhost-user devices and backend=thread need guest RAM that can be shared:\n"
"  --memory backend=memfd (the default) or hugetlb\n"
"  --stats                print VM exit counts by reason on exit\n"
"  --seccomp on|log|off   system-call filters per thread (default on): on\n"
"                         ends the VMM with status 159 on a forbidden call,\n"
"                         naming it; log lets it through and logs it\n"
"                         (dmesg); off installs none\n"
"  --probe                print what the host's KVM can do and exit\n"
"  --help, --version\n"
"exit status: 0 guest powered off or reset (or chose 0), N guest chose N\n"
"through the debug-exit port, 1 VM failed, 2 bad usage or configuration,\n"
"3 guest kernel panicked, 124 timeout, 128+S stopped by signal S,\n"
"159 forbidden system call (--seccomp on)\n";

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "TGMK";
	unsigned int i;

	for (i = 0; i < 4; i++) {
		unsigned int shift = 40 - 10 * i;

		if (bytes && !(bytes & ((1ULL << shift) - 1))) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(bytes >> shift), units[i]);
			return buf;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
	return buf;
}

static int parse_memory_size(const char *v, uint64_t *out, char *err,
			     size_t len)
{
	int ret = parse_size(v, out);

	if (ret == -ERANGE)
		return fail(err, len, "--memory: size '%s' is too large", v);
	if (ret)
		return fail(err, len, "--memory: bad size '%s' (use a number with K, M, G or T)", v);
	if (!*out)
		return fail(err, len, "--memory: size must not be 0");
	return 0;
}

/* "SIZE" or "size=SIZE,backend=NAME,path=DIR"; arg is not modified. */
static int parse_memory(const char *arg, struct vm_config *cfg, char *err,
			size_t len)
{
	struct guest_memory_config *m = &cfg->memory;
	bool have_size = false;
	char item[PATH_MAX + 16];

	if (*arg >= '0' && *arg <= '9' && !strchr(arg, '='))
		return parse_memory_size(arg, &m->size, err, len);

	while (*arg) {
		size_t n = strcspn(arg, ",");
		char *val;

		if (n >= sizeof(item))
			return fail(err, len, "--memory: option too long");
		memcpy(item, arg, n);
		item[n] = '\0';
		arg += n + (arg[n] == ',');

		val = strchr(item, '=');
		if (!val)
			return fail(err, len, "--memory: expected key=value, got '%s'", item);
		*val++ = '\0';
		if (!strcmp(item, "size")) {
			if (parse_memory_size(val, &m->size, err, len))
				return -EINVAL;
			have_size = true;
		} else if (!strcmp(item, "backend")) {
			if (guest_memory_backend_parse(val, &m->backend))
				return fail(err, len, "--memory: unknown backend '%s' (use memfd, hugetlb, private or heap)", val);
		} else if (!strcmp(item, "path")) {
			if (!*val)
				return fail(err, len, "--memory: path must not be empty");
			snprintf(cfg->hugetlb_dir, sizeof(cfg->hugetlb_dir), "%s", val);
			m->hugetlb_path = cfg->hugetlb_dir;
		} else {
			return fail(err, len, "--memory: unknown key '%s' (use size, backend or path)", item);
		}
	}
	if (!have_size)
		return fail(err, len, "--memory: size=SIZE is required");
	if (m->hugetlb_path && m->backend != GUEST_MEMORY_HUGETLB)
		return fail(err, len, "--memory: path= is only for backend=hugetlb");
	return 0;
}

static struct disk_config *new_disk(struct vm_config *cfg, const char *opt,
				    char *err, size_t len)
{
	struct disk_config *d;

	if (cfg->nr_disks == VMM_MAX_DISKS) {
		fail(err, len, "%s: at most %d disks (--disk and --vhost-user-blk together)",
		     opt, VMM_MAX_DISKS);
		return NULL;
	}
	d = &cfg->disks[cfg->nr_disks];
	*d = (struct disk_config){ 0 };
	return d;
}

/* Strips a trailing ",WORD" from s[0..*n) if it is exactly word. */
static bool strip_suffix(const char *s, size_t *n, const char *word)
{
	size_t k = strlen(word);

	if (*n < k + 1 || s[*n - k - 1] != ',' || strncmp(s + *n - k, word, k))
		return false;
	*n -= k + 1;
	return true;
}

/* "PATH[,ro][,backend=inline|thread]", options in any order */
static int parse_disk(const char *arg, struct vm_config *cfg, char *err,
		      size_t len)
{
	struct disk_config *d = new_disk(cfg, "--disk", err, len);
	size_t n = strlen(arg);

	if (!d)
		return -EINVAL;
	for (;;) {
		if (strip_suffix(arg, &n, "ro"))
			d->read_only = true;
		else if (strip_suffix(arg, &n, "backend=thread"))
			d->backend = DISK_BACKEND_THREAD;
		else if (strip_suffix(arg, &n, "backend=inline"))
			d->backend = DISK_BACKEND_INLINE;
		else
			break;
	}
	if (!n || arg[n - 1] == ',')
		return fail(err, len, "--disk: path must not be empty");
	if (n >= sizeof(d->path))
		return fail(err, len, "--disk: path too long");
	if (memmem(arg, n, ",backend=", 9))
		return fail(err, len, "--disk: bad backend in '%s' (use backend=inline or backend=thread)", arg);
	memcpy(d->path, arg, n);
	d->path[n] = '\0';
	cfg->nr_disks++;
	return 0;
}

/* "socket=PATH": a unix socket path that fits in sockaddr_un. */
static int parse_socket(const char *opt, const char *val, char *out,
			char *err, size_t len)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (!*val)
		return fail(err, len, "%s: socket path must not be empty", opt);
	if (strlen(val) > max)
		return fail(err, len, "%s: socket path longer than %zu bytes", opt, max);
	strcpy(out, val);
	return 0;
}

static int parse_vhost_user_blk(const char *arg, struct vm_config *cfg,
				char *err, size_t len)
{
	struct disk_config *d = new_disk(cfg, "--vhost-user-blk", err, len);

	if (!d)
		return -EINVAL;
	if (strncmp(arg, "socket=", 7))
		return fail(err, len, "--vhost-user-blk: expected socket=PATH, got '%s'", arg);
	if (parse_socket("--vhost-user-blk", arg + 7, d->path, err, len))
		return -EINVAL;
	d->backend = DISK_BACKEND_VHOST_USER;
	cfg->nr_disks++;
	return 0;
}

/* A Linux interface name: 1 to 15 bytes, none of them '/', ':', '%' or space. */
static bool valid_ifname(const char *s)
{
	size_t i, n = strlen(s);

	if (!n || n >= VMM_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] == 0x7f || strchr("/:%", s[i]))
			return false;
	return true;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "52:54:00:12:34:56": six hex pairs, a unicast address that is not zero. */
static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

static int parse_net_item(const char *opt, char *item, struct net_config *n,
			  char *err, size_t len)
{
	bool vhost = strcmp(opt, "--net");
	char *val = strchr(item, '=');

	if (!val)
		return fail(err, len, "%s: expected key=value, got '%s'", opt, item);
	*val++ = '\0';
	if (vhost && !strcmp(item, "socket")) {
		return parse_socket(opt, val, n->socket, err, len);
	} else if (!vhost && !strcmp(item, "tap")) {
		if (!valid_ifname(val))
			return fail(err, len, "--net: bad tap name '%s' (1 to %d characters, no '/', ':', '%%' or spaces)",
				    val, VMM_IFNAMSIZ - 1);
		strcpy(n->tap, val);
	} else if (!strcmp(item, "mac")) {
		if (!parse_mac(val, n->mac))
			return fail(err, len, "%s: bad mac '%s' (want six hex pairs like 52:54:00:12:34:56, unicast, not zero)", opt, val);
		n->have_mac = true;
	} else {
		return fail(err, len, "%s: unknown key '%s' (use %s or mac)", opt, item,
			    vhost ? "socket" : "tap");
	}
	return 0;
}

/*
 * "tap=NAME[,mac=MAC]" (--net) or "socket=PATH[,mac=MAC]"
 * (--vhost-user-net); arg is not modified.
 */
static int parse_net(const char *opt, const char *arg, struct vm_config *cfg,
		     char *err, size_t len)
{
	struct net_config *n;
	char item[PATH_MAX + 8];
	unsigned int i;

	if (cfg->nr_nets == VMM_MAX_NETS)
		return fail(err, len, "%s: at most %d network devices (--net and --vhost-user-net together)",
			    opt, VMM_MAX_NETS);
	n = &cfg->nets[cfg->nr_nets];
	*n = (struct net_config){ 0 };
	while (*arg) {
		size_t k = strcspn(arg, ",");

		if (k >= sizeof(item))
			return fail(err, len, "%s: '%.*s' is too long", opt, (int)k, arg);
		memcpy(item, arg, k);
		item[k] = '\0';
		arg += k + (arg[k] == ',');
		if (parse_net_item(opt, item, n, err, len))
			return -EINVAL;
	}
	if (strcmp(opt, "--net")) {
		if (!n->socket[0])
			return fail(err, len, "%s: socket=PATH is required", opt);
		cfg->nr_nets++;
		return 0;
	}
	if (!n->tap[0])
		return fail(err, len, "--net: tap=NAME is required");
	for (i = 0; i < cfg->nr_nets; i++)
		if (!strcmp(cfg->nets[i].tap, n->tap))
			return fail(err, len, "--net: tap '%s' given twice", n->tap);
	cfg->nr_nets++;
	return 0;
}

static int parse_uint(const char *s, unsigned long long max,
		      unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

enum { OPT_KERNEL = 1, OPT_INITRD, OPT_CMDLINE, OPT_CPU_FEATURES, OPT_MEMORY, OPT_CPUS, OPT_TIMEOUT, OPT_MEMORY_SOCKET,
       OPT_STATS, OPT_DISK, OPT_RNG, OPT_NET, OPT_VHOST_USER_BLK, OPT_VHOST_USER_NET, OPT_PROBE, OPT_HELP, OPT_VERSION,
       OPT_SECCOMP };

static const struct option options[] = {
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "cmdline", required_argument, NULL, OPT_CMDLINE },
	{ "cpu-features", required_argument, NULL, OPT_CPU_FEATURES },
	{ "memory", required_argument, NULL, OPT_MEMORY },
	{ "cpus", required_argument, NULL, OPT_CPUS },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "memory-socket", required_argument, NULL, OPT_MEMORY_SOCKET },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "disk", required_argument, NULL, OPT_DISK },
	{ "rng", no_argument, NULL, OPT_RNG },
	{ "net", required_argument, NULL, OPT_NET },
	{ "vhost-user-blk", required_argument, NULL, OPT_VHOST_USER_BLK },
	{ "vhost-user-net", required_argument, NULL, OPT_VHOST_USER_NET },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "probe", no_argument, NULL, OPT_PROBE },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

int config_parse(int argc, char **argv, struct vm_config *cfg, char *err,
		 size_t len)
{
	unsigned long long v;
	int opt;

	*cfg = (struct vm_config){
		.action = CONFIG_RUN,
		.memory = { .size = 256ULL << 20, .backend = GUEST_MEMORY_MEMFD },
		.cpus = 1,
		.seccomp = VMM_SECCOMP_ON,
	};
	err[0] = '\0';
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case OPT_KERNEL:
			cfg->kernel = optarg;
			break;
		case OPT_INITRD:
			cfg->initrd = optarg;
			break;
		case OPT_CMDLINE:
			cfg->cmdline = optarg;
			break;
		case OPT_CPU_FEATURES: {
			char bad[64];

			if (arch_cpu_features_parse(optarg, &cfg->cpu_features, bad, sizeof(bad)))
				return fail(err, len, "--cpu-features: cannot hide '%s' (use -name,-name,... with names from --help)", bad);
			cfg->cpu_features_given = true;
			break;
		}
		case OPT_MEMORY:
			if (parse_memory(optarg, cfg, err, len))
				return -EINVAL;
			break;
		case OPT_CPUS:
			if (parse_uint(optarg, VMM_MAX_CPUS, &v) || !v)
				return fail(err, len, "--cpus: '%s' is not a number from 1 to %d", optarg, VMM_MAX_CPUS);
			cfg->cpus = (unsigned int)v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, 365ULL * 24 * 3600, &v))
				return fail(err, len, "--timeout: '%s' is not a whole number of seconds", optarg);
			cfg->timeout_ms = v * 1000;
			break;
		case OPT_MEMORY_SOCKET:
			if (!*optarg)
				return fail(err, len, "--memory-socket: path must not be empty");
			cfg->memory_socket = optarg;
			break;
		case OPT_STATS:
			cfg->stats = true;
			break;
		case OPT_DISK:
			if (parse_disk(optarg, cfg, err, len))
				return -EINVAL;
			break;
		case OPT_RNG:
			cfg->rng = true;
			break;
		case OPT_NET:
			if (parse_net("--net", optarg, cfg, err, len))
				return -EINVAL;
			break;
		case OPT_VHOST_USER_BLK:
			if (parse_vhost_user_blk(optarg, cfg, err, len))
				return -EINVAL;
			break;
		case OPT_VHOST_USER_NET:
			if (parse_net("--vhost-user-net", optarg, cfg, err, len))
				return -EINVAL;
			break;
		case OPT_SECCOMP:
			if (vmm_seccomp_parse(optarg, &cfg->seccomp))
				return fail(err, len, "--seccomp: '%s' is not on, log or off", optarg);
			break;
		case OPT_HELP:
			cfg->action = CONFIG_HELP;
			return 0;
		case OPT_PROBE:
			cfg->action = CONFIG_PROBE;
			return 0;
		case OPT_VERSION:
			cfg->action = CONFIG_VERSION;
			return 0;
		default:
			if (optopt)
				return fail(err, len, "option %s needs a value", argv[optind - 1]);
			return fail(err, len, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return fail(err, len, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!cfg->kernel)
		return fail(err, len, "--kernel PATH is required (see --help)");
	return 0;
}
