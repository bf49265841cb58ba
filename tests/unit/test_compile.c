// SPDX-License-Identifier: GPL-2.0
/*
 * compile_set(): the decision map entries and the rule table a hand-built policy set
 * compiles to, how rules and defaults of several policies combine, and the errors.
 * Policies are built with calloc/strdup and freed with policy_set_free().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
};

static int resolve_calls;

static int fake_resolve(void *ctx, const char *path, __u64 *ret_id)
{
	const struct cgroup_id *t = ctx;

	resolve_calls++;
	for (size_t i = 0; i < sizeof(cgroup_table) / sizeof(cgroup_table[0]); i++)
		if (strcmp(t[i].path, path) == 0) {
			*ret_id = t[i].id;
			return 0;
		}
	return -ENOENT;
}

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
	return compile_set(set, &test_key, fake_resolve, (void *)cgroup_table, out, err);
}

static size_t count_kind(const struct compiled_set *c, enum rp_key_kind kind)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_entries; i++)
		n += c->entries[i].key.kind == kind;
	return n;
}

static const struct compile_entry *find_entry(const struct compiled_set *c,
					      enum rp_key_kind kind, __u16 ruleset, __u64 hash)
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
	ASSERT_EQ(out->n_rules, 2, "defaults.file and file[0]");

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
		ASSERT_EQ(file->value.id[bit], (denied >> bit) & 1 ? 1 : 0, "rule id per access");

	ASSERT_STREQ(compiled_rule(out, 0)->policy, "web", "rule 0 policy");
	ASSERT_STREQ(compiled_rule(out, 0)->label, "defaults.file", "rule 0 label");
	ASSERT_TRUE(!compiled_rule(out, 0)->audit_mode, "rule 0 enforce mode");
	ASSERT_STREQ(compiled_rule(out, 1)->policy, "web", "rule 1 policy");
	ASSERT_STREQ(compiled_rule(out, 1)->label, "file[0]", "rule 1 label");
	ASSERT_TRUE(compiled_rule(out, 2) == NULL, "rule 2 out of range");
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
	ASSERT_EQ(file->value.id[0], 2, "read decided by file[1]");
	ASSERT_EQ(file->value.id[1], 1, "write decided by file[0], not the equal file[2]");
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
	ASSERT_EQ(up->value.id[0], 3, "/up read: the deny rule");
	ASSERT_EQ(up->value.id[1], 2, "/up write: the audit rule");
	ASSERT_EQ(up->value.id[2], 1, "/up append: the allow rule");
	ASSERT_STREQ(actions_str(&down->value, acts), "NNNDLA", "/down actions");
	ASSERT_EQ(down->value.id[3], 5, "/down create: the deny rule");
	ASSERT_EQ(down->value.id[4], 7, "/down truncate: the allow rule");
	ASSERT_EQ(down->value.id[5], 6, "/down exec: the audit rule");
}

UNIT_TEST(compile_deny_beats_audit_beats_allow)
{
	struct policy_set set = {};
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);

	add_cgroup(p, "/demo");
	/* Increasing strictness: file[0..3], ids 1..4. */
	add_rule(p, "/up", RP_ACC_READ | RP_ACC_WRITE | RP_ACC_APPEND, RP_ACT_ALLOW);
	add_rule(p, "/up", RP_ACC_READ | RP_ACC_WRITE, RP_ACT_AUDIT);
	add_rule(p, "/up", RP_ACC_READ, RP_ACT_DENY);
	add_rule(p, "/up", RP_ACC_READ | RP_ACC_WRITE, RP_ACT_ALLOW);
	/* Decreasing strictness: file[4..6], ids 5..7. */
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
	ASSERT_TRUE(compiled_rule(out, 1)->audit_mode, "file[0] in audit mode");
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
	ASSERT_EQ(out->n_rules, 4, "two rules per policy");
	ASSERT_EQ(out->n_entries, 7, "2 subjects, 2 rulesets, 3 path entries");
	ASSERT_STREQ(compiled_rule(out, 2)->policy, "inner", "rule 2 policy");
	ASSERT_STREQ(compiled_rule(out, 2)->label, "defaults.file", "rule 2 label");
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
	ASSERT_EQ(e->value.id[5], 2, "/a/b default from inner's defaults.file");
	e = find_path(out, rb, "/etc/p1");
	ASSERT_TRUE(e != NULL, "/a/b holds outer's rule");
	ASSERT_STREQ(actions_str(&e->value, acts), "DNNNNN", "/a/b: deny read /etc/p1");
	ASSERT_EQ(e->value.id[0], 1, "/a/b /etc/p1 rule id");
	e = find_path(out, rb, "/etc/p2");
	ASSERT_TRUE(e != NULL, "/a/b holds inner's rule");
	ASSERT_STREQ(actions_str(&e->value, acts), "LNNNNN", "/a/b: allow read /etc/p2");
	ASSERT_EQ(e->value.id[0], 3, "/a/b /etc/p2 rule id");
}

UNIT_TEST(compile_nested_cgroups_get_combined_ruleset)
{
	struct policy_set set = {};
	struct policy *outer = new_policy("outer", false, RP_ACT_ALLOW);
	struct policy *inner = new_policy("inner", false, RP_ACT_DENY);

	add_cgroup(outer, "/a");
	add_rule(outer, "/etc/p1", RP_ACC_READ, RP_ACT_DENY);	/* rule id 1 */
	add_cgroup(inner, "/a/b");
	add_rule(inner, "/etc/p2", RP_ACC_READ, RP_ACT_ALLOW);	/* rule id 3 */
	add_policy(&set, outer);
	add_policy(&set, inner);
	compile_and_check(unit_failed, &set, check_nested);
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
	ASSERT_EQ(e->value.id[0], 3, "read decided by two's file[0]");
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

UNIT_TEST(compile_rejects_dir_rule_naming_the_rule)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	bool untouched;

	add_cgroup(p, "/demo");
	add_rule_match(p, POLICY_MATCH_DIR, "/etc", RP_ACC_READ, RP_ACT_DENY);
	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -EOPNOTSUPP,
		  "compile_set fails with -EOPNOTSUPP");
	ASSERT_CONTAINS(err.msg, ".file[0]", "error names the rule");
	ASSERT_STREQ(err.msg, "web.json: policy 'web': .file[0]: only exact 'path' rules are "
		     "enforced by this version", "error text");
	ASSERT_TRUE(untouched, "output untouched");
}

UNIT_TEST(compile_rejects_exec_rules)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	bool untouched;

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	p->exec = calloc(1, sizeof(*p->exec));
	p->exec[0].object.match = POLICY_MATCH_PATH;
	p->exec[0].object.text = strdup("/usr/bin/curl");
	p->exec[0].action = RP_ACT_DENY;
	p->n_exec = 1;
	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -EOPNOTSUPP,
		  "compile_set fails with -EOPNOTSUPP");
	ASSERT_CONTAINS(err.msg, "web.json: policy 'web': exec rules", "error text");
	ASSERT_TRUE(untouched, "output untouched");
}

UNIT_TEST(compile_rejects_exec_default_deny)
{
	struct policy_set set = {};
	struct policy_error err;
	struct policy *p = new_policy("web", false, RP_ACT_ALLOW);
	bool untouched;

	add_cgroup(p, "/demo");
	add_rule(p, "/etc/shadow", RP_ACC_READ, RP_ACT_DENY);
	p->default_exec = RP_ACT_DENY;
	add_policy(&set, p);
	ASSERT_EQ(compile_failing(&set, &err, &untouched), -EOPNOTSUPP,
		  "compile_set fails with -EOPNOTSUPP");
	ASSERT_CONTAINS(err.msg, "exec default of deny", "error text");
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
