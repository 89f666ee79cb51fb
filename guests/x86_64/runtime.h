/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a test guest can use: port I/O, the serial console, the memory map
 * from the zero page, and the two ways to end: guest_exit(status) through
 * the VMM's debug-exit port, and guest_reset() through the i8042. A guest
 * defines int guest_main(void); its return value becomes the exit status.
 * Runs at CPL3 with IOPL 3 and all RAM (up to 64 GiB) and the 32-bit hole
 * identity-mapped, user-accessible: MMIO works with plain loads and stores
 * (mmio_read/mmio_write below, one access of the given size each).
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

/* One MMIO access of exactly len bytes (1, 2, 4 or 8) at addr. */
static inline uint64_t mmio_read(uint64_t addr, unsigned int len)
{
	switch (len) {
	case 1: return *(volatile uint8_t *)addr;
	case 2: return *(volatile uint16_t *)addr;
	case 4: return *(volatile uint32_t *)addr;
	default: return *(volatile uint64_t *)addr;
	}
}

static inline void mmio_write(uint64_t addr, unsigned int len, uint64_t v)
{
	switch (len) {
	case 1: *(volatile uint8_t *)addr = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)addr = (uint16_t)v; break;
	case 4: *(volatile uint32_t *)addr = (uint32_t)v; break;
	default: *(volatile uint64_t *)addr = v; break;
	}
}

/* The time-stamp counter (readable at CPL3). */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
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
