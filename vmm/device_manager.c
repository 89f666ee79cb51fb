// SPDX-License-Identifier: GPL-2.0
/*
 * Creating, placing, announcing and destroying the VM's virtio devices.
 */
#include "device_manager.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "devices/virtio_mmio.h"

static int place(struct device_manager *dm, struct managed_device *m,
		 struct bus *mmio, char *err, size_t len)
{
	struct virtio_mmio_params p = { .host = &dm->host.host, .mem = dm->env.mem };
	int ret;

	if (arch_virtio_slot(dm->nr, &p.base, &p.irq)) {
		snprintf(err, len, "too many virtio devices for this machine");
		return -ENOSPC;
	}
	ret = virtio_mmio_create(&p, &m->dev, &m->transport);
	if (ret) {
		snprintf(err, len, "%s: cannot start: %s", m->dev.name, strerror(-ret));
		return ret;
	}
	m->base = p.base;
	m->irq = p.irq;
	ret = bus_add(mmio, p.base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, m->transport);
	if (ret)
		snprintf(err, len, "%s: no room on the MMIO bus: %s", m->dev.name, strerror(-ret));
	return ret;
}

/* How many devices of kind come before entry i of the config. */
static unsigned int index_of(const struct vm_config *cfg, unsigned int i)
{
	unsigned int k, n = 0;

	for (k = 0; k < i; k++)
		n += !strcmp(cfg->devices[k].kind->group, cfg->devices[i].kind->group);
	return n;
}

int device_manager_create(struct device_manager *dm, const struct vm_config *cfg,
			  struct bus *mmio, char *err, size_t len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < cfg->nr_devices; i++) {
		const struct device_config *c = &cfg->devices[i];
		struct managed_device *m = &dm->devices[dm->nr];

		dm->env.index = index_of(cfg, i);
		memset(m, 0, sizeof(*m));
		ret = c->kind->create(c->spec, &dm->env, &m->dev, err, len);
		if (ret)
			return ret;
		ret = place(dm, m, mmio, err, len);
		dm->nr++;	/* placed or not, it is ours to destroy */
		if (ret)
			return ret;
	}
	return 0;
}

int device_manager_attach_irqs(struct device_manager *dm, char *err, size_t len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < dm->nr; i++) {
		ret = virtio_mmio_attach_irq(dm->devices[i].transport);
		if (ret) {
			snprintf(err, len, "%s: cannot connect irq %u: %s", dm->devices[i].dev.name,
				 dm->devices[i].irq, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void device_manager_destroy(struct device_manager *dm)
{
	unsigned int i;

	for (i = 0; i < dm->nr; i++) {
		struct managed_device *m = &dm->devices[i];

		virtio_mmio_destroy(m->transport);
		if (m->dev.ops->destroy)
			m->dev.ops->destroy(m->dev.opaque);
	}
	dm->nr = 0;
}

unsigned int device_manager_slots(const struct device_manager *dm,
				  struct arch_virtio_slot *slots, unsigned int max)
{
	unsigned int i;

	for (i = 0; i < dm->nr && i < max; i++)
		slots[i] = (struct arch_virtio_slot){ dm->devices[i].base, dm->devices[i].irq };
	return i;
}

/* True if the word (e.g. "acpi=off") stands alone in the command line. */
static bool has_word(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p = cmdline;

	while ((p = strstr(p, word))) {
		if ((p == cmdline || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

int device_manager_cmdline(const struct device_manager *dm, const char *cmdline,
			   char *buf, size_t len)
{
	size_t used = strlen(buf);
	unsigned int i;

	/* With ACPI the devices are in the DSDT; a second listing would clash. */
	if (!has_word(cmdline, "acpi=off"))
		return 0;

	for (i = 0; i < dm->nr; i++) {
		int n = snprintf(buf + used, len - used, " virtio_mmio.device=4K@0x%llx:%u",
				 (unsigned long long)dm->devices[i].base, dm->devices[i].irq);

		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return 0;
}

void device_manager_print_stats(const struct device_manager *dm, FILE *out)
{
	unsigned int i;

	for (i = 0; i < dm->nr; i++) {
		const struct managed_device *m = &dm->devices[i];
		struct virtio_mmio_stats st;

		virtio_mmio_stats(m->transport, &st);
		fprintf(out, "vmm: virtio%u %s at 0x%llx irq %u: status 0x%x, features 0x%llx, %llu requests, %llu bytes to the guest%s\n",
			i, m->dev.name, (unsigned long long)m->base, m->irq, st.status,
			(unsigned long long)st.driver_features,
			(unsigned long long)st.chains,
			(unsigned long long)st.bytes_to_guest,
			st.failed ? ", backend lost" : "");
	}
}
