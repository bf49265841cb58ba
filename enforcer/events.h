/* SPDX-License-Identifier: GPL-2.0 */
/* `rampart events`: a client of the daemon's event socket that prints matching lines. */
#ifndef RAMPART_EVENTS_H
#define RAMPART_EVENTS_H

#include <stdbool.h>

/* Without --follow, the client exits once no line arrived for this long. */
#define EVENTS_IDLE_MS 1000

struct events_filter {
	const char *policy;	/* NULL: any */
	const char *decision;	/* "deny", "audit" or NULL */
	const char *kind;	/* "file", "exec", "network" or NULL */
};

/*
 * Whether a line of the stream passes the filter. Decision events (kind file, exec,
 * network) must match every filter given. Accounting lines (loss, undecided,
 * client_loss, rate_limited) always pass, so a filtered view never hides a loss, except
 * that a line naming a policy (rate_limited) must match --policy. A line that is not a
 * JSON object passes: the client hides nothing it does not understand.
 */
bool events_match(const struct events_filter *f, const char *line);

/* 0 when the value is one the filter knows; -EINVAL otherwise. */
int events_check_decision(const char *v);
int events_check_kind(const char *v);

/*
 * Connects to path and prints matching lines on stdout. With control, path is the
 * daemon's control socket: the client asks it for the stream, and a refusal (the first
 * line is {"ok":false,"error":...}) is an error. Returns the exit status; connection
 * errors are logged.
 */
int events_stream(const char *path, bool control, const struct events_filter *f, bool follow);
/* The error of a control reply line ({"ok":false,"error":...}), or NULL; *ret_obj keeps
 * the parsed line alive (json_object_put it). */
const char *events_reply_error(const char *line, void **ret_obj);

#endif /* RAMPART_EVENTS_H */
