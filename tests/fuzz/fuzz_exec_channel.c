// SPDX-License-Identifier: GPL-2.0
/*
 * vmm-exec's channel (exec_channel_feed, vmm/exec/channel.c): the frames
 * a guest writes to its virtio console, which a hostile guest makes up.
 *
 * Input: flags (u8: bits 0-4 a count N, mod 17; bit 7 fill), N chunk
 * sizes (u16 each, plus 1), a fill count (u32, mod 2 * sizeof(buf); used
 * with the fill flag) and a fill byte (u8), then the stream. The stream
 * followed by the fill (which lets a short input make frames up to
 * EXEC_FRAME_MAX and beyond) is fed in chunks of those sizes, in turn
 * (N = 0: all at once; after MAX_FEEDS, the rest at once), each chunk
 * copied to the end of a heap buffer, where reading past it is an ASan
 * report; and again, all at once, into a second channel. After every feed the bytes
 * kept stay within buf, a kept header is a valid one still short of its
 * payload, and the status is -1 or 0-255; however it was split, the
 * stream leaves both channels in the same state.
 *
 * The command's stdout and stderr (fds 1 and 2) go to /dev/null while a
 * stream is fed; only then, as libFuzzer writes its own output to fd 2.
 * Sanitizer reports go to the real stderr, kept at the first run.
 */
#include <endian.h>
#include <sanitizer/common_interface_defs.h>

#include "guests/exec/protocol.h"
#include "vmm/exec/exec.h"
#include "tests/fuzz/fuzz.h"

#define MAX_CHUNKS	16
#define MAX_FEEDS	1024	/* then the rest at once: each run stays short */
#define FLAG_FILL	0x80

static int null_fd = -1, saved[2];
static uint8_t *chunk_buf;	/* the largest chunk */

static void setup(void)
{
	int report = dup(STDERR_FILENO);

	fuzz_assert(report > STDERR_FILENO);
	__sanitizer_set_report_fd((void *)(intptr_t)report);
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fuzz_assert(null_fd >= 0);
	chunk_buf = malloc(UINT16_MAX + 1);
	fuzz_assert(chunk_buf);
}

static void quiet(bool on)
{
	int fd;

	fflush(stdout);
	fflush(stderr);
	for (fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
		if (on) {
			saved[fd - 1] = dup(fd);
			fuzz_assert(saved[fd - 1] >= 0 && dup2(null_fd, fd) == fd);
		} else {
			fuzz_assert(dup2(saved[fd - 1], fd) == fd);
			close(saved[fd - 1]);
		}
	}
}

/* What must hold after any feed: NULL, or what does not. */
static const char *inconsistent(const struct exec_channel *c)
{
	struct exec_frame f;
	uint32_t len;

	if (c->have >= sizeof(c->buf))
		return "have outside buf";
	if (c->status < -1 || c->status > 255)
		return "status out of range";
	if (c->out_closed)
		return "out_closed writing to /dev/null";
	if (c->broken || c->have < sizeof(f))
		return NULL;
	memcpy(&f, c->buf, sizeof(f));
	len = le32toh(f.len);
	if (len > EXEC_FRAME_MAX)
		return "an oversized frame kept";
	if (c->have >= sizeof(f) + len)
		return "a whole frame kept, not delivered";
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct exec_channel split, whole;
	struct fuzz_in in = { data, size };
	size_t chunks[MAX_CHUNKS], len, fill, done, n;
	unsigned int nr, i;
	const char *why = NULL;
	uint8_t *stream, *part, flags, fill_byte;
	int ret;

	if (null_fd < 0)
		setup();
	flags = fuzz_u8(&in);
	nr = (flags & 0x1f) % (MAX_CHUNKS + 1);
	for (i = 0; i < nr; i++)
		chunks[i] = (size_t)fuzz_u16(&in) + 1;
	fill = fuzz_u32(&in) % (2 * sizeof(split.buf));
	fill_byte = fuzz_u8(&in);
	if (!(flags & FLAG_FILL))
		fill = 0;

	len = in.n + fill;
	stream = malloc(len ? len : 1);
	fuzz_assert(stream);
	memcpy(stream, in.p, in.n);
	memset(stream + in.n, fill_byte, fill);

	exec_channel_init(&split);
	exec_channel_init(&whole);
	quiet(true);
	for (done = 0, i = 0; done < len && !why; done += n, i++) {
		n = nr && i < MAX_FEEDS ? chunks[i % nr] : len - done;
		if (n > len - done)
			n = len - done;
		if (n <= UINT16_MAX + 1) {
			part = chunk_buf + UINT16_MAX + 1 - n;
			memcpy(part, stream + done, n);
		} else {
			part = stream + done;	/* the rest: the stream's own end */
		}
		ret = exec_channel_feed(&split, part, n);
		if (ret)
			why = "feed failed writing to /dev/null";
		else
			why = inconsistent(&split);
	}
	if (!why && exec_channel_feed(&whole, stream, len))
		why = "feed failed writing to /dev/null";
	quiet(false);
	free(stream);

	if (!why)
		why = inconsistent(&whole);
	if (why) {
		fprintf(stderr, "exec_channel: %s\n", why);
		fuzz_assert(!why);
	}
	fuzz_assert(split.have == whole.have && split.status == whole.status);
	fuzz_assert(split.broken == whole.broken && split.failed == whole.failed);
	fuzz_assert(!memcmp(split.buf, whole.buf, split.have));
	return 0;
}
