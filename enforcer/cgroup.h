/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 identities and selector patterns.
 *
 * A selector names a cgroup by its absolute path below the cgroup2 mount ("/" is the
 * root). A component may hold '*', which matches any run of characters within that one
 * component: "/kubepods.slice/pod-*" names every child of kubepods.slice whose name
 * starts with "pod-". A selector binds the cgroups it names and all their descendants.
 */
#ifndef RAMPART_CGROUP_H
#define RAMPART_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/*
 * The id of the cgroup at path (absolute, relative to the cgroup2 mount at mount), as
 * bpf_get_current_cgroup_id() reports it. 0, or -ENOENT when it does not exist,
 * -ENOTDIR, or another -errno.
 */
int cgroup_id_of(const char *mount, const char *path, __u64 *ret_id);

/* Components of an absolute cgroup path: "/" is 0, "/a/b" is 2. */
unsigned int cgroup_path_depth(const char *path);

/*
 * The kernel's cgroup level of the root of the cgroup2 mount at mount (0 for a mount of
 * the whole hierarchy), so that a path's level is its depth plus this. Known only in the
 * initial cgroup namespace, where /proc/self/mountinfo names the mount's root from the
 * hierarchy's root: elsewhere -EXDEV; or another negative errno.
 */
int cgroup_mount_level(const char *mount);

/* Does the selector pattern name path or one of path's ancestors? Both normalized. */
bool cgroup_pattern_covers(const char *pattern, const char *path);

/* Does the selector hold a wildcard? Selectors without one name exactly one cgroup. */
bool cgroup_is_pattern(const char *pattern);

typedef int (*cgroup_expand_fn)(void *ctx, const char *path);

/*
 * Calls fn with the path of each existing cgroup below mount that the pattern names,
 * in sorted order. Cgroups that vanish during the walk are skipped. 0 when done (also
 * when nothing matched), fn's first nonzero return, or a negative errno.
 */
int cgroup_expand(const char *mount, const char *pattern, cgroup_expand_fn fn, void *ctx);

/*
 * Cgroup ids back to paths, for events: a small cache in front of open_by_handle_at() on
 * the cgroup2 mount. Ids are never reused while the system runs, so entries stay true.
 */
#define CGROUP_NAMES_SLOTS 256

struct cgroup_names {
	int mount_fd;		/* -1 until opened */
	int handle_type;
	size_t mount_len;
	struct {
		__u64 id;
		char *path;
	} slot[CGROUP_NAMES_SLOTS];
};

int cgroup_names_open(struct cgroup_names *c, const char *mount);
/* The path below the mount ("/" for the root), or NULL when the cgroup is gone. */
const char *cgroup_names_lookup(struct cgroup_names *c, __u64 id);
void cgroup_names_close(struct cgroup_names *c);

/* The executable of process tgid, from /proc, into buf; NULL when it has gone. */
const char *proc_exe(__u32 tgid, char *buf, size_t size);

#endif /* RAMPART_CGROUP_H */
