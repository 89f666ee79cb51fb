// SPDX-License-Identifier: GPL-2.0
/*
 * `make run` as a user sees it, through a pseudo-terminal: it reaches the
 * guest's busybox shell (here on a host with KVM, in the KVM box on a
 * host without), a typed command is answered by the guest, and
 * `poweroff -f` ends the VM with make's (the VMM's) exit status 0.
 *
 * Runs on the host itself, never inside the box: which path `make run`
 * takes is what it tests. Needs the build done (`make all test-kernel`);
 * `make check-system` does that first. PVM hosts cannot run guest user
 * space, so there the test checks that make run says so and exits with the
 * VMM's status instead.
 */
#include <check.h>
#include <errno.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tests/helpers.h"

#define BOOT_SECONDS	300	/* box boot and guest boot, on a loaded host */

static char out[1 << 18];

/* Reads the terminal until needle appears after mark; the new mark. */
static size_t expect(int fd, size_t mark, const char *needle, double timeout_s)
{
	char *p;

	if (!read_until(fd, out + mark, sizeof(out) - mark, needle, timeout_s))
		ck_abort_msg("no '%s' within %.0f s; the terminal showed: %s", needle, timeout_s,
			     text_tail(out, 3000));
	p = strstr(out + mark, needle);
	return (size_t)(p - out) + strlen(needle);
}

static void type(int fd, const char *s)
{
	ck_assert_int_eq(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

/* Reads the terminal until make closes it (or timeout_s); its exit status. */
static int finish(int fd, pid_t pid, double timeout_s)
{
	size_t used = strlen(out);

	read_until(fd, out + used, sizeof(out) - used, "\x01never\x01", timeout_s);
	return wait_cmd(pid, 30);
}

START_TEST(make_run_reaches_the_guest_shell)
{
	struct winsize ws = { .ws_row = 40, .ws_col = 120 };
	size_t mark;
	int fd, status;
	pid_t pid;
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0 &&
		   access("/sys/module/kvm_amd", F_OK) && access("/sys/module/kvm_intel", F_OK) &&
		   access("/dev/kvm", F_OK) == 0;

	out[0] = '\0';
	pid = forkpty(&fd, NULL, NULL, &ws);
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		execlp("make", "make", "-s", "run", (char *)NULL);
		_exit(127);
	}
	if (pvm) {
		expect(fd, 0, "this host's KVM is PVM", BOOT_SECONDS);
		status = finish(fd, pid, 600);
		ck_assert_msg(strstr(out, "Run /init as init process"), "%s", text_tail(out, 3000));
		ck_assert_msg(status == 3, "make run: exit %d, want the VMM's 3 (panic): %s", status,
			      text_tail(out, 3000));
		return;
	}
	mark = expect(fd, 0, "busybox shell on ", BOOT_SECONDS);
	mark = expect(fd, mark, "2 CPUs; 'poweroff -f' ends the VM", 30);
	mark = expect(fd, mark, "# ", 60);
	/* The guest's shell computes it: the echo of what we typed shows the sum unexpanded. */
	type(fd, "echo answer-$((6 * 7)) from $(uname -s)\r");
	mark = expect(fd, mark, "answer-42 from Linux", 60);
	mark = expect(fd, mark, "# ", 60);
	type(fd, "poweroff -f\r");
	status = finish(fd, pid, 120);
	ck_assert_msg(strstr(out + mark, "vmm: exit 0: guest powered off"), "%s", text_tail(out, 3000));
	ck_assert_msg(status == 0, "make run: exit %d: %s", status, text_tail(out, 3000));
	close(fd);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("pty");

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, make_run_reaches_the_guest_shell);
	return run_tcase("make_run", tc);
}
