// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-blkd behind a frontend we did not write: QEMU's vhost-user-blk on
 * its microvm machine (virtio-mmio, guest RAM in a shared memfd) boots
 * the Linux test kernel, whose virtio-blk driver must find our disk with
 * the right capacity and read its MBR partition table through vmm-blkd.
 * Then vmm-blkd must have logged the connection and the end of it, serve
 * the next frontend, and stop with status 0 on SIGTERM, removing its
 * socket. Bad usage (a socket path that is not a socket, a missing disk,
 * unknown options) ends with status 2 and one line. The guest's user
 * space cannot run on PVM hosts, so QEMU is stopped as soon as the kernel
 * has printed the partition. Skipped only if qemu-system-x86_64 is
 * missing.
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
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "devices/vhost_user.h"
#include "tests/helpers.h"

#define DISK_MIB	16
#define BOOT_TIMEOUT_S	240
#define QEMU		"qemu-system-x86_64"

static char tmpdir[] = "/tmp/vmm-blkd.XXXXXX";
static char disk[300], sock[300], qemu_path[300];
static char guest_log[1 << 20];		/* QEMU's serial console */
static char blkd_log[1 << 16];		/* vmm-blkd's stderr */
static char qemu_err[4096];
static bool have_qemu, guest_saw_partition;
static uint64_t next_features;		/* from our own second frontend */
static int blkd_status = -2;

static const char *blkd_path(void)
{
	const char *p = getenv("VMM_BLKD");

	return p && *p ? p : "build/vmm-blkd";
}

static bool find_qemu(void)
{
	const char *dirs[] = { "/usr/bin", "/usr/local/bin", "/bin" };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(qemu_path, sizeof(qemu_path), "%s/%s", dirs[i], QEMU);
		if (access(qemu_path, X_OK) == 0)
			return true;
	}
	return false;
}

/* Appends whatever fd has to buf (NUL-terminated) without waiting long. */
static void drain(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t used = strlen(buf);
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (used + 1 < len && poll(&p, 1, timeout_ms) == 1) {
		ssize_t n = read(fd, buf + used, len - 1 - used);

		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
	}
}

/* A second frontend, ours: GET_FEATURES and hang up. 0 on failure. */
static uint64_t probe_features(void)
{
	struct vhost_user_msg m = { .request = VHOST_USER_GET_FEATURES,
				    .flags = VHOST_USER_VERSION };
	struct timeval tv = { .tv_sec = 5 };
	unsigned int n;
	int fd = vhost_user_connect(sock), fds[1];
	uint64_t f = 0;

	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!vhost_user_send(fd, &m, NULL, 0) &&
	    !vhost_user_recv(fd, &m, fds, 0, &n) && m.size == 8)
		f = m.payload.u64;
	close(fd);
	return f;
}

static pid_t start_qemu(int *out, int *err)
{
	static char append[256], chardev[400];
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
	char *argv[] = {
		qemu_path, "-M", "microvm,acpi=off,memory-backend=mem", "-enable-kvm",
		"-cpu", pvm ? "host,-xsave,-avx,-avx2,-smap,-smep,-pku,-umip,-popcnt,"
			      "-kvm-pv-ipi,-kvm-pv-sched-yield,-kvm-pv-tlb-flush,-kvm-pv-unhalt"
			    : "host",
		"-m", "256M", "-object", "memory-backend-memfd,id=mem,size=256M,share=on",
		"-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
		"-serial", "stdio", "-no-reboot",
		"-kernel", (char *)linux_guest_path("vmlinux"), "-append", append,
		/* virtio 1.x on virtio-mmio (QEMU's default there is legacy) */
		"-global", "virtio-mmio.force-legacy=false",
		"-chardev", chardev, "-device", "vhost-user-blk,chardev=c0",
		NULL,
	};

	snprintf(append, sizeof(append), "console=ttyS0 panic=-1%s",
		 pvm ? " clearcpuid=popcnt,xsave,avx,smep,avx2,smap,umip,pku" : "");
	snprintf(chardev, sizeof(chardev), "socket,id=c0,path=%s", sock);
	return spawn_cmd(argv, NULL, out, err);
}

/*
 * Reads the guest's console and vmm-blkd's log until the kernel has read
 * the partition table, vmm-blkd dropped QEMU (no point waiting), QEMU
 * ended, or BOOT_TIMEOUT_S passed.
 */
static bool wait_for_partition(int q_out, int blkd_err)
{
	struct timespec t0, t;
	size_t used = 0, bused = strlen(blkd_log);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p[2] = { { q_out, POLLIN, 0 }, { blkd_err, POLLIN, 0 } };
		ssize_t n;

		if (strstr(guest_log, " vda: vda1"))
			return true;
		if (strstr(blkd_log, "frontend dropped"))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > BOOT_TIMEOUT_S || used + 1 >= sizeof(guest_log) ||
		    poll(p, 2, 1000) < 0)
			return false;
		if (p[0].revents) {
			n = read(q_out, guest_log + used, sizeof(guest_log) - 1 - used);
			if (n <= 0)
				return false;
			used += (size_t)n;
			guest_log[used] = '\0';
		}
		if (p[1].revents && bused + 1 < sizeof(blkd_log)) {
			n = read(blkd_err, blkd_log + bused, sizeof(blkd_log) - 1 - bused);
			if (n > 0) {
				bused += (size_t)n;
				blkd_log[bused] = '\0';
			}
		}
	}
}

/* The one boot: vmm-blkd, QEMU until the partition shows, then the rest. */
static void run_scenario(void)
{
	char *blkd_argv[] = { (char *)blkd_path(), "--socket", sock, "--disk", disk,
			      "--verbose", NULL };
	int blkd_err = -1, q_out = -1, q_err = -1;
	pid_t blkd, qemu;

	blkd = spawn_cmd(blkd_argv, NULL, NULL, &blkd_err);
	if (blkd < 0)
		return;
	if (read_until(blkd_err, blkd_log, sizeof(blkd_log), "vmm-blkd: serving", 10)) {
		qemu = start_qemu(&q_out, &q_err);
		if (qemu > 0) {
			guest_saw_partition = wait_for_partition(q_out, blkd_err);
			kill(qemu, SIGTERM);
			if (wait_cmd(qemu, 10) == -1)
				fprintf(stderr, "qemu did not stop on SIGTERM\n");
			drain(q_out, guest_log, sizeof(guest_log), 0);
			drain(q_err, qemu_err, sizeof(qemu_err), 0);
			close(q_out);
			close(q_err);
		}
		read_until(blkd_err, blkd_log, sizeof(blkd_log), "vmm-blkd: frontend gone", 10);
		next_features = probe_features();
	}
	kill(blkd, SIGTERM);
	blkd_status = wait_cmd(blkd, 10);
	drain(blkd_err, blkd_log, sizeof(blkd_log), 100);
	close(blkd_err);
	printf("vmm-blkd + qemu: partition %s, vmm-blkd exit %d\n",
	       guest_saw_partition ? "seen" : "NOT seen", blkd_status);
}

START_TEST(qemu_guest_sees_the_disk_and_its_partition)
{
	char want[96];

	snprintf(want, sizeof(want), "[vda] %d 512-byte logical blocks", DISK_MIB * 2048);
	ck_assert_msg(strstr(guest_log, want), "no '%s'; guest: %s\nqemu: %s\nvmm-blkd: %s", want,
		      text_tail(guest_log, 800), qemu_err, text_tail(blkd_log, 1500));
	ck_assert_msg(guest_saw_partition, "no ' vda: vda1'; guest: %s\nvmm-blkd: %s",
		      text_tail(guest_log, 800), text_tail(blkd_log, 1500));
}
END_TEST

START_TEST(vmm_blkd_logged_the_connection)
{
	const char *conn = strstr(blkd_log, "vmm-blkd: frontend connected");

	ck_assert_msg(conn, "%s", blkd_log);
	/* QEMU set up memory and the ring, and hung up without an error */
	ck_assert_msg(strstr(conn, "vhost-user: SET_MEM_TABLE"), "%s", blkd_log);
	ck_assert_msg(strstr(conn, "vhost-user: SET_VRING_KICK"), "%s", blkd_log);
	ck_assert_msg(strstr(conn, "vmm-blkd: frontend gone"), "%s", text_tail(blkd_log, 1500));
	ck_assert_msg(!strstr(blkd_log, "frontend dropped"), "%s", text_tail(blkd_log, 1500));
}
END_TEST

START_TEST(vmm_blkd_serves_the_next_frontend_and_stops_on_sigterm)
{
	struct stat st;

	ck_assert_msg(next_features & (1ULL << 32), "features %#llx",
		      (unsigned long long)next_features);
	ck_assert_int_eq(blkd_status, 0);
	ck_assert_msg(strstr(blkd_log, "vmm-blkd: stopped by Terminated"), "%s",
		      text_tail(blkd_log, 500));
	ck_assert_int_eq(stat(sock, &st), -1);
}
END_TEST

static void expect_usage_error(char **argv, const char *what)
{
	struct run_result r;

	ck_assert_int_eq(run_cmd(argv, 10, &r), 0);
	ck_assert_msg(r.status == 2, "%s: exit %d: %s", what, r.status, r.err);
	ck_assert_msg(count_lines(r.err) == 1 && strstr(r.err, "vmm-blkd: "), "%s: %s", what, r.err);
}

START_TEST(bad_usage_exits_2_with_one_line)
{
	char plain[320], missing[320], stale[320];
	char *b = (char *)blkd_path();
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct run_result r;
	int fd;

	snprintf(plain, sizeof(plain), "%s/plain", tmpdir);
	snprintf(missing, sizeof(missing), "%s/missing.img", tmpdir);
	snprintf(stale, sizeof(stale), "%s/stale.sock", tmpdir);
	fd = open(plain, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);

	expect_usage_error((char *[]){ b, NULL }, "no options");
	expect_usage_error((char *[]){ b, "--socket", stale, "--bogus", NULL }, "unknown option");
	expect_usage_error((char *[]){ b, "--socket", stale, "--disk", missing, NULL }, "missing disk");
	expect_usage_error((char *[]){ b, "--socket", stale, "--disk", "x,rw", NULL }, "bad flag");
	expect_usage_error((char *[]){ b, "--socket", plain, "--disk", disk, NULL }, "not a socket");
	ck_assert_int_eq(access(plain, F_OK), 0);	/* left alone */

	ck_assert_int_eq(run_cmd((char *[]){ b, "--help", NULL }, 10, &r), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: vmm-blkd"));
	ck_assert_int_eq(run_cmd((char *[]){ b, "--version", NULL }, 10, &r), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "vmm-blkd "));

	/* a stale socket file is replaced */
	strcpy(addr.sun_path, stale);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	ck_assert_int_eq(run_cmd((char *[]){ b, "--socket", stale, "--disk", disk, NULL }, 1, &r), 0);
	ck_assert_msg(strstr(r.err, "vmm-blkd: serving"), "%s", r.err);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("vmm_blkd");
	char mk[700];

	if (!make_tmpdir(tmpdir)) {	/* removed by the clean-up */
		perror("mkdtemp");
		return 1;
	}
	snprintf(disk, sizeof(disk), "%s/disk.img", tmpdir);
	snprintf(sock, sizeof(sock), "%s/blk.sock", tmpdir);
	signal(SIGPIPE, SIG_IGN);
	snprintf(mk, sizeof(mk), "sh guests/linux/make-mbr-disk.sh %s %d", disk, DISK_MIB);
	if (system(mk)) {
		fprintf(stderr, "cannot make %s\n", disk);
		return 1;
	}
	have_qemu = find_qemu();
	if (have_qemu)
		run_scenario();
	else
		printf("SKIP vmm-blkd behind QEMU: %s not found (package qemu-system-x86)\n", QEMU);

	tcase_set_timeout(tc, 60);
	if (have_qemu) {
		tcase_add_test(tc, qemu_guest_sees_the_disk_and_its_partition);
		tcase_add_test(tc, vmm_blkd_logged_the_connection);
		tcase_add_test(tc, vmm_blkd_serves_the_next_frontend_and_stops_on_sigterm);
	}
	tcase_add_test(tc, bad_usage_exits_2_with_one_line);
	return run_tcase("vmm_blkd", tc);
}
