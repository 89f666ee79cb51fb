// SPDX-License-Identifier: GPL-2.0
/*
 * Process, huge page and small helpers for the test suites (helpers.h).
 */
#include "helpers.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return monotonic_seconds();
}

/* Each tracked process with the process that tracked it: only that one kills it. */
static struct {
	pid_t pid, owner;
} procs[40];

void procs_track(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(procs); i++) {
		if (!procs[i].pid) {
			procs[i].pid = pid;
			procs[i].owner = getpid();
			return;
		}
	}
}

void procs_untrack(pid_t pid)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(procs); i++)
		if (procs[i].pid == pid)
			procs[i].pid = 0;
}

void procs_kill_all(void)
{
	pid_t self = getpid();
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(procs); i++) {
		if (procs[i].pid > 0 && procs[i].owner == self) {
			kill(-procs[i].pid, SIGKILL);
			kill(procs[i].pid, SIGKILL);
			waitpid(procs[i].pid, NULL, 0);
			procs[i].pid = 0;
		}
	}
}

/*
 * The clean-up (helpers.h): what to undo, each part only by the process
 * that set it up -- a forked test case inherits a copy naming its parent
 * and leaves that alone.
 */
static struct {
	bool hooked;		/* atexit() and signal handlers installed */
	void (*extra)(void);	/* the suite's own, or NULL */
	pid_t extra_owner;
	char *tmpdir;		/* make_tmpdir()'s, or NULL */
	pid_t tmpdir_owner;
} clean;

void cleanup_run(void)
{
	pid_t self = getpid();

	procs_kill_all();
	if (clean.extra && clean.extra_owner == self)
		clean.extra();
	if (clean.tmpdir && clean.tmpdir_owner == self) {
		remove_tree(clean.tmpdir);
		clean.tmpdir = NULL;
	}
	hugepages_restore();
}

static void cleanup_and_die(int sig)
{
	cleanup_run();
	signal(sig, SIG_DFL);
	raise(sig);		/* delivered when the handler returns */
}

void cleanup_hook(void (*extra)(void))
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = cleanup_and_die }, old;
	unsigned int i;

	if (extra) {
		clean.extra = extra;
		clean.extra_owner = getpid();
	}
	if (clean.hooked)
		return;
	clean.hooked = true;
	atexit(cleanup_run);
	for (i = 0; i < ARRAY_SIZE(sigs); i++) {
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_DFL)
			sigaction(sigs[i], &sa, NULL);
	}
}

char *make_tmpdir(char *template)
{
	cleanup_hook(NULL);
	if (!mkdtemp(template))
		return NULL;
	clean.tmpdir = template;
	clean.tmpdir_owner = getpid();
	return template;
}

static void on_sigpipe(int sig)
{
	(void)sig;
}

void sigpipe_to_epipe(void)
{
	struct sigaction sa = { .sa_handler = on_sigpipe };

	sigaction(SIGPIPE, &sa, NULL);
}

void assert_clean_stderr(const char *err)
{
	ck_assert_msg(!strstr(err, "Sanitizer") && !strstr(err, "runtime error:"), "%s",
		      text_tail(err, 3000));
}

const char *path_in(const char *dir, const char *name)
{
	static char buf[8][400];
	static int next;
	char *b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

pid_t spawn_cmd(char *const argv[], int *in_fd, int *out_fd, int *err_fd)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	pid_t pid;

	if ((in_fd && pipe2(in, O_CLOEXEC)) || (out_fd && pipe2(out, O_CLOEXEC)) ||
	    (err_fd && pipe2(err, O_CLOEXEC)))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		/* close-on-exec: the program gets it only as 0, 1 or 2 */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		dup2(in_fd ? in[0] : null, 0);
		dup2(out_fd ? out[1] : null, 1);
		dup2(err_fd ? err[1] : null, 2);
		setpgid(0, 0);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (in_fd) {
		close(in[0]);
		*in_fd = in[1];
	}
	if (out_fd) {
		close(out[1]);
		*out_fd = out[0];
	}
	if (err_fd) {
		close(err[1]);
		*err_fd = err[0];
	}
	return pid;
}

static int decode(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return 128 + WTERMSIG(wstatus);
}

int wait_cmd(pid_t pid, double timeout_s)
{
	double deadline = now() + timeout_s;
	int wstatus;

	for (;;) {
		pid_t r = waitpid(pid, &wstatus, WNOHANG);

		if (r == pid)
			return decode(wstatus);
		if (r < 0)
			return -1;
		if (now() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &wstatus, 0);
			return -1;
		}
		usleep(5000);
	}
}

int run_cmd(char *const argv[], double timeout_s, struct run_result *res)
{
	size_t out_len = 0, err_len = 0;
	double start = now(), deadline = start + timeout_s;
	int out_fd, err_fd, open_fds = 2;
	pid_t pid;

	memset(res, 0, sizeof(*res));
	pid = spawn_cmd(argv, NULL, &out_fd, &err_fd);
	if (pid < 0)
		return (int)pid;
	while (open_fds) {
		struct pollfd p[2] = {
			{ .fd = out_fd, .events = POLLIN },
			{ .fd = err_fd, .events = POLLIN },
		};
		double left = deadline - now();
		int i;

		if (left <= 0)
			break;
		if (poll(p, 2, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			char *buf = i ? res->err : res->out;
			size_t *len = i ? &err_len : &out_len;
			size_t room = sizeof(res->out) - 1 - *len;
			char sink[4096];
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = room ? read(p[i].fd, buf + *len, room) :
				   read(p[i].fd, sink, sizeof(sink));
			if (n <= 0) {
				close(p[i].fd);
				if (i)
					err_fd = -1;
				else
					out_fd = -1;
				open_fds--;
			} else if (room) {
				*len += (size_t)n;
			}
		}
	}
	if (out_fd >= 0)
		close(out_fd);
	if (err_fd >= 0)
		close(err_fd);
	res->status = wait_cmd(pid, deadline - now() > 0 ? deadline - now() : 0.01);
	res->seconds = now() - start;
	return 0;
}

bool read_until(int fd, char *buf, size_t len, const char *needle,
		double timeout_s)
{
	double deadline = now() + timeout_s;
	size_t used = strlen(buf);

	while (!strstr(buf, needle)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		ssize_t n;

		if (left <= 0 || used + 1 >= len)
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(fd, buf + used, len - 1 - used);
		if (n <= 0)
			return false;
		used += (size_t)n;
		buf[used] = '\0';
	}
	return true;
}

int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++) {
		if (*s == '\n' || !s[1])
			n++;
	}
	return n;
}

const char *vmm_path(void)
{
	const char *p = getenv("VMM");

	return p ? p : "build/vmm";
}

const char *text_tail(const char *s, size_t n)
{
	size_t len = strlen(s);

	return len > n ? s + len - n : s;
}

const char *text_after(const char *text, const char *key, char *buf, size_t len)
{
	const char *p = strstr(text, key);
	size_t n;

	if (!p)
		return NULL;
	p += strlen(key);
	n = strcspn(p, "\r\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

/* $var/name, or default_dir/name, in one of 4 buffers used in turn. */
static const char *env_path(const char *var, const char *default_dir, const char *name)
{
	static char buf[4][512];
	static int next;
	const char *dir = getenv(var);
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir ? dir : default_dir, name);
	return b;
}

const char *linux_guest_path(const char *name)
{
	return env_path("LINUX_GUEST", "build/guests/linux/x86_64", name);
}

bool linux_guest_present(const char *suite)
{
	if (!access(linux_guest_path("vmlinux"), R_OK))
		return true;
	printf("FAIL %s suite: no %s (make test-kernel)\n", suite, linux_guest_path("vmlinux"));
	return false;
}

const char *guest_path(const char *name)
{
	return env_path("GUESTS", "build/guests/x86_64", name);
}

int count_dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int count_fds(void)
{
	return count_dir_entries("/proc/self/fd");
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"
#define HUGE_SYSFS "/sys/kernel/mm/hugepages/hugepages-2048kB/"

/*
 * What to undo, each part only by the process that did it: a forked test
 * case inherits a copy naming its parent, and leaves it alone.
 */
static struct {
	pid_t pages_owner;	/* raised nr_hugepages, or 0 */
	char old[32];		/* the nr_hugepages to write back */
	pid_t mnt_owner;	/* mounted mnt, or 0 */
	char mnt[64];		/* the hugetlbfs mount point */
} huge;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -EIO;

	if (!f)
		return -errno;
	if (fscanf(f, "%ld", &v) != 1)
		v = -EIO;
	fclose(f);
	return v;
}

/* Async-signal-safe, like hugepages_restore(): both run in a signal handler. */
static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		err = -errno;
	close(fd);
	return err;
}

void hugepages_restore(void)
{
	pid_t self = getpid();

	if (huge.mnt_owner == self) {
		umount2(huge.mnt, MNT_DETACH);
		rmdir(huge.mnt);
		huge.mnt_owner = 0;
	}
	if (huge.pages_owner == self) {
		write_str(NR_HUGEPAGES, huge.old);
		huge.pages_owner = 0;
	}
}

long hugepages_free(void)
{
	long f = read_long(HUGE_SYSFS "free_hugepages");
	long r = read_long(HUGE_SYSFS "resv_hugepages");

	return f < 0 ? f : r < 0 ? r : f - r;
}

long hugepages_total(void)
{
	return read_long(NR_HUGEPAGES);
}

/* Hugepagesize in /proc/meminfo in KiB, 0 if there is none, or -errno. */
static long default_huge_kib(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long kib = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) &&
	       sscanf(line, "Hugepagesize: %ld kB", &kib) != 1)
		;
	fclose(f);
	return kib;
}

int hugepages_reserve(long n, const char **why)
{
	static char reason[256];
	long kib = default_huge_kib(), total = hugepages_total(), avail = hugepages_free();
	bool took = false;
	char want[32];
	int err;

	if (kib != 2048) {
		if (kib < 0)
			snprintf(reason, sizeof(reason), "cannot read /proc/meminfo: %s",
				 strerror((int)-kib));
		else if (!kib)
			snprintf(reason, sizeof(reason), "no huge pages in this kernel");
		else
			snprintf(reason, sizeof(reason),
				 "default huge page size is %ld kB, not 2 MiB", kib);
		*why = reason;
		return kib < 0 ? (int)kib : -EOPNOTSUPP;
	}
	if (total < 0 || avail < 0) {
		err = (int)(total < 0 ? total : avail);
		snprintf(reason, sizeof(reason), "cannot read %s or %sfree_hugepages: %s",
			 NR_HUGEPAGES, HUGE_SYSFS, strerror(-err));
		*why = reason;
		return err;
	}
	if (avail >= n)
		return 0;
	cleanup_hook(NULL);
	if (huge.pages_owner != getpid()) {	/* the first change here */
		snprintf(huge.old, sizeof(huge.old), "%ld", total);
		huge.pages_owner = getpid();
		took = true;
	}
	snprintf(want, sizeof(want), "%ld", total + n - avail);
	err = write_str(NR_HUGEPAGES, want);
	if (err && took)
		huge.pages_owner = 0;		/* nothing changed after all */
	avail = hugepages_free();
	if (avail >= n)
		return 0;
	snprintf(reason, sizeof(reason),
		 "%ld free 2 MiB huge pages, %ld needed, after writing %s to %s: %s",
		 avail, n, want, NR_HUGEPAGES, err ? strerror(-err) : "the kernel found no more");
	*why = reason;
	return err ? err : -ENOMEM;
}

const char *hugetlbfs_mount(const char **why)
{
	static char reason[256];
	char dir[sizeof(huge.mnt)];
	int err;

	if (huge.mnt_owner == getpid())
		return huge.mnt;
	snprintf(dir, sizeof(dir), "/tmp/%.32s-hugetlbfs.XXXXXX", program_invocation_short_name);
	if (!mkdtemp(dir)) {
		snprintf(reason, sizeof(reason), "mkdtemp %s: %s", dir, strerror(errno));
		*why = reason;
		return NULL;
	}
	cleanup_hook(NULL);
	memcpy(huge.mnt, dir, sizeof(dir));
	huge.mnt_owner = getpid();
	if (mount("none", dir, "hugetlbfs", 0, NULL)) {
		err = errno;
		huge.mnt_owner = 0;
		rmdir(dir);
		snprintf(reason, sizeof(reason), "mount -t hugetlbfs none %s: %s", dir,
			 strerror(err));
		*why = reason;
		return NULL;
	}
	return huge.mnt;
}

int run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

int run_tcase(const char *suite, TCase *tc)
{
	Suite *s = suite_create(suite);

	suite_add_tcase(s, tc);
	return run_suite(s);
}

int unix_socket_count(const char *path, bool listening)
{
	FILE *f = fopen("/proc/net/unix", "r");
	char line[4200];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned int refs, proto, flags, type, st;
		unsigned long inode;
		int off = 0;
		char *name;

		/* Num RefCount Protocol Flags Type St Inode Path */
		if (sscanf(line, "%*s %x %x %x %x %x %lu %n", &refs, &proto, &flags, &type,
			   &st, &inode, &off) != 6 || !off || type != 1 /* SOCK_STREAM */)
			continue;
		name = line + off;
		name[strcspn(name, "\n")] = '\0';
		if (strcmp(name, path))
			continue;
		if (listening ? (flags & 0x10000) /* __SO_ACCEPTCON */ : st == 3 /* SS_CONNECTED */)
			n++;
	}
	fclose(f);
	return n;
}

bool wait_unix_socket(const char *path, bool listening, double timeout_s)
{
	double deadline = now() + timeout_s;

	while (unix_socket_count(path, listening) <= 0) {
		if (now() > deadline)
			return false;
		usleep(20000);
	}
	return true;
}

const char *find_program(const char *name)
{
	static char found[512];
	const char *path = getenv("PATH");
	char dirs[2048];
	char *dir, *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s", path ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		snprintf(found, sizeof(found), "%s/%s", *dir ? dir : ".", name);
		if (!access(found, X_OK))
			return found;
	}
	return NULL;
}

int stop_cmd(pid_t pid, double timeout_s)
{
	kill(-pid, SIGTERM);
	return wait_cmd(pid, timeout_s);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(path) : unlink(path)) ? -errno : 0;
}

int remove_tree(const char *path)
{
	int err = nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);

	return err < 0 ? -errno : err;
}

static int fd_order(const void *a, const void *b)
{
	return ((const struct proc_fd *)a)->fd - ((const struct proc_fd *)b)->fd;
}

int proc_fds(pid_t pid, struct proc_fd *out, int max)
{
	char dir[64], path[400], line[256];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)) && n < max) {
		struct proc_fd *f = &out[n];
		ssize_t len;
		FILE *info;

		if (e->d_name[0] == '.')
			continue;
		f->fd = atoi(e->d_name);
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		len = readlink(path, f->target, sizeof(f->target) - 1);
		if (len < 0)
			continue;	/* closed meanwhile */
		f->target[len] = '\0';
		f->flags = 0;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", (int)pid, e->d_name);
		info = fopen(path, "re");
		if (!info)
			continue;
		while (fgets(line, sizeof(line), info))
			if (sscanf(line, "flags: %o", &f->flags) == 1)
				break;
		fclose(info);
		n++;
	}
	closedir(d);
	qsort(out, (size_t)n, sizeof(*out), fd_order);
	return n;
}

int proc_fds_count(const struct proc_fd *fds, int n, const char *prefix)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += !strncmp(fds[i].target, prefix, strlen(prefix));
	return k;
}

/* Appends what fd has; closes it at EOF. */
void text_read(struct text *t)
{
	char chunk[16384];
	ssize_t n = read(t->fd, chunk, sizeof(chunk));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
			close(t->fd);
			t->fd = -1;
		}
		return;
	}
	if (t->len + (size_t)n >= sizeof(t->buf)) {
		size_t drop = sizeof(t->buf) / 2;

		memmove(t->buf, t->buf + drop, t->len - drop);
		t->len -= drop;
	}
	memcpy(t->buf + t->len, chunk, (size_t)n);
	t->len += (size_t)n;
	t->buf[t->len] = '\0';
}

/* Reads whatever the texts' fds have, waiting up to timeout_s for some. */
void text_pump(struct text *const texts[], unsigned int n, double timeout_s)
{
	struct pollfd p[8];
	unsigned int i;

	for (i = 0; i < n && i < sizeof(p) / sizeof(p[0]); i++)
		p[i] = (struct pollfd){ .fd = texts[i] ? texts[i]->fd : -1, .events = POLLIN };
	if (poll(p, i, (int)(timeout_s * 1000)) <= 0)
		return;
	for (i = 0; i < n && i < sizeof(p) / sizeof(p[0]); i++)
		if (p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
			text_read(texts[i]);
}


bool kvm_usable(const char *suite)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	printf("FAIL %s suite: /dev/kvm not usable (%s): run it on a host with KVM or in the KVM box, tests/box/with-kvm (make check does)\n",
	       suite, strerror(errno));
	return false;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

pid_t text_spawn(char *const argv[], int *in_fd, struct text *out, struct text *err)
{
	pid_t pid;

	if (out)
		out->len = 0, out->buf[0] = '\0', out->fd = -1;
	if (err)
		err->len = 0, err->buf[0] = '\0', err->fd = -1;
	pid = spawn_cmd(argv, in_fd, out ? &out->fd : NULL, err ? &err->fd : NULL);
	if (pid > 0)
		procs_track(pid);
	return pid;
}
