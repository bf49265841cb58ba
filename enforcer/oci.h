/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What an OCI runtime hands a createRuntime hook: the container's state on stdin
 * ({"ociVersion", "id", "status": "creating", "pid", "bundle", ...}), its bundle's
 * config.json (whose annotations say which Kubernetes pod and container it is), and the
 * cgroup its first process was placed in, read from /proc/PID/cgroup. The hook runs
 * after the process is created and before it executes anything, so a policy bound to
 * that cgroup now covers the container from its first instruction.
 *
 * Readers only: files are read under a root prefix ("" on a real system) so that tests
 * can fake a bundle and /proc; nothing here talks to the daemon or logs.
 */
#ifndef RAMPART_OCI_H
#define RAMPART_OCI_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "k8s.h"

#define OCI_ID_MAX 128
#define OCI_CONFIG_MAX (4 << 20)	/* a config.json larger than this is refused */

struct oci_container {
	char id[OCI_ID_MAX];
	pid_t pid;
	char bundle[PATH_MAX];
	char cgroup[PATH_MAX];		/* cgroup v2 path of pid, below the cgroup2 mount */
	bool is_k8s;			/* the bundle's annotations name a Kubernetes pod */
	struct k8s_identity k8s;	/* zeroed unless is_k8s */
};

/*
 * Parses the state a runtime writes on a hook's stdin into *ret_c (id, pid, bundle).
 * 0; -EINVAL when it is not a JSON object with a string "id" (1..127 characters of
 * [A-Za-z0-9_.-]), a positive integer "pid" and an absolute string "bundle"; -EPROTO
 * when "status" is present and not "creating" or "created" (a hook run at another stage
 * has no process left to protect).
 */
int oci_state_parse(const char *json, struct oci_container *ret_c);

/* Reads root + c->bundle + "/config.json" and fills c->is_k8s and c->k8s from its
 * annotations. 0, a negative errno of the read, -EINVAL when it is not JSON, -EFBIG past
 * OCI_CONFIG_MAX, or k8s_identity_from_annotations()'s errors other than -ENOENT (no
 * Kubernetes annotation: 0 with is_k8s false). */
int oci_bundle_read(const char *root, struct oci_container *c);

/* The cgroup v2 path of pid from root + /proc/PID/cgroup (its "0::" line) into c->cgroup.
 * 0, -ENOENT when the process or the line is missing, -ENAMETOOLONG. */
int oci_cgroup_read(const char *root, struct oci_container *c);

/* Whether ns matches one of the patterns ('*' matches any run of characters). */
bool oci_namespace_exempt(const char *ns, const char *const *patterns, size_t n);

#endif /* RAMPART_OCI_H */
