// SPDX-License-Identifier: GPL-2.0
/*
 * What the daemon answers on its control socket (`rampart status`, `rampart reload`,
 * `rampart events`) and on its metrics listener. Both read the same counts: the kernel's
 * (rule hits, losses, undecided decisions) and the daemon's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "audit.h"
#include "log.h"
#include "policy.h"
#include "run-internal.h"

#define RUN_VERSION "0.1.0"
#define RUN_PROGS_MAX 16

static char *run_json_line(json_object *o)
{
	char *out = NULL;

	if (o && asprintf(&out, "%s\n", json_object_to_json_string_ext(
				      o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
		out = NULL;
	json_object_put(o);
	return out;
}

static json_object *run_time_json(long long ns)
{
	char when[48];

	audit_time(ns, when, sizeof(when));
	return json_object_new_string(when);
}

static const struct compiled_set *run_live_set(const struct run_ctx *rc)
{
	const struct run_gen *g = &rc->history[rc->live_gen % RUN_HISTORY];

	return rc->live_gen && g->gen == rc->live_gen ? &g->set : NULL;
}

/* Policies in set order, each with its rules and their hits in the live generation. */
static json_object *run_status_policies(const struct run_ctx *rc)
{
	const struct compiled_set *c = run_live_set(rc);
	json_object *list = json_object_new_array(), *pol = NULL, *rules = NULL;
	const char *name = NULL;

	for (size_t i = 0; c && i < c->n_rules; i++) {
		const struct compile_rule *r = &c->rules[i];
		json_object *o = json_object_new_object();

		if (!name || strcmp(name, r->policy) != 0) {
			name = r->policy;
			pol = json_object_new_object();
			rules = json_object_new_array();
			json_object_object_add(pol, "name", json_object_new_string(r->policy));
			json_object_object_add(pol, "mode", json_object_new_string(
							    r->audit_mode ? "audit" : "enforce"));
			json_object_object_add(pol, "rules", rules);
			json_object_array_add(list, pol);
		}
		json_object_object_add(o, "rule", json_object_new_string(r->label));
		json_object_object_add(o, "action",
				       json_object_new_string(policy_action_name(r->action)));
		json_object_object_add(o, "hits", json_object_new_uint64(
			loader_rule_hits(&rc->loader, rc->live_gen, (__u32)i)));
		json_object_array_add(rules, o);
	}
	return list;
}

static json_object *run_status_programs(const struct run_ctx *rc)
{
	struct loader_prog progs[RUN_PROGS_MAX];
	size_t n = loader_programs(&rc->loader, progs, RUN_PROGS_MAX);
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < n && i < RUN_PROGS_MAX; i++) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "hook", json_object_new_string(progs[i].hook));
		json_object_object_add(o, "program", json_object_new_string(progs[i].name));
		json_object_object_add(o, "id", json_object_new_int64(progs[i].id));
		json_object_object_add(o, "attached", json_object_new_boolean(progs[i].attached));
		json_object_object_add(o, "on_demand", json_object_new_boolean(progs[i].on_demand));
		json_object_array_add(list, o);
	}
	return list;
}

static json_object *run_status_map(const char *name, size_t entries, size_t capacity)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "entries", json_object_new_uint64(entries));
	json_object_object_add(o, "capacity", json_object_new_uint64(capacity));
	return o;
}

static json_object *run_status_kernel(const struct run_ctx *rc)
{
	json_object *o = json_object_new_object(), *checks = json_object_new_array();

	json_object_object_add(o, "release", json_object_new_string(rc->probe.kernel_release));
	for (int i = 0; i < PROBE__COUNT; i++) {
		const struct probe_item *it = &rc->probe.items[i];
		json_object *c = json_object_new_object();

		json_object_object_add(c, "name", json_object_new_string(it->name ? it->name : ""));
		json_object_object_add(c, "ok", json_object_new_boolean(it->ok));
		json_object_object_add(c, "detail", json_object_new_string(it->detail));
		json_object_array_add(checks, c);
	}
	json_object_object_add(o, "checks", checks);
	return o;
}

static json_object *run_status_events(const struct run_ctx *rc)
{
	json_object *o = json_object_new_object();
	__u64 hits, stores, dhits, dstores;

	loader_vcache_counts(&rc->loader, &hits, &stores);
	loader_dcache_counts(&rc->loader, &dhits, &dstores);
	json_object_object_add(o, "read", json_object_new_uint64(rc->events));
	json_object_object_add(o, "published", json_object_new_uint64(rc->flood.published));
	json_object_object_add(o, "coalesced", json_object_new_uint64(rc->flood.coalesced));
	json_object_object_add(o, "rate_limited", json_object_new_uint64(rc->flood.suppressed));
	json_object_object_add(o, "lost", json_object_new_uint64(
						   loader_lost_events(&rc->loader)));
	json_object_object_add(o, "undecided_changing", json_object_new_uint64(
				       loader_undecided_events(&rc->loader, false)));
	json_object_object_add(o, "undecided_no_memory", json_object_new_uint64(
				       loader_undecided_events(&rc->loader, true)));
	json_object_object_add(o, "stream_clients", json_object_new_uint64(
				       rc->sinks.server.epfd >= 0 ? rc->sinks.server.n_clients : 0));
	json_object_object_add(o, "verdict_cache_hits", json_object_new_uint64(hits));
	json_object_object_add(o, "verdict_cache_stores", json_object_new_uint64(stores));
	json_object_object_add(o, "dir_cache_hits", json_object_new_uint64(dhits));
	json_object_object_add(o, "dir_cache_stores", json_object_new_uint64(dstores));
	return o;
}

/* What this daemon uses of the kernel, and how it is confined. */
static json_object *run_status_features(struct run_ctx *rc)
{
	json_object *o = json_object_new_object();

	if (rc->vcache_symbols < 0)
		rc->vcache_symbols = run_has_kallsyms("rename_lock", "mount_lock");
	json_object_object_add(o, "ring_buffer", json_object_new_boolean(true));
	json_object_object_add(o, "sleepable_lsm", json_object_new_boolean(true));
	json_object_object_add(o, "verdict_cache", json_object_new_boolean(rc->kallsyms_visible &&
										 rc->vcache_symbols == 1));
	json_object_object_add(o, "guard", json_object_new_boolean(rc->guarded));
	json_object_object_add(o, "seccomp", json_object_new_boolean(rc->seccomp_on));
	json_object_object_add(o, "capabilities_dropped", json_object_new_boolean(rc->caps_dropped));
	return o;
}

/* The containers bound by rampart oci-hook, oldest first as they were bound. */
static json_object *run_status_containers(const struct run_ctx *rc)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < rc->bindings.n; i++) {
		const struct binding *b = &rc->bindings.v[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(b->id));
		json_object_object_add(o, "namespace", json_object_new_string(b->ns));
		json_object_object_add(o, "pod", json_object_new_string(b->pod));
		json_object_object_add(o, "container", json_object_new_string(b->name));
		json_object_object_add(o, "image", json_object_new_string(b->image));
		json_object_object_add(o, "cgroup", json_object_new_string(b->cgroup));
		json_object_object_add(o, "bound", run_time_json(b->bound_ns));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *run_status_json(struct run_ctx *rc)
{
	json_object *o = json_object_new_object(), *maps = json_object_new_array();
	char pin[512];
	size_t dec, net;

	loader_map_usage(&rc->loader, &dec, &net);
	snprintf(pin, sizeof(pin), "%s/%s", rc->pin_dir, rc->pin_set);
	json_object_object_add(o, "ok", json_object_new_boolean(true));
	json_object_object_add(o, "version", json_object_new_string(RUN_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(getpid()));
	json_object_object_add(o, "started", run_time_json(rc->started_ns));
	json_object_object_add(o, "generation", json_object_new_int64(rc->live_gen));
	json_object_object_add(o, "live_since", run_time_json(rc->live_since_ns));
	json_object_object_add(o, "apply_ms", json_object_new_double(rc->apply_ns / 1e6));
	json_object_object_add(o, "reloads", json_object_new_uint64(rc->reloads));
	json_object_object_add(o, "reload_failures", json_object_new_uint64(rc->reload_failures));
	json_object_object_add(o, "last_error", rc->last_error[0] ?
				json_object_new_string(rc->last_error) : NULL);
	json_object_object_add(o, "policies", run_status_policies(rc));
	json_object_object_add(o, "containers", run_status_containers(rc));
	json_object_object_add(o, "events", run_status_events(rc));
	json_object_object_add(o, "pinned", json_object_new_string(pin));
	json_object_object_add(o, "programs", run_status_programs(rc));
	json_object_array_add(maps, run_status_map("rp_decisions", dec, RP_DECISIONS_MAX));
	json_object_array_add(maps, run_status_map("rp_net", net, RP_NET_ENTRIES_MAX));
	json_object_object_add(o, "maps", maps);
	json_object_object_add(o, "kernel", run_status_kernel(rc));
	json_object_object_add(o, "features", run_status_features(rc));
	return o;
}

static char *run_ctl_reply(bool ok, const char *error, __u32 gen)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(ok));
	if (error)
		json_object_object_add(o, "error", json_object_new_string(error));
	else
		json_object_object_add(o, "generation", json_object_new_int64(gen));
	return run_json_line(o);
}

char *run_ctl_request(void *ctx, const struct ctl_peer *peer, const char *req, int *fd)
{
	struct run_ctx *rc = ctx;
	char msg[CTL_REQUEST_MAX + 64];

	if (strcmp(req, "status") == 0)
		return run_json_line(run_status_json(rc));
	if (strcmp(req, "reload") == 0) {
		log_info("reload requested on the control socket by uid %u (pid %d)",
			 (unsigned)peer->uid, (int)peer->pid);
		if (run_reload_now(rc))
			return run_ctl_reply(false, rc->last_error, 0);
		return run_ctl_reply(true, NULL, rc->live_gen);
	}
	if (strncmp(req, "bind ", 5) == 0) {
		json_object *policies = NULL, *o;

		if (run_bind(rc, req + 5, &policies, msg, sizeof(msg)))
			return run_ctl_reply(false, msg, 0);
		o = json_object_new_object();
		json_object_object_add(o, "ok", json_object_new_boolean(true));
		json_object_object_add(o, "generation", json_object_new_int64(rc->live_gen));
		json_object_object_add(o, "policies", policies);
		return run_json_line(o);
	}
	if (strcmp(req, "events") == 0) {
		int ret = sink_server_add_client(&rc->sinks.server, *fd);

		if (ret) {
			snprintf(msg, sizeof(msg), "cannot stream events: %s", strerror(-ret));
			return run_ctl_reply(false, msg, 0);
		}
		*fd = -1;	/* the stream's client now */
		return NULL;
	}
	snprintf(msg, sizeof(msg), "unknown request '%.64s': status, reload, events or bind", req);
	return run_ctl_reply(false, msg, 0);
}

/* Prometheus text: counters end in _total; every family has HELP and TYPE. */
static void run_metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void run_metrics_rules(FILE *f, const struct run_ctx *rc)
{
	const struct compiled_set *c = run_live_set(rc);
	char pol[512], label[128];

	run_metric(f, "rampart_decisions_total", "counter", "Decisions taken in full since the "
		   "live generation went live, by policy, rule and action (rules with none are "
		   "left out).");
	for (size_t i = 0; c && i < c->n_rules; i++) {
		__u64 n = loader_rule_hits(&rc->loader, rc->live_gen, (__u32)i);

		if (!n)
			continue;
		ctl_prom_escape(c->rules[i].policy, pol, sizeof(pol));
		ctl_prom_escape(c->rules[i].label, label, sizeof(label));
		fprintf(f, "rampart_decisions_total{policy=\"%s\",rule=\"%s\",action=\"%s\"} %llu\n",
			pol, label, policy_action_name(c->rules[i].action), (unsigned long long)n);
	}
}

char *run_metrics(void *ctx)
{
	const struct run_ctx *rc = ctx;
	char *buf = NULL;
	size_t len = 0, dec, net;
	__u64 hits, stores, dhits, dstores;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	loader_map_usage(&rc->loader, &dec, &net);
	loader_vcache_counts(&rc->loader, &hits, &stores);
	loader_dcache_counts(&rc->loader, &dhits, &dstores);
	run_metrics_rules(f, rc);
	run_metric(f, "rampart_events_total", "counter", "Decision events read from the kernel.");
	fprintf(f, "rampart_events_total %llu\n", rc->events);
	run_metric(f, "rampart_events_published_total", "counter",
		   "Lines written to the audit stream.");
	fprintf(f, "rampart_events_published_total %llu\n", rc->flood.published);
	run_metric(f, "rampart_events_suppressed_total", "counter",
		   "Events folded into another line, by reason.");
	fprintf(f, "rampart_events_suppressed_total{reason=\"coalesced\"} %llu\n",
		rc->flood.coalesced);
	fprintf(f, "rampart_events_suppressed_total{reason=\"rate_limited\"} %llu\n",
		rc->flood.suppressed);
	run_metric(f, "rampart_events_lost_total", "counter",
		   "Events the kernel could not queue: the ring buffer was full.");
	fprintf(f, "rampart_events_lost_total %llu\n",
		(unsigned long long)loader_lost_events(&rc->loader));
	run_metric(f, "rampart_undecided_total", "counter",
		   "Decisions taken by the defaults without an event, by reason.");
	fprintf(f, "rampart_undecided_total{reason=\"set_changing\"} %llu\n",
		(unsigned long long)loader_undecided_events(&rc->loader, false));
	fprintf(f, "rampart_undecided_total{reason=\"no_memory\"} %llu\n",
		(unsigned long long)loader_undecided_events(&rc->loader, true));
	run_metric(f, "rampart_verdict_cache_hits_total", "counter",
		   "Opens decided from file_open's verdict cache.");
	fprintf(f, "rampart_verdict_cache_hits_total %llu\n", (unsigned long long)hits);
	run_metric(f, "rampart_dir_cache_hits_total", "counter",
		   "Opens decided from file_open's directory cache, without bpf_d_path().");
	fprintf(f, "rampart_dir_cache_hits_total %llu\n", (unsigned long long)dhits);
	run_metric(f, "rampart_map_entries", "gauge", "Entries in a BPF map now.");
	fprintf(f, "rampart_map_entries{map=\"rp_decisions\"} %zu\n", dec);
	fprintf(f, "rampart_map_entries{map=\"rp_net\"} %zu\n", net);
	run_metric(f, "rampart_map_capacity", "gauge", "Entries a BPF map can hold.");
	fprintf(f, "rampart_map_capacity{map=\"rp_decisions\"} %d\n", RP_DECISIONS_MAX);
	fprintf(f, "rampart_map_capacity{map=\"rp_net\"} %d\n", RP_NET_ENTRIES_MAX);
	run_metric(f, "rampart_reloads_total", "counter", "Reloads tried (SIGHUP, rampart "
		   "reload, a changed policy directory).");
	fprintf(f, "rampart_reloads_total %llu\n", rc->reloads);
	run_metric(f, "rampart_reload_failures_total", "counter",
		   "Reloads that failed; the set in force stayed.");
	fprintf(f, "rampart_reload_failures_total %llu\n", rc->reload_failures);
	run_metric(f, "rampart_generation", "gauge", "The live policy generation.");
	fprintf(f, "rampart_generation %u\n", rc->live_gen);
	run_metric(f, "rampart_apply_seconds", "gauge",
		   "How long the last successful apply took, from reading JSON to live maps.");
	fprintf(f, "rampart_apply_seconds %.6f\n", rc->apply_ns / 1e9);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
