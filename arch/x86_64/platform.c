// SPDX-License-Identifier: GPL-2.0
/*
 * The x86_64 platform: in-kernel irqchip (PIC, IOAPIC, LAPICs) and PIT,
 * COM1 at 0x3f8 (IRQ 4) on stdout,
 * the debug-exit port at 0xf4, the i8042 reset line at 0x60/0x64, pvpanic
 * at 0x505 (a guest panic ends the VM with status 3) and the ACPI PM1
 * registers at 0x600 (S5 powers off, status 0), and the CMOS RTC at
 * 0x70/0x71 (IRQ 8), all three found through the ACPI tables (tables.h).
 */
#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include "arch/arch.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/tables.h"
#include "devices/acpi_pm.h"
#include "devices/power.h"
#include "devices/pvpanic.h"
#include "devices/rtc_cmos.h"
#include "devices/serial.h"
#include "devices/virtio_mmio.h"

#define COM1_PORT	0x3f8
#define COM1_IRQ	4
#define DEBUG_EXIT_PORT	0xf4
#define I8042_DATA_PORT	0x60
#define I8042_CMD_PORT	0x64

int arch_vcpus_ready(int vm_fd, const int *vcpu_fds, unsigned int nr_cpus,
		     const struct arch_cpu_features *features)
{
	(void)vm_fd;
	(void)vcpu_fds;
	(void)nr_cpus;
	(void)features;
	return 0;	/* the irqchip was complete at arch_vm_init */
}

int arch_irq_line(int vm_fd, unsigned int irq, int level)
{
	struct kvm_irq_level l = { .irq = irq, .level = (uint32_t)level };

	return ioctl(vm_fd, KVM_IRQ_LINE, &l) < 0 ? -errno : 0;
}

int arch_vm_init(int vm_fd)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, X86_TSS_ADDR) < 0)
		return -errno;
	if (ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		return -errno;
	if (ioctl(vm_fd, KVM_CREATE_PIT2, &pit) < 0)
		return -errno;
	return 0;
}

/* virtio-mmio slots: 4 KiB each in the 32-bit hole, on free ISA IRQs. */
static const unsigned int virtio_irqs[] = { 5, 6, 7, 9, 10, 11, 12, 14, 15 };

int arch_virtio_slot(unsigned int index, uint64_t *base, unsigned int *irq)
{
	if (index >= sizeof(virtio_irqs) / sizeof(virtio_irqs[0]))
		return -ENOSPC;
	*base = X86_VIRTIO_MMIO_BASE + index * (uint64_t)VIRTIO_MMIO_SIZE;
	*irq = virtio_irqs[index];
	return 0;
}


const struct arch_platform_device arch_platform[] = {
	{ ARCH_DEV_CONSOLE, ARCH_BUS_PIO, COM1_PORT, SERIAL_REG_LEN, COM1_IRQ },
	{ ARCH_DEV_DEBUG_EXIT, ARCH_BUS_PIO, DEBUG_EXIT_PORT, DEBUG_EXIT_LEN, 0 },
	{ ARCH_DEV_I8042_DATA, ARCH_BUS_PIO, I8042_DATA_PORT, I8042_LEN, 0 },
	{ ARCH_DEV_I8042_COMMAND, ARCH_BUS_PIO, I8042_CMD_PORT, I8042_LEN, 0 },
	{ ARCH_DEV_PVPANIC, ARCH_BUS_PIO, X86_PVPANIC_PORT, PVPANIC_LEN, 0 },
	{ ARCH_DEV_ACPI_PM, ARCH_BUS_PIO, X86_ACPI_PM_PORT, ACPI_PM_LEN, 0 },
	{ ARCH_DEV_RTC_CMOS, ARCH_BUS_PIO, X86_RTC_PORT, RTC_CMOS_LEN, X86_RTC_IRQ },
};
const unsigned int arch_nr_platform = sizeof(arch_platform) / sizeof(arch_platform[0]);
