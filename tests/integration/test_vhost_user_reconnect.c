// SPDX-License-Identifier: GPL-2.0
/*
 * A vhost-user backend that dies under a running guest and comes back
 * (`reconnect=SECONDS`), with the Linux test kernel and initramfs (`make
 * test-kernel`) on the real /dev/kvm. Four boots:
 *
 * crash: vmm-blkd ($VMM_BLKD) serves a DISK_MIB disk; the guest runs
 *   `testinit.pattern=` on it (rounds of writing every 4 KiB block with
 *   its round, number and checksum, then reading all back and checking,
 *   O_DIRECT); the VMM has `--vhost-user-blk socket=S,reconnect=30`.
 *   While the rounds run, the test kills vmm-blkd with SIGKILL KILLS
 *   times, each after a random delay (from a seed it prints: set
 *   RECONNECT_SEED to replay a run) counted from the VMM's "backend back"
 *   line of the kill before, and restarts it at once on the same socket
 *   (its "serving" line). After the last "back" and two more pattern
 *   rounds, a line on the console ends the rounds; the guest checks the
 *   disk once more and powers off. Asserted: no I/O error and no mismatch
 *   in any round, the final check passed, exactly KILLS "backend lost" and
 *   KILLS "backend back" lines (none saying the backend keeps no in-flight
 *   record: vmm-blkd keeps one) and no "did not come back", exit 0.
 *
 * gone: the same with reconnect=2 and one kill, no restart. Asserted: one
 *   "backend lost" line, then one "did not come back within 2 s" line no
 *   sooner than 2 s after the kill, no "backend back"; the guest's rounds
 *   see I/O errors and its final check fails, yet it reaches its end and
 *   powers off: the VMM exits 0.
 *
 * qsd: qemu-storage-daemon as the backend. The test asks it for its
 *   protocol features. With INFLIGHT_SHMFD it gets the crash boot with
 *   QSD_KILLS kills. Without, the kill/restart is not run (a SKIP line
 *   says so): qemu-storage-daemon completes requests out of order (its
 *   coroutines finish as their I/O does), so after a kill neither the
 *   used ring's index nor anything else tells which requests it took
 *   finished; a restart would lose some and could complete others twice,
 *   and the pattern's mismatches would measure the backend, not the VMM.
 *
 * net: dpdk-testpmd's net_vhost (rxonly) on `--vhost-user-net
 *   socket=S,mac=MAC,reconnect=30`; the guest (static ip=) sends a UDP
 *   broadcast every 20 ms (`testinit.udp=`). Once testpmd has counted
 *   more than 20 packets it is killed and restarted on the same socket:
 *   one "backend lost", one "backend back", and from a second after the
 *   "back" line on (what the rings held during the gap is through by then)
 *   the new testpmd's RX count grows: traffic flows again. What the gap
 *   cost is printed, not asserted: the guest's sends that could not be
 *   queued (none when the gap is shorter than its queues last) against
 *   what both testpmds counted. A console line ends the sending; the guest
 *   powers off, exit 0.
 *
 * RECONNECT_BOOTS=crash,gone,qsd,net runs only the boots it names (the
 * others' checks print SKIP). A peer that is not installed is left out
 * with a SKIP line; everything
 * started is killed at the end (also on SIGINT, SIGTERM, SIGHUP, SIGQUIT)
 * and the temporary directory removed.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/vhost_user.h"
#include "tests/helpers.h"

#define KILLS		20
#define QSD_KILLS	5
#define DISK_MIB	2		/* a round writes and reads it all */
#define RECONNECT	30		/* reconnect= of the surviving cases */
#define GONE_RECONNECT	2		/* reconnect= of the case that fails */
#define MAX_DELAY	2.0		/* most seconds from a "back" to the next kill */
#define PATTERN_BOUND	600		/* testinit.pattern=: ended sooner by us */
#define BOOT_TIMEOUT	600		/* the VMM's --timeout */
#define PEER_START_S	30
#define NET_MAC		"52:54:00:12:34:58"
#define GUEST_IP	"ip=10.0.2.15::10.0.2.2:255.255.255.0::eth0:off"

enum peer { BLKD, QSD, TESTPMD };

/* One boot, with what the checks need. */
struct boot {
	const char *name;
	bool ran, reaped;
	int status, kills, lost, back, gone;
	double seconds, gone_after;	/* gone: kill to "did not come back" */
	unsigned long long rx_before, rx_at_back, rx_after;
	char why[300];			/* the boot could not do its part */
	struct text console, err, peer, peer_out;
};

static char tmpdir[] = "/tmp/vmm-reconnect.XXXXXX";
static const char *blkd_bin, *qsd_bin, *testpmd_bin;
static char skip_qsd[400], skip_net[200];
static unsigned long long seed, rng;
static struct boot crash, gone, qsd, net;

static double random_delay(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return MAX_DELAY * (double)(rng % 1000 + 1) / 1000;
}

static int count(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)); s += strlen(needle))
		n++;
	return n;
}

/*
 * The number of the last "pattern round N" line in s, or 0 (the oldest
 * output may have been dropped: a count of lines would shrink).
 */
static int last_round(const char *s)
{
	const char *p, *last = NULL;
	int round = 0;

	for (p = s; (p = strstr(p, "TEST-INIT: pattern round ")); p++)
		last = p;
	if (last)
		sscanf(last, "TEST-INIT: pattern round %d", &round);
	return round;
}

/* The line of s holding needle, without its '\n', or "". */
static const char *line_with(const char *s, const char *needle)
{
	static char line[512];
	const char *p = strstr(s, needle);

	line[0] = '\0';
	if (p) {
		while (p > s && p[-1] != '\n')
			p--;
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	}
	return line;
}

static void reset_text(struct text *t)
{
	t->len = 0;
	t->buf[0] = '\0';
	t->fd = -1;
}

/* One peer on sock: its stderr into b->peer, testpmd's stdout into b->peer_out. */
static pid_t start_peer(enum peer kind, struct boot *b, const char *sock, int *in_fd)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char file[600], exp[600], runtime[480], lcores[64], vdev[600];
	char *blkd[] = { (char *)blkd_bin, "--socket", (char *)sock, "--disk",
		(char *)path_in(tmpdir, "blkd.img"), NULL };
	char *qsd_argv[] = { (char *)qsd_bin, "--blockdev", file,
		"--blockdev", "driver=raw,node-name=disk0,file=file0", "--export", exp, NULL };
	char *testpmd[] = { "/usr/bin/env", runtime, "stdbuf", "-oL", (char *)testpmd_bin,
		"--lcores", lcores, "--no-pci", "--no-huge", "-m", "64", "--no-shconf",
		"--no-telemetry", "--vdev", vdev, "--", "-i", "--total-num-mbufs=2048", NULL };
	char *const *argv = kind == BLKD ? blkd : kind == QSD ? qsd_argv : testpmd;
	pid_t pid;

	snprintf(file, sizeof(file), "driver=file,node-name=file0,filename=%s",
		 path_in(tmpdir, "qsd.img"));
	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=%s,writable=on",
		 sock);
	snprintf(runtime, sizeof(runtime), "XDG_RUNTIME_DIR=%s", tmpdir);
	snprintf(lcores, sizeof(lcores), cpus > 1 ? "(0,1)@(0-%ld)" : "(0,1)@0", cpus - 1);
	snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s,queues=1", sock);
	if (kind == TESTPMD)
		unlink(sock);	/* DPDK does not replace a stale socket */
	reset_text(&b->peer);
	reset_text(&b->peer_out);
	pid = spawn_cmd(argv, in_fd, kind == TESTPMD ? &b->peer_out.fd : NULL, &b->peer.fd);
	if (pid > 0)
		procs_track(pid);
	return pid;
}

/* Until the peer serves (vmm-blkd says so; the others listen), pumping texts. */
static bool peer_ready(enum peer kind, const char *sock, struct text *const texts[],
		       unsigned int n, struct boot *b)
{
	double until = monotonic_seconds() + PEER_START_S;

	while (monotonic_seconds() < until) {
		text_pump(texts, n, 0.05);
		if (kind == BLKD ? strstr(b->peer.buf, "vmm-blkd: serving") != NULL
				 : unix_socket_count(sock, true) > 0)
			return true;
	}
	snprintf(b->why, sizeof(b->why), "the backend did not serve on %s within %d s: %s", sock,
		 PEER_START_S, text_tail(b->peer.buf, 150));
	return false;
}

/* SIGKILL, reaped; its output pipes closed. */
static void kill_peer(struct boot *b, pid_t pid)
{
	kill(-pid, SIGKILL);
	wait_cmd(pid, 10);
	procs_untrack(pid);
	if (b->peer.fd >= 0)
		close(b->peer.fd);
	if (b->peer_out.fd >= 0)
		close(b->peer_out.fd);
	b->peer.fd = b->peer_out.fd = -1;
}

/* Whether the VMM has ended: reaped once, b->status set then. */
static bool vmm_ended(struct boot *b, pid_t pid)
{
	int w;

	if (b->reaped)
		return true;
	if (waitpid(pid, &w, WNOHANG) != pid)
		return false;
	b->status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
	b->reaped = true;
	procs_untrack(pid);
	return true;
}

static void say(int fd, const char *line)
{
	if (fd >= 0 && write(fd, line, strlen(line)) < 0)
		printf("reconnect: write: %s\n", strerror(errno));
}

/* The console line that ends the guest's loop; its stdin is done then. */
static void stop_guest(int *vmm_in)
{
	say(*vmm_in, "stop\n");
	if (*vmm_in >= 0)
		close(*vmm_in);
	*vmm_in = -1;
}

static pid_t start_vmm(struct boot *b, const char *opt, const char *dev, const char *cmdline,
		       int *in_fd)
{
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--initrd", (char *)linux_guest_path("initramfs.cpio"), "--memory", "256M",
		(char *)opt, (char *)dev, "--timeout", NULL, "--cmdline", (char *)cmdline, NULL };
	char timeout[16];
	pid_t pid;

	snprintf(timeout, sizeof(timeout), "%d", BOOT_TIMEOUT);
	argv[10] = timeout;
	reset_text(&b->console);
	reset_text(&b->err);
	pid = spawn_cmd(argv, in_fd, &b->console.fd, &b->err.fd);
	if (pid > 0)
		procs_track(pid);
	return pid;
}

/* Waits for the VMM's end (past its --timeout: killed), reading its output. */
static void finish(struct boot *b, pid_t vmm, double start_at, struct text *const texts[],
		   unsigned int n)
{
	/* once told to stop, a guest ends in a round and a check */
	double deadline = monotonic_seconds() + 120;

	while (!vmm_ended(b, vmm)) {
		text_pump(texts, n, 0.2);
		if (monotonic_seconds() > deadline) {
			b->status = stop_cmd(vmm, 1);
			procs_untrack(vmm);
			snprintf(b->why, sizeof(b->why), "the guest did not end when told; killed");
			printf("reconnect %s: %s; its console ends: %s\n", b->name, b->why,
			       text_tail(b->console.buf, 1500));
			break;
		}
	}
	while (b->console.fd >= 0 || b->err.fd >= 0)
		text_pump(texts, 2, 1);
	b->seconds = monotonic_seconds() - start_at;
	b->lost = count(b->err.buf, ": backend lost (");
	b->back = count(b->err.buf, ": backend back after ");
	b->gone = count(b->err.buf, ": backend did not come back within ");
	printf("reconnect %s: %d kills, %d lost, %d back, %d gone; exit %d after %.1f s; %s\n",
	       b->name, b->kills, b->lost, b->back, b->gone, b->status, b->seconds,
	       line_with(b->console.buf, "TEST-INIT: pattern: "));
	fflush(stdout);
}

/*
 * A disk on kind whose backend is killed kills times, restarted each time
 * (reconnect= RECONNECT), or killed once and left dead (reconnect=
 * GONE_RECONNECT) when restart is false.
 */
static void disk_boot(struct boot *b, enum peer kind, int kills, bool restart)
{
	struct text *texts[] = { &b->console, &b->err, &b->peer };
	char sock[400], dev[500], cmdline[160];
	double start_at, next_kill = 0, killed_at = 0;
	int vmm_in = -1, rounds_at_back = -1;
	bool stop_sent = false, started = false;
	pid_t peer, vmm;

	b->ran = true;
	b->status = -2;
	/* a copy: path_in()'s buffers are reused */
	snprintf(sock, sizeof(sock), "%s", path_in(tmpdir, kind == BLKD ? "blkd.sock" : "qsd.sock"));
	peer = start_peer(kind, b, sock, NULL);
	if (peer < 0 || !peer_ready(kind, sock, texts + 2, 1, b))
		return;
	snprintf(dev, sizeof(dev), "socket=%s,reconnect=%d", sock,
		 restart ? RECONNECT : GONE_RECONNECT);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1 testinit.pattern=%d",
		 PATTERN_BOUND);
	start_at = monotonic_seconds();
	vmm = start_vmm(b, "--vhost-user-blk", dev, cmdline, &vmm_in);
	if (vmm < 0)
		return;
	while (!vmm_ended(b, vmm) && monotonic_seconds() < start_at + BOOT_TIMEOUT + 30) {
		int back, rounds;

		text_pump(texts, 3, 0.05);
		back = count(b->err.buf, ": backend back after ");
		rounds = last_round(b->console.buf);
		started = started || strstr(b->console.buf, "TEST-INIT: pattern start");
		if (stop_sent)
			continue;
		if (!started) {
			if (monotonic_seconds() < start_at + 180)
				continue;
			snprintf(b->why, sizeof(b->why), "no pattern start in 180 s");
			break;
		}
		if (strstr(b->console.buf, "TEST-INIT: pattern: ")) {
			snprintf(b->why, sizeof(b->why), "the rounds ended after %d kills", b->kills);
			stop_sent = true;
		} else if (b->kills < kills) {
			if (back < b->kills) {	/* not back yet: gone for good? */
				if (count(b->err.buf, ": backend did not come back within ") ||
				    monotonic_seconds() > killed_at + RECONNECT + 30) {
					snprintf(b->why, sizeof(b->why), "kill %d: not back", b->kills);
					stop_guest(&vmm_in);
					stop_sent = true;
				}
				continue;
			}
			if (!next_kill)
				next_kill = monotonic_seconds() + random_delay();
			if (monotonic_seconds() < next_kill)
				continue;
			killed_at = monotonic_seconds();	/* no later than the VMM sees it */
			kill_peer(b, peer);
			peer = 0;
			next_kill = 0;	/* counted from the coming "back" */
			printf("reconnect %s: kill %d at %.2f s\n", b->name, ++b->kills,
			       killed_at - start_at);
			if (restart) {
				peer = start_peer(kind, b, sock, NULL);
				if (peer < 0 || !peer_ready(kind, sock, texts + 2, 1, b))
					break;
			}
		} else if (restart && back >= kills) {
			/* two full rounds after the last recovery, then stop */
			if (rounds_at_back < 0)
				rounds_at_back = rounds;
			if (rounds >= rounds_at_back + 2) {
				stop_guest(&vmm_in);
				stop_sent = true;
			}
		} else if (!restart && count(b->err.buf, ": backend did not come back within ")) {
			b->gone_after = monotonic_seconds() - killed_at;
			stop_guest(&vmm_in);
			stop_sent = true;
		}
	}
	if (!stop_sent && !b->reaped)
		stop_guest(&vmm_in);
	finish(b, vmm, start_at, texts, 2);
	if (vmm_in >= 0)
		close(vmm_in);
	if (peer > 0) {
		stop_cmd(peer, 5);
		procs_untrack(peer);
	}
	while (b->peer.fd >= 0)
		text_pump(texts + 2, 1, 1);
}

/* The last RX-packets testpmd printed. */
static unsigned long long testpmd_rx(const struct text *t)
{
	const char *p = t->buf, *last = NULL;
	unsigned long long rx = 0;

	while ((p = strstr(p, "RX-packets: ")))
		last = p++;
	if (last)
		sscanf(last, "RX-packets: %llu", &rx);
	return rx;
}

/* testpmd's RX-packets now: asked, and its answer awaited (5 s at most). */
static unsigned long long rx_now(struct boot *b, int in, struct text *const texts[])
{
	int answers = count(b->peer_out.buf, "RX-packets: ");
	double until = monotonic_seconds() + 5;

	say(in, "show port stats 0\n");
	while (count(b->peer_out.buf, "RX-packets: ") == answers && b->peer_out.fd >= 0 &&
	       monotonic_seconds() < until)
		text_pump(texts, 4, 0.1);
	return testpmd_rx(&b->peer_out);
}

/* Asks until testpmd has counted more than above, or seconds pass. */
static unsigned long long rx_above(struct boot *b, int in, unsigned long long above,
				   double seconds, struct text *const texts[])
{
	double until = monotonic_seconds() + seconds;
	unsigned long long rx;

	while ((rx = rx_now(b, in, texts)) <= above && monotonic_seconds() < until)
		text_pump(texts, 4, 0.5);
	return rx;
}

static void net_boot(struct boot *b)
{
	struct text *texts[] = { &b->console, &b->err, &b->peer, &b->peer_out };
	char sock[400], dev[500], cmdline[200];
	int vmm_in = -1, pmd_in = -1;
	double start_at, until;
	pid_t peer, vmm;

	b->ran = true;
	b->status = -2;
	snprintf(sock, sizeof(sock), "%s", path_in(tmpdir, "net.sock"));
	peer = start_peer(TESTPMD, b, sock, &pmd_in);
	if (peer < 0 || !peer_ready(TESTPMD, sock, texts + 2, 2, b))
		return;
	say(pmd_in, "set fwd rxonly\n");
	snprintf(dev, sizeof(dev), "socket=%s,mac=" NET_MAC ",reconnect=%d", sock, RECONNECT);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1 " GUEST_IP " testinit.udp=%d",
		 PATTERN_BOUND);
	start_at = monotonic_seconds();
	vmm = start_vmm(b, "--vhost-user-net", dev, cmdline, &vmm_in);
	if (vmm < 0)
		return;
	until = start_at + BOOT_TIMEOUT;
	while (!strstr(b->console.buf, "TEST-INIT: udp start") && b->console.fd >= 0 &&
	       monotonic_seconds() < until)
		text_pump(texts, 4, 0.2);
	say(pmd_in, "start\n");
	if (rx_above(b, pmd_in, 20, 60, texts) > 20) {
		b->rx_before = rx_now(b, pmd_in, texts);
		kill_peer(b, peer);
		close(pmd_in);
		b->kills++;
		peer = start_peer(TESTPMD, b, sock, &pmd_in);
		if (peer > 0 && peer_ready(TESTPMD, sock, texts + 2, 2, b)) {
			say(pmd_in, "set fwd rxonly\nstart\n");
			until = monotonic_seconds() + RECONNECT + 30;
			while (!strstr(b->err.buf, ": backend back after ") &&
			       monotonic_seconds() < until && b->err.fd >= 0)
				text_pump(texts, 4, 0.2);
			/* what the ring held is through in a moment; then fresh sends */
			until = monotonic_seconds() + 1;
			while (monotonic_seconds() < until)
				text_pump(texts, 4, 0.1);
			b->rx_at_back = rx_now(b, pmd_in, texts);
			b->rx_after = rx_above(b, pmd_in, b->rx_at_back, 30, texts);
		}
	}
	stop_guest(&vmm_in);
	finish(b, vmm, start_at, texts, 2);
	if (vmm_in >= 0)
		close(vmm_in);
	if (peer > 0) {
		say(pmd_in, "stop\nquit\n");
		stop_cmd(peer, 10);
		procs_untrack(peer);
	}
	close(pmd_in);
	/* "failed": sends the guest could not queue (dropped in the gap) */
	printf("reconnect net: testpmd RX %llu before the kill; the new one's %llu a second after the \"back\" line, %llu later; the guest's %s\n",
	       b->rx_before, b->rx_at_back, b->rx_after, line_with(b->console.buf, "TEST-INIT: udp: "));
}

/* The protocol features a vhost-user backend offers, or -errno. */
static long long protocol_features(const char *sock)
{
	struct vhost_user_msg msg = { .request = VHOST_USER_GET_FEATURES,
				      .flags = VHOST_USER_VERSION };
	unsigned int nfds;
	long long ret;
	int fd = vhost_user_connect(sock), fds[VHOST_USER_MAX_FDS];

	if (fd < 0)
		return fd;
	ret = vhost_user_send(fd, &msg, NULL, 0);
	if (!ret)
		ret = vhost_user_recv(fd, &msg, fds, 0, &nfds);
	if (!ret && !(msg.payload.u64 & (1ULL << VHOST_USER_F_PROTOCOL_FEATURES)))
		ret = 0;	/* no protocol features at all */
	else if (!ret) {
		msg = (struct vhost_user_msg){ .request = VHOST_USER_GET_PROTOCOL_FEATURES,
					       .flags = VHOST_USER_VERSION };
		ret = vhost_user_send(fd, &msg, NULL, 0);
		if (!ret)
			ret = vhost_user_recv(fd, &msg, fds, 0, &nfds);
		if (!ret)
			ret = msg.request == VHOST_USER_GET_PROTOCOL_FEATURES &&
			      msg.size == 8 ? (long long)(msg.payload.u64 & ~(1ULL << 63)) : -EBADMSG;
	}
	close(fd);
	return ret;
}

/* Whether qemu-storage-daemon keeps in-flight records; skip_qsd says why not. */
static void probe_qsd(void)
{
	struct text *texts[] = { &qsd.peer };
	long long features = -ENOENT;
	char sock[400];
	pid_t pid;

	snprintf(sock, sizeof(sock), "%s", path_in(tmpdir, "qsd.sock"));
	pid = start_peer(QSD, &qsd, sock, NULL);

	if (pid > 0 && peer_ready(QSD, sock, texts, 1, &qsd))
		features = protocol_features(sock);
	if (pid > 0)
		stop_cmd(pid, 10), procs_untrack(pid);
	unlink(sock);
	if (features < 0)
		snprintf(skip_qsd, sizeof(skip_qsd),
			 "cannot read qemu-storage-daemon's protocol features: %s %s",
			 strerror((int)-features), qsd.why);
	else if (!(features & (1LL << VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD)))
		snprintf(skip_qsd, sizeof(skip_qsd),
			 "qemu-storage-daemon offers no INFLIGHT_SHMFD (protocol features 0x%llx) and completes requests out of order: a restarted one cannot tell which requests the killed one finished",
			 features);
	printf("reconnect: qemu-storage-daemon's protocol features: %s%llx\n",
	       features < 0 ? "unknown, -" : "0x", features < 0 ? -features : features);
	if (skip_qsd[0])
		printf("SKIP qsd_crash: %s\n", skip_qsd);
}

/* RECONNECT_BOOTS=crash,gone,qsd,net (default: all) picks boots to replay. */
static bool selected(struct boot *b, const char *name)
{
	const char *only = getenv("RECONNECT_BOOTS");

	b->name = name;
	if (!only || strstr(only, name))
		return true;
	snprintf(b->why, sizeof(b->why), "not in RECONNECT_BOOTS=%s", only);
	return false;
}

/* A boot left out by RECONNECT_BOOTS: true, after its SKIP line. */
static bool left_out(const struct boot *b)
{
	if (b->ran || !strstr(b->why, "RECONNECT_BOOTS"))
		return false;
	printf("SKIP %s: %s\n", b->name, b->why);
	return true;
}

static void assert_ran(const struct boot *b)
{
	ck_assert_msg(b->ran && b->status != -2, "%s: the boot did not run: %s", b->name, b->why);
}

/* No errors, every kill lost and recovered, the guest's own end. */
static void assert_survived(const struct boot *b, int kills)
{
	const char *result = line_with(b->console.buf, "TEST-INIT: pattern: ");

	assert_ran(b);
	ck_assert_msg(b->kills == kills, "%s: %d of %d kills (%s): %s\n--- the last backend: %s",
		      b->name, b->kills, kills, b->why, text_tail(b->err.buf, 1500),
		      text_tail(b->peer.buf, 1500));
	ck_assert_msg(result[0], "%s: no pattern result: %s", b->name, text_tail(b->console.buf, 2500));
	ck_assert_msg(strstr(result, " io_errors=0 mismatches=0 final=ok"), "%s: %s\n%s", b->name,
		      result, text_tail(b->console.buf, 2500));
	ck_assert_msg(b->lost == kills && b->back == kills && !b->gone,
		      "%s: %d lost, %d back, %d gone: %s", b->name, b->lost, b->back, b->gone,
		      text_tail(b->err.buf, 2500));
	ck_assert_msg(b->status == 0 && strstr(b->err.buf, "vmm: exit 0"), "%s: exit %d: %s",
		      b->name, b->status, text_tail(b->err.buf, 1500));
	assert_clean_stderr(b->err.buf);
}

/* Each line about the device names it and its socket, as the contract says. */
static void assert_lines(const struct boot *b, const char *device, const char *sock, int window)
{
	char prefix[500], want[600];
	const char *p;

	snprintf(prefix, sizeof(prefix), "vmm: %s socket=%s: backend ", device, sock);
	ck_assert_msg(count(b->err.buf, prefix) == b->lost + b->back + b->gone, "%s: %s", prefix,
		      text_tail(b->err.buf, 2500));
	snprintf(want, sizeof(want), "); reconnecting for up to %d s\n", window);
	for (p = b->err.buf; (p = strstr(p, ": backend lost (")); p++)
		ck_assert_msg(!strncmp(p + strcspn(p, ")"), want, strlen(want)), "%s",
			      line_with(p, "lost"));
}

START_TEST(blkd_killed_20_times_loses_nothing)
{
	if (left_out(&crash))
		return;
	assert_survived(&crash, KILLS);
	/* vmm-blkd keeps its in-flight record: the lines do not say otherwise */
	ck_assert_msg(!strstr(crash.err.buf, "keeps no in-flight record"), "%s",
		      text_tail(crash.err.buf, 1500));
	assert_lines(&crash, "vhost-user-blk", path_in(tmpdir, "blkd.sock"), RECONNECT);
}
END_TEST

START_TEST(blkd_that_stays_dead_fails_the_device)
{
	const char *result = line_with(gone.console.buf, "TEST-INIT: pattern: ");
	long long io_errors = 0;
	char want[160];

	if (left_out(&gone))
		return;
	assert_ran(&gone);
	ck_assert_msg(gone.kills == 1 && gone.lost == 1 && gone.gone == 1 && !gone.back,
		      "%d kills, %d lost, %d gone, %d back: %s", gone.kills, gone.lost, gone.gone,
		      gone.back, text_tail(gone.err.buf, 2000));
	assert_lines(&gone, "vhost-user-blk", path_in(tmpdir, "blkd.sock"), GONE_RECONNECT);
	snprintf(want, sizeof(want),
		 ": backend did not come back within %d s; the device fails every request from now on\n",
		 GONE_RECONNECT);
	ck_assert_msg(strstr(gone.err.buf, want), "%s", text_tail(gone.err.buf, 2000));
	ck_assert_msg(gone.gone_after >= GONE_RECONNECT, "gave up %.2f s after the kill",
		      gone.gone_after);
	ck_assert_msg(result[0] && sscanf(strstr(result, "io_errors="), "io_errors=%lld", &io_errors) == 1,
		      "%s", text_tail(gone.console.buf, 2500));
	ck_assert_msg(io_errors > 0 && strstr(result, "final=FAILED"), "%s", result);
	/* the guest got errors, not a hang: it ended as it does, powered off */
	ck_assert_msg(gone.status == 0 && strstr(gone.err.buf, "vmm: exit 0"), "exit %d: %s",
		      gone.status, text_tail(gone.err.buf, 1500));
	assert_clean_stderr(gone.err.buf);
}
END_TEST

START_TEST(qsd_crash)
{
	if (left_out(&qsd))
		return;
	ck_assert_msg(!strstr(skip_qsd, "cannot read"), "%s", skip_qsd);
	if (skip_qsd[0]) {
		printf("SKIP qsd_crash: %s\n", skip_qsd);
		return;
	}
	assert_survived(&qsd, QSD_KILLS);
	assert_lines(&qsd, "vhost-user-blk", path_in(tmpdir, "qsd.sock"), RECONNECT);
}
END_TEST

START_TEST(testpmd_restarted_under_traffic)
{
	if (skip_net[0]) {
		printf("SKIP testpmd_restarted_under_traffic: %s\n", skip_net);
		return;
	}
	if (left_out(&net))
		return;
	assert_ran(&net);
	ck_assert_msg(net.rx_before > 0, "testpmd counted nothing before the kill: %s\n%s\n%s",
		      text_tail(net.peer.buf, 1500), text_tail(net.peer_out.buf, 1500),
		      text_tail(net.console.buf, 1500));
	ck_assert_msg(net.kills == 1 && net.lost == 1 && net.back == 1 && !net.gone,
		      "%d kills, %d lost, %d back, %d gone: %s\n--- testpmd: %s\n%s", net.kills,
		      net.lost, net.back, net.gone, text_tail(net.err.buf, 2000),
		      text_tail(net.peer.buf, 1500), text_tail(net.peer_out.buf, 1500));
	assert_lines(&net, "vhost-user-net", path_in(tmpdir, "net.sock"), RECONNECT);
	ck_assert_msg(net.rx_after > net.rx_at_back,
		      "no traffic after the \"back\" line: RX %llu then %llu: %s", net.rx_at_back,
		      net.rx_after, text_tail(net.peer_out.buf, 1500));
	ck_assert_msg(strstr(net.console.buf, "TEST-INIT: udp: sent="), "%s",
		      text_tail(net.console.buf, 1500));
	ck_assert_msg(net.status == 0 && strstr(net.err.buf, "vmm: exit 0"), "exit %d: %s",
		      net.status, text_tail(net.err.buf, 1500));
	assert_clean_stderr(net.err.buf);
}
END_TEST

static int setup(void)
{
	const char *env = getenv("RECONNECT_SEED");
	char cmd[600];

	blkd_bin = getenv("VMM_BLKD") ? getenv("VMM_BLKD") : "build/vmm-blkd";
	if (access(blkd_bin, X_OK)) {
		printf("FAIL vhost_user_reconnect suite: no vmm-blkd at %s ($VMM_BLKD)\n", blkd_bin);
		return -1;
	}
	if (!make_tmpdir(tmpdir))
		return -1;
	snprintf(cmd, sizeof(cmd), "truncate -s %dM %s %s", DISK_MIB, path_in(tmpdir, "blkd.img"),
		 path_in(tmpdir, "qsd.img"));
	if (system(cmd))
		return -1;
	seed = env ? strtoull(env, NULL, 0)
		   : (unsigned long long)time(NULL) ^ (unsigned long long)getpid() << 20;
	rng = seed ? seed : 1;
	printf("reconnect: seed %llu (RECONNECT_SEED=%llu replays the kill delays)\n", seed, seed);
	qsd_bin = find_program("qemu-storage-daemon");
	qsd_bin = qsd_bin ? strdup(qsd_bin) : NULL;
	if (!qsd_bin)
		snprintf(skip_qsd, sizeof(skip_qsd),
			 "no qemu-storage-daemon in $PATH (Debian package qemu-system-common)");
	testpmd_bin = find_program("dpdk-testpmd");
	testpmd_bin = testpmd_bin ? strdup(testpmd_bin) : NULL;
	if (!testpmd_bin)
		snprintf(skip_net, sizeof(skip_net),
			 "no dpdk-testpmd in $PATH (Debian 12: package dpdk-dev)");
	else if (!find_program("stdbuf") || access("/usr/bin/env", X_OK))
		snprintf(skip_net, sizeof(skip_net), "no stdbuf or /usr/bin/env (coreutils)");
	return 0;
}

int main(void)
{
	TCase *tc = tcase_create("reconnect");

	if (!kvm_usable("vhost_user_reconnect") || !linux_guest_present("vhost_user_reconnect"))
		return 1;
	if (access(linux_guest_path("initramfs.cpio"), R_OK)) {
		printf("FAIL vhost_user_reconnect suite: no %s (make test-kernel)\n",
		       linux_guest_path("initramfs.cpio"));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	cleanup_hook(NULL);
	sigpipe_to_epipe();
	if (setup())
		return 1;
	if (selected(&crash, "crash"))
		disk_boot(&crash, BLKD, KILLS, true);
	if (selected(&gone, "gone"))
		disk_boot(&gone, BLKD, 1, false);
	if (selected(&qsd, "qsd") && !skip_qsd[0])
		probe_qsd();
	if (qsd.name && !qsd.why[0] && !skip_qsd[0])
		disk_boot(&qsd, QSD, QSD_KILLS, true);
	if (!skip_net[0] && selected(&net, "net"))
		net_boot(&net);
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, blkd_killed_20_times_loses_nothing);
	tcase_add_test(tc, blkd_that_stays_dead_fails_the_device);
	tcase_add_test(tc, qsd_crash);
	tcase_add_test(tc, testpmd_restarted_under_traffic);
	return run_tcase("vhost_user_reconnect", tc);
}
