// SPDX-License-Identifier: GPL-2.0
/*
 * rampart bench-apply --policy FILE|DIR [--policy ...] [--rounds N]
 *
 * Each round is what a reload does: parse the files, compile the set, and apply it as a
 * real swap (the new generation written, the state flipped, the old generation deleted).
 * The phases are timed apart; one JSON line reports their median and maximum, and the
 * memory and entries of the decision map and the inet trie after the last round. A
 * top-level command: it logs, as main.c and run.c do.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "bench.h"
#include "cgroup.h"
#include "compile.h"
#include "loader.h"
#include "log.h"
#include "policy.h"
#include "probe.h"
#include "rampart.skel.h"

#define BENCH_POLICIES_MAX 64

/* BENCH_TOTAL_CPU: the process's CPU time (user and system) from the JSON to live. */
enum bench_phase {
	BENCH_PARSE, BENCH_COMPILE, BENCH_APPLY, BENCH_TOTAL, BENCH_RETIRE, BENCH_TOTAL_CPU,
	BENCH__PHASES
};

static const char *const bench_phase_names[BENCH__PHASES] = {
	"parse_ms", "compile_ms", "apply_ms", "total_ms", "retire_ms", "total_cpu_ms",
};

struct bench_ctx {
	const char *paths[BENCH_POLICIES_MAX];
	size_t n_paths;
	unsigned rounds;
	char cgroup2_mount[256];
	struct loader loader;
	double *ms[BENCH__PHASES];	/* per round */
	size_t n_rules;
	size_t n_entries, n_net;	/* of the last compiled set */
};

static double bench_clock_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double bench_now_ms(void)
{
	return bench_clock_ms(CLOCK_MONOTONIC);
}

/*
 * On a shared host the wall clock also counts the time the process waited for a CPU;
 * its CPU time does not, which tells the work from the neighbours.
 */
static double bench_cpu_ms(void)
{
	return bench_clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static int bench_resolve_cgroup(void *ctx, const char *path, __u64 *ret_id)
{
	const struct bench_ctx *b = ctx;

	return cgroup_id_of(b->cgroup2_mount, path, ret_id);
}

static int bench_expand_cgroups(void *ctx, const char *pattern, cgroup_expand_fn fn, void *fctx)
{
	const struct bench_ctx *b = ctx;

	return cgroup_expand(b->cgroup2_mount, pattern, fn, fctx);
}

/* --rounds: a whole number from 1 to BENCH_ROUNDS_MAX; 0 or -EINVAL. */
static int bench_parse_rounds(const char *s, unsigned *ret_rounds)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < 1 || v > BENCH_ROUNDS_MAX)
		return -EINVAL;
	*ret_rounds = v;
	return 0;
}

/* 0, or the exit status of a usage error (already logged). */
static int bench_parse_args(struct bench_ctx *b, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "rounds", required_argument, NULL, 'r' },
		{},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:", opts, NULL)) != -1) {
		if (c == ':')
			return log_error_errno(2, "bench-apply: option '%s' needs a value",
					       argv[optind - 1]);
		if (c == '?')
			return log_error_errno(2, "bench-apply: unknown option '%s' (see rampart "
						  "--help)", argv[optind - 1]);
		if (c == 'r' && bench_parse_rounds(optarg, &b->rounds))
			return log_error_errno(2, "bench-apply: invalid --rounds '%s': expected a "
						  "number from 1 to %d", optarg, BENCH_ROUNDS_MAX);
		if (c == 'p' && b->n_paths == BENCH_POLICIES_MAX)
			return log_error_errno(2, "bench-apply: more than %d --policy arguments",
					       BENCH_POLICIES_MAX);
		if (c == 'p')
			b->paths[b->n_paths++] = optarg;
	}
	if (optind < argc)
		return log_error_errno(2, "bench-apply: unexpected argument '%s'", argv[optind]);
	if (!b->n_paths)
		return log_error_errno(2, "bench-apply: no policy given: use --policy FILE|DIR");
	return 0;
}

/* One reload, timed by phase into round r; 0 or a negative errno (logged). */
static int bench_round(struct bench_ctx *b, unsigned r)
{
	struct compile_cgroups cg = { .resolve = bench_resolve_cgroup,
				      .expand = bench_expand_cgroups, .ctx = b };
	struct policy_set set = {};
	struct compiled_set c = {};
	struct policy_error err;
	double t0, t1, t2, t3, t4, cpu0, cpu3;
	unsigned stuck;
	__u32 gen;
	int ret;

	cpu0 = bench_cpu_ms();
	t0 = bench_now_ms();
	ret = policy_set_load(b->paths, b->n_paths, &set, &err);
	t1 = bench_now_ms();
	if (!ret)
		ret = compile_set(&set, &b->loader.hkey, &cg, &c, &err);
	t2 = bench_now_ms();
	if (ret) {
		policy_set_free(&set);
		return log_error_errno(ret, "bench-apply: %s", err.msg);
	}
	ret = loader_apply(&b->loader, &c, &gen, &stuck);
	t3 = bench_now_ms();
	cpu3 = bench_cpu_ms();
	loader_retire(&b->loader);	/* after the flip: not part of the time to live */
	t4 = bench_now_ms();
	b->n_rules = 0;
	for (size_t i = 0; i < set.n; i++)
		b->n_rules += set.policies[i]->n_file + set.policies[i]->n_exec +
			      set.policies[i]->n_net;
	b->n_entries = c.n_entries;
	b->n_net = c.n_net;
	compiled_set_free(&c);
	policy_set_free(&set);
	if (ret)
		return log_error_errno(ret, "bench-apply: loading the policy set into the maps "
					    "failed: %s", strerror(-ret));
	b->ms[BENCH_PARSE][r] = t1 - t0;
	b->ms[BENCH_COMPILE][r] = t2 - t1;
	b->ms[BENCH_APPLY][r] = t3 - t2;
	b->ms[BENCH_TOTAL][r] = t3 - t0;
	b->ms[BENCH_RETIRE][r] = t4 - t3;
	b->ms[BENCH_TOTAL_CPU][r] = cpu3 - cpu0;
	return 0;
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* {"median": M, "max": X} of n values, sorted in place, in ms with 3 decimals. */
static json_object *bench_stats(double *v, size_t n)
{
	json_object *o = json_object_new_object();
	double median;
	char text[32];

	qsort(v, n, sizeof(*v), bench_cmp_double);
	median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	snprintf(text, sizeof(text), "%.3f", median);
	json_object_object_add(o, "median", json_object_new_double_s(median, text));
	snprintf(text, sizeof(text), "%.3f", v[n - 1]);
	json_object_object_add(o, "max", json_object_new_double_s(v[n - 1], text));
	return o;
}

/* The kernel's memlock figure of a map, from /proc/self/fdinfo; 0 or a negative errno. */
static int bench_memlock(int fd, unsigned long long *ret_bytes)
{
	char path[64], line[256];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %llu", ret_bytes) == 1)
			ret = 0;
	fclose(f);
	return ret;
}

/* Keys in the map, walked one by one: what a swap really left behind; -1 without memory. */
static long long bench_count_keys(int fd, size_t key_size)
{
	unsigned char *key = malloc(2 * key_size);
	long long n = 0;
	void *prev = NULL;

	if (!key)
		return -1;
	while (bpf_map_get_next_key(fd, prev, key + (n % 2) * key_size) == 0) {
		prev = key + (n % 2) * key_size;
		n++;
	}
	free(key);
	return n;
}

static json_object *bench_map(const struct bpf_map *m)
{
	json_object *o = json_object_new_object();
	unsigned long long memlock = 0;
	int fd = bpf_map__fd(m);

	if (bench_memlock(fd, &memlock) == 0)
		json_object_object_add(o, "memlock", json_object_new_uint64(memlock));
	json_object_object_add(o, "entries",
			       json_object_new_int64(bench_count_keys(fd, bpf_map__key_size(m))));
	json_object_object_add(o, "max_entries", json_object_new_uint64(bpf_map__max_entries(m)));
	return o;
}

static void bench_report(struct bench_ctx *b)
{
	json_object *o = json_object_new_object();
	json_object *paths = json_object_new_array();

	for (size_t i = 0; i < b->n_paths; i++)
		json_object_array_add(paths, json_object_new_string(b->paths[i]));
	json_object_object_add(o, "policies", paths);
	json_object_object_add(o, "rounds", json_object_new_int(b->rounds));
	json_object_object_add(o, "rules", json_object_new_uint64(b->n_rules));
	json_object_object_add(o, "decision_entries", json_object_new_uint64(b->n_entries));
	json_object_object_add(o, "net_entries", json_object_new_uint64(b->n_net));
	json_object_object_add(o, "insert_fallbacks",
			       json_object_new_uint64(b->loader.insert_fallbacks));
	for (int p = 0; p < BENCH__PHASES; p++)
		json_object_object_add(o, bench_phase_names[p], bench_stats(b->ms[p], b->rounds));
	json_object_object_add(o, "rp_decisions", bench_map(b->loader.skel->maps.rp_decisions));
	json_object_object_add(o, "rp_net", bench_map(b->loader.skel->maps.rp_net));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/* The maps, created the way `rampart run` creates them; 0 or the exit status (logged). */
static int bench_load(struct bench_ctx *b)
{
	int ret;

	if (probe_find_mount("", "cgroup2", b->cgroup2_mount, sizeof(b->cgroup2_mount)))
		return log_error_errno(1, "bench-apply: no cgroup v2 hierarchy is mounted, and "
					  "policies select cgroups: mount it with 'mount -t cgroup2 "
					  "none /sys/fs/cgroup'");
	ret = loader_load_opts(&b->loader, true);
	if (ret == -EPERM && geteuid() != 0)
		return log_error_errno(1, "bench-apply: creating the BPF maps was refused: it needs "
					  "root (CAP_BPF)");
	if (ret)
		return log_error_errno(1, "bench-apply: creating the BPF maps failed: %s (run "
					  "with --verbose for libbpf's log)", strerror(-ret));
	return 0;
}

int bench_apply_main(int argc, char **argv)
{
	struct bench_ctx b = { .rounds = BENCH_ROUNDS_DEFAULT };
	int ret = bench_parse_args(&b, argc, argv);

	if (ret)
		return ret;
	for (int p = 0; p < BENCH__PHASES; p++) {
		b.ms[p] = calloc(b.rounds, sizeof(double));
		if (!b.ms[p])
			ret = log_error_errno(1, "bench-apply: out of memory");
	}
	if (!ret)
		ret = bench_load(&b);
	for (unsigned r = 0; !ret && r < b.rounds; r++)
		ret = bench_round(&b, r) ? 1 : 0;
	if (!ret)
		bench_report(&b);
	loader_close(&b.loader);
	for (int p = 0; p < BENCH__PHASES; p++)
		free(b.ms[p]);
	return ret;
}
