// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART model: DLAB divisor latch, IER/IIR interrupt identification
 * (receive data, transmitter empty), FCR FIFO reset, loopback mode as the
 * Linux 8250 driver probes it, a 64-byte receive FIFO, and transmitted
 * bytes gathered in a buffer that is written out in batches
 * (devices/serial.h).
 */
#include "serial.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

enum {
	REG_RX_TX = 0, REG_IER = 1, REG_IIR_FCR = 2, REG_LCR = 3,
	REG_MCR = 4, REG_LSR = 5, REG_MSR = 6, REG_SCR = 7,
};

#define IER_RDI		0x01
#define IER_THRI	0x02
#define IIR_NONE	0x01
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO	0xc0
#define FCR_ENABLE	0x01
#define FCR_CLEAR_RX	0x02
#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40
#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80

#define RX_FIFO_LEN 64
#define OUT_BUF_LEN 4096

struct serial {
	pthread_mutex_t lock;
	int out_fd;
	irq_fn set_irq;
	void *irq_ctx;
	int irq_level;

	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thr_irq;		/* transmitter-empty interrupt pending */
	bool thri_used;		/* the guest has enabled it once */
	uint8_t rx[RX_FIFO_LEN];
	unsigned int rx_head, rx_count;

	int out_event;		/* eventfd: the buffer is no longer empty */
	size_t out_len;
	uint8_t out[OUT_BUF_LEN];
};

struct serial *serial_create(int out_fd, irq_fn set_irq, void *irq_ctx)
{
	struct serial *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->out_event = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->out_event < 0) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	s->out_fd = out_fd;
	s->set_irq = set_irq;
	s->irq_ctx = irq_ctx;
	s->dll = 12;		/* 9600 baud */
	return s;
}

void serial_destroy(struct serial *s)
{
	if (!s)
		return;
	serial_flush(s);
	close(s->out_event);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static uint8_t iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && s->rx_count)
		return IIR_RDI | fifo;
	if ((s->ier & IER_THRI) && s->thr_irq)
		return IIR_THRI | fifo;
	return IIR_NONE | fifo;
}

/* Called with the lock held after any state change. */
static void update_irq(struct serial *s)
{
	int level = !(iir(s) & IIR_NONE);

	if (level != s->irq_level && s->set_irq) {
		s->irq_level = level;
		s->set_irq(s->irq_ctx, level);
	}
}

static void rx_push(struct serial *s, uint8_t byte)
{
	if (s->rx_count < RX_FIFO_LEN) {
		s->rx[(s->rx_head + s->rx_count) % RX_FIFO_LEN] = byte;
		s->rx_count++;
	}
}

static uint8_t rx_pop(struct serial *s)
{
	uint8_t byte;

	if (!s->rx_count)
		return 0;
	byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % RX_FIFO_LEN;
	s->rx_count--;
	return byte;
}

/* Writes the buffer out; a reader that went away (EPIPE) loses it. */
static void flush_locked(struct serial *s)
{
	size_t done = 0;

	while (done < s->out_len) {
		ssize_t n = write(s->out_fd, s->out + done, s->out_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	s->out_len = 0;
}

static void transmit(struct serial *s, uint8_t byte)
{
	if (s->mcr & MCR_LOOP) {
		rx_push(s, byte);
	} else if (s->out_fd >= 0) {
		uint64_t one = 1;

		if (s->out_len == sizeof(s->out))
			flush_locked(s);
		if (!s->out_len && write(s->out_event, &one, sizeof(one)) < 0) {
			/* cannot overflow: the owner reads it before it flushes */
		}
		s->out[s->out_len++] = byte;
	}
	s->thr_irq = true;	/* sent at once: the holding register is empty */
}

static uint8_t msr(const struct serial *s)
{
	if (s->mcr & MCR_LOOP) {
		/* DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD */
		return (uint8_t)(((s->mcr & 0x01) << 5) | ((s->mcr & 0x02) << 3) |
				 ((s->mcr & 0x04) << 4) | ((s->mcr & 0x08) << 4));
	}
	return MSR_DCD | MSR_DSR | MSR_CTS;
}

static uint8_t reg_read(struct serial *s, uint64_t reg)
{
	uint8_t v;

	switch (reg) {
	case REG_RX_TX:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return rx_pop(s);
	case REG_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case REG_IIR_FCR:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI)
			s->thr_irq = false;	/* reading IIR acknowledges it */
		return v;
	case REG_LCR:
		return s->lcr;
	case REG_MCR:
		return s->mcr;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT | (s->rx_count ? LSR_DR : 0);
	case REG_MSR:
		return msr(s);
	default:
		return s->scr;
	}
}

static void reg_write(struct serial *s, uint64_t reg, uint8_t v)
{
	switch (reg) {
	case REG_RX_TX:
		if (s->lcr & LCR_DLAB)
			s->dll = v;
		else
			transmit(s, v);
		break;
	case REG_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
		} else {
			/* Enabling THRI with an empty THR raises it at once. */
			if ((v & IER_THRI) && !(s->ier & IER_THRI))
				s->thr_irq = true;
			if (v & IER_THRI)
				__atomic_store_n(&s->thri_used, true, __ATOMIC_RELEASE);
			s->ier = v & 0x0f;
		}
		break;
	case REG_IIR_FCR:
		s->fcr = v & FCR_ENABLE;
		if (v & FCR_CLEAR_RX)
			s->rx_head = s->rx_count = 0;
		break;
	case REG_LCR:
		s->lcr = v;
		break;
	case REG_MCR:
		s->mcr = v & 0x1f;
		break;
	case REG_SCR:
		s->scr = v;
		break;
	default:
		break;		/* LSR and MSR are read-only */
	}
}

static void serial_read(void *opaque, uint64_t offset, uint8_t *data,
			unsigned int len)
{
	struct serial *s = opaque;
	unsigned int i;

	pthread_mutex_lock(&s->lock);
	data[0] = reg_read(s, offset);
	for (i = 1; i < len; i++)
		data[i] = 0;
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_write(void *opaque, uint64_t offset, const uint8_t *data,
			 unsigned int len)
{
	struct serial *s = opaque;

	(void)len;
	pthread_mutex_lock(&s->lock);
	reg_write(s, offset, data[0]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

const struct bus_device_ops serial_ops = {
	.read = serial_read,
	.write = serial_write,
};

int serial_output_event(const struct serial *s)
{
	return s->out_event;
}

void serial_flush(struct serial *s)
{
	uint64_t count;

	pthread_mutex_lock(&s->lock);
	if (read(s->out_event, &count, sizeof(count)) < 0) {
		/* EAGAIN: nothing was signalled since the last flush */
	}
	flush_locked(s);
	pthread_mutex_unlock(&s->lock);
}

bool serial_tx_irq_used(struct serial *s)
{
	return __atomic_load_n(&s->thri_used, __ATOMIC_ACQUIRE);
}

size_t serial_receive(struct serial *s, const char *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_count < RX_FIFO_LEN)
		rx_push(s, (uint8_t)buf[n++]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t serial_rx_space(struct serial *s)
{
	size_t space;

	pthread_mutex_lock(&s->lock);
	space = RX_FIFO_LEN - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return space;
}
