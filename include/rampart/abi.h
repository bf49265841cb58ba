/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that crosses the kernel/user boundary: map keys and values, the ring buffer
 * event record and the constants both sides size their buffers with. Included by the BPF
 * programs (after vmlinux.h) and by the daemon (after <linux/types.h>). Change a layout and
 * bump RP_ABI_VERSION.
 */
#ifndef RAMPART_ABI_H
#define RAMPART_ABI_H

#define RP_ABI_VERSION 1

/* Longest path the engine resolves, NUL included (PATH_MAX). Longer: "cannot decide". */
#define RP_PATH_MAX 4096
#define RP_COMM_LEN 16
/* Deepest cgroup v2 nesting searched for a selected ancestor, counted from the process. */
#define RP_CGROUP_DEPTH_MAX 32
/* Entries in the decision map: room for two complete policy sets (old and new). */
#define RP_SET_ENTRIES_MAX 262144
#define RP_DECISIONS_MAX (2 * RP_SET_ENTRIES_MAX)
#define RP_RINGBUF_BYTES (1 << 22)
/* A set's verdict lookups are retried this often when a swap happens mid-decision. */
#define RP_GEN_RETRIES 4

/* What a decision map key describes. */
enum rp_key_kind {
	RP_KEY_SUBJECT = 1,	/* hash: cgroup id selected by a policy; value.id: ruleset */
	RP_KEY_RULESET = 2,	/* ruleset's defaults and mode; hash: 0 */
	RP_KEY_FILE_PATH = 3,	/* hash: keyed hash of an exact path */
};

enum rp_action {
	RP_ACT_NONE = 0,	/* no rule matched */
	RP_ACT_ALLOW = 1,
	RP_ACT_AUDIT = 2,
	RP_ACT_DENY = 3,
};

/* File accesses, from the open's f_mode and f_flags. */
enum rp_access {
	RP_ACC_READ = 1 << 0,
	RP_ACC_WRITE = 1 << 1,
	RP_ACC_APPEND = 1 << 2,
	RP_ACC_CREATE = 1 << 3,
	RP_ACC_TRUNCATE = 1 << 4,
	RP_ACC_EXEC = 1 << 5,
};
#define RP_ACC_BITS 6
#define RP_ACC_ALL ((1u << RP_ACC_BITS) - 1)

/* One key for every kind of entry, so one map holds a whole policy set per generation. */
struct rp_key {
	__u32 gen;
	__u16 kind;		/* enum rp_key_kind */
	__u16 ruleset;
	__u64 hash;
};
_Static_assert(sizeof(struct rp_key) == 16, "rp_key layout");

/*
 * A decision per access: actions holds 2 bits (enum rp_action) per access bit, and id[]
 * the rule that decided each one. A subject stores its ruleset in id[0]; a ruleset
 * stores its file default in every slot.
 */
struct rp_value {
	__u32 id[RP_ACC_BITS];
	__u16 actions;
	__u16 flags;
	__u32 pad;
};
_Static_assert(sizeof(struct rp_value) == 32, "rp_value layout");

#define RP_ACTION_OF(actions, bit) (((actions) >> (2 * (bit))) & 3)

/* Rule id of a decision taken with no rule at all (a subject whose ruleset is missing). */
#define RP_RULE_NONE 0xffffffffu

/* The one-entry state array: what is live. Written only by the daemon. */
struct rp_state {
	__u32 active_gen;	/* 0: no policy set loaded, allow everything */
	__u32 pad;
};
_Static_assert(sizeof(struct rp_state) == 8, "rp_state layout");

enum rp_event_kind {
	RP_EV_FILE = 1,
};

enum rp_event_flags {
	RP_EVF_PATH_ERROR = 1 << 0,	/* path could not be resolved: error holds why */
};

struct rp_event {
	__u16 abi;		/* RP_ABI_VERSION */
	__u16 kind;		/* enum rp_event_kind */
	__u8 decision;		/* enum rp_action: RP_ACT_DENY or RP_ACT_AUDIT; audit-mode
				 * policies are compiled to audit actions */
	__u8 flags;		/* enum rp_event_flags */
	__u16 path_len;		/* bytes of path[] used, NUL excluded */
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 gen;
	__u32 rule_id;
	__u32 access;		/* enum rp_access bits of the attempt */
	__s32 error;		/* path resolution error, when RP_EVF_PATH_ERROR */
	__u64 time_boot_ns;	/* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	char comm[RP_COMM_LEN];
	char path[RP_PATH_MAX];
};
#define RP_EVENT_HDR_SIZE 80
_Static_assert(sizeof(struct rp_event) == RP_EVENT_HDR_SIZE + RP_PATH_MAX, "rp_event layout");
_Static_assert(__builtin_offsetof(struct rp_event, path) == RP_EVENT_HDR_SIZE, "path offset");

#endif /* RAMPART_ABI_H */
