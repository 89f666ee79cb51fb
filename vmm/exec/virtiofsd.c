// SPDX-License-Identifier: GPL-2.0
/*
 * One virtiofsd per shared directory: QEMU's C virtiofsd (Debian's
 * qemu-system-common, /usr/lib/qemu/virtiofsd), which takes
 * --socket-path=PATH and -o source=DIR. It is ready once its socket
 * exists; its messages go to log.
 *
 * Its default sandbox pivots into the shared directory, which cannot be
 * done into the root itself (pivot_root fails with EBUSY): "/" is served
 * with -o sandbox=chroot.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmm/exec/exec.h"

#define READY_TIMEOUT_MS	10000

/* fuse's -o splits at commas; a backslash keeps one. */
static int escape_commas(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in; in++) {
		if (n + 3 > size)
			return -ENAMETOOLONG;
		if (*in == ',' || *in == '\\')
			out[n++] = '\\';
		out[n++] = *in;
	}
	out[n] = '\0';
	return 0;
}

int exec_start_virtiofsd(const char *virtiofsd, const char *dir, const char *sock,
			 const char *log, pid_t *pid, char *err, size_t len)
{
	char socket_arg[PATH_MAX + 16], source[2 * PATH_MAX + 16], escaped[2 * PATH_MAX];
	struct stat st;
	int i, wstatus;

	if (escape_commas(dir, escaped, sizeof(escaped))) {
		snprintf(err, len, "--share %s: path too long", dir);
		return -ENAMETOOLONG;
	}
	snprintf(socket_arg, sizeof(socket_arg), "--socket-path=%s", sock);
	snprintf(source, sizeof(source), "source=%s", escaped);
	*pid = fork();
	if (*pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		return -errno;
	}
	if (*pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(virtiofsd, virtiofsd, socket_arg, "-o", source, "-o", "cache=auto",
		      "-o", strcmp(dir, "/") ? "sandbox=namespace" : "sandbox=chroot", (char *)NULL);
		dprintf(2, "exec %s: %s\n", virtiofsd, strerror(errno));
		_exit(127);
	}
	for (i = 0; i < READY_TIMEOUT_MS / 10; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return 0;
		if (waitpid(*pid, &wstatus, WNOHANG) == *pid) {
			*pid = -1;
			snprintf(err, len, "virtiofsd for %s exited before it listened", dir);
			return -ECHILD;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	snprintf(err, len, "virtiofsd for %s did not listen on %s within %d s", dir, sock,
		 READY_TIMEOUT_MS / 1000);
	return -ETIMEDOUT;
}
