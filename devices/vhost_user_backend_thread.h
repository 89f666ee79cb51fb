/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A vhost-user backend run as a thread of the VMM (--disk PATH,
 * backend=thread): the very code vmm-blkd runs, serving one end of a
 * socketpair, while the VMM's vhost-user frontend talks to the other end
 * exactly as it would to another process. Guest RAM reaches the thread
 * the same way too: as fds from the sharing object, sent with
 * SET_MEM_TABLE and mapped again.
 *
 * vhost_user_backend_thread_start() returns 0 and the frontend's end in
 * *sock (the caller owns it), or a negative errno. If the backend ends
 * the connection with an error, the thread prints one line naming the
 * device and closes its end, so the frontend sees the backend go.
 * vhost_user_backend_thread_stop() stops and joins the thread and
 * destroys the backend it was given.
 */
#ifndef DEVICES_VHOST_USER_BACKEND_THREAD_H
#define DEVICES_VHOST_USER_BACKEND_THREAD_H

struct vhost_user_backend;
struct vhost_user_backend_thread;

int vhost_user_backend_thread_start(struct vhost_user_backend *backend, const char *name,
			 int *sock, struct vhost_user_backend_thread **out);
void vhost_user_backend_thread_stop(struct vhost_user_backend_thread *t);

#endif
