// SPDX-License-Identifier: GPL-2.0
/*
 * vmm --probe: what the host's KVM can do, one fact per line, and plainly
 * whether it is a PVM host (guest kernel code emulated, guest user space
 * unable to run) or one with hardware virtualization.
 */
#include "probe.h"

#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/arch.h"
#include "vmm/kvm.h"

/* Newer than Debian 12's kernel headers (Linux 6.8 uapi numbers). */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif

struct cap_row {
	int cap;
	const char *name;
};

static const struct cap_row caps[] = {
	{ KVM_CAP_IRQCHIP, "irqchip" },
	{ KVM_CAP_IOEVENTFD, "ioeventfd" },
	{ KVM_CAP_IRQFD, "irqfd" },
	{ KVM_CAP_SPLIT_IRQCHIP, "split_irqchip" },
	{ KVM_CAP_NR_MEMSLOTS, "nr_memslots" },
	{ KVM_CAP_NR_VCPUS, "nr_vcpus" },
	{ KVM_CAP_MAX_VCPUS, "max_vcpus" },
	{ KVM_CAP_IMMEDIATE_EXIT, "immediate_exit" },
	{ KVM_CAP_USER_MEMORY2, "user_memory2" },
	{ KVM_CAP_GUEST_MEMFD, "guest_memfd" },
};

/* "KVM_CAP_PIT2" → "pit2" */
static void print_cap(FILE *out, int fd, const char *name, int cap)
{
	const char *p = strncmp(name, "KVM_CAP_", 8) ? name : name + 8;

	fputs("kvm: ", out);
	for (; *p; p++)
		fputc(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p, out);
	fprintf(out, " %d\n", kvm_check_cap(fd, cap));
}

static const char *virtualization(void)
{
	if (kvm_is_pvm_host())
		return "pvm";
	if (!access("/sys/module/kvm_intel", F_OK))
		return "vmx";
	if (!access("/sys/module/kvm_amd", F_OK))
		return "svm";
	return "unknown";
}

int vmm_probe(FILE *out)
{
	const struct kvm_cap_need *arch_caps = arch_required_caps;
	int fd = open_kvm_for_probe();
	unsigned int i;

	if (fd < 0) {
		fprintf(out, "kvm: unavailable (%s)\n", strerror(-fd));
		return 2;
	}
	fprintf(out, "kvm: api_version %d\n", ioctl(fd, KVM_GET_API_VERSION, 0));
	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		print_cap(out, fd, caps[i].name, caps[i].cap);
	for (i = 0; arch_caps[i].name; i++)
		print_cap(out, fd, arch_caps[i].name, arch_caps[i].cap);
	fprintf(out, "kvm: virtualization %s\n", virtualization());
	if (kvm_is_pvm_host())
		fprintf(out, "note: this host's KVM is PVM: guest kernel code is emulated (about 1e6 instructions/s), guest user space cannot make system calls, and some features are hidden from guests by default (--cpu-features)\n");
	close(fd);
	return 0;
}
