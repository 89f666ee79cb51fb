// SPDX-License-Identifier: GPL-2.0
/*
 * Installs the per-class seccomp filters of seccomp_tables.c with
 * libseccomp, and reports a violation in one line (see seccomp.h).
 */
#include "seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define NAMES_NR	1024	/* beyond every native syscall number */
#define NAMES_POOL	8192	/* x86_64's ~460 names take 5.6 KiB */

static enum vmm_seccomp_mode mode = VMM_SECCOMP_OFF;
static const char *prog = "vmm";
/*
 * Syscall names by number, resolved before any filter (the handler cannot
 * call libseccomp): name_at[nr] is the offset of nr's name in the pool, 0
 * for none. Packed, not char[NAMES_NR][32], which made 32 KiB resident.
 */
static uint16_t name_at[NAMES_NR];
static char pool[NAMES_POOL] = "unknown";
static size_t pool_used = sizeof("unknown");
static __thread const char *thread_class;

int vmm_seccomp_parse(const char *s, enum vmm_seccomp_mode *out)
{
	if (!strcmp(s, "on"))
		*out = VMM_SECCOMP_ON;
	else if (!strcmp(s, "log"))
		*out = VMM_SECCOMP_LOG;
	else if (!strcmp(s, "off"))
		*out = VMM_SECCOMP_OFF;
	else
		return -EINVAL;
	return 0;
}

const char *vmm_seccomp_mode_name(enum vmm_seccomp_mode m)
{
	return m == VMM_SECCOMP_ON ? "on" : m == VMM_SECCOMP_LOG ? "log" : "off";
}

static size_t append(char *buf, size_t n, size_t len, const char *s)
{
	while (*s && n < len)
		buf[n++] = *s++;
	return n;
}

/* Async-signal-safe: fixed buffers, write(2), _exit(2). */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char line[256], num[16];
	unsigned int nr = (unsigned int)si->si_syscall, i = sizeof(num);
	const char *name = pool + (nr < NAMES_NR ? name_at[nr] : 0);
	size_t n = 0;

	(void)sig;
	(void)uc;
	num[--i] = '\0';
	do {
		num[--i] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr && i);
	n = append(line, n, sizeof(line) - 1, prog);
	n = append(line, n, sizeof(line) - 1, ": seccomp: ");
	n = append(line, n, sizeof(line) - 1, thread_class ? thread_class : "unknown");
	n = append(line, n, sizeof(line) - 1, " thread made a forbidden system call: ");
	n = append(line, n, sizeof(line) - 1, name);
	n = append(line, n, sizeof(line) - 1, " (");
	n = append(line, n, sizeof(line) - 1, num + i);
	n = append(line, n, sizeof(line) - 1, ")");
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* nothing left to tell anyone */
	}
	_exit(VMM_SECCOMP_EXIT);
}

int vmm_seccomp_configure(enum vmm_seccomp_mode m, const char *name)
{
	struct sigaction sa;
	int nr;

	mode = m;
	prog = name;
	if (m != VMM_SECCOMP_ON)
		return 0;
	for (nr = 0; nr < NAMES_NR; nr++) {
		char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		size_t n = s ? strlen(s) + 1 : 0;

		if (n && !name_at[nr] && pool_used + n <= sizeof(pool)) {
			memcpy(pool + pool_used, s, n);
			name_at[nr] = (uint16_t)pool_used;
			pool_used += n;
		}
		free(s);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL) ? -errno : 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct vmm_seccomp_rule *r)
{
	int nr = seccomp_syscall_resolve_name(r->syscall);

	if (nr < 0)	/* not a system call on this architecture */
		return 0;
	switch (r->match) {
	case VMM_SECCOMP_IOCTL:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, r->arg));
	case VMM_SECCOMP_NO_EXEC:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	default:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
}

int vmm_seccomp_install(enum vmm_seccomp_class cls)
{
	const struct vmm_seccomp_class_def *def;
	scmp_filter_ctx ctx;
	unsigned int t;
	size_t i;
	int err = 0;

	if (mode == VMM_SECCOMP_OFF)
		return 0;
	if (cls >= VMM_SECCOMP_NR_CLASSES)
		return -EINVAL;
	def = &vmm_seccomp_classes[cls];
	ctx = seccomp_init(mode == VMM_SECCOMP_ON ? SCMP_ACT_TRAP : SCMP_ACT_LOG);
	if (!ctx)
		return -ENOMEM;
	for (t = 0; !err && t < VMM_SECCOMP_MAX_TABLES && def->tables[t]; t++)
		for (i = 0; !err && i < def->tables[t]->nr; i++)
			err = add_rule(ctx, &def->tables[t]->rules[i]);
	thread_class = def->name;
	if (!err)
		err = seccomp_load(ctx);
	seccomp_release(ctx);
	return err;
}
