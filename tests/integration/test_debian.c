// SPDX-License-Identifier: GPL-2.0
/*
 * A real distribution: Debian 12 with systemd (guests/debian/build.sh,
 * $DEBIAN_GUEST) on Debian's stock kernel, booted once from a copy of its
 * ext4 disk (virtio-blk) with 2 vCPUs, 1G, --rng and "console=ttyS0
 * root=/dev/vda vmm.check=poweroff". From the serial console and the VMM's
 * exit (vmm-check.service prints VMM-CHECK lines once the boot has
 * finished, then powers off):
 *
 * - systemd's "Welcome to Debian" and the serial getty's "login: ";
 * - no failed unit (failed-units=0, systemctl --failed in the guest);
 * - 2 CPUs online;
 * - /dev/rtc0 exists, and hwclock -r is within a second of the guest's
 *   clock;
 * - the power-off ends the VMM with exit 0 and its "guest powered off
 *   (ACPI S5)" line.
 *
 * It prints the time from the VMM's start to the login prompt, to the
 * check and to the exit, and the console's lines with warnings or errors.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/debian_guest.h"
#include "tests/helpers.h"

#define CPUS		2
/* The VMM's --timeout: 33 s in a quiet KVM box, 350 s in a box that shared
 * 2 host cores with three others (2026-12-07). */
#define TIMEOUT_S	900
#define CMDLINE		"console=ttyS0 root=/dev/vda vmm.check=poweroff"

static char tmpdir[] = "/tmp/vmm-debian.XXXXXX";
static struct debian_guest guest;
static struct debian_boot *boot;
static bool copied;

static void boot_once(void)
{
	const char *disk = path_in(tmpdir, "disk.img");

	boot = calloc(1, sizeof(*boot));
	if (!boot)
		return;
	if (debian_disk_copy(guest.disk, disk)) {
		boot->status = -2;
		return;
	}
	copied = true;
	debian_boot(&guest, disk, CPUS, CMDLINE, TIMEOUT_S, boot);
	printf("debian boot: exit %d after %.1f s; Welcome at %.1f s, login: at %.1f s, VMM-CHECK done at %.1f s\n",
	       boot->status, boot->seconds, boot->welcome_s, boot->login_s, boot->check_s);
	debian_print_notable(boot, "debian console: ");
}

/* The boot happened: the copy was made and the VMM ran. */
static void assert_booted(void)
{
	ck_assert_msg(boot && copied, "no boot: the disk could not be copied");
}

/* An integer VMM-CHECK value; fails the test if the line is missing. */
static long check_int(const char *key, char *buf, size_t len)
{
	char *end;
	long v;

	ck_assert_msg(debian_check(boot, key, buf, len), "no 'VMM-CHECK %s=' line on the console: %s",
		      key, text_tail(boot->out.buf, 2000));
	v = strtol(buf, &end, 10);
	ck_assert_msg(end != buf, "VMM-CHECK %s=%s is not a number", key, buf);
	return v;
}

START_TEST(welcome_and_login_prompt)
{
	assert_booted();
	ck_assert_msg(strstr(boot->out.buf, "Welcome to Debian GNU/Linux 12"),
		      "no 'Welcome to Debian GNU/Linux 12': %s", text_tail(boot->out.buf, 2000));
	ck_assert_msg(boot->login_s >= 0, "no 'login: ' prompt on ttyS0: %s",
		      text_tail(boot->out.buf, 2000));
}
END_TEST

START_TEST(no_failed_unit)
{
	char buf[1024];

	assert_booted();
	ck_assert_msg(check_int("failed-units", buf, sizeof(buf)) == 0, "failed units: %s", buf);
	ck_assert_msg(!strstr(boot->out.buf, "[FAILED]"), "a [FAILED] status line: %s",
		      text_tail(strstr(boot->out.buf, "[FAILED]"), 300));
}
END_TEST

START_TEST(two_cpus)
{
	char buf[64];

	assert_booted();
	ck_assert_int_eq(check_int("cpus", buf, sizeof(buf)), CPUS);
}
END_TEST

START_TEST(rtc0_present)
{
	char buf[64];

	assert_booted();
	ck_assert_msg(debian_check(boot, "rtc0", buf, sizeof(buf)), "no 'VMM-CHECK rtc0=' line: %s",
		      text_tail(boot->out.buf, 2000));
	ck_assert_msg(!strcmp(buf, "yes"), "no /dev/rtc0 in the guest (VMM-CHECK rtc0=%s)", buf);
}
END_TEST

START_TEST(hwclock_within_a_second)
{
	char buf[256];
	long delta;

	assert_booted();
	delta = check_int("hwclock-delta", buf, sizeof(buf));
	ck_assert_msg(labs(delta) <= 1, "hwclock -r is %ld s off the guest's clock: %s", delta, buf);
}
END_TEST

START_TEST(poweroff_exits_0)
{
	char why[4096];

	assert_booted();
	ck_assert_msg(debian_boot_clean(boot, why, sizeof(why)), "%s", why);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("debian");

	cleanup_hook(NULL);
	if (!kvm_usable("debian") || !debian_guest_find("debian", &guest))
		return 1;
	if (!make_tmpdir(tmpdir))	/* removed by the clean-up */
		return 1;
	boot_once();
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, welcome_and_login_prompt);
	tcase_add_test(tc, no_failed_unit);
	tcase_add_test(tc, two_cpus);
	tcase_add_test(tc, rtc0_present);
	tcase_add_test(tc, hwclock_within_a_second);
	tcase_add_test(tc, poweroff_exits_0);
	return run_tcase("debian", tc);
}
