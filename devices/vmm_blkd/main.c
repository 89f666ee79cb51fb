// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-blkd: a vhost-user-blk backend in a process of its own. It listens
 * on a unix socket and serves one frontend connection after another (our
 * VMM, QEMU, ...) from one disk file, until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/vhost_user_backend.h"
#include "devices/host/seccomp.h"

#define BLKD_VERSION	"0.1"
#define EXIT_USAGE	2

static const char usage[] =
"usage: vmm-blkd --socket PATH --disk FILE[,ro] [--seccomp on|log|off]\n"
"  --socket PATH      unix socket to listen on for vhost-user frontends\n"
"                     (a stale socket file there is replaced)\n"
"  --disk FILE[,ro]   the disk: a file or block device whose size is a\n"
"                     multiple of 512; ro offers and enforces read-only\n"
"  --verbose          name every vhost-user request received on stderr\n"
"  --seccomp MODE     system-call filter once serving (default on): on\n"
"                     exits 159 on a forbidden call, naming it; log lets it\n"
"                     through and logs it (dmesg); off installs none\n"
"  --help, --version\n"
"Frontends are served one at a time until SIGTERM or SIGINT.\n"
"exit status: 0 stopped by a signal, 2 bad usage, disk or socket,\n"
"159 forbidden system call (--seccomp on)\n";

struct options {
	const char *socket;
	char *disk;
	bool read_only;
	bool verbose;
	enum vmm_seccomp_mode seccomp;
};

/* 0, 1 when --help or --version was answered, or -1 (message printed). */
static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "disk", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "seccomp", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char *comma;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'd':
			o->disk = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'S':
			if (vmm_seccomp_parse(optarg, &o->seccomp)) {
				fprintf(stderr, "vmm-blkd: --seccomp: '%s' is not on, log or off\n", optarg);
				return -1;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		case 'V':
			printf("vmm-blkd %s\n", BLKD_VERSION);
			return 1;
		default:
			fprintf(stderr, "vmm-blkd: unknown option or missing value '%s' (see --help)\n",
				argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vmm-blkd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (!o->socket || !o->disk) {
		fprintf(stderr, "vmm-blkd: --socket PATH and --disk FILE are required (see --help)\n");
		return -1;
	}
	comma = strchr(o->disk, ',');
	if (comma) {
		if (strcmp(comma, ",ro")) {
			fprintf(stderr, "vmm-blkd: --disk %s: only ',ro' may follow the file name\n", o->disk);
			return -1;
		}
		*comma = '\0';
		o->read_only = true;
	}
	if (!*o->disk || !*o->socket) {
		fprintf(stderr, "vmm-blkd: --socket and --disk need a path\n");
		return -1;
	}
	return 0;
}

/* Listening socket at path, or -1 with the reason printed. */
static int listen_on(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "vmm-blkd: --socket %s: path too long for a unix socket\n", path);
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			fprintf(stderr, "vmm-blkd: --socket %s: exists and is not a socket\n", path);
			return -1;
		}
		unlink(path);	/* stale, from an earlier run */
	}
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(fd, 1) < 0) {
		fprintf(stderr, "vmm-blkd: --socket %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A signalfd for SIGTERM and SIGINT (blocked), SIGPIPE ignored. */
static int stop_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, timeout_ms) > 0;
}

static void serve(struct vhost_user_backend *b, int lfd, int stop_fd)
{
	char err[256];

	for (;;) {
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { stop_fd, POLLIN, 0 } };
		int conn;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		fprintf(stderr, "vmm-blkd: frontend connected\n");
		if (vhost_user_backend_serve(b, conn, stop_fd, err, sizeof(err)))
			fprintf(stderr, "vmm-blkd: frontend dropped: %s\n", err);
		else if (!readable(stop_fd, 0))
			fprintf(stderr, "vmm-blkd: frontend gone\n");
		close(conn);
	}
}

int main(int argc, char **argv)
{
	struct options o = { .seccomp = VMM_SECCOMP_ON };
	struct vhost_user_backend *b;
	int err, lfd, stop_fd;
	struct signalfd_siginfo si;

	err = parse(argc, argv, &o);
	if (err)
		return err > 0 ? 0 : EXIT_USAGE;
	stop_fd = stop_signals();
	if (stop_fd < 0) {
		fprintf(stderr, "vmm-blkd: signals: %s\n", strerror(errno));
		return EXIT_USAGE;
	}
	err = vhost_user_blk_backend_create(o.disk, o.read_only, &b);
	if (err) {
		fprintf(stderr, "vmm-blkd: --disk %s: %s\n", o.disk,
			err == -EINVAL ? "not a file or block device whose size is a multiple of 512"
				       : strerror(-err));
		return EXIT_USAGE;
	}
	lfd = listen_on(o.socket);
	if (lfd < 0) {
		vhost_user_backend_destroy(b);
		return EXIT_USAGE;
	}
	if (o.verbose)
		vhost_user_backend_trace(b, stderr);
	/* Listening, disk open: from here on only what serving needs. */
	err = vmm_seccomp_configure(o.seccomp, "vmm-blkd");
	if (!err)
		err = vmm_seccomp_install(VMM_SECCOMP_BLKD);
	if (err) {
		fprintf(stderr, "vmm-blkd: seccomp filter: %s\n", strerror(-err));
		close(lfd);
		unlink(o.socket);
		vhost_user_backend_destroy(b);
		return EXIT_USAGE;
	}
	fprintf(stderr, "vmm-blkd: serving %s%s on %s\n", o.disk,
		o.read_only ? " (read-only)" : "", o.socket);
	serve(b, lfd, stop_fd);
	if (read(stop_fd, &si, sizeof(si)) == sizeof(si))
		fprintf(stderr, "vmm-blkd: stopped by %s\n", strsignal((int)si.ssi_signo));
	close(lfd);
	unlink(o.socket);
	vhost_user_backend_destroy(b);
	close(stop_fd);
	return 0;
}
