// SPDX-License-Identifier: GPL-2.0
/*
 * The soak test's leftover finder (tests/leftovers.h), against leftovers
 * made on purpose: a new entry in /tmp, a child still running, a process
 * named vmm, one holding a memfd, and a socket and a file in a run
 * directory beside an entry it was told to keep; each is reported once
 * made, and no longer once undone. No /dev/kvm needed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"
#include "tests/leftovers.h"

static struct leftovers_snapshot before;
static char why[16384];

static void snap(void)
{
	ck_assert_int_eq(leftovers_snapshot(&before), 0);
}

static int since(const char *dir, const char *const keep[])
{
	return leftovers_since(&before, dir, keep, why, sizeof(why));
}

START_TEST(new_tmp_entry)
{
	char dir[] = "/tmp/vmm-test-leftovers.XXXXXX", want[64];

	snap();
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(want, sizeof(want), "new in /tmp: %s\n", dir + 5);
	since(NULL, NULL);
	ck_assert_msg(strstr(why, want), "no '%s' in: %s", want, why);
	ck_assert_int_eq(rmdir(dir), 0);
	since(NULL, NULL);
	ck_assert_msg(!strstr(why, want), "%s", why);
}
END_TEST

/* A child that waits until killed, after naming itself name (NULL: not). */
static pid_t child(const char *name, bool memfd)
{
	int ready[2];
	char c;
	pid_t pid;

	ck_assert_int_eq(pipe(ready), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (name)
			prctl(PR_SET_NAME, name);
		if (memfd && memfd_create("leftover", MFD_CLOEXEC) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	return pid;
}

static void end(pid_t pid)
{
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
}

START_TEST(child_named_vmm_with_a_memfd)
{
	char want[80];
	pid_t pid;

	snap();
	pid = child("vmm", true);
	since(NULL, NULL);
	snprintf(want, sizeof(want), "a child of the test still there: pid %d (vmm)\n", pid);
	ck_assert_msg(strstr(why, want), "no '%s' in: %s", want, why);
	ck_assert_msg(strstr(why, "1 more vmm process(es) than before\n"), "%s", why);
	ck_assert_msg(strstr(why, "1 more process(es) holding a memfd than before\n"), "%s", why);
	end(pid);
	since(NULL, NULL);	/* other lines: the host's /tmp changes under a test */
	ck_assert_msg(!strstr(why, "child of the test") && !strstr(why, "vmm process") &&
		      !strstr(why, "memfd"), "%s", why);
}
END_TEST

START_TEST(run_directory)
{
	char dir[] = "/tmp/vmm-test-run.XXXXXX";
	const char *const keep[] = { "disk.img", NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snap();
	fd = open(path_in(dir, "disk.img"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	since(dir, keep);
	ck_assert_msg(!strstr(why, "left in"), "%s", why);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path_in(dir, "peer.sock"));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	fd = open(path_in(dir, "stray"), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	close(fd);
	since(dir, keep);
	ck_assert_msg(strstr(why, "peer.sock (a socket)\n") && strstr(why, "stray (a file)\n") &&
		      !strstr(why, "disk.img"), "%s", why);
	ck_assert_int_eq(remove_tree(dir), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("leftovers");
	TCase *tc = tcase_create("host");

	tcase_add_test(tc, new_tmp_entry);
	tcase_add_test(tc, child_named_vmm_with_a_memfd);
	tcase_add_test(tc, run_directory);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
