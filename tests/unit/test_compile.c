// SPDX-License-Identifier: GPL-2.0
/*
 * compile_set(): the decision map entries and the rule table a hand-built policy set
 * compiles to, how rules and defaults of several policies combine, and the errors.
 * Policies are built with calloc/strdup and freed with policy_set_free().
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <string.h>

#include "cgroup.h"
#include "compile.h"
#include "policy.h"
#include "unit.h"

static const struct rp_hash_key test_key = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };

struct cgroup_id {
	const char *path;
	__u64 id;
};

static const struct cgroup_id cgroup_table[] = {
	{ "/demo", 42 },
	{ "/a", 100 },
	{ "/a/b", 200 },
	{ "/other", 300 },
	{ "/pods", 400 },
	{ "/pods/p1", 401 },
	{ "/pods/p2", 402 },
	{ "/pods/q3", 403 },
	{ "/pods/p1/c", 404 },
	{ "/net", 500 },
	{ "/gone", 0 },		/* listed by expand, but resolves to -ENOENT */
};

#define N_CGROUPS (sizeof(cgroup_table) / sizeof(cgroup_table[0]))

static int resolve_calls;

static int fake_resolve(void *ctx, const char *path, __u64 *ret_id)
{
	const struct cgroup_id *t = ctx;

	resolve_calls++;
	for (size_t i = 0; i < N_CGROUPS; i++)
		if (strcmp(t[i].path, path) == 0 && t[i].id) {
			*ret_id = t[i].id;
			return 0;
		}
	return -ENOENT;
}

static size_t n_components(const char *path)
{
	size_t n = 0;

	for (; *path; path++)
		n += *path == '/' && path[1] && path[1] != '/';
	return n;
}

static int expand_error;	/* when set, expand fails with it */

/* The table's cgroups the pattern names itself (not their descendants), in table order. */
static int fake_expand(void *ctx, const char *pattern, int (*fn)(void *fctx, const char *path),
		       void *fctx)
{
	const struct cgroup_id *t = ctx;
	int ret;

	if (expand_error)
		return expand_error;
	for (size_t i = 0; i < N_CGROUPS; i++)
		if (n_components(t[i].path) == n_components(pattern) &&
		    cgroup_pattern_covers(pattern, t[i].path)) {
			ret = fn(fctx, t[i].path);
			if (ret)
				return ret;
		}
	return 0;
}

static const struct compile_cgroups fake_cgroups = {
	.resolve = fake_resolve, .expand = fake_expand, .ctx = (void *)cgroup_table,
};

static struct policy *new_policy(const char *name, bool audit_mode, enum rp_action def)
{
	struct policy *p = calloc(1, sizeof(*p));

	p->name = strdup(name);
	p->source = malloc(strlen(name) + 6);
	sprintf(p->source, "%s.json", name);
	p->audit_mode = audit_mode;
	p->default_file = def;
	p->default_exec = RP_ACT_ALLOW;
	return p;
}

static void add_cgroup(struct policy *p, const char *cg)
{
	p->cgroups = realloc(p->cgroups, (p->n_cgroups + 1) * sizeof(*p->cgroups));
	p->cgroups[p->n_cgroups++] = strdup(cg);
}

static void add_rule_match(struct policy *p, enum policy_match match, const char *path,
			   __u32 access, enum rp_action action)
{
	struct policy_file_rule *r;

	p->file = realloc(p->file, (p->n_file + 1) * sizeof(*p->file));
	r = &p->file[p->n_file++];
	r->object.match = match;
	r->object.text = strdup(path);
	r->access = access;
	r->action = action;
}

static void add_rule(struct policy *p, const char *path, __u32 access, enum rp_action action)
{
	add_rule_match(p, POLICY_MATCH_PATH, path, access, action);
}

/* Appends an exec rule; text is NULL for a fileless rule. */
static void add_exec_rule(struct policy *p, enum policy_match match, const char *text,
			  enum rp_action action)
{
	struct policy_exec_rule *r;

	p->exec = realloc(p->exec, (p->n_exec + 1) * sizeof(*p->exec));
	r = &p->exec[p->n_exec++];
	memset(r, 0, sizeof(*r));
	r->object.match = match;
	r->object.text = text ? strdup(text) : NULL;
	r->action = action;
}

/* Appends a network rule of operation op, zeroed but for op and action. */
static struct policy_net_rule *add_net_rule(struct policy *p, enum rp_net_op op,
					    enum rp_action action)
{
	struct policy_net_rule *r;

	p->net = realloc(p->net, (p->n_net + 1) * sizeof(*p->net));
	r = &p->net[p->n_net++];
	memset(r, 0, sizeof(*r));
	r->op = op;
	r->action = action;
	return r;
}

/* Appends a socket creation rule: any inet socket. */
static void add_create_rule(struct policy *p, enum rp_action action)
{
	struct policy_net_rule *r = add_net_rule(p, RP_NET_CREATE, action);

	r->family = AF_INET;
	r->type = RP_NET_ANY;
	r->protocol = RP_NET_ANY;
}

/* Appends a connect rule: to any inet address, or to the unix name unix_name. */
static void add_connect_rule(struct policy *p, const char *unix_name, enum rp_action action)
{
	add_net_rule(p, RP_NET_CONNECT, action)->unix_name = unix_name ? strdup(unix_name) : NULL;
}

/* Gives the last exec rule a parent condition. */
static void set_parent(struct policy *p, enum policy_match match, const char *text)
{
	struct policy_exec_rule *r = &p->exec[p->n_exec - 1];

	r->has_parent = true;
	r->parent.match = match;
	r->parent.text = strdup(text);
}

static void add_policy(struct policy_set *set, struct policy *p)
{
	set->policies = realloc(set->policies, (set->n + 1) * sizeof(*set->policies));
	set->policies[set->n++] = p;
}

static int compile(const struct policy_set *set, struct compiled_set *out,
		   struct policy_error *err)
{
	memset(out, 0, sizeof(*out));
	strcpy(err->msg, "stale");
	return compile_set(set, &test_key, &fake_cgroups, out, err);
}

static size_t count_kind(const struct compiled_set *c, __u16 kind)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_entries; i++)
		n += c->entries[i].key.kind == kind;
	return n;
}

static const struct compile_entry *find_entry(const struct compiled_set *c, __u16 kind,
					      __u16 ruleset, __u64 hash)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct rp_key *k = &c->entries[i].key;

		if (k->kind == kind && k->hash == hash && (kind == RP_KEY_SUBJECT ||
							   k->ruleset == ruleset))
			return &c->entries[i];
	}
	return NULL;
}

static const struct compile_entry *find_subject(const struct compiled_set *c, __u64 cgroup_id)
{
	return find_entry(c, RP_KEY_SUBJECT, 0, cgroup_id);
}

static const struct compile_entry *find_path(const struct compiled_set *c, __u16 ruleset,
					     const char *path)
{
	return find_entry(c, RP_KEY_FILE_PATH, ruleset,
			  rp_siphash(path, strlen(path), &test_key));
}

/* The entry of this kind (parent class included) for text, hash 0 when text is NULL. */
static const struct compile_entry *find_text(const struct compiled_set *c, __u16 kind,
					     __u16 ruleset, const char *text)
{
	return find_entry(c, kind, ruleset, text ? rp_siphash(text, strlen(text), &test_key) : 0);
}

static const struct compile_entry *find_ruleset(const struct compiled_set *c, __u16 ruleset)
{
	return find_entry(c, RP_KEY_RULESET, ruleset, 0);
}

/* What texts[] holds for entry e. */
static const char *text_of(const struct compiled_set *c, const struct compile_entry *e)
{
	return c->texts[e - c->entries];
}

/* The 2-bit action of every access, read first: "DDNNNN" for deny read and write. */
static const char *actions_str(const struct rp_value *v, char buf[RP_ACC_BITS + 1])
{
	static const char code[] = "NLAD";	/* none, alloW, audit, deny */

	for (int bit = 0; bit < RP_ACC_BITS; bit++)
		buf[bit] = code[RP_ACTION_OF(v->actions, bit)];
	buf[RP_ACC_BITS] = '\0';
	return buf;
}

typedef void (*set_check_fn)(int *unit_failed, const struct compiled_set *out);

/* Compiles set (and frees it), runs check on the result, then frees the result, so a
 * failing check leaks nothing. */
static void compile_and_check(int *unit_failed, struct policy_set *set, set_check_fn check)
{
	struct compiled_set out;
	struct policy_error err;
	int ret = compile(set, &out, &err);

	policy_set_free(set);
	if (ret)
		UNIT_FAIL("compile_set", "returned %d: %s", ret, err.msg);
	check(unit_failed, &out);
	compiled_set_free(&out);
}

/* Compiles a set expected to fail: the error, its text and whether out stayed empty. */
static int compile_failing(struct policy_set *set, struct policy_error *err, bool *untouched)
{
	struct compiled_set out;
	int ret = compile(set, &out, err);

	policy_set_free(set);
	*untouched = out.entries == NULL && out.rules == NULL && out.n_entries == 0;
	compiled_set_free(&out);
	return ret;
}

static void check_single_deny(int *unit_failed, const struct compiled_set *out)
{
	const __u32 denied = RP_ACC_READ | RP_ACC_WRITE | RP_ACC_TRUNCATE;
	const struct compile_entry *subj, *rs, *file;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(out->n_entries, 3, "three entries");
	ASSERT_EQ(out->n_rulesets, 1, "one ruleset");
	ASSERT_EQ(out->n_subjects, 1, "one subject");
	ASSERT_EQ(out->n_rules, 3, "defaults.file, defaults.exec and file[0]");

	subj = find_subject(out, 42);
	ASSERT_TRUE(subj != NULL, "subject entry keyed by the cgroup id");
	ASSERT_EQ(subj->value.id[0], 0, "subject bound to ruleset 0");

	rs = find_entry(out, RP_KEY_RULESET, 0, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry with hash 0");
	ASSERT_STREQ(actions_str(&rs->value, acts), "LLLLLL", "default allows every access");
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		ASSERT_EQ(RP_ACTION_OF(rs->value.actions, bit), RP_ACT_ALLOW, "default action");
		ASSERT_EQ(rs->value.id[bit], 0, "default's rule id is defaults.file");
	}

	file = find_path(out, 0, "/etc/shadow");
	ASSERT_TRUE(file != NULL, "path entry keyed by rp_siphash of the path");
	ASSERT_EQ(file->key.hash, rp_siphash("/etc/shadow", 11, &test_key), "path hash");
	ASSERT_STREQ(actions_str(&file->value, acts), "DDNNDN", "deny read, write, truncate");
	for (int bit = 0; bit < RP_ACC_BITS; bit++)
		ASSERT_EQ(file->value.id[bit], (denied >> bit) & 1 ? 2 : 0, "rule id per access");

	ASSERT_STREQ(compiled_rule(out, 0)->policy, "web", "rule 0 policy");
	ASSERT_STREQ(compiled_rule(out, 0)->label, "defaults.file", "rule 0 label");
	ASSERT_TRUE(!compiled_rule(out, 0)->audit_mode, "rule 0 enforce mode");
	ASSERT_STREQ(compiled_rule(out, 1)->policy, "web", "rule 1 policy");
	ASSERT_STREQ(compiled_rule(out, 1)->label, "defaults.exec", "rule 1 label");
	ASSERT_STREQ(compiled_rule(out, 2)->policy, "web", "rule 2 policy");
	ASSERT_STREQ(compiled_rule(out, 2)->label, "file[0]", "rule 2 label");
	ASSERT_TRUE(compiled_rule(out, 3) == NULL, "rule 3 out of range");
	ASSERT_TRUE(compiled_rule(out, RP_RULE_NONE) == NULL, "RP_RULE_NONE out of range");
}

UNIT_TEST(compile_single_deny_rule_yields_subject_ruleset_and_path_entries)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ | RP_ACC_WRITE | RP_ACC_TRUNCATE, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_single_deny);
}

static void check_merged_path(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *file;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(count_kind(out, RP_KEY_FILE_PATH), 1, "one path entry");
	ASSERT_EQ(out->n_entries, 3, "three entries");
	file = find_path(out, 0, "/srv/data");
	ASSERT_TRUE(file != NULL, "path entry");
	ASSERT_STREQ(actions_str(&file->value, acts), "LDNNNN", "allow read, deny write");
	ASSERT_EQ(file->value.id[0], 3, "read decided by file[1]");
	ASSERT_EQ(file->value.id[1], 2, "write decided by file[0], not the equal file[2]");
	ASSERT_EQ(file->value.id[2], 0, "append: no rule");
}

UNIT_TEST(compile_merges_rules_on_same_path_per_access)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule(p, "/srv/data", RP_ACC_WRITE, RP_ACT_DENY);
	add_rule(p, "/srv/data", RP_ACC_READ, RP_ACT_ALLOW);
	/* As strict as file[0]: the first rule to decide an access keeps it. */
	add_rule(p, "/srv/data", RP_ACC_WRITE, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_merged_path);
}

static void check_strictest(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *up = find_path(out, 0, "/up");
	const struct compile_entry *down = find_path(out, 0, "/down");
	char acts[RP_ACC_BITS + 1];

	ASSERT_TRUE(up != NULL && down != NULL, "both path entries");
	ASSERT_STREQ(actions_str(&up->value, acts), "DALNNN", "/up actions");
	ASSERT_EQ(up->value.id[0], 4, "/up read: the deny rule");
	ASSERT_EQ(up->value.id[1], 3, "/up write: the audit rule");
	ASSERT_EQ(up->value.id[2], 2, "/up append: the allow rule");
	ASSERT_STREQ(actions_str(&down->value, acts), "NNNDLA", "/down actions");
	ASSERT_EQ(down->value.id[3], 6, "/down create: the deny rule");
	ASSERT_EQ(down->value.id[4], 8, "/down truncate: the allow rule");
	ASSERT_EQ(down->value.id[5], 7, "/down exec: the audit rule");
}

UNIT_TEST(compile_deny_beats_audit_beats_allow)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	/* Increasing strictness: file[0..3], ids 2..5 (after defaults.file and .exec). */
	add_rule(p, "/up", RP_ACC_READ | RP_ACC_WRITE | RP_ACC_APPEND, RP_ACT_ALLOW);
	add_rule(p, "/up", RP_ACC_READ | RP_ACC_WRITE, RP_ACT_AUDIT);
	add_rule(p, "/up", RP_ACC_READ, RP_ACT_DENY);
	add_rule(p, "/up", RP_ACC_READ | RP_ACC_WRITE, RP_ACT_ALLOW);
	/* Decreasing strictness: file[4..6], ids 6..8. */
	add_rule(p, "/down", RP_ACC_CREATE, RP_ACT_DENY);
	add_rule(p, "/down", RP_ACC_CREATE | RP_ACC_EXEC, RP_ACT_AUDIT);
	add_rule(p, "/down", RP_ACC_CREATE | RP_ACC_EXEC | RP_ACC_TRUNCATE, RP_ACT_ALLOW);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_strictest);
}

static void check_audit_mode(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *file;
	char acts[RP_ACC_BITS + 1];

	rs = find_entry(out, RP_KEY_RULESET, 0, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_STREQ(actions_str(&rs->value, acts), "AAAAAA", "default deny becomes audit");
	file = find_path(out, 0, "/etc/shadow");
	ASSERT_TRUE(file != NULL, "path entry");
	ASSERT_STREQ(actions_str(&file->value, acts), "ALANNN", "deny rule becomes audit");
	ASSERT_TRUE(compiled_rule(out, 0)->audit_mode, "defaults.file in audit mode");
	ASSERT_TRUE(compiled_rule(out, 1)->audit_mode, "defaults.exec in audit mode");
	ASSERT_TRUE(compiled_rule(out, 2)->audit_mode, "file[0] in audit mode");
}

UNIT_TEST(compile_audit_mode_turns_deny_into_audit)
{
	struct policy_set set = {};
	struct policy *p = new_policy("trial", true, RP_ACT_DENY);

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_rule(p, "/etc/shadow", RP_ACC_WRITE, RP_ACT_ALLOW);
	add_rule(p, "/etc/shadow", RP_ACC_APPEND, RP_ACT_AUDIT);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_audit_mode);
}

static void check_nested(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *sa, *sb, *e;
	char acts[RP_ACC_BITS + 1];
	__u16 ra, rb;

	ASSERT_EQ(out->n_rulesets, 2, "two rulesets");
	ASSERT_EQ(out->n_subjects, 2, "two subjects");
	ASSERT_EQ(out->n_rules, 6, "three rules per policy");
	ASSERT_EQ(out->n_entries, 7, "2 subjects, 2 rulesets, 3 path entries");
	ASSERT_STREQ(compiled_rule(out, 3)->policy, "inner", "rule 3 policy");
	ASSERT_STREQ(compiled_rule(out, 3)->label, "defaults.file", "rule 3 label");
	sa = find_subject(out, 100);
	sb = find_subject(out, 200);
	ASSERT_TRUE(sa != NULL && sb != NULL, "a subject for /a and /a/b");
	ra = (__u16)sa->value.id[0];
	rb = (__u16)sb->value.id[0];
	ASSERT_TRUE(ra != rb, "different rulesets");
	ASSERT_TRUE(ra < 2 && rb < 2, "ruleset ids in range");

	e = find_entry(out, RP_KEY_RULESET, ra, 0);
	ASSERT_TRUE(e != NULL, "/a ruleset entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "LLLLLL", "/a default: outer's allow");
	ASSERT_EQ(e->value.id[0], 0, "/a default from outer's defaults.file");
	e = find_path(out, ra, "/etc/p1");
	ASSERT_TRUE(e != NULL, "/a holds outer's rule");
	ASSERT_STREQ(actions_str(&e->value, acts), "DNNNNN", "/a: deny read /etc/p1");
	ASSERT_TRUE(find_path(out, ra, "/etc/p2") == NULL, "/a does not hold inner's rule");

	e = find_entry(out, RP_KEY_RULESET, rb, 0);
	ASSERT_TRUE(e != NULL, "/a/b ruleset entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "DDDDDD", "/a/b default: strictest (deny)");
	ASSERT_EQ(e->value.id[5], 3, "/a/b default from inner's defaults.file");
	e = find_path(out, rb, "/etc/p1");
	ASSERT_TRUE(e != NULL, "/a/b holds outer's rule");
	ASSERT_STREQ(actions_str(&e->value, acts), "DNNNNN", "/a/b: deny read /etc/p1");
	ASSERT_EQ(e->value.id[0], 2, "/a/b /etc/p1 rule id");
	e = find_path(out, rb, "/etc/p2");
	ASSERT_TRUE(e != NULL, "/a/b holds inner's rule");
	ASSERT_STREQ(actions_str(&e->value, acts), "LNNNNN", "/a/b: allow read /etc/p2");
	ASSERT_EQ(e->value.id[0], 5, "/a/b /etc/p2 rule id");
}

UNIT_TEST(compile_nested_cgroups_get_combined_ruleset)
{
	struct policy_set set = {};
	struct policy *outer = new_policy("outer", false, RP_ACT_ALLOW);
	struct policy *inner = new_policy("inner", false, RP_ACT_DENY);

	add_cgroup(outer, "/a");
	add_rule(outer, "/etc/p1", RP_ACC_READ, RP_ACT_DENY);	/* rule id 2 */
	add_cgroup(inner, "/a/b");
	add_rule(inner, "/etc/p2", RP_ACC_READ, RP_ACT_ALLOW);	/* rule id 5 */
	add_policy(&set, outer);
	add_policy(&set, inner);
	compile_and_check(unit_failed, &set, check_nested);
}

/* How many filter slots are set: one per distinct slot of a subject's id. */
static size_t filter_popcount(const struct rp_filter *f)
{
	size_t n = 0;

	for (size_t i = 0; i < RP_FILTER_SLOTS; i++)
		n += f->slots[i] != 0;
	return n;
}

static void check_filter(int *unit_failed, const struct compiled_set *out)
{
	struct rp_filter f;

	compile_filter(out, 0, RP_FILTER_FILE, &f);
	ASSERT_EQ(f.levels, (1ULL << 1) | (1ULL << 2), "levels of /a (1) and /a/b (2)");
	ASSERT_TRUE(rp_filter_has(&f, 100), "/a's id is in the filter");
	ASSERT_TRUE(rp_filter_has(&f, 200), "/a/b's id is in the filter");
	ASSERT_EQ(filter_popcount(&f), 2, "two slots: nothing else set");
	ASSERT_TRUE(!rp_filter_has(&f, 300), "/other's id is not in the filter");

	compile_filter(out, 3, RP_FILTER_FILE, &f);
	ASSERT_EQ(f.levels, (1ULL << 4) | (1ULL << 5), "levels shifted by a mount 3 deep");

	compile_filter(out, -1, RP_FILTER_FILE, &f);
	ASSERT_EQ(f.levels, ~1ULL, "level unknown: every level from /a's depth (1) down");
	ASSERT_TRUE(rp_filter_has(&f, 100) && rp_filter_has(&f, 200), "ids still in");
}

UNIT_TEST(compile_filter_holds_subjects_and_their_levels)
{
	struct policy_set set = {};
	struct policy *outer = new_policy("outer", false, RP_ACT_ALLOW);
	struct policy *inner = new_policy("inner", false, RP_ACT_DENY);

	add_cgroup(outer, "/a");
	add_rule(outer, "/etc/p1", RP_ACC_READ, RP_ACT_DENY);
	add_cgroup(inner, "/a/b");
	add_rule(inner, "/etc/p2", RP_ACC_READ, RP_ACT_ALLOW);
	add_policy(&set, outer);
	add_policy(&set, inner);
	compile_and_check(unit_failed, &set, check_filter);
}

/* Which of the subjects' ids (/demo 42, /a 100, /other 300, /pods/p1 401, /pods/p2 402,
 * /pods/q3 403, /net 500) set `set` holds, as a string of the ids it holds. */
static const char *filter_set_ids(const struct compiled_set *out, unsigned int set,
				  char *buf, size_t size)
{
	static const __u64 ids[] = { 42, 100, 300, 401, 402, 403, 500 };
	struct rp_filter f;
	size_t n = 0;

	buf[0] = '\0';
	compile_filter(out, 0, set, &f);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (rp_filter_has(&f, ids[i]))
			n += snprintf(buf + n, size - n, "%s%llu", n ? " " : "",
				      (unsigned long long)ids[i]);
	return buf;
}

static void check_filter_sets(int *unit_failed, const struct compiled_set *out)
{
	char buf[64];

	ASSERT_STREQ(filter_set_ids(out, RP_FILTER_FILE, buf, sizeof(buf)), "42 100",
		     "file_open: a file rule (/a), a file default of deny (/demo)");
	ASSERT_STREQ(filter_set_ids(out, RP_FILTER_EXEC, buf, sizeof(buf)), "401",
		     "bprm_check_security: the exec rule (/pods/p1)");
	ASSERT_STREQ(filter_set_ids(out, RP_FILTER_NET_CREATE, buf, sizeof(buf)), "300 500",
		     "socket_post_create: the creation rule (/other), the network default (/net)");
	ASSERT_STREQ(filter_set_ids(out, RP_FILTER_NET_INET, buf, sizeof(buf)), "402 500",
		     "connect, bind, listen, sendmsg: the inet rule (/pods/p2), the default (/net)");
	ASSERT_STREQ(filter_set_ids(out, RP_FILTER_NET_UNIX, buf, sizeof(buf)), "403 500",
		     "unix connect and send: the unix rule (/pods/q3), the default (/net)");
}

UNIT_TEST(compile_filter_sets_hold_the_subjects_each_hook_must_decide)
{
	struct policy_set set = {};
	struct policy *files = new_policy("files", false, RP_ACT_ALLOW);
	struct policy *closed = new_policy("closed", false, RP_ACT_DENY);
	struct policy *execs = new_policy("execs", false, RP_ACT_ALLOW);
	struct policy *sockets = new_policy("sockets", false, RP_ACT_ALLOW);
	struct policy *netdef = new_policy("netdef", false, RP_ACT_ALLOW);
	struct policy *inet = new_policy("inet", false, RP_ACT_ALLOW);
	struct policy *unix_names = new_policy("unix", false, RP_ACT_ALLOW);

	add_cgroup(files, "/a");
	add_rule(files, "/etc/p1", RP_ACC_READ, RP_ACT_DENY);
	add_cgroup(closed, "/demo");
	add_cgroup(execs, "/pods/p1");
	add_exec_rule(execs, POLICY_MATCH_PATH, "/bin/x", RP_ACT_DENY);
	add_cgroup(sockets, "/other");
	add_create_rule(sockets, RP_ACT_DENY);
	add_cgroup(netdef, "/net");
	netdef->default_net = RP_ACT_DENY;
	add_cgroup(inet, "/pods/p2");
	add_connect_rule(inet, NULL, RP_ACT_DENY);
	add_cgroup(unix_names, "/pods/q3");
	add_connect_rule(unix_names, "/run/x.sock", RP_ACT_DENY);
	add_policy(&set, files);
	add_policy(&set, closed);
	add_policy(&set, execs);
	add_policy(&set, sockets);
	add_policy(&set, netdef);
	add_policy(&set, inet);
	add_policy(&set, unix_names);
	compile_and_check(unit_failed, &set, check_filter_sets);
}

UNIT_TEST(compile_filter_of_nothing_is_empty)
{
	struct compiled_set none = {};
	struct rp_filter f;

	memset(&f, 0xff, sizeof(f));
	compile_filter(&none, 0, RP_FILTER_FILE, &f);
	ASSERT_EQ(f.levels, 0, "no levels");
	ASSERT_EQ(filter_popcount(&f), 0, "no slots");
}

UNIT_TEST(filter_levels_past_the_last_share_its_bit)
{
	struct rp_filter f = {};

	rp_filter_add(&f, 7, 200);
	ASSERT_EQ(f.levels, 1ULL << RP_FILTER_LEVEL_LAST, "level 200 counts as the last");
	ASSERT_TRUE(rp_filter_has(&f, 7), "id 7 in");
}

static void check_one_subject(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *s, *e;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(count_kind(out, RP_KEY_SUBJECT), 1, "one subject entry");
	ASSERT_EQ(out->n_subjects, 1, "n_subjects");
	ASSERT_EQ(out->n_rulesets, 1, "one ruleset");
	ASSERT_EQ(resolve_calls, 1, "cgroup resolved once");
	s = find_subject(out, 42);
	ASSERT_TRUE(s != NULL, "subject for /demo");
	e = find_path(out, (__u16)s->value.id[0], "/x");
	ASSERT_TRUE(e != NULL, "merged path entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "DDNNNN", "both policies' rules merged");
	ASSERT_EQ(e->value.id[0], 5, "read decided by two's file[0]");
}

UNIT_TEST(compile_same_cgroup_selected_twice_yields_one_subject)
{
	struct policy_set set = {};
	struct policy *p1 = new_policy("one", false, RP_ACT_ALLOW);
	struct policy *p2 = new_policy("two", false, RP_ACT_ALLOW);

	add_cgroup(p1, "/demo");
	add_cgroup(p1, "/demo");
	add_rule(p1, "/x", RP_ACC_READ, RP_ACT_AUDIT);
	add_cgroup(p2, "/demo");
	add_rule(p2, "/x", RP_ACC_READ | RP_ACC_WRITE, RP_ACT_DENY);
	add_policy(&set, p1);
	add_policy(&set, p2);
	resolve_calls = 0;
	compile_and_check(unit_failed, &set, check_one_subject);
}

UNIT_TEST(compile_unknown_cgroup_fails_with_enoent)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	bool untouched;

	add_cgroup(p, "/nope");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -ENOENT,
		  "compile_set fails with -ENOENT");
	ASSERT_STREQ(err.msg, "web.json: .selector.cgroups[0]: cgroup '/nope' of policy 'web': "
		     "No such file or directory", "error text");
	ASSERT_TRUE(untouched, "output untouched");
}

static void check_pattern_subjects(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *p1 = find_subject(out, 401), *p2 = find_subject(out, 402);
	const struct compile_entry *e;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(out->n_subjects, 2, "the pattern's two cgroups; q3, /pods and p1/c are not "
		  "subjects, /gone is skipped");
	ASSERT_TRUE(find_subject(out, 403) == NULL, "/pods/q3 not selected");
	ASSERT_TRUE(find_subject(out, 400) == NULL, "/pods not selected");
	ASSERT_TRUE(find_subject(out, 404) == NULL, "/pods/p1/c covered through p1, no entry");
	ASSERT_TRUE(p1 != NULL && p2 != NULL, "subjects for /pods/p1 and /pods/p2");
	if (!p1 || !p2)
		return;
	ASSERT_EQ(out->n_rulesets, 2, "p1 (pods + one) and p2 (pods only) differ");
	e = find_path(out, (__u16)p1->value.id[0], "/x");
	ASSERT_TRUE(e != NULL, "p1's ruleset holds /x");
	ASSERT_STREQ(e ? actions_str(&e->value, acts) : "", "DNNNNN",
		     "p1: pods' deny beats one's audit");
	e = find_path(out, (__u16)p2->value.id[0], "/x");
	ASSERT_STREQ(e ? actions_str(&e->value, acts) : "", "DNNNNN", "p2: pods' deny");
	ASSERT_TRUE(find_path(out, (__u16)p2->value.id[0], "/only-one") == NULL,
		    "p2's ruleset lacks policy one's rule");
	ASSERT_TRUE(find_path(out, (__u16)p1->value.id[0], "/only-one") != NULL,
		    "p1's ruleset has policy one's rule");
}

UNIT_TEST(compile_pattern_selects_each_matching_cgroup)
{
	struct policy_set set = {};
	struct policy *pods = new_policy("pods", false, RP_ACT_ALLOW);
	struct policy *one = new_policy("one", false, RP_ACT_ALLOW);

	add_cgroup(pods, "/pods/p*");
	add_cgroup(pods, "/g*");
	add_rule(pods, "/x", RP_ACC_READ, RP_ACT_DENY);
	add_cgroup(one, "/pods/p1");
	add_rule(one, "/x", RP_ACC_READ, RP_ACT_AUDIT);
	add_rule(one, "/only-one", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, pods);
	add_policy(&set, one);
	compile_and_check(unit_failed, &set, check_pattern_subjects);
}

static void check_no_subjects(int *unit_failed, const struct compiled_set *out)
{
	ASSERT_EQ(out->n_subjects, 0, "no subject");
	ASSERT_EQ(count_kind(out, RP_KEY_SUBJECT), 0, "no subject entries");
	ASSERT_TRUE(out->n_rules > 0, "rule table still built");
}

UNIT_TEST(compile_pattern_matching_nothing_is_not_an_error)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_DENY);

	add_cgroup(p, "/pods/none-*");
	add_rule(p, "/x", RP_ACC_READ, RP_ACT_ALLOW);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_no_subjects);
}

UNIT_TEST(compile_pattern_expand_error_names_the_selector)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	bool untouched;

	add_cgroup(p, "/demo");
	add_cgroup(p, "/pods/*");
	add_rule(p, "/x", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	expand_error = -EACCES;
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -EACCES, "fails with expand's error");
	expand_error = 0;
	ASSERT_STREQ(err.msg, "web.json: .selector.cgroups[1]: cgroup pattern '/pods/*' of "
		     "policy 'web': Permission denied", "error text");
	ASSERT_TRUE(untouched, "output untouched");
}

/* "/d/d/.../d" with depth components ("" for 0). */
static void deep_dir(char *buf, size_t size, unsigned depth)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < depth && n + 3 <= size; i++)
		n += snprintf(buf + n, size - n, "/d");
}

static void check_dir_rule(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *dir;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(out->n_entries, 3, "subject, ruleset, dir entry");
	ASSERT_EQ(count_kind(out, RP_KEY_FILE_PATH), 0, "no exact path entry");
	dir = find_text(out, RP_KEY_FILE_DIR, 0, "/etc/ssl");
	ASSERT_TRUE(dir != NULL, "dir entry keyed by rp_siphash of the directory");
	ASSERT_EQ(dir->key.hash, rp_siphash("/etc/ssl", 8, &test_key), "dir hash");
	ASSERT_STREQ(actions_str(&dir->value, acts), "DNNNNN", "deny read");
	ASSERT_EQ(dir->value.id[0], 2, "decided by file[0]");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_FILE], 1u << 2, "file dir depth 2 only");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_FILE], 0, "no file tree depth");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_EXEC] | rs->value.dir_depths[RP_CAT_PARENT], 0,
		  "no exec or parent dir depth");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_FILE_DENIES,
		  "a file deny, no exact file path, no exec rule");
}

UNIT_TEST(compile_dir_rule_yields_dir_entry_and_depth_bit)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule_match(p, POLICY_MATCH_DIR, "/etc/ssl", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_dir_rule);
}

static void check_tree_rule(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *tree;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(count_kind(out, RP_KEY_FILE_DIR), 0, "no dir entry");
	tree = find_text(out, RP_KEY_FILE_TREE, 0, "/etc");
	ASSERT_TRUE(tree != NULL, "tree entry keyed by rp_siphash of the directory");
	ASSERT_STREQ(actions_str(&tree->value, acts), "NDDNNN", "deny write, append");
	ASSERT_EQ(tree->value.id[1], 2, "decided by file[0]");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_FILE], 1u << 1, "file tree depth 1 only");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_FILE], 0, "no file dir depth");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_FILE_DENIES, "a file deny, no exact file path");
}

UNIT_TEST(compile_tree_rule_yields_tree_entry_and_depth_bit)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule_match(p, POLICY_MATCH_TREE, "/etc", RP_ACC_WRITE | RP_ACC_APPEND, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_tree_rule);
}

static void check_root_dir(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs = find_ruleset(out, 0);

	ASSERT_TRUE(find_text(out, RP_KEY_FILE_DIR, 0, "/") != NULL, "dir entry for /");
	ASSERT_TRUE(find_text(out, RP_KEY_FILE_TREE, 0, "/") != NULL, "tree entry for /");
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_FILE], 1u << 0, "/ is depth 0 (dir)");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_FILE], 1u << 0, "/ is depth 0 (tree)");
}

UNIT_TEST(compile_root_dir_and_tree_rules_are_depth_zero)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule_match(p, POLICY_MATCH_DIR, "/", RP_ACC_CREATE, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_TREE, "/", RP_ACC_EXEC, RP_ACT_AUDIT);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_root_dir);
}

static void check_depth_31(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs = find_ruleset(out, 0);
	char dir[128];

	deep_dir(dir, sizeof(dir), 31);
	ASSERT_TRUE(find_text(out, RP_KEY_FILE_DIR, 0, dir) != NULL, "depth-31 dir entry");
	ASSERT_TRUE(find_text(out, RP_KEY_FILE_TREE, 0, dir) != NULL, "depth-31 tree entry");
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_FILE], 1u << 31, "dir depth bit 31");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_FILE], 1u << 31, "tree depth bit 31");
}

UNIT_TEST(compile_accepts_depth_31_directory)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	char dir[128];

	deep_dir(dir, sizeof(dir), 31);
	add_cgroup(p, "/demo");
	add_rule_match(p, POLICY_MATCH_DIR, dir, RP_ACC_READ, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_TREE, dir, RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_depth_31);
}

UNIT_TEST(compile_rejects_depth_32_directory_naming_the_rule)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	char dir[128], want[POLICY_ERROR_MAX];
	bool untouched;

	deep_dir(dir, sizeof(dir), 32);
	snprintf(want, sizeof(want), "web.json: policy 'web': .file[1]: directory '%s' is deeper "
		 "than 31 components, the most a dir rule may name", dir);
	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_TREE, dir, RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -E2BIG, "compile_set fails with -E2BIG");
	ASSERT_STREQ(err.msg, want, "error text names .file[1] and the directory");
	ASSERT_TRUE(untouched, "output untouched");
}

UNIT_TEST(compile_rejects_depth_32_parent_dir_naming_the_exec_rule)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	char dir[128];
	bool untouched;

	deep_dir(dir, sizeof(dir), 32);
	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_DIR, dir);
	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -E2BIG, "compile_set fails with -E2BIG");
	ASSERT_CONTAINS(err.msg, "web.json: policy 'web': .exec[0]: directory '", "names rule");
	ASSERT_CONTAINS(err.msg, "deeper than 31 components", "says why");
	ASSERT_TRUE(untouched, "output untouched");
}

/* The shape entry of category cat at index i in this ruleset. */
static const struct compile_entry *find_shape(const struct compiled_set *c, __u16 ruleset,
					      enum rp_category cat, unsigned i)
{
	return find_entry(c, RP_KEY_GLOB_SHAPE, ruleset, (__u64)cat << 8 | i);
}

/* A policy "web" on /demo, allowing by default, with one file glob rule. */
static struct policy *glob_policy(const char *glob, __u32 access, enum rp_action action)
{
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule_match(p, POLICY_MATCH_GLOB, glob, access, action);
	return p;
}

/* Compiles a one-policy set expected to fail with ret and exactly the message want. */
static void check_rejects(int *unit_failed, struct policy *p, int ret, const char *want)
{
	struct policy_set set = {};
	struct policy_error err;
	bool untouched;

	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), ret, "compile_set's error");
	ASSERT_STREQ(err.msg, want, "error text names the element and the glob");
	ASSERT_TRUE(untouched, "output untouched");
}

static void check_glob_file(int *unit_failed, const struct compiled_set *out)
{
	const char *glob = "/home/*/.ssh/**";
	const struct compile_entry *e, *sh, *rs;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(out->n_entries, 4, "subject, ruleset, glob entry, shape entry");
	ASSERT_EQ(count_kind(out, RP_KEY_FILE_GLOB), 1, "one file glob entry");
	ASSERT_EQ(count_kind(out, RP_KEY_FILE_PATH), 0, "no exact path entry");
	e = find_text(out, RP_KEY_FILE_GLOB, 0, glob);
	ASSERT_TRUE(e != NULL, "glob entry keyed by rp_siphash of the glob text");
	ASSERT_EQ(e->key.hash, rp_siphash(glob, strlen(glob), &test_key), "glob hash");
	ASSERT_EQ(e->value.flags, 12, "flags: the 12 characters that are not '*'");
	ASSERT_STREQ(actions_str(&e->value, acts), "DDNNNN", "deny read and write");
	ASSERT_EQ(e->value.id[0], 2, "read decided by file[0]");
	ASSERT_EQ(e->value.id[1], 2, "write decided by file[0]");

	ASSERT_EQ(count_kind(out, RP_KEY_GLOB_SHAPE), 1, "one shape entry");
	sh = find_shape(out, 0, RP_CAT_FILE, 0);
	ASSERT_TRUE(sh != NULL, "shape entry with hash RP_CAT_FILE << 8 | 0");
	ASSERT_TRUE(text_of(out, sh) == NULL, "shape entry: no text");
	ASSERT_EQ(sh->value.glob.ncomp, 3, "three components before '**'");
	ASSERT_EQ(sh->value.glob.tree, 1, "ends in '**'");
	ASSERT_EQ(sh->value.glob.kind[0], RP_GLOB_LITERAL, "home: literal");
	ASSERT_EQ(sh->value.glob.kind[1], RP_GLOB_STAR, "*: star");
	ASSERT_EQ(sh->value.glob.kind[2], RP_GLOB_LITERAL, ".ssh: literal");
	for (int i = 0; i < RP_GLOB_COMPS_MAX; i++) {
		ASSERT_EQ(sh->value.glob.pre[i] | sh->value.glob.suf[i], 0, "no affix lengths");
		if (i >= 3)
			ASSERT_EQ(sh->value.glob.kind[i], 0, "unused components zeroed");
	}

	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_FILE], 1, "one file glob shape");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_EXEC], 0, "no exec glob shape");
	ASSERT_TRUE(!(rs->value.shape_flags & RP_SHAPE_FILE_PATHS), "a glob is not an exact path");
	ASSERT_TRUE(rs->value.shape_flags & RP_SHAPE_FILE_DENIES, "a glob deny is a file deny");
}

UNIT_TEST(compile_file_glob_yields_glob_entry_and_its_shape)
{
	struct policy_set set = {};

	add_policy(&set, glob_policy("/home/*/.ssh/**", RP_ACC_READ | RP_ACC_WRITE,
				     RP_ACT_DENY));
	compile_and_check(unit_failed, &set, check_glob_file);
}

static void check_glob_affixes(int *unit_failed, const struct compiled_set *out)
{
	const struct rp_glob_shape *g;
	const struct compile_entry *e, *rs;

	ASSERT_EQ(count_kind(out, RP_KEY_GLOB_SHAPE), 3, "three shape entries");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_FILE], 3, "three file glob shapes");

	e = find_shape(out, 0, RP_CAT_FILE, 0);
	ASSERT_TRUE(e != NULL, "shape 0: /var/log/*.log");
	g = &e->value.glob;
	ASSERT_EQ(g->ncomp, 3, "/var/log/*.log: three components");
	ASSERT_EQ(g->tree, 0, "/var/log/*.log: no '**'");
	ASSERT_EQ(g->kind[0], RP_GLOB_LITERAL, "var: literal");
	ASSERT_EQ(g->kind[1], RP_GLOB_LITERAL, "log: literal");
	ASSERT_EQ(g->kind[2], RP_GLOB_AFFIX, "*.log: affix");
	ASSERT_EQ(g->pre[2], 0, "*.log: no prefix");
	ASSERT_EQ(g->suf[2], 4, "*.log: suffix '.log'");

	e = find_shape(out, 0, RP_CAT_FILE, 1);
	ASSERT_TRUE(e != NULL, "shape 1: /opt/app-*-bin/x");
	g = &e->value.glob;
	ASSERT_EQ(g->ncomp, 3, "/opt/app-*-bin/x: three components");
	ASSERT_EQ(g->tree, 0, "/opt/app-*-bin/x: no '**'");
	ASSERT_EQ(g->kind[0], RP_GLOB_LITERAL, "opt: literal");
	ASSERT_EQ(g->kind[1], RP_GLOB_AFFIX, "app-*-bin: affix");
	ASSERT_EQ(g->pre[1], 4, "app-*-bin: prefix 'app-'");
	ASSERT_EQ(g->suf[1], 4, "app-*-bin: suffix '-bin'");
	ASSERT_EQ(g->kind[2], RP_GLOB_LITERAL, "x: literal");
	ASSERT_EQ(g->pre[2] | g->suf[2], 0, "x: no affix lengths");

	e = find_shape(out, 0, RP_CAT_FILE, 2);
	ASSERT_TRUE(e != NULL, "shape 2: /**");
	ASSERT_EQ(e->value.glob.ncomp, 0, "/**: no component before '**'");
	ASSERT_EQ(e->value.glob.tree, 1, "/**: ends in '**'");

	e = find_text(out, RP_KEY_FILE_GLOB, 0, "/var/log/*.log");
	ASSERT_TRUE(e != NULL, "glob entry /var/log/*.log");
	ASSERT_EQ(e->value.flags, 13, "/var/log/*.log: 13 literal characters");
	e = find_text(out, RP_KEY_FILE_GLOB, 0, "/opt/app-*-bin/x");
	ASSERT_TRUE(e != NULL, "glob entry /opt/app-*-bin/x");
	ASSERT_EQ(e->value.flags, 15, "/opt/app-*-bin/x: 15 literal characters");
	e = find_text(out, RP_KEY_FILE_GLOB, 0, "/**");
	ASSERT_TRUE(e != NULL, "glob entry /**");
	ASSERT_EQ(e->value.flags, 1, "/**: 1 literal character");
}

UNIT_TEST(compile_glob_affix_components_keep_prefix_and_suffix_lengths)
{
	struct policy_set set = {};
	struct policy *p = glob_policy("/var/log/*.log", RP_ACC_WRITE, RP_ACT_DENY);

	add_rule_match(p, POLICY_MATCH_GLOB, "/opt/app-*-bin/x", RP_ACC_READ, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_GLOB, "/**", RP_ACC_CREATE, RP_ACT_AUDIT);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_glob_affixes);
}

static void check_shared_shapes(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e, *rs;

	ASSERT_EQ(count_kind(out, RP_KEY_FILE_GLOB), 3, "one glob entry per glob");
	ASSERT_EQ(count_kind(out, RP_KEY_GLOB_SHAPE), 2, "two distinct shapes");
	e = find_shape(out, 0, RP_CAT_FILE, 0);
	ASSERT_TRUE(e != NULL, "shape 0");
	ASSERT_EQ(e->value.glob.ncomp, 3, "shape 0 first seen in /a/*/x");
	ASSERT_EQ(e->value.glob.kind[1], RP_GLOB_STAR, "shape 0: star second");
	ASSERT_EQ(e->value.glob.kind[2], RP_GLOB_LITERAL, "shape 0: literal third");
	e = find_shape(out, 0, RP_CAT_FILE, 1);
	ASSERT_TRUE(e != NULL, "shape 1");
	ASSERT_EQ(e->value.glob.ncomp, 2, "shape 1 first seen in /z/*");
	ASSERT_EQ(e->value.glob.kind[1], RP_GLOB_STAR, "shape 1: star second");
	ASSERT_TRUE(find_shape(out, 0, RP_CAT_FILE, 2) == NULL, "/b/*/y adds no shape");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_FILE], 2, "two file glob shapes");
	ASSERT_TRUE(find_text(out, RP_KEY_FILE_GLOB, 0, "/b/*/y") != NULL, "/b/*/y entry");
}

UNIT_TEST(compile_globs_of_same_shape_share_one_shape_entry)
{
	struct policy_set set = {};
	struct policy *p = glob_policy("/a/*/x", RP_ACC_READ, RP_ACT_DENY);

	add_rule_match(p, POLICY_MATCH_GLOB, "/z/*", RP_ACC_READ, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_GLOB, "/b/*/y", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_shared_shapes);
}

static void check_exec_glob(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e, *rs;
	char acts[RP_ACC_BITS + 1];

	e = find_text(out, RP_KEY_EXEC_GLOB, 0, "/b/*/y");
	ASSERT_TRUE(e != NULL, "exec glob entry keyed by rp_siphash of the glob");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNND", "deny the exec access only");
	ASSERT_EQ(e->value.id[5], 3, "decided by exec[0]");
	ASSERT_EQ(e->value.flags, 5, "exec glob: 5 literal characters");
	ASSERT_STREQ(text_of(out, e), "/b/*/y", "exec glob: its text");
	ASSERT_TRUE(find_text(out, RP_KEY_FILE_GLOB, 0, "/b/*/y") == NULL, "not a file glob");
	ASSERT_EQ(count_kind(out, RP_KEY_EXEC_GLOB), 1, "one exec glob entry");
	ASSERT_EQ(count_kind(out, RP_KEY_FILE_GLOB), 1, "one file glob entry");

	ASSERT_EQ(count_kind(out, RP_KEY_GLOB_SHAPE), 2, "a file shape and an exec shape");
	e = find_shape(out, 0, RP_CAT_FILE, 0);
	ASSERT_TRUE(e != NULL, "file shape 0");
	ASSERT_EQ(e->value.glob.ncomp, 3, "file shape of /a/*/x");
	e = find_shape(out, 0, RP_CAT_EXEC, 0);
	ASSERT_TRUE(e != NULL, "exec shape 0 at hash 1 << 8 | 0, though equal to a file shape");
	ASSERT_EQ(e->key.hash, 1 << 8 | 0, "exec shape hash");
	ASSERT_EQ(e->value.glob.ncomp, 3, "exec shape of /b/*/y");
	ASSERT_EQ(e->value.glob.kind[1], RP_GLOB_STAR, "exec shape: star second");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_FILE], 1, "one file glob shape");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_EXEC], 1, "one exec glob shape");
	ASSERT_TRUE(rs->value.shape_flags & RP_SHAPE_EXEC_RULES, "exec lookups needed");
	ASSERT_TRUE(!(rs->value.shape_flags & RP_SHAPE_EXEC_PATHS), "no exact exec path");
}

UNIT_TEST(compile_exec_glob_yields_exec_glob_entry_and_separate_shape_count)
{
	struct policy_set set = {};
	struct policy *p = glob_policy("/a/*/x", RP_ACC_READ, RP_ACT_DENY);

	add_exec_rule(p, POLICY_MATCH_GLOB, "/b/*/y", RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_exec_glob);
}

static void check_shapes_per_ruleset(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *demo = find_subject(out, 42), *other = find_subject(out, 300);
	const struct compile_entry *e;
	__u16 rs_other;

	ASSERT_EQ(out->n_rulesets, 2, "two rulesets");
	ASSERT_TRUE(demo != NULL && other != NULL, "both subjects");
	ASSERT_EQ(demo->value.id[0], 0, "/demo: ruleset 0");
	rs_other = other->value.id[0];
	ASSERT_EQ(rs_other, 1, "/other: ruleset 1");
	e = find_shape(out, 0, RP_CAT_FILE, 0);
	ASSERT_TRUE(e != NULL, "ruleset 0: shape 0");
	ASSERT_EQ(e->value.glob.ncomp, 3, "ruleset 0: shape of /a/*/x");
	ASSERT_TRUE(find_shape(out, 0, RP_CAT_FILE, 1) == NULL, "ruleset 0: one shape");
	e = find_shape(out, rs_other, RP_CAT_FILE, 0);
	ASSERT_TRUE(e != NULL, "ruleset 1: its own shape 0");
	ASSERT_EQ(e->value.glob.ncomp, 1, "ruleset 1: shape of /*.log");
	ASSERT_EQ(e->value.glob.kind[0], RP_GLOB_AFFIX, "ruleset 1: affix");
	ASSERT_TRUE(find_shape(out, rs_other, RP_CAT_FILE, 1) == NULL, "ruleset 1: one shape");
	e = find_ruleset(out, rs_other);
	ASSERT_TRUE(e != NULL, "ruleset 1 entry");
	ASSERT_EQ(e->value.glob_shapes[RP_CAT_FILE], 1, "ruleset 1: one file shape");
	e = find_ruleset(out, 0);
	ASSERT_TRUE(e != NULL, "ruleset 0 entry");
	ASSERT_EQ(e->value.glob_shapes[RP_CAT_FILE], 1, "ruleset 0: one file shape");
}

UNIT_TEST(compile_glob_shapes_are_numbered_per_ruleset)
{
	struct policy_set set = {};
	struct policy *q = new_policy("db", false, RP_ACT_ALLOW);

	add_policy(&set, glob_policy("/a/*/x", RP_ACC_READ, RP_ACT_DENY));
	add_cgroup(q, "/other");
	add_rule_match(q, POLICY_MATCH_GLOB, "/*.log", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, q);
	compile_and_check(unit_failed, &set, check_shapes_per_ruleset);
}

static void check_glob_merge(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(count_kind(out, RP_KEY_FILE_GLOB), 1, "one entry for the same glob");
	ASSERT_EQ(count_kind(out, RP_KEY_GLOB_SHAPE), 1, "one shape");
	e = find_text(out, RP_KEY_FILE_GLOB, 0, "/etc/*.conf");
	ASSERT_TRUE(e != NULL, "glob entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "DLNNNN", "deny read wins, allow write kept");
	ASSERT_EQ(e->value.id[0], 3, "read decided by the deny, file[1]");
	ASSERT_EQ(e->value.id[1], 2, "write decided by the allow, file[0]");
	ASSERT_EQ(e->value.flags, 10, "flags kept: 10 literal characters");
}

UNIT_TEST(compile_same_glob_twice_merges_to_strictest)
{
	struct policy_set set = {};
	struct policy *p = glob_policy("/etc/*.conf", RP_ACC_READ | RP_ACC_WRITE, RP_ACT_ALLOW);

	add_rule_match(p, POLICY_MATCH_GLOB, "/etc/*.conf", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_glob_merge);
}

static void check_glob_text(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e = find_text(out, RP_KEY_FILE_GLOB, 0, "/srv/*/data/**");

	ASSERT_TRUE(e != NULL, "glob entry");
	ASSERT_STREQ(text_of(out, e), "/srv/*/data/**", "texts[] holds the glob text");
	e = find_shape(out, 0, RP_CAT_FILE, 0);
	ASSERT_TRUE(e != NULL, "shape entry");
	ASSERT_TRUE(text_of(out, e) == NULL, "shape entry: no text");
}

UNIT_TEST(compile_texts_hold_glob_text)
{
	struct policy_set set = {};

	add_policy(&set, glob_policy("/srv/*/data/**", RP_ACC_READ, RP_ACT_DENY));
	compile_and_check(unit_failed, &set, check_glob_text);
}

UNIT_TEST(compile_rejects_double_star_not_last)
{
	check_rejects(unit_failed, glob_policy("/a/**/b", RP_ACC_READ, RP_ACT_DENY), -EOPNOTSUPP,
		      "web.json: policy 'web': .file[0]: '**' must be the last component of "
		      "glob '/a/**/b'");
}

UNIT_TEST(compile_rejects_two_stars_in_one_component)
{
	check_rejects(unit_failed, glob_policy("/a/*b*", RP_ACC_READ, RP_ACT_DENY), -EOPNOTSUPP,
		      "web.json: policy 'web': .file[0]: at most one '*' per component in glob "
		      "'/a/*b*'");
}

/* "/c0/c1/.../c<n-1>" followed by tail. */
static void glob_of_comps(char *buf, size_t size, unsigned n, const char *tail)
{
	size_t len = 0;

	for (unsigned i = 0; i < n; i++)
		len += snprintf(buf + len, size - len, "/c%u", i);
	snprintf(buf + len, size - len, "%s", tail);
}

static void check_16_comps(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e = find_shape(out, 0, RP_CAT_FILE, 0);

	ASSERT_TRUE(e != NULL, "shape entry");
	ASSERT_EQ(e->value.glob.ncomp, 16, "16 components");
	ASSERT_EQ(e->value.glob.tree, 1, "then '**'");
	ASSERT_EQ(e->value.glob.kind[15], RP_GLOB_STAR, "16th component a star");
}

UNIT_TEST(compile_accepts_16_components_before_double_star)
{
	struct policy_set set = {};
	char glob[128];

	glob_of_comps(glob, sizeof(glob), 15, "/*/**");
	add_policy(&set, glob_policy(glob, RP_ACC_READ, RP_ACT_DENY));
	compile_and_check(unit_failed, &set, check_16_comps);
}

UNIT_TEST(compile_rejects_17_components_before_double_star)
{
	char glob[128], want[POLICY_ERROR_MAX];

	glob_of_comps(glob, sizeof(glob), 16, "/*/**");
	snprintf(want, sizeof(want), "web.json: policy 'web': .file[0]: glob '%s' has more than "
		 "16 components before '**'", glob);
	check_rejects(unit_failed, glob_policy(glob, RP_ACC_READ, RP_ACT_DENY), -E2BIG, want);
}

/* "/" then n 'a's then "*": a distinct affix shape for each n. */
static void affix_glob(char *buf, size_t size, unsigned n)
{
	memset(buf, 'a', n + 1);
	buf[0] = '/';
	snprintf(buf + n + 1, size - n - 1, "*");
}

static struct policy *policy_with_shapes(unsigned n)
{
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	char glob[32];

	add_cgroup(p, "/demo");
	for (unsigned i = 1; i <= n; i++) {
		affix_glob(glob, sizeof(glob), i);
		add_rule_match(p, POLICY_MATCH_GLOB, glob, RP_ACC_READ, RP_ACT_DENY);
	}
	return p;
}

static void check_16_shapes(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs = find_ruleset(out, 0), *e;

	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_FILE], 16, "16 file shapes");
	ASSERT_EQ(rs->value.glob_shapes[RP_CAT_EXEC], 1, "and an exec shape, counted apart");
	ASSERT_EQ(count_kind(out, RP_KEY_FILE_GLOB), 17, "17 file globs");
	ASSERT_EQ(count_kind(out, RP_KEY_GLOB_SHAPE), 17, "16 file shapes and 1 exec shape");
	e = find_shape(out, 0, RP_CAT_FILE, 15);
	ASSERT_TRUE(e != NULL, "file shape 15");
	ASSERT_EQ(e->value.glob.pre[0], 16, "file shape 15: prefix of 16 bytes");
}

UNIT_TEST(compile_accepts_16_distinct_shapes_per_category)
{
	struct policy_set set = {};
	struct policy *p = policy_with_shapes(16);

	add_rule_match(p, POLICY_MATCH_GLOB, "/b*", RP_ACC_READ, RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_GLOB, "/usr/bin/x*", RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_16_shapes);
}

UNIT_TEST(compile_rejects_17th_distinct_shape)
{
	char glob[32], want[POLICY_ERROR_MAX];

	affix_glob(glob, sizeof(glob), 17);
	snprintf(want, sizeof(want), "web.json: policy 'web': .file[16]: glob '%s' would be a "
		 "17th distinct glob shape for the same processes", glob);
	check_rejects(unit_failed, policy_with_shapes(17), -E2BIG, want);
}

UNIT_TEST(compile_rejects_glob_parent)
{
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_GLOB, "/usr/bin/*sh");
	check_rejects(unit_failed, p, -EOPNOTSUPP,
		      "web.json: policy 'web': .exec[0]: a 'parent' cannot be a glob in this "
		      "version ('/usr/bin/*sh'); use 'path' or 'dir'");
}

UNIT_TEST(compile_rejects_glob_exec_rule_with_parent)
{
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_GLOB, "/usr/bin/*", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_PATH, "/bin/sh");
	check_rejects(unit_failed, p, -EOPNOTSUPP,
		      "web.json: policy 'web': .exec[1]: a glob exec rule cannot have a 'parent' "
		      "in this version ('/usr/bin/*')");
}

/* "/x/" then pre 'p's, '*', suf 's's. */
static void long_affix_glob(char *buf, unsigned pre, unsigned suf)
{
	strcpy(buf, "/x/");
	memset(buf + 3, 'p', pre);
	buf[3 + pre] = '*';
	memset(buf + 4 + pre, 's', suf);
	buf[4 + pre + suf] = '\0';
}

static void check_255_affix(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e = find_shape(out, 0, RP_CAT_FILE, 0);

	ASSERT_TRUE(e != NULL, "shape entry");
	ASSERT_EQ(e->value.glob.kind[1], RP_GLOB_AFFIX, "affix");
	ASSERT_EQ(e->value.glob.pre[1], 255, "255 bytes before '*'");
	ASSERT_EQ(e->value.glob.suf[1], 255, "255 bytes after '*'");
}

UNIT_TEST(compile_accepts_255_bytes_around_a_star)
{
	struct policy_set set = {};
	char glob[600];

	long_affix_glob(glob, 255, 255);
	add_policy(&set, glob_policy(glob, RP_ACC_READ, RP_ACT_DENY));
	compile_and_check(unit_failed, &set, check_255_affix);
}

UNIT_TEST(compile_rejects_256_bytes_before_a_star)
{
	char glob[600], want[POLICY_ERROR_MAX];

	long_affix_glob(glob, 256, 0);
	snprintf(want, sizeof(want), "web.json: policy 'web': .file[0]: a glob component of '%s' "
		 "has more than 255 bytes around its '*'", glob);
	check_rejects(unit_failed, glob_policy(glob, RP_ACC_READ, RP_ACT_DENY), -E2BIG, want);
}

UNIT_TEST(compile_rejects_256_bytes_after_a_star)
{
	char glob[600], want[POLICY_ERROR_MAX];

	long_affix_glob(glob, 0, 256);
	snprintf(want, sizeof(want), "web.json: policy 'web': .file[0]: a glob component of '%s' "
		 "has more than 255 bytes around its '*'", glob);
	check_rejects(unit_failed, glob_policy(glob, RP_ACC_READ, RP_ACT_DENY), -E2BIG, want);
}

static void check_exact_exec(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *e;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(out->n_rules, 4, "defaults.file, defaults.exec, file[0], exec[0]");
	ASSERT_STREQ(compiled_rule(out, 3)->label, "exec[0]", "rule 3 label");
	ASSERT_EQ(out->n_entries, 4, "subject, ruleset, file path, exec path");
	e = find_text(out, RP_KEY_EXEC_PATH, 0, "/usr/bin/curl");
	ASSERT_TRUE(e != NULL, "exec path entry, parent class 0");
	ASSERT_TRUE(find_path(out, 0, "/usr/bin/curl") == NULL, "not a file path entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNND", "deny the exec access only");
	ASSERT_EQ(e->value.id[5], 3, "decided by exec[0]");
	ASSERT_TRUE(find_path(out, 0, "/etc/shadow") != NULL, "file rule kept");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.shape_flags,
		  RP_SHAPE_FILE_PATHS | RP_SHAPE_EXEC_RULES | RP_SHAPE_EXEC_PATHS |
		  RP_SHAPE_FILE_DENIES | RP_SHAPE_EXEC_DENIES,
		  "file paths, exec rules, exec paths, file and exec denies");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_ALLOW, "exec default allow");
	ASSERT_EQ(rs->value.exec_id, 1, "exec default from defaults.exec");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_EXEC] | rs->value.tree_depths[RP_CAT_EXEC], 0,
		  "no exec depth");
}

UNIT_TEST(compile_exact_exec_rule_yields_exec_path_entry)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_exact_exec);
}

static void check_exec_tree(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *tree, *dir;
	char acts[RP_ACC_BITS + 1];

	tree = find_text(out, RP_KEY_EXEC_TREE, 0, "/usr/local");
	ASSERT_TRUE(tree != NULL, "exec tree entry");
	ASSERT_STREQ(actions_str(&tree->value, acts), "NNNNND", "deny exec below /usr/local");
	ASSERT_EQ(tree->value.id[5], 2, "decided by exec[0]");
	dir = find_text(out, RP_KEY_EXEC_DIR, 0, "/tmp");
	ASSERT_TRUE(dir != NULL, "exec dir entry");
	ASSERT_STREQ(actions_str(&dir->value, acts), "NNNNNA", "audit exec in /tmp");
	ASSERT_EQ(dir->value.id[5], 3, "decided by exec[1]");
	ASSERT_EQ(count_kind(out, RP_KEY_FILE_TREE) + count_kind(out, RP_KEY_FILE_DIR), 0,
		  "no file entries");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_EXEC], 1u << 2, "exec tree depth 2");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_EXEC], 1u << 1, "exec dir depth 1");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_FILE] | rs->value.dir_depths[RP_CAT_FILE], 0,
		  "no file depth");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_EXEC_RULES | RP_SHAPE_EXEC_DENIES,
		  "exec rules and a deny, no exact exec path");
}

UNIT_TEST(compile_exec_tree_and_dir_rules_yield_exec_entries_and_depth_bits)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_TREE, "/usr/local", RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_DIR, "/tmp", RP_ACT_AUDIT);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_exec_tree);
}

static void check_exec_default_deny(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs = find_ruleset(out, 0);
	char acts[RP_ACC_BITS + 1];

	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_DENY, "exec default deny");
	ASSERT_EQ(rs->value.exec_id, 1, "exec_id names defaults.exec");
	ASSERT_STREQ(compiled_rule(out, rs->value.exec_id)->label, "defaults.exec", "label");
	ASSERT_TRUE(rs->value.shape_flags & RP_SHAPE_EXEC_RULES,
		    "exec lookups needed without any exec rule");
	ASSERT_EQ(count_kind(out, RP_KEY_EXEC_PATH), 0, "no exec entry");
	ASSERT_STREQ(actions_str(&rs->value, acts), "LLLLLL", "file default unchanged");
	ASSERT_EQ(rs->value.id[0], 0, "file default from defaults.file");
}

UNIT_TEST(compile_exec_default_deny_sets_exec_action_id_and_shape)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	p->default_exec = RP_ACT_DENY;
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_exec_default_deny);
}

static void check_exec_default_allow(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs = find_ruleset(out, 0);

	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_ALLOW, "exec default allow");
	ASSERT_EQ(rs->value.exec_id, 1, "exec_id names defaults.exec");
	ASSERT_TRUE(!(rs->value.shape_flags & RP_SHAPE_EXEC_RULES), "no exec lookups needed");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_FILE_PATHS | RP_SHAPE_FILE_DENIES,
		  "only exact file paths and file denies");
}

UNIT_TEST(compile_exec_default_allow_without_exec_rules_leaves_exec_shape_clear)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_DENY);

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_exec_default_allow);
}

static void check_fileless(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *e;
	char acts[RP_ACC_BITS + 1];

	ASSERT_EQ(count_kind(out, RP_KEY_EXEC_FILELESS), 1, "one fileless entry");
	e = find_entry(out, RP_KEY_EXEC_FILELESS, 0, 0);
	ASSERT_TRUE(e != NULL, "fileless entry with hash 0");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNND", "deny exec");
	ASSERT_EQ(e->value.id[5], 2, "decided by exec[0]");
	ASSERT_TRUE(text_of(out, e) == NULL, "no text for a fileless entry");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_EXEC_RULES | RP_SHAPE_FILELESS |
		  RP_SHAPE_EXEC_DENIES, "exec rules, fileless and a deny, no exec paths");
}

UNIT_TEST(compile_fileless_rule_yields_fileless_entry_with_hash_zero)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_FILELESS, NULL, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_fileless);
}

static void check_parent_classes(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *e;
	char acts[RP_ACC_BITS + 1];

	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 1), 0, "/usr/bin/curl");
	ASSERT_TRUE(e != NULL, "curl under bash: class 1");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNND", "curl under bash: deny");
	ASSERT_EQ(e->value.id[5], 2, "curl under bash: exec[0]");
	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 1), 0, "/usr/bin/wget");
	ASSERT_TRUE(e != NULL, "wget under bash: same parent, same class 1");
	ASSERT_EQ(e->value.id[5], 3, "wget under bash: exec[1]");
	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 2), 0, "/usr/bin/nc");
	ASSERT_TRUE(e != NULL, "nc under python3: class 2");
	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 2), 0, "/usr/bin/curl");
	ASSERT_TRUE(e != NULL, "curl under python3: class 2, its own entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNNL", "curl under python3: allow");
	ASSERT_EQ(e->value.id[5], 5, "curl under python3: exec[3]");
	e = find_text(out, RP_KEY_EXEC_PATH, 0, "/usr/bin/ssh");
	ASSERT_TRUE(e != NULL, "ssh without parent: class 0");
	ASSERT_EQ(e->value.id[5], 6, "ssh: exec[4]");
	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 3), 0, "/usr/bin/nc");
	ASSERT_TRUE(e != NULL, "nc under dir /usr/bin/bash: other match, class 3");
	ASSERT_EQ(count_kind(out, RP_KEY_EXEC_PATH), 1, "one class-0 exec entry");

	e = find_text(out, RP_KEY_PARENT_PATH, 0, "/usr/bin/bash");
	ASSERT_TRUE(e != NULL, "parent entry for bash, class 0 in its kind");
	ASSERT_EQ(e->value.id[0], 1u << 1, "bash: class 1 bit");
	ASSERT_EQ(e->value.actions, 0, "parent entry decides nothing");
	e = find_text(out, RP_KEY_PARENT_PATH, 0, "/usr/bin/python3");
	ASSERT_TRUE(e != NULL, "parent entry for python3");
	ASSERT_EQ(e->value.id[0], 1u << 2, "python3: class 2 bit");
	e = find_text(out, RP_KEY_PARENT_DIR, 0, "/usr/bin/bash");
	ASSERT_TRUE(e != NULL, "parent dir entry for /usr/bin/bash");
	ASSERT_EQ(e->value.id[0], 1u << 3, "dir /usr/bin/bash: class 3 bit");
	ASSERT_EQ(count_kind(out, RP_KEY_PARENT_PATH), 2, "one parent entry per exact parent");

	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_EXEC_RULES | RP_SHAPE_EXEC_PATHS |
		  RP_SHAPE_PARENTS | RP_SHAPE_PARENT_PATHS | RP_SHAPE_EXEC_DENIES,
		  "exec and parent shape");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_PARENT], 1u << 3, "parent dir depth 3");
}

UNIT_TEST(compile_parent_classes_are_shared_by_equal_parents)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_PATH, "/usr/bin/bash");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/wget", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_PATH, "/usr/bin/bash");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/nc", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_PATH, "/usr/bin/python3");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_ALLOW);
	set_parent(p, POLICY_MATCH_PATH, "/usr/bin/python3");
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/ssh", RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/nc", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_DIR, "/usr/bin/bash");
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_parent_classes);
}

static void check_parent_depths(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *e;

	e = find_text(out, RP_KEY_PARENT_DIR, 0, "/opt/app");
	ASSERT_TRUE(e != NULL, "parent dir entry");
	ASSERT_EQ(e->value.id[0], 1u << 1, "dir parent: class 1");
	e = find_text(out, RP_KEY_PARENT_TREE, 0, "/usr");
	ASSERT_TRUE(e != NULL, "parent tree entry");
	ASSERT_EQ(e->value.id[0], 1u << 2, "tree parent: class 2");
	ASSERT_TRUE(find_text(out, RP_KEY_KIND(RP_KEY_EXEC_FILELESS, 2), 0, NULL) != NULL,
		    "fileless rule under the tree parent: class 2");
	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_PARENT], 1u << 2, "parent dir depth 2");
	ASSERT_EQ(rs->value.tree_depths[RP_CAT_PARENT], 1u << 1, "parent tree depth 1");
	ASSERT_EQ(rs->value.dir_depths[RP_CAT_EXEC] | rs->value.tree_depths[RP_CAT_EXEC], 0,
		  "no exec depth");
	ASSERT_EQ(rs->value.shape_flags, RP_SHAPE_EXEC_RULES | RP_SHAPE_EXEC_PATHS |
		  RP_SHAPE_FILELESS | RP_SHAPE_PARENTS | RP_SHAPE_EXEC_DENIES, "no exact parent");
}

UNIT_TEST(compile_parent_dir_and_tree_set_parent_depth_bits)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_exec_rule(p, POLICY_MATCH_PATH, "/bin/sh", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_DIR, "/opt/app");
	add_exec_rule(p, POLICY_MATCH_FILELESS, NULL, RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_TREE, "/usr");
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_parent_depths);
}

/* One exec rule per distinct parent "/p0", "/p1", ... */
static struct policy *policy_with_parents(unsigned n)
{
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	char parent[32];

	add_cgroup(p, "/demo");
	for (unsigned i = 0; i < n; i++) {
		snprintf(parent, sizeof(parent), "/p%u", i);
		add_exec_rule(p, POLICY_MATCH_PATH, "/bin/x", RP_ACT_DENY);
		set_parent(p, POLICY_MATCH_PATH, parent);
	}
	return p;
}

static void check_31_parents(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e;

	ASSERT_EQ(count_kind(out, RP_KEY_PARENT_PATH), 31, "31 parent entries");
	e = find_text(out, RP_KEY_PARENT_PATH, 0, "/p30");
	ASSERT_TRUE(e != NULL, "last parent entry");
	ASSERT_EQ(e->value.id[0], 1u << 31, "last parent: class 31");
	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 31), 0, "/bin/x");
	ASSERT_TRUE(e != NULL, "rule under the last parent: class 31");
	ASSERT_EQ(e->value.id[5], 2 + 30, "decided by exec[30]");
}

UNIT_TEST(compile_accepts_31_distinct_parents)
{
	struct policy_set set = {};

	add_policy(&set, policy_with_parents(31));
	compile_and_check(unit_failed, &set, check_31_parents);
}

UNIT_TEST(compile_rejects_32_distinct_parents)
{
	struct policy_set set = {};
	struct policy_error err;
	bool untouched;

	add_policy(&set, policy_with_parents(32));
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -E2BIG, "compile_set fails with -E2BIG");
	ASSERT_CONTAINS(err.msg, "web.json: policy 'web': .exec[31]: more than 31 distinct "
			"'parent' patterns", "error names the 32nd parent's rule");
	ASSERT_TRUE(untouched, "output untouched");
}

static void check_audit_exec(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *rs, *e;
	char acts[RP_ACC_BITS + 1];

	rs = find_ruleset(out, 0);
	ASSERT_TRUE(rs != NULL, "ruleset entry");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_AUDIT, "exec default deny becomes audit");
	ASSERT_EQ(rs->value.exec_id, 1, "exec_id names defaults.exec");
	ASSERT_TRUE(rs->value.shape_flags & RP_SHAPE_EXEC_RULES, "exec lookups needed");
	e = find_text(out, RP_KEY_EXEC_PATH, 0, "/usr/bin/curl");
	ASSERT_TRUE(e != NULL, "curl entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNNA", "exec deny rule becomes audit");
	e = find_text(out, RP_KEY_EXEC_PATH, 0, "/usr/bin/ls");
	ASSERT_TRUE(e != NULL, "ls entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNNL", "exec allow rule stays allow");
	e = find_entry(out, RP_KEY_EXEC_FILELESS, 0, 0);
	ASSERT_TRUE(e != NULL, "fileless entry");
	ASSERT_STREQ(actions_str(&e->value, acts), "NNNNNA", "fileless deny becomes audit");
	ASSERT_TRUE(compiled_rule(out, 3)->audit_mode, "exec[1] in audit mode");
}

UNIT_TEST(compile_audit_mode_turns_exec_deny_into_audit)
{
	struct policy_set set = {};
	struct policy *p = new_policy("trial", true, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	p->default_exec = RP_ACT_DENY;
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/ls", RP_ACT_ALLOW);
	add_exec_rule(p, POLICY_MATCH_FILELESS, NULL, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_audit_exec);
}

static void check_exec_defaults(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *s, *rs;

	ASSERT_EQ(out->n_rulesets, 3, "three rulesets");
	s = find_subject(out, 100);
	ASSERT_TRUE(s != NULL, "subject /a");
	rs = find_ruleset(out, (__u16)s->value.id[0]);
	ASSERT_TRUE(rs != NULL, "/a ruleset");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_ALLOW, "/a: first's allow");
	ASSERT_EQ(rs->value.exec_id, 1, "/a: first's defaults.exec");
	ASSERT_TRUE(!(rs->value.shape_flags & RP_SHAPE_EXEC_RULES), "/a: no exec lookups");

	s = find_subject(out, 300);
	ASSERT_TRUE(s != NULL, "subject /other");
	rs = find_ruleset(out, (__u16)s->value.id[0]);
	ASSERT_TRUE(rs != NULL, "/other ruleset");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_AUDIT, "/other: trial's audit beats allow");
	ASSERT_EQ(rs->value.exec_id, 3, "/other: trial's defaults.exec");
	ASSERT_TRUE(rs->value.shape_flags & RP_SHAPE_EXEC_RULES, "/other: exec lookups");

	s = find_subject(out, 200);
	ASSERT_TRUE(s != NULL, "subject /a/b");
	rs = find_ruleset(out, (__u16)s->value.id[0]);
	ASSERT_TRUE(rs != NULL, "/a/b ruleset");
	ASSERT_EQ(rs->value.exec_action, RP_ACT_DENY, "/a/b: inner's deny beats audit");
	ASSERT_EQ(rs->value.exec_id, 5, "/a/b: inner's, not the equal late's, defaults.exec");
	ASSERT_STREQ(compiled_rule(out, 5)->policy, "inner", "rule 5 policy");
	ASSERT_STREQ(compiled_rule(out, 5)->label, "defaults.exec", "rule 5 label");
	ASSERT_TRUE(rs->value.shape_flags & RP_SHAPE_EXEC_RULES, "/a/b: exec lookups");
}

UNIT_TEST(compile_exec_defaults_of_policies_combine_to_strictest)
{
	struct policy_set set = {};
	struct policy *first = new_policy("first", false, RP_ACT_ALLOW);
	struct policy *trial = new_policy("trial", true, RP_ACT_ALLOW);
	struct policy *inner = new_policy("inner", false, RP_ACT_ALLOW);
	struct policy *late = new_policy("late", false, RP_ACT_ALLOW);

	add_cgroup(first, "/a");	/* rule ids 0, 1 */
	add_cgroup(first, "/other");
	add_cgroup(trial, "/a/b");	/* rule ids 2, 3 */
	add_cgroup(trial, "/other");
	trial->default_exec = RP_ACT_DENY;
	add_cgroup(inner, "/a/b");	/* rule ids 4, 5 */
	inner->default_exec = RP_ACT_DENY;
	/* As strict as inner: the first policy to decide keeps it, as for file defaults. */
	add_cgroup(late, "/a/b");	/* rule ids 6, 7 */
	late->default_exec = RP_ACT_DENY;
	add_policy(&set, first);
	add_policy(&set, trial);
	add_policy(&set, inner);
	add_policy(&set, late);
	compile_and_check(unit_failed, &set, check_exec_defaults);
}

static void check_texts(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *e;

	ASSERT_TRUE(out->texts != NULL, "texts allocated");
	e = find_subject(out, 42);
	ASSERT_TRUE(e != NULL, "subject /demo");
	ASSERT_STREQ(text_of(out, e), "/demo", "subject: its cgroup path");
	e = find_subject(out, 300);
	ASSERT_TRUE(e != NULL, "subject /other");
	ASSERT_STREQ(text_of(out, e), "/other", "subject: its cgroup path");
	e = find_ruleset(out, 0);
	ASSERT_TRUE(e != NULL, "ruleset");
	ASSERT_TRUE(text_of(out, e) == NULL, "ruleset: no text");
	e = find_path(out, 0, "/etc/shadow");
	ASSERT_TRUE(e != NULL, "file path entry");
	ASSERT_STREQ(text_of(out, e), "/etc/shadow", "file path: the path");
	e = find_text(out, RP_KEY_FILE_TREE, 0, "/var/log");
	ASSERT_TRUE(e != NULL, "file tree entry");
	ASSERT_STREQ(text_of(out, e), "/var/log", "file tree: the directory");
	e = find_text(out, RP_KEY_KIND(RP_KEY_EXEC_PATH, 1), 0, "/usr/bin/curl");
	ASSERT_TRUE(e != NULL, "exec entry");
	ASSERT_STREQ(text_of(out, e), "/usr/bin/curl", "exec: the path");
	e = find_text(out, RP_KEY_PARENT_PATH, 0, "/bin/sh");
	ASSERT_TRUE(e != NULL, "parent entry");
	ASSERT_STREQ(text_of(out, e), "/bin/sh", "parent: the path");
	e = find_entry(out, RP_KEY_EXEC_FILELESS, 0, 0);
	ASSERT_TRUE(e != NULL, "fileless entry");
	ASSERT_TRUE(text_of(out, e) == NULL, "fileless: no text");
	for (size_t i = 0; i < out->n_entries; i++)
		if (out->texts[i])
			ASSERT_TRUE(out->texts[i][0] == '/', "every text is an absolute path");
}

UNIT_TEST(compile_texts_hold_rule_paths_and_subject_cgroups)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_cgroup(p, "/other");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_TREE, "/var/log", RP_ACC_WRITE, RP_ACT_DENY);
	add_exec_rule(p, POLICY_MATCH_PATH, "/usr/bin/curl", RP_ACT_DENY);
	set_parent(p, POLICY_MATCH_PATH, "/bin/sh");
	add_exec_rule(p, POLICY_MATCH_FILELESS, NULL, RP_ACT_DENY);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_texts);
}

static void check_same_string(int *unit_failed, const struct compiled_set *out)
{
	const struct compile_entry *path, *dir, *tree;
	char acts[RP_ACC_BITS + 1];

	path = find_text(out, RP_KEY_FILE_PATH, 0, "/etc");
	dir = find_text(out, RP_KEY_FILE_DIR, 0, "/etc");
	tree = find_text(out, RP_KEY_FILE_TREE, 0, "/etc");
	ASSERT_TRUE(path != NULL && dir != NULL && tree != NULL, "path, dir and tree entries");
	ASSERT_TRUE(path != dir && dir != tree && path != tree, "three separate entries");
	ASSERT_EQ(path->key.hash, dir->key.hash, "same hash, told apart by kind");
	ASSERT_EQ(out->n_entries, 5, "subject, ruleset and the three entries");
	ASSERT_STREQ(actions_str(&path->value, acts), "DNNNNN", "path: deny read");
	ASSERT_EQ(path->value.id[0], 2, "path: file[0]");
	ASSERT_STREQ(actions_str(&dir->value, acts), "LNNNNN", "dir: allow read, not merged");
	ASSERT_EQ(dir->value.id[0], 3, "dir: file[1]");
	ASSERT_STREQ(actions_str(&tree->value, acts), "NANNNN", "tree: audit write");
	ASSERT_EQ(tree->value.id[1], 4, "tree: file[2]");
}

UNIT_TEST(compile_path_and_dir_rules_on_same_string_are_separate_entries)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	add_rule(p, "/etc", RP_ACC_READ, RP_ACT_DENY);
	add_rule_match(p, POLICY_MATCH_DIR, "/etc", RP_ACC_READ, RP_ACT_ALLOW);
	add_rule_match(p, POLICY_MATCH_TREE, "/etc", RP_ACC_WRITE, RP_ACT_AUDIT);
	add_policy(&set, p);
	compile_and_check(unit_failed, &set, check_same_string);
}

UNIT_TEST(compiled_set_free_is_safe_on_zeroed_set)
{
	struct compiled_set c;

	memset(&c, 0, sizeof(c));
	compiled_set_free(&c);
	compiled_set_free(&c);
	compiled_set_free(NULL);
	ASSERT_EQ(c.n_entries + c.n_rules + c.n_rulesets + c.n_subjects, 0, "still zeroed");
	ASSERT_TRUE(compiled_rule(&c, 0) == NULL, "no rule in an empty set");
	ASSERT_TRUE(compiled_rule(NULL, 0) == NULL, "no set");
}

UNIT_TEST(compiled_set_free_resets_a_compiled_set)
{
	struct policy_set set = {};
	struct compiled_set out;
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	int ret;

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	ret = compile(&set, &out, &err);
	policy_set_free(&set);
	compiled_set_free(&out);
	ASSERT_OK(ret, "compile_set");
	ASSERT_TRUE(out.entries == NULL && out.rules == NULL, "pointers cleared");
	ASSERT_EQ(out.n_entries + out.n_rules + out.n_rulesets + out.n_subjects, 0,
		  "counts zeroed");
}

/* ---- containers bound by rampart oci-hook ------------------------------------------- */

static void add_container_sel(struct policy *p, const char *ns, const char *name)
{
	p->containers = realloc(p->containers, (p->n_containers + 1) * sizeof(*p->containers));
	p->containers[p->n_containers++] = (struct policy_container_sel){
		.ns = ns ? strdup(ns) : NULL, .container = name ? strdup(name) : NULL };
}

static const struct compile_binding test_bindings[] = {
	{ "/pods/p1", { "c1", "prod", "web-0", "web", "nginx:1" } },
	{ "/pods/p2", { "c2", "dev", "web-0", "web", "nginx:1" } },	/* app: wrong namespace */
	{ "/pods/q3", { "c3", "prod", "db-0", "db", "pg:16" } },	/* app: wrong container */
	{ "/gone", { "c4", "prod", "web-1", "web", "nginx:1" } },	/* container gone */
};

UNIT_TEST(compile_bound_containers_become_subjects_of_matching_policies)
{
	struct compile_cgroups cgs = fake_cgroups;
	struct policy_set set = {};
	struct policy *app = new_policy("app", false, RP_ACT_ALLOW);
	struct policy *pods = new_policy("pods", false, RP_ACT_ALLOW);
	const struct compile_entry *p1, *sub, *top, *e;
	struct compiled_set out = {};
	struct policy_error err;
	char acts[RP_ACC_BITS + 1];
	int ret;

	add_container_sel(app, "prod", "web");
	add_container_sel(app, "stag*", NULL);
	add_rule(app, "/bin/sh", RP_ACC_READ, RP_ACT_DENY);
	add_cgroup(pods, "/pods");
	add_cgroup(pods, "/pods/p1/c");
	add_rule(pods, "/x", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, app);
	add_policy(&set, pods);
	cgs.bindings = test_bindings;
	cgs.n_bindings = sizeof(test_bindings) / sizeof(test_bindings[0]);
	ret = compile_set(&set, &test_key, &cgs, &out, &err);
	policy_set_free(&set);
	if (ret)
		UNIT_FAIL("compile_set", "returned %d: %s", ret, err.msg);
	p1 = find_subject(&out, 401);
	sub = find_subject(&out, 404);
	top = find_subject(&out, 400);
	ASSERT_EQ(out.n_subjects, 3, "/pods, /pods/p1/c and the bound /pods/p1; p2, q3 not "
		  "selected by app, /gone skipped");
	ASSERT_TRUE(find_subject(&out, 402) == NULL, "p2 (namespace dev) is no subject");
	ASSERT_TRUE(find_subject(&out, 403) == NULL, "q3 (container db) is no subject");
	ASSERT_TRUE(p1 && sub && top, "subjects for /pods, /pods/p1 and /pods/p1/c");
	if (!p1 || !sub || !top)
		goto out;
	ASSERT_TRUE(p1->value.id[0] == sub->value.id[0], "p1/c, under the bound p1, shares its "
		    "ruleset (app + pods)");
	ASSERT_TRUE(p1->value.id[0] != top->value.id[0], "/pods has pods only");
	e = find_path(&out, (__u16)p1->value.id[0], "/bin/sh");
	ASSERT_STREQ(e ? actions_str(&e->value, acts) : "", "DNNNNN", "app's rule in p1");
	e = find_path(&out, (__u16)p1->value.id[0], "/x");
	ASSERT_STREQ(e ? actions_str(&e->value, acts) : "", "DNNNNN", "pods' rule in p1");
	ASSERT_TRUE(find_path(&out, (__u16)top->value.id[0], "/bin/sh") == NULL,
		    "app's rule not in /pods' ruleset");
out:
	compiled_set_free(&out);
}

UNIT_TEST(compile_bindings_without_container_policies_add_nothing)
{
	struct compile_cgroups cgs = fake_cgroups;
	struct policy_set set = {};
	struct policy *pods = new_policy("pods", false, RP_ACT_ALLOW);
	struct compiled_set out = {};
	struct policy_error err;
	int ret;

	add_cgroup(pods, "/other");
	add_rule(pods, "/x", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, pods);
	cgs.bindings = test_bindings;
	cgs.n_bindings = sizeof(test_bindings) / sizeof(test_bindings[0]);
	ret = compile_set(&set, &test_key, &cgs, &out, &err);
	policy_set_free(&set);
	if (ret)
		UNIT_FAIL("compile_set", "returned %d: %s", ret, err.msg);
	ASSERT_EQ(out.n_subjects, 1, "only /other");
	ASSERT_TRUE(find_subject(&out, 401) == NULL, "bound p1 is no subject of its own");
	compiled_set_free(&out);
}
