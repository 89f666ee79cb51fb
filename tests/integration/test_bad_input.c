// SPDX-License-Identifier: GPL-2.0
/*
 * Every bad input gets exactly one line on stderr, nothing on stdout, and
 * exit status 2 — before any guest code runs: bad options and sizes,
 * backends that cannot be had, kernels that are missing, not ELF,
 * truncated or for another machine, sharing refused for private memory,
 * and a /dev/kvm that is missing or not ours to open.
 */
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/helpers.h"

static char tmpdir[] = "/tmp/vmm-bad-input.XXXXXX";

/* Runs vmm with the given args; asserts status 2 and one line with want. */
static void expect_usage_error(const char *want, char *const args[])
{
	struct run_result res;
	char *argv[16];
	int n = 0;

	argv[n++] = (char *)vmm_path();
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
	ck_assert_msg(res.status == 2, "exit %d for '%s', stderr: %s", res.status,
		      want, res.err);
	ck_assert_msg(res.out[0] == '\0', "stdout not empty: %s", res.out);
	ck_assert_msg(count_lines(res.err) == 1, "want one line, got: %s", res.err);
	ck_assert_msg(!strncmp(res.err, "vmm: ", 5), "stderr: %s", res.err);
	ck_assert_msg(strstr(res.err, want), "want '%s' in: %s", want, res.err);
}

#define EXPECT(want, ...) do { \
	char *const args_[] = { __VA_ARGS__, NULL }; \
	expect_usage_error(want, args_); \
} while (0)

#define HELLO (char *)guest_path("hello")

START_TEST(bad_options)
{
	EXPECT("--kernel PATH is required", "--memory", "64M");
	EXPECT("unknown option '--bogus'", "--kernel", HELLO, "--bogus");
	EXPECT("needs a value", "--kernel");
	EXPECT("unexpected argument 'extra'", "--kernel", HELLO, "extra");
	EXPECT("--cpus: '0'", "--kernel", HELLO, "--cpus", "0");
	EXPECT("--cpus: '65'", "--kernel", HELLO, "--cpus", "65");
	EXPECT("--cpus: 'two'", "--kernel", HELLO, "--cpus", "two");
	EXPECT("--timeout: '-1'", "--kernel", HELLO, "--timeout", "-1");
	EXPECT("--timeout: '1.5s'", "--kernel", HELLO, "--timeout", "1.5s");
}
END_TEST

START_TEST(bad_memory)
{
	EXPECT("size must not be 0", "--kernel", HELLO, "--memory", "0");
	EXPECT("size must not be 0", "--kernel", HELLO, "--memory", "size=0M");
	EXPECT("not a multiple of the 4K page size", "--kernel", HELLO, "--memory", "1000");
	EXPECT("not a multiple of the 4K page size", "--kernel", HELLO, "--memory", "4097");
	EXPECT("bad size '12Q'", "--kernel", HELLO, "--memory", "12Q");
	EXPECT("bad size '-64M'", "--kernel", HELLO, "--memory", "size=-64M");
	EXPECT("too large", "--kernel", HELLO, "--memory", "99999999999999999999");
	EXPECT("too large", "--kernel", HELLO, "--memory", "17179869184G");
	EXPECT("more than this host's RAM", "--kernel", HELLO, "--memory", "512G");
	EXPECT("does not fit", "--kernel", HELLO, "--memory", "4T");
	EXPECT("too small", "--kernel", HELLO, "--memory", "1M");
	EXPECT("unknown backend 'shm'", "--kernel", HELLO, "--memory", "size=64M,backend=shm");
	EXPECT("unknown key 'colour'", "--kernel", HELLO, "--memory", "size=64M,colour=red");
	EXPECT("size=SIZE is required", "--kernel", HELLO, "--memory", "backend=memfd");
	EXPECT("expected key=value", "--kernel", HELLO, "--memory", "size=64M,memfd");
	EXPECT("path= is only for backend=hugetlb", "--kernel", HELLO, "--memory",
	       "size=64M,path=/dev/hugepages");
	EXPECT("not a hugetlbfs mount", "--kernel", HELLO, "--memory",
	       "size=64M,backend=hugetlb,path=/tmp");
	EXPECT("not a multiple of the 2M page size", "--kernel", HELLO, "--memory",
	       "size=3M,backend=hugetlb");
}
END_TEST

START_TEST(hugetlb_without_pages)
{
	long free_pages = hugepages_free();
	char mem[64];

	if (free_pages < 0) {
		printf("SKIP hugetlb_without_pages: no 2 MiB huge pages on this host\n");
		return;
	}
	/* Ask for 8 pages more than are free. */
	snprintf(mem, sizeof(mem), "size=%ldM,backend=hugetlb", (free_pages + 8) * 2);
	EXPECT("/proc/sys/vm/nr_hugepages", "--kernel", HELLO, "--memory", mem);
}
END_TEST

static char *write_file(const char *name, const void *data, size_t len)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	int fd;

	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return p;
}

static size_t read_hello(char *buf, size_t len)
{
	int fd = open(guest_path("hello"), O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, len);
	close(fd);
	ck_assert_int_gt(n, (ssize_t)sizeof(Elf64_Ehdr));
	return (size_t)n;
}

START_TEST(bad_kernels)
{
	static char image[1 << 20];
	size_t len = read_hello(image, sizeof(image));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;

	EXPECT("--kernel /nonexistent/vmlinux: No such file", "--kernel", "/nonexistent/vmlinux");
	EXPECT("not a regular file", "--kernel", "/tmp");
	EXPECT("no ELF magic", "--kernel", write_file("text", "hello world\n", 12));
	EXPECT("no ELF magic", "--kernel", write_file("empty", "", 0));
	EXPECT("no ELF magic", "--kernel", write_file("short", image, 16));
	EXPECT("truncated", "--kernel", write_file("truncated", image, 100));
	EXPECT("truncated", "--kernel", write_file("truncated2", image, 300));

	eh->e_machine = EM_AARCH64;
	EXPECT("not for x86_64", "--kernel", write_file("arm", image, len));
	eh->e_machine = EM_X86_64;
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	EXPECT("not a 64-bit", "--kernel", write_file("elf32", image, len));
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_type = ET_DYN;
	EXPECT("not an executable", "--kernel", write_file("dyn", image, len));
	eh->e_type = ET_EXEC;
	eh->e_entry = 0x10;
	EXPECT("entry point is outside", "--kernel", write_file("entry", image, len));

	/* A guest linked at 1 MiB does not fit in 2 MiB with its bss... */
	eh->e_entry = 0x100000;
	((Elf64_Phdr *)(image + eh->e_phoff))->p_memsz = 64ULL << 20;
	EXPECT("does not fit in guest RAM", "--kernel", write_file("huge", image, len),
	       "--memory", "32M");
}
END_TEST

START_TEST(sharing_refused_for_private_memory)
{
	char sock[300];

	snprintf(sock, sizeof(sock), "%s/mem.sock", tmpdir);
	EXPECT("backend=private is private to the VMM and cannot be shared; use backend=memfd or backend=hugetlb",
	       "--kernel", HELLO, "--memory", "size=64M,backend=private",
	       "--memory-socket", sock);
	EXPECT("backend=heap is private", "--kernel", HELLO, "--memory",
	       "size=64M,backend=heap", "--memory-socket", sock);
	ck_assert_int_ne(access(sock, F_OK), 0);	/* nothing left behind */
	EXPECT("Address already in use", "--kernel", HELLO, "--memory-socket", "/tmp");
}
END_TEST

/* A copy of vmm that any user can execute, wherever the tree lives. */
static const char *public_vmm(void)
{
	static char path[300];
	char cmd[700];

	snprintf(path, sizeof(path), "%s/vmm", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 755 %s %s", vmm_path(), path,
		 tmpdir, path);
	ck_assert_int_eq(system(cmd), 0);
	return path;
}

START_TEST(kvm_unavailable)
{
	char script[600];
	struct run_result res;

	if (geteuid() != 0) {
		printf("SKIP kvm_unavailable: needs root to drop privileges and mount\n");
		return;
	}
	{
		char *argv[] = { "/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
				 "--clear-groups", (char *)public_vmm(), "--kernel", HELLO, NULL };

		ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
		ck_assert_msg(res.status == 2, "exit %d: %s", res.status, res.err);
		ck_assert_int_eq(count_lines(res.err), 1);
		ck_assert_msg(strstr(res.err, "vmm: /dev/kvm: permission denied: add this user to the group"),
			      "%s", res.err);
	}
	{
		/* A private mount namespace whose /dev has no kvm node. */
		char *argv[] = { "/usr/bin/unshare", "-m", "/bin/sh", "-c", script, NULL };

		snprintf(script, sizeof(script),
			 "mount --make-rprivate / && mount -t tmpfs none /dev && exec %s --kernel %s",
			 vmm_path(), HELLO);
		ck_assert_int_eq(run_cmd(argv, 30, &res), 0);
		ck_assert_msg(res.status == 2, "exit %d: %s", res.status, res.err);
		ck_assert_int_eq(count_lines(res.err), 1);
		ck_assert_msg(strstr(res.err, "vmm: /dev/kvm does not exist"), "%s", res.err);
	}
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("usage");

	if (!make_tmpdir(tmpdir)) {	/* removed by the clean-up */
		perror("mkdtemp");
		return 1;
	}
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bad_options);
	tcase_add_test(tc, bad_memory);
	tcase_add_test(tc, hugetlb_without_pages);
	tcase_add_test(tc, bad_kernels);
	tcase_add_test(tc, sharing_refused_for_private_memory);
	tcase_add_test(tc, kvm_unavailable);

	if (!kvm_usable("bad_input"))
		return 1;
	return run_tcase("bad_input", tc);
}
