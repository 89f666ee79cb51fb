// SPDX-License-Identifier: GPL-2.0
/*
 * Multiboot v1: finding and checking the header, and loading the image by
 * the header's address fields or as ELF (multiboot.h).
 */
#include "multiboot.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#include "arch/x86_64/elf.h"
#include "arch/x86_64/layout.h"

#define HDR_MIN_SIZE	12	/* magic, flags, checksum */
#define HDR_ADDR_SIZE	32	/* ... and the five address fields */
/* How far past 8 KiB a misplaced header is still recognised, to say so. */
#define MISPLACED_LIMIT	(64 * 1024)

static int bad(const char **why, int err, const char *what)
{
	*why = what;
	return err;
}

static uint32_t word(const uint8_t *p, size_t off)
{
	uint32_t v;

	memcpy(&v, p + off, 4);
	return v;
}

static int check_flags(uint32_t flags, const char **why)
{
	uint32_t required = flags & 0xffff;

	if (required & MB_HDR_VIDEO_MODE)
		return bad(why, -ENOEXEC, "multiboot header asks for a video mode (flag 2): this VMM has no display");
	if (required & ~(MB_HDR_PAGE_ALIGN | MB_HDR_MEMORY_INFO))
		return bad(why, -ENOEXEC, "multiboot header requires a feature this loader does not know (a flag in bits 3-15)");
	return 0;
}

static int parse(const uint8_t *p, size_t size, size_t off,
		 struct x86_multiboot *mb, const char **why)
{
	memset(mb, 0, sizeof(*mb));
	mb->offset = off;
	mb->flags = word(p, off + 4);
	if (!(mb->flags & MB_HDR_ADDRESSES))
		return check_flags(mb->flags, why);
	if (size - off < HDR_ADDR_SIZE)
		return bad(why, -ENOEXEC, "multiboot header's address fields run past the end of the file (truncated?)");
	if (off + HDR_ADDR_SIZE > MULTIBOOT_SEARCH_LIMIT)
		return bad(why, -ENOEXEC, "multiboot header's address fields run past the first 8 KiB");
	mb->header_addr = word(p, off + 12);
	mb->load_addr = word(p, off + 16);
	mb->load_end_addr = word(p, off + 20);
	mb->bss_end_addr = word(p, off + 24);
	mb->entry_addr = word(p, off + 28);
	return check_flags(mb->flags, why);
}

int x86_multiboot_find(const void *image, size_t size, struct x86_multiboot *mb,
		       const char **why)
{
	const uint8_t *p = image;
	const char *near = NULL;
	size_t off;

	for (off = 0; off + 4 <= size && off < MISPLACED_LIMIT; off += 4) {
		if (word(p, off) != MULTIBOOT_HEADER_MAGIC)
			continue;
		if (size - off < HDR_MIN_SIZE) {
			if (off + HDR_MIN_SIZE <= MULTIBOOT_SEARCH_LIMIT)
				return bad(why, -ENOEXEC, "multiboot header runs past the end of the file (truncated?)");
			break;
		}
		if (word(p, off) + word(p, off + 4) + word(p, off + 8) != 0) {
			if (!near && off + HDR_MIN_SIZE <= MULTIBOOT_SEARCH_LIMIT)
				near = "multiboot magic found with a bad checksum (magic + flags + checksum must be 0 mod 2^32)";
			continue;
		}
		if (off + HDR_MIN_SIZE > MULTIBOOT_SEARCH_LIMIT) {
			if (!near)
				near = "multiboot header is beyond the first 8 KiB of the file, where the specification says to look";
			break;
		}
		return parse(p, size, off, mb, why);
	}
	*why = near;
	return -ENOENT;
}

/* [gpa, gpa + len) in guest RAM, at or above 1 MiB and below 4 GiB. */
static int check_range(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		       const char **why)
{
	if (gpa < X86_HIGH_MEMORY)
		return bad(why, -E2BIG, "multiboot image overlaps the boot structures below 1 MiB");
	if (gpa + len > X86_4G)
		return bad(why, -E2BIG, "multiboot image runs past 4 GiB");
	if (!guest_memory_ptr(mem, gpa, len))
		return bad(why, -E2BIG, "multiboot image does not fit in guest RAM");
	return 0;
}

/* The "a.out kludge": header flag 16, the file's bytes at load_addr. */
static int load_addresses(struct guest_memory *mem, const uint8_t *p, size_t size,
			  const struct x86_multiboot *mb, uint64_t *entry,
			  uint64_t *end, const char **why)
{
	uint64_t before = (uint64_t)mb->header_addr - mb->load_addr;
	uint64_t file_start, load_len, mem_end;
	uint8_t *dst;
	int err;

	if (mb->header_addr < mb->load_addr)
		return bad(why, -ENOEXEC, "multiboot header_addr is below load_addr");
	if (before > mb->offset)
		return bad(why, -ENOEXEC, "multiboot load_addr lies before the start of the file");
	file_start = mb->offset - before;
	if (mb->load_end_addr) {
		if (mb->load_end_addr <= mb->header_addr)
			return bad(why, -ENOEXEC, "multiboot load_end_addr is not above header_addr");
		load_len = (uint64_t)mb->load_end_addr - mb->load_addr;
		if (load_len > size - file_start)
			return bad(why, -ENOEXEC, "multiboot load_end_addr lies past the end of the file (truncated?)");
	} else {
		load_len = size - file_start;
	}
	mem_end = (uint64_t)mb->load_addr + load_len;
	if (mb->bss_end_addr) {
		if (mb->bss_end_addr < mem_end)
			return bad(why, -ENOEXEC, "multiboot bss_end_addr is below load_end_addr");
		mem_end = mb->bss_end_addr;
	}
	err = check_range(mem, mb->load_addr, mem_end - mb->load_addr, why);
	if (err)
		return err;
	if (mb->entry_addr < mb->load_addr || mb->entry_addr >= mem_end)
		return bad(why, -ENOEXEC, "multiboot entry_addr is outside the loaded image");
	dst = guest_memory_ptr(mem, mb->load_addr, mem_end - mb->load_addr);
	memcpy(dst, p + file_start, load_len);
	memset(dst + load_len, 0, mem_end - mb->load_addr - load_len);
	*entry = mb->entry_addr;
	*end = mem_end;
	return 0;
}

int x86_multiboot_load(struct guest_memory *mem, const void *image, size_t size,
		       const struct x86_multiboot *mb, uint64_t *entry,
		       uint64_t *end, const char **why)
{
	const uint8_t *p = image;
	int err;

	if (mb->flags & MB_HDR_ADDRESSES)
		return load_addresses(mem, p, size, mb, entry, end, why);
	if (size < EI_NIDENT || memcmp(p, ELFMAG, SELFMAG))
		return bad(why, -ENOEXEC, "multiboot image is not ELF and its header has no address fields (flag 16)");
	if (p[EI_CLASS] == ELFCLASS32)
		err = x86_elf32_load(mem, image, size, X86_HIGH_MEMORY, entry, end, why);
	else
		err = x86_elf_load(mem, image, size, X86_HIGH_MEMORY, entry, end, why);
	if (err)
		return err;
	if (*end > X86_4G)
		return bad(why, -E2BIG, "multiboot image runs past 4 GiB");
	return 0;
}
