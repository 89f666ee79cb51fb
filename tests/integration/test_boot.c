// SPDX-License-Identifier: GPL-2.0
/*
 * Boots the tiny test guests on the real /dev/kvm and checks what a user
 * or a CI script sees: the console output, the memory map the guest was
 * given, and the exit status for each way a VM can end (reset, a status
 * the guest chose, triple fault, timeout, signal), with every memory
 * backend and several vCPUs.
 */
#include <check.h>
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "tests/helpers.h"

#define HUGE_PAGES 32		/* 2 MiB pages of the biggest hugetlb guest */

static struct run_result res;

/* Set up in main(), undone at exit by tests/helpers.c; why NULL if usable. */
static const char *huge_why, *huge_mnt, *mnt_why;

static void run_vmm(const char *guest, const char *memory, const char *extra,
		    double timeout)
{
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)vmm_path();
	argv[n++] = "--kernel";
	argv[n++] = (char *)guest_path(guest);
	argv[n++] = "--memory";
	argv[n++] = (char *)memory;
	if (extra) {
		static char buf[256];
		char *save = NULL, *tok;

		snprintf(buf, sizeof(buf), "%s", extra);
		for (tok = strtok_r(buf, " ", &save); tok && n < 15;
		     tok = strtok_r(NULL, " ", &save))
			argv[n++] = tok;
	}
	argv[n] = NULL;
	ck_assert_int_eq(run_cmd(argv, timeout, &res), 0);
}

static void assert_hello(const char *ram_end)
{
	ck_assert_msg(res.status == 0, "exit %d, stderr: %s", res.status, res.err);
	ck_assert_msg(strstr(res.out, "Hello from the guest!\n"), "stdout: %s", res.out);
	ck_assert_msg(strstr(res.out, ram_end), "want '%s' in: %s", ram_end, res.out);
	ck_assert_msg(strstr(res.err, "vmm: exit 0: guest reset the machine (i8042)\n"),
		      "stderr: %s", res.err);
}

START_TEST(hello_memfd)
{
	run_vmm("hello", "64M", NULL, 30);
	assert_hello("RAM ends at 0x0000000004000000");
	/* 64 MiB minus the 384 KiB hole below 1 MiB */
	ck_assert_msg(strstr(res.out, "usable RAM 66714624 bytes"), "%s", res.out);
}
END_TEST

START_TEST(hello_private)
{
	run_vmm("hello", "size=64M,backend=private", NULL, 30);
	assert_hello("RAM ends at 0x0000000004000000");
}
END_TEST

START_TEST(hello_heap)
{
	run_vmm("hello", "size=32M,backend=heap", NULL, 30);
	assert_hello("RAM ends at 0x0000000002000000");
}
END_TEST

/* hello with huge page memory, or "SKIP test: why" if there is none. */
static void hello_huge(const char *test, const char *why, const char *mem, const char *ram_end)
{
	if (why) {
		printf("SKIP %s: %s\n", test, why);
		return;
	}
	run_vmm("hello", mem, NULL, 30);
	assert_hello(ram_end);
}

START_TEST(hello_hugetlb)
{
	hello_huge("hello_hugetlb", huge_why, "size=64M,backend=hugetlb",
		   "RAM ends at 0x0000000004000000");
}
END_TEST

START_TEST(hello_hugetlbfs_path)
{
	char mem[128];

	snprintf(mem, sizeof(mem), "size=32M,backend=hugetlb,path=%s", huge_mnt ? huge_mnt : "");
	hello_huge("hello_hugetlbfs_path", mnt_why, mem, "RAM ends at 0x0000000002000000");
}
END_TEST

START_TEST(hello_above_4g)
{
	/* 3 GiB below the hole and 128 MiB above 4 GiB: two regions. */
	run_vmm("hello", "3200M", NULL, 60);
	assert_hello("RAM ends at 0x0000000108000000");
	ck_assert_msg(strstr(res.out, "e820 entries 4"), "%s", res.out);
}
END_TEST

START_TEST(hello_smp_stats)
{
	run_vmm("hello", "64M", "--cpus 4 --stats", 30);
	assert_hello("RAM ends at 0x0000000004000000");
	ck_assert_msg(strstr(res.err, "vmm: exits: io="), "%s", res.err);
}
END_TEST

START_TEST(guest_chosen_status)
{
	run_vmm("status", "64M", NULL, 30);
	ck_assert_int_eq(res.status, 42);
	ck_assert_msg(strstr(res.out, "status: exiting with 42"), "%s", res.out);
	ck_assert_msg(strstr(res.err, "vmm: exit 42: "), "%s", res.err);
}
END_TEST

START_TEST(guest_chosen_status_qemu_encoding)
{
	run_vmm("status", "64M", "--debug-exit qemu", 30);
	ck_assert_int_eq(res.status, (42 << 1) | 1);
	ck_assert_msg(strstr(res.err, "vmm: exit 85: guest wrote N to the debug-exit port"
			     " (status (N << 1) | 1, as QEMU's isa-debug-exit)"), "%s", res.err);
}
END_TEST

/*
 * How far the VMM read a file given as its stdin while the spin guest ran
 * for a second: the file offset it leaves behind.
 */
static off_t stdin_read_by_vmm(const char *console_input)
{
	char path[] = "/tmp/vmm-stdin-XXXXXX";
	char line[64];
	int fd = mkstemp(path), status, i;
	pid_t pid;
	off_t off;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	for (i = 0; i < 64; i++) {
		snprintf(line, sizeof(line), "line %d of the script's own input\n", i);
		ck_assert_int_eq(write(fd, line, strlen(line)), (ssize_t)strlen(line));
	}
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(fd, STDIN_FILENO);
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execl(vmm_path(), vmm_path(), "--kernel", guest_path("spin"), "--memory", "64M",
		      "--timeout", "1", "--console-input", console_input, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 124, "status %#x", status);
	off = lseek(fd, 0, SEEK_CUR);
	close(fd);
	return off;
}

START_TEST(console_input_none_leaves_stdin)
{
	/* The default takes the script's input for the guest's UART ... */
	ck_assert_int_gt(stdin_read_by_vmm("stdin"), 0);
	/* ... none never reads it. */
	ck_assert_int_eq(stdin_read_by_vmm("none"), 0);
}
END_TEST

START_TEST(triple_fault_is_failure)
{
	run_vmm("fault", "64M", NULL, 30);
	ck_assert_int_eq(res.status, 1);
	ck_assert_ptr_null(strstr(res.out, "still alive"));
	ck_assert_msg(strstr(res.err, "vmm: vcpu 0: shutdown (triple fault)"), "%s", res.err);
	ck_assert_msg(strstr(res.out, "fault: touching an unmapped address"), "%s", res.out);
	/*
	 * The registers: with the faulting address in cr2 (Intel, PVM), or
	 * the reset state KVM on AMD leaves, said to be that.
	 */
	ck_assert_msg(strstr(res.err, "rip "), "%s", res.err);
	if (strstr(res.err, "rip 000000000000fff0 ") && strstr(res.err, "cs f000 (base ffff0000,"))
		ck_assert_msg(strstr(res.err, "(this is the vCPU's reset state, not the state that failed"),
			      "%s", res.err);
	else
		ck_assert_msg(strstr(res.err, "cr2 0000400000000000"), "%s", res.err);
}
END_TEST

START_TEST(timeout_is_124)
{
	run_vmm("spin", "64M", "--timeout 1", 30);
	ck_assert_int_eq(res.status, 124);
	ck_assert_msg(strstr(res.out, "spin: spinning"), "%s", res.out);
	ck_assert_msg(strstr(res.err, "vmm: exit 124: timeout"), "%s", res.err);
	ck_assert_msg(res.seconds < 20, "took %.1f s", res.seconds);
}
END_TEST

/*
 * Threads of pid whose /proc status says "Seccomp: 2" (a filter), and
 * how many threads there are in all.
 */
static int filtered_threads(pid_t pid, int *total)
{
	char path[300], buf[4096];
	struct dirent *e;
	int filtered = 0;
	DIR *d;

	*total = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		FILE *f;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		(*total)++;
		filtered += strstr(buf, "\nSeccomp:\t2\n") != NULL;
	}
	closedir(d);
	return filtered;
}

/*
 * The VMM itself says why it stopped: a SIGTERM must reach the run loop,
 * not kill the process from a device or backend thread that started
 * before the loop blocked it (with disks of both kinds attached). Every
 * thread runs under its seccomp filter meanwhile.
 */
START_TEST(sigterm_stops_cleanly)
{
	char disk[] = "/tmp/vmm-test-sigterm-XXXXXX";
	int disk_fd = mkstemp(disk);
	char inline_disk[64], thread_disk[80];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("spin"),
			 "--memory", "64M", "--cpus", "2", "--disk", inline_disk,
			 "--disk", thread_disk, NULL };
	char out[4096] = "", err[4096] = "";
	int out_fd, err_fd, threads, i;
	pid_t pid;

	ck_assert_int_ge(disk_fd, 0);
	ck_assert_int_eq(ftruncate(disk_fd, 1 << 20), 0);
	close(disk_fd);
	snprintf(inline_disk, sizeof(inline_disk), "%s,ro", disk);
	snprintf(thread_disk, sizeof(thread_disk), "%s,ro,backend=thread", disk);
	pid = spawn_cmd(argv, NULL, &out_fd, &err_fd);
	ck_assert_int_gt(pid, 0);
	ck_assert(read_until(out_fd, out, sizeof(out), "spinning", 20));
	/* Seccomp is on by default: main, 2 vCPUs, 2 device workers and
	 * the backend thread, each with its filter (main's comes last). */
	for (i = 0; i < 40 && filtered_threads(pid, &threads) < 6; i++)
		usleep(50000);
	ck_assert_int_eq(filtered_threads(pid, &threads), threads);
	ck_assert_int_ge(threads, 6);
	kill(pid, SIGTERM);
	ck_assert(read_until(err_fd, err, sizeof(err), "vmm: exit 143: stopped by signal", 20));
	ck_assert_int_eq(wait_cmd(pid, 20), 128 + SIGTERM);
	close(out_fd);
	close(err_fd);
	unlink(disk);
}
END_TEST

START_TEST(probe_reports_the_host)
{
	char *argv[] = { (char *)vmm_path(), "--probe", NULL };
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;

	ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
	ck_assert_int_eq(res.status, 0);
	ck_assert_msg(strstr(res.out, "kvm: api_version 12\n"), "%s", res.out);
	ck_assert_msg(strstr(res.out, "kvm: irqchip 1\n"), "%s", res.out);
	ck_assert_msg(strstr(res.out, pvm ? "kvm: virtualization pvm\n" : "kvm: virtualization "),
		      "%s", res.out);
	ck_assert_msg(!pvm || strstr(res.out, "note: this host's KVM is PVM"), "%s", res.out);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("guests");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, hello_memfd);
	tcase_add_test(tc, hello_private);
	tcase_add_test(tc, hello_heap);
	tcase_add_test(tc, hello_hugetlb);
	tcase_add_test(tc, hello_hugetlbfs_path);
	tcase_add_test(tc, hello_above_4g);
	tcase_add_test(tc, hello_smp_stats);
	tcase_add_test(tc, guest_chosen_status);
	tcase_add_test(tc, guest_chosen_status_qemu_encoding);
	tcase_add_test(tc, console_input_none_leaves_stdin);
	tcase_add_test(tc, triple_fault_is_failure);
	tcase_add_test(tc, timeout_is_124);
	tcase_add_test(tc, sigterm_stops_cleanly);
	tcase_add_test(tc, probe_reports_the_host);

	if (!kvm_usable("boot"))
		return 1;
	if (hugepages_reserve(HUGE_PAGES, &huge_why))
		mnt_why = huge_why;
	else
		huge_mnt = hugetlbfs_mount(&mnt_why);
	return run_tcase("boot", tc);
}
