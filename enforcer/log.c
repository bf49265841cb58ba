// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"

static enum log_level log_max = LOG_LVL_INFO;

static const char *const log_names[] = {
	[LOG_LVL_ERROR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
	log_max = level;
}

static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char small[2048], *buf = small;
	va_list again;
	size_t n;
	int len;

	if (level > log_max)
		return;
	/* Whole messages, however long: a verifier log ends with the reason it refused. */
	va_copy(again, ap);
	len = vsnprintf(small, sizeof(small), fmt, ap);
	if (len >= (int)sizeof(small) && (buf = malloc(len + 1)))
		vsnprintf(buf, len + 1, fmt, again);
	else
		buf = small;
	va_end(again);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	fprintf(stderr, "rampart: %s: %s\n", log_names[level], buf);
	if (buf != small)
		free(buf);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int log_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* libbpf's warnings are details of an error the caller reports: debug level. */
	(void)level;
	log_vmsg(LOG_LVL_DEBUG, fmt, ap);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(log_libbpf);
}
