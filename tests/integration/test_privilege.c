// SPDX-License-Identifier: GPL-2.0
/*
 * Least privilege and fd hygiene, on the real /dev/kvm.
 *
 * A non-root user (as root only; otherwise SKIP with the reason): a
 * throwaway system user vmmtest-PID is created (and removed at the end,
 * also on SIGINT, SIGTERM, SIGHUP, SIGQUIT) and given /dev/kvm the way a
 * user would get it: membership in the group that owns /dev/kvm when its
 * mode gives that group rw, otherwise an ACL entry for the user
 * (setfacl -m u:USER:rw, removed afterwards). Run as that user with
 * setpriv --reuid --regid --init-groups, the VMM boots the `status` guest
 * with a --disk the user owns and ends with the guest's 42. Without the
 * group (--clear-groups) the same user gets the one-line /dev/kvm
 * permission message and 2 (test_bad_input checks that for nobody); and
 * with the group but a disk the user may not open, one line naming the
 * disk, and 2. With setfacl installed, the ACL way is tried as well.
 *
 * The fds the VMM keeps: a VMM with 2 vCPUs running the `spin` guest with
 * --disk A, --disk C,backend=thread, --vhost-user-blk on a vmm-blkd and
 * --memory-socket, once the guest runs, holds exactly
 *   0-2            stdin, stdout, stderr (inherited; the only fds without
 *                  O_CLOEXEC)
 *   kvm-vm         the VM fd (1)
 *   kvm-vcpu:N     one per vCPU (2)
 *   memfd:guest-ram  guest RAM (1; regions are offsets in it)
 *   [eventfd]      KVM ioeventfds (queue kicks) and irqfds, the devices'
 *                  wake and stop events
 *   [signalfd]     the run loop's (at most 1)
 *   [timerfd]      the real-time clock's once-a-second tick (1)
 *   socket         4: the vhost-user connection to vmm-blkd, the memory
 *                  socket's listener, and the socketpair between the
 *                  backend=thread device and its backend thread
 *   A and C        the disk files, once each
 * and no /dev/kvm (closed once the VM and vCPUs exist), no kernel file
 * (closed after loading), no pipes, no other files; every fd but 0-2 is
 * close-on-exec. vmm-blkd meanwhile holds 0-2, its listening and its
 * connected socket, its disk and its signalfd — nothing the VMM sent,
 * since the guest never set DRIVER_OK.
 *
 * What a backend receives: vmm-blkd (--verbose) driven through the
 * VMM's own frontend code (linked in) with two memory regions and one
 * ring with kick, call and err eventfds must hold exactly 2 memfds and 3
 * eventfds more than before, its trace must count 2 + 3 fds received, and
 * once the frontend is gone it holds none of them.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/vhost_user.h"
#include "devices/vhost_user_frontend.h"
#include "memory/guest_memory.h"
#include "memory/sharing.h"
#include "tests/helpers.h"

#define O_CLOEXEC_INFO	02000000	/* as /proc/PID/fdinfo reports it */

static char tmpdir[] = "/tmp/vmm-privilege.XXXXXX";
static char user[32];
static bool user_made;
static bool acl_set;
static const char *blkd_bin;

static const char *tmp_path(const char *name)
{
	return path_in(tmpdir, name);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command line, quietly; its exit status. */
static int sh(const char *fmt, ...)
{
	char cmd[1200];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The clean-up's extra, in main's process: the ACL and the user. */
static void remove_user(void)
{
	if (acl_set) {
		sh("setfacl -x u:%s /dev/kvm", user);
		acl_set = false;
	}
	if (user_made) {
		sh("userdel %s >/dev/null 2>&1", user);
		user_made = false;
	}
}

/* ---- a non-root user ---- */

/* /dev/kvm's group if it gives that group rw, else NULL. */
static const char *kvm_group(void)
{
	struct stat st;
	struct group *g;

	if (stat("/dev/kvm", &st) || (st.st_mode & 060) != 060)
		return NULL;
	g = getgrgid(st.st_gid);
	return g ? g->gr_name : NULL;
}

static char skip_user[200];

/*
 * From main(), so that main's cleanup removes it: the user (in /dev/kvm's
 * group when that has rw), its disk, a root-only disk, and copies of vmm
 * and the guest any user can run. Sets skip_user when it cannot.
 */
static void make_user(void)
{
	const char *group = kvm_group();

	if (geteuid() != 0) {
		snprintf(skip_user, sizeof(skip_user), "needs root to create a throwaway user");
		return;
	}
	if (!find_program("useradd") || !find_program("userdel") || access("/usr/bin/setpriv", X_OK)) {
		snprintf(skip_user, sizeof(skip_user), "no useradd, userdel or /usr/bin/setpriv");
		return;
	}
	if (sh("useradd --system --no-create-home --shell /usr/sbin/nologin %s", user)) {
		snprintf(skip_user, sizeof(skip_user), "useradd %s failed", user);
		return;
	}
	user_made = true;
	if ((group && sh("usermod -a -G %s %s", group, user)) ||
	    sh("cp %s %s && cp %s %s && chmod 755 %s %s %s", vmm_path(), tmp_path("vmm"),
	       guest_path("status"), tmp_path("status"), tmpdir, tmp_path("vmm"),
	       tmp_path("status")) ||
	    sh("truncate -s 1M %s && chown %s %s && chmod 600 %s", tmp_path("disk.img"), user,
	       tmp_path("disk.img"), tmp_path("disk.img")) ||
	    sh("truncate -s 1M %s && chmod 600 %s", tmp_path("root.img"), tmp_path("root.img")))
		snprintf(skip_user, sizeof(skip_user), "cannot set up %s's group or files", user);
}

/* Runs the VMM as the user with setpriv's group option (and disk). */
static int run_as_user(const char *groups, const char *disk, struct run_result *res)
{
	char reuid[64], regid[64];
	struct passwd *pw = getpwnam(user);
	char *argv[] = { "/usr/bin/setpriv", reuid, regid, (char *)groups, "--",
		(char *)tmp_path("vmm"), "--kernel", (char *)tmp_path("status"), "--memory", "64M",
		"--disk", (char *)disk, "--timeout", "30", NULL };

	res->status = -2;
	if (!pw)
		return -1;
	snprintf(reuid, sizeof(reuid), "--reuid=%u", (unsigned int)pw->pw_uid);
	snprintf(regid, sizeof(regid), "--regid=%u", (unsigned int)pw->pw_gid);
	return run_cmd(argv, 60, res);
}

/*
 * The runs as the user, from main() and not from a check test case
 * (check's own SIGINT handler would skip our clean-up): the user, and the
 * ACL if one was set, exist only while they run.
 */
static struct {
	struct run_result allowed, foreign_disk, no_group, acl;
	bool by_acl;		/* no group rw on /dev/kvm: allowed by an ACL */
	bool acl_ran;
} as_user;

static void run_user_phase(void)
{
	make_user();
	if (skip_user[0])
		return;
	as_user.no_group.status = as_user.acl.status = -2;
	if (!kvm_group()) {
		if (!find_program("setfacl")) {
			snprintf(skip_user, sizeof(skip_user),
				 "/dev/kvm gives its group no rw and there is no setfacl (package acl)");
			goto out;
		}
		acl_set = !sh("setfacl -m u:%s:rw /dev/kvm", user);
		as_user.by_acl = true;
	}
	run_as_user("--init-groups", tmp_path("disk.img"), &as_user.allowed);
	printf("privilege: as %s (%s): exit %d: %s", user, as_user.by_acl ? "ACL" : "group",
	       as_user.allowed.status, as_user.allowed.err);
	run_as_user("--init-groups", tmp_path("root.img"), &as_user.foreign_disk);
	if (as_user.by_acl)
		goto out;	/* no group to take away */
	run_as_user("--clear-groups", tmp_path("disk.img"), &as_user.no_group);
	if (!find_program("setfacl"))
		goto out;
	acl_set = !sh("setfacl -m u:%s:rw /dev/kvm", user);
	run_as_user("--clear-groups", tmp_path("disk.img"), &as_user.acl);
	as_user.acl_ran = true;
	printf("privilege: as %s (ACL, no group): exit %d: %s", user, as_user.acl.status,
	       as_user.acl.err);
out:
	if (acl_set && !sh("setfacl -x u:%s /dev/kvm", user))
		acl_set = false;
	if (!sh("userdel %s", user))
		user_made = false;
	fflush(stdout);
}

START_TEST(non_root_user)
{
	struct run_result *res;

	if (skip_user[0]) {
		printf("SKIP non_root_user: %s\n", skip_user);
		return;
	}
	ck_assert_msg(!user_made && !acl_set, "%s or its ACL on /dev/kvm was not removed", user);
	/* allowed: the guest's own status */
	res = &as_user.allowed;
	ck_assert_msg(res->status == 42, "exit %d: %s", res->status, res->err);
	ck_assert_msg(strstr(res->err, "vmm: exit 42"), "%s", res->err);
	assert_clean_stderr(res->err);

	/* a disk that is not the user's: one line, 2 */
	res = &as_user.foreign_disk;
	ck_assert_msg(res->status == 2 && count_lines(res->err) == 1, "exit %d: %s", res->status,
		      res->err);
	ck_assert_msg(strstr(res->err, tmp_path("root.img")) && strstr(res->err, "Permission denied"),
		      "%s", res->err);
	if (as_user.by_acl)
		return;

	/* the same user without the kvm group */
	res = &as_user.no_group;
	ck_assert_msg(res->status == 2, "exit %d: %s", res->status, res->err);
	ck_assert_int_eq(count_lines(res->err), 1);
	ck_assert_msg(strstr(res->err, "vmm: /dev/kvm: permission denied: add this user to the group"),
		      "%s", res->err);

	/* the ACL way: no group, an ACL entry for the user */
	if (!as_user.acl_ran) {
		printf("SKIP non_root_user ACL: no setfacl (package acl)\n");
		return;
	}
	res = &as_user.acl;
	ck_assert_msg(res->status == 42, "exit %d: %s", res->status, res->err);
}
END_TEST

/* ---- fds ---- */

/* Like spawn_cmd, but the child keeps only 0-2 of ours. */
static pid_t spawn_clean(char *const argv[], int *out_fd, int *err_fd)
{
	int out[2], err[2];
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* a failed case exits without clean-up */
		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close_range(3, ~0U, 0);
		setpgid(0, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	*out_fd = out[0];
	*err_fd = err[0];
	if (pid > 0)
		procs_track(pid);
	return pid;
}

/* Appends what fd has to buf (len), waiting up to timeout_s. */
static void slurp(int fd, char *buf, size_t len, double timeout_s)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t have = strlen(buf);
	ssize_t n;

	if (poll(&p, 1, (int)(timeout_s * 1000)) <= 0 || have + 1 >= len)
		return;
	n = read(fd, buf + have, len - have - 1);
	if (n > 0)
		buf[have + (size_t)n] = '\0';
}

static bool wait_text(int fd, char *buf, size_t len, const char *needle, double timeout_s)
{
	double until = monotonic_seconds() + timeout_s;

	while (!strstr(buf, needle) && monotonic_seconds() < until)
		slurp(fd, buf, len, 0.2);
	return strstr(buf, needle);
}

static void dump_fds(const char *who, const struct proc_fd *f, int n)
{
	int i;

	for (i = 0; i < n; i++)
		printf("fds: %s %d -> %s (flags 0%o)\n", who, f[i].fd, f[i].target, f[i].flags);
}

static char blkd_log[65536], vmm_out[65536], vmm_err[65536];

static pid_t start_blkd(int *err_fd)
{
	char *argv[] = { (char *)blkd_bin, "--socket", (char *)tmp_path("blkd.sock"), "--disk",
		(char *)tmp_path("b.img"), "--verbose", NULL };
	int out_fd;
	pid_t pid = spawn_clean(argv, &out_fd, err_fd);

	close(out_fd);
	ck_assert_msg(pid > 0 && wait_unix_socket(tmp_path("blkd.sock"), true, 20),
		      "vmm-blkd does not listen");
	return pid;
}

/* vmm-blkd's own fds: stdio, sockets, its disk, its signalfd. */
static void assert_blkd_baseline(const struct proc_fd *f, int n, int sockets, const char *when)
{
	int i;

	for (i = 0; i < n; i++) {
		const char *t = f[i].target;

		if (f[i].fd <= 2)
			continue;
		ck_assert_msg(!strncmp(t, "socket:", 7) || !strcmp(t, tmp_path("b.img")) ||
			      !strcmp(t, "anon_inode:[signalfd]"),
			      "%s: vmm-blkd fd %d -> %s", when, f[i].fd, t);
		ck_assert_msg(f[i].flags & O_CLOEXEC_INFO, "%s: vmm-blkd fd %d -> %s is not close-on-exec",
			      when, f[i].fd, t);
	}
	ck_assert_msg(proc_fds_count(f, n, "socket:") == sockets, "%s: vmm-blkd has %d sockets, want %d",
		      when, proc_fds_count(f, n, "socket:"), sockets);
}

START_TEST(vmm_keeps_only_what_it_needs)
{
	char dev_a[400], dev_c[400], dev_v[400];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("spin"), "--cpus", "2",
		"--memory", "64M", "--disk", dev_a, "--disk", dev_c, "--vhost-user-blk", dev_v,
		"--memory-socket", (char *)tmp_path("mem.sock"), "--timeout", "60", NULL };
	struct proc_fd f[128];
	int n, i, out_fd, err_fd, blkd_err, st;
	pid_t vmm, blkd;

	if (access(blkd_bin, X_OK)) {
		printf("SKIP vmm_keeps_only_what_it_needs: no vmm-blkd at %s ($VMM_BLKD)\n", blkd_bin);
		return;
	}
	snprintf(dev_a, sizeof(dev_a), "%s", tmp_path("a.img"));
	snprintf(dev_c, sizeof(dev_c), "%s,backend=thread", tmp_path("c.img"));
	snprintf(dev_v, sizeof(dev_v), "socket=%s", tmp_path("blkd.sock"));
	blkd = start_blkd(&blkd_err);
	vmm = spawn_clean(argv, &out_fd, &err_fd);
	ck_assert_int_gt(vmm, 0);
	ck_assert_msg(wait_text(out_fd, vmm_out, sizeof(vmm_out), "spin: spinning", 30),
		      "the guest did not start: %s", vmm_out);
	n = proc_fds(vmm, f, ARRAY_SIZE(f));
	ck_assert_int_gt(n, 0);
	dump_fds("vmm", f, n);
	for (i = 0; i < n; i++) {
		const char *t = f[i].target;

		if (f[i].fd <= 2)
			continue;
		ck_assert_msg(f[i].flags & O_CLOEXEC_INFO, "vmm fd %d -> %s is not close-on-exec",
			      f[i].fd, t);
		ck_assert_msg(!strcmp(t, "anon_inode:kvm-vm") || !strncmp(t, "anon_inode:kvm-vcpu:", 20) ||
			      !strncmp(t, "/memfd:guest-ram", 16) ||
			      !strcmp(t, "anon_inode:[eventfd]") || !strcmp(t, "anon_inode:[signalfd]") ||
			      !strcmp(t, "anon_inode:[timerfd]") || !strncmp(t, "socket:", 7) || !strcmp(t, tmp_path("a.img")) ||
			      !strcmp(t, tmp_path("c.img")),
			      "vmm fd %d -> %s: not one the VMM needs", f[i].fd, t);
	}
	ck_assert_int_eq(proc_fds_count(f, n, "/dev/kvm"), 0);
	ck_assert_int_eq(proc_fds_count(f, n, "anon_inode:kvm-vm"), 1);
	ck_assert_int_eq(proc_fds_count(f, n, "anon_inode:kvm-vcpu:"), 2);
	ck_assert_int_eq(proc_fds_count(f, n, "/memfd:guest-ram"), 1);
	ck_assert_int_le(proc_fds_count(f, n, "anon_inode:[signalfd]"), 1);
	ck_assert_int_eq(proc_fds_count(f, n, "anon_inode:[timerfd]"), 1);
	ck_assert_int_eq(proc_fds_count(f, n, "socket:"), 4);
	ck_assert_int_eq(proc_fds_count(f, n, tmp_path("a.img")), 1);
	ck_assert_int_eq(proc_fds_count(f, n, tmp_path("c.img")), 1);

	/* vmm-blkd has the connection, and nothing of the guest yet */
	n = proc_fds(blkd, f, ARRAY_SIZE(f));
	dump_fds("vmm-blkd", f, n);
	assert_blkd_baseline(f, n, 2, "VMM connected");

	kill(vmm, SIGTERM);
	st = wait_cmd(vmm, 20);
	procs_untrack(vmm);
	slurp(err_fd, vmm_err, sizeof(vmm_err), 1);
	ck_assert_msg(st == 128 + SIGTERM, "exit %d: %s", st, vmm_err);
	assert_clean_stderr(vmm_err);
	close(out_fd);
	close(err_fd);
	ck_assert_msg(wait_text(blkd_err, blkd_log, sizeof(blkd_log), "frontend gone", 10), "%s",
		      blkd_log);
	n = proc_fds(blkd, f, ARRAY_SIZE(f));
	assert_blkd_baseline(f, n, 1, "VMM gone");
	stop_cmd(blkd, 10);
	procs_untrack(blkd);
	close(blkd_err);
}
END_TEST

/* The "fds N" of every request vmm-blkd's trace names. */
static int traced_fds(const char *log)
{
	const char *p = log;
	int total = 0, k;

	while ((p = strstr(p, " fds "))) {
		if (sscanf(p, " fds %d", &k) == 1)
			total += k;
		p++;
	}
	return total;
}

START_TEST(backend_receives_memory_and_eventfds_only)
{
	static const struct guest_range layout[] = { { 0, 2 * MiB }, { 4 * GiB, 2 * MiB } };
	struct guest_memory_config cfg = { .size = 4 * MiB, .backend = GUEST_MEMORY_MEMFD };
	struct vhost_user_queue q = { .size = 16, .desc_gpa = 0x1000, .avail_gpa = 0x2000,
		.used_gpa = 0x3000 };
	struct guest_memory *mem;
	struct guest_memory_sharing *sharing;
	struct vhost_user_frontend *fe;
	const char *request = NULL;
	struct proc_fd before[64], f[64];
	int nb, n, blkd_err, sock;
	pid_t blkd;

	if (access(blkd_bin, X_OK)) {
		printf("SKIP backend_receives_memory_and_eventfds_only: no vmm-blkd at %s\n", blkd_bin);
		return;
	}
	blkd_log[0] = '\0';
	blkd = start_blkd(&blkd_err);
	nb = proc_fds(blkd, before, ARRAY_SIZE(before));
	ck_assert_int_gt(nb, 0);
	ck_assert_int_eq(guest_memory_create(&cfg, layout, 2, &mem), 0);
	ck_assert_int_eq(guest_memory_sharing_get(mem, &sharing), 0);
	ck_assert_uint_eq(guest_memory_sharing_nr_regions(sharing), 2);
	q.kick_fd = eventfd(0, EFD_CLOEXEC);
	q.call_fd = eventfd(0, EFD_CLOEXEC);
	q.err_fd = eventfd(0, EFD_CLOEXEC);
	sock = vhost_user_connect(tmp_path("blkd.sock"));
	ck_assert_int_ge(sock, 0);
	ck_assert_int_eq(vhost_user_frontend_open(sock, sharing, &fe, &request), 0);
	ck_assert_int_eq(vhost_user_frontend_start(fe, 1ULL << 32, &q, 1, NULL), 0);
	ck_assert_msg(wait_text(blkd_err, blkd_log, sizeof(blkd_log), "SET_VRING_ENABLE", 10), "%s",
		      blkd_log);
	n = proc_fds(blkd, f, ARRAY_SIZE(f));
	dump_fds("vmm-blkd driven", f, n);
	/* one memfd per region, kick + call + err; one more socket: ours */
	ck_assert_int_eq(n, nb + 2 + 3 + 1);
	ck_assert_int_eq(proc_fds_count(f, n, "/memfd:guest-ram"), 2);
	ck_assert_int_eq(proc_fds_count(f, n, "anon_inode:[eventfd]"), 3);
	ck_assert_int_eq(proc_fds_count(f, n, "socket:"), proc_fds_count(before, nb, "socket:") + 1);
	ck_assert_msg(traced_fds(blkd_log) == 2 + 3, "%d fds traced: %s", traced_fds(blkd_log),
		      blkd_log);
	vhost_user_frontend_close(fe);
	ck_assert_msg(wait_text(blkd_err, blkd_log, sizeof(blkd_log), "frontend gone", 10), "%s",
		      blkd_log);
	n = proc_fds(blkd, f, ARRAY_SIZE(f));
	ck_assert_int_eq(n, nb);
	assert_blkd_baseline(f, n, 1, "frontend gone");
	close(q.kick_fd);
	close(q.call_fd);
	close(q.err_fd);
	guest_memory_sharing_put(sharing);
	guest_memory_destroy(mem);
	stop_cmd(blkd, 10);
	procs_untrack(blkd);
	close(blkd_err);
	assert_clean_stderr(blkd_log);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("privilege");
	const char *b = getenv("VMM_BLKD");

	if (!kvm_usable("privilege"))
		return 1;
	blkd_bin = b ? b : "build/vmm-blkd";
	cleanup_hook(remove_user);
	if (!make_tmpdir(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(user, sizeof(user), "vmmtest-%d", (int)getpid());
	if (sh("truncate -s 1M %s %s %s", tmp_path("a.img"), tmp_path("b.img"), tmp_path("c.img"))) {
		printf("FAIL privilege suite: cannot make disks in %s\n", tmpdir);
		return 1;
	}
	run_user_phase();
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, non_root_user);
	tcase_add_test(tc, vmm_keeps_only_what_it_needs);
	tcase_add_test(tc, backend_receives_memory_and_eventfds_only);
	return run_tcase("privilege", tc);
}
