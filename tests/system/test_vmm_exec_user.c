// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec as a user runs it on this host, whatever the host: a test
 * script in the current directory, run by the test kernel with the
 * host's / as its root,
 *   vmm-exec --kernel bzImage --root-host -- ./test.sh
 * prints on stdout and stderr exactly what the script printed there, and
 * exits with the script's status. Where the host has no /dev/kvm this
 * goes through the KVM box, which vmm-exec starts itself.
 *
 * Runs on the host itself, never inside the box. Needs $VMM_EXEC and the
 * test kernel ($LINUX_GUEST); `make check-system` builds both first.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/helpers.h"

#define SECONDS		600	/* box boot and guest boot, on a loaded host */

static char dir[] = "/tmp/vmm-exec-user.XXXXXX";

static const char script[] =
	"#!/bin/sh\n"
	"echo \"stdout: in $(basename \"$PWD\"), args: $*\"\n"
	"echo 'stderr: a line' >&2\n"
	"cat data.txt\n"
	"exit 42\n";

START_TEST(script_output_and_status)
{
	const char *exec = getenv("VMM_EXEC"), *linux_dir = getenv("LINUX_GUEST");
	char kernel[PATH_MAX], want[PATH_MAX];
	struct run_result *r = malloc(sizeof(*r));
	FILE *f;

	ck_assert_ptr_nonnull(r);
	ck_assert_msg(exec && linux_dir, "set VMM_EXEC and LINUX_GUEST (make check-system does)");
	snprintf(kernel, sizeof(kernel), "%s/bzImage", linux_dir);
	ck_assert_msg(realpath(exec, want), "%s", exec);
	exec = strdup(want);
	ck_assert_msg(realpath(kernel, want), "%s", kernel);
	snprintf(kernel, sizeof(kernel), "%s", want);

	f = fopen(path_in(dir, "test.sh"), "w");
	ck_assert_ptr_nonnull(f);
	fputs(script, f);
	fclose(f);
	ck_assert_int_eq(chmod(path_in(dir, "test.sh"), 0755), 0);
	f = fopen(path_in(dir, "data.txt"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("data: from the host\n", f);
	fclose(f);
	ck_assert_int_eq(chdir(dir), 0);

	{
		/* vmm-exec's own timeout first: a hang then says where it was */
		char *argv[] = { (char *)exec, "--kernel", kernel, "--root-host",
				 "--timeout", "400", "--", "./test.sh", "one", "two words", NULL };

		ck_assert_int_eq(run_cmd(argv, SECONDS, r), 0);
	}
	ck_assert_msg(r->status == 42, "status %d, stderr:\n%s", r->status, text_tail(r->err, 3000));
	snprintf(want, sizeof(want), "stdout: in %s, args: one two words\ndata: from the host\n",
		 strrchr(dir, '/') + 1);
	ck_assert_str_eq(r->out, want);
	ck_assert_str_eq(r->err, "stderr: a line\n");
	free(r);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("vmm-exec-user");

	cleanup_hook(NULL);
	if (!make_tmpdir(dir))
		return 1;
	tcase_set_timeout(tc, SECONDS + 60);
	tcase_add_test(tc, script_output_and_status);
	return run_tcase("vmm_exec_user", tc);
}
