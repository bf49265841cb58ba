/* SPDX-License-Identifier: GPL-2.0 */
/* Maps shared by every hook. Layouts come from include/rampart/abi.h. */
#ifndef RAMPART_MAPS_BPF_H
#define RAMPART_MAPS_BPF_H

/* Set before load from getrandom(): the key of the path hash (rampart/siphash.h). */
const volatile struct rp_hash_key rp_hash_key;

/* Events that did not fit in the ring buffer; the daemon reports every one. */
__u64 rp_lost_events;
/* Decisions taken by the defaults without an event: no per-task scratch memory (task
 * storage allocation failed or was busy), or the set changed on every attempt. */
__u64 rp_undecided_no_memory;
__u64 rp_undecided_changing;

/*
 * The one live generation (0: no policy set loaded, allow everything). Flipping it is the
 * single write that swaps policy sets. A global, not an array map: a hook reads it two or
 * three times, and a load from .bss costs two instructions where an inlined array lookup
 * costs a dozen. The daemon writes it through the mapped .bss; programs read it with
 * rp_active_gen() only.
 */
__u32 rp_live_gen;

/* The selection filter, one per enum rp_filter_set (include/rampart/abi.h): written only
 * by the daemon, through the mapped .bss, as loader_filter_write() describes. */
struct rp_filter rp_filters[RP_FILTER_SETS];

/* Every policy set's subjects, rulesets and rules, keyed by generation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, RP_DECISIONS_MAX);
	__type(key, struct rp_key);
	__type(value, struct rp_value);
} rp_decisions SEC(".maps");

/* Inet addresses of connect, bind and listen rules, by generation, ruleset, operation. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, RP_NET_ENTRIES_MAX);
	__type(key, struct rp_net_key);
	__type(value, struct rp_net_value);
} rp_net SEC(".maps");

struct rp_pathbuf {
	char s[RP_PATH_MAX];
};

/* Where the directory prefixes of a resolved path end, for dir and tree rules. */
struct rp_pathinfo {
	__s32 parent_depth;	/* components of the parent directory; -1: not a '/' path */
	__u32 pad;
	__u16 prefix[RP_RULE_DEPTH_MAX + 1];	/* prefix[d]: length of the depth-d directory */
};

/* A path rewritten into a glob's form; twice RP_PATH_MAX so any copy stays inside. */
struct rp_canonbuf {
	char s[2 * RP_PATH_MAX];
};

/* A cached verdict of file_open, on the inode (bpf-lsm/vcache.bpf.h says when it holds). */
struct rp_vcache {
	__u64 dentry, parent, mnt, root_mnt;
	__u64 name_hash_len;
	__u64 cgroup_id;	/* the cgroup of the task whose open stored it */
	__u32 rename_seq, mount_seq;
	__u32 gen;
	__u16 ruleset;
	__u8 access;
	__u8 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rp_vcache);
} rp_vcache SEC(".maps");

/* Per access bit: the action decided so far and the rule that decided it. */
struct rp_decision {
	__u32 id[RP_ACC_BITS];
	__u16 actions;
	__u16 covered;	/* access bits decided */
	__u32 want;	/* access bits this decision may take */
	__u32 pad;
};

/*
 * A directory's resolved path, on the directory's inode, as what hashing a file's path
 * needs of it (bpf-lsm/dcache.bpf.h): the SipHash state after the whole words of the
 * prefix (the directory's path and a '/'), its last bytes, and what the dir and tree
 * rules of one ruleset decide for the directory's direct entries.
 */
struct rp_dcache {
	__u64 dentry, mnt, root_mnt;
	struct rp_sip sip;	/* after the prefix's len / 8 whole words */
	__u64 tail;		/* the prefix's last len % 8 bytes, the rest zero */
	__u32 rename_seq, mount_seq;
	__u32 gen;
	__u16 ruleset;
	__u16 len;		/* prefix length */
	struct rp_decision dirs;	/* what dir and tree rules decide, per access */
};

struct {
	__uint(type, BPF_MAP_TYPE_INODE_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rp_dcache);
} rp_dcache SEC(".maps");

/* What rp_vcache_store() must find unchanged; root_mnt is 0 when not cacheable. */
struct rp_vcache_snap {
	__u64 root_mnt;
	__u32 rename_seq, mount_seq;
};

struct rp_scratch {
	struct rp_event ev;		/* the event, whose path[] is the object's path */
	struct rp_pathbuf parent;	/* exec: the executing program's path */
	struct rp_canonbuf canon;	/* the path in the form of one glob shape */
	struct rp_pathinfo obj;
	struct rp_pathinfo par;
	struct rp_vcache vcache;	/* file_open: the entry being stored */
	struct rp_dcache dcache;	/* file_open: the directory entry being stored */
	struct rp_vcache_snap dsnap;	/* file_open: the snapshot for rp_dcache_store() */
};

/*
 * Scratch memory for the path and the event being built. First choice: this CPU's slot,
 * claimed with an atomic exchange on busy. Programs run with migration disabled but can
 * be preempted, so another task on this CPU may find the slot taken; it then uses its
 * own task storage (rp_scratch), allocated on that first use. Without the per-CPU slot
 * every new process would allocate and zero ~13 KiB on its first decision.
 */
struct rp_scratch_slot {
	__u64 busy;
	struct rp_scratch s;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rp_scratch_slot);
} rp_scratch_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rp_scratch);
} rp_scratch SEC(".maps");

/*
 * Per task: which ruleset binds it, as found for one generation and one cgroup. The
 * answer is a function of the two (a cgroup's ancestors never change, and a
 * generation's subjects are never rewritten), so it stays true until either changes.
 * Only the task itself writes its entry, from its own hooks.
 */
struct rp_task {
	__u64 cgroup_id;	/* the task's cgroup when the answer was found */
	__u32 gen;		/* 0: no answer yet */
	__u16 ruleset;
	__u8 selected;
	__u8 has_rs;		/* rs holds the ruleset's entry (immutable in a generation) */
	__u32 pad;
	/*
	 * A copy of the ruleset's entry of generation gen, so that a decision spares the
	 * ruleset's hash lookup (~200 instructions on every open the verdict cache does not
	 * answer): a generation's entries are never written once it is live. A copy read
	 * while its generation was being deleted (two swaps during one walk) may be torn:
	 * no later call uses it (generations only grow, the task needs gen live), and the
	 * call that took it acts on it only if gen is still live after (rp_bind_ruleset(),
	 * rp_net_bind(), and every decision's last check).
	 */
	struct rp_value rs;
	/*
	 * The task's last inet address decision (net.bpf.h, rp_net_inet_verdict()): what the
	 * trie and the port ranges of generation net_gen said for ruleset net_ruleset,
	 * operation net_op, net_addr and net_port. A generation's trie is never written, so
	 * the answer holds while all five are the same. net_gen 0: none.
	 */
	__u32 net_gen;
	__u16 net_ruleset;
	__u16 net_port;
	__u8 net_op;
	__u8 net_verdict;
	__u16 net_pad;
	__u32 net_rule_id;
	__u8 net_addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rp_task);
} rp_tasks SEC(".maps");

/* Decisions per rule (RP_HITS_INDEX); mapped by the daemon, which reads and zeroes it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, RP_HITS_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} rp_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RP_RINGBUF_BYTES);
} rp_events SEC(".maps");

#endif /* RAMPART_MAPS_BPF_H */
