// SPDX-License-Identifier: GPL-2.0
/*
 * An ACPI table set with a full FADT (ACPI 6.5, chapter 5): RSDP at the
 * start of the BIOS area, then FACS (64-byte aligned), DSDT, FADT, MADT,
 * RSDT and XSDT, each 16-byte aligned. Each table is built in a host
 * buffer, summed and copied into guest RAM.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/aml.h"
#include "arch/x86_64/tables.h"
#include "devices/acpi_pm.h"
#include "devices/pvpanic.h"
#include "devices/rtc_cmos.h"

#define ACPI_OEM_ID		"VMM   "
#define ACPI_CREATOR_ID		"VMM "
#define ACPI_HYPERVISOR_ID	"VMM KVM "

/* Where platform.c puts the i8042 reset line, and its reset command. */
#define I8042_COMMAND_PORT	0x64
#define I8042_RESET		0xfe

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];		/* "RSD PTR " */
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;		/* 2: XSDT and extended checksum */
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;		/* of all 36 bytes */
	uint8_t reserved[3];
} __attribute__((packed));

/* Generic Address Structure (ACPI 5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define ACPI_SPACE_IO		1
#define ACPI_ACCESS_BYTE	1
#define ACPI_ACCESS_WORD	2

/* Firmware ACPI Control Structure (ACPI 5.2.10): no header, no checksum. */
struct acpi_facs {
	char signature[4];		/* "FACS" */
	uint32_t length;
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version;
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} __attribute__((packed));

#define FACS_VERSION		2
#define FACS_ALIGN		64

struct acpi_fadt {
	struct acpi_header hdr;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control;
	struct acpi_gas sleep_status;
	char hypervisor_id[8];
} __attribute__((packed));

#define FADT_REVISION		6
#define FADT_MINOR_REVISION	5
#define FADT_F_WBINVD		(1U << 0)	/* WBINVD works */
#define FADT_F_PROC_C1		(1U << 2)	/* C1 (hlt) on every CPU */
#define FADT_F_PWR_BUTTON	(1U << 4)	/* no fixed power button */
#define FADT_F_SLP_BUTTON	(1U << 5)	/* no fixed sleep button */
#define FADT_F_FIX_RTC		(1U << 6)	/* no RTC wake in PM1 */
#define FADT_F_RESET_REG_SUP	(1U << 10)
/* IAPC_BOOT_ARCH: LEGACY_DEVICES and 8042 (bits 0, 1) clear. */
#define FADT_IAPC_NO_VGA	(1U << 2)

struct acpi_madt {
	struct acpi_header hdr;
	uint32_t lapic_addr;
	uint32_t flags;
} __attribute__((packed));

#define MADT_REVISION		5
#define MADT_PCAT_COMPAT	1	/* there are 8259 PICs (KVM's) */

enum madt_type {
	MADT_LAPIC		= 0,
	MADT_IOAPIC		= 1,
	MADT_IRQ_OVERRIDE	= 2,
	MADT_LAPIC_NMI		= 4,
};

struct madt_lapic {
	uint8_t type, length, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, length, id, reserved;
	uint32_t addr;
	uint32_t gsi_base;
} __attribute__((packed));

struct madt_irq_override {
	uint8_t type, length, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

struct madt_lapic_nmi {
	uint8_t type, length, uid;
	uint16_t flags;
	uint8_t lint;
} __attribute__((packed));

#define MADT_LAPIC_ENABLED	1
#define MADT_ALL_CPUS		0xff
#define MADT_CONFORMING		0
#define MADT_ACTIVE_HIGH	1		/* polarity, bits 1-0 */
#define MADT_LEVEL		(3 << 2)	/* trigger mode, bits 3-2 */

_Static_assert(sizeof(struct acpi_header) == 36, "SDT header is 36 bytes");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP 2.0 is 36 bytes");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS is 12 bytes");
_Static_assert(sizeof(struct acpi_facs) == 64, "FACS is 64 bytes");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT 6.x is 276 bytes");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT local APIC is 8 bytes");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT IOAPIC is 12 bytes");
_Static_assert(sizeof(struct madt_irq_override) == 10, "MADT override is 10 bytes");
_Static_assert(sizeof(struct madt_lapic_nmi) == 6, "MADT LAPIC NMI is 6 bytes");
_Static_assert(ACPI_PM1_ENABLE - ACPI_PM1_STATUS == ACPI_PM1_EVT_LEN / 2,
	       "PM1_EN follows PM1_STS in the PM1 event block");
_Static_assert(X86_SCI_IRQ < 16 && X86_SCI_IRQ != 2,
	       "the SCI is an ISA IRQ (there is an 8259) other than the cascade");

#define MADT_MAX	(sizeof(struct acpi_madt) + \
			 X86_TABLES_MAX_CPUS * sizeof(struct madt_lapic) + \
			 sizeof(struct madt_ioapic) + \
			 2 * sizeof(struct madt_irq_override) + \
			 sizeof(struct madt_lapic_nmi))
#define DSDT_MAX	2048


/* The BIOS area being filled: tables go at next, 16-byte aligned. */
struct acpi_area {
	struct guest_memory *mem;
	uint64_t next;
};

/* Places len bytes at the next multiple of align (a power of two). */
static int place_aligned(struct acpi_area *area, const void *data, size_t len,
			 uint64_t align, uint64_t *gpa)
{
	uint64_t at = (area->next + align - 1) & ~(align - 1);

	if (at > X86_ACPI_END || len > X86_ACPI_END - at)
		return -E2BIG;
	*gpa = at;
	area->next = (at + len + 15) & ~15ULL;
	return guest_memory_write(area->mem, *gpa, data, len);
}

static int place(struct acpi_area *area, const void *data, size_t len,
		 uint64_t *gpa)
{
	return place_aligned(area, data, len, 16, gpa);
}

/* Fills the header of the table in buf (len bytes), sums it, places it. */
static int place_sdt(struct acpi_area *area, void *buf, size_t len,
		     const char *signature, uint8_t revision,
		     const char *table_id, uint64_t *gpa)
{
	struct acpi_header *h = buf;

	memcpy(h->signature, signature, sizeof(h->signature));
	h->length = (uint32_t)len;
	h->revision = revision;
	h->checksum = 0;
	memcpy(h->oem_id, ACPI_OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, table_id, sizeof(h->oem_table_id));
	h->oem_revision = 1;
	memcpy(h->creator_id, ACPI_CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = 1;
	h->checksum = x86_table_checksum(buf, len);
	return place(area, buf, len, gpa);
}

/*
 * DefinitionBlock ("", "DSDT", 2, "VMM   ", "VMMDSDT ", 1) {
 *	Name (_S5, Package (4) { ACPI_SLEEP_TYP_S5, 0, 0, 0 })
 *	Scope (\_SB) {
 *		Device (PEVT) {
 *			Name (_HID, "QEMU0001")
 *			Name (_CRS, ResourceTemplate () {
 *				IO (Decode16, 0x505, 0x505, 1, 1)
 *			})
 *		}
 *		Device (RTC_) {
 *			Name (_HID, "PNP0B00")
 *			Name (_CRS, ResourceTemplate () {
 *				IO (Decode16, 0x70, 0x70, 1, 2)
 *				Interrupt (ResourceConsumer, Edge, ActiveHigh,
 *					   Exclusive) { 8 }
 *			})
 *		}
 *		Device (VRnn) {		for each virtio-mmio device nn
 *			Name (_HID, "LNRO0005")
 *			Name (_UID, nn)
 *			Name (_CRS, ResourceTemplate () {
 *				Memory32Fixed (ReadWrite, base, len)
 *				Interrupt (ResourceConsumer, Edge, ActiveHigh,
 *					   Exclusive) { gsi }
 *			})
 *		}
 *	}
 * }
 * Returns the length of the table in buf, or -errno.
 */
static void virtio_device(struct aml *a, unsigned int index,
			  const struct x86_mmio_device *d)
{
	uint8_t crs[AML_MEM32_DESC_LEN + AML_IRQ_DESC_LEN + AML_END_TAG_LEN];
	char name[5];
	size_t device;

	snprintf(name, sizeof(name), "VR%02X", index);
	device = aml_device(a, name);
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_UID");
	aml_integer(a, index);
	aml_name(a, "_CRS");
	aml_memory32_descriptor(crs, (uint32_t)d->base, d->len);
	aml_interrupt_descriptor(crs + AML_MEM32_DESC_LEN, d->gsi);
	aml_end_tag(crs + AML_MEM32_DESC_LEN + AML_IRQ_DESC_LEN);
	aml_buffer(a, crs, sizeof(crs));
	aml_close(a, device);
}

static void rtc_device(struct aml *a)
{
	uint8_t crs[AML_IO_DESC_LEN + AML_IRQ_DESC_LEN + AML_END_TAG_LEN];
	size_t device;

	device = aml_device(a, "RTC_");
	aml_name(a, "_HID");
	aml_string(a, "PNP0B00");
	aml_name(a, "_CRS");
	aml_io_descriptor(crs, X86_RTC_PORT, RTC_CMOS_LEN);
	aml_interrupt_descriptor(crs + AML_IO_DESC_LEN, X86_RTC_IRQ);
	aml_end_tag(crs + AML_IO_DESC_LEN + AML_IRQ_DESC_LEN);
	aml_buffer(a, crs, sizeof(crs));
	aml_close(a, device);
}

static int build_dsdt(uint8_t *buf, size_t cap,
		      const struct x86_mmio_device *devices, unsigned int nr)
{
	unsigned int i;
	uint8_t crs[AML_IO_DESC_LEN + AML_END_TAG_LEN];
	size_t package, scope, device;
	struct aml a;
	int len;

	aml_init(&a, buf + sizeof(struct acpi_header),
		 cap - sizeof(struct acpi_header));
	aml_name(&a, "_S5_");
	package = aml_package(&a, 4);
	aml_integer(&a, ACPI_SLEEP_TYP_S5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_close(&a, package);

	scope = aml_scope(&a, "\\_SB_");
	device = aml_device(&a, "PEVT");
	aml_name(&a, "_HID");
	aml_string(&a, "QEMU0001");
	aml_name(&a, "_CRS");
	aml_io_descriptor(crs, X86_PVPANIC_PORT, PVPANIC_LEN);
	aml_end_tag(crs + AML_IO_DESC_LEN);
	aml_buffer(&a, crs, sizeof(crs));
	aml_close(&a, device);
	rtc_device(&a);
	for (i = 0; i < nr; i++)
		virtio_device(&a, i, &devices[i]);
	aml_close(&a, scope);

	len = aml_finish(&a);
	return len < 0 ? len : (int)sizeof(struct acpi_header) + len;
}

/* SystemIO registers: bytes bytes at port, accessed access at a time. */
static struct acpi_gas io_register(uint16_t port, unsigned int bytes,
				   uint8_t access)
{
	return (struct acpi_gas){
		.space_id = ACPI_SPACE_IO, .bit_width = (uint8_t)(8 * bytes),
		.access_size = access, .address = port,
	};
}

/*
 * The PM1a blocks are given twice, as the port and length of ACPI 1.0
 * and as the X_ GAS that supersedes them; ACPICA warns unless both agree.
 * Every PM1 register is 16 bits wide.
 */
static void fill_pm_blocks(struct acpi_fadt *f)
{
	const uint16_t evt = X86_ACPI_PM_PORT + ACPI_PM1_STATUS;
	const uint16_t cnt = X86_ACPI_PM_PORT + ACPI_PM1_CONTROL;

	f->sci_int = X86_SCI_IRQ;
	f->smi_cmd = 0;		/* no SMM: in ACPI mode from the start */
	f->pm1a_evt_blk = evt;
	f->pm1_evt_len = ACPI_PM1_EVT_LEN;
	f->pm1a_cnt_blk = cnt;
	f->pm1_cnt_len = ACPI_PM1_CNT_LEN;
	f->x_pm1a_evt_blk = io_register(evt, ACPI_PM1_EVT_LEN, ACPI_ACCESS_WORD);
	f->x_pm1a_cnt_blk = io_register(cnt, ACPI_PM1_CNT_LEN, ACPI_ACCESS_WORD);
}

static void fill_fadt(struct acpi_fadt *f, uint64_t facs, uint64_t dsdt)
{
	memset(f, 0, sizeof(*f));
	f->firmware_ctrl = (uint32_t)facs;	/* X_FIRMWARE_CTRL stays 0 */
	f->dsdt = (uint32_t)dsdt;
	f->x_dsdt = dsdt;
	fill_pm_blocks(f);
	f->iapc_boot_arch = FADT_IAPC_NO_VGA;
	f->century = RTC_CMOS_CENTURY;
	f->flags = FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_PWR_BUTTON |
		   FADT_F_SLP_BUTTON | FADT_F_FIX_RTC | FADT_F_RESET_REG_SUP;
	f->reset_reg = io_register(I8042_COMMAND_PORT, 1, ACPI_ACCESS_BYTE);
	f->reset_value = I8042_RESET;
	f->minor_version = FADT_MINOR_REVISION;
	memcpy(f->hypervisor_id, ACPI_HYPERVISOR_ID, sizeof(f->hypervisor_id));
}

static void fill_facs(struct acpi_facs *facs)
{
	memset(facs, 0, sizeof(*facs));
	memcpy(facs->signature, "FACS", sizeof(facs->signature));
	facs->length = sizeof(*facs);
	facs->version = FACS_VERSION;
}

static void put(uint8_t *buf, size_t *len, const void *entry, size_t size)
{
	memcpy(buf + *len, entry, size);
	*len += size;
}

/* MADT in buf (MADT_MAX bytes); returns its length. */
static size_t build_madt(uint8_t *buf, unsigned int nr_cpus)
{
	struct acpi_madt madt = {
		.lapic_addr = X86_LAPIC_ADDR, .flags = MADT_PCAT_COMPAT,
	};
	struct madt_ioapic ioapic = {
		.type = MADT_IOAPIC, .length = sizeof(ioapic),
		.id = (uint8_t)nr_cpus, .addr = X86_IOAPIC_ADDR, .gsi_base = 0,
	};
	struct madt_irq_override pit = {
		.type = MADT_IRQ_OVERRIDE, .length = sizeof(pit),
		.bus = 0, .source = 0, .gsi = X86_PIT_GSI,
		.flags = MADT_CONFORMING,
	};
	struct madt_irq_override sci = {
		.type = MADT_IRQ_OVERRIDE, .length = sizeof(sci),
		.bus = 0, .source = X86_SCI_IRQ, .gsi = X86_SCI_IRQ,
		.flags = MADT_ACTIVE_HIGH | MADT_LEVEL,
	};
	struct madt_lapic_nmi nmi = {
		.type = MADT_LAPIC_NMI, .length = sizeof(nmi),
		.uid = MADT_ALL_CPUS, .flags = MADT_CONFORMING, .lint = 1,
	};
	size_t len = 0;
	unsigned int i;

	put(buf, &len, &madt, sizeof(madt));
	for (i = 0; i < nr_cpus; i++) {
		struct madt_lapic lapic = {
			.type = MADT_LAPIC, .length = sizeof(lapic),
			.uid = (uint8_t)i, .apic_id = (uint8_t)i,
			.flags = MADT_LAPIC_ENABLED,
		};

		put(buf, &len, &lapic, sizeof(lapic));
	}
	put(buf, &len, &ioapic, sizeof(ioapic));
	put(buf, &len, &pit, sizeof(pit));
	put(buf, &len, &sci, sizeof(sci));
	put(buf, &len, &nmi, sizeof(nmi));
	return len;
}

/* The RSDT and XSDT, both listing FADT and MADT. */
static int place_root_tables(struct acpi_area *area, uint64_t fadt,
			     uint64_t madt, uint64_t *rsdt, uint64_t *xsdt)
{
	struct {
		struct acpi_header hdr;
		uint32_t entry[2];
	} __attribute__((packed)) r = { .entry = { (uint32_t)fadt, (uint32_t)madt } };
	struct {
		struct acpi_header hdr;
		uint64_t entry[2];
	} __attribute__((packed)) x = { .entry = { fadt, madt } };
	int err;

	err = place_sdt(area, &r, sizeof(r), "RSDT", 1, "VMMRSDT ", rsdt);
	return err ? err : place_sdt(area, &x, sizeof(x), "XSDT", 1, "VMMXSDT ", xsdt);
}

static void fill_rsdp(struct acpi_rsdp *p, uint64_t rsdt, uint64_t xsdt)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->signature, "RSD PTR ", sizeof(p->signature));
	memcpy(p->oem_id, ACPI_OEM_ID, sizeof(p->oem_id));
	p->revision = 2;
	p->rsdt = (uint32_t)rsdt;
	p->length = sizeof(*p);
	p->xsdt = xsdt;
	p->checksum = x86_table_checksum(p, offsetof(struct acpi_rsdp, length));
	p->ext_checksum = x86_table_checksum(p, sizeof(*p));
}

int x86_write_acpi(struct guest_memory *mem, unsigned int nr_cpus,
		   const struct x86_mmio_device *devices, unsigned int nr_devices,
		   uint64_t *rsdp_gpa)
{
	struct acpi_area area = {
		.mem = mem,
		.next = X86_ACPI_START + ((sizeof(struct acpi_rsdp) + 15) & ~15UL),
	};
	uint8_t dsdt_buf[DSDT_MAX], madt_buf[MADT_MAX];
	uint64_t facs, dsdt, fadt, madt, rsdt, xsdt;
	struct acpi_fadt fadt_buf;
	struct acpi_facs facs_buf;
	struct acpi_rsdp rsdp;
	int len, err;

	if (nr_cpus == 0)
		return -EINVAL;
	if (nr_cpus > X86_TABLES_MAX_CPUS || nr_devices > X86_ACPI_MAX_MMIO_DEVICES)
		return -E2BIG;
	len = build_dsdt(dsdt_buf, sizeof(dsdt_buf), devices, nr_devices);
	if (len < 0)
		return len == -ENOSPC ? -E2BIG : len;
	fill_facs(&facs_buf);
	err = place_aligned(&area, &facs_buf, sizeof(facs_buf), FACS_ALIGN, &facs);
	if (!err)
		err = place_sdt(&area, dsdt_buf, (size_t)len, "DSDT", 2,
				"VMMDSDT ", &dsdt);
	if (err)
		return err;
	fill_fadt(&fadt_buf, facs, dsdt);
	err = place_sdt(&area, &fadt_buf, sizeof(fadt_buf), "FACP",
			FADT_REVISION, "VMMFACP ", &fadt);
	if (!err)
		err = place_sdt(&area, madt_buf, build_madt(madt_buf, nr_cpus),
				"APIC", MADT_REVISION, "VMMAPIC ", &madt);
	if (!err)
		err = place_root_tables(&area, fadt, madt, &rsdt, &xsdt);
	if (err)
		return err;

	fill_rsdp(&rsdp, rsdt, xsdt);
	err = guest_memory_write(mem, X86_ACPI_START, &rsdp, sizeof(rsdp));
	if (!err)
		*rsdp_gpa = X86_ACPI_START;
	return err;
}
