/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device tree an arm64 guest boots with, built with libfdt.
 *
 * Pure data: arm64_fdt_build() touches neither KVM nor guest memory, so
 * it is unit-tested on any host. The tree has, with one root
 * #address-cells = #size-cells = 2:
 *   /                compatible "linux,dummy-virt", interrupt-parent = GIC
 *   /chosen          bootargs, stdout-path = the UART,
 *                    linux,initrd-start/end (only with an initrd)
 *   /memory@BASE     device_type "memory", reg = RAM
 *   /cpus            cpu@MPIDR per vCPU: device_type "cpu",
 *                    compatible "arm,arm-v8", enable-method "psci",
 *                    reg = the MPIDR affinity KVM gives vCPU N: Aff1 =
 *                    N / 16, Aff0 = N % 16 (so N itself below 16 vCPUs)
 *   /psci            compatible "arm,psci-1.0", "arm,psci-0.2", method "hvc"
 *   /intc@DIST       "arm,gic-v3", interrupt-controller, #interrupt-cells 3,
 *                    #address-cells = #size-cells = 2, empty ranges (the
 *                    ITS child's reg is in the root's address space),
 *                    reg = distributor, redistributors (nr_cpus x 128 KiB),
 *                    phandle
 *     msi-controller@ITS  only with p->its: "arm,gic-v3-its",
 *                    msi-controller, #msi-cells = 1, reg = the ITS frame
 *                    (128 KiB)
 *   /timer           "arm,armv8-timer", the four PPIs, always-on
 *   /pmu             only with p->pmu: "arm,armv8-pmuv3", interrupts
 *                    <PPI ARM64_PMU_PPI level-high>
 *   /uart@BASE       "ns16550a", reg, interrupts <SPI n level-high>,
 *                    clock-frequency, reg-shift 0, reg-io-width 1
 *   /pvpanic@BASE    "qemu,pvpanic-mmio", reg
 *   /apb-pclk        "fixed-clock", #clock-cells 0, clock-frequency 24 MHz,
 *                    phandle (the AMBA bus clock the RTC names)
 *   /pl031@BASE      "arm,pl031", "arm,primecell", reg (4 KiB),
 *                    interrupts <SPI n level-high>, clocks = apb-pclk,
 *                    clock-names "apb_pclk"
 *   /virtio_mmio@BASE  "virtio,mmio", reg (4 KiB), interrupts <SPI n
 *                    edge-rising> (a KVM irqfd on arm64 only raises its
 *                    SPI, so a level one would never drop), dma-coherent;
 *                    one per device, in the order p->virtio gives
 *
 * The tree is at most ARM64_FDT_MAX bytes (fdt_totalsize() says how
 * many); bytes of buf past ARM64_FDT_MAX are never used.
 *
 * Errors (negative errno, nothing printed):
 *  -EINVAL  0 or more than ARM64_MAX_CPUS vCPUs; RAM empty or not inside
 *           [ARM64_RAM_BASE, +ARM64_MAX_RAM); an initrd not wholly inside
 *           RAM; a virtio base outside the virtio window, not 4 KiB
 *           aligned or given twice, more than ARM64_VIRTIO_SLOTS of them;
 *           an SPI not below ARM64_NR_SPIS or the UART's or the RTC's;
 *           a NULL p, buf, command line, or virtio array with
 *           nr_virtio > 0
 *  -E2BIG   the tree does not fit in len bytes
 *  -EIO     libfdt failed otherwise (a bug)
 */
#ifndef ARCH_ARM64_FDT_H
#define ARCH_ARM64_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/arch.h"

struct arm64_fdt_params {
	uint64_t ram_base;
	uint64_t ram_size;
	unsigned int nr_cpus;
	const char *cmdline;
	uint64_t initrd_start;		/* guest-physical */
	uint64_t initrd_size;		/* 0: no initrd, no chosen properties */
	const struct arch_virtio_slot *virtio;	/* base, irq = SPI number */
	unsigned int nr_virtio;
	bool pmu;			/* the vCPUs have a PMU (pmu.h) */
	bool its;			/* the GIC has an ITS (its.h) */
};

/* The SPIs the GIC gets (the distributor's line count less 32). */
#define ARM64_NR_SPIS		64

int arm64_fdt_build(const struct arm64_fdt_params *p, void *buf, size_t len);

#endif
