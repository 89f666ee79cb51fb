/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A UART: 8 byte registers at a base the architecture chooses, on
 * either bus (x86: port 0x3f8, IRQ 4; arm64: MMIO 0x09000000 with byte
 * accesses, SPI 1). What the guest transmits goes to out_fd; bytes given
 * to serial_receive() arrive in its receive FIFO. The interrupt line is
 * a level: driven through set_irq whenever the pending state changes.
 *
 * Thread-safe: vCPU threads access registers while the event loop feeds
 * input.
 */
#ifndef DEVICES_SERIAL_H
#define DEVICES_SERIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "devices/host/bus.h"

struct serial;

typedef void (*irq_fn)(void *ctx, int level);

extern const struct bus_device_ops serial_ops;
#define SERIAL_REG_LEN 8

struct serial *serial_create(int out_fd, irq_fn set_irq, void *irq_ctx);
void serial_destroy(struct serial *s);

/* Queues input bytes; returns how many fit (the rest: try again later). */
size_t serial_receive(struct serial *s, const char *buf, size_t len);
size_t serial_rx_space(struct serial *s);

/*
 * Whether the guest has ever enabled the transmitter-empty interrupt: a
 * driver that then waits for it after writing THR (vmm/coalesced.h).
 */
bool serial_tx_irq_used(struct serial *s);

#endif
