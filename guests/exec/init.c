// SPDX-License-Identifier: GPL-2.0
/*
 * /init of vmm-exec's guest, the only program in its initramfs: load the
 * modules, mount the host's directories, run the command, send its
 * stdout, stderr and exit status to the host, power off. What it reads
 * and sends is in guests/exec/protocol.h. Built static (musl-gcc where
 * there is one).
 *
 * The command runs as root with stdin /dev/null, in its own session.
 * When it exits, what its pipes hold is sent and the guest powers off,
 * taking any process it left behind with it.
 *
 * Until the channel is open, and for what only a person reading the log
 * needs, messages go to the kernel console (/dev/console).
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"

#define NEW_ROOT	"/mnt/root"
#define MAX_RECORDS	65536

static int channel = -1;
static char failure[512];	/* the first setup failure, for EXEC_FAIL */

static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fd = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd >= 0) {
		dprintf(fd, "vmm-exec init: %s\n", line);
		close(fd);
	}
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	if (failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(failure, sizeof(failure), fmt, ap);
	va_end(ap);
	say("%s", failure);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_frame(enum exec_frame_type type, const void *data, size_t len)
{
	const char *p = data;

	do {
		size_t n = len < EXEC_FRAME_MAX ? len : EXEC_FRAME_MAX;
		struct exec_frame f = { .type = (uint8_t)type, .len = htole32((uint32_t)n) };

		if (write_all(channel, &f, sizeof(f)) || write_all(channel, p, n)) {
			say("the channel to the host broke: %s", strerror(errno));
			return;
		}
		p += n;
		len -= n;
	} while (len);
}

static void send_status(int status)
{
	uint32_t le = htole32((uint32_t)status);

	send_frame(EXEC_STATUS, &le, sizeof(le));
}

static __attribute__((noreturn)) void power_off(void)
{
	if (channel >= 0)
		tcdrain(channel);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

static char *read_spec(size_t *len)
{
	int fd = open(EXEC_SPEC_PATH, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;

	if (fd < 0 || fstat(fd, &st) || !(buf = malloc((size_t)st.st_size + 1))) {
		say("%s: %s", EXEC_SPEC_PATH, strerror(errno));
		return NULL;
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + *len, (size_t)st.st_size - *len);

		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	close(fd);
	buf[*len] = '\0';
	return buf;
}

/* The records with KEY, in order: pointers to their values; NULL ended. */
static char **records(char *spec, size_t len, const char *key)
{
	size_t klen = strlen(key), n = 0;
	char **out = calloc(MAX_RECORDS + 1, sizeof(*out));
	char *p;

	for (p = spec; out && p < spec + len && n < MAX_RECORDS; p += strlen(p) + 1)
		if (!strncmp(p, key, klen) && p[klen] == '=')
			out[n++] = p + klen + 1;
	return out;
}

static void load_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || (syscall(SYS_finit_module, fd, "", 0) && errno != EEXIST))
		fail("cannot load the kernel module %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The channel appears once virtio_console has probed the device. */
static int open_channel(void)
{
	struct termios t;
	int i, fd = -1;

	for (i = 0; i < 1000 && fd < 0; i++) {
		fd = open(EXEC_CHANNEL, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0) {
		say("no channel to the host, %s: %s (a kernel without CONFIG_VIRTIO_CONSOLE?)",
		    EXEC_CHANNEL, strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(fd, TCSANOW, &t);
	}
	return fd;
}

static void mkdir_p(const char *path)
{
	char buf[4096], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return;
	for (p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

static int do_mount(const char *src, const char *dir, const char *type,
		    unsigned long flags, const char *data)
{
	mkdir_p(dir);
	if (mount(src, dir, type, flags, data) == 0)
		return 0;
	fail("cannot mount %s (%s) on %s: %s", src, type, dir, strerror(errno));
	return -1;
}

static void mount_pseudo(const char *root)
{
	static const struct { const char *src, *dir, *type; } fs[] = {
		{ "devtmpfs", "/dev", "devtmpfs" },
		{ "proc", "/proc", "proc" },
		{ "sysfs", "/sys", "sysfs" },
		{ "devpts", "/dev/pts", "devpts" },
		{ "tmpfs", "/dev/shm", "tmpfs" },
	};
	char dir[64];
	size_t i;

	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", root, fs[i].dir);
		mkdir_p(dir);
		if (mount(fs[i].src, dir, fs[i].type, 0, NULL) && errno != EBUSY)
			say("mount %s on %s: %s", fs[i].type, dir, strerror(errno));
	}
}

/* The host's / read-only, under a tmpfs overlay, at NEW_ROOT. */
static int mount_root(const char *tag)
{
	if (do_mount(tag, "/mnt/lower", "virtiofs", MS_RDONLY, NULL) ||
	    do_mount("tmpfs", "/mnt/rw", "tmpfs", 0, "mode=755"))
		return -1;
	mkdir("/mnt/rw/upper", 0755);
	mkdir("/mnt/rw/work", 0755);
	if (do_mount("overlay", NEW_ROOT, "overlay", 0,
		     "lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work"))
		return -1;
	mount_pseudo(NEW_ROOT);
	return 0;
}

/* "TAG:ro|rw:PATH", under NEW_ROOT when there is one. */
static int mount_share(char *rec, const char *root)
{
	char *mode = strchr(rec, ':'), *path, dir[4096];

	if (!mode || !(path = strchr(mode + 1, ':'))) {
		fail("bad share record '%s'", rec);
		return -1;
	}
	*mode++ = '\0';
	*path++ = '\0';
	if (snprintf(dir, sizeof(dir), "%s%s", root, path) >= (int)sizeof(dir)) {
		fail("share path too long: %s", path);
		return -1;
	}
	return do_mount(rec, dir, "virtiofs", strcmp(mode, "ro") ? 0 : MS_RDONLY, NULL);
}

/* Make NEW_ROOT the root, as switch_root does (an initramfs has no pivot). */
static int enter_root(void)
{
	if (chdir(NEW_ROOT) || mount(".", "/", NULL, MS_MOVE, NULL) || chroot(".") || chdir("/")) {
		fail("cannot switch to the host's root: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void pump(int *fd, enum exec_frame_type type, char *buf, size_t size)
{
	ssize_t n = read(*fd, buf, size);

	if (n > 0) {
		send_frame(type, buf, (size_t)n);
	} else if (n == 0 || errno != EINTR) {
		close(*fd);
		*fd = -1;
	}
}

static int exit_status(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return EXEC_STATUS_SETUP;
}

/* Runs argv; returns its exit status. */
static int run(char **argv, char **envp)
{
	static char buf[EXEC_FRAME_MAX];
	int out[2], err[2], ep[2], child_err = 0, wstatus = 0, status = -1;
	struct pollfd p[2];
	pid_t pid, w;

	if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(ep, O_CLOEXEC)) {
		fail("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fail("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		setsid();
		if (null < 0 || dup2(null, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0)
			_exit(EXEC_STATUS_SETUP);
		environ = envp;		/* execvp searches the command's PATH */
		execvp(argv[0], argv);
		child_err = errno;
		if (write(ep[1], &child_err, sizeof(child_err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	close(ep[1]);
	if (read(ep[0], &child_err, sizeof(child_err)) == sizeof(child_err)) {
		int len = snprintf(buf, sizeof(buf), "vmm-exec: %s: %s\n", argv[0],
				   strerror(child_err));

		send_frame(EXEC_ERR, buf, (size_t)len);
	}
	close(ep[0]);

	p[0].fd = out[0];
	p[1].fd = err[0];
	p[0].events = p[1].events = POLLIN;
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		/* Once the command is gone, take what is there and stop. */
		int n = poll(p, 2, status < 0 ? 100 : 0);

		if (n < 0 && errno != EINTR)
			break;
		if (n == 0 && status >= 0)
			break;
		if (p[0].revents)
			pump(&p[0].fd, EXEC_OUT, buf, sizeof(buf));
		if (p[1].revents)
			pump(&p[1].fd, EXEC_ERR, buf, sizeof(buf));
		/* PID 1 reaps every orphan too. */
		while ((w = waitpid(-1, &wstatus, WNOHANG)) > 0)
			if (w == pid)
				status = exit_status(wstatus);
	}
	while (status < 0 && (w = waitpid(-1, &wstatus, 0)) > 0)
		if (w == pid)
			status = exit_status(wstatus);
	if (child_err)
		status = child_err == ENOENT ? 127 : 126;
	return status < 0 ? EXEC_STATUS_SETUP : status;
}

int main(void)
{
	char **modules, **roots, **shares, **cwd, **env, **argv, *spec;
	const char *root = "";
	size_t len, i;
	int status;

	mkdir("/dev", 0755);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);

	spec = read_spec(&len);
	if (!spec)
		power_off();
	modules = records(spec, len, "module");
	roots = records(spec, len, "root");
	shares = records(spec, len, "share");
	cwd = records(spec, len, "cwd");
	env = records(spec, len, "env");
	argv = records(spec, len, "arg");
	if (!modules || !roots || !shares || !cwd || !env || !argv || !argv[0]) {
		say("%s: no command, or out of memory", EXEC_SPEC_PATH);
		power_off();
	}
	for (i = 0; modules[i]; i++)
		load_module(modules[i]);
	channel = open_channel();
	if (channel < 0)
		power_off();

	if (!failure[0] && roots[0] && mount_root(roots[0]) == 0)
		root = NEW_ROOT;
	for (i = 0; !failure[0] && shares[i]; i++)
		mount_share(shares[i], root);
	if (!failure[0] && root[0])
		enter_root();
	if (!failure[0] && cwd[0] && chdir(cwd[0]))
		fail("the working directory %s is not in the guest (%s): share it, or use --root-host",
		     cwd[0], strerror(errno));
	if (failure[0]) {
		send_frame(EXEC_FAIL, failure, strlen(failure));
		send_status(EXEC_STATUS_SETUP);
		power_off();
	}
	status = run(argv, env);
	if (failure[0])
		send_frame(EXEC_FAIL, failure, strlen(failure));
	send_status(status);
	power_off();
}
