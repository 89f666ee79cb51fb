// SPDX-License-Identifier: GPL-2.0
/*
 * One vhost-user backend in one thread, over a socketpair.
 */
#include "vhost_user_backend_thread.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devices/vhost_user_backend.h"
#include "devices/host/seccomp.h"
#include "devices/host/thread.h"

struct vhost_user_backend_thread {
	struct vhost_user_backend *backend;
	const char *name;
	pthread_t thread;
	int sock;		/* the backend's end */
	int stop_fd;
	sem_t ready;		/* posted once filter_err is set */
	int filter_err;		/* the seccomp filter's installation */
};

static void *serve(void *arg)
{
	struct vhost_user_backend_thread *t = arg;
	char err[256];

	t->filter_err = vmm_seccomp_install(VMM_SECCOMP_BACKEND);
	sem_post(&t->ready);
	if (t->filter_err)
		return NULL;
	if (vhost_user_backend_serve(t->backend, t->sock, t->stop_fd, err, sizeof(err)))
		fprintf(stderr, "vmm: %s: backend thread: %s\n", t->name, err);
	/* Either way this end is done; the frontend sees it go. */
	shutdown(t->sock, SHUT_RDWR);
	return NULL;
}

int vhost_user_backend_thread_start(struct vhost_user_backend *backend, const char *name,
			 int *sock, struct vhost_user_backend_thread **out)
{
	struct vhost_user_backend_thread *t = calloc(1, sizeof(*t));
	int sv[2], err;

	if (!t)
		return -ENOMEM;
	t->backend = backend;
	t->name = name;
	t->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (t->stop_fd < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		err = -errno;
		goto fail;
	}
	t->sock = sv[1];
	sem_init(&t->ready, 0, 0);
	err = host_thread_create(&t->thread, serve, t);
	if (!err) {
		while (sem_wait(&t->ready) && errno == EINTR)
			;
		err = t->filter_err;
		if (err)
			pthread_join(t->thread, NULL);
	}
	if (err) {
		close(sv[0]);
		close(sv[1]);
		goto fail;
	}
	*sock = sv[0];
	*out = t;
	return 0;

fail:
	if (t->stop_fd >= 0)
		close(t->stop_fd);
	sem_destroy(&t->ready);		/* zeroed if never initialised */
	free(t);
	return err;
}

void vhost_user_backend_thread_stop(struct vhost_user_backend_thread *t)
{
	uint64_t one = 1;

	if (!t)
		return;
	if (write(t->stop_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(t->thread, NULL);
	close(t->sock);
	close(t->stop_fd);
	vhost_user_backend_destroy(t->backend);
	sem_destroy(&t->ready);
	free(t);
}
