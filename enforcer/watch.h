/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy directories watched with inotify. A change to a policy file (*.json, not
 * hidden) or to a Kubernetes ConfigMap's "..data" link makes a reload due once the
 * directory has been quiet for WATCH_QUIET_MS, so a writer's several steps (a ConfigMap
 * update creates a directory, a link, then renames the link) cause one reload.
 */
#ifndef RAMPART_WATCH_H
#define RAMPART_WATCH_H

#include <stdbool.h>
#include <stddef.h>

#define WATCH_DIRS_MAX 16
#define WATCH_QUIET_MS 200

struct watch_dir {
	const char *path;
	int wd;			/* -1: not watched (removed, or not there yet) */
};

struct watch {
	int fd;			/* inotify; -1 when closed */
	size_t n;
	struct watch_dir dirs[WATCH_DIRS_MAX];
	long long due_ns;	/* when a reload is due; 0: none */
};

enum watch_news {
	WATCH_CHANGED = 1,	/* a policy file or ..data changed: a reload is now due */
	WATCH_LOST = 2,		/* a directory went away: no longer watched */
	WATCH_BACK = 4,		/* a directory that went away is watched again */
};

/* Watches the n directories; 0 or a negative errno, with the failing one in *ret_bad. */
int watch_open(struct watch *w, const char *const *dirs, size_t n, const char **ret_bad);
/* Reads what inotify queued; enum watch_news bits. */
int watch_read(struct watch *w, long long now_ns);
/* Watches again the directories that went away and are back; WATCH_BACK when one is. */
int watch_retry(struct watch *w, long long now_ns);
/* Whether a reload is due at now_ns; clears it when it is. */
bool watch_take_due(struct watch *w, long long now_ns);
void watch_close(struct watch *w);

#endif /* RAMPART_WATCH_H */
