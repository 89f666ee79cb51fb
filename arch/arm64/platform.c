// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 platform, on the MMIO bus at the addresses of layout.h and
 * described by the device tree (fdt.h): the console UART, a 16550 with
 * byte registers, on stdout with its interrupt on SPI ARM64_UART_SPI;
 * pvpanic (a guest panic ends the VM with status 3); and the PL031
 * real-time clock on host time, its match alarm on SPI ARM64_RTC_SPI.
 * Power-off and reset need no device: PSCI SYSTEM_OFF and SYSTEM_RESET,
 * handled by KVM, reach the vCPU loop as KVM_EXIT_SYSTEM_EVENT (status 0).
 */
#include "arch/arch.h"
#include "arch/arm64/layout.h"
#include "devices/pl031.h"
#include "devices/pvpanic.h"
#include "devices/serial.h"

_Static_assert(SERIAL_REG_LEN <= ARM64_UART_SIZE, "the UART's registers fit its window");
_Static_assert(PL031_LEN == ARM64_RTC_SIZE, "the RTC's registers fill its window");

const struct arch_platform_device arch_platform[] = {
	{ ARCH_DEV_CONSOLE, ARCH_BUS_MMIO, ARM64_UART_BASE, SERIAL_REG_LEN, ARM64_UART_SPI },
	{ ARCH_DEV_PVPANIC, ARCH_BUS_MMIO, ARM64_PVPANIC_BASE, ARM64_PVPANIC_SIZE, 0 },
	{ ARCH_DEV_RTC_PL031, ARCH_BUS_MMIO, ARM64_RTC_BASE, PL031_LEN, ARM64_RTC_SPI },
};
const unsigned int arch_nr_platform = sizeof(arch_platform) / sizeof(arch_platform[0]);
