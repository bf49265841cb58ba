// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"

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
