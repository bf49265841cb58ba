/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compiles a validated policy set into the entries of one generation of the decision map
 * (include/rampart/abi.h) and the rule table that names, for each rule id an event
 * carries, the policy and rule that decided. Pure: cgroups are resolved through
 * callbacks and paths hashed with the key the BPF programs were loaded with.
 *
 * Combination: a cgroup selected by several policies (by path or pattern), or under
 * cgroups selected by several, is bound to one ruleset holding all their rules. Per
 * access the strictest action wins among rules for the same path (deny > audit > allow), and the strictest
 * default; a policy in audit mode contributes audit where it says deny.
 */
#ifndef RAMPART_COMPILE_H
#define RAMPART_COMPILE_H

#define COMPILE_LABEL_MAX 48	/* a rule's label: "network[65535]" with room to spare */

#include <stddef.h>

#include "policy.h"
#include "rampart/siphash.h"

struct compile_entry {
	struct rp_key key;	/* key.gen is set when the set is applied */
	struct rp_value value;
};

struct compile_rule {
	char *policy;		/* policy name */
	char label[COMPILE_LABEL_MAX];	/* "file[3]", "exec[0]", "defaults.file", "defaults.exec" */
	bool audit_mode;
	__u8 action;		/* enum rp_action it decides with, audit mode applied */
};

/* A node of the inet address trie (key.gen is set when the set is applied). */
struct compile_net_entry {
	struct rp_net_key key;
	struct rp_net_value value;
	char text[64];		/* the prefix, "10.0.0.0/8" */
};

struct compiled_set {
	struct compile_entry *entries;
	char **texts;		/* per entry: the path, directory or cgroup it matches, or NULL */
	size_t n_entries;
	struct compile_rule *rules;	/* indexed by rule id */
	size_t n_rules;
	size_t n_rulesets;
	size_t n_subjects;
	struct compile_net_entry *net;	/* rp_net trie nodes */
	size_t n_net;
};

/*
 * How the compiler sees the cgroup tree; tests and `rampart check` fake it. Selectors
 * without '*' are resolved (a missing cgroup is an error); patterns are expanded to the
 * cgroups that exist now (none is not an error) and each is resolved in turn.
 */
/* A container that `rampart oci-hook` bound: its cgroup and what its annotations say. */
struct compile_binding {
	const char *cgroup;		/* absolute cgroup v2 path of the container */
	struct policy_container who;
};

struct compile_cgroups {
	/* An absolute cgroup v2 path to its id: 0 or a negative errno. */
	int (*resolve)(void *ctx, const char *path, __u64 *ret_id);
	/* Calls fn for each existing cgroup the pattern names, as cgroup_expand() does. */
	int (*expand)(void *ctx, const char *pattern, int (*fn)(void *fctx, const char *path),
		      void *fctx);
	void *ctx;
	/* Bound containers: each cgroup that a policy's container selector matches becomes
	 * a subject (a cgroup gone since is skipped), and so do its descendants' subjects. */
	const struct compile_binding *bindings;
	size_t n_bindings;
};

int compile_set(const struct policy_set *set, const struct rp_hash_key *hkey,
		const struct compile_cgroups *cgroups, struct compiled_set *ret_set,
		struct policy_error *err);
/*
 * Filter set `set` (enum rp_filter_set, include/rampart/abi.h) of c's subjects: those
 * whose ruleset has something to say to the set's hooks. A subject's cgroup level is the
 * depth of its path plus level_offset, the level of the root the daemon sees cgroups
 * from; a negative level_offset (unknown) marks every level from the path's depth down,
 * which is safe and only slower.
 */
void compile_filter(const struct compiled_set *c, int level_offset, unsigned int set,
		    struct rp_filter *f);
void compiled_set_free(struct compiled_set *c);
/* The rule an event names, or NULL for an id outside the table. */
const struct compile_rule *compiled_rule(const struct compiled_set *c, __u32 rule_id);

#endif /* RAMPART_COMPILE_H */
