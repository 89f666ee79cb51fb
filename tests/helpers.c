// SPDX-License-Identifier: GPL-2.0
/*
 * Process helpers for the test suites.
 */
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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
		int null = open("/dev/null", O_RDWR);

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

const char *guest_path(const char *name)
{
	static char buf[4][512];
	static int next;
	const char *dir = getenv("GUESTS");
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir ? dir : "build/guests/x86_64", name);
	return b;
}

#define NR_HUGEPAGES "/proc/sys/vm/nr_hugepages"

static long saved_hugepages = -1;

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", v) < 0)
		err = -EIO;
	if (fclose(f))
		err = -errno;
	return err;
}

void hugepages_restore(void)
{
	if (saved_hugepages >= 0)
		write_long(NR_HUGEPAGES, saved_hugepages);
	saved_hugepages = -1;
}

int hugepages_reserve(long n, const char **why)
{
	const char *free_path = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
	long total = read_long(NR_HUGEPAGES), free_pages = read_long(free_path);

	if (total < 0 || free_pages < 0) {
		*why = "this host has no 2 MiB huge pages";
		return -ENOENT;
	}
	if (free_pages >= n)
		return 0;
	if (saved_hugepages < 0) {
		saved_hugepages = total;
		atexit(hugepages_restore);
	}
	if (write_long(NR_HUGEPAGES, total + n - free_pages)) {
		*why = "cannot write /proc/sys/vm/nr_hugepages (not root?)";
		return -EACCES;
	}
	if (read_long(free_path) < n) {
		*why = "the kernel could not reserve enough huge pages";
		return -ENOMEM;
	}
	return 0;
}
