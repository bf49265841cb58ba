/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The verdict cache of file_open: "this subject may open this file for these accesses",
 * remembered on the inode, so that opening the same file again skips bpf_d_path, the
 * path hash and every rule lookup.
 *
 * A verdict is a function of the path d_path() returns, and that path is a function of
 * the dentry, its ancestors and names, the mounts on the way up, and the task's root.
 * An entry therefore holds only while all of these are unchanged:
 *  - rename_lock's sequence: every d_move() (rename, exchange, a network file system
 *    discovering a move) writes it, so no dentry anywhere changed parent or name;
 *  - mount_lock's sequence: no mount, umount, move or namespace teardown anywhere;
 *  - the dentry, its parent and its name hash, the vfsmount, and the root vfsmount are
 *    the ones the verdict was made for (the two sequences also keep these pointers from
 *    being reused for other objects: freeing a mount goes through mount_lock);
 *  - the inode has one name (i_nlink == 1) and is a regular file on a local file system
 *    (tmpfs, ext4, xfs, btrfs, overlayfs), whose names change only through the VFS;
 *  - the task's root is the root of its mount (not a chroot into a subdirectory), so the
 *    root vfsmount names the root;
 *  - the generation, ruleset and accesses are the same.
 * These are the sequences d_path() itself checks. A lookup takes them as the open's path
 * walk read them when it began (rp_walk_seqs()), so a hit answers for the tree of that
 * moment: a rename or mount change racing with the open decides it as if the open came
 * just before, which gives nothing the task could not have had by opening the file then
 * and keeping the descriptor. A store reads the locks themselves and stores only if
 * neither moved since the walk began. Only "allow without event" is cached:
 * denials and audits always take the full path and report it. Entries are never
 * modified in place (delete, then create with the value), so a reader sees a whole one.
 * A kernel without the two symbols, or a file that does not qualify, is decided in full.
 */
#ifndef RAMPART_VCACHE_BPF_H
#define RAMPART_VCACHE_BPF_H

extern const void rename_lock __ksym __weak;
extern const void mount_lock __ksym __weak;

#define RP_S_IFMT 00170000
#define RP_S_IFREG 0100000
#define RP_TMPFS_MAGIC 0x01021994
#define RP_EXT4_MAGIC 0xEF53
#define RP_XFS_MAGIC 0x58465342
#define RP_BTRFS_MAGIC 0x9123683E
#define RP_OVERLAYFS_MAGIC 0x794c7630

/* Hits and stores, for the daemon's status and the tests. */
__u64 rp_vcache_hits;
__u64 rp_vcache_stores;

/* Reads both sequences; false while either is being written, or without the symbols. */
static __always_inline bool rp_vcache_seqs(__u32 *rename_seq, __u32 *mount_seq)
{
	if (!&rename_lock || !&mount_lock)
		return false;
	/* seqlock_t starts with its seqcount, whose first member is the sequence */
	if (bpf_probe_read_kernel(rename_seq, sizeof(*rename_seq), &rename_lock) ||
	    bpf_probe_read_kernel(mount_seq, sizeof(*mount_seq), &mount_lock))
		return false;
	return !((*rename_seq | *mount_seq) & 1);
}

/* Is the inode on a local file system, whose names change only through the VFS? */
static __always_inline bool rp_local_fs(const struct inode *inode)
{
	unsigned long magic = inode->i_sb->s_magic;

	return magic == RP_TMPFS_MAGIC || magic == RP_EXT4_MAGIC || magic == RP_XFS_MAGIC ||
	       magic == RP_BTRFS_MAGIC || magic == RP_OVERLAYFS_MAGIC;
}

/*
 * The two sequences as the task's path walk read them when it started (path_init()
 * waits for even values), or, outside a path walk, as they are now. The open being
 * decided was looked up by that walk: two BTF loads instead of two helper calls.
 */
static __always_inline bool rp_walk_seqs(struct task_struct *task, __u32 *rename_seq,
					 __u32 *mount_seq)
{
	struct nameidata *nd = task->nameidata;

	if (!nd)
		return rp_vcache_seqs(rename_seq, mount_seq);
	*rename_seq = nd->r_seq;
	*mount_seq = nd->m_seq;
	return !((*rename_seq | *mount_seq) & 1);
}

/*
 * Takes the snapshot, if the current task's root is the root of its mount (so that the
 * root vfsmount names it), with the sequences as its path walk started.
 */
static __always_inline bool rp_snap_take(struct task_struct *task, struct rp_vcache_snap *snap)
{
	struct fs_struct *fs = task->fs;	/* each BTF load is a guarded load: once */
	struct vfsmount *root = fs->root.mnt;

	snap->root_mnt = 0;
	if (fs->root.dentry != root->mnt_root ||
	    !rp_walk_seqs(task, &snap->rename_seq, &snap->mount_seq))
		return false;
	snap->root_mnt = (__u64)root;
	return true;
}

/*
 * May the verdict on file, whose inode has one name (the caller checked), be cached for
 * the current task? Takes the snapshot if so. When the inode holds an entry (known), its
 * type and file system were checked before the entry was stored, and neither changes in
 * an inode's life.
 */
static __always_inline bool rp_vcache_snap(struct inode *inode, struct task_struct *task,
					   struct rp_vcache_snap *snap, bool known)
{
	if (!known && ((inode->i_mode & RP_S_IFMT) != RP_S_IFREG || !rp_local_fs(inode)))
		return false;
	return rp_snap_take(task, snap);
}

/* The name hash and length of a dentry, as one number. (Not d_name.hash_len, which is
 * the same number: 6.1's verifier refuses an 8-byte load of the union's first member.) */
static __always_inline __u64 rp_vcache_name(struct dentry *dentry)
{
	return (__u64)dentry->d_name.len << 32 | dentry->d_name.hash;
}

/*
 * The entry on file for accesses acc, if nothing its path depends on changed since it
 * was stored; NULL otherwise. *snap is taken either way, before the caller resolves the
 * path, for rp_vcache_store(). Whose verdict the entry holds is the caller's to check:
 * rp_vcache_mine() or rp_vcache_ruleset().
 */
static __always_inline struct rp_vcache *rp_vcache_find(struct file *file, __u32 acc,
							struct task_struct *task,
							struct rp_vcache_snap *snap)
{
	struct dentry *dentry = file->f_path.dentry;
	struct inode *inode = file->f_inode;
	struct rp_vcache *e;

	snap->root_mnt = 0;
	if (inode->i_nlink != 1)
		return NULL;	/* never cached: no lookup (a second name, or none left) */
	e = bpf_inode_storage_get(&rp_vcache, inode, 0, 0);
	if (!rp_vcache_snap(inode, task, snap, e) || !e || e->rename_seq != snap->rename_seq ||
	    e->mount_seq != snap->mount_seq || e->root_mnt != snap->root_mnt || e->access != acc || e->dentry != (__u64)dentry ||
	    e->mnt != (__u64)file->f_path.mnt || e->parent != (__u64)dentry->d_parent ||
	    e->name_hash_len != rp_vcache_name(dentry))
		return NULL;
	return e;
}

/*
 * Stored under generation gen for the cgroup the current task is in: the same verdict,
 * with no subject lookup (a cgroup's ruleset is a function of the generation). own_id:
 * the task's cgroup id if the caller has read it already, else 0.
 */
static __always_inline bool rp_vcache_mine(const struct rp_vcache *e, __u32 gen,
					   struct task_struct *task, __u64 own_id)
{
	if (!e || e->gen != gen || e->cgroup_id != (own_id ?: rp_task_cgroup_id(task)))
		return false;
	__sync_fetch_and_add(&rp_vcache_hits, 1);
	return true;
}

/* Stored for the subject's ruleset under its generation, by a task of any cgroup. */
static __always_inline bool rp_vcache_ruleset(const struct rp_vcache *e,
					      const struct rp_subject *subj)
{
	if (!e || e->gen != subj->gen || e->ruleset != subj->ruleset)
		return false;
	__sync_fetch_and_add(&rp_vcache_hits, 1);
	return true;
}

/*
 * Remembers that subj may open file for acc, if nothing the path depends on changed since
 * the snapshot (taken before the path was resolved) and the file still has one name.
 * buf is scratch memory for the new entry.
 */
static __always_inline void rp_vcache_store(struct file *file, const struct rp_subject *subj,
					    __u32 acc, const struct rp_vcache_snap *snap,
					    struct rp_vcache *buf)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *dentry = file->f_path.dentry;

	if (!snap->root_mnt || file->f_inode->i_nlink != 1 ||
	    (__u64)task->fs->root.mnt != snap->root_mnt ||
	    !rp_vcache_seqs(&buf->rename_seq, &buf->mount_seq) ||
	    buf->rename_seq != snap->rename_seq || buf->mount_seq != snap->mount_seq)
		return;
	buf->dentry = (__u64)dentry;
	buf->parent = (__u64)dentry->d_parent;
	buf->name_hash_len = rp_vcache_name(dentry);
	buf->mnt = (__u64)file->f_path.mnt;
	buf->root_mnt = snap->root_mnt;
	buf->cgroup_id = subj->cgroup_id;
	buf->gen = subj->gen;
	buf->ruleset = subj->ruleset;
	buf->access = acc;
	buf->pad = 0;
	if (bpf_inode_storage_get(&rp_vcache, file->f_inode, 0, 0))
		bpf_inode_storage_delete(&rp_vcache, file->f_inode);
	if (bpf_inode_storage_get(&rp_vcache, file->f_inode, buf, BPF_LOCAL_STORAGE_GET_F_CREATE))
		__sync_fetch_and_add(&rp_vcache_stores, 1);
}

#endif /* RAMPART_VCACHE_BPF_H */
