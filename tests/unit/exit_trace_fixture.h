/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What test_exit_trace and test_x86_exit_regs share: a kvm_run of their
 * own (RUN_SIZE bytes, port data at IO_DATA) and a trace on it, set up and
 * torn down per case; io_exit() makes up a port I/O exit and records it;
 * format(back) is the line of the exit back exits ago; print_report()
 * writes the report into report[] with the prefix "T: ", which
 * assert_prefixed() checks every line starts with.
 */
#ifndef TESTS_UNIT_EXIT_TRACE_FIXTURE_H
#define TESTS_UNIT_EXIT_TRACE_FIXTURE_H

#include <check.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/exit_trace.h"

#define RUN_SIZE	4096
#define IO_DATA		2048	/* where the made-up exits put port data */

static struct kvm_run *run;
static struct exit_trace trace;
static char report[65536];

static inline void setup(void)
{
	run = calloc(1, RUN_SIZE);
	ck_assert_ptr_nonnull(run);
	exit_trace_init(&trace, run, 0, 0);
}

static inline void teardown(void)
{
	free(run);
}

static inline void io_exit(uint16_t port, uint8_t size, bool out, uint32_t data, uint32_t count)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.port = port;
	run->io.size = size;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.count = count;
	run->io.data_offset = IO_DATA;
	memcpy((uint8_t *)run + IO_DATA, &data, sizeof(data));
	exit_trace_record(&trace, run, KVM_EXIT_IO);
}

static inline const char *format(unsigned int back)
{
	static char buf[200];
	const struct exit_record *r = exit_trace_get(&trace, back);

	ck_assert_ptr_nonnull(r);
	exit_trace_format_exit(r, buf, sizeof(buf));
	return buf;
}

static inline void print_report(void)
{
	FILE *f = fmemopen(report, sizeof(report), "w");

	ck_assert_ptr_nonnull(f);
	exit_trace_print(&trace, 3, "shutdown (triple fault)", "T: ", f);
	fclose(f);
}

/* Every line of the report starts with the prefix. */
static inline void assert_prefixed(void)
{
	const char *p = report;

	while (*p) {
		const char *eol = strchr(p, '\n');

		ck_assert_msg(!strncmp(p, "T: ", 3), "unprefixed line in: %s", report);
		ck_assert_ptr_nonnull(eol);
		p = eol + 1;
	}
}

#endif
