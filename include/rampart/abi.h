/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that crosses the kernel/user boundary: map keys and values, the ring buffer
 * event record and the constants both sides size their buffers with. Included by the BPF
 * programs (after vmlinux.h) and by the daemon (after <linux/types.h>). Change a layout and
 * bump RP_ABI_VERSION.
 */
#ifndef RAMPART_ABI_H
#define RAMPART_ABI_H

#define RP_ABI_VERSION 5

/* Longest path the engine resolves, NUL included (PATH_MAX). Longer: "cannot decide". */
#define RP_PATH_MAX 4096
#define RP_COMM_LEN 16
/* Deepest cgroup v2 nesting searched for a selected ancestor, counted from the process. */
#define RP_CGROUP_DEPTH_MAX 32
/* Entries in the decision map: room for two complete policy sets (old and new). */
#define RP_SET_ENTRIES_MAX 262144
#define RP_DECISIONS_MAX (2 * RP_SET_ENTRIES_MAX)
#define RP_RINGBUF_BYTES (1 << 22)
/*
 * Rule ids per generation (defaults included), and the hit counter array: decisions
 * taken in full, per rule, in two halves by generation parity. The daemon zeroes the
 * new generation's half before the generation goes live; counts start with it.
 */
#define RP_RULES_MAX 131072
#define RP_HITS_ENTRIES (2 * RP_RULES_MAX)
#define RP_HITS_INDEX(gen, rule_id) (((gen) & 1) * RP_RULES_MAX + (rule_id))
/* A set's verdict lookups are retried this often when a swap happens mid-decision. */
#define RP_GEN_RETRIES 3

/* Directories named by dir rules are at most this deep ("/" is 0, "/etc" is 1). */
#define RP_RULE_DEPTH_MAX 31
/* Distinct parent patterns (exec rules' "parent") per ruleset. */
#define RP_PARENT_CLASSES_MAX 31

/*
 * What a decision map key describes. Rule kinds come in triples: the exact path, the
 * direct entries of a directory, everything below a directory; hash is the keyed hash of
 * that path or directory. Exec rule kinds carry a parent class in their high byte: 0 for
 * no parent condition, c for "only when the executing program matches parent class c".
 */
enum rp_key_kind {
	RP_KEY_SUBJECT = 1,	/* hash: cgroup id selected by a policy; value.id[0]: ruleset */
	RP_KEY_RULESET = 2,	/* hash: 0; value: the ruleset's defaults and shape */
	RP_KEY_FILE_PATH = 3,
	RP_KEY_FILE_DIR = 4,
	RP_KEY_FILE_TREE = 5,
	RP_KEY_EXEC_PATH = 6,
	RP_KEY_EXEC_DIR = 7,
	RP_KEY_EXEC_TREE = 8,
	RP_KEY_EXEC_FILELESS = 9,	/* hash: 0; memfd or deleted program */
	RP_KEY_PARENT_PATH = 10,	/* value.id[0]: bit c set for each parent class c */
	RP_KEY_PARENT_DIR = 11,
	RP_KEY_PARENT_TREE = 12,
	RP_KEY_FILE_GLOB = 13,	/* hash: keyed hash of the glob's text; value.flags: literal chars */
	RP_KEY_EXEC_GLOB = 14,
	RP_KEY_GLOB_SHAPE = 15,	/* hash: cat << 8 | index; value.glob: one shape */
	RP_KEY_NET_CREATE = 16,	/* hash: RP_NET_CREATE_HASH(); value.actions/id[0]: verdict */
	RP_KEY_NET_UNIX = 17,	/* hash: keyed hash of the peer's bound name; verdict */
	RP_KEY_NET_DEFAULT = 18,	/* hash: 0; value.actions/id[0]: the network default */
};

/*
 * Network rules. socket creation is decided by (family, type, protocol) with "any" for
 * type and protocol; the programs look up the most specific form first. Inet addresses
 * live in the rp_net LPM trie in IPv6 form (IPv4 as ::ffff:a.b.c.d, so an IPv4 rule also
 * matches an IPv4-mapped address); each trie node holds, in precedence order, every port
 * range of its own prefix and of the prefixes enclosing it, so one lookup decides.
 */
enum rp_net_op {
	RP_NET_CREATE = 0,
	RP_NET_CONNECT = 1,
	RP_NET_BIND = 2,
	RP_NET_LISTEN = 3,
};
#define RP_NET_OPS 4
#define RP_NET_ANY 0xffff	/* type or protocol: any */
#define RP_NET_CREATE_HASH(family, type, protocol)                                         \
	((__u64)(family) << 32 | (__u64)(type) << 16 | (__u64)(protocol))
#define RP_NET_PORTS_MAX 16	/* port ranges deciding one address prefix, per operation */
#define RP_NET_ENTRIES_MAX 65536	/* trie nodes: two complete sets */
#define RP_UNIX_NAME_MAX 108	/* sizeof(sun_path) */

struct rp_net_key {
	__u32 prefixlen;	/* 64 (gen, ruleset, op) + bits of addr */
	__u32 gen;
	__u16 ruleset;
	__u8 op;		/* enum rp_net_op */
	__u8 pad;
	__u8 addr[16];		/* network byte order, IPv4 mapped into IPv6 */
};
_Static_assert(sizeof(struct rp_net_key) == 28, "rp_net_key layout");
#define RP_NET_KEY_HDR_BITS 64

struct rp_net_port {
	__u16 lo, hi;		/* inclusive; 0-65535 for any port */
	__u8 action;		/* enum rp_action */
	__u8 pad[3];
	__u32 rule_id;
};

struct rp_net_value {
	__u32 n;		/* ports[] used, first match wins */
	struct rp_net_port ports[RP_NET_PORTS_MAX];
};
_Static_assert(sizeof(struct rp_net_value) == 4 + 12 * RP_NET_PORTS_MAX, "rp_net_value");

/*
 * Globs are matched by shape. A shape says, per component, whether the glob has a
 * literal there, a star, or a prefix-star-suffix, and whether it ends in a double star.
 * The programs rewrite the path into the glob's form for each shape the ruleset has
 * (literal components kept, the others replaced by a star or prefix-star-suffix) and
 * look its hash up: one lookup per shape, whatever the number of glob rules.
 */
#define RP_GLOB_COMPS_MAX 16	/* components before an optional trailing '**' */
#define RP_GLOB_SHAPES_MAX 16	/* distinct shapes per ruleset and category */
enum rp_glob_comp {
	RP_GLOB_LITERAL = 0,
	RP_GLOB_STAR = 1,	/* the whole component is '*' */
	RP_GLOB_AFFIX = 2,	/* prefix*suffix: pre and suf bytes kept */
};

struct rp_glob_shape {
	__u8 ncomp;		/* components before the optional trailing '**' */
	__u8 tree;		/* ends in a double star: matches paths with more components */
	__u8 pad[2];
	__u8 kind[RP_GLOB_COMPS_MAX];	/* enum rp_glob_comp */
	__u8 pre[RP_GLOB_COMPS_MAX];
	__u8 suf[RP_GLOB_COMPS_MAX];
};
_Static_assert(sizeof(struct rp_glob_shape) == 52, "rp_glob_shape layout");
#define RP_KIND_PATH 0	/* offsets within a triple */
#define RP_KIND_DIR 1
#define RP_KIND_TREE 2
#define RP_KEY_KIND(kind, parent_class) ((__u16)((kind) | ((parent_class) << 8)))

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

/* rp_value.shape_flags of a ruleset: which lookups can find anything at all. */
enum rp_shape_flags {
	RP_SHAPE_FILE_PATHS = 1 << 0,	/* some exact file rule */
	RP_SHAPE_EXEC_RULES = 1 << 1,	/* some exec rule, or an exec default other than allow */
	RP_SHAPE_EXEC_PATHS = 1 << 2,	/* some exact exec rule */
	RP_SHAPE_FILELESS = 1 << 3,	/* some fileless exec rule */
	RP_SHAPE_PARENTS = 1 << 4,	/* some exec rule with a parent condition */
	RP_SHAPE_PARENT_PATHS = 1 << 5,	/* some exact parent pattern */
	RP_SHAPE_FILE_DENIES = 1 << 6,	/* some file rule or the file default denies */
	RP_SHAPE_EXEC_DENIES = 1 << 7,	/* some exec rule or the exec default denies */
	RP_SHAPE_NET_CREATE = 1 << 8,	/* some socket creation rule */
	RP_SHAPE_NET_UNIX = 1 << 9,	/* some unix connect rule */
	RP_SHAPE_NET_INET = 1 << 10,	/* some connect, bind or listen rule on inet addresses */
	RP_SHAPE_NET_DEFAULT = 1 << 11,	/* the network default is not allow */
	RP_SHAPE_NET_DENIES = 1 << 12,	/* some network rule or the network default denies */
};
#define RP_SHAPE_NET (RP_SHAPE_NET_CREATE | RP_SHAPE_NET_UNIX | RP_SHAPE_NET_INET |       \
		      RP_SHAPE_NET_DEFAULT)

/*
 * A decision per access: actions holds 2 bits (enum rp_action) per access bit, and id[]
 * the rule that decided each one. A subject stores its ruleset in id[0]. A ruleset stores
 * its file default in id[]/actions, its exec default in exec_id/exec_action, and its
 * shape: for each triple, bit d of *_depths is set when a dir rule names a directory of
 * depth d, so the programs hash only the prefixes that can match.
 */
struct rp_value {
	union {
		struct {
			__u32 id[RP_ACC_BITS];
			__u16 actions;
			__u16 flags;	/* glob entries: literal characters, for specificity */
			__u8 glob_shapes[2];	/* rulesets: shapes of file and exec globs */
			__u8 pad[2];
			/* RP_KEY_RULESET entries only */
			__u32 exec_id;
			__u8 exec_action;
			__u8 pad2;
			__u16 shape_flags;	/* enum rp_shape_flags */
			__u32 dir_depths[3];	/* file, exec, parent: direct-entry rules */
			__u32 tree_depths[3];	/* file, exec, parent: recursive rules */
		};
		struct rp_glob_shape glob;	/* RP_KEY_GLOB_SHAPE entries */
	};
};
_Static_assert(sizeof(struct rp_value) == 64, "rp_value layout");
enum rp_category {
	RP_CAT_FILE = 0,
	RP_CAT_EXEC = 1,
	RP_CAT_PARENT = 2,
	RP_CAT_NET = 3,		/* only for undecided decisions: no path levels */
};

#define RP_ACTION_OF(actions, bit) (((actions) >> (2 * (bit))) & 3)

/* Rule id of a decision taken with no rule at all (a subject whose ruleset is missing). */
#define RP_RULE_NONE 0xffffffffu

/*
 * The selection filter: which cgroups may be subjects, for the fast way out of a task
 * that no policy selects (a byte test per level, read from the programs' .bss, instead
 * of a task storage lookup). It may say "maybe" wrongly (two ids on one slot), never
 * "no" wrongly: the daemon keeps it a superset of the live generation's subjects at every
 * instant (it adds the new generation's subjects before the flip and drops the old ones
 * after it), and a program trusts a "no" only when the live generation was the same
 * before and after its check.
 */
#define RP_FILTER_SLOTS_LOG 15
#define RP_FILTER_SLOTS (1u << RP_FILTER_SLOTS_LOG)
/* cgroup levels at and beyond this one share the last bit of rp_filter.levels */
#define RP_FILTER_LEVEL_LAST 63

/*
 * A slot is a byte, not a bit: a bit costs a BPF program a shift by a variable amount,
 * which the x86 JIT turns into four instructions, and the extra memory (32 KiB a set)
 * costs nothing on the way out, which touches one cache line either way.
 */
struct rp_filter {
	__u64 levels;			/* bit l: a subject sits at cgroup level l */
	__u8 slots[RP_FILTER_SLOTS];	/* slot rp_filter_slot(id) not 0: a subject may have id */
};

/*
 * A cgroup id's slot: its low bits. The kernel numbers cgroups in order of creation
 * (the inode number of their kernfs node, in the low 32 bits of the id), so any
 * RP_FILTER_SLOTS cgroups created one after another have slots of their own.
 */
static inline __u32 rp_filter_slot(__u64 cgroup_id)
{
	return (__u32)cgroup_id & (RP_FILTER_SLOTS - 1);
}

static inline void rp_filter_add(struct rp_filter *f, __u64 cgroup_id, unsigned int level)
{
	f->levels |= 1ULL << (level < RP_FILTER_LEVEL_LAST ? level : RP_FILTER_LEVEL_LAST);
	f->slots[rp_filter_slot(cgroup_id)] = 1;
}

static inline int rp_filter_has(const struct rp_filter *f, __u64 cgroup_id)
{
	return f->slots[rp_filter_slot(cgroup_id)];
}

/*
 * The programs hold one filter per set: a hook asks the set of the subjects whose
 * ruleset has something to say to it, so that a task whose policy leaves the hook's
 * domain alone (file_open under a network-only policy, connect under a file-only one)
 * leaves as early as one no policy selects. Each set follows the same superset rule as a
 * whole filter. The network sets hold the rulesets whose shapes rp_net_shapes() asks for
 * the hook's operation: a task of any other leaves the hook with nothing decided anyway.
 */
enum rp_filter_set {
	RP_FILTER_FILE,		/* file_open: rp_file_relevant() for some access */
	RP_FILTER_EXEC,		/* bprm_check_security: RP_SHAPE_EXEC_RULES */
	RP_FILTER_NET_CREATE,	/* socket_post_create: creation rules or a network default */
	RP_FILTER_NET_INET,	/* connect, bind, listen, sendmsg: inet rules or a network default */
	RP_FILTER_NET_UNIX,	/* unix_stream_connect, unix_may_send: unix rules or the default */
	RP_FILTER_SETS,
};

/* Does the ruleset decide anything in file_open for the accesses acc? */
static inline int rp_file_relevant(const struct rp_value *rs, __u32 acc)
{
	if ((rs->shape_flags & RP_SHAPE_FILE_PATHS) || rs->dir_depths[RP_CAT_FILE] ||
	    rs->tree_depths[RP_CAT_FILE] || rs->glob_shapes[RP_CAT_FILE])
		return 1;
	for (int bit = 0; bit < RP_ACC_BITS; bit++)
		if ((acc & (1u << bit)) && RP_ACTION_OF(rs->actions, bit) != RP_ACT_ALLOW)
			return 1;
	return 0;
}

/* Does the ruleset rs have anything to say to the hooks that consult filter set set? */
static inline int rp_ruleset_in_set(const struct rp_value *rs, unsigned int set)
{
	switch (set) {
	case RP_FILTER_FILE:
		return rp_file_relevant(rs, RP_ACC_ALL);
	case RP_FILTER_EXEC:
		return !!(rs->shape_flags & RP_SHAPE_EXEC_RULES);
	case RP_FILTER_NET_CREATE:
		return !!(rs->shape_flags & (RP_SHAPE_NET_CREATE | RP_SHAPE_NET_DEFAULT));
	case RP_FILTER_NET_INET:
		return !!(rs->shape_flags & (RP_SHAPE_NET_INET | RP_SHAPE_NET_DEFAULT));
	case RP_FILTER_NET_UNIX:
		return !!(rs->shape_flags & (RP_SHAPE_NET_UNIX | RP_SHAPE_NET_DEFAULT));
	default:
		return 1;
	}
}

/*
 * The guard against tampering, armed by the daemon once its programs are pinned. Map
 * ids: no process gets a new fd to these maps (bpf_map hook), so none can write them.
 * Trusted executables (device and inode, kernel encoding): only processes running one
 * of them may unlink, rename or remove the pins in the guarded directory or unmount its
 * bpffs, and no other process may ptrace them or open them for writing.
 */
#define RP_GUARD_MAPS_MAX 16
#define RP_GUARD_TRUSTED_MAX 4

struct rp_guard_file {
	__u64 ino;
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 pad;
};

struct rp_guard {
	__u32 armed;
	__u32 n_maps;
	__u32 map_ids[RP_GUARD_MAPS_MAX];
	struct rp_guard_file pin_dir;	/* this set's directory in bpffs */
	struct rp_guard_file trusted[RP_GUARD_TRUSTED_MAX];	/* ino 0: unused */
};

enum rp_event_kind {
	RP_EV_FILE = 1,
	RP_EV_EXEC = 2,
	RP_EV_NET = 3,
};

enum rp_event_flags {
	RP_EVF_PATH_ERROR = 1 << 0,	/* path could not be resolved: error holds why */
	RP_EVF_FILELESS = 1 << 1,	/* exec of a memfd or deleted file */
	RP_EVF_PARENT_ERROR = 1 << 2,	/* the executing program's path could not be resolved */
	RP_EVF_UNIX = 1 << 3,	/* network: path[] is a unix peer's bound name */
	RP_EVF_INET = 1 << 4,	/* network: net.addr and net.port are set */
	RP_EVF_EXE = 1 << 5,	/* the executable's path follows the object's */
};

/* What a network event is about. */
struct rp_net_obj {
	__u8 op;		/* enum rp_net_op */
	__u8 pad;
	__u16 family;		/* socket's address family */
	__u16 type;
	__u16 protocol;
	__u16 port;		/* host order */
	__u16 pad2;
	__u8 addr[16];		/* IPv6 form, IPv4 mapped */
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
	union {
		__u32 access;		/* file, exec: enum rp_access bits of the attempt */
		struct rp_net_obj net;	/* network */
	};
	__s32 error;		/* path resolution error, when RP_EVF_PATH_ERROR */
	__u16 exe_len;		/* RP_EVF_EXE: bytes of the executable's path, NUL excluded */
	__u16 pad;
	__u64 time_boot_ns;	/* CLOCK_BOOTTIME */
	__u64 cgroup_id;
	char comm[RP_COMM_LEN];
	/* file, exec: the object's path, then with RP_EVF_EXE the process's executable
	 * right after the object's NUL; network: a unix peer's name */
	char path[2 * RP_PATH_MAX];
};
#define RP_EVENT_HDR_SIZE 104
_Static_assert(sizeof(struct rp_event) == RP_EVENT_HDR_SIZE + 2 * RP_PATH_MAX, "rp_event layout");
_Static_assert(__builtin_offsetof(struct rp_event, path) == RP_EVENT_HDR_SIZE, "path offset");

#endif /* RAMPART_ABI_H */
