// SPDX-License-Identifier: GPL-2.0
/*
 * Test guest runtime: page tables (built at CPL0 before the drop to CPL3),
 * serial console, memory map, exit.
 */
#include "runtime.h"

#define COM1		0x3f8
#define LSR		5
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define DEBUG_EXIT	0xf4
#define I8042_CMD	0x64

#define ZP_E820_ENTRIES	0x1e8
#define ZP_E820_TABLE	0x2d0

#define PTE_P		0x1ULL
#define PTE_RW		0x2ULL
#define PTE_US		0x4ULL
#define PTE_PS		0x80ULL

static uint64_t pml4[512] __attribute__((aligned(4096)));
static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[GUEST_MAX_GIB][512] __attribute__((aligned(4096)));
static const uint8_t *zero_page;

/*
 * CPL0, emulated: keep it short. Maps RAM up to its highest address, and
 * at least the first 4 GiB, so the 32-bit hole's MMIO devices (virtio-mmio
 * at 0xd0000000) are reachable from CPL3.
 */
uint64_t paging_setup(const uint8_t *zp)
{
	const struct e820_entry *e = (const void *)(zp + ZP_E820_TABLE);
	unsigned int i, n = zp[ZP_E820_ENTRIES];
	uint64_t top = 4ULL << 30, gib, j;

	for (i = 0; i < n; i++)
		if (e[i].addr + e[i].size > top)
			top = e[i].addr + e[i].size;
	gib = (top + (1ULL << 30) - 1) >> 30;
	if (gib > GUEST_MAX_GIB)
		gib = GUEST_MAX_GIB;

	pml4[0] = (uint64_t)pdpt | PTE_P | PTE_RW | PTE_US;
	for (i = 0; i < gib; i++) {
		pdpt[i] = (uint64_t)pd[i] | PTE_P | PTE_RW | PTE_US;
		for (j = 0; j < 512; j++)
			pd[i][j] = ((uint64_t)i << 30 | j << 21) |
				   PTE_P | PTE_RW | PTE_US | PTE_PS;
	}
	return (uint64_t)pml4;
}

void guest_main_wrapper(const uint8_t *zp)
{
	zero_page = zp;
	guest_exit((uint8_t)guest_main());
}

static void putc_serial(char c)
{
	while (!(inb(COM1 + LSR) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

void put_hex(uint64_t v)
{
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 0xf];
	buf[18] = '\0';
	puts_serial(buf);
}

void put_dec(uint64_t v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_serial(buf + i);
}

uint8_t getc_serial(void)
{
	volatile unsigned int delay;

	while (!(inb(COM1 + LSR) & LSR_DR)) {
		for (delay = 0; delay < 100000; delay++)
			;
	}
	return inb(COM1);
}

unsigned int e820_count(void)
{
	return zero_page[ZP_E820_ENTRIES];
}

const struct e820_entry *e820_get(unsigned int i)
{
	return (const struct e820_entry *)(zero_page + ZP_E820_TABLE) + i;
}

void guest_exit(uint8_t status)
{
	for (;;)
		outb(DEBUG_EXIT, status);
}

void guest_reset(void)
{
	for (;;)
		outb(I8042_CMD, 0xfe);
}
