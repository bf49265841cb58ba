/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel offers Rampart, read from securityfs, sysfs and mountinfo. Every check
 * that fails carries one sentence naming the cause and what to do about it. The root
 * argument prefixes every path read ("" on a real system), so tests can feed fake trees.
 */
#ifndef RAMPART_PROBE_H
#define RAMPART_PROBE_H

#include <stdbool.h>
#include <stddef.h>

enum probe_check {
	PROBE_SECURITYFS,
	PROBE_LSM_BPF,
	PROBE_LOCKDOWN,
	PROBE_BTF,
	PROBE_BPFFS,
	PROBE_CGROUP2,
	PROBE_LSM_LOAD,		/* filled by probe_lsm_load() only */
	PROBE__COUNT,
};

struct probe_item {
	const char *name;	/* "securityfs", "bpf-lsm", ... */
	bool ok;
	char detail[256];	/* what was found */
	char hint[512];		/* when !ok: the cause and what to do, one sentence */
};

struct probe_report {
	struct probe_item items[PROBE__COUNT];
	char kernel_release[128];
	char cgroup2_mount[256];
};

/* Fills *report; 0 when BPF LSM enforcement can work, -EOPNOTSUPP when it cannot. */
int probe_kernel(const char *root, struct probe_report *report);
/*
 * Loads (and unloads) a minimal BPF LSM program to learn whether this kernel lets us, and
 * records the result as the PROBE_LSM_LOAD item: 0 or the negative errno of the load.
 */
int probe_lsm_load(struct probe_report *report);
/* The first failed check, in the order of enum probe_check, or NULL. */
const struct probe_item *probe_first_failure(const struct probe_report *report);
/* Mount point of the first mount of fstype in ROOT/proc/self/mountinfo; 0 or -ENOENT. */
int probe_find_mount(const char *root, const char *fstype, char *buf, size_t size);
/* The line of /proc/self/mountinfo for the mount holding path (by statx's mount id), into
 * line; 0, -ENOENT, -EOPNOTSUPP (no mount ids) or another negative errno. */
int probe_mount_line(const char *path, char *line, size_t size);

#endif /* RAMPART_PROBE_H */
