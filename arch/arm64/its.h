/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's GICv3 ITS (Interrupt Translation Service), KVM's in-kernel
 * KVM_DEV_TYPE_ARM_VGIC_ITS device, as the kernel's
 * Documentation/virt/kvm/devices/arm-vgic-its.rst describes it:
 *
 *  1. KVM offers it when KVM_CREATE_DEVICE with KVM_CREATE_DEVICE_TEST
 *     accepts the type (arch_cpu_features_probe, features.c);
 *  2. after the vGICv3 is initialised (gic.c), arm64_its_create makes the
 *     device, sets its base (KVM_DEV_ARM_VGIC_GRP_ADDR,
 *     KVM_VGIC_ITS_ADDR_TYPE) to ARM64_GIC_ITS_BASE, 64 KiB-aligned, 128
 *     KiB long, and sends KVM_DEV_ARM_VGIC_CTRL_INIT;
 *  3. the device tree has an "arm,gic-v3-its" msi-controller node under
 *     the GIC node (fdt.c).
 *
 * Order: arm-vgic-v3.rst wants the vGIC's CTRL_INIT after the last vCPU
 * is created; neither document orders the ITS against it. KVM maps the
 * ITS frame at the first KVM_RUN, so its base only has to be set before
 * any vCPU runs. We create it after the vGIC's init, as QEMU does
 * (KVM accepts an ITS made before the vGIC's init too).
 *
 * The feature is bit ARM64_FEATURE_ITS of struct arch_cpu_features
 * ("its" in --cpu-features, features.c). Errors are negative errnos from
 * KVM, nothing printed.
 */
#ifndef ARCH_ARM64_ITS_H
#define ARCH_ARM64_ITS_H

#define ARM64_FEATURE_ITS	(1ULL << 1)

/*
 * Step 2. The device fd is closed before returning: the ITS lives as
 * long as the VM, like the vGIC.
 */
int arm64_its_create(int vm_fd);

#endif
