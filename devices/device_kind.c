// SPDX-License-Identifier: GPL-2.0
/*
 * What the device kinds' option parsers share.
 */
#include "device_kind.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/un.h>

int device_option_error(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int device_parse_socket(const char *opt, const char *val, char *out,
			char *err, size_t len)
{
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;

	if (!*val)
		return device_option_error(err, len, "%s: socket path must not be empty", opt);
	if (strlen(val) > max)
		return device_option_error(err, len, "%s: socket path longer than %zu bytes", opt, max);
	strcpy(out, val);
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;

	for (i = 0; i < 6; i++, s += 3) {
		int hi = hex_digit(s[0]), lo = hi < 0 ? -1 : hex_digit(s[1]);

		if (lo < 0 || s[2] != (i < 5 ? ':' : '\0'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return !(mac[0] & 1) && (mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

int device_parse_mac(const char *opt, const char *val, uint8_t mac[6],
		     char *err, size_t len)
{
	if (!parse_mac(val, mac))
		return device_option_error(err, len, "%s: bad mac '%s' (want six hex pairs like 52:54:00:12:34:56, unicast, not zero)",
					   opt, val);
	return 0;
}

int device_next_item(const char **arg, char *item, size_t size)
{
	size_t n = strcspn(*arg, ",");

	if (n >= size)
		return -E2BIG;
	memcpy(item, *arg, n);
	item[n] = '\0';
	*arg += n + ((*arg)[n] == ',');
	return 0;
}

int device_parse_items(const char *opt, const char *arg, const char *keys,
		       device_item_fn item, void *spec, char *err, size_t len)
{
	char buf[PATH_MAX + 16];

	while (*arg) {
		char *val;
		int ret;

		if (device_next_item(&arg, buf, sizeof(buf)))
			return device_option_error(err, len, "%s: '%.40s...' is too long", opt, arg);
		val = strchr(buf, '=');
		if (!val)
			return device_option_error(err, len, "%s: expected key=value, got '%s'", opt, buf);
		*val++ = '\0';
		ret = item(opt, buf, val, spec, err, len);
		if (ret == -ENOENT)
			return device_option_error(err, len, "%s: unknown key '%s' (use %s)", opt, buf, keys);
		if (ret)
			return -EINVAL;
	}
	return 0;
}

void device_mac_or_default(const uint8_t *given, uint8_t mac[6])
{
	if (given) {
		memcpy(mac, given, 6);
		return;
	}
	mac[0] = 0x52;	/* 52:54:00, locally administered, as QEMU uses it */
	mac[1] = 0x54;
	mac[2] = 0x00;
	if (getrandom(mac + 3, 3, 0) != 3)
		memset(mac + 3, 0x12, 3);
}
