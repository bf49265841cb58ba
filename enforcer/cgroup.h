/* SPDX-License-Identifier: GPL-2.0 */
/* cgroup v2 identities: the 64-bit id the kernel reports for a cgroup directory. */
#ifndef RAMPART_CGROUP_H
#define RAMPART_CGROUP_H

#include <linux/types.h>

/*
 * The id of the cgroup at path (absolute, relative to the cgroup2 mount at mount), as
 * bpf_get_current_cgroup_id() reports it. 0, or -ENOENT when it does not exist,
 * -ENOTDIR, or another -errno.
 */
int cgroup_id_of(const char *mount, const char *path, __u64 *ret_id);

#endif /* RAMPART_CGROUP_H */
