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
 *   TEST-INIT: rtc: rtc0=EPOCH system=EPOCH      (RTC_RD_TIME of /dev/rtc0 and
 *                                                 time(), in seconds; or
 *   TEST-INIT: rtc: ERROR                         why /dev/rtc0 is unusable)
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
 *   TEST-INIT: pattern start: disk=vda         (with "testinit.pattern=S":
 *              blocks=B seconds=S                 rounds over /dev/vda, O_DIRECT
 *   TEST-INIT: pattern round R: errors=E         64 KiB requests: every 4 KiB
 *   TEST-INIT: pattern error: round R block N:   block written with its round,
 *              read|write|mismatch ...            number and checksum, then all
 *   TEST-INIT: pattern: rounds=R blocks=B         read back and checked; until
 *              io_errors=E mismatches=M           S seconds pass or a line comes
 *              final=ok|FAILED                    on the console; then one final
 *                                                 check of the last round; the
 *                                                 first 5 errors are printed;
 *                                                 at most 16 MiB of the disk)
 *   TEST-INIT: udp start: seconds=S              (with "testinit.udp=S": a UDP
 *   TEST-INIT: udp: sent=N failed=F               broadcast to port 9 from eth0,
 *                                                 every 20 ms for S seconds
 *                                                 or until a console line;
 *                                                 failed: not queued, e.g. a
 *                                                 stalled queue; eth0
 *                                                 configured by ip=)
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
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/socket.h>
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
/* <linux/rtc.h>'s RTC_RD_TIME (init is built against musl's headers). */
struct rtc_time {
	int tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst;
};
#define RTC_RD_TIME	_IOR('p', 0x09, struct rtc_time)

static void report_rtc(void)
{
	struct rtc_time rt;
	struct tm tm;
	time_t now;
	int fd = open("/dev/rtc0", O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		printf(TAG "rtc: /dev/rtc0: %s\n", strerror(errno));
		return;
	}
	if (ioctl(fd, RTC_RD_TIME, &rt) < 0) {
		printf(TAG "rtc: RTC_RD_TIME: %s\n", strerror(errno));
		close(fd);
		return;
	}
	now = time(NULL);
	close(fd);
	tm = (struct tm){ .tm_year = rt.tm_year, .tm_mon = rt.tm_mon, .tm_mday = rt.tm_mday,
			  .tm_hour = rt.tm_hour, .tm_min = rt.tm_min, .tm_sec = rt.tm_sec };
	printf(TAG "rtc: rtc0=%lld system=%lld\n", (long long)timegm(&tm), (long long)now);
}

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

#define PAT_BS		4096
#define PAT_CHUNK	16		/* blocks per request: 64 KiB */
#define PAT_MAX		4096		/* blocks checked at most: 16 MiB */
#define PAT_MAGIC	0x50415454u
#define PAT_WORDS	(PAT_BS / 4)

struct pattern {
	int fd;
	unsigned int blocks;
	long long io_errors, mismatches, printed;
	uint32_t *buf;
};

/* FNV-1a 32, a word at a time, of a block but its last word (the sum). */
static uint32_t block_sum(const uint32_t *w)
{
	uint32_t h = 0x811c9dc5u;
	int i;

	for (i = 0; i < PAT_WORDS - 1; i++)
		h = (h ^ w[i]) * 0x01000193u;
	return h;
}

/* Magic, round, block number, xorshift filler from both, checksum. */
static void fill_block(uint32_t *w, uint32_t round, uint32_t nr)
{
	uint32_t x = (round * 2654435761u) ^ (nr * 40503u) ^ 1u;
	int i;

	w[0] = PAT_MAGIC;
	w[1] = round;
	w[2] = nr;
	for (i = 3; i < PAT_WORDS - 1; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		w[i] = x;
	}
	w[PAT_WORDS - 1] = block_sum(w);
}

static void pattern_error(struct pattern *p, uint32_t round, unsigned int block,
			  const char *what, const uint32_t *w)
{
	if (p->printed++ >= 5)
		return;
	if (w)
		printf(TAG "pattern error: round %u block %u: mismatch: magic %08x round %u block %u sum %s\n",
		       round, block, w[0], w[1], w[2],
		       w[PAT_WORDS - 1] == block_sum(w) ? "ok" : "bad");
	else
		printf(TAG "pattern error: round %u block %u: %s: %s\n", round, block, what,
		       strerror(errno));
}

/* Writes, or reads back and checks, every block with round; the errors. */
static long long pattern_pass(struct pattern *p, uint32_t round, int writing)
{
	unsigned int first, n, i;
	long long errors = 0;
	ssize_t len, got;

	for (first = 0; first < p->blocks; first += n) {
		n = p->blocks - first < PAT_CHUNK ? p->blocks - first : PAT_CHUNK;
		len = (ssize_t)n * PAT_BS;
		for (i = 0; writing && i < n; i++)
			fill_block(p->buf + i * PAT_WORDS, round, first + i);
		if (writing)
			got = pwrite(p->fd, p->buf, (size_t)len, (off_t)first * PAT_BS);
		else
			got = pread(p->fd, p->buf, (size_t)len, (off_t)first * PAT_BS);
		if (got != len) {
			if (got >= 0)
				errno = EIO;	/* short: the end of the device moved */
			p->io_errors++;
			errors++;
			pattern_error(p, round, first, writing ? "write" : "read", NULL);
			continue;
		}
		for (i = 0; !writing && i < n; i++) {
			const uint32_t *w = p->buf + i * PAT_WORDS;

			if (w[0] != PAT_MAGIC || w[1] != round || w[2] != first + i ||
			    w[PAT_WORDS - 1] != block_sum(w)) {
				p->mismatches++;
				errors++;
				pattern_error(p, round, first + i, "mismatch", w);
			}
		}
	}
	return errors;
}

/* Whether a line came on the console (the test's "stop"); consumes it. */
static int console_line(void)
{
	struct pollfd pfd = { .fd = 0, .events = POLLIN };
	char line[256];

	if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
		return 0;
	return read(0, line, sizeof(line)) > 0;
}

/* "testinit.pattern=SECONDS": write and check rounds of a pattern on vda. */
static void pattern(void)
{
	const char *opt = strstr(cmdline, "testinit.pattern=");
	struct pattern p = { .fd = -1 };
	unsigned long long bytes;
	double seconds, deadline;
	long long final;
	char size[64];
	uint32_t round;

	if (!opt || (seconds = strtod(opt + strlen("testinit.pattern="), NULL)) <= 0)
		return;
	if (read_file("/sys/block/vda/size", size, sizeof(size)) < 0 ||
	    (bytes = strtoull(size, NULL, 10) * 512) < PAT_BS ||
	    posix_memalign((void **)&p.buf, 4096, PAT_CHUNK * PAT_BS) ||
	    (p.fd = open("/dev/vda", O_RDWR | O_DIRECT)) < 0) {
		printf(TAG "pattern: no usable /dev/vda: %s\n", strerror(errno));
		return;
	}
	p.blocks = bytes / PAT_BS < PAT_MAX ? (unsigned int)(bytes / PAT_BS) : PAT_MAX;
	printf(TAG "pattern start: disk=vda blocks=%u seconds=%g\n", p.blocks, seconds);
	deadline = now() + seconds;
	for (round = 1;; round++) {
		long long errors = pattern_pass(&p, round, 1);

		errors += pattern_pass(&p, round, 0);
		printf(TAG "pattern round %u: errors=%lld\n", round, errors);
		if (now() >= deadline || console_line())
			break;
	}
	final = pattern_pass(&p, round, 0);
	printf(TAG "pattern: rounds=%u blocks=%u io_errors=%lld mismatches=%lld final=%s\n",
	       round, p.blocks, p.io_errors, p.mismatches, final ? "FAILED" : "ok");
	close(p.fd);
	free(p.buf);
}

/* "testinit.udp=SECONDS": a UDP broadcast from eth0 every 20 ms. */
static void udp_loop(void)
{
	const char *opt = strstr(cmdline, "testinit.udp=");
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9),
				  .sin_addr.s_addr = htonl(INADDR_BROADCAST) };
	long long sent = 0, failed = 0;
	double seconds, deadline;
	char msg[64];
	int fd, on = 1;

	if (!opt || (seconds = strtod(opt + strlen("testinit.udp="), NULL)) <= 0)
		return;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, "eth0", 5)) {
		printf(TAG "udp: %s\n", strerror(errno));
		return;
	}
	printf(TAG "udp start: seconds=%g\n", seconds);
	for (deadline = now() + seconds; now() < deadline && !console_line(); usleep(20000)) {
		snprintf(msg, sizeof(msg), "testinit udp %lld", sent + failed);
		if (sendto(fd, msg, strlen(msg), MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) < 0)
			failed++;
		else
			sent++;
	}
	printf(TAG "udp: sent=%lld failed=%lld\n", sent, failed);
	close(fd);
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
	report_rtc();
	report_blocks();
	report_virtiofs();
	read_loop();
	pattern();
	udp_loop();
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
