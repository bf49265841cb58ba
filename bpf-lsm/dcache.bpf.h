/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The directory cache of file_open: a file whose verdict is not cached yet (its first
 * open, or a file with two names) is decided without bpf_d_path() when its directory has
 * been resolved before. The directory's inode keeps what hashing a path below it needs:
 * the SipHash state after the whole words of "<directory path>/", the bytes left over,
 * and what the ruleset's dir and tree rules decide for the directory's direct entries.
 * The file's path hash is then finished from that state with the file's name alone, and
 * the open is decided by its exact rule, the directory's decision and the default, as
 * rp_match_all() would decide it from the resolved path.
 *
 * The path d_path() would return is "<directory path>/<name>" while:
 *  - the file's dentry is hashed (not deleted: d_path() would append " (deleted)"), is
 *    not the root of its mount (a bind-mounted file is named by its mount point), and its
 *    parent is the directory the entry was stored for;
 *  - everything the directory's path depends on is unchanged, as for the verdict cache
 *    (bpf-lsm/vcache.bpf.h): rename_lock's and mount_lock's sequences, the directory's
 *    dentry, the file's vfsmount and the task's root vfsmount, a root that is the root of
 *    its mount, and a directory on a local file system;
 *  - no rename ran while the name was read: rename_lock is read again after it.
 * The entry also holds the generation and ruleset whose dir and tree decision it keeps.
 * Only an allow without event is decided here: a denial or an audit is decided again in
 * full, so that its event carries the path bpf_d_path() gives. Rulesets with file globs
 * (which look at every component) always decide in full. A kernel without the two
 * symbols, or a directory that does not qualify, is decided in full.
 */
#ifndef RAMPART_DCACHE_BPF_H
#define RAMPART_DCACHE_BPF_H

#define RP_NAME_MAX 255

/* Hits and stores, for the daemon's status and the tests. */
__u64 rp_dcache_hits;
__u64 rp_dcache_stores;

/*
 * The directory whose path and the file's name make the file's path, if the directory
 * qualifies; NULL otherwise. The sequences are the caller's to check (rp_snap_take()).
 */
static __always_inline struct dentry *rp_dcache_dir(struct file *file, struct task_struct *task)
{
	struct dentry *dentry = file->f_path.dentry, *dir = dentry->d_parent;

	/* The task's root itself resolves in fewer instructions than the entry takes. */
	if (dir == task->fs->root.dentry)
		return NULL;
	if (dir == dentry || dentry == file->f_path.mnt->mnt_root || !dentry->d_hash.pprev ||
	    !rp_local_fs(dir->d_inode))
		return NULL;
	return dir;
}

/* The entry of dir for subj's generation and ruleset, valid under snap; NULL if none. */
static __always_inline struct rp_dcache *rp_dcache_find(struct file *file, struct dentry *dir,
							const struct rp_subject *subj,
							const struct rp_vcache_snap *snap)
{
	struct rp_dcache *e = bpf_inode_storage_get(&rp_dcache, dir->d_inode, 0, 0);

	if (!e || e->dentry != (__u64)dir || e->mnt != (__u64)file->f_path.mnt ||
	    e->root_mnt != snap->root_mnt || e->rename_seq != snap->rename_seq ||
	    e->mount_seq != snap->mount_seq || e->gen != subj->gen || e->ruleset != subj->ruleset)
		return NULL;
	return e;
}

/* Is rename_lock's sequence still seq? */
static __always_inline bool rp_dcache_no_rename(__u32 seq)
{
	__u32 now;

	return !bpf_probe_read_kernel(&now, sizeof(now), &rename_lock) && now == seq;
}

/* Global (verified once): the hash of e's prefix followed by p, total bytes in all. */
__noinline __u64 rp_dcache_hash(const struct rp_dcache *e, const struct rp_pathbuf *p, __u32 total)
{
	if (!e || !p || total >= RP_PATH_MAX || total < e->len)
		return 0;
	return rp_sip_resume(&e->sip, e->len / 8, p->s, total);
}

/*
 * Global: the verdict for the accesses of m from the exact rule on m->full_hash (when
 * has_paths), then e's dir and tree decision, then the defaults of rs: what
 * rp_match_all() decides for a ruleset without globs.
 */
__noinline __u8 rp_dcache_verdict(const struct rp_match *m, const struct rp_dcache *e,
				  const struct rp_value *rs, int has_paths, __u32 *rule_id)
{
	struct rp_decision d = {};
	struct rp_value *v = NULL;

	if (!m || !e || !rs || !rule_id)
		return RP_ACT_DENY;
	/* file rules have no parent classes: the exact entry alone is the level */
	if (has_paths)
		v = rp_lookup(m->gen, m->kind + RP_KIND_PATH, m->ruleset, m->full_hash);
	if (v)
		rp_take(&d, v, m->want);
	else if (!(e->dirs.covered & m->want))
		return rp_conclude(&d, rs->actions, rs->id, m->want, rule_id);	/* the defaults */
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		if (!(m->want & (1u << bit)) || (d.covered & (1u << bit)) ||
		    !(e->dirs.covered & (1u << bit)))
			continue;
		d.actions |= RP_ACTION_OF(e->dirs.actions, bit) << (2 * bit);
		d.id[bit] = e->dirs.id[bit];
		d.covered |= 1u << bit;
	}
	return rp_conclude(&d, rs->actions, rs->id, m->want, rule_id);
}

enum rp_dcache_answer {
	RP_DC_NONE,	/* no entry can serve or be stored: decide in full */
	RP_DC_MISS,	/* no valid entry: decide in full, then store the directory's */
	RP_DC_FULL,	/* a denial or an audit: decide in full, for the event's path */
	RP_DC_ALLOW,	/* allowed, without an event */
};

/*
 * Decides the open of file by acc from its directory's entry, into *verdict and *rule_id.
 * Takes *dsnap first (the verdict cache's snap when it has one) for rp_dcache_store().
 * s->ev.path is used as scratch.
 */
static __always_inline int rp_dcache_decide(struct file *file, struct task_struct *task,
					    const struct rp_subject *subj,
					    const struct rp_value *rs, struct rp_scratch *s,
					    __u32 acc, const struct rp_vcache_snap *snap,
					    struct rp_vcache_snap *dsnap, __u8 *verdict,
					    __u32 *rule_id)
{
	struct dentry *dentry = file->f_path.dentry, *dir;
	struct rp_match m = { .gen = subj->gen, .ruleset = subj->ruleset,
			      .kind = RP_KEY_FILE_PATH, .want = acc, .cat = RP_CAT_FILE };
	struct rp_dcache *e;
	__u32 name_len, off;

	if (rs->glob_shapes[RP_CAT_FILE])
		return RP_DC_NONE;
	dir = rp_dcache_dir(file, task);
	if (!dir)
		return RP_DC_NONE;
	if (snap->root_mnt)
		*dsnap = *snap;
	else if (!rp_snap_take(task, dsnap))
		return RP_DC_NONE;
	e = rp_dcache_find(file, dir, subj, dsnap);
	if (!e)
		return RP_DC_MISS;
	name_len = dentry->d_name.len;
	off = e->len & 7;
	if (name_len == 0 || name_len > RP_NAME_MAX || e->len + name_len >= RP_PATH_MAX)
		return RP_DC_NONE;
	*(__u64 *)s->ev.path = e->tail;
	/* clang drops a plain mask after the test above (RP_MASKED()) */
	if (bpf_probe_read_kernel(&s->ev.path[off], RP_MASKED(name_len, RP_NAME_MAX),
				  dentry->d_name.name) ||
	    !rp_dcache_no_rename(dsnap->rename_seq))
		return RP_DC_NONE;
	m.len = e->len + name_len;
	m.full_hash = rp_dcache_hash(e, (const struct rp_pathbuf *)s->ev.path, m.len);
	*verdict = rp_dcache_verdict(&m, e, rs, rs->shape_flags & RP_SHAPE_FILE_PATHS, rule_id);
	if (*verdict == RP_ACT_DENY || *verdict == RP_ACT_AUDIT)
		return RP_DC_FULL;
	__sync_fetch_and_add(&rp_dcache_hits, 1);
	return RP_DC_ALLOW;
}

/* Global: e's SipHash state and leftover bytes for the first len bytes of p. */
__noinline int rp_dcache_fill_hash(struct rp_dcache *e, const struct rp_pathbuf *p, __u32 len)
{
	struct rp_hash_key key = { .k0 = rp_hash_key.k0, .k1 = rp_hash_key.k1 };
	__u32 nwords = len / 8, rem = len & 7;

	if (!e || !p || len >= RP_PATH_MAX)
		return 0;
	rp_sip_init(&e->sip, &key);
	rp_sip_words(&e->sip, p->s, nwords, len);
	e->tail = rem ? rp_hash_load(p->s, nwords, len) & ((1ULL << (rem * 8)) - 1) : 0;
	e->len = len;
	return 0;
}

/*
 * After a decision in full of a file whose directory had no valid entry (RP_DC_MISS):
 * stores the directory's, from the resolved path in s, if the directory qualifies and
 * nothing the path depends on changed since the snapshot (taken before the path was
 * resolved).
 */
static __always_inline void rp_dcache_store(struct file *file, const struct rp_subject *subj,
					    const struct rp_value *rs, struct rp_scratch *s,
					    const struct rp_vcache_snap *snap)
{
	struct rp_match m = { .gen = subj->gen, .ruleset = subj->ruleset, .kind = RP_KEY_FILE_PATH,
			      .want = RP_ACC_ALL, .cat = RP_CAT_FILE, .len = s->ev.path_len };
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *dentry = file->f_path.dentry, *dir;
	struct rp_dcache *e = &s->dcache;
	__u32 len = s->ev.path_len, name_len, prefix;

	if (!snap->root_mnt)
		return;
	dir = rp_dcache_dir(file, task);
	if (!dir)
		return;
	name_len = dentry->d_name.len;
	prefix = len - name_len;
	if (name_len == 0 || name_len >= len || s->ev.path[0] != '/' ||
	    s->ev.path[(prefix - 1) & (RP_PATH_MAX - 1)] != '/')
		return;
	rp_dcache_fill_hash(e, (const struct rp_pathbuf *)s->ev.path, prefix);
	/* what dir and tree rules decide, for every access (into the entry: no stack) */
	__builtin_memset(&e->dirs, 0, sizeof(e->dirs));
	e->dirs.want = RP_ACC_ALL;
	if (rs->dir_depths[RP_CAT_FILE] || rs->tree_depths[RP_CAT_FILE]) {
		if (s->obj.parent_depth == RP_NOT_SCANNED)
			rp_path_scan((const struct rp_pathbuf *)s->ev.path, len, &s->obj);
		rp_match_path(&m, rs, (const struct rp_pathbuf *)s->ev.path, &s->obj, &e->dirs);
	}
	if ((__u64)task->fs->root.mnt != snap->root_mnt ||
	    !rp_vcache_seqs(&e->rename_seq, &e->mount_seq) ||
	    e->rename_seq != snap->rename_seq || e->mount_seq != snap->mount_seq)
		return;
	e->dentry = (__u64)dir;
	e->mnt = (__u64)file->f_path.mnt;
	e->root_mnt = snap->root_mnt;
	e->gen = subj->gen;
	e->ruleset = subj->ruleset;
	if (bpf_inode_storage_get(&rp_dcache, dir->d_inode, 0, 0))
		bpf_inode_storage_delete(&rp_dcache, dir->d_inode);
	if (bpf_inode_storage_get(&rp_dcache, dir->d_inode, e, BPF_LOCAL_STORAGE_GET_F_CREATE))
		__sync_fetch_and_add(&rp_dcache_stores, 1);
}

#endif /* RAMPART_DCACHE_BPF_H */
