// SPDX-License-Identifier: GPL-2.0
/*
 * --cpu-features on arm64: there is nothing to hide yet, so only the
 * empty list is accepted; the command line gets nothing added.
 */
#include <errno.h>
#include <string.h>

#include "arch/arch.h"

const char arch_pvm_hidden_features[] = "";	/* PVM is x86-only */

int arch_cpu_features_parse(const char *spec, struct arch_cpu_features *out,
			    char *bad, size_t bad_len)
{
	size_t n = strcspn(spec, ",");

	out->hidden = 0;
	if (!*spec)
		return 0;
	if (bad_len) {
		if (n >= bad_len)
			n = bad_len - 1;
		memcpy(bad, spec, n);
		bad[n] = '\0';
	}
	return -EINVAL;
}

int arch_cmdline_extras(const struct arch_cpu_features *features, char *buf,
			size_t len)
{
	(void)features;
	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	return 0;
}
