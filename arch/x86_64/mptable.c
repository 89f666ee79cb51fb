// SPDX-License-Identifier: GPL-2.0
/*
 * The MP table, as the MultiProcessor Specification 1.4 (chapter 4)
 * describes it: a 16-byte floating pointer structure at X86_EBDA_START
 * that points at the configuration table right behind it. The table is
 * built in a host buffer, summed, and copied into guest RAM in one piece.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/tables.h"

#define MP_SPEC_REV		4	/* 1.4 */

enum mp_entry_type {
	MP_PROCESSOR	= 0,
	MP_BUS		= 1,
	MP_IOAPIC	= 2,
	MP_INTSRC	= 3,
	MP_LINTSRC	= 4,
};

enum mp_irq_type {
	MP_INT		= 0,
	MP_NMI		= 1,
	MP_EXTINT	= 3,
};

#define MP_CPU_ENABLED		0x01
#define MP_CPU_BSP		0x02
#define MP_IOAPIC_USABLE	0x01
#define MP_IRQ_CONFORMING	0x0000	/* polarity and trigger of the bus */
#define MP_ALL_LAPICS		0xff
#define MP_ISA_BUS		0

/* CPUID(1) signature (family 6) and features (FPU, APIC), as a hint. */
#define MP_CPU_SIGNATURE	0x600
#define MP_CPU_FEATURES		((1U << 0) | (1U << 9))

struct mpf_intel {
	char signature[4];		/* "_MP_" */
	uint32_t physptr;		/* configuration table */
	uint8_t length;			/* in 16-byte units: 1 */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t feature[5];		/* all 0: table present, virtual wire */
} __attribute__((packed));

struct mpc_table {
	char signature[4];		/* "PCMP" */
	uint16_t length;		/* header and entries */
	uint8_t spec_rev;
	uint8_t checksum;
	char oem_id[8];
	char product_id[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type;
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags;
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type;
	uint8_t bus_id;
	char bus_type[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type;
	uint8_t apic_id;
	uint8_t version;
	uint8_t flags;
	uint32_t addr;
} __attribute__((packed));

/* An I/O (MP_INTSRC) or local (MP_LINTSRC) interrupt assignment. */
struct mpc_irq {
	uint8_t type;
	uint8_t irq_type;
	uint16_t flags;
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;		/* IOAPIC id, or local APIC id / 0xff */
	uint8_t dst_pin;		/* IOAPIC pin, or LINT0/1 */
} __attribute__((packed));

_Static_assert(sizeof(struct mpf_intel) == 16, "MP floating pointer is 16 bytes");
_Static_assert(sizeof(struct mpc_table) == 44, "MP table header is 44 bytes");
_Static_assert(sizeof(struct mpc_cpu) == 20, "processor entry is 20 bytes");
_Static_assert(sizeof(struct mpc_bus) == 8, "bus entry is 8 bytes");
_Static_assert(sizeof(struct mpc_ioapic) == 8, "IOAPIC entry is 8 bytes");
_Static_assert(sizeof(struct mpc_irq) == 8, "interrupt entry is 8 bytes");


struct mp_builder {
	uint8_t *buf;
	size_t len;
	uint16_t entries;
};

static void add(struct mp_builder *b, const void *entry, size_t size)
{
	memcpy(b->buf + b->len, entry, size);
	b->len += size;
	b->entries++;
}

/* The ISA IRQ wired to an IOAPIC pin, or -1 for none. */
static int isa_irq_on_pin(unsigned int pin)
{
	if (pin == X86_PIT_GSI)
		return 0;
	if (pin == 0)
		return -1;	/* IRQ0 went to X86_PIT_GSI instead */
	return (int)pin;
}

static size_t mptable_size(unsigned int nr_cpus)
{
	return sizeof(struct mpf_intel) + sizeof(struct mpc_table) +
	       nr_cpus * sizeof(struct mpc_cpu) + sizeof(struct mpc_bus) +
	       sizeof(struct mpc_ioapic) +
	       (X86_IOAPIC_PINS + 2) * sizeof(struct mpc_irq);
}

static void add_cpus(struct mp_builder *b, unsigned int nr_cpus)
{
	unsigned int i;

	for (i = 0; i < nr_cpus; i++) {
		struct mpc_cpu cpu = {
			.type = MP_PROCESSOR,
			.apic_id = (uint8_t)i,
			.apic_version = X86_LAPIC_VERSION,
			.flags = MP_CPU_ENABLED | (i == 0 ? MP_CPU_BSP : 0),
			.signature = MP_CPU_SIGNATURE,
			.features = MP_CPU_FEATURES,
		};

		add(b, &cpu, sizeof(cpu));
	}
}

static void add_irqs(struct mp_builder *b, uint8_t ioapic_id)
{
	struct mpc_irq irq = {
		.type = MP_INTSRC, .irq_type = MP_INT,
		.flags = MP_IRQ_CONFORMING, .src_bus = MP_ISA_BUS,
		.dst_apic = ioapic_id,
	};
	unsigned int pin;

	for (pin = 0; pin < X86_IOAPIC_PINS; pin++) {
		int src = isa_irq_on_pin(pin);

		if (src < 0)
			continue;
		irq.src_irq = (uint8_t)src;
		irq.dst_pin = (uint8_t)pin;
		add(b, &irq, sizeof(irq));
	}

	/* The PIC's output on the BSP's LINT0, NMI on every LINT1. */
	irq = (struct mpc_irq){
		.type = MP_LINTSRC, .irq_type = MP_EXTINT,
		.flags = MP_IRQ_CONFORMING, .src_bus = MP_ISA_BUS,
		.dst_apic = 0, .dst_pin = 0,
	};
	add(b, &irq, sizeof(irq));
	irq.irq_type = MP_NMI;
	irq.dst_apic = MP_ALL_LAPICS;
	irq.dst_pin = 1;
	add(b, &irq, sizeof(irq));
}

/* Everything after the floating pointer: header and entries. */
static void build_table(struct mp_builder *b, unsigned int nr_cpus)
{
	const uint8_t ioapic_id = (uint8_t)nr_cpus;
	struct mpc_bus bus = { .type = MP_BUS, .bus_id = MP_ISA_BUS };
	struct mpc_ioapic ioapic = {
		.type = MP_IOAPIC, .apic_id = ioapic_id,
		.version = X86_IOAPIC_VERSION, .flags = MP_IOAPIC_USABLE,
		.addr = X86_IOAPIC_ADDR,
	};
	struct mpc_table hdr = {
		.spec_rev = MP_SPEC_REV,
		.lapic_addr = X86_LAPIC_ADDR,
	};
	size_t start = b->len;

	b->len += sizeof(hdr);
	add_cpus(b, nr_cpus);
	memcpy(bus.bus_type, "ISA   ", sizeof(bus.bus_type));
	add(b, &bus, sizeof(bus));
	add(b, &ioapic, sizeof(ioapic));
	add_irqs(b, ioapic_id);

	memcpy(hdr.signature, "PCMP", sizeof(hdr.signature));
	memcpy(hdr.oem_id, "VMM     ", sizeof(hdr.oem_id));
	memcpy(hdr.product_id, "VMM KVM     ", sizeof(hdr.product_id));
	hdr.length = (uint16_t)(b->len - start);
	hdr.entry_count = b->entries;
	memcpy(b->buf + start, &hdr, sizeof(hdr));
	b->buf[start + offsetof(struct mpc_table, checksum)] =
		x86_table_checksum(b->buf + start, hdr.length);
}

int x86_write_mptable(struct guest_memory *mem, unsigned int nr_cpus)
{
	struct mpf_intel mpf = {
		.physptr = (uint32_t)(X86_EBDA_START + sizeof(mpf)),
		.length = sizeof(mpf) / 16,
		.spec_rev = MP_SPEC_REV,
	};
	struct mp_builder b = { .len = sizeof(mpf) };
	size_t size = mptable_size(nr_cpus);
	int err;

	if (nr_cpus == 0)
		return -EINVAL;
	if (nr_cpus > X86_TABLES_MAX_CPUS ||
	    X86_EBDA_START + size > X86_MPTABLE_END)
		return -E2BIG;
	b.buf = calloc(1, size);
	if (!b.buf)
		return -ENOMEM;
	build_table(&b, nr_cpus);

	memcpy(mpf.signature, "_MP_", sizeof(mpf.signature));
	mpf.checksum = x86_table_checksum(&mpf, sizeof(mpf));
	memcpy(b.buf, &mpf, sizeof(mpf));
	err = guest_memory_write(mem, X86_EBDA_START, b.buf, b.len);
	free(b.buf);
	return err;
}
