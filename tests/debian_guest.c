// SPDX-License-Identifier: GPL-2.0
/*
 * The Debian test guest for the VM suites (tests/debian_guest.h): finding
 * it, copying its disk, and one boot watched on its console.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/debian_guest.h"

#define POWERED_OFF	"vmm: exit 0: guest powered off (ACPI S5)"

bool debian_guest_find(const char *suite, struct debian_guest *g)
{
	const char *dir = getenv("DEBIAN_GUEST");

	if (!dir || !*dir) {
		printf("FAIL %s suite: DEBIAN_GUEST is not set (DEBIAN_GUEST=$(guests/debian/build.sh), as root; make check-integration does)\n",
		       suite);
		return false;
	}
	snprintf(g->kernel, sizeof(g->kernel), "%s/vmlinuz", dir);
	snprintf(g->initrd, sizeof(g->initrd), "%s/initrd", dir);
	snprintf(g->disk, sizeof(g->disk), "%s/disk.img", dir);
	if (access(g->kernel, R_OK) || access(g->initrd, R_OK) || access(g->disk, R_OK)) {
		printf("FAIL %s suite: no vmlinuz, initrd and disk.img in DEBIAN_GUEST=%s (guests/debian/build.sh)\n",
		       suite, dir);
		return false;
	}
	return true;
}

int debian_disk_copy(const char *from, const char *to)
{
	char *argv[] = { "/bin/cp", "--sparse=always", (char *)from, (char *)to, NULL };
	struct run_result *res = malloc(sizeof(*res));
	int ret = -1;

	if (!res)
		return -1;
	if (run_cmd(argv, 600, res))
		printf("debian: cannot run cp\n");
	else if (res->status)
		printf("debian: cp %s %s: exit %d: %s", from, to, res->status, res->err);
	else
		ret = 0;
	free(res);
	return ret;
}

/* Removes ESC [ ... final-byte sequences (systemd colours its status). */
static void strip_ansi(struct text *t)
{
	size_t i = 0, o = 0;

	while (i < t->len) {
		if (t->buf[i] == '\033' && i + 1 < t->len && t->buf[i + 1] == '[') {
			i += 2;
			while (i < t->len && (t->buf[i] < 0x40 || t->buf[i] > 0x7e))
				i++;
			i++;
			continue;
		}
		t->buf[o++] = t->buf[i++];
	}
	t->len = o < t->len ? o : t->len;
	t->buf[t->len] = '\0';
}

static void mark(double *at, const struct text *t, const char *needle, double now)
{
	if (*at < 0 && strstr(t->buf, needle))
		*at = now;
}

void debian_boot(const struct debian_guest *g, const char *disk, int cpus, const char *cmdline,
		 int timeout_s, struct debian_boot *b)
{
	char cpus_arg[16], timeout[16];
	char *argv[] = { (char *)vmm_path(), "--kernel", (char *)g->kernel, "--initrd",
			 (char *)g->initrd, "--disk", (char *)disk, "--cpus", cpus_arg, "--memory",
			 "1G", "--rng", "--stats", "--console-input", "none", "--cmdline", (char *)cmdline,
			 "--timeout", timeout, NULL };
	struct text *texts[] = { &b->out, &b->err };
	double start = monotonic_seconds(), now;
	pid_t pid;
	int w;

	snprintf(cpus_arg, sizeof(cpus_arg), "%d", cpus);
	snprintf(timeout, sizeof(timeout), "%d", timeout_s);
	b->status = -1;
	b->welcome_s = b->login_s = b->check_s = -1;
	pid = text_spawn(argv, NULL, &b->out, &b->err);
	if (pid <= 0) {
		snprintf(b->err.buf, sizeof(b->err.buf), "cannot start %s\n", argv[0]);
		b->err.len = strlen(b->err.buf);
		b->status = 127;
		b->seconds = 0;
		return;
	}
	for (;;) {
		text_pump(texts, 2, 0.2);
		now = monotonic_seconds() - start;
		mark(&b->welcome_s, &b->out, "Welcome to", now);
		mark(&b->login_s, &b->out, "login: ", now);
		mark(&b->check_s, &b->out, "VMM-CHECK done", now);
		if (waitpid(pid, &w, WNOHANG) == pid) {
			b->status = WIFEXITED(w) ? WEXITSTATUS(w) : 128 + WTERMSIG(w);
			break;
		}
		if (now > timeout_s + 60) {
			stop_cmd(pid, 5);
			b->status = -1;
			break;
		}
	}
	procs_untrack(pid);
	b->seconds = monotonic_seconds() - start;
	while (b->out.fd >= 0 || b->err.fd >= 0)
		text_pump(texts, 2, 1);
	strip_ansi(&b->out);
}

const char *debian_check(const struct debian_boot *b, const char *key, char *buf, size_t len)
{
	char needle[96];

	snprintf(needle, sizeof(needle), "VMM-CHECK %s=", key);
	return text_after(b->out.buf, needle, buf, len);
}

void debian_print_notable(const struct debian_boot *b, const char *prefix)
{
	static const char *const marks[] = { "WARNING", "FAILED", "Call Trace", "XSAVE", "error ",
					      "error:", "Unknown symbol", "timed out", "BUG" };
	const char *line = b->out.buf, *end;
	int shown = 0;
	size_t i;

	for (; *line && shown < 30; line = *end ? end + 1 : end) {
		end = line + strcspn(line, "\n");
		for (i = 0; i < ARRAY_SIZE(marks); i++) {
			const char *m = strstr(line, marks[i]);

			if (m && m < end) {
				printf("%s%.*s\n", prefix, (int)(end - line - (end > line && end[-1] == '\r')),
				       line);
				shown++;
				break;
			}
		}
	}
}

bool debian_boot_clean(const struct debian_boot *b, char *why, size_t len)
{
	if (strstr(b->err.buf, "triple fault"))
		snprintf(why, len, "triple fault: exit %d after %.0f s: %s", b->status, b->seconds,
			 text_tail(b->err.buf, 1500));
	else if (b->status != 0)
		snprintf(why, len, "exit %d after %.0f s: %s", b->status, b->seconds,
			 text_tail(b->err.buf, 1000));
	else if (!strstr(b->err.buf, POWERED_OFF))
		snprintf(why, len, "exit 0 without '" POWERED_OFF "': %s", text_tail(b->err.buf, 1000));
	else if (!strstr(b->out.buf, "Welcome to Debian"))
		snprintf(why, len, "no 'Welcome to Debian' on the console: %s",
			 text_tail(b->out.buf, 1500));
	else if (b->check_s < 0)
		snprintf(why, len, "no 'VMM-CHECK done' on the console: %s",
			 text_tail(b->out.buf, 1500));
	else
		return true;
	return false;
}
