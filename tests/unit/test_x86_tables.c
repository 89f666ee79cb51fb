// SPDX-License-Identifier: GPL-2.0
/*
 * x86_64 firmware tables read back the way a guest reads them: the MP
 * floating pointer found by Linux's scan and its configuration table
 * walked entry by entry; the RSDP found by the legacy scan of the BIOS
 * area, then XSDT/RSDT, FADT, FACS, MADT and the DSDT's AML; every
 * checksum and length. Then the pvpanic and ACPI PM1 devices, driven the
 * way Linux drives them with what it finds in the tables. If iasl is
 * installed, it disassembles the tables (and recompiles the DSDT) without
 * complaint.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/arch.h"
#include "arch/x86_64/aml.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/tables.h"
#include "devices/acpi_pm.h"
#include "devices/pvpanic.h"
#include "devices/host/bus.h"

#include "tests/helpers.h"

#define MiB (1ULL << 20)

static const unsigned int cpu_counts[] = { 1, 2, 8 };
static struct guest_memory *mem;

static void setup(void)
{
	struct guest_memory_config cfg = { .size = 64 * MiB, .backend = GUEST_MEMORY_PRIVATE };
	struct guest_range r[GUEST_MEMORY_MAX_REGIONS];
	int nr = arch_ram_layout(cfg.size, r, GUEST_MEMORY_MAX_REGIONS);

	ck_assert_int_gt(nr, 0);
	ck_assert_int_eq(guest_memory_create(&cfg, r, (unsigned int)nr, &mem), 0);
}

static void teardown(void)
{
	guest_memory_destroy(mem);
	mem = NULL;
}

static const uint8_t *gptr(uint64_t gpa, uint64_t len)
{
	const uint8_t *p = guest_memory_ptr(mem, gpa, len);

	ck_assert_msg(p != NULL, "%#llx+%llu is not in guest RAM",
		      (unsigned long long)gpa, (unsigned long long)len);
	return p;
}

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* ---- MP table ---- */

/*
 * Linux's smp_scan_config() order: the first KiB, the last KiB of base
 * memory, the BIOS ROM, then the EBDA named by the BDA word at 0x40e.
 * A hit has the signature, length 1 and a zero sum.
 */
static uint64_t find_mpf(void)
{
	uint64_t areas[4][2] = {
		{ 0, 0x400 }, { X86_EBDA_START, 0x400 }, { 0xf0000, 0x10000 },
		{ (uint64_t)get16(gptr(0x40e, 2)) << 4, 0x400 },
	};
	unsigned int i;
	uint64_t off;

	for (i = 0; i < 4; i++) {
		for (off = 0; off < areas[i][1]; off += 16) {
			const uint8_t *p = gptr(areas[i][0] + off, 16);

			if (!memcmp(p, "_MP_", 4) && p[8] == 1 && sum(p, 16) == 0)
				return areas[i][0] + off;
		}
	}
	return 0;
}

enum { MP_CPU, MP_BUS, MP_IOAPIC, MP_INTSRC, MP_LINTSRC, MP_TYPES };
static const unsigned int mp_entry_size[MP_TYPES] = { 20, 8, 8, 8, 8 };

struct mp_seen {
	unsigned int count[MP_TYPES];
	unsigned int entries;
	int isa_irq_pin[X86_IOAPIC_PINS];	/* ISA IRQ -> IOAPIC pin, -1 */
	uint8_t ioapic_id;
};

static void check_mp_cpu(const uint8_t *e, unsigned int index)
{
	ck_assert_uint_eq(e[1], index);				/* APIC id */
	ck_assert_uint_eq(e[2], X86_LAPIC_VERSION);
	ck_assert_uint_eq(e[3] & 1, 1);				/* enabled */
	ck_assert_uint_eq(!!(e[3] & 2), index == 0);		/* BSP */
	ck_assert_uint_eq((get32(e + 4) >> 8) & 0xf, 6);	/* family */
	ck_assert_uint_eq(get32(e + 8) & 0x201, 0x201);		/* FPU, APIC */
}

static void check_mp_entry(const uint8_t *e, struct mp_seen *s)
{
	switch (e[0]) {
	case MP_CPU:
		check_mp_cpu(e, s->count[MP_CPU]);
		break;
	case MP_BUS:
		ck_assert_uint_eq(e[1], 0);
		ck_assert(!memcmp(e + 2, "ISA   ", 6));
		break;
	case MP_IOAPIC:
		s->ioapic_id = e[1];
		ck_assert_uint_eq(e[2], 0x11);
		ck_assert_uint_eq(e[3] & 1, 1);			/* usable */
		ck_assert_uint_eq(get32(e + 4), 0xfec00000);
		break;
	case MP_INTSRC:
		ck_assert_uint_eq(e[1], 0);			/* mp_INT */
		ck_assert_uint_eq(get16(e + 2), 0);		/* conforming */
		ck_assert_uint_eq(e[4], 0);			/* ISA bus */
		ck_assert_uint_eq(e[6], s->ioapic_id);
		ck_assert_uint_lt(e[5], X86_IOAPIC_PINS);
		ck_assert_uint_lt(e[7], X86_IOAPIC_PINS);
		ck_assert_int_eq(s->isa_irq_pin[e[5]], -1);	/* once each */
		s->isa_irq_pin[e[5]] = e[7];
		break;
	case MP_LINTSRC:
		/* ExtINT on the BSP's LINT0 first, then NMI on all LINT1s. */
		if (s->count[MP_LINTSRC] == 0) {
			ck_assert_uint_eq(e[1], 3);
			ck_assert_uint_eq(e[6], 0);
			ck_assert_uint_eq(e[7], 0);
		} else {
			ck_assert_uint_eq(e[1], 1);
			ck_assert_uint_eq(e[6], 0xff);
			ck_assert_uint_eq(e[7], 1);
		}
		break;
	}
	s->count[e[0]]++;
	s->entries++;
}

/* Walks the MP table for nr_cpus; returns the pin IRQ0 is on. */
static int check_mptable(unsigned int nr_cpus)
{
	struct mp_seen s = { .ioapic_id = 0xff };
	uint64_t mpf = find_mpf(), table;
	const uint8_t *f, *t;
	unsigned int irq;
	uint16_t len, off;

	memset(s.isa_irq_pin, -1, sizeof(s.isa_irq_pin));
	ck_assert_uint_eq(mpf, X86_EBDA_START);
	f = gptr(mpf, 16);
	ck_assert_uint_eq(sum(f, 16), 0);
	ck_assert_uint_eq(f[9], 4);				/* spec 1.4 */
	ck_assert_uint_eq(f[11], 0);				/* table present */
	table = get32(f + 4);
	ck_assert_uint_ge(table, X86_EBDA_START + 16);

	t = gptr(table, 44);
	ck_assert(!memcmp(t, "PCMP", 4));
	len = get16(t + 4);
	ck_assert_uint_ge(len, 44);
	ck_assert_uint_le(table + len, X86_MPTABLE_END);
	t = gptr(table, len);
	ck_assert_uint_eq(sum(t, len), 0);
	ck_assert_uint_eq(t[6], 4);
	ck_assert_uint_eq(get32(t + 36), 0xfee00000);		/* LAPIC */

	for (off = 44; off < len; off += mp_entry_size[t[off]]) {
		ck_assert_uint_lt(t[off], MP_TYPES);
		ck_assert_uint_le(off + mp_entry_size[t[off]], len);
		check_mp_entry(t + off, &s);
	}
	ck_assert_uint_eq(off, len);
	ck_assert_uint_eq(get16(t + 34), s.entries);		/* entry count */
	ck_assert_uint_eq(s.count[MP_CPU], nr_cpus);
	ck_assert_uint_eq(s.count[MP_BUS], 1);
	ck_assert_uint_eq(s.count[MP_IOAPIC], 1);
	ck_assert_uint_eq(s.count[MP_LINTSRC], 2);
	ck_assert_uint_eq(s.ioapic_id, nr_cpus);		/* after the CPUs */

	/* IRQ0 on the PIT's pin; every other ISA IRQ but the cascade on its own. */
	ck_assert_int_eq(s.isa_irq_pin[0], X86_PIT_GSI);
	for (irq = 1; irq < X86_IOAPIC_PINS; irq++)
		if (irq != X86_PIT_GSI)
			ck_assert_int_eq(s.isa_irq_pin[irq], irq);
	return s.isa_irq_pin[0];
}

START_TEST(mptable_per_vcpu_count)
{
	unsigned int n = cpu_counts[_i];

	ck_assert_int_eq(x86_write_mptable(mem, n), 0);
	check_mptable(n);
}
END_TEST

START_TEST(mptable_limits)
{
	ck_assert_int_eq(x86_write_mptable(mem, 0), -EINVAL);
	ck_assert_int_eq(x86_write_mptable(mem, X86_TABLES_MAX_CPUS + 1), -E2BIG);
	ck_assert_uint_eq(find_mpf(), 0);	/* nothing written on failure */

	/* The largest table still ends below the ACPI area. */
	ck_assert_int_eq(x86_write_mptable(mem, X86_TABLES_MAX_CPUS), 0);
	check_mptable(X86_TABLES_MAX_CPUS);
}
END_TEST

/* ---- ACPI ---- */

/* The legacy scan (ACPICA's acpi_tb_scan_memory_for_rsdp). */
static uint64_t find_rsdp(void)
{
	uint64_t gpa;

	for (gpa = 0xe0000; gpa < 0x100000; gpa += 16) {
		const uint8_t *p = gptr(gpa, 20);

		if (!memcmp(p, "RSD PTR ", 8) && sum(p, 20) == 0)
			return gpa;
	}
	return 0;
}

struct table {
	uint64_t gpa;
	uint32_t len;
	const uint8_t *p;
};

/* A table the guest reaches through a pointer: in the area, summed. */
static struct table get_sdt(uint64_t gpa, const char *signature)
{
	struct table t = { .gpa = gpa };

	ck_assert_uint_ge(gpa, X86_ACPI_START);
	ck_assert_uint_le(gpa + 36, X86_ACPI_END);
	t.len = get32(gptr(gpa, 36) + 4);
	ck_assert_uint_ge(t.len, 36);
	ck_assert_uint_le(gpa + t.len, X86_ACPI_END);
	t.p = gptr(gpa, t.len);
	ck_assert_msg(!memcmp(t.p, signature, 4), "want %s, got %.4s", signature, t.p);
	ck_assert_msg(sum(t.p, t.len) == 0, "%s checksum", signature);
	ck_assert(!memcmp(t.p + 10, "VMM   ", 6));	/* OEM id */
	return t;
}

struct acpi_set {
	struct table rsdp, xsdt, rsdt, fadt, facs, madt, dsdt;
};

static void check_root_tables(uint64_t rsdp_gpa, struct acpi_set *s)
{
	unsigned int i;

	ck_assert_uint_eq(find_rsdp(), rsdp_gpa);
	s->rsdp = (struct table){ rsdp_gpa, 36, gptr(rsdp_gpa, 36) };
	ck_assert_uint_eq(s->rsdp.p[15], 2);			/* revision */
	ck_assert_uint_eq(get32(s->rsdp.p + 20), 36);		/* length */
	ck_assert_uint_eq(sum(s->rsdp.p, 20), 0);
	ck_assert_uint_eq(sum(s->rsdp.p, 36), 0);
	ck_assert(!memcmp(s->rsdp.p + 9, "VMM   ", 6));

	s->rsdt = get_sdt(get32(s->rsdp.p + 16), "RSDT");
	s->xsdt = get_sdt(get64(s->rsdp.p + 24), "XSDT");
	ck_assert_uint_eq(s->rsdt.len, 36 + 2 * 4);
	ck_assert_uint_eq(s->xsdt.len, 36 + 2 * 8);
	for (i = 0; i < 2; i++) {
		uint64_t gpa = get64(s->xsdt.p + 36 + 8 * i);

		ck_assert_uint_eq(get32(s->rsdt.p + 36 + 4 * i), gpa);
		if (!memcmp(gptr(gpa, 4), "FACP", 4))
			s->fadt = get_sdt(gpa, "FACP");
		else
			s->madt = get_sdt(gpa, "APIC");
	}
	ck_assert_uint_ne(s->fadt.gpa, 0);
	ck_assert_uint_ne(s->madt.gpa, 0);
}

/* FADT field offsets (ACPI 6.5, table 5.9). */
#define FADT_FIRMWARE_CTRL	36
#define FADT_DSDT		40
#define FADT_SCI_INT		46
#define FADT_SMI_CMD		48
#define FADT_PM1A_EVT_BLK	56
#define FADT_PM1B_EVT_BLK	60
#define FADT_PM1A_CNT_BLK	64
#define FADT_PM1B_CNT_BLK	68
#define FADT_PM2_CNT_BLK	72
#define FADT_PM_TMR_BLK		76
#define FADT_GPE0_BLK		80
#define FADT_GPE1_BLK		84
#define FADT_PM1_EVT_LEN	88
#define FADT_PM1_CNT_LEN	89
#define FADT_GPE1_LEN		93
#define FADT_DAY_ALRM		106
#define FADT_MON_ALRM		107
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_X_FIRMWARE_CTRL	132
#define FADT_X_DSDT		140
#define FADT_X_PM1A_EVT_BLK	148
#define FADT_X_PM1A_CNT_BLK	172
#define FADT_SLEEP_CONTROL	244

#define FADT_F_HW_REDUCED	(1U << 20)
#define FADT_F_PWR_BUTTON	(1U << 4)
#define FADT_F_SLP_BUTTON	(1U << 5)
#define FADT_F_RESET_REG_SUP	(1U << 10)

/* A SystemIO register bits wide at bit offset 0; returns its port. */
static uint16_t gas_port(const uint8_t *gas, unsigned int bits)
{
	ck_assert_uint_eq(gas[0], 1);		/* SystemIO */
	ck_assert_uint_eq(gas[1], bits);	/* bit width */
	ck_assert_uint_eq(gas[2], 0);		/* bit offset */
	ck_assert_uint_le(get64(gas + 4), 0xffff);
	return (uint16_t)get64(gas + 4);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return false;
	return true;
}

/*
 * A full FADT, as ACPICA's acpi_tb_convert_fadt() reads it: the required
 * PM1a event and control blocks, their 32-bit and X_ forms agreeing, and
 * none of the optional fixed hardware (its X_ forms zero too).
 */
static void check_fadt_pm(const uint8_t *f)
{
	static const unsigned int absent[] = {
		FADT_PM1B_EVT_BLK, FADT_PM1B_CNT_BLK, FADT_PM2_CNT_BLK,
		FADT_PM_TMR_BLK, FADT_GPE0_BLK, FADT_GPE1_BLK,
	};
	unsigned int i;

	ck_assert_uint_eq(get32(f + FADT_FLAGS) & FADT_F_HW_REDUCED, 0);
	ck_assert_uint_eq(get16(f + FADT_SCI_INT), X86_SCI_IRQ);
	ck_assert_uint_eq(get32(f + FADT_SMI_CMD), 0);	/* ACPI mode already */
	ck_assert_uint_eq(get32(f + FADT_PM1A_EVT_BLK), X86_ACPI_PM_PORT + ACPI_PM1_STATUS);
	ck_assert_uint_eq(f[FADT_PM1_EVT_LEN], 4);
	ck_assert_uint_eq(get32(f + FADT_PM1A_CNT_BLK), X86_ACPI_PM_PORT + ACPI_PM1_CONTROL);
	ck_assert_uint_eq(f[FADT_PM1_CNT_LEN], 2);
	ck_assert_uint_eq(gas_port(f + FADT_X_PM1A_EVT_BLK, 32),
			  get32(f + FADT_PM1A_EVT_BLK));
	ck_assert_uint_eq(gas_port(f + FADT_X_PM1A_CNT_BLK, 16),
			  get32(f + FADT_PM1A_CNT_BLK));
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		ck_assert_uint_eq(get32(f + absent[i]), 0);
	ck_assert(all_zero(f + FADT_PM1_CNT_LEN + 1, FADT_GPE1_LEN - FADT_PM1_CNT_LEN));
	ck_assert(all_zero(f + FADT_X_PM1A_EVT_BLK + 12, 12));		/* X_PM1b_EVT */
	ck_assert(all_zero(f + FADT_X_PM1A_CNT_BLK + 12, 5 * 12));	/* X_PM1b_CNT.. */
	/* The sleep registers are for hardware-reduced machines only. */
	ck_assert(all_zero(f + FADT_SLEEP_CONTROL, 2 * 12));	/* and STATUS */
}

/* The FACS: 64 bytes, 64-byte aligned, in the area; no checksum. */
static struct table get_facs(uint64_t gpa)
{
	struct table t = { .gpa = gpa, .len = 64 };

	ck_assert_uint_eq(gpa & 63, 0);
	ck_assert_uint_ge(gpa, X86_ACPI_START);
	ck_assert_uint_le(gpa + 64, X86_ACPI_END);
	t.p = gptr(gpa, 64);
	ck_assert(!memcmp(t.p, "FACS", 4));
	ck_assert_uint_eq(get32(t.p + 4), 64);
	ck_assert_uint_eq(get32(t.p + 12), 0);		/* no waking vector */
	ck_assert_uint_eq(get32(t.p + 16), 0);		/* global lock free */
	ck_assert_uint_eq(t.p[32], 2);			/* version */
	return t;
}

static void check_fadt(struct acpi_set *s)
{
	const uint8_t *f = s->fadt.p;
	uint32_t flags = get32(f + FADT_FLAGS);

	ck_assert_uint_eq(s->fadt.len, 276);
	ck_assert_uint_eq(f[8], 6);				/* revision */
	check_fadt_pm(f);
	/* No fixed buttons; the reset register is the i8042's. */
	ck_assert_uint_eq(flags & (FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON),
			  FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON);
	ck_assert_uint_eq(flags & FADT_F_RESET_REG_SUP, FADT_F_RESET_REG_SUP);
	ck_assert_uint_eq(gas_port(f + FADT_RESET_REG, 8), 0x64);
	ck_assert_uint_eq(f[FADT_RESET_VALUE], 0xfe);
	/*
	 * IAPC_BOOT_ARCH: no legacy devices, no i8042, no VGA; a CMOS RTC
	 * (bit 5 clear) with its century at 0x32, no day or month alarm.
	 */
	ck_assert_uint_eq(get16(f + FADT_IAPC_BOOT_ARCH), 1U << 2);
	ck_assert_uint_eq(f[FADT_CENTURY], 0x32);
	ck_assert_uint_eq(f[FADT_DAY_ALRM], 0);
	ck_assert_uint_eq(f[FADT_MON_ALRM], 0);

	ck_assert_uint_eq(get32(f + FADT_DSDT), get64(f + FADT_X_DSDT));
	s->dsdt = get_sdt(get64(f + FADT_X_DSDT), "DSDT");
	ck_assert_uint_eq(get64(f + FADT_X_FIRMWARE_CTRL), 0);	/* one of the two */
	s->facs = get_facs(get32(f + FADT_FIRMWARE_CTRL));
}

/* The SCI's override: ISA IRQ X86_SCI_IRQ, level, active high. */
static void check_sci_override(const uint8_t *e)
{
	ck_assert_uint_eq(get32(e + 4), X86_SCI_IRQ);		/* GSI */
	ck_assert_uint_eq(get16(e + 8), 0x000d);
}

/* Walks the MADT for nr_cpus; returns the GSI IRQ0 is on. */
static int check_madt(const struct table *t, unsigned int nr_cpus)
{
	unsigned int lapics = 0, ioapics = 0, nmis = 0, off;
	int irq0_gsi = 0, irq0_overrides = 0, sci_overrides = 0;

	ck_assert_uint_eq(get32(t->p + 36), 0xfee00000);
	ck_assert_uint_eq(get32(t->p + 40) & 1, 1);		/* PCAT_COMPAT */
	for (off = 44; off < t->len; off += t->p[off + 1]) {
		const uint8_t *e = t->p + off;

		ck_assert_uint_ge(e[1], 2);
		ck_assert_uint_le(off + e[1], t->len);
		switch (e[0]) {
		case 0:		/* processor local APIC */
			ck_assert_uint_eq(e[1], 8);
			ck_assert_uint_eq(e[2], lapics);	/* UID */
			ck_assert_uint_eq(e[3], lapics);	/* APIC id */
			ck_assert_uint_eq(get32(e + 4) & 1, 1);	/* enabled */
			lapics++;
			break;
		case 1:		/* IOAPIC */
			ck_assert_uint_eq(e[1], 12);
			ck_assert_uint_ge(e[2], nr_cpus);	/* not a LAPIC id */
			ck_assert_uint_eq(get32(e + 4), 0xfec00000);
			ck_assert_uint_eq(get32(e + 8), 0);	/* GSI base */
			ioapics++;
			break;
		case 2:		/* interrupt source override */
			ck_assert_uint_eq(e[1], 10);
			ck_assert_uint_eq(e[2], 0);		/* ISA */
			if (e[3] == 0) {
				irq0_gsi = (int)get32(e + 4);
				irq0_overrides++;
			} else {
				ck_assert_uint_eq(e[3], X86_SCI_IRQ);
				check_sci_override(e);
				sci_overrides++;
			}
			break;
		case 4:		/* local APIC NMI */
			ck_assert_uint_eq(e[1], 6);
			ck_assert_uint_eq(e[5], 1);		/* LINT1 */
			nmis++;
			break;
		default:
			ck_abort_msg("unexpected MADT entry type %u", e[0]);
		}
	}
	ck_assert_uint_eq(off, t->len);
	ck_assert_uint_eq(lapics, nr_cpus);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(nmis, 1);
	ck_assert_int_eq(irq0_overrides, 1);
	ck_assert_int_eq(sci_overrides, 1);
	ck_assert_int_eq(irq0_gsi, X86_PIT_GSI);
	return irq0_gsi;
}

/* An AML integer (ZeroOp, OneOp, Byte/Word/DWordPrefix). */
static uint64_t aml_integer_at(const uint8_t *p)
{
	switch (p[0]) {
	case 0x00: return 0;
	case 0x01: return 1;
	case 0x0a: return p[1];
	case 0x0b: return get16(p + 1);
	case 0x0c: return get32(p + 1);
	}
	ck_abort_msg("not an AML integer: opcode %#x", p[0]);
	return 0;
}

static const uint8_t *find(const struct table *t, const void *what, size_t len)
{
	const uint8_t *p = memmem(t->p + 36, t->len - 36, what, len);

	ck_assert_msg(p != NULL, "%.4s has no %.*s", t->p, (int)len, (const char *)what);
	return p;
}

/* Name (_S5_, Package (n) { SLP_TYP, ... }): returns SLP_TYP. */
static unsigned int dsdt_s5(const struct table *dsdt)
{
	const uint8_t *p = find(dsdt, "\x08_S5_", 5) + 5;

	ck_assert_uint_eq(p[0], 0x12);				/* PackageOp */
	p += 1 + 1 + (p[1] >> 6);				/* PkgLength */
	ck_assert_uint_ge(p[0], 1);				/* elements */
	return (unsigned int)aml_integer_at(p + 1);
}

/* The pvpanic device's _CRS: returns its single I/O port. */
static uint16_t dsdt_pvpanic_port(const struct table *dsdt)
{
	const uint8_t *hid = find(dsdt, "\x0dQEMU0001", 10);
	const uint8_t *io = memmem(hid, (size_t)(dsdt->p + dsdt->len - hid), "\x08_CRS\x11", 6);

	ck_assert_msg(io != NULL, "QEMU0001 has no _CRS buffer");
	ck_assert_uint_ge(dsdt->p + dsdt->len - io, 6 + 3 + 8 + 2);
	io = memchr(io + 6, 0x47, 3 + 1);	/* after PkgLength, BufferSize */
	ck_assert_msg(io != NULL, "_CRS has no IO descriptor");
	ck_assert_uint_eq(io[1] & 1, 1);			/* 16-bit decode */
	ck_assert_uint_eq(get16(io + 2), get16(io + 4));	/* fixed */
	ck_assert_uint_eq(io[7], 1);				/* length */
	ck_assert_uint_eq(io[8], 0x79);				/* end tag */
	ck_assert(io[9] == 0 || sum(io, 10) == 0);		/* its checksum */
	return get16(io + 2);
}

/*
 * The CMOS RTC: PNP0B00 with ports 0x70-0x71 and an edge-triggered,
 * active-high IRQ 8, in that order, then the end tag.
 */
static void check_dsdt_rtc(const struct table *dsdt)
{
	static const uint8_t crs[] = {
		0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02,	/* IO */
		0x89, 0x06, 0x00, 0x03, 0x01, 0x08, 0x00, 0x00, 0x00, /* IRQ 8 */
		0x79,						/* end tag */
	};
	const uint8_t *hid = find(dsdt, "\x0dPNP0B00", 9);

	ck_assert_ptr_nonnull(memmem(hid, (size_t)(dsdt->p + dsdt->len - hid), crs, sizeof(crs)));
}

static void check_dsdt(const struct table *dsdt)
{
	static const uint8_t io_0x505[] = { 0x47, 0x01, 0x05, 0x05, 0x05, 0x05, 0x01, 0x01 };

	ck_assert_uint_eq(dsdt->p[8], 2);			/* 64-bit AML */
	ck_assert_uint_eq(dsdt_s5(dsdt), ACPI_SLEEP_TYP_S5);
	ck_assert_uint_eq(dsdt_pvpanic_port(dsdt), 0x505);
	find(dsdt, io_0x505, sizeof(io_0x505));
	check_dsdt_rtc(dsdt);
	find(dsdt, "\x5b\x82", 2);				/* DeviceOp */
}

/* Nothing overlaps: the RSDP and each table have their own bytes. */
static void check_disjoint(const struct acpi_set *s)
{
	const struct table *t[] = {
		&s->rsdp, &s->xsdt, &s->rsdt, &s->fadt, &s->facs, &s->madt, &s->dsdt,
	};
	const unsigned int n = sizeof(t) / sizeof(t[0]);
	unsigned int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			ck_assert_msg(t[i]->gpa + t[i]->len <= t[j]->gpa ||
				      t[j]->gpa + t[j]->len <= t[i]->gpa,
				      "ACPI tables %u and %u overlap", i, j);
}

static void read_acpi(unsigned int nr_cpus, struct acpi_set *s)
{
	uint64_t rsdp = 0;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(x86_write_acpi(mem, nr_cpus, NULL, 0, &rsdp), 0);
	ck_assert_uint_eq(rsdp & 15, 0);
	check_root_tables(rsdp, s);
	check_fadt(s);
	check_dsdt(&s->dsdt);
	check_madt(&s->madt, nr_cpus);
	check_disjoint(s);
}

START_TEST(acpi_per_vcpu_count)
{
	struct acpi_set s;

	read_acpi(cpu_counts[_i], &s);
}
END_TEST

/* How many times [what, what + len) occurs in the ACPI area. */
static unsigned int count_in_acpi_area(const void *what, size_t len)
{
	const uint8_t *p = guest_memory_ptr(mem, X86_ACPI_START, X86_ACPI_END - X86_ACPI_START);
	size_t i, n = 0;

	for (i = 0; i + len <= X86_ACPI_END - X86_ACPI_START; i++)
		n += !memcmp(p + i, what, len);
	return (unsigned int)n;
}

START_TEST(dsdt_describes_virtio_devices)
{
	const struct x86_mmio_device devs[] = {
		{ .base = 0xd0000000, .len = 0x1000, .gsi = 5 },
		{ .base = 0xd0001000, .len = 0x1000, .gsi = 6 },
	};
	/* Memory32Fixed (ReadWrite, 0xd0001000, 0x1000) */
	const uint8_t mem32[] = { 0x86, 0x09, 0x00, 0x01, 0x00, 0x10, 0x00, 0xd0,
				  0x00, 0x10, 0x00, 0x00 };
	/* Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive) { 6 } */
	const uint8_t irq[] = { 0x89, 0x06, 0x00, 0x03, 0x01, 0x06, 0x00, 0x00, 0x00 };
	struct acpi_set s;
	uint64_t rsdp;

	read_acpi(1, &s);
	ck_assert_uint_eq(count_in_acpi_area("LNRO0005", 8), 0);
	ck_assert_int_eq(x86_write_acpi(mem, 1, devs, 2, &rsdp), 0);
	ck_assert_uint_eq(count_in_acpi_area("LNRO0005", 8), 2);
	ck_assert_uint_eq(count_in_acpi_area("VR01", 4), 1);
	ck_assert_uint_eq(count_in_acpi_area(mem32, sizeof(mem32)), 1);
	ck_assert_uint_eq(count_in_acpi_area(irq, sizeof(irq)), 1);
	ck_assert_int_eq(x86_write_acpi(mem, 1, devs, X86_ACPI_MAX_MMIO_DEVICES + 1, &rsdp), -E2BIG);
}
END_TEST

START_TEST(acpi_limits)
{
	uint64_t rsdp = 0;
	struct acpi_set s;

	ck_assert_int_eq(x86_write_acpi(mem, 0, NULL, 0, &rsdp), -EINVAL);
	ck_assert_int_eq(x86_write_acpi(mem, X86_TABLES_MAX_CPUS + 1, NULL, 0, &rsdp), -E2BIG);
	ck_assert_uint_eq(find_rsdp(), 0);
	read_acpi(X86_TABLES_MAX_CPUS, &s);
}
END_TEST

/* Both tables in one guest: neither clobbers the other, IRQ0 agrees. */
START_TEST(mptable_and_acpi_agree)
{
	struct acpi_set s;
	int mp_pin;

	ck_assert_int_eq(x86_write_mptable(mem, X86_TABLES_MAX_CPUS), 0);
	read_acpi(X86_TABLES_MAX_CPUS, &s);
	mp_pin = check_mptable(X86_TABLES_MAX_CPUS);
	ck_assert_int_eq(check_madt(&s.madt, X86_TABLES_MAX_CPUS), mp_pin);
}
END_TEST

/* ---- the AML encoder's PkgLength forms and errors ---- */

/* PkgLength as ACPI 20.2.4 defines it; *used gets its size in bytes. */
static size_t decode_pkg_length(const uint8_t *p, unsigned int *used)
{
	unsigned int n = p[0] >> 6, i;
	size_t len;

	*used = n + 1;
	if (n == 0)
		return p[0] & 0x3f;
	ck_assert_uint_eq(p[0] & 0x30, 0);	/* reserved bits */
	len = p[0] & 0x0f;
	for (i = 1; i <= n; i++)
		len |= (size_t)p[i] << (4 + 8 * (i - 1));
	return len;
}

START_TEST(aml_pkg_length_forms)
{
	/* Buffer sizes either side of the 1/2, 2/3 byte PkgLength limits. */
	static const size_t sizes[] = { 60, 61, 4090, 4091, 70000 };
	static const unsigned int want_bytes[] = { 1, 2, 2, 3, 3 };
	static uint8_t out[1 << 17], data[70000];
	unsigned int i, used;
	struct aml a;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int len;

		aml_init(&a, out, sizeof(out));
		aml_buffer(&a, data, sizes[i]);
		len = aml_finish(&a);
		ck_assert_int_gt(len, 0);
		ck_assert_uint_eq(out[0], 0x11);			/* BufferOp */
		ck_assert_uint_eq(decode_pkg_length(out + 1, &used), (size_t)len - 1);
		ck_assert_uint_eq(used, want_bytes[i]);
		ck_assert_uint_eq(aml_integer_at(out + 1 + used), sizes[i]);
	}
}
END_TEST

START_TEST(aml_errors_are_sticky)
{
	uint8_t out[8];
	size_t len_at_error;
	struct aml a;

	aml_init(&a, out, sizeof(out));
	aml_string(&a, "QEMU0001");			/* 10 bytes */
	ck_assert_int_eq(aml_finish(&a), -ENOSPC);
	len_at_error = a.len;
	aml_integer(&a, 0);				/* would fit: ignored */
	ck_assert_int_eq(aml_finish(&a), -ENOSPC);
	ck_assert_uint_eq(a.len, len_at_error);

	aml_init(&a, out, sizeof(out));
	aml_name(&a, "PEVTX");				/* five characters */
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	aml_init(&a, out, sizeof(out));
	aml_name(&a, "pevt");				/* lower case */
	ck_assert_int_eq(aml_finish(&a), -EINVAL);
	aml_init(&a, out, sizeof(out));
	aml_name(&a, "_S5");				/* padded */
	ck_assert_int_eq(aml_finish(&a), 5);
	ck_assert(!memcmp(out, "\x08_S5_", 5));
}
END_TEST

/* ---- devices, driven as Linux drives them ---- */

struct stop_log {
	unsigned int calls;
	int status;
	const char *reason;
};

static void record_stop(void *ctx, int status, const char *reason)
{
	struct stop_log *log = ctx;

	log->calls++;
	log->status = status;
	log->reason = reason;
}

static uint8_t pio_read(struct bus *bus, uint16_t port)
{
	uint8_t v = 0;

	ck_assert_int_eq(bus_access(bus, port, &v, 1, false), 0);
	return v;
}

static void pio_write(struct bus *bus, uint16_t port, uint8_t v)
{
	ck_assert_int_eq(bus_access(bus, port, &v, 1, true), 0);
}

START_TEST(pvpanic_ends_the_vm_on_panic_only)
{
	static struct bus bus;
	struct stop_log log = { 0 };
	struct power_device p = { .stop = record_stop, .ctx = &log };
	struct acpi_set s;
	uint16_t port;

	read_acpi(1, &s);
	port = dsdt_pvpanic_port(&s.dsdt);
	bus_init(&bus, "pio");
	ck_assert_int_eq(bus_add(&bus, X86_PVPANIC_PORT, PVPANIC_LEN, &pvpanic_ops, &p), 0);

	/* pvpanic_mmio_probe(): capability &= ioread8(base) */
	ck_assert_uint_eq(pio_read(&bus, port), 0x03);
	pio_write(&bus, port, 0x02);		/* crash kernel loaded */
	pio_write(&bus, port, 0x00);
	pio_write(&bus, port, 0x04);
	ck_assert_uint_eq(log.calls, 0);
	pio_write(&bus, port, 0x01);		/* panicked */
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_int_eq(log.status, 3);
	ck_assert_str_eq(log.reason, "guest kernel panicked (pvpanic)");
	pio_write(&bus, port, 0x03);
	ck_assert_uint_eq(log.calls, 2);
	ck_assert_int_eq(log.status, 3);
}
END_TEST

static uint16_t pio_read16(struct bus *bus, uint16_t port)
{
	uint8_t v[2] = { 0 };

	ck_assert_int_eq(bus_access(bus, port, v, 2, false), 0);
	return (uint16_t)(v[0] | v[1] << 8);
}

static void pio_write16(struct bus *bus, uint16_t port, uint16_t value)
{
	uint8_t v[2] = { (uint8_t)value, (uint8_t)(value >> 8) };

	ck_assert_int_eq(bus_access(bus, port, v, 2, true), 0);
}

/* The PM1a registers the FADT names, on a bus holding the device. */
struct pm1 {
	uint16_t sts, en, cnt;
	unsigned int s5;
};

static void pm1_setup(struct bus *bus, struct acpi_pm *pm, struct pm1 *r)
{
	struct acpi_set s;
	uint16_t evt;

	read_acpi(2, &s);
	evt = (uint16_t)get32(s.fadt.p + FADT_PM1A_EVT_BLK);
	/* ACPICA: status, then enable, each PM1_EVT_LEN / 2 bytes */
	r->sts = evt;
	r->en = (uint16_t)(evt + s.fadt.p[FADT_PM1_EVT_LEN] / 2);
	r->cnt = (uint16_t)get32(s.fadt.p + FADT_PM1A_CNT_BLK);
	r->s5 = dsdt_s5(&s.dsdt);
	ck_assert_uint_lt(r->s5, 8);				/* 3-bit SLP_TYP */
	bus_init(bus, "pio");
	ck_assert_int_eq(bus_add(bus, X86_ACPI_PM_PORT, ACPI_PM_LEN, &acpi_pm_ops, pm), 0);
}

START_TEST(acpi_pm1_powers_off_on_s5_only)
{
	static struct bus bus;
	struct stop_log log = { 0 };
	struct power_device p = { .stop = record_stop, .ctx = &log };
	struct acpi_pm pm = { .power = &p };
	uint16_t cnt;
	struct pm1 r;

	pm1_setup(&bus, &pm, &r);
	ck_assert_uint_eq(pio_read16(&bus, r.sts), 0x8000);	/* WAK_STS */
	ck_assert_uint_eq(pio_read16(&bus, r.cnt), 0x0001);	/* SCI_EN */
	pio_write16(&bus, r.cnt, (uint16_t)(1 | r.s5 << 10));	/* no SLP_EN */
	pio_write16(&bus, r.cnt, 1 | 1 << 13 | 3 << 10);	/* S3 */
	pio_write16(&bus, r.cnt, 1 << 13);			/* S0 */
	pio_write16(&bus, r.sts, (uint16_t)(1 << 13 | r.s5 << 10));
	pio_write16(&bus, r.en, (uint16_t)(1 << 13 | r.s5 << 10));
	pio_write(&bus, r.cnt, 0xff);				/* low byte only */
	ck_assert_uint_eq(log.calls, 0);

	/*
	 * acpi_hw_legacy_sleep(): clear WAK_STS and the fixed status bits,
	 * then PM1_CNT with SLP_TYP, then with SLP_TYP | SLP_EN; the
	 * preserved bits (SCI_EN) are written back as read.
	 */
	pio_write16(&bus, r.sts, 0x8000);
	pio_write16(&bus, r.sts, 0x8731);
	cnt = (uint16_t)((pio_read16(&bus, r.cnt) & ~(7U << 10 | 1U << 13)) | r.s5 << 10);
	pio_write16(&bus, r.cnt, cnt);
	ck_assert_uint_eq(log.calls, 0);
	pio_write16(&bus, r.cnt, (uint16_t)(cnt | 1 << 13));
	ck_assert_uint_eq(log.calls, 1);
	ck_assert_int_eq(log.status, 0);
	ck_assert_str_eq(log.reason, "guest powered off (ACPI S5)");

	/* The high byte alone, as a byte-wide access, does the same. */
	pio_write(&bus, (uint16_t)(r.cnt + 1), (uint8_t)(1 << 5 | r.s5 << 2));
	ck_assert_uint_eq(log.calls, 2);
}
END_TEST

/* acpi_enable_event() checks that an enable bit sticks (GBL_EN at init). */
START_TEST(acpi_pm1_enable_sticks)
{
	static struct bus bus;
	struct stop_log log = { 0 };
	struct power_device p = { .stop = record_stop, .ctx = &log };
	struct acpi_pm pm = { .power = &p };
	uint8_t four[4];
	struct pm1 r;

	pm1_setup(&bus, &pm, &r);
	ck_assert_uint_eq(pio_read16(&bus, r.en), 0);
	pio_write16(&bus, r.en, pio_read16(&bus, r.en) | 0x0020);	/* GBL_EN */
	ck_assert_uint_eq(pio_read16(&bus, r.en), 0x0020);
	pio_write(&bus, (uint16_t)(r.en + 1), 0x01);			/* PWRBTN_EN */
	ck_assert_uint_eq(pio_read16(&bus, r.en), 0x0120);
	pio_write16(&bus, r.en, 0);
	ck_assert_uint_eq(pio_read16(&bus, r.en), 0);
	pio_write16(&bus, r.en, 0x0020);

	/* One 32-bit access to the whole event block: status, then enable. */
	ck_assert_int_eq(bus_access(&bus, r.sts, four, 4, false), 0);
	ck_assert_uint_eq(get32(four), 0x00208000);
	/* Past the last register: not the device's. */
	ck_assert_int_eq(bus_access(&bus, (uint16_t)(r.cnt + 2), four, 1, false), -ENODEV);
	ck_assert_uint_eq(log.calls, 0);
}
END_TEST

/* Nothing pulses the SCI's line: it is no device's IRQ. */
START_TEST(sci_irq_is_free)
{
	unsigned int i, irq;
	uint64_t base;

	ck_assert_uint_ne(X86_SCI_IRQ, 0);			/* PIT */
	ck_assert_uint_ne(X86_SCI_IRQ, 2);			/* cascade */
	ck_assert_uint_ne(X86_SCI_IRQ, 4);			/* COM1 */
	ck_assert_uint_ne(X86_SCI_IRQ, X86_PIT_GSI);
	for (i = 0; arch_virtio_slot(i, &base, &irq) == 0; i++)
		ck_assert_uint_ne(irq, X86_SCI_IRQ);
	ck_assert_uint_gt(i, 0);
}
END_TEST

/* ---- iasl ---- */

static char tmpdir[64];

static void dump(const struct table *t, const char *name)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", tmpdir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(t->p, 1, t->len, f), t->len);
	ck_assert_int_eq(fclose(f), 0);
}

/* The whole of a file iasl wrote, or "" if it is not there. */
static char *slurp(const char *name)
{
	char path[128], *buf;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	buf = calloc(1, 1 << 20);
	ck_assert_ptr_nonnull(buf);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, (1 << 20) - 1, f);
		fclose(f);
	}
	buf[n] = 0;
	return buf;
}

static int run(const char *cmd)
{
	char line[512];

	snprintf(line, sizeof(line), "cd %s && %s", tmpdir, cmd);
	return system(line);
}

/* iasl -d: exit 0 and no warning, error or bad checksum anywhere. */
static void disassemble(const char *name, const char *expect)
{
	static const char *const complaints[] = {
		"Warning", "Error", "Incorrect", "Invalid", "could not", "Could not",
	};
	char cmd[128], file[64];
	char *log, *dsl;
	unsigned int i;

	snprintf(cmd, sizeof(cmd), "iasl -d %s.dat >%s.log 2>&1", name, name);
	ck_assert_msg(run(cmd) == 0, "iasl -d %s.dat failed", name);
	snprintf(file, sizeof(file), "%s.log", name);
	log = slurp(file);
	snprintf(file, sizeof(file), "%s.dsl", name);
	dsl = slurp(file);
	for (i = 0; i < sizeof(complaints) / sizeof(complaints[0]); i++) {
		ck_assert_msg(!strstr(log, complaints[i]), "iasl on %s: %s", name, log);
		ck_assert_msg(!strstr(dsl, complaints[i]), "iasl on %s: %s", name, dsl);
	}
	ck_assert_msg(strstr(dsl, expect), "%s.dsl lacks '%s'", name, expect);
	free(log);
	free(dsl);
}

START_TEST(iasl_accepts_the_tables)
{
	struct acpi_set s;
	char *log;

	if (system("command -v iasl >/dev/null 2>&1") != 0) {
		printf("SKIP iasl_accepts_the_tables: iasl not installed (Debian: acpica-tools)\n");
		return;
	}
	read_acpi(2, &s);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vmm-acpi-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	dump(&s.dsdt, "dsdt");
	dump(&s.fadt, "facp");
	dump(&s.facs, "facs");
	dump(&s.madt, "apic");
	dump(&s.xsdt, "xsdt");
	dump(&s.rsdt, "rsdt");

	disassemble("dsdt", "\"QEMU0001\"");
	disassemble("dsdt", "\"PNP0B00\"");
	disassemble("facp", "RTC Century Index : 32");
	disassemble("facp", "Hardware Reduced (V5) : 0");
	disassemble("facs", "Signature : \"FACS\"");
	disassemble("apic", "Local Apic ID : 01");
	disassemble("xsdt", "ACPI Table Address   1");
	disassemble("rsdt", "ACPI Table Address   1");

	/* What iasl disassembled compiles back without a complaint. */
	ck_assert_msg(run("iasl -p recompiled dsdt.dsl >recompile.log 2>&1") == 0,
		      "iasl could not recompile the disassembled DSDT");
	log = slurp("recompile.log");
	ck_assert_msg(strstr(log, "0 Errors, 0 Warnings"), "%s", log);
	free(log);
	run("rm -f *.dat *.dsl *.log *.aml");
	rmdir(tmpdir);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("tables");
	unsigned int n = sizeof(cpu_counts) / sizeof(cpu_counts[0]);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, mptable_per_vcpu_count, 0, (int)n);
	tcase_add_test(tc, mptable_limits);
	tcase_add_loop_test(tc, acpi_per_vcpu_count, 0, (int)n);
	tcase_add_test(tc, acpi_limits);
	tcase_add_test(tc, dsdt_describes_virtio_devices);
	tcase_add_test(tc, mptable_and_acpi_agree);
	tcase_add_test(tc, aml_pkg_length_forms);
	tcase_add_test(tc, aml_errors_are_sticky);
	tcase_add_test(tc, pvpanic_ends_the_vm_on_panic_only);
	tcase_add_test(tc, acpi_pm1_powers_off_on_s5_only);
	tcase_add_test(tc, acpi_pm1_enable_sticks);
	tcase_add_test(tc, sci_irq_is_free);
	tcase_add_test(tc, iasl_accepts_the_tables);
	return run_tcase("x86_tables", tc);
}
