// SPDX-License-Identifier: GPL-2.0
/*
 * compile_set() for network rules: socket creation entries, unix names, the network
 * default, and the inet trie nodes with their port ranges in precedence order.
 * Policies are parsed from JSON, so these tests also pin what the language means.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "policy.h"
#include "unit.h"

static const struct rp_hash_key net_key = { 7, 9 };

static int one_resolve(void *ctx, const char *path, __u64 *ret_id)
{
	(void)ctx, (void)path;
	*ret_id = 42;
	return 0;
}

static int one_expand(void *ctx, const char *pattern, int (*fn)(void *, const char *), void *fctx)
{
	(void)ctx;
	return fn(fctx, pattern);
}

static const struct compile_cgroups one_cgroup = { .resolve = one_resolve, .expand = one_expand };

/* Compiles the policies (JSON with single quotes, each selecting /demo). */
static int compile_docs(const char *const *docs, size_t n, struct compiled_set *out,
			struct policy_error *err)
{
	struct policy_set set = { .policies = calloc(n, sizeof(struct policy *)), .n = 0 };
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i++) {
		char *json = strdup(docs[i]), src[32];

		for (char *p = json; *p; p++)
			*p = *p == '\'' ? '"' : *p;
		snprintf(src, sizeof(src), "p%zu.json", i);
		ret = policy_parse_string(json, src, &set.policies[set.n], err);
		set.n += !ret;
		free(json);
	}
	memset(out, 0, sizeof(*out));
	if (!ret)
		ret = compile_set(&set, &net_key, &one_cgroup, out, err);
	policy_set_free(&set);
	return ret;
}

#define NET_DOC(name, body)                                                                    \
	"{'apiVersion': 'rampart.dev/v1', 'name': '" name "', 'selector': {'cgroups': "        \
	"['/demo']}, " body "}"

static const struct compile_net_entry *node(const struct compiled_set *c, enum rp_net_op op,
					    const char *text)
{
	for (size_t i = 0; i < c->n_net; i++)
		if (c->net[i].key.op == op && strcmp(c->net[i].text, text) == 0)
			return &c->net[i];
	return NULL;
}

static const struct compile_entry *entry(const struct compiled_set *c, __u16 kind, __u64 hash)
{
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].key.kind == kind && c->entries[i].key.hash == hash)
			return &c->entries[i];
	return NULL;
}

/* "443-443:allow@3 0-65535:deny@4" for a node's port list. */
static const char *ports_str(const struct compile_net_entry *n, char *buf, size_t size)
{
	static const char *const names[] = { "none", "allow", "audit", "deny" };
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; n && i < n->value.n && o < size; i++)
		o += snprintf(buf + o, size - o, "%s%u-%u:%s@%u", i ? " " : "",
			      n->value.ports[i].lo, n->value.ports[i].hi,
			      names[n->value.ports[i].action & 3], n->value.ports[i].rule_id);
	return buf;
}

UNIT_TEST(compile_net_nodes_hold_enclosing_ranges_in_precedence_order)
{
	static const char *const docs[] = { NET_DOC("web", "'network': ["
		"{'connect': {'address': '10.0.0.0/8', 'ports': [443]}, 'action': 'allow'},"
		"{'connect': {'address': '10.1.0.0/16'}, 'action': 'deny'},"
		"{'connect': {'ports': [22, '8000-8999']}, 'action': 'deny'},"
		"{'connect': {'ports': ['8080-8080']}, 'action': 'allow'},"
		"{'bind': {'address': '::1'}, 'action': 'audit'} ]") };
	struct compiled_set c;
	struct policy_error err;
	char buf[256];

	/* rule ids: 0 defaults.file, 1 defaults.exec, 2 defaults.network, 3.. network[i] */
	ASSERT_EQ(compile_docs(docs, 1, &c, &err), 0, "compiles");
	ASSERT_EQ(c.n_net, 4, "three connect prefixes and one bind prefix");
	ASSERT_STREQ(ports_str(node(&c, RP_NET_CONNECT, "::/0"), buf, sizeof(buf)),
		     "22-22:deny@5 8080-8080:allow@6 8000-8999:deny@5",
		     "any address: single ports before the range");
	ASSERT_STREQ(ports_str(node(&c, RP_NET_CONNECT, "10.0.0.0/8"), buf, sizeof(buf)),
		     "443-443:allow@3 22-22:deny@5 8080-8080:allow@6 8000-8999:deny@5",
		     "the /8's own port first, then the enclosing prefix's");
	ASSERT_STREQ(ports_str(node(&c, RP_NET_CONNECT, "10.1.0.0/16"), buf, sizeof(buf)),
		     "0-65535:deny@4", "the /16's any-port rule shadows everything enclosing");
	ASSERT_STREQ(ports_str(node(&c, RP_NET_BIND, "::1/128"), buf, sizeof(buf)),
		     "0-65535:audit@7", "bind node");
	ASSERT_EQ(node(&c, RP_NET_CONNECT, "10.0.0.0/8")->key.prefixlen, 64 + 104,
		  "trie prefix: header bits plus mapped /8");
	compiled_set_free(&c);
}

UNIT_TEST(compile_net_create_entries_merge_strictest_across_policies)
{
	static const char *const docs[] = {
		NET_DOC("a", "'network': [{'create': {'family': 'inet', 'type': 'dgram'}, 'action': 'allow'}]"),
		NET_DOC("b", "'network': [{'create': {'family': 'inet', 'type': 'dgram'}, 'action': 'deny'},"
			     "{'create': {'family': 'packet'}, 'action': 'deny'}]"),
	};
	const struct compile_entry *e;
	struct compiled_set c;
	struct policy_error err;

	ASSERT_EQ(compile_docs(docs, 2, &c, &err), 0, "compiles");
	e = entry(&c, RP_KEY_NET_CREATE, RP_NET_CREATE_HASH(2, 2, RP_NET_ANY));
	ASSERT_TRUE(e != NULL, "one entry for inet/dgram/any");
	ASSERT_EQ(e ? RP_ACTION_OF(e->value.actions, 0) : 0, RP_ACT_DENY, "deny beats allow");
	ASSERT_STREQ(e ? compiled_rule(&c, e->value.id[0])->policy : "", "b", "b's rule decided");
	ASSERT_STREQ(e ? compiled_rule(&c, e->value.id[0])->label : "", "network[0]", "label");
	ASSERT_TRUE(entry(&c, RP_KEY_NET_CREATE, RP_NET_CREATE_HASH(17, RP_NET_ANY, RP_NET_ANY)),
		    "packet/any/any");
	ASSERT_TRUE(entry(&c, RP_KEY_NET_DEFAULT, 0) == NULL, "allow default: no entry");
	compiled_set_free(&c);
}

UNIT_TEST(compile_net_default_and_unix_entries)
{
	static const char *const docs[] = {
		NET_DOC("strict", "'defaults': {'network': 'deny'}, 'network': ["
			"{'connect': {'unix': '/run/containerd/containerd.sock'}, 'action': 'deny'}]"),
		NET_DOC("watch", "'mode': 'audit', 'network': [{'connect': {'unix': '@x'}, 'action': 'deny'}]"),
	};
	const struct compile_entry *e, *rs = NULL;
	struct compiled_set c;
	struct policy_error err;
	const char *sock = "/run/containerd/containerd.sock";

	ASSERT_EQ(compile_docs(docs, 2, &c, &err), 0, "compiles");
	e = entry(&c, RP_KEY_NET_DEFAULT, 0);
	ASSERT_TRUE(e != NULL, "deny default has an entry");
	ASSERT_EQ(e ? RP_ACTION_OF(e->value.actions, 0) : 0, RP_ACT_DENY, "default deny");
	ASSERT_STREQ(e ? compiled_rule(&c, e->value.id[0])->label : "", "defaults.network",
		     "default's label");
	e = entry(&c, RP_KEY_NET_UNIX, rp_siphash(sock, strlen(sock), &net_key));
	ASSERT_TRUE(e != NULL && RP_ACTION_OF(e->value.actions, 0) == RP_ACT_DENY,
		    "unix path keyed by its hash, deny");
	e = entry(&c, RP_KEY_NET_UNIX, rp_siphash("@x", 2, &net_key));
	ASSERT_TRUE(e != NULL && RP_ACTION_OF(e->value.actions, 0) == RP_ACT_AUDIT,
		    "audit-mode policy's deny becomes audit");
	for (size_t i = 0; i < c.n_entries; i++)
		if (c.entries[i].key.kind == RP_KEY_RULESET)
			rs = &c.entries[i];
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs ? rs->value.shape_flags & (RP_SHAPE_NET | RP_SHAPE_NET_DENIES) : 0,
		  RP_SHAPE_NET_UNIX | RP_SHAPE_NET_DEFAULT | RP_SHAPE_NET_DENIES,
		  "shape: unix lookups, a default, and something denies");
	compiled_set_free(&c);
}

UNIT_TEST(compile_net_too_many_ranges_for_one_prefix_is_an_error)
{
	char body[2048] = "'network': [{'connect': {'ports': [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}, 'action': 'deny'},"
			  "{'connect': {'address': '10.0.0.0/8', 'ports': [100]}, 'action': 'allow'}]";
	char doc[4096];
	const char *docs[] = { doc };
	struct compiled_set c;
	struct policy_error err;

	snprintf(doc, sizeof(doc), NET_DOC("many", "%s"), body);
	ASSERT_EQ(compile_docs(docs, 1, &c, &err), -E2BIG, "fails with -E2BIG");
	ASSERT_STREQ(err.msg, "more than 16 port ranges of connect rules apply to 10.0.0.0/8 in "
		     "one ruleset", "error names the prefix");
}
