// SPDX-License-Identifier: GPL-2.0
/*
 * --vhost-user-fs against a real virtiofsd (QEMU's, /usr/lib/qemu/virtiofsd,
 * from Debian's qemu-system-common): the Linux test kernel mounts the
 * host directory by its tag and its /init (testinit.fs=TAG) lists it,
 * reads a file and a 4 MiB file whose FNV-1a hash the test computed on the
 * host, and writes a file the test then reads on the host. One boot
 * serves the checks. A second boot kills virtiofsd while the guest has
 * the share mounted: the guest's next access fails with an error, the VMM
 * says once that the backend is lost, and the guest still powers off
 * (exit 0). Also: private guest memory is refused with the sharing
 * object's line, and a socket nobody listens on gives one line and exit 2.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

#define VIRTIOFSD	"/usr/lib/qemu/virtiofsd"
#define TAG		"hostshare"
#define ODD_NAME	"name with spaces \xc3\xbc.txt"
#define BIG_BYTES	(4 << 20)

static char tmpdir[] = "/tmp/vmm-virtiofs.XXXXXX";
static char share[300], sock[300], fs_arg[400];
static uint64_t big_fnv;
static struct run_result boot;

static int write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/* The shared directory: a text, an odd name, and a big file of known hash. */
static int fill_share(void)
{
	unsigned char *big = malloc(BIG_BYTES);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	size_t i;
	int ret;

	if (!big)
		return -1;
	big_fnv = 0xcbf29ce484222325ULL;
	for (i = 0; i < BIG_BYTES; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		big[i] = (unsigned char)x;
		big_fnv = (big_fnv ^ big[i]) * 0x100000001b3ULL;
	}
	ret = write_file(path_in(share, "from-host"), "hello from the host\n", 20) ||
	      write_file(path_in(share, ODD_NAME), "odd\n", 4) ||
	      write_file(path_in(share, "big"), big, BIG_BYTES);
	free(big);
	return ret;
}

static pid_t start_virtiofsd(const char *sock)
{
	char source[320], socket_path[340];
	char *argv[] = { VIRTIOFSD, socket_path, "-o", source, "-o", "cache=none", NULL };
	pid_t pid;

	/* This virtiofsd takes --socket-path=PATH only, not two words. */
	snprintf(socket_path, sizeof(socket_path), "--socket-path=%s", sock);
	snprintf(source, sizeof(source), "source=%s", share);
	pid = spawn_cmd(argv, NULL, NULL, NULL);
	if (pid < 0)
		return pid;
	procs_track(pid);
	if (!wait_unix_socket(sock, true, 20)) {
		printf("virtiofs: virtiofsd did not listen on %s\n", sock);
		return -1;
	}
	return pid;
}

static void boot_once(void)
{
	char *argv[] = {
		(char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--initrd", (char *)linux_guest_path("initramfs.cpio"),
		"--memory", "256M", "--vhost-user-fs", fs_arg, "--stats",
		"--cmdline", "console=ttyS0 panic=-1 testinit.fs=" TAG,
		"--timeout", "120", NULL,
	};
	pid_t fsd = start_virtiofsd(sock);

	if (fsd < 0 || run_cmd(argv, 170, &boot))
		boot.status = -2;
	printf("virtiofs boot: exit %d after %.1f s\n", boot.status, boot.seconds);
	if (fsd > 0) {
		stop_cmd(fsd, 10);
		procs_untrack(fsd);
	}
}

START_TEST(guest_mounts_the_tag)
{
	ck_assert_msg(boot.status == 0, "exit %d: %s", boot.status, text_tail(boot.err, 1200));
	ck_assert_msg(strstr(boot.out, "TEST-INIT: virtiofs " TAG ": mounted"), "%s",
		      text_tail(boot.out, 1500));
	ck_assert_msg(strstr(boot.err, "vhost-user-fs socket="), "%s", text_tail(boot.err, 1200));
}
END_TEST

START_TEST(guest_lists_odd_names)
{
	ck_assert_msg(strstr(boot.out, "TEST-INIT: virtiofs entry: " ODD_NAME "\n") ||
		      strstr(boot.out, "TEST-INIT: virtiofs entry: " ODD_NAME "\r\n"), "%s",
		      text_tail(boot.out, 1500));
}
END_TEST

START_TEST(guest_reads_what_the_host_wrote)
{
	char want[96];

	ck_assert_msg(strstr(boot.out, "TEST-INIT: virtiofs from-host: hello from the host"), "%s",
		      text_tail(boot.out, 1500));
	snprintf(want, sizeof(want), "TEST-INIT: virtiofs big: bytes=%d fnv=%016llx", BIG_BYTES,
		 (unsigned long long)big_fnv);
	ck_assert_msg(strstr(boot.out, want), "no '%s' in: %s", want, text_tail(boot.out, 1500));
}
END_TEST

START_TEST(host_reads_what_the_guest_wrote)
{
	char buf[64] = { 0 };
	int fd = open(path_in(share, "from-guest"), O_RDONLY);

	ck_assert_msg(strstr(boot.out, "TEST-INIT: virtiofs write: ok"), "%s", text_tail(boot.out, 1500));
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buf, sizeof(buf) - 1), 21);
	close(fd);
	ck_assert_str_eq(buf, "written by the guest\n");
}
END_TEST

START_TEST(private_memory_is_refused)
{
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
			 "--memory", "size=128M,backend=private", "--vhost-user-fs", fs_arg, NULL };
	struct run_result res;

	ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
	ck_assert_int_eq(res.status, 2);
	ck_assert_int_eq(count_lines(res.err), 1);
	ck_assert_msg(strstr(res.err, "vmm: --vhost-user-fs: vhost-user needs shareable guest memory: "),
		      "%s", res.err);
}
END_TEST

START_TEST(no_backend_is_one_line)
{
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
			 "--vhost-user-fs", fs_arg, NULL };
	struct run_result res;

	ck_assert_int_eq(run_cmd(argv, 30, &res), 0);	/* virtiofsd has stopped */
	ck_assert_int_eq(res.status, 2);
	ck_assert_int_eq(count_lines(res.err), 1);
	ck_assert_msg(strstr(res.err, "cannot connect"), "%s", res.err);
}
END_TEST

/* Reads the texts until needle is in t or timeout_s passes. */
static bool pump_until(struct text *const texts[], struct text *t, const char *needle,
		       double timeout_s)
{
	double end = monotonic_seconds() + timeout_s;

	while (!strstr(t->buf, needle) && monotonic_seconds() < end && t->fd >= 0)
		text_pump(texts, 2, 0.5);
	return strstr(t->buf, needle) != NULL;
}

START_TEST(killed_virtiofsd_fails_requests_not_the_vm)
{
	char sock2[320], arg2[400];
	char *argv[] = {
		(char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--initrd", (char *)linux_guest_path("initramfs.cpio"),
		"--memory", "256M", "--vhost-user-fs", arg2, "--stats",
		"--cmdline", "console=ttyS0 panic=-1 testinit.fs=" TAG " testinit.fs_wait",
		"--timeout", "150", NULL,
	};
	static struct text out, err;
	struct text *const texts[] = { &out, &err };
	pid_t fsd, vmm;
	int in, status;

	snprintf(sock2, sizeof(sock2), "%s/fs2.sock", tmpdir);
	snprintf(arg2, sizeof(arg2), "socket=%s,tag=%s", sock2, TAG);
	fsd = start_virtiofsd(sock2);
	ck_assert_int_gt(fsd, 0);
	vmm = spawn_cmd(argv, &in, &out.fd, &err.fd);
	ck_assert_int_gt(vmm, 0);
	procs_track(vmm);
	ck_assert_msg(pump_until(texts, &out, "TEST-INIT: virtiofs waiting", 150), "%s\n%s",
		      text_tail(out.buf, 1500), text_tail(err.buf, 600));

	kill(fsd, SIGKILL);
	ck_assert_int_eq(waitpid(fsd, NULL, 0), fsd);
	procs_untrack(fsd);
	ck_assert_msg(pump_until(texts, &err, "backend lost", 30), "%s", text_tail(err.buf, 1200));
	ck_assert_int_eq(write(in, "go\n", 3), 3);
	close(in);

	ck_assert_msg(pump_until(texts, &out, "TEST-INIT: done", 60), "%s\n%s", text_tail(out.buf, 1500),
		      text_tail(err.buf, 1500));
	status = wait_cmd(vmm, 60);
	printf("virtiofs killed backend: vmm exit %d, guest: %s\n", status,
	       strstr(out.buf, "TEST-INIT: virtiofs after: ") ?: "(no after line)");
	procs_untrack(vmm);
	while (out.fd >= 0 || err.fd >= 0)
		text_pump(texts, 2, 1);
	ck_assert_msg(strstr(out.buf, "TEST-INIT: virtiofs after: ") &&
		      !strstr(out.buf, "TEST-INIT: virtiofs after: ok"), "%s", text_tail(out.buf, 1500));
	ck_assert_msg(status == 0, "exit %d: %s", status, text_tail(err.buf, 1200));
	ck_assert_msg(!strstr(strstr(err.buf, "backend lost (") + 1, "backend lost ("),
		      "reported more than once: %s", err.buf);
	/* --stats: the device says so too */
	ck_assert_msg(strstr(err.buf, ", backend lost\n"), "%s", err.buf);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("virtiofsd");

	if (!kvm_usable("virtiofs") || !linux_guest_present("virtiofs"))
		return 1;
	if (access(VIRTIOFSD, X_OK)) {
		printf("FAIL virtiofs suite: no %s (Debian's qemu-system-common)\n", VIRTIOFSD);
		return 1;
	}
	if (!make_tmpdir(tmpdir))	/* removed by the clean-up */
		return 1;
	snprintf(share, sizeof(share), "%s/share", tmpdir);
	snprintf(sock, sizeof(sock), "%s/fs.sock", tmpdir);
	snprintf(fs_arg, sizeof(fs_arg), "socket=%s,tag=%s", sock, TAG);
	if (mkdir(share, 0755) || fill_share()) {
		printf("FAIL virtiofs suite: cannot fill %s: %s\n", share, strerror(errno));
		return 1;
	}
	boot_once();
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, guest_mounts_the_tag);
	tcase_add_test(tc, guest_lists_odd_names);
	tcase_add_test(tc, guest_reads_what_the_host_wrote);
	tcase_add_test(tc, host_reads_what_the_guest_wrote);
	tcase_add_test(tc, killed_virtiofsd_fails_requests_not_the_vm);
	tcase_add_test(tc, private_memory_is_refused);
	tcase_add_test(tc, no_backend_is_one_line);
	return run_tcase("virtiofs", tc);
}
