// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree an arm64 Linux guest boots with (fdt.h lists the nodes),
 * written front to back with libfdt's sequential-write API: root
 * properties, /chosen, /memory, /cpus, /psci, the GICv3 (with its ITS
 * inside if there is one), the architected timer, the PMU if there is
 * one, the UART, pvpanic, the APB clock and the PL031 RTC, then one
 * virtio-mmio node per device. The parameters are checked first, so
 * libfdt only ever fails for want of room. Each node's bindings are those
 * of the Linux kernel's Documentation/devicetree/bindings.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include <libfdt.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/layout.h"
#include "devices/virtio_mmio.h"

#define GIC_PHANDLE		1
#define APB_CLOCK_PHANDLE	2
#define APB_CLOCK_HZ		24000000	/* what QEMU's virt machine says */
#define UART_CLOCK_HZ		1843200	/* the 16550's classic 1.8432 MHz */
#define NODE_NAME_MAX		32	/* "virtio_mmio@" and 16 hex digits */

/* "name@addr", the unit address in hex as the DT spec writes it. */
static void node_name(char *buf, const char *name, uint64_t addr)
{
	snprintf(buf, NODE_NAME_MAX, "%s@%llx", name, (unsigned long long)addr);
}

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char buf[NODE_NAME_MAX];

	node_name(buf, name, addr);
	return fdt_begin_node(fdt, buf);
}

/* reg = <base size> in the root's two address and two size cells. */
static int prop_reg(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

/* interrupts = <0 spi flags>, in the GIC's three cells. */
static int prop_spi(void *fdt, unsigned int spi, unsigned int flags)
{
	fdt32_t irq[] = {
		cpu_to_fdt32(ARM64_GIC_SPI), cpu_to_fdt32(spi), cpu_to_fdt32(flags),
	};

	return fdt_property(fdt, "interrupts", irq, sizeof(irq));
}

/*
 * The MPIDR affinity KVM gives vCPU n unless told otherwise: 16 CPUs per
 * Aff1 cluster, so that a GICv3 SGI's 16-bit target list reaches each.
 */
static uint32_t cpu_mpidr(unsigned int n)
{
	return ((n >> 4) << 8) | (n & 0xf);
}

static int add_root(void *fdt)
{
	return fdt_begin_node(fdt, "") ?:
	       fdt_property_string(fdt, "compatible", "linux,dummy-virt") ?:
	       fdt_property_u32(fdt, "#address-cells", 2) ?:
	       fdt_property_u32(fdt, "#size-cells", 2) ?:
	       fdt_property_u32(fdt, "interrupt-parent", GIC_PHANDLE);
}

static int add_chosen(void *fdt, const struct arm64_fdt_params *p)
{
	char uart[NODE_NAME_MAX + 1] = "/";
	int err;

	node_name(uart + 1, "uart", ARM64_UART_BASE);
	err = fdt_begin_node(fdt, "chosen") ?:
	      fdt_property_string(fdt, "bootargs", p->cmdline) ?:
	      fdt_property_string(fdt, "stdout-path", uart);
	if (!err && p->initrd_size)
		err = fdt_property_u64(fdt, "linux,initrd-start", p->initrd_start) ?:
		      fdt_property_u64(fdt, "linux,initrd-end",
				       p->initrd_start + p->initrd_size);
	return err ?: fdt_end_node(fdt);
}

static int add_memory(void *fdt, const struct arm64_fdt_params *p)
{
	return begin_node_at(fdt, "memory", p->ram_base) ?:
	       fdt_property_string(fdt, "device_type", "memory") ?:
	       prop_reg(fdt, p->ram_base, p->ram_size) ?:
	       fdt_end_node(fdt);
}

static int add_cpus(void *fdt, unsigned int nr_cpus)
{
	int err = fdt_begin_node(fdt, "cpus") ?:
		  fdt_property_u32(fdt, "#address-cells", 1) ?:
		  fdt_property_u32(fdt, "#size-cells", 0);

	for (unsigned int i = 0; !err && i < nr_cpus; i++)
		err = begin_node_at(fdt, "cpu", cpu_mpidr(i)) ?:
		      fdt_property_string(fdt, "device_type", "cpu") ?:
		      fdt_property_string(fdt, "compatible", "arm,arm-v8") ?:
		      fdt_property_u32(fdt, "reg", cpu_mpidr(i)) ?:
		      fdt_property_string(fdt, "enable-method", "psci") ?:
		      fdt_end_node(fdt);
	return err ?: fdt_end_node(fdt);
}

static int add_psci(void *fdt)
{
	static const char compat[] = "arm,psci-1.0\0arm,psci-0.2";

	return fdt_begin_node(fdt, "psci") ?:
	       fdt_property(fdt, "compatible", compat, sizeof(compat)) ?:
	       fdt_property_string(fdt, "method", "hvc") ?:
	       fdt_end_node(fdt);
}

/* The ITS: a child of the GIC node, which has the root's cells and ranges. */
static int add_its(void *fdt)
{
	return begin_node_at(fdt, "msi-controller", ARM64_GIC_ITS_BASE) ?:
	       fdt_property_string(fdt, "compatible", "arm,gic-v3-its") ?:
	       fdt_property(fdt, "msi-controller", NULL, 0) ?:
	       fdt_property_u32(fdt, "#msi-cells", 1) ?:
	       prop_reg(fdt, ARM64_GIC_ITS_BASE, ARM64_GIC_ITS_SIZE) ?:
	       fdt_end_node(fdt);
}

static int add_gic(void *fdt, unsigned int nr_cpus, bool its)
{
	fdt64_t reg[] = {
		cpu_to_fdt64(ARM64_GIC_DIST_BASE),
		cpu_to_fdt64(ARM64_GIC_DIST_SIZE),
		cpu_to_fdt64(ARM64_GIC_REDIST_BASE),
		cpu_to_fdt64(nr_cpus * ARM64_GIC_REDIST_SIZE),
	};

	return begin_node_at(fdt, "intc", ARM64_GIC_DIST_BASE) ?:
	       fdt_property_string(fdt, "compatible", "arm,gic-v3") ?:
	       fdt_property(fdt, "interrupt-controller", NULL, 0) ?:
	       fdt_property_u32(fdt, "#interrupt-cells", 3) ?:
	       fdt_property_u32(fdt, "#address-cells", 2) ?:
	       fdt_property_u32(fdt, "#size-cells", 2) ?:
	       fdt_property(fdt, "ranges", NULL, 0) ?:
	       fdt_property(fdt, "reg", reg, sizeof(reg)) ?:
	       fdt_property_u32(fdt, "phandle", GIC_PHANDLE) ?:
	       (its ? add_its(fdt) : 0) ?:
	       fdt_end_node(fdt);
}

/* Secure physical, non-secure physical, virtual, hypervisor: the binding's order. */
static int add_timer(void *fdt)
{
	static const unsigned int ppis[] = {
		ARM64_TIMER_PPI_SEC, ARM64_TIMER_PPI_PHYS,
		ARM64_TIMER_PPI_VIRT, ARM64_TIMER_PPI_HYP,
	};
	fdt32_t irqs[3 * 4];

	for (unsigned int i = 0; i < 4; i++) {
		irqs[3 * i] = cpu_to_fdt32(ARM64_GIC_PPI);
		irqs[3 * i + 1] = cpu_to_fdt32(ppis[i]);
		irqs[3 * i + 2] = cpu_to_fdt32(ARM64_IRQ_LEVEL_HIGH);
	}
	return fdt_begin_node(fdt, "timer") ?:
	       fdt_property_string(fdt, "compatible", "arm,armv8-timer") ?:
	       fdt_property(fdt, "interrupts", irqs, sizeof(irqs)) ?:
	       fdt_property(fdt, "always-on", NULL, 0) ?:
	       fdt_end_node(fdt);
}

/* The PMU's overflow interrupt: one PPI, the same on every vCPU. */
static int add_pmu(void *fdt)
{
	fdt32_t irq[] = {
		cpu_to_fdt32(ARM64_GIC_PPI), cpu_to_fdt32(ARM64_PMU_PPI),
		cpu_to_fdt32(ARM64_IRQ_LEVEL_HIGH),
	};

	return fdt_begin_node(fdt, "pmu") ?:
	       fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3") ?:
	       fdt_property(fdt, "interrupts", irq, sizeof(irq)) ?:
	       fdt_end_node(fdt);
}

static int add_uart(void *fdt)
{
	return begin_node_at(fdt, "uart", ARM64_UART_BASE) ?:
	       fdt_property_string(fdt, "compatible", "ns16550a") ?:
	       prop_reg(fdt, ARM64_UART_BASE, ARM64_UART_SIZE) ?:
	       prop_spi(fdt, ARM64_UART_SPI, ARM64_IRQ_LEVEL_HIGH) ?:
	       fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ) ?:
	       fdt_property_u32(fdt, "reg-shift", 0) ?:
	       fdt_property_u32(fdt, "reg-io-width", 1) ?:
	       fdt_end_node(fdt);
}

static int add_pvpanic(void *fdt)
{
	return begin_node_at(fdt, "pvpanic", ARM64_PVPANIC_BASE) ?:
	       fdt_property_string(fdt, "compatible", "qemu,pvpanic-mmio") ?:
	       prop_reg(fdt, ARM64_PVPANIC_BASE, ARM64_PVPANIC_SIZE) ?:
	       fdt_end_node(fdt);
}

/*
 * The APB bus clock: Linux's AMBA bus enables a PrimeCell's "apb_pclk"
 * before it reads the peripheral ID, and does not probe a device without.
 */
static int add_apb_clock(void *fdt)
{
	return fdt_begin_node(fdt, "apb-pclk") ?:
	       fdt_property_string(fdt, "compatible", "fixed-clock") ?:
	       fdt_property_u32(fdt, "#clock-cells", 0) ?:
	       fdt_property_u32(fdt, "clock-frequency", APB_CLOCK_HZ) ?:
	       fdt_property_string(fdt, "clock-output-names", "clk24mhz") ?:
	       fdt_property_u32(fdt, "phandle", APB_CLOCK_PHANDLE) ?:
	       fdt_end_node(fdt);
}

static int add_rtc(void *fdt)
{
	static const char compat[] = "arm,pl031\0arm,primecell";

	return begin_node_at(fdt, "pl031", ARM64_RTC_BASE) ?:
	       fdt_property(fdt, "compatible", compat, sizeof(compat)) ?:
	       prop_reg(fdt, ARM64_RTC_BASE, ARM64_RTC_SIZE) ?:
	       prop_spi(fdt, ARM64_RTC_SPI, ARM64_IRQ_LEVEL_HIGH) ?:
	       fdt_property_u32(fdt, "clocks", APB_CLOCK_PHANDLE) ?:
	       fdt_property_string(fdt, "clock-names", "apb_pclk") ?:
	       fdt_end_node(fdt);
}

static int add_virtio(void *fdt, const struct arch_virtio_slot *slot)
{
	return begin_node_at(fdt, "virtio_mmio", slot->base) ?:
	       fdt_property_string(fdt, "compatible", "virtio,mmio") ?:
	       prop_reg(fdt, slot->base, VIRTIO_MMIO_SIZE) ?:
	       prop_spi(fdt, slot->irq, ARM64_IRQ_EDGE_RISING) ?:
	       fdt_property(fdt, "dma-coherent", NULL, 0) ?:
	       fdt_end_node(fdt);
}

static bool virtio_slot_ok(const struct arm64_fdt_params *p, unsigned int i)
{
	const struct arch_virtio_slot *s = &p->virtio[i];
	uint64_t end = ARM64_VIRTIO_MMIO_BASE + ARM64_VIRTIO_SLOTS * VIRTIO_MMIO_SIZE;

	if (s->base < ARM64_VIRTIO_MMIO_BASE || s->base >= end ||
	    s->base % VIRTIO_MMIO_SIZE ||
	    s->irq >= ARM64_NR_SPIS || s->irq == ARM64_UART_SPI ||
	    s->irq == ARM64_RTC_SPI)
		return false;
	for (unsigned int j = 0; j < i; j++)
		if (p->virtio[j].base == s->base)
			return false;
	return true;
}

static bool params_ok(const struct arm64_fdt_params *p)
{
	uint64_t ram_end = ARM64_RAM_BASE + ARM64_MAX_RAM;

	if (!p->cmdline || !p->nr_cpus || p->nr_cpus > ARM64_MAX_CPUS)
		return false;
	if (p->ram_base < ARM64_RAM_BASE || p->ram_base >= ram_end ||
	    !p->ram_size || p->ram_size > ram_end - p->ram_base)
		return false;
	if (p->initrd_size &&
	    (p->initrd_start < p->ram_base || p->initrd_size > p->ram_size ||
	     p->initrd_start - p->ram_base > p->ram_size - p->initrd_size))
		return false;
	if (p->nr_virtio > ARM64_VIRTIO_SLOTS || (p->nr_virtio && !p->virtio))
		return false;
	for (unsigned int i = 0; i < p->nr_virtio; i++)
		if (!virtio_slot_ok(p, i))
			return false;
	return true;
}

int arm64_fdt_build(const struct arm64_fdt_params *p, void *buf, size_t len)
{
	int err;

	if (!p || !buf || !params_ok(p))
		return -EINVAL;
	if (len > ARM64_FDT_MAX)
		len = ARM64_FDT_MAX;	/* more is never needed; libfdt sizes are ints */

	err = fdt_create(buf, (int)len) ?:
	      fdt_finish_reservemap(buf) ?:
	      add_root(buf) ?:
	      add_chosen(buf, p) ?:
	      add_memory(buf, p) ?:
	      add_cpus(buf, p->nr_cpus) ?:
	      add_psci(buf) ?:
	      add_gic(buf, p->nr_cpus, p->its) ?:
	      add_timer(buf) ?:
	      (p->pmu ? add_pmu(buf) : 0) ?:
	      add_uart(buf) ?:
	      add_pvpanic(buf) ?:
	      add_apb_clock(buf) ?:
	      add_rtc(buf);
	for (unsigned int i = 0; !err && i < p->nr_virtio; i++)
		err = add_virtio(buf, &p->virtio[i]);
	err = err ?: fdt_end_node(buf) ?: fdt_finish(buf);

	if (err == -FDT_ERR_NOSPACE)
		return -E2BIG;
	return err ? -EIO : 0;
}
