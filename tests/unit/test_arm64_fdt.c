// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 guest's device tree read back with libfdt the way Linux reads
 * it: the root's nodes in order, every property of each (addresses, sizes,
 * interrupt cells, the GIC phandle the root points at, stdout-path
 * resolving to the UART), memory for several RAM sizes, cpu nodes and the
 * redistributor range for 1 to 64 vCPUs, virtio-mmio nodes for 0 to 32
 * devices in the caller's order; then every input arm64_fdt_build()
 * refuses, and every buffer too small for the tree (each allocated to the
 * byte, so that the sanitizer build sees a copy past its end). The PMU
 * node only when asked for, with its PPI; the ITS node inside the GIC's
 * only when asked for, with the cells its parent gives it (both trees
 * pass fdt_check_full); the PL031 RTC with its interrupt and the APB
 * clock its phandle names; and --cpu-features' arm64 list (features.c):
 * "-pmu" and "-its" hide them, anything else is refused by name, and a
 * VM whose KVM answers nothing is offered neither.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "arch/arch.h"
#include "arch/arm64/fdt.h"
#include "arch/arm64/its.h"
#include "arch/arm64/layout.h"
#include "arch/arm64/pmu.h"

#include "tests/helpers.h"

#define CMDLINE		"console=ttyS0 earlycon panic=-1"
#define VIRTIO_SIZE	0x1000ULL

static char blob[ARM64_FDT_MAX];
static struct arch_virtio_slot slots[ARM64_VIRTIO_SLOTS];

static struct arm64_fdt_params defaults(void)
{
	return (struct arm64_fdt_params) {
		.ram_base = ARM64_RAM_BASE,
		.ram_size = 256 * MiB,
		.nr_cpus = 1,
		.cmdline = CMDLINE,
	};
}

/* Slot i of the virtio window, as arch_virtio_slot() numbers them. */
static struct arch_virtio_slot slot(unsigned int i)
{
	return (struct arch_virtio_slot) {
		.base = ARM64_VIRTIO_MMIO_BASE + i * VIRTIO_SIZE,
		.irq = ARM64_VIRTIO_SPI_BASE + i,
	};
}

/* Builds p into blob, which must then be a well-formed tree. */
static void build(const struct arm64_fdt_params *p)
{
	memset(blob, 0xa5, sizeof(blob));
	ck_assert_int_eq(arm64_fdt_build(p, blob, sizeof(blob)), 0);
	ck_assert_int_eq(fdt_check_header(blob), 0);
	ck_assert_uint_le(fdt_totalsize(blob), ARM64_FDT_MAX);
	ck_assert_int_eq(fdt_num_mem_rsv(blob), 0);
}

static int node(const char *path)
{
	int off = fdt_path_offset(blob, path);

	ck_assert_msg(off >= 0, "%s: %s", path, fdt_strerror(off));
	return off;
}

static const void *prop(int node, const char *name, int *len)
{
	const void *v = fdt_getprop(blob, node, name, len);

	ck_assert_msg(v != NULL, "%s of %s is missing",
		      name, fdt_get_name(blob, node, NULL));
	return v;
}

static void assert_absent(int node, const char *name)
{
	int len;

	ck_assert_ptr_null(fdt_getprop(blob, node, name, &len));
	ck_assert_int_eq(len, -FDT_ERR_NOTFOUND);
}

static void assert_str(int node, const char *name, const char *want)
{
	int len;
	const char *s = prop(node, name, &len);

	ck_assert_int_eq(len, (int)strlen(want) + 1);
	ck_assert_str_eq(s, want);
}

static void assert_empty(int node, const char *name)
{
	int len;

	prop(node, name, &len);
	ck_assert_int_eq(len, 0);
}

/* The property is exactly the n big-endian cells of want. */
static void assert_cells(int node, const char *name, const uint32_t *want, int n)
{
	int len;
	const uint8_t *v = prop(node, name, &len);

	ck_assert_int_eq(len, 4 * n);
	for (int i = 0; i < n; i++) {
		fdt32_t cell;

		memcpy(&cell, v + 4 * i, 4);
		ck_assert_msg(fdt32_to_cpu(cell) == want[i],
			      "%s of %s, cell %d: %#x, want %#x", name,
			      fdt_get_name(blob, node, NULL), i,
			      fdt32_to_cpu(cell), want[i]);
	}
}

static void assert_u32(int node, const char *name, uint32_t want)
{
	assert_cells(node, name, &want, 1);
}

static void assert_u64(int node, const char *name, uint64_t want)
{
	uint32_t cells[] = { (uint32_t)(want >> 32), (uint32_t)want };

	assert_cells(node, name, cells, 2);
}

/* reg = <base size> in two address and two size cells. */
static void assert_reg(int node, uint64_t base, uint64_t size)
{
	uint32_t cells[] = {
		(uint32_t)(base >> 32), (uint32_t)base,
		(uint32_t)(size >> 32), (uint32_t)size,
	};

	assert_cells(node, "reg", cells, 4);
}

/*
 * <GIC_SPI n type>: the UART is level-high (the VMM raises and lowers it),
 * virtio edge-rising (an arm64 irqfd only ever raises its SPI).
 */
static void assert_spi(int node, uint32_t spi, uint32_t type)
{
	uint32_t cells[] = { 0, spi, type };

	assert_cells(node, "interrupts", cells, 3);
}

START_TEST(root_holds_the_nodes_in_order)
{
	static const char *const want[] = {
		"chosen", "memory@40000000", "cpus", "psci", "intc@8000000",
		"timer", "uart@9000000", "pvpanic@9010000", "apb-pclk",
		"pl031@9020000", "virtio_mmio@a000000", "virtio_mmio@a001000",
	};
	struct arm64_fdt_params p = defaults();
	unsigned int i = 0;
	int child;

	slots[0] = slot(0);
	slots[1] = slot(1);
	p.virtio = slots;
	p.nr_virtio = 2;
	build(&p);

	ck_assert_int_eq(node("/"), 0);
	ck_assert_str_eq(fdt_get_name(blob, 0, NULL), "");
	fdt_for_each_subnode(child, blob, 0) {
		ck_assert_uint_lt(i, ARRAY_SIZE(want));
		ck_assert_str_eq(fdt_get_name(blob, child, NULL), want[i]);
		i++;
	}
	ck_assert_int_eq(child, -FDT_ERR_NOTFOUND);
	ck_assert_uint_eq(i, ARRAY_SIZE(want));
}
END_TEST

START_TEST(pmu_node_only_when_asked)
{
	static const uint32_t ppi7[] = { 1, 7, 4 };	/* PPI 7 (INTID 23), level-high */
	struct arm64_fdt_params p = defaults();
	int off, prev = -1, child;

	build(&p);
	ck_assert_int_eq(fdt_path_offset(blob, "/pmu"), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, -1, "arm,armv8-pmuv3"),
			 -FDT_ERR_NOTFOUND);

	p.pmu = true;
	build(&p);
	off = node("/pmu");
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, -1, "arm,armv8-pmuv3"), off);
	ck_assert_int_eq(fdt_stringlist_count(blob, off, "compatible"), 1);
	assert_str(off, "compatible", "arm,armv8-pmuv3");
	assert_cells(off, "interrupts", ppi7, 3);
	assert_absent(off, "reg");
	/* Right after the timer, the other per-CPU PPI user. */
	fdt_for_each_subnode(child, blob, 0) {
		if (child == off)
			break;
		prev = child;
	}
	ck_assert_str_eq(fdt_get_name(blob, prev, NULL), "timer");
}
END_TEST

#define ITS_PATH	"/intc@8000000/msi-controller@8080000"

START_TEST(its_node_only_when_asked)
{
	uint64_t its = ARM64_GIC_ITS_BASE;
	uint32_t reg[] = { (uint32_t)(its >> 32), (uint32_t)its, 0, 0x20000 };
	struct arm64_fdt_params p = defaults();
	int off, gic, child, n = 0;

	build(&p);
	ck_assert_int_eq(fdt_check_full(blob, sizeof(blob)), 0);
	ck_assert_int_eq(fdt_path_offset(blob, ITS_PATH), -FDT_ERR_NOTFOUND);
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, -1, "arm,gic-v3-its"),
			 -FDT_ERR_NOTFOUND);
	fdt_for_each_subnode(child, blob, node("/intc@8000000"))
		n++;
	ck_assert_int_eq(n, 0);

	p.its = true;
	build(&p);
	ck_assert_int_eq(fdt_check_full(blob, sizeof(blob)), 0);
	off = node(ITS_PATH);
	gic = node("/intc@8000000");
	ck_assert_int_eq(fdt_parent_offset(blob, off), gic);
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, -1, "arm,gic-v3-its"), off);
	ck_assert_int_eq(fdt_stringlist_count(blob, off, "compatible"), 1);
	assert_str(off, "compatible", "arm,gic-v3-its");
	assert_empty(off, "msi-controller");
	assert_u32(off, "#msi-cells", 1);
	assert_cells(off, "reg", reg, 4);
	assert_absent(off, "interrupts");
	ck_assert_uint_eq(its, 0x08080000);
	/* reg is read in the GIC's cells, which map 1:1 onto the root's. */
	ck_assert_int_eq(fdt_address_cells(blob, gic), 2);
	ck_assert_int_eq(fdt_size_cells(blob, gic), 2);
	assert_empty(gic, "ranges");
	/* Clear of the distributor and of 64 vCPUs' redistributors. */
	ck_assert_uint_ge(its, ARM64_GIC_DIST_BASE + ARM64_GIC_DIST_SIZE);
	ck_assert_uint_le(its + ARM64_GIC_ITS_SIZE, ARM64_GIC_REDIST_BASE);
	ck_assert_uint_eq(its % 0x10000, 0);
	/* Its only child; the GIC stays the only phandle. */
	fdt_for_each_subnode(child, blob, gic)
		ck_assert_int_eq(child, off);
	ck_assert_uint_eq(fdt_get_phandle(blob, off), 0);
}
END_TEST

START_TEST(cpu_features_its)
{
	struct arch_cpu_features f;
	char bad[16];

	ck_assert_int_eq(arch_cpu_features_parse("-its", &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f.hidden, ARM64_FEATURE_ITS);
	ck_assert_uint_ne(ARM64_FEATURE_ITS, ARM64_FEATURE_PMU);
	ck_assert_int_eq(arch_cpu_features_parse("-pmu,-its", &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f.hidden, ARM64_FEATURE_PMU | ARM64_FEATURE_ITS);
	ck_assert_int_eq(arch_cpu_features_parse("-its,-pmu", &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f.hidden, ARM64_FEATURE_PMU | ARM64_FEATURE_ITS);
	ck_assert_int_eq(arch_cpu_features_parse("its", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_str_eq(bad, "its");
	ck_assert_int_eq(arch_cpu_features_parse("-its,-gicv4", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_str_eq(bad, "-gicv4");
	ck_assert_int_eq(arch_cpu_features_parse("-it", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_str_eq(bad, "-it");

	/* No KVM to answer (a closed fd): no ITS offered. */
	f = (struct arch_cpu_features){ .offered = ARM64_FEATURE_ITS };
	ck_assert_int_eq(arch_cpu_features_probe(-1, &f), 0);
	ck_assert_uint_eq(f.offered, 0);
}
END_TEST

START_TEST(cpu_features_pmu)
{
	struct arch_cpu_features f = { .hidden = 0xff, .offered = 0xff };
	char bad[16];

	ck_assert_int_eq(arch_cpu_features_parse("", &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f.hidden, 0);
	ck_assert_uint_eq(f.offered, 0);
	ck_assert_int_eq(arch_cpu_features_parse("-pmu", &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f.hidden, ARM64_FEATURE_PMU);
	ck_assert_int_eq(arch_cpu_features_parse("-pmu,-pmu", &f, bad, sizeof(bad)), 0);
	ck_assert_uint_eq(f.hidden, ARM64_FEATURE_PMU);

	ck_assert_int_eq(arch_cpu_features_parse("pmu", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_str_eq(bad, "pmu");
	ck_assert_int_eq(arch_cpu_features_parse("-pmu,-avx", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_str_eq(bad, "-avx");
	ck_assert_int_eq(arch_cpu_features_parse("-pmuv3", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_str_eq(bad, "-pmuv3");
	ck_assert_int_eq(arch_cpu_features_parse("-", &f, bad, sizeof(bad)), -EINVAL);
	ck_assert_int_eq(arch_cpu_features_parse("-pmu,", &f, bad, sizeof(bad)), 0);

	/* No KVM to answer (a closed fd): no PMU offered, hidden or not. */
	f = (struct arch_cpu_features){ .offered = ARM64_FEATURE_PMU };
	ck_assert_int_eq(arch_cpu_features_probe(-1, &f), 0);
	ck_assert_uint_eq(f.offered, 0);
}
END_TEST

START_TEST(root_points_at_the_gic)
{
	struct arm64_fdt_params p = defaults();
	uint32_t phandle;
	int gic, clk, len;

	build(&p);
	assert_str(0, "compatible", "linux,dummy-virt");
	assert_u32(0, "#address-cells", 2);
	assert_u32(0, "#size-cells", 2);

	gic = fdt_node_offset_by_compatible(blob, -1, "arm,gic-v3");
	ck_assert_int_eq(gic, node("/intc@8000000"));
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, gic, "arm,gic-v3"),
			 -FDT_ERR_NOTFOUND);
	phandle = fdt_get_phandle(blob, gic);
	ck_assert_uint_ne(phandle, 0);
	ck_assert_uint_ne(phandle, (uint32_t)-1);
	assert_u32(0, "interrupt-parent", phandle);
	ck_assert_int_eq(fdt_node_offset_by_phandle(blob, phandle), gic);

	/*
	 * The only phandles are the GIC's and the RTC's APB clock's, and
	 * nobody else claims an interrupt parent.
	 */
	clk = node("/apb-pclk");
	ck_assert_uint_ne(fdt_get_phandle(blob, clk), phandle);
	ck_assert_uint_ne(fdt_get_phandle(blob, clk), 0);
	for (int off = fdt_next_node(blob, 0, NULL); off >= 0;
	     off = fdt_next_node(blob, off, NULL)) {
		if (off != gic && off != clk)
			ck_assert_uint_eq(fdt_get_phandle(blob, off), 0);
		ck_assert_ptr_null(fdt_getprop(blob, off, "interrupt-parent", &len));
	}
}
END_TEST

START_TEST(gic_v3_node)
{
	struct arm64_fdt_params p = defaults();
	uint64_t dist = ARM64_GIC_DIST_BASE, redist = ARM64_GIC_REDIST_BASE;
	uint32_t reg[] = {
		(uint32_t)(dist >> 32), (uint32_t)dist, 0, 0x10000,
		(uint32_t)(redist >> 32), (uint32_t)redist, 0, 0x20000,
	};
	int gic;

	build(&p);
	gic = node("/intc@8000000");
	ck_assert_int_eq(fdt_stringlist_count(blob, gic, "compatible"), 1);
	assert_str(gic, "compatible", "arm,gic-v3");
	assert_empty(gic, "interrupt-controller");
	assert_u32(gic, "#interrupt-cells", 3);
	assert_u32(gic, "#address-cells", 2);
	assert_u32(gic, "#size-cells", 2);
	assert_empty(gic, "ranges");
	assert_cells(gic, "reg", reg, 8);
	ck_assert_uint_eq(dist, 0x08000000);
	ck_assert_uint_eq(redist, 0x080a0000);
}
END_TEST

START_TEST(psci_timer_uart_pvpanic)
{
	static const char psci_compat[] = "arm,psci-1.0\0arm,psci-0.2";
	static const uint32_t timer_irqs[] = {
		1, 13, 4,	/* secure physical */
		1, 14, 4,	/* non-secure physical */
		1, 11, 4,	/* virtual */
		1, 10, 4,	/* hypervisor */
	};
	struct arm64_fdt_params p = defaults();
	const char *s;
	int off, len;

	build(&p);

	off = node("/psci");
	s = prop(off, "compatible", &len);
	ck_assert_int_eq(len, (int)sizeof(psci_compat));
	ck_assert_mem_eq(s, psci_compat, sizeof(psci_compat));
	ck_assert_int_eq(fdt_stringlist_count(blob, off, "compatible"), 2);
	ck_assert_int_eq(fdt_node_check_compatible(blob, off, "arm,psci-0.2"), 0);
	assert_str(off, "method", "hvc");

	off = node("/timer");
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, -1, "arm,armv8-timer"), off);
	assert_str(off, "compatible", "arm,armv8-timer");
	assert_cells(off, "interrupts", timer_irqs, 12);
	assert_empty(off, "always-on");

	off = node("/uart@9000000");
	ck_assert_int_eq(fdt_node_offset_by_compatible(blob, -1, "ns16550a"), off);
	assert_str(off, "compatible", "ns16550a");
	assert_reg(off, 0x09000000, 0x1000);
	assert_spi(off, ARM64_UART_SPI, ARM64_IRQ_LEVEL_HIGH);
	assert_u32(off, "clock-frequency", 1843200);
	assert_u32(off, "reg-shift", 0);
	assert_u32(off, "reg-io-width", 1);

	off = node("/pvpanic@9010000");
	assert_str(off, "compatible", "qemu,pvpanic-mmio");
	assert_reg(off, 0x09010000, 2);
	assert_absent(off, "interrupts");
}
END_TEST

/*
 * Linux's AMBA bus matches the PL031 by "arm,primecell", enables the clock
 * named "apb_pclk" (so the phandle must resolve to a fixed clock) and only
 * then reads the peripheral ID.
 */
START_TEST(pl031_rtc_and_its_clock)
{
	static const char compat[] = "arm,pl031\0arm,primecell";
	struct arm64_fdt_params p = defaults();
	const fdt32_t *clocks;
	const char *s;
	int off, clk, len;

	build(&p);

	off = node("/pl031@9020000");
	s = prop(off, "compatible", &len);
	ck_assert_int_eq(len, (int)sizeof(compat));
	ck_assert_mem_eq(s, compat, sizeof(compat));
	ck_assert_int_eq(fdt_node_check_compatible(blob, off, "arm,primecell"), 0);
	assert_reg(off, 0x09020000, 0x1000);
	assert_spi(off, 2, 4);			/* SPI 2, level-high */
	assert_str(off, "clock-names", "apb_pclk");

	clocks = prop(off, "clocks", &len);
	ck_assert_int_eq(len, 4);
	clk = fdt_node_offset_by_phandle(blob, fdt32_to_cpu(*clocks));
	ck_assert_int_ge(clk, 0);
	ck_assert_int_eq(clk, node("/apb-pclk"));
	assert_str(clk, "compatible", "fixed-clock");
	assert_u32(clk, "#clock-cells", 0);
	assert_u32(clk, "clock-frequency", 24000000);
	ck_assert_int_ne(fdt32_to_cpu(*clocks), fdt_get_phandle(blob, node("/intc@8000000")));
}
END_TEST

START_TEST(chosen_without_initrd)
{
	struct arm64_fdt_params p = defaults();
	const char *path;
	int chosen, len;

	build(&p);
	chosen = node("/chosen");
	assert_str(chosen, "bootargs", CMDLINE);
	path = prop(chosen, "stdout-path", &len);
	ck_assert_str_eq(path, "/uart@9000000");
	ck_assert_int_eq(fdt_path_offset(blob, path),
			 fdt_node_offset_by_compatible(blob, -1, "ns16550a"));
	assert_absent(chosen, "linux,initrd-start");
	assert_absent(chosen, "linux,initrd-end");

	/* An empty command line is a line too. */
	p.cmdline = "";
	build(&p);
	assert_str(node("/chosen"), "bootargs", "");
}
END_TEST

START_TEST(chosen_with_initrd)
{
	struct arm64_fdt_params p = defaults();
	uint64_t ram_end = p.ram_base + p.ram_size;
	int chosen;

	/* Right below the FDT's 2 MiB at the top of RAM, as the loader puts it. */
	p.initrd_size = 5 * MiB + 123;
	p.initrd_start = (ram_end - ARM64_FDT_MAX - p.initrd_size) & ~0xfffULL;
	build(&p);
	chosen = node("/chosen");
	assert_u64(chosen, "linux,initrd-start", p.initrd_start);
	assert_u64(chosen, "linux,initrd-end", p.initrd_start + p.initrd_size);
	assert_str(chosen, "bootargs", CMDLINE);

	/* An initrd filling RAM to the last byte still fits. */
	p.initrd_start = p.ram_base;
	p.initrd_size = p.ram_size;
	build(&p);
	chosen = node("/chosen");
	assert_u64(chosen, "linux,initrd-start", ARM64_RAM_BASE);
	assert_u64(chosen, "linux,initrd-end", ram_end);

	/* A start without a size is no initrd. */
	p.initrd_start = p.ram_base + 64 * MiB;
	p.initrd_size = 0;
	build(&p);
	assert_absent(node("/chosen"), "linux,initrd-start");
	assert_absent(node("/chosen"), "linux,initrd-end");
}
END_TEST

static const uint64_t ram_sizes[] = { 64 * MiB, 1 * GiB, 3 * GiB, 16 * GiB };

START_TEST(memory_per_ram_size)
{
	struct arm64_fdt_params p = defaults();
	int mem;

	p.ram_size = ram_sizes[_i];
	build(&p);
	mem = node("/memory@40000000");
	assert_str(mem, "device_type", "memory");
	assert_reg(mem, ARM64_RAM_BASE, ram_sizes[_i]);
	ck_assert_int_eq(fdt_node_offset_by_prop_value(blob, -1, "device_type",
						       "memory", 7), mem);
	ck_assert_int_eq(fdt_node_offset_by_prop_value(blob, mem, "device_type",
						       "memory", 7),
			 -FDT_ERR_NOTFOUND);
}
END_TEST

START_TEST(memory_elsewhere_and_at_the_limit)
{
	struct arm64_fdt_params p = defaults();

	p.ram_base = 2 * GiB;
	p.ram_size = 512 * MiB;
	build(&p);
	ck_assert_int_eq(fdt_path_offset(blob, "/memory@40000000"), -FDT_ERR_NOTFOUND);
	assert_reg(node("/memory@80000000"), 2 * GiB, 512 * MiB);

	p.ram_base = ARM64_RAM_BASE;
	p.ram_size = ARM64_MAX_RAM;
	build(&p);
	assert_reg(node("/memory@40000000"), ARM64_RAM_BASE, 1ULL << 40);
}
END_TEST

static const unsigned int cpu_counts[] = { 1, 2, 8, 16, 17, 64 };

/* The MPIDR affinity KVM gives vCPU n: Aff1 = n / 16, Aff0 = n % 16. */
static uint32_t mpidr(unsigned int n)
{
	return (n / 16) << 8 | n % 16;
}

START_TEST(cpus_per_vcpu_count)
{
	struct arm64_fdt_params p = defaults();
	unsigned int n = cpu_counts[_i], i = 0;
	uint64_t redist = ARM64_GIC_REDIST_BASE;
	uint64_t redist_size = n * 0x20000ULL;
	uint32_t gic_reg[] = {
		0, 0x08000000, 0, 0x10000,
		(uint32_t)(redist >> 32), (uint32_t)redist,
		(uint32_t)(redist_size >> 32), (uint32_t)redist_size,
	};
	int cpus, cpu;

	p.nr_cpus = n;
	build(&p);
	cpus = node("/cpus");
	assert_u32(cpus, "#address-cells", 1);
	assert_u32(cpus, "#size-cells", 0);
	fdt_for_each_subnode(cpu, blob, cpus) {
		char name[32];

		ck_assert_uint_lt(i, n);
		snprintf(name, sizeof(name), "cpu@%x", mpidr(i));
		ck_assert_str_eq(fdt_get_name(blob, cpu, NULL), name);
		assert_str(cpu, "device_type", "cpu");
		assert_str(cpu, "compatible", "arm,arm-v8");
		assert_u32(cpu, "reg", mpidr(i));
		assert_str(cpu, "enable-method", "psci");
		i++;
	}
	ck_assert_uint_eq(i, n);
	if (n <= 16)	/* below 16 vCPUs reg is simply the index */
		assert_u32(node("/cpus/cpu@0"), "reg", 0);
	if (n == 64)
		assert_u32(node("/cpus/cpu@30f"), "reg", 0x30f);

	/* One 128 KiB redistributor per vCPU, clear of the UART. */
	assert_cells(node("/intc@8000000"), "reg", gic_reg, 8);
	ck_assert_uint_le(redist + redist_size, ARM64_UART_BASE);
}
END_TEST

static const unsigned int virtio_counts[] = { 0, 1, 8, 32 };

static void assert_virtio_nodes(const struct arch_virtio_slot *want, unsigned int n)
{
	unsigned int i = 0;
	int off;

	for (off = fdt_node_offset_by_compatible(blob, -1, "virtio,mmio"); off >= 0;
	     off = fdt_node_offset_by_compatible(blob, off, "virtio,mmio")) {
		char name[32];

		ck_assert_uint_lt(i, n);
		snprintf(name, sizeof(name), "virtio_mmio@%llx",
			 (unsigned long long)want[i].base);
		ck_assert_str_eq(fdt_get_name(blob, off, NULL), name);
		ck_assert_int_eq(fdt_parent_offset(blob, off), 0);
		assert_str(off, "compatible", "virtio,mmio");
		assert_reg(off, want[i].base, 0x1000);
		assert_spi(off, want[i].irq, ARM64_IRQ_EDGE_RISING);
		assert_empty(off, "dma-coherent");
		i++;
	}
	ck_assert_int_eq(off, -FDT_ERR_NOTFOUND);
	ck_assert_uint_eq(i, n);
}

START_TEST(virtio_per_device_count)
{
	struct arm64_fdt_params p = defaults();
	unsigned int n = virtio_counts[_i];

	for (unsigned int i = 0; i < n; i++)
		slots[i] = slot(i);
	p.virtio = n ? slots : NULL;
	p.nr_virtio = n;
	build(&p);
	assert_virtio_nodes(slots, n);
	if (n == 32) {
		assert_reg(node("/virtio_mmio@a01f000"), 0x0a01f000, 0x1000);
		assert_spi(node("/virtio_mmio@a01f000"), 47, ARM64_IRQ_EDGE_RISING);
	}
}
END_TEST

START_TEST(virtio_in_the_callers_order)
{
	struct arm64_fdt_params p = defaults();
	const struct arch_virtio_slot want[] = {
		{ ARM64_VIRTIO_MMIO_BASE + 5 * VIRTIO_SIZE, 63 },
		{ ARM64_VIRTIO_MMIO_BASE, 0 },
		{ ARM64_VIRTIO_MMIO_BASE + 31 * VIRTIO_SIZE, ARM64_RTC_SPI + 1 },
		{ ARM64_VIRTIO_MMIO_BASE + 2 * VIRTIO_SIZE, 40 },
	};

	p.virtio = want;
	p.nr_virtio = ARRAY_SIZE(want);
	build(&p);
	assert_virtio_nodes(want, ARRAY_SIZE(want));
}
END_TEST

/* Each case breaks one thing in defaults() plus two good virtio slots. */
struct bad_case {
	const char *what;
	void (*apply)(struct arm64_fdt_params *p);
};

static void no_cpus(struct arm64_fdt_params *p)
{
	p->nr_cpus = 0;
}

static void cpus_65(struct arm64_fdt_params *p)
{
	p->nr_cpus = ARM64_MAX_CPUS + 1;
}

static void null_cmdline(struct arm64_fdt_params *p)
{
	p->cmdline = NULL;
}

static void ram_below_base(struct arm64_fdt_params *p)
{
	p->ram_base = ARM64_RAM_BASE - 2 * MiB;
}

static void ram_at_zero(struct arm64_fdt_params *p)
{
	p->ram_base = 0;
}

static void ram_empty(struct arm64_fdt_params *p)
{
	p->ram_size = 0;
}

static void ram_past_max(struct arm64_fdt_params *p)
{
	p->ram_size = ARM64_MAX_RAM + 2 * MiB;
}

static void ram_wraps(struct arm64_fdt_params *p)
{
	p->ram_base = ~0ULL - MiB;
}

static void initrd_past_ram(struct arm64_fdt_params *p)
{
	p->initrd_start = p->ram_base + p->ram_size - 4096;
	p->initrd_size = 8192;
}

static void initrd_bigger_than_ram(struct arm64_fdt_params *p)
{
	p->initrd_start = p->ram_base;
	p->initrd_size = p->ram_size + 1;
}

static void initrd_below_ram(struct arm64_fdt_params *p)
{
	p->initrd_start = p->ram_base - 4096;
	p->initrd_size = 4096;
}

static void initrd_wraps(struct arm64_fdt_params *p)
{
	p->initrd_start = ~0ULL - 4095;
	p->initrd_size = p->ram_size;
}

static void initrd_end_wraps(struct arm64_fdt_params *p)
{
	p->initrd_start = p->ram_base + MiB;
	p->initrd_size = ~0ULL - MiB;
}

static void spi_past_range(struct arm64_fdt_params *p)
{
	(void)p;
	slots[1].irq = ARM64_NR_SPIS;
}

static void spi_huge(struct arm64_fdt_params *p)
{
	(void)p;
	slots[0].irq = ~0U;
}

static void spi_is_uarts(struct arm64_fdt_params *p)
{
	(void)p;
	slots[1].irq = ARM64_UART_SPI;
}

static void spi_is_rtcs(struct arm64_fdt_params *p)
{
	(void)p;
	slots[0].irq = ARM64_RTC_SPI;
}

static void base_below_window(struct arm64_fdt_params *p)
{
	(void)p;
	slots[0].base = ARM64_VIRTIO_MMIO_BASE - VIRTIO_SIZE;
}

static void base_past_window(struct arm64_fdt_params *p)
{
	(void)p;
	slots[1].base = ARM64_VIRTIO_MMIO_BASE + ARM64_VIRTIO_SLOTS * VIRTIO_SIZE;
}

static void base_unaligned(struct arm64_fdt_params *p)
{
	(void)p;
	slots[1].base += 0x800;
}

static void base_twice(struct arm64_fdt_params *p)
{
	(void)p;
	slots[1].base = slots[0].base;
}

static void virtio_null(struct arm64_fdt_params *p)
{
	p->virtio = NULL;
}

static void virtio_33(struct arm64_fdt_params *p)
{
	static struct arch_virtio_slot many[ARM64_VIRTIO_SLOTS + 1];

	for (unsigned int i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = slot(i % ARM64_VIRTIO_SLOTS);
	p->virtio = many;
	p->nr_virtio = ARRAY_SIZE(many);
}

static const struct bad_case bad_cases[] = {
	{ "0 vCPUs", no_cpus },
	{ "65 vCPUs", cpus_65 },
	{ "NULL command line", null_cmdline },
	{ "RAM below its base", ram_below_base },
	{ "RAM at 0", ram_at_zero },
	{ "no RAM", ram_empty },
	{ "RAM past ARM64_MAX_RAM", ram_past_max },
	{ "RAM wrapping around", ram_wraps },
	{ "initrd running past RAM", initrd_past_ram },
	{ "initrd bigger than RAM", initrd_bigger_than_ram },
	{ "initrd below RAM", initrd_below_ram },
	{ "initrd start wrapping", initrd_wraps },
	{ "initrd end wrapping", initrd_end_wraps },
	{ "virtio SPI past the GIC's", spi_past_range },
	{ "virtio SPI ~0", spi_huge },
	{ "virtio SPI of the UART", spi_is_uarts },
	{ "virtio SPI of the RTC", spi_is_rtcs },
	{ "virtio base below the window", base_below_window },
	{ "virtio base past the window", base_past_window },
	{ "virtio base unaligned", base_unaligned },
	{ "virtio base used twice", base_twice },
	{ "virtio slots NULL", virtio_null },
	{ "33 virtio slots", virtio_33 },
};

START_TEST(rejects_bad_params)
{
	const struct bad_case *c = &bad_cases[_i];
	struct arm64_fdt_params p = defaults();

	slots[0] = slot(0);
	slots[1] = slot(1);
	p.virtio = slots;
	p.nr_virtio = 2;
	ck_assert_int_eq(arm64_fdt_build(&p, blob, sizeof(blob)), 0);

	c->apply(&p);
	ck_assert_msg(arm64_fdt_build(&p, blob, sizeof(blob)) == -EINVAL,
		      "%s: not refused with -EINVAL", c->what);
}
END_TEST

START_TEST(rejects_null_pointers)
{
	struct arm64_fdt_params p = defaults();

	ck_assert_int_eq(arm64_fdt_build(NULL, blob, sizeof(blob)), -EINVAL);
	ck_assert_int_eq(arm64_fdt_build(&p, NULL, sizeof(blob)), -EINVAL);
}
END_TEST

/* The largest tree the parameters allow. */
static struct arm64_fdt_params biggest(char *cmdline, size_t len)
{
	struct arm64_fdt_params p = defaults();

	memset(cmdline, 'x', len - 1);
	cmdline[len - 1] = '\0';
	for (unsigned int i = 0; i < ARM64_VIRTIO_SLOTS; i++)
		slots[i] = slot(i);
	p.cmdline = cmdline;
	p.nr_cpus = ARM64_MAX_CPUS;
	p.ram_size = 16 * GiB;
	p.initrd_start = p.ram_base + GiB;
	p.initrd_size = 100 * MiB;
	p.virtio = slots;
	p.nr_virtio = ARM64_VIRTIO_SLOTS;
	p.pmu = true;
	p.its = true;
	return p;
}

START_TEST(too_small_a_buffer_is_e2big)
{
	static char cmdline[4096];
	struct arm64_fdt_params p = biggest(cmdline, sizeof(cmdline));
	uint32_t size;
	char *exact;

	build(&p);
	size = fdt_totalsize(blob);

	/* Every length short of the tree, each buffer allocated to the byte. */
	for (uint32_t len = 0; len < size; len++) {
		char *small = malloc(len ? len : 1);

		ck_assert_ptr_nonnull(small);
		ck_assert_msg(arm64_fdt_build(&p, small, len) == -E2BIG,
			      "%u of %u bytes: not -E2BIG", len, size);
		free(small);
	}

	/* Exactly the tree's size is enough, and makes the same tree. */
	exact = malloc(size);
	ck_assert_ptr_nonnull(exact);
	ck_assert_int_eq(arm64_fdt_build(&p, exact, size), 0);
	ck_assert_uint_eq(fdt_totalsize(exact), size);
	ck_assert_mem_eq(exact, blob, size);
	free(exact);
}
END_TEST

START_TEST(the_biggest_tree_fits_the_fdt_window)
{
	static char cmdline[4096];
	struct arm64_fdt_params p = biggest(cmdline, sizeof(cmdline));
	size_t huge = 2 * ARM64_FDT_MAX;
	char *big = malloc(huge);
	int chosen;

	build(&p);
	ck_assert_uint_le(fdt_totalsize(blob), ARM64_FDT_MAX);
	assert_virtio_nodes(slots, ARM64_VIRTIO_SLOTS);
	assert_u32(node("/cpus/cpu@30f"), "reg", 0x30f);
	node(ITS_PATH);
	node("/pmu");
	ck_assert_int_eq(fdt_check_full(blob, fdt_totalsize(blob)), 0);
	chosen = node("/chosen");
	assert_str(chosen, "bootargs", cmdline);
	assert_u64(chosen, "linux,initrd-end", ARM64_RAM_BASE + GiB + 100 * MiB);

	/* A buffer bigger than ARM64_FDT_MAX is fine: the tree is the same. */
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(arm64_fdt_build(&p, big, huge), 0);
	ck_assert_int_eq(fdt_check_header(big), 0);
	ck_assert_uint_eq(fdt_totalsize(big), fdt_totalsize(blob));
	ck_assert_mem_eq(big, blob, fdt_totalsize(blob));
	free(big);
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("fdt");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, root_holds_the_nodes_in_order);
	tcase_add_test(tc, root_points_at_the_gic);
	tcase_add_test(tc, pmu_node_only_when_asked);
	tcase_add_test(tc, cpu_features_pmu);
	tcase_add_test(tc, its_node_only_when_asked);
	tcase_add_test(tc, cpu_features_its);
	tcase_add_test(tc, gic_v3_node);
	tcase_add_test(tc, psci_timer_uart_pvpanic);
	tcase_add_test(tc, pl031_rtc_and_its_clock);
	tcase_add_test(tc, chosen_without_initrd);
	tcase_add_test(tc, chosen_with_initrd);
	tcase_add_loop_test(tc, memory_per_ram_size, 0, (int)ARRAY_SIZE(ram_sizes));
	tcase_add_test(tc, memory_elsewhere_and_at_the_limit);
	tcase_add_loop_test(tc, cpus_per_vcpu_count, 0, (int)ARRAY_SIZE(cpu_counts));
	tcase_add_loop_test(tc, virtio_per_device_count, 0, (int)ARRAY_SIZE(virtio_counts));
	tcase_add_test(tc, virtio_in_the_callers_order);
	tcase_add_loop_test(tc, rejects_bad_params, 0, (int)ARRAY_SIZE(bad_cases));
	tcase_add_test(tc, rejects_null_pointers);
	tcase_add_test(tc, too_small_a_buffer_is_e2big);
	tcase_add_test(tc, the_biggest_tree_fits_the_fdt_window);
	return run_tcase("arm64_fdt", tc);
}
