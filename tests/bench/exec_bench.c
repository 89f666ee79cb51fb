// SPDX-License-Identifier: GPL-2.0
/*
 * exec_bench: vmm-exec against QEMU's microvm machine running the same
 * guest: the same kernel and modules, the same initramfs (vmm-exec's own,
 * from --initramfs-out), the same virtiofsd started the same way, 512 MiB
 * and 1 vCPU, both started from here, in the same place (on a host
 * without /dev/kvm: both inside the KVM box). Two measurements:
 *
 *  true  wall time of `vmm-exec --root-host -- true`, from spawning
 *        vmm-exec to its exit. vmm-exec writes its initramfs, starts a
 *        virtiofsd for / (tag hostroot), runs the VMM and stops virtiofsd.
 *        The QEMU run: from spawning that virtiofsd (the same command line
 *        as vmm-exec's, ready once its socket exists) through QEMU's exit
 *        to virtiofsd stopped (SIGTERM, reaped), as vmm-exec does it. QEMU
 *        is given the initramfs ready-made: writing it is counted for
 *        vmm-exec only.
 *  read  MB/s (10^6 bytes per second) of reading a --read-mib (1024) MiB
 *        file of a non-zero pattern through virtio-fs: the file is in a
 *        directory under /tmp, shared with --share (tag share0, its own
 *        virtiofsd, sandbox=namespace as vmm-exec starts it); the guest
 *        runs `dd if=FILE of=/dev/null bs=1M` and the rate is the bytes
 *        over the seconds dd reports: the read alone, by the guest's
 *        clock (in the KVM box, starting a program in the guest takes
 *        0.5-2 s, so timing `cat` between two `date`s would count that
 *        too). The bytes must be the file's size. Each VM is fresh (its
 *        page cache and RAM untouched); the host has the file in its page
 *        cache (it is read once before the first run) for both.
 *
 * QEMU: qemu-system-x86_64 -M microvm,acpi=on (the guest finds the
 * virtio-mmio devices in the ACPI tables, as with our VMM, and powers off
 * through ACPI's sleep control register), -global
 * virtio-mmio.force-legacy=false (QEMU's virtio-mmio is legacy by default,
 * and virtiofsd's libvhost-user refuses legacy devices: "virtio legacy
 * devices aren't supported by libvhost-user"), guest RAM a shared memfd
 * (vhost-user needs it), one vhost-user-fs-device per virtiofsd,
 * virtio-serial-device with a virtconsole (the guest's /dev/hvc0) writing
 * to a file, the serial port to a file, -no-reboot. A QEMU run counts only
 * if that file decodes (guests/exec/protocol.h) to frames ending with
 * EXEC_STATUS 0; a vmm-exec run only if vmm-exec exits 0.
 *
 * Runs alternate, vmm-exec first, after --warmup rounds of `true` that are
 * not counted (the first boot reads the kernel and modules from disk). It
 * prints every sample, the medians and "ratio: vmm-exec / qemu" lines;
 * times are only meaningful as those ratios, on this host, in this run.
 *
 * usage: exec_bench --vmm-exec PATH --kernel PATH [--modules DIR]
 *                   [--qemu PATH] [--virtiofsd PATH] [--runs N]
 *                   [--warmup N] [--read-mib N]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guests/exec/protocol.h"
#include "tests/helpers.h"

#define MAX_RUNS	50
#define MAX_ARGS	64
#define TIMEOUT_S	900.0	/* one VM run; a nested boot takes ~30 s */
#define SOCKET_WAIT_S	10.0	/* as vmm-exec waits for virtiofsd */
#define MEMORY		"512M"
#define QEMU_ARG_LEN	128	/* a -chardev or -serial argument */
#define CMDLINE		"console=ttyS0 panic=-1 quiet"	/* vmm-exec's */

struct bench {
	char *exec, *kernel, *modules, *qemu, *virtiofsd;
	unsigned int runs, warmup, read_mib;
	char tmp[64];			/* work directory under /tmp */
	char data[80];			/* the shared directory */
	char big[96];			/* the file read */
	char read_cmd[256];		/* the guest's shell script */
};

/* One guest command: what vmm-exec runs, and the initramfs QEMU gets. */
struct job {
	const char *name;
	bool share;			/* --share data */
	char *cmd[8];
	char initramfs[PATH_MAX];
};

static int usage(void)
{
	fprintf(stderr, "usage: exec_bench --vmm-exec PATH --kernel PATH [--modules DIR]\n"
		"                  [--qemu PATH] [--virtiofsd PATH] [--runs N] [--warmup N]\n"
		"                  [--read-mib N]\n");
	return 2;
}

static int parse(int argc, char **argv, struct bench *b)
{
	int i;

	*b = (struct bench){ .qemu = "/usr/bin/qemu-system-x86_64",
			     .virtiofsd = "/usr/lib/qemu/virtiofsd",
			     .runs = 5, .warmup = 1, .read_mib = 1024 };
	for (i = 1; i + 1 < argc; i += 2) {
		const char *opt = argv[i];
		char *val = argv[i + 1];

		if (!strcmp(opt, "--vmm-exec"))
			b->exec = val;
		else if (!strcmp(opt, "--kernel"))
			b->kernel = val;
		else if (!strcmp(opt, "--modules"))
			b->modules = val;
		else if (!strcmp(opt, "--qemu"))
			b->qemu = val;
		else if (!strcmp(opt, "--virtiofsd"))
			b->virtiofsd = val;
		else if (!strcmp(opt, "--runs"))
			b->runs = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--warmup"))
			b->warmup = (unsigned int)strtoul(val, NULL, 10);
		else if (!strcmp(opt, "--read-mib"))
			b->read_mib = (unsigned int)strtoul(val, NULL, 10);
		else
			return usage();
	}
	if (i != argc || !b->exec || !b->kernel)
		return usage();
	if (!b->runs || b->runs > MAX_RUNS || b->warmup > 10 || !b->read_mib ||
	    b->read_mib > 16384) {
		fprintf(stderr, "exec_bench: --runs 1..%d, --warmup 0..10, --read-mib 1..16384\n",
			MAX_RUNS);
		return 2;
	}
	return 0;
}

/* mib MiB of a pattern with no zero bytes, then read once (page cache). */
static int write_big_file(const char *path, unsigned int mib)
{
	static uint64_t buf[MiB / sizeof(uint64_t)];
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int i;
	size_t j;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (i = 0; i < mib && !ret; i++) {
		for (j = 0; j < ARRAY_SIZE(buf); j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[j] = x | 0x0101010101010101ULL;
		}
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			ret = errno ? -errno : -ENOSPC;
	}
	if (close(fd) && !ret)
		ret = -errno;
	fd = ret ? -1 : open(path, O_RDONLY | O_CLOEXEC);
	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* vmm-exec's options common to the runs and --initramfs-out. */
static int exec_args(const struct bench *b, const struct job *j, char **argv, int n)
{
	argv[n++] = "--kernel";
	argv[n++] = b->kernel;
	if (b->modules) {
		argv[n++] = "--modules";
		argv[n++] = b->modules;
	}
	argv[n++] = "--virtiofsd";
	argv[n++] = b->virtiofsd;
	argv[n++] = "--root-host";
	if (j->share) {
		argv[n++] = "--share";
		argv[n++] = (char *)b->data;
	}
	return n;
}

static int exec_cmd(const struct job *j, char **argv, int n)
{
	int i;

	argv[n++] = "--";
	for (i = 0; j->cmd[i]; i++)
		argv[n++] = j->cmd[i];
	argv[n] = NULL;
	return n;
}

static void show_text(const char *title, const char *text)
{
	if (text[0])
		printf("  %s:\n%s%s", title, text_tail(text, 3000),
		       text[strlen(text) - 1] == '\n' ? "" : "\n");
}

/* The initramfs vmm-exec would use for j, for QEMU. */
static int make_initramfs(const struct bench *b, struct job *j)
{
	static struct run_result res;
	char *argv[MAX_ARGS];
	int n = 0;

	snprintf(j->initramfs, sizeof(j->initramfs), "%s/%s.cpio", b->tmp, j->name);
	argv[n++] = b->exec;
	argv[n++] = "--initramfs-out";
	argv[n++] = j->initramfs;
	n = exec_args(b, j, argv, n);
	exec_cmd(j, argv, n);
	if (run_cmd(argv, 120, &res) || res.status) {
		printf("fail: vmm-exec --initramfs-out for %s: exit %d\n", j->name, res.status);
		show_text("its stderr", res.err);
		return -1;
	}
	return 0;
}

/* vmm-exec, spawn to exit; its stdout in out. Seconds, or -1. */
static double run_ours(const struct bench *b, const struct job *j, char *out, size_t len)
{
	static struct run_result res;
	char *argv[MAX_ARGS];
	int n = 0;

	argv[n++] = b->exec;
	n = exec_args(b, j, argv, n);
	argv[n++] = "--memory";
	argv[n++] = MEMORY;
	exec_cmd(j, argv, n);
	if (run_cmd(argv, TIMEOUT_S, &res)) {
		printf("fail: cannot start %s\n", b->exec);
		return -1;
	}
	if (res.status) {
		printf("fail: vmm-exec %s: exit %d\n", j->name, res.status);
		show_text("its stderr", res.err);
		return -1;
	}
	snprintf(out, len, "%.*s", (int)len - 1, res.out);
	return res.seconds;
}

/* argv with stdin /dev/null, stdout and stderr appended to log. */
static pid_t spawn_logged(char *const argv[], const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (null < 0 || fd < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0)
			_exit(127);
		setpgid(0, 0);
		execv(argv[0], argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid > 0) {
		setpgid(pid, pid);	/* either side first: stop() signals the group */
		procs_track(pid);
	}
	return pid;
}

/* SIGTERM, reaped, as vmm-exec stops its virtiofsd. */
static void stop(pid_t pid)
{
	if (pid <= 0)
		return;
	stop_cmd(pid, 10);
	procs_untrack(pid);
}

/* virtiofsd as vmm-exec starts it, listening on sock on return; or -1. */
static pid_t start_virtiofsd(const struct bench *b, const char *dir, const char *sock,
			     const char *log)
{
	char sock_arg[PATH_MAX + 16], source[PATH_MAX + 16];
	char *argv[] = { b->virtiofsd, sock_arg, "-o", source, "-o", "cache=auto", "-o",
			 strcmp(dir, "/") ? "sandbox=namespace" : "sandbox=chroot", NULL };
	double deadline = monotonic_seconds() + SOCKET_WAIT_S;
	struct stat st;
	pid_t pid;

	snprintf(sock_arg, sizeof(sock_arg), "--socket-path=%s", sock);
	snprintf(source, sizeof(source), "source=%s", dir);
	unlink(sock);
	pid = spawn_logged(argv, log);
	while (pid > 0 && monotonic_seconds() < deadline) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			procs_untrack(pid);
			return -1;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	stop(pid);
	return -1;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * The frames the guest wrote to the console file: EXEC_OUT's bytes into
 * out; the EXEC_STATUS value if it is the last frame, else -1.
 */
static int decode_frames(const char *path, char *out, size_t len)
{
	static unsigned char buf[1 << 20];
	size_t have = 0, at = 0, used = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), status = -1;
	ssize_t n;

	out[0] = '\0';
	while (fd >= 0 && have < sizeof(buf) && (n = read(fd, buf + have, sizeof(buf) - have)) > 0)
		have += (size_t)n;
	if (fd >= 0)
		close(fd);
	while (at + sizeof(struct exec_frame) <= have) {
		uint8_t type = buf[at];
		uint32_t flen = le32(buf + at + 4);
		const unsigned char *p = buf + at + sizeof(struct exec_frame);

		if (flen > EXEC_FRAME_MAX || at + sizeof(struct exec_frame) + flen > have)
			return -1;
		status = -1;
		if (type == EXEC_STATUS && flen == 4)
			status = (int)le32(p);
		else if (type == EXEC_OUT && used + flen < len)
			used += (size_t)snprintf(out + used, len - used, "%.*s", (int)flen, p);
		else if (type == EXEC_FAIL || type == EXEC_ERR)
			printf("  guest %s: %.*s\n", type == EXEC_FAIL ? "failure" : "stderr",
			       (int)flen, p);
		at += sizeof(struct exec_frame) + flen;
	}
	return at == have ? status : -1;
}

/* Prints the end of a log file after a failure. */
static void show_file(const char *title, const char *path)
{
	static char text[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;
	off_t size;

	text[0] = '\0';
	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(text) - 1)
		lseek(fd, size - (off_t)sizeof(text) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	show_text(title, text);
}

/* QEMU's command line for j: share0 (if any), then hostroot, as vmm-exec orders them. */
static void qemu_argv(const struct bench *b, const struct job *j, char **argv, char *s[4])
{
	char *fixed[] = { b->qemu, "-M", "microvm,acpi=on", "-enable-kvm", "-cpu", "host",
		"-m", MEMORY, "-smp", "1", "-nodefaults", "-no-user-config", "-display", "none",
		"-no-reboot", "-global", "virtio-mmio.force-legacy=false",
		"-object", "memory-backend-memfd,id=mem,size=" MEMORY ",share=on",
		"-machine", "memory-backend=mem", NULL };
	char *fs[] = { "-chardev", s[1], "-device", "vhost-user-fs-device,chardev=fs1,tag=share0",
		"-chardev", s[0], "-device", "vhost-user-fs-device,chardev=fs0,tag=hostroot",
		NULL };
	char *rest[] = { "-device", "virtio-serial-device", "-chardev", s[2],
		"-device", "virtconsole,chardev=ch", "-serial", s[3], "-kernel", b->kernel,
		"-initrd", (char *)j->initramfs, "-append", CMDLINE, NULL };
	int i, n = 0;

	snprintf(s[0], QEMU_ARG_LEN, "socket,id=fs0,path=%s/hostroot.sock", b->tmp);
	snprintf(s[1], QEMU_ARG_LEN, "socket,id=fs1,path=%s/share0.sock", b->tmp);
	snprintf(s[2], QEMU_ARG_LEN, "file,id=ch,path=%s/qemu-channel", b->tmp);
	snprintf(s[3], QEMU_ARG_LEN, "file:%s/qemu-serial.log", b->tmp);
	for (i = 0; fixed[i]; i++)
		argv[n++] = fixed[i];
	for (i = j->share ? 0 : 4; fs[i]; i++)
		argv[n++] = fs[i];
	for (i = 0; rest[i]; i++)
		argv[n++] = rest[i];
	argv[n] = NULL;
}

/*
 * virtiofsd(s) and QEMU, from spawning the first virtiofsd to the last
 * one stopped; the guest's stdout in out. Seconds, or -1.
 */
static double run_qemu(const struct bench *b, const struct job *j, char *out, size_t len)
{
	static char bufs[4][QEMU_ARG_LEN];
	char *s[4] = { bufs[0], bufs[1], bufs[2], bufs[3] }, *argv[MAX_ARGS];
	const char *channel = path_in(b->tmp, "qemu-channel");
	const char *log = path_in(b->tmp, "qemu.log");
	const char *serial = path_in(b->tmp, "qemu-serial.log");
	pid_t share = 0, root, qemu = -1;
	double start, seconds;
	int status = -1;

	unlink(channel);
	unlink(log);
	unlink(serial);
	qemu_argv(b, j, argv, s);
	start = monotonic_seconds();
	if (j->share)
		share = start_virtiofsd(b, b->data, path_in(b->tmp, "share0.sock"), log);
	root = share < 0 ? -1 : start_virtiofsd(b, "/", path_in(b->tmp, "hostroot.sock"), log);
	if (root > 0)
		qemu = spawn_logged(argv, log);
	if (qemu > 0) {
		status = wait_cmd(qemu, TIMEOUT_S);
		procs_untrack(qemu);
	}
	stop(root);
	stop(share);
	seconds = monotonic_seconds() - start;
	if (root < 0 || qemu < 0 || status) {
		printf("fail: qemu %s: %s, exit %d\n", j->name,
		       root < 0 ? "virtiofsd did not start" : "QEMU failed", status);
		show_file("virtiofsd's and QEMU's messages", log);
		show_file("the guest console", serial);
		return -1;
	}
	status = decode_frames(channel, out, len);
	if (status) {
		printf("fail: qemu %s: the guest's channel did not end with status 0 (%d)\n",
		       j->name, status);
		show_file("the guest console", serial);
		return -1;
	}
	return seconds;
}

/*
 * dd's last line, "N bytes (...) copied, T s, ...": MB/s from N and T, or
 * -1 unless N is the file's size.
 */
static double dd_rate(const struct bench *b, const char *out)
{
	const char *line = strstr(out, " bytes ("), *copied = strstr(out, "copied, ");
	unsigned long long bytes;
	double seconds;

	if (!line || !copied)
		return -1;
	while (line > out && line[-1] != '\n')
		line--;
	bytes = strtoull(line, NULL, 10);
	seconds = strtod(copied + strlen("copied, "), NULL);
	if (bytes != (unsigned long long)b->read_mib * MiB || seconds <= 0)
		return -1;
	return (double)bytes / 1e6 / seconds;
}

/* One sample of j by one peer: seconds of wall time or MB/s; <= 0 failed. */
static double sample(const struct bench *b, const struct job *j, bool qemu)
{
	char out[4096];
	double t = qemu ? run_qemu(b, j, out, sizeof(out)) : run_ours(b, j, out, sizeof(out));
	double rate;

	if (t <= 0 || !j->share)
		return t;
	rate = dd_rate(b, out);
	if (rate <= 0)
		printf("fail: %s %s: the guest's dd printed \"%.300s\"\n",
		       qemu ? "qemu" : "vmm-exec", j->name, out);
	return rate;
}

/* Alternating runs of j; prints samples, medians and the ratio. */
static int compare(const struct bench *b, const struct job *j, bool higher_better)
{
	double ours[MAX_RUNS], qemu[MAX_RUNS], v, mo, mq;
	const char *unit = j->share ? "MB/s" : "s";
	int n_ours = 0, n_qemu = 0;
	unsigned int i;

	for (i = 0; i < b->runs; i++) {
		v = sample(b, j, false);
		printf("sample %s vmm-exec %u %.2f %s\n", j->name, i, v, unit);
		if (v > 0)
			ours[n_ours++] = v;
		v = sample(b, j, true);
		printf("sample %s qemu     %u %.2f %s\n", j->name, i, v, unit);
		if (v > 0)
			qemu[n_qemu++] = v;
	}
	if (!n_ours || !n_qemu) {
		printf("fail: %s: no successful run of %s\n", j->name,
		       n_ours ? "qemu" : "vmm-exec");
		return -1;
	}
	mo = median_of(ours, n_ours);
	mq = median_of(qemu, n_qemu);
	printf("result %s vmm-exec median %.2f %s (%d runs)\n", j->name, mo, unit, n_ours);
	printf("result %s qemu     median %.2f %s (%d runs)\n", j->name, mq, unit, n_qemu);
	printf("ratio: vmm-exec / qemu = %.2fx (%s; %s is better)\n", mo / mq,
	       j->share ? "virtio-fs read MB/s" : "wall time of -- true",
	       higher_better ? "higher" : "lower");
	return 0;
}

static int set_up(struct bench *b)
{
	int ret;

	snprintf(b->tmp, sizeof(b->tmp), "/tmp/exec-bench.XXXXXX");
	if (!make_tmpdir(b->tmp)) {
		printf("fail: mkdtemp %s: %s\n", b->tmp, strerror(errno));
		return -1;
	}
	snprintf(b->data, sizeof(b->data), "%s/data", b->tmp);
	snprintf(b->big, sizeof(b->big), "%s/big", b->data);
	snprintf(b->read_cmd, sizeof(b->read_cmd),
		 "LC_ALL=C dd if=%s of=/dev/null bs=1M 2>&1", b->big);
	if (mkdir(b->data, 0755)) {
		printf("fail: mkdir %s: %s\n", b->data, strerror(errno));
		return -1;
	}
	ret = write_big_file(b->big, b->read_mib);
	if (ret) {
		printf("fail: writing %u MiB to %s: %s\n", b->read_mib, b->big, strerror(-ret));
		return -1;
	}
	return 0;
}

static void print_setup(const struct bench *b)
{
	printf("exec_bench: kernel %s%s%s; %s, 1 vCPU\n", b->kernel,
	       b->modules ? ", modules " : "", b->modules ? b->modules : "", MEMORY);
	printf("exec_bench: %u runs each, alternating, after %u warm-up round(s) of true\n",
	       b->runs, b->warmup);
	printf("exec_bench: QEMU %s -M microvm,acpi=on; virtiofsd %s\n", b->qemu, b->virtiofsd);
	printf("exec_bench: read: %u MiB in %s, `dd bs=1M` in the guest, timed by dd;"
	       " MB = 10^6 bytes\n", b->read_mib, b->big);
}

int main(int argc, char **argv)
{
	static struct bench b;
	struct job boot = { .name = "true", .cmd = { "true" } };
	struct job rd = { .name = "read", .share = true, .cmd = { "sh", "-ec", b.read_cmd } };
	char out[4096];
	unsigned int i;
	int ret;

	ret = parse(argc, argv, &b);
	if (ret)
		return ret;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cleanup_hook(NULL);
	if (set_up(&b) || make_initramfs(&b, &boot) || make_initramfs(&b, &rd))
		return 1;
	print_setup(&b);
	for (i = 0; i < b.warmup; i++) {
		printf("warmup true vmm-exec %u %.2f s\n", i,
		       run_ours(&b, &boot, out, sizeof(out)));
		printf("warmup true qemu     %u %.2f s\n", i,
		       run_qemu(&b, &boot, out, sizeof(out)));
	}
	ret = compare(&b, &boot, false);
	ret |= compare(&b, &rd, true);
	cleanup_run();
	return ret ? 1 : 0;
}
