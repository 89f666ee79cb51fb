// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec (vmm/exec/exec.h): set up, run the VMM, relay, clean up.
 *
 * Everything it makes lives in one run directory ($TMPDIR or /tmp,
 * vmm-exec.XXXXXX): the initramfs, the virtiofsd sockets and the logs.
 * It is removed, and every virtiofsd stopped, on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guests/exec/protocol.h"
#include "vmm/exec/exec.h"

#define VMM_EXEC_VERSION	"0.1"
#define CONSOLE_FD		3	/* the VMM's --virtio-console fd */
#define CONSOLE_TAIL_LINES	25
/* Room for a file name after each directory. */
#define DIR_MAX			(PATH_MAX - 256)

struct run {
	char dir[DIR_MAX];
	pid_t virtiofsd[EXEC_MAX_FS];
	unsigned int nr_virtiofsd;
	char *fs_args[EXEC_MAX_FS];	/* --vhost-user-fs values */
	char **vmm_argv;
	pid_t vmm;
};

static char self_dir[DIR_MAX];

static const char *const host_only_env[] = {
	"DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY", "XDG_RUNTIME_DIR", "XDG_SESSION_ID",
	"XDG_SESSION_TYPE", "XDG_SESSION_CLASS", "XDG_SEAT", "XDG_VTNR",
	"DBUS_SESSION_BUS_ADDRESS", "SSH_AUTH_SOCK", "SSH_AGENT_PID", "SSH_CONNECTION",
	"SSH_CLIENT", "SSH_TTY", "GPG_AGENT_INFO", "TMUX", "TMUX_PANE", "STY", "WINDOWID",
	"HOSTNAME", "MAKEFLAGS", "MFLAGS", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES",
	"NOTIFY_SOCKET", "INVOCATION_ID", "JOURNAL_STREAM", "KRB5CCNAME", "PWD", "OLDPWD",
	"SHLVL", "_", "VMM_EXEC_IN_BOX",
};

static bool host_only(const char *entry)
{
	size_t i, n = strcspn(entry, "=");

	for (i = 0; i < sizeof(host_only_env) / sizeof(host_only_env[0]); i++)
		if (strlen(host_only_env[i]) == n && !strncmp(entry, host_only_env[i], n))
			return true;
	return false;
}

/* A growing buffer of "key=value\0" records. */
struct spec {
	char *buf;
	size_t len, size;
	bool oom;
};

static void spec_add(struct spec *s, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void spec_add(struct spec *s, const char *key, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	while (!s->oom && s->len + strlen(key) + (size_t)n + 2 > s->size) {
		char *bigger = realloc(s->buf, s->size = s->size * 2 + 4096);

		if (!bigger)
			s->oom = true;
		else
			s->buf = bigger;
	}
	if (s->oom)
		return;
	s->len += (size_t)sprintf(s->buf + s->len, "%s=", key);
	va_start(ap, fmt);
	s->len += (size_t)vsprintf(s->buf + s->len, fmt, ap) + 1;
	va_end(ap);
}

static int build_spec(const struct exec_config *cfg, const struct exec_modules *mods,
		      struct spec *s, char *err, size_t len)
{
	extern char **environ;
	char cwd[PATH_MAX], **e;
	unsigned int i;

	for (i = 0; i < mods->nr; i++)
		spec_add(s, "module", "/lib/modules/%s", strrchr(mods->path[i], '/') + 1);
	if (cfg->root_host)
		spec_add(s, "root", "%s", EXEC_ROOT_TAG);
	for (i = 0; i < cfg->nr_shares; i++)	/* sorted: parents first */
		spec_add(s, "share", "%s%u:%s:%s", EXEC_SHARE_TAG, i,
			 cfg->shares[i].ro ? "ro" : "rw", cfg->shares[i].path);
	if (!getcwd(cwd, sizeof(cwd))) {
		snprintf(err, len, "getcwd: %s", strerror(errno));
		return -errno;
	}
	spec_add(s, "cwd", "%s", cwd);
	for (e = environ; *e; e++)
		if (!host_only(*e))
			spec_add(s, "env", "%s", *e);
	spec_add(s, "env", "PWD=%s", cwd);
	for (e = cfg->argv; *e; e++)
		spec_add(s, "arg", "%s", *e);
	if (s->oom) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

/* PATH beside vmm-exec (build tree) or under ../lib/vmm (installed). */
static int find_beside(const char *name, const char *installed, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", self_dir, name);
	if (access(out, R_OK) == 0)
		return 0;
	snprintf(out, size, "%s/../lib/vmm/%s", self_dir, installed);
	return access(out, R_OK) == 0 ? 0 : -ENOENT;
}

static void stop_child(pid_t pid)
{
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 300; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void run_cleanup(struct run *r)
{
	static const char *const files[] = {
		"initramfs.cpio", "console.log", "vmm.log", "virtiofsd.log", "hostroot.sock",
		"share0.sock", "share1.sock", "share2.sock", "share3.sock",
	};
	char path[PATH_MAX + 32];
	size_t i;

	stop_child(r->vmm);
	while (r->nr_virtiofsd) {
		stop_child(r->virtiofsd[--r->nr_virtiofsd]);
		free(r->fs_args[r->nr_virtiofsd]);
	}
	free(r->vmm_argv);
	if (!r->dir[0])
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", r->dir, files[i]);
		unlink(path);
	}
	rmdir(r->dir);
}

static void run_path(const struct run *r, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", r->dir, name);
}

static void show_file(const char *path, const char *title);

static int start_filesystems(const struct exec_config *cfg, struct run *r,
			     char **vmm_argv, int *n, char *err, size_t len)
{
	char sock[PATH_MAX], log[PATH_MAX], tag[16], *arg;
	unsigned int i;
	int ret;

	run_path(r, "virtiofsd.log", log, sizeof(log));
	for (i = 0; i < cfg->nr_shares + (cfg->root_host ? 1 : 0); i++) {
		bool root = i == cfg->nr_shares;
		const char *dir = root ? "/" : cfg->shares[i].path;

		if (root)
			snprintf(tag, sizeof(tag), "%s", EXEC_ROOT_TAG);
		else
			snprintf(tag, sizeof(tag), "%s%u", EXEC_SHARE_TAG, i);
		snprintf(sock, sizeof(sock), "%s/%s.sock", r->dir, tag);
		ret = exec_start_virtiofsd(cfg->virtiofsd, dir, sock, log,
					   &r->virtiofsd[r->nr_virtiofsd], err, len);
		if (ret) {
			show_file(log, "virtiofsd's messages:");
			return ret;
		}
		if (asprintf(&arg, "socket=%s,tag=%s", sock, tag) < 0)
			return -ENOMEM;
		r->fs_args[r->nr_virtiofsd++] = arg;
		vmm_argv[(*n)++] = "--vhost-user-fs";
		vmm_argv[(*n)++] = arg;
	}
	return 0;
}

static int spawn_vmm(const struct exec_config *cfg, struct run *r, char **vmm_argv,
		     int console_w)
{
	char console[PATH_MAX], log[PATH_MAX];
	sigset_t none;
	int out, errfd, null;

	run_path(r, "console.log", console, sizeof(console));
	run_path(r, "vmm.log", log, sizeof(log));
	r->vmm = fork();
	if (r->vmm)
		return r->vmm < 0 ? -errno : 0;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	null = open("/dev/null", O_RDONLY);
	out = cfg->verbose ? dup(STDERR_FILENO) : open(console, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	errfd = cfg->verbose ? dup(STDERR_FILENO) : open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (null < 0 || out < 0 || errfd < 0 || dup2(console_w, CONSOLE_FD) < 0 ||
	    dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		_exit(EXEC_EXIT_FAILED);
	execv(vmm_argv[0], vmm_argv);
	dprintf(2, "vmm-exec: %s: %s\n", vmm_argv[0], strerror(errno));
	_exit(EXEC_EXIT_FAILED);
}

static void show_file(const char *path, const char *title)
{
	char line[1024];
	FILE *f = fopen(path, "re");
	bool first = true;

	while (f && fgets(line, sizeof(line), f)) {
		if (first)
			fprintf(stderr, "vmm-exec: %s\n", title);
		first = false;
		fprintf(stderr, "  %s", line);
	}
	if (f)
		fclose(f);
}

/* The VMM's messages and the end of the guest's console, for a failure. */
static void show_logs(const struct run *r)
{
	char path[PATH_MAX], line[1024];
	long starts[CONSOLE_TAIL_LINES] = { 0 };
	unsigned int n = 0;
	FILE *f;

	run_path(r, "vmm.log", path, sizeof(path));
	show_file(path, "the VMM's messages:");
	run_path(r, "console.log", path, sizeof(path));
	f = fopen(path, "re");
	if (!f)
		return;
	for (;;) {
		long at = ftell(f);

		if (!fgets(line, sizeof(line), f))
			break;
		starts[n++ % CONSOLE_TAIL_LINES] = at;
	}
	if (n) {
		fprintf(stderr, "vmm-exec: the guest console's last lines:\n");
		fseek(f, starts[n > CONSOLE_TAIL_LINES ? n % CONSOLE_TAIL_LINES : 0], SEEK_SET);
		while (fgets(line, sizeof(line), f))
			fprintf(stderr, "  %s", line);
	}
	fclose(f);
}

/* Relays the channel until the VMM closes it; the VMM's wait status. */
static int relay(struct run *r, struct exec_channel *ch, int console_r, int sfd,
		 int *signalled)
{
	static char buf[65536];
	struct pollfd p[2] = { { .fd = console_r, .events = POLLIN },
			       { .fd = sfd, .events = POLLIN } };
	struct signalfd_siginfo si;
	int wstatus = 0;

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo != SIGCHLD) {
			*signalled = (int)si.ssi_signo;
			kill(r->vmm, SIGTERM);
		}
		if (p[0].revents) {
			ssize_t n = read(console_r, buf, sizeof(buf));

			if (n == 0 || (n < 0 && errno != EINTR))
				break;
			if (n > 0 && exec_channel_feed(ch, buf, (size_t)n) == -EPIPE &&
			    !*signalled) {
				*signalled = SIGPIPE;
				kill(r->vmm, SIGTERM);
			}
		}
	}
	waitpid(r->vmm, &wstatus, 0);
	r->vmm = -1;
	return wstatus;
}

static int vmm_exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	return WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : EXEC_EXIT_FAILED;
}

/* What the guest needs loaded, and where the kernel keeps it. */
static int guest_modules(const struct exec_config *cfg, struct exec_modules *mods,
			 char *err, size_t len)
{
	/* The required ones first, then pvpanic-mmio where there is one. */
	const char *names[5];
	char release[256], dir[PATH_MAX];
	unsigned int nr = 0;
	struct stat st;

	*mods = (struct exec_modules){ 0 };
	names[nr++] = "virtio_mmio";
	names[nr++] = "virtio_console";
	if (cfg->nr_shares || cfg->root_host)
		names[nr++] = "virtiofs";
	if (cfg->root_host)
		names[nr++] = "overlay";
	names[nr] = "pvpanic_mmio";
	if (cfg->modules) {
		snprintf(dir, sizeof(dir), "%s", cfg->modules);
	} else {
		if (exec_kernel_release(cfg->kernel, release, sizeof(release)))
			return 0;	/* no release to look for: all built in */
		snprintf(dir, sizeof(dir), "/lib/modules/%s", release);
		if (stat(dir, &st))
			return 0;	/* no modules here: all built in */
	}
	return exec_find_modules(dir, names, nr, nr + 1, mods, err, len);
}

static bool kvm_here(void)
{
	return access("/dev/kvm", F_OK) == 0;
}

/*
 * No KVM here: the same command line again, in the KVM box. The box's
 * read-write directories are the read-write shares, or this directory.
 */
static int run_in_box(const struct exec_config *cfg, int argc, char **argv)
{
	char box[PATH_MAX], self[PATH_MAX], cwd[PATH_MAX];
	const char *env_box = getenv("VMM_KVM_BOX");
	char **box_argv = calloc((size_t)argc + 2 * EXEC_MAX_FS + 8, sizeof(char *));
	unsigned int i;
	int n = 0, j;

	/* $VMM_KVM_BOX, the source tree's (build/, build/san/), or installed. */
	if (env_box)
		snprintf(box, sizeof(box), "%s", env_box);
	else if (snprintf(box, sizeof(box), "%s/../tests/box/kvm-box", self_dir) &&
		 access(box, X_OK) &&
		 snprintf(box, sizeof(box), "%s/../../tests/box/kvm-box", self_dir) &&
		 access(box, X_OK))
		snprintf(box, sizeof(box), "%s/../lib/vmm/box/kvm-box", self_dir);
	if (access(box, X_OK) || !box_argv || !getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "vmm-exec: this host has no /dev/kvm and the KVM box (%s) is missing\n",
			box);
		free(box_argv);
		return EXEC_EXIT_USAGE;
	}
	snprintf(self, sizeof(self), "%s/vmm-exec", self_dir);
	box_argv[n++] = box;
	if (cfg->verbose)
		box_argv[n++] = "-v";
	for (i = 0; i < cfg->nr_shares; i++) {
		if (cfg->shares[i].ro)
			continue;
		box_argv[n++] = "--rw";
		box_argv[n++] = (char *)cfg->shares[i].path;
	}
	if (n == (cfg->verbose ? 2 : 1)) {
		box_argv[n++] = "--rw";
		box_argv[n++] = cwd;
	}
	box_argv[n++] = "--";
	box_argv[n++] = self;
	for (j = 1; j < argc; j++)
		box_argv[n++] = argv[j];
	setenv("VMM_EXEC_IN_BOX", "1", 1);
	execv(box, box_argv);
	fprintf(stderr, "vmm-exec: %s: %s\n", box, strerror(errno));
	free(box_argv);
	return EXEC_EXIT_FAILED;
}

static int find_self(void)
{
	ssize_t n = readlink("/proc/self/exe", self_dir, sizeof(self_dir) - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	self_dir[n] = '\0';
	slash = strrchr(self_dir, '/');
	if (slash)
		*slash = '\0';
	return 0;
}

static int block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	return sigprocmask(SIG_BLOCK, set, NULL);
}

/* Whether a unix socket can be bound in dir (not on 9p; a short path). */
static bool sockets_work(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	/* As long as the longest socket name the run uses. */
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, EXEC_ROOT_TAG) >=
	    (int)sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	unlink(sa.sun_path);
	return ok;
}

/*
 * The run directory: in $TMPDIR, else /tmp, else /run or /dev/shm; the
 * first that takes the virtiofsd sockets (the KVM box's read-write
 * directories are 9p, which does not).
 */
static int make_run_dir(struct run *r, const char *tmp, char *err, size_t len)
{
	const char *parents[] = { tmp && *tmp ? tmp : "/tmp", "/tmp", "/run", "/dev/shm" };
	size_t i;

	for (i = 0; i < sizeof(parents) / sizeof(parents[0]); i++) {
		snprintf(r->dir, sizeof(r->dir), "%s/vmm-exec.XXXXXX", parents[i]);
		if (!mkdtemp(r->dir))
			continue;
		if (sockets_work(r->dir))
			return 0;
		rmdir(r->dir);
	}
	snprintf(err, len, "no directory for the run's sockets: %s and /tmp refuse them",
		 parents[0]);
	r->dir[0] = '\0';
	return -ENOTSUP;
}

/* What a user can get wrong, found before any box or VM starts. */
static int check_usage(const struct exec_config *cfg, char *err, size_t len)
{
	struct stat st;

	if (stat(cfg->kernel, &st) || access(cfg->kernel, R_OK)) {
		snprintf(err, len, "--kernel %s: %s", cfg->kernel, strerror(errno));
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, len, "--kernel %s: not a file", cfg->kernel);
		return -EINVAL;
	}
	if ((cfg->nr_shares || cfg->root_host) && access(cfg->virtiofsd, X_OK)) {
		snprintf(err, len, "no virtiofsd at %s (%s): install qemu-system-common or give --virtiofsd PATH",
			 cfg->virtiofsd, strerror(errno));
		return -ENOENT;
	}
	if (cfg->modules && (stat(cfg->modules, &st) || !S_ISDIR(st.st_mode))) {
		snprintf(err, len, "--modules %s: no such directory", cfg->modules);
		return -ENOENT;
	}
	return 0;
}

/* Everything after parsing; an exit status. */
static int exec_run(const struct exec_config *cfg, struct run *r, char *err, size_t len)
{
	char init[PATH_MAX], vmm[PATH_MAX], initramfs[PATH_MAX], cmdline[4096];
	const char *tmp = getenv("TMPDIR");
	struct exec_modules mods;
	struct exec_channel ch;
	struct spec spec = { 0 };
	char **vmm_argv;
	int n = 0, ret, i, sfd, pipefd[2], wstatus, signalled = 0;
	sigset_t set;

	if (find_beside("vmm-exec-init", "vmm-exec-init", init, sizeof(init))) {
		snprintf(err, len, "the guest init vmm-exec-init is missing beside %s",
			 self_dir);
		return EXEC_EXIT_FAILED;
	}
	if (guest_modules(cfg, &mods, err, len))
		return EXEC_EXIT_USAGE;
	ret = build_spec(cfg, &mods, &spec, err, len);
	if (ret) {
		exec_modules_free(&mods);
		return EXEC_EXIT_FAILED;
	}
	if (cfg->initramfs_out) {
		ret = exec_write_initramfs(cfg->initramfs_out, init, &mods, spec.buf, spec.len, err, len);
		exec_modules_free(&mods);
		free(spec.buf);
		return ret ? EXEC_EXIT_FAILED : 0;
	}
	if (cfg->vmm)
		snprintf(vmm, sizeof(vmm), "%s", cfg->vmm);
	else
		snprintf(vmm, sizeof(vmm), "%s/vmm", self_dir);
	if (access(vmm, X_OK)) {
		snprintf(err, len, "the VMM %s: %s (give --vmm PATH)", vmm, strerror(errno));
		exec_modules_free(&mods);
		free(spec.buf);
		return EXEC_EXIT_USAGE;
	}

	if (block_signals(&set) || (sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
		snprintf(err, len, "signals: %s", strerror(errno));
		return EXEC_EXIT_FAILED;
	}
	if (make_run_dir(r, tmp, err, len))
		return EXEC_EXIT_FAILED;
	run_path(r, "initramfs.cpio", initramfs, sizeof(initramfs));
	ret = exec_write_initramfs(initramfs, init, &mods, spec.buf, spec.len, err, len);
	exec_modules_free(&mods);
	free(spec.buf);
	if (ret)
		return EXEC_EXIT_FAILED;

	vmm_argv = r->vmm_argv = calloc((size_t)cfg->nr_vmm_args + 2 * EXEC_MAX_FS + 16,
					 sizeof(char *));
	if (!vmm_argv) {
		snprintf(err, len, "out of memory");
		return EXEC_EXIT_FAILED;
	}
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1%s%s%s",
		 cfg->verbose ? "" : " quiet", cfg->cmdline ? " " : "", cfg->cmdline ? cfg->cmdline : "");
	vmm_argv[n++] = vmm;
	vmm_argv[n++] = "--kernel";
	vmm_argv[n++] = (char *)cfg->kernel;
	vmm_argv[n++] = "--initrd";
	vmm_argv[n++] = initramfs;
	vmm_argv[n++] = "--cmdline";
	vmm_argv[n++] = cmdline;
	vmm_argv[n++] = "--virtio-console";
	vmm_argv[n++] = "fd=3";
	ret = start_filesystems(cfg, r, vmm_argv, &n, err, len);
	if (ret)
		return ret == -ENOMEM ? EXEC_EXIT_FAILED : EXEC_EXIT_USAGE;
	for (i = 0; i < cfg->nr_vmm_args; i++)
		vmm_argv[n++] = cfg->vmm_args[i];

	if (pipe2(pipefd, O_CLOEXEC)) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return EXEC_EXIT_FAILED;
	}
	if (spawn_vmm(cfg, r, vmm_argv, pipefd[1])) {
		snprintf(err, len, "fork: %s", strerror(errno));
		return EXEC_EXIT_FAILED;
	}
	close(pipefd[1]);
	exec_channel_init(&ch);
	wstatus = relay(r, &ch, pipefd[0], sfd, &signalled);
	close(pipefd[0]);
	if (signalled)
		return 128 + signalled;
	if (ch.broken) {
		snprintf(err, len, "the guest's channel carried a malformed frame");
		return EXEC_EXIT_FAILED;
	}
	if (ch.status >= 0)
		return ch.status;
	if (!cfg->verbose)
		show_logs(r);
	ret = vmm_exit_status(wstatus);
	if (ret == 0 || ret == 1) {
		snprintf(err, len, "the guest stopped before the command's status came back (VMM exit %d)",
			 ret);
		return EXEC_EXIT_FAILED;
	}
	return ret;
}

/* After parsing: an exit status. */
static int exec_main(const struct exec_config *cfg, int argc, char **argv)
{
	char err[EXEC_ERR_LEN] = "";
	struct run r = { .vmm = -1 };
	int status;

	if (cfg->help) {
		fputs(exec_usage, stdout);
		return 0;
	}
	if (cfg->version) {
		printf("vmm-exec %s\n", VMM_EXEC_VERSION);
		return 0;
	}
	if (find_self()) {
		fprintf(stderr, "vmm-exec: /proc/self/exe: %s\n", strerror(errno));
		return EXEC_EXIT_FAILED;
	}
	if (check_usage(cfg, err, sizeof(err))) {
		fprintf(stderr, "vmm-exec: %s\n", err);
		return EXEC_EXIT_USAGE;
	}
	if (!kvm_here() && !getenv("VMM_EXEC_IN_BOX") && !cfg->initramfs_out)
		return run_in_box(cfg, argc, argv);
	status = exec_run(cfg, &r, err, sizeof(err));
	run_cleanup(&r);
	if (err[0])
		fprintf(stderr, "vmm-exec: %s\n", err);
	return status;
}

int main(int argc, char **argv)
{
	char err[EXEC_ERR_LEN] = "";
	struct exec_config cfg;
	int status;

	if (exec_parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "vmm-exec: %s\n", err);
		status = EXEC_EXIT_USAGE;
	} else {
		status = exec_main(&cfg, argc, argv);
	}
	free(cfg.vmm_args);
	return status;
}
