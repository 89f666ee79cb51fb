// SPDX-License-Identifier: GPL-2.0
/*
 * Three port writes the VMM can name, then a triple fault: 0x11 to port
 * 0x510 (a byte), 0x2222 to 0x512 (a word), 0x33333333 to 0x514 (a
 * double word), ports no device claims, each one exit to the VMM; then
 * ud2, and with no IDT the #UD becomes a double fault and then a triple
 * fault. The VMM's report must list the three writes in that order as the
 * last exits before the shutdown (tests/integration/test_exit_report.c).
 */
#include "runtime.h"

int guest_main(void)
{
	puts_serial("triple: three port writes, then ud2\n");
	__asm__ volatile("outb %0, %1" : : "a"((uint8_t)0x11), "Nd"((uint16_t)0x510));
	__asm__ volatile("outw %0, %1" : : "a"((uint16_t)0x2222), "Nd"((uint16_t)0x512));
	__asm__ volatile("outl %0, %1" : : "a"((uint32_t)0x33333333), "Nd"((uint16_t)0x514));
	__asm__ volatile("ud2");
	puts_serial("triple: still alive?\n");
	return 0;
}
