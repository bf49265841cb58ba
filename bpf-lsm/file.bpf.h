/* SPDX-License-Identifier: GPL-2.0 */
/* File decisions: which accesses an open asks for, its path, and the verdict. */
#ifndef RAMPART_FILE_BPF_H
#define RAMPART_FILE_BPF_H

/* fmode_t bits and open flags: kernel #defines, stable since 4.19, not in BTF. */
#define RP_FMODE_READ 0x1
#define RP_FMODE_WRITE 0x2
#define RP_FMODE_EXEC 0x20
#define RP_FMODE_CREATED 0x100000
#define RP_FMODE_EXEC_FLAG 0x20	/* __FMODE_EXEC in f_flags: 6.1 sets it there, not f_mode */
#define RP_O_TRUNC 01000
#define RP_O_APPEND 02000

static __always_inline __u32 rp_file_access(struct file *file)
{
	__u32 mode = file->f_mode, flags = file->f_flags, acc = 0;

	if (mode & RP_FMODE_READ)
		acc |= RP_ACC_READ;
	if (mode & RP_FMODE_WRITE)
		acc |= flags & RP_O_APPEND ? RP_ACC_APPEND : RP_ACC_WRITE;
	if (mode & RP_FMODE_CREATED)
		acc |= RP_ACC_CREATE;
	if (flags & RP_O_TRUNC)
		acc |= RP_ACC_TRUNCATE;
	if ((mode & RP_FMODE_EXEC) || (flags & RP_FMODE_EXEC_FLAG))
		acc |= RP_ACC_EXEC;
	return acc;
}

/*
 * Resolves a path as the current task sees it (its root and mounts) into buf, sets *len
 * to its length without the NUL and returns 0, or a negative errno (-ENAMETOOLONG
 * beyond RP_PATH_MAX - 1 bytes).
 */
static __always_inline int rp_resolve(const struct path *path, struct rp_pathbuf *buf, __u16 *len)
{
	long n = bpf_d_path((struct path *)path, buf->s, RP_PATH_MAX);

	if (n <= 0) {
		*len = 0;
		buf->s[0] = '\0';
		return n < 0 ? (int)n : -ENAMETOOLONG;
	}
	*len = (n - 1) & (RP_PATH_MAX - 1);
	return 0;
}

/*
 * The verdict for the accesses of ev on its path: per access the most specific rule,
 * else the default; the strictest over the accesses. A path that could not be resolved
 * is decided by the default alone: denied where it is deny, else audited.
 */
static __always_inline __u8 rp_file_verdict(const struct rp_subject *subj, const struct rp_value *rs,
					    struct rp_scratch *s, int err, __u64 full_hash,
					    __u32 *rule_id)
{
	struct rp_match m = { .full_hash = full_hash, .gen = subj->gen, .ruleset = subj->ruleset,
			      .kind = RP_KEY_FILE_PATH, .want = s->ev.access, .cat = RP_CAT_FILE,
			      .len = s->ev.path_len, .n_globs = rs->glob_shapes[RP_CAT_FILE] };
	struct rp_decision d = {};
	__u8 verdict;

	if (!err)
		rp_match_all(&m, rs, rs->shape_flags & RP_SHAPE_FILE_PATHS, s,
			     (const struct rp_pathbuf *)s->ev.path, &s->obj, &d);
	verdict = rp_conclude(&d, rs->actions, rs->id, m.want, rule_id);
	if (err && verdict != RP_ACT_DENY)
		verdict = RP_ACT_AUDIT;
	return verdict;
}

#endif /* RAMPART_FILE_BPF_H */
