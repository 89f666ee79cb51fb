/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 guest-physical map (close to QEMU's virt machine, so kernels
 * and people find things where they expect them).
 *
 *   0x0800_0000  GICv3 distributor (64 KiB)
 *   0x0808_0000  GICv3 ITS (128 KiB, only when KVM has one: its.h)
 *   0x080a_0000  GICv3 redistributors, 128 KiB per vCPU (up to 64 vCPUs:
 *                to 0x088a_0000)
 *   0x0900_0000  console UART, 16550 ("ns16550a"), byte registers, SPI 1
 *   0x0901_0000  pvpanic ("qemu,pvpanic-mmio"), no interrupt
 *   0x0902_0000  real-time clock, PL031 ("arm,pl031"), 4 KiB, SPI 2
 *   0x0a00_0000  virtio-mmio slots, 4 KiB each, SPI 16 + slot
 *   0x4000_0000  RAM (one region): the kernel Image at the RAM base +
 *                text_offset (the base is 2 MiB-aligned); the FDT in the
 *                last 2 MiB of RAM; the initrd right below the FDT
 *
 * Interrupt numbers here are SPI numbers: the FDT says <0 SPI flags>,
 * KVM's irqfd routes GSI n to SPI n, and KVM_IRQ_LINE takes INTID
 * 32 + n with the SPI type.
 *
 * Trigger types: the UART's and the RTC's SPIs are level-high (the VMM
 * drives them with KVM_IRQ_LINE, raising and lowering them). The
 * virtio-mmio SPIs must be edge-rising: they are fed by KVM irqfds, and
 * on arm64 an irqfd only ever raises its SPI (it never lowers the line),
 * so a level-configured SPI would stay asserted forever and storm the
 * guest (measured: 260,000 InterruptStatus reads in two minutes, an RCU
 * stall, no disk I/O).
 */
#ifndef ARCH_ARM64_LAYOUT_H
#define ARCH_ARM64_LAYOUT_H

#define ARM64_GIC_DIST_BASE	0x08000000ULL
#define ARM64_GIC_DIST_SIZE	0x00010000ULL
#define ARM64_GIC_REDIST_BASE	0x080a0000ULL
#define ARM64_GIC_REDIST_SIZE	0x00020000ULL	/* per vCPU */
#define ARM64_GIC_ITS_BASE	0x08080000ULL
#define ARM64_GIC_ITS_SIZE	0x00020000ULL
#define ARM64_MAX_CPUS		64
#define ARM64_UART_BASE		0x09000000ULL
#define ARM64_UART_SIZE		0x1000ULL
#define ARM64_UART_SPI		1
#define ARM64_PVPANIC_BASE	0x09010000ULL
#define ARM64_PVPANIC_SIZE	0x2ULL
#define ARM64_RTC_BASE		0x09020000ULL
#define ARM64_RTC_SIZE		0x1000ULL
#define ARM64_RTC_SPI		2
#define ARM64_VIRTIO_MMIO_BASE	0x0a000000ULL
#define ARM64_VIRTIO_SPI_BASE	16
#define ARM64_VIRTIO_SLOTS	32
#define ARM64_RAM_BASE		0x40000000ULL
#define ARM64_MIN_RAM		(64ULL << 20)
#define ARM64_MAX_RAM		(1ULL << 40)
#define ARM64_FDT_MAX		(2ULL << 20)

/* GIC interrupt specifier: type cells and the architected timer's PPIs. */
#define ARM64_GIC_SPI		0
#define ARM64_GIC_PPI		1
#define ARM64_IRQ_EDGE_RISING	1
#define ARM64_IRQ_LEVEL_HIGH	4
#define ARM64_TIMER_PPI_SEC	13	/* secure physical */
#define ARM64_TIMER_PPI_PHYS	14	/* non-secure physical */
#define ARM64_TIMER_PPI_VIRT	11
#define ARM64_TIMER_PPI_HYP	10
#define ARM64_PMU_PPI		7	/* PMU overflow: INTID 23, as is usual */

#endif
