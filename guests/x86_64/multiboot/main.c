// SPDX-License-Identifier: GPL-2.0
/*
 * The multiboot test guest: prints on COM1 what the VMM handed it, one
 * "mb: " line per item, for tests/integration/test_multiboot.c:
 *   entry magic, CR0.PE/PG, EFLAGS.IF/VM, the information flags,
 *   mem_lower/mem_upper, the command line, each module (size, FNV-1a hash
 *   of its bytes, page alignment, string), each memory map entry, the boot
 *   loader's name; and XSAVE as a kernel sets it up: CR4.OSXSAVE, XCR0 =
 *   x87|SSE|AVX as far as CPUID 0xD offers them, then what CPUID 0xD says
 *   the save area of that XCR0 takes, what it takes by the AVX component's
 *   offset and size, and XCR0 again after some VM exits (the host test
 *   judges these, knowing the host).
 * It checks what the specification promises (magic, protected mode
 * without paging, interrupts off, memory and memory-map information, a
 * RAM entry at 1 MiB as long as mem_upper says) and exits through the
 * debug-exit port: 77 if all held, 10 + the number of failures if not.
 */
#include <stdint.h>

#define COM1		0x3f8
#define LSR_THRE	0x20
#define DEBUG_EXIT	0xf4

#define BOOT_MAGIC	0x2BADB002U
#define INFO_MEMORY	(1U << 0)
#define INFO_CMDLINE	(1U << 2)
#define INFO_MODS	(1U << 3)
#define INFO_MMAP	(1U << 6)
#define INFO_LOADER	(1U << 9)

struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr, config_table, boot_loader_name;
};

struct mb_module {
	uint32_t start, end, string, reserved;
};

struct mb_mmap {
	uint32_t size;
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static unsigned int failures;

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

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & LSR_THRE))
		;
	outb(COM1, (uint8_t)c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void put_hex(uint64_t v)
{
	int i;

	puts_serial("0x");
	for (i = 60; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 0xf]);
}

static void put_dec(uint32_t v)
{
	char buf[11];
	int i = 10;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_serial(buf + i);
}

static void check(int ok, const char *what)
{
	if (ok)
		return;
	puts_serial("mb: FAIL ");
	puts_serial(what);
	putc_serial('\n');
	failures++;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t len)
{
	uint32_t h = 2166136261U;

	while (len--) {
		h ^= *p++;
		h *= 16777619U;
	}
	return h;
}

static void show_modules(const struct mb_info *mbi)
{
	const struct mb_module *m = (const void *)mbi->mods_addr;
	uint32_t i;

	puts_serial("mb: mods ");
	put_dec(mbi->mods_count);
	putc_serial('\n');
	for (i = 0; i < mbi->mods_count; i++, m++) {
		puts_serial("mb: module ");
		put_dec(i);
		puts_serial(" size ");
		put_dec(m->end - m->start);
		puts_serial(" fnv1a ");
		put_hex(fnv1a((const uint8_t *)m->start, m->end - m->start));
		puts_serial(m->start & 0xfff ? " unaligned" : " page-aligned");
		puts_serial(" string '");
		puts_serial(m->string ? (const char *)m->string : "");
		puts_serial("'\n");
	}
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(subleaf));
}

static inline uint32_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo;
}

#define CPUID1_ECX_XSAVE	(1U << 26)
#define CR4_OSXSAVE		(1U << 18)
#define XCR0_X87_SSE_AVX	0x7U
#define XCR0_AVX		0x4U
#define XSAVE_LEGACY_SIZE	576	/* legacy area and header */

/*
 *   mb: xsave absent
 * or
 *   mb: xsave xcr0 0xM size S expected E
 *   mb: xsave xcr0-after-exits 0xA
 * (every byte printed is a VM exit: the second line's value is read after
 * the first line's exits).
 */
static void show_xsave(void)
{
	uint32_t r[4], cr4, mask, set, size, expected = XSAVE_LEGACY_SIZE;

	cpuid(1, 0, r);
	if (!(r[2] & CPUID1_ECX_XSAVE)) {
		puts_serial("mb: xsave absent\n");
		return;
	}
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_OSXSAVE));
	cpuid(0xd, 0, r);
	mask = r[0] & XCR0_X87_SSE_AVX;
	__asm__ volatile("xsetbv" : : "a"(mask), "d"(0), "c"(0));
	set = xgetbv0();
	cpuid(0xd, 0, r);
	size = r[1];
	if (mask & XCR0_AVX) {
		cpuid(0xd, 2, r);
		expected = r[1] + r[0];		/* offset + size */
	}
	puts_serial("mb: xsave xcr0 ");
	put_hex(set);
	puts_serial(" size ");
	put_dec(size);
	puts_serial(" expected ");
	put_dec(expected);
	puts_serial("\nmb: xsave xcr0-after-exits ");
	put_hex(xgetbv0());
	putc_serial('\n');
}

/* Prints the map; whether it has RAM from 1 MiB as long as mem_upper. */
static int show_mmap(const struct mb_info *mbi)
{
	uint32_t off = 0;
	int found = 0;

	while (off + sizeof(struct mb_mmap) <= mbi->mmap_length) {
		const struct mb_mmap *e = (const void *)(mbi->mmap_addr + off);

		puts_serial("mb: mmap ");
		put_hex(e->addr);
		puts_serial(" len ");
		put_hex(e->len);
		puts_serial(" type ");
		put_dec(e->type);
		putc_serial('\n');
		if (e->type == 1 && e->addr == 0x100000 &&
		    e->len == (uint64_t)mbi->mem_upper * 1024)
			found = 1;
		off += e->size + 4;
	}
	return found;
}

void mb_main(uint32_t magic, const struct mb_info *mbi, uint32_t eflags, uint32_t cr0)
{
	puts_serial("mb: magic ");
	put_hex(magic);
	puts_serial("\nmb: cr0.pe ");
	put_dec(cr0 & 1);
	puts_serial(" cr0.pg ");
	put_dec(cr0 >> 31);
	puts_serial(" eflags.if ");
	put_dec((eflags >> 9) & 1);
	puts_serial(" eflags.vm ");
	put_dec((eflags >> 17) & 1);
	puts_serial("\nmb: flags ");
	put_hex(mbi->flags);
	putc_serial('\n');
	check(magic == BOOT_MAGIC, "magic");
	check((cr0 & 1) && !(cr0 >> 31), "protected mode without paging");
	check(!(eflags & (1U << 9)) && !(eflags & (1U << 17)), "EFLAGS IF=0 VM=0");
	check((mbi->flags & (INFO_MEMORY | INFO_MMAP)) == (INFO_MEMORY | INFO_MMAP),
	      "memory information (header flag 1)");

	puts_serial("mb: mem_lower ");
	put_dec(mbi->mem_lower);
	puts_serial(" KiB mem_upper ");
	put_dec(mbi->mem_upper);
	puts_serial(" KiB\n");
	if (mbi->flags & INFO_CMDLINE) {
		puts_serial("mb: cmdline '");
		puts_serial((const char *)mbi->cmdline);
		puts_serial("'\n");
	}
	if (mbi->flags & INFO_MODS)
		show_modules(mbi);
	if (mbi->flags & INFO_MMAP)
		check(show_mmap(mbi), "RAM at 1 MiB in the map, as long as mem_upper");
	if (mbi->flags & INFO_LOADER) {
		puts_serial("mb: loader '");
		puts_serial((const char *)mbi->boot_loader_name);
		puts_serial("'\n");
	}
	show_xsave();
	puts_serial(failures ? "mb: FAILED\n" : "mb: all checks passed\n");
	for (;;)
		outb(DEBUG_EXIT, (uint8_t)(failures ? 10 + failures : 77));
}
