// SPDX-License-Identifier: GPL-2.0
/*
 * vm_run(): starts the vCPU threads, then waits in one poll() loop for
 * the VM to stop, console input, SIGINT/SIGTERM, memory-socket clients,
 * the platform's timer (the RTC's interrupts) and the --timeout deadline,
 * and writes the console's output out in batches,
 * CONSOLE_BATCH_MS after its first byte; stops and joins every vCPU;
 * returns the exit status and prints one line saying why the VM ended. A
 * terminal on stdin is switched to character-at-a-time input for the
 * guest and restored; with --console-input none stdin is left alone.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "devices/serial.h"
#include "vmm/memory_socket.h"
#include "devices/host/seccomp.h"
#include "vmm/vcpu.h"
#include "vmm/run_loop.h"
#include "vmm/timeline.h"
#include "vmm/vm.h"

enum { POLL_STOP, POLL_SIGNAL, POLL_STDIN, POLL_SOCKET, POLL_OUTPUT, POLL_TIMER, POLL_NR };

/*
 * How long console output may wait to be written with what follows it: a
 * boot prints one byte per exit, and one write() per byte would wake the
 * reader as often; a person typing does not notice 5 ms.
 */
#define CONSOLE_BATCH_MS 5

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Moves console input into the UART while its FIFO has room. */
static bool feed_console(struct vm *vm)
{
	char buf[64];
	size_t room = serial_rx_space(vm->platform.serial);
	ssize_t n;

	if (!room)
		return true;
	n = read(STDIN_FILENO, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;	/* EOF: stop watching stdin */
	serial_receive(vm->platform.serial, buf, (size_t)n);
	return true;
}

/*
 * On a terminal, hand keys to the guest as they are typed: no line
 * editing and no local echo (the guest echoes). Ctrl-C still stops the
 * VMM. Returns true if the settings in saved must be put back.
 */
static bool console_raw(struct termios *saved)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, saved))
		return false;
	raw = *saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_iflag &= ~(tcflag_t)ICRNL;
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	return tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

static int open_signalfd(void)
{
	sigset_t set;

	stop_signal_set(&set);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -EINVAL;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* The earlier of two deadlines (0: none) as a poll() timeout. */
static int poll_timeout(uint64_t a, uint64_t b, uint64_t now)
{
	uint64_t first = !a ? b : !b ? a : a < b ? a : b;

	if (!first)
		return -1;
	return first > now ? (int)(first - now) : 0;
}

static void wait_for_stop(struct vm *vm, int sfd)
{
	uint64_t deadline = vm->cfg->timeout_ms ? now_ms() + vm->cfg->timeout_ms : 0;
	uint64_t flush_at = 0;	/* console output waiting to be written */
	struct serial *console = vm->platform.serial;
	bool stdin_open = vm->platform.serial != NULL &&
			  vm->cfg->console_input == CONSOLE_INPUT_STDIN;
	struct pollfd pfd[POLL_NR];

	while (!stop_requested(&vm->stop)) {
		int timeout = -1;
		bool rx_full = stdin_open && !serial_rx_space(vm->platform.serial);

		pfd[POLL_STOP] = (struct pollfd){ .fd = vm->stop.event_fd, .events = POLLIN };
		pfd[POLL_SIGNAL] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[POLL_STDIN] = (struct pollfd){
			.fd = stdin_open && !rx_full ? STDIN_FILENO : -1,
			.events = POLLIN,
		};
		pfd[POLL_SOCKET] = (struct pollfd){
			.fd = vm->memory_socket ? memory_socket_fd(vm->memory_socket) : -1,
			.events = POLLIN,
		};
		pfd[POLL_OUTPUT] = (struct pollfd){
			.fd = console && !flush_at ? serial_output_event(console) : -1,
			.events = POLLIN,
		};
		pfd[POLL_TIMER] = (struct pollfd){
			.fd = platform_timer_fd(&vm->platform),
			.events = POLLIN,
		};
		if (deadline || flush_at) {
			uint64_t now = now_ms();

			if (flush_at && now >= flush_at) {
				serial_flush(console);
				flush_at = 0;
				continue;
			}
			if (deadline && now >= deadline) {
				stop_request(&vm->stop, VM_EXIT_TIMEOUT, "timeout: guest still running after %llu s",
					     (unsigned long long)(vm->cfg->timeout_ms / 1000));
				break;
			}
			timeout = poll_timeout(deadline, flush_at, now);
		}
		if (rx_full && (timeout < 0 || timeout > 20))
			timeout = 20;	/* recheck the UART's FIFO soon */

		if (poll(pfd, POLL_NR, timeout) < 0) {
			if (errno == EINTR)
				continue;
			stop_request(&vm->stop, VM_EXIT_FAILED, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[POLL_SIGNAL].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				stop_request(&vm->stop, VM_EXIT_SIGNAL_BASE + (int)si.ssi_signo,
					     "stopped by signal %s", strsignal((int)si.ssi_signo));
		}
		if (pfd[POLL_TIMER].revents & POLLIN)
			platform_timer_event(&vm->platform);
		if (pfd[POLL_OUTPUT].revents & POLLIN)
			flush_at = now_ms() + CONSOLE_BATCH_MS;
		if (pfd[POLL_STDIN].revents & (POLLIN | POLLHUP | POLLERR))
			stdin_open = feed_console(vm);
		if (pfd[POLL_SOCKET].revents & POLLIN) {
			int err = memory_socket_serve(vm->memory_socket);

			if (err)
				fprintf(stderr, "vmm: --memory-socket: client not served: %s\n",
					strerror(-err));
		}
	}
}

static void print_stats(const struct vm *vm)
{
	uint64_t total[VCPU_NR_STATS] = { 0 };
	unsigned int i, s;

	for (i = 0; i < vm->nr_vcpus; i++)
		for (s = 0; s < VCPU_NR_STATS; s++)
			total[s] += vm->vcpus[i].stats[s];
	fprintf(stderr, "vmm: exits:");
	for (s = 0; s < VCPU_NR_STATS; s++)
		fprintf(stderr, " %s=%llu", vcpu_stat_name((enum vcpu_stat)s),
			(unsigned long long)total[s]);
	if (vm->coalesced.ring)
		fprintf(stderr, " (and %llu console writes coalesced)",
			(unsigned long long)vm->coalesced.replayed);
	fprintf(stderr, "\n");
}

int vm_run(struct vm *vm)
{
	struct termios saved;
	unsigned int i;
	bool raw;
	int sfd, err;

	sfd = open_signalfd();
	if (sfd < 0) {
		fprintf(stderr, "vmm: signalfd: %s\n", strerror(errno));
		return VM_EXIT_FAILED;
	}
	raw = vm->cfg->console_input == CONSOLE_INPUT_STDIN && console_raw(&saved);
	err = vcpu_init_signals();
	for (i = 0; !err && i < vm->nr_vcpus; i++)
		err = vcpu_start(&vm->vcpus[i]);
	if (err) {
		stop_request(&vm->stop, VM_EXIT_FAILED, "cannot start vCPU threads: %s",
			     strerror(-err));
	} else {
		/* Last: every other thread has its own filter by now. */
		err = vmm_seccomp_install(VMM_SECCOMP_MAIN);
		if (err)
			stop_request(&vm->stop, VM_EXIT_FAILED, "main thread: seccomp filter: %s",
				     strerror(-err));
		else
			wait_for_stop(vm, sfd);
	}

	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_join(&vm->vcpus[i]);
	coalesced_drain(&vm->coalesced);	/* the guest's last console bytes */
	if (vm->platform.serial)
		serial_flush(vm->platform.serial);	/* before the exit line */
	close(sfd);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);

	if (vm->cfg->stats) {
		print_stats(vm);
		device_manager_print_stats(&vm->devices, stderr);
		timeline_print(stderr);
	}
	fprintf(stderr, "vmm: exit %d: %s\n", vm->stop.status, vm->stop.reason);
	return vm->stop.status;
}
