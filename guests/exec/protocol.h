/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vmm-exec (vmm/exec/) and its guest init (guests/exec/init.c) say
 * to each other. Both sides are built from this tree, so there is no
 * version: a mismatch is a build bug.
 *
 * Host to guest: the file EXEC_SPEC_PATH in the initramfs, a sequence of
 * records "KEY=VALUE\0", in this order:
 *   module=PATH            a kernel module in the initramfs; loaded in
 *                          order (dependencies first) before anything else
 *   root=TAG               the host's / as virtio-fs TAG: mounted read-only
 *                          under an overlay with a tmpfs upper layer, which
 *                          becomes the guest's /
 *   share=TAG:ro|rw:PATH   virtio-fs TAG mounted at PATH (parents first)
 *   cwd=PATH               the command's working directory
 *   env=NAME=VALUE         the command's environment, one record each
 *   arg=ARG                argv, one record each (at least one)
 * The tags are EXEC_ROOT_TAG and EXEC_SHARE_TAG followed by the share's
 * index (share0, share1, ...).
 *
 * Guest to host: frames on the virtio console /dev/hvc0 (raw mode): an
 * 8-byte header, struct exec_frame, then len bytes:
 *   EXEC_OUT, EXEC_ERR  bytes of the command's stdout or stderr
 *   EXEC_FAIL           one line: the guest could not run the command
 *                       (a share did not mount, ...); EXEC_STATUS 125
 *                       follows
 *   EXEC_STATUS         4 bytes, little-endian: the exit status, 0-255
 *                       (128+N: killed by signal N; 126 cannot execute,
 *                       127 not found); the last frame
 * Then the guest powers off.
 */
#ifndef GUESTS_EXEC_PROTOCOL_H
#define GUESTS_EXEC_PROTOCOL_H

#include <stdint.h>

#define EXEC_SPEC_PATH		"/exec.spec"
#define EXEC_CHANNEL		"/dev/hvc0"
#define EXEC_ROOT_TAG		"hostroot"
#define EXEC_SHARE_TAG		"share"

enum exec_frame_type {
	EXEC_OUT = 1,
	EXEC_ERR = 2,
	EXEC_FAIL = 3,
	EXEC_STATUS = 4,
};

struct exec_frame {
	uint8_t type;
	uint8_t zero[3];
	uint32_t len;		/* little-endian */
};

#define EXEC_FRAME_MAX		65536	/* payload bytes in one frame */
#define EXEC_STATUS_SETUP	125	/* the guest side failed */

#endif
