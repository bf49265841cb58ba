// SPDX-License-Identifier: GPL-2.0
/*
 * `rampart run`: load, make the policy set live, stream decisions, reload on SIGHUP.
 * A reload compiles the whole set again and makes it live with one write; a set that
 * does not load leaves the one in force untouched.
 *
 * One loop waits on the ring buffer and the event socket together. Events go through
 * flood control (flood.c) to every sink (sink.c); accounting lines (losses, undecided
 * decisions, rate limits) go to the sinks directly. Signals are delivered only while the
 * loop waits, so none is missed between a check and the wait.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "audit.h"
#include "cgroup.h"
#include "compile.h"
#include "confine.h"
#include "flood.h"
#include "loader.h"
#include "log.h"
#include "pin.h"
#include "policy.h"
#include "probe.h"
#include "run.h"
#include "run-internal.h"
#include "sink.h"
#include "watch.h"

struct run_event_ctx {
	struct audit_context ctx;
	struct policy_container container;
	char exe[4096];
};

static volatile sig_atomic_t run_stop, run_reload, run_status;

static void run_on_signal(int sig)
{
	if (sig == SIGHUP)
		run_reload = 1;
	else if (sig == SIGUSR1)
		run_status = 1;
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

/* What the daemon adds to the kernel's record: node, executable, cgroup path and the
 * container bound there. */
static const struct audit_context *run_event_context(struct run_ctx *rc, const void *data,
						     size_t size, struct run_event_ctx *ec)
{
	__u32 tgid = audit_event_tgid(data, size);
	const struct binding *b;

	ec->ctx = (struct audit_context){
		.boot_to_real_ns = audit_boot_to_real_ns(),
		.node = rc->node,
		.exe = tgid && audit_event_needs_exe(data, size) ?
		       proc_exe(tgid, ec->exe, sizeof(ec->exe)) : NULL,
		.cgroup = cgroup_names_lookup(&rc->cgroup_names, audit_event_cgroup(data, size)),
	};
	b = bindings_find(&rc->bindings, ec->ctx.cgroup);
	if (b) {
		ec->container = (struct policy_container){ .id = b->id, .ns = b->ns,
							   .pod = b->pod, .name = b->name,
							   .image = b->image };
		ec->ctx.container = &ec->container;
	}
	return &ec->ctx;
}

static long long run_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Every line of the stream leaves through here, to every sink. A log file's write errors
 * are reported by run_flush(), at the end of the loop's round. */
static void run_publish(void *ctx, const char *line)
{
	struct run_ctx *rc = ctx;

	sinks_publish(&rc->sinks, line, run_now_ns());
}

/* The round's lines out of their buffers; a failing log file logged once, and its recovery. */
static void run_flush(struct run_ctx *rc)
{
	int ret = sinks_flush(&rc->sinks);

	if (ret < 0 && !rc->sinks.file_error)
		log_error("writing the log file '%s' failed: %s; its lines are lost until it works",
			  rc->sinks.file.path, strerror(-ret));
	else if (ret > 0 && rc->sinks.file_error)
		log_info("writing the log file '%s' works again", rc->sinks.file.path);
	if (ret)
		rc->sinks.file_error = ret < 0 ? ret : 0;
}

/* Publishes o as one line, with the time first, and releases it. */
static void run_publish_json(struct run_ctx *rc, json_object *o)
{
	const char *line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE);

	if (line)
		run_publish(rc, line);
	json_object_put(o);
}

static json_object *run_meta_line(const char *kind)
{
	json_object *o = json_object_new_object();
	char when[48];

	if (o) {
		struct timespec t;

		clock_gettime(CLOCK_REALTIME, &t);
		audit_time(t.tv_sec * 1000000000LL + t.tv_nsec, when, sizeof(when));
		json_object_object_add(o, "time", json_object_new_string(when));
		json_object_object_add(o, "kind", json_object_new_string(kind));
	}
	return o;
}

static void run_rate_limited(void *ctx, const char *policy, const char *rule,
			     unsigned long long suppressed, unsigned long long total)
{
	json_object *o = run_meta_line("rate_limited");

	if (!o)
		return;
	json_object_object_add(o, "policy", policy ? json_object_new_string(policy) : NULL);
	json_object_object_add(o, "rule", rule ? json_object_new_string(rule) : NULL);
	json_object_object_add(o, "suppressed", json_object_new_uint64(suppressed));
	json_object_object_add(o, "suppressed_total", json_object_new_uint64(total));
	run_publish_json(ctx, o);
}

static void run_client_opened(void *ctx, unsigned id)
{
	(void)ctx;
	log_info("events client %u connected", id);
}

static void run_client_closed(void *ctx, unsigned id, const char *why, unsigned long long lost)
{
	(void)ctx;
	if (strcmp(why, "closed") == 0)
		log_info("events client %u disconnected (%llu lines not delivered)", id, lost);
	else if (strcmp(why, "too many") == 0)
		log_warn("events client %u refused: already %d clients", id, SINK_CLIENTS_MAX);
	else
		log_warn("events client %u disconnected: %s; %llu lines not delivered", id,
			 strcmp(why, "stalled") == 0 ? "it stopped reading" : "write error", lost);
}

/*
 * The one place an event becomes its JSON line. The event layout and audit_format() are
 * expected to change; only this function knows how they are called.
 */
static int run_event_line(struct run_ctx *rc, const void *data, size_t size,
			  const struct compile_rule **ret_rule, char **ret_line)
{
	const struct rp_event *ev = data;
	const struct compile_rule *rule = NULL;
	struct run_event_ctx actx;
	int ret;

	if (size >= RP_EVENT_HDR_SIZE)
		rule = run_rule(rc, ev->gen, ev->rule_id);
	ret = audit_format(data, size, rule, run_event_context(rc, data, size, &actx), ret_line);
	if (!ret)
		*ret_rule = rule;
	return ret;
}

/*
 * Signals stay blocked but in the loop's epoll_pwait(), so the handlers' flags cannot
 * change while a batch is read: a SIGHUP, SIGTERM or SIGINT waiting for delivery ends
 * the batch instead (checked every RUN_SIGNAL_CHECK events; a failed check reads as none).
 */
static bool run_signal_waiting(void)
{
	sigset_t set;

	if (sigpending(&set))
		return false;
	return sigismember(&set, SIGHUP) == 1 || sigismember(&set, SIGTERM) == 1 ||
	       sigismember(&set, SIGINT) == 1;
}

static int run_handle_event(void *ctx, void *data, size_t size)
{
	struct run_ctx *rc = ctx;
	const struct compile_rule *rule = NULL;
	char *line = NULL;
	__u64 id;

	if (run_event_line(rc, data, size, &rule, &line)) {
		log_warn("malformed event of %zu bytes from the kernel, ignoring", size);
		return 0;
	}
	rc->events++;
	if (audit_event_identity(data, size, &rc->id_key, &id))
		id = rc->events;	/* unique: never coalesced */
	flood_event(&rc->flood, id, rule ? rule->policy : NULL, rule ? rule->label : NULL, line,
		    run_now_ns());
	free(line);
	/* A flood must not starve reloads and shutdown: hand control back now and then. */
	if (rc->draining)
		return 0;
	if (++rc->batch >= RUN_EVENT_BATCH || run_reload || run_stop ||
	    (rc->batch % RUN_SIGNAL_CHECK == 0 && run_signal_waiting()))
		return -EAGAIN;
	return 0;
}

/* Decisions the kernel took by the defaults without an event are counted there, by
 * reason, and each new count is reported here. */
static void run_report_undecided(struct run_ctx *rc)
{
	static const char *const reasons[2] = { "policy set changing", "no scratch memory" };

	for (int r = 0; r < 2; r++) {
		__u64 n = loader_undecided_events(&rc->loader, r);
		json_object *o;

		if (n == rc->undecided_reported[r])
			continue;
		o = run_meta_line("undecided");
		if (o) {
			json_object_object_add(o, "reason", json_object_new_string(reasons[r]));
			json_object_object_add(o, "count",
					       json_object_new_uint64(n - rc->undecided_reported[r]));
			json_object_object_add(o, "count_total", json_object_new_uint64(n));
			run_publish_json(rc, o);
		}
		log_warn("%llu decisions taken by the defaults without an event: %s",
			 (unsigned long long)(n - rc->undecided_reported[r]), reasons[r]);
		rc->undecided_reported[r] = n;
	}
}

/* Every event the kernel could not queue is reported in the stream, never dropped silently. */
static void run_report_losses(struct run_ctx *rc)
{
	__u64 lost = loader_lost_events(&rc->loader);
	json_object *o;

	run_report_undecided(rc);
	if (lost == rc->lost_reported)
		return;
	o = run_meta_line("loss");
	if (o) {
		json_object_object_add(o, "lost", json_object_new_uint64(lost - rc->lost_reported));
		json_object_object_add(o, "lost_total", json_object_new_uint64(lost));
		run_publish_json(rc, o);
	}
	log_warn("%llu events lost: the ring buffer was full",
		 (unsigned long long)(lost - rc->lost_reported));
	rc->lost_reported = lost;
}

/*
 * SIGUSR1: every count the daemon keeps, as one "status" line in the stream and one log
 * line, so that losses can be checked without reading the whole stream.
 */
static void run_on_status(struct run_ctx *rc)
{
	__u64 lost = loader_lost_events(&rc->loader);
	__u64 changing = loader_undecided_events(&rc->loader, false);
	__u64 no_memory = loader_undecided_events(&rc->loader, true);
	size_t clients = rc->sinks.server.epfd >= 0 ? rc->sinks.server.n_clients : 0;
	json_object *o = run_meta_line("status");
	__u64 hits, stores, dhits, dstores;

	run_status = 0;
	loader_vcache_counts(&rc->loader, &hits, &stores);
	loader_dcache_counts(&rc->loader, &dhits, &dstores);
	if (o) {
		json_object_object_add(o, "generation", json_object_new_int64(rc->live_gen));
		json_object_object_add(o, "events", json_object_new_uint64(rc->events));
		json_object_object_add(o, "published", json_object_new_uint64(rc->flood.published));
		json_object_object_add(o, "coalesced", json_object_new_uint64(rc->flood.coalesced));
		json_object_object_add(o, "rate_limited",
				       json_object_new_uint64(rc->flood.suppressed));
		json_object_object_add(o, "lost_total", json_object_new_uint64(lost));
		json_object_object_add(o, "undecided_changing", json_object_new_uint64(changing));
		json_object_object_add(o, "undecided_no_memory",
				       json_object_new_uint64(no_memory));
		json_object_object_add(o, "clients", json_object_new_uint64(clients));
		json_object_object_add(o, "verdict_cache_hits", json_object_new_uint64(hits));
		json_object_object_add(o, "verdict_cache_stores", json_object_new_uint64(stores));
		json_object_object_add(o, "dir_cache_hits", json_object_new_uint64(dhits));
		json_object_object_add(o, "dir_cache_stores", json_object_new_uint64(dstores));
		run_publish_json(rc, o);
	}
	log_info("status: generation %u; %llu events read, %llu lines published, %llu "
		 "coalesced, %llu rate-limited; %llu lost in the kernel; %llu + %llu undecided "
		 "(set changing, no memory); %zu socket clients; directory cache: %llu hits, "
		 "%llu stored; verdict cache: %llu hits, %llu stored", rc->live_gen, rc->events,
		 rc->flood.published, rc->flood.coalesced, rc->flood.suppressed,
		 (unsigned long long)lost, (unsigned long long)changing,
		 (unsigned long long)no_memory, clients, (unsigned long long)dhits,
		 (unsigned long long)dstores, (unsigned long long)hits,
		 (unsigned long long)stores);
}

static int run_explain_unusable(struct probe_report *r)
{
	const struct probe_item *bad;
	char missing[128];
	int ret = 0;

	if (probe_kernel("", r) == 0 && (ret = probe_lsm_load(r)) == 0)
		return 0;
	bad = probe_first_failure(r);
	confine_missing_start_caps(missing, sizeof(missing));
	/* A refusal with capabilities missing is about this process, not the kernel. */
	if (bad == &r->items[PROBE_LSM_LOAD] && ret == -EPERM && missing[0]) {
		log_error("loading a BPF LSM program was refused: this process lacks %s, which "
			  "rampart run needs (run it as root, or grant them, e.g. in the "
			  "service's CapabilityBoundingSet)", missing);
		return -EPERM;
	}
	log_error("BPF LSM cannot be used on this kernel: %s", bad->hint);
	return -EOPNOTSUPP;
}

/*
 * Pins this daemon's links, then unpins the sets of earlier daemons: they were attached
 * until this one's programs were, so some set always decides. On failure this daemon
 * exits (its own links detach with it) and the earlier sets stay in force.
 */
static int run_pin(struct run_ctx *rc)
{
	int ret = loader_pin(&rc->loader, rc->pin_dir, rc->pin_set, sizeof(rc->pin_set));

	if (ret == -ENOTSUP)
		return log_error_errno(ret, "pinning the programs failed: %s is not on a bpf "
					    "filesystem (mount it: mount -t bpf bpf /sys/fs/bpf)",
				       rc->pin_dir);
	if (ret)
		return log_error_errno(ret, "pinning the programs under %s failed: %s",
				       rc->pin_dir, strerror(-ret));
	ret = pin_remove_sets(rc->pin_dir, rc->pin_set);
	if (ret < 0)
		log_warn("unpinning the programs of an earlier rampart under %s failed: %s; "
			 "they stay attached beside these (rampart unload removes every set)",
			 rc->pin_dir, strerror(-ret));
	else if (ret > 0)
		log_info("took over from an earlier rampart: unpinned its %d set%s of programs "
			 "once these were attached", ret, ret == 1 ? "" : "s");
	log_info("programs pinned under %s/%s: enforcement continues if rampart exits",
		 rc->pin_dir, rc->pin_set);
	return 0;
}

static int run_read_int(const char *path, int dflt)
{
	FILE *f = fopen(path, "re");
	int v = dflt;

	if (f && fscanf(f, "%d", &v) != 1)
		v = dflt;
	if (f)
		fclose(f);
	return v;
}

/*
 * Whether /proc/kallsyms shows this process real addresses, as the kernel's
 * kallsyms_show_value() decides: libbpf resolves the verdict cache's __ksym symbols from
 * it when loading, and reads zeros (the cache then stays off) when it hides them.
 */
static bool run_kallsyms_visible(void)
{
	int kptr = run_read_int("/proc/sys/kernel/kptr_restrict", 2);

	if (kptr == 0 && run_read_int("/proc/sys/kernel/perf_event_paranoid", 2) <= 1)
		return true;
	return kptr <= 1 && confine_has_cap(34 /* CAP_SYSLOG */);
}

/* Whether /proc/kallsyms names both symbols (the verdict cache needs them). */
bool run_has_kallsyms(const char *a, const char *b)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[256], name[128];
	int found = 0;

	while (f && found != 3 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %127s", name) == 1)
			found |= (strcmp(name, a) == 0) | (strcmp(name, b) == 0) << 1;
	if (f)
		fclose(f);
	return found == 3;
}

long long run_realtime_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Logs why an apply failed and keeps the reason for `rampart status` and reload replies. */
static int run_apply_failed(struct run_ctx *rc, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int run_apply_failed(struct run_ctx *rc, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rc->last_error, sizeof(rc->last_error), fmt, ap);
	va_end(ap);
	log_error("%s", rc->last_error);
	return err;
}

/*
 * Arms the guard over this set: its maps, its pin directory, and the daemon's binary
 * (the running inode, and whatever is at its path now) as the one trusted executable.
 */
static int run_guard(struct run_ctx *rc)
{
	const char *trusted[2] = { "/proc/self/exe", rc->exe_path };
	char dir[PATH_MAX];
	int ret;

	snprintf(dir, sizeof(dir), "%s/%s", rc->pin_dir, rc->pin_set);
	ret = loader_guard(&rc->loader, dir, trusted, rc->exe_path[0] ? 2 : 1);
	if (ret)
		return log_error_errno(ret, "arming the guard over %s failed: %s (run --no-guard "
					    "to go on without)", dir, strerror(-ret));
	rc->guarded = true;
	log_info("guard armed: Rampart's maps take no new fd, and only %s may remove the pins "
		 "under %s, trace the daemon or write its binary", rc->exe_path[0] ?
		 rc->exe_path : "this binary", dir);
	return 0;
}

static void run_guard_trust_path(struct run_ctx *rc, const char *path)
{
	int ret = loader_guard_trust(&rc->loader, path);

	if (ret == 1)
		log_info("guard: trusting the new binary at %s, so that it can take over", path);
	else if (ret < 0 && ret != -ENOENT)
		log_warn("guard: cannot trust the binary at %s: %s; a daemon started from it "
			 "cannot remove this set's pins", path, strerror(-ret));
}

/*
 * After a reload: the binary at the daemon's path may be an upgrade; trust it too, so
 * that it can take over from this set. Both paths count: the file it runs (a package
 * upgrade renames a new file over it) and the name it was started by, unresolved (a
 * symlink such as the DaemonSet's .../bin/current, which an upgrade points elsewhere).
 */
static void run_guard_refresh(struct run_ctx *rc)
{
	if (!rc->guarded)
		return;
	if (rc->exe_path[0])
		run_guard_trust_path(rc, rc->exe_path);
	if (rc->exec_path[0] && strcmp(rc->exec_path, rc->exe_path) != 0)
		run_guard_trust_path(rc, rc->exec_path);
}

/* Writes the bound containers to the state file; an error is logged and returned. */
static int run_save_bindings(struct run_ctx *rc)
{
	int ret = bindings_save(&rc->bindings, rc->bindings_path);

	if (ret)
		log_error("writing the bound containers to %s failed: %s; a restarted daemon "
			  "would not know them", rc->bindings_path, strerror(-ret));
	return ret;
}

/* Forgets containers whose cgroup is gone (or is another cgroup now). */
static void run_prune_bindings(struct run_ctx *rc)
{
	size_t n = bindings_prune(&rc->bindings, run_resolve_cgroup, rc);

	if (!n)
		return;
	log_info("forgot %zu bound %s whose cgroup is gone", n, n == 1 ? "container" :
		 "containers");
	run_save_bindings(rc);
}

/*
 * Compiles the policies with the bound containers and makes the result the live
 * generation. reread: read the policy files again (start, reload); else the set read
 * last is used (a container bind), so that an edit on disk not yet reloaded cannot make
 * a container's start fail or change what confines it.
 */
static int run_apply(struct run_ctx *rc, const char *what, bool attach, bool reread)
{
	long long t0 = run_now_ns();
	struct policy_set fresh = {}, *set = &rc->policies;
	struct compile_binding *cb = NULL;
	struct compiled_set c = {};
	struct policy_error err = {};
	struct run_gen *slot;
	unsigned stuck = 0;
	size_t n_cb = 0;
	__u32 gen;
	int ret = 0;

	if (reread || !rc->have_policies) {
		ret = policy_set_load(rc->paths, rc->n_paths, &fresh, &err);
		set = &fresh;
	}
	if (!ret) {
		run_prune_bindings(rc);
		cb = bindings_for_compile(&rc->bindings, &n_cb);
		if (!cb && rc->bindings.n) {
			ret = -ENOMEM;
			snprintf(err.msg, sizeof(err.msg), "out of memory");
		}
	}
	if (!ret)
		ret = compile_set(set, &rc->loader.hkey,
				  &(struct compile_cgroups){ .resolve = run_resolve_cgroup,
							     .expand = run_expand_cgroups,
							     .ctx = rc, .bindings = cb,
							     .n_bindings = n_cb }, &c, &err);
	free(cb);
	if (ret) {
		policy_set_free(&fresh);
		return run_apply_failed(rc, ret, "%s failed: %s", what, err.msg);
	}
	ret = loader_apply(&rc->loader, &c, &gen, &stuck);
	if (ret) {
		policy_set_free(&fresh);
		compiled_set_free(&c);
		return run_apply_failed(rc, ret, "%s failed: loading the policy set into the "
					"kernel (its map entries, or attaching a hook it needs): %s",
					what, strerror(-ret));
	}
	if (set == &fresh) {
		policy_set_free(&rc->policies);
		rc->policies = fresh;
		rc->have_policies = true;
	}
	set = &rc->policies;
	rc->apply_ns = run_now_ns() - t0;
	rc->live_since_ns = run_realtime_ns();
	rc->last_error[0] = '\0';
	slot = &rc->history[gen % RUN_HISTORY];
	compiled_set_free(&slot->set);
	slot->set = c;
	slot->gen = gen;
	rc->live_gen = gen;
	ret = attach ? loader_attach(&rc->loader) : 0;
	if (ret)
		return run_apply_failed(rc, ret, "attaching the LSM programs failed: %s",
					strerror(-ret));
	if (attach) {
		ret = run_pin(rc);
		if (!ret && rc->guard)
			ret = run_guard(rc);
		if (ret)
			return ret;
	}
	log_info("%s: enforcing %zu %s (generation %u: %zu rulesets, %zu cgroups, %zu map "
		 "entries)", what, set->n, set->n == 1 ? "policy" : "policies", gen, c.n_rulesets,
		 c.n_subjects, c.n_entries);
	if (stuck)
		log_warn("%s: %u hook%s no policy needs now could not be unpinned from %s: %s "
			 "attached, deciding nothing, until the next apply", what, stuck,
			 stuck == 1 ? "" : "s", rc->loader.pin_set, stuck == 1 ? "it stays" :
			 "they stay");
	loader_retire(&rc->loader);
	return 0;
}

int run_bind(struct run_ctx *rc, const char *json, json_object **ret_policies, char *why,
	     size_t whysz)
{
	json_object *names;
	struct binding b;
	const char *path;
	char what[256];
	int ret;

	ret = binding_parse(json, &b, why, whysz);
	if (ret)
		return ret;
	path = cgroup_names_lookup(&rc->cgroup_names, b.cgroup_id);
	if (!path || strcmp(path, "/") == 0) {
		snprintf(why, whysz, "bind: cgroup id %llu: %s", (unsigned long long)b.cgroup_id,
			 path ? "the root cgroup cannot be bound" : "no such cgroup");
		binding_free(&b);
		return path ? -EINVAL : -ENOENT;
	}
	b.cgroup = strdup(path);
	b.bound_ns = run_realtime_ns();
	run_prune_bindings(rc);
	names = json_object_new_array();
	for (size_t i = 0; b.cgroup && i < rc->policies.n; i++)
		if (policy_selects_container(rc->policies.policies[i], &(struct policy_container){
				.id = b.id, .ns = b.ns, .pod = b.pod, .name = b.name,
				.image = b.image }))
			json_object_array_add(names, json_object_new_string(
				rc->policies.policies[i]->name));
	snprintf(what, sizeof(what), "container %s (namespace '%s', pod '%s', container '%s')",
		 b.id, b.ns, b.pod, b.name);
	ret = b.cgroup ? bindings_put(&rc->bindings, &b) : -ENOMEM;
	binding_free(&b);
	if (!ret)
		ret = run_save_bindings(rc);
	if (ret) {
		snprintf(why, whysz, "bind: %s: %s", what, ret == -E2BIG ?
			 "too many bound containers" : strerror(-ret));
		json_object_put(names);
		return ret;
	}
	if (json_object_array_length(names)) {
		ret = run_apply(rc, what, false, false);
		if (ret) {
			snprintf(why, whysz, "%s", rc->last_error);
			json_object_put(names);
			return ret;
		}
	}
	rc->binds++;
	if (json_object_array_length(names))
		log_info("%s in %s: confined by %s (generation %u)", what, path,
			 json_object_to_json_string_ext(names, JSON_C_TO_STRING_PLAIN),
			 rc->live_gen);
	else
		log_info("%s in %s: no policy selects it", what, path);
	*ret_policies = names;
	return 0;
}

/*
 * Once attached and pinned, the daemon gives up every system call it does not need.
 * A filter that cannot be installed, or that lets the test call through, stops the
 * daemon (the pinned programs go on enforcing).
 */
static int run_confine(struct run_ctx *rc, bool keep_caps, bool no_seccomp)
{
	int n;

	if (!keep_caps) {
		n = confine_capabilities();
		if (n)
			return log_error_errno(n, "dropping capabilities failed: %s (run "
						  "--keep-capabilities to go on with them)",
					       strerror(-n));
		log_info("capabilities dropped: only CAP_BPF, CAP_DAC_READ_SEARCH and "
			 "CAP_SYS_PTRACE are left");
		rc->caps_dropped = true;
	}
	if (no_seccomp)
		return 0;
	n = confine_seccomp();

	if (n < 0)
		return log_error_errno(n, "confining the daemon with seccomp failed: %s (run "
					  "--no-seccomp to go on without)", strerror(-n));
	if (confine_selftest())
		return log_error_errno(-EPERM, "the seccomp filter did not refuse a call outside "
					       "its list: not running unconfined");
	rc->seccomp_on = true;
	log_info("confined: seccomp allows %d system calls (bpf() for map commands and "
		 "attaching its own programs only); any other is refused with EPERM and logged "
		 "by the kernel", n);
	return 0;
}

/*
 * Tells the loader the cgroup level of the mount's root, for the selection filter. When
 * it cannot be known (another cgroup namespace), the filter marks each subject at every
 * level from its path's depth down: still right, a little slower for unselected tasks.
 */
static void run_level_offset(struct run_ctx *rc)
{
	int level = cgroup_mount_level(rc->cgroup2_mount);

	if (level >= 0) {
		loader_set_level_offset(&rc->loader, level);
		return;
	}
	log_info("the cgroup level of %s is unknown (%s): the selection filter checks every "
		 "level below each selected cgroup", rc->cgroup2_mount,
		 level == -EXDEV ? "not in the initial cgroup namespace" : strerror(-level));
}

static int run_load(struct run_ctx *rc)
{
	int ret = loader_load(&rc->loader);

	if (ret == -EPERM) {
		char missing[128];

		confine_missing_start_caps(missing, sizeof(missing));
		if (missing[0])
			return log_error_errno(ret, "loading the BPF programs was refused: this "
						    "process lacks %s, which rampart run needs",
					       missing);
	}
	if (ret)
		return log_error_errno(ret, "loading the BPF programs failed: %s (run with "
					    "--verbose for libbpf's log)", strerror(-ret));
	run_level_offset(rc);
	return run_apply(rc, "start", true, true);
}

/* How long the loop may wait: until flood control has a window to close, at most
 * RUN_WAIT_MS, and not at all while the ring buffer still holds a batch. */
static int run_wait_ms(struct run_ctx *rc, int consumed)
{
	long long deadline = flood_next_deadline(&rc->flood), ms;

	if (consumed == -EAGAIN)
		return 0;
	if (rc->watch.due_ns && (deadline < 0 || rc->watch.due_ns < deadline))
		deadline = rc->watch.due_ns;
	if (deadline < 0)
		return RUN_WAIT_MS;
	ms = (deadline - run_now_ns() + 999999) / 1000000;
	return ms < 0 ? 0 : ms > RUN_WAIT_MS ? RUN_WAIT_MS : (int)ms;
}

/* SIGHUP, rampart reload, a changed policy directory: every reload is counted. */
static int run_reload_apply(struct run_ctx *rc, const char *what)
{
	int ret = run_apply(rc, what, false, true);

	rc->reloads++;
	rc->reload_failures += ret != 0;
	return ret;
}

int run_reload_now(struct run_ctx *rc)
{
	int ret, fret;

	run_reload = 0;
	run_guard_refresh(rc);
	ret = run_reload_apply(rc, "reload");
	if (rc->sinks.file.fd < 0)
		return ret;
	fret = sink_file_reopen(&rc->sinks.file);
	if (fret)
		log_error("reopening the log file '%s' failed: %s; still writing the old one",
			  rc->sinks.file.path, strerror(-fret));
	return ret;
}

/* The watched policy directories: what changed, and a reload once they are quiet. */
static void run_on_watch(struct run_ctx *rc)
{
	long long now = run_now_ns();
	int news;

	if (rc->watch.fd < 0)
		return;
	news = watch_read(&rc->watch, now) | watch_retry(&rc->watch, now);
	for (size_t i = 0; (news & (WATCH_LOST | WATCH_BACK)) && i < rc->watch.n; i++) {
		const struct watch_dir *d = &rc->watch.dirs[i];

		if ((news & WATCH_LOST) && d->wd < 0)
			log_warn("policy directory %s went away: the set in force stays; watching "
				 "for it to come back", d->path);
		else if (news & WATCH_BACK)
			log_info("policy directory %s is watched again", d->path);
	}
	if (!watch_take_due(&rc->watch, run_now_ns()))
		return;
	log_info("a policy directory changed: reloading");
	run_reload_apply(rc, "reload");
}

static int run_epoll_add(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* At shutdown: every event still queued, every open window, every pending report. */
static void run_drain(struct run_ctx *rc, struct ring_buffer *rb)
{
	rc->draining = true;
	ring_buffer__consume(rb);
	flood_flush(&rc->flood);
	run_report_losses(rc);
	if (rc->sinks.server.epfd >= 0)
		sink_server_service(&rc->sinks.server, run_now_ns());
	run_flush(rc);
}

static int run_loop(struct run_ctx *rc, const sigset_t *waitmask)
{
	struct epoll_event evs[4];
	struct ring_buffer *rb;
	int epfd, ret = 0, consumed = 0;

	rb = ring_buffer__new(loader_events_fd(&rc->loader), run_handle_event, rc, NULL);
	if (!rb)
		return log_error_errno(-errno, "opening the event ring buffer failed: %s",
				       strerror(errno));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || run_epoll_add(epfd, ring_buffer__epoll_fd(rb)) ||
	    (rc->sinks.server.epfd >= 0 && run_epoll_add(epfd, rc->sinks.server.epfd)) ||
	    (rc->watch.fd >= 0 && run_epoll_add(epfd, rc->watch.fd)) ||
	    (ctl_server_fd(&rc->ctl) >= 0 && run_epoll_add(epfd, ctl_server_fd(&rc->ctl)))) {
		ret = log_error_errno(-errno, "setting up the event loop failed: %s",
				      strerror(errno));
		goto out;
	}
	while (!run_stop) {
		if (epoll_pwait(epfd, evs, 4, run_wait_ms(rc, consumed), waitmask) < 0 &&
		    errno != EINTR) {
			ret = log_error_errno(-errno, "waiting for events failed: %s",
					      strerror(errno));
			break;
		}
		rc->batch = 0;
		consumed = ring_buffer__consume(rb);
		if (consumed < 0 && consumed != -EINTR && consumed != -EAGAIN) {
			ret = log_error_errno(consumed, "reading events failed: %s",
					      strerror(-consumed));
			break;
		}
		if (run_reload)
			run_reload_now(rc);
		run_on_watch(rc);
		flood_tick(&rc->flood, run_now_ns());
		run_report_losses(rc);
		if (run_status)
			run_on_status(rc);
		if (rc->sinks.server.epfd >= 0)
			sink_server_service(&rc->sinks.server, run_now_ns());
		ctl_server_service(&rc->ctl, run_now_ns());
		run_flush(rc);
	}
	run_drain(rc, rb);
out:
	if (epfd >= 0)
		close(epfd);
	ring_buffer__free(rb);
	return ret;
}

void run_options_init(struct run_options *o)
{
	memset(o, 0, sizeof(*o));
	o->log_max_bytes = SINK_LOG_MAX_BYTES_DEFAULT;
	o->log_keep = SINK_LOG_KEEP_DEFAULT;
	o->coalesce_ns = FLOOD_WINDOW_NS_DEFAULT;
	o->rate_limit = FLOOD_RATE_DEFAULT;
	o->pin_dir = PIN_DIR_DEFAULT;
	o->control_path = CTL_SOCKET_DEFAULT;
	o->bindings_path = RUN_BINDINGS_DEFAULT;
}

/* The containers bound before a restart: a state file that cannot be read stops the
 * start (the set pinned before goes on enforcing) rather than leave them unconfined. */
static int run_open_bindings(struct run_ctx *rc, const struct run_options *o)
{
	char dir[4096], why[512] = "";
	char *slash;
	int ret;

	rc->bindings_path = o->bindings_path;
	snprintf(dir, sizeof(dir), "%s", o->bindings_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return log_error_errno(-errno, "creating %s for the bound containers' state "
					       "failed: %s", dir, strerror(errno));
	}
	ret = bindings_load(&rc->bindings, o->bindings_path, why, sizeof(why));
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return log_error_errno(ret, "reading the bound containers failed: %s (remove the "
					    "file to start without them)", why[0] ? why :
				       strerror(-ret));
	log_info("%zu bound %s read from %s", rc->bindings.n, rc->bindings.n == 1 ?
		 "container" : "containers", o->bindings_path);
	return 0;
}

static int run_open_sinks(struct run_ctx *rc, const struct run_options *o)
{
	static const struct sink_server_ops ops = { .closed = run_client_closed,
						    .opened = run_client_opened };
	int ret;

	rc->sinks.to_stdout = !o->no_stdout;
	if (o->log_file) {
		ret = sink_file_open(&rc->sinks.file, o->log_file, o->log_max_bytes, o->log_keep);
		if (ret)
			return log_error_errno(ret, "cannot open the log file '%s': %s", o->log_file,
					       ret == -EINVAL ? "not a regular file" : strerror(-ret));
	}
	/* Without --socket, the server has clients only through `rampart events`. */
	if (o->socket_path || o->control_path) {
		ret = sink_server_open(&rc->sinks.server, o->socket_path, SINK_QUEUE_BYTES_DEFAULT,
				       SINK_STALL_NS_DEFAULT, &ops, rc);
		if (ret == -EADDRINUSE)
			return log_error_errno(ret, "cannot listen on '%s': another process "
						    "accepts connections there", o->socket_path);
		if (ret)
			return log_error_errno(ret, "cannot listen on '%s': %s", o->socket_path,
					       ret == -EEXIST ? "a file that is not a socket is there"
							      : strerror(-ret));
	}
	return 0;
}

/* The control socket and the metrics listener; a live control socket means another
 * rampart runs, and this one stops before it touches the kernel. */
static int run_open_control(struct run_ctx *rc, const struct run_options *o)
{
	static const struct ctl_ops ops = { .request = run_ctl_request, .metrics = run_metrics };
	int ret;

	ctl_server_init(&rc->ctl, &ops, rc);
	if (o->control_path) {
		ret = ctl_server_listen(&rc->ctl, o->control_path, o->control_group);
		if (ret == -EADDRINUSE)
			return log_error_errno(ret, "another rampart is running: its control socket "
						    "%s answers (stop it first, or give this one "
						    "--control PATH)", o->control_path);
		if (ret == -ENOENT && o->control_group)
			return log_error_errno(ret, "run: unknown group '%s' for --control-group",
					       o->control_group);
		if (ret)
			return log_error_errno(ret, "cannot listen on the control socket %s: %s",
					       o->control_path, ret == -EEXIST ?
					       "a file that is not a socket is there" :
					       strerror(-ret));
	}
	if (o->metrics_addr) {
		ret = ctl_server_listen_metrics(&rc->ctl, o->metrics_addr);
		if (ret)
			return log_error_errno(ret, "cannot serve metrics on %s: %s",
					       o->metrics_addr, strerror(-ret));
		log_info("metrics: Prometheus text on %s%s", o->metrics_addr,
			 o->metrics_addr[0] == '/' ? "" : " (GET /metrics)");
	}
	return 0;
}

static int run_init_flood(struct run_ctx *rc, const struct run_options *o)
{
	static const struct flood_ops ops = { .publish = run_publish,
					      .rate_limited = run_rate_limited };
	struct flood_config cfg = { .window_ns = o->coalesce_ns, .rate = o->rate_limit,
				    .max_entries = FLOOD_ENTRIES_DEFAULT,
				    .max_line_bytes = FLOOD_LINE_BYTES_DEFAULT,
				    .max_rules = FLOOD_RULES_DEFAULT };
	int ret;

	if (getrandom(&rc->id_key, sizeof(rc->id_key), 0) != sizeof(rc->id_key))
		return log_error_errno(-EIO, "drawing the event identity key failed: %s",
				       strerror(errno));
	ret = flood_init(&rc->flood, &cfg, &ops, rc);
	return ret ? log_error_errno(ret, "flood control: %s", strerror(-ret)) : 0;
}

/* Signals are blocked except while the loop waits (epoll_pwait), so none slips by. */
static void run_signals(sigset_t *ret_waitmask)
{
	struct sigaction sa = { .sa_handler = run_on_signal };
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, ret_waitmask);
	sigdelset(ret_waitmask, SIGINT);
	sigdelset(ret_waitmask, SIGTERM);
	sigdelset(ret_waitmask, SIGHUP);
	sigdelset(ret_waitmask, SIGUSR1);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
}

/* The name this process was executed by (AT_EXECFN), absolute, symlinks unresolved;
 * "" when unknown or too long. */
static void run_exec_path(char *buf, size_t size)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	char cwd[4096];

	buf[0] = '\0';
	if (!fn || !*fn)
		return;
	if (fn[0] == '/') {
		if (strlen(fn) < size)
			strcpy(buf, fn);
	} else if (getcwd(cwd, sizeof(cwd)) &&
		   (size_t)snprintf(buf, size, "%s/%s", cwd, fn) >= size) {
		buf[0] = '\0';
	}
}

int run_daemon(const struct run_options *o)
{
	struct run_ctx rc = { .paths = o->paths, .n_paths = o->n_paths, .pin_dir = o->pin_dir,
			      .watch.fd = -1 };
	const char *bad = NULL;
	struct policy_error err;
	struct policy_set set = {};
	struct utsname uts;
	sigset_t waitmask;
	int ret;

	sinks_init(&rc.sinks);
	/* Watched before the first read, so no change after that read goes unnoticed. */
	if (o->n_watch_dirs) {
		ret = watch_open(&rc.watch, o->watch_dirs, o->n_watch_dirs, &bad);
		if (ret)
			return log_error_errno(1, "watching the policy directory %s failed: %s",
					       bad ? bad : "(too many)", strerror(-ret));
	}
	/* Validate before touching the kernel: a bad policy is the first thing to hear of. */
	ret = policy_set_load(o->paths, o->n_paths, &set, &err);
	policy_set_free(&set);
	if (ret) {
		watch_close(&rc.watch);
		return log_error_errno(1, "%s", err.msg);
	}
	rc.started_ns = run_realtime_ns();
	rc.guard = !o->no_guard;
	rc.vcache_symbols = -1;
	ret = (int)readlink("/proc/self/exe", rc.exe_path, sizeof(rc.exe_path) - 1);
	rc.exe_path[ret > 0 ? ret : 0] = '\0';
	run_exec_path(rc.exec_path, sizeof(rc.exec_path));
	ctl_server_init(&rc.ctl, NULL, NULL);
	ret = run_open_sinks(&rc, o);
	if (!ret)
		ret = run_open_control(&rc, o);
	if (!ret)
		ret = run_init_flood(&rc, o);
	if (ret) {
		ctl_server_close(&rc.ctl);
		sinks_close(&rc.sinks);
		watch_close(&rc.watch);
		return 1;
	}
	if (run_explain_unusable(&rc.probe)) {
		ctl_server_close(&rc.ctl);
		flood_free(&rc.flood);
		sinks_close(&rc.sinks);
		watch_close(&rc.watch);
		return 1;
	}
	snprintf(rc.cgroup2_mount, sizeof(rc.cgroup2_mount), "%s", rc.probe.cgroup2_mount);
	if (uname(&uts) == 0)
		snprintf(rc.node, sizeof(rc.node), "%s", uts.nodename);
	ret = cgroup_names_open(&rc.cgroup_names, rc.cgroup2_mount);
	if (ret)
		log_warn("cgroup paths will be missing from events: opening %s: %s",
			 rc.cgroup2_mount, strerror(-ret));
	ret = run_open_bindings(&rc, o);
	if (ret) {
		cgroup_names_close(&rc.cgroup_names);
		ctl_server_close(&rc.ctl);
		flood_free(&rc.flood);
		sinks_close(&rc.sinks);
		watch_close(&rc.watch);
		return 1;
	}
	run_signals(&waitmask);
	rc.kallsyms_visible = run_kallsyms_visible();
	if (!rc.kallsyms_visible)
		log_warn("the verdict cache stays off: /proc/kallsyms hides kernel addresses from "
			 "this process (grant CAP_SYSLOG, or set kernel.kptr_restrict=0 with "
			 "kernel.perf_event_paranoid<=1); every open is decided in full");
	ret = run_load(&rc);
	if (!ret)
		ret = run_confine(&rc, o->keep_caps, o->no_seccomp);
	if (!ret)
		ret = run_loop(&rc, &waitmask);
	loader_close(&rc.loader);
	cgroup_names_close(&rc.cgroup_names);
	for (int i = 0; i < RUN_HISTORY; i++)
		compiled_set_free(&rc.history[i].set);
	policy_set_free(&rc.policies);
	bindings_free(&rc.bindings);
	if (!ret)
		log_info("stopped by signal %d: the pinned programs under %s/%s go on enforcing "
			 "generation %u (rampart unload detaches them); %llu events: %llu lines "
			 "published, %llu coalesced, %llu rate-limited; %llu lost in the kernel",
			 (int)run_stop, rc.pin_dir, rc.pin_set, rc.live_gen, rc.events,
			 rc.flood.published, rc.flood.coalesced, rc.flood.suppressed,
			 (unsigned long long)rc.lost_reported);
	ctl_server_close(&rc.ctl);
	flood_free(&rc.flood);
	sinks_close(&rc.sinks);
	watch_close(&rc.watch);
	return ret ? 1 : 0;
}
