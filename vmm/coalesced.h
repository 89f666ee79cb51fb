/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The console UART's transmit register, coalesced: KVM queues the guest's
 * byte writes to it in a ring page it shares with us
 * (KVM_REGISTER_COALESCED_MMIO, with KVM_CAP_COALESCED_PIO for a port)
 * instead of leaving KVM_RUN for each one, and we replay them through the
 * bus, in order.
 *
 * Contract:
 * - coalesced_drain() replays what is queued. Every vCPU calls it before
 *   it handles any exit, so the UART sees all accesses in program order:
 *   any other access to it (an LSR or RBR read, an LCR or IER write)
 *   exits, and the queued bytes go first. The run loop drains once more
 *   when the VM stops.
 * - That order argument fails only for a driver that writes the register
 *   and then waits for an interrupt without touching the UART again: the
 *   8250 driver once a tty is open (IER.THRI). So the zone is dropped for
 *   good (coalesced_check()) the first time the guest enables that
 *   interrupt (Linux: its 8250 probe, after about nine tenths of a boot's
 *   console output); from then on each write exits as before.
 * - Without the capability, or on any error setting it up, nothing is
 *   coalesced and the functions do nothing.
 * Thread-safe: one lock serialises replays.
 */
#ifndef VMM_COALESCED_H
#define VMM_COALESCED_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/host/bus.h"

struct coalesced {
	struct kvm_coalesced_mmio_ring *ring;	/* NULL: not coalescing */
	uint32_t ring_max;
	size_t map_size;
	struct kvm_coalesced_mmio_zone zone;
	int vm_fd;
	const struct bus *pio, *mmio;
	bool registered;		/* the zone is in KVM */
	bool (*keep)(void *ctx);	/* false: drop the zone */
	void *ctx;
	pthread_mutex_t lock;
	uint64_t replayed;		/* for --stats */
};

struct coalesced_params {
	int kvm_fd, vm_fd, vcpu_fd;	/* vcpu_fd: any vCPU, for the ring */
	const struct bus *pio, *mmio;
	uint64_t addr;			/* the transmit register */
	bool pio_bus;
	bool (*keep)(void *ctx);
	void *ctx;
};

/* 0 when coalescing, or when the host cannot (then inactive). */
int coalesced_init(struct coalesced *c, const struct coalesced_params *p);
void coalesced_drain(struct coalesced *c);
/* After an exit: drops the zone once keep() says so. */
void coalesced_check(struct coalesced *c);
void coalesced_destroy(struct coalesced *c);

#endif
