/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost-user frontend: the VMM's side of a connection to a device
 * process (a vhost-user backend) that serves virtqueues itself.
 *
 * Contract:
 * - open() takes a connected socket and the guest memory's sharing
 *   object; it sends SET_OWNER, learns the backend's virtio and protocol
 *   features (taking REPLY_ACK, CONFIG and MQ when offered) and its queue
 *   count; INFLIGHT_SHMFD too. Nothing about the guest is sent yet.
 * - start() is called when the driver sets DRIVER_OK (and again after a
 *   reconnect, on a new frontend): SET_INFLIGHT_FD if given, SET_FEATURES,
 *   SET_MEM_TABLE built from the sharing object's regions and nothing
 *   else (their fds go over SCM_RIGHTS), then per queue SET_VRING_NUM,
 *   BASE (the queue's base: 0 on a fresh ring, the used ring's idx when
 *   restoring one), ADDR, KICK, CALL, ERR and ENABLE. Kick fds are the transport's
 *   KVM ioeventfds and the call fd its KVM irqfd, so the data path never
 *   passes through the VMM. In the memory table userspace_addr is the
 *   guest-physical address, and ring addresses are sent as guest-physical
 *   addresses: the backend never sees a VMM pointer.
 * - stop() asks for each ring's base (GET_VRING_BASE), which stops it.
 * - Every reply is checked (REPLY flag, same request, size, no fds) and
 *   waited for at most VHOST_USER_REPLY_TIMEOUT_MS; a backend that is
 *   silent, gone or malformed gives an error, never a hang or a crash.
 * - One caller at a time (the transport holds its lock around start and
 *   stop). Functions return 0 or a negative errno; nothing is printed.
 *   After an error the connection is unusable; the caller fails the
 *   device.
 */
#ifndef DEVICES_VHOST_USER_FRONTEND_H
#define DEVICES_VHOST_USER_FRONTEND_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/vhost_user.h"
#include "memory/sharing.h"

#define VHOST_USER_REPLY_TIMEOUT_MS	10000

struct vhost_user_frontend;

struct vhost_user_queue {
	uint16_t size;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	int kick_fd;
	int call_fd;
	int err_fd;		/* -1: none */
	uint16_t base;		/* next avail index the backend takes */
};

/* An in-flight region the backend gave us (GET_INFLIGHT_FD); ours to close. */
struct vhost_user_inflight_fd {
	int fd;
	struct vhost_user_inflight info;
};

/*
 * Takes ownership of sock (closed on error too). The sharing object must
 * outlive the frontend. On error *request names the request that failed.
 * Errors: -EPROTO the backend broke the protocol, -ETIMEDOUT no reply,
 * -ECONNRESET it hung up, -EOPNOTSUPP it lacks what we need, others
 * from the socket.
 */
int vhost_user_frontend_open(int sock, const struct guest_memory_sharing *sharing,
			     struct vhost_user_frontend **out, const char **request);
void vhost_user_frontend_close(struct vhost_user_frontend *fe);

/* The backend's virtio features, less the vhost-user protocol bit. */
uint64_t vhost_user_frontend_features(const struct vhost_user_frontend *fe);
/* GET_QUEUE_NUM's answer, at most 8 (1 if it did not offer MQ); for
 * virtio-net backends that is queue pairs. */
unsigned int vhost_user_frontend_queues(const struct vhost_user_frontend *fe);
bool vhost_user_frontend_has_config(const struct vhost_user_frontend *fe);

/* Reads len bytes of the device's config space from offset 0 (GET_CONFIG). */
int vhost_user_frontend_get_config(struct vhost_user_frontend *fe, void *buf,
				   uint32_t len);

/*
 * Whether the backend tracks in-flight requests (INFLIGHT_SHMFD), and
 * asking it for the region: num_queues rings of up to queue_size.
 */
bool vhost_user_frontend_has_inflight(const struct vhost_user_frontend *fe);
int vhost_user_frontend_get_inflight(struct vhost_user_frontend *fe,
				     uint16_t num_queues, uint16_t queue_size,
				     struct vhost_user_inflight_fd *out);

/* inflight: NULL, or a region from get_inflight (on this backend or its
 * predecessor), sent before everything else. */
int vhost_user_frontend_start(struct vhost_user_frontend *fe, uint64_t features,
			      const struct vhost_user_queue *q, unsigned int nr,
			      const struct vhost_user_inflight_fd *inflight);
int vhost_user_frontend_stop(struct vhost_user_frontend *fe);

/*
 * The socket, for the caller to poll: the backend never speaks unasked,
 * so readable means it hung up or broke the protocol; ask
 * vhost_user_frontend_check().
 */
int vhost_user_frontend_fd(const struct vhost_user_frontend *fe);
/* 0 if the connection is fine, else -ECONNRESET or -EPROTO. */
int vhost_user_frontend_check(struct vhost_user_frontend *fe);

/*
 * Ends the connection (the backend sees it go and stops its rings); used
 * when the device is failed while the backend may still be running.
 */
void vhost_user_frontend_disconnect(struct vhost_user_frontend *fe);

/* The request a backend answered wrongly, for messages ("GET_FEATURES"). */
const char *vhost_user_frontend_last_request(const struct vhost_user_frontend *fe);

#endif
