// SPDX-License-Identifier: GPL-2.0
/*
 * `rampart run`: load, make the policy set live, stream decisions, reload on SIGHUP.
 * A reload compiles the whole set again and makes it live with one write; a set that
 * does not load leaves the one in force untouched.
 */
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>

#include "audit.h"
#include "cgroup.h"
#include "compile.h"
#include "loader.h"
#include "log.h"
#include "policy.h"
#include "probe.h"
#include "run.h"

/* Rule tables of the last generations, to name the rules of events still queued. */
#define RUN_HISTORY 8
/* Events handled before the loop looks at signals again, however fast they arrive. */
#define RUN_EVENT_BATCH 1024

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
	char cgroup2_mount[256];
	const char *const *paths;
	size_t n_paths;
	char node[65];			/* uname's nodename, for events */
	struct cgroup_names cgroup_names;	/* cgroup ids back to paths, for events */
};

struct run_event_ctx {
	struct audit_context ctx;
	char exe[4096];
};

static volatile sig_atomic_t run_stop, run_reload;

static void run_on_signal(int sig)
{
	if (sig == SIGHUP)
		run_reload = 1;
	else
		run_stop = sig;
}

static int run_resolve_cgroup(void *ctx, const char *path, __u64 *ret_id)
{
	const struct run_ctx *rc = ctx;

	return cgroup_id_of(rc->cgroup2_mount, path, ret_id);
}

static int run_expand_cgroups(void *ctx, const char *pattern, cgroup_expand_fn fn, void *fctx)
{
	const struct run_ctx *rc = ctx;

	return cgroup_expand(rc->cgroup2_mount, pattern, fn, fctx);
}

static const struct compile_rule *run_rule(const struct run_ctx *rc, __u32 gen, __u32 id)
{
	const struct run_gen *g = &rc->history[gen % RUN_HISTORY];

	return g->gen == gen ? compiled_rule(&g->set, id) : NULL;
}

/* What the daemon adds to the kernel's record: node, executable and cgroup path. */
static const struct audit_context *run_event_context(struct run_ctx *rc, const void *data,
						     size_t size, struct run_event_ctx *ec)
{
	__u32 tgid = audit_event_tgid(data, size);

	ec->ctx = (struct audit_context){
		.boot_to_real_ns = audit_boot_to_real_ns(),
		.node = rc->node,
		.exe = tgid ? proc_exe(tgid, ec->exe, sizeof(ec->exe)) : NULL,
		.cgroup = cgroup_names_lookup(&rc->cgroup_names, audit_event_cgroup(data, size)),
	};
	return &ec->ctx;
}

static int run_handle_event(void *ctx, void *data, size_t size)
{
	struct run_event_ctx actx;
	struct run_ctx *rc = ctx;
	const struct rp_event *ev = data;
	const struct compile_rule *rule = NULL;
	char *line = NULL;

	if (size >= RP_EVENT_HDR_SIZE)
		rule = run_rule(rc, ev->gen, ev->rule_id);
	if (audit_format(data, size, rule, run_event_context(rc, data, size, &actx), &line)) {
		log_warn("malformed event of %zu bytes from the kernel, ignoring", size);
		return 0;
	}
	printf("%s\n", line);
	free(line);
	/* A flood must not starve reloads and shutdown: hand control back now and then. */
	if (++rc->batch >= RUN_EVENT_BATCH || run_reload || run_stop)
		return -EAGAIN;
	return 0;
}

/* Decisions the kernel took by the defaults without an event are counted there, by
 * reason, and each new count is reported here. */
static void run_report_undecided(struct run_ctx *rc)
{
	static const char *const reasons[2] = { "policy set changing", "no scratch memory" };
	char when[48];

	for (int r = 0; r < 2; r++) {
		__u64 n = loader_undecided_events(&rc->loader, r);

		if (n == rc->undecided_reported[r])
			continue;
		audit_time(audit_boot_to_real_ns(), when, sizeof(when));
		printf("{\"time\":\"%s\",\"kind\":\"undecided\",\"reason\":\"%s\","
		       "\"count\":%llu,\"count_total\":%llu}\n", when, reasons[r],
		       (unsigned long long)(n - rc->undecided_reported[r]), (unsigned long long)n);
		log_warn("%llu decisions taken by the defaults without an event: %s",
			 (unsigned long long)(n - rc->undecided_reported[r]), reasons[r]);
		rc->undecided_reported[r] = n;
	}
}

/* Every event the kernel could not queue is reported in the stream, never dropped silently. */
static void run_report_losses(struct run_ctx *rc)
{
	__u64 lost = loader_lost_events(&rc->loader);
	char when[48];

	run_report_undecided(rc);
	if (lost == rc->lost_reported)
		return;
	audit_time(audit_boot_to_real_ns(), when, sizeof(when));
	printf("{\"time\":\"%s\",\"kind\":\"loss\",\"lost\":%llu,\"lost_total\":%llu}\n", when,
	       (unsigned long long)(lost - rc->lost_reported), (unsigned long long)lost);
	log_warn("%llu events lost: the ring buffer was full",
		 (unsigned long long)(lost - rc->lost_reported));
	rc->lost_reported = lost;
}

static int run_explain_unusable(struct probe_report *r)
{
	const struct probe_item *bad;

	if (probe_kernel("", r) == 0 && probe_lsm_load(r) == 0)
		return 0;
	bad = probe_first_failure(r);
	log_error("BPF LSM cannot be used on this kernel: %s", bad->hint);
	return -EOPNOTSUPP;
}

/*
 * Reads, compiles and makes the policy set live; on any failure the set in force stays.
 * The "enforcing" line is written once the programs are attached: scripts wait for it.
 */
static int run_apply(struct run_ctx *rc, const char *what, bool attach)
{
	struct policy_set set = {};
	struct compiled_set c = {};
	struct policy_error err;
	struct run_gen *slot;
	__u32 gen;
	int ret;

	ret = policy_set_load(rc->paths, rc->n_paths, &set, &err);
	if (!ret)
		ret = compile_set(&set, &rc->loader.hkey,
				  &(struct compile_cgroups){ .resolve = run_resolve_cgroup,
							     .expand = run_expand_cgroups,
							     .ctx = rc }, &c, &err);
	if (ret) {
		policy_set_free(&set);
		return log_error_errno(ret, "%s failed: %s", what, err.msg);
	}
	ret = loader_apply(&rc->loader, &c, &gen);
	if (ret) {
		policy_set_free(&set);
		compiled_set_free(&c);
		return log_error_errno(ret, "%s failed: loading the policy set into the kernel: %s",
				       what, strerror(-ret));
	}
	slot = &rc->history[gen % RUN_HISTORY];
	compiled_set_free(&slot->set);
	slot->set = c;
	slot->gen = gen;
	rc->live_gen = gen;
	ret = attach ? loader_attach(&rc->loader) : 0;
	if (ret) {
		policy_set_free(&set);
		return log_error_errno(ret, "attaching the LSM programs failed: %s",
				       strerror(-ret));
	}
	log_info("%s: enforcing %zu %s (generation %u: %zu rulesets, %zu cgroups, %zu map "
		 "entries)", what, set.n, set.n == 1 ? "policy" : "policies", gen, c.n_rulesets,
		 c.n_subjects, c.n_entries);
	policy_set_free(&set);
	return 0;
}

static int run_load(struct run_ctx *rc)
{
	int ret = loader_load(&rc->loader);

	if (ret == -EPERM && geteuid() != 0)
		return log_error_errno(ret, "loading the BPF programs was refused: rampart run "
					    "needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)");
	if (ret)
		return log_error_errno(ret, "loading the BPF programs failed: %s (run with "
					    "--verbose for libbpf's log)", strerror(-ret));
	return run_apply(rc, "start", true);
}

static int run_loop(struct run_ctx *rc)
{
	struct ring_buffer *rb;
	int ret = 0;

	rb = ring_buffer__new(loader_events_fd(&rc->loader), run_handle_event, rc, NULL);
	if (!rb)
		return log_error_errno(-errno, "opening the event ring buffer failed: %s",
				       strerror(errno));
	while (!run_stop) {
		rc->batch = 0;
		ret = ring_buffer__poll(rb, 250);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN) {
			log_error("reading events failed: %s", strerror(-ret));
			break;
		}
		ret = 0;
		if (run_reload) {
			run_reload = 0;
			run_apply(rc, "reload", false);
		}
		run_report_losses(rc);
		fflush(stdout);
	}
	ring_buffer__consume(rb);
	run_report_losses(rc);
	fflush(stdout);
	ring_buffer__free(rb);
	return ret;
}

int run_daemon(const char *const *paths, size_t n_paths)
{
	struct run_ctx rc = { .paths = paths, .n_paths = n_paths };
	struct sigaction sa = { .sa_handler = run_on_signal };
	struct policy_error err;
	struct probe_report probe;
	struct policy_set set = {};
	struct utsname uts;
	int ret;

	/* Validate before touching the kernel: a bad policy is the first thing to hear of. */
	ret = policy_set_load(paths, n_paths, &set, &err);
	policy_set_free(&set);
	if (ret)
		return log_error_errno(1, "%s", err.msg);
	if (run_explain_unusable(&probe))
		return 1;
	snprintf(rc.cgroup2_mount, sizeof(rc.cgroup2_mount), "%s", probe.cgroup2_mount);
	if (uname(&uts) == 0)
		snprintf(rc.node, sizeof(rc.node), "%s", uts.nodename);
	ret = cgroup_names_open(&rc.cgroup_names, rc.cgroup2_mount);
	if (ret)
		log_warn("cgroup paths will be missing from events: opening %s: %s",
			 rc.cgroup2_mount, strerror(-ret));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = run_load(&rc);
	if (!ret)
		ret = run_loop(&rc);
	loader_close(&rc.loader);
	cgroup_names_close(&rc.cgroup_names);
	for (int i = 0; i < RUN_HISTORY; i++)
		compiled_set_free(&rc.history[i].set);
	if (!ret)
		log_info("stopped by signal %d: programs detached, nothing is enforced",
			 (int)run_stop);
	return ret ? 1 : 0;
}
