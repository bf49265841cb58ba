/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Policy language v1: parsing and validation of one JSON policy document into the
 * in-memory model below. No kernel access, no logging: errors come back in a
 * struct policy_error whose text names the file and the element, for example
 *   web.json: .file[2].access[0]: unknown access 'wrte' (expected read, write, append, ...)
 *
 * A document (see policies/schema.json and docs/policy.md):
 * {
 *   "apiVersion": "rampart.dev/v1",            required, exactly this string
 *   "name": "web",                              required, [a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?
 *   "mode": "enforce" | "audit",                optional, default enforce
 *   "selector": { "cgroups": [...], "containers": [...] },  required, one or both:
 *       cgroups: 1..64 absolute cgroup v2 paths or path patterns;
 *       containers: 1..64 CONTAINER-SELECTORs, for containers bound by `rampart oci-hook`
 *   "defaults": { "file": ..., "exec": ..., "network": "allow"|"deny" }, optional, allow
 *   "file": [ FILE-RULE, ... ],                 optional, but not empty when present
 *   "exec": [ EXEC-RULE, ... ],                 optional, but not empty when present
 *   "network": [ NET-RULE, ... ],               optional, but not empty when present
 *   "syscalls": SYSCALLS                        optional
 * }
 * FILE-RULE: exactly one of "path" (exact), "dir" (direct entries; with "recursive": true
 * every entry below), "glob" (* within one component, ** across components); "access":
 * non-empty list of read, write, append, create, truncate, exec (optional, default all);
 * "action": allow | deny | audit (required).
 * EXEC-RULE: exactly one of "path", "dir" (+ "recursive"), "glob", or "fileless": true
 * (memfd or deleted file); optional "parent": { exactly one of "path", "dir" (+ "recursive"),
 * "glob" } restricting the rule to programs executed by a matching program;
 * "action": allow | deny | audit.
 * NET-RULE: exactly one of "create": { "family", optional "type", "protocol" },
 * "connect" | "bind" | "listen": { optional "address" (CIDR), optional "ports" (numbers
 * and "lo-hi" strings) }, or "connect": { "unix": "/path" | "@abstract" };
 * "action": allow | deny | audit.
 * CONTAINER-SELECTOR: { "namespace", "pod", "container", "image": shell globs (fnmatch:
 * '*', '?', '[...]'), at least one; a container matches when every glob given matches the
 * Kubernetes namespace, pod name, container name and image its OCI annotations name }.
 * SYSCALLS: { "default": "allow" | "deny" (optional, default allow), "deny": [NAME, ...]
 * (with default allow: required; absent otherwise), "allow": [NAME, ...] (with default deny:
 * required; absent otherwise), "errno": "EPERM" | "EACCES" | "ENOSYS" (optional, default
 * EPERM) }; each list holds 1..512 distinct system call names that libseccomp resolves.
 * Rampart's BPF programs do NOT enforce this section: `rampart seccomp-profile` turns it
 * into an OCI / Kubernetes seccomp profile, which the container runtime enforces (in audit
 * mode the profile logs the calls it would refuse).
 * At least one of "file", "exec", "network" or "syscalls" must be present.
 */
#ifndef RAMPART_POLICY_H
#define RAMPART_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "rampart/abi.h"

#define POLICY_NAME_MAX 63
#define POLICY_SELECTORS_MAX 64
#define POLICY_RULES_MAX 100000	/* per category, per policy */
#define POLICY_ERROR_MAX 1024
#define POLICY_SYSCALLS_MAX 512	/* names in syscalls.deny or syscalls.allow */

enum policy_match {
	POLICY_MATCH_PATH = 1,	/* exactly this path */
	POLICY_MATCH_DIR,	/* direct entries of this directory */
	POLICY_MATCH_TREE,	/* "dir" with "recursive": true: every path below it */
	POLICY_MATCH_GLOB,	/* '*' within a component, '**' across components */
	POLICY_MATCH_FILELESS,	/* exec rules only: memfd or deleted file */
};

struct policy_pattern {
	enum policy_match match;
	char *text;		/* absolute, normalized: no '//', no '/./', no '..', no trailing '/' */
};

struct policy_file_rule {
	struct policy_pattern object;
	__u32 access;		/* enum rp_access bits, never 0 */
	enum rp_action action;	/* RP_ACT_ALLOW, RP_ACT_AUDIT or RP_ACT_DENY */
};

struct policy_exec_rule {
	struct policy_pattern object;
	bool has_parent;
	struct policy_pattern parent;	/* when has_parent; never FILELESS */
	enum rp_action action;
};

/* A network rule: exactly one operation. */
struct policy_net_rule {
	enum rp_net_op op;
	enum rp_action action;
	/* RP_NET_CREATE */
	__u16 family;		/* AF_* */
	__u16 type;		/* SOCK_* or RP_NET_ANY */
	__u16 protocol;		/* IPPROTO_* or RP_NET_ANY */
	/* RP_NET_CONNECT on a unix socket: the name the peer bound ('@...' abstract) */
	char *unix_name;	/* NULL for inet rules */
	/* RP_NET_CONNECT, RP_NET_BIND, RP_NET_LISTEN on inet addresses */
	__u8 addr[16];		/* IPv6 form, IPv4 mapped; zero when any */
	__u8 prefix;		/* bits of addr that must match, 0..128 */
	char *addr_text;	/* as written, normalized ("10.0.0.0/8"), or NULL for any */
	__u16 (*ports)[2];	/* inclusive ranges; NULL: any port */
	size_t n_ports;
};

/*
 * The "syscalls" section: enforced by the container runtime from the profile that
 * `rampart seccomp-profile` writes, never by Rampart's BPF programs.
 */
struct policy_syscalls {
	bool present;
	enum rp_action default_action;	/* ALLOW: the names are refused; DENY: only allowed */
	char **names;			/* in document order, distinct, known to libseccomp */
	size_t n;
	int errno_value;		/* EPERM, EACCES or ENOSYS: what a refused call returns */
};

/* A container selector: NULL fields match anything; at least one is set. */
struct policy_container_sel {
	char *ns, *pod, *container, *image;
};

/* What the daemon knows of a container bound by `rampart oci-hook`. */
struct policy_container {
	const char *id, *ns, *pod, *name, *image;	/* "" when unknown, never NULL */
};

struct policy {
	char *name;
	char *source;		/* file name as given to the parser, for messages */
	bool audit_mode;
	char **cgroups;		/* absolute cgroup v2 paths, normalized */
	size_t n_cgroups;
	struct policy_container_sel *containers;
	size_t n_containers;
	enum rp_action default_file;	/* RP_ACT_ALLOW or RP_ACT_DENY */
	enum rp_action default_exec;
	struct policy_file_rule *file;
	size_t n_file;
	struct policy_exec_rule *exec;
	size_t n_exec;
	enum rp_action default_net;
	struct policy_net_rule *net;
	size_t n_net;
	struct policy_syscalls syscalls;
};

struct policy_error {
	char msg[POLICY_ERROR_MAX];	/* "SOURCE: .json.pointer: what is wrong" */
};

/* Parse and validate one document. 0 and *ret_policy on success; -EINVAL (bad document),
 * -ENOENT/-EACCES (file) or -ENOMEM with err->msg filled on failure. */
int policy_parse_file(const char *path, struct policy **ret_policy, struct policy_error *err);
int policy_parse_string(const char *json, const char *source, struct policy **ret_policy,
			struct policy_error *err);
void policy_free(struct policy *p);

/* A set of policies from files and directories (*.json inside a directory, sorted by
 * name). Duplicate policy names across the set are an error naming both files. */
struct policy_set {
	struct policy **policies;
	size_t n;
};

/* Whether one of p's container selectors matches the container. */
bool policy_selects_container(const struct policy *p, const struct policy_container *c);

int policy_set_load(const char *const *paths, size_t n_paths, struct policy_set *ret_set,
		    struct policy_error *err);
void policy_set_free(struct policy_set *set);

const char *policy_action_name(enum rp_action a);
/* Names of network values: what 0 = family, 1 = type, 2 = protocol; NULL if unnamed. */
const char *policy_net_name(int what, __u16 value);
const char *policy_net_op_name(enum rp_net_op op);
/* "read,write" style list of access names; buf of at least 64 bytes. */
const char *policy_access_names(__u32 access, char *buf, size_t size);

#endif /* RAMPART_POLICY_H */
