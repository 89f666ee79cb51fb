// SPDX-License-Identifier: GPL-2.0
/*
 * Option parsing (config_parse) on an argv split from the input at NUL
 * bytes, each argument in a buffer of exactly its size. An error leaves
 * one line in err (more only if an argument it quotes has a newline); a
 * success names a kernel, or asks for help, version or probe, with every
 * count within its limit.
 */
#include <errno.h>
#include <stdbool.h>

#include "vmm/config.h"
#include "tests/fuzz/fuzz.h"

#define MAX_ARGS	64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config cfg;
	char *argv[MAX_ARGS + 2], err[CONFIG_ERR_LEN];
	int argc = 1, i, ret;
	bool newline = memchr(data, '\n', size) != NULL;
	size_t off = 0;

	argv[0] = strdup("vmm");
	while (off < size && argc <= MAX_ARGS) {
		const uint8_t *end = memchr(data + off, 0, size - off);
		size_t n = end ? (size_t)(end - (data + off)) : size - off;

		argv[argc] = malloc(n + 1);
		fuzz_assert(argv[argc]);
		memcpy(argv[argc], data + off, n);
		argv[argc++][n] = '\0';
		off += n + 1;
	}
	argv[argc] = NULL;

	ret = config_parse(argc, argv, &cfg, err, sizeof(err));
	fuzz_assert(ret == 0 || ret == -EINVAL);
	fuzz_assert(memchr(err, '\0', sizeof(err)));
	if (ret) {
		/* one line, unless the user's own argument had a newline */
		fuzz_assert(err[0] && (newline || !strchr(err, '\n')));
	} else {
		fuzz_assert(cfg.action != CONFIG_RUN || cfg.kernel);
		fuzz_assert(cfg.cpus >= 1 && cfg.cpus <= VMM_MAX_CPUS);
		fuzz_assert(cfg.nr_devices <= VMM_MAX_DEVICES);
		fuzz_assert(cfg.memory.size > 0);
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	return 0;
}
