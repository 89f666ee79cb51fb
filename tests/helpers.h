/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the test suites: run a program with a deadline and capture
 * what it printed, start one in the background, reserve 2 MiB huge pages
 * and a hugetlbfs mount for the whole run, and small helpers.
 */
#ifndef TESTS_HELPERS_H
#define TESTS_HELPERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

struct run_result {
	int status;		/* exit status, 128+signal, or -1: timed out */
	char out[65536];	/* stdout, NUL-terminated, truncated if longer */
	char err[65536];	/* stderr, likewise */
	double seconds;
};

/*
 * Runs argv (NULL-terminated) with stdin from /dev/null; kills it after
 * timeout_s seconds. Returns 0, or -errno if it could not be started.
 */
int run_cmd(char *const argv[], double timeout_s, struct run_result *res);

/* Starts argv with pipes for stdin/stdout/stderr (any may be NULL). */
pid_t spawn_cmd(char *const argv[], int *in_fd, int *out_fd, int *err_fd);

/*
 * Reads fd into buf (NUL-terminated, len bytes at most) until needle
 * appears or timeout_s passes. Returns true if it appeared.
 */
bool read_until(int fd, char *buf, size_t len, const char *needle,
		double timeout_s);

/* Waits for pid up to timeout_s; kills it after that. Exit status as above. */
int wait_cmd(pid_t pid, double timeout_s);

/*
 * A VM suite never skips for lack of KVM: if /dev/kvm cannot be opened
 * read-write, prints "FAIL <suite> suite: ..." saying how to run it (on a
 * host with KVM, or in the KVM box: tests/box/with-kvm) and returns false.
 */
bool kvm_usable(const char *suite);

/*
 * Runs every test of s (check's default fork mode); main()'s exit status:
 * 0 if all passed, 1 if any failed. run_tcase() runs a suite named suite
 * of the one test case tc.
 */
struct Suite;
struct TCase;
int run_suite(struct Suite *s);
int run_tcase(const char *suite, struct TCase *tc);

/*
 * The one clean-up of a test program, for what a run must not leave
 * behind. cleanup_hook(extra) from main(), before anything is set up,
 * makes cleanup_run() run at exit(), and on SIGINT, SIGTERM, SIGHUP or
 * SIGQUIT (re-raised afterwards; a signal that was ignored stays ignored).
 * cleanup_run() undoes each part only in the process that set it up (a
 * forked check test case inherits a copy of the list and leaves its
 * parent's parts alone): it kills the processes this process
 * procs_track()ed, runs extra (NULL: none; the suite's own, e.g. deleting
 * a user or a tap: it may run again, and from a signal handler), removes
 * (rm -rf) the directory made by make_tmpdir(), and gives back the huge
 * pages and the mount of hugepages_reserve() and hugetlbfs_mount() (which
 * hook it themselves). main() may call it before returning; what it undid
 * is not undone twice.
 */
void cleanup_hook(void (*extra)(void));
void cleanup_run(void);

/* mkdtemp(template) (hooks the clean-up, which removes it); NULL if it fails. */
char *make_tmpdir(char *template);

/*
 * SIGPIPE to a handler that does nothing: a write to a peer that died fails
 * with EPIPE instead of killing the test, and the programs the test execs
 * get SIGPIPE's default back (an ignored signal would stay ignored).
 */
void sigpipe_to_epipe(void);

/* A check assertion: no ASan or UBSan report in a program's stderr. */
void assert_clean_stderr(const char *err);

/* Number of lines in s (a final line without '\n' counts). */
int count_lines(const char *s);

/*
 * 2 MiB huge pages, for the suites that run guest memory on them.
 *
 * Call hugepages_reserve() and hugetlbfs_mount() from main(), before
 * srunner_run_all(), never from a test case: check runs every test case in
 * a forked child (CK_FORK), and a change is undone only by the process that
 * made it -- by the clean-up (cleanup_hook(), which they install), or by
 * hugepages_restore() -- so forked test cases use what main() set up and
 * undo nothing of it.
 *
 * hugepages_reserve() makes at least n 2 MiB pages free and unreserved. The
 * default huge page size must be 2 MiB; if fewer than n are free it raises
 * /proc/sys/vm/nr_hugepages by the shortfall (as root), remembering the
 * value it had. Returns 0 (*why untouched), or -errno with *why set to one
 * line saying why not, for "SKIP <test>: <why>", valid until the next call.
 *
 * hugetlbfs_mount() mounts a hugetlbfs (as root) on a new mkdtemp()
 * directory in /tmp and returns its path; unmounted and removed like the
 * pages are given back; called again, it returns the same path. NULL with
 * *why set as above if it cannot.
 *
 * hugepages_free() is the number of free, unreserved 2 MiB pages and
 * hugepages_total() /proc/sys/vm/nr_hugepages, both read straight from the
 * kernel (not via the code under test), or -errno.
 */
int hugepages_reserve(long n, const char **why);
const char *hugetlbfs_mount(const char **why);
long hugepages_free(void);
long hugepages_total(void);
void hugepages_restore(void);

/* Open fds of this process; a check assertion fails if it cannot tell. */
int count_fds(void);
/* Entries of a directory, "." and ".." not counted; likewise. */
int count_dir_entries(const char *path);

/* The last n bytes of s: enough context for a check message. */
const char *text_tail(const char *s, size_t n);

/*
 * The rest of the line after the first key in text, copied into buf
 * (len bytes, NUL-terminated, cut if longer); buf, or NULL if no key.
 */
const char *text_after(const char *text, const char *key, char *buf, size_t len);

/* A file of the Linux test kernel's directory ($LINUX_GUEST). */
const char *linux_guest_path(const char *name);

/*
 * Whether the Linux test kernel (vmlinux) is there; if not, prints
 * "FAIL <suite> suite: no PATH (make test-kernel)" and returns false.
 */
bool linux_guest_present(const char *suite);

/* $VMM and $GUESTS with defaults for running from the tree root. */
const char *vmm_path(void);
const char *guest_path(const char *name);

/*
 * Unix stream sockets bound to path, from /proc/net/unix (the kernel's
 * view, not the program's): listening ones, or connected ones (a server's
 * accepted or not yet accepted connections). -errno if unreadable.
 */
int unix_socket_count(const char *path, bool listening);

/* Waits up to timeout_s for unix_socket_count(path, listening) > 0. */
bool wait_unix_socket(const char *path, bool listening, double timeout_s);

/* name's full path from $PATH (static, valid until the next call), or NULL. */
const char *find_program(const char *name);

/*
 * SIGTERM to pid's process group (spawn_cmd makes one), waits up to
 * timeout_s, then SIGKILL. Exit status as wait_cmd; -1 if it had to be
 * killed.
 */
int stop_cmd(pid_t pid, double timeout_s);

/* Removes path and everything below it (rm -rf); 0 or -errno. */
int remove_tree(const char *path);

/*
 * One open fd of a process, from /proc: its number, where it points
 * (readlink of /proc/PID/fd/N: "socket:[123]", "/dev/kvm", "memfd:x (deleted)",
 * "anon_inode:[eventfd]", ...) and its open flags (fdinfo, octal, with
 * O_CLOEXEC as the kernel reports it).
 */
struct proc_fd {
	int fd;
	char target[300];
	unsigned int flags;
};

/* The open fds of pid (at most max, in fd order); how many, or -errno. */
int proc_fds(pid_t pid, struct proc_fd *out, int max);

/* How many of the n fds point at a target starting with prefix. */
int proc_fds_count(const struct proc_fd *fds, int n, const char *prefix);

/* Seconds on CLOCK_MONOTONIC. */
double monotonic_seconds(void);

/*
 * Processes a test started and must not leave behind (up to 40):
 * procs_track() each, procs_untrack() once it is reaped, and
 * procs_kill_all() (the clean-up's first step: at exit, on a signal, at the
 * end of a forked test case) kills each one this process tracked, and its
 * process group, with SIGKILL and reaps it.
 */
void procs_track(pid_t pid);
void procs_untrack(pid_t pid);
void procs_kill_all(void);

/* "dir/name", in one of 8 buffers used in turn. */
const char *path_in(const char *dir, const char *name);

/*
 * A child's output as it arrives: the last bytes of it (the first half is
 * dropped when full), NUL-terminated; fd is -1 once it is closed.
 */
struct text {
	char buf[256 * 1024];
	size_t len;
	int fd;
};

/* Appends what t->fd has; closes it at EOF. */
void text_read(struct text *t);
/* Reads what the texts' fds have (up to 8; NULL entries skipped), waiting
 * up to timeout_s for some. */
void text_pump(struct text *const texts[], unsigned int n, double timeout_s);
/*
 * spawn_cmd() with its stdout and stderr (either may be NULL) collected
 * into emptied texts; the child is tracked (procs_track). Its pid, or -1.
 */
pid_t text_spawn(char *const argv[], int *in_fd, struct text *out, struct text *err);

/* The median of v[0..n) (n > 0); sorts v. For the benchmarks. */
double median_of(double *v, int n);

#endif
