// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec's pure parts (vmm/exec/exec.h), no VM and no /dev/kvm:
 *  - exec_parse: its own options against the VMM's (passed on in order),
 *    both value forms, -v, the -- and the command it needs, --initrd
 *    refused, --share with :ro/:rw, a missing or non-directory share, one
 *    given twice, more than 4, --root-host with 4, and the shares sorted
 *    parents first;
 *  - exec_kernel_release: from a bzImage's setup header, from a "Linux
 *    version" banner, from neither, from no file;
 *  - exec_find_modules on a fake /lib/modules/RELEASE: load order
 *    (dependencies first, once each), built-in modules skipped, '-' and
 *    '_' alike, a missing required or optional module, no modules.dep;
 *  - exec_write_initramfs, read back with the system's cpio: names, modes,
 *    sizes and contents exact, /dev/console 5,1, a missing init refused;
 *  - exec_channel_feed: the same stdout, stderr and status however the
 *    frames are split, zero-length and full-size frames, every malformed
 *    frame marking the channel broken, and a stdout whose reader is gone.
 */
#include <check.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guests/exec/protocol.h"
#include "vmm/exec/exec.h"

#include "tests/helpers.h"

static char tmpdir[] = "/tmp/test_vmm_exec.XXXXXX";
static char err[EXEC_ERR_LEN];

/* tmpdir/name (printf-style), in one of 8 buffers used in turn. */
static const char *tmp(const char *fmt, ...)
{
	static char bufs[8][PATH_MAX];
	static unsigned int next;
	char *p = bufs[next++ % ARRAY_SIZE(bufs)];
	size_t n = strlen(tmpdir) + 1;
	va_list ap;

	memcpy(p, tmpdir, n - 1);
	p[n - 1] = '/';
	va_start(ap, fmt);
	vsnprintf(p + n, PATH_MAX - n, fmt, ap);
	va_end(ap);
	return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static void write_text(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static void make_dir(const char *path)
{
	ck_assert_msg(!mkdir(path, 0755) || errno == EEXIST, "%s: %s", path, strerror(errno));
}

/* err holds one line of text for the user. */
static void assert_one_line(void)
{
	ck_assert_msg(err[0], "no error message");
	ck_assert_msg(!strchr(err, '\n'), "more than one line: '%s'", err);
}

/* ---- exec_parse */

static struct exec_config cfg;
static char *args[64];

/* exec_parse of "vmm-exec" and the arguments up to NULL. */
static int parse(const char *arg, ...)
{
	int argc = 0;
	va_list ap;

	free(cfg.vmm_args);
	cfg.vmm_args = NULL;
	memset(err, 0, sizeof(err));
	args[argc++] = "vmm-exec";
	va_start(ap, arg);
	for (; arg; arg = va_arg(ap, const char *)) {
		ck_assert_int_lt(argc, ARRAY_SIZE(args) - 1);
		args[argc++] = (char *)arg;
	}
	va_end(ap);
	args[argc] = NULL;
	return exec_parse(argc, args, &cfg, err, sizeof(err));
}

#define PARSE(...) parse(__VA_ARGS__, NULL)

static void expect_error(int ret, const char *msg)
{
	ck_assert_int_eq(ret, -EINVAL);
	assert_one_line();
	ck_assert_str_eq(err, msg);
}

START_TEST(own_options_and_passed_on)
{
	static const char *const vmm[] = { "--memory", "1G", "--cpus", "2", "--timeout=9",
					   "--kernel-foo", "x", "-k" };
	unsigned int i;

	ck_assert_int_eq(PARSE("--memory", "1G", "--kernel=K", "--cpus", "2", "-v",
			       "--timeout=9", "--kernel-foo", "x", "-k", "--", "ls", "-l",
			       "--kernel", "y"), 0);
	ck_assert_str_eq(cfg.kernel, "K");
	ck_assert(cfg.verbose);
	ck_assert(!cfg.root_host && !cfg.help && !cfg.version);
	ck_assert_int_eq(cfg.nr_vmm_args, ARRAY_SIZE(vmm));
	for (i = 0; i < ARRAY_SIZE(vmm); i++)
		ck_assert_str_eq(cfg.vmm_args[i], vmm[i]);
	ck_assert_ptr_null(cfg.vmm_args[i]);
	/* after --, everything is the command's, --kernel too */
	ck_assert_str_eq(cfg.argv[0], "ls");
	ck_assert_str_eq(cfg.argv[1], "-l");
	ck_assert_str_eq(cfg.argv[2], "--kernel");
	ck_assert_str_eq(cfg.argv[3], "y");
	ck_assert_ptr_null(cfg.argv[4]);
	ck_assert_ptr_null(cfg.modules);
	ck_assert_ptr_null(cfg.vmm);
	ck_assert_str_eq(cfg.virtiofsd, "/usr/lib/qemu/virtiofsd");
	ck_assert_uint_eq(cfg.nr_shares, 0);

	ck_assert_int_eq(PARSE("--kernel", "bz", "--modules", "M", "--virtiofsd=V", "--vmm", "W",
			       "--cmdline", "quiet loglevel=1", "--initramfs-out", "I",
			       "--verbose", "--root-host", "--", "true"), 0);
	ck_assert_str_eq(cfg.kernel, "bz");
	ck_assert_str_eq(cfg.modules, "M");
	ck_assert_str_eq(cfg.virtiofsd, "V");
	ck_assert_str_eq(cfg.vmm, "W");
	ck_assert_str_eq(cfg.cmdline, "quiet loglevel=1");
	ck_assert_str_eq(cfg.initramfs_out, "I");
	ck_assert(cfg.verbose && cfg.root_host);
	ck_assert_int_eq(cfg.nr_vmm_args, 0);
	ck_assert_str_eq(cfg.argv[0], "true");
}
END_TEST

START_TEST(separator_and_command_required)
{
	expect_error(PARSE("--kernel", "K", "ls"), "no command: put it after -- (see --help)");
	ck_assert_int_eq(cfg.nr_vmm_args, 1);	/* "ls" was taken for the VMM's */
	expect_error(PARSE("--kernel", "K", "--"), "no command: put it after -- (see --help)");
	expect_error(PARSE("--", "ls"), "--kernel PATH is required (see --help)");
	expect_error(PARSE("--kernel"), "--kernel needs a value");
	expect_error(PARSE("--kernel", "K", "--verbose=yes", "--", "ls"),
		     "--verbose takes no value");
	expect_error(PARSE("--root-host=1", "--kernel", "K", "--", "ls"),
		     "--root-host takes no value");
	/* --help and --version need nothing else */
	ck_assert_int_eq(PARSE("--help"), 0);
	ck_assert(cfg.help);
	ck_assert_int_eq(PARSE("--version"), 0);
	ck_assert(cfg.version && !cfg.help);
}
END_TEST

START_TEST(initrd_refused)
{
	expect_error(PARSE("--kernel", "K", "--initrd", "i.cpio", "--", "ls"),
		     "--initrd: vmm-exec builds the initramfs itself");
	expect_error(PARSE("--initrd=i.cpio", "--kernel", "K", "--", "ls"),
		     "--initrd=i.cpio: vmm-exec builds the initramfs itself");
	/* the command's own --initrd is not ours to refuse */
	ck_assert_int_eq(PARSE("--kernel", "K", "--", "mkinitramfs", "--initrd"), 0);
}
END_TEST

/* Directories a, a/b, c, d, e and a file f under tmpdir/shares. */
static void make_shares(void)
{
	make_dir(tmp("shares"));
	make_dir(tmp("shares/a"));
	make_dir(tmp("shares/a/b"));
	make_dir(tmp("shares/c"));
	make_dir(tmp("shares/d"));
	make_dir(tmp("shares/e"));
	write_text(tmp("shares/f"), "not a directory\n");
}

START_TEST(share_suffixes)
{
	char real[PATH_MAX], inline_form[PATH_MAX + 16];

	make_shares();
	ck_assert_ptr_nonnull(realpath(tmp("shares"), real));
	snprintf(inline_form, sizeof(inline_form), "--share=%s", tmp("shares/./c:rw"));
	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/a:ro"), inline_form,
			       "--share", tmp("shares/d/"), "--", "ls"), 0);
	ck_assert_uint_eq(cfg.nr_shares, 3);
	ck_assert_str_eq(cfg.shares[0].path, path_in(real, "a"));
	ck_assert(cfg.shares[0].ro);
	ck_assert_str_eq(cfg.shares[1].path, path_in(real, "c"));
	ck_assert(!cfg.shares[1].ro);
	ck_assert_str_eq(cfg.shares[2].path, path_in(real, "d"));
	ck_assert(!cfg.shares[2].ro);
	ck_assert_int_eq(cfg.nr_vmm_args, 0);
}
END_TEST

START_TEST(share_errors)
{
	char msg[PATH_MAX + 100];

	make_shares();
	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/nothere:ro"),
			       "--", "ls"), -EINVAL);
	assert_one_line();
	snprintf(msg, sizeof(msg), "--share %s: No such file or directory", tmp("shares/nothere"));
	ck_assert_str_eq(err, msg);

	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/f"), "--", "ls"), -EINVAL);
	assert_one_line();
	snprintf(msg, sizeof(msg), "--share %s: not a directory", tmp("shares/f"));
	ck_assert_str_eq(err, msg);

	/* the same directory however it is spelled */
	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/c"),
			       "--share", tmp("shares/a/../c/:ro"), "--", "ls"), -EINVAL);
	assert_one_line();
	ck_assert_msg(strstr(err, "shared twice"), "%s", err);
	ck_assert_msg(strstr(err, "/shares/c:") && !strstr(err, ".."), "%s", err);
}
END_TEST

START_TEST(share_limits)
{
	make_shares();
	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/a"),
			       "--share", tmp("shares/c"), "--share", tmp("shares/d"),
			       "--share", tmp("shares/e"), "--", "ls"), 0);
	ck_assert_uint_eq(cfg.nr_shares, EXEC_MAX_FS);

	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/a"),
			       "--share", tmp("shares/c"), "--share", tmp("shares/d"),
			       "--share", tmp("shares/e"), "--share", tmp("shares/a/b"),
			       "--", "ls"), -EINVAL);
	assert_one_line();
	ck_assert_msg(strstr(err, "too many shares (at most 4)"), "%s", err);

	expect_error(PARSE("--kernel", "K", "--share", tmp("shares/a"),
			   "--share", tmp("shares/c"), "--share", tmp("shares/d"),
			   "--share", tmp("shares/e"), "--root-host", "--", "ls"),
		     "too many shares with --root-host (at most 3)");
	expect_error(PARSE("--root-host", "--kernel", "K", "--share", tmp("shares/a"),
			   "--share", tmp("shares/c"), "--share", tmp("shares/d"),
			   "--share", tmp("shares/e"), "--", "ls"),
		     "too many shares with --root-host (at most 3)");
	ck_assert_int_eq(PARSE("--root-host", "--kernel", "K", "--share", tmp("shares/a"),
			       "--share", tmp("shares/c"), "--share", tmp("shares/d"),
			       "--", "ls"), 0);
	ck_assert(cfg.root_host);
	ck_assert_uint_eq(cfg.nr_shares, 3);
}
END_TEST

START_TEST(shares_parents_first)
{
	char real[PATH_MAX];

	make_shares();
	make_dir(tmp("shares/a-z"));
	ck_assert_ptr_nonnull(realpath(tmp("shares"), real));
	ck_assert_int_eq(PARSE("--kernel", "K", "--share", tmp("shares/c"),
			       "--share", tmp("shares/a/b:ro"), "--share", tmp("shares/a-z"),
			       "--share", tmp("shares/a"), "--", "ls"), 0);
	ck_assert_uint_eq(cfg.nr_shares, 4);
	/* a before a/b; each share keeps its own :ro */
	ck_assert_str_eq(cfg.shares[0].path, path_in(real, "a"));
	ck_assert(!cfg.shares[0].ro);
	ck_assert_str_eq(cfg.shares[1].path, path_in(real, "a-z"));
	ck_assert_str_eq(cfg.shares[2].path, path_in(real, "a/b"));
	ck_assert(cfg.shares[2].ro);
	ck_assert_str_eq(cfg.shares[3].path, path_in(real, "c"));
	ck_assert(!cfg.shares[1].ro && !cfg.shares[3].ro);
}
END_TEST

/* ---- exec_kernel_release */

/*
 * An 8 KiB image of filler bytes: with version, a setup header ("HdrS" at
 * 0x202, kernel_version at 0x20e) naming it at version_off + 0x200; with
 * banner, that text at banner_off.
 */
static void fake_kernel(const char *path, const char *version, uint16_t version_off,
			const char *banner, size_t banner_off)
{
	static unsigned char img[8192];
	uint16_t le = htole16(version_off);

	memset(img, 0x90, sizeof(img));
	if (version) {
		memcpy(img + 0x202, "HdrS", 4);
		memcpy(img + 0x20e, &le, sizeof(le));
		if (version_off + 0x200 + strlen(version) + 1 <= sizeof(img))
			memcpy(img + version_off + 0x200, version, strlen(version) + 1);
	}
	if (banner)
		memcpy(img + banner_off, banner, strlen(banner));
	write_file(path, img, sizeof(img));
}

START_TEST(release_from_setup_header)
{
	char release[256];

	fake_kernel(tmp("bzImage"), "6.1.0-test (builder@x) #1 SMP", 0x100,
		    "Linux version 9.9.9-banner (y) ", 0x1000);
	ck_assert_int_eq(exec_kernel_release(tmp("bzImage"), release, sizeof(release)), 0);
	ck_assert_str_eq(release, "6.1.0-test");

	/* a kernel_version pointing past the end: the banner instead */
	fake_kernel(tmp("bzImage"), "6.1.0-test", 0xff00, "Linux version 9.9.9-banner ", 0x1000);
	ck_assert_int_eq(exec_kernel_release(tmp("bzImage"), release, sizeof(release)), 0);
	ck_assert_str_eq(release, "9.9.9-banner");

	/* a release longer than the buffer is cut, not overrun */
	fake_kernel(tmp("bzImage"), "6.1.0-test", 0x100, NULL, 0);
	ck_assert_int_eq(exec_kernel_release(tmp("bzImage"), release, 5), 0);
	ck_assert_str_eq(release, "6.1.");
}
END_TEST

START_TEST(release_from_banner)
{
	char release[256] = "";

	fake_kernel(tmp("vmlinux"), NULL, 0, "Linux version 6.9.1-foo (gcc 12) #1", 5000);
	ck_assert_int_eq(exec_kernel_release(tmp("vmlinux"), release, sizeof(release)), 0);
	ck_assert_str_eq(release, "6.9.1-foo");

	/* the banner as the file's last bytes */
	fake_kernel(tmp("vmlinux"), NULL, 0, "Linux version 6.9.2",
		    8192 - strlen("Linux version 6.9.2"));
	ck_assert_int_eq(exec_kernel_release(tmp("vmlinux"), release, sizeof(release)), 0);
	ck_assert_str_eq(release, "6.9.2");
}
END_TEST

START_TEST(release_unknown)
{
	char release[256] = "unchanged";

	fake_kernel(tmp("neither"), NULL, 0, NULL, 0);
	ck_assert_int_lt(exec_kernel_release(tmp("neither"), release, sizeof(release)), 0);
	/* "HdrS" with no version string (offset 0), and no banner */
	fake_kernel(tmp("neither"), "", 0, NULL, 0);
	ck_assert_int_lt(exec_kernel_release(tmp("neither"), release, sizeof(release)), 0);
	/* a banner with no release after it */
	fake_kernel(tmp("neither"), NULL, 0, "Linux version  ", 100);
	ck_assert_int_lt(exec_kernel_release(tmp("neither"), release, sizeof(release)), 0);
	write_text(tmp("tiny"), "Linux version 1.2.3 ");
	ck_assert_int_lt(exec_kernel_release(tmp("tiny"), release, sizeof(release)), 0);
	ck_assert_int_eq(exec_kernel_release(tmp("missing"), release, sizeof(release)), -ENOENT);
	ck_assert_int_lt(exec_kernel_release(tmpdir, release, sizeof(release)), 0);
	ck_assert_str_eq(release, "unchanged");
}
END_TEST

/* ---- exec_find_modules */

static const char modules_dep[] =
	"kernel/fs/fuse/virtiofs.ko: kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko kernel/fs/fuse/fuse.ko\n"
	"kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/virtio/virtio_ring.ko:\n"
	"kernel/fs/fuse/fuse.ko:\n"
	"kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko "
	"kernel/drivers/virtio/virtio_ring.ko\n"
	"kernel/drivers/misc/pvpanic/pvpanic-mmio.ko: kernel/drivers/misc/pvpanic/pvpanic.ko\n"
	"kernel/drivers/misc/pvpanic/pvpanic.ko:\n"
	"kernel/fs/overlayfs/overlay.ko.xz:\n"
	"kernel/drivers/virtio/virtio_pci_legacy_dev.ko:\n"
	"kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko";

static const char modules_builtin[] =
	"kernel/drivers/virtio/virtio_mmio.ko\n"
	"kernel/fs/ext4/ext4.ko\n";

/* tmpdir/NAME with modules.dep and modules.builtin (either may be NULL). */
static const char *modules_dir(const char *name, const char *dep, const char *builtin)
{
	make_dir(tmp("%s", name));
	if (dep)
		write_text(tmp("%s/modules.dep", name), dep);
	if (builtin)
		write_text(tmp("%s/modules.builtin", name), builtin);
	return tmp("%s", name);
}

static void expect_modules(const char *dir, const struct exec_modules *m,
			   const char *const *rel, unsigned int nr)
{
	char want[PATH_MAX];
	unsigned int i;

	for (i = 0; i < m->nr && i < nr; i++) {
		snprintf(want, sizeof(want), "%s/%s", dir, rel[i]);
		ck_assert_str_eq(m->path[i], want);
	}
	ck_assert_uint_eq(m->nr, nr);
}

START_TEST(modules_load_order)
{
	static const char *const names[] = { "virtio_mmio", "virtio_console", "virtiofs",
					     "overlay", "pvpanic_mmio" };
	static const char *const order[] = {
		"kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
		"kernel/drivers/char/virtio_console.ko", "kernel/fs/fuse/fuse.ko",
		"kernel/fs/fuse/virtiofs.ko", "kernel/fs/overlayfs/overlay.ko.xz",
		"kernel/drivers/misc/pvpanic/pvpanic.ko",
		"kernel/drivers/misc/pvpanic/pvpanic-mmio.ko",
	};
	const char *dir = modules_dir("mods", modules_dep, modules_builtin);
	struct exec_modules m;

	ck_assert_int_eq(exec_find_modules(dir, names, 4, 5, &m, err, sizeof(err)), 0);
	expect_modules(dir, &m, order, ARRAY_SIZE(order));
	exec_modules_free(&m);
	ck_assert_uint_eq(m.nr, 0);
}
END_TEST

START_TEST(modules_builtin_and_names)
{
	static const char *const mmio[] = { "virtio_mmio" };
	static const char *const dashed[] = { "pvpanic-mmio", "virtio" };
	static const char *const dashed_order[] = {
		"kernel/drivers/misc/pvpanic/pvpanic.ko",
		"kernel/drivers/misc/pvpanic/pvpanic-mmio.ko",
		"kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
	};
	static const char *const pci[] = { "virtio_pci" };
	static const char *const pci_order[] = {
		"kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
		"kernel/drivers/virtio/virtio_pci.ko",
	};
	const char *dir = modules_dir("mods", modules_dep, modules_builtin);
	struct exec_modules m;

	/* built in: nothing to load */
	ck_assert_int_eq(exec_find_modules(dir, mmio, 1, 1, &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m.nr, 0);
	/* "virtio" is neither virtio_mmio (built in) nor virtio_ring */
	ck_assert_int_eq(exec_find_modules(dir, dashed, 2, 2, &m, err, sizeof(err)), 0);
	expect_modules(dir, &m, dashed_order, ARRAY_SIZE(dashed_order));
	exec_modules_free(&m);
	/* the last line of modules.dep, without its newline */
	ck_assert_int_eq(exec_find_modules(dir, pci, 1, 1, &m, err, sizeof(err)), 0);
	expect_modules(dir, &m, pci_order, ARRAY_SIZE(pci_order));
	exec_modules_free(&m);

	/* pvpanic_mmio built in as pvpanic-mmio: skipped too */
	dir = modules_dir("mods-builtin", modules_dep,
			  "kernel/drivers/misc/pvpanic/pvpanic-mmio.ko\n");
	ck_assert_int_eq(exec_find_modules(dir, (const char *const[]){ "pvpanic_mmio" }, 1, 1,
					   &m, err, sizeof(err)), 0);
	ck_assert_uint_eq(m.nr, 0);

	/* no modules.builtin: virtio_mmio is then nowhere */
	dir = modules_dir("mods-nobuiltin", modules_dep, NULL);
	ck_assert_int_eq(exec_find_modules(dir, mmio, 1, 1, &m, err, sizeof(err)), -ENOENT);
	ck_assert_uint_eq(m.nr, 0);
}
END_TEST

START_TEST(modules_missing)
{
	static const char *const names[] = { "virtio_console", "virtio_blk", "fuse" };
	static const char *const optional[] = { "virtio_console", "fuse", "virtio_blk" };
	static const char *const optional_order[] = {
		"kernel/drivers/virtio/virtio_ring.ko", "kernel/drivers/virtio/virtio.ko",
		"kernel/drivers/char/virtio_console.ko", "kernel/fs/fuse/fuse.ko",
	};
	const char *dir = modules_dir("mods", modules_dep, modules_builtin);
	struct exec_modules m;

	ck_assert_int_eq(exec_find_modules(dir, names, 3, 3, &m, err, sizeof(err)), -ENOENT);
	assert_one_line();
	ck_assert_msg(strstr(err, "virtio_blk"), "%s", err);
	ck_assert_msg(strstr(err, dir), "%s", err);
	ck_assert_uint_eq(m.nr, 0);	/* what was found is freed */

	/* virtio_blk is the optional one now */
	ck_assert_int_eq(exec_find_modules(dir, optional, 2, 3, &m, err, sizeof(err)), 0);
	expect_modules(dir, &m, optional_order, ARRAY_SIZE(optional_order));
	exec_modules_free(&m);

	memset(err, 0, sizeof(err));
	dir = modules_dir("mods-nodep", NULL, modules_builtin);
	ck_assert_int_eq(exec_find_modules(dir, names, 3, 3, &m, err, sizeof(err)), -ENOENT);
	assert_one_line();
	ck_assert_msg(strstr(err, "depmod") && strstr(err, "modules.dep"), "%s", err);
	ck_assert_uint_eq(m.nr, 0);
}
END_TEST

/* ---- exec_write_initramfs */

/* Runs sh -c cmd; its status, its stdout in res. */
static int shell(struct run_result *res, const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_int_eq(run_cmd(argv, 30, res), 0);
	return res->status;
}

static void *read_all(const char *path, size_t *len)
{
	static unsigned char buf[65536];
	FILE *f = fopen(path, "r");

	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	*len = fread(buf, 1, sizeof(buf), f);
	ck_assert(!ferror(f));
	fclose(f);
	return buf;
}

/* The system's cpio (the Debian package cpio, one of `make check`'s). */
static char *cpio(void)
{
	const char *path = find_program("cpio");

	ck_assert_msg(path, "no cpio in $PATH to read the archive with (apt-get install cpio)");
	return (char *)path;
}

/* ARCHIVE's member name, as `cpio -i --to-stdout` extracts it, is data. */
static void expect_member(const char *archive, const char *name, const void *data, size_t len)
{
	static struct run_result res;
	const char *out = tmp("member");
	size_t got;
	void *p;

	ck_assert_int_eq(shell(&res, "'%s' -i --quiet --to-stdout -F '%s' '%s' > '%s'",
			       cpio(), archive, name, out), 0);
	p = read_all(out, &got);
	ck_assert_msg(got == len, "%s: %zu bytes, not %zu", name, got, len);
	ck_assert_msg(!memcmp(p, data, len), "%s: not the bytes written", name);
}

START_TEST(initramfs_contents)
{
	static const char spec[] = "module=/lib/modules/a.ko\0cwd=/x\0arg=sh\0arg=-c\0arg=true\0";
	static const char *const listing =
		"dev\nproc\nsys\nmnt\nlib\nlib/modules\ndev/console\ninit\nexec.spec\n"
		"lib/modules/a.ko\nlib/modules/big-mod.ko.xz\n";
	static unsigned char init[777], big[5001];
	static struct run_result res;
	struct exec_modules mods = { 0 };
	char archive[PATH_MAX];
	char mode[16], *p;
	unsigned int i, nlink, major, minor, seen = 0;
	unsigned long size;
	struct stat st;

	snprintf(archive, sizeof(archive), "%s", tmp("initramfs.cpio"));
	for (i = 0; i < sizeof(init); i++)
		init[i] = (unsigned char)(i * 7);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i ^ 0x5a);
	write_file(tmp("init"), init, sizeof(init));
	make_dir(tmp("k"));
	make_dir(tmp("k/sub"));
	write_text(tmp("k/a.ko"), "abc");
	write_file(tmp("k/sub/big-mod.ko.xz"), big, sizeof(big));
	mods.path[mods.nr++] = strdup(tmp("k/a.ko"));
	mods.path[mods.nr++] = strdup(tmp("k/sub/big-mod.ko.xz"));

	ck_assert_int_eq(exec_write_initramfs(archive, tmp("init"), &mods, spec, sizeof(spec) - 1,
					      err, sizeof(err)), 0);
	exec_modules_free(&mods);
	ck_assert_int_eq(stat(archive, &st), 0);
	ck_assert_int_eq(st.st_size % 4, 0);

	/* the names, in order, and nothing else; cpio says only its block count */
	ck_assert_int_eq(run_cmd((char *[]){ cpio(), "-it", "-F", archive, NULL }, 30,
				 &res), 0);
	ck_assert_int_eq(res.status, 0);
	ck_assert_str_eq(res.out, listing);
	ck_assert_msg(count_lines(res.err) == 1 && strstr(res.err, " block"), "cpio: %s", res.err);

	/* modes, sizes, the console device */
	ck_assert_int_eq(shell(&res, "'%s' -itvn --quiet -F '%s'", cpio(), archive), 0);
	for (p = strtok(res.out, "\n"); p; p = strtok(NULL, "\n")) {
		const char *name = strrchr(p, ' ') + 1;

		ck_assert_msg(sscanf(p, "%15s %u", mode, &nlink) == 2 && nlink == 1, "%s", p);
		if (!strcmp(name, "dev/console")) {
			ck_assert_msg(sscanf(p, "%*s %*u %*u %*u %u, %u", &major, &minor) == 2,
				      "%s", p);
			ck_assert_str_eq(mode, "crw-------");
			ck_assert_uint_eq(major, 5);
			ck_assert_uint_eq(minor, 1);
			seen |= 1;
			continue;
		}
		ck_assert_msg(sscanf(p, "%*s %*u %*u %*u %lu", &size) == 1, "%s", p);
		if (!strcmp(name, "init")) {
			ck_assert_str_eq(mode, "-rwxr-xr-x");
			ck_assert_msg(size == sizeof(init), "%s", p);
			seen |= 2;
		} else if (!strcmp(name, "exec.spec")) {
			ck_assert_str_eq(mode, "-rw-r--r--");
			ck_assert_uint_eq(size, sizeof(spec) - 1);
			seen |= 4;
		} else if (!strcmp(name, "lib/modules/a.ko")) {
			ck_assert_str_eq(mode, "-rw-r--r--");
			ck_assert_uint_eq(size, 3);
			seen |= 8;
		} else if (!strcmp(name, "lib/modules/big-mod.ko.xz")) {
			ck_assert_str_eq(mode, "-rw-r--r--");
			ck_assert_uint_eq(size, sizeof(big));
			seen |= 16;
		} else {
			ck_assert_msg(!strcmp(mode, "drwxr-xr-x"), "%s", p);
		}
	}
	ck_assert_uint_eq(seen, 31);

	expect_member(archive, "init", init, sizeof(init));
	expect_member(archive, "exec.spec", spec, sizeof(spec) - 1);
	expect_member(archive, "lib/modules/a.ko", "abc", 3);
	expect_member(archive, "lib/modules/big-mod.ko.xz", big, sizeof(big));
}
END_TEST

START_TEST(initramfs_errors)
{
	struct exec_modules mods = { 0 };
	char msg[PATH_MAX + 100];

	ck_assert_int_eq(exec_write_initramfs(tmp("out.cpio"), tmp("no-init"), &mods, "arg=x", 6,
					      err, sizeof(err)), -ENOENT);
	assert_one_line();
	snprintf(msg, sizeof(msg), "the guest init %s: No such file or directory", tmp("no-init"));
	ck_assert_str_eq(err, msg);

	/* init a directory */
	memset(err, 0, sizeof(err));
	ck_assert_int_lt(exec_write_initramfs(tmp("out.cpio"), tmpdir, &mods, "arg=x", 6,
					      err, sizeof(err)), 0);
	assert_one_line();

	/* a module that is not there */
	write_text(tmp("init"), "init");
	mods.path[mods.nr++] = strdup(tmp("gone.ko"));
	memset(err, 0, sizeof(err));
	ck_assert_int_eq(exec_write_initramfs(tmp("out.cpio"), tmp("init"), &mods, "arg=x", 6,
					      err, sizeof(err)), -ENOENT);
	assert_one_line();
	ck_assert_msg(strstr(err, "gone.ko"), "%s", err);
	exec_modules_free(&mods);

	/* nowhere to write */
	memset(err, 0, sizeof(err));
	ck_assert_int_eq(exec_write_initramfs(tmp("no-dir/out.cpio"), tmp("init"), &mods, "arg=x",
					      6, err, sizeof(err)), -ENOENT);
	assert_one_line();
	ck_assert_msg(strstr(err, "no-dir/out.cpio"), "%s", err);
}
END_TEST

/* ---- exec_channel_feed */

struct stream {
	unsigned char buf[3 * 65536 + 4096];
	size_t len;
};

static void put_frame(struct stream *s, uint8_t type, const void *data, uint32_t len)
{
	struct exec_frame f = { .type = type, .len = htole32(len) };

	ck_assert_uint_le(s->len + sizeof(f) + len, sizeof(s->buf));
	memcpy(s->buf + s->len, &f, sizeof(f));
	if (len)
		memcpy(s->buf + s->len + sizeof(f), data, len);
	s->len += sizeof(f) + len;
}

static void put_status(struct stream *s, uint32_t status)
{
	uint32_t le = htole32(status);

	put_frame(s, EXEC_STATUS, &le, sizeof(le));
}

/* fds 1 and 2 on two memfds while a test feeds the channel. */
static struct capture {
	int saved[2], fd[2];
} cap;

static void capture_start(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		cap.fd[i] = memfd_create(i ? "stderr" : "stdout", MFD_CLOEXEC);
		ck_assert_int_ge(cap.fd[i], 0);
		cap.saved[i] = dup(1 + i);
		ck_assert_int_ge(cap.saved[i], 0);
		ck_assert_int_eq(dup2(cap.fd[i], 1 + i), 1 + i);
	}
}

/* Puts fds 1 and 2 back; what each got, NUL-terminated, in out and err. */
static void capture_end(struct stream *out, struct stream *errs)
{
	struct stream *s[2] = { out, errs };
	ssize_t n;
	int i;

	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(dup2(cap.saved[i], 1 + i), 1 + i);
		close(cap.saved[i]);
		n = pread(cap.fd[i], s[i]->buf, sizeof(s[i]->buf) - 1, 0);
		ck_assert_int_ge(n, 0);
		s[i]->len = (size_t)n;
		s[i]->buf[n] = '\0';
		close(cap.fd[i]);
	}
}

static struct exec_channel ch;
static struct stream in, want_out, want_err, got_out, got_err;

static void expect_same(const struct stream *got, const struct stream *want, const char *what)
{
	ck_assert_msg(got->len == want->len, "%s: %zu bytes, not %zu", what, got->len, want->len);
	ck_assert_msg(!memcmp(got->buf, want->buf, want->len), "%s: other bytes", what);
}

static void append(struct stream *s, const void *data, size_t len)
{
	memcpy(s->buf + s->len, data, len);
	s->len += len;
}

/*
 * A stream of every frame type: stdout and stderr interleaved, a zero-length
 * frame of each, binary bytes, frames of 1 byte and EXEC_FRAME_MAX bytes, a
 * failure line, and status 42 last.
 */
static void make_stream(void)
{
	static unsigned char bin[EXEC_FRAME_MAX];
	static const char fail[] = "virtio-fs share0: mount: No such device";
	unsigned int i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 31 + (i >> 8));
	in.len = want_out.len = want_err.len = 0;
	put_frame(&in, EXEC_OUT, "hello ", 6);
	append(&want_out, "hello ", 6);
	put_frame(&in, EXEC_ERR, "warning: x\n", 11);
	append(&want_err, "warning: x\n", 11);
	put_frame(&in, EXEC_OUT, NULL, 0);
	put_frame(&in, EXEC_ERR, NULL, 0);
	put_frame(&in, EXEC_OUT, "w", 1);
	append(&want_out, "w", 1);
	put_frame(&in, EXEC_OUT, "\0orld\n\0", 7);
	append(&want_out, "\0orld\n\0", 7);
	put_frame(&in, EXEC_ERR, bin, 300);
	append(&want_err, bin, 300);
	put_frame(&in, EXEC_OUT, bin, sizeof(bin));
	append(&want_out, bin, sizeof(bin));
	put_frame(&in, EXEC_FAIL, fail, sizeof(fail) - 1);
	append(&want_err, "vmm-exec: in the guest: ", 24);
	append(&want_err, fail, sizeof(fail) - 1);
	append(&want_err, "\n", 1);
	put_frame(&in, EXEC_OUT, "tail", 4);
	append(&want_out, "tail", 4);
	put_status(&in, 42);
}

/* Feeds in, chunk by chunk (chunk(): the size of the next), and checks. */
static void feed_and_check(size_t (*chunk)(size_t done, size_t left), const char *how)
{
	size_t done = 0;
	int ret = 0;

	exec_channel_init(&ch);
	capture_start();
	while (done < in.len) {
		size_t n = chunk(done, in.len - done);

		ret = exec_channel_feed(&ch, in.buf + done, n);
		done += n;
		/* the status frame ends the stream: it cannot come earlier */
		if (ret || ch.broken || ch.have >= sizeof(ch.buf) ||
		    (ch.status != -1 && done < in.len))
			break;
	}
	capture_end(&got_out, &got_err);
	ck_assert_msg(!ret, "%s: feed returned %d", how, ret);
	ck_assert_msg(done == in.len, "%s: stopped at %zu of %zu", how, done, in.len);
	ck_assert_msg(!ch.broken, "%s: broken", how);
	ck_assert_int_eq(ch.status, 42);
	ck_assert(ch.failed && !ch.out_closed);
	ck_assert_uint_eq(ch.have, 0);
	expect_same(&got_out, &want_out, how);
	expect_same(&got_err, &want_err, how);
}

static size_t whole(size_t done, size_t left)
{
	(void)done;
	return left;
}

static size_t one(size_t done, size_t left)
{
	(void)done;
	(void)left;
	return 1;
}

static size_t random_chunk(size_t done, size_t left)
{
	size_t n = (size_t)rand() % (rand() % 4 ? 16 : 70000) + 1;

	(void)done;
	return n < left ? n : left;
}

START_TEST(channel_any_split)
{
	static char how[64];
	unsigned int seed;

	make_stream();
	feed_and_check(whole, "whole");
	feed_and_check(one, "byte by byte");
	for (seed = 1; seed <= 50; seed++) {
		srand(seed);
		snprintf(how, sizeof(how), "random chunks, seed %u", seed);
		feed_and_check(random_chunk, how);
	}
}
END_TEST

/* Every split in two: for each byte boundary of the small frames. */
START_TEST(channel_every_boundary)
{
	static unsigned char payload[EXEC_FRAME_MAX];
	size_t cut, len;
	int ret;

	in.len = want_out.len = want_err.len = 0;
	put_frame(&in, EXEC_OUT, "ab", 2);
	put_frame(&in, EXEC_OUT, NULL, 0);
	put_frame(&in, EXEC_ERR, "cde", 3);
	put_status(&in, 0);
	append(&want_out, "ab", 2);
	append(&want_err, "cde", 3);
	len = in.len;
	for (cut = 0; cut <= len; cut++) {
		exec_channel_init(&ch);
		capture_start();
		ret = exec_channel_feed(&ch, in.buf, cut);
		ret |= exec_channel_feed(&ch, in.buf + cut, len - cut);
		capture_end(&got_out, &got_err);
		ck_assert_int_eq(ret, 0);
		ck_assert_msg(ch.status == 0 && !ch.broken && !ch.failed && !ch.have,
			      "cut at %zu", cut);
		expect_same(&got_out, &want_out, "stdout");
		expect_same(&got_err, &want_err, "stderr");
	}

	/* a full-size frame fills the buffer exactly */
	memset(payload, 'x', sizeof(payload));
	in.len = want_out.len = want_err.len = 0;
	put_frame(&in, EXEC_OUT, payload, sizeof(payload));
	append(&want_out, payload, sizeof(payload));
	exec_channel_init(&ch);
	capture_start();
	ret = exec_channel_feed(&ch, in.buf, in.len - 1);
	ck_assert_uint_eq(ch.have, sizeof(ch.buf) - 1);
	ret |= exec_channel_feed(&ch, in.buf + in.len - 1, 1);
	capture_end(&got_out, &got_err);
	ck_assert_int_eq(ret, 0);
	ck_assert(!ch.broken && !ch.have && ch.status == -1);
	expect_same(&got_out, &want_out, "stdout");
	ck_assert_uint_eq(got_err.len, 0);
}
END_TEST

/* Feeds a stream whose frame after "ok" is bad: broken, nothing after. */
static void expect_broken(const char *what)
{
	int ret;

	put_frame(&in, EXEC_OUT, "after", 5);
	put_frame(&in, EXEC_ERR, "after", 5);
	put_status(&in, 0);
	exec_channel_init(&ch);
	capture_start();
	ret = exec_channel_feed(&ch, in.buf, in.len);
	ret |= exec_channel_feed(&ch, in.buf, in.len);
	capture_end(&got_out, &got_err);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(ch.broken, "%s: not broken", what);
	ck_assert_msg(ch.status == -1, "%s: status %d", what, ch.status);
	ck_assert_uint_le(ch.have, sizeof(ch.buf));
	ck_assert_msg(got_out.len == 2 && !memcmp(got_out.buf, "ok", 2), "%s: stdout '%s'", what,
		      got_out.buf);
	ck_assert_msg(got_err.len == 0, "%s: stderr '%s'", what, got_err.buf);
}

START_TEST(channel_malformed)
{
	struct exec_frame f = { .type = EXEC_OUT, .len = htole32(EXEC_FRAME_MAX + 1) };
	static unsigned char big[EXEC_FRAME_MAX + 1];

	/* longer than a frame may be: broken at its header */
	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	memcpy(in.buf + in.len, &f, sizeof(f));
	in.len += sizeof(f);
	expect_broken("len EXEC_FRAME_MAX + 1");
	ck_assert_uint_eq(ch.have, sizeof(f));

	/* ... even with that many bytes after it */
	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	put_frame(&in, EXEC_OUT, big, sizeof(big));
	expect_broken("len EXEC_FRAME_MAX + 1, payload sent");

	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	f.len = htole32(0xffffffff);
	memcpy(in.buf + in.len, &f, sizeof(f));
	in.len += sizeof(f);
	expect_broken("len 2^32 - 1");

	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	put_frame(&in, 9, "xyz", 3);
	expect_broken("type 9");

	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	put_frame(&in, 0, NULL, 0);
	expect_broken("type 0");

	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	put_frame(&in, EXEC_STATUS, "\0\0\0", 3);
	expect_broken("status of 3 bytes");

	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	put_frame(&in, EXEC_STATUS, "\0\0\0\0\0", 5);
	expect_broken("status of 5 bytes");

	in.len = 0;
	put_frame(&in, EXEC_OUT, "ok", 2);
	put_frame(&in, EXEC_STATUS, NULL, 0);
	expect_broken("status of 0 bytes");
}
END_TEST

START_TEST(channel_stdout_gone)
{
	int p[2], ret;

	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	in.len = 0;
	put_frame(&in, EXEC_OUT, "lost", 4);
	put_frame(&in, EXEC_ERR, "still here", 10);
	put_status(&in, 3);

	exec_channel_init(&ch);
	capture_start();
	ck_assert_int_eq(dup2(p[1], STDOUT_FILENO), STDOUT_FILENO);
	close(p[1]);
	ret = exec_channel_feed(&ch, in.buf, in.len);
	capture_end(&got_out, &got_err);
	ck_assert_int_eq(ret, -EPIPE);
	ck_assert(ch.out_closed);
	/* the rest still arrives */
	ck_assert_int_eq(ch.status, 3);
	ck_assert(!ch.broken);
	ck_assert_uint_eq(got_err.len, 10);
	ck_assert_str_eq((char *)got_err.buf, "still here");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vmm_exec");
	TCase *tc;

	if (!make_tmpdir(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}

	tc = tcase_create("options");
	tcase_add_test(tc, own_options_and_passed_on);
	tcase_add_test(tc, separator_and_command_required);
	tcase_add_test(tc, initrd_refused);
	tcase_add_test(tc, share_suffixes);
	tcase_add_test(tc, share_errors);
	tcase_add_test(tc, share_limits);
	tcase_add_test(tc, shares_parents_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("release");
	tcase_add_test(tc, release_from_setup_header);
	tcase_add_test(tc, release_from_banner);
	tcase_add_test(tc, release_unknown);
	suite_add_tcase(s, tc);

	tc = tcase_create("modules");
	tcase_add_test(tc, modules_load_order);
	tcase_add_test(tc, modules_builtin_and_names);
	tcase_add_test(tc, modules_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("initramfs");
	tcase_add_test(tc, initramfs_contents);
	tcase_add_test(tc, initramfs_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("channel");
	tcase_add_test(tc, channel_any_split);
	tcase_add_test(tc, channel_every_boundary);
	tcase_add_test(tc, channel_malformed);
	tcase_add_test(tc, channel_stdout_gone);
	suite_add_tcase(s, tc);

	return run_suite(s);
}
