// SPDX-License-Identifier: GPL-2.0
/*
 * The last exits of a vCPU and its registers at the last one, for the
 * failure report (exit_trace.h).
 */
#include "exit_trace.h"

#include <string.h>
#include <time.h>

#include "arch/arch.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void exit_trace_init(struct exit_trace *t, struct kvm_run *run, uint64_t always,
		     uint64_t sampled)
{
	memset(t, 0, sizeof(*t));
	t->always = always;
	t->sampled = always ? sampled : 0;
	t->armed = t->always | t->sampled;
	run->kvm_valid_regs = t->armed;
	t->start_ticks = arch_counter();
	t->start_ns = now_ns();
}

static uint64_t le_bytes(const uint8_t *p, unsigned int len)
{
	uint64_t v = 0;

	while (len--)
		v = v << 8 | p[len];
	return v;
}

void exit_trace_record(struct exit_trace *t, struct kvm_run *run, uint32_t reason)
{
	uint64_t armed = t->armed;
	struct exit_record *r = &t->ring[t->count % EXIT_TRACE_LEN];

	memset(r, 0, sizeof(*r));
	r->nr = ++t->count;
	r->ticks = arch_counter();
	r->reason = reason;
	switch (reason) {
	case KVM_EXIT_IO:
		r->io.port = run->io.port;
		r->io.size = run->io.size;
		r->io.out = run->io.direction == KVM_EXIT_IO_OUT;
		r->io.count = run->io.count;
		r->io.data = (uint32_t)le_bytes((const uint8_t *)run + run->io.data_offset,
						run->io.size <= 4 ? run->io.size : 4);
		break;
	case KVM_EXIT_MMIO:
		r->mmio.addr = run->mmio.phys_addr;
		r->mmio.len = (uint8_t)run->mmio.len;
		r->mmio.write = run->mmio.is_write;
		r->mmio.data = le_bytes(run->mmio.data, run->mmio.len <= 8 ? run->mmio.len : 8);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		r->code = run->internal.suberror;
		break;
	case KVM_EXIT_FAIL_ENTRY:
		r->code = run->fail_entry.hardware_entry_failure_reason;
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		r->code = run->system_event.type;
		break;
	}
	if (!t->always)
		return;
	/* The sampled fields once in EXIT_TRACE_SAMPLE exits, from the next. */
	t->armed = t->always | (r->nr % EXIT_TRACE_SAMPLE ? 0 : t->sampled);
	run->kvm_valid_regs = t->armed;
	/*
	 * At a shutdown KVM on AMD has already reset the vCPU (and synced
	 * the reset state), on Intel not: keep neither, the report says
	 * what the exit before left. A KVM_RUN that failed with EINTR may
	 * have left the sync area as it was: keep nothing from it either.
	 */
	if (reason == KVM_EXIT_SHUTDOWN || reason == KVM_EXIT_INTR)
		return;
	r->pc_known = arch_exit_pc(run, &r->pc);
	arch_exit_regs_copy(&t->regs, run, t->always);
	t->regs_nr = r->nr;
	t->regs_ticks = r->ticks;
	if (t->sampled && (armed & t->sampled) == t->sampled) {
		arch_exit_regs_copy(&t->sampled_regs, run, t->sampled);
		t->sampled_nr = r->nr;
		t->sampled_ticks = r->ticks;
	}
}

const struct exit_record *exit_trace_get(const struct exit_trace *t, unsigned int back)
{
	if (back >= EXIT_TRACE_LEN || back >= t->count)
		return NULL;
	return &t->ring[(t->count - 1 - back) % EXIT_TRACE_LEN];
}

static const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO:		return "io";
	case KVM_EXIT_MMIO:		return "mmio";
	case KVM_EXIT_HLT:		return "hlt";
	case KVM_EXIT_INTR:		return "intr";
	case KVM_EXIT_SHUTDOWN:		return "shutdown";
	case KVM_EXIT_INTERNAL_ERROR:	return "internal_error";
	case KVM_EXIT_FAIL_ENTRY:	return "fail_entry";
	case KVM_EXIT_SYSTEM_EVENT:	return "system_event";
	case KVM_EXIT_DEBUG:		return "debug";
	case KVM_EXIT_EXCEPTION:	return "exception";
	default:			return NULL;
	}
}

int exit_trace_format_exit(const struct exit_record *r, char *buf, size_t len)
{
	const char *name = reason_name(r->reason);
	int n;

	if (name)
		n = snprintf(buf, len, "exit %llu %s", (unsigned long long)r->nr, name);
	else
		n = snprintf(buf, len, "exit %llu reason %u", (unsigned long long)r->nr, r->reason);
	switch (r->reason) {
	case KVM_EXIT_IO:
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
			      " %s port 0x%x size %u data 0x%x", r->io.out ? "out" : "in",
			      r->io.port, r->io.size, r->io.data);
		if (r->io.count > 1)
			n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
				      " count %u", r->io.count);
		break;
	case KVM_EXIT_MMIO:
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
			      " %s addr 0x%llx len %u data 0x%llx", r->mmio.write ? "write" : "read",
			      (unsigned long long)r->mmio.addr, r->mmio.len,
			      (unsigned long long)r->mmio.data);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
	case KVM_EXIT_FAIL_ENTRY:
	case KVM_EXIT_SYSTEM_EVENT:
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0, " code 0x%llx",
			      (unsigned long long)r->code);
		break;
	}
	if (r->pc_known)
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0, " rip %016llx",
			      (unsigned long long)r->pc);
	return n;
}

/*
 * The counter's ticks per millisecond, measured over the trace's life;
 * 0 if that was too short to tell (under a millisecond).
 */
static double ticks_per_ms(const struct exit_trace *t)
{
	uint64_t ticks = arch_counter(), ns = now_ns();

	if (ns < t->start_ns + 1000000 || ticks <= t->start_ticks)
		return 0;
	return (double)(ticks - t->start_ticks) * 1e6 / (double)(ns - t->start_ns);
}

/* "N.NNN ms" from ticks from to to, in buf; "? ms" if the rate is unknown. */
static const char *ms_between(uint64_t from, uint64_t to, double rate, char *buf, size_t len)
{
	if (rate <= 0)
		snprintf(buf, len, "? ms");
	else
		snprintf(buf, len, "%.3f ms", to >= from ? (double)(to - from) / rate : 0.0);
	return buf;
}

/* "WHAT at exit N, M exits to the VMM and T before this one:" */
static void print_head(const struct exit_trace *t, const char *what, uint64_t nr,
		       uint64_t ticks, double rate, const char *prefix, FILE *out)
{
	const struct exit_record *last = exit_trace_get(t, 0);
	char ms[32];

	if (nr == t->count) {
		fprintf(out, "%s%s at this exit, as KVM left them in kvm_run:\n", prefix, what);
		return;
	}
	fprintf(out, "%s%s at exit %llu, %llu exit%s to the VMM and %s before this one:\n",
		prefix, what, (unsigned long long)nr, (unsigned long long)(t->count - nr),
		t->count - nr == 1 ? "" : "s",
		ms_between(ticks, last ? last->ticks : ticks, rate, ms, sizeof(ms)));
}

static void print_registers(const struct exit_trace *t, double rate, const char *prefix,
			    FILE *out)
{
	char what[96];

	if (!t->always) {
		fprintf(out, "%sregisters at each exit: not kept (no KVM_CAP_SYNC_REGS here)\n",
			prefix);
		return;
	}
	if (!t->regs_nr) {
		fprintf(out, "%sregisters at each exit: none yet (no exit before this one)\n",
			prefix);
		return;
	}
	print_head(t, "registers", t->regs_nr, t->regs_ticks, rate, prefix, out);
	arch_exit_regs_print(&t->regs, t->always, prefix, out);
	if (!t->sampled) {
		fprintf(out, "%sthe other registers: not synced at exits on this host, whose KVM "
			"keeps them at a triple fault: see the registers read after the exit\n",
			prefix);
		return;
	}
	if (!t->sampled_nr)
		return;
	snprintf(what, sizeof(what),
		 "control and segment registers and events (synced at one exit in %u)",
		 EXIT_TRACE_SAMPLE);
	print_head(t, what, t->sampled_nr, t->sampled_ticks, rate, prefix, out);
	arch_exit_regs_print(&t->sampled_regs, t->sampled, prefix, out);
}

void exit_trace_print(const struct exit_trace *t, unsigned int index, const char *what,
		      const char *prefix, FILE *out)
{
	const struct exit_record *last = exit_trace_get(t, 0);
	double rate = ticks_per_ms(t);
	unsigned int back;
	char line[160], ms[32];

	fprintf(out, "%svcpu %u: %s, at its exit %llu to the VMM\n", prefix, index, what,
		(unsigned long long)t->count);
	print_registers(t, rate, prefix, out);
	back = t->count < EXIT_TRACE_LEN ? (unsigned int)t->count : EXIT_TRACE_LEN;
	fprintf(out, "%slast %u exits to the VMM, oldest first, with the time before the last:\n",
		prefix, back);
	while (back--) {
		const struct exit_record *r = exit_trace_get(t, back);

		exit_trace_format_exit(r, line, sizeof(line));
		ms_between(r->ticks, last->ticks, rate, ms, sizeof(ms));
		fprintf(out, "%s  %11s %s\n", prefix, ms, line);
	}
}
