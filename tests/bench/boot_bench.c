// SPDX-License-Identifier: GPL-2.0
/*
 * boot_bench: wall time from spawning a VMM to the guest kernel printing
 * "Run /init as init process", and to the VMM's exit after the test
 * initramfs's init powers the guest off, for our vmm and for QEMU's
 * microvm machine (with ACPI, as ours: both describe the devices in a
 * DSDT and power off through ACPI) on the same host, kernel, initramfs,
 * memory, vCPUs and devices (a virtio-blk disk and virtio-rng),
 * alternating runs in one invocation. Both consoles are read the same
 * way, each new chunk searched once. Prints every sample, the medians and
 * the ratios, and from one of our runs its exit counts by reason and its
 * phase times (--stats), with the time from spawn to main(), so the
 * difference can be explained.
 *
 * usage: boot_bench VMM KERNEL INITRD DISK [RUNS]
 * Kernel code is emulated on PVM hosts, so both VMMs hide the same CPU
 * features there (our vmm by default; QEMU with -cpu host,-feature... and
 * clearcpuid=).
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

#define MARKER		"Run /init as init process"
#define TIMEOUT_S	400.0
#define MAX_RUNS	15

struct boot_time {
	double init;	/* spawn to MARKER on stdout; -1: never */
	double end;	/* spawn to the process's exit; -1: killed at TIMEOUT_S */
	double spawn;	/* CLOCK_MONOTONIC at the spawn */
};

/* Runs argv to its end; stderr left in err. */
static void run_boot(char *const argv[], struct boot_time *t, char *err,
		     size_t err_len)
{
	int out[2], errp[2];
	char buf[65536];
	size_t used = 0, err_used = 0, from;
	double start = monotonic_seconds();
	bool out_open = true, err_open = true;
	pid_t pid;

	*t = (struct boot_time){ .init = -1, .end = -1, .spawn = start };
	err[0] = '\0';
	if (pipe(out) || pipe(errp))
		return;
	pid = fork();
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(errp[1], 2);
		close(out[0]);
		close(errp[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	close(errp[1]);
	buf[0] = '\0';
	while (out_open || err_open) {
		struct pollfd p[2] = { { out_open ? out[0] : -1, POLLIN, 0 },
				       { err_open ? errp[0] : -1, POLLIN, 0 } };
		double left = start + TIMEOUT_S - monotonic_seconds();
		ssize_t n;

		if (left <= 0 || poll(p, 2, (int)(left * 1000)) <= 0)
			break;
		if (p[0].revents) {
			if (used > sizeof(buf) / 2) {	/* keep the tail */
				memmove(buf, buf + used - 256, 256);
				used = 256;
			}
			n = read(out[0], buf + used, sizeof(buf) - 1 - used);
			if (n <= 0) {
				out_open = false;
				continue;
			}
			/* only the new bytes, and the marker's length before them */
			from = used > sizeof(MARKER) ? used - sizeof(MARKER) : 0;
			used += (size_t)n;
			buf[used] = '\0';
			if (t->init < 0 && strstr(buf + from, MARKER))
				t->init = monotonic_seconds() - start;
		}
		if (p[1].revents) {
			char sink[4096];
			bool keep = err_used < err_len - 1;

			n = read(errp[0], keep ? err + err_used : sink,
				 keep ? err_len - 1 - err_used : sizeof(sink));
			if (n <= 0) {
				err_open = false;
				continue;
			}
			if (keep) {
				err_used += (size_t)n;
				err[err_used] = '\0';
			}
		}
	}
	if (!out_open && !err_open && waitpid(pid, NULL, 0) == pid) {
		t->end = monotonic_seconds() - start;
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close(out[0]);
	close(errp[0]);
}

/* Our --stats lines of one run, with spawn to main() worked out. */
static void print_ours(const char *err, const struct boot_time *t)
{
	const char *exits = strstr(err, "vmm: exits:");
	const char *times = strstr(err, "vmm: times: main at ");
	double main_at;

	if (exits)
		printf("ours, one run: %.*s\n", (int)strcspn(exits, "\n"), exits);
	if (times && sscanf(times, "vmm: times: main at %lf", &main_at) == 1) {
		const char *after = strstr(times, "ms after it:");

		printf("ours, one run: spawn to main() %.1f ms; then ms after main():%.*s\n",
		       (main_at - t->spawn) * 1000,
		       after ? (int)strcspn(after + 12, "\n") : 0, after ? after + 12 : "");
	}
}

static void print_result(const char *what, double *ours, int n_ours,
			 double *qemu, int n_qemu)
{
	double mo, mq;

	if (!n_ours || !n_qemu) {
		printf("result %s: no figure: a VMM never got there\n", what);
		return;
	}
	mo = median_of(ours, n_ours);
	mq = median_of(qemu, n_qemu);
	printf("result %s: vmm median %.2f s (%d runs), qemu median %.2f s (%d runs)\n",
	       what, mo, n_ours, mq, n_qemu);
	printf("ratio %s: vmm / qemu microvm = %.2fx\n", what, mo / mq);
}

int main(int argc, char **argv)
{
	static char err[16384];
	const char *hide = "popcnt,xsave,avx,smep,avx2,smap,umip,pku";
	char ours_disk[512], qemu_drive[512], qemu_append[512];
	double ours[MAX_RUNS], qemu[MAX_RUNS], ours_off[MAX_RUNS], qemu_off[MAX_RUNS];
	int runs, i, n_ours = 0, n_qemu = 0, n_ours_off = 0, n_qemu_off = 0;
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;

	if (argc < 5) {
		fprintf(stderr, "usage: %s VMM KERNEL INITRD DISK [RUNS]\n", argv[0]);
		return 2;
	}
	runs = argc > 5 ? atoi(argv[5]) : 3;
	if (runs < 1 || runs > MAX_RUNS)
		runs = 3;
	snprintf(ours_disk, sizeof(ours_disk), "%s", argv[4]);
	snprintf(qemu_drive, sizeof(qemu_drive), "file=%s,if=none,id=d0,format=raw", argv[4]);
	snprintf(qemu_append, sizeof(qemu_append), "console=ttyS0 panic=-1%s%s",
		 pvm ? " clearcpuid=" : "", pvm ? hide : "");

	char *ours_argv[] = { argv[1], "--kernel", argv[2], "--initrd", argv[3],
		"--memory", "256M", "--cpus", "1", "--disk", ours_disk, "--rng",
		"--cmdline", "console=ttyS0 panic=-1", "--stats", "--timeout", "400", NULL };
	char *qemu_argv[] = { "/usr/bin/qemu-system-x86_64", "-M", "microvm",
		"-enable-kvm", "-cpu", pvm ?
		"host,-xsave,-avx,-avx2,-smap,-smep,-pku,-umip,-popcnt,-kvm-pv-ipi,-kvm-pv-sched-yield,-kvm-pv-tlb-flush,-kvm-pv-unhalt" : "host",
		"-m", "256M", "-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
		"-serial", "stdio", "-kernel", argv[2], "-initrd", argv[3],
		"-append", qemu_append, "-drive", qemu_drive,
		"-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device",
		"-no-reboot", NULL };

	printf("boot_bench: %d runs each, alternating; time from spawn to \"%s\" (init) and to the VMM's exit after the guest powers off (off)\n",
	       runs, MARKER);
	for (i = 0; i < runs; i++) {
		struct boot_time t;

		run_boot(ours_argv, &t, err, sizeof(err));
		printf("sample vmm  %d init %.2f s, off %.2f s\n", i, t.init, t.end);
		if (t.init > 0)
			ours[n_ours++] = t.init;
		if (t.end > 0)
			ours_off[n_ours_off++] = t.end;
		if (i == runs / 2)
			print_ours(err, &t);
		run_boot(qemu_argv, &t, err, sizeof(err));
		printf("sample qemu %d init %.2f s, off %.2f s\n", i, t.init, t.end);
		if (t.init > 0)
			qemu[n_qemu++] = t.init;
		if (t.end > 0)
			qemu_off[n_qemu_off++] = t.end;
		fflush(stdout);
	}
	print_result("init", ours, n_ours, qemu, n_qemu);
	print_result("off", ours_off, n_ours_off, qemu_off, n_qemu_off);
	if (!n_ours || !n_qemu || !n_ours_off || !n_qemu_off)
		return 1;
	return 0;
}
