// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include <json-c/json.h>

#include "audit.h"
#include "k8s.h"
#include "policy.h"

static const char *const audit_access_names[RP_ACC_BITS] = {
	"read", "write", "append", "create", "truncate", "exec",
};

long long audit_boot_to_real_ns(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
}

const char *audit_time(long long real_ns, char *buf, size_t size)
{
	time_t sec = real_ns / 1000000000LL;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%09lldZ", real_ns % 1000000000LL);
	return buf;
}

static void audit_add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *audit_access(__u32 access)
{
	json_object *a = json_object_new_array();

	for (int bit = 0; a && bit < RP_ACC_BITS; bit++)
		if (access & (1u << bit))
			json_object_array_add(a, json_object_new_string(audit_access_names[bit]));
	return a;
}

static void audit_add_rule(json_object *o, const struct rp_event *ev, const struct compile_rule *r)
{
	audit_add(o, "mode", json_object_new_string(r && r->audit_mode ? "audit" : "enforce"));
	audit_add(o, "policy", r ? json_object_new_string(r->policy) : NULL);
	audit_add(o, "rule", r ? json_object_new_string(r->label) : NULL);
	audit_add(o, "generation", json_object_new_int64(ev->gen));
}

static json_object *audit_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* A bound container's identity; for another kubelet cgroup what its path says; else null. */
static json_object *audit_container(const struct audit_context *ctx)
{
	const struct policy_container *c = ctx->container;
	struct k8s_cgroup kc;
	json_object *o;

	if (!c && (!ctx->cgroup || k8s_cgroup_parse(ctx->cgroup, &kc) || !kc.container_id[0]))
		return NULL;
	o = json_object_new_object();
	if (!c) {
		audit_add(o, "id", json_object_new_string(kc.container_id));
		audit_add(o, "pod_uid", json_object_new_string(kc.pod_uid));
		return o;
	}
	audit_add(o, "id", json_object_new_string(c->id));
	audit_add(o, "name", json_object_new_string(c->name));
	audit_add(o, "pod", json_object_new_string(c->pod));
	audit_add(o, "namespace", json_object_new_string(c->ns));
	audit_add(o, "image", json_object_new_string(c->image));
	return o;
}

static void audit_add_process(json_object *o, const struct rp_event *ev,
			      const struct audit_context *ctx)
{
	char comm[RP_COMM_LEN + 1];

	memcpy(comm, ev->comm, RP_COMM_LEN);
	comm[RP_COMM_LEN] = '\0';
	audit_add(o, "pid", json_object_new_int64(ev->tgid));
	audit_add(o, "tid", json_object_new_int64(ev->pid));
	audit_add(o, "ppid", json_object_new_int64(ev->ppid));
	audit_add(o, "uid", json_object_new_int64(ev->uid));
	audit_add(o, "gid", json_object_new_int64(ev->gid));
	audit_add(o, "comm", json_object_new_string(comm));
	/* The kernel's, taken when it decided; else what /proc said when the event was read. */
	if (ev->flags & RP_EVF_EXE)
		audit_add(o, "exe", json_object_new_string_len(ev->path + ev->path_len + 1,
							       ev->exe_len));
	else
		audit_add(o, "exe", audit_string_or_null(ctx->exe));
	audit_add(o, "cgroup_id", json_object_new_uint64(ev->cgroup_id));
	audit_add(o, "cgroup", audit_string_or_null(ctx->cgroup));
	audit_add(o, "container", audit_container(ctx));
}

static bool audit_event_valid(const struct rp_event *ev, size_t size)
{
	return size >= RP_EVENT_HDR_SIZE + 1 && ev->abi == RP_ABI_VERSION &&
	       (ev->kind == RP_EV_FILE || ev->kind == RP_EV_EXEC || ev->kind == RP_EV_NET) &&
	       ev->path_len <= size - RP_EVENT_HDR_SIZE - 1 &&
	       (!(ev->flags & RP_EVF_EXE) ||
		(size_t)ev->path_len + 1 + ev->exe_len + 1 <= size - RP_EVENT_HDR_SIZE);
}

int audit_event_identity(const void *data, size_t size, const struct rp_hash_key *key,
			 __u64 *ret_id)
{
	const struct rp_event *ev = data;
	struct rp_event hdr;
	__u64 h;

	if (!audit_event_valid(ev, size))
		return -EBADMSG;
	memcpy(&hdr, ev, RP_EVENT_HDR_SIZE);
	hdr.time_boot_ns = 0;
	hdr.pid = 0;
	h = rp_siphash(&hdr, RP_EVENT_HDR_SIZE, key);
	/* Chain the object's bytes under a key derived from the header's hash. */
	*ret_id = rp_siphash(ev->path, ev->path_len,
			     &(struct rp_hash_key){ key->k0 ^ h, key->k1 + h });
	return 0;
}

/* A network value by name, or its number when it has none. */
static json_object *audit_net_name(int what, __u16 value)
{
	const char *name = policy_net_name(what, value);

	return name ? json_object_new_string(name) : json_object_new_int(value);
}

static void audit_add_net(json_object *o, const struct rp_event *ev)
{
	const struct rp_net_obj *n = &ev->net;
	char addr[INET6_ADDRSTRLEN];

	audit_add(o, "operation", json_object_new_string(policy_net_op_name(n->op)));
	audit_add(o, "family", audit_net_name(0, n->family));
	audit_add(o, "type", audit_net_name(1, n->type));
	if (n->family != AF_UNIX)
		audit_add(o, "protocol", audit_net_name(2, n->protocol));
	if (ev->flags & RP_EVF_UNIX) {
		audit_add(o, "address", ev->path_len ?
			  json_object_new_string_len(ev->path, ev->path_len) : NULL);
	} else if (ev->flags & RP_EVF_INET) {
		if (n->family == AF_INET)
			inet_ntop(AF_INET, n->addr + 12, addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, n->addr, addr, sizeof(addr));
		audit_add(o, "address", json_object_new_string(addr));
		audit_add(o, "port", json_object_new_int(n->port));
	}
}

__u32 audit_event_tgid(const void *data, size_t size)
{
	const struct rp_event *ev = data;

	return audit_event_valid(ev, size) ? ev->tgid : 0;
}

__u64 audit_event_cgroup(const void *data, size_t size)
{
	const struct rp_event *ev = data;

	return audit_event_valid(ev, size) ? ev->cgroup_id : 0;
}

int audit_format(const void *data, size_t size, const struct compile_rule *rule,
		 const struct audit_context *ctx, char **ret_line)
{
	const struct rp_event *ev = data;
	char when[48];
	json_object *o;
	char *line;

	if (!audit_event_valid(ev, size))
		return -EBADMSG;
	o = json_object_new_object();
	if (!o)
		return -ENOMEM;
	audit_time(ctx->boot_to_real_ns + (long long)ev->time_boot_ns, when, sizeof(when));
	audit_add(o, "time", json_object_new_string(when));
	audit_add(o, "schema", json_object_new_int(AUDIT_SCHEMA_VERSION));
	audit_add(o, "node", audit_string_or_null(ctx->node));
	audit_add(o, "kind", json_object_new_string(ev->kind == RP_EV_EXEC ? "exec" :
						    ev->kind == RP_EV_NET ? "network" : "file"));
	audit_add(o, "decision", json_object_new_string(policy_action_name(ev->decision)));
	audit_add_rule(o, ev, rule);
	audit_add_process(o, ev, ctx);
	if (ev->kind == RP_EV_NET)
		audit_add_net(o, ev);
	else
		audit_add(o, "path", json_object_new_string_len(ev->path, ev->path_len));
	if (ev->kind == RP_EV_FILE)
		audit_add(o, "access", audit_access(ev->access));
	if (ev->flags & RP_EVF_FILELESS)
		audit_add(o, "fileless", json_object_new_boolean(1));
	if (ev->flags & RP_EVF_PATH_ERROR)
		audit_add(o, "error", json_object_new_string(strerror(-ev->error)));
	else if (ev->flags & RP_EVF_PARENT_ERROR)
		audit_add(o, "parent_error", json_object_new_string(strerror(-ev->error)));
	line = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	if (!line)
		return -ENOMEM;
	*ret_line = line;
	return 0;
}
