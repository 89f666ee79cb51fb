/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A UART: 8 byte registers at a base the architecture chooses, on
 * either bus (x86: port 0x3f8, IRQ 4; arm64: MMIO 0x09000000 with byte
 * accesses, SPI 1). What the guest transmits goes to out_fd (none if
 * negative), gathered in a 4 KiB buffer: the owner calls serial_flush()
 * soon after serial_output_event() (an eventfd) becomes readable, which
 * it does when the first byte enters an empty buffer; a full buffer is
 * written at once, and serial_destroy() writes the rest. Bytes given to
 * serial_receive() arrive in its receive FIFO. The interrupt line is
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

extern const struct bus_device_ops serial_ops;
#define SERIAL_REG_LEN 8

/* NULL when out of memory or file descriptors. */
struct serial *serial_create(int out_fd, irq_fn set_irq, void *irq_ctx);
void serial_destroy(struct serial *s);

int serial_output_event(const struct serial *s);
/* Writes the buffered output to out_fd and clears the event. */
void serial_flush(struct serial *s);

/* Queues input bytes; returns how many fit (the rest: try again later). */
size_t serial_receive(struct serial *s, const char *buf, size_t len);
size_t serial_rx_space(struct serial *s);

/*
 * Whether the guest has ever enabled the transmitter-empty interrupt: a
 * driver that then waits for it after writing THR (vmm/coalesced.h).
 */
bool serial_tx_irq_used(struct serial *s);

#endif
