/*
 * /init of the Linux test initramfs: report what the guest sees, then power
 * off. Built static (gcc -static -Os) by build-initramfs.sh.
 *
 * Every line starts with "TEST-INIT: " so a test can pick them out of the
 * serial log:
 *   TEST-INIT: started
 *   TEST-INIT: cmdline: <contents of /proc/cmdline>
 *   TEST-INIT: cpus: online=N cpuinfo=N
 *   TEST-INIT: memtotal_kb: N
 *   TEST-INIT: block devices: N                  (entries of /sys/block)
 *   TEST-INIT: block: NAME sectors=N bytes=N     (disks, then their partitions)
 *   TEST-INIT: virtiofs TAG: mounted            (with "testinit.fs=TAG":
 *   TEST-INIT: virtiofs entry: NAME               the tag mounted on /share,
 *   TEST-INIT: virtiofs from-host: TEXT           its entries, its file
 *   TEST-INIT: virtiofs big: bytes=N fnv=HEX      from-host, the FNV-1a 64
 *   TEST-INIT: virtiofs write: ok|ERROR            hash of its file big, and
 *                                                 a write of from-guest)
 *   TEST-INIT: virtiofs waiting                   (with testinit.fs_wait too:
 *   TEST-INIT: virtiofs after: ok|ERROR            a line on the console,
 *                                                 then from-host read again)
 *   TEST-INIT: readloop start: disks=N seconds=S (with "testinit.readloop=S":
 *   TEST-INIT: readloop: disks=N requests=R      every virtio disk, /dev/vd*,
 *              seconds=T per_second=X             read with O_DIRECT 4 KiB
 *                                                 reads by one process per
 *                                                 disk, for S seconds)
 *   TEST-INIT: done
 *
 * Then reboot(RB_POWER_OFF), or reboot(RB_AUTOBOOT) when the command line
 * has "testinit=reboot", or, with "testinit=hang", "TEST-INIT: hanging"
 * and nothing more until the VMM stops the guest (a --timeout test): without ACPI an x86 kernel cannot power off and
 * only halts, whereas its reboot path ends in an I/O port write (keyboard
 * controller 0x64, 0xcf9) or a triple fault, which a VMM sees as an exit.
 *
 * Note: on PVM hosts (/dev/kvm is the kvm_pvm module, Pagetable-based
 * Virtual Machine) the guest kernel gets as far as "Run /init as init
 * process", but guest user space dies at its first system call (the host
 * mishandles `syscall` for guests that are not PVM guests), so this only
 * runs on hosts with VMX/SVM, including nested KVM (the KVM box and the
 * nested test).
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TAG "TEST-INIT: "

static char cmdline[4096];

static void do_mount(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) != 0 && errno != EBUSY)
		printf(TAG "mount %s on %s failed: %s\n", type, dir, strerror(errno));
}

/* Read a whole (small) file into buf as a string; -1 if it cannot be read. */
static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len + 1 < size && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return (int)len;
}

/* If the kernel could not give us a console (no /dev/console in the
 * initramfs), open it from the devtmpfs we just mounted. */
static void ensure_console(void)
{
	int fd;

	if (fcntl(1, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void report_cpus(void)
{
	char buf[65536];
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int cpuinfo = 0;
	const char *p;

	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) >= 0)
		for (p = buf; (p = strstr(p, "processor")) != NULL; p++)
			if (p == buf || p[-1] == '\n')
				cpuinfo++;
	printf(TAG "cpus: online=%ld cpuinfo=%d\n", online, cpuinfo);
}

static void report_memory(void)
{
	char buf[8192];
	const char *p;

	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0 ||
	    (p = strstr(buf, "MemTotal:")) == NULL) {
		printf(TAG "memtotal_kb: unknown\n");
		return;
	}
	printf(TAG "memtotal_kb: %lu\n", strtoul(p + strlen("MemTotal:"), NULL, 10));
}

/* One line for a block device or partition whose sysfs directory is dir. */
static void report_block(const char *name, const char *dir)
{
	char path[512], buf[64];
	unsigned long long sectors;

	snprintf(path, sizeof(path), "%s/size", dir);
	if (read_file(path, buf, sizeof(buf)) < 0) {
		printf(TAG "block: %s size unknown\n", name);
		return;
	}
	sectors = strtoull(buf, NULL, 10);	/* always 512-byte units */
	printf(TAG "block: %s sectors=%llu bytes=%llu\n", name, sectors, sectors * 512);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void report_blocks(void)
{
	struct dirent **disks, **parts;
	char dir[512], part_dir[1024], check[1100];
	int n, m, i, j;
	struct stat st;

	n = scandir("/sys/block", &disks, NULL, by_name);
	if (n < 0) {
		printf(TAG "block: cannot list /sys/block: %s\n", strerror(errno));
		return;
	}
	for (i = 0, j = 0; i < n; i++)
		j += disks[i]->d_name[0] != '.';
	printf(TAG "block devices: %d\n", j);
	for (i = 0; i < n; i++) {
		const char *disk = disks[i]->d_name;

		if (disk[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "/sys/block/%s", disk);
		report_block(disk, dir);
		m = scandir(dir, &parts, NULL, by_name);
		for (j = 0; j < m; j++) {
			const char *part = parts[j]->d_name;

			snprintf(part_dir, sizeof(part_dir), "%s/%s", dir, part);
			snprintf(check, sizeof(check), "%s/partition", part_dir);
			if (strncmp(part, disk, strlen(disk)) == 0 && stat(check, &st) == 0)
				report_block(part, part_dir);
			free(parts[j]);
		}
		if (m >= 0)
			free(parts);
		free(disks[i]);
	}
	free(disks);
}

/* FNV-1a, 64 bits, of a whole file: -1 if it cannot be read. */
static long long fnv_file(const char *path, unsigned long long *hash)
{
	static unsigned char buf[1 << 16];
	long long total = 0;
	ssize_t n, i;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	*hash = 0xcbf29ce484222325ULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++)
			*hash = (*hash ^ buf[i]) * 0x100000001b3ULL;
		total += n;
	}
	close(fd);
	return n < 0 ? -1 : total;
}

static void report_virtiofs(void)
{
	const char *opt = strstr(cmdline, "testinit.fs=");
	char tag[64], text[256];
	struct dirent **names;
	unsigned long long hash;
	long long bytes;
	int i, n, fd;

	if (!opt || sscanf(opt, "testinit.fs=%63[^ ]", tag) != 1)
		return;
	mkdir("/share", 0755);
	if (mount(tag, "/share", "virtiofs", 0, NULL) != 0) {
		printf(TAG "virtiofs %s: mount failed: %s\n", tag, strerror(errno));
		return;
	}
	printf(TAG "virtiofs %s: mounted\n", tag);
	n = scandir("/share", &names, NULL, by_name);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			printf(TAG "virtiofs entry: %s\n", names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	if (read_file("/share/from-host", text, sizeof(text)) >= 0)
		printf(TAG "virtiofs from-host: %.*s\n", (int)strcspn(text, "\n"), text);
	bytes = fnv_file("/share/big", &hash);
	if (bytes >= 0)
		printf(TAG "virtiofs big: bytes=%lld fnv=%016llx\n", bytes, hash);
	fd = open("/share/from-guest", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "written by the guest\n", 21) != 21 || close(fd) != 0)
		printf(TAG "virtiofs write: %s\n", strerror(errno));
	else
		printf(TAG "virtiofs write: ok\n");
	if (!strstr(cmdline, "testinit.fs_wait"))
		return;
	printf(TAG "virtiofs waiting\n");
	fflush(stdout);
	if (!fgets(text, sizeof(text), stdin))
		printf(TAG "virtiofs console: %s\n", feof(stdin) ? "end of input" : strerror(errno));
	if (read_file("/share/from-host", text, sizeof(text)) >= 0)
		printf(TAG "virtiofs after: ok\n");
	else
		printf(TAG "virtiofs after: %s\n", strerror(errno));
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 4 KiB O_DIRECT reads of /dev/NAME, wrapping at its end, until deadline. */
static long long read_disk(const char *name, double deadline)
{
	char path[300], dir[300], size[64];
	unsigned long long bytes, off = 0;
	long long count = 0;
	void *buf;
	int fd;

	snprintf(dir, sizeof(dir), "/sys/block/%s/size", name);
	snprintf(path, sizeof(path), "/dev/%s", name);
	if (read_file(dir, size, sizeof(size)) < 0 ||
	    (bytes = strtoull(size, NULL, 10) * 512) < 4096 ||
	    posix_memalign(&buf, 4096, 4096))
		return -1;
	fd = open(path, O_RDONLY | O_DIRECT);
	if (fd < 0)
		return -1;
	while (count % 64 || now() < deadline) {
		if (pread(fd, buf, 4096, (off_t)off) != 4096) {
			close(fd);
			return -1;
		}
		count++;
		off = off + 4096 + 4096 > bytes ? 0 : off + 4096;
	}
	close(fd);
	return count;
}

/* "testinit.readloop=SECONDS": every virtio disk read at once, in a loop. */
static void read_loop(void)
{
	const char *opt = strstr(cmdline, "testinit.readloop=");
	struct dirent **disks;
	long long *counts, total = 0;
	double seconds, start;
	int i, n, nr = 0, failed = 0;

	if (!opt || (seconds = strtod(opt + strlen("testinit.readloop="), NULL)) <= 0)
		return;
	n = scandir("/sys/block", &disks, NULL, by_name);
	counts = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (n < 0 || counts == MAP_FAILED) {
		printf(TAG "readloop: %s\n", strerror(errno));
		return;
	}
	for (i = 0; i < n; i++)
		if (!strncmp(disks[i]->d_name, "vd", 2) && nr < 512)
			disks[nr++] = disks[i];
	printf(TAG "readloop start: disks=%d seconds=%g\n", nr, seconds);
	fflush(stdout);
	start = now();
	for (i = 0; i < nr; i++) {
		if (fork() == 0) {
			counts[i] = read_disk(disks[i]->d_name, start + seconds);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	seconds = now() - start;
	for (i = 0; i < nr; i++) {
		if (counts[i] < 0)
			failed++;
		else
			total += counts[i];
	}
	if (failed)
		printf(TAG "readloop: %d of %d disks failed\n", failed, nr);
	else
		printf(TAG "readloop: disks=%d requests=%lld seconds=%.2f per_second=%.0f\n",
		       nr, total, seconds, total / seconds);
}

int main(void)
{
	int len;

	do_mount("devtmpfs", "/dev", "devtmpfs");
	ensure_console();
	do_mount("proc", "/proc", "proc");
	do_mount("sysfs", "/sys", "sysfs");
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf(TAG "started\n");
	len = read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	if (len > 0 && cmdline[len - 1] == '\n')
		cmdline[len - 1] = '\0';
	printf(TAG "cmdline: %s\n", len >= 0 ? cmdline : "(unreadable)");
	report_cpus();
	report_memory();
	report_blocks();
	report_virtiofs();
	read_loop();
	printf(TAG "done\n");
	fflush(stdout);
	sync();

	if (strstr(cmdline, "testinit=hang") != NULL) {
		printf(TAG "hanging\n");
		for (;;)
			pause();
	}
	if (strstr(cmdline, "testinit=reboot") != NULL)
		reboot(RB_AUTOBOOT);
	else
		reboot(RB_POWER_OFF);
	/* Not reached unless reboot() failed; PID 1 must not exit. */
	printf(TAG "reboot failed: %s\n", strerror(errno));
	for (;;)
		pause();
}
