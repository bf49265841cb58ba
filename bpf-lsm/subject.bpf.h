/* SPDX-License-Identifier: GPL-2.0 */
/* Which policy set and ruleset bind the current task: its cgroup or nearest ancestor. */
#ifndef RAMPART_SUBJECT_BPF_H
#define RAMPART_SUBJECT_BPF_H

struct rp_subject {
	__u32 gen;
	__u16 ruleset;
	__u16 pad;
	__u64 cgroup_id;	/* the task's own cgroup */
};

static __always_inline __u32 rp_active_gen(void)
{
	__u32 zero = 0;
	struct rp_state *st = bpf_map_lookup_elem(&rp_state, &zero);

	return st ? st->active_gen : 0;
}

static __always_inline struct rp_value *rp_lookup(__u32 gen, __u16 kind, __u16 ruleset, __u64 hash)
{
	struct rp_key key = { .gen = gen, .kind = kind, .ruleset = ruleset, .hash = hash };

	return bpf_map_lookup_elem(&rp_decisions, &key);
}

/*
 * Finds the deepest cgroup on the task's path that a policy of generation gen selects.
 * New cgroups under a selected one are covered with no user-space step.
 */
static __always_inline bool rp_subject_find(__u32 gen, struct rp_subject *subj)
{
	struct task_struct *task = bpf_get_current_task_btf();
	int level = task->cgroups->dfl_cgrp->level;	/* BTF loads, no helper calls */
	struct rp_value *v;

	for (int i = 0; i < RP_CGROUP_DEPTH_MAX; i++) {
		if (level - i < 0)
			break;
		v = rp_lookup(gen, RP_KEY_SUBJECT, 0, bpf_get_current_ancestor_cgroup_id(level - i));
		if (!v)
			continue;
		subj->gen = gen;
		subj->ruleset = v->id[0];
		subj->cgroup_id = bpf_get_current_cgroup_id();
		return true;
	}
	return false;
}

#endif /* RAMPART_SUBJECT_BPF_H */
