// SPDX-License-Identifier: GPL-2.0
/*
 * boot_bench: wall time from spawning a VMM to the guest kernel printing
 * "Run /init as init process", for our vmm and for QEMU's microvm machine
 * on the same host, kernel, initramfs, memory, vCPUs and devices (a
 * virtio-blk disk and virtio-rng), alternating runs in one invocation.
 * Prints every sample, the medians and the ratio, and our VMM's exit
 * counts by reason (from --stats) so the difference can be explained.
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

/*
 * Runs argv, returns seconds until MARKER appeared on its stdout (or -1).
 * If keep_err, waits for the process to end and leaves its stderr in err.
 */
static double time_to_marker(char *const argv[], bool wait_end, char *err,
			     size_t err_len)
{
	int out[2], errp[2];
	char buf[65536];
	size_t used = 0, err_used = 0;
	double start = monotonic_seconds(), found = -1;
	pid_t pid;

	if (pipe(out) || pipe(errp))
		return -1;
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
	if (err)
		err[0] = '\0';
	for (;;) {
		struct pollfd p[2] = { { out[0], POLLIN, 0 }, { errp[0], POLLIN, 0 } };
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
			if (n <= 0)
				break;
			used += (size_t)n;
			buf[used] = '\0';
			if (found < 0 && strstr(buf, MARKER)) {
				found = monotonic_seconds() - start;
				if (!wait_end)
					break;
			}
		}
		if (p[1].revents) {
			char sink[4096];

			n = read(errp[0], err && err_used < err_len - 1 ? err + err_used : sink,
				 err && err_used < err_len - 1 ? err_len - 1 - err_used : sizeof(sink));
			if (n > 0 && err && err_used < err_len - 1) {
				err_used += (size_t)n;
				err[err_used] = '\0';
			}
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(out[0]);
	close(errp[0]);
	return found;
}

int main(int argc, char **argv)
{
	static char err[16384];
	const char *hide = "popcnt,xsave,avx,smep,avx2,smap,umip,pku";
	char ours_disk[512], qemu_drive[512], qemu_append[512];
	double ours[MAX_RUNS], qemu[MAX_RUNS];
	int runs, i, n_ours = 0, n_qemu = 0;
	bool pvm = access("/sys/module/kvm_pvm", F_OK) == 0;
	char *exits = NULL;

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
	char *qemu_argv[] = { "/usr/bin/qemu-system-x86_64", "-M", "microvm,acpi=off",
		"-enable-kvm", "-cpu", pvm ?
		"host,-xsave,-avx,-avx2,-smap,-smep,-pku,-umip,-popcnt,-kvm-pv-ipi,-kvm-pv-sched-yield,-kvm-pv-tlb-flush,-kvm-pv-unhalt" : "host",
		"-m", "256M", "-smp", "1", "-nodefaults", "-no-user-config", "-nographic",
		"-serial", "stdio", "-kernel", argv[2], "-initrd", argv[3],
		"-append", qemu_append, "-drive", qemu_drive,
		"-device", "virtio-blk-device,drive=d0", "-device", "virtio-rng-device",
		"-no-reboot", NULL };

	printf("boot_bench: %d runs each, alternating; time from spawn to \"%s\"\n", runs, MARKER);
	for (i = 0; i < runs; i++) {
		double t = time_to_marker(ours_argv, true, err, sizeof(err));

		printf("sample vmm  %d %.2f s\n", i, t);
		if (t > 0)
			ours[n_ours++] = t;
		if (t > 0 && !exits) {
			char *line = strstr(err, "vmm: exits:");

			if (line)
				exits = strndup(line, strcspn(line, "\n"));
		}
		t = time_to_marker(qemu_argv, false, NULL, 0);
		printf("sample qemu %d %.2f s\n", i, t);
		if (t > 0)
			qemu[n_qemu++] = t;
		fflush(stdout);
	}
	if (!n_ours || !n_qemu) {
		printf("fail: a VMM never reached \"%s\"\n", MARKER);
		return 1;
	}
	{
		double mo = median_of(ours, n_ours), mq = median_of(qemu, n_qemu);

		printf("result vmm  median %.2f s (%d runs)\n", mo, n_ours);
		printf("result qemu median %.2f s (%d runs)\n", mq, n_qemu);
		printf("ratio: vmm / qemu microvm = %.2fx\n", mo / mq);
		if (exits)
			printf("ours, one boot to the panic after init: %s\n", exits);
	}
	return 0;
}
