// SPDX-License-Identifier: GPL-2.0
/*
 * Option parsing, built from rows: the machine's options here, each device
 * kind's in devices/ (vmm/device_kinds.c lists them). --help and the
 * getopt table come from the same rows. Every error names the option and
 * the bad value.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

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


/*
 * A machine option: one row. Its value goes through parse (0, or -EINVAL
 * with err set), or is kept as it is in the string at offset string_at of
 * struct vm_config; a flag sets the bool at offset flag_at, or ends the
 * parsing with action.
 */
struct vm_option {
	const char *name;
	const char *syntax;		/* NULL: takes no value */
	const char *help;		/* lines of --help, '\n' between */
	int (*parse)(struct vm_config *cfg, const char *arg, char *err, size_t len);
	size_t string_at, flag_at;
	enum config_action action;
};

#define STRING(field)	.string_at = offsetof(struct vm_config, field)
#define FLAG(field)	.flag_at = offsetof(struct vm_config, field)

static int set_cpu_features(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	char bad[64];

	if (arch_cpu_features_parse(arg, &cfg->cpu_features, bad, sizeof(bad)))
		return fail(err, len, "--cpu-features: cannot hide '%s' (use -name,-name,... with names from --help)", bad);
	cfg->cpu_features_given = true;
	return 0;
}

static int set_kernel_format(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	const char *why;

	if (!strcmp(arg, "auto"))
		cfg->kernel_format = ARCH_KERNEL_AUTO;
	else if (!strcmp(arg, "raw"))
		cfg->kernel_format = ARCH_KERNEL_RAW;
	else
		return fail(err, len, "--kernel-format: unknown format '%s' (use auto or raw)", arg);
	if (arch_kernel_format_check(cfg->kernel_format, &why))
		return fail(err, len, "--kernel-format=%s: %s", arg, why);
	return 0;
}

static int set_cpus(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	unsigned long long v;

	if (parse_uint(arg, VMM_MAX_CPUS, &v) || !v)
		return fail(err, len, "--cpus: '%s' is not a number from 1 to %d", arg, VMM_MAX_CPUS);
	cfg->cpus = (unsigned int)v;
	return 0;
}

static int set_timeout(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	unsigned long long v;

	if (parse_uint(arg, 365ULL * 24 * 3600, &v))
		return fail(err, len, "--timeout: '%s' is not a whole number of seconds", arg);
	cfg->timeout_ms = v * 1000;
	return 0;
}

static int set_memory_socket(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	if (!*arg)
		return fail(err, len, "--memory-socket: path must not be empty");
	cfg->memory_socket = arg;
	return 0;
}

static int set_seccomp(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	if (vmm_seccomp_parse(arg, &cfg->seccomp))
		return fail(err, len, "--seccomp: '%s' is not on, log or off", arg);
	return 0;
}

static int set_console_input(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	if (!strcmp(arg, "stdin"))
		cfg->console_input = CONSOLE_INPUT_STDIN;
	else if (!strcmp(arg, "none"))
		cfg->console_input = CONSOLE_INPUT_NONE;
	else
		return fail(err, len, "--console-input: '%s' is not stdin or none", arg);
	return 0;
}

static bool has_debug_exit_port(void)
{
	unsigned int i;

	for (i = 0; i < arch_nr_platform; i++)
		if (arch_platform[i].kind == ARCH_DEV_DEBUG_EXIT)
			return true;
	return false;
}

static int set_debug_exit(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	if (!has_debug_exit_port())
		return fail(err, len, "--debug-exit: this machine has no debug-exit port (x86_64 only)");
	if (!strcmp(arg, "raw"))
		cfg->debug_exit = DEBUG_EXIT_RAW;
	else if (!strcmp(arg, "qemu"))
		cfg->debug_exit = DEBUG_EXIT_QEMU;
	else
		return fail(err, len, "--debug-exit: '%s' is not raw or qemu", arg);
	return 0;
}

static int set_memory(struct vm_config *cfg, const char *arg, char *err, size_t len)
{
	return parse_memory(arg, cfg, err, len) ? -EINVAL : 0;
}

/* The machine's options; the device kinds' rows go after memory-socket. */
static const struct vm_option machine_options[] = {
	{ "kernel", "PATH", "kernel to boot: on x86_64 a bzImage, an ELF vmlinux\n"
	  "(PVH entry), a multiboot (v1) image or ELF64\n"
	  "(64-bit entry); on arm64 an uncompressed Image", STRING(kernel) },
	{ "kernel-format", "auto|raw", "how to read --kernel: auto (default) by its header;\n"
	  "raw (arm64 only) a binary with no header, loaded\n"
	  "at the start of RAM and entered at its first byte", .parse = set_kernel_format },
	{ "initrd", "PATH", "initial ramdisk", STRING(initrd) },
	{ "cmdline", "STRING", "kernel command line (default: console=ttyS0)", STRING(cmdline) },
	{ "cpu-features", "-F,...", "hide CPU features from the guest: popcnt, x2apic,\n"
	  "xsave, avx, avx2, rdrand, rdseed, smep, smap, umip,\n"
	  "pku, kvm-pv-unhalt, kvm-pv-tlb-flush, kvm-pv-ipi,\n"
	  "kvm-pv-sched-yield (default: none, or on a PVM host\n"
	  "what its emulator cannot run); on arm64: pmu, its", .parse = set_cpu_features },
	{ "memory", "size=SIZE[,backend=memfd|hugetlb|private|heap][,path=DIR]",
	  "guest RAM (default 256M); --memory SIZE (512M, 1G)\n"
	  "is short for size=SIZE. backend: memfd (default)\n"
	  "and hugetlb can be shared with device processes;\n"
	  "path: a hugetlbfs mount", .parse = set_memory },
	{ "cpus", "N", "vCPUs (default 1, at most 64)", .parse = set_cpus },
	{ "timeout", "SECONDS", "stop the guest after this long, exit status 124", .parse = set_timeout },
	{ "console-input", "stdin|none", "where the serial console's input comes from:\n"
	  "stdin (default; a terminal is switched to raw\n"
	  "mode) or none (stdin is never read, so a script's\n"
	  "`while read` loop keeps its input)", .parse = set_console_input },
	{ "debug-exit", "raw|qemu", "x86_64: what a test guest's write of N to the\n"
	  "debug-exit port 0xf4 makes the exit status: raw\n"
	  "(default) N's low byte; qemu (N << 1) | 1, as QEMU's\n"
	  "isa-debug-exit (kvm-unit-tests)", .parse = set_debug_exit },
	{ "memory-socket", "PATH", "serve guest RAM regions and their fds on a unix\n"
	  "socket (SCM_RIGHTS), for inspectors and tests", .parse = set_memory_socket },
};

static const struct vm_option run_options[] = {
	{ "stats", NULL, "on exit, print VM exit counts by reason, device counters and phase times", FLAG(stats) },
	{ "seccomp", "on|log|off", "system-call filters per thread (default on): on\n"
	  "ends the VMM with status 159 on a forbidden call,\n"
	  "naming it; log lets it through and logs it\n"
	  "(dmesg); off installs none", .parse = set_seccomp },
	{ "probe", NULL, "print what the host's KVM can do and exit", .action = CONFIG_PROBE },
	{ "help", NULL, "print this text and exit", .action = CONFIG_HELP },
	{ "version", NULL, "print the version and exit", .action = CONFIG_VERSION },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HELP_COLUMN 25

/* "  --name SYNTAX" and the help, its lines indented to HELP_COLUMN. */
static void usage_row(FILE *f, const char *name, const char *syntax, const char *help)
{
	int n = fprintf(f, "  --%s%s%s", name, syntax ? " " : "", syntax ? syntax : "");

	if (n >= HELP_COLUMN - 1) {
		fputc('\n', f);
		n = 0;
	}
	while (*help) {
		size_t k = strcspn(help, "\n");

		fprintf(f, "%*s%.*s\n", HELP_COLUMN - n, "", (int)k, help);
		help += k + (help[k] == '\n');
		n = 0;
	}
}

static void write_usage(FILE *f)
{
	const struct device_kind *const *k;
	unsigned int i;

	fputs("usage: vmm --kernel PATH [options]\n", f);
	for (i = 0; i < ARRAY_SIZE(machine_options); i++)
		usage_row(f, machine_options[i].name, machine_options[i].syntax,
			  machine_options[i].help);
	for (k = vmm_device_kinds; *k; k++)
		usage_row(f, (*k)->option, (*k)->syntax, (*k)->help);
	fputs("  vhost-user devices and backend=thread need guest RAM that can be shared:\n"
	      "  --memory backend=memfd (the default) or hugetlb\n", f);
	for (i = 0; i < ARRAY_SIZE(run_options); i++)
		usage_row(f, run_options[i].name, run_options[i].syntax, run_options[i].help);
	fputs("exit status: 0 guest powered off or reset (or chose 0), N guest chose N\n"
	      "through the debug-exit port, 1 VM failed, 2 bad usage or configuration,\n"
	      "3 guest kernel panicked, 124 timeout, 128+S stopped by signal S,\n"
	      "159 forbidden system call (--seccomp on)\n", f);
}

const char *config_usage(void)
{
	static char text[8192];

	if (!text[0]) {
		FILE *f = fmemopen(text, sizeof(text) - 1, "w");

		if (!f)
			return "usage: vmm --kernel PATH [options]\n";
		write_usage(f);
		fclose(f);
	}
	return text;
}

/*
 * getopt's table: machine, run and device rows; val - OPTION_VAL indexes
 * rows (above every character getopt_long returns itself, such as '?').
 */
#define MAX_OPTIONS 64
#define OPTION_VAL 256

struct option_row {
	const struct vm_option *vm;
	const struct device_kind *kind;
};

static unsigned int build_options(struct option *opts, struct option_row *rows)
{
	const struct device_kind *const *k;
	unsigned int n = 0, i;

	for (i = 0; i < ARRAY_SIZE(machine_options) + ARRAY_SIZE(run_options); i++, n++) {
		const struct vm_option *o = i < ARRAY_SIZE(machine_options) ?
			&machine_options[i] : &run_options[i - ARRAY_SIZE(machine_options)];

		rows[n] = (struct option_row){ .vm = o };
		opts[n] = (struct option){ o->name, o->syntax ? required_argument : no_argument,
					   NULL, OPTION_VAL + (int)n };
	}
	for (k = vmm_device_kinds; *k && n < MAX_OPTIONS - 1; k++, n++) {
		rows[n] = (struct option_row){ .kind = *k };
		opts[n] = (struct option){ (*k)->option,
					   (*k)->syntax ? required_argument : no_argument,
					   NULL, OPTION_VAL + (int)n };
	}
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
	return n;
}

static int set_option(struct vm_config *cfg, const struct vm_option *o,
		      const char *arg, char *err, size_t len)
{
	char *base = (char *)cfg;

	if (o->parse)
		return o->parse(cfg, arg, err, len);
	if (o->string_at)
		*(const char **)(base + o->string_at) = arg;
	else
		*(bool *)(base + o->flag_at) = true;
	return 0;
}

/* How many devices of kind's group the config has so far. */
static unsigned int group_count(const struct vm_config *cfg, const struct device_kind *kind)
{
	unsigned int i, n = 0;

	for (i = 0; i < cfg->nr_devices; i++)
		n += !strcmp(cfg->devices[i].kind->group, kind->group);
	return n;
}

/* "--disk and --vhost-user-blk" for the disks' group. */
static void group_members(const struct device_kind *kind, char *buf, size_t len)
{
	const struct device_kind *const *k;
	size_t used = 0;
	unsigned int n = 0;

	buf[0] = '\0';
	for (k = vmm_device_kinds; *k; k++) {
		if (strcmp((*k)->group, kind->group))
			continue;
		used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s--%s",
					 n++ ? " and " : "", (*k)->option);
	}
}

static int add_device(struct vm_config *cfg, const struct device_kind *kind,
		      const char *arg, char *err, size_t len)
{
	struct device_config *d;
	unsigned int i;
	char members[128];

	if (!kind->syntax) {
		for (i = 0; i < cfg->nr_devices; i++)
			if (cfg->devices[i].kind == kind)
				return 0;	/* a flag given twice: one device */
	}
	if (group_count(cfg, kind) >= kind->max) {
		group_members(kind, members, sizeof(members));
		return fail(err, len, "--%s: at most %u %s (%s together)", kind->option,
			    kind->max, kind->group, members);
	}
	if (cfg->nr_devices == VMM_MAX_DEVICES)
		return fail(err, len, "--%s: at most %d devices in all", kind->option, VMM_MAX_DEVICES);
	d = &cfg->devices[cfg->nr_devices];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	if (kind->parse && kind->parse(arg, d->spec, err, len))
		return -EINVAL;
	for (i = 0; kind->conflict && i < cfg->nr_devices; i++)
		if (cfg->devices[i].kind == kind &&
		    kind->conflict(d->spec, cfg->devices[i].spec, err, len))
			return -EINVAL;
	cfg->nr_devices++;
	return 0;
}

int config_parse(int argc, char **argv, struct vm_config *cfg, char *err,
		 size_t len)
{
	struct option opts[MAX_OPTIONS];
	struct option_row rows[MAX_OPTIONS];
	unsigned int nr;
	int opt, ret;

	memset(cfg, 0, offsetof(struct vm_config, devices));	/* see config.h */
	cfg->action = CONFIG_RUN;
	cfg->memory.size = 256ULL << 20;
	cfg->memory.backend = GUEST_MEMORY_MEMFD;
	cfg->cpus = 1;
	cfg->seccomp = VMM_SECCOMP_ON;
	err[0] = '\0';
	nr = build_options(opts, rows);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const struct option_row *row;

		if (opt < OPTION_VAL || opt >= OPTION_VAL + (int)nr) {
			if (optopt)
				return fail(err, len, "option %s needs a value", argv[optind - 1]);
			return fail(err, len, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
		row = &rows[opt - OPTION_VAL];
		if (row->vm && row->vm->action) {
			cfg->action = row->vm->action;
			return 0;
		}
		ret = row->kind ? add_device(cfg, row->kind, optarg, err, len) :
			set_option(cfg, row->vm, optarg, err, len);
		if (ret)
			return -EINVAL;
	}
	if (optind < argc)
		return fail(err, len, "unexpected argument '%s' (see --help)", argv[optind]);
	if (!cfg->kernel)
		return fail(err, len, "--kernel PATH is required (see --help)");
	return 0;
}
