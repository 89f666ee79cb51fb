// SPDX-License-Identifier: GPL-2.0
/*
 * Creating, placing and announcing the in-process virtio devices.
 */
#include "virtio_devices.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "arch/arch.h"
#include "devices/vhost_user.h"
#include "devices/vhost_user_backend.h"
#include "devices/vhost_user_device.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_mmio.h"
#include "devices/virtio_net.h"
#include "devices/virtio_rng.h"
#include "devices/vhost_user_backend_thread.h"
#include "vmm/vm.h"

/* A device whose backend is lost says so once, naming itself. */
static void report_failure(void *ctx, const char *device, int err)
{
	(void)ctx;
	fprintf(stderr, "vmm: %s: backend lost (%s); the device fails every request from now on\n",
		device, strerror(-err));
}

static int add_device(struct vm *vm, const struct virtio_device *dev,
		      char *err, size_t len)
{
	struct vm_virtio_slot *s = &vm->virtio[vm->nr_virtio];
	struct virtio_mmio_params p = {
		.vm_fd = vm->vm_fd, .mem = vm->mem, .report = report_failure,
	};
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

static const char *vhost_user_error(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return "the backend did not answer";
	case -ECONNRESET:
		return "the backend closed the connection";
	case -EPROTO:
		return "the backend broke the vhost-user protocol";
	case -EIO:
		return "the backend refused";
	default:
		return strerror(-err);
	}
}

/*
 * A vhost-user device on sock (taken over). option is what the user
 * typed ("--vhost-user-blk socket=/run/x"), name what messages call it.
 */
static int add_vhost_user(struct vm *vm, struct vhost_user_device_params *p,
			  const char *option, struct vhost_user_device **out,
			  char *err, size_t len)
{
	struct virtio_device dev;
	const char *request;
	int ret;

	ret = vhost_user_device_create(p, out, &request);
	if (ret == -EOPNOTSUPP) {
		snprintf(err, len, "%s: the backend lacks %s", option,
			 p->type == VHOST_USER_BLK ? "VIRTIO_F_VERSION_1 or the CONFIG protocol feature" :
			 "VIRTIO_F_VERSION_1");
		return ret;
	}
	if (ret) {
		snprintf(err, len, "%s: %s%s%s", option, vhost_user_error(ret),
			 request ? " at " : "", request ? request : "");
		return ret;
	}
	vhost_user_device_describe(*out, &dev);
	return add_device(vm, &dev, err, len);
}

/* The sharing object, or the refusal naming the option. */
static int need_sharing(struct vm *vm, const char *option, char *err, size_t len)
{
	char what[PATH_MAX + 64];

	snprintf(what, sizeof(what), "%s: vhost-user needs shareable guest memory", option);
	return vm_get_sharing(vm, what, err, len);
}

/* --vhost-user-blk / --vhost-user-net socket=PATH: another process. */
static int connect_vhost_user(struct vm *vm, struct vhost_user_device_params *p,
			      const char *opt, const char *path,
			      struct vhost_user_device **out, char *err, size_t len)
{
	char option[PATH_MAX + 32];
	int ret;

	snprintf(option, sizeof(option), "%s socket=%s", opt, path);
	ret = need_sharing(vm, opt, err, len);
	if (ret)
		return ret;
	p->sharing = vm->sharing;
	p->name = option + 2;
	p->sock = vhost_user_connect(path);
	if (p->sock < 0) {
		snprintf(err, len, "%s: cannot connect: %s", option, strerror(-p->sock));
		return p->sock;
	}
	return add_vhost_user(vm, p, option, out, err, len);
}

/* A --disk file that cannot be served: one line. */
static int disk_error(const char *path, int ret, char *err, size_t len)
{
	if (ret == -EINVAL)
		snprintf(err, len, "--disk %s: not a regular file or block device whose size is a non-zero multiple of 512 bytes", path);
	else
		snprintf(err, len, "--disk %s: %s", path, strerror(-ret));
	return ret;
}

/* --disk PATH,backend=thread: vmm-blkd's code, in a thread of ours. */
static int add_thread_disk(struct vm *vm, unsigned int i, char *err, size_t len)
{
	const struct disk_config *d = &vm->cfg->disks[i];
	struct vhost_user_device_params p = { .type = VHOST_USER_BLK };
	struct vhost_user_backend *backend;
	char option[PATH_MAX + 32];
	int ret;

	snprintf(option, sizeof(option), "--disk %s,backend=thread", d->path);
	ret = need_sharing(vm, "--disk backend=thread", err, len);
	if (ret)
		return ret;
	ret = vhost_user_blk_backend_create(d->path, d->read_only, &backend);
	if (ret)
		return disk_error(d->path, ret, err, len);
	p.name = option + 2;
	ret = backend_thread_start(backend, p.name, &p.sock, &vm->disk_threads[i]);
	if (ret) {
		vhost_user_backend_destroy(backend);
		snprintf(err, len, "%s: cannot start the backend thread: %s", option, strerror(-ret));
		return ret;
	}
	p.sharing = vm->sharing;
	return add_vhost_user(vm, &p, option, &vm->vhost_disks[i], err, len);
}

static int add_disk(struct vm *vm, unsigned int i, char *err, size_t len)
{
	const struct disk_config *d = &vm->cfg->disks[i];
	struct virtio_device dev;
	struct virtio_blk *blk;
	char serial[24];
	int ret;

	if (d->backend == DISK_BACKEND_VHOST_USER) {
		struct vhost_user_device_params p = { .type = VHOST_USER_BLK };

		return connect_vhost_user(vm, &p, "--vhost-user-blk", d->path,
					  &vm->vhost_disks[i], err, len);
	}
	if (d->backend == DISK_BACKEND_THREAD)
		return add_thread_disk(vm, i, err, len);
	snprintf(serial, sizeof(serial), "vmm-disk%u", i);
	ret = virtio_blk_create(d->path, d->read_only, serial, &blk);
	if (ret)
		return disk_error(d->path, ret, err, len);
	vm->disks[i] = blk;
	virtio_blk_describe(blk, &dev);
	return add_device(vm, &dev, err, len);
}

static const char *tap_error(int err)
{
	switch (err) {
	case -ENOENT: case -ENODEV: case -ENXIO:
		return "no /dev/net/tun (is the tun module loaded?)";
	case -EACCES:
		return "cannot open /dev/net/tun: Permission denied";
	case -EPERM:
		return "not allowed to create or attach it (needs CAP_NET_ADMIN, or a tap owned by this user)";
	case -EBUSY:
		return "in use by another process";
	case -EINVAL:
		return "exists and is not a single-queue tap device";
	default:
		return strerror(-err);
	}
}

/* 52:54:00 (locally administered, as QEMU uses it) and 3 random bytes. */
static void default_mac(uint8_t mac[6])
{
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	if (getrandom(mac + 3, 3, 0) != 3)
		memset(mac + 3, 0x12, 3);
}

static int add_net(struct vm *vm, unsigned int i, char *err, size_t len)
{
	const struct net_config *n = &vm->cfg->nets[i];
	struct virtio_device dev;
	uint8_t mac[6];
	int ret;

	if (n->have_mac)
		memcpy(mac, n->mac, sizeof(mac));
	else
		default_mac(mac);
	if (n->socket[0]) {
		struct vhost_user_device_params p = { .type = VHOST_USER_NET };

		memcpy(p.mac, mac, sizeof(mac));
		return connect_vhost_user(vm, &p, "--vhost-user-net", n->socket,
					  &vm->vhost_nets[i], err, len);
	}
	ret = virtio_net_create(n->tap, mac, &vm->nets[i]);
	if (ret) {
		snprintf(err, len, "--net tap=%s: %s", n->tap, tap_error(ret));
		return ret;
	}
	virtio_net_describe(vm->nets[i], &dev);
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
		ret = add_device(vm, &dev, err, len);
		if (ret)
			return ret;
	}
	for (i = 0; i < vm->cfg->nr_nets; i++) {
		ret = add_net(vm, i, err, len);
		if (ret)
			return ret;
	}
	return 0;
}

int vm_virtio_attach_irqs(struct vm *vm, char *err, size_t len)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vm->nr_virtio; i++) {
		ret = virtio_mmio_attach_irq(vm->virtio[i].transport);
		if (ret) {
			snprintf(err, len, "%s: cannot connect irq %u: %s", vm->virtio[i].name,
				 vm->virtio[i].irq, strerror(-ret));
			return ret;
		}
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
		vhost_user_device_destroy(vm->vhost_disks[i]);
		vm->vhost_disks[i] = NULL;
		backend_thread_stop(vm->disk_threads[i]);
		vm->disk_threads[i] = NULL;
	}
	for (i = 0; i < VMM_MAX_NETS; i++) {
		virtio_net_destroy(vm->nets[i]);
		vm->nets[i] = NULL;
		vhost_user_device_destroy(vm->vhost_nets[i]);
		vm->vhost_nets[i] = NULL;
	}
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

int vm_virtio_cmdline(const struct vm *vm, const char *cmdline, char *buf,
		      size_t len)
{
	size_t used = strlen(buf);
	unsigned int i;

	/* With ACPI the devices are in the DSDT; a second listing would clash. */
	if (!has_word(cmdline, "acpi=off"))
		return 0;

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
		fprintf(out, "vmm: virtio%u %s at 0x%llx irq %u: status 0x%x, features 0x%llx, %llu requests, %llu bytes to the guest%s\n",
			i, s->name, (unsigned long long)s->base, s->irq, st.status,
			(unsigned long long)st.driver_features,
			(unsigned long long)st.chains,
			(unsigned long long)st.bytes_to_guest,
			st.failed ? ", backend lost" : "");
	}
}
