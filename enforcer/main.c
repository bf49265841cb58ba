// SPDX-License-Identifier: GPL-2.0
/*
 * rampart: the command line and the daemon's top level. Only this file logs; the
 * modules below it return errors with the context to print.
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
#include "log.h"
#include "policy.h"
#include "probe.h"

#define RAMPART_VERSION "0.1.0"
#define RUN_POLICIES_MAX 64

static volatile sig_atomic_t run_stop;

static void run_on_signal(int sig)
{
	run_stop = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rampart [--verbose] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  run --policy FILE|DIR [--policy ...]\n"
		"                 enforce the policies until SIGINT or SIGTERM, writing each\n"
		"                 deny and audit decision as one JSON line on stdout\n"
		"  check FILE|DIR...\n"
		"                 validate policies offline; exit 1 on any error\n"
		"  probe          report whether this kernel can run Rampart, and what to do if not\n"
		"  version        print the version\n");
}

/* The state of `rampart run`: what is loaded and which rules events refer to. */
struct run_ctx {
	struct loader loader;
	struct compiled_set live;
	__u32 live_gen;
	__u64 lost_reported;
	const char *cgroup2_mount;
};

static int run_resolve_cgroup(void *ctx, const char *path, __u64 *ret_id)
{
	const struct run_ctx *rc = ctx;

	return cgroup_id_of(rc->cgroup2_mount, path, ret_id);
}

static int run_handle_event(void *ctx, void *data, size_t size)
{
	struct run_ctx *rc = ctx;
	const struct rp_event *ev = data;
	const struct compile_rule *rule = NULL;
	char *line = NULL;
	int ret;

	if (size >= RP_EVENT_HDR_SIZE && ev->gen == rc->live_gen)
		rule = compiled_rule(&rc->live, ev->rule_id);
	ret = audit_format(data, size, rule, audit_boot_to_real_ns(), &line);
	if (ret) {
		log_warn("malformed event of %zu bytes from the kernel, ignoring", size);
		return 0;
	}
	printf("%s\n", line);
	free(line);
	return 0;
}

/* Every event the kernel could not queue is reported in the stream, never dropped silently. */
static void run_report_losses(struct run_ctx *rc)
{
	__u64 lost = loader_lost_events(&rc->loader);
	char when[48];

	if (lost == rc->lost_reported)
		return;
	audit_time(audit_boot_to_real_ns(), when, sizeof(when));
	printf("{\"time\":\"%s\",\"kind\":\"loss\",\"lost\":%llu,\"lost_total\":%llu}\n", when,
	       (unsigned long long)(lost - rc->lost_reported), (unsigned long long)lost);
	log_warn("%llu events lost: the ring buffer was full",
		 (unsigned long long)(lost - rc->lost_reported));
	rc->lost_reported = lost;
}

static int run_explain_unusable(void)
{
	struct probe_report r;
	const struct probe_item *bad;

	if (probe_kernel("", &r) == 0 && probe_lsm_load(&r) == 0)
		return 0;
	bad = probe_first_failure(&r);
	log_error("BPF LSM cannot be used on this kernel: %s", bad->hint);
	return -EOPNOTSUPP;
}

static int run_load(struct run_ctx *rc, const struct policy_set *set)
{
	struct policy_error err;
	__u32 gen;
	int ret;

	ret = loader_load(&rc->loader);
	if (ret == -EPERM && geteuid() != 0)
		return log_error_errno(ret, "loading the BPF programs was refused: rampart run "
					    "needs root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN)");
	if (ret)
		return log_error_errno(ret, "loading the BPF programs failed: %s (run with "
					    "--verbose for libbpf's log)", strerror(-ret));
	ret = compile_set(set, &rc->loader.hkey, run_resolve_cgroup, rc, &rc->live, &err);
	if (ret)
		return log_error_errno(ret, "%s", err.msg);
	ret = loader_apply(&rc->loader, &rc->live, &gen);
	if (ret)
		return log_error_errno(ret, "loading the policy set into the kernel failed: %s",
				       strerror(-ret));
	rc->live_gen = gen;
	ret = loader_attach(&rc->loader);
	if (ret)
		return log_error_errno(ret, "attaching the LSM programs failed: %s",
				       strerror(-ret));
	log_info("enforcing %zu %s (generation %u: %zu rulesets, %zu cgroups, %zu map entries)",
		 set->n, set->n == 1 ? "policy" : "policies", gen, rc->live.n_rulesets,
		 rc->live.n_subjects, rc->live.n_entries);
	return 0;
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
		ret = ring_buffer__poll(rb, 250);
		if (ret < 0 && ret != -EINTR) {
			log_error("reading events failed: %s", strerror(-ret));
			break;
		}
		ret = 0;
		run_report_losses(rc);
		fflush(stdout);
	}
	ring_buffer__consume(rb);
	run_report_losses(rc);
	fflush(stdout);
	ring_buffer__free(rb);
	return ret;
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *paths[RUN_POLICIES_MAX];
	struct run_ctx rc = {};
	struct policy_set set = {};
	struct policy_error err;
	struct probe_report probe;
	struct sigaction sa = { .sa_handler = run_on_signal };
	size_t n = 0;
	int c, ret;

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
	ret = policy_set_load(paths, n, &set, &err);
	if (ret)
		return log_error_errno(1, "%s", err.msg);
	if (run_explain_unusable()) {
		policy_set_free(&set);
		return 1;
	}
	probe_kernel("", &probe);
	rc.cgroup2_mount = probe.cgroup2_mount;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = run_load(&rc, &set);
	policy_set_free(&set);
	if (!ret)
		ret = run_loop(&rc);
	loader_close(&rc.loader);
	compiled_set_free(&rc.live);
	if (!ret)
		log_info("stopped by signal %d: programs detached, nothing is enforced",
			 (int)run_stop);
	return ret ? 1 : 0;
}

/* Resolves every cgroup to a distinct made-up id: `check` needs no live cgroups. */
static int check_resolve_cgroup(void *ctx, const char *path, __u64 *ret_id)
{
	(void)path;
	*ret_id = ++*(__u64 *)ctx;
	return 0;
}

static int cmd_check(int argc, char **argv)
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
		ret = compile_set(&set, &key, check_resolve_cgroup, &next_id, &c, &err);
	if (ret) {
		fprintf(stderr, "%s\n", err.msg);
		policy_set_free(&set);
		return 1;
	}
	for (size_t i = 0; i < set.n; i++)
		printf("%s: policy '%s' is valid (%zu file rules)\n", set.policies[i]->source,
		       set.policies[i]->name, set.policies[i]->n_file);
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
		return cmd_check(argc, argv);
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
