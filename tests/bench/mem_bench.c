// SPDX-License-Identifier: GPL-2.0
/*
 * mem_bench: what it costs to get guest RAM ready, ours against the limit
 * and against QEMU, measured side by side in one invocation.
 *
 * "Ready" means allocated, populated (every page committed) and registered
 * with KVM. Variants, each measured in a fresh process so that every sample
 * gets fresh pages:
 *
 *  in-process (the child times itself with CLOCK_MONOTONIC)
 *   memset        mmap anonymous private memory and memset every byte: the
 *                 cost of faulting in that many fresh pages (the limit)
 *   ours-BACKEND  kvm_open() + KVM_CREATE_VM, arch_ram_layout(),
 *                 guest_memory_create() and KVM_SET_USER_MEMORY_REGION of
 *                 every region, in vm.c's order (memfd, hugetlb, private);
 *                 memfd and hugetlb populated by the default number of
 *                 threads, min(online CPUs, 8) (memory/populate.h)
 *   ours-memfd-1thread  the same with populate_threads = 1
 *   ours-memfd-mappop   the same as on a kernel without
 *                 MADV_POPULATE_WRITE: MAP_POPULATE on one thread, which
 *                 is how every kernel populated before (a test hook)
 *
 *  process (the driver times spawn to exit: fork, exec, start-up, the work,
 *  tear-down, reaping)
 *   vmm-BACKEND   build/vmm --kernel status --memory size=SIZE,backend=...
 *                 (the status guest exits at once with status 42)
 *   vmm-startup   the same with 2M of RAM: our process start-up baseline
 *   vmm-memfd-baseline  vmm-memfd with another build of vmm (--baseline-vmm,
 *                 e.g. one from before a change); skipped without it
 *   qemu-memfd    qemu -M microvm,memory-backend=m -object
 *                 memory-backend-memfd,...,prealloc=on -enable-kvm -S, with
 *                 "quit" waiting on its stdio monitor: it quits as soon as
 *                 its machine is built and its RAM preallocated
 *   qemu-hugetlb  the same with hugetlb=on
 *   qemu-startup  the same with prealloc=off: QEMU's start-up baseline
 *   qemu-memfd-threads, qemu-hugetlb-threads  qemu-memfd and qemu-hugetlb
 *                 with prealloc-threads= our thread count. QEMU's default
 *                 (7.2) is one thread per -smp CPU, 1 here.
 *
 * Every variant runs once per round, rounds rotate the order, the first
 * --warmup rounds are thrown away. It prints the median, min and max of
 * each variant and its ratio to memset and to qemu-memfd; times are only
 * meaningful as those ratios, on this host, in this run.
 *
 * hugetlb needs SIZE of free huge pages: as root the driver raises
 * /proc/sys/vm/nr_hugepages for the run and puts the old value back at
 * exit, also on SIGINT/SIGTERM/SIGHUP; otherwise, or with --no-hugetlb
 * (when SIZE of huge pages held for the run would leave too little for
 * the other variants), the hugetlb variants are skipped with the reason.
 *
 * usage: mem_bench all [--runs N] [--warmup N] [--size SIZE] [--vmm PATH]
 *                      [--guest PATH] [--qemu PATH | --no-qemu REASON]
 *                      [--timeout SECONDS] [--baseline-vmm PATH]
 *                      [--no-hugetlb REASON]
 *        mem_bench ours memfd|hugetlb|private SIZE [THREADS|mappop]
 *        mem_bench memset SIZE
 * Output lines start with a keyword: "mem_bench:", "host:", "hugetlb:",
 * "skip:", "fail:", "#" (column names), "result", "ratio:", "estimate:".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/kvm.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/arch.h"
#include "memory/guest_memory.h"
#include "memory/populate.h"
#include "tests/helpers.h"
#include "vmm/config.h"
#include "vmm/kvm.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

#define NR_HUGEPAGES	"/proc/sys/vm/nr_hugepages"
#define MAX_RUNS	100
#define MAX_ARGS	24
#define STARTUP_RAM	"2M"
#define VMM_STATUS	42	/* what the status guest exits with */

/* ---- in-process variants: the child times itself and prints seconds ---- */

static int register_regions(int vm_fd, const struct guest_memory *mem)
{
	unsigned int i;

	for (i = 0; i < guest_memory_nr_regions(mem); i++) {
		const struct guest_region *r = guest_memory_region(mem, i);
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)r->host,
		};

		if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			return -errno;
	}
	return 0;
}

/* How to populate: NULL as the VMM does, a thread count, or "mappop". */
static int set_populate(struct guest_memory_config *cfg, const char *how)
{
	char *end;

	if (!how)
		return 0;
	if (!strcmp(how, "mappop")) {
		memory_populate_test_no_madvise = true;
		return 0;
	}
	cfg->populate_threads = (unsigned int)strtoul(how, &end, 10);
	return *end || !cfg->populate_threads ? -EINVAL : 0;
}

/* KVM VM + our guest memory, as vm_create() builds them. */
static int bench_ours(const char *backend, const char *size_arg,
		      const char *how)
{
	struct guest_memory_config cfg = { 0 };
	struct guest_range layout[GUEST_MEMORY_MAX_REGIONS];
	struct guest_memory *mem = NULL;
	const char *missing = NULL;
	int kvm_fd, vm_fd = -1, nr, ret;
	double t0, t1;

	if (guest_memory_backend_parse(backend, &cfg.backend) ||
	    parse_size(size_arg, &cfg.size) || set_populate(&cfg, how)) {
		fprintf(stderr, "mem_bench ours: bad backend, size or populate\n");
		return 2;
	}

	t0 = monotonic_seconds();
	kvm_fd = kvm_open(&missing);
	if (kvm_fd < 0) {
		fprintf(stderr, "mem_bench ours: /dev/kvm: %s%s%s\n",
			strerror(-kvm_fd), missing ? ": lacks " : "",
			missing ? missing : "");
		return 1;
	}
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	ret = vm_fd < 0 ? -errno : 0;
	nr = arch_ram_layout(cfg.size, layout, GUEST_MEMORY_MAX_REGIONS);
	if (!ret && nr < 0)
		ret = nr;
	if (!ret)
		ret = guest_memory_create(&cfg, layout, (unsigned int)nr, &mem);
	if (!ret)
		ret = register_regions(vm_fd, mem);
	t1 = monotonic_seconds();

	if (ret)
		fprintf(stderr, "mem_bench ours %s %s: %s\n", backend, size_arg,
			strerror(-ret));
	else
		printf("%.6f\n", t1 - t0);
	if (vm_fd >= 0)
		close(vm_fd);
	close(kvm_fd);
	guest_memory_destroy(mem);
	return ret ? 1 : 0;
}

/* The fault-in limit: fresh anonymous pages, every byte written. */
static int bench_memset(const char *size_arg)
{
	uint64_t size;
	double t0, t1;
	void *p;

	if (parse_size(size_arg, &size) || !size) {
		fprintf(stderr, "mem_bench memset: bad size '%s'\n", size_arg);
		return 2;
	}
	t0 = monotonic_seconds();
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mem_bench memset: mmap");
		return 1;
	}
	memset(p, 0, size);
	/* The compiler must not drop the stores as dead. */
	__asm__ volatile("" : : "r"(p) : "memory");
	t1 = monotonic_seconds();
	printf("%.6f\n", t1 - t0);
	munmap(p, size);
	return 0;
}

/* ---- running a child with a deadline ---- */

static volatile sig_atomic_t child_pid;	/* the child being timed, or 0 */

struct run {
	int status;		/* exit status, 128+signal, -1: timed out */
	double seconds;		/* before fork() to after it was reaped */
	char out[256];
	char err[1024];
};

static void read_back(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/* Waits for pid, killing it after timeout seconds; status as in struct run. */
static int wait_deadline(pid_t pid, double timeout)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int status;

	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int n;

		do
			n = poll(&p, 1, (int)(timeout * 1000));
		while (n < 0 && errno == EINTR);
		close(pidfd);
		if (n == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
	}
	/* Without pidfd (old kernel) there is no deadline. */
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Runs argv with input on stdin (an empty stdin if NULL), capturing stdout
 * and stderr. Returns 0 with *r filled in, or -errno if it could not start.
 */
static int run_timed(const char *const argv[], const char *input,
		     double timeout, struct run *r)
{
	int out_fd, err_fd, in[2] = { -1, -1 }, ret = 0;
	double t0;
	pid_t pid;

	out_fd = memfd_create("bench-stdout", MFD_CLOEXEC);
	err_fd = memfd_create("bench-stderr", MFD_CLOEXEC);
	if (out_fd < 0 || err_fd < 0 || pipe2(in, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	/* A few bytes: the pipe holds them until the child reads. */
	if (input && write(in[1], input, strlen(input)) < 0) {
		ret = -errno;
		goto out;
	}
	close(in[1]);
	in[1] = -1;

	t0 = monotonic_seconds();
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		dup2(in[0], STDIN_FILENO);
		dup2(out_fd, STDOUT_FILENO);
		dup2(err_fd, STDERR_FILENO);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	r->status = wait_deadline(pid, timeout);
	r->seconds = monotonic_seconds() - t0;
	child_pid = 0;
	read_back(out_fd, r->out, sizeof(r->out));
	read_back(err_fd, r->err, sizeof(r->err));
out:
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	return ret;
}

/* ---- huge pages for the run (tests/helpers.c reserves and gives back) ---- */

/* The clean-up's extra (tests/helpers.c), which also puts the pages back. */
static void kill_child(void)
{
	if (child_pid)
		kill(child_pid, SIGKILL);
}

/*
 * Makes size bytes of 2 MiB huge pages free for the run (as root by
 * raising nr_hugepages, put back at exit). Returns the huge page size, or
 * 0 with the reason in why.
 */
static long hugetlb_prepare(uint64_t size, char *why, size_t len)
{
	const long page = 2L << 20;
	long need = (long)(size / (uint64_t)page), before = hugepages_total();
	const char *reason;

	if (size % (uint64_t)page) {
		snprintf(why, len, "size is not a multiple of the 2048K huge page");
		return 0;
	}
	if (hugepages_reserve(need, &reason)) {
		snprintf(why, len, "%s", reason);
		return 0;
	}
	printf("hugetlb: nr_hugepages %ld -> %ld for this run (%ld free 2048K pages), put back at exit\n",
	       before, hugepages_total(), hugepages_free());
	return page;
}

/* ---- the driver ---- */

enum {
	V_MEMSET,
	V_OURS_MEMFD, V_OURS_HUGETLB, V_OURS_PRIVATE,
	V_OURS_MEMFD_1T, V_OURS_MEMFD_MAPPOP,
	V_VMM_MEMFD, V_VMM_HUGETLB, V_VMM_PRIVATE, V_VMM_STARTUP,
	V_VMM_MEMFD_BASE,
	V_QEMU_MEMFD, V_QEMU_HUGETLB, V_QEMU_STARTUP,
	V_QEMU_MEMFD_TN, V_QEMU_HUGETLB_TN,
	NR_VARIANTS,
};

struct variant {
	const char *name;	/* one token, for parsers */
	const char *label;	/* for the ratio lines */
	const char *what;	/* one line for people */
	bool in_process;	/* the child prints its own seconds */
	int expect;		/* exit status of a good run */
	const char *input;	/* stdin, or NULL */
	const char *argv[MAX_ARGS];
	const char *skip;	/* why it is not measured, or NULL */
	char failed[512];	/* why it stopped being measured */
	double samples[MAX_RUNS];
	unsigned int n;
};

struct bench {
	uint64_t size;
	unsigned int runs, warmup;
	double timeout;
	char self[PATH_MAX];
	const char *vmm, *guest, *qemu, *qemu_skip, *base_vmm, *no_hugetlb;
	long huge_page;
	unsigned int threads;	/* ours: memory_populate_default_threads() */
	char hugetlb_why[256], vmm_why[PATH_MAX + 64];
	/* Argument strings the variants' argv point into. */
	char size_arg[32], qemu_m[32], mem_arg[3][64], qemu_obj[5][224];
	char threads_label[2][64];
	struct variant v[NR_VARIANTS];
};

static void set_argv(struct variant *v, ...)
{
	unsigned int i = 0;
	const char *arg;
	va_list ap;

	va_start(ap, v);
	while ((arg = va_arg(ap, const char *)) && i < MAX_ARGS - 1)
		v->argv[i++] = arg;
	va_end(ap);
	v->argv[i] = NULL;
}

static void setup_in_process(struct bench *b)
{
	static const char *const backends[] = { "memfd", "hugetlb", "private" };
	static const char *const labels[] = {
		"ours memfd (in-process)", "ours hugetlb (in-process)",
		"ours private (in-process)",
	};
	unsigned int i;

	b->v[V_MEMSET] = (struct variant){
		.name = "memset", .label = "memset", .in_process = true,
		.what = "mmap anonymous private + memset every byte (fault-in limit)",
	};
	set_argv(&b->v[V_MEMSET], b->self, "memset", b->size_arg, NULL);

	for (i = 0; i < 3; i++) {
		struct variant *v = &b->v[V_OURS_MEMFD + i];
		static const char *const names[] = {
			"ours-memfd", "ours-hugetlb", "ours-private",
		};

		*v = (struct variant){
			.name = names[i], .label = labels[i], .in_process = true,
			.what = "kvm_open+KVM_CREATE_VM, guest_memory_create, KVM_SET_USER_MEMORY_REGION",
		};
		set_argv(v, b->self, "ours", backends[i], b->size_arg, NULL);
	}
	b->v[V_OURS_MEMFD_1T] = (struct variant){
		.name = "ours-memfd-1thread", .label = "ours memfd, 1 thread (in-process)",
		.in_process = true, .what = "ours-memfd with populate_threads = 1",
	};
	set_argv(&b->v[V_OURS_MEMFD_1T], b->self, "ours", "memfd", b->size_arg, "1", NULL);
	b->v[V_OURS_MEMFD_MAPPOP] = (struct variant){
		.name = "ours-memfd-mappop", .label = "ours memfd, MAP_POPULATE (in-process)",
		.in_process = true,
		.what = "ours-memfd as before MADV_POPULATE_WRITE: MAP_POPULATE, 1 thread",
	};
	set_argv(&b->v[V_OURS_MEMFD_MAPPOP], b->self, "ours", "memfd", b->size_arg,
		 "mappop", NULL);
}

static void setup_vmm(struct bench *b)
{
	static const char *const backends[] = { "memfd", "hugetlb", "private" };
	static const char *const names[] = {
		"vmm-memfd", "vmm-hugetlb", "vmm-private",
	};
	static const char *const labels[] = {
		"vmm process memfd", "vmm process hugetlb", "vmm process private",
	};
	const char *skip = NULL, *missing = NULL;
	unsigned int i;

	if (access(b->vmm, X_OK))
		missing = b->vmm;
	else if (access(b->guest, R_OK))
		missing = b->guest;
	if (missing) {
		snprintf(b->vmm_why, sizeof(b->vmm_why), "%s: %s (build it first)",
			 missing, strerror(errno));
		skip = b->vmm_why;
	}
	for (i = 0; i < 3; i++) {
		struct variant *v = &b->v[V_VMM_MEMFD + i];

		snprintf(b->mem_arg[i], sizeof(b->mem_arg[i]), "size=%s,backend=%s",
			 b->size_arg, backends[i]);
		*v = (struct variant){
			.name = names[i], .label = labels[i], .skip = skip,
			.expect = VMM_STATUS,
			.what = "vmm --kernel status: spawn to exit (status guest exits 42)",
		};
		set_argv(v, b->vmm, "--kernel", b->guest, "--memory", b->mem_arg[i], NULL);
	}
	b->v[V_VMM_STARTUP] = (struct variant){
		.name = "vmm-startup", .label = "vmm process start-up (" STARTUP_RAM ")",
		.skip = skip, .expect = VMM_STATUS,
		.what = "vmm --kernel status --memory " STARTUP_RAM ": our start-up baseline",
	};
	set_argv(&b->v[V_VMM_STARTUP], b->vmm, "--kernel", b->guest,
		 "--memory", STARTUP_RAM, NULL);
	b->v[V_VMM_MEMFD_BASE] = (struct variant){
		.name = "vmm-memfd-baseline", .label = "baseline vmm process memfd",
		.skip = b->base_vmm ? skip : "no --baseline-vmm", .expect = VMM_STATUS,
		.what = "vmm-memfd with the --baseline-vmm binary",
	};
	set_argv(&b->v[V_VMM_MEMFD_BASE], b->base_vmm, "--kernel", b->guest,
		 "--memory", b->mem_arg[0], NULL);
}

static void setup_qemu(struct bench *b)
{
	static const char *const names[] = {
		"qemu-memfd", "qemu-hugetlb", "qemu-startup",
	};
	static const char *const labels[] = {
		"qemu memfd prealloc", "qemu hugetlb prealloc",
		"qemu start-up (no prealloc)",
	};
	static const char *const whats[] = {
		"qemu -M microvm memory-backend-memfd prealloc=on -S, quit: spawn to exit",
		"the same with hugetlb=on",
		"the same with prealloc=off: QEMU's start-up baseline",
	};
	static const char *const names_n[] = {
		"qemu-memfd-threads", "qemu-hugetlb-threads",
	};
	char huge[32], extra[64] = "";
	unsigned int i;

	snprintf(b->qemu_m, sizeof(b->qemu_m), "%lluM",
		 (unsigned long long)(b->size >> 20));
	if (b->huge_page)
		snprintf(extra, sizeof(extra), ",hugetlb=on,hugetlbsize=%s",
			 format_size((uint64_t)b->huge_page, huge, sizeof(huge)));
	snprintf(b->qemu_obj[0], sizeof(b->qemu_obj[0]),
		 "memory-backend-memfd,id=m,size=%s,prealloc=on", b->size_arg);
	snprintf(b->qemu_obj[1], sizeof(b->qemu_obj[1]),
		 "memory-backend-memfd,id=m,size=%s,prealloc=on%s", b->size_arg, extra);
	snprintf(b->qemu_obj[2], sizeof(b->qemu_obj[2]),
		 "memory-backend-memfd,id=m,size=%s,prealloc=off", b->size_arg);
	snprintf(b->qemu_obj[3], sizeof(b->qemu_obj[3]),
		 "memory-backend-memfd,id=m,size=%s,prealloc=on,prealloc-threads=%u",
		 b->size_arg, b->threads);
	snprintf(b->qemu_obj[4], sizeof(b->qemu_obj[4]),
		 "memory-backend-memfd,id=m,size=%s,prealloc=on,prealloc-threads=%u%s",
		 b->size_arg, b->threads, extra);
	for (i = 0; i < 2; i++)
		snprintf(b->threads_label[i], sizeof(b->threads_label[i]),
			 "qemu %s prealloc, %u threads", i ? "hugetlb" : "memfd",
			 b->threads);

	for (i = 0; i < 5; i++) {
		struct variant *v = &b->v[i < 3 ? V_QEMU_MEMFD + i : V_QEMU_MEMFD_TN + i - 3];

		if (i < 3)
			*v = (struct variant){ .name = names[i], .label = labels[i],
					       .what = whats[i] };
		else
			*v = (struct variant){ .name = names_n[i - 3],
					       .label = b->threads_label[i - 3],
					       .what = "the same with prealloc-threads= ours" };
		v->skip = b->qemu_skip;
		v->input = "quit\n";
		set_argv(v, b->qemu, "-M", "microvm,memory-backend=m",
			 "-m", b->qemu_m, "-object", b->qemu_obj[i],
			 "-enable-kvm", "-smp", "1", "-S", "-nodefaults",
			 "-no-user-config", "-display", "none",
			 "-monitor", "stdio", NULL);
	}
}

/* Collapses captured output into one line for a "fail:" message. */
static const char *one_line(char *s)
{
	char *p;

	for (p = s; *p; p++) {
		if (*p == '\n')
			*p = p[1] ? '|' : '\0';
	}
	return *s ? s : "(no output)";
}

/* One sample of v into *seconds; false, with v->failed set, if it failed. */
static bool measure(const struct bench *b, struct variant *v, double *seconds)
{
	struct run r;
	char *end;
	int ret;

	ret = run_timed(v->argv, v->input, b->timeout, &r);
	if (ret) {
		snprintf(v->failed, sizeof(v->failed), "cannot start %s: %s",
			 v->argv[0], strerror(-ret));
		return false;
	}
	if (r.status == -1) {
		snprintf(v->failed, sizeof(v->failed), "timed out after %.0f s",
			 b->timeout);
		return false;
	}
	if (r.status != v->expect) {
		snprintf(v->failed, sizeof(v->failed), "exit status %d, expected %d: %.400s",
			 r.status, v->expect, one_line(r.err));
		return false;
	}
	if (!v->in_process) {
		*seconds = r.seconds;
		return true;
	}
	*seconds = strtod(r.out, &end);
	if (end == r.out || *seconds <= 0) {
		snprintf(v->failed, sizeof(v->failed), "unexpected output: %s",
			 one_line(r.out));
		return false;
	}
	return true;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median, min and max of v's samples; false if it has none. */
static bool stats(const struct variant *v, double *med, double *min, double *max)
{
	double s[MAX_RUNS];
	unsigned int n = v->n;

	if (!n || v->failed[0])
		return false;
	memcpy(s, v->samples, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_double);
	*med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	*min = s[0];
	*max = s[n - 1];
	return true;
}

static double median(const struct variant *v)
{
	double med, min, max;

	return stats(v, &med, &min, &max) ? med : 0;
}

static const char *ratio_text(double num, double den, char *buf, size_t len)
{
	if (num <= 0 || den <= 0)
		return "-";
	snprintf(buf, len, "%.2fx", num / den);
	return buf;
}

static void print_ratio(const struct bench *b, int num, int den)
{
	double x = median(&b->v[num]), y = median(&b->v[den]);

	if (x > 0 && y > 0)
		printf("ratio: %s / %s = %.2fx\n", b->v[num].label,
		       b->v[den].label, x / y);
}

static void print_results(const struct bench *b)
{
	static const int pairs[][2] = {
		{ V_OURS_MEMFD, V_MEMSET },
		{ V_OURS_HUGETLB, V_MEMSET },
		{ V_OURS_PRIVATE, V_MEMSET },
		{ V_OURS_MEMFD_1T, V_MEMSET },
		{ V_OURS_MEMFD_MAPPOP, V_MEMSET },
		{ V_OURS_MEMFD, V_OURS_MEMFD_MAPPOP },
		{ V_VMM_MEMFD, V_QEMU_MEMFD },
		{ V_VMM_MEMFD, V_VMM_MEMFD_BASE },
		{ V_VMM_MEMFD_BASE, V_QEMU_MEMFD },
		{ V_VMM_MEMFD, V_QEMU_MEMFD_TN },
		{ V_VMM_HUGETLB, V_QEMU_HUGETLB },
		{ V_VMM_HUGETLB, V_QEMU_HUGETLB_TN },
		{ V_VMM_PRIVATE, V_QEMU_MEMFD },
		{ V_VMM_STARTUP, V_QEMU_STARTUP },
	};
	double ref_memset = median(&b->v[V_MEMSET]);
	double ref_qemu = median(&b->v[V_QEMU_MEMFD]);
	double qemu_pop, vmm_pop;
	unsigned int i;

	printf("#      %-14s %-10s %9s %9s %9s %3s %8s %8s  %s\n", "variant",
	       "timed", "median_s", "min_s", "max_s", "n", "/memset", "/qemu",
	       "what");
	for (i = 0; i < NR_VARIANTS; i++) {
		const struct variant *v = &b->v[i];
		double med, min, max;
		char r1[16], r2[16];

		if (!stats(v, &med, &min, &max))
			continue;
		printf("result %-14s %-10s %9.4f %9.4f %9.4f %3u %8s %8s  %s\n",
		       v->name, v->in_process ? "in-process" : "process",
		       med, min, max, v->n,
		       ratio_text(med, ref_memset, r1, sizeof(r1)),
		       ratio_text(med, ref_qemu, r2, sizeof(r2)), v->what);
	}
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		print_ratio(b, pairs[i][0], pairs[i][1]);

	/* What preallocation adds to each process, start-up taken out. */
	qemu_pop = median(&b->v[V_QEMU_MEMFD]) - median(&b->v[V_QEMU_STARTUP]);
	vmm_pop = median(&b->v[V_VMM_MEMFD]) - median(&b->v[V_VMM_STARTUP]);
	if (median(&b->v[V_QEMU_STARTUP]) > 0 && median(&b->v[V_VMM_STARTUP]) > 0 &&
	    qemu_pop > 0 && vmm_pop > 0) {
		printf("estimate: qemu memory cost = qemu-memfd - qemu-startup = %.4f s (difference of medians)\n",
		       qemu_pop);
		printf("estimate: vmm memory cost = vmm-memfd - vmm-startup = %.4f s (difference of medians)\n",
		       vmm_pop);
		printf("ratio: vmm memory cost / qemu memory cost = %.2fx (estimate)\n",
		       vmm_pop / qemu_pop);
	}
}

static void print_header(const struct bench *b)
{
	static const char *const files[] = {
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/mm/transparent_hugepage/shmem_enabled",
	};
	char line[128] = "", thp[2][128];
	unsigned int i;
	FILE *f;

	for (i = 0; i < 2; i++) {
		strcpy(thp[i], "?");
		f = fopen(files[i], "r");
		if (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(thp[i], sizeof(thp[i]), "%s", line);
		}
		if (f)
			fclose(f);
	}
	printf("mem_bench: size=%s runs=%u warmup=%u (discarded); one fresh process per sample, order rotated per round\n",
	       b->size_arg, b->runs, b->warmup);
	printf("host: %ld cpus, /dev/kvm %s, thp enabled: %s, shmem thp: %s\n",
	       sysconf(_SC_NPROCESSORS_ONLN),
	       kvm_is_pvm_host() ? "is kvm_pvm" : "is not kvm_pvm", thp[0], thp[1]);
	printf("populate: ours %u threads %s; QEMU prealloc-threads default: -smp, 1 here\n",
	       b->threads, memory_populate_supported() ?
	       "with MADV_POPULATE_WRITE" : "(no MADV_POPULATE_WRITE: MAP_POPULATE, 1 thread)");
}

static int usage(void)
{
	fprintf(stderr,
		"usage: mem_bench all [--runs N] [--warmup N] [--size SIZE] [--vmm PATH]\n"
		"                     [--guest PATH] [--qemu PATH | --no-qemu REASON]\n"
		"                     [--timeout SECONDS] [--baseline-vmm PATH]\n"
		"                     [--no-hugetlb REASON]\n"
		"       mem_bench ours memfd|hugetlb|private SIZE [THREADS|mappop]\n"
		"       mem_bench memset SIZE\n");
	return 2;
}

/* Options of "all"; paths default to the build tree this binary is in. */
static int parse_all(int argc, char **argv, struct bench *b)
{
	static char vmm[PATH_MAX], guest[PATH_MAX];
	char *dir;
	int i;

	b->size = 1ULL << 30;
	b->runs = 5;
	b->warmup = 1;
	b->timeout = 120;
	b->qemu = "qemu-system-x86_64";
	dir = strrchr(b->self, '/');
	/* build/bench/mem_bench -> build/vmm, build/guests/x86_64/status */
	snprintf(vmm, sizeof(vmm), "%.*s/../vmm", (int)(dir - b->self), b->self);
	snprintf(guest, sizeof(guest), "%.*s/../guests/x86_64/status",
		 (int)(dir - b->self), b->self);
	b->vmm = vmm;
	b->guest = guest;

	for (i = 2; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return usage();
		i++;
		if (!strcmp(opt, "--runs"))
			b->runs = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--warmup"))
			b->warmup = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--timeout"))
			b->timeout = strtod(val, NULL);
		else if (!strcmp(opt, "--size"))
			b->size = parse_size(val, &b->size) ? 0 : b->size;
		else if (!strcmp(opt, "--vmm"))
			b->vmm = val;
		else if (!strcmp(opt, "--guest"))
			b->guest = val;
		else if (!strcmp(opt, "--qemu"))
			b->qemu = val;
		else if (!strcmp(opt, "--no-qemu"))
			b->qemu_skip = val;
		else if (!strcmp(opt, "--baseline-vmm"))
			b->base_vmm = val;
		else if (!strcmp(opt, "--no-hugetlb"))
			b->no_hugetlb = val;
		else
			return usage();
	}
	if (!b->runs || b->runs > MAX_RUNS || b->warmup > 10 || b->timeout <= 0) {
		fprintf(stderr, "mem_bench: --runs 1..%d, --warmup 0..10, --timeout > 0\n",
			MAX_RUNS);
		return 2;
	}
	if (!b->size || b->size % (2ULL << 20)) {
		fprintf(stderr, "mem_bench: --size must be a non-zero multiple of 2M\n");
		return 2;
	}
	format_size(b->size, b->size_arg, sizeof(b->size_arg));
	return 0;
}

/* Is QEMU there at all? A broken one shows up as a failed variant. */
static void probe_qemu(struct bench *b)
{
	static char why[PATH_MAX + 64];
	const char *argv[] = { b->qemu, "--version", NULL };
	struct run r;

	if (b->qemu_skip)
		return;
	if (run_timed(argv, NULL, 30, &r) || r.status) {
		snprintf(why, sizeof(why), "%s --version failed (not installed?)", b->qemu);
		b->qemu_skip = why;
		return;
	}
	r.out[strcspn(r.out, "\n")] = '\0';
	printf("host: %s: %s\n", b->qemu, r.out);
}

static int bench_all(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	unsigned int round, k, failed = 0;
	ssize_t n;
	int ret;

	n = readlink("/proc/self/exe", b->self, sizeof(b->self) - 1);
	if (n <= 0) {
		perror("mem_bench: /proc/self/exe");
		return 1;
	}
	b->self[n] = '\0';
	ret = parse_all(argc, argv, b);
	if (ret)
		return ret;

	b->threads = memory_populate_default_threads();
	setvbuf(stdout, NULL, _IOLBF, 0);
	cleanup_hook(kill_child);
	print_header(b);
	probe_qemu(b);
	if (b->no_hugetlb)
		snprintf(b->hugetlb_why, sizeof(b->hugetlb_why), "%s", b->no_hugetlb);
	else
		b->huge_page = hugetlb_prepare(b->size, b->hugetlb_why,
					       sizeof(b->hugetlb_why));
	setup_in_process(b);
	setup_vmm(b);
	setup_qemu(b);
	if (!b->huge_page) {
		b->v[V_OURS_HUGETLB].skip = b->hugetlb_why;
		b->v[V_VMM_HUGETLB].skip = b->hugetlb_why;
		b->v[V_QEMU_HUGETLB].skip = b->hugetlb_why;
		b->v[V_QEMU_HUGETLB_TN].skip = b->hugetlb_why;
	}
	for (k = 0; k < NR_VARIANTS; k++) {
		if (b->v[k].skip)
			printf("skip: %s: %s\n", b->v[k].name, b->v[k].skip);
	}

	for (round = 0; round < b->warmup + b->runs; round++) {
		fprintf(stderr, "mem_bench: round %u/%u%s\n", round + 1,
			b->warmup + b->runs, round < b->warmup ? " (warm-up)" : "");
		for (k = 0; k < NR_VARIANTS; k++) {
			struct variant *v = &b->v[(k + round) % NR_VARIANTS];
			double s;

			if (v->skip || v->failed[0])
				continue;
			if (measure(b, v, &s) && round >= b->warmup)
				v->samples[v->n++] = s;
		}
	}

	if (b->huge_page) {
		hugepages_restore();
		printf("hugetlb: nr_hugepages put back to %ld\n", hugepages_total());
	}
	for (k = 0; k < NR_VARIANTS; k++) {
		if (b->v[k].failed[0]) {
			printf("fail: %s: %s\n", b->v[k].name, b->v[k].failed);
			failed++;
		}
	}
	print_results(b);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "all"))
		return bench_all(argc, argv);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "ours"))
		return bench_ours(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc == 3 && !strcmp(argv[1], "memset"))
		return bench_memset(argv[2]);
	return usage();
}
