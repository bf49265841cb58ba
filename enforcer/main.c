// SPDX-License-Identifier: GPL-2.0
/*
 * rampart: the command line. Only this file and run.c (the daemon) log; the modules
 * below them return errors with the context to print.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <json-c/json.h>

#include "audit.h"
#include "bench.h"
#include "cgroup.h"
#include "compile.h"
#include "ctl.h"
#include "loader.h"
#include "dump.h"
#include "events.h"
#include "flood.h"
#include "hook.h"
#include "log.h"
#include "policy.h"
#include "pin.h"
#include "probe.h"
#include "run.h"
#include "seccomp_profile.h"
#include "watch.h"
#include "sink.h"
#include "status.h"

#define RAMPART_VERSION "0.1.0"
#define RUN_POLICIES_MAX 64

static void usage(FILE *f)
{
	fprintf(f,
		"usage: rampart [--verbose] [--log-format text|json] COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  run [--policy FILE|DIR ...] [--policy-dir DIR ...] [OPTIONS]\n"
		"                 enforce the policies until SIGINT or SIGTERM, writing each\n"
		"                 deny and audit decision as one JSON line on stdout;\n"
		"                 SIGHUP reloads them (a set that fails stays unapplied) and\n"
		"                 reopens the log file; SIGUSR1 reports every count\n"
		"      --policy-dir DIR       the *.json policies in DIR, reloaded whenever\n"
		"                             DIR changes (inotify; a Kubernetes ConfigMap\n"
		"                             volume's ..data swap included); without any\n"
		"                             --policy: --policy-dir " RUN_POLICY_DIR_DEFAULT "\n"
		"      --log-file PATH        also append the lines to PATH (mode 0600)\n"
		"      --log-max-bytes N      rotate PATH past N bytes (K, M, G suffixes;\n"
		"                             default 64M): PATH -> PATH.1 -> PATH.2 ...\n"
		"      --log-keep K           rotated files kept, 0 to 1000 (default 5)\n"
		"      --socket PATH          serve the lines to local clients on a Unix socket\n"
		"                             (mode 0600), e.g. " SINK_SOCKET_SUGGESTED "\n"
		"      --no-stdout            do not write the lines on stdout\n"
		"      --coalesce-ms MS       repeats of an event within MS after it are one\n"
		"                             line with \"count\" (default 1000; 0: off)\n"
		"      --rate-limit N         events per second per rule, 1 to 1000000\n"
		"                             (default 100); the rest is counted\n"
		"      --no-seccomp           do not confine the daemon to its system calls\n"
		"      --keep-capabilities    do not drop the capabilities it no longer needs\n"
		"      --no-guard             let other processes get fds to Rampart's maps,\n"
		"                             remove its pins and trace the daemon\n"
		"      --pin-dir DIR          bpffs directory for the program links (default\n"
		"                             " PIN_DIR_DEFAULT "): they stay attached after\n"
		"                             rampart exits, until the next rampart replaces\n"
		"                             them or rampart unload removes them\n"
		"      --control PATH         the control socket (default\n"
		"                             " CTL_SOCKET_DEFAULT ")\n"
		"      --no-control           no control socket (status, reload and events\n"
		"                             then do not work)\n"
		"      --control-group GROUP  members of GROUP may use the control socket too\n"
		"                             (default: root only)\n"
		"      --metrics ADDR         serve Prometheus metrics: PORT or IP:PORT (HTTP,\n"
		"                             GET /metrics; IP defaults to 127.0.0.1) or a\n"
		"                             Unix socket /PATH\n"
		"      --bindings FILE        where the containers bound by oci-hook are kept\n"
		"                             across restarts (default\n"
		"                             " RUN_BINDINGS_DEFAULT ")\n"
		"  status [--json] [--control PATH]\n"
		"                 what the daemon enforces: policies with per-rule hits,\n"
		"                 generation, events and losses, programs, maps, kernel\n"
		"  reload [--control PATH]\n"
		"                 reload the policies; exit 1 with the error when the new set\n"
		"                 fails (the set in force stays)\n"
		"  events [--follow] [--control PATH | --socket PATH] [--policy NAME]\n"
		"         [--decision deny|audit] [--kind file|exec|network]\n"
		"                 print the live events, from the control socket or from a\n"
		"                 stream socket (rampart run --socket); without --follow,\n"
		"                 exit once no line arrived for 1 s\n"
		"  check FILE|DIR...\n"
		"                 validate policies offline; exit 1 on any error\n"
		"  compile --dump FILE|DIR...\n"
		"                 print what would be loaded: rulesets, defaults, map entries\n"
		"  unload [--pin-dir DIR]\n"
		"                 detach the pinned programs: nothing is enforced afterwards\n"
		"                 (a running rampart keeps its own until it exits)\n"
		"  seccomp-profile POLICY [-o FILE]\n"
		"                 write the OCI / Kubernetes Localhost seccomp profile of the\n"
		"                 policy's syscalls section (the container runtime enforces it,\n"
		"                 not Rampart) to stdout, or to FILE (mode 0644)\n"
		"  oci-hook [--control PATH] [--exempt-namespace GLOB]... [--timeout SEC]\n"
		"                 OCI createRuntime hook: reads the container state on stdin\n"
		"                 and has the daemon confine the container's cgroup before\n"
		"                 its first instruction; exits 1 (the container does not\n"
		"                 start) when that fails, unless its Kubernetes namespace\n"
		"                 matches a GLOB; --timeout: seconds to wait (default 10);\n"
		"                 --cgroup-root DIR: the cgroup2 mount (default: found in\n"
		"                 /proc/self/mountinfo)\n"
		"  probe [--json] report whether this kernel can run Rampart, and what to do if not\n"
		"  bench-apply --policy FILE|DIR [--policy ...] [--rounds N]\n"
		"                 time parse, compile and apply of the set over N swaps\n"
		"                 (default 5) with the maps only, no program; print one\n"
		"                 JSON line with the timings and the maps' memory\n"
		"  version        print the version\n");
}

/* A whole decimal number from 0 to max, with an optional K, M or G (x1024) when
 * scaled; 0 or -EINVAL. */
static int parse_number(const char *s, unsigned long long max, bool scaled,
			unsigned long long *ret_v)
{
	unsigned long long v, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (scaled && *end && !end[1]) {
		const char *units = "KMG";
		const char *u = strchr(units, *end);

		if (!u)
			return -EINVAL;
		mult = 1ULL << (10 * (u - units + 1));
		end++;
	}
	if (*end || v > max / mult)
		return -EINVAL;
	*ret_v = v * mult;
	return 0;
}

static int run_parse_option(struct run_options *o, int c, const char *arg)
{
	unsigned long long v;

	switch (c) {
	case 'f':
		o->log_file = arg;
		return 0;
	case 's':
		o->socket_path = arg;
		return 0;
	case 'n':
		o->no_stdout = true;
		return 0;
	case 'b':
		if (parse_number(arg, 1ULL << 50, true, &v) || !v)
			return log_error_errno(2, "run: invalid --log-max-bytes '%s': expected a "
						  "positive size such as 1048576 or 64M", arg);
		o->log_max_bytes = v;
		return 0;
	case 'k':
		if (parse_number(arg, SINK_LOG_KEEP_MAX, false, &v))
			return log_error_errno(2, "run: invalid --log-keep '%s': expected a number "
						  "of files from 0 to %d", arg, SINK_LOG_KEEP_MAX);
		o->log_keep = (unsigned)v;
		return 0;
	case 'c':
		if (parse_number(arg, 3600000, false, &v))
			return log_error_errno(2, "run: invalid --coalesce-ms '%s': expected "
						  "milliseconds from 0 to 3600000", arg);
		o->coalesce_ns = (long long)v * 1000000LL;
		return 0;
	case 'S':
		o->no_seccomp = true;
		return 0;
	case 'K':
		o->keep_caps = true;
		return 0;
	case 'g':
		o->no_guard = true;
		return 0;
	case 'P':
		if (!*arg)
			return log_error_errno(2, "run: --pin-dir needs a directory");
		o->pin_dir = arg;
		return 0;
	case 'C':
		if (arg[0] != '/')
			return log_error_errno(2, "run: --control needs an absolute socket path, not "
						  "'%s'", arg);
		o->control_path = arg;
		return 0;
	case 'N':
		o->control_path = NULL;
		return 0;
	case 'G': {
		gid_t gid;

		if (ctl_group_lookup(arg, &gid))
			return log_error_errno(2, "run: unknown group '%s' for --control-group", arg);
		o->control_group = arg;
		return 0;
	}
	case 'M':
		if (!ctl_metrics_addr_valid(arg))
			return log_error_errno(2, "run: invalid --metrics '%s': expected PORT, "
						  "IP:PORT, [IPV6]:PORT or /PATH", arg);
		o->metrics_addr = arg;
		return 0;
	case 'B':
		if (arg[0] != '/')
			return log_error_errno(2, "run: invalid --bindings '%s': expected an "
						  "absolute path", arg);
		o->bindings_path = arg;
		return 0;
	case 'r':
		if (parse_number(arg, FLOOD_RATE_MAX, false, &v) || !v)
			return log_error_errno(2, "run: invalid --rate-limit '%s': expected events "
						  "per second from 1 to %d", arg, FLOOD_RATE_MAX);
		o->rate_limit = (unsigned)v;
		return 0;
	}
	return log_error_errno(2, "run: unknown option (see rampart --help)");
}

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "log-file", required_argument, NULL, 'f' },
		{ "log-max-bytes", required_argument, NULL, 'b' },
		{ "log-keep", required_argument, NULL, 'k' },
		{ "socket", required_argument, NULL, 's' },
		{ "no-stdout", no_argument, NULL, 'n' },
		{ "coalesce-ms", required_argument, NULL, 'c' },
		{ "rate-limit", required_argument, NULL, 'r' },
		{ "pin-dir", required_argument, NULL, 'P' },
		{ "policy-dir", required_argument, NULL, 'D' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "keep-capabilities", no_argument, NULL, 'K' },
		{ "no-guard", no_argument, NULL, 'g' },
		{ "control", required_argument, NULL, 'C' },
		{ "no-control", no_argument, NULL, 'N' },
		{ "control-group", required_argument, NULL, 'G' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "bindings", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *paths[RUN_POLICIES_MAX], *dirs[WATCH_DIRS_MAX];
	struct run_options o;
	size_t n = 0, n_dirs = 0;
	int c, ret;

	run_options_init(&o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:h", opts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == ':')
			return log_error_errno(2, "run: option '%s' needs a value", argv[optind - 1]);
		if (c == '?')
			return log_error_errno(2, "run: unknown option '%s' (see rampart --help)",
					       argv[optind - 1]);
		if (c != 'p' && c != 'D') {
			ret = run_parse_option(&o, c, optarg);
			if (ret)
				return ret;
			continue;
		}
		if (n == RUN_POLICIES_MAX)
			return log_error_errno(2, "run: more than %d --policy and --policy-dir "
						  "arguments", RUN_POLICIES_MAX);
		if (c == 'D' && n_dirs == WATCH_DIRS_MAX)
			return log_error_errno(2, "run: more than %d --policy-dir arguments",
					       WATCH_DIRS_MAX);
		if (c == 'D')
			dirs[n_dirs++] = optarg;
		paths[n++] = optarg;
	}
	if (optind < argc)
		return log_error_errno(2, "run: unexpected argument '%s'", argv[optind]);
	if (!n) {
		dirs[n_dirs++] = RUN_POLICY_DIR_DEFAULT;
		paths[n++] = RUN_POLICY_DIR_DEFAULT;
	}
	if (o.no_stdout && !o.log_file && !o.socket_path)
		return log_error_errno(2, "run: --no-stdout without --log-file or --socket would "
					  "send the events nowhere");
	o.paths = paths;
	o.n_paths = n;
	o.watch_dirs = dirs;
	o.n_watch_dirs = n_dirs;
	return run_daemon(&o);
}

static int cmd_events(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'F' },
		{ "socket", required_argument, NULL, 's' },
		{ "control", required_argument, NULL, 'C' },
		{ "policy", required_argument, NULL, 'p' },
		{ "decision", required_argument, NULL, 'd' },
		{ "kind", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct events_filter f = {};
	const char *path = CTL_SOCKET_DEFAULT;
	bool follow = false, control = true;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'f':
		case 'F':
			follow = true;
			break;
		case 's':
			path = optarg;
			control = false;
			break;
		case 'C':
			path = optarg;
			control = true;
			break;
		case 'p':
			f.policy = optarg;
			break;
		case 'd':
			if (events_check_decision(optarg))
				return log_error_errno(2, "events: invalid --decision '%s': expected "
							  "deny or audit", optarg);
			f.decision = optarg;
			break;
		case 'k':
			if (events_check_kind(optarg))
				return log_error_errno(2, "events: invalid --kind '%s': expected file, "
							  "exec or network", optarg);
			f.kind = optarg;
			break;
		case ':':
			return log_error_errno(2, "events: option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return log_error_errno(2, "events: unknown option '%s' (see rampart --help)",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return log_error_errno(2, "events: unexpected argument '%s'", argv[optind]);
	return events_stream(path, control, &f, follow);
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
	for (size_t i = 0; i < set.n && !dump; i++) {
		const struct policy *p = set.policies[i];

		printf("%s: policy '%s' is valid (%zu file rules, %zu exec rules, %zu network "
		       "rules%s; selects %zu cgroups, %zu container selectors)\n", p->source,
		       p->name, p->n_file, p->n_exec, p->n_net,
		       p->syscalls.present ? ", a syscalls section" : "", p->n_cgroups,
		       p->n_containers);
	}
	if (dump)
		dump_compiled(&c, stdout);
	compiled_set_free(&c);
	policy_set_free(&set);
	return 0;
}

/* rampart unload [--pin-dir DIR]: unpins every set, which detaches the programs no
 * running daemon holds. */
static int cmd_unload(int argc, char **argv)
{
	const char *dir = PIN_DIR_DEFAULT;
	int n;

	if (argc == 3 && strcmp(argv[1], "--pin-dir") == 0 && argv[2][0])
		dir = argv[2];
	else if (argc != 1)
		return log_error_errno(2, "unload: usage: rampart unload [--pin-dir DIR]");
	n = pin_remove_sets(dir, NULL);
	if (n == -EPERM)
		return log_error_errno(1, "unload: removing the pinned programs under %s was "
					  "refused: the guard lets only the rampart binary that "
					  "pinned them remove them", dir);
	if (n < 0)
		return log_error_errno(1, "unload: removing the pinned programs under %s failed: "
					  "%s", dir, strerror(-n));
	if (!n)
		log_info("unload: nothing pinned under %s", dir);
	else
		log_info("unload: unpinned %d set%s of programs under %s: nothing is enforced once "
			 "no rampart process holds them", n, n == 1 ? "" : "s", dir);
	return 0;
}

/* Parses "[--json] [--control PATH]" of status and reload; 0 or the exit status 2. */
static int ctl_cli_args(const char *cmd, int argc, char **argv, bool allow_json, bool *json,
			const char **path)
{
	*path = CTL_SOCKET_DEFAULT;
	for (int i = 1; i < argc; i++) {
		if (allow_json && strcmp(argv[i], "--json") == 0)
			*json = true;
		else if (strcmp(argv[i], "--control") == 0 && i + 1 < argc && argv[i + 1][0])
			*path = argv[++i];
		else
			return log_error_errno(2, "%s: usage: rampart %s%s [--control PATH]", cmd, cmd,
					       allow_json ? " [--json]" : "");
	}
	return 0;
}

/* Sends req to the daemon; its reply line, or the exit status after logging why not. */
static int ctl_cli_call(const char *cmd, const char *path, const char *req, char **ret_reply)
{
	int ret = ctl_request(path, req, ret_reply);
	void *obj;
	const char *err;

	if (ret == -ENOENT || ret == -ECONNREFUSED)
		return log_error_errno(1, "%s: no rampart daemon answers on %s (is it running? "
					  "--control PATH names another socket)", cmd, path);
	if (ret)
		return log_error_errno(1, "%s: talking to the daemon on %s failed: %s", cmd, path,
				       strerror(-ret));
	err = events_reply_error(*ret_reply, &obj);
	if (err) {
		log_error("%s: %s", cmd, err);
		json_object_put(obj);
		free(*ret_reply);
		return 1;
	}
	json_object_put(obj);
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	const char *path;
	bool json = false;
	char *reply;
	int ret = ctl_cli_args("status", argc, argv, true, &json, &path);

	if (ret || (ret = ctl_cli_call("status", path, "status", &reply)))
		return ret;
	if (json)
		printf("%s\n", reply);
	else if (status_print_text(reply, stdout))
		ret = log_error_errno(1, "status: the daemon's reply is not a status: %.200s",
				      reply);
	free(reply);
	return ret;
}

static int cmd_reload(int argc, char **argv)
{
	const char *path;
	char *reply;
	void *obj;
	int ret = ctl_cli_args("reload", argc, argv, false, NULL, &path);

	if (ret || (ret = ctl_cli_call("reload", path, "reload", &reply)))
		return ret;
	events_reply_error(reply, &obj);
	log_info("reload: generation %lld is live",
		 (long long)json_object_get_int64(json_object_object_get(obj, "generation")));
	json_object_put(obj);
	free(reply);
	return 0;
}

/* rampart seccomp-profile POLICY [-o FILE]: one policy's syscalls section as a seccomp
 * profile, for the container runtime to enforce. */
static int cmd_seccomp_profile(int argc, char **argv)
{
	char missing[SECCOMP_PROFILE_MISSING_MAX];
	const char *path = NULL, *out = NULL;
	json_object *profile = NULL;
	struct policy *p = NULL;
	struct policy_error err;
	bool bad = false;
	int ret;

	for (int i = 1; i < argc && !bad; i++) {
		if (strcmp(argv[i], "-o") == 0 && !out && i + 1 < argc && argv[i + 1][0])
			out = argv[++i];
		else if (argv[i][0] && argv[i][0] != '-' && !path)
			path = argv[i];
		else
			bad = true;
	}
	if (bad || !path)
		return log_error_errno(2, "seccomp-profile: usage: rampart seccomp-profile POLICY "
					  "[-o FILE]");
	if (policy_parse_file(path, &p, &err))
		return log_error_errno(1, "%s", err.msg);
	if (!p->syscalls.present)
		ret = log_error_errno(1, "seccomp-profile: policy '%s' has no syscalls section",
				      p->name);
	else if ((ret = seccomp_profile_json(p, &profile)))
		ret = log_error_errno(1, "seccomp-profile: %s", strerror(-ret));
	else if (seccomp_profile_missing(p, missing, sizeof(missing)))
		log_warn("seccomp-profile: policy '%s': the allow list lacks %s, which nearly "
			 "every container needs to start", p->name, missing);
	if (!ret && (ret = seccomp_profile_write(profile, out)))
		ret = log_error_errno(1, "seccomp-profile: writing %s failed: %s",
				      out ? out : "to stdout", ret == -EEXIST ?
				      "it exists and is not a regular file" : strerror(-ret));
	json_object_put(profile);
	policy_free(p);
	return ret;
}

/* probe --json: one object, {"kernel":..., "possible":..., "checks":[...]}. */
static void probe_print_json(const struct probe_report *r, bool possible)
{
	json_object *o = json_object_new_object(), *checks = json_object_new_array();

	json_object_object_add(o, "kernel", json_object_new_string(r->kernel_release));
	json_object_object_add(o, "possible", json_object_new_boolean(possible));
	for (int i = 0; i < PROBE__COUNT; i++) {
		const struct probe_item *it = &r->items[i];
		json_object *c = json_object_new_object();

		json_object_object_add(c, "name", json_object_new_string(it->name));
		json_object_object_add(c, "ok", json_object_new_boolean(it->ok));
		json_object_object_add(c, "detail", json_object_new_string(it->detail));
		if (!it->ok)
			json_object_object_add(c, "hint", json_object_new_string(it->hint));
		json_object_array_add(checks, c);
	}
	json_object_object_add(o, "checks", checks);
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int cmd_probe(int argc, char **argv)
{
	struct probe_report r;
	bool json = false;
	int ret;

	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		json = true;
	else if (argc != 1)
		return log_error_errno(2, "probe: usage: rampart probe [--json]");
	ret = probe_kernel("", &r);
	if (!ret)
		ret = probe_lsm_load(&r);
	else
		snprintf(r.items[PROBE_LSM_LOAD].detail, sizeof(r.items[0].detail), "not tried");
	if (json) {
		probe_print_json(&r, !ret);
		return ret ? 1 : 0;
	}
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
		} else if (strcmp(argv[i], "--log-format") == 0 && i + 1 < argc &&
			   (strcmp(argv[i + 1], "json") == 0 || strcmp(argv[i + 1], "text") == 0)) {
			log_set_json(strcmp(argv[++i], "json") == 0);
		} else if (strcmp(argv[i], "--log-format") == 0) {
			log_error("--log-format needs 'text' or 'json'%s%s%s", i + 1 < argc ?
				  ", not '" : "", i + 1 < argc ? argv[i + 1] : "",
				  i + 1 < argc ? "'" : "");
			return 2;
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
	if (strcmp(argv[0], "events") == 0)
		return cmd_events(argc, argv);
	if (strcmp(argv[0], "check") == 0)
		return cmd_check(argc, argv, false);
	if (strcmp(argv[0], "compile") == 0) {
		if (argc < 2 || strcmp(argv[1], "--dump") != 0)
			return log_error_errno(2, "compile: usage: rampart compile --dump FILE|DIR...");
		return cmd_check(argc - 1, argv + 1, true);
	}
	if (strcmp(argv[0], "bench-apply") == 0)
		return bench_apply_main(argc, argv);
	if (strcmp(argv[0], "unload") == 0)
		return cmd_unload(argc, argv);
	if (strcmp(argv[0], "seccomp-profile") == 0)
		return cmd_seccomp_profile(argc, argv);
	if (strcmp(argv[0], "status") == 0)
		return cmd_status(argc, argv);
	if (strcmp(argv[0], "reload") == 0)
		return cmd_reload(argc, argv);
	if (strcmp(argv[0], "probe") == 0)
		return cmd_probe(argc, argv);
	if (strcmp(argv[0], "oci-hook") == 0)
		return hook_main(argc, argv);
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
