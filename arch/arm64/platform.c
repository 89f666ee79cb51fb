// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 platform, on the MMIO bus at the addresses of layout.h and
 * described by the device tree (fdt.h): the console UART, a 16550 with
 * byte registers, on stdout with its interrupt on SPI ARM64_UART_SPI; and
 * pvpanic (a guest panic ends the VM with status 3). Power-off and reset
 * need no device: PSCI SYSTEM_OFF and SYSTEM_RESET, handled by KVM, reach
 * the vCPU loop as KVM_EXIT_SYSTEM_EVENT (status 0).
 */
#include <errno.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/arm64/layout.h"
#include "devices/power.h"
#include "devices/pvpanic.h"
#include "devices/serial.h"
#include "vmm/vm.h"

_Static_assert(PVPANIC_EXIT_STATUS == VM_EXIT_PANIC, "pvpanic ends the VM with the panic status");
_Static_assert(SERIAL_REG_LEN <= ARM64_UART_SIZE, "the UART's registers fit its window");

int arch_add_devices(struct vm *vm)
{
	int err;

	vm->serial_irq = (struct vm_irq_line){ .vm = vm, .irq = ARM64_UART_SPI };
	vm->serial = serial_create(STDOUT_FILENO, vm_irq_line_set, &vm->serial_irq);
	if (!vm->serial)
		return -ENOMEM;
	vm->power = (struct power_device){ .stop = vm_stop_from_device, .ctx = vm };

	err = bus_add(&vm->mmio, ARM64_UART_BASE, SERIAL_REG_LEN, &serial_ops, vm->serial);
	if (!err)
		err = bus_add(&vm->mmio, ARM64_PVPANIC_BASE, ARM64_PVPANIC_SIZE,
			      &pvpanic_ops, &vm->power);
	return err;
}
