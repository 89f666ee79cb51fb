// SPDX-License-Identifier: GPL-2.0
/*
 * What each thread class may ask of the kernel, one row per system call
 * (per request number for ioctl), each with its reason. Names are
 * libseccomp's; a name that is no system call on the architecture being
 * built (open, poll, unlink on arm64) is skipped there. docs/seccomp.md
 * explains the model and points here; it does not copy the rows.
 */
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <termios.h>

#include "devices/host/seccomp.h"

#define ANY(name, why)		{ name, VMM_SECCOMP_ANY, 0, NULL, why }
#define NO_EXEC(name, why)	{ name, VMM_SECCOMP_NO_EXEC, 0, NULL, why }
#define IOCTL(req, why)		{ "ioctl", VMM_SECCOMP_IOCTL, req, #req, why }
#define TABLE(rules)		{ rules, sizeof(rules) / sizeof(rules[0]) }

/* Every thread: the C library's own needs, and ending. */
static const struct vmm_seccomp_rule common_rules[] = {
	ANY("futex", "mutexes, condition variables, joining threads"),
	ANY("write", "one-line messages on stderr, eventfd signals, console output"),
	ANY("close", "dropping fds the thread is done with"),
	NO_EXEC("mmap", "the allocator; never executable"),
	NO_EXEC("mprotect", "the allocator grows its arenas; never executable"),
	ANY("munmap", "the allocator returns memory"),
	ANY("madvise", "glibc releases a finished thread's stack"),
	ANY("brk", "the allocator's main arena"),
	ANY("rt_sigprocmask", "glibc blocks signals around thread start and exit"),
	ANY("rt_sigreturn", "return from a signal handler (the vCPU kick)"),
	ANY("restart_syscall", "the kernel resumes an interrupted wait"),
	ANY("exit", "a thread ends"),
	ANY("clock_gettime", "--timeout, --stats' phase times, the failure report's (when not in the vDSO)"),
	ANY("exit_group", "the process ends, also after a violation report"),
};

/* The main thread once the guest runs: run loop, then tear-down. */
static const struct vmm_seccomp_rule main_rules[] = {
	ANY("poll", "the run loop waits on stop, signals, stdin, memory socket"),
	ANY("ppoll", "poll() on architectures without poll"),
	ANY("read", "console input, the signalfd"),
	ANY("accept4", "a --memory-socket client"),
	ANY("sendmsg", "guest RAM regions and fds to a --memory-socket client"),
	ANY("unlink", "remove the --memory-socket path at exit"),
	ANY("unlinkat", "unlink() on architectures without unlink"),
	ANY("getpid", "pthread_kill() to kick a vCPU out of KVM_RUN"),
	ANY("tgkill", "pthread_kill() to kick a vCPU out of KVM_RUN"),
	ANY("shutdown", "vhost-user connections closed at tear-down"),
	ANY("getdents64", "--stats: list /proc/self/fd at exit (opened before the filter)"),
	ANY("timerfd_settime", "re-arm the RTC's once-a-second tick"),
	IOCTL(KVM_IRQ_LINE, "the UART's and the RTC's interrupts"),
	IOCTL(KVM_UNREGISTER_COALESCED_MMIO, "stop coalescing console writes at tear-down"),
	IOCTL(TCGETS, "tcsetattr() reads the terminal's settings first"),
	IOCTL(TCSETS, "put the terminal's settings back at exit"),
};

/* A vCPU thread: KVM_RUN, and the devices its exits reach. */
static const struct vmm_seccomp_rule vcpu_rules[] = {
	IOCTL(KVM_RUN, "run the guest"),
	IOCTL(KVM_IRQ_LINE, "device interrupts raised on a register access"),
	ANY("timerfd_settime", "arm the RTC's timer: the CMOS tick when the guest enables its interrupts, the PL031's match on a write of MR or LR"),
	IOCTL(KVM_UNREGISTER_COALESCED_MMIO, "stop coalescing console writes once the guest uses THRI"),
	ANY("sendmsg", "vhost-user requests when the driver starts or resets a device"),
	ANY("recvmsg", "vhost-user replies"),
	ANY("recvfrom", "vhost-user replies"),
	ANY("poll", "wait for a vhost-user reply, at most 10 s"),
	ANY("ppoll", "poll() on architectures without poll"),
	ANY("shutdown", "drop a vhost-user backend that failed"),
};
static const struct vmm_seccomp_table vcpu_table = TABLE(vcpu_rules);

/* A virtio-mmio device worker: queue kicks and the device's host side. */
static const struct vmm_seccomp_rule worker_rules[] = {
	ANY("poll", "wait on queue kicks, the device fd, the backend socket"),
	ANY("ppoll", "poll() on architectures without poll"),
	ANY("read", "kick and wake eventfds; tap frames"),
	ANY("readv", "tap frames into guest buffers"),
	ANY("writev", "guest frames to the tap"),
	ANY("preadv", "disk reads into guest buffers"),
	ANY("pwritev", "disk writes from guest buffers"),
	ANY("fdatasync", "disk flush"),
	ANY("getrandom", "virtio-rng"),
	ANY("recvfrom", "peek at a vhost-user socket to notice a dead backend; replies"),
	ANY("shutdown", "drop a vhost-user backend found dead"),
	ANY("socket", "reconnect= dials a lost vhost-user backend again"),
	ANY("connect", "reconnect= dials a lost vhost-user backend again"),
	ANY("setsockopt", "time-outs on the new vhost-user connection"),
	ANY("sendmsg", "vhost-user requests to the reconnected backend"),
	ANY("recvmsg", "its replies"),
	ANY("timerfd_settime", "the reconnect= retry timer"),
};

/* The vhost-user backend, as a thread of the VMM or in vmm-blkd. */
static const struct vmm_seccomp_rule backend_rules[] = {
	ANY("poll", "wait on the frontend socket, kicks and the stop eventfd"),
	ANY("ppoll", "poll() on architectures without poll"),
	ANY("read", "kick eventfds"),
	ANY("recvmsg", "vhost-user requests with their fds"),
	ANY("recvfrom", "vhost-user request payloads"),
	ANY("sendmsg", "vhost-user replies"),
	ANY("setsockopt", "time-outs on the frontend socket"),
	ANY("fcntl", "make kick eventfds non-blocking; seal a new in-flight region"),
	ANY("fstat", "size of a guest RAM fd from SET_MEM_TABLE, of an in-flight region's fd"),
	ANY("memfd_create", "a new in-flight region for GET_INFLIGHT_FD"),
	ANY("ftruncate", "size the new in-flight region"),
	ANY("newfstatat", "fstat() as glibc issues it"),
	ANY("preadv", "disk reads into guest buffers"),
	ANY("pwritev", "disk writes from guest buffers"),
	ANY("fdatasync", "disk flush"),
	ANY("shutdown", "end the connection"),
};

/* vmm-blkd's process adds serving one frontend after another. */
static const struct vmm_seccomp_rule blkd_rules[] = {
	ANY("accept4", "the next frontend"),
	ANY("unlink", "remove the socket at exit"),
	ANY("unlinkat", "unlink() on architectures without unlink"),
};

static const struct vmm_seccomp_table common = TABLE(common_rules);
static const struct vmm_seccomp_table main_table = TABLE(main_rules);
static const struct vmm_seccomp_table worker = TABLE(worker_rules);
static const struct vmm_seccomp_table backend = TABLE(backend_rules);
static const struct vmm_seccomp_table blkd = TABLE(blkd_rules);

#if defined(__SANITIZE_ADDRESS__)
/*
 * ASan/UBSan builds: the sanitizer runtime's own calls (reports,
 * shadow memory, the leak check at exit). Only in those builds.
 */
static const struct vmm_seccomp_rule san_rules[] = {
	ANY("sigaltstack", "the runtime's signal stack per thread"),
	ANY("getpid", "report headers"),
	ANY("gettid", "report headers"),
	ANY("prctl", "the runtime queries dumpable and thread names"),
	ANY("readlink", "the binary's path in reports"),
	ANY("readlinkat", "readlink() on architectures without readlink"),
	ANY("open", "/proc/self/maps for reports and the leak check"),
	ANY("openat", "open() on architectures without open"),
	ANY("read", "/proc/self/maps"),
	ANY("sched_yield", "the runtime's spin locks"),
	ANY("clock_gettime", "the runtime's clock, a system call where the clock source has no vDSO"),
	ANY("rt_sigaction", "the runtime's handlers, in the leak checker's tracer"),
	ANY("clone", "the leak check at exit runs a tracer task"),
	ANY("wait4", "the leak check waits for its tracer and the threads it stops"),
	ANY("ptrace", "the tracer stops every thread to read its registers"),
	ANY("getppid", "the tracer watches its parent"),
	ANY("getdents64", "the tracer lists /proc/self/task"),
	ANY("getdents", "getdents64() as the runtime issues it on x86_64"),
	ANY("lseek", "the tracer rewinds /proc/self/task"),
	ANY("process_vm_readv", "the tracer reads the threads' memory"),
};
static const struct vmm_seccomp_table san = TABLE(san_rules);
#define SAN_TABLE	&san
#else
#define SAN_TABLE	NULL
#endif

const struct vmm_seccomp_class_def vmm_seccomp_classes[VMM_SECCOMP_NR_CLASSES] = {
	[VMM_SECCOMP_MAIN] = { "main", { &common, &main_table, SAN_TABLE } },
	[VMM_SECCOMP_VCPU] = { "vcpu", { &common, &vcpu_table, &arch_seccomp_vcpu, SAN_TABLE } },
	[VMM_SECCOMP_WORKER] = { "device worker", { &common, &worker, SAN_TABLE } },
	[VMM_SECCOMP_BACKEND] = { "backend", { &common, &backend, SAN_TABLE } },
	[VMM_SECCOMP_BLKD] = { "vmm-blkd", { &common, &backend, &blkd, SAN_TABLE } },
};
