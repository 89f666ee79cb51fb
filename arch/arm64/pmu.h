/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's PMU (PMUv3, emulated by KVM), as the kernel's
 * Documentation/virt/kvm/devices/vcpu.rst describes its set-up:
 *
 *  1. KVM offers it when KVM_CHECK_EXTENSION(KVM_CAP_ARM_PMU_V3) is
 *     non-zero (arch_cpu_features_probe, features.c);
 *  2. each vCPU asks for it with the KVM_ARM_VCPU_PMU_V3 feature at
 *     KVM_ARM_VCPU_INIT (cpu.c);
 *  3. once the vGIC is initialised (gic.c), each vCPU gets its overflow
 *     interrupt, the same PPI for all, and then KVM_ARM_VCPU_PMU_V3_INIT
 *     (arm64_pmu_vcpu_init);
 *  4. the device tree has a "pmu" node with that PPI (fdt.c).
 *
 * The feature is bit ARM64_FEATURE_PMU of struct arch_cpu_features
 * ("pmu" in --cpu-features, features.c). Errors are negative errnos from
 * KVM, nothing printed.
 */
#ifndef ARCH_ARM64_PMU_H
#define ARCH_ARM64_PMU_H

#define ARM64_FEATURE_PMU	(1ULL << 0)

/* Step 3 for one vCPU: its overflow interrupt (ARM64_PMU_PPI), then init. */
int arm64_pmu_vcpu_init(int vcpu_fd);

#endif
