/* SPDX-License-Identifier: GPL-2.0 */
/*
 * OCI / Kubernetes "Localhost" seccomp profiles from a policy's "syscalls" section
 * (`rampart seccomp-profile`). The container runtime enforces the profile; Rampart's BPF
 * programs never see the section. No logging: callers print what goes wrong.
 */
#ifndef RAMPART_SECCOMP_PROFILE_H
#define RAMPART_SECCOMP_PROFILE_H

#include <stddef.h>

#include <json-c/json.h>

#include "policy.h"

#define SECCOMP_PROFILE_MISSING_MAX 64	/* bytes for seccomp_profile_missing()'s list */

/*
 * The profile of p's syscalls section:
 *   {"defaultAction", "defaultErrnoRet" (errno actions only), "architectures",
 *    "syscalls": [{"names" (sorted), "action", "errnoRet" (errno actions only)}]}
 * A refused call gets SCMP_ACT_ERRNO with the section's errno; in audit mode
 * SCMP_ACT_LOG instead, which lets the call go on and logs it. 0 and *ret_profile (the
 * caller's reference), -ENODATA when p has no syscalls section, or -ENOMEM.
 */
int seccomp_profile_json(const struct policy *p, json_object **ret_profile);

/* Writes the profile as indented JSON and a newline to path, through path.tmp and a
 * rename, mode 0644; to stdout when path is NULL. 0 or a negative errno: -EEXIST when
 * path exists and is not a regular file (a link, a device, a directory), left as it is. */
int seccomp_profile_write(json_object *profile, const char *path);

/* How many of the calls nearly every container needs to start (execve, exit_group, brk,
 * mmap, rt_sigreturn) the profile would refuse, listed in buf as "execve, brk": only a
 * deny-default section in enforce mode can refuse them. */
size_t seccomp_profile_missing(const struct policy *p, char *buf, size_t size);

#endif /* RAMPART_SECCOMP_PROFILE_H */
