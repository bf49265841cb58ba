/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's logger: readable lines on stderr, or one JSON object a line (--log-format
 * json: {"time":...,"level":...,"msg":...}). Only the top level logs. */
#ifndef RAMPART_LOG_H
#define RAMPART_LOG_H

#include <errno.h>
#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_set_level(enum log_level level);
/* JSON lines instead of "rampart: LEVEL: message". */
void log_set_json(bool json);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Routes libbpf's messages into the logger; its debug output only with --verbose. */
void log_route_libbpf(void);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* One statement logs and returns: return log_error_errno(-ENOENT, "no '%s'", p); */
#define log_error_errno(err, ...) (log_error(__VA_ARGS__), (err))

#endif /* RAMPART_LOG_H */
