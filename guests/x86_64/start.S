/*
 * Entry of the test guests. The VMM enters here in 64-bit mode at CPL0
 * with rsi = zero page, as the Linux 64-bit boot protocol says. Kernel-mode
 * code is emulated instruction by instruction on PVM hosts, so we do the
 * least possible at CPL0: take a stack, let C build identity page tables
 * with the user bit set (paging_setup), load our own GDT, and drop to CPL3
 * with IOPL 3, where guest code runs natively and port I/O still reaches
 * the VMM. There is no IDT: any exception ends in a triple fault, which the
 * VMM reports with the registers.
 */
	.section .text.start, "ax"
	.code64
	.globl _start
_start:
	cli
	mov	%rsi, %r15			/* keep the zero page */
	lea	kernel_stack_top(%rip), %rsp
	mov	%r15, %rdi
	call	paging_setup			/* returns the PML4 in rax */
	mov	%rax, %cr3

	lgdt	gdt_desc(%rip)
	pushq	$0x08				/* reload CS with our code64 */
	lea	1f(%rip), %rax
	pushq	%rax
	lretq
1:	mov	$0x10, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%ax, %ss

	/* iretq to CPL3: ss, rsp, rflags (IOPL 3, IF 0), cs, rip */
	pushq	$0x1b
	lea	user_stack_top(%rip), %rax
	pushq	%rax
	pushq	$0x3002
	pushq	$0x23
	lea	user_entry(%rip), %rax
	pushq	%rax
	iretq

user_entry:
	mov	$0x1b, %ax
	mov	%ax, %ds
	mov	%ax, %es
	mov	%r15, %rdi
	call	guest_main_wrapper
1:	jmp	1b

	.section .rodata
	.balign 16
gdt:
	.quad	0				/* null */
	.quad	0x00af9b000000ffff		/* 0x08: kernel code64 */
	.quad	0x00cf93000000ffff		/* 0x10: kernel data */
	.quad	0x00cff3000000ffff		/* 0x18: user data, dpl 3 */
	.quad	0x00affb000000ffff		/* 0x20: user code64, dpl 3 */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.quad	gdt

	.section .bss
	.balign 4096
	.space	4096
kernel_stack_top:
	.space	65536
user_stack_top:
	.section .note.GNU-stack, "", @progbits
