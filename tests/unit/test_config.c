// SPDX-License-Identifier: GPL-2.0
/*
 * Option parsing (vmm/config.h): sizes with suffixes and their overflow,
 * the two --memory forms, defaults, every option, and an error message
 * that names the option for each bad input; disks and vhost-user devices
 * keep their command-line order and backend. No /dev/kvm needed.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "devices/disk.h"
#include "devices/net.h"
#include "devices/vhost_user_device.h"
#include "vmm/config.h"

#include "tests/helpers.h"

static struct vm_config cfg;
static char err[CONFIG_ERR_LEN];

#define PARSE(...) ({ \
	char *argv_[] = { "vmm", __VA_ARGS__, NULL }; \
	config_parse((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, argv_, &cfg, err, sizeof(err)); \
})

START_TEST(sizes)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "4096", 4096 }, { "4K", 4096 }, { "4k", 4096 }, { "64M", 64ULL << 20 },
		{ "64MB", 64ULL << 20 }, { "1G", 1ULL << 30 }, { "2T", 2ULL << 40 },
		{ "0", 0 }, { "16777215T", 16777215ULL << 40 },
	};
	static const char *const bad[] = { "", "M", "-1", "1.5G", "12Q", "64M1", " 64M", "0x10" };
	uint64_t v;
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(parse_size(ok[i].s, &v) == 0, "%s", ok[i].s);
		ck_assert_uint_eq(v, ok[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_size(bad[i], &v) == -EINVAL, "'%s' accepted", bad[i]);
	ck_assert_int_eq(parse_size("16777216T", &v), -ERANGE);
	ck_assert_int_eq(parse_size("18446744073709551616", &v), -ERANGE);
	ck_assert_int_eq(parse_size("18446744073709551615", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
}
END_TEST

START_TEST(format_sizes)
{
	char buf[32];

	ck_assert_str_eq(format_size(64ULL << 20, buf, sizeof(buf)), "64M");
	ck_assert_str_eq(format_size(1536ULL << 10, buf, sizeof(buf)), "1536K");
	ck_assert_str_eq(format_size(3ULL << 30, buf, sizeof(buf)), "3G");
	ck_assert_str_eq(format_size(4097, buf, sizeof(buf)), "4097");
	ck_assert_str_eq(format_size(0, buf, sizeof(buf)), "0");
}
END_TEST

START_TEST(defaults)
{
	ck_assert_int_eq(PARSE("--kernel", "k"), 0);
	ck_assert_str_eq(cfg.kernel, "k");
	ck_assert_uint_eq(cfg.memory.size, 256ULL << 20);
	ck_assert_int_eq(cfg.memory.backend, GUEST_MEMORY_MEMFD);
	ck_assert_ptr_null(cfg.memory.hugetlb_path);
	ck_assert_uint_eq(cfg.cpus, 1);
	ck_assert_uint_eq(cfg.timeout_ms, 0);
	ck_assert_ptr_null(cfg.memory_socket);
	ck_assert(!cfg.stats);
	ck_assert_int_eq(cfg.console_input, CONSOLE_INPUT_STDIN);
	ck_assert_int_eq(cfg.debug_exit, DEBUG_EXIT_RAW);
	ck_assert_int_eq(cfg.action, CONFIG_RUN);
}
END_TEST

START_TEST(every_option)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--memory", "size=1G,backend=hugetlb,path=/mnt/h",
			       "--cpus", "64", "--timeout", "30", "--memory-socket", "/tmp/s",
			       "--stats"), 0);
	ck_assert_uint_eq(cfg.memory.size, 1ULL << 30);
	ck_assert_int_eq(cfg.memory.backend, GUEST_MEMORY_HUGETLB);
	ck_assert_str_eq(cfg.memory.hugetlb_path, "/mnt/h");
	ck_assert_uint_eq(cfg.cpus, 64);
	ck_assert_uint_eq(cfg.timeout_ms, 30000);
	ck_assert_str_eq(cfg.memory_socket, "/tmp/s");
	ck_assert(cfg.stats);

	ck_assert_int_eq(PARSE("--memory", "512M", "--kernel=k2"), 0);
	ck_assert_uint_eq(cfg.memory.size, 512ULL << 20);
	ck_assert_str_eq(cfg.kernel, "k2");
	ck_assert_int_eq(PARSE("--memory", "backend=private,size=8M", "--kernel", "k"), 0);
	ck_assert_int_eq(cfg.memory.backend, GUEST_MEMORY_PRIVATE);
	ck_assert_uint_eq(cfg.memory.size, 8ULL << 20);
	ck_assert_int_eq(PARSE("--memory", "size=8M,backend=heap", "--kernel", "k"), 0);
	ck_assert_int_eq(cfg.memory.backend, GUEST_MEMORY_HEAP);
	ck_assert_int_eq(PARSE("--kernel", "k", "--console-input", "none", "--debug-exit", "qemu"), 0);
	ck_assert_int_eq(cfg.console_input, CONSOLE_INPUT_NONE);
	ck_assert_int_eq(cfg.debug_exit, DEBUG_EXIT_QEMU);
	ck_assert_int_eq(PARSE("--kernel", "k", "--console-input", "stdin", "--debug-exit", "raw"), 0);
	ck_assert_int_eq(cfg.console_input, CONSOLE_INPUT_STDIN);
	ck_assert_int_eq(cfg.debug_exit, DEBUG_EXIT_RAW);
}
END_TEST

START_TEST(help_and_version)
{
	ck_assert_int_eq(PARSE("--help"), 0);
	ck_assert_int_eq(cfg.action, CONFIG_HELP);
	ck_assert_int_eq(PARSE("--version"), 0);
	ck_assert_int_eq(cfg.action, CONFIG_VERSION);
	ck_assert_ptr_nonnull(strstr(config_usage(), "--memory size=SIZE"));
	ck_assert_ptr_nonnull(strstr(config_usage(), "124"));
}
END_TEST

static void expect_error(int ret, const char *want)
{
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_msg(strstr(err, want), "want '%s' in '%s'", want, err);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(errors_name_the_option)
{
	expect_error(PARSE("--memory", "64M"), "--kernel PATH is required");
	expect_error(PARSE("--kernel", "k", "--memory", "0"), "--memory: size must not be 0");
	expect_error(PARSE("--kernel", "k", "--memory", "64X"), "--memory: bad size '64X'");
	expect_error(PARSE("--kernel", "k", "--memory", "99999999999T"), "--memory: size '99999999999T' is too large");
	expect_error(PARSE("--kernel", "k", "--memory", "size=64M,backend=tmpfs"), "unknown backend 'tmpfs'");
	expect_error(PARSE("--kernel", "k", "--memory", "size=64M,numa=1"), "unknown key 'numa'");
	expect_error(PARSE("--kernel", "k", "--memory", "backend=memfd"), "size=SIZE is required");
	expect_error(PARSE("--kernel", "k", "--memory", "size=64M,path=/x"), "only for backend=hugetlb");
	expect_error(PARSE("--kernel", "k", "--memory", "size=64M,backend=hugetlb,path="), "path must not be empty");
	expect_error(PARSE("--kernel", "k", "--cpus", "0"), "--cpus: '0'");
	expect_error(PARSE("--kernel", "k", "--cpus", "65"), "--cpus: '65'");
	expect_error(PARSE("--kernel", "k", "--cpus", "1x"), "--cpus: '1x'");
	expect_error(PARSE("--kernel", "k", "--timeout", "-5"), "--timeout: '-5'");
	expect_error(PARSE("--kernel", "k", "--timeout", "99999999999999999999"), "--timeout");
	expect_error(PARSE("--kernel", "k", "--memory-socket", ""), "--memory-socket: path must not be empty");
	expect_error(PARSE("--kernel", "k", "--console-input", "tty"), "--console-input: 'tty' is not stdin or none");
	expect_error(PARSE("--kernel", "k", "--debug-exit", "bochs"), "--debug-exit: 'bochs' is not raw or qemu");
	expect_error(PARSE("--kernel", "k", "--nope"), "unknown option '--nope'");
	expect_error(PARSE("--kernel"), "needs a value");
	expect_error(PARSE("--kernel", "k", "stray"), "unexpected argument 'stray'");
}
END_TEST

START_TEST(kernel_format)
{
	const char *why = NULL;

	ck_assert_int_eq(PARSE("--kernel", "k"), 0);
	ck_assert_int_eq(cfg.kernel_format, ARCH_KERNEL_AUTO);
	ck_assert_int_eq(PARSE("--kernel", "k", "--kernel-format", "auto"), 0);
	ck_assert_int_eq(cfg.kernel_format, ARCH_KERNEL_AUTO);
	expect_error(PARSE("--kernel", "k", "--kernel-format=elf"),
		     "--kernel-format: unknown format 'elf' (use auto or raw)");
	expect_error(PARSE("--kernel", "k", "--kernel-format", ""),
		     "--kernel-format: unknown format ''");
	ck_assert_ptr_nonnull(strstr(config_usage(), "--kernel-format auto|raw"));

	/* raw: taken where the arch boots it, else the arch's one line. */
	if (arch_kernel_format_check(ARCH_KERNEL_RAW, &why) == 0) {
		ck_assert_int_eq(PARSE("--kernel-format=raw", "--kernel", "k"), 0);
		ck_assert_int_eq(cfg.kernel_format, ARCH_KERNEL_RAW);
	} else {
		ck_assert_ptr_nonnull(why);
		expect_error(PARSE("--kernel-format=raw", "--kernel", "k"), why);
		ck_assert_ptr_nonnull(strstr(err, "--kernel-format=raw: "));
	}
}
END_TEST

/* The spec of device i, which must be of kind. */
static const void *spec_of(unsigned int i, const struct device_kind *kind)
{
	ck_assert_uint_lt(i, cfg.nr_devices);
	ck_assert_ptr_eq(cfg.devices[i].kind, kind);
	return cfg.devices[i].spec;
}

#define NET(i)		((const struct net_spec *)spec_of(i, &net_kind))
#define DISK(i)		((const struct disk_spec *)spec_of(i, &disk_kind))
#define VHOST_BLK(i)	((const struct vhost_user_spec *)spec_of(i, &vhost_user_blk_kind))
#define VHOST_NET(i)	((const struct vhost_user_spec *)spec_of(i, &vhost_user_net_kind))

START_TEST(net_devices)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0x0f };

	ck_assert_int_eq(PARSE("--kernel", "k"), 0);
	ck_assert_uint_eq(cfg.nr_devices, 0);
	ck_assert_int_eq(PARSE("--kernel", "k", "--net", "tap=vmmtap0",
			       "--net", "mac=52:54:00:ab:CD:0f,tap=tap-with-15-chr"), 0);
	ck_assert_uint_eq(cfg.nr_devices, 2);
	ck_assert_str_eq(NET(0)->tap, "vmmtap0");
	ck_assert(!NET(0)->have_mac);
	ck_assert_str_eq(NET(1)->tap, "tap-with-15-chr");
	ck_assert(NET(1)->have_mac);
	ck_assert_mem_eq(NET(1)->mac, mac, 6);
	ck_assert_int_eq(PARSE("--kernel", "k", "--net", "tap=a", "--net", "tap=b",
			       "--net", "tap=c", "--net", "tap=d"), 0);
	ck_assert_uint_eq(cfg.nr_devices, 4);
}
END_TEST

START_TEST(net_errors_name_the_option)
{
	expect_error(PARSE("--kernel", "k", "--net", "tap=a", "--net", "tap=b", "--net", "tap=c",
			   "--net", "tap=d", "--net", "tap=e"), "--net: at most 4");
	expect_error(PARSE("--kernel", "k", "--net", ""), "--net: tap=NAME is required");
	expect_error(PARSE("--kernel", "k", "--net", "mac=52:54:00:12:34:56"), "--net: tap=NAME is required");
	expect_error(PARSE("--kernel", "k", "--net", "vmmtap0"), "--net: expected key=value, got 'vmmtap0'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,vlan=2"), "--net: unknown key 'vlan'");
	expect_error(PARSE("--kernel", "k", "--net", "tap="), "--net: bad tap name ''");
	expect_error(PARSE("--kernel", "k", "--net", "tap=sixteen-chars-xx"), "--net: bad tap name 'sixteen-chars-xx'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=a/b"), "--net: bad tap name 'a/b'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=a b"), "--net: bad tap name 'a b'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=a:1"), "--net: bad tap name 'a:1'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=tap%d"), "--net: bad tap name 'tap%d'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=.."), "--net: bad tap name '..'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t0", "--net", "tap=t0"), "--net: tap 't0' given twice");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=52:54:00:12:34"), "--net: bad mac '52:54:00:12:34'");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=52:54:00:12:34:567"), "--net: bad mac");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=52-54-00-12-34-56"), "--net: bad mac");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=5:54:00:12:34:56"), "--net: bad mac");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=52:54:00:12:34:5g"), "--net: bad mac");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=01:00:5e:00:00:01"), "unicast");	/* multicast */
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=ff:ff:ff:ff:ff:ff"), "--net: bad mac");
	expect_error(PARSE("--kernel", "k", "--net", "tap=t,mac=00:00:00:00:00:00"), "--net: bad mac");
	expect_error(PARSE("--kernel", "k", "--net"), "needs a value");
}
END_TEST

START_TEST(disks_and_vhost_user)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--disk", "a.img", "--vhost-user-blk", "socket=/run/b.sock",
			       "--disk", "c,d.img,backend=thread,ro", "--disk", "e.img,ro,backend=inline",
			       "--vhost-user-net", "socket=/run/n.sock,mac=52:54:00:00:00:01",
			       "--net", "tap=t0"), 0);
	ck_assert_uint_eq(cfg.nr_devices, 6);
	ck_assert_str_eq(DISK(0)->path, "a.img");
	ck_assert_int_eq(DISK(0)->backend, DISK_BACKEND_INLINE);
	ck_assert(!DISK(0)->read_only);
	ck_assert_str_eq(VHOST_BLK(1)->socket, "/run/b.sock");
	ck_assert_str_eq(DISK(2)->path, "c,d.img");
	ck_assert_int_eq(DISK(2)->backend, DISK_BACKEND_THREAD);
	ck_assert(DISK(2)->read_only);
	ck_assert_str_eq(DISK(3)->path, "e.img");
	ck_assert_int_eq(DISK(3)->backend, DISK_BACKEND_INLINE);
	ck_assert(DISK(3)->read_only);
	ck_assert_str_eq(VHOST_NET(4)->socket, "/run/n.sock");
	ck_assert(VHOST_NET(4)->have_mac && VHOST_NET(4)->mac[5] == 1);
	ck_assert_str_eq(NET(5)->tap, "t0");
	ck_assert_uint_eq(VHOST_BLK(1)->reconnect, 0);

	/* reconnect=: the last item of a blk path, any item of a net one */
	ck_assert_int_eq(PARSE("--kernel", "k", "--vhost-user-blk", "socket=/run/a,b.sock,reconnect=30",
			       "--vhost-user-net", "reconnect=5,socket=/run/n.sock"), 0);
	ck_assert_str_eq(VHOST_BLK(0)->socket, "/run/a,b.sock");
	ck_assert_uint_eq(VHOST_BLK(0)->reconnect, 30);
	ck_assert_str_eq(VHOST_NET(1)->socket, "/run/n.sock");
	ck_assert_uint_eq(VHOST_NET(1)->reconnect, 5);
	expect_error(PARSE("--kernel", "k", "--vhost-user-blk", "socket=/s,reconnect=0"),
		     "--vhost-user-blk: reconnect must be 1 to 3600 seconds, got '0'");
	expect_error(PARSE("--kernel", "k", "--vhost-user-blk", "socket=/s,reconnect=3601"),
		     "--vhost-user-blk: reconnect must be 1 to 3600 seconds, got '3601'");
	expect_error(PARSE("--kernel", "k", "--vhost-user-blk", "socket=,reconnect=3"),
		     "--vhost-user-blk: socket path must not be empty");
	expect_error(PARSE("--kernel", "k", "--vhost-user-net", "socket=/s,reconnect=-1"),
		     "--vhost-user-net: reconnect must be 1 to 3600 seconds, got '-1'");

	expect_error(PARSE("--kernel", "k", "--vhost-user-blk", "/run/b.sock"),
		     "--vhost-user-blk: expected socket=PATH, got '/run/b.sock'");
	expect_error(PARSE("--kernel", "k", "--vhost-user-blk", "socket="),
		     "--vhost-user-blk: socket path must not be empty");
	expect_error(PARSE("--kernel", "k", "--vhost-user-blk",
			   "socket=/a/very/long/path/that/does/not/fit/in/the/sun_path/of/a/unix/socket/address/which/holds/108/bytes/including/its/nul"),
		     "--vhost-user-blk: socket path longer than 107 bytes");
	expect_error(PARSE("--kernel", "k", "--vhost-user-net", "mac=52:54:00:00:00:01"),
		     "--vhost-user-net: socket=PATH is required");
	expect_error(PARSE("--kernel", "k", "--vhost-user-net", "socket=/s,tap=t0"),
		     "--vhost-user-net: unknown key 'tap' (use socket, mac or reconnect)");
	expect_error(PARSE("--kernel", "k", "--net", "socket=/s"),
		     "--net: unknown key 'socket' (use tap or mac)");
	expect_error(PARSE("--kernel", "k", "--vhost-user-net", "socket=/s,mac=01:00:00:00:00:01"),
		     "--vhost-user-net: bad mac");
	expect_error(PARSE("--kernel", "k", "--disk", "a.img,backend=vhost"),
		     "--disk: bad backend in 'a.img,backend=vhost'");
	expect_error(PARSE("--kernel", "k", "--disk", ",backend=thread"),
		     "--disk: path must not be empty");
	expect_error(PARSE("--kernel", "k", "--disk", "1", "--disk", "2", "--disk", "3", "--disk", "4",
			   "--vhost-user-blk", "socket=5", "--vhost-user-blk", "socket=6",
			   "--disk", "7", "--disk", "8", "--vhost-user-blk", "socket=9"),
		     "--vhost-user-blk: at most 8 disks");
}
END_TEST

START_TEST(vhost_user_fs)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--vhost-user-fs", "socket=/run/fs.sock,tag=share",
			       "--vhost-user-fs", "tag=t2,queues=3,socket=/run/fs2.sock"), 0);
	ck_assert_uint_eq(cfg.nr_devices, 2);
	ck_assert_str_eq(((const struct vhost_user_spec *)spec_of(0, &vhost_user_fs_kind))->tag, "share");
	ck_assert_uint_eq(((const struct vhost_user_spec *)spec_of(0, &vhost_user_fs_kind))->queues, 1);
	ck_assert_str_eq(((const struct vhost_user_spec *)spec_of(1, &vhost_user_fs_kind))->socket,
			 "/run/fs2.sock");
	ck_assert_uint_eq(((const struct vhost_user_spec *)spec_of(1, &vhost_user_fs_kind))->queues, 3);

	expect_error(PARSE("--kernel", "k", "--vhost-user-fs", "socket=/s"),
		     "--vhost-user-fs: tag=TAG is required");
	expect_error(PARSE("--kernel", "k", "--vhost-user-fs", "tag=t"),
		     "--vhost-user-fs: socket=PATH is required");
	expect_error(PARSE("--kernel", "k", "--vhost-user-fs", "socket=/s,tag="),
		     "--vhost-user-fs: tag must be 1 to 36 bytes");
	expect_error(PARSE("--kernel", "k", "--vhost-user-fs",
			   "socket=/s,tag=a-tag-of-thirty-seven-bytes-is-too-long"),
		     "--vhost-user-fs: tag must be 1 to 36 bytes");
	expect_error(PARSE("--kernel", "k", "--vhost-user-fs", "socket=/s,tag=t,queues=4"),
		     "--vhost-user-fs: queues must be 1 to 3");
	expect_error(PARSE("--kernel", "k", "--vhost-user-fs", "socket=/s,tag=t,queues=0"),
		     "--vhost-user-fs: queues must be 1 to 3");
	expect_error(PARSE("--kernel", "k", "--vhost-user-fs", "socket=/s,tag=t,mac=52:54:00:00:00:01"),
		     "--vhost-user-fs: unknown key 'mac' (use socket, tag or queues)");
}
END_TEST

START_TEST(virtio_consoles)
{
	ck_assert_int_eq(PARSE("--kernel", "k", "--virtio-console", "fd=3",
			       "--virtio-console", "path=/tmp/out,with,commas"), 0);
	ck_assert_uint_eq(cfg.nr_devices, 2);

	expect_error(PARSE("--kernel", "k", "--virtio-console", "fd="),
		     "--virtio-console: fd=N needs a number, got ''");
	expect_error(PARSE("--kernel", "k", "--virtio-console", "fd=3x"),
		     "--virtio-console: fd=N needs a number, got '3x'");
	expect_error(PARSE("--kernel", "k", "--virtio-console", "fd=99999999999"),
		     "--virtio-console: fd=N needs a number, got '99999999999'");
	expect_error(PARSE("--kernel", "k", "--virtio-console", "path="),
		     "--virtio-console: expected path=FILE or fd=N, got 'path='");
	expect_error(PARSE("--kernel", "k", "--virtio-console", "/tmp/out"),
		     "--virtio-console: expected path=FILE or fd=N, got '/tmp/out'");
	expect_error(PARSE("--kernel", "k", "--virtio-console", "fd=3", "--virtio-console", "fd=4",
			   "--virtio-console", "fd=5", "--virtio-console", "fd=6",
			   "--virtio-console", "fd=7"),
		     "--virtio-console: at most 4 virtio consoles");
}
END_TEST

int main(void)
{
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, format_sizes);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, every_option);
	tcase_add_test(tc, help_and_version);
	tcase_add_test(tc, errors_name_the_option);
	tcase_add_test(tc, kernel_format);
	tcase_add_test(tc, net_devices);
	tcase_add_test(tc, net_errors_name_the_option);
	tcase_add_test(tc, disks_and_vhost_user);
	tcase_add_test(tc, vhost_user_fs);
	tcase_add_test(tc, virtio_consoles);
	return run_tcase("config", tc);
}
