/*
 * psci-hello: the smallest arm64 guest for QEMU's virt machine. It writes
 * one line to the PL011 at 0x09000000 and powers the machine off with PSCI
 * SYSTEM_OFF over HVC (the conduit QEMU's virt names in its device tree's
 * /psci node under KVM). Position-independent, MMU off, no stack.
 *
 * Build a raw image (QEMU -kernel loads it at RAM + 0x80000 and enters it
 * at EL1 as it would a Linux Image):
 *   aarch64-linux-gnu-as -o psci-hello.o guests/arm64/psci-hello.S
 *   aarch64-linux-gnu-objcopy -O binary psci-hello.o psci-hello.bin
 * Run (in tests/box/kvm-box-arm64, for example):
 *   qemu-system-aarch64 -M virt,gic-version=3 -accel kvm -cpu host -m 128 \
 *       -nographic -no-reboot -kernel psci-hello.bin
 * prints "psci-hello: hello from a tiny arm64 guest, powering off" and QEMU
 * exits 0.
 */
	.text
	.globl	_start
_start:
	movz	x1, #0x0900, lsl #16	/* PL011 data register */
	adr	x2, msg
1:	ldrb	w3, [x2], #1
	cbz	w3, 2f
	str	w3, [x1]
	b	1b
2:	movz	x0, #0x8400, lsl #16	/* PSCI 0.2 SYSTEM_OFF, 0x84000008 */
	movk	x0, #0x0008
	hvc	#0
3:	wfi				/* not reached: SYSTEM_OFF returns only on error */
	b	3b

msg:	.asciz	"psci-hello: hello from a tiny arm64 guest, powering off\n"
