/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): taking
 * typed values off the front of an input, and the checks every target
 * makes beyond what ASan and UBSan see (fds left open).
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* Copies up to len bytes into buf, zero-filling what the input lacks. */
static inline void fuzz_take(struct fuzz_in *in, void *buf, size_t len)
{
	size_t k = in->n < len ? in->n : len;

	memcpy(buf, in->p, k);
	memset((uint8_t *)buf + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

/* fuzz_u8() ... fuzz_u64(): the next bytes of the input as that integer. */
#define FUZZ_TAKE_INT(name, type)					\
static inline type name(struct fuzz_in *in)				\
{									\
	type v;								\
									\
	fuzz_take(in, &v, sizeof(v));					\
	return v;							\
}
FUZZ_TAKE_INT(fuzz_u8, uint8_t)
FUZZ_TAKE_INT(fuzz_u16, uint16_t)
FUZZ_TAKE_INT(fuzz_u32, uint32_t)
FUZZ_TAKE_INT(fuzz_u64, uint64_t)

/* What the sanitizers do not see: a failed check of the target's own. */
#define fuzz_assert(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n",	\
			__FILE__, __LINE__, #cond);			\
		abort();						\
	}								\
} while (0)

/* The lowest free fd: the same before and after a run, or an fd leaked. */
static inline int fuzz_lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	fuzz_assert(fd >= 0);
	close(fd);
	return fd;
}

#endif
