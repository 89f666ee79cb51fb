// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec end to end: real guests on KVM, real virtiofsd processes.
 *
 * With the Linux test kernel ($LINUX_GUEST/bzImage, everything built in)
 * and the host's / as the guest's root (--root-host):
 * - the command's status comes back (sh -c 'exit 7' is 7; a command that
 *   does not exist is 127 with one line on stderr);
 * - 1 MiB on stdout and 256 KiB on stderr arrive separately, byte-exact;
 * - a file the host wrote is read in the guest, and one the guest wrote
 *   is read on the host, under names with spaces and non-ASCII bytes, in
 *   the caller's working directory;
 * - a 100 MB file has one SHA-256 on both sides, in each direction (the
 *   guest writes in 1 MiB blocks: under nested KVM in the box each FUSE
 *   request costs milliseconds, and 8 KiB writes take two minutes);
 * - a read-only share refuses writes, and writes to the host root stay
 *   in the guest's overlay;
 * - a virtiofsd killed under the guest gives the guest's command an I/O
 *   error, and the command, the VM and vmm-exec go on to exit 0;
 * - --timeout gives 124;
 * - bad use is one line and exit 2, before any VM starts;
 * - no run directory (initramfs, sockets, logs) is left behind.
 * With Debian's stock kernel ($STOCK_KERNEL, tests/lib/stock-kernel.sh),
 * whose virtio, virtiofs, fuse and overlay drivers are modules: the
 * status, a share both ways, and the kernel's own release in the guest.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

#define OUT_BYTES	(1 << 20)
#define ERR_BYTES	(256 << 10)
#define BIG_MB		100
#define ODD_DIR		"dir with spaces \xc3\xbc \xe2\x98\x83"
#define BOOT_TIMEOUT	"240"

static char tmpdir[] = "/tmp/vmm-exec-test.XXXXXX";
static char exec_path[PATH_MAX], kernel[PATH_MAX];
static char stock_kernel[PATH_MAX], stock_modules[PATH_MAX], stock_release[256];

struct exec_result {
	int status;
	char *out, *err;
	size_t out_len, err_len;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	*len = 0;
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n)
		*len = (size_t)n;
	if (buf)
		buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void write_bytes(const char *path, size_t len, unsigned int seed)
{
	unsigned char *buf = malloc(len);
	uint32_t x = seed * 2654435761u + 1;
	size_t i;
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	ck_assert_uint_eq(fwrite(buf, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(buf);
}

/* A vmm-exec.XXXXXX run directory still in the suite's directory. */
static bool leftover_run_dir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	bool found = false;

	while (d && (e = readdir(d)))
		found |= !strncmp(e->d_name, "vmm-exec.", 9);
	if (d)
		closedir(d);
	return found;
}

/*
 * Runs vmm-exec ARGS... in cwd (NULL: the suite's directory), with its
 * stdout and stderr in files, and TMPDIR set to the suite's directory
 * (so its run directory, and its virtiofsd sockets, are found there).
 */
static struct exec_result run_exec(const char *cwd, const char *const *args)
{
	char out_path[PATH_MAX], err_path[PATH_MAX];
	const char *argv[64];
	struct exec_result r;
	int n = 0, i;
	pid_t pid;

	argv[n++] = exec_path;
	for (i = 0; args[i]; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(out_path, sizeof(out_path), "%s/exec.out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/exec.err", tmpdir);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int null = open("/dev/null", O_RDONLY);

		if (o < 0 || e < 0 || null < 0 || dup2(null, 0) < 0 || dup2(o, 1) < 0 ||
		    dup2(e, 2) < 0 || chdir(cwd ? cwd : tmpdir))
			_exit(99);
		setenv("TMPDIR", tmpdir, 1);
		execv(exec_path, (char *const *)argv);
		_exit(98);
	}
	r.status = wait_cmd(pid, 600);
	ck_assert_msg(!leftover_run_dir(), "vmm-exec left its run directory in %s", tmpdir);
	r.out = slurp(out_path, &r.out_len);
	r.err = slurp(err_path, &r.err_len);
	ck_assert_ptr_nonnull(r.out);
	ck_assert_ptr_nonnull(r.err);
	return r;
}

static void free_result(struct exec_result *r)
{
	free(r->out);
	free(r->err);
}

static char *make_dir(const char *name)
{
	const char *dir = path_in(tmpdir, name);

	ck_assert_msg(mkdir(dir, 0755) == 0 || errno == EEXIST, "%s: %s", dir, strerror(errno));
	return strdup(dir);
}

/* The SHA-256 sha256sum prints for path, run on this host. */
static void host_sha256(const char *path, char sum[65])
{
	char *argv[] = { "/usr/bin/sha256sum", (char *)path, NULL };
	struct run_result *res = malloc(sizeof(*res));

	ck_assert_ptr_nonnull(res);
	ck_assert_int_eq(run_cmd(argv, 120, res), 0);
	ck_assert_int_eq(res->status, 0);
	memcpy(sum, res->out, 64);
	sum[64] = '\0';
	free(res);
}

START_TEST(status_comes_back)
{
	const char *seven[] = { "--kernel", kernel, "--root-host", "--timeout", BOOT_TIMEOUT,
				"--", "sh", "-c", "echo out; echo err >&2; exit 7", NULL };
	const char *missing[] = { "--kernel", kernel, "--root-host", "--timeout", BOOT_TIMEOUT,
				  "--", "/no/such/program", "arg", NULL };
	struct exec_result r = run_exec(NULL, seven);

	ck_assert_msg(r.status == 7, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	ck_assert_str_eq(r.out, "out\n");
	ck_assert_str_eq(r.err, "err\n");
	free_result(&r);

	r = run_exec(NULL, missing);
	ck_assert_msg(r.status == 127, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strstr(r.err, "/no/such/program: No such file or directory\n") &&
		      count_lines(r.err) == 1, "%s", r.err);
	free_result(&r);
}
END_TEST

START_TEST(output_is_byte_exact_and_separate)
{
	char *dir = make_dir("output");
	char cmd[PATH_MAX * 2 + 64];
	const char *args[] = { "--kernel", kernel, "--root-host", "--share", dir, "--timeout",
			       BOOT_TIMEOUT, "--", "sh", "-c", cmd, NULL };
	struct exec_result r;
	size_t out_len, err_len;
	char *out, *err;

	write_bytes(path_in(dir, "out.bin"), OUT_BYTES, 1);
	write_bytes(path_in(dir, "err.bin"), ERR_BYTES, 2);
	snprintf(cmd, sizeof(cmd), "cat '%s/out.bin'; cat '%s/err.bin' >&2; exit 3", dir, dir);
	r = run_exec(NULL, args);
	ck_assert_msg(r.status == 3, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	out = slurp(path_in(dir, "out.bin"), &out_len);
	err = slurp(path_in(dir, "err.bin"), &err_len);
	ck_assert_uint_eq(r.out_len, out_len);
	ck_assert_uint_eq(r.err_len, err_len);
	ck_assert(memcmp(r.out, out, out_len) == 0);
	ck_assert(memcmp(r.err, err, err_len) == 0);
	free(out);
	free(err);
	free_result(&r);
	free(dir);
}
END_TEST

START_TEST(files_cross_both_ways_under_odd_names)
{
	char *dir = make_dir("cross"), *odd;
	const char *args[] = { "--kernel", kernel, "--root-host", "--share", NULL, "--timeout",
			       BOOT_TIMEOUT, "--", "sh", "-c",
			       "pwd; cat 'from host \xc3\xa9t\xc3\xa9.txt'; "
			       "printf 'written in the guest\\n' > 'from guest \xe2\x9c\x93.txt'", NULL };
	char want[PATH_MAX + 64];
	struct exec_result r;
	size_t len;
	char *back;
	FILE *f;

	odd = strdup(path_in(dir, ODD_DIR));
	ck_assert_int_eq(mkdir(odd, 0755), 0);
	f = fopen(path_in(odd, "from host \xc3\xa9t\xc3\xa9.txt"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("written on the host\n", f);
	fclose(f);
	args[4] = dir;
	/* The command runs where vmm-exec was started: inside the odd name. */
	r = run_exec(odd, args);
	ck_assert_msg(r.status == 0, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	snprintf(want, sizeof(want), "%s\nwritten on the host\n", odd);
	ck_assert_str_eq(r.out, want);
	back = slurp(path_in(odd, "from guest \xe2\x9c\x93.txt"), &len);
	ck_assert_str_eq(back, "written in the guest\n");
	free(back);
	free_result(&r);
	free(odd);
	free(dir);
}
END_TEST

START_TEST(hundred_mb_same_checksum_both_ways)
{
	char *dir = make_dir("big");
	char cmd[PATH_MAX * 4], host_in[65], host_out[65];
	const char *args[] = { "--kernel", kernel, "--root-host", "--share", dir, "--memory", "512M",
			       "--timeout", BOOT_TIMEOUT, "--", "sh", "-c", cmd, NULL };
	struct exec_result r;

	write_bytes(path_in(dir, "to-guest.bin"), BIG_MB << 20, 3);
	host_sha256(path_in(dir, "to-guest.bin"), host_in);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && sha256sum to-guest.bin && "
		 "dd if=/dev/urandom of=from-guest.bin bs=1M count=%d status=none && "
		 "sha256sum from-guest.bin",
		 dir, BIG_MB);
	r = run_exec(NULL, args);
	ck_assert_msg(r.status == 0, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	host_sha256(path_in(dir, "from-guest.bin"), host_out);
	ck_assert_msg(!strncmp(r.out, host_in, 64), "guest: %.64s host: %s", r.out, host_in);
	ck_assert_msg(strstr(r.out, host_out), "guest:\n%s\nhost: %s", r.out, host_out);
	unlink(path_in(dir, "to-guest.bin"));
	unlink(path_in(dir, "from-guest.bin"));
	free_result(&r);
	free(dir);
}
END_TEST

START_TEST(read_only_share_refuses_writes)
{
	char *dir = make_dir("readonly");
	char share[PATH_MAX + 8], cmd[PATH_MAX * 2 + 256], root_file[PATH_MAX];
	const char *args[] = { "--kernel", kernel, "--root-host", "--share", share, "--timeout",
			       BOOT_TIMEOUT, "--", "sh", "-c", cmd, NULL };
	struct exec_result r;

	snprintf(share, sizeof(share), "%s:ro", dir);
	snprintf(root_file, sizeof(root_file), "%s/root-write", tmpdir);
	snprintf(cmd, sizeof(cmd),
		 "touch '%s/nope'; echo share=$?; echo x > '%s' && cat '%s'",
		 dir, root_file, root_file);
	r = run_exec(NULL, args);
	ck_assert_msg(r.status == 0, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	ck_assert_msg(strstr(r.out, "share=1\n"), "%s", r.out);
	ck_assert_msg(strstr(r.err, "Read-only file system"), "%s", r.err);
	ck_assert_int_ne(access(path_in(dir, "nope"), F_OK), 0);
	/* The host root's overlay took the write; the host did not. */
	ck_assert_msg(strstr(r.out, "x\n"), "%s", r.out);
	ck_assert_int_ne(access(root_file, F_OK), 0);
	free_result(&r);
	free(dir);
}
END_TEST

/* The pid of the virtiofsd whose command line names sock_suffix. */
static pid_t find_virtiofsd(const char *sock_suffix)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = -1;

	while (d && (e = readdir(d)) && found < 0) {
		char path[300], cmdline[4096];
		size_t n, i;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		n = fread(cmdline, 1, sizeof(cmdline) - 1, f);
		fclose(f);
		for (i = 0; i < n; i++)
			if (!cmdline[i])
				cmdline[i] = ' ';
		cmdline[n] = '\0';
		if (strstr(cmdline, "virtiofsd") && strstr(cmdline, tmpdir) &&
		    strstr(cmdline, sock_suffix))
			found = atoi(e->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

START_TEST(killed_virtiofsd_is_an_error_in_the_guest_only)
{
	char *dir = make_dir("killed");
	char cmd[PATH_MAX * 4];
	const char *args[] = { "--kernel", kernel, "--root-host", "--share", dir, "--timeout",
			       BOOT_TIMEOUT, "--", "sh", "-c", cmd, NULL };
	struct exec_result r;
	double start;
	pid_t test, fsd = -1;
	int i;

	write_bytes(path_in(dir, "a"), 100, 4);
	/* Wait for the test to kill the share's virtiofsd, then touch it. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && cat a > /dev/null && : > ready && "
		 "while [ -e a ]; do sleep 0.2; done; cat a; echo after=$?; echo still here",
		 dir);
	test = fork();
	ck_assert_int_ge(test, 0);
	if (test == 0) {
		/* The killer: once the guest says ready. */
		start = monotonic_seconds();
		while (access(path_in(dir, "ready"), F_OK) && monotonic_seconds() - start < 400)
			usleep(50000);
		for (i = 0; i < 100 && fsd < 0; i++, usleep(50000))
			fsd = find_virtiofsd("share0.sock");
		_exit(fsd > 0 && kill(fsd, SIGKILL) == 0 ? 0 : 1);
	}
	r = run_exec(NULL, args);
	ck_assert_int_eq(wait_cmd(test, 30), 0);
	ck_assert_msg(r.status == 0, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	ck_assert_msg(strstr(r.out, "after=1\nstill here\n"), "%s", r.out);
	ck_assert_msg(strstr(r.err, "cat: a: "), "%s", r.err);
	free_result(&r);
	free(dir);
}
END_TEST

START_TEST(timeout_is_124)
{
	const char *args[] = { "--kernel", kernel, "--root-host", "--timeout", "30", "--",
			       "sleep", "1000", NULL };
	struct exec_result r = run_exec(NULL, args);

	ck_assert_msg(r.status == 124, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	free_result(&r);
}
END_TEST

START_TEST(bad_use_is_one_line_and_2)
{
	static const char *const cases[][8] = {
		{ "--kernel", "/no/such/kernel", "--", "true" },
		{ "--kernel", "/etc/hostname", "--share", "/no/such/dir", "--", "true" },
		{ "--kernel", "/etc/hostname", "--share", "/tmp", "--virtiofsd", "/no/virtiofsd",
		  "--", "true" },
		{ "--kernel", "/etc/hostname", "--root-host" },
		{ "--kernel", "/etc/hostname", "--initrd", "x", "--", "true" },
	};
	static const char *const says[] = {
		"vmm-exec: --kernel /no/such/kernel: No such file or directory\n",
		"vmm-exec: --share /no/such/dir: No such file or directory\n",
		"vmm-exec: no virtiofsd at /no/virtiofsd",
		"vmm-exec: no command: put it after --",
		"vmm-exec: --initrd: vmm-exec builds the initramfs itself\n",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const char *args[10] = { 0 };
		struct exec_result r;
		int j;

		for (j = 0; j < 8 && cases[i][j]; j++)
			args[j] = cases[i][j];
		r = run_exec(NULL, args);
		ck_assert_msg(r.status == 2, "case %zu: status %d: %s", i, r.status, r.err);
		ck_assert_msg(!strncmp(r.err, says[i], strlen(says[i])) && count_lines(r.err) == 1,
			      "case %zu: %s", i, r.err);
		ck_assert_uint_eq(r.out_len, 0);
		free_result(&r);
	}
}
END_TEST

START_TEST(stock_kernel_with_modules)
{
	char *dir = make_dir("stock");
	char cmd[PATH_MAX * 2];
	const char *args[] = { "--kernel", stock_kernel, "--modules", stock_modules, "--root-host",
			       "--share", dir, "--memory", "512M", "--timeout", BOOT_TIMEOUT, "--",
			       "sh", "-c", cmd, NULL };
	struct exec_result r;
	size_t len;
	char *back, want[300];
	FILE *f = fopen(path_in(dir, "in"), "w");

	ck_assert_ptr_nonnull(f);
	fputs("from the host\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "uname -r; cat '%s/in'; uname -r > '%s/out'; exit 5", dir, dir);
	r = run_exec(NULL, args);
	ck_assert_msg(r.status == 5, "status %d, stderr:\n%s", r.status, text_tail(r.err, 3000));
	snprintf(want, sizeof(want), "%s\nfrom the host\n", stock_release);
	ck_assert_str_eq(r.out, want);
	back = slurp(path_in(dir, "out"), &len);
	snprintf(want, sizeof(want), "%s\n", stock_release);
	ck_assert_str_eq(back, want);
	free(back);
	free_result(&r);
	free(dir);
}
END_TEST

/* $STOCK_KERNEL: DIR with boot/vmlinuz-RELEASE and lib/modules/RELEASE. */
static bool find_stock_kernel(void)
{
	const char *dir = getenv("STOCK_KERNEL");
	struct dirent *e;
	DIR *d;

	if (!dir) {
		printf("FAIL vmm-exec suite: STOCK_KERNEL is not set (STOCK_KERNEL=$(tests/lib/stock-kernel.sh))\n");
		return false;
	}
	d = opendir(path_in(dir, "lib/modules"));
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(stock_release, sizeof(stock_release), "%s", e->d_name);
	if (d)
		closedir(d);
	snprintf(stock_kernel, sizeof(stock_kernel), "%s/boot/vmlinuz-%s", dir, stock_release);
	snprintf(stock_modules, sizeof(stock_modules), "%s/lib/modules/%s", dir, stock_release);
	if (!stock_release[0] || access(stock_kernel, R_OK)) {
		printf("FAIL vmm-exec suite: no kernel in STOCK_KERNEL=%s\n", dir);
		return false;
	}
	return true;
}

int main(void)
{
	const char *vmm = getenv("VMM");
	TCase *tc = tcase_create("vmm-exec");

	cleanup_hook(NULL);
	if (!kvm_usable("vmm-exec") || !linux_guest_present("vmm-exec") || !find_stock_kernel())
		return 1;
	snprintf(exec_path, sizeof(exec_path), "%s", getenv("VMM_EXEC") ? getenv("VMM_EXEC") : "");
	if (!exec_path[0] && vmm)
		snprintf(exec_path, sizeof(exec_path), "%.*s/vmm-exec",
			 (int)(strrchr(vmm, '/') ? strrchr(vmm, '/') - vmm : 1),
			 strrchr(vmm, '/') ? vmm : ".");
	/* Absolute: the tests run it from other directories. */
	if (!realpath(exec_path, kernel) || access(kernel, X_OK)) {
		printf("FAIL vmm-exec suite: no vmm-exec at '%s' (set VMM or VMM_EXEC)\n", exec_path);
		return 1;
	}
	snprintf(exec_path, sizeof(exec_path), "%s", kernel);
	if (!realpath(linux_guest_path("bzImage"), kernel)) {
		printf("FAIL vmm-exec suite: no %s (make test-kernel)\n", linux_guest_path("bzImage"));
		return 1;
	}
	if (!make_tmpdir(tmpdir))
		return 1;
	check_set_max_msg_size(16384);

	tcase_set_timeout(tc, 900);
	tcase_add_test(tc, bad_use_is_one_line_and_2);
	tcase_add_test(tc, status_comes_back);
	tcase_add_test(tc, output_is_byte_exact_and_separate);
	tcase_add_test(tc, files_cross_both_ways_under_odd_names);
	tcase_add_test(tc, hundred_mb_same_checksum_both_ways);
	tcase_add_test(tc, read_only_share_refuses_writes);
	tcase_add_test(tc, killed_virtiofsd_is_an_error_in_the_guest_only);
	tcase_add_test(tc, timeout_is_124);
	tcase_add_test(tc, stock_kernel_with_modules);
	return run_tcase("vmm-exec", tc);
}
