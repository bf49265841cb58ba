// SPDX-License-Identifier: GPL-2.0
/*
 * Rampart's LSM programs. Each hook: honour an earlier verdict, find the subject,
 * decide, report. The matching logic lives in the *.bpf.h helpers beside this file.
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
#include "exec.bpf.h"

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
static __always_inline int rp_undecided(const struct rp_subject *subj, int cat, __u64 *counter)
{
	struct rp_value *rs = rp_lookup(subj->gen, RP_KEY_RULESET, subj->ruleset, 0);
	__u16 denies = cat == RP_CAT_EXEC ? RP_SHAPE_EXEC_DENIES : RP_SHAPE_FILE_DENIES;

	__sync_fetch_and_add(counter, 1);
	return !rs || (rs->shape_flags & denies) ? -EPERM : 0;
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

SEC("lsm.s/file_open")
int BPF_PROG(rp_file_open, struct file *file, int ret)
{
	struct rp_subject subj = {};
	struct rp_scratch *s = NULL;
	__u32 acc = rp_file_access(file);
	__u64 hash = 0;
	int err = 0;

	if (ret)
		return ret;
	for (int i = 0; i < RP_GEN_RETRIES; i++) {
		__u32 gen = rp_active_gen(), rule_id = RP_RULE_NONE;
		struct rp_value *rs;
		__u8 verdict;

		if (!gen)
			return 0;
		if (!rp_subject_find(gen, &subj)) {
			if (rp_active_gen() == gen)
				return 0;
			continue;
		}
		rs = rp_lookup(gen, RP_KEY_RULESET, subj.ruleset, 0);
		if (!rs || !rp_file_relevant(rs, acc)) {
			if (rp_active_gen() == gen)
				return rs ? 0 : rp_undecided(&subj, RP_CAT_FILE,
							     &rp_undecided_changing);
			continue;
		}
		if (!s) {
			s = rp_scratch_get();
			if (!s)
				return rp_undecided(&subj, RP_CAT_FILE, &rp_undecided_no_memory);
			err = rp_prepare(&file->f_path, (struct rp_pathbuf *)s->ev.path,
					 &s->ev.path_len, &s->obj, &hash);
			s->ev.access = acc;
		}
		verdict = rp_file_verdict(&subj, rs, s, err, hash, &rule_id);
		if (rp_active_gen() != gen)
			continue;	/* a swap happened while deciding: decide again */
		s->ev.kind = RP_EV_FILE;
		s->ev.flags = err ? RP_EVF_PATH_ERROR : 0;
		s->ev.error = err;
		s->ev.rule_id = rule_id;
		return rp_enforce(&s->ev, &subj, verdict);
	}
	/* the set kept changing under us */
	return rp_undecided(&subj, RP_CAT_FILE, &rp_undecided_changing);
}

SEC("lsm.s/bprm_check_security")
int BPF_PROG(rp_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct rp_subject subj = {};
	struct rp_scratch *s = NULL;
	__u64 hash = 0;
	int err = 0;

	if (ret)
		return ret;
	for (int i = 0; i < RP_GEN_RETRIES; i++) {
		__u32 gen = rp_active_gen(), rule_id = RP_RULE_NONE, classes;
		struct rp_value *rs;
		int perr = 0;
		__u8 verdict;

		if (!gen)
			return 0;
		if (!rp_subject_find(gen, &subj)) {
			if (rp_active_gen() == gen)
				return 0;
			continue;
		}
		rs = rp_lookup(gen, RP_KEY_RULESET, subj.ruleset, 0);
		if (!rs || !(rs->shape_flags & RP_SHAPE_EXEC_RULES)) {
			if (rp_active_gen() == gen)
				return rs ? 0 : rp_undecided(&subj, RP_CAT_EXEC,
							     &rp_undecided_changing);
			continue;
		}
		if (!s) {
			s = rp_scratch_get();
			if (!s)
				return rp_undecided(&subj, RP_CAT_EXEC, &rp_undecided_no_memory);
			err = rp_prepare(&bprm->file->f_path, (struct rp_pathbuf *)s->ev.path,
					 &s->ev.path_len, &s->obj, &hash);
			s->ev.access = RP_ACC_EXEC;
		}
		s->ev.flags = rp_exec_fileless(bprm) ? RP_EVF_FILELESS : 0;
		classes = rp_exec_classes(&subj, rs, s, &perr);
		verdict = rp_exec_verdict(&subj, rs, s, err, hash, classes, &rule_id);
		if (perr && verdict == RP_ACT_ALLOW)
			verdict = RP_ACT_AUDIT;	/* parent rules could not be checked: report */
		if (rp_active_gen() != gen)
			continue;
		s->ev.kind = RP_EV_EXEC;
		s->ev.flags |= (err ? RP_EVF_PATH_ERROR : 0) | (perr ? RP_EVF_PARENT_ERROR : 0);
		s->ev.error = err ? err : perr;
		s->ev.rule_id = rule_id;
		return rp_enforce(&s->ev, &subj, verdict);
	}
	return rp_undecided(&subj, RP_CAT_EXEC, &rp_undecided_changing);
}
