// SPDX-License-Identifier: GPL-2.0
/*
 * The report a vCPU failure leaves on stderr (vmm/exit_trace.h), from the
 * triple guest: three known port writes and then a triple fault. The
 * report must name vCPU 0, list the three writes in order (port, size,
 * data) as the last exits before the shutdown, give the registers of the
 * last of them with a RIP in the guest's code (when KVM syncs registers),
 * and come before the exit status line, which says 1 and the triple
 * fault. Nothing here depends on the vendor: on AMD KVM resets the vCPU
 * before it reports the fault, on Intel and PVM it does not, so no
 * register read after the fault is checked.
 */
#include <check.h>
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"

#define PREFIX "vmm: triple fault: "

static struct run_result res;

/* The guest's executable segment, [lo, hi), from its ELF program headers. */
static void code_range(const char *path, uint64_t *lo, uint64_t *hi)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	FILE *f = fopen(path, "rb");
	unsigned int i;

	ck_assert_msg(f, "%s", path);
	ck_assert_int_eq(fread(&eh, sizeof(eh), 1, f), 1);
	*lo = *hi = 0;
	for (i = 0; i < eh.e_phnum; i++) {
		ck_assert_int_eq(fseek(f, (long)(eh.e_phoff + (uint64_t)i * eh.e_phentsize), SEEK_SET), 0);
		ck_assert_int_eq(fread(&ph, sizeof(ph), 1, f), 1);
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			*lo = ph.p_vaddr;
			*hi = ph.p_vaddr + ph.p_memsz;
		}
	}
	fclose(f);
	ck_assert_msg(*hi > *lo, "%s: no executable segment", path);
}

/* The report's lines listing exits, in order; how many. */
struct exit_line {
	unsigned long long nr;
	char what[200];		/* after "exit NR " */
};

static unsigned int exit_lines(struct exit_line *lines, unsigned int max)
{
	const char *p = res.err;
	unsigned int n = 0;

	while ((p = strstr(p, PREFIX))) {
		const char *eol = strchr(p, '\n');
		int used = 0;

		p += strlen(PREFIX);
		if (n < max && sscanf(p, " %*s ms exit %llu %n", &lines[n].nr, &used) == 1 && used) {
			size_t len = eol ? (size_t)(eol - p - used) : strlen(p + used);

			if (len >= sizeof(lines[n].what))
				len = sizeof(lines[n].what) - 1;
			memcpy(lines[n].what, p + used, len);
			lines[n].what[len] = '\0';
			n++;
		}
		if (!eol)
			break;
		p = eol;
	}
	return n;
}

/* The "rip X" an exit line ends with; false if it has none. */
static bool line_rip(const char *what, uint64_t *rip)
{
	const char *r = strstr(what, " rip ");

	return r && sscanf(r, " rip %llx", (unsigned long long *)rip) == 1;
}

START_TEST(triple_fault_report)
{
	static const char *const writes[] = {
		"io out port 0x510 size 1 data 0x11",
		"io out port 0x512 size 2 data 0x2222",
		"io out port 0x514 size 4 data 0x33333333",
	};
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("triple"),
			 "--memory", "64M", "--cpus", "2", NULL };
	struct exit_line lines[32];
	const char *head, *status_line, *regs;
	uint64_t lo, hi, rip, regs_rip;
	unsigned int n, i;
	char want[160];

	code_range(guest_path("triple"), &lo, &hi);
	ck_assert_int_eq(run_cmd(argv, 60, &res), 0);
	ck_assert_msg(res.status == 1, "exit %d, stderr: %s", res.status, res.err);
	ck_assert_msg(strstr(res.out, "triple: three port writes, then ud2"), "%s", res.out);
	ck_assert_ptr_null(strstr(res.out, "still alive"));

	/* The report, naming vCPU 0 (of 2), before the exit status line. */
	head = strstr(res.err, PREFIX "vcpu 0: shutdown (triple fault), at its exit ");
	status_line = strstr(res.err, "vmm: exit 1: vcpu 0: shutdown (triple fault)\n");
	ck_assert_msg(head, "no report head in: %s", res.err);
	ck_assert_msg(status_line && head < status_line, "no status line after the report: %s",
		      res.err);
	ck_assert_ptr_null(strstr(res.err, PREFIX "vcpu 1"));

	/* The last exits: the three writes in order, then the shutdown. */
	n = exit_lines(lines, 32);
	ck_assert_msg(n >= 4 && n <= 16, "%u exit lines in: %s", n, res.err);
	ck_assert_msg(!strncmp(lines[n - 1].what, "shutdown", 8), "last: %s", lines[n - 1].what);
	for (i = 0; i < 3; i++) {
		const struct exit_line *l = &lines[n - 4 + i];

		ck_assert_msg(!strncmp(l->what, writes[i], strlen(writes[i])),
			      "exit %llu: '%s', want '%s'\n%s", l->nr, l->what, writes[i], res.err);
		ck_assert_int_eq(l->nr + 3 - i, lines[n - 1].nr);
	}

	/* The registers of the last write, with a RIP in the guest's code. */
	if (strstr(res.err, PREFIX "registers at each exit: not kept")) {
		printf("NOTE triple_fault_report: this KVM syncs no registers: no RIP to check\n");
		return;
	}
	snprintf(want, sizeof(want), PREFIX "registers at exit %llu, 1 exit to the VMM and ",
		 lines[n - 2].nr);
	regs = strstr(res.err, want);
	ck_assert_msg(regs, "no '%s' in: %s", want, res.err);
	regs = strstr(regs, PREFIX "  rip ");
	ck_assert_ptr_nonnull(regs);
	ck_assert_int_eq(sscanf(regs, PREFIX "  rip %llx", (unsigned long long *)&regs_rip), 1);
	ck_assert_msg(regs_rip >= lo && regs_rip < hi, "rip %llx outside [%llx, %llx)",
		      (unsigned long long)regs_rip, (unsigned long long)lo,
		      (unsigned long long)hi);
	for (i = 0; i < 3; i++) {
		ck_assert_msg(line_rip(lines[n - 4 + i].what, &rip), "%s", lines[n - 4 + i].what);
		ck_assert_msg(rip >= lo && rip < hi, "%s: outside [%llx, %llx)",
			      lines[n - 4 + i].what, (unsigned long long)lo,
			      (unsigned long long)hi);
	}
	ck_assert_int_eq(rip, regs_rip);	/* the same exit, the same RIP */
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("exit_report");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, triple_fault_report);
	if (!kvm_usable("exit_report"))
		return 1;
	return run_tcase("exit_report", tc);
}
