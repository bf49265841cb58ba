/* SPDX-License-Identifier: GPL-2.0 */
/* Which policy set and ruleset bind the current task: its cgroup or nearest ancestor. */
#ifndef RAMPART_SUBJECT_BPF_H
#define RAMPART_SUBJECT_BPF_H

struct rp_subject {
	__u32 gen;
	__u16 ruleset;
	__u16 pad;
	__u64 cgroup_id;	/* the task's own cgroup */
	struct rp_task *task;	/* the task's storage, when it holds this answer; or NULL */
};

/* One load, never merged with another read nor kept across calls (maps.bpf.h). */
static __always_inline __u32 rp_active_gen(void)
{
	return *(volatile __u32 *)&rp_live_gen;
}

static __always_inline struct rp_value *rp_lookup(__u32 gen, __u16 kind, __u16 ruleset, __u64 hash)
{
	struct rp_key key = { .gen = gen, .kind = kind, .ruleset = ruleset, .hash = hash };

	return bpf_map_lookup_elem(&rp_decisions, &key);
}

/* Could one of the task's ancestors at `levels` be in filter f? A helper call a level. */
static __noinline bool rp_filter_ancestors(const struct rp_filter *f, __u64 levels)
{
	for (int i = 0; i < RP_FILTER_LEVEL_LAST && levels; i++) {
		if (!((levels >> i) & 1))
			continue;
		if (rp_filter_has(f, bpf_get_current_ancestor_cgroup_id(i)))
			return true;
		levels &= ~(1ULL << i);
	}
	return false;
}

/*
 * Could filter set `set` hold a cgroup on the task's path? Its own cgroup is read
 * through BTF; an ancestor's id costs a helper call, made only at levels where the filter
 * has subjects. Deeper than the filter tells levels apart: "maybe". *own_id: the task's
 * cgroup id when the test read it, else 0 (no cgroup has id 0).
 */
static __always_inline bool rp_filter_maybe(struct task_struct *task, __u32 set, __u64 *own_id)
{
	const struct rp_filter *f = &rp_filters[set];
	struct cgroup *cg = task->cgroups->dfl_cgrp;
	__u32 level = cg->level;
	__u64 own, levels;

	*own_id = 0;
	if (level >= RP_FILTER_LEVEL_LAST)
		return true;
	own = 1ULL << level;
	levels = f->levels;
	if (levels & own) {
		*own_id = cg->kn->id;
		if (rp_filter_has(f, *own_id))
			return true;
	}
	levels &= own - 1;	/* the levels above its own */
	return levels && rp_filter_ancestors(f, levels);
}

/*
 * The way out for a task no policy selects, or whose policy has nothing to say to the
 * hooks of filter set `set`, taken before anything else a hook does: nothing is loaded,
 * or the set holds no cgroup on its path while the same generation stayed live (the set
 * covers the live generation at every instant).
 * rp_selected_gen() is the same test for a hook that goes on with the task: 0 when not
 * selected, else the generation read before the filter (checked live again at the end),
 * and then *own_id as rp_filter_maybe() left it.
 */
static __always_inline __u32 rp_selected_gen(struct task_struct *task, __u32 set, __u64 *own_id)
{
	__u32 gen = rp_active_gen();
	bool maybe;

	if (!gen)
		return 0;
	/*
	 * The filter's plain loads stay between the two reads of the generation: the
	 * compiler is held by the barriers, the CPU by x86's ordering of loads. A CPU that
	 * reorders loads (arm64) would need more (an address dependency on the generation,
	 * or BPF's load-acquire of Linux 6.15): the object is built for x86 only.
	 */
	asm volatile("" ::: "memory");
	maybe = rp_filter_maybe(task, set, own_id);
	asm volatile("" ::: "memory");
	return !maybe && rp_active_gen() == gen ? 0 : gen;
}

static __always_inline bool rp_unselected(__u32 set)
{
	__u64 own_id;

	return !rp_selected_gen(bpf_get_current_task_btf(), set, &own_id);
}

/* The task's own cgroup id (bpf_get_current_cgroup_id() for the current task, by BTF). */
static __always_inline __u64 rp_task_cgroup_id(struct task_struct *task)
{
	return task->cgroups->dfl_cgrp->kn->id;
}

/*
 * Finds the deepest cgroup on the task's path that a policy of generation gen selects.
 * New cgroups under a selected one are covered with no user-space step.
 */
static __always_inline bool rp_subject_walk(__u32 gen, struct task_struct *task, __u16 *ruleset)
{
	int level = task->cgroups->dfl_cgrp->level;	/* BTF loads, no helper calls */
	struct rp_value *v;

	for (int i = 0; i < RP_CGROUP_DEPTH_MAX; i++) {
		if (level - i < 0)
			break;
		v = rp_lookup(gen, RP_KEY_SUBJECT, 0, bpf_get_current_ancestor_cgroup_id(level - i));
		if (!v)
			continue;
		*ruleset = v->id[0];
		return true;
	}
	return false;
}

/*
 * The subject of the current task under generation gen: from the task's cached answer
 * when it is for this generation and the task's current cgroup, else by the walk (and
 * cached). Without task storage (busy, or no memory) the walk decides alone.
 */
static __always_inline bool rp_subject_find(__u32 gen, struct rp_subject *subj)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 cgid = rp_task_cgroup_id(task);
	struct rp_value *rs;
	struct rp_task *t;
	__u16 ruleset = 0;
	bool selected;

	subj->task = NULL;
	t = bpf_task_storage_get(&rp_tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (t && t->gen == gen && t->cgroup_id == cgid) {
		selected = t->selected;
		ruleset = t->ruleset;
		subj->task = t;
	} else {
		selected = rp_subject_walk(gen, task, &ruleset);
		/* Cache only an answer for the cgroup it was keyed by: not across a move. */
		if (t && bpf_get_current_cgroup_id() == cgid) {
			/* a ruleset's entry is fixed for its generation: copied beside it */
			rs = selected ? rp_lookup(gen, RP_KEY_RULESET, ruleset, 0) : NULL;
			t->has_rs = rs != NULL;
			if (rs)
				t->rs = *rs;
			t->cgroup_id = cgid;
			t->ruleset = ruleset;
			t->selected = selected;
			t->gen = gen;
			subj->task = t;
		}
	}
	if (!selected)
		return false;
	subj->gen = gen;
	subj->ruleset = ruleset;
	subj->cgroup_id = cgid;
	return true;
}

/* The subject's ruleset entry, when the task's storage holds a copy of it; else NULL. */
static __always_inline struct rp_value *rp_subject_ruleset(const struct rp_subject *subj)
{
	return subj->task && subj->task->has_rs ? &subj->task->rs : NULL;
}

#endif /* RAMPART_SUBJECT_BPF_H */
