// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "status.h"

static json_object *status_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static const char *status_str(json_object *o, const char *key)
{
	json_object *v = status_get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "?";
}

static unsigned long long status_u64(json_object *o, const char *key)
{
	return (unsigned long long)json_object_get_uint64(status_get(o, key));
}

static void status_policies(json_object *list, FILE *f)
{
	size_t n = json_object_is_type(list, json_type_array) ? json_object_array_length(list) : 0;

	fprintf(f, "policies: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(list, i), *rules = status_get(p, "rules");
		size_t m = rules ? json_object_array_length(rules) : 0;

		fprintf(f, "  %s (%s)\n", status_str(p, "name"), status_str(p, "mode"));
		for (size_t j = 0; j < m; j++) {
			json_object *r = json_object_array_get_idx(rules, j);

			fprintf(f, "    %-6s %-20s %llu hits\n", status_str(r, "action"),
				status_str(r, "rule"), status_u64(r, "hits"));
		}
	}
}

/* Bound containers: a count, and one line each (old daemons send none: nothing printed). */
static void status_containers(json_object *list, FILE *f)
{
	size_t n;

	if (!list || !json_object_is_type(list, json_type_array))
		return;
	n = json_object_array_length(list);
	fprintf(f, "containers: %zu bound by oci-hook\n", n);
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(list, i);

		fprintf(f, "  %.12s  %s/%s/%s  %s\n", status_str(c, "id"), status_str(c, "namespace"),
			status_str(c, "pod"), status_str(c, "container"), status_str(c, "cgroup"));
	}
}

static void status_programs(json_object *o, FILE *f)
{
	json_object *list = status_get(o, "programs");
	size_t n = list ? json_object_array_length(list) : 0;

	fprintf(f, "programs: pinned under %s\n", status_str(o, "pinned"));
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(list, i);

		bool attached = json_object_get_boolean(status_get(p, "attached"));
		bool on_demand = json_object_get_boolean(status_get(p, "on_demand"));

		fprintf(f, "  %-22s %-20s id %-6llu %s\n", status_str(p, "hook"),
			status_str(p, "program"), status_u64(p, "id"),
			attached ? "attached" : on_demand ? "not attached: no policy needs it" :
							    "not attached");
	}
}

static void status_maps_kernel(json_object *o, FILE *f)
{
	json_object *maps = status_get(o, "maps"), *k = status_get(o, "kernel");
	json_object *checks = status_get(k, "checks");
	size_t n = maps ? json_object_array_length(maps) : 0;

	fprintf(f, "maps:\n");
	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(maps, i);

		fprintf(f, "  %-14s %llu of %llu entries\n", status_str(m, "name"),
			status_u64(m, "entries"), status_u64(m, "capacity"));
	}
	fprintf(f, "kernel %s:\n", status_str(k, "release"));
	n = checks ? json_object_array_length(checks) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(checks, i);

		fprintf(f, "  %-11s %-4s %s\n", status_str(c, "name"),
			json_object_get_boolean(status_get(c, "ok")) ? "ok" : "FAIL",
			status_str(c, "detail"));
	}
}

static void status_features(json_object *o, FILE *f)
{
	static const char *const names[][2] = {
		{ "ring_buffer", "ring buffer" }, { "sleepable_lsm", "sleepable LSM" },
		{ "verdict_cache", "verdict cache" }, { "guard", "guard" },
		{ "seccomp", "seccomp" }, { "capabilities_dropped", "capabilities dropped" },
	};

	if (!o)
		return;
	fprintf(f, "features:");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		fprintf(f, " %s %s%s", names[i][1],
			json_object_get_boolean(status_get(o, names[i][0])) ? "on" : "off",
			i + 1 < sizeof(names) / sizeof(names[0]) ? "," : "\n");
}

int status_print_text(const char *line, FILE *f)
{
	json_object *o = json_tokener_parse(line), *ev, *err;

	if (!o || !json_object_is_type(o, json_type_object) || !status_get(o, "generation")) {
		json_object_put(o);
		return -EINVAL;
	}
	ev = status_get(o, "events");
	err = status_get(o, "last_error");
	fprintf(f, "rampart %s (pid %llu), started %s\n", status_str(o, "version"),
		status_u64(o, "pid"), status_str(o, "started"));
	fprintf(f, "generation %llu, live since %s (applied in %.1f ms); %llu reloads, %llu "
		"failed\n", status_u64(o, "generation"), status_str(o, "live_since"),
		json_object_get_double(status_get(o, "apply_ms")), status_u64(o, "reloads"),
		status_u64(o, "reload_failures"));
	if (err && json_object_is_type(err, json_type_string))
		fprintf(f, "last reload failed: %s\n", json_object_get_string(err));
	status_policies(status_get(o, "policies"), f);
	status_containers(status_get(o, "containers"), f);
	fprintf(f, "events: %llu read, %llu published, %llu coalesced, %llu rate-limited; "
		"%llu lost; undecided: %llu (set changing), %llu (no memory); %llu stream "
		"clients\n", status_u64(ev, "read"), status_u64(ev, "published"),
		status_u64(ev, "coalesced"), status_u64(ev, "rate_limited"),
		status_u64(ev, "lost"), status_u64(ev, "undecided_changing"),
		status_u64(ev, "undecided_no_memory"), status_u64(ev, "stream_clients"));
	fprintf(f, "verdict cache: %llu hits, %llu stored\n",
		status_u64(ev, "verdict_cache_hits"), status_u64(ev, "verdict_cache_stores"));
	fprintf(f, "directory cache: %llu hits, %llu stored\n",
		status_u64(ev, "dir_cache_hits"), status_u64(ev, "dir_cache_stores"));
	status_features(status_get(o, "features"), f);
	status_programs(o, f);
	status_maps_kernel(o, f);
	json_object_put(o);
	return 0;
}
