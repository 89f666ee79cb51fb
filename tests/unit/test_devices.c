// SPDX-License-Identifier: GPL-2.0
/*
 * The I/O bus and the platform devices on it, driven the way a vCPU
 * drives them: range registration and dispatch, the 16550 UART (transmit,
 * receive FIFO, interrupt identification and line, divisor latch,
 * loopback), the debug-exit port and the i8042 reset line.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "devices/power.h"
#include "devices/serial.h"
#include "devices/host/bus.h"

#include "tests/helpers.h"

struct probe {
	uint64_t last_offset;
	unsigned int last_len, writes;
	uint8_t last_byte;
};

static void probe_read(void *opaque, uint64_t offset, uint8_t *data, unsigned int len)
{
	(void)opaque;
	memset(data, (int)(0x10 + offset), len);
}

static void probe_write(void *opaque, uint64_t offset, const uint8_t *data, unsigned int len)
{
	struct probe *p = opaque;

	p->last_offset = offset;
	p->last_len = len;
	p->last_byte = data[0];
	p->writes++;
}

static const struct bus_device_ops probe_ops = { probe_read, probe_write };

START_TEST(bus_ranges)
{
	static struct bus bus;
	struct probe a = { 0 }, b = { 0 };
	uint8_t data[8];

	bus_init(&bus, "test");
	ck_assert_int_eq(bus_add(&bus, 0x100, 8, &probe_ops, &a), 0);
	ck_assert_int_eq(bus_add(&bus, 0x10, 4, &probe_ops, &b), 0);
	ck_assert_int_eq(bus_add(&bus, 0x104, 8, &probe_ops, &b), -EBUSY);
	ck_assert_int_eq(bus_add(&bus, 0xfc, 8, &probe_ops, &b), -EBUSY);
	ck_assert_int_eq(bus_add(&bus, 0x0, 0, &probe_ops, &b), -EINVAL);
	ck_assert_int_eq(bus_add(&bus, UINT64_MAX - 1, 4, &probe_ops, &b), -EINVAL);
	ck_assert_int_eq(bus_add(&bus, 0x108, 8, &probe_ops, &b), 0);	/* adjacent */

	data[0] = 0x5a;
	ck_assert_int_eq(bus_access(&bus, 0x103, data, 1, true), 0);
	ck_assert_uint_eq(a.last_offset, 3);
	ck_assert_uint_eq(a.last_byte, 0x5a);
	ck_assert_int_eq(bus_access(&bus, 0x12, data, 2, false), 0);
	ck_assert_uint_eq(data[0], 0x12);

	/* nothing there: all ones, write dropped, reported */
	ck_assert_int_eq(bus_access(&bus, 0x50, data, 4, false), -ENODEV);
	ck_assert_uint_eq(data[3], 0xff);
	ck_assert_int_eq(bus_access(&bus, 0x50, data, 4, true), -ENODEV);
	/* an access running off the end of a device */
	ck_assert_int_eq(bus_access(&bus, 0x106, data, 4, true), -ENODEV);
	ck_assert_int_eq(bus_access(&bus, 0x100, data, 0, true), -ENODEV);
	ck_assert_uint_eq(a.writes, 1);
}
END_TEST

static int irq_level = -1, irq_changes;

static void record_irq(void *ctx, int level)
{
	(void)ctx;
	irq_level = level;
	irq_changes++;
}

static uint8_t rd(struct serial *s, uint64_t reg)
{
	uint8_t v;

	serial_ops.read(s, reg, &v, 1);
	return v;
}

static void wr(struct serial *s, uint64_t reg, uint8_t v)
{
	serial_ops.write(s, reg, &v, 1);
}

START_TEST(serial_transmit_and_receive)
{
	int pipefd[2];
	struct serial *s;
	char out[8] = { 0 }, big[8192];
	uint64_t count;
	int i;

	ck_assert_int_eq(pipe(pipefd), 0);
	s = serial_create(pipefd[1], record_irq, NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(rd(s, 5) & 0x60, 0x60);	/* THRE | TEMT */
	wr(s, 0, 'o');
	wr(s, 0, 'k');
	/* gathered until flushed; the event says there is something */
	ck_assert_int_eq(fcntl(pipefd[0], F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(read(pipefd[0], out, sizeof(out)), -1);
	ck_assert_int_eq(read(serial_output_event(s), &count, sizeof(count)), sizeof(count));
	ck_assert_uint_eq(count, 1);		/* once per batch, not per byte */
	serial_flush(s);
	ck_assert_int_eq(read(pipefd[0], out, sizeof(out)), 2);
	ck_assert_str_eq(out, "ok");
	/* a full buffer goes out at once */
	for (i = 0; i < 4097; i++)
		wr(s, 0, 'x');
	ck_assert_int_eq(read(pipefd[0], big, sizeof(big)), 4096);
	serial_flush(s);
	ck_assert_int_eq(read(pipefd[0], big, sizeof(big)), 1);
	ck_assert_int_eq(read(pipefd[0], big, sizeof(big)), -1);

	/* no interrupts enabled: line stays low, IIR says none */
	ck_assert_uint_eq(rd(s, 2) & 0x0f, 0x01);
	ck_assert_uint_eq(serial_receive(s, "xy", 2), 2);
	ck_assert_uint_eq(rd(s, 5) & 0x01, 0x01);	/* data ready */
	ck_assert_int_ne(irq_level, 1);

	wr(s, 1, 0x01);				/* IER: receive data */
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(s, 2) & 0x0f, 0x04);
	ck_assert_uint_eq(rd(s, 0), 'x');
	ck_assert_uint_eq(rd(s, 0), 'y');
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(s, 5) & 0x01, 0);
	ck_assert_uint_eq(rd(s, 0), 0);		/* empty FIFO reads 0 */

	/* THR empty interrupt: raised on enable, cleared by reading IIR */
	wr(s, 1, 0x02);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(rd(s, 2) & 0x0f, 0x02);
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(rd(s, 2) & 0x0f, 0x01);

	serial_destroy(s);
	close(pipefd[0]);
	close(pipefd[1]);
}
END_TEST

START_TEST(serial_fifo_dlab_loopback)
{
	char buf[100];
	struct serial *s = serial_create(-1, NULL, NULL);
	size_t i;

	memset(buf, 'a', sizeof(buf));
	ck_assert_uint_eq(serial_receive(s, buf, sizeof(buf)), 64);
	ck_assert_uint_eq(serial_rx_space(s), 0);
	ck_assert_uint_eq(serial_receive(s, buf, 1), 0);
	wr(s, 2, 0x03);				/* FCR: enable, clear RX */
	ck_assert_uint_eq(serial_rx_space(s), 64);
	ck_assert_uint_eq(rd(s, 2) & 0xc0, 0xc0);	/* FIFOs enabled */

	wr(s, 3, 0x80);				/* DLAB */
	wr(s, 0, 0x01);
	wr(s, 1, 0x02);
	ck_assert_uint_eq(rd(s, 0), 0x01);
	ck_assert_uint_eq(rd(s, 1), 0x02);
	wr(s, 3, 0x03);
	ck_assert_uint_eq(rd(s, 1), 0);		/* IER untouched by DLM */

	/* loopback, as the Linux 8250 probe does it */
	wr(s, 4, 0x10 | 0x0a);			/* LOOP | OUT2 | RTS */
	ck_assert_uint_eq(rd(s, 6) & 0xf0, 0x90);	/* DCD | CTS */
	wr(s, 0, 'L');
	ck_assert_uint_eq(rd(s, 0), 'L');
	wr(s, 4, 0);
	ck_assert_uint_eq(rd(s, 6) & 0xb0, 0xb0);
	wr(s, 7, 0x42);
	ck_assert_uint_eq(rd(s, 7), 0x42);
	for (i = 0; i < 8; i++)
		rd(s, i);			/* every register readable */
	serial_destroy(s);
}
END_TEST

static int stopped_status = -1;
static const char *stopped_reason;

static void record_stop(void *ctx, int status, const char *reason)
{
	(void)ctx;
	stopped_status = status;
	stopped_reason = reason;
}

START_TEST(debug_exit_encodings)
{
	struct power_device p = { .stop = record_stop };
	const uint8_t four[4] = { 77, 0, 0, 0 }, wide[4] = { 0x80, 1, 0, 0 };

	/* raw: the low byte of a 4-byte write, as of a 1-byte one */
	debug_exit_ops.write(&p, 0, wide, 4);
	ck_assert_int_eq(stopped_status, 0x80);
	/* a write that does not start at the port is no exit */
	stopped_status = -1;
	debug_exit_ops.write(&p, 1, four, 1);
	ck_assert_int_eq(stopped_status, -1);

	p.debug_exit = DEBUG_EXIT_QEMU;
	debug_exit_ops.write(&p, 0, four, 4);	/* kvm-unit-tests' skip */
	ck_assert_int_eq(stopped_status, (77 << 1) | 1);
	ck_assert_ptr_nonnull(strstr(stopped_reason, "isa-debug-exit"));
	debug_exit_ops.write(&p, 0, (const uint8_t[4]){ 0 }, 4);
	ck_assert_int_eq(stopped_status, 1);	/* pass */
	debug_exit_ops.write(&p, 0, wide, 2);	/* 0x180: 0x301, cut to 8 bits */
	ck_assert_int_eq(stopped_status, 0x01);
	debug_exit_ops.write(&p, 0, wide, 1);	/* 0x80: 0x101 */
	ck_assert_int_eq(stopped_status, 0x01);
}
END_TEST

START_TEST(power_devices)
{
	struct power_device p = { .stop = record_stop };
	uint8_t v;

	v = 7;
	debug_exit_ops.write(&p, 0, &v, 1);
	ck_assert_int_eq(stopped_status, 7);
	ck_assert_ptr_nonnull(strstr(stopped_reason, "debug-exit"));

	stopped_status = -1;
	v = 0xd1;				/* another i8042 command */
	i8042_command_ops.write(&p, 0, &v, 1);
	ck_assert_int_eq(stopped_status, -1);
	i8042_command_ops.read(&p, 0, &v, 1);
	ck_assert_uint_eq(v, 0);
	v = 0xfe;
	i8042_command_ops.write(&p, 0, &v, 1);
	ck_assert_int_eq(stopped_status, 0);
	ck_assert_ptr_nonnull(strstr(stopped_reason, "i8042"));
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("devices");

	tcase_add_test(tc, bus_ranges);
	tcase_add_test(tc, serial_transmit_and_receive);
	tcase_add_test(tc, serial_fifo_dlab_loopback);
	tcase_add_test(tc, power_devices);
	tcase_add_test(tc, debug_exit_encodings);
	return run_tcase("devices", tc);
}
