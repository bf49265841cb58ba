/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Loads Rampart's BPF programs and makes policy sets live. A set is written under a new
 * generation while the old one stays in force, then made live by one write of the state
 * map; the programs check that the generation they decided with is still live when they
 * finish, so no decision mixes two sets. The old generation is deleted afterwards.
 */
#ifndef RAMPART_LOADER_H
#define RAMPART_LOADER_H

#include <limits.h>
#include <stdbool.h>

#include "compile.h"

struct rampart_bpf;

struct loader {
	struct rampart_bpf *skel;
	struct rp_hash_key hkey;	/* drawn from getrandom() before load */
	__u32 gen;			/* live generation; 0: none */
	struct rp_key *live;		/* keys of the live generation */
	size_t n_live;
	struct rp_net_key *live_net;	/* its inet trie nodes */
	size_t n_live_net;
	struct rp_key *old;		/* the generation before: deleted by loader_retire() */
	size_t n_old;
	struct rp_net_key *old_net;
	size_t n_old_net;
	__u64 *hits;			/* rp_hits, mapped: RP_HITS_ENTRIES counters */
	int level_offset;		/* cgroup level of the root paths are under; -1: unknown */
	unsigned insert_fallbacks;	/* applies written one entry at a time (no batch) */
	bool attached;			/* loader_attach() ran: applies attach hooks on demand */
	char pin_set[PATH_MAX];		/* the set directory its links are pinned in, or "" */
};

/* Opens and loads the programs (not yet attached); 0 or a negative errno. */
int loader_load(struct loader *l);
/* With maps_only, creates the maps and loads no program (nothing can be attached): what
 * `rampart bench-apply` needs to time applies on kernels that refuse LSM programs. */
int loader_load_opts(struct loader *l, bool maps_only);
/*
 * Attaches the programs: those of the guard and file_open (which the guard needs) always,
 * each other hook only while a subject of the live generation has a ruleset with
 * something to say to it (its filter set is not empty: loader_hook_set()). From then on
 * loader_apply() attaches a hook a new generation needs before the flip, and detaches
 * one that it no longer needs after it.
 */
int loader_attach(struct loader *l);
/*
 * The filter set (enum rp_filter_set) whose subjects a hook's program is attached for,
 * or -1 for a program attached always.
 */
int loader_hook_set(const char *prog_name);
/* Pins the attached links as a new set under dir (see pin.h); its name in ret_set. A
 * link attached later is pinned there too. */
int loader_pin(struct loader *l, const char *dir, char *ret_set, size_t size);
/*
 * Writes c as the next generation and makes it live; on failure the live set stays. The
 * generation it replaced stays in the maps, unused, until loader_retire() (or the next
 * apply) deletes it: the new set is enforced from the one write that flips the state.
 * Once attached, a hook c needs is attached (and pinned) before the flip, or the apply
 * fails; a hook c does not need is detached after it. *ret_stuck counts the hooks that
 * could not be detached: they stay attached, deciding nothing, until a later apply.
 */
int loader_apply(struct loader *l, const struct compiled_set *c, __u32 *ret_gen,
		 unsigned *ret_stuck);
/* The cgroup level of "/" in the paths of compiled sets (see compile_filter()); -1, the
 * default, when unknown. */
void loader_set_level_offset(struct loader *l, int level_offset);
/*
 * Arms the guard (include/rampart/abi.h, struct rp_guard): no new fd to any map of this
 * loader, and only the executables of trusted[] may remove the pins in pin_dir, trace
 * them or write them. 0 or a negative errno.
 */
int loader_guard(struct loader *l, const char *pin_dir, const char *const *trusted,
		 size_t n_trusted);
/* Adds the executable at path to the trusted ones (an upgraded binary, by inode). 1 when
 * added, 0 when already trusted, or a negative errno (-ENOSPC: no free slot). */
int loader_guard_trust(struct loader *l, const char *path);
/* Deletes the entries of the generation the last apply replaced. */
void loader_retire(struct loader *l);
int loader_events_fd(const struct loader *l);
__u64 loader_lost_events(const struct loader *l);
/* Decisions taken by the defaults without an event: for want of scratch memory, or
 * because the policy set changed on every attempt. */
__u64 loader_undecided_events(const struct loader *l, bool no_memory);
/* file_open's verdict cache: opens decided from it, and verdicts stored in it. */
void loader_vcache_counts(const struct loader *l, __u64 *hits, __u64 *stores);
/* Opens decided from file_open's directory cache, and directories stored in it. */
void loader_dcache_counts(const struct loader *l, __u64 *hits, __u64 *stores);
/* Decisions taken in full by rule rule_id of generation gen since it went live; 0 for a
 * generation other than the live one or the one before it. */
__u64 loader_rule_hits(const struct loader *l, __u32 gen, __u32 rule_id);
/* A loaded program: its name, the hook it is for ("file_open"), its kernel id, whether
 * this loader holds a link attaching it, and whether it is attached on demand only. */
struct loader_prog {
	const char *name;
	const char *hook;
	__u32 id;
	bool attached;
	bool on_demand;
};

/* Fills up to max programs; returns how many there are. */
size_t loader_programs(const struct loader *l, struct loader_prog *out, size_t max);
/* Entries the decision map and the inet trie hold now (live and unretired sets). */
void loader_map_usage(const struct loader *l, size_t *decisions, size_t *net);
/* Detaches and unloads everything. Accepts a loader that never loaded. */
void loader_close(struct loader *l);

#endif /* RAMPART_LOADER_H */
