// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "cgroup.h"
#include "ctl.h"
#include "hook.h"
#include "log.h"
#include "oci.h"
#include "probe.h"

struct hook_opts {
	const char *control;
	const char *cgroup2;		/* NULL: where mountinfo says cgroup2 is mounted */
	char cgroup2_found[256];
	const char *exempt[HOOK_EXEMPT_MAX];
	size_t n_exempt;
	int timeout_ms;
};

/* All of stdin, NUL-terminated, at most HOOK_STATE_MAX bytes: 0 or a negative errno. */
static int hook_read_stdin(char **ret)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *q;

	while (buf) {
		ssize_t n = read(STDIN_FILENO, buf + len, cap - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0) {
			buf[len] = '\0';
			*ret = buf;
			return 0;
		}
		len += (size_t)n;
		if (len + 1 == cap) {
			if (cap >= HOOK_STATE_MAX) {
				free(buf);
				return -EFBIG;
			}
			q = realloc(buf, cap * 2);
			if (!q)
				break;
			buf = q;
			cap *= 2;
		}
	}
	free(buf);
	return -ENOMEM;
}

/* The bind request for the container in cgroup id cgid. */
static char *hook_request(const struct oci_container *c, __u64 cgid)
{
	json_object *o = json_object_new_object();
	char *req;

	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "namespace", json_object_new_string(c->k8s.ns));
	json_object_object_add(o, "pod", json_object_new_string(c->k8s.pod));
	json_object_object_add(o, "container", json_object_new_string(c->k8s.container));
	json_object_object_add(o, "image", json_object_new_string(c->k8s.image));
	json_object_object_add(o, "cgroup_id", json_object_new_int64((int64_t)cgid));
	if (asprintf(&req, "bind %s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) < 0)
		req = NULL;
	json_object_put(o);
	return req;
}

/* Reads the daemon's reply: 0 when it bound the container, else -EPROTO with why. */
static int hook_reply(const char *reply, char *why, size_t whysz, char *policies, size_t psz)
{
	json_object *o = json_tokener_parse(reply), *v;
	int ret = -EPROTO;

	if (!o || !json_object_is_type(o, json_type_object)) {
		snprintf(why, whysz, "the daemon's reply is not JSON: %.200s", reply);
	} else if (!json_object_object_get_ex(o, "ok", &v) || !json_object_get_boolean(v)) {
		snprintf(why, whysz, "the daemon refused: %s", json_object_object_get_ex(o, "error",
			 &v) ? json_object_get_string(v) : "no reason given");
	} else {
		snprintf(policies, psz, "%s", json_object_object_get_ex(o, "policies", &v) ?
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : "[]");
		ret = 0;
	}
	json_object_put(o);
	return ret;
}

/* Everything but the exemption: 0 when bound, else a negative errno with why. */
static int hook_bind(struct hook_opts *opt, struct oci_container *c, bool have_state,
		     char *why, size_t whysz)
{
	char policies[1024], *req, *reply = NULL;
	__u64 cgid;
	int ret;

	if (!have_state)
		return -EINVAL;
	ret = oci_bundle_read("", c);
	if (ret) {
		snprintf(why, whysz, "reading %s/config.json: %s", c->bundle, strerror(-ret));
		return ret;
	}
	ret = oci_cgroup_read("", c);
	if (ret) {
		snprintf(why, whysz, "finding the cgroup of its process %d: %s", (int)c->pid,
			 strerror(-ret));
		return ret;
	}
	if (!opt->cgroup2) {
		ret = probe_find_mount("", "cgroup2", opt->cgroup2_found,
				       sizeof(opt->cgroup2_found));
		if (ret) {
			snprintf(why, whysz, "no cgroup2 mount: %s", strerror(-ret));
			return ret;
		}
		opt->cgroup2 = opt->cgroup2_found;
	}
	ret = cgroup_id_of(opt->cgroup2, c->cgroup, &cgid);
	if (ret) {
		snprintf(why, whysz, "cgroup %s under %s: %s", c->cgroup, opt->cgroup2,
			 strerror(-ret));
		return ret;
	}
	req = hook_request(c, cgid);
	if (!req)
		return -ENOMEM;
	ret = ctl_request_timeout(opt->control, req, opt->timeout_ms, &reply);
	free(req);
	if (ret) {
		snprintf(why, whysz, "the daemon at %s cannot be reached: %s", opt->control,
			 strerror(-ret));
		return ret;
	}
	ret = hook_reply(reply, why, whysz, policies, sizeof(policies));
	free(reply);
	if (!ret)
		log_debug("oci-hook: container %s in %s: confined by %s", c->id, c->cgroup,
			  policies);
	return ret;
}

static int hook_parse_opts(int argc, char **argv, struct hook_opts *opt)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 'C' },
		{ "exempt-namespace", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "cgroup-root", required_argument, NULL, 'R' },
		{},
	};
	char *end;
	long v;
	int ch;

	*opt = (struct hook_opts){ .control = CTL_SOCKET_DEFAULT,
				   .timeout_ms = HOOK_TIMEOUT_MS_DEFAULT };
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			opt->control = optarg;
			break;
		case 'R':
			opt->cgroup2 = optarg;
			break;
		case 'e':
			if (opt->n_exempt == HOOK_EXEMPT_MAX)
				return log_error_errno(-E2BIG, "oci-hook: more than %d "
						       "--exempt-namespace", HOOK_EXEMPT_MAX);
			if (!optarg[0])
				return log_error_errno(-EINVAL, "oci-hook: empty --exempt-namespace");
			opt->exempt[opt->n_exempt++] = optarg;
			break;
		case 't':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > 600)
				return log_error_errno(-EINVAL, "oci-hook: invalid --timeout '%s': "
						       "expected 1 to 600 seconds", optarg);
			opt->timeout_ms = (int)v * 1000;
			break;
		case ':':
			return log_error_errno(-EINVAL, "oci-hook: option '%s' needs a value",
					       argv[optind - 1]);
		default:
			return log_error_errno(-EINVAL, "oci-hook: unknown option '%s' (see "
					       "rampart --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return log_error_errno(-EINVAL, "oci-hook: unexpected argument '%s' (the runtime "
				       "passes the state on stdin)", argv[optind]);
	return 0;
}

int hook_main(int argc, char **argv)
{
	struct oci_container c = {};
	struct hook_opts opt;
	char why[1536] = "", *state = NULL;
	bool have_state = false;
	int ret;

	if (hook_parse_opts(argc, argv, &opt))
		return 2;
	ret = hook_read_stdin(&state);
	if (ret)
		snprintf(why, sizeof(why), "reading the container state on stdin: %s",
			 strerror(-ret));
	else if ((ret = oci_state_parse(state, &c)))
		snprintf(why, sizeof(why), "the container state on stdin is not an OCI state of a "
			 "container being created (%s)", strerror(-ret));
	have_state = !ret;
	free(state);
	if (have_state)
		ret = hook_bind(&opt, &c, have_state, why, sizeof(why));
	if (!ret)
		return 0;
	if (c.is_k8s && oci_namespace_exempt(c.k8s.ns, opt.exempt, opt.n_exempt)) {
		log_warn("oci-hook: container %s in namespace '%s' starts unconfined: its namespace "
			 "is exempt, and %s", c.id, c.k8s.ns, why);
		return 0;
	}
	log_error("oci-hook: container %s%s%s%s: %s; refusing to start it (the hook fails "
		  "closed; --exempt-namespace lists namespaces that may start without Rampart)",
		  c.id[0] ? c.id : "(unknown)", c.is_k8s ? " (namespace '" : "",
		  c.is_k8s ? c.k8s.ns : "", c.is_k8s ? "')" : "", why);
	return 1;
}
