/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a test guest can use: port I/O, the serial console, the memory map
 * from the zero page, and the two ways to end: guest_exit(status) through
 * the VMM's debug-exit port, and guest_reset() through the i8042. A guest
 * defines int guest_main(void); its return value becomes the exit status.
 * Runs at CPL3 with IOPL 3 and all RAM (up to 64 GiB) identity-mapped.
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdint.h>

#define GUEST_MAX_GIB	64

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

#define E820_RAM 1

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

int guest_main(void);

void puts_serial(const char *s);
void put_hex(uint64_t v);
void put_dec(uint64_t v);
/* Waits for one byte on the serial port. */
uint8_t getc_serial(void);

unsigned int e820_count(void);
const struct e820_entry *e820_get(unsigned int i);

void guest_exit(uint8_t status) __attribute__((noreturn));
void guest_reset(void) __attribute__((noreturn));

#endif
