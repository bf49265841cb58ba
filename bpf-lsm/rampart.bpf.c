// SPDX-License-Identifier: GPL-2.0
/*
 * Rampart's LSM programs. Each hook: honour an earlier verdict, leave at once when no
 * policy that has something to say to it selects the task (rp_unselected() with the
 * hook's filter set), find the subject, decide, report. The matching logic lives in the
 * *.bpf.h helpers beside this file.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#include "rampart/abi.h"
#include "rampart/siphash.h"

#define EPERM 1
#define ENOENT 2
#define ENAMETOOLONG 36

#include "maps.bpf.h"
#include "subject.bpf.h"
#include "report.bpf.h"
#include "match.bpf.h"
#include "file.bpf.h"
#include "vcache.bpf.h"
#include "dcache.bpf.h"
#include "exec.bpf.h"
#include "net.bpf.h"
#include "guard.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Turns a verdict into the hook's return value, reporting deny and audit decisions. */
static __always_inline int rp_enforce(struct rp_event *ev, const struct rp_subject *subj,
				      __u8 verdict)
{
	if (verdict != RP_ACT_DENY && verdict != RP_ACT_AUDIT)
		return 0;
	rp_event_fill_task(ev, subj);
	ev->decision = verdict;
	rp_event_send(ev);
	return verdict == RP_ACT_DENY ? -EPERM : 0;
}

/*
 * No event memory, or the set kept changing during the decision: the path was not
 * looked at, so deny whenever the ruleset could deny in this category (a rule or the
 * default), else allow; count it either way (the daemon reports the counts).
 */
static __always_inline int rp_undecided_in(__u32 gen, __u16 ruleset, int cat, __u64 *counter)
{
	struct rp_value *rs = rp_lookup(gen, RP_KEY_RULESET, ruleset, 0);
	__u16 denies = cat == RP_CAT_EXEC ? RP_SHAPE_EXEC_DENIES :
		       cat == RP_CAT_NET ? RP_SHAPE_NET_DENIES : RP_SHAPE_FILE_DENIES;

	__sync_fetch_and_add(counter, 1);
	return !rs || (rs->shape_flags & denies) ? -EPERM : 0;
}

static __always_inline int rp_undecided(const struct rp_subject *subj, int cat, __u64 *counter)
{
	return rp_undecided_in(subj->gen, subj->ruleset, cat, counter);
}

/*
 * Does the ruleset have anything to say in this category, for these accesses? For the
 * network, acc holds the shapes that can decide the operation (rp_net_shapes()).
 */
static __always_inline bool rp_relevant(const struct rp_value *rs, int cat, __u32 acc)
{
	if (cat == RP_CAT_FILE)
		return rp_file_relevant(rs, acc);
	if (cat == RP_CAT_EXEC)
		return rs->shape_flags & RP_SHAPE_EXEC_RULES;
	return rs->shape_flags & acc;
}

enum rp_bound_to { RP_ALLOW_ALL, RP_RETRY, RP_MISSING, RP_DECIDE };

/*
 * The first step of every hook, for generation gen: which ruleset binds the task, if it
 * has anything to say in category cat. RP_DECIDE with *ret_rs; RP_ALLOW_ALL (not
 * selected, or nothing to say); RP_RETRY (the set changed meanwhile); RP_MISSING (a
 * selected cgroup whose ruleset is gone: the caller decides it as undecided). It is
 * rp_bind_subject() then rp_bind_ruleset(), which file_open calls apart.
 */
static __always_inline int rp_bind_subject(__u32 gen, struct rp_subject *subj)
{
	if (!rp_subject_find(gen, subj))
		return rp_active_gen() == gen ? RP_ALLOW_ALL : RP_RETRY;
	return RP_DECIDE;
}

static __always_inline int rp_bind_ruleset(__u32 gen, int cat, __u32 acc,
					   const struct rp_subject *subj, struct rp_value **ret_rs)
{
	struct rp_value *rs = rp_subject_ruleset(subj);

	if (!rs)
		rs = rp_lookup(gen, RP_KEY_RULESET, subj->ruleset, 0);
	if (rs && rp_relevant(rs, cat, acc)) {
		*ret_rs = rs;
		return RP_DECIDE;
	}
	if (rp_active_gen() != gen)
		return RP_RETRY;
	return rs ? RP_ALLOW_ALL : RP_MISSING;
}

static __always_inline int rp_bind(__u32 gen, int cat, __u32 acc, struct rp_subject *subj,
				   struct rp_value **ret_rs)
{
	int ret = rp_bind_subject(gen, subj);

	return ret == RP_DECIDE ? rp_bind_ruleset(gen, cat, acc, subj, ret_rs) : ret;
}

/* Resolves and hashes a path once per hook call; rp_match_all() scans it if a level needs. */
static __always_inline int rp_prepare(const struct path *path, struct rp_pathbuf *buf, __u16 *len,
				      struct rp_pathinfo *info, __u64 *hash)
{
	int err = rp_resolve(path, buf, len);

	info->parent_depth = RP_NOT_SCANNED;
	if (err)
		return err;
	*hash = rp_hash(buf, *len);
	return 0;
}

/*
 * A decision is made in attempts, each under the generation live when it starts, until
 * one sees no swap while it decides (RP_GEN_RETRIES at most). The attempts run under
 * bpf_loop(): as a plain loop the verifier walked the whole decision once per retry (for
 * file_open a quarter of a million instructions each, most of a daemon start's load
 * time), a callback is verified once. That is sound only because an attempt reads
 * nothing an earlier one wrote: Linux 6.1 verifies a callback for the state of its first
 * call, not of later ones. So an attempt's inputs are set before the loop and never
 * written, each attempt takes scratch memory and resolves its object again (a swap in
 * the middle of a decision is rare), and what it writes is only this outcome.
 */
struct rp_outcome {
	__u32 gen;		/* the subject of the last attempt that found one ... */
	__u16 ruleset;		/* ... for rp_undecided() when every attempt saw a swap */
	bool done;		/* ret is the hook's answer */
	int ret;
};

enum { RP_TRY_AGAIN, RP_TRY_DONE };

static __always_inline int rp_try_done(struct rp_outcome *o, int ret)
{
	o->ret = ret;
	o->done = true;
	return RP_TRY_DONE;
}

static __always_inline void rp_tried(struct rp_outcome *o, const struct rp_subject *subj)
{
	o->gen = subj->gen;
	o->ruleset = subj->ruleset;
}

/* The hook's answer after the attempts; undecided when the set kept changing under us. */
static __always_inline int rp_outcome_ret(const struct rp_outcome *o, int cat)
{
	if (o->done)
		return o->ret;
	return rp_undecided_in(o->gen, o->ruleset, cat, &rp_undecided_changing);
}

/* The inputs of an open's attempts (the verdict cache did not answer for the cgroup). */
struct rp_open_try {
	struct file *file;
	struct task_struct *task;
	__u64 own_id;			/* the task's cgroup id, if the filter read it; else 0 */
	struct rp_vcache *cached;	/* the inode's valid entry, if any (rp_vcache_find()) */
	struct rp_vcache_snap snap;	/* the verdict cache's snapshot, taken with it */
	__u32 acc;			/* the accesses asked for (rp_file_access()) */
	struct rp_outcome out;
};

/* One attempt: RP_TRY_AGAIN when a swap happened while it decided. */
static __always_inline int rp_file_open_attempt(struct rp_open_try *t, struct rp_hold *h)
{
	struct file *file = t->file;
	__u32 gen = rp_active_gen(), rule_id = RP_RULE_NONE, acc = t->acc;
	struct rp_subject subj = {};
	struct rp_value *rs = NULL;
	struct rp_scratch *s;
	bool store_dir = false;
	__u64 hash = 0;
	__u8 verdict;
	int err;

	if (!gen)
		return rp_try_done(&t->out, 0);
	/*
	 * A cached verdict of this generation: for this task's cgroup it needs not even the
	 * subject; for another cgroup, the same ruleset. No rule lookup at all. An entry is
	 * never written in place, so after a swap cached still holds what it held (of an
	 * older generation: no match).
	 */
	if (rp_vcache_mine(t->cached, gen, t->task, t->own_id))
		return rp_active_gen() == gen ? rp_try_done(&t->out, 0) : RP_TRY_AGAIN;
	switch (rp_bind_subject(gen, &subj)) {
	case RP_ALLOW_ALL:
		return rp_try_done(&t->out, 0);
	case RP_RETRY:
		return RP_TRY_AGAIN;
	}
	rp_tried(&t->out, &subj);
	if (rp_vcache_ruleset(t->cached, &subj))
		return rp_active_gen() == gen ? rp_try_done(&t->out, 0) : RP_TRY_AGAIN;
	switch (rp_bind_ruleset(gen, RP_CAT_FILE, acc, &subj, &rs)) {
	case RP_ALLOW_ALL:
		return rp_try_done(&t->out, 0);
	case RP_RETRY:
		return RP_TRY_AGAIN;
	case RP_MISSING:
		return rp_try_done(&t->out, rp_undecided(&subj, RP_CAT_FILE, &rp_undecided_changing));
	}
	s = rp_scratch_get(h);
	if (!s)
		return rp_try_done(&t->out, rp_undecided(&subj, RP_CAT_FILE, &rp_undecided_no_memory));
	/* a known directory: the name's hash, no bpf_d_path() (dcache.bpf.h) */
	s->dsnap.root_mnt = 0;
	switch (rp_dcache_decide(file, t->task, &subj, rs, s, acc, &t->snap, &s->dsnap, &verdict,
				 &rule_id)) {
	case RP_DC_ALLOW:
		if (rp_active_gen() != gen)
			return RP_TRY_AGAIN;
		rp_count_hit(gen, rule_id);
		rp_vcache_store(file, &subj, acc, &t->snap, &s->vcache);
		return rp_try_done(&t->out, 0);
	case RP_DC_MISS:
		store_dir = true;
		break;
	}
	err = rp_prepare(&file->f_path, (struct rp_pathbuf *)s->ev.path, &s->ev.path_len,
			 &s->obj, &hash);
	s->ev.access = acc;
	verdict = rp_file_verdict(&subj, rs, s, err, hash, &rule_id);
	if (rp_active_gen() != gen)
		return RP_TRY_AGAIN;	/* a swap happened while deciding: decide again */
	rp_count_hit(gen, rule_id);
	if (!err && store_dir)
		rp_dcache_store(file, &subj, rs, s, &s->dsnap);
	if (!err && verdict != RP_ACT_DENY && verdict != RP_ACT_AUDIT) {
		rp_vcache_store(file, &subj, acc, &t->snap, &s->vcache);
		return rp_try_done(&t->out, 0);
	}
	s->ev.kind = RP_EV_FILE;
	s->ev.flags = err ? RP_EVF_PATH_ERROR : 0;
	s->ev.error = err;
	s->ev.rule_id = rule_id;
	if (verdict == RP_ACT_DENY || verdict == RP_ACT_AUDIT)
		rp_event_exe(&s->ev, &s->parent);
	return rp_try_done(&t->out, rp_enforce(&s->ev, &subj, verdict));
}

/* bpf_loop()'s body: one attempt, with the scratch memory held for it alone. */
static long rp_file_open_try(__u32 i, void *data)
{
	struct rp_open_try *t = data;
	struct rp_hold h = {};
	long ret = rp_file_open_attempt(t, &h);

	rp_scratch_put(&h);
	return ret;
}

/*
 * The open of file by a task that the filter could not rule out, under generation gen:
 * answered here (true) when the task's cgroup opened the file before under gen, from the
 * verdict cache, before the decision's set-up; else t is ready for the attempts. gen was
 * live when the hook began, and the entry holds its whole answer (no map of the set is
 * read), so a swap since then needs no second decision: the open was decided as if just
 * before it. Inlined: as a subprogram its call cost a hit about 40 instructions, and the
 * way out for an unselected task costs the same either way (measured).
 */
static __always_inline bool rp_file_open_cached(struct rp_open_try *t, __u32 gen)
{
	t->snap = (struct rp_vcache_snap){};
	t->acc = rp_file_access(t->file);
	t->cached = rp_vcache_find(t->file, t->acc, t->task, &t->snap);
	return rp_vcache_mine(t->cached, gen, t->task, t->own_id);
}

static __always_inline int rp_file_open_decide(struct rp_open_try *t)
{
	t->out = (struct rp_outcome){};
	bpf_loop(RP_GEN_RETRIES, rp_file_open_try, t, 0);
	return rp_outcome_ret(&t->out, RP_CAT_FILE);
}

SEC("lsm.s/file_open")
int BPF_PROG(rp_file_open, struct file *file, int ret)
{
	struct task_struct *task;
	struct rp_open_try t;
	__u64 own_id;
	__u32 gen;

	if (ret)
		return ret;
	ret = rp_guard_file_open(file);
	if (ret)
		return ret;
	task = bpf_get_current_task_btf();
	gen = rp_selected_gen(task, RP_FILTER_FILE, &own_id);
	if (!gen)
		return 0;
	/* t lives in this frame: its attempts' frames and theirs stay within 512 bytes */
	t.file = file;
	t.task = task;
	t.own_id = own_id;
	if (rp_file_open_cached(&t, gen))
		return 0;
	return rp_file_open_decide(&t);
}

/* One attempt at deciding an execve (see struct rp_outcome). */
static __always_inline int rp_bprm_attempt(struct linux_binprm *bprm, struct rp_outcome *out,
					   struct rp_hold *h)
{
	__u32 gen = rp_active_gen(), rule_id = RP_RULE_NONE, classes;
	struct rp_subject subj = {};
	struct rp_value *rs = NULL;
	struct rp_scratch *s;
	__u64 hash = 0;
	int perr = 0, err, bound;
	__u8 verdict;

	if (!gen)
		return rp_try_done(out, 0);
	bound = rp_bind(gen, RP_CAT_EXEC, 0, &subj, &rs);
	if (subj.gen)
		rp_tried(out, &subj);
	switch (bound) {
	case RP_ALLOW_ALL:
		return rp_try_done(out, 0);
	case RP_RETRY:
		return RP_TRY_AGAIN;
	case RP_MISSING:
		return rp_try_done(out, rp_undecided(&subj, RP_CAT_EXEC, &rp_undecided_changing));
	}
	s = rp_scratch_get(h);
	if (!s)
		return rp_try_done(out, rp_undecided(&subj, RP_CAT_EXEC, &rp_undecided_no_memory));
	err = rp_prepare(&bprm->file->f_path, (struct rp_pathbuf *)s->ev.path, &s->ev.path_len,
			 &s->obj, &hash);
	s->ev.access = RP_ACC_EXEC;
	s->ev.flags = rp_exec_fileless(bprm) ? RP_EVF_FILELESS : 0;
	classes = rp_exec_classes(&subj, rs, s, &perr);
	verdict = rp_exec_verdict(&subj, rs, s, err, hash, classes, &rule_id);
	if (perr && verdict == RP_ACT_ALLOW)
		verdict = RP_ACT_AUDIT;	/* parent rules could not be checked: report */
	if (rp_active_gen() != gen)
		return RP_TRY_AGAIN;
	rp_count_hit(gen, rule_id);
	s->ev.kind = RP_EV_EXEC;
	s->ev.flags |= (err ? RP_EVF_PATH_ERROR : 0) | (perr ? RP_EVF_PARENT_ERROR : 0);
	s->ev.error = err ? err : perr;
	s->ev.rule_id = rule_id;
	if (verdict == RP_ACT_DENY || verdict == RP_ACT_AUDIT)
		rp_event_exe(&s->ev, &s->parent);
	return rp_try_done(out, rp_enforce(&s->ev, &subj, verdict));
}

struct rp_exec_try {
	struct linux_binprm *bprm;
	struct rp_outcome out;
};

static long rp_bprm_try(__u32 i, void *data)
{
	struct rp_exec_try *t = data;
	struct rp_hold h = {};
	long ret = rp_bprm_attempt(t->bprm, &t->out, &h);

	rp_scratch_put(&h);
	return ret;
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(rp_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct rp_exec_try t;

	if (ret || rp_unselected(RP_FILTER_EXEC))
		return ret;
	t.bprm = bprm;
	t.out = (struct rp_outcome){};
	bpf_loop(RP_GEN_RETRIES, rp_bprm_try, &t, 0);
	return rp_outcome_ret(&t.out, RP_CAT_EXEC);
}

/*
 * Reports a network verdict. The event needs the task's scratch memory; without it the
 * verdict still stands and the event is counted as lost.
 */
static __always_inline int rp_net_enforce(struct rp_hold *h, struct rp_scratch *s,
					  const struct rp_net_req *req,
					  const struct rp_subject *subj, __u8 verdict,
					  __u32 rule_id)
{
	if (verdict != RP_ACT_DENY && verdict != RP_ACT_AUDIT)
		return 0;
	if (!s)
		s = rp_scratch_get(h);
	if (!s) {
		__sync_fetch_and_add(&rp_lost_events, 1);
		return verdict == RP_ACT_DENY ? -EPERM : 0;
	}
	s->ev.kind = RP_EV_NET;
	s->ev.flags = req->flags;
	s->ev.error = 0;
	s->ev.rule_id = rule_id;
	s->ev.net = req->obj;
	s->ev.path_len = req->flags & RP_EVF_UNIX ? req->name_len : 0;
	s->ev.path[s->ev.path_len & (RP_PATH_MAX - 1)] = '\0';
	return rp_enforce(&s->ev, subj, verdict);
}

/* Where a network hook's object comes from: filled in by the hook, or a caller's address. */
struct rp_net_src {
	struct sock *unix_peer;		/* unix: the peer whose bound name is decided */
	struct socket *sock;		/* connect, bind, sendmsg: the socket ... */
	struct sockaddr *address;	/* ... and the address the caller passed */
	int addrlen;
	bool untyped;			/* address is not a BTF pointer (sendmsg's msg_name) */
};

/*
 * A caller's inet address, read once the task is known to be selected: 0 when there is
 * nothing to decide (not inet, or an AF_UNSPEC connect, which disconnects).
 */
static __always_inline bool rp_net_fill_addr(const struct rp_net_src *src, struct rp_net_req *req)
{
	rp_net_family(src->sock, req);
	if (req->obj.family != RP_AF_INET && req->obj.family != RP_AF_INET6)
		return false;
	if (src->untyped)
		return rp_net_sockaddr_copy(src->address, src->addrlen, req->obj.family, req);
	return rp_net_sockaddr(src->address, src->addrlen, req->obj.family, req);
}

/* rp_bind() for a network hook, which needs of the ruleset only its shapes. */
static __always_inline int rp_net_bind(__u32 gen, const struct rp_net_req *req,
				       struct rp_subject *subj, __u16 *ret_shape)
{
	struct rp_value *rs = NULL;
	int ret = rp_bind(gen, RP_CAT_NET, rp_net_shapes(req), subj, &rs);

	if (ret == RP_DECIDE)
		*ret_shape = rs->shape_flags;
	return ret;
}

/*
 * The decision skeleton of every network hook. The subject comes first: an address or
 * a unix peer's name is read (into the task's scratch) only for a selected task whose
 * ruleset has network rules.
 */
static __always_inline int rp_net_decide_held(struct rp_net_req *req, const struct rp_net_src *src,
					      struct rp_hold *h)
{
	struct rp_subject subj = {};
	struct rp_scratch *s = NULL;
	bool filled = false;

	for (int i = 0; i < RP_GEN_RETRIES; i++) {
		__u32 gen = rp_active_gen(), rule_id = RP_RULE_NONE;
		__u16 shape = 0;
		__u8 verdict;

		if (!gen)
			return 0;
		switch (rp_net_bind(gen, req, &subj, &shape)) {
		case RP_ALLOW_ALL:
			return 0;
		case RP_RETRY:
			continue;
		case RP_MISSING:
			return rp_undecided(&subj, RP_CAT_NET, &rp_undecided_changing);
		}
		if (src->address && !filled) {
			if (!rp_net_fill_addr(src, req))
				return 0;
			filled = true;
		}
		if (src->unix_peer && !s) {
			s = rp_scratch_get(h);
			if (!s)
				return rp_undecided(&subj, RP_CAT_NET, &rp_undecided_no_memory);
			req->name_len = rp_net_unix_name(src->unix_peer,
							 (struct rp_pathbuf *)s->ev.path);
			req->unix_hash = rp_hash((struct rp_pathbuf *)s->ev.path, req->name_len);
		}
		verdict = rp_net_verdict(&subj, shape, req, &rule_id);
		if (rp_active_gen() != gen)
			continue;
		rp_count_hit(gen, rule_id);
		/* an address's socket: its type and protocol only for the event */
		if (src->sock && (verdict == RP_ACT_DENY || verdict == RP_ACT_AUDIT))
			rp_net_kind(src->sock, src->sock->sk, req);
		return rp_net_enforce(h, s, req, &subj, verdict, rule_id);
	}
	return rp_undecided(&subj, RP_CAT_NET, &rp_undecided_changing);
}

static __always_inline int rp_net_decide(struct rp_net_req *req, const struct rp_net_src *src)
{
	struct rp_hold h = {};
	int ret = rp_net_decide_held(req, src, &h);

	rp_scratch_put(&h);
	return ret;
}

SEC("lsm/socket_post_create")
int BPF_PROG(rp_socket_create, struct socket *sock, int family, int type, int protocol, int kern,
	     int ret)
{
	struct rp_net_req req = { .obj.op = RP_NET_CREATE };

	if (ret || kern || rp_unselected(RP_FILTER_NET_CREATE))
		return ret;	/* the kernel's own sockets are never denied */
	rp_net_socket(sock, &req);
	req.obj.family = family;
	req.obj.type = type;
	return rp_net_decide(&req, &(struct rp_net_src){});
}

/* connect and bind: the address the caller passed; only inet addresses are decided here. */
static __always_inline int rp_net_addr_hook(struct socket *sock, struct sockaddr *address,
					    int addrlen, __u8 op, bool untyped)
{
	struct rp_net_src src = { .sock = sock, .address = address, .addrlen = addrlen,
				  .untyped = untyped };
	struct rp_net_req req = { .obj.op = op };

	return rp_net_decide(&req, &src);
}

SEC("lsm/socket_connect")
int BPF_PROG(rp_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret || rp_unselected(RP_FILTER_NET_INET))
		return ret;
	return rp_net_addr_hook(sock, address, addrlen, RP_NET_CONNECT, false);
}

SEC("lsm/socket_bind")
int BPF_PROG(rp_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret || rp_unselected(RP_FILTER_NET_INET))
		return ret;
	return rp_net_addr_hook(sock, address, addrlen, RP_NET_BIND, false);
}

/*
 * sendto and sendmsg with an address: a datagram to it, or a TCP Fast Open connect, is
 * a connect to that address (without this, sendto would get around connect rules).
 * Without an address the socket is connected, and its connect was decided.
 */
SEC("lsm/socket_sendmsg")
int BPF_PROG(rp_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	void *name = msg->msg_name;
	int namelen = msg->msg_namelen;

	if (ret || !name || namelen <= 0 || rp_unselected(RP_FILTER_NET_INET))
		return ret;
	if (sock->type == RP_SOCK_STREAM && !(msg->msg_flags & RP_MSG_FASTOPEN))
		return 0;	/* TCP ignores the address of a send */
	return rp_net_addr_hook(sock, name, namelen, RP_NET_CONNECT, true);
}

/* listen: the address the socket is bound to. */
SEC("lsm/socket_listen")
int BPF_PROG(rp_socket_listen, struct socket *sock, int backlog, int ret)
{
	struct rp_net_req req = { .obj.op = RP_NET_LISTEN, .flags = RP_EVF_INET };
	struct sock *sk = BPF_CORE_READ(sock, sk);

	if (ret || !sk || rp_unselected(RP_FILTER_NET_INET))
		return ret;
	rp_net_socket(sock, &req);
	if (req.obj.family == RP_AF_INET)
		rp_net_map4(req.obj.addr, BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr));
	else if (req.obj.family == RP_AF_INET6)
		BPF_CORE_READ_INTO(&req.obj.addr, sk, __sk_common.skc_v6_rcv_saddr);
	else
		return 0;
	req.obj.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	return rp_net_decide(&req, &(struct rp_net_src){});
}

/* unix stream connect: decided on the name the listening peer bound. */
SEC("lsm/unix_stream_connect")
int BPF_PROG(rp_unix_connect, struct sock *sock, struct sock *other, struct sock *newsk, int ret)
{
	struct rp_net_req req = { .obj = { .op = RP_NET_CONNECT, .family = RP_AF_UNIX },
				  .flags = RP_EVF_UNIX };

	if (ret || rp_unselected(RP_FILTER_NET_UNIX))
		return ret;
	req.obj.type = BPF_CORE_READ(sock, sk_type);
	return rp_net_decide(&req, &(struct rp_net_src){ .unix_peer = other });
}

/* unix datagram connect and send: decided on the receiving socket's bound name. */
SEC("lsm/unix_may_send")
int BPF_PROG(rp_unix_send, struct socket *sock, struct socket *other, int ret)
{
	struct rp_net_req req = { .obj = { .op = RP_NET_CONNECT, .family = RP_AF_UNIX },
				  .flags = RP_EVF_UNIX };
	struct sock *peer = BPF_CORE_READ(other, sk);

	if (ret || !peer || rp_unselected(RP_FILTER_NET_UNIX))
		return ret;
	req.obj.type = BPF_CORE_READ(sock, type);
	return rp_net_decide(&req, &(struct rp_net_src){ .unix_peer = peer });
}

/* The guard (guard.bpf.h): Rampart's maps, pins and binary while enforcement is on. */
SEC("lsm/bpf_map")
int BPF_PROG(rp_guard_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	return ret ? ret : rp_guard_map_fd(map);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(rp_guard_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	if (ret || !rp_guard_armed() || !rp_guard_trusted_task(child))
		return ret;
	return rp_guard_current_trusted() ? 0 : -EPERM;
}

SEC("lsm/inode_unlink")
int BPF_PROG(rp_guard_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : rp_guard_dir_change(dir, dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(rp_guard_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : rp_guard_dir_change(dir, dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(rp_guard_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = rp_guard_dir_change(old_dir, old_dentry);
	return ret ? ret : rp_guard_dir_change(new_dir, new_dentry);
}

/* Unmounting the bpffs that holds the pins would drop them with it. */
SEC("lsm/sb_umount")
int BPF_PROG(rp_guard_umount, struct vfsmount *mnt, int flags, int ret)
{
	if (ret || !rp_guard_armed() ||
	    BPF_CORE_READ(mnt, mnt_sb, s_dev) != rp_guard.pin_dir.dev)
		return ret;
	return rp_guard_current_trusted() ? 0 : -EPERM;
}

SEC("lsm/path_truncate")
int BPF_PROG(rp_guard_truncate, const struct path *path, int ret)
{
	if (ret || !rp_guard_armed())
		return ret;
	return rp_guard_is_trusted_inode(BPF_CORE_READ(path, dentry, d_inode)) ? -EPERM : 0;
}
