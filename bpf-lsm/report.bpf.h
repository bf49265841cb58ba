/* SPDX-License-Identifier: GPL-2.0 */
/* Filling and sending the event that reports a decision. */
#ifndef RAMPART_REPORT_BPF_H
#define RAMPART_REPORT_BPF_H

/* What a hook holds until it returns: this CPU's scratch slot, when it claimed it. */
struct rp_hold {
	__u64 *busy;
};

static __always_inline struct rp_scratch *rp_scratch_get(struct rp_hold *h)
{
	struct rp_scratch_slot *slot;
	__u32 zero = 0;

	if (h->busy)
		return NULL;	/* one claim per hook call */
	slot = bpf_map_lookup_elem(&rp_scratch_cpu, &zero);
	if (slot && __sync_lock_test_and_set(&slot->busy, 1) == 0) {
		h->busy = &slot->busy;
		return &slot->s;
	}
	return bpf_task_storage_get(&rp_scratch, bpf_get_current_task_btf(), 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
}

/* Gives this CPU's slot back once the hook is done with it (the event has been sent). */
static __always_inline void rp_scratch_put(struct rp_hold *h)
{
	if (!h->busy)
		return;
	asm volatile("" ::: "memory");	/* every use of the slot comes before the release */
	*(volatile __u64 *)h->busy = 0;
	h->busy = NULL;
}

/* Counts a decision taken in full for the rule that took it (rampart status shows them). */
static __always_inline void rp_count_hit(__u32 gen, __u32 rule_id)
{
	__u32 i = RP_HITS_INDEX(gen, rule_id);
	__u64 *n;

	if (rule_id >= RP_RULES_MAX)
		return;
	n = bpf_map_lookup_elem(&rp_hits, &i);
	if (n)
		__sync_fetch_and_add(n, 1);
}

static __always_inline void rp_event_fill_task(struct rp_event *ev, const struct rp_subject *subj)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 uid_gid = bpf_get_current_uid_gid();

	ev->abi = RP_ABI_VERSION;
	ev->pid = (__u32)pid_tgid;
	ev->tgid = pid_tgid >> 32;
	ev->ppid = BPF_CORE_READ(task, real_parent, tgid);
	ev->uid = (__u32)uid_gid;
	ev->gid = uid_gid >> 32;
	ev->gen = subj->gen;
	ev->cgroup_id = subj->cgroup_id;
	ev->time_boot_ns = bpf_ktime_get_boot_ns();
	bpf_get_current_comm(ev->comm, sizeof(ev->comm));
}

/*
 * File and exec events: the process's executable, resolved by the kernel when the event
 * is made (the process may be gone by the time the daemon reads it), copied after the
 * object's path. tmp is scratch for the resolution.
 */
static __always_inline void rp_event_exe(struct rp_event *ev, struct rp_pathbuf *tmp)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *exe = task->mm ? task->mm->exe_file : NULL;
	__u32 off = (ev->path_len & (RP_PATH_MAX - 1)) + 1;
	long n;

	if (!exe)
		return;
	n = bpf_d_path((struct path *)&exe->f_path, tmp->s, RP_PATH_MAX);
	if (n <= 0)
		return;
	if (bpf_probe_read_kernel(ev->path + off, n & (RP_PATH_MAX - 1), tmp->s))
		return;
	ev->exe_len = (n - 1) & (RP_PATH_MAX - 1);
	ev->flags |= RP_EVF_EXE;
}

/* Sends the header and the used part of path[]; a full ring buffer is counted, not hidden. */
static __always_inline void rp_event_send(struct rp_event *ev)
{
	__u64 size = RP_EVENT_HDR_SIZE + (ev->path_len & (RP_PATH_MAX - 1)) + 1;

	if (ev->flags & RP_EVF_EXE)
		size += (ev->exe_len & (RP_PATH_MAX - 1)) + 1;

	if (bpf_ringbuf_output(&rp_events, ev, size, 0))
		__sync_fetch_and_add(&rp_lost_events, 1);
}

#endif /* RAMPART_REPORT_BPF_H */
