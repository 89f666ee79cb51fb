/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The firmware tables an x86_64 guest reads to learn the machine, written
 * straight into guest RAM (there is no BIOS):
 *
 * - x86_write_mptable(): the MultiProcessor Specification 1.4 table. The
 *   floating pointer ("_MP_") sits at X86_EBDA_START, where Linux scans the
 *   last KiB of base memory, and the configuration table ("PCMP") follows
 *   it; with many vCPUs the table runs on into the reserved hole below
 *   X86_ACPI_START. One processor entry per vCPU (APIC id = index, cpu 0
 *   the BSP), one ISA bus, one IOAPIC, ISA IRQs 0-23 on IOAPIC pins 0-23,
 *   ExtINT on LINT0 and NMI on LINT1. Kernels without ACPI use it.
 *
 * - x86_write_acpi(): an ACPI set (RSDP, XSDT, RSDT, FADT, FACS, MADT,
 *   DSDT; the DSDT also describes each virtio-mmio device as LNRO0005 with
 *   its memory range and edge-triggered interrupt, which is how kernels
 *   without virtio_mmio.device= support find them;
 *   DSDT) in the reserved BIOS area X86_ACPI_START..X86_ACPI_END. The
 *   RSDP comes first, 16-byte aligned, so a legacy scan finds it; its
 *   address is also returned for boot_params.acpi_rsdp_addr (zero page
 *   offset 0x070) and hvm_start_info.rsdp_paddr. The MADT lists a local
 *   APIC per vCPU, the IOAPIC, IRQ0's override, the SCI's override (ISA
 *   IRQ X86_SCI_IRQ, level, active high) and LINT1 as NMI.
 *   The FADT is a full one, not hardware-reduced: Linux then keeps the
 *   legacy PIC and the identity-mapped ISA IRQs 0-15 that virtio-mmio
 *   devices given on the command line use (with HW_REDUCED_ACPI it
 *   installs the null PIC and those IRQs fail with -EINVAL). It has the
 *   PM1a event and control blocks at X86_ACPI_PM_PORT (devices/
 *   acpi_pm.h) and nothing else of the fixed hardware: no PM timer, no
 *   GPE blocks, no fixed buttons, no SMI_CMD (the machine is in ACPI mode
 *   from the start), IAPC_BOOT_ARCH saying there is no VGA and no i8042
 *   to probe (the VMM decodes only the i8042's reset command), and the
 *   CMOS RTC's century register (RTC_CMOS_CENTURY; no day or month
 *   alarm, no RTC wake-up in PM1). The reset register is that command port (0xfe to 0x64).
 *   The FACS is there because a full FADT needs one; its waking vector
 *   and global lock are unused. The DSDT names \_S5_ with
 *   ACPI_SLEEP_TYP_S5, the pvpanic device (QEMU0001, I/O port
 *   X86_PVPANIC_PORT, devices/pvpanic.h) and the CMOS RTC (PNP0B00, I/O
 *   ports X86_RTC_PORT and +1, ISA IRQ X86_RTC_IRQ, devices/rtc_cmos.h).
 *
 * Both take nr_cpus from 1 to X86_TABLES_MAX_CPUS and return 0, -EINVAL
 * (no vCPU), -E2BIG (too many vCPUs, or the tables do not fit their area)
 * or the error of guest_memory_write(). Both regions are E820_RESERVED in
 * the memory map boot.c gives the guest. Nothing is printed.
 */
#ifndef ARCH_X86_64_TABLES_H
#define ARCH_X86_64_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "memory/guest_memory.h"

#define X86_LAPIC_ADDR		0xfee00000U
#define X86_IOAPIC_ADDR		0xfec00000U
#define X86_IOAPIC_PINS		24
#define X86_LAPIC_VERSION	0x14	/* what KVM's local APIC reports */
#define X86_IOAPIC_VERSION	0x11	/* what KVM's IOAPIC reports */

/*
 * The GSI (= IOAPIC pin) the PIT's IRQ0 arrives on. KVM's default routing
 * (kvm_setup_default_irq_routing(), kept as long as nobody calls
 * KVM_SET_GSI_ROUTING) sends GSI n to IOAPIC pin n and, below 16, to PIC
 * input n; the in-kernel PIT raises GSI 0, so IRQ0 is on pin 0. A VMM that
 * installs QEMU's or kvmtool's routing (GSI 0 -> pin 2) sets this to 2;
 * the MP table and the MADT's interrupt source override both follow it.
 */
#define X86_PIT_GSI		0

/* The ACPI tables live in [X86_ACPI_START, X86_ACPI_END), RSDP first. */
#define X86_ACPI_START		0xe0000ULL
#define X86_ACPI_END		0x100000ULL

/* The MP table lives in [X86_EBDA_START, X86_MPTABLE_END). */
#define X86_MPTABLE_END		X86_ACPI_START

/* I/O ports the tables point the guest at. */
#define X86_ACPI_PM_PORT	0x600	/* PM1a_EVT_BLK; PM1a_CNT_BLK at +4 */
#define X86_PVPANIC_PORT	0x505
#define X86_RTC_PORT		0x70	/* index; data at +1 */
#define X86_RTC_IRQ		8

/*
 * The ISA IRQ (and GSI) of the ACPI SCI. Nothing raises it, but Linux
 * requests it as a shared level-triggered line, so it must not be one a
 * device pulses edge-style: not the PIT's 0, COM1's 4 or a virtio-mmio
 * slot's (platform.c). IRQ 13 (the old FPU error line) is free.
 */
#define X86_SCI_IRQ		13

/* APIC ids are 8 bits and the IOAPIC takes id nr_cpus. */
#define X86_TABLES_MAX_CPUS	254

/* The byte that makes len bytes at p sum to zero (both table formats). */
uint8_t x86_table_checksum(const void *p, size_t len);

int x86_write_mptable(struct guest_memory *mem, unsigned int nr_cpus);
/* A virtio-mmio device the DSDT describes (LNRO0005). */
struct x86_mmio_device {
	uint64_t base;
	uint32_t len;
	unsigned int gsi;
};

#define X86_ACPI_MAX_MMIO_DEVICES	16

int x86_write_acpi(struct guest_memory *mem, unsigned int nr_cpus,
		   const struct x86_mmio_device *devices, unsigned int nr_devices,
		   uint64_t *rsdp_gpa);

#endif
