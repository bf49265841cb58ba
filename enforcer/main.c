// SPDX-License-Identifier: GPL-2.0
/*
 * rampart: the command line. Only this file and run.c (the daemon) log; the modules
 * below them return errors with the context to print.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "audit.h"
#include "cgroup.h"
#include "compile.h"
#include "loader.h"
#include "dump.h"
#include "log.h"
#include "policy.h"
#include "probe.h"
#include "run.h"

#define RAMPART_VERSION "0.1.0"
#define RUN_POLICIES_MAX 64

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rampart [--verbose] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  run --policy FILE|DIR [--policy ...]\n"
		"                 enforce the policies until SIGINT or SIGTERM, writing each\n"
		"                 deny and audit decision as one JSON line on stdout;\n"
		"                 SIGHUP reloads them (a set that fails stays unapplied)\n"
		"  check FILE|DIR...\n"
		"                 validate policies offline; exit 1 on any error\n"
		"  compile --dump FILE|DIR...\n"
		"                 print what would be loaded: rulesets, defaults, map entries\n"
		"  probe          report whether this kernel can run Rampart, and what to do if not\n"
		"  version        print the version\n");
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *paths[RUN_POLICIES_MAX];
	size_t n = 0;
	int c;

	while ((c = getopt_long(argc, argv, "p:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c != 'p')
			return log_error_errno(2, "run: unknown option (see rampart --help)");
		if (n == RUN_POLICIES_MAX)
			return log_error_errno(2, "run: more than %d --policy arguments",
					       RUN_POLICIES_MAX);
		paths[n++] = optarg;
	}
	if (optind < argc)
		return log_error_errno(2, "run: unexpected argument '%s'", argv[optind]);
	if (!n)
		return log_error_errno(2, "run: no policy given: use --policy FILE|DIR");
	return run_daemon(paths, n);
}

/*
 * `check` and `compile` need no live cgroups: every cgroup gets a distinct made-up id,
 * and a pattern stands for itself, so the dump shows the ruleset it would bind.
 */
static int check_resolve_cgroup(void *ctx, const char *path, __u64 *ret_id)
{
	(void)path;
	*ret_id = ++*(__u64 *)ctx;
	return 0;
}

static int check_expand_cgroups(void *ctx, const char *pattern, cgroup_expand_fn fn, void *fctx)
{
	(void)ctx;
	return fn(fctx, pattern);
}

/* check and compile: validate and compile offline; compile --dump prints the result. */
static int cmd_check(int argc, char **argv, bool dump)
{
	struct rp_hash_key key = {};
	struct policy_set set = {};
	struct compiled_set c = {};
	struct policy_error err;
	__u64 next_id = 0;
	int ret;

	if (argc < 2)
		return log_error_errno(2, "check: no policy given: rampart check FILE|DIR...");
	ret = policy_set_load((const char *const *)argv + 1, argc - 1, &set, &err);
	if (!ret)
		ret = compile_set(&set, &key,
				  &(struct compile_cgroups){ .resolve = check_resolve_cgroup,
							     .expand = check_expand_cgroups,
							     .ctx = &next_id }, &c, &err);
	if (ret) {
		fprintf(stderr, "%s\n", err.msg);
		policy_set_free(&set);
		return 1;
	}
	for (size_t i = 0; i < set.n && !dump; i++)
		printf("%s: policy '%s' is valid (%zu file rules, %zu exec rules)\n",
		       set.policies[i]->source, set.policies[i]->name, set.policies[i]->n_file,
		       set.policies[i]->n_exec);
	if (dump)
		dump_compiled(&c, stdout);
	compiled_set_free(&c);
	policy_set_free(&set);
	return 0;
}

static int cmd_probe(void)
{
	struct probe_report r;
	int ret = probe_kernel("", &r);

	if (!ret)
		ret = probe_lsm_load(&r);
	else
		snprintf(r.items[PROBE_LSM_LOAD].detail, sizeof(r.items[0].detail), "not tried");
	printf("kernel %s\n", r.kernel_release);
	for (int i = 0; i < PROBE__COUNT; i++) {
		const struct probe_item *it = &r.items[i];

		printf("%-11s %-4s %s\n", it->name, it->ok ? "ok" : "FAIL", it->detail);
		if (!it->ok)
			printf("            %s\n", it->hint);
	}
	printf(ret ? "BPF LSM enforcement is NOT possible on this kernel\n"
		   : "BPF LSM enforcement is possible on this kernel\n");
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_route_libbpf();
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
			log_set_level(LOG_LVL_DEBUG);
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			log_error("unknown option '%s' (see rampart --help)", argv[i]);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	argc -= i;
	argv += i;
	if (strcmp(argv[0], "run") == 0)
		return cmd_run(argc, argv);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(argc, argv, false);
	if (strcmp(argv[0], "compile") == 0) {
		if (argc < 2 || strcmp(argv[1], "--dump") != 0)
			return log_error_errno(2, "compile: usage: rampart compile --dump FILE|DIR...");
		return cmd_check(argc - 1, argv + 1, true);
	}
	if (strcmp(argv[0], "probe") == 0)
		return argc == 1 ? cmd_probe() : log_error_errno(2, "probe takes no arguments");
	if (strcmp(argv[0], "version") == 0) {
		printf("rampart %s (BPF ABI %d)\n", RAMPART_VERSION, RP_ABI_VERSION);
		return 0;
	}
	if (strcmp(argv[0], "help") == 0) {
		usage(stdout);
		return 0;
	}
	log_error("unknown command '%s' (see rampart --help)", argv[0]);
	return 2;
}
