// SPDX-License-Identifier: GPL-2.0
/*
 * --cpu-features on arm64: "-pmu" hides the PMU (pmu.h), "-its" the GIC's
 * ITS (its.h), the optional features; the command line gets nothing
 * added. arch_cpu_features_probe offers each when KVM has it and it is
 * not hidden.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/arch.h"
#include "arch/arm64/its.h"
#include "arch/arm64/pmu.h"

static const struct {
	const char *name;
	uint64_t bit;
} features[] = {
	{ "pmu", ARM64_FEATURE_PMU },
	{ "its", ARM64_FEATURE_ITS },
};

#define NR_FEATURES	(sizeof(features) / sizeof(features[0]))

const char arch_pvm_hidden_features[] = "";	/* PVM is x86-only */

/* The bit of "-name" (n bytes at item), or 0. */
static uint64_t feature_bit(const char *item, size_t n)
{
	unsigned int i;

	if (n < 2 || item[0] != '-')
		return 0;
	for (i = 0; i < NR_FEATURES; i++)
		if (strlen(features[i].name) == n - 1 &&
		    !strncmp(item + 1, features[i].name, n - 1))
			return features[i].bit;
	return 0;
}

int arch_cpu_features_parse(const char *spec, struct arch_cpu_features *out,
			    char *bad, size_t bad_len)
{
	const char *p = spec;

	out->hidden = 0;
	out->offered = 0;
	while (*p) {
		size_t n = strcspn(p, ",");
		uint64_t bit = feature_bit(p, n);

		if (!bit) {
			if (bad_len) {
				if (n >= bad_len)
					n = bad_len - 1;
				memcpy(bad, p, n);
				bad[n] = '\0';
			}
			return -EINVAL;
		}
		out->hidden |= bit;
		p += n + (p[n] == ',');
	}
	return 0;
}

/* Whether KVM can create an ITS: a test creation makes no device. */
static bool its_offered(int vm_fd)
{
	struct kvm_create_device test = {
		.type = KVM_DEV_TYPE_ARM_VGIC_ITS, .flags = KVM_CREATE_DEVICE_TEST,
	};

	return ioctl(vm_fd, KVM_CREATE_DEVICE, &test) == 0;
}

int arch_cpu_features_probe(int vm_fd, struct arch_cpu_features *features)
{
	features->offered = 0;
	if (!(features->hidden & ARM64_FEATURE_PMU) &&
	    ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) > 0)
		features->offered |= ARM64_FEATURE_PMU;
	if (!(features->hidden & ARM64_FEATURE_ITS) && its_offered(vm_fd))
		features->offered |= ARM64_FEATURE_ITS;
	return 0;
}

int arch_cmdline_extras(const struct arch_cpu_features *features, char *buf,
			size_t len)
{
	(void)features;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	return 0;
}
