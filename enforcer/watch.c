// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "watch.h"

#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/* A name whose change can change the policy set: a policy file, or ConfigMap's link. */
static bool watch_relevant(const char *name)
{
	size_t len = strlen(name);

	if (!strcmp(name, "..data"))
		return true;
	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json");
}

static void watch_due_later(struct watch *w, long long now_ns)
{
	w->due_ns = now_ns + WATCH_QUIET_MS * 1000000LL;
}

int watch_open(struct watch *w, const char *const *dirs, size_t n, const char **ret_bad)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (n > WATCH_DIRS_MAX)
		return -E2BIG;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		w->dirs[i].path = dirs[i];
		w->dirs[i].wd = inotify_add_watch(w->fd, dirs[i], WATCH_MASK);
		if (w->dirs[i].wd < 0) {
			int ret = -errno;

			*ret_bad = dirs[i];
			watch_close(w);
			return ret;
		}
		w->n++;
	}
	return 0;
}

int watch_read(struct watch *w, long long now_ns)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	int news = 0;
	ssize_t len;

	while ((len = read(w->fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_Q_OVERFLOW) {
				news |= WATCH_CHANGED;	/* events were dropped: reload to be sure */
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				for (size_t i = 0; i < w->n; i++)
					if (w->dirs[i].wd == ev->wd) {
						w->dirs[i].wd = -1;
						news |= WATCH_LOST | WATCH_CHANGED;
					}
				continue;
			}
			if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
				news |= WATCH_CHANGED;
			else if (ev->len && watch_relevant(ev->name))
				news |= WATCH_CHANGED;
		}
	}
	if (news & WATCH_CHANGED)
		watch_due_later(w, now_ns);
	return news;
}

int watch_retry(struct watch *w, long long now_ns)
{
	int news = 0;

	for (size_t i = 0; i < w->n; i++) {
		if (w->dirs[i].wd >= 0)
			continue;
		w->dirs[i].wd = inotify_add_watch(w->fd, w->dirs[i].path, WATCH_MASK);
		if (w->dirs[i].wd >= 0)
			news |= WATCH_BACK;
	}
	if (news)
		watch_due_later(w, now_ns);
	return news;
}

bool watch_take_due(struct watch *w, long long now_ns)
{
	if (!w->due_ns || now_ns < w->due_ns)
		return false;
	w->due_ns = 0;
	return true;
}

void watch_close(struct watch *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->n = 0;
}
