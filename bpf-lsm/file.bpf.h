/* SPDX-License-Identifier: GPL-2.0 */
/* File decisions: which accesses an open asks for, its path, and the verdict. */
#ifndef RAMPART_FILE_BPF_H
#define RAMPART_FILE_BPF_H

/* fmode_t bits and open flags: kernel #defines, stable since 4.19, not in BTF. */
#define RP_FMODE_READ 0x1
#define RP_FMODE_WRITE 0x2
#define RP_FMODE_EXEC 0x20
#define RP_FMODE_CREATED 0x100000
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
	if (mode & RP_FMODE_EXEC)
		acc |= RP_ACC_EXEC;
	return acc;
}

/* Resolves the path as the opening task sees it into ev->path; 0 or a negative errno. */
static __always_inline int rp_file_path(struct file *file, struct rp_event *ev)
{
	long len = bpf_d_path((struct path *)&file->f_path, ev->path, RP_PATH_MAX);

	if (len <= 0) {
		ev->path_len = 0;
		ev->path[0] = '\0';
		return len < 0 ? (int)len : -ENAMETOOLONG;
	}
	ev->path_len = (len - 1) & (RP_PATH_MAX - 1);
	return 0;
}

/* Read the key through volatile: a cast-away copy lets clang fold it to its zero value. */
static __always_inline __u64 rp_path_hash(const struct rp_event *ev)
{
	struct rp_hash_key key = { .k0 = rp_hash_key.k0, .k1 = rp_hash_key.k1 };

	return rp_siphash(ev->path, ev->path_len, &key);
}

/*
 * The verdict of one ruleset for the accesses acc on the path hashed to phash: each
 * access is decided by the rule covering it, else by the ruleset's default, and the
 * strictest decision over the accesses wins (deny > audit > allow). A path that could
 * not be resolved is decided by the default alone: denied where it is deny, else audited.
 */
static __always_inline __u8 rp_file_verdict(const struct rp_subject *subj, __u64 phash, __u32 acc,
					    bool path_ok, __u32 *rule_id)
{
	struct rp_value *def = rp_lookup(subj->gen, RP_KEY_RULESET, subj->ruleset, 0);
	struct rp_value *rule = NULL;
	__u8 verdict = RP_ACT_NONE, a;

	if (!def) {
		*rule_id = RP_RULE_NONE;
		return RP_ACT_DENY;	/* a subject without its ruleset: set is corrupt */
	}
	if (!path_ok) {
		*rule_id = def->id[0];
		a = RP_ACTION_OF(def->actions, 0);
		return a == RP_ACT_DENY ? a : RP_ACT_AUDIT;
	}
	rule = rp_lookup(subj->gen, RP_KEY_FILE_PATH, subj->ruleset, phash);
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		if (!(acc & (1u << bit)))
			continue;
		a = rule ? RP_ACTION_OF(rule->actions, bit) : RP_ACT_NONE;
		if (a == RP_ACT_NONE) {
			a = RP_ACTION_OF(def->actions, bit);
			if (a > verdict)
				*rule_id = def->id[bit];
		} else if (a > verdict) {
			*rule_id = rule->id[bit];
		}
		if (a > verdict)
			verdict = a;
	}
	return verdict;
}

#endif /* RAMPART_FILE_BPF_H */
