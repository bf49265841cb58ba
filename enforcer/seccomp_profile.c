// SPDX-License-Identifier: GPL-2.0
/*
 * A policy's "syscalls" section as the seccomp profile format that runc, crun, containerd,
 * CRI-O and the kubelet's "Localhost" profiles read (the format of Docker's default
 * profile). Names are sorted so the same section always gives the same file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seccomp_profile.h"

/* x86_64, and the 32-bit and x32 ABIs a process on it can also call the kernel with. */
static const char *const profile_archs[] = {
	"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32",
};

static const char *const start_calls[] = {
	"execve", "exit_group", "brk", "mmap", "rt_sigreturn",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Takes v: adds it under key, or drops it. */
static int obj_add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Takes v: appends it, or drops it. */
static int arr_add(json_object *a, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_array_add(a, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/* Audit mode denies nothing: a call the section refuses is logged and goes on. */
static const char *refuse_action(const struct policy *p)
{
	return p->audit_mode ? "SCMP_ACT_LOG" : "SCMP_ACT_ERRNO";
}

/* action under action_key, and the errno under errno_key when action returns one. */
static int add_action(json_object *o, const char *action_key, const char *errno_key,
		      const char *action, int errno_value)
{
	int r = obj_add(o, action_key, json_object_new_string(action));

	if (r < 0 || strcmp(action, "SCMP_ACT_ERRNO") != 0)
		return r;
	return obj_add(o, errno_key, json_object_new_int(errno_value));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int add_names(json_object *rule, const struct policy_syscalls *sc)
{
	json_object *names = json_object_new_array();
	int r = obj_add(rule, "names", names);
	const char **sorted;

	if (r < 0)
		return r;
	sorted = calloc(sc->n, sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, sc->names, sc->n * sizeof(*sorted));
	qsort(sorted, sc->n, sizeof(*sorted), cmp_names);
	for (size_t i = 0; r == 0 && i < sc->n; i++)
		r = arr_add(names, json_object_new_string(sorted[i]));
	free(sorted);
	return r;
}

static int add_architectures(json_object *profile)
{
	json_object *archs = json_object_new_array();
	int r = obj_add(profile, "architectures", archs);

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(profile_archs); i++)
		r = arr_add(archs, json_object_new_string(profile_archs[i]));
	return r;
}

/* The one rule: default allow refuses the listed calls, default deny allows only them. */
static int add_rule(const struct policy *p, json_object *profile)
{
	const struct policy_syscalls *sc = &p->syscalls;
	json_object *rules = json_object_new_array(), *rule = json_object_new_object();
	int r = obj_add(profile, "syscalls", rules);

	if (r < 0) {
		json_object_put(rule);
		return r;
	}
	r = arr_add(rules, rule);
	if (r == 0)
		r = add_names(rule, sc);
	if (r == 0)
		r = add_action(rule, "action", "errnoRet", sc->default_action == RP_ACT_DENY ?
			       "SCMP_ACT_ALLOW" : refuse_action(p), sc->errno_value);
	return r;
}

static int build_profile(const struct policy *p, json_object *profile)
{
	const struct policy_syscalls *sc = &p->syscalls;
	int r;

	r = add_action(profile, "defaultAction", "defaultErrnoRet",
		       sc->default_action == RP_ACT_DENY ? refuse_action(p) : "SCMP_ACT_ALLOW",
		       sc->errno_value);
	if (r == 0)
		r = add_architectures(profile);
	return r < 0 ? r : add_rule(p, profile);
}

int seccomp_profile_json(const struct policy *p, json_object **ret_profile)
{
	json_object *profile;
	int r;

	if (!p->syscalls.present)
		return -ENODATA;
	profile = json_object_new_object();
	if (!profile)
		return -ENOMEM;
	r = build_profile(p, profile);
	if (r < 0) {
		json_object_put(profile);
		return r;
	}
	*ret_profile = profile;
	return 0;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= n;
	}
	return 0;
}

/* A link planted at path.tmp is refused (O_NOFOLLOW), never written through. */
static int write_tmp(const char *tmp, const char *text)
{
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int r;

	if (fd < 0)
		return -errno;
	r = fchmod(fd, 0644) < 0 ? -errno : 0;	/* whatever the umask */
	if (r == 0)
		r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int write_stdout(const char *text)
{
	errno = 0;
	if (printf("%s\n", text) < 0 || fflush(stdout) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

/* Only a regular file is replaced: renaming over a device, a link such as /dev/stdout or
 * a directory would swap it for the profile. */
static int check_target(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	return S_ISREG(st.st_mode) ? 0 : -EEXIST;
}

int seccomp_profile_write(json_object *profile, const char *path)
{
	const char *text = json_object_to_json_string_ext(profile, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	char *tmp = NULL;
	int r;

	if (!text)
		return -ENOMEM;
	if (!path)
		return write_stdout(text);
	r = check_target(path);
	if (r < 0)
		return r;
	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return -ENOMEM;
	r = write_tmp(tmp, text);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

static bool listed(const struct policy_syscalls *sc, const char *name)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->names[i], name) == 0)
			return true;
	return false;
}

size_t seccomp_profile_missing(const struct policy *p, char *buf, size_t size)
{
	const struct policy_syscalls *sc = &p->syscalls;
	size_t n = 0, o = 0;
	int w;

	if (size)
		buf[0] = '\0';
	if (!sc->present || sc->default_action != RP_ACT_DENY || p->audit_mode)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(start_calls); i++) {
		if (listed(sc, start_calls[i]))
			continue;
		n++;
		w = o < size ? snprintf(buf + o, size - o, "%s%s", o ? ", " : "", start_calls[i])
			     : -1;
		if (w > 0 && (size_t)w < size - o)
			o += w;
		else if (o < size)
			buf[o] = '\0';	/* whole names only */
	}
	return n;
}
