// SPDX-License-Identifier: GPL-2.0
/*
 * The exit trace (vmm/exit_trace.h) on exits made up in a kvm_run of our
 * own: the ring's order and wrap-around, the formatting of each kind of
 * exit, and the report's lines, all with the prefix, when KVM syncs no
 * registers (test_x86_exit_regs: when it does). No /dev/kvm needed.
 */
#include <check.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"
#include "vmm/exit_trace.h"
#include "tests/unit/exit_trace_fixture.h"

START_TEST(empty)
{
	ck_assert_ptr_null(exit_trace_get(&trace, 0));
	print_report();
	assert_prefixed();
	ck_assert_msg(strstr(report, "T: vcpu 3: shutdown (triple fault), at its exit 0 to the VMM\n"),
		      "%s", report);
	ck_assert_msg(strstr(report, "T: last 0 exits to the VMM"), "%s", report);
}
END_TEST

START_TEST(wraps_oldest_first)
{
	const char *p;
	unsigned int i;
	char want[64];

	for (i = 1; i <= EXIT_TRACE_LEN + 4; i++)
		io_exit((uint16_t)(0x100 + i), 1, true, i, 1);
	ck_assert_uint_eq(trace.count, EXIT_TRACE_LEN + 4);
	ck_assert_uint_eq(exit_trace_get(&trace, 0)->nr, EXIT_TRACE_LEN + 4);
	ck_assert_uint_eq(exit_trace_get(&trace, EXIT_TRACE_LEN - 1)->nr, 5);
	ck_assert_uint_eq(exit_trace_get(&trace, EXIT_TRACE_LEN - 1)->io.port, 0x105);
	ck_assert_ptr_null(exit_trace_get(&trace, EXIT_TRACE_LEN));

	print_report();
	assert_prefixed();
	snprintf(want, sizeof(want), "T: last %u exits", EXIT_TRACE_LEN);
	ck_assert_msg(strstr(report, want), "%s", report);
	ck_assert_msg(!strstr(report, "exit 4 io"), "%s", report);
	p = report;
	for (i = 5; i <= EXIT_TRACE_LEN + 4; i++) {
		snprintf(want, sizeof(want), " exit %u io out port 0x%x size 1 data 0x%x\n",
			 i, 0x100 + i, i);
		p = strstr(p, want);
		ck_assert_msg(p, "'%s' missing or out of order in: %s", want, report);
	}
}
END_TEST

START_TEST(formats_each_kind)
{
	io_exit(0x3f8, 1, true, 0x41, 1);
	ck_assert_str_eq(format(0), "exit 1 io out port 0x3f8 size 1 data 0x41");
	io_exit(0xcfc, 4, false, 0x12345678, 1);
	ck_assert_str_eq(format(0), "exit 2 io in port 0xcfc size 4 data 0x12345678");
	io_exit(0x1f0, 2, false, 0xbeef, 256);
	ck_assert_str_eq(format(0), "exit 3 io in port 0x1f0 size 2 data 0xbeef count 256");

	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xd0000070;
	run->mmio.len = 8;
	run->mmio.is_write = 1;
	memcpy(run->mmio.data, (uint8_t[]){ 1, 2, 3, 4, 5, 6, 7, 8 }, 8);
	exit_trace_record(&trace, run, KVM_EXIT_MMIO);
	ck_assert_str_eq(format(0), "exit 4 mmio write addr 0xd0000070 len 8 data 0x807060504030201");
	run->mmio.len = 2;
	run->mmio.is_write = 0;
	exit_trace_record(&trace, run, KVM_EXIT_MMIO);
	ck_assert_str_eq(format(0), "exit 5 mmio read addr 0xd0000070 len 2 data 0x201");

	exit_trace_record(&trace, run, KVM_EXIT_HLT);
	ck_assert_str_eq(format(0), "exit 6 hlt");
	exit_trace_record(&trace, run, KVM_EXIT_INTR);
	ck_assert_str_eq(format(0), "exit 7 intr");
	run->internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	exit_trace_record(&trace, run, KVM_EXIT_INTERNAL_ERROR);
	ck_assert_str_eq(format(0), "exit 8 internal_error code 0x1");
	run->fail_entry.hardware_entry_failure_reason = 0x21;
	exit_trace_record(&trace, run, KVM_EXIT_FAIL_ENTRY);
	ck_assert_str_eq(format(0), "exit 9 fail_entry code 0x21");
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	exit_trace_record(&trace, run, KVM_EXIT_SYSTEM_EVENT);
	ck_assert_str_eq(format(0), "exit 10 system_event code 0x2");
	exit_trace_record(&trace, run, 99);
	ck_assert_str_eq(format(0), "exit 11 reason 99");
	exit_trace_record(&trace, run, KVM_EXIT_SHUTDOWN);
	ck_assert_str_eq(format(0), "exit 12 shutdown");
}
END_TEST

START_TEST(unsynced_keeps_no_registers)
{
	io_exit(0x510, 1, true, 0x11, 1);
	exit_trace_record(&trace, run, KVM_EXIT_SHUTDOWN);
	ck_assert(!exit_trace_get(&trace, 1)->pc_known);
	print_report();
	assert_prefixed();
	ck_assert_msg(strstr(report, "T: registers at each exit: not kept"), "%s", report);
	ck_assert_msg(!strstr(report, " rip "), "%s", report);
	ck_assert_msg(strstr(report, " exit 1 io out port 0x510 size 1 data 0x11\n"), "%s", report);
	ck_assert_msg(strstr(report, " exit 2 shutdown\n"), "%s", report);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("exit_trace");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, wraps_oldest_first);
	tcase_add_test(tc, formats_each_kind);
	tcase_add_test(tc, unsynced_keeps_no_registers);
	return run_tcase("exit_trace", tc);
}
