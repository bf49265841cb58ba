// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "probe.h"

/* PROC_CGROUP_INIT_INO: the inode of the initial cgroup namespace, fixed since 4.6. */
#define CGROUP_INIT_NS_INO 0xEFFFFFFBu

unsigned int cgroup_path_depth(const char *path)
{
	unsigned int depth = 0;

	for (const char *p = path; *p; p++)
		if (*p != '/' && (p == path || p[-1] == '/'))
			depth++;
	return depth;
}

int cgroup_mount_level(const char *mount)
{
	char line[8192], root[4096];
	struct stat ns;
	int ret;

	if (stat("/proc/self/ns/cgroup", &ns) < 0)
		return -errno;
	if (ns.st_ino != CGROUP_INIT_NS_INO)
		return -EXDEV;
	ret = probe_mount_line(mount, line, sizeof(line));
	if (ret)
		return ret;
	if (sscanf(line, "%*u %*u %*u:%*u %4095s", root) != 1)
		return -EINVAL;
	return root[0] == '/' && !strstr(root, "/..") ? (int)cgroup_path_depth(root) : -EXDEV;
}

int cgroup_id_of(const char *mount, const char *path, __u64 *ret_id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	char full[4096 + 256];
	struct stat st;
	int mnt_id;

	if (snprintf(full, sizeof(full), "%s%s", mount, path) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	if (stat(full, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	/* The cgroup id is the kernfs node id, which cgroupfs hands out as file handle. */
	if (name_to_handle_at(AT_FDCWD, full, &h.fh, &mnt_id, 0) == 0 &&
	    h.fh.handle_bytes == sizeof(__u64)) {
		*ret_id = h.id;
		return 0;
	}
	*ret_id = st.st_ino;
	return 0;
}

bool cgroup_is_pattern(const char *pattern)
{
	return strchr(pattern, '*') != NULL;
}

/* Does the component s[0..slen) match pat[0..plen), where '*' matches any run? */
static bool cgroup_component_match(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t p = 0, i = 0, star_p = SIZE_MAX, star_i = 0;

	while (i < slen) {
		if (p < plen && pat[p] == '*') {
			star_p = p++;
			star_i = i;
		} else if (p < plen && pat[p] == s[i]) {
			p++;
			i++;
		} else if (star_p != SIZE_MAX) {
			p = star_p + 1;
			i = ++star_i;
		} else {
			return false;
		}
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

bool cgroup_pattern_covers(const char *pattern, const char *path)
{
	const char *p = pattern, *s = path;

	/* Walk both a component at a time; the pattern must run out first (or together). */
	for (;;) {
		size_t plen, slen;

		while (*p == '/')
			p++;
		while (*s == '/')
			s++;
		if (!*p)
			return true;
		if (!*s)
			return false;
		plen = strcspn(p, "/");
		slen = strcspn(s, "/");
		if (!cgroup_component_match(p, plen, s, slen))
			return false;
		p += plen;
		s += slen;
	}
}

struct cgroup_walk {
	char path[4096];
	cgroup_expand_fn fn;
	void *ctx;
};

static int cgroup_walk(struct cgroup_walk *w, int dfd, const char *rest, size_t plen)
{
	struct dirent **names = NULL;
	size_t clen;
	int n, ret = 0;

	while (*rest == '/')
		rest++;
	if (!*rest)
		return w->fn(w->ctx, plen ? w->path : "/");
	clen = strcspn(rest, "/");
	n = scandirat(dfd, ".", &names, NULL, alphasort);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		size_t nlen = strlen(name);
		int sub;

		if (ret || names[i]->d_type != DT_DIR || strcmp(name, ".") == 0 ||
		    strcmp(name, "..") == 0 || !cgroup_component_match(rest, clen, name, nlen))
			continue;
		if (plen + 1 + nlen >= sizeof(w->path)) {
			ret = -ENAMETOOLONG;
			continue;
		}
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub < 0) {
			if (errno != ENOENT)
				ret = -errno;
			continue;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, name, nlen + 1);
		ret = cgroup_walk(w, sub, rest + clen, plen + 1 + nlen);
		w->path[plen] = '\0';
		close(sub);
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

int cgroup_expand(const char *mount, const char *pattern, cgroup_expand_fn fn, void *ctx)
{
	struct cgroup_walk w = { .fn = fn, .ctx = ctx };
	int dfd, ret;

	dfd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	ret = cgroup_walk(&w, dfd, pattern, 0);
	close(dfd);
	return ret;
}

int cgroup_names_open(struct cgroup_names *c, const char *mount)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	int mnt_id;

	memset(c, 0, sizeof(*c));
	c->mount_fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mount_fd < 0)
		return -errno;
	if (name_to_handle_at(c->mount_fd, "", &h.fh, &mnt_id, AT_EMPTY_PATH) < 0) {
		int ret = -errno;

		close(c->mount_fd);
		c->mount_fd = -1;
		return ret;
	}
	c->handle_type = h.fh.handle_type;
	c->mount_len = strlen(mount);
	return 0;
}

/* Resolves an id the slow way: open the cgroup by its handle, read the link back. */
static char *cgroup_names_resolve(const struct cgroup_names *c, __u64 id)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64), .fh.handle_type = c->handle_type, .id = id };
	char link[64], target[4096 + 256];
	ssize_t n;
	int fd;

	fd = open_by_handle_at(c->mount_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n < 0 || (size_t)n < c->mount_len)
		return NULL;
	target[n] = '\0';
	return strdup(target[c->mount_len] ? target + c->mount_len : "/");
}

const char *cgroup_names_lookup(struct cgroup_names *c, __u64 id)
{
	size_t i = (id * 0x9e3779b97f4a7c15ULL) >> 56;	/* 256 slots */
	char *path;

	if (c->mount_fd < 0 || !id)
		return NULL;
	if (c->slot[i].path && c->slot[i].id == id)
		return c->slot[i].path;
	path = cgroup_names_resolve(c, id);
	if (!path)
		return NULL;
	free(c->slot[i].path);
	c->slot[i].id = id;
	c->slot[i].path = path;
	return path;
}

void cgroup_names_close(struct cgroup_names *c)
{
	if (c->mount_fd >= 0)
		close(c->mount_fd);
	for (size_t i = 0; i < CGROUP_NAMES_SLOTS; i++)
		free(c->slot[i].path);
	memset(c, 0, sizeof(*c));
	c->mount_fd = -1;
}

const char *proc_exe(__u32 tgid, char *buf, size_t size)
{
	char link[32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%u/exe", tgid);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}
