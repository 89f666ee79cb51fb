/*
 * Entry of the multiboot test guest: a multiboot v1 header (page-aligned
 * modules, memory information; no address fields, so the VMM loads the
 * ELF32 segments), and a 32-bit entry that records what the spec promises
 * (eax magic, ebx information structure, CR0 and EFLAGS) before it touches
 * anything, takes a stack and calls mb_main(magic, info, eflags, cr0).
 * It runs at CPL0 in protected mode without paging from here to the end.
 */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003

	.section .multiboot, "a"
	.balign 4
	.long	MB_MAGIC
	.long	MB_FLAGS
	.long	-(MB_MAGIC + MB_FLAGS)

	.section .text
	.code32
	.globl _start
_start:
	mov	%eax, %esi			/* magic */
	mov	$stack_top, %esp		/* esp is undefined at entry */
	pushfl					/* (mov leaves EFLAGS alone) */
	popl	%edi				/* EFLAGS at entry */
	mov	%cr0, %edx
	push	%edx
	push	%edi
	push	%ebx
	push	%esi
	call	mb_main
1:	hlt
	jmp	1b

	.section .bss
	.balign 16
	.space	16384
stack_top:
	.section .note.GNU-stack, "", @progbits
