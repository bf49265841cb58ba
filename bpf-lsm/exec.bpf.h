/* SPDX-License-Identifier: GPL-2.0 */
/* Exec decisions: the program being executed, and optionally the one executing it. */
#ifndef RAMPART_EXEC_BPF_H
#define RAMPART_EXEC_BPF_H

/* A memfd, an O_TMPFILE or a deleted file: nothing on disk names it. */
static __always_inline bool rp_exec_fileless(struct linux_binprm *bprm)
{
	return BPF_CORE_READ(bprm, file, f_inode, i_nlink) == 0;
}

/*
 * The parent classes of the program the current task runs (the one calling execve):
 * 0 with *err set when its path cannot be resolved.
 */
static __always_inline __u32 rp_exec_classes(const struct rp_subject *subj, const struct rp_value *rs,
					     struct rp_scratch *s, int *err)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *exe = task->mm ? task->mm->exe_file : NULL;
	struct rp_match m = { .gen = subj->gen, .ruleset = subj->ruleset };
	__u16 len = 0;

	*err = 0;
	if (!(rs->shape_flags & RP_SHAPE_PARENTS))
		return 0;
	if (!exe) {
		*err = -ENOENT;
		return 0;
	}
	*err = rp_resolve(&exe->f_path, &s->parent, &len);
	if (*err)
		return 0;
	rp_path_scan(&s->parent, len, &s->par);
	m.full_hash = rp_hash(&s->parent, len);
	return rp_parent_classes(&m, rs, &s->parent, &s->par);
}

/*
 * The verdict for executing the program in ev: a fileless rule for a fileless program,
 * then the most specific path rule, else the exec default. An unresolvable program path
 * is decided by the default alone: denied where it is deny, else audited.
 */
static __always_inline __u8 rp_exec_verdict(const struct rp_subject *subj, const struct rp_value *rs,
					    struct rp_scratch *s, int err, __u64 full_hash,
					    __u32 classes, __u32 *rule_id)
{
	struct rp_match m = { .full_hash = full_hash, .gen = subj->gen, .ruleset = subj->ruleset,
			      .kind = RP_KEY_EXEC_PATH, .classes = classes, .want = RP_ACC_EXEC,
			      .cat = RP_CAT_EXEC, .len = s->ev.path_len,
			      .n_globs = rs->glob_shapes[RP_CAT_EXEC] };
	const int bit = 5;	/* RP_ACC_EXEC */
	struct rp_decision d = {};
	__u8 verdict;

	if ((s->ev.flags & RP_EVF_FILELESS) && (rs->shape_flags & RP_SHAPE_FILELESS))
		rp_match_level(&m, RP_KEY_EXEC_FILELESS, 0, &d);
	if (!err && !d.covered)
		rp_match_all(&m, rs, rs->shape_flags & RP_SHAPE_EXEC_PATHS, s,
			     (const struct rp_pathbuf *)s->ev.path, &s->obj, &d);
	if (d.covered) {
		*rule_id = d.id[bit];
		return RP_ACTION_OF(d.actions, bit);
	}
	*rule_id = rs->exec_id;
	verdict = rs->exec_action;
	if (err && verdict != RP_ACT_DENY)
		verdict = RP_ACT_AUDIT;
	return verdict;
}

#endif /* RAMPART_EXEC_BPF_H */
