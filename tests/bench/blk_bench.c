// SPDX-License-Identifier: GPL-2.0
/*
 * blk_bench: 4 KiB reads per second through each block device path our
 * VMM offers, against qemu-storage-daemon, over the same file, driven the
 * same way, in one invocation.
 *
 * No guest runs (guest kernel code is emulated on some hosts, which would
 * measure the emulator): this program is the driver. It creates guest
 * memory (guest_memory_create, memfd, one region at gpa 0) and its sharing
 * object, and for each path lays out a split virtqueue (virtio 1.x: 16-byte
 * descriptors, avail ring, used ring, all at guest-physical addresses) with
 * request headers, data buffers and status bytes in that memory. A read is
 * a chain of three descriptors: the header {type IN, sector} (device
 * reads), 4096 bytes of data and one status byte (device writes). It keeps
 * --depth reads in flight: post, kick (write 1 to the kick eventfd, unless
 * the device set VRING_USED_F_NO_NOTIFY, as a driver does), wait for the
 * call eventfd, reap the used ring, check each read, post the next ones.
 * Only VIRTIO_F_VERSION_1 is negotiated (no EVENT_IDX): every kick and
 * call is plain. Each 512-byte sector of the file starts with its own
 * sector number (xor a constant), and the driver poisons those words
 * before each post, so a read counts only with status 0 and the right
 * data in all eight sectors.
 *
 * Paths:
 *  inline    virtio_blk_create + virtio_blk_queue_notify on a worker thread
 *            that waits on the kick eventfd and writes the call eventfd:
 *            the virtio-mmio transport's worker loop, without the KVM
 *            ioeventfd/irqfd (those need a VM)
 *  thread    vhost_user_blk_backend_create + vhost_user_backend_serve in a
 *            thread over a socketpair, through our frontend
 *            (vhost_user_frontend_open/start): --disk PATH,backend=thread
 *  vmm-blkd  the vmm-blkd process, through our frontend over a unix socket
 *  qsd       qemu-storage-daemon exporting the file (file + raw nodes) as
 *            vhost-user-blk, through our frontend; its default aio=threads
 *  qsd-uring the same with aio=io_uring on the file node
 *
 * The file (--file-size, default 64M) is written once in a temporary
 * directory and so sits in the page cache; offsets are 4 KiB-aligned,
 * random (or sequential), the same sequence for every path in a round.
 * After one warm-up run each, the paths take turns (inline, thread,
 * vmm-blkd, qsd, qsd-uring, repeat) for --runs runs of --seconds each;
 * it prints every sample, the median reads/s per path and the ratios to
 * both qsd paths (to inline when qemu-storage-daemon is missing). Numbers
 * are meaningful only as those ratios, on this host, in this run.
 *
 * usage: blk_bench [--runs N] [--seconds S] [--depth N] [--warmup N]
 *                  [--file-size SIZE] [--pattern random|seq]
 *                  [--vmm-blkd PATH] [--qsd PATH | --no-qsd REASON]
 * Output lines start with "blk_bench:", "host:", "skip:", "sample",
 * "#" (column names), "result", "fail:".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devices/vhost_user.h"
#include "devices/vhost_user_backend.h"
#include "devices/vhost_user_frontend.h"
#include "devices/virtio_blk.h"
#include "devices/virtqueue.h"
#include "memory/guest_memory.h"
#include "memory/sharing.h"
#include "tests/helpers.h"
#include "vmm/config.h"

#define MEM_SIZE	(64 * MiB)
#define AREA_SIZE	MiB		/* guest memory per path */
#define QUEUE_SIZE	128
#define MAX_DEPTH	(QUEUE_SIZE / 3)	/* three descriptors a read */
#define BLOCK		4096
#define SECTOR		512
#define SECTORS		(BLOCK / SECTOR)
#define STAMP		0x626c6b2d62656e63ULL	/* "blk-benc", xor sector */
#define POISON		(~0ULL)
#define MAX_RUNS	100
#define WAIT_MS		5000		/* for a call, with reads in flight */
#define START_S		10.0		/* for a peer to listen */
#define STOP_S		5.0		/* for a peer or thread to stop */

/* Offsets in a path's area of guest memory. */
#define OFF_DESC	0x0000
#define OFF_AVAIL	0x1000
#define OFF_USED	0x2000
#define OFF_HDR		0x3000
#define OFF_STATUS	0x4000
#define OFF_DATA	0x10000

#define BLK_T_IN		0
#define USED_F_NO_NOTIFY	1

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct used_elem {
	uint32_t id;
	uint32_t len;
};

/* The driver's side of one queue, in one path's area of guest memory. */
struct ring {
	uint64_t gpa;			/* start of the area */
	struct vring_desc *desc;
	uint16_t *avail;		/* flags, idx, ring[QUEUE_SIZE] */
	uint16_t *used;			/* flags, idx, then the elements */
	struct used_elem *used_elem;
	struct blk_hdr *hdr;
	uint8_t *status;
	uint8_t *data;
	uint16_t avail_idx, last_used;
	uint64_t block[MAX_DEPTH];	/* what each slot is reading */
	bool busy[MAX_DEPTH];
	unsigned int in_flight;
	int kick_fd, call_fd;
	uint64_t kicks, calls, reads;	/* this run */
};

enum { P_INLINE, P_THREAD, P_BLKD, P_QSD, P_QSD_URING, NR_PATHS };

struct path {
	const char *name;
	const char *what;
	const char *skip;		/* why it is not measured */
	struct ring ring;
	int stop_fd;			/* inline worker, backend thread */

	/* inline */
	struct virtio_blk *blk;
	struct virtqueue vq;
	pthread_mutex_t lock;		/* the transport's device lock */
	bool broken;			/* the device broke the queue */

	/* thread */
	struct vhost_user_backend *backend;
	int backend_sock;
	int backend_ret;
	char backend_err[256];

	pthread_t thread;		/* inline worker or backend thread */
	bool thread_started;

	/* every vhost-user path */
	struct vhost_user_frontend *fe;

	/* processes */
	pid_t pid;
	char sock_path[PATH_MAX];
	int log_fd;			/* a memfd with its stdout and stderr */

	double rate[MAX_RUNS];
	unsigned int n;
	uint64_t kicks, calls, reads;	/* over the measured runs */
};

struct bench {
	unsigned int runs, warmup, depth;
	double seconds;
	uint64_t file_size, nblocks;
	bool sequential;
	const char *blkd, *qsd, *qsd_skip;
	char self_dir[PATH_MAX];
	char dir[80];			/* short: sockets live here */
	char disk[PATH_MAX];
	char qsd_path[PATH_MAX];
	struct guest_memory *mem;
	struct guest_memory_sharing *sharing;
	struct path p[NR_PATHS];
};

/* What a fatal signal must undo: the peers and the files (fixed buffers). */
static volatile pid_t peer_pid[NR_PATHS];
static char *cleanup_files[NR_PATHS + 1];
static char *cleanup_dir;

static void remove_files(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cleanup_files); i++) {
		if (cleanup_files[i] && cleanup_files[i][0])
			unlink(cleanup_files[i]);
	}
	if (cleanup_dir && cleanup_dir[0])
		rmdir(cleanup_dir);
}

/* The clean-up's extra (tests/helpers.c): at exit and on a fatal signal. */
static void kill_peers_and_remove_files(void)
{
	unsigned int i;

	for (i = 0; i < NR_PATHS; i++) {
		if (peer_pid[i] > 0)
			kill(peer_pid[i], SIGKILL);
	}
	remove_files();		/* unlink and rmdir are async-signal-safe */
}

/* ---- the disk file ---- */

static uint64_t stamp(uint64_t sector)
{
	return sector ^ STAMP;
}

/* Writes the file: every sector starts with its stamp, the rest is 0xa5. */
static int make_disk(const struct bench *b)
{
	const size_t chunk = MiB;
	uint64_t off, k;
	char *buf;
	int fd, ret = 0;

	buf = malloc(chunk);
	if (!buf)
		return -ENOMEM;
	memset(buf, 0xa5, chunk);
	fd = open(b->disk, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (off = 0; off < b->file_size && !ret; off += chunk) {
		for (k = 0; k < chunk / SECTOR; k++) {
			uint64_t s = stamp(off / SECTOR + k);

			memcpy(buf + k * SECTOR, &s, sizeof(s));
		}
		if (pwrite(fd, buf, chunk, (off_t)off) != (ssize_t)chunk)
			ret = errno ? -errno : -EIO;
	}
	if (close(fd) && !ret)
		ret = -errno;
	free(buf);
	return ret;
}

/* ---- the driver ---- */

struct seq {
	uint64_t x, pos, nblocks;
	bool sequential;
};

static void seq_init(struct seq *s, const struct bench *b, unsigned int round)
{
	s->x = 0x9e3779b97f4a7c15ULL * (round + 1) | 1;
	s->pos = (round * 7919ULL) % b->nblocks;
	s->nblocks = b->nblocks;
	s->sequential = b->sequential;
}

static uint64_t seq_next(struct seq *s)
{
	if (s->sequential)
		return s->pos++ % s->nblocks;
	s->x ^= s->x >> 12;
	s->x ^= s->x << 25;
	s->x ^= s->x >> 27;
	return ((s->x * 0x2545f4914f6cdd1dULL) >> 11) % s->nblocks;
}

static void *area_ptr(const struct bench *b, const struct ring *r, uint64_t off,
		      uint64_t len)
{
	return guest_memory_ptr(b->mem, r->gpa + off, len);
}

/* Lays out the rings and the per-slot buffers of path i; -EINVAL if off. */
static int ring_init(struct bench *b, struct ring *r, unsigned int i)
{
	unsigned int s;

	r->gpa = (uint64_t)(i + 1) * AREA_SIZE;
	r->desc = area_ptr(b, r, OFF_DESC, 16 * QUEUE_SIZE);
	r->avail = area_ptr(b, r, OFF_AVAIL, 6 + 2 * QUEUE_SIZE);
	r->used = area_ptr(b, r, OFF_USED, 6 + 8 * QUEUE_SIZE);
	r->hdr = area_ptr(b, r, OFF_HDR, sizeof(struct blk_hdr) * MAX_DEPTH);
	r->status = area_ptr(b, r, OFF_STATUS, MAX_DEPTH);
	r->data = area_ptr(b, r, OFF_DATA, (uint64_t)BLOCK * MAX_DEPTH);
	if (!r->desc || !r->avail || !r->used || !r->hdr || !r->status || !r->data)
		return -EINVAL;
	r->used_elem = (struct used_elem *)(r->used + 2);
	/* Slot s owns descriptors 3s (header), 3s+1 (data), 3s+2 (status). */
	for (s = 0; s < MAX_DEPTH; s++) {
		r->desc[3 * s] = (struct vring_desc){
			.addr = r->gpa + OFF_HDR + s * sizeof(struct blk_hdr),
			.len = sizeof(struct blk_hdr),
			.flags = VRING_DESC_F_NEXT, .next = (uint16_t)(3 * s + 1),
		};
		r->desc[3 * s + 1] = (struct vring_desc){
			.addr = r->gpa + OFF_DATA + (uint64_t)s * BLOCK, .len = BLOCK,
			.flags = VRING_DESC_F_NEXT | VRING_DESC_F_WRITE,
			.next = (uint16_t)(3 * s + 2),
		};
		r->desc[3 * s + 2] = (struct vring_desc){
			.addr = r->gpa + OFF_STATUS + s, .len = 1,
			.flags = VRING_DESC_F_WRITE,
		};
	}
	r->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->kick_fd < 0 || r->call_fd < 0)
		return -errno;
	return 0;
}

static void post(struct ring *r, unsigned int slot, uint64_t block)
{
	uint8_t *data = r->data + (size_t)slot * BLOCK;
	uint64_t poison = POISON;
	unsigned int k;

	r->hdr[slot] = (struct blk_hdr){ .type = BLK_T_IN, .sector = block * SECTORS };
	for (k = 0; k < SECTORS; k++)
		memcpy(data + k * SECTOR, &poison, sizeof(poison));
	r->status[slot] = 0xff;
	r->block[slot] = block;
	r->busy[slot] = true;
	r->in_flight++;
	r->avail[2 + r->avail_idx % QUEUE_SIZE] = (uint16_t)(3 * slot);
	r->avail_idx++;
}

/* Publishes what was posted, then kicks unless the device asked us not to. */
static void publish(struct ring *r)
{
	uint64_t one = 1;

	__atomic_store_n(&r->avail[1], r->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->used[0], __ATOMIC_ACQUIRE) & USED_F_NO_NOTIFY)
		return;
	if (write(r->kick_fd, &one, sizeof(one)) == sizeof(one))
		r->kicks++;
}

/*
 * Reaps the used ring and checks every read; with s, posts the next read
 * in each freed slot. Returns how many completed, or -errno with why set.
 */
static int reap(const struct bench *b, struct ring *r, struct seq *s,
		char *why, size_t len)
{
	uint16_t used_idx = __atomic_load_n(&r->used[1], __ATOMIC_ACQUIRE);
	unsigned int done = 0, slot, k;

	if ((uint16_t)(used_idx - r->last_used) > r->in_flight) {
		snprintf(why, len, "used index %u is %u ahead with %u reads in flight",
			 used_idx, (uint16_t)(used_idx - r->last_used), r->in_flight);
		return -EPROTO;
	}
	while (r->last_used != used_idx) {
		struct used_elem e = r->used_elem[r->last_used % QUEUE_SIZE];
		const uint8_t *data;

		r->last_used++;
		slot = e.id / 3;
		if (e.id % 3 || slot >= b->depth || !r->busy[slot]) {
			snprintf(why, len, "used id %u is not a read in flight", e.id);
			return -EPROTO;
		}
		if (r->status[slot] != 0) {
			snprintf(why, len, "read of block %llu: status %u",
				 (unsigned long long)r->block[slot], r->status[slot]);
			return -EIO;
		}
		if (e.len != BLOCK + 1) {
			snprintf(why, len, "read of block %llu: used length %u, expected %u",
				 (unsigned long long)r->block[slot], e.len, BLOCK + 1);
			return -EPROTO;
		}
		data = r->data + (size_t)slot * BLOCK;
		for (k = 0; k < SECTORS; k++) {
			uint64_t want = stamp(r->block[slot] * SECTORS + k), got;

			memcpy(&got, data + k * SECTOR, sizeof(got));
			if (got != want) {
				snprintf(why, len, "read of block %llu: sector %u holds %#llx, expected %#llx",
					 (unsigned long long)r->block[slot], k,
					 (unsigned long long)got, (unsigned long long)want);
				return -EILSEQ;
			}
		}
		r->busy[slot] = false;
		r->in_flight--;
		r->reads++;
		done++;
		if (s)
			post(r, slot, seq_next(s));
	}
	if (s && done)
		publish(r);
	return (int)done;
}

/* Waits for the call eventfd (or the backend going away). */
static int wait_call(struct path *p, char *why, size_t len)
{
	struct ring *r = &p->ring;
	struct pollfd pfd[2] = {
		{ .fd = r->call_fd, .events = POLLIN },
		{ .fd = p->fe ? vhost_user_frontend_fd(p->fe) : -1, .events = POLLIN },
	};
	uint64_t count;
	int n, err;

	do
		n = poll(pfd, 2, WAIT_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		err = -errno;
		snprintf(why, len, "poll: %s", strerror(-err));
		return err;
	}
	if (n == 0) {
		snprintf(why, len, "no completion within %d ms, %u reads in flight",
			 WAIT_MS, r->in_flight);
		return -ETIMEDOUT;
	}
	if (pfd[1].revents) {
		err = vhost_user_frontend_check(p->fe);
		snprintf(why, len, "the backend %s", err == -EPROTO ?
			 "sent a message unasked" : "hung up");
		return err ? err : -ECONNRESET;
	}
	if (__atomic_load_n(&p->broken, __ATOMIC_ACQUIRE)) {
		snprintf(why, len, "the device found the queue broken");
		return -EIO;
	}
	if (read(r->call_fd, &count, sizeof(count)) == sizeof(count))
		r->calls++;
	return 0;
}

struct sample {
	double rate;
	uint64_t kicks, calls, reads;
};

/* One timed run of p: depth reads in flight for b->seconds, then drained. */
static int run_once(const struct bench *b, struct path *p, unsigned int round,
		    struct sample *out, char *why, size_t len)
{
	struct ring *r = &p->ring;
	uint64_t counted = 0, count;
	double t0, t, end;
	struct seq s;
	unsigned int i;
	int ret;

	seq_init(&s, b, round);
	while (read(r->call_fd, &count, sizeof(count)) == sizeof(count))
		;
	r->kicks = r->calls = r->reads = 0;
	for (i = 0; i < b->depth; i++)
		post(r, i, seq_next(&s));
	t0 = monotonic_seconds();
	end = t0 + b->seconds;
	publish(r);
	do {
		ret = wait_call(p, why, len);
		if (ret)
			return ret;
		ret = reap(b, r, monotonic_seconds() < end ? &s : NULL, why, len);
		if (ret < 0)
			return ret;
		counted += (uint64_t)ret;
		t = monotonic_seconds();
	} while (t < end);
	while (r->in_flight) {
		ret = wait_call(p, why, len);
		if (!ret)
			ret = reap(b, r, NULL, why, len);
		if (ret < 0)
			return ret;
	}
	out->rate = (double)counted / (t - t0);
	out->kicks = r->kicks;
	out->calls = r->calls;
	out->reads = r->reads;
	return 0;
}

/* ---- inline: the device model on a worker, as virtio-mmio runs it ---- */

static void *inline_worker(void *arg)
{
	struct path *p = arg;
	uint64_t count, one = 1;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = p->ring.kick_fd, .events = POLLIN },
			{ .fd = p->stop_fd, .events = POLLIN },
		};
		bool used;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (pfd[1].revents)
			return NULL;
		if (!(pfd[0].revents & POLLIN) ||
		    read(p->ring.kick_fd, &count, sizeof(count)) < 0)
			continue;
		pthread_mutex_lock(&p->lock);
		used = virtio_blk_queue_notify(p->blk, &p->vq, 0);
		if (p->vq.broken)
			__atomic_store_n(&p->broken, true, __ATOMIC_RELEASE);
		pthread_mutex_unlock(&p->lock);
		if ((used || p->broken) &&
		    write(p->ring.call_fd, &one, sizeof(one)) < 0) {
			/* only on overflow: a call is pending anyway */
		}
	}
}

static int setup_inline(struct bench *b, struct path *p, char *why, size_t len)
{
	int ret;

	ret = virtio_blk_create(b->disk, false, "blk-bench", &p->blk);
	if (ret) {
		snprintf(why, len, "virtio_blk_create %s: %s", b->disk, strerror(-ret));
		return ret;
	}
	if (virtio_blk_capacity(p->blk) != b->file_size / SECTOR) {
		snprintf(why, len, "capacity %llu sectors, expected %llu",
			 (unsigned long long)virtio_blk_capacity(p->blk),
			 (unsigned long long)(b->file_size / SECTOR));
		return -EINVAL;
	}
	vq_init(&p->vq, b->mem);
	p->vq.size = QUEUE_SIZE;
	p->vq.desc_gpa = p->ring.gpa + OFF_DESC;
	p->vq.avail_gpa = p->ring.gpa + OFF_AVAIL;
	p->vq.used_gpa = p->ring.gpa + OFF_USED;
	ret = vq_enable(&p->vq);
	if (ret) {
		snprintf(why, len, "vq_enable: %s", strerror(-ret));
		return ret;
	}
	ret = -pthread_create(&p->thread, NULL, inline_worker, p);
	if (ret) {
		snprintf(why, len, "worker thread: %s", strerror(-ret));
		return ret;
	}
	p->thread_started = true;
	return 0;
}

/* ---- vhost-user: our frontend to any backend ---- */

static int start_frontend(struct bench *b, struct path *p, int sock, char *why,
			  size_t len)
{
	const uint64_t features = 1ULL << VIRTIO_F_VERSION_1;
	struct vhost_user_queue q = {
		.size = QUEUE_SIZE,
		.desc_gpa = p->ring.gpa + OFF_DESC,
		.avail_gpa = p->ring.gpa + OFF_AVAIL,
		.used_gpa = p->ring.gpa + OFF_USED,
		.kick_fd = p->ring.kick_fd,
		.call_fd = p->ring.call_fd,
		.err_fd = -1,
	};
	const char *request = "?";
	uint64_t capacity;
	int ret;

	ret = vhost_user_frontend_open(sock, b->sharing, &p->fe, &request);
	if (ret) {
		p->fe = NULL;
		snprintf(why, len, "vhost_user_frontend_open: %s: %s",
			 request ? request : "?", strerror(-ret));
		return ret;
	}
	if (!(vhost_user_frontend_features(p->fe) & features)) {
		snprintf(why, len, "the backend does not offer VIRTIO_F_VERSION_1");
		return -EOPNOTSUPP;
	}
	if (vhost_user_frontend_has_config(p->fe)) {
		ret = vhost_user_frontend_get_config(p->fe, &capacity, sizeof(capacity));
		if (ret) {
			snprintf(why, len, "GET_CONFIG: %s", strerror(-ret));
			return ret;
		}
		if (capacity != b->file_size / SECTOR) {
			snprintf(why, len, "capacity %llu sectors, expected %llu",
				 (unsigned long long)capacity,
				 (unsigned long long)(b->file_size / SECTOR));
			return -EINVAL;
		}
	}
	ret = vhost_user_frontend_start(p->fe, features, &q, 1, NULL);
	if (ret) {
		snprintf(why, len, "vhost_user_frontend_start: %s: %s",
			 vhost_user_frontend_last_request(p->fe), strerror(-ret));
		return ret;
	}
	return 0;
}

static void *backend_thread(void *arg)
{
	struct path *p = arg;

	p->backend_ret = vhost_user_backend_serve(p->backend, p->backend_sock,
						  p->stop_fd, p->backend_err,
						  sizeof(p->backend_err));
	/* Either way this end is done; the frontend sees it go. */
	shutdown(p->backend_sock, SHUT_RDWR);
	return NULL;
}

static int setup_thread(struct bench *b, struct path *p, char *why, size_t len)
{
	int sv[2], ret;

	ret = vhost_user_blk_backend_create(b->disk, false, &p->backend);
	if (ret) {
		p->backend = NULL;
		snprintf(why, len, "vhost_user_blk_backend_create %s: %s", b->disk,
			 strerror(-ret));
		return ret;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		ret = -errno;
		snprintf(why, len, "socketpair: %s", strerror(-ret));
		return ret;
	}
	p->backend_sock = sv[1];
	ret = -pthread_create(&p->thread, NULL, backend_thread, p);
	if (ret) {
		close(sv[0]);
		snprintf(why, len, "backend thread: %s", strerror(-ret));
		return ret;
	}
	p->thread_started = true;
	return start_frontend(b, p, sv[0], why, len);
}

/* ---- peers in processes of their own ---- */

/* Up to the last len - 1 bytes a peer printed, newlines made '|'. */
static void log_tail(const struct path *p, char *buf, size_t len)
{
	struct stat st;
	ssize_t n = 0;
	char *c;

	if (p->log_fd >= 0 && !fstat(p->log_fd, &st) && st.st_size > 0) {
		off_t from = st.st_size > (off_t)len - 1 ? st.st_size - (off_t)len + 1 : 0;

		n = pread(p->log_fd, buf, len - 1, from);
	}
	buf[n > 0 ? n : 0] = '\0';
	for (c = buf; *c; c++) {
		if (*c == '\n')
			*c = c[1] ? '|' : '\0';
	}
}

/* Starts argv with stdout and stderr in p->log_fd, in its own group. */
static int spawn_peer(struct path *p, unsigned int index, char *const argv[])
{
	pid_t parent = getpid(), pid;

	p->log_fd = memfd_create("blk-bench-peer-log", MFD_CLOEXEC);
	if (p->log_fd < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		/* If the bench dies without cleaning up, so does the peer. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		setpgid(0, 0);
		dup2(null, STDIN_FILENO);
		dup2(p->log_fd, STDOUT_FILENO);
		dup2(p->log_fd, STDERR_FILENO);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	p->pid = pid;
	peer_pid[index] = pid;
	return 0;
}

/* Connects to the peer's socket once it listens; never waits forever. */
static int connect_peer(struct path *p, char *why, size_t len)
{
	double deadline = monotonic_seconds() + START_S;
	char tail[512];
	int status, fd;

	for (;;) {
		pid_t r = waitpid(p->pid, &status, WNOHANG);

		if (r == p->pid) {
			p->pid = 0;
			log_tail(p, tail, sizeof(tail));
			snprintf(why, len, "exited (%s %d) before serving %s: %s",
				 WIFEXITED(status) ? "status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				 p->sock_path, tail[0] ? tail : "(no output)");
			return -ECHILD;
		}
		fd = vhost_user_connect(p->sock_path);
		if (fd >= 0)
			return fd;
		if (fd != -ENOENT && fd != -ECONNREFUSED) {
			snprintf(why, len, "connect %s: %s", p->sock_path, strerror(-fd));
			return fd;
		}
		if (monotonic_seconds() > deadline) {
			log_tail(p, tail, sizeof(tail));
			snprintf(why, len, "not listening on %s after %.0f s: %s",
				 p->sock_path, START_S, tail[0] ? tail : "(no output)");
			return -ETIMEDOUT;
		}
		usleep(10000);
	}
}

static int setup_process(struct bench *b, struct path *p, unsigned int index,
			 char *const argv[], char *why, size_t len)
{
	int ret, sock;

	ret = spawn_peer(p, index, argv);
	if (ret) {
		snprintf(why, len, "cannot start %s: %s", argv[0], strerror(-ret));
		return ret;
	}
	sock = connect_peer(p, why, len);
	if (sock < 0)
		return sock;
	return start_frontend(b, p, sock, why, len);
}

static int setup_blkd(struct bench *b, struct path *p, char *why, size_t len)
{
	char *argv[] = {
		(char *)b->blkd, "--socket", p->sock_path, "--disk", b->disk, NULL,
	};

	return setup_process(b, p, P_BLKD, argv, why, len);
}

static int start_qsd(struct bench *b, struct path *p, unsigned int kind,
		     const char *aio, char *why, size_t len)
{
	char file[PATH_MAX + 64], exp[PATH_MAX + 128];
	char *argv[] = {
		b->qsd_path,
		"--blockdev", file,
		"--blockdev", "driver=raw,node-name=disk0,file=file0",
		"--export", exp,
		NULL,
	};

	snprintf(file, sizeof(file), "driver=file,node-name=file0,filename=%s,aio=%s",
		 b->disk, aio);
	snprintf(exp, sizeof(exp),
		 "type=vhost-user-blk,id=exp0,node-name=disk0,addr.type=unix,addr.path=%s,writable=on",
		 p->sock_path);
	return setup_process(b, p, kind, argv, why, len);
}

static int setup_qsd(struct bench *b, struct path *p, char *why, size_t len)
{
	return start_qsd(b, p, P_QSD, "threads", why, len);
}

static int setup_qsd_uring(struct bench *b, struct path *p, char *why, size_t len)
{
	return start_qsd(b, p, P_QSD_URING, "io_uring", why, len);
}

/* ---- tear-down: every step bounded in time ---- */

/* Joins t within STOP_S; false if it did not end. */
static bool join_thread(pthread_t t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)STOP_S;
	return pthread_timedjoin_np(t, NULL, &ts) == 0;
}

/* Returns 0, or -errno with one line in why. */
static int teardown_path(struct path *p, unsigned int index, char *why, size_t len)
{
	uint64_t one = 1;
	int ret = 0, status;

	if (p->fe) {
		/* GET_VRING_BASE stops the ring; a broken peer is reported below. */
		vhost_user_frontend_stop(p->fe);
		vhost_user_frontend_close(p->fe);
		p->fe = NULL;
	}
	if (p->thread_started) {
		if (write(p->stop_fd, &one, sizeof(one)) != sizeof(one) ||
		    !join_thread(p->thread)) {
			/* It still uses the backend and the queue: leave them. */
			snprintf(why, len, "thread did not stop within %.0f s", STOP_S);
			return -ETIMEDOUT;
		}
		p->thread_started = false;
		if (p->backend_ret) {
			snprintf(why, len, "backend thread: %s", p->backend_err);
			ret = p->backend_ret;
		}
	}
	if (p->pid > 0) {
		char tail[512];

		kill(p->pid, SIGTERM);
		status = wait_cmd(p->pid, STOP_S);
		p->pid = 0;
		peer_pid[index] = 0;
		/* Stopped: by exiting 0 on SIGTERM, or by dying of it. */
		if (status != 0 && status != 128 + SIGTERM && !ret) {
			log_tail(p, tail, sizeof(tail));
			if (status < 0)
				snprintf(why, len, "did not stop on SIGTERM within %.0f s (killed)",
					 STOP_S);
			else
				snprintf(why, len, "exit status %d after SIGTERM: %s",
					 status, tail[0] ? tail : "(no output)");
			ret = -ECHILD;
		}
	}
	if (p->sock_path[0])
		unlink(p->sock_path);
	if (p->log_fd >= 0)
		close(p->log_fd);
	p->log_fd = -1;
	if (p->backend) {
		vhost_user_backend_destroy(p->backend);
		p->backend = NULL;
	}
	if (p->backend_sock >= 0)
		close(p->backend_sock);
	p->backend_sock = -1;
	if (p->blk)
		virtio_blk_destroy(p->blk);
	p->blk = NULL;
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	if (p->ring.kick_fd >= 0)
		close(p->ring.kick_fd);
	if (p->ring.call_fd >= 0)
		close(p->ring.call_fd);
	p->stop_fd = p->ring.kick_fd = p->ring.call_fd = -1;
	return ret;
}

/* ---- options, set-up, results ---- */

static int usage(void)
{
	fprintf(stderr,
		"usage: blk_bench [--runs N] [--seconds S] [--depth N] [--warmup N]\n"
		"                 [--file-size SIZE] [--pattern random|seq]\n"
		"                 [--vmm-blkd PATH] [--qsd PATH | --no-qsd REASON]\n");
	return 2;
}

static int parse(int argc, char **argv, struct bench *b)
{
	static char blkd[PATH_MAX + 16];
	char self[PATH_MAX], *slash;
	ssize_t n;
	int i;

	b->runs = 5;
	b->warmup = 1;
	b->seconds = 2;
	b->depth = 32;
	b->file_size = 64 * MiB;
	b->qsd = "qemu-storage-daemon";
	/* build/bench/blk_bench -> build/vmm-blkd */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	snprintf(b->self_dir, sizeof(b->self_dir), "%.*s",
		 slash ? (int)(slash - self) : 1, slash ? self : ".");
	snprintf(blkd, sizeof(blkd), "%s/../vmm-blkd", b->self_dir);
	b->blkd = blkd;

	for (i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return usage();
		if (!strcmp(opt, "--runs"))
			b->runs = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--warmup"))
			b->warmup = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--seconds"))
			b->seconds = strtod(val, NULL);
		else if (!strcmp(opt, "--depth"))
			b->depth = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--file-size"))
			b->file_size = parse_size(val, &b->file_size) ? 0 : b->file_size;
		else if (!strcmp(opt, "--pattern") && (!strcmp(val, "random") || !strcmp(val, "seq")))
			b->sequential = !strcmp(val, "seq");
		else if (!strcmp(opt, "--vmm-blkd"))
			b->blkd = val;
		else if (!strcmp(opt, "--qsd"))
			b->qsd = val;
		else if (!strcmp(opt, "--no-qsd"))
			b->qsd_skip = val;
		else
			return usage();
	}
	if (!b->runs || b->runs > MAX_RUNS || b->warmup > 10 ||
	    !(b->seconds > 0 && b->seconds <= 600) || !b->depth || b->depth > MAX_DEPTH) {
		fprintf(stderr, "blk_bench: --runs 1..%d, --warmup 0..10, --seconds in (0, 600], --depth 1..%d\n",
			MAX_RUNS, MAX_DEPTH);
		return 2;
	}
	if (!b->file_size || b->file_size % MiB) {
		fprintf(stderr, "blk_bench: --file-size must be a non-zero multiple of 1M\n");
		return 2;
	}
	b->nblocks = b->file_size / BLOCK;
	return 0;
}

/* Finds qemu-storage-daemon (PATH search) and prints its version. */
static void probe_qsd(struct bench *b)
{
	static char why[PATH_MAX + 64];
	static struct run_result res;
	const char *path = getenv("PATH");
	char *argv[] = { b->qsd_path, "--version", NULL };

	if (b->qsd_skip)
		return;
	b->qsd_path[0] = '\0';
	if (strchr(b->qsd, '/')) {
		snprintf(b->qsd_path, sizeof(b->qsd_path), "%s", b->qsd);
	} else {
		const char *dir = path ? path : "/usr/bin:/bin";

		while (*dir) {
			size_t n = strcspn(dir, ":");

			snprintf(b->qsd_path, sizeof(b->qsd_path), "%.*s/%s",
				 (int)n, dir, b->qsd);
			if (!access(b->qsd_path, X_OK))
				break;
			b->qsd_path[0] = '\0';
			dir += n + (dir[n] == ':');
		}
	}
	if (!b->qsd_path[0] || access(b->qsd_path, X_OK)) {
		snprintf(why, sizeof(why), "%s not found (apt-get install qemu-system-x86 or qemu-utils)",
			 b->qsd);
		b->qsd_skip = why;
		return;
	}
	if (run_cmd(argv, 30, &res) || res.status) {
		snprintf(why, sizeof(why), "%s --version failed", b->qsd_path);
		b->qsd_skip = why;
		return;
	}
	res.out[strcspn(res.out, "\n")] = '\0';
	printf("host: %s\n", res.out);
}

static void print_header(const struct bench *b)
{
	struct statfs sf;
	const char *fs = "?";

	if (!statfs(b->dir, &sf))
		fs = sf.f_type == 0x01021994 ? "tmpfs" : "a disk file system";
	printf("blk_bench: 4 KiB %s reads, %u in flight (ring of %u), %lluM file on %s (page cache), %u runs x %.1f s per path after %u warm-up each, paths alternated\n",
	       b->sequential ? "sequential" : "random", b->depth, QUEUE_SIZE,
	       (unsigned long long)(b->file_size >> 20), fs, b->runs, b->seconds,
	       b->warmup);
	printf("host: %ld cpus; features VERSION_1 only (no EVENT_IDX): every kick and call is an eventfd write\n",
	       sysconf(_SC_NPROCESSORS_ONLN));
}

static void set_names(struct bench *b)
{
	static const char *const names[NR_PATHS] = {
		"inline", "thread", "vmm-blkd", "qsd", "qsd-uring",
	};
	static const char *const whats[NR_PATHS] = {
		"virtio_blk_queue_notify on a kick-eventfd worker (the virtio-mmio worker loop)",
		"vhost_user_backend_serve in a thread, socketpair, our frontend (backend=thread)",
		"vmm-blkd process, unix socket, our frontend",
		"qemu-storage-daemon vhost-user-blk export (file+raw, aio=threads), our frontend",
		"qemu-storage-daemon, the same with aio=io_uring",
	};
	unsigned int i;

	for (i = 0; i < NR_PATHS; i++) {
		struct path *p = &b->p[i];

		p->name = names[i];
		p->what = whats[i];
		p->stop_fd = p->ring.kick_fd = p->ring.call_fd = -1;
		p->backend_sock = p->log_fd = -1;
		pthread_mutex_init(&p->lock, NULL);
	}
	snprintf(b->p[P_BLKD].sock_path, PATH_MAX, "%s/vmm-blkd.sock", b->dir);
	snprintf(b->p[P_QSD].sock_path, PATH_MAX, "%s/qsd.sock", b->dir);
	snprintf(b->p[P_QSD_URING].sock_path, PATH_MAX, "%s/qsd-uring.sock", b->dir);
	if (b->qsd_skip)
		b->p[P_QSD].skip = b->p[P_QSD_URING].skip = b->qsd_skip;
	for (i = 0; i < NR_PATHS; i++)
		cleanup_files[i] = b->p[i].sock_path;
	cleanup_files[NR_PATHS] = b->disk;
}

static int setup(struct bench *b, char *why, size_t len)
{
	struct guest_memory_config cfg = { .size = MEM_SIZE, .backend = GUEST_MEMORY_MEMFD };
	struct guest_range layout = { .gpa = 0, .size = MEM_SIZE };
	unsigned int i;
	int ret;

	ret = guest_memory_create(&cfg, &layout, 1, &b->mem);
	if (ret) {
		b->mem = NULL;
		snprintf(why, len, "guest_memory_create: %s", strerror(-ret));
		return ret;
	}
	ret = guest_memory_sharing_get(b->mem, &b->sharing);
	if (ret) {
		b->sharing = NULL;
		snprintf(why, len, "guest_memory_sharing_get: %s", strerror(-ret));
		return ret;
	}
	for (i = 0; i < NR_PATHS; i++) {
		struct path *p = &b->p[i];

		if (p->skip)
			continue;
		ret = ring_init(b, &p->ring, i);
		if (ret) {
			snprintf(why, len, "%s: ring layout: %s", p->name, strerror(-ret));
			return ret;
		}
		p->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (p->stop_fd < 0) {
			ret = -errno;
			snprintf(why, len, "%s: eventfd: %s", p->name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int start_path(struct bench *b, unsigned int i, char *why, size_t len)
{
	static int (*const start[NR_PATHS])(struct bench *, struct path *, char *, size_t) = {
		setup_inline, setup_thread, setup_blkd, setup_qsd, setup_qsd_uring,
	};

	return start[i](b, &b->p[i], why, len);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const struct path *p, double *min, double *max)
{
	double s[MAX_RUNS];

	*min = *max = 0;
	if (!p->n)
		return 0;
	memcpy(s, p->rate, p->n * sizeof(s[0]));
	qsort(s, p->n, sizeof(s[0]), cmp_double);
	*min = s[0];
	*max = s[p->n - 1];
	return p->n % 2 ? s[p->n / 2] : (s[p->n / 2 - 1] + s[p->n / 2]) / 2;
}

static void print_results(const struct bench *b)
{
	static const unsigned int order[] = { P_BLKD, P_THREAD, P_INLINE };
	unsigned int ref = b->p[P_QSD].n ? P_QSD : P_INLINE, i;
	double med[NR_PATHS] = { 0 }, min, max;
	char col[16];

	for (i = 0; i < NR_PATHS; i++)
		med[i] = median(&b->p[i], &min, &max);
	snprintf(col, sizeof(col), "/%s", b->p[ref].name);
	printf("#      %-9s %11s %11s %11s %3s %7s %10s %10s  %s\n", "path",
	       "median_rps", "min_rps", "max_rps", "n", col, "kicks/read",
	       "calls/read", "what");
	for (i = 0; i < NR_PATHS; i++) {
		const struct path *p = &b->p[i];
		char ratio[16] = "-";

		med[i] = median(p, &min, &max);
		if (!p->n)
			continue;
		if (med[ref] > 0)
			snprintf(ratio, sizeof(ratio), "%.2f", med[i] / med[ref]);
		printf("result %-9s %11.0f %11.0f %11.0f %3u %7s %10.3f %10.3f  %s\n",
		       p->name, med[i], min, max, p->n, ratio,
		       (double)p->kicks / (double)p->reads,
		       (double)p->calls / (double)p->reads, p->what);
	}
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		unsigned int k = order[i];

		if (k == ref || med[k] <= 0 || med[ref] <= 0)
			continue;
		printf("blk_bench: ratio %s/%s %.2f\n", b->p[k].name, b->p[ref].name,
		       med[k] / med[ref]);
		if (ref == P_QSD && med[P_QSD_URING] > 0)
			printf("blk_bench: ratio %s/%s %.2f\n", b->p[k].name,
			       b->p[P_QSD_URING].name, med[k] / med[P_QSD_URING]);
	}
}

/* Runs every round; 0, or -errno with the failing path's line printed. */
static int measure(struct bench *b)
{
	unsigned int round, i;
	char why[512];
	int ret;

	for (round = 0; round < b->warmup + b->runs; round++) {
		bool warm = round < b->warmup;

		for (i = 0; i < NR_PATHS; i++) {
			struct path *p = &b->p[i];
			struct sample s;

			if (p->skip)
				continue;
			ret = run_once(b, p, round, &s, why, sizeof(why));
			if (ret) {
				printf("fail: %s: run %u: %s\n", p->name, round + 1, why);
				return ret;
			}
			printf("sample %-9s %s %-2u %11.0f reads/s  (%.3f kicks, %.3f calls a read)\n",
			       p->name, warm ? "warm-up" : "run    ",
			       warm ? round + 1 : round - b->warmup + 1, s.rate,
			       (double)s.kicks / (double)s.reads,
			       (double)s.calls / (double)s.reads);
			if (warm)
				continue;
			p->rate[p->n++] = s.rate;
			p->kicks += s.kicks;
			p->calls += s.calls;
			p->reads += s.reads;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	const char *tmp = getenv("TMPDIR");
	int ret, failed = 0;
	unsigned int i;
	char why[1024];

	ret = parse(argc, argv, b);
	if (ret)
		return ret;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cleanup_hook(kill_peers_and_remove_files);
	/* A backend that is gone must give us EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);

	/* A unix socket path has to fit in 108 bytes. */
	if (!tmp || !*tmp || strlen(tmp) > sizeof(b->dir) - 20)
		tmp = "/tmp";
	snprintf(b->dir, sizeof(b->dir), "%s/blk-bench.XXXXXX", tmp);
	if (!mkdtemp(b->dir)) {
		printf("fail: mkdtemp %s: %s\n", b->dir, strerror(errno));
		return 1;
	}
	cleanup_dir = b->dir;
	if (snprintf(b->disk, sizeof(b->disk), "%s/disk.img", b->dir) >= (int)sizeof(b->disk))
		b->disk[0] = '\0';	/* cannot happen: dir is short */
	print_header(b);
	probe_qsd(b);
	set_names(b);
	for (i = 0; i < NR_PATHS; i++) {
		if (b->p[i].skip)
			printf("skip: %s: %s\n", b->p[i].name, b->p[i].skip);
	}
	if (access(b->blkd, X_OK)) {
		printf("fail: vmm-blkd: %s: %s (make %s)\n", b->blkd, strerror(errno), "build/vmm-blkd");
		remove_files();
		return 1;
	}

	ret = make_disk(b);
	if (ret) {
		printf("fail: %s: %s\n", b->disk, strerror(-ret));
		failed = 1;
	}
	if (!failed && setup(b, why, sizeof(why))) {
		printf("fail: %s\n", why);
		failed = 1;
	}
	for (i = 0; i < NR_PATHS && !failed; i++) {
		if (b->p[i].skip)
			continue;
		if (start_path(b, i, why, sizeof(why))) {
			printf("fail: %s: %s\n", b->p[i].name, why);
			failed = 1;
		}
	}
	/*
	 * Every path has the file open and its socket connected: nothing
	 * needs a name any more, so even a SIGKILL leaves nothing behind.
	 */
	remove_files();
	if (!failed && measure(b))
		failed = 1;

	for (i = 0; i < NR_PATHS; i++) {
		if (b->p[i].skip)
			continue;
		if (teardown_path(&b->p[i], i, why, sizeof(why))) {
			printf("fail: %s: tear-down: %s\n", b->p[i].name, why);
			failed = 1;
		}
	}
	if (b->sharing)
		guest_memory_sharing_put(b->sharing);
	/* A thread that did not stop may still touch guest memory: keep it. */
	for (i = 0; i < NR_PATHS && !b->p[i].thread_started; i++)
		;
	if (b->mem && i == NR_PATHS)
		guest_memory_destroy(b->mem);
	remove_files();
	if (!failed)
		print_results(b);
	return failed;
}
