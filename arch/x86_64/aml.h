/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of an AML encoder (ACPI 6.x, chapter 20) to write a small
 * DSDT by hand: names, integers, strings, buffers, packages, scopes and
 * devices, each with the PkgLength it needs.
 *
 * Contract: the encoder appends to a caller's buffer and never writes past
 * its end. Errors are sticky: after the first one (-ENOSPC: buffer full;
 * -EINVAL: a name it cannot encode) further calls do nothing, and
 * aml_finish() returns it, so a caller checks once at the end.
 *
 * Names are one segment of up to four characters ("_S5", "PEVT"; short
 * ones are padded with '_'), optionally with a leading '\' for the root.
 *
 * Nesting: aml_scope(), aml_device() and aml_package() open a construct
 * and return a mark; what follows is its content until aml_close(mark)
 * prepends the PkgLength. Constructs close innermost first.
 */
#ifndef ARCH_X86_64_AML_H
#define ARCH_X86_64_AML_H

#include <stddef.h>
#include <stdint.h>

struct aml {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);

/* Name (name, <the data object that follows>) */
void aml_name(struct aml *a, const char *name);

/* Data objects. */
void aml_integer(struct aml *a, uint64_t value);
void aml_string(struct aml *a, const char *s);
void aml_buffer(struct aml *a, const void *data, size_t len);

/* Opening a construct; its content follows, then aml_close(). */
size_t aml_scope(struct aml *a, const char *name);
size_t aml_device(struct aml *a, const char *name);
size_t aml_package(struct aml *a, uint8_t nr_elements);
void aml_close(struct aml *a, size_t mark);

/* Resource descriptors for aml_buffer(): a fixed 16-bit-decode I/O range. */
#define AML_IO_DESC_LEN		8
#define AML_END_TAG_LEN		2
void aml_io_descriptor(uint8_t out[AML_IO_DESC_LEN], uint16_t port,
		       uint8_t len);
void aml_end_tag(uint8_t out[AML_END_TAG_LEN]);

/* Memory32Fixed (ReadWrite, base, len) */
#define AML_MEM32_DESC_LEN	12
void aml_memory32_descriptor(uint8_t out[AML_MEM32_DESC_LEN], uint32_t base,
			     uint32_t len);

/* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { gsi } */
#define AML_IRQ_DESC_LEN	9
void aml_interrupt_descriptor(uint8_t out[AML_IRQ_DESC_LEN], uint32_t gsi);

/* Bytes written so far (>= 0), or the first error. */
int aml_finish(const struct aml *a);

#endif
