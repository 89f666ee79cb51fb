// SPDX-License-Identifier: GPL-2.0
/*
 * The multiboot information structure and what it points to, all in the
 * page at X86_MB_INFO (multiboot.h):
 *   +0x000  struct multiboot_info
 *   +0x080  the module list (one entry)
 *   +0x0a0  boot loader name
 *   +0x0c0  the module's string
 *   +0x100  the memory map, to the end of the page
 */
#include "multiboot.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "arch/x86_64/boot.h"
#include "arch/x86_64/layout.h"

#define MB_MODS		(X86_MB_INFO + 0x80)
#define MB_LOADER_NAME	(X86_MB_INFO + 0xa0)
#define MB_MOD_STRING	(X86_MB_INFO + 0xc0)
#define MB_MMAP		(X86_MB_INFO + 0x100)
#define MB_MMAP_MAX	((X86_MB_INFO_SIZE - 0x100) / sizeof(struct multiboot_mmap_entry))

static const char loader_name[] = "vmm";
static const char mod_string[] = "initrd";

_Static_assert(offsetof(struct multiboot_info, mmap_length) == 44, "mmap_length at 44");
_Static_assert(offsetof(struct multiboot_info, boot_loader_name) == 64, "name at 64");
_Static_assert(sizeof(struct multiboot_info) <= 0x80, "info fits before the module list");
_Static_assert(sizeof(struct multiboot_mmap_entry) == 24, "mmap entry is 24 bytes");

int x86_multiboot_write_cmdline(struct guest_memory *mem, const char *name,
				const char *cmdline, const char **why)
{
	size_t name_len = name ? strlen(name) + 1 : 0, len = strlen(cmdline);
	char *dst;

	if (name_len + len + 1 > X86_CMDLINE_MAX) {
		*why = "command line is longer than the kernel accepts";
		return -E2BIG;
	}
	dst = guest_memory_ptr(mem, X86_CMDLINE, name_len + len + 1);
	if (!dst) {
		*why = "command line does not fit in guest RAM";
		return -E2BIG;
	}
	if (name) {
		memcpy(dst, name, name_len - 1);
		dst[name_len - 1] = ' ';
	}
	memcpy(dst + name_len, cmdline, len + 1);
	return 0;
}

int x86_multiboot_write_info(struct guest_memory *mem, uint64_t cmdline_gpa,
			     uint64_t initrd_gpa, uint64_t initrd_size)
{
	const struct guest_region *low = guest_memory_region(mem, 0);
	struct x86_memmap_entry map[MB_MMAP_MAX];
	struct multiboot_mmap_entry out[MB_MMAP_MAX];
	struct multiboot_module mod = {
		.mod_start = (uint32_t)initrd_gpa,
		.mod_end = (uint32_t)(initrd_gpa + initrd_size),
		.string = MB_MOD_STRING,
	};
	struct multiboot_info info = {
		.flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_LOADER_NAME,
		.mem_lower = X86_EBDA_START / 1024,
		.mem_upper = (uint32_t)((low->gpa + low->size - X86_HIGH_MEMORY) / 1024),
		.cmdline = (uint32_t)cmdline_gpa,
		.mmap_addr = MB_MMAP,
		.boot_loader_name = MB_LOADER_NAME,
	};
	unsigned int i, n = x86_memory_map(mem, map, MB_MMAP_MAX);
	uint8_t *page;

	for (i = 0; i < n; i++)
		out[i] = (struct multiboot_mmap_entry){
			.size = sizeof(out[i]) - sizeof(out[i].size),
			.addr = map[i].addr, .len = map[i].size, .type = map[i].type,
		};
	info.mmap_length = n * sizeof(out[0]);
	if (initrd_size) {
		info.flags |= MB_INFO_MODS;
		info.mods_count = 1;
		info.mods_addr = MB_MODS;
	}
	page = guest_memory_ptr(mem, X86_MB_INFO, X86_MB_INFO_SIZE);
	if (!page)
		return -E2BIG;
	memset(page, 0, X86_MB_INFO_SIZE);
	memcpy(page + (MB_MMAP - X86_MB_INFO), out, n * sizeof(out[0]));
	if (initrd_size)
		memcpy(page + (MB_MODS - X86_MB_INFO), &mod, sizeof(mod));
	memcpy(page + (MB_LOADER_NAME - X86_MB_INFO), loader_name, sizeof(loader_name));
	memcpy(page + (MB_MOD_STRING - X86_MB_INFO), mod_string, sizeof(mod_string));
	memcpy(page, &info, sizeof(info));
	return 0;
}
