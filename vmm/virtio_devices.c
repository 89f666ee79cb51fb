// SPDX-License-Identifier: GPL-2.0
/*
 * Creating, placing and announcing the in-process virtio devices.
 */
#include "virtio_devices.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/arch.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "devices/virtio_rng.h"
#include "vmm/vm.h"

static int add_device(struct vm *vm, const struct virtio_device *dev,
		      char *err, size_t len)
{
	struct vm_virtio_slot *s = &vm->virtio[vm->nr_virtio];
	struct virtio_mmio_params p = { .vm_fd = vm->vm_fd, .mem = vm->mem };
	int ret;

	if (arch_virtio_slot(vm->nr_virtio, &p.base, &p.irq)) {
		snprintf(err, len, "too many virtio devices for this machine");
		return -ENOSPC;
	}
	ret = virtio_mmio_create(&p, dev, &s->transport);
	if (ret) {
		snprintf(err, len, "%s: cannot start: %s", dev->name, strerror(-ret));
		return ret;
	}
	s->base = p.base;
	s->irq = p.irq;
	s->name = dev->name;
	vm->nr_virtio++;
	ret = bus_add(&vm->mmio, p.base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, s->transport);
	if (ret)
		snprintf(err, len, "%s: no room on the MMIO bus: %s", dev->name, strerror(-ret));
	return ret;
}

static int add_disk(struct vm *vm, unsigned int i, char *err, size_t len)
{
	const struct disk_config *d = &vm->cfg->disks[i];
	struct virtio_device dev;
	struct virtio_blk *blk;
	char serial[24];
	int ret;

	snprintf(serial, sizeof(serial), "vmm-disk%u", i);
	ret = virtio_blk_create(d->path, d->read_only, serial, &blk);
	if (ret == -EINVAL) {
		snprintf(err, len, "--disk %s: not a regular file or block device whose size is a non-zero multiple of 512 bytes", d->path);
		return ret;
	}
	if (ret) {
		snprintf(err, len, "--disk %s: %s", d->path, strerror(-ret));
		return ret;
	}
	vm->disks[i] = blk;
	virtio_blk_describe(blk, &dev);
	return add_device(vm, &dev, err, len);
}

int vm_virtio_create(struct vm *vm, char *err, size_t len)
{
	struct virtio_device dev;
	unsigned int i;
	int ret;

	for (i = 0; i < vm->cfg->nr_disks; i++) {
		ret = add_disk(vm, i, err, len);
		if (ret)
			return ret;
	}
	if (vm->cfg->rng) {
		virtio_rng_describe(&dev);
		return add_device(vm, &dev, err, len);
	}
	return 0;
}

void vm_virtio_destroy(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_virtio; i++)
		virtio_mmio_destroy(vm->virtio[i].transport);
	vm->nr_virtio = 0;
	for (i = 0; i < VMM_MAX_DISKS; i++) {
		virtio_blk_destroy(vm->disks[i]);
		vm->disks[i] = NULL;
	}
}

int vm_virtio_cmdline(const struct vm *vm, char *buf, size_t len)
{
	size_t used = strlen(buf);
	unsigned int i;

	for (i = 0; i < vm->nr_virtio; i++) {
		int n = snprintf(buf + used, len - used, " virtio_mmio.device=4K@0x%llx:%u",
				 (unsigned long long)vm->virtio[i].base, vm->virtio[i].irq);

		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return 0;
}

void vm_virtio_print_stats(const struct vm *vm, FILE *out)
{
	unsigned int i;

	for (i = 0; i < vm->nr_virtio; i++) {
		const struct vm_virtio_slot *s = &vm->virtio[i];
		struct virtio_mmio_stats st;

		virtio_mmio_stats(s->transport, &st);
		fprintf(out, "vmm: virtio%u %s at 0x%llx irq %u: status 0x%x, features 0x%llx, %llu requests, %llu bytes to the guest\n",
			i, s->name, (unsigned long long)s->base, s->irq, st.status,
			(unsigned long long)st.driver_features,
			(unsigned long long)st.chains,
			(unsigned long long)st.bytes_to_guest);
	}
}
