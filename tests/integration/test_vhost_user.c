// SPDX-License-Identifier: GPL-2.0
/*
 * Our vhost-user frontend against real backends, with the Linux test
 * kernel (`make test-kernel`) on the real /dev/kvm. Two boots, each costing
 * about 21 s of emulated kernel code on PVM hosts (more under ASan):
 *
 * One boot with four devices at once, in this command-line order:
 *   vda  --vhost-user-blk on qemu-storage-daemon's vhost-user-blk export,
 *        with two request queues: with 2 vCPUs the guest's driver must use
 *        both ("2/0/0 default/read/poll queues"), the other disks one
 *   vdb  --vhost-user-blk on our vmm-blkd ($VMM_BLKD)
 *   vdc  --disk FILE,backend=thread (vmm-blkd's code in a VMM thread)
 *   eth0 --vhost-user-net on dpdk-testpmd's net_vhost vdev
 * Each disk image has its own size and one MBR partition: the guest kernel
 * must print "[vdX] N 512-byte logical blocks" with N = size / 512 and
 * " vdX: vdX1" (so it read the partition table through that backend).
 * With ip=dhcp the kernel sends DHCP DISCOVERs once eth0 is up; testpmd,
 * in rxonly mode with verbose output, must count them (RX-packets > 0)
 * and show them as UDP broadcasts from the MAC given with mac=. Then the
 * VMM is stopped with SIGTERM (the kernel would wait minutes for a DHCP
 * answer) and must end with 143, and every backend must still be running.
 * A peer that is not installed is left out, with a SKIP line saying why.
 *
 * A second boot loses its backend: vmm-blkd is killed with SIGKILL as soon
 * as the guest runs and the VMM has connected, long before the kernel
 * probes virtio. The VMM must print one line naming vhost-user-blk and the
 * socket, the guest must see I/O errors instead of a partition table, and
 * the VMM must still end with the guest's status: the kernel finds no root
 * file system and panics, status 3.
 *
 * Without a boot: private and heap guest memory are refused with any
 * vhost-user device (status 2, one line naming memfd and hugetlb), as are
 * sockets that do not exist, that nobody listens on, or that are regular
 * files, and an option without socket=.
 *
 * Every process the test starts is killed at the end (also on SIGINT,
 * SIGTERM, SIGHUP, SIGQUIT), and its temporary directory removed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

#define NET_MAC		"52:54:00:12:34:57"	/* digits only: testpmd prints upper case */
#define BOOT_TIMEOUT	360			/* --timeout of each boot, seconds */
#define PEER_START_S	20			/* for a backend to listen */

enum { QSD, BLKD, THREAD, NR_DISKS };

static const struct {
	const char *name, *image;
	int mib;
} disk_kind[NR_DISKS] = {
	[QSD] = { "qemu-storage-daemon", "qsd.img", 16 },
	[BLKD] = { "vmm-blkd", "blkd.img", 12 },
	[THREAD] = { "--disk backend=thread", "thread.img", 10 },
};

/* Output of one process, the oldest half dropped when it fills up. */
static char tmpdir[] = "/tmp/vmm-vhost-user.XXXXXX";
static const char *testpmd_bin, *qsd_bin, *blkd_bin;
static char skip_qsd[160], skip_blkd[160], skip_net[200];
static int listener_fd = -1, bound_fd = -1;	/* sockets for the refusal cases */

/* What the two boots left behind, for the checks. */
static struct {
	bool ran;
	char vd[NR_DISKS][8];		/* vda... per disk, or "" if left out */
	bool net;			/* testpmd attached */
	int status;
	double seconds, rx_at;
	unsigned long long rx_packets;
	bool peer_alive[NR_DISKS + 1];	/* index NR_DISKS: testpmd */
	int peer_status[NR_DISKS + 1];
	struct text console, err, testpmd, testpmd_log, qsd_log, blkd_log;
} boot;

static struct {
	bool ran;
	int status;
	double seconds, killed_at;
	bool probed_before_kill, connected;
	struct text console, err, blkd_log;
} lost;

static const char *tmp_path(const char *name)
{
	return path_in(tmpdir, name);
}


/* Reads the first n texts to their end, for 10 s at most. */
static void drain(struct text *const texts[], unsigned int n)
{
	double until = monotonic_seconds() + 10;
	unsigned int i, open;

	do {
		text_pump(texts, n, 0.5);
		for (i = 0, open = 0; i < n; i++)
			open += texts[i]->fd >= 0;
	} while (open && monotonic_seconds() < until);
}

static void close_text(struct text *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Reaps pid if it has ended: true with *status (as wait_cmd) then. */
static bool ended(pid_t pid, int *status)
{
	int w;

	if (waitpid(pid, &w, WNOHANG) != pid)
		return false;
	*status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
	procs_untrack(pid);
	return true;
}

/* Stops a peer (SIGTERM, then SIGKILL); records whether it had been running. */
static void stop_peer(pid_t pid, bool *was_alive, int *status)
{
	if (pid <= 0)
		return;
	*was_alive = !ended(pid, status);
	if (*was_alive)
		*status = stop_cmd(pid, 15);
	procs_untrack(pid);
}

static int make_disk(const char *path, int mib)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "sh guests/linux/make-mbr-disk.sh %s %d", path, mib);
	return system(cmd);
}

static void send_line(int fd, const char *line)
{
	if (fd >= 0 && write(fd, line, strlen(line)) < 0)
		printf("vhost-user: writing to testpmd: %s\n", strerror(errno));
}

/* The last RX-packets testpmd printed. */
static unsigned long long testpmd_rx(void)
{
	const char *p = boot.testpmd.buf, *last = NULL;
	unsigned long long rx = 0;

	while ((p = strstr(p, "RX-packets: "))) {
		last = p;
		p++;
	}
	if (last)
		sscanf(last, "RX-packets: %llu", &rx);
	return rx;
}

static bool disks_found(void)
{
	char want[32];
	int i;

	for (i = 0; i < NR_DISKS; i++) {
		if (!boot.vd[i][0])
			continue;
		snprintf(want, sizeof(want), " %s: %s", boot.vd[i], boot.vd[i]);
		if (!strstr(boot.console.buf, want))
			return false;
	}
	return true;
}

static pid_t start_qsd(const char *sock, const char *image)
{
	char file[600], exp[600];
	char *argv[] = { (char *)qsd_bin,
		"--blockdev", file,
		"--blockdev", "driver=raw,node-name=disk0,file=file0",
		"--export", exp, NULL };

	snprintf(file, sizeof(file), "driver=file,node-name=file0,filename=%s", image);
	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=%s,writable=on,num-queues=2",
		 sock);
	return text_spawn(argv, NULL, NULL, &boot.qsd_log);
}

static pid_t start_blkd(const char *sock, const char *image, struct text *log)
{
	char *argv[] = { (char *)blkd_bin, "--socket", (char *)sock, "--disk", (char *)image, NULL };

	return text_spawn(argv, NULL, NULL, log);
}

/*
 * testpmd, interactive, on all CPUs: its forwarding lcore polls (a whole
 * CPU) only from "start" on, which boot_all() sends once the guest kernel
 * probes virtio; packets the guest sent before wait in its TX ring.
 */
static pid_t start_testpmd(const char *sock, int *in_fd)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char runtime[480], lcores[64], vdev[600];
	char *argv[] = { "/usr/bin/env", runtime, "stdbuf", "-oL", (char *)testpmd_bin,
		"--lcores", lcores, "--no-pci", "--no-huge", "-m", "64", "--no-shconf",
		"--no-telemetry", "--vdev", vdev, "--", "-i", "--total-num-mbufs=2048", NULL };
	pid_t pid;

	/* DPDK's runtime files go to $XDG_RUNTIME_DIR/dpdk: our directory */
	snprintf(runtime, sizeof(runtime), "XDG_RUNTIME_DIR=%s", tmpdir);
	if (cpus > 1)
		snprintf(lcores, sizeof(lcores), "(0,1)@(0-%ld)", cpus - 1);
	else
		snprintf(lcores, sizeof(lcores), "(0,1)@0");
	snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s,queues=1", sock);
	pid = text_spawn(argv, in_fd, &boot.testpmd, &boot.testpmd_log);
	if (pid > 0) {
		send_line(*in_fd, "set fwd rxonly\n");
		send_line(*in_fd, "set verbose 1\n");	/* a line per packet: its MACs */
	}
	return pid;
}

static void boot_all(void)
{
	char qsd_dev[440], blkd_dev[440], thread_dev[440], net_dev[480];
	char *argv[32] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--memory", "256M", "--cpus", "2", "--stats", "--timeout", "360",
		"--cmdline", "console=ttyS0 panic=-1 ip=dhcp" };
	struct text *texts[] = { &boot.console, &boot.err, &boot.testpmd, &boot.testpmd_log,
				 &boot.qsd_log, &boot.blkd_log };
	pid_t qsd = 0, blkd = 0, testpmd = 0, vmm;
	int argc = 12, testpmd_in = -1, letter = 0;
	double start_at, deadline, last_show = 0;
	bool forwarding = false, stopping = false;

	boot.ran = true;
	boot.status = -2;
	if (!skip_qsd[0]) {
		qsd = start_qsd(tmp_path("qsd.sock"), tmp_path(disk_kind[QSD].image));
		if (qsd < 0 || !wait_unix_socket(tmp_path("qsd.sock"), true, PEER_START_S)) {
			printf("vhost-user boot: qemu-storage-daemon does not listen on %s: %s\n",
			       tmp_path("qsd.sock"), boot.qsd_log.buf);
			return;
		}
		snprintf(qsd_dev, sizeof(qsd_dev), "socket=%s", tmp_path("qsd.sock"));
		argv[argc++] = "--vhost-user-blk";
		argv[argc++] = qsd_dev;
		snprintf(boot.vd[QSD], sizeof(boot.vd[0]), "vd%c", 'a' + letter++);
	}
	if (!skip_blkd[0]) {
		blkd = start_blkd(tmp_path("blkd.sock"), tmp_path(disk_kind[BLKD].image), &boot.blkd_log);
		if (blkd < 0 || !wait_unix_socket(tmp_path("blkd.sock"), true, PEER_START_S)) {
			printf("vhost-user boot: vmm-blkd does not listen on %s\n", tmp_path("blkd.sock"));
			return;
		}
		snprintf(blkd_dev, sizeof(blkd_dev), "socket=%s", tmp_path("blkd.sock"));
		argv[argc++] = "--vhost-user-blk";
		argv[argc++] = blkd_dev;
		snprintf(boot.vd[BLKD], sizeof(boot.vd[0]), "vd%c", 'a' + letter++);
	}
	snprintf(thread_dev, sizeof(thread_dev), "%s,backend=thread", tmp_path(disk_kind[THREAD].image));
	argv[argc++] = "--disk";
	argv[argc++] = thread_dev;
	snprintf(boot.vd[THREAD], sizeof(boot.vd[0]), "vd%c", 'a' + letter++);
	if (!skip_net[0]) {
		testpmd = start_testpmd(tmp_path("net.sock"), &testpmd_in);
		/* it prints its prompt once it listens */
		if (testpmd < 0 || !wait_unix_socket(tmp_path("net.sock"), true, PEER_START_S)) {
			text_pump(texts, ARRAY_SIZE(texts), 0.5);
			printf("vhost-user boot: dpdk-testpmd does not listen on %s: %s\n",
			       tmp_path("net.sock"), text_tail(boot.testpmd_log.buf, 2000));
			return;
		}
		snprintf(net_dev, sizeof(net_dev), "socket=%s,mac=" NET_MAC, tmp_path("net.sock"));
		argv[argc++] = "--vhost-user-net";
		argv[argc++] = net_dev;
		boot.net = true;
	}
	argv[argc] = NULL;

	start_at = monotonic_seconds();
	deadline = start_at + BOOT_TIMEOUT + 40;
	vmm = text_spawn(argv, NULL, &boot.console, &boot.err);
	if (vmm < 0)
		return;
	for (;;) {
		text_pump(texts, ARRAY_SIZE(texts), 0.2);
		if (ended(vmm, &boot.status))
			break;
		if (monotonic_seconds() > deadline) {
			boot.status = stop_cmd(vmm, 1);
			procs_untrack(vmm);
			printf("vhost-user boot: the VMM ran past its own --timeout; killed\n");
			break;
		}
		if (stopping)
			continue;
		if (boot.net && !forwarding &&
		    (strstr(boot.console.buf, "virtio") || monotonic_seconds() - start_at > 60)) {
			send_line(testpmd_in, "start\n");
			forwarding = true;
		}
		if (forwarding && monotonic_seconds() - last_show >= 1) {
			send_line(testpmd_in, "show port stats 0\n");
			last_show = monotonic_seconds();
		}
		boot.rx_packets = boot.net ? testpmd_rx() : 0;
		if (boot.rx_packets && !boot.rx_at)
			boot.rx_at = monotonic_seconds() - start_at;
		/* all the evidence, or 20 s of waiting for the disks after it */
		if ((!boot.net || boot.rx_packets) && disks_found())
			stopping = true;
		else if (boot.rx_at && monotonic_seconds() - start_at > boot.rx_at + 20)
			stopping = true;
		if (stopping)
			kill(vmm, SIGTERM);
	}
	boot.seconds = monotonic_seconds() - start_at;
	/* the VMM's last words; then the peers, asked to stop */
	drain(texts, 2);
	stop_peer(qsd, &boot.peer_alive[QSD], &boot.peer_status[QSD]);
	stop_peer(blkd, &boot.peer_alive[BLKD], &boot.peer_status[BLKD]);
	if (testpmd > 0) {
		boot.peer_alive[NR_DISKS] = !ended(testpmd, &boot.peer_status[NR_DISKS]);
		if (boot.peer_alive[NR_DISKS]) {
			double until = monotonic_seconds() + 15;

			send_line(testpmd_in, "show port stats 0\nstop\nquit\n");
			while (boot.testpmd.fd >= 0 && monotonic_seconds() < until)
				text_pump(texts + 2, 2, 1);
			boot.peer_status[NR_DISKS] = stop_cmd(testpmd, 5);
			procs_untrack(testpmd);
		}
		close(testpmd_in);
		boot.rx_packets = testpmd_rx();
	}
	close_text(&boot.testpmd);
	close_text(&boot.testpmd_log);
	close_text(&boot.qsd_log);
	close_text(&boot.blkd_log);
	printf("vhost-user boot: exit %d after %.1f s; testpmd RX-packets %llu (first at %.1f s)\n",
	       boot.status, boot.seconds, boot.rx_packets, boot.rx_at);
	fflush(stdout);
}

static void boot_and_lose_backend(void)
{
	char dev[440];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--memory", "256M", "--vhost-user-blk", dev, "--timeout", "360",
		"--cmdline", "console=ttyS0 panic=-1", NULL };
	struct text *texts[] = { &lost.console, &lost.err, &lost.blkd_log };
	double start_at, deadline;
	pid_t blkd, vmm;

	lost.ran = true;
	lost.status = -2;
	blkd = start_blkd(tmp_path("lost.sock"), tmp_path("lost.img"), &lost.blkd_log);
	if (blkd < 0 || !wait_unix_socket(tmp_path("lost.sock"), true, PEER_START_S)) {
		printf("vhost-user lost backend: vmm-blkd does not listen on %s\n", tmp_path("lost.sock"));
		return;
	}
	snprintf(dev, sizeof(dev), "socket=%s", tmp_path("lost.sock"));
	start_at = monotonic_seconds();
	deadline = start_at + BOOT_TIMEOUT + 40;
	vmm = text_spawn(argv, NULL, &lost.console, &lost.err);
	if (vmm < 0)
		return;
	/* the guest runs and the VMM is connected: kill the backend */
	while (monotonic_seconds() < start_at + 60 && lost.console.fd >= 0) {
		text_pump(texts, ARRAY_SIZE(texts), 0.1);
		lost.connected = unix_socket_count(tmp_path("lost.sock"), false) > 0;
		if (lost.connected && strstr(lost.console.buf, "Linux version"))
			break;
	}
	lost.probed_before_kill = strstr(lost.console.buf, "virtio_blk") ||
				  strstr(lost.console.buf, "[vda]");
	kill(-blkd, SIGKILL);
	wait_cmd(blkd, 10);
	procs_untrack(blkd);
	lost.killed_at = monotonic_seconds() - start_at;
	for (;;) {
		text_pump(texts, 2, 0.2);
		if (ended(vmm, &lost.status))
			break;
		if (monotonic_seconds() > deadline) {
			lost.status = stop_cmd(vmm, 1);
			procs_untrack(vmm);
			printf("vhost-user lost backend: the VMM ran past its own --timeout; killed\n");
			break;
		}
	}
	lost.seconds = monotonic_seconds() - start_at;
	drain(texts, 2);
	close_text(&lost.blkd_log);
	printf("vhost-user lost backend: killed at %.1f s, exit %d after %.1f s\n",
	       lost.killed_at, lost.status, lost.seconds);
	fflush(stdout);
}

static void assert_disk(int kind)
{
	char want[96];
	const char *vd = boot.vd[kind];

	/* a peer that would not start is a failure, not a skip */
	ck_assert_msg(boot.ran && boot.status != -2, "the boot did not run");
	if (!vd[0]) {
		ck_assert_msg(kind != THREAD, "no thread-backend disk in the boot");
		printf("SKIP %s disk: %s\n", disk_kind[kind].name, kind == QSD ? skip_qsd : skip_blkd);
		return;
	}
	snprintf(want, sizeof(want), "[%s] %d 512-byte logical blocks", vd, disk_kind[kind].mib * 2048);
	ck_assert_msg(strstr(boot.console.buf, want), "%s: no '%s' in: %s", disk_kind[kind].name, want,
		      text_tail(boot.console.buf, 3000));
	snprintf(want, sizeof(want), " %s: %s1", vd, vd);
	ck_assert_msg(strstr(boot.console.buf, want), "%s: no '%s' in: %s", disk_kind[kind].name, want,
		      text_tail(boot.console.buf, 3000));
}

/* Lines like "virtio_blk virtio0: 2/0/0 default/read/poll queues". */
static int count(const char *s, const char *needle)
{
	int n = 0;

	while ((s = strstr(s, needle))) {
		n++;
		s += strlen(needle);
	}
	return n;
}

START_TEST(qsd_disk)
{
	int blkd_disks = !!boot.vd[BLKD][0] + !!boot.vd[THREAD][0];

	assert_disk(QSD);
	if (!boot.vd[QSD][0])
		return;
	ck_assert_msg(count(boot.console.buf, ": 2/0/0 default/read/poll queues") == 1 &&
		      count(boot.console.buf, ": 1/0/0 default/read/poll queues") == blkd_disks,
		      "want qemu-storage-daemon's disk with 2 queues, the others with 1: %s",
		      text_tail(boot.console.buf, 3000));
}
END_TEST

START_TEST(vmm_blkd_disk)
{
	assert_disk(BLKD);
}
END_TEST

START_TEST(thread_backend_disk)
{
	assert_disk(THREAD);
}
END_TEST

START_TEST(dhcp_reaches_testpmd)
{
	const char *p;
	bool ours = false;

	ck_assert_msg(boot.ran && boot.status != -2, "the boot did not run");
	if (!boot.net) {
		printf("SKIP dhcp_reaches_testpmd: %s\n", skip_net);
		return;
	}
	ck_assert_msg(boot.ran && boot.status != -2, "the boot did not run");
	ck_assert_msg(boot.rx_packets > 0, "testpmd received nothing: %s\n--- %s\n--- console: %s",
		      text_tail(boot.testpmd.buf, 1500), text_tail(boot.testpmd_log.buf, 1500),
		      text_tail(boot.console.buf, 2000));
	/* "src=MAC - dst=MAC - ... sw ptype: L2_ETHER L3_IPV4 L4_UDP" per packet */
	for (p = boot.testpmd.buf; !ours && (p = strstr(p, "src=" NET_MAC " - dst=FF:FF:FF:FF:FF:FF"));
	     p++) {
		size_t line = strcspn(p, "\n");
		const char *udp = strstr(p, "L4_UDP");

		ours = udp && udp < p + line;
	}
	ck_assert_msg(ours, "no UDP broadcast from " NET_MAC " in: %s", text_tail(boot.testpmd.buf, 3000));
	/* the driver finished its handshake with the backend */
	ck_assert_msg(strstr(boot.testpmd_log.buf, "virtio is now ready for processing"), "%s",
		      text_tail(boot.testpmd_log.buf, 3000));
}
END_TEST

START_TEST(boot_ends_cleanly_with_backends_alive)
{
	int i;

	ck_assert_msg(boot.ran && boot.status != -2, "the boot did not run");
	/* stopped by us with SIGTERM once everything was seen */
	ck_assert_msg(boot.status == 128 + SIGTERM, "exit %d: %s\n--- console: %s", boot.status,
		      text_tail(boot.err.buf, 2000), text_tail(boot.console.buf, 2000));
	ck_assert_msg(strstr(boot.err.buf, "vmm: exit "),
		      "no 'vmm: exit' line in the VMM's %zu bytes of stderr: '%s'", boot.err.len,
		      text_tail(boot.err.buf, 2000));
	assert_clean_stderr(boot.err.buf);
	ck_assert_msg(!strstr(boot.err.buf, "backend lost"), "%s", text_tail(boot.err.buf, 2000));
	for (i = 0; i < NR_DISKS + 1; i++) {
		const char *name = i == NR_DISKS ? "dpdk-testpmd" : disk_kind[i].name;

		if (i == THREAD || (i < NR_DISKS && !boot.vd[i][0]) || (i == NR_DISKS && !boot.net))
			continue;
		ck_assert_msg(boot.peer_alive[i], "%s ended during the boot with %d", name,
			      boot.peer_status[i]);
	}
	if (boot.net)
		ck_assert_msg(boot.peer_status[NR_DISKS] == 0, "testpmd quit with %d: %s",
			      boot.peer_status[NR_DISKS], text_tail(boot.testpmd.buf, 2000));
}
END_TEST

START_TEST(lost_backend_fails_the_device)
{
	char path[440], line[1024], found[1024] = "";
	const char *p;
	size_t len;
	int lines = 0;

	if (skip_blkd[0]) {
		printf("SKIP lost_backend_fails_the_device: %s\n", skip_blkd);
		return;
	}
	ck_assert_msg(lost.ran && lost.status != -2, "the boot did not run: %s", lost.blkd_log.buf);
	ck_assert_msg(lost.connected, "the VMM never connected to vmm-blkd: %s",
		      text_tail(lost.err.buf, 2000));
	ck_assert_msg(!lost.probed_before_kill, "the guest probed virtio-blk before the kill at %.1f s",
		      lost.killed_at);
	/* one line on stderr about it, naming the device and its socket */
	snprintf(path, sizeof(path), "%s", tmp_path("lost.sock"));
	for (p = lost.err.buf; *p; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		if (strstr(line, path)) {
			lines++;
			snprintf(found, sizeof(found), "%s", line);
		}
	}
	ck_assert_msg(lines == 1, "%d lines name %s: %s", lines, path, lost.err.buf);
	ck_assert_msg(strstr(found, "vhost-user-blk"), "%s", found);
	/* the guest saw the disk fail, not its partition table */
	ck_assert_msg(strstr(lost.console.buf, "I/O error") ||
		      strstr(lost.console.buf, "unable to read partition table") ||
		      (strstr(lost.console.buf, "probe of virtio") && strstr(lost.console.buf, "failed")),
		      "%s", text_tail(lost.console.buf, 3000));
	ck_assert_msg(!strstr(lost.console.buf, " vda: vda1"), "%s", text_tail(lost.console.buf, 3000));
}
END_TEST

START_TEST(lost_backend_vm_ends_with_guest_status)
{
	if (skip_blkd[0]) {
		printf("SKIP lost_backend_vm_ends_with_guest_status: %s\n", skip_blkd);
		return;
	}
	ck_assert_msg(lost.ran && lost.status != -2, "the boot did not run");
	/* no root file system: the kernel panics, pvpanic ends the VMM with 3 */
	ck_assert_msg(strstr(lost.console.buf, "Kernel panic"), "%s", text_tail(lost.console.buf, 3000));
	ck_assert_msg(lost.status == 3, "exit %d after %.1f s: %s", lost.status, lost.seconds,
		      text_tail(lost.err.buf, 2000));
	ck_assert_msg(strstr(lost.err.buf, "vmm: exit 3"), "%s", text_tail(lost.err.buf, 2000));
	assert_clean_stderr(lost.err.buf);
}
END_TEST

/* Runs the VMM on the Linux kernel with extra options; it must not boot. */
static void expect_refused(const char *memory, const char *opt, const char *arg,
			   const char *const want[])
{
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--memory", (char *)memory, (char *)opt, (char *)arg, "--timeout", "20",
		"--cmdline", "console=ttyS0 earlyprintk=serial", NULL };
	struct run_result res;
	int i;

	ck_assert_int_eq(run_cmd(argv, 60, &res), 0);
	ck_assert_msg(res.status == 2, "%s %s %s: exit %d after %.1f s: %s", memory, opt, arg,
		      res.status, res.seconds, text_tail(res.err, 2000));
	ck_assert_msg(count_lines(res.err) == 1, "%s %s: %s", opt, arg, res.err);
	ck_assert_msg(!strncmp(res.err, "vmm: ", 5), "%s", res.err);
	for (i = 0; want[i]; i++)
		ck_assert_msg(strstr(res.err, want[i]), "%s %s: no '%s' in: %s", opt, arg, want[i],
			      res.err);
	ck_assert_msg(!strstr(res.out, "Linux version"), "the guest ran: %s", text_tail(res.out, 1000));
	assert_clean_stderr(res.err);
}

START_TEST(private_memory_is_refused)
{
	static const char *const want[] = { "vhost-user", "memfd", "hugetlb", NULL };
	char dev[440];

	snprintf(dev, sizeof(dev), "socket=%s", tmp_path("listener.sock"));
	expect_refused("size=256M,backend=private", "--vhost-user-blk", dev, want);
	expect_refused("size=256M,backend=heap", "--vhost-user-blk", dev, want);
	snprintf(dev, sizeof(dev), "socket=%s,mac=" NET_MAC, tmp_path("listener.sock"));
	expect_refused("size=256M,backend=private", "--vhost-user-net", dev, want);
	expect_refused("size=256M,backend=heap", "--vhost-user-net", dev, want);
}
END_TEST

/* --vhost-user-blk (and if net, --vhost-user-net) socket=sock: refused, naming sock. */
static void expect_socket_refused(const char *sock, bool net)
{
	const char *want[] = { sock, NULL };
	char dev[440];

	snprintf(dev, sizeof(dev), "socket=%s", sock);
	expect_refused("256M", "--vhost-user-blk", dev, want);
	if (net)
		expect_refused("256M", "--vhost-user-net", dev, want);
}

START_TEST(missing_socket_is_refused)
{
	expect_socket_refused(tmp_path("missing.sock"), true);
}
END_TEST

START_TEST(socket_nobody_listens_on_is_refused)
{
	ck_assert_int_eq(unix_socket_count(tmp_path("bound.sock"), true), 0);
	expect_socket_refused(tmp_path("bound.sock"), false);
}
END_TEST

START_TEST(regular_file_is_refused)
{
	expect_socket_refused(tmp_path("regular"), true);
}
END_TEST

START_TEST(option_without_socket_is_refused)
{
	static const char *const blk[] = { "--vhost-user-blk", NULL };
	static const char *const net[] = { "--vhost-user-net", NULL };

	expect_refused("256M", "--vhost-user-blk", "path=/tmp/x", blk);
	expect_refused("256M", "--vhost-user-net", "mac=" NET_MAC, net);
}
END_TEST

/* A unix socket at path: listening (never accepting), or only bound. */
static int unix_socket(const char *path, bool listen_too)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (listen_too && listen(fd, 64))) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Which peers there are; a missing one is left out, with the reason. */
static void find_peers(void)
{
	const char *blkd = getenv("VMM_BLKD");

	qsd_bin = find_program("qemu-storage-daemon");
	if (qsd_bin)
		qsd_bin = strdup(qsd_bin);
	else
		snprintf(skip_qsd, sizeof(skip_qsd),
			 "no qemu-storage-daemon in $PATH (Debian package qemu-system-common)");
	blkd_bin = blkd ? blkd : "build/vmm-blkd";
	if (access(blkd_bin, X_OK))
		snprintf(skip_blkd, sizeof(skip_blkd), "no vmm-blkd at %s ($VMM_BLKD): %s", blkd_bin,
			 strerror(errno));
	testpmd_bin = find_program("dpdk-testpmd");
	if (testpmd_bin)
		testpmd_bin = strdup(testpmd_bin);
	else
		snprintf(skip_net, sizeof(skip_net),
			 "no dpdk-testpmd in $PATH (Debian 12 ships it in package dpdk-dev)");
	if (!skip_net[0] && (!find_program("stdbuf") || access("/usr/bin/env", X_OK)))
		snprintf(skip_net, sizeof(skip_net), "no stdbuf or /usr/bin/env (coreutils)");
	if (skip_qsd[0])
		printf("SKIP qemu-storage-daemon device: %s\n", skip_qsd);
	if (skip_blkd[0])
		printf("SKIP vmm-blkd devices: %s\n", skip_blkd);
	if (skip_net[0])
		printf("SKIP vhost-user-net device: %s\n", skip_net);
}

static int setup(void)
{
	int i, fd;

	if (!make_tmpdir(tmpdir))
		return -1;
	for (i = 0; i < NR_DISKS; i++)
		if (make_disk(tmp_path(disk_kind[i].image), disk_kind[i].mib))
			return -1;
	if (make_disk(tmp_path("lost.img"), 8))
		return -1;
	fd = open(tmp_path("regular"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	listener_fd = unix_socket(tmp_path("listener.sock"), true);
	bound_fd = unix_socket(tmp_path("bound.sock"), false);
	return listener_fd < 0 || bound_fd < 0 ? -1 : 0;
}

int main(void)
{
	TCase *tc = tcase_create("peers");

	if (!kvm_usable("vhost_user") || !linux_guest_present("vhost_user"))
		return 1;
	cleanup_hook(NULL);
	/* a handler, not SIG_IGN, which the programs we exec would inherit */
	sigpipe_to_epipe();
	if (setup()) {
		printf("FAIL vhost_user suite: cannot set up %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	find_peers();
	boot_all();
	if (!skip_blkd[0])
		boot_and_lose_backend();
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, qsd_disk);
	tcase_add_test(tc, vmm_blkd_disk);
	tcase_add_test(tc, thread_backend_disk);
	tcase_add_test(tc, dhcp_reaches_testpmd);
	tcase_add_test(tc, boot_ends_cleanly_with_backends_alive);
	tcase_add_test(tc, lost_backend_fails_the_device);
	tcase_add_test(tc, lost_backend_vm_ends_with_guest_status);
	tcase_add_test(tc, private_memory_is_refused);
	tcase_add_test(tc, missing_socket_is_refused);
	tcase_add_test(tc, socket_nobody_listens_on_is_refused);
	tcase_add_test(tc, regular_file_is_refused);
	tcase_add_test(tc, option_without_socket_is_refused);
	return run_tcase("vhost_user", tc);
}
