// SPDX-License-Identifier: GPL-2.0
/*
 * The KVM box (tests/box/kvm-box) as its users rely on it, on any host:
 * the command runs with a real /dev/kvm in the same directory and
 * environment, its stdout and stderr come back separately, its exit
 * status is kvm-box's; --timeout ends a command that hangs with 124; a box
 * that never sends its first heartbeat (KVM_BOX_TEST_NO_HEARTBEAT) is
 * killed as wedged after KVM_BOX_FIRST_BEAT seconds, with 125 and one line,
 * long before its --timeout; and nothing kvm-box started (QEMU, its run
 * directory) outlives it.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"

#define KVM_BOX	"tests/box/kvm-box"

/* A directory of this run's own, shared into its boxes: names them. */
static char share[] = "/tmp/vmm-test-box-share.XXXXXX";

/* Run directories of kvm-box under /tmp that share dir read-write. */
static int run_dirs_sharing(const char *dir)
{
	DIR *d = opendir("/tmp");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char path[300], rw[4096] = "";
		FILE *f;

		if (strncmp(e->d_name, "kvm-box.", 8))
			continue;
		snprintf(path, sizeof(path), "/tmp/%s/rw", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n += fread(rw, 1, sizeof(rw) - 1, f) > 0 && strstr(rw, dir);
		fclose(f);
	}
	closedir(d);
	return n;
}

/* Processes whose command line mentions needle (besides this one). */
static int processes_with(const char *needle)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char path[300], cmd[4096];
		size_t len, i;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
		for (i = 0; i < len; i++)
			cmd[i] = cmd[i] ? cmd[i] : ' ';
		cmd[len] = '\0';
		n += strstr(cmd, needle) != NULL;
	}
	closedir(d);
	return n;
}

START_TEST(status_and_separate_output)
{
	char *argv[] = { KVM_BOX, "--rw", share, "--", "sh", "-c",
			 "echo to-stdout; echo to-stderr >&2; echo box-env=$KVM_BOX_TEST_VALUE;"
			 " echo cwd=$(pwd); test -c /dev/kvm && echo kvm-ok; exit 7", NULL };
	struct run_result res;
	char want[600], cwd[512];

	setenv("KVM_BOX_TEST_VALUE", "carried-42", 1);
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(run_cmd(argv, 600, &res), 0);
	printf("kvm-box: a trivial command took %.1f s end to end\n", res.seconds);
	ck_assert_msg(res.status == 7, "exit %d: %s", res.status, text_tail(res.err, 2000));
	snprintf(want, sizeof(want), "to-stdout\nbox-env=carried-42\ncwd=%s\nkvm-ok\n", cwd);
	ck_assert_str_eq(res.out, want);
	ck_assert_msg(strstr(res.err, "to-stderr\n") && !strstr(res.err, "to-stdout"), "%s", res.err);
	ck_assert_int_eq(run_dirs_sharing(share), 0);
}
END_TEST

START_TEST(timeout_kills_the_box)
{
	char *argv[] = { KVM_BOX, "--rw", share, "--timeout", "20", "--", "sleep", "1000", NULL };
	struct run_result res;

	ck_assert_int_eq(run_cmd(argv, 600, &res), 0);
	ck_assert_msg(res.status == 124, "exit %d: %s", res.status, text_tail(res.err, 2000));
	ck_assert_msg(strstr(res.err, "kvm-box: timed out after 20 s"), "%s", text_tail(res.err, 2000));
	ck_assert_msg(res.seconds >= 20 && res.seconds < 120, "took %.1f s", res.seconds);
	ck_assert_int_eq(run_dirs_sharing(share), 0);
	ck_assert_int_eq(processes_with(share), 0);
}
END_TEST

START_TEST(no_first_heartbeat_is_wedged)
{
	char *argv[] = { KVM_BOX, "--rw", share, "--timeout", "600", "--", "sleep", "1000", NULL };
	struct run_result res;

	setenv("KVM_BOX_TEST_NO_HEARTBEAT", "1", 1);
	setenv("KVM_BOX_FIRST_BEAT", "30", 1);
	ck_assert_int_eq(run_cmd(argv, 600, &res), 0);
	unsetenv("KVM_BOX_TEST_NO_HEARTBEAT");
	unsetenv("KVM_BOX_FIRST_BEAT");
	ck_assert_msg(res.status == 125, "exit %d: %s", res.status, text_tail(res.err, 2000));
	ck_assert_msg(strstr(res.err, "kvm-box: the box stopped responding (no heartbeat within 30 s of its start"),
		      "%s", text_tail(res.err, 2000));
	ck_assert_int_eq(count_lines(res.err), 1);
	ck_assert_msg(res.seconds >= 30 && res.seconds < 120, "took %.1f s", res.seconds);
	ck_assert_int_eq(run_dirs_sharing(share), 0);
	ck_assert_int_eq(processes_with(share), 0);
}
END_TEST

START_TEST(bad_usage_is_one_line)
{
	char *argv[] = { KVM_BOX, "--cpus", "many", "--", "true", NULL };
	struct run_result res;

	ck_assert_int_eq(run_cmd(argv, 60, &res), 0);
	ck_assert_int_eq(res.status, 125);
	ck_assert_str_eq(res.err, "kvm-box: not a number: many\n");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("box");

	if (!make_tmpdir(share))	/* removed by the clean-up */
		return 1;

	tcase_set_timeout(tc, 700);
	tcase_add_test(tc, bad_usage_is_one_line);
	tcase_add_test(tc, status_and_separate_output);
	tcase_add_test(tc, timeout_kills_the_box);
	tcase_add_test(tc, no_first_heartbeat_is_wedged);
	return run_tcase("kvm_box", tc);
}
