// SPDX-License-Identifier: GPL-2.0
/*
 * Building a VM from its config, running it, and tearing it down. This is
 * the layer that knows what the user asked for, so it turns the modules'
 * error codes into one-line messages.
 */
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/memory_socket.h"
#include "vmm/timeline.h"
#include "devices/host/seccomp.h"
#include "devices/serial.h"
#include "vmm/vcpu.h"

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

static int open_kvm(struct vm *vm, char *err, size_t len)
{
	const char *missing;
	int fd = kvm_open(&missing);

	switch (fd) {
	case -ENOENT:
		return fail(err, len, fd, "/dev/kvm does not exist: load the kvm module, or run on a host with virtualization");
	case -EACCES:
		return fail(err, len, fd, "/dev/kvm: permission denied: add this user to the group that owns /dev/kvm (usually 'kvm')");
	case -EPROTO:
		return fail(err, len, fd, "/dev/kvm: unsupported KVM API version (need 12)");
	case -ENOSYS:
		return fail(err, len, fd, "/dev/kvm: host KVM lacks %s", missing);
	default:
		if (fd < 0)
			return fail(err, len, fd, "/dev/kvm: %s", strerror(-fd));
	}
	vm->kvm_fd = fd;
	vm->vm_fd = ioctl(fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return fail(err, len, -errno, "KVM_CREATE_VM: %s", strerror(errno));
	return 0;
}

/* Host-dependent memory checks, with messages that say what to change. */
static int check_memory(const struct guest_memory_config *m, char *err,
			size_t len)
{
	char a[32], b[32];
	long page = guest_memory_page_size(m);
	long need, avail;

	if (page == -ENOENT)
		return fail(err, len, -EINVAL, "--memory: backend=hugetlb: this host has no huge pages");
	if (page == -ENOTTY)
		return fail(err, len, -EINVAL, "--memory: path=%s is not a hugetlbfs mount", m->hugetlb_path);
	if (page < 0)
		return fail(err, len, (int)page, "--memory: %s: %s",
			    m->hugetlb_path ? m->hugetlb_path : "huge page size",
			    strerror((int)-page));
	if (m->size % (uint64_t)page)
		return fail(err, len, -EINVAL, "--memory: size %s is not a multiple of the %s page size",
			    format_size(m->size, a, sizeof(a)),
			    format_size((uint64_t)page, b, sizeof(b)));
	if (m->backend != GUEST_MEMORY_HUGETLB)
		return 0;
	need = (long)(m->size / (uint64_t)page);
	avail = hugetlb_free_pages(page);
	if (avail >= 0 && avail < need)
		return fail(err, len, -ENOMEM, "--memory: backend=hugetlb needs %ld free %s huge pages, %ld available: reserve them with 'echo %ld > /proc/sys/vm/nr_hugepages'",
			    need, format_size((uint64_t)page, a, sizeof(a)), avail,
			    hugetlb_total_pages(page) + need - avail);
	return 0;
}

static int setup_memory(struct vm *vm, char *err, size_t len)
{
	const struct guest_memory_config *m = &vm->cfg->memory;
	struct guest_range layout[GUEST_MEMORY_MAX_REGIONS];
	char a[32];
	unsigned int i;
	int nr, ret;

	ret = check_memory(m, err, len);
	if (ret)
		return ret;
	nr = arch_ram_layout(m->size, layout, GUEST_MEMORY_MAX_REGIONS);
	if (nr == -ERANGE)
		return fail(err, len, nr, "--memory: %s is too small for this machine",
			    format_size(m->size, a, sizeof(a)));
	if (nr < 0)
		return fail(err, len, nr, "--memory: %s does not fit this machine's guest-physical address space",
			    format_size(m->size, a, sizeof(a)));
	ret = guest_memory_create(m, layout, (unsigned int)nr, &vm->mem);
	if (ret == -E2BIG)
		return fail(err, len, ret, "--memory: %s is more than this host's RAM",
			    format_size(m->size, a, sizeof(a)));
	if (ret == -ENOMEM && m->backend == GUEST_MEMORY_HUGETLB)
		return fail(err, len, ret, "--memory: could not reserve %s of huge pages: reserve more in /proc/sys/vm/nr_hugepages",
			    format_size(m->size, a, sizeof(a)));
	if (ret)
		return fail(err, len, ret, "--memory: cannot allocate %s (backend=%s): %s",
			    format_size(m->size, a, sizeof(a)),
			    guest_memory_backend_name(m->backend), strerror(-ret));

	for (i = 0; i < guest_memory_nr_regions(vm->mem); i++) {
		const struct guest_region *r = guest_memory_region(vm->mem, i);
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uint64_t)(uintptr_t)r->host,
		};

		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
			return fail(err, len, -errno, "KVM_SET_USER_MEMORY_REGION (slot %u at 0x%llx): %s",
				    i, (unsigned long long)r->gpa, strerror(errno));
	}
	return 0;
}

/* Reads a whole file (--kernel, --initrd); refuses what cannot fit in RAM. */
static int read_file(struct vm *vm, const char *opt, const char *path,
		     void **data, size_t *size, char *err, size_t len)
{
	struct stat st;
	size_t done = 0;
	char *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, len, -errno, "%s %s: %s", opt, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, len, -EINVAL, "%s %s: not a regular file", opt, path);
	}
	if ((uint64_t)st.st_size > guest_memory_size(vm->mem)) {
		close(fd);
		return fail(err, len, -E2BIG, "%s %s: %lld bytes do not fit in guest RAM",
			    opt, path, (long long)st.st_size);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return fail(err, len, -ENOMEM, "%s %s: out of memory", opt, path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);

		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			free(buf);
			close(fd);
			return fail(err, len, -e, "%s %s: %s", opt, path, strerror(e));
		}
		done += (size_t)n;
	}
	close(fd);
	*data = buf;
	*size = done;
	return 0;
}

static int load_kernel(struct vm *vm, char *err, size_t len)
{
	const struct vm_config *cfg = vm->cfg;
	struct arch_virtio_slot slots[VMM_MAX_DEVICES];
	struct arch_kernel k = {
		.format = cfg->kernel_format, .cmdline = vm->cmdline, .name = cfg->kernel,
		.nr_cpus = cfg->cpus,
		.features = &vm->cpu_features, .virtio = slots,
	};
	const char *why = "unknown error";
	void *image = NULL, *initrd = NULL;
	int ret;

	k.nr_virtio = device_manager_slots(&vm->devices, slots, VMM_MAX_DEVICES);

	ret = read_file(vm, "--kernel", cfg->kernel, &image, &k.image_size, err, len);
	if (!ret && cfg->initrd)
		ret = read_file(vm, "--initrd", cfg->initrd, &initrd, &k.initrd_size,
				err, len);
	if (!ret) {
		k.image = image;
		k.initrd = initrd;
		ret = arch_load_kernel(vm->mem, &k, &vm->boot, &why);
		if (ret)
			fail(err, len, ret, "--kernel %s: %s", cfg->kernel, why);
	}
	free(image);
	free(initrd);
	return ret;
}

/*
 * The guest memory's sharing object, for consumer (an option, named in
 * the error): got once, kept in vm->sharing until vm_destroy. For
 * private memory the error line is the sharing object's refusal.
 */
static int get_sharing(struct vm *vm, const char *consumer, char *err, size_t len)
{
	int ret;

	if (vm->sharing)
		return 0;
	ret = guest_memory_sharing_get(vm->mem, &vm->sharing);
	if (ret == -EGUEST_MEMORY_PRIVATE)
		return fail(err, len, ret, "%s: %s", consumer,
			    guest_memory_sharing_refusal(vm->mem));
	if (ret)
		return fail(err, len, ret, "%s: %s", consumer, strerror(-ret));
	return 0;
}

/* A platform device ends the VM. */
static void stop_from_device(void *vm, int status, const char *reason)
{
	stop_request(&((struct vm *)vm)->stop, status, "%s", reason);
}

/* A platform device drives its interrupt line. */
static void set_irq_line(void *vm, unsigned int irq, int level)
{
	/* Cannot fail for a valid line of the in-kernel irqchip. */
	arch_irq_line(((struct vm *)vm)->vm_fd, irq, level);
}

static int setup_platform(struct vm *vm)
{
	struct platform_params p = {
		.pio = &vm->pio, .mmio = &vm->mmio,
		.set_irq = set_irq_line, .irq_ctx = vm,
		.stop = stop_from_device, .stop_ctx = vm,
		.debug_exit = vm->cfg->debug_exit,
	};

	return platform_create(&vm->platform, &p);
}

/* The device manager's env.get_sharing: the VM's sharing object. */
static int env_get_sharing(const struct device_env *env, const char *consumer,
			   const struct guest_memory_sharing **out, char *err,
			   size_t len)
{
	struct vm *vm = env->ctx;
	int ret = get_sharing(vm, consumer, err, len);

	*out = vm->sharing;
	return ret;
}

static int setup_devices(struct vm *vm, char *err, size_t len)
{
	struct device_manager *dm = &vm->devices;

	kvm_device_host_init(&dm->host, vm->vm_fd);
	dm->env = (struct device_env){
		.host = &dm->host.host,
		.mem = vm->mem,
		.get_sharing = env_get_sharing,
		.ctx = vm,
	};
	return device_manager_create(dm, vm->cfg, &vm->mmio, err, len);
}

static int setup_memory_socket(struct vm *vm, char *err, size_t len)
{
	int ret;

	if (!vm->cfg->memory_socket)
		return 0;
	ret = get_sharing(vm, "--memory-socket", err, len);
	if (ret)
		return ret;
	ret = memory_socket_open(vm->cfg->memory_socket, vm->sharing, &vm->memory_socket);
	if (ret)
		return fail(err, len, ret, "--memory-socket %s: %s",
			    vm->cfg->memory_socket, strerror(-ret));
	return 0;
}

/*
 * --cpu-features, or on a PVM host what its emulator cannot run; then
 * what of the rest KVM offers (the firmware tables and vCPUs follow it).
 */
static int setup_cpu_features(struct vm *vm, char *err, size_t len)
{
	char bad[64];
	int ret;

	if (vm->cfg->cpu_features_given)
		vm->cpu_features = vm->cfg->cpu_features;
	else if (kvm_is_pvm_host() &&
		 arch_cpu_features_parse(arch_pvm_hidden_features, &vm->cpu_features,
					 bad, sizeof(bad)))
		return fail(err, len, -EINVAL, "internal: cannot hide '%s'", bad);
	ret = arch_cpu_features_probe(vm->vm_fd, &vm->cpu_features);
	if (ret)
		return fail(err, len, ret, "ask KVM for the guest's CPU features: %s",
			    strerror(-ret));
	return 0;
}

/* The user's command line (or the default), then what the VMM adds. */
static int build_cmdline(struct vm *vm, char *err, size_t len)
{
	const char *base = vm->cfg->cmdline ? vm->cfg->cmdline : VM_DEFAULT_CMDLINE;
	char extras[2048];
	int n;

	if (arch_cmdline_extras(&vm->cpu_features, extras, sizeof(extras)) ||
	    device_manager_cmdline(&vm->devices, base, extras, sizeof(extras)))
		return fail(err, len, -ENOSPC, "too many words to add to the command line");
	n = snprintf(NULL, 0, "%s%s", base, extras);
	vm->cmdline = malloc((size_t)n + 1);
	if (!vm->cmdline)
		return fail(err, len, -ENOMEM, "out of memory");
	snprintf(vm->cmdline, (size_t)n + 1, "%s%s", base, extras);
	return 0;
}

/* Coalescing lasts until the guest's UART driver starts waiting for THRI. */
static bool console_polled(void *ctx)
{
	const struct vm *vm = ctx;

	if (!serial_tx_irq_used(vm->platform.serial))
		return true;
	timeline_mark(TIMELINE_CONSOLE_IRQ);
	return false;
}

/* The console's transmit register, coalesced where KVM can (best effort). */
static void setup_coalesced(struct vm *vm)
{
	struct coalesced_params p = {
		.kvm_fd = vm->kvm_fd, .vm_fd = vm->vm_fd, .vcpu_fd = vm->vcpus[0].fd,
		.pio = &vm->pio, .mmio = &vm->mmio,
		.addr = vm->platform.serial_base, .pio_bus = vm->platform.serial_on_pio,
		.keep = console_polled, .ctx = vm,
	};

	if (!vm->platform.serial)
		p.kvm_fd = -1;	/* no console: set up, inactive */
	coalesced_init(&vm->coalesced, &p);
}

static int setup_vcpus(struct vm *vm, char *err, size_t len)
{
	int fds[VMM_MAX_CPUS];
	unsigned int i;
	int ret;

	vm->vcpus = calloc(vm->cfg->cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return fail(err, len, -ENOMEM, "out of memory");
	vm->nr_vcpus = vm->cfg->cpus;
	for (i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = -1;
	vm->vcpu_env = (struct vcpu_env){
		.kvm_fd = vm->kvm_fd, .vm_fd = vm->vm_fd, .nr_cpus = vm->nr_vcpus,
		.boot = &vm->boot, .features = &vm->cpu_features,
		.pio = &vm->pio, .mmio = &vm->mmio, .stop = &vm->stop,
		.coalesced = &vm->coalesced,
	};
	for (i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_create(&vm->vcpu_env, i, &vm->vcpus[i]);
		if (ret)
			return fail(err, len, ret, "vcpu %u: %s", i, strerror(-ret));
	}
	setup_coalesced(vm);
	for (i = 0; i < vm->nr_vcpus; i++)
		fds[i] = vm->vcpus[i].fd;
	ret = arch_vcpus_ready(vm->vm_fd, fds, vm->nr_vcpus, &vm->cpu_features);
	if (ret)
		return fail(err, len, ret, "set up the interrupt controller and per-vCPU devices for %u vCPUs: %s",
			    vm->nr_vcpus, strerror(-ret));
	return 0;
}

int vm_create(const struct vm_config *cfg, struct vm **out, char *err,
	      size_t len)
{
	struct vm *vm;
	int ret;

	ret = stop_block_signals();	/* before any thread starts */
	if (ret)
		return fail(err, len, ret, "block signals: %s", strerror(-ret));
	/* A reader of the guest's output that goes away is EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	ret = vmm_seccomp_configure(cfg->seccomp, "vmm");	/* likewise */
	if (ret)
		return fail(err, len, ret, "--seccomp: %s", strerror(-ret));
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return fail(err, len, -ENOMEM, "out of memory");
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	ret = stop_init(&vm->stop);
	if (ret) {
		fail(err, len, ret, "eventfd: %s", strerror(-ret));
		goto out;
	}

	ret = open_kvm(vm, err, len);
	if (!ret)
		ret = setup_memory(vm, err, len);
	if (!ret) {
		timeline_mark(TIMELINE_MEMORY);
		ret = arch_vm_init(vm->vm_fd);
		if (ret)
			fail(err, len, ret, "set up the VM's interrupt controller: %s", strerror(-ret));
	}
	if (!ret)
		ret = setup_devices(vm, err, len);
	if (!ret)
		ret = setup_cpu_features(vm, err, len);
	if (!ret)
		ret = build_cmdline(vm, err, len);
	if (!ret)
		ret = load_kernel(vm, err, len);
	if (!ret) {
		timeline_mark(TIMELINE_KERNEL);
		ret = setup_platform(vm);
		if (ret)
			fail(err, len, ret, "add platform devices: %s", strerror(-ret));
	}
	if (!ret)
		ret = setup_memory_socket(vm, err, len);
	if (!ret)
		ret = setup_vcpus(vm, err, len);
	if (!ret) {
		/* /dev/kvm itself was needed only to create the VM and vCPUs */
		close(vm->kvm_fd);
		vm->kvm_fd = -1;
	}
	if (!ret)
		ret = device_manager_attach_irqs(&vm->devices, err, len);	/* irqchip complete */
out:
	if (ret) {
		vm_destroy(vm);
		return ret;
	}
	timeline_mark(TIMELINE_READY);
	*out = vm;
	return 0;
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	coalesced_destroy(&vm->coalesced);	/* its last bytes to the UART */
	for (i = 0; i < vm->nr_vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	free(vm->cmdline);
	memory_socket_close(vm->memory_socket);
	device_manager_destroy(&vm->devices);	/* vhost-user uses sharing */
	if (vm->sharing)
		guest_memory_sharing_put(vm->sharing);
	platform_destroy(&vm->platform);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	guest_memory_destroy(vm->mem);
	stop_destroy(&vm->stop);
	free(vm);
}
