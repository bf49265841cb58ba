/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's state, shared by run.c (the loop, applies, events) and run-ctl.c (what
 * the control socket and the metrics listener answer). Not for other modules.
 */
#ifndef RAMPART_RUN_INTERNAL_H
#define RAMPART_RUN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "bindings.h"
#include "cgroup.h"
#include "compile.h"
#include "ctl.h"
#include "flood.h"
#include "loader.h"
#include "pin.h"
#include "probe.h"
#include "sink.h"
#include "watch.h"

/* Rule tables of the last generations, to name the rules of events still queued. */
#define RUN_HISTORY 8
/* Events handled before the loop hands control back, however fast they arrive. */
#define RUN_EVENT_BATCH 1024
#define RUN_SIGNAL_CHECK 32	/* events between two looks for a waiting signal */
/* Longest wait without looking at the kernel's loss counters. */
#define RUN_WAIT_MS 250

struct run_gen {
	__u32 gen;
	struct compiled_set set;
};

struct run_ctx {
	struct loader loader;
	struct run_gen history[RUN_HISTORY];	/* generation g in slot g % RUN_HISTORY */
	__u32 live_gen;
	__u64 lost_reported;
	__u64 undecided_reported[2];	/* by reason: set changing, no memory */
	unsigned batch;		/* events handled since the loop last looked at signals */
	bool draining;		/* at shutdown: take every event left, no batching */
	char cgroup2_mount[256];
	const char *const *paths;
	size_t n_paths;
	char node[65];			/* uname's nodename, for events */
	struct cgroup_names cgroup_names;	/* cgroup ids back to paths, for events */
	struct sinks sinks;
	struct flood flood;
	struct rp_hash_key id_key;	/* for event identities, drawn at start */
	unsigned long long events;	/* decision events read from the ring buffer */
	const char *pin_dir;
	char pin_set[PIN_SET_NAME_MAX];	/* this daemon's set under pin_dir */
	struct watch watch;		/* --policy-dir directories; fd -1 without any */
	struct ctl_server ctl;		/* control socket and metrics listener */
	struct probe_report probe;	/* what the kernel offered at start */
	unsigned long long reloads, reload_failures;
	char last_error[512];		/* why the last apply failed; "" once one works */
	long long apply_ns;		/* how long the last successful apply took */
	long long live_since_ns;	/* CLOCK_REALTIME when the live generation went live */
	long long started_ns;		/* CLOCK_REALTIME at start */
	bool guard;			/* arm the guard once pinned */
	bool guarded;			/* armed */
	char exe_path[4096];		/* where the daemon's binary was at start */
	char exec_path[4096];		/* the name it was started by, symlinks unresolved */
	bool kallsyms_visible;		/* at load: the verdict cache got its symbols */
	int vcache_symbols;		/* rename_lock and mount_lock in kallsyms: 1, 0;
					 * -1 until a status asks (kallsyms is long) */
	bool seccomp_on, caps_dropped;	/* confinement in force */
	struct policy_set policies;	/* the set in force, read at the last (re)load */
	bool have_policies;
	struct bindings bindings;	/* containers bound by rampart oci-hook */
	const char *bindings_path;	/* their state file */
	unsigned long long binds;	/* bind requests that bound a container */
};

/* Reloads the policies as SIGHUP does: 0, or a negative errno with rc->last_error. */
int run_reload_now(struct run_ctx *rc);
/* Binds a container (a bind request's JSON) and applies a generation that confines it
 * when a policy selects it: 0 with the names of those policies in *ret_policies (a
 * json array), or a negative errno with the reason in why. */
int run_bind(struct run_ctx *rc, const char *json, struct json_object **ret_policies,
	     char *why, size_t whysz);
/* Whether /proc/kallsyms names both symbols. */
bool run_has_kallsyms(const char *a, const char *b);
/* CLOCK_REALTIME in nanoseconds. */
long long run_realtime_ns(void);

/* run-ctl.c: a control request's reply (ctl_ops.request) and the metrics page. */
char *run_ctl_request(void *ctx, const struct ctl_peer *peer, const char *req, int *fd);
char *run_metrics(void *ctx);

#endif /* RAMPART_RUN_INTERNAL_H */
