// SPDX-License-Identifier: GPL-2.0
/*
 * The 8-bit checksum the MP and ACPI tables share.
 */
#include "arch/x86_64/tables.h"

uint8_t x86_table_checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}
