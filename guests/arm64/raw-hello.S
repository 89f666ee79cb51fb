/* SPDX-License-Identifier: GPL-2.0 */
/*
 * raw-hello: a raw arm64 binary (no Image header), for
 * vmm --kernel-format=raw. Entered at its first byte with the MMU off and
 * x0 = the device tree's address, it says on the console UART (the
 * 16550 at 0x09000000, arch/arm64/layout.h, byte registers) that it ran,
 * whether it was entered at the RAM base (0x40000000) and whether x0
 * points at a device tree (big-endian magic 0xd00dfeed) and whether that
 * tree describes a PMU ("arm,armv8-pmuv3" in it), then powers the
 * VM off with PSCI SYSTEM_OFF over HVC. Position-independent: every
 * address is PC-relative or a literal.
 */
#define UART_THR	0x09000000
#define RAM_BASE	0x40000000
#define FDT_MAGIC_LE	0xedfe0dd0	/* 0xd00dfeed as a little-endian load */
#define PSCI_SYSTEM_OFF	0x84000008

	.text
	.globl	_start
_start:
	mov	x19, x0			/* the device tree, as the VMM promises */
	ldr	x20, =UART_THR

	adr	x1, msg_hello
	bl	puts

	adr	x2, _start
	ldr	x3, =RAM_BASE
	adr	x1, msg_base_ok
	cmp	x2, x3
	b.eq	1f
	adr	x1, msg_base_bad
1:	bl	puts

	adr	x1, msg_fdt_bad
	cbz	x19, off		/* nothing to read at 0 */
	tst	x19, #3
	b.ne	off			/* an unaligned load faults with the MMU off */
	ldr	w2, [x19]
	ldr	w3, =FDT_MAGIC_LE
	cmp	w2, w3
	b.ne	off
	adr	x1, msg_fdt_ok
	bl	puts

	/* Whether the tree names a PMU: its compatible string anywhere. */
	ldr	w4, [x19, #4]		/* totalsize, big-endian */
	rev	w4, w4
	add	x5, x19, x4		/* the tree's end */
	mov	x7, x19
	adr	x1, msg_no_pmu
5:	cmp	x7, x5
	b.hs	off
	mov	x8, x7
	adr	x9, pmu_compat
6:	ldrb	w10, [x9], #1
	cbz	w10, 7f			/* the whole string matched */
	cmp	x8, x5
	b.hs	off
	ldrb	w11, [x8], #1
	cmp	w10, w11
	b.eq	6b
	add	x7, x7, #1
	b	5b
7:	adr	x1, msg_pmu

off:	bl	puts
	ldr	x0, =PSCI_SYSTEM_OFF
	hvc	#0
3:	wfi				/* SYSTEM_OFF does not return */
	b	3b

/* puts: writes the NUL-terminated string at x1 to the UART (x20). */
puts:
	ldrb	w2, [x1], #1
	cbz	w2, 4f
	strb	w2, [x20]
	b	puts
4:	ret

msg_hello:	.asciz	"RAW-HELLO: hello from a raw arm64 binary\n"
msg_base_ok:	.asciz	"RAW-HELLO: entered at the RAM base 0x40000000\n"
msg_base_bad:	.asciz	"RAW-HELLO: NOT entered at the RAM base\n"
msg_fdt_ok:	.asciz	"RAW-HELLO: x0 points at a device tree\n"
msg_fdt_bad:	.asciz	"RAW-HELLO: x0 does NOT point at a device tree\n"
msg_pmu:	.asciz	"RAW-HELLO: the device tree has a PMU\n"
msg_no_pmu:	.asciz	"RAW-HELLO: the device tree has no PMU\n"
pmu_compat:	.asciz	"arm,armv8-pmuv3"
	.balign	8
	.ltorg
