/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86_64 guest-physical map.
 *
 *   0x0000_0500  boot GDT (0x08 code32 for PVH and multiboot; 0x10 code64
 *                and 0x18 data, as the Linux 64-bit boot protocol wants)
 *   0x0000_6000  PVH start info (struct hvm_start_info), its memory map
 *                and module list, passed in ebx
 *   0x0000_7000  zero page (struct boot_params), passed in rsi
 *   0x0000_9000  boot page tables: PML4, PDPT, 4 PDs identity-mapping the
 *                first 4 GiB with 2 MiB pages
 *   0x0002_0000  kernel command line (up to 64 KiB; a multiboot image's
 *                cmdline string too)
 *   0x0003_0000  multiboot information structure, passed in ebx, then in
 *                its page: the module list, the boot loader's name, the
 *                module string and the memory map (multiboot.h)
 *   0x0009_fc00  reserved up to 1 MiB (EBDA, VGA, BIOS)
 *   0x0010_0000  kernel image and RAM, up to 3 GiB. Everything below
 *                1 MiB is the VMM's: no ELF or multiboot segment may load
 *                there. The initrd (a multiboot image's module) goes at
 *                the top of RAM below the hole, page-aligned.
 *   0xc000_0000  32-bit hole (1 GiB): LAPIC, IOAPIC, MMIO devices
 *   0xd000_0000  virtio-mmio slots, 4 KiB each
 *   0x1_0000_0000 the rest of RAM, for guests larger than 3 GiB
 */
#ifndef ARCH_X86_64_LAYOUT_H
#define ARCH_X86_64_LAYOUT_H

#define X86_BOOT_GDT		0x500ULL
#define X86_PVH_INFO		0x6000ULL
#define X86_ZERO_PAGE		0x7000ULL
#define X86_CMDLINE		0x20000ULL
#define X86_CMDLINE_MAX		0x10000ULL
#define X86_MB_INFO		0x30000ULL
#define X86_MB_INFO_SIZE	0x1000ULL
#define X86_BOOT_PML4		0x9000ULL
#define X86_BOOT_PDPT		0xa000ULL
#define X86_BOOT_PD		0xb000ULL
#define X86_BOOT_PD_COUNT	4
#define X86_EBDA_START		0x9fc00ULL
#define X86_HIGH_MEMORY		0x100000ULL
#define X86_HOLE_START		0xc0000000ULL
#define X86_4G			0x100000000ULL
#define X86_VIRTIO_MMIO_BASE	0xd0000000ULL
#define X86_TSS_ADDR		0xfffbd000ULL

#define X86_MIN_RAM		(2ULL << 20)
#define X86_MAX_RAM		(1ULL << 40)

#define X86_BOOT_CS32		0x08
#define X86_BOOT_CS		0x10
#define X86_BOOT_DS		0x18

#endif
