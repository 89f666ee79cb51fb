/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio device whose queues a vhost-user backend serves: virtio-blk or
 * virtio-net, shown to the guest through the virtio-mmio transport's
 * external queues.
 *
 * Contract:
 * - create() negotiates with the backend on sock (see
 *   vhost_user_frontend.h) and builds what the guest sees: the backend's
 *   features, less those we cannot pass through (packed rings, an IOMMU,
 *   config writes, control queues, net multiqueue), and the config space
 *   — for blk read once from the backend (GET_CONFIG, so the backend must
 *   offer CONFIG), for net our MAC and nothing else. A blk backend that
 *   offers MQ gets up to VIRTIO_MAX_QUEUES request queues (no more than
 *   its GET_QUEUE_NUM and its config's num_queues say).
 * - The backend must offer VERSION_1; -EOPNOTSUPP otherwise.
 * - When the backend is lost (its connection breaks or fails a request),
 *   the device reports it once through host->report, cuts the backend
 *   off, and tells the transport, which hands the rings back: from then
 *   on queue_notify completes every request as failed, blk with an I/O
 *   error status, net by dropping what the guest sends.
 * - Unless reconnect_s is set (vhost_user_link.c): then the device keeps
 *   the rings, says so, and dials socket again every 100 ms; a backend
 *   that answers within reconnect_s gets the rings back where the guest
 *   left them (and blk's in-flight region, when the backend keeps one),
 *   one line says so, and the guest saw only a delay. Otherwise one line
 *   says it did not come back, and the device fails as above.
 * - thread, if set, is the in-process backend serving sock; the device
 *   owns it from create on and stops it when it is destroyed.
 * - Functions return 0 or a negative errno; on error *request names the
 *   vhost-user request that failed ("SET_OWNER"), or NULL if none did.
 */
#ifndef DEVICES_VHOST_USER_DEVICE_H
#define DEVICES_VHOST_USER_DEVICE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/device_kind.h"
#include "devices/host/device_host.h"
#include "devices/virtio.h"
#include "memory/sharing.h"

struct vhost_user_backend_thread;

enum vhost_user_device_type {
	VHOST_USER_BLK,
	VHOST_USER_NET,
	VHOST_USER_FS,
};

#define VHOST_USER_FS_TAG_MAX	36	/* virtio_fs_config.tag, no NUL */

struct vhost_user_device_params {
	enum vhost_user_device_type type;
	const char *name;	/* for messages: "vhost-user-blk socket=..." */
	int sock;		/* connected; taken over, closed on error too */
	const struct guest_memory_sharing *sharing;
	uint8_t mac[6];		/* net only */
	const char *tag;	/* fs only: what the guest mounts */
	unsigned int fs_queues;	/* fs only: request queues */
	const struct device_host *host;
	struct vhost_user_backend_thread *thread;	/* or NULL */
	const char *socket;	/* to reconnect to */
	unsigned int reconnect_s;	/* 0: never */
};

struct vhost_user_device;

int vhost_user_device_create(const struct vhost_user_device_params *p,
			     struct vhost_user_device **out,
			     const char **request);
void vhost_user_device_destroy(struct vhost_user_device *d);
/*
 * create() and describe() in one, for the device kinds: 0, or a negative
 * errno with one line in err that starts with option (what the user
 * typed) and says what the backend did wrong.
 */
int vhost_user_device_add(const struct vhost_user_device_params *p,
			  const char *option, struct virtio_device *dev,
			  char *err, size_t len);

/*
 * --vhost-user-blk socket=PATH[,reconnect=S],
 * --vhost-user-net socket=PATH[,mac=MAC][,reconnect=S],
 * --vhost-user-fs socket=PATH,tag=TAG[,queues=N]
 */
#define VHOST_USER_RECONNECT_MAX	3600
struct vhost_user_spec {
	enum vhost_user_device_type type;
	char socket[PATH_MAX];
	bool have_mac;		/* net: else the VMM picks one */
	uint8_t mac[6];
	char tag[VHOST_USER_FS_TAG_MAX + 1];	/* fs */
	unsigned int queues;	/* fs: request queues */
	unsigned int reconnect;	/* blk, net: seconds; 0: never */
};

extern const struct device_kind vhost_user_blk_kind, vhost_user_net_kind, vhost_user_fs_kind;

/* The device description; its destroy frees d. */
void vhost_user_device_describe(struct vhost_user_device *d,
				struct virtio_device *dev);

#endif
