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
 * - x86_write_acpi(): a hardware-reduced ACPI set (RSDP, XSDT, RSDT, FADT,
 *   MADT, DSDT) in the reserved BIOS area X86_ACPI_START..X86_ACPI_END.
 *   The RSDP comes first, 16-byte aligned, so a legacy scan finds it;
 *   its address is also returned for boot_params.acpi_rsdp_addr (zero
 *   page offset 0x070) and hvm_start_info.rsdp_paddr. The MADT lists a
 *   local APIC per vCPU, the IOAPIC, IRQ0's override and LINT1 as NMI;
 *   the FADT has no legacy PM blocks, its sleep registers are the ports
 *   below (devices/acpi_sleep.h) and its reset register is the i8042
 *   command port (0xfe to 0x64); the DSDT names \_S5_ with
 *   ACPI_SLEEP_TYP_S5 and the pvpanic device (QEMU0001, I/O port
 *   X86_PVPANIC_PORT, devices/pvpanic.h).
 *
 * Both take nr_cpus from 1 to X86_TABLES_MAX_CPUS and return 0, -EINVAL
 * (no vCPU), -E2BIG (too many vCPUs, or the tables do not fit their area)
 * or the error of guest_memory_write(). Both regions are E820_RESERVED in
 * the memory map boot.c gives the guest. Nothing is printed.
 */
#ifndef ARCH_X86_64_TABLES_H
#define ARCH_X86_64_TABLES_H

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
#define X86_ACPI_SLEEP_CONTROL_PORT	0x600
#define X86_ACPI_SLEEP_STATUS_PORT	0x601
#define X86_PVPANIC_PORT		0x505

/* APIC ids are 8 bits and the IOAPIC takes id nr_cpus. */
#define X86_TABLES_MAX_CPUS	254

int x86_write_mptable(struct guest_memory *mem, unsigned int nr_cpus);
int x86_write_acpi(struct guest_memory *mem, unsigned int nr_cpus,
		   uint64_t *rsdp_gpa);

#endif
