// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for each vCPU: what the host KVM supports, with the hypervisor bit
 * set, this vCPU's APIC id, a topology of one package with nr_cpus cores,
 * and the features the user (or the host) asks to hide removed.
 *
 * Hiding matters on PVM hosts, whose KVM emulates guest kernel code and
 * cannot emulate xrstor, clac/stac, popcnt, and whose PV hypercalls hang
 * a vCPU: the guest must not be offered XSAVE, SMAP, SMEP, PKU, UMIP,
 * POPCNT or the KVM PV IPI/yield/TLB-flush/unhalt features there.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/arch.h"

enum reg { EAX, EBX, ECX, EDX };

struct cpu_feature {
	const char *name;
	uint32_t leaf;
	uint32_t subleaf;
	enum reg reg;
	unsigned int bit;
	bool linux_clearcpuid;	/* Linux's clearcpuid= knows this name */
};

static const struct cpu_feature features[] = {
	{ "popcnt", 1, 0, ECX, 23, true },
	{ "x2apic", 1, 0, ECX, 21, true },
	{ "xsave", 1, 0, ECX, 26, true },
	{ "avx", 1, 0, ECX, 28, true },
	{ "rdrand", 1, 0, ECX, 30, true },
	{ "smep", 7, 0, EBX, 7, true },
	{ "avx2", 7, 0, EBX, 5, true },
	{ "rdseed", 7, 0, EBX, 18, true },
	{ "smap", 7, 0, EBX, 20, true },
	{ "umip", 7, 0, ECX, 2, true },
	{ "pku", 7, 0, ECX, 3, true },
	{ "kvm-pv-unhalt", 0x40000001, 0, EAX, 7, false },
	{ "kvm-pv-tlb-flush", 0x40000001, 0, EAX, 9, false },
	{ "kvm-pv-ipi", 0x40000001, 0, EAX, 11, false },
	{ "kvm-pv-sched-yield", 0x40000001, 0, EAX, 13, false },
};

#define NR_FEATURES (sizeof(features) / sizeof(features[0]))

const char arch_pvm_hidden_features[] =
	"-xsave,-avx,-avx2,-smap,-smep,-pku,-umip,-popcnt,"
	"-kvm-pv-ipi,-kvm-pv-sched-yield,-kvm-pv-tlb-flush,-kvm-pv-unhalt";

/* x86_64 hides features by filtering CPUID: none needs set-up of its own. */
int arch_cpu_features_probe(int vm_fd, struct arch_cpu_features *features)
{
	(void)vm_fd;
	features->offered = 0;
	return 0;
}

int arch_cpu_features_parse(const char *spec, struct arch_cpu_features *out,
			    char *bad, size_t bad_len)
{
	const char *p = spec;

	out->hidden = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned int i;

		if (n && *p == '-') {
			for (i = 0; i < NR_FEATURES; i++) {
				if (strlen(features[i].name) == n - 1 &&
				    !strncmp(p + 1, features[i].name, n - 1))
					break;
			}
			if (i < NR_FEATURES) {
				out->hidden |= 1ULL << i;
				p += n + (p[n] == ',');
				continue;
			}
		}
		if (n >= bad_len)
			n = bad_len - 1;
		memcpy(bad, p, n);
		bad[n] = '\0';
		return -EINVAL;
	}
	return 0;
}

/*
 * PVM hosts give the guest the host's own leaves 1 and 7 whatever
 * KVM_SET_CPUID2 says (measured: KVM_GET_CPUID2 reads back the host's
 * values), so a Linux guest is also told on its command line.
 */
int arch_cmdline_extras(const struct arch_cpu_features *f, char *buf,
			size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < NR_FEATURES; i++) {
		int n;

		if (!(f->hidden & (1ULL << i)) || !features[i].linux_clearcpuid)
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : " clearcpuid=",
			     features[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return 0;
}

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	unsigned int nent = 64;

	for (;;) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));

		if (!c)
			return NULL;
		c->nent = nent;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			return c;
		free(c);
		if (errno != E2BIG || nent >= 4096)
			return NULL;
		nent *= 2;
	}
}

static uint32_t *reg_of(struct kvm_cpuid_entry2 *e, enum reg r)
{
	switch (r) {
	case EAX: return &e->eax;
	case EBX: return &e->ebx;
	case ECX: return &e->ecx;
	default: return &e->edx;
	}
}

static void hide(struct kvm_cpuid2 *c, const struct arch_cpu_features *f)
{
	unsigned int i, j;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		for (j = 0; j < NR_FEATURES; j++) {
			const struct cpu_feature *cf = &features[j];

			if ((f->hidden & (1ULL << j)) && e->function == cf->leaf &&
			    e->index == cf->subleaf)
				*reg_of(e, cf->reg) &= ~(1U << cf->bit);
		}
	}
}

static unsigned int order_of(unsigned int n)
{
	unsigned int order = 0;

	while ((1U << order) < n)
		order++;
	return order;
}

/* One package of nr_cpus cores, one thread each; APIC id = index. */
static void set_topology(struct kvm_cpuid2 *c, unsigned int index,
			 unsigned int nr_cpus)
{
	unsigned int i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x0000ffff) | (index << 24) |
				 ((nr_cpus & 0xff) << 16);
			/* a guest that knows it runs on KVM uses kvm-clock */
			e->ecx |= 1U << 31;	/* hypervisor present */
			if (nr_cpus > 1)
				e->edx |= 1U << 28;	/* HTT: ebx[23:16] valid */
			break;
		case 4:
			e->eax = (e->eax & 0x03ffffff) | ((nr_cpus - 1) << 26);
			e->eax &= ~(0xfffU << 14);	/* no cache shared by threads */
			break;
		case 0xb:
		case 0x1f:
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = 1 << 8;	/* SMT level */
			} else if (e->index == 1) {
				e->eax = order_of(nr_cpus);
				e->ebx = nr_cpus;
				e->ecx = 2 << 8 | 1;	/* core level */
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			e->edx = index;		/* x2APIC id */
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~0xffU) | (nr_cpus - 1);
			break;
		}
	}
}

int x86_setup_cpuid(int kvm_fd, int vcpu_fd, unsigned int index,
		    unsigned int nr_cpus, const struct arch_cpu_features *f)
{
	struct kvm_cpuid2 *c = supported_cpuid(kvm_fd);
	int err = 0;

	if (!c)
		return errno ? -errno : -ENOMEM;
	set_topology(c, index, nr_cpus);
	hide(c, f);
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
		err = -errno;
	free(c);
	return err;
}
