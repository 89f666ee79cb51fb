// SPDX-License-Identifier: GPL-2.0
/*
 * vhost-user peers that misbehave, on the real /dev/kvm.
 *
 * Our frontend against a scripted bad backend: a forked child of this test
 * that listens on a unix socket in a temporary directory, answers the
 * VMM's requests like a plausible vhost-user-blk backend (VERSION_1 and
 * PROTOCOL_FEATURES; protocol features CONFIG and REPLY_ACK; a 60-byte
 * config space whose capacity is 8 MiB) and misbehaves at one request.
 *
 * At start-up (no guest code runs; the tiny `status` guest is the kernel)
 * — truncated reply then hang-up, wrong payload size, wrong request code,
 * a reply without the REPLY flag, an unasked message, a reply with an fd,
 * with more fds than SCM_RIGHTS allows us, no VERSION_1, silence (the one
 * case that costs VHOST_USER_REPLY_TIMEOUT_MS), and hang-up at each step
 * of the negotiation: the VMM exits 2 with exactly one line on stderr,
 * "vmm: --vhost-user-blk socket=PATH: <what went wrong> at <REQUEST>".
 *
 * After the guest drives the devices — ONE boot of the Linux test kernel
 * (`make test-kernel`, about 21 s on PVM hosts) with six disks:
 *   vda  vmm-blkd ($VMM_BLKD), well-behaved: the control
 *   vdb  NACKs SET_MEM_TABLE (REPLY_ACK answer 1)
 *   vdc  sends garbage instead of the ack of SET_FEATURES
 *   vdd  hangs up on receiving SET_VRING_KICK
 *   vde  acks SET_VRING_ADDR with 9 fds attached
 *   vdf  takes the whole hand-over, waits for the guest's first kick
 *        (a request in flight) and hangs up
 * Every bad disk: one "vmm: vhost-user-blk socket=PATH: backend lost
 * (...)" line, the guest sees I/O errors instead of its partition table,
 * and vda still shows " vda: vda1". No root file system is given, so the
 * kernel panics and the VMM ends with the guest's status, 3.
 *
 * vmm-blkd against bad frontends (no boot): a truncated message, a
 * message with 9 fds, a memory table cut off with its fd in flight, a
 * message stalled half-way (vmm-blkd's 5 s socket timeout) — one
 * "vmm-blkd: frontend dropped: ..." line each, the process alive, none of
 * the fds it was sent still open — and then a good frontend (the VMM's
 * own frontend code, linked in) negotiates and reads the right capacity.
 *
 * Everything started is killed at the end (also on SIGINT, SIGTERM,
 * SIGHUP, SIGQUIT), and the temporary directory removed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/host/unix_fds.h"
#include "devices/vhost_user.h"
#include "devices/vhost_user_frontend.h"
#include "memory/guest_memory.h"
#include "memory/sharing.h"
#include "tests/helpers.h"

#define F_VERSION_1	(1ULL << 32)
#define F_PROTOCOL	(1ULL << VHOST_USER_F_PROTOCOL_FEATURES)
#define PEER_PROTOCOL	((1ULL << VHOST_USER_PROTOCOL_F_CONFIG) | \
			 (1ULL << VHOST_USER_PROTOCOL_F_REPLY_ACK))
#define PEER_SECTORS	16384ULL	/* 8 MiB */
#define BLK_CONFIG_LEN	60
#define BOOT_TIMEOUT	360
#define BLKD_MIB	12

enum misdeed {
	HANG_UP,	/* close the connection on receiving the request */
	TRUNCATED,	/* half a reply, then hang up */
	WRONG_SIZE,	/* a reply whose size does not fit the request */
	WRONG_REQUEST,	/* a reply to another request */
	NOT_A_REPLY,	/* the right answer without the REPLY flag */
	UNASKED,	/* a reply to a request that asked for none */
	WITH_FD,	/* the right reply with an fd attached */
	TOO_MANY_FDS,	/* the right reply with 9 fds */
	NO_VERSION_1,	/* features without VIRTIO_F_VERSION_1 */
	SILENT,		/* no answer, connection kept */
	NACK,		/* REPLY_ACK answered with 1 */
	GARBAGE,	/* bytes that are no vhost-user message */
	HANG_UP_ON_KICK, /* all handed over; hang up at the guest's first kick */
};

struct script {
	const char *name;
	uint32_t at;		/* request to misbehave at */
	enum misdeed what;
	const char *want;	/* in the VMM's line; NULL: see the boot case */
};

static const struct script startup[] = {
	{ "hang-up at SET_OWNER", VHOST_USER_SET_OWNER, HANG_UP,
	  "the backend closed the connection at GET_FEATURES" },
	{ "hang-up at GET_FEATURES", VHOST_USER_GET_FEATURES, HANG_UP,
	  "the backend closed the connection at GET_FEATURES" },
	{ "hang-up at GET_PROTOCOL_FEATURES", VHOST_USER_GET_PROTOCOL_FEATURES, HANG_UP,
	  "the backend closed the connection at GET_PROTOCOL_FEATURES" },
	/* not acked before REPLY_ACK is agreed: seen at the next request */
	{ "hang-up at SET_PROTOCOL_FEATURES", VHOST_USER_SET_PROTOCOL_FEATURES, HANG_UP,
	  "the backend closed the connection at GET_CONFIG" },
	{ "hang-up at GET_CONFIG", VHOST_USER_GET_CONFIG, HANG_UP,
	  "the backend closed the connection at GET_CONFIG" },
	{ "truncated GET_FEATURES reply", VHOST_USER_GET_FEATURES, TRUNCATED,
	  "the backend broke the vhost-user protocol at GET_FEATURES" },
	{ "wrong size of GET_FEATURES", VHOST_USER_GET_FEATURES, WRONG_SIZE,
	  "the backend broke the vhost-user protocol at GET_FEATURES" },
	{ "wrong size of GET_CONFIG", VHOST_USER_GET_CONFIG, WRONG_SIZE,
	  "the backend broke the vhost-user protocol at GET_CONFIG" },
	{ "wrong request for GET_PROTOCOL_FEATURES", VHOST_USER_GET_PROTOCOL_FEATURES,
	  WRONG_REQUEST, "the backend broke the vhost-user protocol at GET_PROTOCOL_FEATURES" },
	{ "GET_FEATURES without REPLY flag", VHOST_USER_GET_FEATURES, NOT_A_REPLY,
	  "the backend broke the vhost-user protocol at GET_FEATURES" },
	{ "unasked reply to SET_OWNER", VHOST_USER_SET_OWNER, UNASKED,
	  "the backend broke the vhost-user protocol at GET_FEATURES" },
	{ "GET_CONFIG reply with an fd", VHOST_USER_GET_CONFIG, WITH_FD,
	  "the backend broke the vhost-user protocol at GET_CONFIG" },
	{ "GET_FEATURES reply with 9 fds", VHOST_USER_GET_FEATURES, TOO_MANY_FDS,
	  "the backend broke the vhost-user protocol at GET_FEATURES" },
	{ "features without VERSION_1", VHOST_USER_GET_FEATURES, NO_VERSION_1,
	  "the backend lacks VIRTIO_F_VERSION_1" },
	{ "silence at GET_FEATURES", VHOST_USER_GET_FEATURES, SILENT,
	  "the backend did not answer at GET_FEATURES" },
};

/* The boot: vda is vmm-blkd, then one bad peer per entry. */
static const struct script at_driver_ok[] = {
	{ "NACK of SET_MEM_TABLE", VHOST_USER_SET_MEM_TABLE, NACK, "Input/output error" },
	{ "garbage for SET_FEATURES", VHOST_USER_SET_FEATURES, GARBAGE, "Protocol error" },
	{ "hang-up at SET_VRING_KICK", VHOST_USER_SET_VRING_KICK, HANG_UP, "Connection reset" },
	{ "SET_VRING_ADDR ack with 9 fds", VHOST_USER_SET_VRING_ADDR, TOO_MANY_FDS, "Protocol error" },
	{ "hang-up at the first kick", VHOST_USER_SET_VRING_ENABLE, HANG_UP_ON_KICK,
	  "Connection reset" },
};
#define NR_BAD ARRAY_SIZE(at_driver_ok)

static char tmpdir[] = "/tmp/vmm-bad-backend.XXXXXX";
static const char *blkd_bin;
static char skip_blkd[200];

static struct {
	bool ran;
	int status;
	double seconds;
	bool blkd_alive;
	struct text console, err, blkd_log;
} boot;

static const char *tmp_path(const char *name)
{
	return path_in(tmpdir, name);
}

/* ---- the scripted peer ---- */

/* header + payload as raw bytes (len of them), with nr_fds eventfds. */
static void send_raw(int sock, const void *buf, size_t len, unsigned int nr_fds)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	int fds[UNIX_SEND_MAX_FDS] = { 0 };
	unsigned int i;
	long n;

	for (i = 0; i < nr_fds; i++)
		fds[i] = eventfd(0, EFD_CLOEXEC);
	n = unix_send_fds(sock, &iov, 1, fds, nr_fds);
	if (n < 0)
		dprintf(2, "peer: sendmsg: %s\n", strerror((int)-n));
	for (i = 0; i < nr_fds; i++)
		close(fds[i]);
}

/* What a good backend answers (nothing for a set without NEED_REPLY). */
static bool good_answer(const struct vhost_user_msg *m, struct vhost_user_msg *r)
{
	*r = (struct vhost_user_msg){ .request = m->request,
		.flags = VHOST_USER_VERSION | VHOST_USER_REPLY, .size = 8 };
	switch (m->request) {
	case VHOST_USER_GET_FEATURES:
		r->payload.u64 = F_VERSION_1 | F_PROTOCOL;
		return true;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		r->payload.u64 = PEER_PROTOCOL;
		return true;
	case VHOST_USER_GET_QUEUE_NUM:
		r->payload.u64 = 1;
		return true;
	case VHOST_USER_GET_VRING_BASE:
		r->size = sizeof(r->payload.state);
		r->payload.state = (struct vhost_user_vring_state){ .index = m->payload.state.index };
		return true;
	case VHOST_USER_GET_CONFIG:
		r->payload.config = (struct vhost_user_config){ .size = m->payload.config.size };
		if (r->payload.config.size > BLK_CONFIG_LEN)
			r->payload.config.size = BLK_CONFIG_LEN;
		memcpy(r->payload.config.payload, &(uint64_t){ PEER_SECTORS }, 8);
		r->size = VHOST_USER_CONFIG_HDR + r->payload.config.size;
		return true;
	default:
		return m->flags & VHOST_USER_NEED_REPLY;	/* u64 0: done */
	}
}

/* Reads (and drops) until the frontend closes; never answers. */
static void wait_for_eof(int sock)
{
	char buf[512];

	while (read(sock, buf, sizeof(buf)) > 0)
		;
}

/* Runs in the child: serves one connection the way s says; exits. */
static void peer(int lfd, const struct script *s)
{
	int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), kick = -1;
	struct vhost_user_msg m, r;

	close(lfd);
	if (conn < 0)
		_exit(1);
	for (;;) {
		int fds[VHOST_USER_MAX_FDS];
		unsigned int nr = 0, i;
		bool answer;
		char raw[12 + sizeof(r.payload)];

		if (vhost_user_recv(conn, &m, fds, VHOST_USER_MAX_FDS, &nr))
			_exit(0);	/* the frontend is gone */
		for (i = 0; i < nr; i++) {
			if (m.request == VHOST_USER_SET_VRING_KICK && kick < 0)
				kick = fds[i];
			else
				close(fds[i]);
		}
		answer = good_answer(&m, &r);
		if (m.request != s->at) {
			if (answer)
				vhost_user_send(conn, &r, NULL, 0);
			continue;
		}
		memcpy(raw, &r, 12);
		memcpy(raw + 12, &r.payload, r.size);
		switch (s->what) {
		case HANG_UP:
			_exit(0);
		case TRUNCATED:
			send_raw(conn, raw, 12 + r.size / 2, 0);
			_exit(0);
		case WRONG_SIZE:
			r.size = m.request == VHOST_USER_GET_CONFIG ? r.size - 8 : 4;
			vhost_user_send(conn, &r, NULL, 0);
			break;
		case WRONG_REQUEST:
			r.request = VHOST_USER_GET_FEATURES;
			vhost_user_send(conn, &r, NULL, 0);
			break;
		case NOT_A_REPLY:
			r.flags = VHOST_USER_VERSION;
			vhost_user_send(conn, &r, NULL, 0);
			break;
		case UNASKED:
			r.payload.u64 = 0;
			vhost_user_send(conn, &r, NULL, 0);
			continue;	/* and go on as if nothing happened */
		case WITH_FD:
			send_raw(conn, raw, 12 + r.size, 1);
			break;
		case TOO_MANY_FDS:
			send_raw(conn, raw, 12 + r.size, VHOST_USER_MAX_FDS + 1);
			break;
		case NO_VERSION_1:
			r.payload.u64 = F_PROTOCOL;
			vhost_user_send(conn, &r, NULL, 0);
			continue;
		case SILENT:
			break;
		case NACK:
			r.payload.u64 = 1;
			vhost_user_send(conn, &r, NULL, 0);
			break;
		case GARBAGE:
			memset(raw, 0xa5, 40);
			send_raw(conn, raw, 40, 0);
			break;
		case HANG_UP_ON_KICK: {
			struct pollfd p = { .fd = kick, .events = POLLIN };

			if (answer)
				vhost_user_send(conn, &r, NULL, 0);
			/* the guest's first request sits in the ring now */
			if (kick >= 0)
				poll(&p, 1, BOOT_TIMEOUT * 1000);
			_exit(0);
		}
		}
		wait_for_eof(conn);
		_exit(0);
	}
}

/* A listening socket at path and a child serving it as s says. */
static pid_t start_peer(const char *path, const struct script *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4)) {
		if (lfd >= 0)
			close(lfd);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		alarm(BOOT_TIMEOUT + 60);	/* never outlive the test */
		peer(lfd, s);
	}
	close(lfd);
	if (pid > 0)
		procs_track(pid);
	return pid;
}

/* Reaps a peer, killing it if it still runs; its status as wait_cmd. */
static int reap_peer(pid_t pid, double timeout_s)
{
	int st = wait_cmd(pid, timeout_s);

	procs_untrack(pid);
	return st;
}

/* ---- start-up cases ---- */

START_TEST(startup_misbehaviour)
{
	const struct script *s = &startup[_i];
	char sock[300], dev[400], want[800];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("status"),
		"--memory", "64M", "--vhost-user-blk", dev, "--timeout", "30", NULL };
	struct run_result res;
	pid_t peer_pid;
	int peer_status;

	snprintf(sock, sizeof(sock), "%s/startup-%d.sock", tmpdir, _i);
	snprintf(dev, sizeof(dev), "socket=%s", sock);
	peer_pid = start_peer(sock, s);
	ck_assert_msg(peer_pid > 0, "%s: cannot start the peer", s->name);
	ck_assert_int_eq(run_cmd(argv, 60, &res), 0);
	/* the VMM is gone: the peer sees EOF and ends by itself */
	peer_status = reap_peer(peer_pid, 5);
	printf("bad backend: %-40s exit %d after %.1f s: %s", s->name, res.status, res.seconds,
	       res.err);
	ck_assert_msg(res.status == 2, "%s: exit %d after %.1f s: %s", s->name, res.status,
		      res.seconds, text_tail(res.err, 2000));
	ck_assert_msg(count_lines(res.err) == 1, "%s: %s", s->name, res.err);
	snprintf(want, sizeof(want), "vmm: --vhost-user-blk socket=%s: %s", sock, s->want);
	ck_assert_msg(!strncmp(res.err, want, strlen(want)), "%s: want '%s', got: %s", s->name,
		      want, res.err);
	ck_assert_msg(!strstr(res.out, "status:"), "%s: the guest ran: %s", s->name, res.out);
	ck_assert_msg(res.seconds < VHOST_USER_REPLY_TIMEOUT_MS / 1000 + 10, "%s: %.1f s", s->name,
		      res.seconds);
	ck_assert_msg(peer_status == 0, "%s: the peer ended with %d", s->name, peer_status);
	assert_clean_stderr(res.err);
}
END_TEST

/* ---- the boot ---- */

/*
 * Starts argv with stdout (if out) and stderr on pipes, in its own process
 * group, killed when this process ends however it ends (a failed check
 * case exits without our clean-up).
 */
static pid_t start_text(char *const argv[], struct text *out, struct text *err)
{
	int o[2] = { -1, -1 }, e[2];
	pid_t pid;

	if (out)
		out->len = 0, out->buf[0] = '\0', out->fd = -1;
	err->len = 0, err->buf[0] = '\0', err->fd = -1;
	if ((out && pipe2(o, O_CLOEXEC)) || pipe2(e, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 0);
		dup2(out ? o[1] : null, 1);
		dup2(e[1], 2);
		setpgid(0, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	if (out) {
		close(o[1]);
		out->fd = o[0];
	}
	close(e[1]);
	err->fd = e[0];
	if (pid > 0)
		procs_track(pid);
	return pid;
}

static void boot_with_bad_backends(void)
{
	char devs[NR_BAD + 1][400];
	char *argv[40] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--memory", "256M", "--timeout", "360", "--cmdline", "console=ttyS0 panic=-1" };
	char *blkd_argv[] = { (char *)blkd_bin, "--socket", (char *)tmp_path("good.sock"),
		"--disk", (char *)tmp_path("good.img"), NULL };
	struct text *texts[] = { &boot.console, &boot.err, &boot.blkd_log };
	pid_t peers[NR_BAD], blkd, vmm;
	int argc = 9, st;
	unsigned int i;
	double start_at;

	boot.ran = true;
	boot.status = -2;
	blkd = start_text(blkd_argv, NULL, &boot.blkd_log);
	if (blkd < 0 || !wait_unix_socket(tmp_path("good.sock"), true, 20)) {
		printf("bad backend boot: vmm-blkd does not listen\n");
		return;
	}
	snprintf(devs[0], sizeof(devs[0]), "socket=%s", tmp_path("good.sock"));
	argv[argc++] = "--vhost-user-blk";
	argv[argc++] = devs[0];
	for (i = 0; i < NR_BAD; i++) {
		char name[32];

		snprintf(name, sizeof(name), "bad%u.sock", i);
		peers[i] = start_peer(tmp_path(name), &at_driver_ok[i]);
		if (peers[i] < 0) {
			printf("bad backend boot: cannot start peer %u\n", i);
			return;
		}
		snprintf(devs[i + 1], sizeof(devs[0]), "socket=%s", tmp_path(name));
		argv[argc++] = "--vhost-user-blk";
		argv[argc++] = devs[i + 1];
	}
	argv[argc] = NULL;
	start_at = monotonic_seconds();
	vmm = start_text(argv, &boot.console, &boot.err);
	if (vmm < 0)
		return;
	for (;;) {
		text_pump(texts, 3, 0.2);
		if (waitpid(vmm, &st, WNOHANG) == vmm) {
			boot.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
			procs_untrack(vmm);
			break;
		}
		if (monotonic_seconds() > start_at + BOOT_TIMEOUT + 40) {
			boot.status = stop_cmd(vmm, 1);
			procs_untrack(vmm);
			printf("bad backend boot: the VMM ran past its own --timeout; killed\n");
			break;
		}
	}
	boot.seconds = monotonic_seconds() - start_at;
	while (boot.console.fd >= 0 || boot.err.fd >= 0)
		text_pump(texts, 2, 1);
	for (i = 0; i < NR_BAD; i++)
		reap_peer(peers[i], 5);
	boot.blkd_alive = waitpid(blkd, &st, WNOHANG) == 0;
	stop_cmd(blkd, 10);
	procs_untrack(blkd);
	text_pump(texts + 2, 1, 0.5);
	printf("bad backend boot: exit %d after %.1f s\n", boot.status, boot.seconds);
	fflush(stdout);
}

static void need_boot(void)
{
	ck_assert_msg(boot.ran && boot.status != -2, "the boot did not run: %s",
		      text_tail(boot.blkd_log.buf, 1000));
}

START_TEST(each_bad_backend_fails_its_device)
{
	const struct script *s = &at_driver_ok[_i];
	char vd[8], sock[400], io[64], part[64], line[1024] = "";
	const char *p;
	size_t len;
	int lines = 0;

	if (skip_blkd[0]) {
		printf("SKIP bad backends after DRIVER_OK: %s\n", skip_blkd);
		return;
	}
	need_boot();
	snprintf(vd, sizeof(vd), "vd%c", 'b' + _i);
	snprintf(sock, sizeof(sock), "socket=%s/bad%d.sock:", tmpdir, _i);
	for (p = boot.err.buf; *p; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if (memmem(p, len, sock, strlen(sock))) {
			lines++;
			snprintf(line, sizeof(line), "%.*s", (int)len, p);
		}
	}
	ck_assert_msg(lines == 1, "%s (%s): %d lines name it: %s", s->name, vd, lines,
		      text_tail(boot.err.buf, 3000));
	ck_assert_msg(strstr(line, "vmm: vhost-user-blk ") && strstr(line, "backend lost (") &&
		      strstr(line, s->want), "%s: want 'backend lost (%s', got: %s", s->name,
		      s->want, line);
	/* the guest saw its reads fail, not a partition table */
	snprintf(io, sizeof(io), "I/O error, dev %s", vd);
	snprintf(part, sizeof(part), "%s: unable to read partition table", vd);
	ck_assert_msg(strstr(boot.console.buf, io) || strstr(boot.console.buf, part),
		      "%s (%s): no '%s' or '%s': %s", s->name, vd, io, part,
		      text_tail(boot.console.buf, 4000));
	snprintf(part, sizeof(part), " %s: %s1", vd, vd);
	ck_assert_msg(!strstr(boot.console.buf, part), "%s: %s", s->name,
		      text_tail(boot.console.buf, 3000));
}
END_TEST

START_TEST(good_backend_unaffected_and_guest_status_kept)
{
	char want[64];

	if (skip_blkd[0]) {
		printf("SKIP bad backends after DRIVER_OK: %s\n", skip_blkd);
		return;
	}
	need_boot();
	snprintf(want, sizeof(want), "[vda] %d 512-byte logical blocks", BLKD_MIB * 2048);
	ck_assert_msg(strstr(boot.console.buf, want), "no '%s': %s", want,
		      text_tail(boot.console.buf, 3000));
	ck_assert_msg(strstr(boot.console.buf, " vda: vda1"), "%s", text_tail(boot.console.buf, 3000));
	ck_assert_msg(boot.blkd_alive, "vmm-blkd ended during the boot: %s", boot.blkd_log.buf);
	/* no root file system: the kernel panics, pvpanic ends the VMM with 3 */
	ck_assert_msg(strstr(boot.console.buf, "Kernel panic"), "%s", text_tail(boot.console.buf, 3000));
	ck_assert_msg(boot.status == 3, "exit %d after %.1f s: %s", boot.status, boot.seconds,
		      text_tail(boot.err.buf, 2000));
	ck_assert_msg(strstr(boot.err.buf, "vmm: exit 3"), "%s", text_tail(boot.err.buf, 2000));
	ck_assert_msg(!strstr(boot.err.buf, "good.sock"), "%s", text_tail(boot.err.buf, 2000));
	assert_clean_stderr(boot.err.buf);
}
END_TEST

/* ---- vmm-blkd against bad frontends ---- */

static int connect_to(const char *path)
{
	int fd = vhost_user_connect(path);

	ck_assert_msg(fd >= 0, "connect %s: %s", path, strerror(-fd));
	return fd;
}

/* Waits until vmm-blkd's log has n lines containing needle; the log. */
static bool log_has(struct text *log, const char *needle, int n, double timeout_s)
{
	double until = monotonic_seconds() + timeout_s;
	struct text *texts[] = { log };

	for (;;) {
		const char *p = log->buf;
		int k = 0;

		while ((p = strstr(p, needle))) {
			k++;
			p++;
		}
		if (k >= n)
			return true;
		if (monotonic_seconds() > until || log->fd < 0)
			return false;
		text_pump(texts, 1, 0.2);
	}
}

static void send_msg(int sock, uint32_t request, uint32_t size, const void *payload)
{
	struct vhost_user_msg m = { .request = request, .flags = VHOST_USER_VERSION, .size = size };

	if (size)
		memcpy(&m.payload, payload, size);
	ck_assert_int_eq(vhost_user_send(sock, &m, NULL, 0), 0);
}

/* No memfd or eventfd left in vmm-blkd: what it was sent is closed. */
static void assert_nothing_kept(pid_t pid, const char *after)
{
	struct proc_fd fds[64];
	double until = monotonic_seconds() + 5;
	int n;

	/* it logs the drop, then closes the connection */
	while ((n = proc_fds(pid, fds, 64)) > 0 && proc_fds_count(fds, n, "socket:") > 1 &&
	       monotonic_seconds() < until)
		usleep(20000);
	ck_assert_msg(n > 0, "/proc/%d/fd: %s", (int)pid, strerror(-n));
	ck_assert_msg(!proc_fds_count(fds, n, "/memfd:") &&
		      !proc_fds_count(fds, n, "anon_inode:[eventfd]"),
		      "vmm-blkd kept an fd after %s", after);
	/* listening socket only: the bad connection is closed */
	ck_assert_msg(proc_fds_count(fds, n, "socket:") == 1, "after %s: %d sockets", after,
		      proc_fds_count(fds, n, "socket:"));
}

START_TEST(vmm_blkd_survives_bad_frontends)
{
	char *argv[] = { (char *)blkd_bin, "--socket", (char *)tmp_path("blkd.sock"),
		"--disk", (char *)tmp_path("good.img"), NULL };
	static struct text log;
	static const struct guest_range layout[] = { { 0, 2 * MiB }, { 4 * GiB, 2 * MiB } };
	struct guest_memory_config cfg = { .size = 4 * MiB, .backend = GUEST_MEMORY_MEMFD };
	struct guest_memory *mem;
	struct guest_memory_sharing *sharing;
	struct vhost_user_frontend *fe;
	struct vhost_user_msg m = { .request = VHOST_USER_SET_VRING_NUM,
		.flags = VHOST_USER_VERSION, .size = 8 };
	const char *request = NULL;
	uint8_t config[BLK_CONFIG_LEN];
	uint64_t sectors;
	char raw[64];
	pid_t pid;
	int s, st;

	if (skip_blkd[0]) {
		printf("SKIP vmm_blkd_survives_bad_frontends: %s\n", skip_blkd);
		return;
	}
	pid = start_text(argv, NULL, &log);
	ck_assert_msg(pid > 0 && wait_unix_socket(tmp_path("blkd.sock"), true, 20), "%s", log.buf);

	/* 1: a header that promises 8 bytes, 4 of them, then the end */
	s = connect_to(tmp_path("blkd.sock"));
	memcpy(raw, &m, 12);
	ck_assert_int_eq(send(s, raw, 16, 0), 16);
	close(s);
	ck_assert_msg(log_has(&log, "frontend dropped: a truncated message", 1, 10), "%s", log.buf);

	/* 2: SET_VRING_CALL with 9 eventfds */
	s = connect_to(tmp_path("blkd.sock"));
	m = (struct vhost_user_msg){ .request = VHOST_USER_SET_VRING_CALL,
		.flags = VHOST_USER_VERSION, .size = 8 };
	memcpy(raw, &m, 20);
	send_raw(s, raw, 20, VHOST_USER_MAX_FDS + 1);
	ck_assert_msg(log_has(&log, "frontend dropped: a message with more than 8 fds", 1, 10), "%s",
		      log.buf);
	ck_assert_int_le(read(s, raw, 1), 0);	/* it hung up on us */
	close(s);
	assert_nothing_kept(pid, "9 fds");

	/* 3: negotiation begun, then a memory table cut off with its fd sent */
	s = connect_to(tmp_path("blkd.sock"));
	send_msg(s, VHOST_USER_SET_OWNER, 0, NULL);
	send_msg(s, VHOST_USER_GET_FEATURES, 0, NULL);
	ck_assert_int_eq(vhost_user_recv(s, &m, NULL, 0, &(unsigned int){ 0 }), 0);
	ck_assert(m.payload.u64 & F_VERSION_1);
	m = (struct vhost_user_msg){ .request = VHOST_USER_SET_MEM_TABLE,
		.flags = VHOST_USER_VERSION, .size = 8 + 32 };
	m.payload.memory.nregions = 1;
	memcpy(raw, &m, 12 + 8 + 8);
	send_raw(s, raw, 12 + 8 + 8, 1);
	close(s);
	ck_assert_msg(log_has(&log, "frontend dropped: a truncated message", 2, 10), "%s", log.buf);
	assert_nothing_kept(pid, "a truncated memory table");

	/* 4: half a header, and then nothing: its 5 s socket timeout */
	s = connect_to(tmp_path("blkd.sock"));
	ck_assert_int_eq(send(s, raw, 6, 0), 6);
	ck_assert_msg(log_has(&log, "frontend dropped: the frontend stopped in the middle of a message",
			      1, 15), "%s", log.buf);
	ck_assert_int_le(read(s, raw, 1), 0);
	close(s);
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);	/* still running */

	/* 5: a good frontend: ours */
	ck_assert_int_eq(guest_memory_create(&cfg, layout, 2, &mem), 0);
	ck_assert_int_eq(guest_memory_sharing_get(mem, &sharing), 0);
	ck_assert_int_eq(vhost_user_frontend_open(connect_to(tmp_path("blkd.sock")), sharing, &fe,
						  &request), 0);
	ck_assert_int_eq(vhost_user_frontend_get_config(fe, config, sizeof(config)), 0);
	memcpy(&sectors, config, 8);
	ck_assert_uint_eq(sectors, BLKD_MIB * 2048);
	vhost_user_frontend_close(fe);
	guest_memory_sharing_put(sharing);
	guest_memory_destroy(mem);
	ck_assert_msg(log_has(&log, "vmm-blkd: frontend gone", 1, 10), "%s", log.buf);
	ck_assert_msg(log_has(&log, "frontend connected", 5, 1), "%s", log.buf);
	ck_assert_int_eq(waitpid(pid, &st, WNOHANG), 0);
	st = stop_cmd(pid, 10);
	procs_untrack(pid);
	ck_assert_msg(st == 0, "vmm-blkd ended with %d: %s", st, log.buf);
	/* four bad frontends, four lines; nothing else went wrong */
	ck_assert_msg(log_has(&log, "frontend dropped:", 4, 1) && !log_has(&log, "frontend dropped:", 5, 0),
		      "%s", log.buf);
	assert_clean_stderr(log.buf);
}
END_TEST

static void find_blkd(void)
{
	const char *b = getenv("VMM_BLKD");

	blkd_bin = b ? b : "build/vmm-blkd";
	if (access(blkd_bin, X_OK))
		snprintf(skip_blkd, sizeof(skip_blkd), "no vmm-blkd at %s ($VMM_BLKD): %s", blkd_bin,
			 strerror(errno));
}

int main(void)
{
	Suite *s = suite_create("bad_backend");
	TCase *start_tc = tcase_create("startup"), *boot_tc = tcase_create("driver_ok");
	TCase *blkd_tc = tcase_create("vmm_blkd");
	char cmd[600];

	if (!kvm_usable("bad_backend") || !linux_guest_present("bad_backend"))
		return 1;
	cleanup_hook(NULL);
	sigpipe_to_epipe();
	if (!make_tmpdir(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(cmd, sizeof(cmd), "sh guests/linux/make-mbr-disk.sh %s %d", tmp_path("good.img"),
		 BLKD_MIB);
	if (system(cmd)) {
		printf("FAIL bad_backend suite: cannot make %s\n", tmp_path("good.img"));
		return 1;
	}
	find_blkd();
	if (!skip_blkd[0])
		boot_with_bad_backends();
	check_set_max_msg_size(16384);

	tcase_set_timeout(start_tc, 60);
	tcase_add_loop_test(start_tc, startup_misbehaviour, 0, ARRAY_SIZE(startup));
	suite_add_tcase(s, start_tc);
	tcase_set_timeout(boot_tc, 30);
	tcase_add_loop_test(boot_tc, each_bad_backend_fails_its_device, 0, NR_BAD);
	tcase_add_test(boot_tc, good_backend_unaffected_and_guest_status_kept);
	suite_add_tcase(s, boot_tc);
	tcase_set_timeout(blkd_tc, 90);
	tcase_add_test(blkd_tc, vmm_blkd_survives_bad_frontends);
	suite_add_tcase(s, blkd_tc);
	return run_suite(s);
}
