// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "events.h"
#include "log.h"

static const char *const events_decisions[] = { "deny", "audit", NULL };
static const char *const events_kinds[] = { "file", "exec", "network", NULL };

static int events_check(const char *const *known, const char *v)
{
	for (int i = 0; known[i]; i++)
		if (strcmp(known[i], v) == 0)
			return 0;
	return -EINVAL;
}

int events_check_decision(const char *v)
{
	return events_check(events_decisions, v);
}

int events_check_kind(const char *v)
{
	return events_check(events_kinds, v);
}

/* The string value of key, or NULL when absent or not a string. */
static const char *events_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool events_eq(const char *want, const char *have)
{
	return !want || (have && strcmp(want, have) == 0);
}

bool events_match(const struct events_filter *f, const char *line)
{
	json_object *o = json_tokener_parse(line);
	const char *kind;
	bool ok = true;

	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return true;
	}
	kind = events_str(o, "kind");
	if (kind && events_check_kind(kind) == 0)
		ok = events_eq(f->kind, kind) && events_eq(f->decision, events_str(o, "decision")) &&
		     events_eq(f->policy, events_str(o, "policy"));
	else if (kind && strcmp(kind, "rate_limited") == 0)
		ok = events_eq(f->policy, events_str(o, "policy"));
	json_object_put(o);
	return ok;
}


const char *events_reply_error(const char *line, void **ret_obj)
{
	json_object *o = json_tokener_parse(line), *ok;

	*ret_obj = o;
	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "ok", &ok) || json_object_get_boolean(ok))
		return NULL;
	return events_str(o, "error") ? events_str(o, "error") : "the daemon refused";
}

/*
 * Prints each complete line of buf[0..*len) that matches; keeps the partial tail. With
 * *check_refusal, the first line may be the daemon's refusal: -EACCES after logging it.
 */
static int events_print_lines(const struct events_filter *f, char *buf, size_t *len,
			      bool *check_refusal)
{
	char *start = buf, *nl;

	while ((nl = memchr(start, '\n', *len - (size_t)(start - buf)))) {
		*nl = '\0';
		if (*check_refusal) {
			void *obj;
			const char *err = events_reply_error(start, &obj);

			*check_refusal = false;
			if (err) {
				log_error("events: %s", err);
				json_object_put(obj);
				return -EACCES;
			}
			json_object_put(obj);
		}
		if (events_match(f, start))
			printf("%s\n", start);
		start = nl + 1;
	}
	fflush(stdout);		/* live also into a file or a pipe */
	*len -= (size_t)(start - buf);
	memmove(buf, start, *len);
	return 0;
}

int events_stream(const char *path, bool control, const struct events_filter *f, bool follow)
{
	/*
	 * A line is at most an event whose path and executable (8 KiB together) and cgroup
	 * (4 KiB) are ill-formed UTF-8: 8 bytes each ("\ufffd" and two hex digits), with
	 * the container's names (under 1.5 KiB) the same: ~110 KiB.
	 */
	static char buf[256 * 1024];
	size_t len = 0;
	bool check_refusal = control;
	int fd = ctl_connect(path);

	if ((fd == -ENOENT || fd == -ECONNREFUSED) && control)
		return log_error_errno(1, "events: no rampart daemon answers on '%s' (is it "
					  "running? rampart run --control PATH names another)",
				       path);
	if (fd == -ENOENT || fd == -ECONNREFUSED)
		return log_error_errno(1, "events: no event socket at '%s': start the daemon with "
					  "'rampart run --socket %s'", path, path);
	/* a refusal may already wait for us, the request unread: read it anyway */
	if (fd >= 0 && control && send(fd, "events\n", 7, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET) {
		close(fd);
		return log_error_errno(1, "events: writing to '%s' failed: %s", path,
				       strerror(errno));
	}
	if (fd < 0)
		return log_error_errno(1, "events: cannot connect to '%s': %s", path,
				       strerror(-fd));
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, follow ? -1 : EVENTS_IDLE_MS);
		ssize_t got;

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;		/* idle: without --follow, that is the end */
		got = n < 0 ? -1 : read(fd, buf + len, sizeof(buf) - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			close(fd);
			if (got < 0)
				return log_error_errno(1, "events: reading '%s' failed: %s", path,
						       strerror(errno));
			return follow ? log_error_errno(1, "events: the daemon closed the stream "
							   "at '%s'", path) : 0;
		}
		len += (size_t)got;
		if (events_print_lines(f, buf, &len, &check_refusal)) {
			close(fd);
			return 1;
		}
		if (len == sizeof(buf))
			len = 0;	/* a line longer than any event: not ours, skip it */
	}
	close(fd);
	return 0;
}
