// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp filters (devices/host/seccomp.h): in a forked child per case, each
 * class's filter lets its own calls through and ends the process on a
 * forbidden one with exit status 159 and one line on stderr naming the
 * class and the call; log mode lets it through; off installs nothing.
 * The tables themselves: every name is a system call, every row has a
 * reason. The real-time clocks, whose registers vCPU threads drive and
 * whose ticks the main thread serves, get through their threads' filters
 * (a clock made before the filter, as the VMM makes it: the first use of
 * the C library's calendar functions would open time zone files). No
 * /dev/kvm needed.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/config.h"
#include "devices/host/seccomp.h"
#include "devices/pl031.h"
#include "devices/rtc_cmos.h"

#include "tests/helpers.h"

/* What a child did: its exit status and what it wrote on stderr. */
struct outcome {
	int status;		/* exit status, or 128 + signal */
	char err[512];
};

/* Runs fn in a child with mode configured and cls's filter installed. */
static void in_child(enum vmm_seccomp_mode mode, enum vmm_seccomp_class cls,
		     int (*fn)(void), struct outcome *o)
{
	int pfd[2], st;
	ssize_t n, got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(pfd[1], STDERR_FILENO);
		close(pfd[0]);
		if (vmm_seccomp_configure(mode, "vmm") || vmm_seccomp_install(cls))
			_exit(100);
		_exit(fn());
	}
	close(pfd[1]);
	while ((n = read(pfd[0], o->err + got, sizeof(o->err) - 1 - (size_t)got)) > 0)
		got += n;
	o->err[got] = '\0';
	close(pfd[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void expect_killed(enum vmm_seccomp_class cls, int (*fn)(void),
			  const char *cls_name, const char *call, long nr)
{
	struct outcome o;
	char want[256];

	in_child(VMM_SECCOMP_ON, cls, fn, &o);
	snprintf(want, sizeof(want), "vmm: seccomp: %s thread made a forbidden system call: %s (%ld)\n",
		 cls_name, call, nr);
	ck_assert_int_eq(o.status, VMM_SECCOMP_EXIT);
	ck_assert_str_eq(o.err, want);
}

static void expect_allowed(enum vmm_seccomp_mode mode, enum vmm_seccomp_class cls,
			   int (*fn)(void))
{
	struct outcome o;

	in_child(mode, cls, fn, &o);
	ck_assert_msg(o.status == 0, "status %d, stderr: %s", o.status, o.err);
	ck_assert_str_eq(o.err, "");
}

/* Calls each class makes; 0 when they returned (whatever they returned). */
static int set_umask(void)
{
	umask(022);
	return 0;
}

static int kvm_run_on_a_non_kvm_fd(void)
{
	return ioctl(STDIN_FILENO, KVM_RUN, 0) == -1 && errno == ENOTTY ? 0 : 1;
}

static int worker_calls(void)
{
	char b[8];
	struct pollfd p = { .fd = -1 };

	return getrandom(b, sizeof(b), 0) == sizeof(b) && poll(&p, 1, 0) == 0 &&
	       write(STDOUT_FILENO, "", 0) == 0 ? 0 : 1;
}

static int backend_calls(void)
{
	return fcntl(STDIN_FILENO, F_GETFL) >= 0 && shutdown(-1, SHUT_RDWR) == -1 ? 0 : 1;
}

static int main_calls(void)
{
	struct pollfd p = { .fd = -1 };

	return poll(&p, 1, 0) == 0 && getpid() > 0 ? 0 : 1;
}

static int blkd_calls(void)
{
	return accept4(-1, NULL, NULL, SOCK_CLOEXEC) == -1 && errno == EBADF ? 0 : 1;
}

static int make_socket(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int create_vm(void)
{
	ioctl(STDIN_FILENO, KVM_CREATE_VM, 0);
	return 0;
}

static int execve_sh(void)
{
	char *argv[] = { "/bin/true", NULL };

	execve(argv[0], argv, NULL);
	return 1;
}

/* Made before the children fork, as the VMM makes them before its filters. */
static struct rtc_cmos *cmos;
static struct pl031 *pl031;

static void no_irq(void *ctx, int level)
{
	(void)ctx;
	(void)level;
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	rtc_cmos_ops.write(cmos, 0, &reg, 1);
	rtc_cmos_ops.write(cmos, 1, &v, 1);
}

/* What a guest does to the CMOS RTC: every register read, the clock set. */
static int cmos_guest_accesses(void)
{
	uint8_t reg, v;

	for (reg = 0; reg < 128; reg++) {
		rtc_cmos_ops.write(cmos, 0, &reg, 1);
		rtc_cmos_ops.read(cmos, 1, &v, 1);
	}
	cmos_write(0x0b, 0x82);		/* SET */
	cmos_write(0x09, 0x30);
	cmos_write(0x0b, 0x32);		/* running, UIE and AIE: the timer armed */
	cmos_write(0x02, 0x15);		/* one register alone */
	return 0;
}

static int cmos_tick(void)
{
	rtc_cmos_timer_event(cmos);
	return 0;
}

static uint32_t pl031_read(uint64_t off)
{
	uint32_t v = 0;

	pl031_ops.read(pl031, off, (uint8_t *)&v, 4);
	return v;
}

static void pl031_write(uint64_t off, uint32_t v)
{
	pl031_ops.write(pl031, off, (const uint8_t *)&v, 4);
}

static int pl031_guest_accesses(void)
{
	uint32_t now = pl031_read(PL031_DR);

	pl031_write(PL031_LR, now + 100);
	pl031_write(PL031_MR, now + 200);	/* the timer armed */
	pl031_write(PL031_IMSC, PL031_INT_MATCH);
	pl031_write(PL031_ICR, PL031_INT_MATCH);
	return pl031_read(PL031_PERIPH_ID0) == 0x31 ? 0 : 1;
}

static int pl031_tick(void)
{
	pl031_timer_event(pl031);
	return 0;
}

START_TEST(real_time_clocks_within_their_threads_filters)
{
	cmos = rtc_cmos_create(no_irq, NULL, NULL);
	ck_assert_ptr_nonnull(cmos);
	ck_assert_int_eq(pl031_create(no_irq, NULL, &pl031), 0);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_VCPU, cmos_guest_accesses);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_MAIN, cmos_tick);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_VCPU, pl031_guest_accesses);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_MAIN, pl031_tick);
	rtc_cmos_destroy(cmos);
	pl031_destroy(pl031);
}
END_TEST

START_TEST(each_class_lets_its_calls_through)
{
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_VCPU, kvm_run_on_a_non_kvm_fd);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_WORKER, worker_calls);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_BACKEND, backend_calls);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_BLKD, backend_calls);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_BLKD, blkd_calls);
	expect_allowed(VMM_SECCOMP_ON, VMM_SECCOMP_MAIN, main_calls);
}
END_TEST

START_TEST(a_forbidden_call_ends_the_process_in_one_line)
{
	expect_killed(VMM_SECCOMP_VCPU, make_socket, "vcpu", "socket", SYS_socket);
	expect_killed(VMM_SECCOMP_VCPU, create_vm, "vcpu", "ioctl", SYS_ioctl);
	expect_killed(VMM_SECCOMP_VCPU, set_umask, "vcpu", "umask", SYS_umask);
	expect_killed(VMM_SECCOMP_WORKER, execve_sh, "device worker", "execve", SYS_execve);
	expect_killed(VMM_SECCOMP_BACKEND, make_socket, "backend", "socket", SYS_socket);
	expect_killed(VMM_SECCOMP_BLKD, execve_sh, "vmm-blkd", "execve", SYS_execve);
	expect_killed(VMM_SECCOMP_MAIN, make_socket, "main", "socket", SYS_socket);
	expect_killed(VMM_SECCOMP_MAIN, create_vm, "main", "ioctl", SYS_ioctl);
}
END_TEST

START_TEST(log_mode_lets_it_through)
{
	expect_allowed(VMM_SECCOMP_LOG, VMM_SECCOMP_VCPU, make_socket);
	expect_allowed(VMM_SECCOMP_LOG, VMM_SECCOMP_MAIN, make_socket);
}
END_TEST

static int unfiltered(void)
{
	char buf[4096] = "";
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	return n > 0 && strstr(buf, "\nSeccomp:\t0\n") && make_socket() == 0 ? 0 : 1;
}

START_TEST(off_installs_nothing)
{
	expect_allowed(VMM_SECCOMP_OFF, VMM_SECCOMP_VCPU, unfiltered);
}
END_TEST

START_TEST(modes_parse)
{
	enum vmm_seccomp_mode m;

	ck_assert_int_eq(vmm_seccomp_parse("on", &m), 0);
	ck_assert_int_eq(m, VMM_SECCOMP_ON);
	ck_assert_int_eq(vmm_seccomp_parse("log", &m), 0);
	ck_assert_int_eq(m, VMM_SECCOMP_LOG);
	ck_assert_int_eq(vmm_seccomp_parse("off", &m), 0);
	ck_assert_int_eq(m, VMM_SECCOMP_OFF);
	ck_assert_int_eq(vmm_seccomp_parse("yes", &m), -EINVAL);
	ck_assert_str_eq(vmm_seccomp_mode_name(VMM_SECCOMP_LOG), "log");
}
END_TEST

/* --seccomp: on unless asked otherwise; a bad mode names the option. */
START_TEST(the_option)
{
	char *on[] = { "vmm", "--kernel", "k", NULL };
	char *log[] = { "vmm", "--kernel", "k", "--seccomp", "log", NULL };
	char *bad[] = { "vmm", "--kernel", "k", "--seccomp=1", NULL };
	char err[CONFIG_ERR_LEN];
	struct vm_config cfg;

	ck_assert_int_eq(config_parse(3, on, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.seccomp, VMM_SECCOMP_ON);
	ck_assert_int_eq(config_parse(5, log, &cfg, err, sizeof(err)), 0);
	ck_assert_int_eq(cfg.seccomp, VMM_SECCOMP_LOG);
	ck_assert_int_eq(config_parse(4, bad, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "--seccomp: '1' is not on, log or off");
	ck_assert_ptr_nonnull(strstr(config_usage(), "--seccomp on|log|off"));
}
END_TEST

/* Every row names a system call of x86_64 or arm64, and says why. */
START_TEST(tables_are_well_formed)
{
	unsigned int c, t;
	size_t i;

	for (c = 0; c < VMM_SECCOMP_NR_CLASSES; c++) {
		const struct vmm_seccomp_class_def *d = &vmm_seccomp_classes[c];

		ck_assert_ptr_nonnull(d->name);
		for (t = 0; t < VMM_SECCOMP_MAX_TABLES && d->tables[t]; t++) {
			for (i = 0; i < d->tables[t]->nr; i++) {
				const struct vmm_seccomp_rule *r = &d->tables[t]->rules[i];

				ck_assert_msg(seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, r->syscall) >= 0 ||
					      seccomp_syscall_resolve_name_arch(SCMP_ARCH_AARCH64, r->syscall) >= 0,
					      "%s: %s is no system call", d->name, r->syscall);
				ck_assert_msg(r->why && *r->why, "%s: %s: no reason", d->name, r->syscall);
				ck_assert(r->match != VMM_SECCOMP_IOCTL || (r->arg_name && !strcmp(r->syscall, "ioctl")));
			}
		}
	}
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("filters");

	tcase_add_test(tc, each_class_lets_its_calls_through);
	tcase_add_test(tc, a_forbidden_call_ends_the_process_in_one_line);
	tcase_add_test(tc, real_time_clocks_within_their_threads_filters);
	tcase_add_test(tc, log_mode_lets_it_through);
	tcase_add_test(tc, off_installs_nothing);
	tcase_add_test(tc, modes_parse);
	tcase_add_test(tc, the_option);
	tcase_add_test(tc, tables_are_well_formed);
	return run_tcase("seccomp", tc);
}
