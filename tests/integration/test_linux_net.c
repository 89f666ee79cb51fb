// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net on a real tap device, with the Linux test kernel (`make
 * test-kernel`) on the real /dev/kvm; root only.
 *
 * The test makes a tap (vmmtapPID, 10.99.N.1/24 on the host side), boots
 * the kernel once with `--net tap=...,mac=52:54:00:12:34:56` and
 * `ip=10.99.N.2::10.99.N.1:255.255.255.0::eth0:off`, and no initramfs with
 * `rootdelay=`: the kernel configures eth0 (IP-Config names the device and
 * the MAC, so virtio_net probed it) and then idles for a few seconds,
 * network up, before it fails to mount a root and panics. In that window
 * the host pings the guest: the ARP request and the echo request go
 * host → tap → VMM → guest, and the guest kernel's ARP reply and echo
 * reply come back, so the tap's rx counters grow, the host's ARP table
 * holds our MAC, and --stats counts bytes to the guest. (A static ip= sends
 * nothing by itself; ip=dhcp with no server costs about 170 s of retries.)
 *
 * Also: a second VMM on the busy tap, a name that is not a tap, and a tap
 * to create without CAP_NET_ADMIN are refused at start-up with one line
 * and status 2; a tap that does not exist is created for the VM and gone
 * after it. The taps are deleted at
 * the end, on failure and on SIGINT/SIGTERM/SIGHUP/SIGQUIT too.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

#define MAC		"52:54:00:12:34:56"
#define ROOTDELAY	5	/* seconds the guest idles with eth0 up */

static char tap[16], new_tap[16];	/* ours, and one the VMM creates */
static char host_ip[16], guest_ip[16];
static bool tap_made;

/* What the one boot left behind, for the checks. */
static struct {
	int status;
	char out[65536], err[16384];
	double seconds, ip_config_at;
	unsigned long long rx_packets[2], rx_bytes[2];	/* before, after */
	int pings_sent, pings_answered;
	double ping_ms;
	char arp[256];		/* the host's ARP entry for the guest */
	struct run_result busy;	/* a second VMM on the same tap */
} boot;

/* fork, execvp, wait: async-signal-safe enough for the cleanup path. */
static int ip(const char *a, const char *b, const char *c, const char *d,
	      const char *e, const char *f)
{
	const char *argv[] = { "ip", a, b, c, d, e, f, NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execvp("ip", (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The clean-up's extra, in main's process; and after the boot. */
static void delete_taps(void)
{
	char path[64];

	if (tap_made && ip("link", "del", "dev", tap, NULL, NULL) == 0)
		tap_made = false;
	snprintf(path, sizeof(path), "/sys/class/net/%s", new_tap);
	if (new_tap[0] && access(path, F_OK) == 0)
		ip("link", "del", "dev", new_tap, NULL, NULL);	/* if it stayed */
}

static int make_tap(void)
{
	unsigned int n = (unsigned int)getpid() % 250 + 1;
	char cidr[24];

	snprintf(tap, sizeof(tap), "vmmtap%u", (unsigned int)getpid() % 100000);
	snprintf(new_tap, sizeof(new_tap), "vmmnew%u", (unsigned int)getpid() % 100000);
	snprintf(host_ip, sizeof(host_ip), "10.99.%u.1", n);
	snprintf(guest_ip, sizeof(guest_ip), "10.99.%u.2", n);
	snprintf(cidr, sizeof(cidr), "%s/24", host_ip);
	if (ip("tuntap", "add", "dev", tap, "mode", "tap"))
		return -1;
	tap_made = true;
	if (ip("link", "set", "dev", tap, "up", NULL) ||
	    ip("addr", "add", cidr, "dev", tap, NULL))
		return -1;
	return 0;
}

static unsigned long long tap_stat(const char *name)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", tap, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static uint16_t inet_checksum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* One ICMP echo to the guest; true if its reply came within timeout_ms. */
static bool ping_once(uint16_t seq, int timeout_ms)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct icmphdr req = { .type = ICMP_ECHO };
	double deadline = monotonic_seconds() + timeout_ms / 1000.0;
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	bool answered = false;

	if (fd < 0)
		return false;
	inet_pton(AF_INET, guest_ip, &to.sin_addr);
	req.un.echo.id = htons((uint16_t)getpid());
	req.un.echo.sequence = htons(seq);
	req.checksum = inet_checksum(&req, sizeof(req));
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		goto out;
	while (!answered && monotonic_seconds() < deadline) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint8_t buf[1500];
		const struct iphdr *iph = (const void *)buf;
		const struct icmphdr *icmp;
		ssize_t n;

		if (poll(&p, 1, (int)((deadline - monotonic_seconds()) * 1000) + 1) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(*iph) ||
		    n < (ssize_t)(iph->ihl * 4 + sizeof(*icmp)))
			continue;
		icmp = (const void *)(buf + iph->ihl * 4);
		answered = iph->saddr == to.sin_addr.s_addr && icmp->type == ICMP_ECHOREPLY &&
			   icmp->un.echo.id == req.un.echo.id;
	}
out:
	close(fd);
	return answered;
}

/* Pings until one is answered or the guest's idle window has passed. */
static void ping_guest(void)
{
	double deadline = monotonic_seconds() + ROOTDELAY - 1;

	while (!boot.pings_answered && monotonic_seconds() < deadline) {
		double t = monotonic_seconds();

		boot.pings_sent++;
		if (ping_once((uint16_t)boot.pings_sent, 1000)) {
			boot.pings_answered++;
			boot.ping_ms = (monotonic_seconds() - t) * 1000;
		} else if (monotonic_seconds() - t < 1) {
			usleep((useconds_t)((1 - (monotonic_seconds() - t)) * 1e6));	/* send failed */
		}
	}
}

static void read_arp_entry(void)
{
	char line[256];
	FILE *f = fopen("/proc/net/arp", "r");
	size_t n = strlen(guest_ip);

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, guest_ip, n) && line[n] == ' ')
			snprintf(boot.arp, sizeof(boot.arp), "%s", line);
	fclose(f);
}

/* Reads fd until EOF (or the deadline) after what buf already holds. */
static void drain(int fd, char *buf, size_t len, double timeout_s)
{
	read_until(fd, buf, len, "\x01 never printed", timeout_s);
	close(fd);
}

/* The --stats line of the virtio-net device, or NULL. */
static const char *net_stats(void)
{
	const char *p = strstr(boot.err, " virtio-net at ");

	while (p && p > boot.err && p[-1] != '\n')
		p--;
	return p;
}

static void boot_once(void)
{
	char net[64], cmdline[256];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
			 "--memory", "128M", "--net", net, "--stats",
			 "--cmdline", cmdline, "--timeout", "300", NULL };
	double start = monotonic_seconds();
	int out_fd, err_fd;
	pid_t vmm_pid;

	snprintf(net, sizeof(net), "tap=%s,mac=" MAC, tap);
	snprintf(cmdline, sizeof(cmdline),
		 "console=ttyS0 panic=-1 ip=%s::%s:255.255.255.0::eth0:off rootdelay=%d",
		 guest_ip, host_ip, ROOTDELAY);
	boot.rx_packets[0] = tap_stat("rx_packets");
	boot.rx_bytes[0] = tap_stat("rx_bytes");
	vmm_pid = spawn_cmd(argv, NULL, &out_fd, &err_fd);
	if (vmm_pid < 0) {
		boot.status = -2;
		return;
	}
	procs_track(vmm_pid);	/* the clean-up kills it before it deletes the taps */
	if (read_until(out_fd, boot.out, sizeof(boot.out), "before mounting root device", 330)) {
		boot.ip_config_at = monotonic_seconds() - start;
		ping_guest();
		read_arp_entry();	/* flushed when the VMM lets go of the tap */
		/* the tap is attached now: a second VMM must be refused */
		argv[11] = "10";
		if (run_cmd(argv, 30, &boot.busy))
			boot.busy.status = -2;
	}
	drain(out_fd, boot.out, sizeof(boot.out), 330 - (monotonic_seconds() - start));
	drain(err_fd, boot.err, sizeof(boot.err), 10);
	boot.status = wait_cmd(vmm_pid, 30);
	procs_untrack(vmm_pid);
	boot.seconds = monotonic_seconds() - start;
	boot.rx_packets[1] = tap_stat("rx_packets");
	boot.rx_bytes[1] = tap_stat("rx_bytes");
	printf("linux net boot: exit %d after %.1f s, eth0 configured at %.1f s, %d/%d pings answered (%.0f ms)\n",
	       boot.status, boot.seconds, boot.ip_config_at, boot.pings_answered,
	       boot.pings_sent, boot.ping_ms);
	printf("linux net boot: tap rx %llu packets, %llu bytes; ARP: %s",
	       boot.rx_packets[1] - boot.rx_packets[0], boot.rx_bytes[1] - boot.rx_bytes[0],
	       boot.arp[0] ? boot.arp : "none\n");
	if (net_stats())
		printf("linux net boot: %.*s\n", (int)strcspn(net_stats(), "\n"), net_stats());
}

START_TEST(virtio_net_probed)
{
	char want[160];

	ck_assert_msg(strstr(boot.out, "IP-Config: Complete"), "%s", text_tail(boot.out, 1500));
	snprintf(want, sizeof(want), "device=eth0, hwaddr=" MAC ", ipaddr=%s, mask=255.255.255.0, gw=%s",
		 guest_ip, host_ip);
	ck_assert_msg(strstr(boot.out, want), "no '%s' in: %s", want, text_tail(boot.out, 1500));
}
END_TEST

START_TEST(guest_frames_reach_the_host)
{
	ck_assert_msg(boot.rx_packets[1] > boot.rx_packets[0] && boot.rx_bytes[1] > boot.rx_bytes[0],
		      "tap rx_packets %llu -> %llu, rx_bytes %llu -> %llu",
		      boot.rx_packets[0], boot.rx_packets[1], boot.rx_bytes[0], boot.rx_bytes[1]);
	/* the guest's ARP reply: our MAC, complete (flags 0x2), on our tap */
	ck_assert_msg(strstr(boot.arp, MAC) && strstr(boot.arp, " 0x2 ") && strstr(boot.arp, tap),
		      "ARP entry for %s: '%s'", guest_ip, boot.arp);
}
END_TEST

START_TEST(host_frames_reach_the_guest)
{
	const char *st = net_stats();
	unsigned long long features = 0, requests = 0, bytes = 0;

	ck_assert_msg(boot.pings_answered > 0, "%d pings to %s, none answered: %s",
		      boot.pings_sent, guest_ip, text_tail(boot.out, 1500));
	ck_assert_msg(st, "%s", boot.err);
	ck_assert_int_eq(sscanf(strstr(st, "features "), "features 0x%llx, %llu requests, %llu bytes",
				&features, &requests, &bytes), 3);
	ck_assert_msg(bytes > 0 && requests > 0, "%.200s", st);
	/* the driver took VERSION_1, MAC and STATUS */
	ck_assert_msg((features & ((1ULL << 32) | (1ULL << 5) | (1ULL << 16))) ==
		      ((1ULL << 32) | (1ULL << 5) | (1ULL << 16)), "%.200s", st);
}
END_TEST

START_TEST(ends_as_expected)
{
	/* no root fs: the kernel panics; 0 (reset) or 3 (pvpanic) */
	ck_assert_msg(strstr(boot.out, "Unable to mount root fs"), "%s", text_tail(boot.out, 1500));
	ck_assert_msg(boot.status >= 0 && boot.status != 1 && boot.status != 2 &&
		      boot.status != 124, "exit %d: %s", boot.status, text_tail(boot.err, 1500));
	ck_assert_msg(strstr(boot.err, "vmm: exit "), "%s", text_tail(boot.err, 1500));
}
END_TEST

static void expect_refused(const struct run_result *res, const char *want)
{
	ck_assert_msg(res->status == 2, "exit %d: %s", res->status, res->err);
	ck_assert_msg(strstr(res->err, want), "no '%s' in: %s", want, res->err);
	ck_assert_int_eq(count_lines(res->err), 1);
}

START_TEST(busy_tap_is_refused)
{
	char want[64];

	snprintf(want, sizeof(want), "vmm: --net tap=%s: in use by another process", tap);
	expect_refused(&boot.busy, want);
}
END_TEST

START_TEST(not_a_tap_is_refused)
{
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
			 "--memory", "64M", "--net", "tap=lo", NULL };
	struct run_result res;

	ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
	expect_refused(&res, "vmm: --net tap=lo: exists and is not a single-queue tap device");
}
END_TEST

START_TEST(no_cap_net_admin_is_refused)
{
	char net[32];
	char *argv[] = { "/usr/bin/setpriv", "--bounding-set", "-net_admin", "--",
			 (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
			 "--memory", "64M",
			 "--net", net, NULL };
	struct run_result res;

	if (access(argv[0], X_OK)) {
		printf("SKIP no_cap_net_admin_is_refused: no %s\n", argv[0]);
		return;
	}
	snprintf(net, sizeof(net), "tap=%s", new_tap);	/* does not exist */
	ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
	expect_refused(&res, "needs CAP_NET_ADMIN");
}
END_TEST

START_TEST(missing_tap_is_created_for_the_vm)
{
	char net[32], path[64];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("spin"),
			 "--memory", "64M", "--net", net, "--timeout", "20", NULL };
	char out[4096] = "";
	int out_fd;
	pid_t pid;

	snprintf(net, sizeof(net), "tap=%s", new_tap);
	snprintf(path, sizeof(path), "/sys/class/net/%s", new_tap);
	ck_assert_msg(access(path, F_OK), "%s exists already", new_tap);
	pid = spawn_cmd(argv, NULL, &out_fd, NULL);
	ck_assert_int_gt(pid, 0);
	ck_assert(read_until(out_fd, out, sizeof(out), "spinning", 20));
	ck_assert_msg(access(path, F_OK) == 0, "no %s while the VM runs", new_tap);
	kill(pid, SIGTERM);
	ck_assert_int_eq(wait_cmd(pid, 20), 128 + SIGTERM);
	close(out_fd);
	ck_assert_msg(access(path, F_OK), "%s outlived the VM", new_tap);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("tap");

	if (geteuid()) {
		printf("SKIP linux_net suite: needs root to make a tap device\n");
		return 0;
	}
	/* As a distribution would at boot: the tun module provides the node. */
	if (access("/dev/net/tun", F_OK) && system("modprobe tun >/dev/null 2>&1"))
		printf("linux_net: no /dev/net/tun and modprobe tun failed\n");
	if (access("/dev/net/tun", R_OK | W_OK)) {
		printf("SKIP linux_net suite: /dev/net/tun not usable: %s\n", strerror(errno));
		return 0;
	}
	if (!kvm_usable("linux_net"))
		return 1;
	if (system("ip -V >/dev/null 2>&1")) {
		printf("SKIP linux_net suite: no ip command (iproute2)\n");
		return 0;
	}
	if (!linux_guest_present("linux_net"))
		return 1;
	cleanup_hook(delete_taps);
	if (make_tap()) {
		printf("FAIL linux_net suite: cannot set up tap %s with %s/24\n", tap, host_ip);
		return 1;
	}
	boot_once();
	delete_taps();
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, virtio_net_probed);
	tcase_add_test(tc, guest_frames_reach_the_host);
	tcase_add_test(tc, host_frames_reach_the_guest);
	tcase_add_test(tc, ends_as_expected);
	tcase_add_test(tc, busy_tap_is_refused);
	tcase_add_test(tc, not_a_tap_is_refused);
	tcase_add_test(tc, no_cap_net_admin_is_refused);
	tcase_add_test(tc, missing_tap_is_created_for_the_vm);
	return run_tcase("linux_net", tc);
}
