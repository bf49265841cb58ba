/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tamper resistance (include/rampart/abi.h, struct rp_guard). While armed: no new fd to
 * Rampart's maps for anyone; the pins of this set stay unless a trusted executable (the
 * daemon's own binary) removes them; the trusted binaries can be neither traced by
 * other processes nor opened for writing.
 */
#ifndef RAMPART_GUARD_BPF_H
#define RAMPART_GUARD_BPF_H

/* Written by the daemon through the mapped .bss, armed last. */
struct rp_guard rp_guard;

static __always_inline bool rp_guard_armed(void)
{
	return *(volatile __u32 *)&rp_guard.armed;
}

static __always_inline bool rp_guard_match(const struct rp_guard_file *f, __u64 ino, __u32 dev)
{
	return f->ino && f->ino == ino && f->dev == dev;
}

static __always_inline bool rp_guard_same(const struct rp_guard_file *f, const struct inode *inode)
{
	return rp_guard_match(f, BPF_CORE_READ(inode, i_ino), BPF_CORE_READ(inode, i_sb, s_dev));
}

static __always_inline bool rp_guard_is_trusted_inode(const struct inode *inode)
{
	__u64 ino = BPF_CORE_READ(inode, i_ino);
	__u32 dev = BPF_CORE_READ(inode, i_sb, s_dev);

	for (int i = 0; i < RP_GUARD_TRUSTED_MAX; i++)
		if (rp_guard_match(&rp_guard.trusted[i], ino, dev))
			return true;
	return false;
}

/* Whether task runs a trusted executable. */
static __always_inline bool rp_guard_trusted_task(struct task_struct *task)
{
	struct inode *inode = BPF_CORE_READ(task, mm, exe_file, f_inode);

	return inode && rp_guard_is_trusted_inode(inode);
}

static __always_inline bool rp_guard_current_trusted(void)
{
	return rp_guard_trusted_task(bpf_get_current_task_btf());
}

/* An unlink, rmdir or rename in dir: refused when dir is the guarded pin directory, or
 * the entry is that directory, and the caller is not trusted. */
static __always_inline int rp_guard_dir_change(const struct inode *dir, const struct dentry *entry)
{
	const struct inode *inode = entry ? BPF_CORE_READ(entry, d_inode) : NULL;

	if (!rp_guard_armed())
		return 0;
	if (!rp_guard_same(&rp_guard.pin_dir, dir) &&
	    !(inode && rp_guard_same(&rp_guard.pin_dir, inode)))
		return 0;
	return rp_guard_current_trusted() ? 0 : -EPERM;
}

static __always_inline int rp_guard_map_fd(const struct bpf_map *map)
{
	__u32 id;

	if (!rp_guard_armed())
		return 0;
	id = BPF_CORE_READ(map, id);
	for (int i = 0; i < RP_GUARD_MAPS_MAX; i++)
		if (i < rp_guard.n_maps && rp_guard.map_ids[i] == id)
			return -EPERM;
	return 0;
}

/* file_open: a trusted executable opened for writing. Cheap for every other open: one
 * load while disarmed, an inode compare while armed. */
static __always_inline int rp_guard_file_open(const struct file *file)
{
	if (!(file->f_mode & RP_FMODE_WRITE) || !rp_guard_armed())
		return 0;
	return rp_guard_is_trusted_inode(file->f_inode) ? -EPERM : 0;
}

#endif /* RAMPART_GUARD_BPF_H */
