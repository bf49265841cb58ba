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
#define ENAMETOOLONG 36

#include "maps.bpf.h"
#include "subject.bpf.h"
#include "report.bpf.h"
#include "file.bpf.h"

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
 * No event memory, or the set kept changing during the decision: nothing to report
 * with, so count it and fall back to the ruleset's file default.
 */
static __always_inline int rp_undecided(const struct rp_subject *subj)
{
	struct rp_value *def = rp_lookup(subj->gen, RP_KEY_RULESET, subj->ruleset, 0);

	__sync_fetch_and_add(&rp_undecided_events, 1);
	return !def || RP_ACTION_OF(def->actions, 0) == RP_ACT_DENY ? -EPERM : 0;
}

SEC("lsm.s/file_open")
int BPF_PROG(rp_file_open, struct file *file, int ret)
{
	struct rp_subject subj = {};
	struct rp_event *ev = NULL;
	__u64 phash = 0;
	__u8 verdict;
	int err = 0;

	if (ret)
		return ret;
	for (int i = 0; i < RP_GEN_RETRIES; i++) {
		__u32 gen = rp_active_gen(), rule_id = RP_RULE_NONE;

		if (!gen)
			return 0;
		if (!rp_subject_find(gen, &subj)) {
			if (rp_active_gen() == gen)
				return 0;
			continue;
		}
		if (!ev) {
			ev = rp_scratch_get();
			if (!ev)
				return rp_undecided(&subj);
			err = rp_file_path(file, ev);
			if (!err)
				phash = rp_path_hash(ev);
			ev->access = rp_file_access(file);
		}
		verdict = rp_file_verdict(&subj, phash, ev->access, !err, &rule_id);
		if (rp_active_gen() != gen)
			continue;	/* a swap happened while deciding: decide again */
		ev->kind = RP_EV_FILE;
		ev->flags = err ? RP_EVF_PATH_ERROR : 0;
		ev->error = err;
		ev->rule_id = rule_id;
		return rp_enforce(ev, &subj, verdict);
	}
	return rp_undecided(&subj);	/* the set kept changing under us */
}
