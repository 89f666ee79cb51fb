// SPDX-License-Identifier: GPL-2.0
/*
 * A tiny AML encoder: the opcodes and encodings of ACPI 6.x chapter 20
 * (AML grammar) and 6.4 (resource descriptors) that a minimal DSDT needs.
 */
#include "arch/x86_64/aml.h"

#include <errno.h>
#include <string.h>

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR		'\\'

#define NAME_SEG_LEN		4

/* Small resource items (ACPI 6.4.2): tag byte = type << 3 | length. */
#define RES_IO			0x47	/* I/O port descriptor, 7 bytes */
#define RES_IO_DECODE16		0x01
#define RES_END_TAG		0x79	/* end tag, 1 byte */
#define RES_MEM32_FIXED		0x86	/* large: fixed 32-bit memory range */
#define RES_EXT_IRQ		0x89	/* large: extended interrupt */
#define RES_MEM_READ_WRITE	0x01
#define RES_IRQ_CONSUMER	0x01
#define RES_IRQ_EDGE		0x02

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	*a = (struct aml){ .buf = buf, .cap = cap };
}

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static void put(struct aml *a, const void *data, size_t len)
{
	if (a->err)
		return;
	if (len > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, data, len);
	a->len += len;
}

static void put_byte(struct aml *a, uint8_t b)
{
	put(a, &b, 1);
}

static void put_le(struct aml *a, uint64_t v, unsigned int bytes)
{
	while (bytes--) {
		put_byte(a, (uint8_t)v);
		v >>= 8;
	}
}

/* NameString: optional root prefix and one NameSeg, padded with '_'. */
static void put_name(struct aml *a, const char *name)
{
	char seg[NAME_SEG_LEN];
	size_t n;

	if (*name == AML_ROOT_CHAR)
		put_byte(a, *name++);
	n = strlen(name);
	if (n == 0 || n > NAME_SEG_LEN ||
	    !((name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_')) {
		fail(a, -EINVAL);
		return;
	}
	memset(seg, '_', sizeof(seg));
	memcpy(seg, name, n);
	put(a, seg, sizeof(seg));
}

void aml_name(struct aml *a, const char *name)
{
	put_byte(a, AML_NAME_OP);
	put_name(a, name);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0 || v == 1) {
		put_byte(a, v ? AML_ONE_OP : AML_ZERO_OP);
	} else if (v <= UINT8_MAX) {
		put_byte(a, AML_BYTE_PREFIX);
		put_le(a, v, 1);
	} else if (v <= UINT16_MAX) {
		put_byte(a, AML_WORD_PREFIX);
		put_le(a, v, 2);
	} else if (v <= UINT32_MAX) {
		put_byte(a, AML_DWORD_PREFIX);
		put_le(a, v, 4);
	} else {
		put_byte(a, AML_QWORD_PREFIX);
		put_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	put_byte(a, AML_STRING_PREFIX);
	put(a, s, strlen(s) + 1);
}

size_t aml_scope(struct aml *a, const char *name)
{
	size_t mark;

	put_byte(a, AML_SCOPE_OP);
	mark = a->len;
	put_name(a, name);
	return mark;
}

size_t aml_device(struct aml *a, const char *name)
{
	size_t mark;

	put_byte(a, AML_EXT_OP_PREFIX);
	put_byte(a, AML_DEVICE_OP);
	mark = a->len;
	put_name(a, name);
	return mark;
}

size_t aml_package(struct aml *a, uint8_t nr_elements)
{
	size_t mark;

	put_byte(a, AML_PACKAGE_OP);
	mark = a->len;
	put_byte(a, nr_elements);
	return mark;
}

/*
 * PkgLength (ACPI 20.2.4) counts itself and what follows. One byte holds
 * up to 63; otherwise bits 7-6 of the lead byte say how many bytes follow
 * (1 to 3), its bits 3-0 are the low nibble and the following bytes the
 * rest, least significant first.
 */
static unsigned int pkg_length_size(size_t content)
{
	if (content + 1 < 0x40)
		return 1;
	if (content + 2 < 0x1000)
		return 2;
	if (content + 3 < 0x100000)
		return 3;
	return 4;
}

void aml_close(struct aml *a, size_t mark)
{
	size_t content = a->len - mark, total;
	unsigned int n, i;
	uint8_t enc[4];

	if (a->err)
		return;
	n = pkg_length_size(content);
	total = content + n;
	if (total >= 0x10000000) {
		fail(a, -ENOSPC);
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
		for (i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	put(a, enc, n);		/* grow by n bytes, then shift into place */
	if (a->err)
		return;
	memmove(a->buf + mark + n, a->buf + mark, content);
	memcpy(a->buf + mark, enc, n);
}

void aml_buffer(struct aml *a, const void *data, size_t len)
{
	size_t mark;

	put_byte(a, AML_BUFFER_OP);
	mark = a->len;
	aml_integer(a, len);
	put(a, data, len);
	aml_close(a, mark);
}

void aml_io_descriptor(uint8_t out[AML_IO_DESC_LEN], uint16_t port,
		       uint8_t len)
{
	out[0] = RES_IO;
	out[1] = RES_IO_DECODE16;
	out[2] = (uint8_t)port;		/* minimum base */
	out[3] = (uint8_t)(port >> 8);
	out[4] = (uint8_t)port;		/* maximum base: fixed */
	out[5] = (uint8_t)(port >> 8);
	out[6] = 1;			/* alignment */
	out[7] = len;
}

void aml_end_tag(uint8_t out[AML_END_TAG_LEN])
{
	out[0] = RES_END_TAG;
	out[1] = 0;			/* checksum 0: "treat as correct" */
}

static void store_le(uint8_t *out, uint64_t v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

void aml_memory32_descriptor(uint8_t out[AML_MEM32_DESC_LEN], uint32_t base,
			     uint32_t len)
{
	out[0] = RES_MEM32_FIXED;
	store_le(out + 1, AML_MEM32_DESC_LEN - 3, 2);	/* length after the header */
	out[3] = RES_MEM_READ_WRITE;
	store_le(out + 4, base, 4);
	store_le(out + 8, len, 4);
}

void aml_interrupt_descriptor(uint8_t out[AML_IRQ_DESC_LEN], uint32_t gsi)
{
	out[0] = RES_EXT_IRQ;
	store_le(out + 1, AML_IRQ_DESC_LEN - 3, 2);
	out[3] = RES_IRQ_CONSUMER | RES_IRQ_EDGE;	/* active high, exclusive */
	out[4] = 1;					/* one interrupt */
	store_le(out + 5, gsi, 4);
}

int aml_finish(const struct aml *a)
{
	return a->err ? a->err : (int)a->len;
}
