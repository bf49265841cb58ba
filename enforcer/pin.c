// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "pin.h"

#define PIN_BPF_FS_MAGIC 0xcafe4a11

/* dir exists (created 0700 when missing) and is on a bpf filesystem. */
static int pin_dir_ready(const char *dir)
{
	struct statfs fs;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (statfs(dir, &fs) < 0)
		return -errno;
	return fs.f_type == PIN_BPF_FS_MAGIC ? 0 : -ENOTSUP;
}

/* Unpins everything in the set directory path, then removes it. */
static int pin_remove_set(const char *path)
{
	struct dirent *de;
	int ret = 0;
	DIR *d = opendir(path);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && !ret)
			ret = -errno;
	}
	closedir(d);
	if (rmdir(path) < 0 && !ret)
		ret = -errno;
	return ret;
}

int pin_publish(const struct bpf_object_skeleton *skel, const char *dir, char *ret_set,
		size_t size)
{
	char set[PATH_MAX], path[PATH_MAX];
	struct timespec ts;
	int ret;

	ret = pin_dir_ready(dir);
	if (ret)
		return ret;
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(ret_set, size, "set-%d-%lld%09ld", (int)getpid(), (long long)ts.tv_sec,
		 ts.tv_nsec);
	if (snprintf(set, sizeof(set), "%s/%s", dir, ret_set) >= (int)sizeof(set))
		return -ENAMETOOLONG;
	if (mkdir(set, 0700) < 0)
		return -errno;
	for (int i = 0; i < skel->prog_cnt; i++) {
		struct bpf_link *link = *skel->progs[i].link;

		if (!link)
			continue;
		snprintf(path, sizeof(path), "%s/%s", set, skel->progs[i].name);
		ret = bpf_link__pin(link, path);
		if (ret) {
			pin_remove_set(set);
			return ret;
		}
	}
	return 0;
}

int pin_remove_sets(const char *dir, const char *keep)
{
	char path[PATH_MAX];
	struct dirent *de;
	int n = 0, ret = 0, err;
	DIR *d = opendir(dir);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "set-", 4) || (keep && !strcmp(de->d_name, keep)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = pin_remove_set(path);
		if (err && !ret)
			ret = err;
		n += !err;
	}
	closedir(d);
	return ret ? ret : n;
}
