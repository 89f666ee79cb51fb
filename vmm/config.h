/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line → struct vm_config.
 *
 * config_parse() validates everything that can be checked without touching
 * the host (syntax, ranges, combinations). On error it returns -EINVAL and
 * leaves one line for the user in err (no trailing newline). Checks that
 * need the host (page sizes, free huge pages, the kernel file) happen when
 * the VM is built.
 */
#ifndef VMM_CONFIG_H
#define VMM_CONFIG_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <stdalign.h>
#include <stdint.h>

#include "arch/arch.h"
#include "devices/device_kind.h"
#include "devices/power.h"
#include "memory/guest_memory.h"
#include "devices/host/seccomp.h"

#define VMM_MAX_CPUS 64
#define VMM_MAX_DEVICES 16

/* One device option as given: its kind's row and what its parser made. */
struct device_config {
	const struct device_kind *kind;
	_Alignas(max_align_t) unsigned char spec[DEVICE_SPEC_MAX];
};

/* Every device kind the command line knows, ending with NULL. */
extern const struct device_kind *const vmm_device_kinds[];

#define CONFIG_ERR_LEN 512

enum config_action {
	CONFIG_RUN,
	CONFIG_HELP,
	CONFIG_VERSION,
	CONFIG_PROBE,
};

/* Where the serial console's input comes from. */
enum console_input {
	CONSOLE_INPUT_STDIN,	/* the VMM's stdin (a terminal goes raw) */
	CONSOLE_INPUT_NONE,	/* nothing: stdin is never read */
};

struct vm_config {
	enum config_action action;
	struct guest_memory_config memory;
	unsigned int cpus;
	const char *kernel;
	enum arch_kernel_format kernel_format;	/* --kernel-format, default auto */
	const char *initrd;
	const char *cmdline;		/* NULL: the default */
	bool cpu_features_given;	/* else: what the host needs */
	struct arch_cpu_features cpu_features;
	uint64_t timeout_ms;		/* 0: none */
	const char *memory_socket;	/* export guest RAM for inspection */
	enum console_input console_input;
	enum debug_exit_encoding debug_exit;
	bool stats;
	enum vmm_seccomp_mode seccomp;	/* default on */
	char hugetlb_dir[PATH_MAX];	/* memory.hugetlb_path points here */
	unsigned int nr_devices;	/* in command-line order */
	/*
	 * Last: config_parse() writes devices[0..nr_devices) only, so the
	 * 64 KiB of the rest is never touched (it is on main()'s stack).
	 */
	struct device_config devices[VMM_MAX_DEVICES];
};

int config_parse(int argc, char **argv, struct vm_config *cfg, char *err,
		 size_t err_len);

/* "64M", "1G", "4096": bytes, with K/M/G/T suffixes (powers of 1024). */
int parse_size(const char *s, uint64_t *out);

/* Formats bytes as "64M", "1536K", ... exactly; buf of 32 bytes. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

/* The --help text, built from the option rows; static, built once. */
const char *config_usage(void);

#endif
