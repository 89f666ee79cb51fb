/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Seccomp filters, one per thread class, declared as data.
 *
 * Contract:
 * - vmm_seccomp_configure() sets the process-wide mode once, before any
 *   thread that installs a filter starts. Until it is called the mode is
 *   off (so unit tests that start device threads are not sandboxed).
 * - vmm_seccomp_install() installs the filter of one class on the calling
 *   thread only (threads it creates afterwards inherit it). Each thread
 *   installs its own filter before it handles anything the guest
 *   controls: vCPU threads before their first KVM_RUN, device workers and
 *   backend threads first thing, the main thread once it has started
 *   every other thread, vmm-blkd once its socket listens and its disk is
 *   open. Returns 0 (also when the mode is off) or a negative errno.
 * - In VMM_SECCOMP_ON mode a forbidden system call ends the whole process
 *   with exit status VMM_SECCOMP_EXIT (128 + SIGSYS) after one line on
 *   stderr: "PROG: seccomp: CLASS thread made a forbidden system call:
 *   NAME (NR)". In VMM_SECCOMP_LOG mode it is logged by the kernel
 *   (SCMP_ACT_LOG, see dmesg) and allowed.
 * - What each class may do is in devices/host/seccomp_tables.c (and the vCPU's
 *   architecture-specific ioctls in arch/ARCH/seccomp.c), one row per
 *   system call (per request number for ioctl) with the reason.
 */
#ifndef DEVICES_HOST_SECCOMP_H
#define DEVICES_HOST_SECCOMP_H

#include <stddef.h>

#define VMM_SECCOMP_EXIT	159	/* 128 + SIGSYS */

enum vmm_seccomp_mode {
	VMM_SECCOMP_OFF,
	VMM_SECCOMP_ON,
	VMM_SECCOMP_LOG,
};

enum vmm_seccomp_class {
	VMM_SECCOMP_MAIN,	/* the run loop, then tear-down */
	VMM_SECCOMP_VCPU,	/* KVM_RUN and exit handling */
	VMM_SECCOMP_WORKER,	/* virtio-mmio device worker threads */
	VMM_SECCOMP_BACKEND,	/* vhost-user backend (thread or vmm-blkd) */
	VMM_SECCOMP_BLKD,	/* vmm-blkd's process: backend + accept */
	VMM_SECCOMP_NR_CLASSES,
};

/* One allowed system call; for ioctl, one request number. */
enum vmm_seccomp_match {
	VMM_SECCOMP_ANY,	/* any arguments */
	VMM_SECCOMP_IOCTL,	/* ioctl with request == arg */
	VMM_SECCOMP_NO_EXEC,	/* mmap/mprotect without PROT_EXEC */
};

struct vmm_seccomp_rule {
	const char *syscall;	/* libseccomp's name; absent on an arch: skipped */
	enum vmm_seccomp_match match;
	unsigned long arg;
	const char *arg_name;	/* the ioctl request's name */
	const char *why;
};

struct vmm_seccomp_table {
	const struct vmm_seccomp_rule *rules;
	size_t nr;
};

#define VMM_SECCOMP_MAX_TABLES 4

/* The tables that make up one class's filter (seccomp_tables.c). */
struct vmm_seccomp_class_def {
	const char *name;	/* "vcpu", as the violation line says */
	const struct vmm_seccomp_table *tables[VMM_SECCOMP_MAX_TABLES];
};

extern const struct vmm_seccomp_class_def vmm_seccomp_classes[VMM_SECCOMP_NR_CLASSES];

/* The vCPU's architecture-specific ioctls (arch/ARCH/seccomp.c). */
extern const struct vmm_seccomp_table arch_seccomp_vcpu;

/* "on", "log", "off" → mode; -EINVAL for anything else. */
int vmm_seccomp_parse(const char *s, enum vmm_seccomp_mode *mode);
const char *vmm_seccomp_mode_name(enum vmm_seccomp_mode mode);

/* prog names the process in the violation line ("vmm", "vmm-blkd"). */
int vmm_seccomp_configure(enum vmm_seccomp_mode mode, const char *prog);
int vmm_seccomp_install(enum vmm_seccomp_class cls);

#endif
