// SPDX-License-Identifier: GPL-2.0
/*
 * scale_bench: how the cost of a VM grows, ours next to QEMU's microvm, in
 * one table printed at the end. Every figure is a median over --runs
 * rounds, ours and QEMU's alternating, and is meaningful only as the
 * vmm / qemu ratio, on this host, in this run. The rows:
 *
 *  start-up, SIZE  spawn to exit of `vmm --kernel hello --memory SIZE`
 *                  (64M, 1G, 4G, 16G; guest RAM is prefaulted memfd).
 *                  QEMU cannot boot the hello guest (an ELF without a PVH
 *                  note): its figure is mem_bench's, `-M microvm -object
 *                  memory-backend-memfd,prealloc=on -S` quitting through
 *                  its stdio monitor once its machine and RAM are ready.
 *                  A size that does not fit MemAvailable (with 256 MiB to
 *                  spare) is skipped, saying so.
 *  boot, N vCPUs   spawn to "Run /init as init process" of the Linux test
 *                  kernel and initramfs, 256M (1, 2, 4, 8 vCPUs); the
 *                  guest's "TEST-INIT: cpus: online=N" line is checked.
 *  D disks         1 to 4 virtio-blk disks (64 MiB raw files), 1 vCPU,
 *                  256M, the initramfs's "testinit.readloop=S": every disk
 *                  read at once with O_DIRECT 4 KiB reads for S seconds.
 *                  requests/s is the guest's count; exits/s is KVM's own
 *                  count of the VM's exits (debugfs kvm/PID-FD/exits, all
 *                  of them, handled in the kernel or not), read when the
 *                  guest prints its start and end lines.
 *  N VMs at once   N (16) Linux VMs of 128M, 1 vCPU, started together,
 *                  measured last (the KVM box has failed under it): wall
 *                  time from the first spawn to the last exit (init
 *                  powers off), and each VMM's own memory: the peak of
 *                  RssAnon+RssFile of /proc/PID/status, sampled every
 *                  0.1 s while it runs (guest RAM, a memfd for both, is
 *                  RssShmem and left out), the median over the VMs.
 *
 * QEMU is qemu-system-x86_64 -M microvm,acpi=on -enable-kvm -cpu host,
 * its RAM a preallocated memfd like ours, the same kernel, initramfs,
 * command line and disks (raw, virtio-blk-device).
 *
 * usage: scale_bench --vmm PATH --hello PATH --kernel VMLINUX --initrd CPIO
 *                    [--qemu PATH | --no-qemu REASON] [--runs N] [--quick]
 *                    [--vms N] [--read-seconds S]
 * --quick: 1 run; 64M and 1G; 1 and 2 vCPUs; 4 VMs; 1 and 2 disks, 2 s.
 * Output: "scale_bench:" and "sample" lines as it goes, the table so far
 * before the VMs-at-once row (the KVM box has died under it), then the
 * whole table; each table followed by "note:" lines for skipped rows and
 * "-" figures.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

#define MARKER		"Run /init as init process"
#define CMDLINE		"console=ttyS0 panic=-1"
#define MAX_RUNS	15
#define MAX_VMS		32
#define MAX_ROWS	24
#define MAX_ARGS	64
#define KVM_DEBUGFS	"/sys/kernel/debug/kvm"

struct vm_run {
	pid_t pid;
	struct text out, err;
	double start, marker, end, last_sample;
	int status;			/* exit status; -1: killed at the deadline */
	long rss_kb, shmem_kb;		/* peak RssAnon+RssFile; RssShmem then */
	unsigned long long exits[2];	/* KVM's exits at the read loop's lines */
	double exits_at[2];
	bool has_exits[2];
};

struct row {
	char name[96], skip[240], qemu_skip[240], note[400];
	const char *unit;		/* "s", "MiB", "/s" or "" */
	int better;			/* 1: higher, -1: lower, 0: neither */
	double v[2][MAX_RUNS * MAX_VMS];	/* [0] ours, [1] QEMU */
	int n[2];
};

struct bench {
	const char *vmm, *hello, *kernel, *initrd, *qemu, *no_qemu;
	int runs, vms;
	double read_seconds;
	bool quick;
	char *dir, debugfs_why[160], readloop_why[160];
	struct row rows[MAX_ROWS];
	int nr_rows;
};

static struct vm_run vms[MAX_VMS];

struct argv {
	char *a[MAX_ARGS];
	char buf[8192];
	int n;
	size_t used;
};

/* Appends one printf-formatted argument. */
static void arg(struct argv *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void arg(struct argv *v, const char *fmt, ...)
{
	va_list ap;
	int len;

	if (v->n >= MAX_ARGS - 1)
		return;
	va_start(ap, fmt);
	len = vsnprintf(v->buf + v->used, sizeof(v->buf) - v->used, fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(v->buf) - v->used)
		return;
	v->a[v->n++] = v->buf + v->used;
	v->a[v->n] = NULL;
	v->used += (size_t)len + 1;
}

static long meminfo_kb(const char *key)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			kb = strtol(line + strlen(key), NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static void sample_rss(struct vm_run *r)
{
	char path[64], line[256];
	long anon = 0, file = 0, shmem = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", r->pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "RssAnon: %ld", &anon);
		sscanf(line, "RssFile: %ld", &file);
		sscanf(line, "RssShmem: %ld", &shmem);
	}
	fclose(f);
	if (anon + file > r->rss_kb) {
		r->rss_kb = anon + file;
		r->shmem_kb = shmem;
	}
}

/* KVM's count of all exits of pid's VM (debugfs kvm/PID-FD/exits). */
static bool kvm_exits(pid_t pid, unsigned long long *exits)
{
	char prefix[32], path[512], buf[64];
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(KVM_DEBUGFS);
	int fd;

	snprintf(prefix, sizeof(prefix), "%d-", pid);
	while (d && !found && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), KVM_DEBUGFS "/%s/exits", e->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			break;
		memset(buf, 0, sizeof(buf));
		found = read(fd, buf, sizeof(buf) - 1) > 0;
		*exits = strtoull(buf, NULL, 10);
		close(fd);
	}
	if (d)
		closedir(d);
	return found;
}

static int vm_start(struct vm_run *r, struct argv *v, const char *input)
{
	int in;

	memset(r, 0, sizeof(*r));
	r->out.fd = r->err.fd = -1;
	r->status = -1;
	r->marker = -1;
	r->start = monotonic_seconds();
	r->pid = spawn_cmd(v->a, input ? &in : NULL, &r->out.fd, &r->err.fd);
	if (r->pid < 0)
		return (int)r->pid;
	procs_track(r->pid);
	if (input) {
		if (write(in, input, strlen(input)) < 0)
			perror("scale_bench: write");
		close(in);
	}
	return 0;
}

/* What the console says, looked at after each read. */
static void vm_watch(struct vm_run *r, double t)
{
	static const char *const lines[2] = {
		"TEST-INIT: readloop start", "TEST-INIT: readloop: "
	};
	int i;

	if (r->marker < 0 && strstr(r->out.buf, MARKER))
		r->marker = t - r->start;
	for (i = 0; i < 2; i++)
		if (!r->has_exits[i] && strstr(r->out.buf, lines[i])) {
			r->has_exits[i] = kvm_exits(r->pid, &r->exits[i]);
			r->exits_at[i] = t;
		}
}

/* Runs the n VMs until they all exit or timeout_s passes (then kills them). */
static void vm_wait(struct vm_run *r, int n, double timeout_s)
{
	double deadline = monotonic_seconds() + timeout_s;
	struct pollfd p[2 * MAX_VMS];
	int i, left = 0, wstatus;

	for (i = 0; i < n; i++) {
		if (r[i].pid > 0)
			left++;
		else
			r[i].end = r[i].start;
	}
	while (left) {
		double t = monotonic_seconds();

		for (i = 0; i < n; i++) {
			p[2 * i] = (struct pollfd){ .fd = r[i].out.fd, .events = POLLIN };
			p[2 * i + 1] = (struct pollfd){ .fd = r[i].err.fd, .events = POLLIN };
		}
		poll(p, (nfds_t)(2 * n), 100);
		t = monotonic_seconds();
		for (i = 0; i < n; i++) {
			if (p[2 * i].revents && r[i].out.fd >= 0) {
				text_read(&r[i].out);
				vm_watch(&r[i], t);
			}
			if (p[2 * i + 1].revents && r[i].err.fd >= 0)
				text_read(&r[i].err);
			if (r[i].end || r[i].pid <= 0)
				continue;
			if (t - r[i].last_sample >= 0.1) {
				sample_rss(&r[i]);
				r[i].last_sample = t;
			}
			if (waitpid(r[i].pid, &wstatus, WNOHANG) == r[i].pid) {
				r[i].end = t;
				r[i].status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) :
					128 + WTERMSIG(wstatus);
				procs_untrack(r[i].pid);
				left--;
			} else if (t > deadline) {
				kill(-r[i].pid, SIGKILL);
				waitpid(r[i].pid, NULL, 0);
				procs_untrack(r[i].pid);
				r[i].end = t;
				left--;
			}
		}
	}
	for (i = 0; i < n; i++) {	/* what is left in the pipes */
		while (r[i].out.fd >= 0)
			text_read(&r[i].out);
		while (r[i].err.fd >= 0)
			text_read(&r[i].err);
		vm_watch(&r[i], r[i].end);
	}
}

static struct row *new_row(struct bench *b, const char *unit, int better,
			   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static struct row *new_row(struct bench *b, const char *unit, int better,
			   const char *fmt, ...)
{
	struct row *row = &b->rows[b->nr_rows < MAX_ROWS - 1 ? b->nr_rows++ : b->nr_rows];
	va_list ap;

	memset(row, 0, sizeof(*row));
	row->unit = unit;
	row->better = better;
	va_start(ap, fmt);
	vsnprintf(row->name, sizeof(row->name), fmt, ap);
	va_end(ap);
	if (b->no_qemu)
		snprintf(row->qemu_skip, sizeof(row->qemu_skip), "%s", b->no_qemu);
	return row;
}

static void add(struct row *row, int who, double v)
{
	if (row->n[who] < (int)ARRAY_SIZE(row->v[who]))
		row->v[who][row->n[who]++] = v;
}

/* One line of why a run failed, from the end of its stderr. */
static const char *why(struct vm_run *r)
{
	static char buf[200];
	char *p;

	snprintf(buf, sizeof(buf), "%s", text_tail(r->err.buf, sizeof(buf) - 1));
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = p[1] ? '|' : '\0';
	return r->status == -1 ? "timed out" : buf;
}

/* ---- the command lines ---- */

static void qemu_base(const struct bench *b, struct argv *v, const char *mem, int cpus)
{
	arg(v, "%s", b->qemu);
	arg(v, "-M");
	arg(v, "microvm,acpi=on,memory-backend=m");
	arg(v, "-m");
	arg(v, "%s", mem);
	arg(v, "-object");
	arg(v, "memory-backend-memfd,id=m,size=%s,prealloc=on", mem);
	arg(v, "-enable-kvm");
	arg(v, "-cpu");
	arg(v, "host");
	arg(v, "-smp");
	arg(v, "%d", cpus);
	arg(v, "-nodefaults");
	arg(v, "-no-user-config");
}

/* Linux with the test initramfs: ours (who 0) or QEMU's (1). */
static void linux_argv(const struct bench *b, struct argv *v, int who,
		       const char *mem, int cpus, int disks, double read_s)
{
	char cmdline[256];
	int i;

	snprintf(cmdline, sizeof(cmdline), CMDLINE);
	if (read_s > 0)
		snprintf(cmdline, sizeof(cmdline), CMDLINE " testinit.readloop=%g", read_s);
	if (who == 0) {
		arg(v, "%s", b->vmm);
		arg(v, "--kernel");
		arg(v, "%s", b->kernel);
		arg(v, "--initrd");
		arg(v, "%s", b->initrd);
		arg(v, "--memory");
		arg(v, "%s", mem);
		arg(v, "--cpus");
		arg(v, "%d", cpus);
		for (i = 0; i < disks; i++) {
			arg(v, "--disk");
			arg(v, "%s/disk%d.img", b->dir, i);
		}
		arg(v, "--cmdline");
		arg(v, "%s", cmdline);
		arg(v, "--stats");
		return;
	}
	qemu_base(b, v, mem, cpus);
	arg(v, "-display");
	arg(v, "none");
	arg(v, "-serial");
	arg(v, "stdio");
	arg(v, "-kernel");
	arg(v, "%s", b->kernel);
	arg(v, "-initrd");
	arg(v, "%s", b->initrd);
	arg(v, "-append");
	arg(v, "%s", cmdline);
	for (i = 0; i < disks; i++) {
		arg(v, "-drive");
		arg(v, "file=%s/disk%d.img,if=none,id=d%d,format=raw", b->dir, i, i);
		arg(v, "-device");
		arg(v, "virtio-blk-device,drive=d%d", i);
	}
	arg(v, "-no-reboot");
}

/* ---- the rows ---- */

static void startup_rows(struct bench *b)
{
	static const char *const all[] = { "64M", "1G", "4G", "16G" };
	static const unsigned long long all_mib[] = { 64, 1024, 4096, 16384 };
	int sizes = b->quick ? 2 : 4, s, run, who;

	for (s = 0; s < sizes; s++) {
		struct row *row = new_row(b, "s", -1, "start-up, hello guest, %s", all[s]);
		unsigned long long mib = all_mib[s];
		long avail = meminfo_kb("MemAvailable:");

		snprintf(row->note, sizeof(row->note),
			 "QEMU: memfd prealloc=on -S, quit at its monitor (it cannot boot hello)");
		if (avail >= 0 && (unsigned long long)avail / 1024 < mib + 256) {
			snprintf(row->skip, sizeof(row->skip),
				 "skipped: needs %llu MiB + 256 MiB to spare, MemAvailable is %ld MiB",
				 mib, avail / 1024);
			continue;
		}
		for (run = 0; run < b->runs; run++)
			for (who = 0; who < 2; who++) {
				struct argv v = { 0 };
				struct vm_run *r = &vms[0];

				if (who && row->qemu_skip[0])
					continue;
				if (who == 0) {
					arg(&v, "%s", b->vmm);
					arg(&v, "--kernel");
					arg(&v, "%s", b->hello);
					arg(&v, "--memory");
					arg(&v, "%s", all[s]);
				} else {
					qemu_base(b, &v, all[s], 1);
					arg(&v, "-S");
					arg(&v, "-display");
					arg(&v, "none");
					arg(&v, "-monitor");
					arg(&v, "stdio");
				}
				if (vm_start(r, &v, who ? "quit\n" : NULL))
					continue;
				vm_wait(r, 1, 900);
				printf("sample %s start-up %s run %d: %.3f s, status %d\n",
				       who ? "qemu" : "vmm ", all[s], run, r->end - r->start, r->status);
				if (r->status == 0)
					add(row, who, r->end - r->start);
				else if (who)
					snprintf(row->qemu_skip, sizeof(row->qemu_skip), "failed: %s", why(r));
				else
					snprintf(row->skip, sizeof(row->skip), "failed: %s", why(r));
				fflush(stdout);
			}
	}
}

/* "TEST-INIT: cpus: online=N" of a run, or -1. */
static int guest_cpus(const struct vm_run *r)
{
	const char *p = strstr(r->out.buf, "TEST-INIT: cpus: online=");

	return p ? atoi(p + strlen("TEST-INIT: cpus: online=")) : -1;
}

static void boot_rows(struct bench *b)
{
	static const int all[] = { 1, 2, 4, 8 };
	int counts = b->quick ? 2 : 4, c, run, who;

	for (c = 0; c < counts; c++) {
		struct row *row = new_row(b, "s", -1, "Linux boot to /init, 256M, %d vCPU%s",
					  all[c], all[c] > 1 ? "s" : "");

		for (run = 0; run < b->runs; run++)
			for (who = 0; who < 2; who++) {
				struct argv v = { 0 };
				struct vm_run *r = &vms[0];
				int seen;

				if (who && row->qemu_skip[0])
					continue;
				linux_argv(b, &v, who, "256M", all[c], 0, 0);
				if (vm_start(r, &v, NULL))
					continue;
				vm_wait(r, 1, 600);
				seen = guest_cpus(r);
				printf("sample %s boot %d vCPUs run %d: %.2f s to /init, guest saw %d CPUs, status %d\n",
				       who ? "qemu" : "vmm ", all[c], run, r->marker, seen, r->status);
				if (r->marker > 0 && seen == all[c])
					add(row, who, r->marker);
				else
					snprintf(who ? row->qemu_skip : row->skip, sizeof(row->skip),
						 "failed: %s", r->marker > 0 ? "wrong CPU count" : why(r));
				fflush(stdout);
			}
	}
}

static void many_rows(struct bench *b)
{
	struct row *wall = new_row(b, "s", -1,
				   "%d VMs at once (128M, 1 vCPU): spawn to all exited", b->vms);
	struct row *rss = new_row(b, "MiB", -1,
				  "%d VMs at once: VMM memory per VM (peak RssAnon+RssFile)", b->vms);
	long avail = meminfo_kb("MemAvailable:");
	int run, who, i;

	if (avail >= 0 && avail / 1024 < (long)b->vms * 192 + 256) {
		snprintf(wall->skip, sizeof(wall->skip),
			 "skipped: needs %d x 192 MiB + 256 MiB, MemAvailable is %ld MiB",
			 b->vms, avail / 1024);
		snprintf(rss->skip, sizeof(rss->skip), "%s", wall->skip);
		return;
	}
	for (run = 0; run < b->runs; run++)
		for (who = 0; who < 2; who++) {
			double start = monotonic_seconds(), end = start;
			int ok = 0;

			if (who && wall->qemu_skip[0])
				continue;
			for (i = 0; i < b->vms; i++) {
				struct argv v = { 0 };

				linux_argv(b, &v, who, "128M", 1, 0, 0);
				vm_start(&vms[i], &v, NULL);
			}
			vm_wait(vms, b->vms, 900);
			for (i = 0; i < b->vms; i++) {
				if (vms[i].end > end)
					end = vms[i].end;
				if (vms[i].status != 0 || !strstr(vms[i].out.buf, "TEST-INIT: done"))
					continue;
				ok++;
				add(rss, who, vms[i].rss_kb / 1024.0);
			}
			printf("sample %s %d VMs run %d: %.2f s, %d exited 0, "
			       "RSS of the first %.1f MiB (+%.1f MiB RssShmem)\n",
			       who ? "qemu" : "vmm ", b->vms, run, end - start, ok,
			       vms[0].rss_kb / 1024.0, vms[0].shmem_kb / 1024.0);
			if (ok == b->vms)
				add(wall, who, end - start);
			else
				snprintf(who ? wall->qemu_skip : wall->skip, sizeof(wall->skip),
					 "failed: %d of %d VMs did not exit 0 after TEST-INIT: done (first: %s)",
					 b->vms - ok, b->vms, why(&vms[0]));
			fflush(stdout);
		}
}

static void disk_rows(struct bench *b)
{
	int disks = b->quick ? 2 : 4, d, run, who;

	for (d = 1; d <= disks; d++) {
		struct row *req = new_row(b, "/s", 1, "%d virtio-blk disk%s, 4 KiB O_DIRECT reads: requests/s",
					  d, d > 1 ? "s" : "");
		struct row *ex = new_row(b, "/s", 0, "%d disk%s: KVM exits/s during the reads",
					 d, d > 1 ? "s" : "");
		struct row *per = new_row(b, "", -1, "%d disk%s: KVM exits per request",
					  d, d > 1 ? "s" : "");

		if (b->debugfs_why[0] || b->readloop_why[0]) {
			snprintf(ex->skip, sizeof(ex->skip), "%s",
				 b->readloop_why[0] ? b->readloop_why : b->debugfs_why);
			snprintf(per->skip, sizeof(per->skip), "%s", ex->skip);
		}
		if (b->readloop_why[0]) {
			snprintf(req->skip, sizeof(req->skip), "%s", b->readloop_why);
			continue;
		}
		for (run = 0; run < b->runs; run++)
			for (who = 0; who < 2; who++) {
				struct argv v = { 0 };
				struct vm_run *r = &vms[0];
				const char *p;
				double rate = -1, exits = -1;

				if (who && req->qemu_skip[0])
					continue;
				linux_argv(b, &v, who, "256M", 1, d, b->read_seconds);
				if (vm_start(r, &v, NULL))
					continue;
				vm_wait(r, 1, 600);
				p = strstr(r->out.buf, "TEST-INIT: readloop: disks=");
				if (p && (p = strstr(p, "per_second=")))
					rate = strtod(p + strlen("per_second="), NULL);
				if (r->has_exits[0] && r->has_exits[1] && r->exits_at[1] > r->exits_at[0])
					exits = (double)(r->exits[1] - r->exits[0]) /
						(r->exits_at[1] - r->exits_at[0]);
				printf("sample %s %d disks run %d: %.0f requests/s, %.0f exits/s, status %d\n",
				       who ? "qemu" : "vmm ", d, run, rate, exits, r->status);
				if (rate > 0)
					add(req, who, rate);
				else
					snprintf(who ? req->qemu_skip : req->skip, sizeof(req->skip),
						 "failed: no readloop line: %s", why(r));
				if (exits > 0)
					add(ex, who, exits);
				if (exits > 0 && rate > 0)
					add(per, who, exits / rate);
				if (who == 0 && d == 1 && run == 0 && (p = strstr(r->err.buf, "vmm: exits:")))
					snprintf(ex->note, sizeof(ex->note),
						 "ours, exits to the VMM by --stats, one whole run (boot included): %.*s",
						 (int)strcspn(p, "\n"), p);
				fflush(stdout);
			}
	}
}

/* ---- set-up and the table ---- */

static int make_disks(struct bench *b)
{
	static char buf[1 << 20];
	char path[512];
	int i, j, fd;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/disk%d.img", b->dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			return -errno;
		memset(buf, 'a' + i, sizeof(buf));
		for (j = 0; j < 64; j++)
			if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
				close(fd);
				return -EIO;
			}
		close(fd);
	}
	return 0;
}

static void check_debugfs(struct bench *b)
{
	if (access(KVM_DEBUGFS, R_OK) && mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL) &&
	    errno != EBUSY)
		snprintf(b->debugfs_why, sizeof(b->debugfs_why),
			 "no " KVM_DEBUGFS " (mounting debugfs: %s)", strerror(errno));
	else if (access(KVM_DEBUGFS, R_OK))
		snprintf(b->debugfs_why, sizeof(b->debugfs_why), "no " KVM_DEBUGFS);
}

static const char *figure(const struct row *row, double v, char *buf, size_t len)
{
	if (!strcmp(row->unit, "s"))
		snprintf(buf, len, v < 1 ? "%.3f s" : "%.2f s", v);
	else if (!strcmp(row->unit, "MiB"))
		snprintf(buf, len, "%.1f MiB", v);
	else if (!row->unit[0])
		snprintf(buf, len, "%.2f", v);
	else
		snprintf(buf, len, "%.0f/s", v);
	return buf;
}

static void print_table(struct bench *b, const char *title)
{
	int i, notes = 0;

	printf("\nscale_bench: %s\n", title);
	printf("\n| measurement | vmm | QEMU microvm | vmm / qemu |\n| --- | --- | --- | --- |\n");
	for (i = 0; i < b->nr_rows; i++) {
		struct row *row = &b->rows[i];
		char f[2][48], ratio[48] = "-";
		double m[2] = { 0, 0 };
		int who;

		for (who = 0; who < 2; who++) {
			snprintf(f[who], sizeof(f[who]), "-");
			if (row->n[who] && !(who ? row->qemu_skip[0] : row->skip[0])) {
				m[who] = median_of(row->v[who], row->n[who]);
				figure(row, m[who], f[who], sizeof(f[who]));
			}
		}
		if (row->skip[0])
			snprintf(f[0], sizeof(f[0]), "skipped (%d)", ++notes);
		if (m[0] > 0 && m[1] > 0)
			snprintf(ratio, sizeof(ratio), "%.2fx%s", m[0] / m[1],
				 row->better > 0 ? " (higher is better)" :
				 row->better < 0 ? " (lower is better)" : "");
		printf("| %s | %s | %s | %s |\n", row->name, f[0], f[1], ratio);
	}
	printf("\n");
	for (i = 0, notes = 0; i < b->nr_rows; i++) {
		struct row *row = &b->rows[i];

		if (row->skip[0])
			printf("note: (%d) %s: %s\n", ++notes, row->name, row->skip);
		if (row->qemu_skip[0] && !row->skip[0])
			printf("note: %s: QEMU \"-\": %s\n", row->name, row->qemu_skip);
		if (row->note[0])
			printf("note: %s: %s\n", row->name, row->note);
	}
}

/* Whether the initramfs's /init has testinit.readloop (its name is in it). */
static void check_initrd(struct bench *b)
{
	static const char key[] = "testinit.readloop=";
	static char buf[4 << 20];
	ssize_t n = -1;
	int fd = open(b->initrd, O_RDONLY);

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf));
		close(fd);
	}
	if (n < 0 || !memmem(buf, (size_t)n, key, sizeof(key) - 1))
		snprintf(b->readloop_why, sizeof(b->readloop_why),
			 "%s has no testinit.readloop (rebuild it: make test-kernel)", b->initrd);
}

static int usage(const char *self)
{
	fprintf(stderr, "usage: %s --vmm PATH --hello PATH --kernel VMLINUX --initrd CPIO\n"
		"          [--qemu PATH | --no-qemu REASON] [--runs N] [--quick]\n"
		"          [--vms N] [--read-seconds S]\n", self);
	return 2;
}

int main(int argc, char **argv)
{
	static struct bench b = { .qemu = "/usr/bin/qemu-system-x86_64", .runs = 3,
				  .vms = 16, .read_seconds = 5 };
	char tmpl[] = "/tmp/scale-bench.XXXXXX";
	double start = monotonic_seconds();
	int i, runs = 0, vms = 0, err;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--quick")) {
			b.quick = true;
			continue;
		}
		if (!val)
			return usage(argv[0]);
		i++;
		if (!strcmp(o, "--vmm"))
			b.vmm = val;
		else if (!strcmp(o, "--hello"))
			b.hello = val;
		else if (!strcmp(o, "--kernel"))
			b.kernel = val;
		else if (!strcmp(o, "--initrd"))
			b.initrd = val;
		else if (!strcmp(o, "--qemu"))
			b.qemu = val;
		else if (!strcmp(o, "--no-qemu"))
			b.no_qemu = val;
		else if (!strcmp(o, "--runs"))
			runs = atoi(val);
		else if (!strcmp(o, "--vms"))
			vms = atoi(val);
		else if (!strcmp(o, "--read-seconds"))
			b.read_seconds = atof(val);
		else
			return usage(argv[0]);
	}
	if (!b.vmm || !b.hello || !b.kernel || !b.initrd || b.read_seconds <= 0)
		return usage(argv[0]);
	if (b.quick) {
		b.runs = 1;
		b.vms = 4;
		b.read_seconds = 2;
	}
	if (runs)
		b.runs = runs < 1 ? 1 : runs > MAX_RUNS ? MAX_RUNS : runs;
	if (vms)
		b.vms = vms < 1 ? 1 : vms > MAX_VMS ? MAX_VMS : vms;
	cleanup_hook(NULL);
	sigpipe_to_epipe();
	b.dir = make_tmpdir(tmpl);
	if (!b.dir || (err = make_disks(&b))) {
		printf("fail: cannot make the disk images in /tmp\n");
		return 1;
	}
	check_debugfs(&b);
	check_initrd(&b);
	printf("scale_bench: %d run%s each, alternating vmm and QEMU%s; MemAvailable %ld MiB\n",
	       b.runs, b.runs > 1 ? "s" : "", b.quick ? " (--quick)" : "",
	       meminfo_kb("MemAvailable:") / 1024);
	fflush(stdout);
	startup_rows(&b);
	boot_rows(&b);
	disk_rows(&b);
	/* the rows so far, in case the box does not survive the next one */
	print_table(&b, "the table before the VMs-at-once row");
	fflush(stdout);
	many_rows(&b);	/* last: the most the KVM box has failed under */
	print_table(&b, "the table");
	printf("scale_bench: took %.0f s\n", monotonic_seconds() - start);
	cleanup_run();
	return 0;
}
