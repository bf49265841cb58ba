// SPDX-License-Identifier: GPL-2.0
/*
 * compile_set() for network rules: socket creation entries, unix names, the network
 * default, and the inet trie nodes with their port ranges in precedence order.
 * Policies are parsed from JSON, so these tests also pin what the language means.
 */
#include <arpa/inet.h>
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

/* Parses the policies (JSON with single quotes) into set, which the caller frees. */
static int parse_docs(const char *const *docs, size_t n, struct policy_set *set,
		      struct policy_error *err)
{
	int ret = 0;

	set->policies = calloc(n, sizeof(struct policy *));
	set->n = 0;
	for (size_t i = 0; i < n && !ret; i++) {
		char *json = strdup(docs[i]), src[32];

		for (char *p = json; *p; p++)
			*p = *p == '\'' ? '"' : *p;
		snprintf(src, sizeof(src), "p%zu.json", i);
		ret = policy_parse_string(json, src, &set->policies[set->n], err);
		set->n += !ret;
		free(json);
	}
	return ret;
}

/* Compiles the policies (JSON with single quotes, each selecting /demo). */
static int compile_docs(const char *const *docs, size_t n, struct compiled_set *out,
			struct policy_error *err)
{
	struct policy_set set;
	int ret = parse_docs(docs, n, &set, err);

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

UNIT_TEST(compile_net_ranges_count_after_shadowing_across_prefixes)
{
	static const char *const fits[] = {
		NET_DOC("a", "'network': ["
			"{'connect': {'address': '192.168.1.7', 'ports': [1,2,3,4,5,6,7,8]},"
			" 'action': 'deny'},"
			"{'connect': {'address': '192.168.1.0/24', 'ports': [1,2,9,10,11,12]},"
			" 'action': 'allow'},"
			"{'connect': {'address': '0.0.0.0/0', 'ports': [13,14,15,16,9]},"
			" 'action': 'deny'} ]"),
		NET_DOC("b", "'network': [{'connect': {'address': '0.0.0.0/0', 'ports': [13, 3]},"
			     " 'action': 'allow'}]"),
	};
	const char *over[] = { fits[0], fits[1],
		NET_DOC("c", "'network': [{'connect': {'ports': [17]}, 'action': 'deny'}]") };
	struct compiled_set c;
	struct policy_error err;
	const struct compile_net_entry *n;

	ASSERT_EQ(compile_docs(fits, 2, &c, &err), 0, "16 ranges after shadowing compile");
	n = node(&c, RP_NET_CONNECT, "192.168.1.7/32");
	ASSERT_EQ(n ? n->value.n : 0, RP_NET_PORTS_MAX, "the /32 holds exactly the maximum");
	compiled_set_free(&c);
	ASSERT_EQ(compile_docs(over, 3, &c, &err), -E2BIG, "a 17th range fails with -E2BIG");
	ASSERT_STREQ(err.msg, "more than 16 port ranges of connect rules apply to 192.168.1.7/32 "
		     "in one ruleset", "error names the first node, in precedence order, past it");
}

/* ---- the quadratic node builder compile_net_nodes() replaced, as the reference ---- */

struct ref_item {
	__u8 addr[16];
	__u8 prefix;
	struct rp_net_port port;
};

struct ref_out {
	struct compile_net_entry *net;
	size_t n;
	char msg[256];
};

static bool ref_prefix_equal(const __u8 *a, const __u8 *b, unsigned prefix)
{
	unsigned bytes = prefix / 8, rest = prefix % 8;

	if (memcmp(a, b, bytes) != 0)
		return false;
	return !rest || ((a[bytes] ^ b[bytes]) & (0xff00 >> rest) & 0xff) == 0;
}

/* Precedence: longer prefix, narrower range, lower port, stricter action, lower rule id. */
static int ref_cmp(const void *pa, const void *pb)
{
	const struct ref_item *a = pa, *b = pb;
	unsigned wa = a->port.hi - a->port.lo, wb = b->port.hi - b->port.lo;

	if (a->prefix != b->prefix)
		return a->prefix > b->prefix ? -1 : 1;
	if (wa != wb)
		return wa < wb ? -1 : 1;
	if (a->port.lo != b->port.lo)
		return a->port.lo < b->port.lo ? -1 : 1;
	if (a->port.action != b->port.action)
		return a->port.action > b->port.action ? -1 : 1;
	return a->port.rule_id < b->port.rule_id ? -1 : a->port.rule_id > b->port.rule_id;
}

static void ref_addr_text(const __u8 addr[16], unsigned prefix, char *buf, size_t size)
{
	static const __u8 mapped[12] = { [10] = 0xff, [11] = 0xff };
	char a[64];

	if (prefix >= 96 && memcmp(addr, mapped, 12) == 0) {
		inet_ntop(AF_INET, addr + 12, a, sizeof(a));
		snprintf(buf, size, "%s/%u", a, prefix - 96);
	} else {
		inet_ntop(AF_INET6, addr, a, sizeof(a));
		snprintf(buf, size, "%s/%u", a, prefix);
	}
}

/* Every item enclosing node v[i], in list order, unless a listed range holds it whole. */
static int ref_ports(const struct ref_item *v, size_t n, size_t i, enum rp_net_op op,
		     struct compile_net_entry *e, char *msg, size_t size)
{
	for (size_t j = 0; j < n; j++) {
		bool shadowed = false;

		if (v[j].prefix > v[i].prefix ||
		    !ref_prefix_equal(v[j].addr, v[i].addr, v[j].prefix))
			continue;
		for (unsigned k = 0; k < e->value.n && !shadowed; k++)
			shadowed = e->value.ports[k].lo <= v[j].port.lo &&
				   e->value.ports[k].hi >= v[j].port.hi;
		if (shadowed)
			continue;
		if (e->value.n == RP_NET_PORTS_MAX) {
			snprintf(msg, size, "more than %d port ranges of %s rules apply to %s in "
				 "one ruleset", RP_NET_PORTS_MAX, policy_net_op_name(op), e->text);
			return -E2BIG;
		}
		e->value.ports[e->value.n++] = v[j].port;
	}
	return 0;
}

static int ref_nodes(struct ref_item *v, size_t n, enum rp_net_op op, struct ref_out *out)
{
	qsort(v, n, sizeof(*v), ref_cmp);
	for (size_t i = 0; i < n; i++) {
		struct compile_net_entry e = { .key = { .op = op } };
		bool seen = false;
		int ret;

		for (size_t j = 0; j < i && !seen; j++)
			seen = v[j].prefix == v[i].prefix &&
			       ref_prefix_equal(v[j].addr, v[i].addr, v[i].prefix);
		if (seen)
			continue;
		e.key.prefixlen = RP_NET_KEY_HDR_BITS + v[i].prefix;
		memcpy(e.key.addr, v[i].addr, 16);
		ref_addr_text(e.key.addr, v[i].prefix, e.text, sizeof(e.text));
		ret = ref_ports(v, n, i, op, &e, out->msg, sizeof(out->msg));
		if (ret)
			return ret;
		out->net[out->n++] = e;
	}
	return 0;
}

/* The inet items of op, with the rule ids compile_set() numbers (no file or exec rules). */
static size_t ref_items(const struct policy_set *set, enum rp_net_op op, struct ref_item *v)
{
	size_t n = 0;
	__u32 id = 0;

	for (size_t i = 0; i < set->n; i++) {
		const struct policy *p = set->policies[i];

		id += 2 + p->n_file + p->n_exec;
		if (!p->n_net && p->default_net <= RP_ACT_ALLOW)
			continue;
		id++;
		for (size_t j = 0; j < p->n_net; j++, id++) {
			const struct policy_net_rule *r = &p->net[j];
			enum rp_action a = p->audit_mode && r->action == RP_ACT_DENY ?
						   RP_ACT_AUDIT : r->action;

			if (r->op != op || r->unix_name)
				continue;
			for (size_t k = 0; k < (r->n_ports ? r->n_ports : 1); k++) {
				struct ref_item *it = &v[n++];

				*it = (struct ref_item){ .prefix = r->prefix };
				memcpy(it->addr, r->addr, 16);
				it->port = (struct rp_net_port){ .lo = 0, .hi = 65535, .action = a,
								 .rule_id = id };
				if (r->n_ports) {
					it->port.lo = r->ports[k][0];
					it->port.hi = r->ports[k][1];
				}
			}
		}
	}
	return n;
}

/* The nodes of the one ruleset, connect first; 0 or -E2BIG with out->msg set. */
static int ref_compile(const struct policy_set *set, size_t max_items, struct ref_out *out)
{
	struct ref_item *v = calloc(max_items, sizeof(*v));
	int ret = 0;

	out->net = calloc(max_items, sizeof(*out->net));
	out->n = 0;
	for (int op = RP_NET_CONNECT; op < RP_NET_OPS && !ret; op++)
		ret = ref_nodes(v, ref_items(set, op, v), op, out);
	free(v);
	return ret;
}

/* ---- random rule sets ---- */

static __u64 rnd_state;

static unsigned rnd(unsigned n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (unsigned)(rnd_state >> 11) % n;
}

/* A prefix of a few shared networks (so rules overlap), as "addr/len", or "" for any. */
static void rnd_address(char *buf, size_t size)
{
	static const unsigned v4_lens[] = { 0, 8, 12, 16, 24, 30, 32, 32, 32 };
	static const unsigned v6_lens[] = { 0, 8, 16, 32, 48, 64, 120, 128, 128 };
	__u8 a[16] = { 0 };
	bool v4 = rnd(10) < 7;
	unsigned len = v4 ? v4_lens[rnd(9)] : v6_lens[rnd(9)], base = v4 ? 12 : 0;
	char text[64];

	if (!v4 && !len && rnd(2)) {
		buf[0] = '\0';
		return;
	}
	a[base] = v4 ? (__u8[]){ 10, 10, 192, 172 }[rnd(4)] : (__u8[]){ 0x20, 0xfd, 0 }[rnd(3)];
	a[base + 1] = rnd(3) ? rnd(3) : rnd(256);
	a[base + 2] = rnd(3) ? rnd(3) : rnd(256);
	a[base + 3] = rnd(256);
	a[15] = rnd(2) ? rnd(4) : rnd(256);
	for (unsigned i = base * 8 + len; i < 128; i++)
		a[i / 8] &= ~(0x80 >> (i % 8));
	inet_ntop(v4 ? AF_INET : AF_INET6, a + base, text, sizeof(text));
	snprintf(buf, size, "%s/%u", text, len);
}

/* "[22, '8000-8999']", or "" for any port. */
static void rnd_ports(char *buf, size_t size)
{
	static const unsigned common[] = { 22, 53, 80, 443, 8080 };
	unsigned n = (__u8[]){ 0, 0, 1, 1, 1, 2, 3 }[rnd(7)];
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n; i++) {
		unsigned lo = rnd(2) ? common[rnd(5)] : rnd(65536), hi = lo;

		if (rnd(2))
			hi = lo + (unsigned[]){ 0, 9, 999, 65535 }[rnd(4)];
		hi = hi > 65535 ? 65535 : hi;
		o += snprintf(buf + o, size - o, "%s'%u-%u'", i ? ", " : "[", lo, hi);
	}
	if (n)
		snprintf(buf + o, size - o, "]");
}

/* One policy of up to 160 inet rules (connect mostly), some in audit mode. */
static char *rnd_doc(unsigned index)
{
	static const char *const ops[] = { "connect", "connect", "bind", "listen" };
	static const char *const actions[] = { "allow", "deny", "audit" };
	size_t size = 64 * 1024, o = 0;
	char *doc = malloc(size), addr[80], ports[128];
	unsigned n = 1 + rnd(160);

	o += snprintf(doc + o, size - o, "{'apiVersion': 'rampart.dev/v1', 'name': 'r%u', "
		      "'selector': {'cgroups': ['/demo']}, %s'network': [", index,
		      rnd(4) ? "" : "'mode': 'audit', ");
	for (unsigned i = 0; i < n; i++) {
		rnd_address(addr, sizeof(addr));
		rnd_ports(ports, sizeof(ports));
		if (!addr[0] && !ports[0])
			snprintf(ports, sizeof(ports), "[%u]", rnd(65536));
		o += snprintf(doc + o, size - o, "%s{'%s': {%s%s%s%s%s%s}, 'action': '%s'}",
			      i ? ", " : "", ops[rnd(4)], addr[0] ? "'address': '" : "", addr,
			      addr[0] ? "'" : "", addr[0] && ports[0] ? ", " : "",
			      ports[0] ? "'ports': " : "", ports, actions[rnd(3)]);
	}
	snprintf(doc + o, size - o, "]}");
	return doc;
}

static bool same_node(const struct compile_net_entry *a, const struct compile_net_entry *b)
{
	if (a->key.prefixlen != b->key.prefixlen || a->key.op != b->key.op ||
	    a->key.ruleset != b->key.ruleset ||
	    memcmp(a->key.addr, b->key.addr, 16) != 0 || strcmp(a->text, b->text) != 0 ||
	    a->value.n != b->value.n)
		return false;
	for (unsigned i = 0; i < a->value.n; i++)
		if (a->value.ports[i].lo != b->value.ports[i].lo ||
		    a->value.ports[i].hi != b->value.ports[i].hi ||
		    a->value.ports[i].action != b->value.ports[i].action ||
		    a->value.ports[i].rule_id != b->value.ports[i].rule_id)
			return false;
	return true;
}

UNIT_TEST(compile_net_nodes_match_the_quadratic_reference_on_random_rules)
{
	unsigned compiled = 0, too_many = 0;
	size_t nodes = 0;

	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (unsigned round = 0; round < 60; round++) {
		char *docs[3] = { NULL };
		unsigned n_docs = 1 + rnd(3);
		struct policy_set set;
		struct compiled_set c;
		struct policy_error err, perr;
		struct ref_out ref = { NULL };
		int ret, ref_ret;

		for (unsigned i = 0; i < n_docs; i++)
			docs[i] = rnd_doc(i);
		ASSERT_OK(parse_docs((const char *const *)docs, n_docs, &set, &perr), "parses");
		ret = compile_docs((const char *const *)docs, n_docs, &c, &err);
		ref_ret = ref_compile(&set, 3 * 160 * 3 + 1, &ref);
		policy_set_free(&set);
		for (unsigned i = 0; i < n_docs; i++)
			free(docs[i]);
		ASSERT_EQ(ret, ref_ret, "same result as the reference");
		if (ret) {
			ASSERT_STREQ(err.msg, ref.msg, "same error as the reference");
			too_many++;
			free(ref.net);
			continue;
		}
		ASSERT_EQ(c.n_net, ref.n, "as many nodes as the reference");
		for (size_t i = 0; i < c.n_net; i++)
			ASSERT_TRUE(same_node(&c.net[i], &ref.net[i]),
				    "node i: same key, text and ranges, in the same order");
		nodes += c.n_net;
		compiled++;
		compiled_set_free(&c);
		free(ref.net);
	}
	ASSERT_TRUE(compiled >= 20 && too_many >= 5, "both outcomes were compared");
	ASSERT_TRUE(nodes >= 2000, "many nodes were compared");
}
