// SPDX-License-Identifier: GPL-2.0
/*
 * footprint_bench: the memory a VMM process uses beside guest RAM, for our
 * vmm and for QEMU's microvm machine side by side in one invocation, with
 * 1 and with 8 vCPUs, 256 MiB, 4 virtio-blk disks (1 MiB raw files made
 * here) and the Linux test kernel and initramfs booted with
 * "testinit=hang".
 *
 * Method, per VMM and vCPU count: spawn the VMM, read its console until
 * "TEST-INIT: hanging" (the guest's /init has run; every device is probed),
 * wait --settle seconds more, read /proc/PID/status and /proc/PID/smaps,
 * then kill the VMM.
 *
 *  - Guest RAM is left out: every mapping whose size is exactly the guest
 *    RAM size (ours: the memfd, counted by the kernel as shmem; QEMU
 *    microvm's default: an anonymous private mapping, counted as anon). The
 *    excluded mappings are printed, with what they held.
 *  - The overhead is, over every other mapping of smaps, its Anonymous
 *    pages plus its other resident pages unless the mapping is shared
 *    memory (memfd, /dev/shm, SysV, shared anonymous): the RssAnon +
 *    RssFile of /proc/PID/status less guest RAM. The headline comes from
 *    smaps, which walks the page tables; status's counters are also
 *    printed, as a cross-check (on kernels before 6.2 they are cached per
 *    thread and may lag by up to 64 pages a thread).
 *  - Our overhead is broken down by mapping kind: thread stacks ("[stack]",
 *    and an anonymous read-write mapping right above an anonymous
 *    PROT_NONE one: glibc's guard page), heap ("[heap]", and glibc's
 *    thread arenas: an anonymous read-write mapping at a 64 MiB boundary
 *    right below a PROT_NONE one, the arena's reserve), the executable
 *    (/proc/PID/exe), each shared library (a path with ".so"), other
 *    anonymous memory (large malloc blocks, ...), and other mappings
 *    (vDSO, the vCPUs' kvm_run areas, other files).
 *
 * usage: footprint_bench [--qemu PATH | --no-qemu WHY] [--settle S]
 *                        [--timeout S] [--keep DIR] VMM KERNEL INITRD
 * --keep DIR copies each process's smaps there (vmm-1.smaps, qemu-8.smaps,
 * ...) to look at by hand.
 * Prints "config" lines with both totals and the ratio, then our
 * breakdown; "fail:" if a VMM never reached the marker. No time is
 * asserted: the timeout only bounds a run that hangs.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"

#define MARKER		"TEST-INIT: hanging"
#define GUEST_MEM	"256M"
#define GUEST_BYTES	(256ULL << 20)
#define NR_DISKS	4
#define ARENA_ALIGN	(64ULL << 20)	/* glibc's HEAP_MAX_SIZE on 64-bit */
#define MAX_LIBS	32

enum kind { K_STACK, K_HEAP, K_EXE, K_LIB, K_ANON, K_OTHER, NR_KINDS };
static const char *const kind_names[NR_KINDS] = {
	"thread stacks", "heap and arenas", "executable", "shared libraries",
	"other anonymous", "other mappings",
};

struct mapping {
	unsigned long long start, end;
	char perms[8];
	char path[PATH_MAX];
	long rss, anon;		/* KiB */
};

struct usage { long anon, file; };

struct footprint {
	long status_anon, status_file, status_shmem;	/* KiB */
	int threads, guest_maps;
	long guest_anon, guest_shmem;
	struct usage kind[NR_KINDS], total;
	struct { char name[64]; struct usage u; } lib[MAX_LIBS];
	int nr_libs;
};

static bool anonymous(const struct mapping *m)
{
	return !m->path[0];
}

static bool shared_memory(const struct mapping *m)
{
	return !strncmp(m->path, "/memfd:", 7) || !strncmp(m->path, "/dev/shm/", 9) ||
	       !strncmp(m->path, "/SYSV", 5) || !strncmp(m->path, "/dev/zero", 9);
}

/* Reads every mapping of /proc/PID/smaps into *out; their number or -errno. */
static int read_smaps(pid_t pid, struct mapping **out)
{
	char name[64], perms[8], line[PATH_MAX + 128];
	struct mapping *v = NULL, *m = NULL;
	int n = 0, cap = 0;
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/smaps", (int)pid);
	f = fopen(name, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		int off = 0;
		long kb;

		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %n", &a, &b,
			   perms, &off) == 3 && off) {
			if (n == cap) {
				cap = cap ? 2 * cap : 256;
				m = realloc(v, (size_t)cap * sizeof(*v));
				if (!m) {
					free(v);
					fclose(f);
					return -ENOMEM;
				}
				v = m;
			}
			m = &v[n++];
			*m = (struct mapping){ .start = a, .end = b };
			memcpy(m->perms, perms, sizeof(perms));
			snprintf(m->path, sizeof(m->path), "%s", line + off);
			m->path[strcspn(m->path, "\n")] = '\0';
		} else if (m && sscanf(line, "Rss: %ld kB", &kb) == 1) {
			m->rss = kb;
		} else if (m && sscanf(line, "Anonymous: %ld kB", &kb) == 1) {
			m->anon = kb;
		}
	}
	fclose(f);
	*out = v;
	return n;
}

static enum kind classify(const struct mapping *v, int n, int i, const char *exe)
{
	const struct mapping *m = &v[i];
	const struct mapping *prev = i > 0 ? &v[i - 1] : NULL;
	const struct mapping *next = i + 1 < n ? &v[i + 1] : NULL;

	if (!strcmp(m->path, "[stack]"))
		return K_STACK;
	if (!strcmp(m->path, "[heap]"))
		return K_HEAP;
	if (anonymous(m) && !strcmp(m->perms, "rw-p")) {
		if (m->start % ARENA_ALIGN == 0 && next && next->start == m->end &&
		    anonymous(next) && !strcmp(next->perms, "---p"))
			return K_HEAP;
		if (prev && prev->end == m->start && anonymous(prev) &&
		    !strcmp(prev->perms, "---p"))
			return K_STACK;
	}
	if (anonymous(m))
		return K_ANON;
	if (!strcmp(m->path, exe))
		return K_EXE;
	if (strstr(m->path, ".so"))
		return K_LIB;
	return K_OTHER;
}

static void add_lib(struct footprint *fp, const char *path, struct usage u)
{
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	int i;

	for (i = 0; i < fp->nr_libs && strcmp(fp->lib[i].name, base); i++)
		;
	if (i == fp->nr_libs) {
		if (i == MAX_LIBS)
			i--;	/* the last row takes what does not fit */
		else
			fp->nr_libs++;
		snprintf(fp->lib[i].name, sizeof(fp->lib[i].name), "%s", base);
	}
	fp->lib[i].u.anon += u.anon;
	fp->lib[i].u.file += u.file;
}

static void read_status(pid_t pid, struct footprint *fp)
{
	char name[64], line[256];
	FILE *f;

	snprintf(name, sizeof(name), "/proc/%d/status", (int)pid);
	f = fopen(name, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "RssAnon: %ld kB", &fp->status_anon);
		sscanf(line, "RssFile: %ld kB", &fp->status_file);
		sscanf(line, "RssShmem: %ld kB", &fp->status_shmem);
		sscanf(line, "Threads: %d", &fp->threads);
	}
	fclose(f);
}

static const char *keep_dir;

/* Copies /proc/PID/smaps to keep_dir/NAME.smaps, when asked to. */
static void keep_smaps(pid_t pid, const char *name)
{
	char src[64], dst[PATH_MAX], buf[16384];
	int in, out;
	ssize_t n;

	if (!keep_dir)
		return;
	snprintf(src, sizeof(src), "/proc/%d/smaps", (int)pid);
	snprintf(dst, sizeof(dst), "%s/%s.smaps", keep_dir, name);
	in = open(src, O_RDONLY | O_CLOEXEC);
	out = open(dst, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
}

/* The footprint of the running process pid; 0 or -errno. */
static int measure(pid_t pid, struct footprint *fp)
{
	char link[64], exe[PATH_MAX];
	struct mapping *v = NULL;
	ssize_t len;
	int n, i;

	memset(fp, 0, sizeof(*fp));
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	len = readlink(link, exe, sizeof(exe) - 1);
	if (len < 0)
		return -errno;
	exe[len] = '\0';
	read_status(pid, fp);
	n = read_smaps(pid, &v);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		struct mapping *m = &v[i];
		struct usage u = { m->anon, shared_memory(m) ? 0 : m->rss - m->anon };
		enum kind k;

		if (m->end - m->start == GUEST_BYTES) {
			fp->guest_maps++;
			fp->guest_anon += m->anon;
			fp->guest_shmem += m->rss - m->anon;
			continue;
		}
		k = classify(v, n, i, exe);
		fp->kind[k].anon += u.anon;
		fp->kind[k].file += u.file;
		fp->total.anon += u.anon;
		fp->total.file += u.file;
		if (k == K_LIB)
			add_lib(fp, m->path, u);
	}
	free(v);
	return 0;
}

static double mib(long kib)
{
	return kib / 1024.0;
}

/*
 * Boots argv to MARKER, waits settle seconds, measures, kills it. 0, or
 * -ETIMEDOUT/-errno with the end of its output printed.
 */
static int run_one(const char *who, const char *cpus, char *const argv[],
		   double settle, double timeout, struct footprint *fp)
{
	static struct text out, err;
	struct text *const texts[] = { &out, &err };
	double deadline = monotonic_seconds() + timeout;
	pid_t pid;
	int ret;

	out.len = err.len = 0;
	out.buf[0] = err.buf[0] = '\0';
	pid = spawn_cmd(argv, NULL, &out.fd, &err.fd);
	if (pid < 0)
		return (int)pid;
	procs_track(pid);
	while (!strstr(out.buf, MARKER) && out.fd >= 0 && monotonic_seconds() < deadline)
		text_pump(texts, 2, 1.0);
	if (!strstr(out.buf, MARKER)) {
		printf("fail: %s never printed \"%s\"; its stderr ends: %s\n", who, MARKER,
		       text_tail(err.buf, 400));
		ret = -ETIMEDOUT;
	} else {
		char name[32];

		deadline = monotonic_seconds() + settle;
		while (monotonic_seconds() < deadline)	/* keep the console drained */
			text_pump(texts, 2, deadline - monotonic_seconds());
		ret = measure(pid, fp);
		snprintf(name, sizeof(name), "%s-%s", who, cpus);
		keep_smaps(pid, name);
	}
	stop_cmd(pid, 5);
	procs_untrack(pid);
	if (out.fd >= 0)
		close(out.fd);
	if (err.fd >= 0)
		close(err.fd);
	return ret;
}

static void print_breakdown(const struct footprint *fp)
{
	int k, i;

	printf("  ours, by mapping kind    anon KiB  file KiB  total MiB\n");
	for (k = 0; k < NR_KINDS; k++) {
		const struct usage *u = &fp->kind[k];

		printf("    %-22s %8ld  %8ld  %9.2f\n", kind_names[k], u->anon, u->file,
		       mib(u->anon + u->file));
		for (i = 0; k == K_LIB && i < fp->nr_libs; i++)
			printf("      %-20s %8ld  %8ld  %9.2f\n", fp->lib[i].name,
			       fp->lib[i].u.anon, fp->lib[i].u.file,
			       mib(fp->lib[i].u.anon + fp->lib[i].u.file));
	}
	printf("    %-22s %8ld  %8ld  %9.2f\n", "total", fp->total.anon, fp->total.file,
	       mib(fp->total.anon + fp->total.file));
}

static void print_side(const char *who, const struct footprint *fp)
{
	printf("  %s: %d threads; status RssAnon %ld RssFile %ld RssShmem %ld KiB; guest RAM excluded: %d mapping(s) of %s, %ld KiB anon + %ld KiB shmem resident; status-based overhead %.2f MiB\n",
	       who, fp->threads, fp->status_anon, fp->status_file, fp->status_shmem,
	       fp->guest_maps, GUEST_MEM, fp->guest_anon, fp->guest_shmem,
	       mib(fp->status_anon - fp->guest_anon + fp->status_file));
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--qemu PATH | --no-qemu WHY] [--settle S] [--timeout S] [--keep DIR] VMM KERNEL INITRD\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "qemu", required_argument, NULL, 'q' },
		{ "no-qemu", required_argument, NULL, 'n' },
		{ "settle", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const cpus[] = { "1", "8" };
	const char *qemu = "/usr/bin/qemu-system-x86_64", *no_qemu = NULL;
	char tmpl[] = "/tmp/footprint-bench.XXXXXX";
	char disk[NR_DISKS][256], drive[NR_DISKS][320], dev[NR_DISKS][64];
	char cmdline[] = "console=ttyS0 panic=-1 testinit=hang";
	double settle = 2, timeout = 600;
	const char *dir;
	unsigned int c;
	int opt, i, failed = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'q': qemu = optarg; break;
		case 'n': no_qemu = optarg; break;
		case 's': settle = atof(optarg); break;
		case 't': timeout = atof(optarg); break;
		case 'k': keep_dir = optarg; break;
		default: usage(argv[0]);
		}
	}
	if (argc - optind != 3)
		usage(argv[0]);
	cleanup_hook(NULL);
	dir = make_tmpdir(tmpl);
	if (!dir) {
		printf("fail: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < NR_DISKS; i++) {
		int fd;

		snprintf(disk[i], sizeof(disk[i]), "%s/disk%d.img", dir, i);
		fd = open(disk[i], O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0 || ftruncate(fd, 1 << 20)) {
			printf("fail: %s: %s\n", disk[i], strerror(errno));
			return 1;
		}
		close(fd);
		snprintf(drive[i], sizeof(drive[i]), "file=%s,if=none,id=d%d,format=raw", disk[i], i);
		snprintf(dev[i], sizeof(dev[i]), "virtio-blk-device,drive=d%d", i);
	}
	printf("footprint_bench: RSS less guest RAM (%s), %d virtio-blk disks, \"%s\" + %.0f s, then /proc/PID/smaps\n",
	       GUEST_MEM, NR_DISKS, MARKER, settle);
	if (no_qemu)
		printf("skip: qemu: %s\n", no_qemu);
	for (c = 0; c < ARRAY_SIZE(cpus); c++) {
		char *ours_argv[] = { argv[optind], "--kernel", argv[optind + 1],
			"--initrd", argv[optind + 2], "--memory", GUEST_MEM,
			"--cpus", (char *)cpus[c], "--disk", disk[0], "--disk", disk[1],
			"--disk", disk[2], "--disk", disk[3], "--cmdline", cmdline,
			"--timeout", "900", NULL };
		char *qemu_argv[] = { (char *)qemu, "-M", "microvm,acpi=off", "-enable-kvm",
			"-cpu", "host", "-m", GUEST_MEM, "-smp", (char *)cpus[c],
			"-nodefaults", "-no-user-config", "-nographic", "-serial", "stdio",
			"-kernel", argv[optind + 1], "-initrd", argv[optind + 2],
			"-append", cmdline,
			"-drive", drive[0], "-device", dev[0], "-drive", drive[1], "-device", dev[1],
			"-drive", drive[2], "-device", dev[2], "-drive", drive[3], "-device", dev[3],
			"-no-reboot", NULL };
		struct footprint ours, theirs;
		bool have_qemu;

		if (run_one("vmm", cpus[c], ours_argv, settle, timeout, &ours)) {
			failed = 1;
			continue;
		}
		have_qemu = !no_qemu && !run_one("qemu", cpus[c], qemu_argv, settle, timeout, &theirs);
		if (have_qemu)
			printf("config %s vCPU: vmm %.2f MiB, qemu microvm %.2f MiB, vmm / qemu = %.2fx\n",
			       cpus[c], mib(ours.total.anon + ours.total.file),
			       mib(theirs.total.anon + theirs.total.file),
			       (double)(ours.total.anon + ours.total.file) /
			       (double)(theirs.total.anon + theirs.total.file));
		else
			printf("config %s vCPU: vmm %.2f MiB, qemu: none\n", cpus[c],
			       mib(ours.total.anon + ours.total.file));
		print_side("vmm ", &ours);
		if (have_qemu)
			print_side("qemu", &theirs);
		else
			failed |= !no_qemu;
		print_breakdown(&ours);
		fflush(stdout);
	}
	cleanup_run();
	return failed;
}
