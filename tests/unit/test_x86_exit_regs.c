// SPDX-License-Identifier: GPL-2.0
/*
 * The exit trace (vmm/exit_trace.h) with x86's synced registers
 * (arch/x86_64/exit_regs.c), on exits made up in a kvm_run of our own:
 * each exit's RIP, the registers kept from the last exit before a
 * shutdown and not from the shutdown (on AMD the reset state), those of
 * a failed exit that is not a shutdown, their lines in the report, and
 * the general registers alone where KVM syncs only those (not SVM).
 * No /dev/kvm needed.
 */
#include <check.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"
#include "vmm/exit_trace.h"
#include "tests/unit/exit_trace_fixture.h"

#define SYNC_SPECIAL	(KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS)
#define SYNC_ALL	(KVM_SYNC_X86_REGS | SYNC_SPECIAL)

/* A trace asking for these fields, as arch_exit_sync_fields gives them. */
static void synced(uint64_t sampled)
{
	exit_trace_init(&trace, run, KVM_SYNC_X86_REGS, sampled);
	ck_assert_uint_eq(run->kvm_valid_regs, KVM_SYNC_X86_REGS | sampled);
}

/* Registers as KVM_CAP_SYNC_REGS leaves them in kvm_run. */
static void sync(uint64_t rip, uint64_t cr3)
{
	run->s.regs.regs.rip = rip;
	run->s.regs.sregs.cr3 = cr3;
	run->s.regs.sregs.cs.selector = 0x23;
	run->s.regs.events.exception.pending = 1;
	run->s.regs.events.exception.nr = 13;
}

START_TEST(keeps_registers_of_the_exit_before_a_shutdown)
{
	synced(SYNC_SPECIAL);
	sync(0x101000, 0x154000);
	io_exit(0x510, 1, true, 0x11, 1);
	sync(0x101004, 0x154000);
	io_exit(0x512, 2, true, 0x2222, 1);
	ck_assert_str_eq(format(0), "exit 2 io out port 0x512 size 2 data 0x2222 rip 0000000000101004");
	ck_assert_uint_eq(run->kvm_valid_regs, KVM_SYNC_X86_REGS);	/* not sampled again yet */
	/* AMD: the shutdown comes with the reset state, which is not kept. */
	sync(0xfff0, 0);
	exit_trace_record(&trace, run, KVM_EXIT_SHUTDOWN);
	ck_assert_str_eq(format(0), "exit 3 shutdown");
	ck_assert_uint_eq(trace.regs_nr, 2);
	ck_assert_uint_eq(trace.regs.regs.rip, 0x101004);

	print_report();
	assert_prefixed();
	ck_assert_msg(strstr(report, "T: registers at exit 2, 1 exit to the VMM and "), "%s", report);
	ck_assert_msg(strstr(report, "T:   rip 0000000000101004 "), "%s", report);
	ck_assert_msg(strstr(report, " cr3 0000000000154000\n"), "%s", report);
	ck_assert_msg(strstr(report, "T:   cs   0023 base "), "%s", report);
	ck_assert_msg(strstr(report, "T: control and segment registers and events (synced at one exit in 16) at exit 1, 2 exits to the VMM and "),
		      "%s", report);
	ck_assert_msg(strstr(report, "T:   exception injected 0 pending 1 nr 13 "), "%s", report);
	ck_assert_msg(!strstr(report, "fff0"), "%s", report);
}
END_TEST

START_TEST(registers_of_a_failed_exit_are_its_own)
{
	synced(SYNC_SPECIAL);
	sync(0x101000, 0x154000);
	io_exit(0x510, 1, true, 0x11, 1);
	sync(0x102000, 0x154000);
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	exit_trace_record(&trace, run, KVM_EXIT_INTERNAL_ERROR);
	print_report();
	ck_assert_msg(strstr(report, "T: registers at this exit, as KVM left them in kvm_run:\n"),
		      "%s", report);
	ck_assert_msg(strstr(report, "T:   rip 0000000000102000 "), "%s", report);
}
END_TEST
/* The special registers at the first exit, then at one in EXIT_TRACE_SAMPLE. */
START_TEST(samples_the_special_registers)
{
	unsigned int i;

	synced(SYNC_SPECIAL);
	for (i = 1; i <= 2 * EXIT_TRACE_SAMPLE + 8; i++) {
		uint64_t armed = run->kvm_valid_regs;

		ck_assert_uint_eq(armed, i % EXIT_TRACE_SAMPLE == 1 ? SYNC_ALL : KVM_SYNC_X86_REGS);
		sync(0x100000 + i, armed & KVM_SYNC_X86_SREGS ? 0x1000 * i : 0xdead);
		io_exit(0x510, 1, true, i, 1);
	}
	ck_assert_uint_eq(trace.regs_nr, 2 * EXIT_TRACE_SAMPLE + 8);
	ck_assert_uint_eq(trace.regs.regs.rip, 0x100000 + 2 * EXIT_TRACE_SAMPLE + 8);
	ck_assert_uint_eq(trace.sampled_nr, 2 * EXIT_TRACE_SAMPLE + 1);
	ck_assert_uint_eq(trace.sampled_regs.sregs.cr3, 0x1000 * (2 * EXIT_TRACE_SAMPLE + 1));
}
END_TEST

/* Elsewhere than on SVM, the general registers alone (arch/x86_64/exit_regs.c). */
START_TEST(general_registers_only)
{
	synced(0);
	sync(0x101000, 0x154000);
	io_exit(0x510, 1, true, 0x11, 1);
	exit_trace_record(&trace, run, KVM_EXIT_SHUTDOWN);
	print_report();
	assert_prefixed();
	ck_assert_msg(strstr(report, "T: registers at exit 1, 1 exit to the VMM and "), "%s", report);
	ck_assert_msg(strstr(report, "T:   rip 0000000000101000 "), "%s", report);
	ck_assert_msg(strstr(report, "T: the other registers: not synced at exits on this host"),
		      "%s", report);
	ck_assert_msg(!strstr(report, "cr3"), "%s", report);
	ck_assert_msg(strstr(report, " exit 1 io out port 0x510 size 1 data 0x11 rip 0000000000101000\n"),
		      "%s", report);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("x86_exit_regs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, keeps_registers_of_the_exit_before_a_shutdown);
	tcase_add_test(tc, registers_of_a_failed_exit_are_its_own);
	tcase_add_test(tc, general_registers_only);
	tcase_add_test(tc, samples_the_special_registers);
	return run_tcase("x86_exit_regs", tc);
}
