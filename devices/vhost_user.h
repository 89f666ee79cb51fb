/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The vhost-user wire protocol (QEMU's docs/interop/vhost-user.rst), the
 * part both of our sides speak: the frontend in the VMM and our backends.
 *
 * A message is a 12-byte header (request, flags, payload size) and a
 * payload of at most sizeof(union vhost_user_payload) bytes; file
 * descriptors travel as SCM_RIGHTS with the header, never more than
 * VHOST_USER_MAX_FDS of them.
 *
 * Contract:
 * - vhost_user_recv() never trusts the peer: a payload larger than the
 *   union, a size that does not match the request (vhost_user_payload_ok),
 *   more fds than the caller allows, or a short read is an error, and any
 *   fds that did arrive are closed. After an error the stream is out of
 *   step; the caller drops the connection.
 * - Received fds are close-on-exec and owned by the caller.
 * - Sends never raise SIGPIPE.
 * - Functions return 0 or a negative errno; nothing is printed here.
 *
 * Guest addresses: our frontend sets each region's userspace_addr to its
 * guest-physical address and sends ring addresses as guest-physical
 * addresses, so backends see no VMM pointers; a backend translates ring
 * addresses through the memory table either way.
 */
#ifndef DEVICES_VHOST_USER_H
#define DEVICES_VHOST_USER_H

#include <stdbool.h>
#include <stdint.h>

enum vhost_user_request {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_LOG_BASE = 6,
	VHOST_USER_SET_LOG_FD = 7,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
	VHOST_USER_GET_CONFIG = 24,
	VHOST_USER_SET_CONFIG = 25,
	VHOST_USER_GET_INFLIGHT_FD = 31,
	VHOST_USER_SET_INFLIGHT_FD = 32,
	VHOST_USER_MAX_REQUEST = 48,
};

/* Header flags: protocol version 1, reply, and "ack this message". */
#define VHOST_USER_VERSION		0x1
#define VHOST_USER_VERSION_MASK		0x3
#define VHOST_USER_REPLY		(1u << 2)
#define VHOST_USER_NEED_REPLY		(1u << 3)

/* Virtio feature bit 30 in GET/SET_FEATURES: protocol features exist. */
#define VHOST_USER_F_PROTOCOL_FEATURES	30

/* Protocol feature bits. */
#define VHOST_USER_PROTOCOL_F_MQ	0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK	3
#define VHOST_USER_PROTOCOL_F_CONFIG	9
#define VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD	12

#define VHOST_USER_MAX_FDS		8
#define VHOST_USER_MAX_REGIONS		8
#define VHOST_USER_CONFIG_MAX		256

/* u64 payload of SET_VRING_KICK/CALL/ERR: ring index, and "no fd". */
#define VHOST_USER_VRING_IDX_MASK	0xffULL
#define VHOST_USER_VRING_NOFD		(1ULL << 8)

struct vhost_user_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vhost_user_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vhost_user_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhost_user_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_region regions[VHOST_USER_MAX_REGIONS];
};

struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t payload[VHOST_USER_CONFIG_MAX];
};

/*
 * GET_INFLIGHT_FD and SET_INFLIGHT_FD: shared memory in which a backend
 * records the requests it has taken and not yet finished, so that a
 * restarted backend can resubmit them. The frontend asks for it with
 * num_queues and queue_size set; the backend answers with the fd (one,
 * with the reply) and mmap_size/mmap_offset, and the frontend hands the
 * same fd back with SET_INFLIGHT_FD every time it starts the rings. Only
 * the backend reads the contents.
 */
struct vhost_user_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
};

/*
 * The contents, for split rings, as the spec lays them out: per queue a
 * header and one entry per descriptor, head descriptors only.
 * Taking a head: desc[head].counter = ++counter, then inflight = 1.
 * Returning used buffers: desc[head].next = last_batch_head,
 * last_batch_head = head (per buffer of a batch), then the used ring's
 * idx, then each inflight = 0, then used_idx = the used ring's idx.
 * After a restart: if used_idx differs from the used ring's idx, the last
 * batch (the list from last_batch_head, used idx - used_idx entries) is
 * finished: its inflight flags are cleared and used_idx is caught up;
 * the remaining inflight heads are resubmitted in counter order.
 */
struct vhost_user_inflight_desc {
	uint8_t inflight;
	uint8_t padding[5];
	uint16_t next;
	uint64_t counter;
};

struct vhost_user_inflight_queue {
	uint64_t features;
	uint16_t version;	/* 1; 0: never used */
	uint16_t desc_num;
	uint16_t last_batch_head;
	uint16_t used_idx;
	struct vhost_user_inflight_desc desc[];
};

union vhost_user_payload {
	uint64_t u64;
	struct vhost_user_vring_state state;
	struct vhost_user_vring_addr addr;
	struct vhost_user_memory memory;
	struct vhost_user_config config;
	struct vhost_user_inflight inflight;
};

/*
 * In memory the payload is 8-byte aligned; on the wire it follows the
 * 12-byte header directly (send and recv take care of that).
 */
struct vhost_user_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;		/* of the payload */
	union vhost_user_payload payload;
};

#define VHOST_USER_HDR_SIZE	12u

/* Size of a config message carrying n bytes of config space. */
#define VHOST_USER_CONFIG_HDR	12u

/*
 * Whether msg->size is right for msg->request (as a request from the
 * frontend, or as the backend's reply when reply is true). Requests we do
 * not know are refused.
 */
bool vhost_user_payload_ok(const struct vhost_user_msg *msg, bool reply);

/* Name of a request, for messages to the user ("SET_MEM_TABLE"). */
const char *vhost_user_request_name(uint32_t request);

/* Sends header + msg->size bytes of payload, and the fds with it. */
int vhost_user_send(int sock, const struct vhost_user_msg *msg,
		    const int *fds, unsigned int nr_fds);

/*
 * Receives one message. Errors:
 *  -ECONNRESET  the peer closed the connection (or reset it);
 *  -EMSGSIZE    the payload is larger than the union;
 *  -EBADMSG     a short message, or a bad version in the flags;
 *  -ETOOMANYREFS  more than max_fds fds came with it (all closed);
 *  -EAGAIN      the socket's receive timeout expired;
 *  other        from recvmsg.
 * The size against the request is not checked here: see payload_ok.
 */
int vhost_user_recv(int sock, struct vhost_user_msg *msg, int *fds,
		    unsigned int max_fds, unsigned int *nr_fds);

/* Connects to a unix socket at path, close-on-exec. -errno. */
int vhost_user_connect(const char *path);

#endif
