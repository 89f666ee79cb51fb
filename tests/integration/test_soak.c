// SPDX-License-Identifier: GPL-2.0
/*
 * Soak and leak test: many VMs in a row and at once, and nothing left
 * behind. The counts come from the environment; the defaults are the short
 * version the integration tier runs, `make soak` sets the long one:
 *
 *   SOAK_HELLO_BOOTS  (30, long 500)  boots of the hello test guest in a row
 *   SOAK_LINUX_BOOTS  (3, long 50)    Linux boots with every device kind
 *   SOAK_DEBIAN_BOOTS (0, long 30)    Debian 12 boots in a row ($DEBIAN_GUEST)
 *   SOAK_VMS          (4, long 16)    Linux VMs at once, each reading its
 *   SOAK_VM_SECONDS   (60, long 600)  disk for this long (testinit.readloop)
 *   SOAK_VM_STAGGER   (0)             seconds between their starts
 *   SOAK_DEBIAN_LOG   (none)          a file outside the box that each
 *                                     Debian boot appends to: "start N"
 *                                     before it, then "ok N" or "fail N:
 *                                     why" (make soak resumes the boots
 *                                     in a new box when the KVM box's
 *                                     kernel dies, and counts them here)
 *
 * Every run has --stats, whose last line is "vmm: resources at exit:
 * fds=N rss_kib=N hwm_kib=N" (vmm/resources.h). Asserted:
 *
 * - every hello boot and every Linux boot exits 0 with its guest's output;
 *   a Linux boot has three virtio-blk disks (inline, backend=thread, and
 *   --vhost-user-blk on vmm-blkd), virtio-rng, a virtio-console writing
 *   to a file, virtio-net on a tap the VMM creates, --vhost-user-net on
 *   dpdk-testpmd and --vhost-user-fs on virtiofsd (mounted by the guest):
 *   each device's --stats line shows DRIVER_OK, the virtio-console file
 *   has the kernel's "Run /init" line (console=hvc0 too), each peer is
 *   started before the boot and stopped after it;
 * - every Debian boot (guests/debian/build.sh: systemd on Debian's stock
 *   kernel, 2 vCPUs, 1G, a fresh copy of its disk each time) is without a
 *   VM failure: exit 0 with the VMM's "guest powered off (ACPI S5)" line,
 *   "Welcome to Debian" and vmm-check's "VMM-CHECK done" on the console
 *   (tests/debian_guest.h); a failure (a triple fault is named as such)
 *   has its stderr and console tail printed;
 * - the VMM's fds and RSS at exit do not grow: the largest fds of the last
 *   tenth of the runs is at most the smallest of the first tenth, and the
 *   medians of rss_kib and hwm_kib of the last tenth are within
 *   GROWTH_PERCENT % + GROWTH_KIB of the first tenth's;
 * - after each run, nothing is left behind (tests/leftovers.h): no child of
 *   the test (it is a child subreaper, so orphans come back to it), no
 *   more vmm, vmm-blkd, dpdk-testpmd, virtiofsd processes or processes
 *   holding a memfd than before, no new entry in /dev/shm or /tmp, no
 *   socket or other file in the run directory but the disks and the
 *   share, and no tap left;
 * - SOAK_VMS VMs at once, each with a disk under reads for SOAK_VM_SECONDS:
 *   every one exits 0 having counted requests. One that does not has its
 *   status, stderr and console tail printed.
 *
 * A device whose peer is not installed (dpdk-testpmd, virtiofsd) is left
 * out with a SKIP line. Root only (the tap).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#include "tests/debian_guest.h"
#include "tests/helpers.h"
#include "tests/leftovers.h"

#define VIRTIOFSD	"/usr/lib/qemu/virtiofsd"
#define TAG		"soakshare"
#define NET_MAC		"52:54:00:50:4b:01"
#define TAP_MAC		"52:54:00:50:4b:02"
#define HVC_WANT	"Run /init as init process"	/* on hvc0 as well */
#define LINUX_TIMEOUT	300		/* --timeout of a Linux boot, s */
#define DEBIAN_TIMEOUT	900		/* --timeout of a Debian boot, s */
#define DEBIAN_CMDLINE	"console=ttyS0 root=/dev/vda vmm.check=poweroff"
#define BOOT_MARGIN	600		/* VMs at once: boot and power-off, s */
#define PEER_START_S	30		/* for a peer to listen */
#define GROWTH_PERCENT	10		/* RSS noise allowed between windows */
#define GROWTH_KIB	256
#define MAX_VMS		32
#define WHY_LEN		4096

struct usage {
	int fds;
	long rss_kib, hwm_kib;
};

/* One soak: its runs, what they measured and what they left behind. */
struct soak {
	const char *name;
	int runs, done, ok;
	struct usage *use;	/* one per run that printed the line */
	int measured;
	int leftovers;
	char first_failure[WHY_LEN + 32];
	char last_failure[WHY_LEN];	/* one line */
	char leftover_why[WHY_LEN];
	double seconds;
};

static int hello_boots, linux_boots, debian_boots, nr_vms, vm_seconds, vm_stagger;
static struct soak hello = { .name = "hello" }, linux_soak = { .name = "linux" },
		   debian_soak = { .name = "debian" }, at_once = { .name = "VMs at once" };
static struct debian_guest debian;
static struct debian_boot *debian_run_boot;
static double *debian_login_s;	/* per run, to the login prompt; -1: none */
static char tmpdir[] = "/tmp/vmm-soak.XXXXXX";
static char tap[16];
static const char *blkd_bin, *testpmd_bin;
static char skip_net[200], skip_fs[200];
static struct leftovers_snapshot base;
static const char *keep[8 + MAX_VMS];

static int env_count(const char *name, int def, int max)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return def;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > max) {
		printf("soak: %s=%s is not a count from 0 to %d; using %d\n", name, v, max, def);
		return def;
	}
	return (int)n;
}

static const char *tmp_path(const char *name)
{
	return path_in(tmpdir, name);
}

static void delete_tap(void)
{
	char path[64];

	pid_t pid;

	snprintf(path, sizeof(path), "/sys/class/net/%s", tap);
	if (!tap[0] || access(path, F_OK))
		return;
	pid = fork();
	if (pid == 0) {
		execlp("ip", "ip", "link", "del", "dev", tap, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/* A run failed: one line about it now; the first one is kept for the check. */
static void fail_run(struct soak *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_run(struct soak *s, const char *fmt, ...)
{
	char why[WHY_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("soak %s: run %d failed: %.2500s\n", s->name, s->done, why);
	fflush(stdout);
	if (!s->first_failure[0])
		snprintf(s->first_failure, sizeof(s->first_failure), "run %d: %s", s->done, why);
	snprintf(s->last_failure, sizeof(s->last_failure), "%.*s", (int)strcspn(why, "\n"), why);
}

/* The --stats resources line of a VMM's stderr into s; false if none. */
static bool take_usage(struct soak *s, const char *err)
{
	const char *p = strstr(err, "vmm: resources at exit: ");
	struct usage u;

	if (!p || sscanf(p, "vmm: resources at exit: fds=%d rss_kib=%ld hwm_kib=%ld", &u.fds,
			 &u.rss_kib, &u.hwm_kib) != 3)
		return false;
	s->use[s->measured++] = u;
	return true;
}

/* Leftovers of the run just ended, counted in s. */
static void check_leftovers(struct soak *s)
{
	char why[WHY_LEN], path[64];
	int n;

	n = leftovers_since(&base, tmpdir, keep, why, sizeof(why));
	snprintf(path, sizeof(path), "/sys/class/net/%s", tap);
	if (!access(path, F_OK)) {
		n++;
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "the tap %s is still there\n", tap);
	}
	if (n && !s->leftovers) {
		snprintf(s->leftover_why, sizeof(s->leftover_why), "after run %d: %s", s->done, why);
		printf("soak %s: leftovers %s", s->name, s->leftover_why);
	}
	s->leftovers += n;
}

/* ---- hello boots ---- */

static void hello_run(void)
{
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)guest_path("hello"), "--memory", "64M",
			 "--stats", "--timeout", "60", NULL };
	static struct run_result res;

	if (run_cmd(argv, 120, &res)) {
		fail_run(&hello, "cannot run %s", argv[0]);
		return;
	}
	if (res.status != 0 || !strstr(res.out, "Hello from the guest!\n"))
		fail_run(&hello, "exit %d, stdout: %s, stderr: %s", res.status, text_tail(res.out, 500),
			  text_tail(res.err, 1500));
	else if (!take_usage(&hello, res.err))
		fail_run(&hello, "no resources line in: %s", text_tail(res.err, 1500));
	else
		hello.ok++;
}

/* ---- Linux with every device ---- */

struct peers {
	pid_t blkd, testpmd, fsd;
	int testpmd_in;
	struct text blkd_log, testpmd_out, testpmd_log, fsd_log;
};

static struct peers peers;
static int fsd_sockets;	/* socket files virtiofsd left at its exit */
static struct text console, vmm_err;


static void close_text(struct text *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

static bool peer_listens(pid_t pid, const char *sock, const char *name, struct text *log)
{
	if (pid > 0 && wait_unix_socket(sock, true, PEER_START_S))
		return true;
	fail_run(&linux_soak, "%s does not listen on %s: %s", name, sock,
		  log ? text_tail(log->buf, 1500) : "");
	return false;
}

static bool start_peers(void)
{
	char *blkd[] = { (char *)blkd_bin, "--socket", (char *)tmp_path("blkd.sock"), "--disk",
			 (char *)tmp_path("blkd.img"), NULL };
	char runtime[480], vdev[600], lcores[64], source[320], sock_arg[340];
	char *testpmd[] = { "/usr/bin/env", runtime, (char *)testpmd_bin, "--lcores", lcores,
			    "--no-pci", "--no-huge", "-m", "64", "--no-shconf", "--no-telemetry",
			    "--vdev", vdev, "--", "-i", "--total-num-mbufs=2048", NULL };
	char *fsd[] = { VIRTIOFSD, sock_arg, "-o", source, "-o", "cache=none", NULL };

	memset(&peers, 0, sizeof(peers));
	peers.testpmd_in = -1;
	peers.blkd = text_spawn(blkd, NULL, NULL, &peers.blkd_log);
	if (!peer_listens(peers.blkd, tmp_path("blkd.sock"), "vmm-blkd", &peers.blkd_log))
		return false;
	if (!skip_net[0]) {
		/* DPDK's runtime files go to $XDG_RUNTIME_DIR/dpdk: our directory */
		snprintf(runtime, sizeof(runtime), "XDG_RUNTIME_DIR=%s", tmpdir);
		snprintf(lcores, sizeof(lcores), "(0,1)@0");
		snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s,queues=1", tmp_path("net.sock"));
		peers.testpmd = text_spawn(testpmd, &peers.testpmd_in, &peers.testpmd_out, &peers.testpmd_log);
		if (!peer_listens(peers.testpmd, tmp_path("net.sock"), "dpdk-testpmd", &peers.testpmd_log))
			return false;
	}
	if (!skip_fs[0]) {
		snprintf(sock_arg, sizeof(sock_arg), "--socket-path=%s", tmp_path("fs.sock"));
		snprintf(source, sizeof(source), "source=%s", tmp_path("share"));
		peers.fsd = text_spawn(fsd, NULL, NULL, &peers.fsd_log);
		if (!peer_listens(peers.fsd, tmp_path("fs.sock"), "virtiofsd", &peers.fsd_log))
			return false;
	}
	return true;
}

/*
 * Stops one peer. One that ended by itself is a failure, unless it may end
 * with its frontend (virtiofsd serves one connection) and did so with 0.
 */
static void stop_peer(pid_t pid, const char *name, struct text *log, bool ends_with_vmm)
{
	int w;

	if (pid <= 0)
		return;
	if (waitpid(pid, &w, WNOHANG) == pid) {
		if (!ends_with_vmm || !WIFEXITED(w) || WEXITSTATUS(w))
			fail_run(&linux_soak, "%s ended during the boot (wait status 0x%x): %s", name, w,
				  text_tail(log->buf, 1000));
	} else
		stop_cmd(pid, 15);
	procs_untrack(pid);
	close_text(log);
}

static void stop_peers(void)
{
	if (peers.testpmd > 0 && peers.testpmd_in >= 0) {
		double until = monotonic_seconds() + 15;
		struct text *t[] = { &peers.testpmd_out, &peers.testpmd_log };

		if (write(peers.testpmd_in, "quit\n", 5) == 5)
			while (peers.testpmd_out.fd >= 0 && monotonic_seconds() < until)
				text_pump(t, 2, 0.5);
	}
	if (peers.testpmd_in >= 0)
		close(peers.testpmd_in);
	stop_peer(peers.testpmd, "dpdk-testpmd", &peers.testpmd_log, false);
	close_text(&peers.testpmd_out);
	stop_peer(peers.fsd, "virtiofsd", &peers.fsd_log, true);
	/* QEMU's virtiofsd does not unlink its socket at exit: the test does */
	if (peers.fsd > 0 && !unlink(tmp_path("fs.sock")) && !fsd_sockets++)
		printf("soak linux: virtiofsd left its socket file at exit; the test removes it\n");
	stop_peer(peers.blkd, "vmm-blkd", &peers.blkd_log, false);
}

/* The number of --stats device lines, and of those without DRIVER_OK. */
static void driver_ok(const char *err, int *devices, int *not_ok)
{
	const char *p = err;
	unsigned int status;

	*devices = *not_ok = 0;
	while ((p = strstr(p, "\nvmm: virtio"))) {
		const char *st = strstr(p, ": status 0x");

		p++;
		if (!st || sscanf(st, ": status 0x%x", &status) != 1)
			continue;
		(*devices)++;
		*not_ok += !(status & 0x4);
	}
}

static char hvc_text[65536];	/* the virtio-console file's start */

/* Whether the first 64 KiB of path (read into hvc_text) hold needle. */
static bool file_has(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	size_t n;

	hvc_text[0] = '\0';
	if (!f)
		return false;
	n = fread(hvc_text, 1, sizeof(hvc_text) - 1, f);
	fclose(f);
	hvc_text[n] = '\0';
	return strstr(hvc_text, needle) != NULL;
}

static void linux_check(int status, int want_devices)
{
	static const char *const want[] = { "TEST-INIT: block: vda ", "TEST-INIT: block: vdb ",
					    "TEST-INIT: block: vdc ", "TEST-INIT: done" };
	int devices, not_ok;
	unsigned int i;
	struct stat st = { 0 };

	if (status != 0) {
		fail_run(&linux_soak, "exit %d: %s\n--- console: %s", status, text_tail(vmm_err.buf, 1500),
			  text_tail(console.buf, 1500));
		return;
	}
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (!strstr(console.buf, want[i])) {
			fail_run(&linux_soak, "no '%s' in: %s", want[i], text_tail(console.buf, 2000));
			return;
		}
	if (!skip_fs[0] && !strstr(console.buf, "TEST-INIT: virtiofs " TAG ": mounted")) {
		fail_run(&linux_soak, "virtio-fs not mounted: %s", text_tail(console.buf, 2000));
		return;
	}
	driver_ok(vmm_err.buf, &devices, &not_ok);
	if (devices != want_devices || not_ok) {
		fail_run(&linux_soak, "%d devices (want %d), %d without DRIVER_OK: %s", devices,
			  want_devices, not_ok, text_tail(vmm_err.buf, 2500));
		return;
	}
	/* console=hvc0 too: the kernel's messages from the driver's probe on */
	if (stat(tmp_path("hvc0.log"), &st) || !file_has(tmp_path("hvc0.log"), HVC_WANT)) {
		fail_run(&linux_soak, "no '" HVC_WANT "' in the virtio-console file (%lld bytes): %s",
			 (long long)st.st_size, text_tail(hvc_text, 1200));
		return;
	}
	if (!take_usage(&linux_soak, vmm_err.buf)) {
		fail_run(&linux_soak, "no resources line in: %s", text_tail(vmm_err.buf, 1500));
		return;
	}
	linux_soak.ok++;
}

static void linux_run(void)
{
	char blk[440], vnet[480], fs[440], net[64], hvc[440], thread[440], inline_disk[440];
	char timeout[16];
	char *argv[40] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--initrd", (char *)linux_guest_path("initramfs.cpio"), "--memory", "256M",
		"--stats", "--timeout", timeout, "--rng", "--disk", inline_disk, "--disk", thread,
		"--vhost-user-blk", blk, "--virtio-console", hvc, "--net", net };
	struct text *texts[] = { &console, &vmm_err, &peers.testpmd_out, &peers.testpmd_log,
				 &peers.blkd_log, &peers.fsd_log };
	int argc = 21, status = -1, devices = 6, w;
	double deadline;
	pid_t vmm;

	snprintf(timeout, sizeof(timeout), "%d", LINUX_TIMEOUT);
	snprintf(inline_disk, sizeof(inline_disk), "%s", tmp_path("inline.img"));
	snprintf(thread, sizeof(thread), "%s,backend=thread", tmp_path("thread.img"));
	snprintf(blk, sizeof(blk), "socket=%s", tmp_path("blkd.sock"));
	snprintf(hvc, sizeof(hvc), "path=%s", tmp_path("hvc0.log"));
	snprintf(net, sizeof(net), "tap=%s,mac=" TAP_MAC, tap);
	if (!skip_net[0]) {
		snprintf(vnet, sizeof(vnet), "socket=%s,mac=" NET_MAC, tmp_path("net.sock"));
		argv[argc++] = "--vhost-user-net";
		argv[argc++] = vnet;
		devices++;
	}
	if (!skip_fs[0]) {
		snprintf(fs, sizeof(fs), "socket=%s,tag=" TAG, tmp_path("fs.sock"));
		argv[argc++] = "--vhost-user-fs";
		argv[argc++] = fs;
		devices++;
	}
	argv[argc++] = "--cmdline";
	argv[argc++] = skip_fs[0] ? "console=hvc0 console=ttyS0 panic=-1" :
				    "console=hvc0 console=ttyS0 panic=-1 testinit.fs=" TAG;
	argv[argc] = NULL;

	if (!start_peers()) {
		stop_peers();
		return;
	}
	vmm = text_spawn(argv, NULL, &console, &vmm_err);
	deadline = monotonic_seconds() + LINUX_TIMEOUT + 60;
	while (vmm > 0) {
		text_pump(texts, ARRAY_SIZE(texts), 0.2);
		if (waitpid(vmm, &w, WNOHANG) == vmm) {
			status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
			break;
		}
		if (monotonic_seconds() > deadline) {
			status = stop_cmd(vmm, 5);
			printf("soak linux: the VMM ran past its own --timeout; killed\n");
			break;
		}
	}
	procs_untrack(vmm);
	while (console.fd >= 0 || vmm_err.fd >= 0)
		text_pump(texts, 2, 1);
	linux_check(status, devices);
	stop_peers();
}

/* ---- Debian boots ---- */

/* A line of SOAK_DEBIAN_LOG, on disk before the next boot starts. */
static void debian_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void debian_log(const char *fmt, ...)
{
	const char *path = getenv("SOAK_DEBIAN_LOG");
	va_list ap;
	FILE *f;

	if (!path || !*path)
		return;
	f = fopen(path, "a");
	if (!f) {
		printf("soak debian: cannot append to SOAK_DEBIAN_LOG=%s: %s\n", path, strerror(errno));
		return;
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	fsync(fileno(f));
	fclose(f);
}

static void debian_run_one(struct debian_boot *b, char *why, size_t why_len);

static void debian_run(void)
{
	struct debian_boot *b = debian_run_boot;
	int ok_before = debian_soak.ok;
	char why[WHY_LEN];

	debian_log("start %d", debian_soak.done);
	debian_run_one(b, why, sizeof(why));
	if (debian_soak.ok > ok_before)
		debian_log("ok %d login=%.0f off=%.0f", debian_soak.done, b->login_s, b->seconds);
	else
		debian_log("fail %d: %s", debian_soak.done, debian_soak.last_failure);
}

static void debian_run_one(struct debian_boot *b, char *why, size_t why_len)
{
	debian_login_s[debian_soak.done] = -1;
	if (debian_disk_copy(tmp_path("debian-pristine.img"), tmp_path("debian.img"))) {
		fail_run(&debian_soak, "cannot copy the disk");
		return;
	}
	debian_boot(&debian, tmp_path("debian.img"), 2, DEBIAN_CMDLINE, DEBIAN_TIMEOUT, b);
	debian_login_s[debian_soak.done] = b->login_s;
	if (!debian_boot_clean(b, why, why_len)) {
		printf("soak debian: run %d: --- its console:\n%s\n", debian_soak.done,
		       text_tail(b->out.buf, 2500));
		fail_run(&debian_soak, "%s", why);
	} else if (!take_usage(&debian_soak, b->err.buf)) {
		fail_run(&debian_soak, "no resources line in: %s", text_tail(b->err.buf, 1500));
	} else {
		debian_soak.ok++;
		/* A line per boot: they are slow, and the box has died under them. */
		printf("soak debian: run %d ok: login: at %.0f s, powered off at %.0f s\n",
		       debian_soak.done, b->login_s, b->seconds);
		fflush(stdout);
	}
	unlink(tmp_path("debian.img"));
}

/* ---- VMs at once ---- */

struct vm {
	pid_t pid;
	int status;
	double ended;
	struct text out, err;
};

static struct vm vms[MAX_VMS];

static void start_vm(int i)
{
	static char disks[MAX_VMS][440], timeout[16], cmdline[96];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)linux_guest_path("vmlinux"),
		"--initrd", (char *)linux_guest_path("initramfs.cpio"), "--memory", "128M",
		"--disk", disks[i], "--stats", "--timeout", timeout, "--cmdline", cmdline, NULL };
	char name[32];

	snprintf(name, sizeof(name), "vm%d.img", i);
	snprintf(disks[i], sizeof(disks[i]), "%s", tmp_path(name));
	snprintf(timeout, sizeof(timeout), "%d", vm_seconds + BOOT_MARGIN);
	snprintf(cmdline, sizeof(cmdline), "console=ttyS0 panic=-1 testinit.readloop=%d", vm_seconds);
	vms[i].status = -2;
	vms[i].pid = text_spawn(argv, NULL, &vms[i].out, &vms[i].err);
}

static void vm_check(int i)
{
	struct vm *v = &vms[i];
	const char *line = strstr(v->out.buf, "TEST-INIT: readloop: disks=");
	long long requests = 0;

	if (line)
		sscanf(line, "TEST-INIT: readloop: disks=%*d requests=%lld", &requests);
	if (v->status == 0 && requests > 0 && strstr(v->out.buf, "TEST-INIT: done") &&
	    take_usage(&at_once, v->err.buf)) {
		at_once.ok++;
		return;
	}
	printf("soak VMs at once: VM %d did not end cleanly: exit %d after %.0f s, %lld requests\n"
	       "--- its stderr:\n%s\n--- its console:\n%s\n", i, v->status, v->ended, requests,
	       text_tail(v->err.buf, 1500), text_tail(v->out.buf, 2500));
	fail_run(&at_once, "VM %d: exit %d after %.0f s, %lld requests", i, v->status, v->ended,
		  requests);
}

static void vms_at_once(void)
{
	double start_at = monotonic_seconds();
	double deadline = start_at + vm_seconds + BOOT_MARGIN + 120 + nr_vms * vm_stagger;
	int i, running = 0, next = 0, w;

	for (i = 0; i < nr_vms; i++)	/* not started yet: nothing to read */
		vms[i].out.fd = vms[i].err.fd = -1;

	while (running || next < nr_vms) {
		/* one every vm_stagger seconds (0: all at once) */
		while (next < nr_vms && monotonic_seconds() >= start_at + next * vm_stagger) {
			start_vm(next);
			running += vms[next++].pid > 0;
		}
		for (i = 0; i < nr_vms; i += 4) {
			struct text *t[8];
			int j;

			for (j = 0; j < 4; j++) {
				t[2 * j] = i + j < nr_vms ? &vms[i + j].out : NULL;
				t[2 * j + 1] = i + j < nr_vms ? &vms[i + j].err : NULL;
			}
			text_pump(t, 8, 0.05);
		}
		for (i = 0; i < nr_vms; i++) {
			struct vm *v = &vms[i];

			if (v->pid <= 0 || v->status != -2)
				continue;
			if (waitpid(v->pid, &w, WNOHANG) == v->pid)
				v->status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
			else if (monotonic_seconds() > deadline)
				v->status = stop_cmd(v->pid, 5);
			else
				continue;
			v->ended = monotonic_seconds() - start_at;
			procs_untrack(v->pid);
			running--;
		}
	}
	for (i = 0; i < nr_vms; i++) {
		struct text *t[] = { &vms[i].out, &vms[i].err };

		while (vms[i].out.fd >= 0 || vms[i].err.fd >= 0)
			text_pump(t, 2, 1);
		vm_check(i);
	}
	at_once.seconds = monotonic_seconds() - start_at;
	at_once.done = nr_vms;
	check_leftovers(&at_once);
}

/* ---- the checks ---- */

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The median of field (0 rss, 1 hwm) over use[from, from + n). */
static long median_kib(const struct soak *s, int from, int n, int field)
{
	long v[n];
	int i;

	for (i = 0; i < n; i++)
		v[i] = field ? s->use[from + i].hwm_kib : s->use[from + i].rss_kib;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_long);
	return v[n / 2];
}

/* Extreme fds over use[from, from + n): the smallest or the largest. */
static int fds_of(const struct soak *s, int from, int n, bool largest)
{
	int v[n], i;

	for (i = 0; i < n; i++)
		v[i] = s->use[from + i].fds;
	qsort(v, (size_t)n, sizeof(v[0]), cmp_int);
	return largest ? v[n - 1] : v[0];
}

static void report(const struct soak *s)
{
	int w = s->measured / 10 ? s->measured / 10 : 1;

	printf("soak %s: %d of %d runs ok in %.0f s", s->name, s->ok, s->runs, s->seconds);
	if (s->measured)
		printf("; at exit, first %d vs last %d runs: fds %d..%d vs %d..%d, rss_kib median %ld vs %ld, hwm_kib median %ld vs %ld",
		       w, w, fds_of(s, 0, w, false), fds_of(s, 0, w, true),
		       fds_of(s, s->measured - w, w, false), fds_of(s, s->measured - w, w, true),
		       median_kib(s, 0, w, 0), median_kib(s, s->measured - w, w, 0),
		       median_kib(s, 0, w, 1), median_kib(s, s->measured - w, w, 1));
	printf("; leftovers %d", s->leftovers);
	if (s == &linux_soak)
		printf(" (and %d socket files of virtiofsd removed by the test)", fsd_sockets);
	printf("\n");
	if (s == &debian_soak && s->runs) {
		double v[s->runs];
		int i, n = 0;

		for (i = 0; i < s->done; i++)
			if (debian_login_s[i] >= 0)
				v[n++] = debian_login_s[i];
		printf("soak debian: %d of %d Debian boots without a VM failure", s->ok, s->runs);
		if (n) {
			double median = median_of(v, n);	/* sorts v */

			printf("; login: prompt after %.0f s (median of %d; %.0f..%.0f)", median, n,
			       v[0], v[n - 1]);
		}
		printf("\n");
	}
	fflush(stdout);
}

/* A part whose count is 0 was not asked for (make soak SOAK_VMS=0 ...). */
static bool skipped(const struct soak *s, const char *test)
{
	if (s->runs)
		return false;
	printf("SKIP %s: its count is 0 in the environment (SOAK_%s=0)\n", test,
	       s == &hello ? "HELLO_BOOTS" : s == &linux_soak ? "LINUX_BOOTS" :
	       s == &debian_soak ? "DEBIAN_BOOTS" : "VMS");
	return true;
}

static void assert_all_ok(const struct soak *s)
{
	ck_assert_msg(s->ok == s->runs, "soak %s: %d of %d runs ok; the first failure: %s", s->name,
		      s->ok, s->runs, s->first_failure);
}

static void assert_no_growth(const struct soak *s)
{
	int w = s->measured / 10 ? s->measured / 10 : 1, last = s->measured - w, f;

	ck_assert_msg(s->measured >= 2, "soak %s: %d runs measured, need 2", s->name, s->measured);
	ck_assert_msg(fds_of(s, last, w, true) <= fds_of(s, 0, w, false),
		      "soak %s: fds at exit grew from %d (first %d runs) to %d (last %d)", s->name,
		      fds_of(s, 0, w, false), w, fds_of(s, last, w, true), w);
	for (f = 0; f < 2; f++) {
		long first = median_kib(s, 0, w, f), now = median_kib(s, last, w, f);

		ck_assert_msg(now <= first + first * GROWTH_PERCENT / 100 + GROWTH_KIB,
			      "soak %s: %s at exit grew from %ld KiB (median of the first %d runs) to %ld KiB (last %d)",
			      s->name, f ? "hwm" : "rss", first, w, now, w);
	}
}

static void assert_nothing_left(const struct soak *s)
{
	ck_assert_msg(s->leftovers == 0, "soak %s: %d leftovers; the first: %s", s->name, s->leftovers,
		      s->leftover_why);
}

START_TEST(hello_boots_exit_0)
{
	if (skipped(&hello, "hello_boots_exit_0"))
		return;
	assert_all_ok(&hello);
}
END_TEST

START_TEST(hello_fds_and_rss_do_not_grow)
{
	if (skipped(&hello, "hello_fds_and_rss_do_not_grow"))
		return;
	assert_no_growth(&hello);
}
END_TEST

START_TEST(hello_leaves_nothing_behind)
{
	if (skipped(&hello, "hello_leaves_nothing_behind"))
		return;
	assert_nothing_left(&hello);
}
END_TEST

START_TEST(linux_boots_with_every_device_exit_0)
{
	if (skipped(&linux_soak, "linux_boots_with_every_device_exit_0"))
		return;
	if (skip_net[0])
		printf("SKIP vhost-user-net in the Linux boots: %s\n", skip_net);
	if (skip_fs[0])
		printf("SKIP vhost-user-fs in the Linux boots: %s\n", skip_fs);
	assert_all_ok(&linux_soak);
}
END_TEST

START_TEST(linux_fds_and_rss_do_not_grow)
{
	if (skipped(&linux_soak, "linux_fds_and_rss_do_not_grow"))
		return;
	assert_no_growth(&linux_soak);
}
END_TEST

START_TEST(linux_leaves_nothing_behind)
{
	if (skipped(&linux_soak, "linux_leaves_nothing_behind"))
		return;
	assert_nothing_left(&linux_soak);
}
END_TEST

START_TEST(debian_boots_without_a_vm_failure)
{
	if (skipped(&debian_soak, "debian_boots_without_a_vm_failure"))
		return;
	assert_all_ok(&debian_soak);
}
END_TEST

START_TEST(debian_leaves_nothing_behind)
{
	if (skipped(&debian_soak, "debian_leaves_nothing_behind"))
		return;
	assert_nothing_left(&debian_soak);
}
END_TEST

START_TEST(vms_at_once_all_exit_0)
{
	if (skipped(&at_once, "vms_at_once_all_exit_0"))
		return;
	assert_all_ok(&at_once);
}
END_TEST

START_TEST(vms_at_once_leave_nothing_behind)
{
	if (skipped(&at_once, "vms_at_once_leave_nothing_behind"))
		return;
	assert_nothing_left(&at_once);
}
END_TEST

/* ---- set-up ---- */

/*
 * A /tmp and a /dev/shm of the test's own (a mount namespace, tmpfs on
 * both), which what it starts inherits: whatever is new in them after a
 * run was left by that run, not by another process of the host (in the
 * KVM box, /tmp shows the host's, live), and nothing outlives the test.
 */
static int private_tmp(void)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("soak-tmp", "/tmp", "tmpfs", 0, "mode=1777") ||
	    mount("soak-shm", "/dev/shm", "tmpfs", 0, "mode=1777"))
		return -errno;
	return 0;
}

static int make_disk(const char *name, int mib)
{
	char cmd[700];

	snprintf(cmd, sizeof(cmd), "sh guests/linux/make-mbr-disk.sh %s %d", tmp_path(name), mib);
	return system(cmd) ? -1 : 0;
}

static int setup(void)
{
	static char names[MAX_VMS][24];	/* "vm" INT_MIN ".img" fits */
	int i, k = 0;

	if (!make_tmpdir(tmpdir) || make_disk("inline.img", 8) || make_disk("thread.img", 8) ||
	    make_disk("blkd.img", 8) || mkdir(tmp_path("share"), 0755))
		return -1;
	keep[k++] = "inline.img";
	keep[k++] = "thread.img";
	keep[k++] = "blkd.img";
	keep[k++] = "share";
	keep[k++] = "hvc0.log";
	if (debian_boots) {
		if (debian_disk_copy(debian.disk, tmp_path("debian-pristine.img")))
			return -1;
		keep[k++] = "debian-pristine.img";
		keep[k++] = "debian.img";
	}
	for (i = 0; i < nr_vms; i++) {
		snprintf(names[i], sizeof(names[i]), "vm%d.img", i);
		if (make_disk(names[i], 16))
			return -1;
		keep[k++] = names[i];
	}
	keep[k] = NULL;
	snprintf(tap, sizeof(tap), "vmmsoak%u", (unsigned int)getpid() % 100000);
	return 0;
}

static void find_peers(void)
{
	blkd_bin = getenv("VMM_BLKD") ? getenv("VMM_BLKD") : "build/vmm-blkd";
	testpmd_bin = find_program("dpdk-testpmd");
	if (testpmd_bin)
		testpmd_bin = strdup(testpmd_bin);
	else
		snprintf(skip_net, sizeof(skip_net),
			 "no dpdk-testpmd in $PATH (Debian 12 ships it in package dpdk-dev)");
	if (access(VIRTIOFSD, X_OK))
		snprintf(skip_fs, sizeof(skip_fs), "no %s (Debian's qemu-system-common)", VIRTIOFSD);
}

static void run_soak(struct soak *s, int runs, void (*one)(void))
{
	double start_at = monotonic_seconds();

	s->runs = runs;
	s->use = calloc((size_t)runs + 1, sizeof(*s->use));
	for (s->done = 0; s->use && s->done < runs; s->done++) {
		one();
		check_leftovers(s);
		if ((s->done + 1) % 50 == 0) {
			printf("soak %s: %d of %d runs, %d ok, %.0f s\n", s->name, s->done + 1, runs, s->ok,
			       monotonic_seconds() - start_at);
			fflush(stdout);
		}
	}
	s->seconds = monotonic_seconds() - start_at;
	report(s);
}

int main(void)
{
	TCase *tc = tcase_create("soak");
	int err;

	if (!kvm_usable("soak") || !linux_guest_present("soak"))
		return 1;
	if (geteuid()) {
		printf("FAIL soak suite: needs root (the VMM creates a tap for virtio-net)\n");
		return 1;
	}
	hello_boots = env_count("SOAK_HELLO_BOOTS", 30, 100000);
	linux_boots = env_count("SOAK_LINUX_BOOTS", 3, 10000);
	debian_boots = env_count("SOAK_DEBIAN_BOOTS", 0, 10000);
	nr_vms = env_count("SOAK_VMS", 4, MAX_VMS);
	vm_seconds = env_count("SOAK_VM_SECONDS", 60, 86400);
	vm_stagger = env_count("SOAK_VM_STAGGER", 0, 600);
	if (debian_boots) {
		if (!debian_guest_find("soak", &debian))
			return 1;
		debian_run_boot = calloc(1, sizeof(*debian_run_boot));
		debian_login_s = calloc((size_t)debian_boots, sizeof(*debian_login_s));
		if (!debian_run_boot || !debian_login_s)
			return 1;
	}
	err = private_tmp();
	if (err) {
		printf("FAIL soak suite: cannot mount a /tmp and /dev/shm of its own: %s\n", strerror(-err));
		return 1;
	}
	/* As a distribution would at boot: the tun module provides the node. */
	if (access("/dev/net/tun", F_OK) && system("modprobe tun >/dev/null 2>&1"))
		printf("soak: no /dev/net/tun and modprobe tun failed\n");
	cleanup_hook(delete_tap);
	sigpipe_to_epipe();
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) || setup()) {
		printf("FAIL soak suite: cannot set up %s: %s\n", tmpdir, strerror(errno));
		return 1;
	}
	find_peers();
	if (access(blkd_bin, X_OK)) {
		printf("FAIL soak suite: no vmm-blkd at %s ($VMM_BLKD)\n", blkd_bin);
		return 1;
	}
	err = leftovers_snapshot(&base);
	if (err) {
		printf("FAIL soak suite: cannot read /proc: %s\n", strerror(-err));
		return 1;
	}
	printf("soak: %d hello boots, %d Linux boots with every device, %d Debian boots, %d VMs at once for %d s (started %d s apart)\n",
	       hello_boots, linux_boots, debian_boots, nr_vms, vm_seconds, vm_stagger);
	fflush(stdout);
	run_soak(&hello, hello_boots, hello_run);
	run_soak(&linux_soak, linux_boots, linux_run);
	run_soak(&debian_soak, debian_boots, debian_run);
	at_once.runs = nr_vms;
	at_once.use = calloc((size_t)nr_vms + 1, sizeof(*at_once.use));
	if (nr_vms)
		vms_at_once();
	report(&at_once);
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, hello_boots_exit_0);
	tcase_add_test(tc, hello_fds_and_rss_do_not_grow);
	tcase_add_test(tc, hello_leaves_nothing_behind);
	tcase_add_test(tc, linux_boots_with_every_device_exit_0);
	tcase_add_test(tc, linux_fds_and_rss_do_not_grow);
	tcase_add_test(tc, linux_leaves_nothing_behind);
	tcase_add_test(tc, debian_boots_without_a_vm_failure);
	tcase_add_test(tc, debian_leaves_nothing_behind);
	tcase_add_test(tc, vms_at_once_all_exit_0);
	tcase_add_test(tc, vms_at_once_leave_nothing_behind);
	return run_tcase("soak", tc);
}
