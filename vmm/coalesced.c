// SPDX-License-Identifier: GPL-2.0
/*
 * Coalesced console writes (vmm/coalesced.h).
 */
#include "coalesced.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

int coalesced_init(struct coalesced *c, const struct coalesced_params *p)
{
	long page = sysconf(_SC_PAGESIZE);
	int offset, cap = p->pio_bus ? KVM_CAP_COALESCED_PIO : KVM_CAP_COALESCED_MMIO;
	void *map;

	*c = (struct coalesced){ .vm_fd = p->vm_fd, .pio = p->pio, .mmio = p->mmio,
				 .keep = p->keep, .ctx = p->ctx };
	pthread_mutex_init(&c->lock, NULL);
	/* KVM_CAP_COALESCED_MMIO answers with the ring's page offset. */
	offset = ioctl(p->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
	if (offset <= 0 || ioctl(p->kvm_fd, KVM_CHECK_EXTENSION, cap) <= 0)
		return 0;
	map = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, p->vcpu_fd,
		   (off_t)offset * page);
	if (map == MAP_FAILED)
		return 0;
	c->zone = (struct kvm_coalesced_mmio_zone){ .addr = p->addr, .size = 1,
						    .pio = p->pio_bus ? 1 : 0 };
	if (ioctl(p->vm_fd, KVM_REGISTER_COALESCED_MMIO, &c->zone)) {
		munmap(map, (size_t)page);
		return 0;
	}
	c->registered = true;
	c->ring = map;
	c->map_size = (size_t)page;
	c->ring_max = (uint32_t)(((size_t)page - sizeof(*c->ring)) /
				 sizeof(struct kvm_coalesced_mmio));
	return 0;
}

static void replay_locked(struct coalesced *c)
{
	struct kvm_coalesced_mmio_ring *ring = c->ring;
	uint32_t first = ring->first;

	while (first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
		struct kvm_coalesced_mmio *m = &ring->coalesced_mmio[first];
		uint8_t data[8];

		memcpy(data, m->data, sizeof(data));
		bus_access(m->pio ? c->pio : c->mmio, m->phys_addr, data,
			   m->len <= sizeof(data) ? m->len : sizeof(data), true);
		first = (first + 1) % c->ring_max;
		__atomic_store_n(&ring->first, first, __ATOMIC_RELEASE);
		c->replayed++;
	}
}

void coalesced_drain(struct coalesced *c)
{
	struct kvm_coalesced_mmio_ring *ring = __atomic_load_n(&c->ring, __ATOMIC_ACQUIRE);

	if (!ring || __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE) ==
		     __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&c->lock);
	if (c->ring)
		replay_locked(c);
	pthread_mutex_unlock(&c->lock);
}

/* Replays what is queued, then stops KVM queueing; the ring stays mapped. */
static void stop_locked(struct coalesced *c)
{
	replay_locked(c);
	ioctl(c->vm_fd, KVM_UNREGISTER_COALESCED_MMIO, &c->zone);
	replay_locked(c);	/* what came in before KVM stopped */
	__atomic_store_n(&c->registered, false, __ATOMIC_RELEASE);
}

void coalesced_check(struct coalesced *c)
{
	if (!__atomic_load_n(&c->registered, __ATOMIC_ACQUIRE) || !c->keep || c->keep(c->ctx))
		return;
	pthread_mutex_lock(&c->lock);
	if (c->registered)
		stop_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void coalesced_destroy(struct coalesced *c)
{
	if (c->ring) {
		pthread_mutex_lock(&c->lock);
		if (c->registered)
			stop_locked(c);
		else
			replay_locked(c);
		pthread_mutex_unlock(&c->lock);
		munmap(c->ring, c->map_size);
		c->ring = NULL;
	}
	pthread_mutex_destroy(&c->lock);
}
