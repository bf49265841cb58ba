// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "log.h"

static enum log_level log_max = LOG_LVL_INFO;
static bool log_json;

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

void log_set_json(bool json)
{
	log_json = json;
}

/* {"time":"2026-11-25T12:00:00.123Z","level":"info","msg":"..."}; the text line when
 * json-c has no memory. */
static void log_print_json(enum log_level level, const char *msg)
{
	json_object *o = json_object_new_object();
	struct timespec ts;
	struct tm tm;
	char when[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec / 1000000);
	if (!o) {
		fprintf(stderr, "rampart: %s: %s\n", log_names[level], msg);
		return;
	}
	json_object_object_add(o, "time", json_object_new_string(when));
	json_object_object_add(o, "level", json_object_new_string(log_names[level]));
	json_object_object_add(o, "msg", json_object_new_string(msg));
	fprintf(stderr, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
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
	if (log_json)
		log_print_json(level, buf);
	else
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
