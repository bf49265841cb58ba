// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "compile.h"
#include "strbuf.h"

#define COMPILE_RULESETS_MAX 65535
#define PATH_MAX_WHERE 512	/* "file.json: policy 'name': .exec[12]" */

/* An open-addressing table from (ruleset, kind, path hash) to an entry, with the path
 * kept to tell a real 64-bit collision between two different rule paths from a duplicate. */
struct path_slot {
	__u64 hash;
	const char *path;
	size_t entry;
	__u16 ruleset;
	__u16 kind;
	bool used;
};

/* The distinct glob shapes of the ruleset being compiled, per category (file, exec). */
struct glob_shapes {
	struct rp_glob_shape shape[2][RP_GLOB_SHAPES_MAX];
	unsigned n[2];
};

struct compile_ctx {
	const struct policy_set *set;
	const struct rp_hash_key *hkey;
	struct compiled_set *out;
	size_t cap_entries;
	size_t cap_rules;
	struct path_slot *slots;
	size_t n_slots;		/* a power of two, kept at least twice n_used */
	size_t n_used;
	struct policy_error *err;
	__u32 *default_file_id;	/* per policy: rule id of its defaults.file */
	__u32 *default_exec_id;	/* per policy: rule id of its defaults.exec */
	__u32 *first_file_id;	/* per policy: rule id of its file[0] */
	__u32 *first_exec_id;	/* per policy: rule id of its exec[0] */
	__u32 *default_net_id;	/* per policy: rule id of its defaults.network */
	__u32 *first_net_id;	/* per policy: rule id of its network[0] */
	struct glob_shapes globs;	/* of the ruleset being compiled */
	size_t cap_net;
};

/* The distinct parent patterns of one ruleset's exec rules: class c is parents[c - 1]. */
struct parent_classes {
	const struct policy_pattern *parents[RP_PARENT_CLASSES_MAX];
	unsigned n;
};

/* "file[12]": a rule's place in its policy, for labels and messages. */
static void compile_put_index(struct strbuf *b, const char *list, size_t i)
{
	strbuf_puts(b, list);
	strbuf_puts(b, "[");
	strbuf_putu(b, i);
	strbuf_puts(b, "]");
}

/* "file.json: policy 'name': .file[12]", naming a rule in error messages. */
static const char *compile_where(char where[PATH_MAX_WHERE], const struct policy *p,
				 const char *list, size_t i)
{
	struct strbuf b = strbuf_init(where, PATH_MAX_WHERE);

	strbuf_puts(&b, p->source);
	strbuf_puts(&b, ": policy '");
	strbuf_puts(&b, p->name);
	strbuf_puts(&b, "': .");
	compile_put_index(&b, list, i);
	return where;
}

static const char *compile_label(char label[COMPILE_LABEL_MAX], const char *list, size_t i)
{
	struct strbuf b = strbuf_init(label, COMPILE_LABEL_MAX);

	compile_put_index(&b, list, i);
	return label;
}

static int compile_fail(struct compile_ctx *cx, int ret, const char *fmt, const char *a,
			const char *b)
{
	snprintf(cx->err->msg, sizeof(cx->err->msg), fmt, a, b);
	return ret;
}

/* Appends an entry; text (may be NULL) is what it matches, kept for --dump. */
static int compile_push_entry(struct compile_ctx *cx, const struct compile_entry *e,
			      const char *text)
{
	struct compiled_set *o = cx->out;
	char *copy = NULL;

	if (o->n_entries == RP_SET_ENTRIES_MAX)
		return -E2BIG;
	if (o->n_entries == cx->cap_entries) {
		size_t cap = cx->cap_entries ? 2 * cx->cap_entries : 64;
		void *p = realloc(o->entries, cap * sizeof(*o->entries));
		void *t = p ? realloc(o->texts, cap * sizeof(*o->texts)) : NULL;

		if (t)
			o->texts = t;
		if (p)
			o->entries = p;
		if (!p || !t)
			return -ENOMEM;
		cx->cap_entries = cap;
	}
	if (text && !(copy = strdup(text)))
		return -ENOMEM;
	o->texts[o->n_entries] = copy;
	o->entries[o->n_entries++] = *e;
	return 0;
}

static enum rp_action compile_action(const struct policy *p, enum rp_action a);

static int compile_push_rule(struct compile_ctx *cx, const struct policy *p, const char *label,
			     enum rp_action action, __u32 *ret_id)
{
	struct compiled_set *o = cx->out;
	struct compile_rule *r;

	if (o->n_rules == RP_RULES_MAX) {
		snprintf(cx->err->msg, sizeof(cx->err->msg), "policy set too large: more than %d "
			 "rules and defaults", RP_RULES_MAX);
		return -E2BIG;
	}
	if (o->n_rules == cx->cap_rules) {
		size_t cap = cx->cap_rules ? 2 * cx->cap_rules : 64;
		void *q = realloc(o->rules, cap * sizeof(*o->rules));

		if (!q)
			return -ENOMEM;
		o->rules = q;
		cx->cap_rules = cap;
	}
	r = &o->rules[o->n_rules];
	r->policy = strdup(p->name);
	if (!r->policy)
		return -ENOMEM;
	strbuf_copy(r->label, sizeof(r->label), label);
	r->audit_mode = p->audit_mode;
	r->action = compile_action(p, action);
	*ret_id = o->n_rules++;
	return 0;
}

/* Rule ids: per policy, in set order, its two defaults, then its file and exec rules. */
static int compile_rule_table(struct compile_ctx *cx)
{
	const struct policy_set *set = cx->set;
	char label[COMPILE_LABEL_MAX];
	__u32 id;
	int ret = 0;

	cx->default_file_id = calloc(set->n, sizeof(__u32));
	cx->default_exec_id = calloc(set->n, sizeof(__u32));
	cx->first_file_id = calloc(set->n, sizeof(__u32));
	cx->first_exec_id = calloc(set->n, sizeof(__u32));
	cx->default_net_id = calloc(set->n, sizeof(__u32));
	cx->first_net_id = calloc(set->n, sizeof(__u32));
	if (!cx->default_file_id || !cx->default_exec_id || !cx->first_file_id ||
	    !cx->first_exec_id || !cx->default_net_id || !cx->first_net_id)
		return -ENOMEM;
	for (size_t i = 0; i < set->n && !ret; i++) {
		const struct policy *p = set->policies[i];

		ret = compile_push_rule(cx, p, "defaults.file", p->default_file,
					&cx->default_file_id[i]);
		if (!ret)
			ret = compile_push_rule(cx, p, "defaults.exec", p->default_exec,
						&cx->default_exec_id[i]);
		cx->first_file_id[i] = cx->out->n_rules;
		for (size_t j = 0; j < p->n_file && !ret; j++) {
			ret = compile_push_rule(cx, p, compile_label(label, "file", j),
						p->file[j].action, &id);
		}
		cx->first_exec_id[i] = cx->out->n_rules;
		for (size_t j = 0; j < p->n_exec && !ret; j++) {
			ret = compile_push_rule(cx, p, compile_label(label, "exec", j),
						p->exec[j].action, &id);
		}
		/* Only policies that speak of the network get network ids, so the ids of
		 * file and exec rules do not depend on it. */
		if (ret || (!p->n_net && p->default_net <= RP_ACT_ALLOW))
			continue;
		ret = compile_push_rule(cx, p, "defaults.network", p->default_net,
					&cx->default_net_id[i]);
		cx->first_net_id[i] = cx->out->n_rules;
		for (size_t j = 0; j < p->n_net && !ret; j++) {
			ret = compile_push_rule(cx, p, compile_label(label, "network", j),
						p->net[j].action, &id);
		}
	}
	return ret;
}

static enum rp_action compile_action(const struct policy *p, enum rp_action a)
{
	return p->audit_mode && a == RP_ACT_DENY ? RP_ACT_AUDIT : a;
}

/* Merges action a for the accesses acc into v, keeping the strictest per access. */
static void compile_merge(struct rp_value *v, __u32 acc, enum rp_action a, __u32 id)
{
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		if (!(acc & (1u << bit)) || RP_ACTION_OF(v->actions, bit) >= (unsigned)a)
			continue;
		v->actions = (v->actions & ~(3u << (2 * bit))) | (a << (2 * bit));
		v->id[bit] = id;
	}
}

static struct path_slot *compile_slot(struct compile_ctx *cx, __u16 ruleset, __u16 kind,
				      __u64 hash)
{
	__u64 mix = ((__u64)ruleset << 16 | kind) * 0x9e3779b97f4a7c15ULL;
	size_t i = (hash ^ mix) & (cx->n_slots - 1);
	struct path_slot *s;

	for (s = &cx->slots[i]; s->used; s = &cx->slots[i]) {
		if (s->hash == hash && s->ruleset == ruleset && s->kind == kind)
			break;
		i = (i + 1) & (cx->n_slots - 1);
	}
	return s;
}

/* Doubles the slot table when it is half full, so probing stays short. */
static int compile_slots_reserve(struct compile_ctx *cx)
{
	struct path_slot *old = cx->slots;
	size_t n_old = cx->n_slots;

	if (old && 2 * (cx->n_used + 1) <= n_old)
		return 0;
	cx->n_slots = n_old ? 2 * n_old : 1024;
	cx->slots = calloc(cx->n_slots, sizeof(*cx->slots));
	if (!cx->slots) {
		cx->slots = old;
		cx->n_slots = n_old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < n_old; i++)
		if (old[i].used)
			*compile_slot(cx, old[i].ruleset, old[i].kind, old[i].hash) = old[i];
	free(old);
	return 0;
}

/* Components of a normalized directory: "/" is 0, "/etc" 1, "/etc/ssl" 2. */
static unsigned compile_depth(const char *dir)
{
	unsigned n = 0;

	if (strcmp(dir, "/") == 0)
		return 0;
	for (; *dir; dir++)
		n += *dir == '/';
	return n;
}

/* The entry for (ruleset, kind, hash), created empty on first use; a real hash collision
 * between two different texts is an error (a new key is drawn at the next load). */
static int compile_entry_at(struct compile_ctx *cx, __u16 ruleset, __u16 kind, __u64 hash,
			    const char *text, size_t *ret_entry)
{
	struct compile_entry e = { .key = { .kind = kind, .ruleset = ruleset, .hash = hash } };
	struct path_slot *s;
	int ret;

	ret = compile_slots_reserve(cx);
	if (ret)
		return ret;
	s = compile_slot(cx, ruleset, kind, e.key.hash);
	if (s->used && text && strcmp(s->path, text) != 0)
		return compile_fail(cx, -EAGAIN, "path hash collision between '%s' and '%s': "
				    "restart rampart to draw a new key", s->path, text);
	if (!s->used) {
		ret = compile_push_entry(cx, &e, text);
		if (ret)
			return ret;
		*s = (struct path_slot){ e.key.hash, cx->out->texts[cx->out->n_entries - 1],
					 cx->out->n_entries - 1, ruleset, kind, true };
		cx->n_used++;
	}
	*ret_entry = s->entry;
	return 0;
}

/* The entry for (ruleset, kind, keyed hash of text); no text: hash 0. */
static int compile_entry_for(struct compile_ctx *cx, __u16 ruleset, __u16 kind, const char *text,
			     size_t *ret_entry)
{
	__u64 hash = text ? rp_siphash(text, strlen(text), cx->hkey) : 0;

	return compile_entry_at(cx, ruleset, kind, hash, text, ret_entry);
}

/*
 * The shape of a glob (see include/rampart/abi.h) and its literal characters: each
 * component a literal, '*', or one '*' between a prefix and a suffix; '**' only last.
 */
static int compile_glob_shape(struct compile_ctx *cx, const char *glob, const char *where,
			      struct rp_glob_shape *sh, __u16 *ret_literals)
{
	const char *c = glob + 1, *end, *star;
	__u16 literals = 0;

	memset(sh, 0, sizeof(*sh));
	for (const char *q = glob; *q; q++)
		literals += *q != '*';
	while (*c) {
		end = strchrnul(c, '/');
		star = memchr(c, '*', end - c);
		if (end - c == 2 && c[0] == '*' && c[1] == '*') {
			if (*end)
				return compile_fail(cx, -EOPNOTSUPP, "%s: '**' must be the last "
						    "component of glob '%s'", where, glob);
			sh->tree = 1;
			break;
		}
		if (sh->ncomp == RP_GLOB_COMPS_MAX)
			return compile_fail(cx, -E2BIG, "%s: glob '%s' has more than 16 components "
					    "before '**'", where, glob);
		if (star && memchr(star + 1, '*', end - star - 1))
			return compile_fail(cx, -EOPNOTSUPP, "%s: at most one '*' per component "
					    "in glob '%s'", where, glob);
		if (star && (star - c > 255 || end - star - 1 > 255))
			return compile_fail(cx, -E2BIG, "%s: a glob component of '%s' has more "
					    "than 255 bytes around its '*'", where, glob);
		if (star && end - c == 1)
			sh->kind[sh->ncomp] = RP_GLOB_STAR;
		else if (star) {
			sh->kind[sh->ncomp] = RP_GLOB_AFFIX;
			sh->pre[sh->ncomp] = star - c;
			sh->suf[sh->ncomp] = end - star - 1;
		}
		sh->ncomp++;
		c = *end ? end + 1 : end;
	}
	*ret_literals = literals;
	return 0;
}

/* Records a glob's shape for the ruleset being compiled, once per distinct shape. */
static int compile_glob(struct compile_ctx *cx, enum rp_category cat, const char *glob,
			const char *where, __u16 *ret_literals)
{
	struct glob_shapes *g = &cx->globs;
	struct rp_glob_shape sh;
	int ret;

	if (cat == RP_CAT_PARENT)
		return compile_fail(cx, -EOPNOTSUPP, "%s: a 'parent' cannot be a glob in this "
				    "version ('%s'); use 'path' or 'dir'", where, glob);
	ret = compile_glob_shape(cx, glob, where, &sh, ret_literals);
	if (ret)
		return ret;
	for (unsigned i = 0; i < g->n[cat]; i++)
		if (memcmp(&g->shape[cat][i], &sh, sizeof(sh)) == 0)
			return 0;
	if (g->n[cat] == RP_GLOB_SHAPES_MAX)
		return compile_fail(cx, -E2BIG, "%s: glob '%s' would be a 17th distinct glob "
				    "shape for the same processes", where, glob);
	g->shape[cat][g->n[cat]++] = sh;
	return 0;
}

/*
 * The entry a pattern of category cat (file, exec or parent) matches through, recording
 * in the ruleset's shape which lookups the programs must make. where names the element.
 */
static int compile_pattern(struct compile_ctx *cx, struct rp_value *rs, __u16 ruleset,
			   enum rp_category cat, unsigned class, const struct policy_pattern *pat,
			   const char *where, size_t *ret_entry)
{
	static const __u16 first_kind[] = {
		[RP_CAT_FILE] = RP_KEY_FILE_PATH,
		[RP_CAT_EXEC] = RP_KEY_EXEC_PATH,
		[RP_CAT_PARENT] = RP_KEY_PARENT_PATH,
	};
	static const __u16 paths_flag[] = {
		[RP_CAT_FILE] = RP_SHAPE_FILE_PATHS,
		[RP_CAT_EXEC] = RP_SHAPE_EXEC_PATHS,
		[RP_CAT_PARENT] = RP_SHAPE_PARENT_PATHS,
	};
	__u16 kind, literals;
	unsigned depth;
	int ret;

	switch (pat->match) {
	case POLICY_MATCH_PATH:
		rs->shape_flags |= paths_flag[cat];
		kind = first_kind[cat] + RP_KIND_PATH;
		break;
	case POLICY_MATCH_DIR:
	case POLICY_MATCH_TREE:
		depth = compile_depth(pat->text);
		if (depth > RP_RULE_DEPTH_MAX)
			return compile_fail(cx, -E2BIG, "%s: directory '%s' is deeper than 31 "
					    "components, the most a dir rule may name", where,
					    pat->text);
		if (pat->match == POLICY_MATCH_DIR)
			rs->dir_depths[cat] |= 1u << depth;
		else
			rs->tree_depths[cat] |= 1u << depth;
		kind = first_kind[cat] + (pat->match == POLICY_MATCH_DIR ? RP_KIND_DIR : RP_KIND_TREE);
		break;
	case POLICY_MATCH_FILELESS:
		rs->shape_flags |= RP_SHAPE_FILELESS;
		return compile_entry_for(cx, ruleset, RP_KEY_KIND(RP_KEY_EXEC_FILELESS, class), NULL,
					 ret_entry);
	case POLICY_MATCH_GLOB:
		if (class)
			return compile_fail(cx, -EOPNOTSUPP, "%s: a glob exec rule cannot have a "
					    "'parent' in this version ('%s')", where, pat->text);
		ret = compile_glob(cx, cat, pat->text, where, &literals);
		if (!ret)
			ret = compile_entry_for(cx, ruleset, cat == RP_CAT_FILE ? RP_KEY_FILE_GLOB
								       : RP_KEY_EXEC_GLOB,
						pat->text, ret_entry);
		if (!ret)
			cx->out->entries[*ret_entry].value.flags = literals;
		return ret;
	default:
		return compile_fail(cx, -EINVAL, "%s: unknown pattern kind%s", where, "");
	}
	return compile_entry_for(cx, ruleset, RP_KEY_KIND(kind, class), pat->text, ret_entry);
}

static int compile_file_rule(struct compile_ctx *cx, struct rp_value *rs, __u16 ruleset,
			     size_t pi, size_t ri)
{
	const struct policy *p = cx->set->policies[pi];
	const struct policy_file_rule *r = &p->file[ri];
	char where[PATH_MAX_WHERE];
	size_t e;
	int ret;

	ret = compile_pattern(cx, rs, ruleset, RP_CAT_FILE, 0, &r->object,
			      compile_where(where, p, "file", ri), &e);
	if (ret)
		return ret;
	compile_merge(&cx->out->entries[e].value, r->access, compile_action(p, r->action),
		      cx->first_file_id[pi] + ri);
	if (compile_action(p, r->action) == RP_ACT_DENY)
		rs->shape_flags |= RP_SHAPE_FILE_DENIES;
	return 0;
}

/* The parent class of a pattern in this ruleset (1..31), assigned on first sight. */
static int compile_parent_class(struct compile_ctx *cx, struct parent_classes *pc,
				const struct policy_pattern *parent, const char *where,
				unsigned *ret_class)
{
	for (unsigned c = 0; c < pc->n; c++)
		if (pc->parents[c]->match == parent->match &&
		    strcmp(pc->parents[c]->text, parent->text) == 0) {
			*ret_class = c + 1;
			return 0;
		}
	if (pc->n == RP_PARENT_CLASSES_MAX)
		return compile_fail(cx, -E2BIG, "%s: more than 31 distinct 'parent' patterns "
				    "bind the same processes%s", where, "");
	pc->parents[pc->n++] = parent;
	*ret_class = pc->n;
	return 0;
}

static int compile_exec_rule(struct compile_ctx *cx, struct rp_value *rs, __u16 ruleset,
			     struct parent_classes *pc, size_t pi, size_t ri)
{
	const struct policy *p = cx->set->policies[pi];
	const struct policy_exec_rule *r = &p->exec[ri];
	char where[PATH_MAX_WHERE];
	unsigned class = 0;
	size_t e, pe;
	int ret;

	compile_where(where, p, "exec", ri);
	if (r->has_parent) {
		ret = compile_parent_class(cx, pc, &r->parent, where, &class);
		if (!ret)
			ret = compile_pattern(cx, rs, ruleset, RP_CAT_PARENT, 0, &r->parent, where,
					      &pe);
		if (ret)
			return ret;
		cx->out->entries[pe].value.id[0] |= 1u << class;
		rs->shape_flags |= RP_SHAPE_PARENTS;
	}
	ret = compile_pattern(cx, rs, ruleset, RP_CAT_EXEC, class, &r->object, where, &e);
	if (ret)
		return ret;
	compile_merge(&cx->out->entries[e].value, RP_ACC_EXEC, compile_action(p, r->action),
		      cx->first_exec_id[pi] + ri);
	rs->shape_flags |= RP_SHAPE_EXEC_RULES;
	if (compile_action(p, r->action) == RP_ACT_DENY)
		rs->shape_flags |= RP_SHAPE_EXEC_DENIES;
	return 0;
}

/* The strictest exec default of the members, and the rule id that names it. */
static void compile_exec_default(struct rp_value *rs, enum rp_action a, __u32 id)
{
	if (rs->exec_action >= a)
		return;
	rs->exec_action = a;
	rs->exec_id = id;
}

/* ---- network -------------------------------------------------------------------------- */

/* One port range of an inet rule, at its address prefix. */
struct net_item {
	__u8 addr[16];
	__u8 prefix;
	struct rp_net_port port;
};

struct net_items {
	struct net_item *v;
	size_t n, cap;
};

static int net_items_add(struct net_items *l, const struct net_item *it)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *q = realloc(l->v, cap * sizeof(*l->v));

		if (!q)
			return -ENOMEM;
		l->v = q;
		l->cap = cap;
	}
	l->v[l->n++] = *it;
	return 0;
}

/* Precedence: longer prefix, then narrower port range, then the stricter action. */
static int net_item_cmp(const void *pa, const void *pb)
{
	const struct net_item *a = pa, *b = pb;
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

static void net_addr_text(const __u8 addr[16], unsigned prefix, char *buf, size_t size)
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

static int compile_push_net(struct compile_ctx *cx, const struct compile_net_entry *e)
{
	struct compiled_set *o = cx->out;

	if (o->n_net == RP_NET_ENTRIES_MAX / 2)
		return -E2BIG;
	if (o->n_net == cx->cap_net) {
		size_t cap = cx->cap_net ? 2 * cx->cap_net : 16;
		void *q = realloc(o->net, cap * sizeof(*o->net));

		if (!q)
			return -ENOMEM;
		o->net = q;
		cx->cap_net = cap;
	}
	o->net[o->n_net++] = *e;
	return 0;
}

/*
 * The items grouped by (prefix, masked address): each group is one trie node. The ranges
 * enclosing a node are then found with one lookup per prefix length present, not a scan.
 */
struct net_group {
	__u8 addr[16];		/* masked to prefix */
	__u8 prefix;
	size_t first;		/* its first item in precedence order: the node's address */
	size_t start, n;	/* its ranges: members[start] .. members[start + n - 1] */
};

struct net_index {
	struct net_group *groups;	/* in the order of their first items */
	size_t n_groups;
	size_t *slots;		/* open addressing on (prefix, address): group + 1, or 0 */
	size_t n_slots;		/* a power of two, at least twice the items */
	size_t *item_group;	/* per item */
	size_t *members;	/* item indices by group, each group in precedence order */
	__u8 lengths[129];	/* the prefix lengths present, longest first */
	unsigned n_lengths;
};

/* addr with the bits past prefix cleared: equal for two addresses whose first prefix bits
 * agree. */
static void net_mask(__u8 out[16], const __u8 addr[16], unsigned prefix)
{
	unsigned bytes = prefix / 8, rest = prefix % 8;

	memset(out, 0, 16);
	memcpy(out, addr, bytes);
	if (rest)
		out[bytes] = addr[bytes] & (0xff00 >> rest);
}

static __u64 net_mix(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static __u64 net_hash(const __u8 addr[16], unsigned prefix)
{
	__u64 a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return net_mix(net_mix(a ^ prefix) ^ b);
}

/* The slot of (prefix, addr): its group's, or the empty one where it would go. */
static size_t *net_index_slot(const struct net_index *ix, const __u8 addr[16], unsigned prefix)
{
	size_t s = net_hash(addr, prefix) & (ix->n_slots - 1);

	for (;; s = (s + 1) & (ix->n_slots - 1)) {
		const struct net_group *g;

		if (!ix->slots[s])
			return &ix->slots[s];
		g = &ix->groups[ix->slots[s] - 1];
		if (g->prefix == prefix && memcmp(g->addr, addr, 16) == 0)
			return &ix->slots[s];
	}
}

/* Counts item i in its group, created if i is the first item of its (prefix, address). */
static size_t net_index_add(struct net_index *ix, const struct net_item *it, size_t i)
{
	__u8 addr[16];
	size_t *slot;

	net_mask(addr, it->addr, it->prefix);
	slot = net_index_slot(ix, addr, it->prefix);
	if (!*slot) {
		struct net_group *g = &ix->groups[ix->n_groups++];

		*g = (struct net_group){ .prefix = it->prefix, .first = i };
		memcpy(g->addr, addr, 16);
		*slot = ix->n_groups;
	}
	ix->groups[*slot - 1].n++;
	return *slot - 1;
}

/*
 * Item i joins its group's ranges unless the last one there is the same range: sorted by
 * width, then lo, equal ranges of a group are adjacent, and the earlier one (or a range
 * listed before it that holds it) shadows the later one at every node the group applies to.
 */
static void net_index_place(struct net_index *ix, const struct net_items *l, size_t i)
{
	struct net_group *g = &ix->groups[ix->item_group[i]];
	size_t *m = ix->members + g->start;
	const struct rp_net_port *p = &l->v[i].port, *last;

	last = g->n ? &l->v[m[g->n - 1]].port : NULL;
	if (last && last->lo == p->lo && last->hi == p->hi)
		return;
	m[g->n++] = i;
}

static void net_index_free(struct net_index *ix)
{
	free(ix->groups);
	free(ix->slots);
	free(ix->item_group);
	free(ix->members);
}

static int net_index_alloc(struct net_index *ix, size_t n)
{
	for (ix->n_slots = 16; ix->n_slots < 2 * n; ix->n_slots *= 2)
		;
	ix->groups = malloc(n * sizeof(*ix->groups));
	ix->slots = calloc(ix->n_slots, sizeof(*ix->slots));
	ix->item_group = malloc(n * sizeof(*ix->item_group));
	ix->members = malloc(n * sizeof(*ix->members));
	if (!ix->groups || !ix->slots || !ix->item_group || !ix->members)
		return -ENOMEM;
	return 0;
}

/* Groups the l->n > 0 items, which are sorted in precedence order. */
static int net_index_build(struct net_index *ix, const struct net_items *l)
{
	bool present[129] = {};
	size_t start = 0;
	int ret;

	ret = net_index_alloc(ix, l->n);
	if (ret)
		return ret;
	for (size_t i = 0; i < l->n; i++) {
		ix->item_group[i] = net_index_add(ix, &l->v[i], i);
		present[l->v[i].prefix] = true;
	}
	for (int p = 128; p >= 0; p--)
		if (present[p])
			ix->lengths[ix->n_lengths++] = p;
	for (size_t g = 0; g < ix->n_groups; g++) {
		ix->groups[g].start = start;
		start += ix->groups[g].n;
		ix->groups[g].n = 0;
	}
	for (size_t i = 0; i < l->n; i++)
		net_index_place(ix, l, i);
	return 0;
}

/* Appends port to the node unless a range already listed holds it whole, and so decides
 * every port of it. */
static int compile_net_port(struct compile_ctx *cx, struct compile_net_entry *e,
			    const struct rp_net_port *port)
{
	for (unsigned k = 0; k < e->value.n; k++)
		if (e->value.ports[k].lo <= port->lo && e->value.ports[k].hi >= port->hi)
			return 0;
	if (e->value.n == RP_NET_PORTS_MAX) {
		snprintf(cx->err->msg, sizeof(cx->err->msg),
			 "more than %d port ranges of %s rules apply to %s in one ruleset",
			 RP_NET_PORTS_MAX, policy_net_op_name(e->key.op), e->text);
		return -E2BIG;
	}
	e->value.ports[e->value.n++] = *port;
	return 0;
}

/*
 * The ranges of every item whose prefix encloses the node's, in precedence order. That
 * order sorts by prefix length first, and at each length at most one group (the node's
 * address masked to it) encloses the node, so: lengths longest first, each group in order.
 */
static int compile_net_ports(struct compile_ctx *cx, const struct net_index *ix,
			     const struct net_items *l, struct compile_net_entry *e,
			     unsigned prefix)
{
	int ret = 0;

	for (unsigned i = 0; i < ix->n_lengths && !ret; i++) {
		const struct net_group *g = NULL;
		__u8 addr[16];
		size_t *slot;

		if (ix->lengths[i] > prefix)
			continue;
		net_mask(addr, e->key.addr, ix->lengths[i]);
		slot = net_index_slot(ix, addr, ix->lengths[i]);
		if (*slot)
			g = &ix->groups[*slot - 1];
		for (size_t j = 0; g && j < g->n && !ret; j++)
			ret = compile_net_port(cx, e, &l->v[ix->members[g->start + j]].port);
	}
	return ret;
}

/* One trie node per distinct prefix, in the order of their first items in precedence
 * order; each holds every range that applies there. */
static int compile_net_nodes(struct compile_ctx *cx, __u16 ruleset, enum rp_net_op op,
			     struct net_items *l)
{
	struct net_index ix = {};
	int ret;

	if (!l->n)
		return 0;
	qsort(l->v, l->n, sizeof(*l->v), net_item_cmp);
	ret = net_index_build(&ix, l);
	for (size_t g = 0; g < ix.n_groups && !ret; g++) {
		const struct net_item *it = &l->v[ix.groups[g].first];
		struct compile_net_entry e = { .key = { .ruleset = ruleset, .op = op } };

		e.key.prefixlen = RP_NET_KEY_HDR_BITS + it->prefix;
		memcpy(e.key.addr, it->addr, 16);
		net_addr_text(e.key.addr, it->prefix, e.text, sizeof(e.text));
		ret = compile_net_ports(cx, &ix, l, &e, it->prefix);
		if (!ret)
			ret = compile_push_net(cx, &e);
	}
	net_index_free(&ix);
	return ret;
}

static int compile_net_create(struct compile_ctx *cx, struct rp_value *rs, __u16 ruleset,
			      const struct policy *p, const struct policy_net_rule *r, __u32 id)
{
	const char *f = policy_net_name(0, r->family), *t = policy_net_name(1, r->type);
	const char *pr = policy_net_name(2, r->protocol);
	char text[96], tn[8], pn[8];
	size_t e;
	int ret;

	snprintf(tn, sizeof(tn), "%u", r->type);
	snprintf(pn, sizeof(pn), "%u", r->protocol);
	snprintf(text, sizeof(text), "family=%s type=%s protocol=%s", f ? f : "?",
		 r->type == RP_NET_ANY ? "any" : t ? t : tn,
		 r->protocol == RP_NET_ANY ? "any" : pr ? pr : pn);
	ret = compile_entry_at(cx, ruleset, RP_KEY_NET_CREATE,
			       RP_NET_CREATE_HASH(r->family, r->type, r->protocol), text, &e);
	if (ret)
		return ret;
	compile_merge(&cx->out->entries[e].value, 1, compile_action(p, r->action), id);
	rs->shape_flags |= RP_SHAPE_NET_CREATE;
	return 0;
}

static int compile_net_rules(struct compile_ctx *cx, struct rp_value *rs, __u16 ruleset,
			     const bool *members)
{
	struct net_items items[RP_NET_OPS] = {};
	int ret = 0;

	for (size_t i = 0; i < cx->set->n && !ret; i++) {
		const struct policy *p = cx->set->policies[i];

		for (size_t j = 0; members[i] && j < p->n_net && !ret; j++) {
			const struct policy_net_rule *r = &p->net[j];
			enum rp_action a = compile_action(p, r->action);
			__u32 id = cx->first_net_id[i] + j;
			struct net_item it = { .prefix = r->prefix };
			size_t e;

			if (a == RP_ACT_DENY)
				rs->shape_flags |= RP_SHAPE_NET_DENIES;
			if (r->op == RP_NET_CREATE) {
				ret = compile_net_create(cx, rs, ruleset, p, r, id);
				continue;
			}
			if (r->unix_name) {
				ret = compile_entry_for(cx, ruleset, RP_KEY_NET_UNIX, r->unix_name,
							&e);
				if (!ret)
					compile_merge(&cx->out->entries[e].value, 1, a, id);
				rs->shape_flags |= RP_SHAPE_NET_UNIX;
				continue;
			}
			memcpy(it.addr, r->addr, 16);
			it.port = (struct rp_net_port){ .lo = 0, .hi = 65535, .action = a,
							.rule_id = id };
			for (size_t k = 0; k < (r->n_ports ? r->n_ports : 1) && !ret; k++) {
				if (r->n_ports) {
					it.port.lo = r->ports[k][0];
					it.port.hi = r->ports[k][1];
				}
				ret = net_items_add(&items[r->op], &it);
			}
			rs->shape_flags |= RP_SHAPE_NET_INET;
		}
	}
	for (int op = RP_NET_CONNECT; op < RP_NET_OPS && !ret; op++)
		ret = compile_net_nodes(cx, ruleset, op, &items[op]);
	for (int op = 0; op < RP_NET_OPS; op++)
		free(items[op].v);
	return ret;
}

/* The strictest network default of the members: an entry unless it is allow. */
static int compile_net_default(struct compile_ctx *cx, struct rp_value *rs, __u16 ruleset,
			       const bool *members)
{
	struct compile_entry e = { .key = { .kind = RP_KEY_NET_DEFAULT, .ruleset = ruleset } };

	for (size_t i = 0; i < cx->set->n; i++) {
		const struct policy *p = cx->set->policies[i];

		if (members[i] && (p->n_net || p->default_net > RP_ACT_ALLOW))
			compile_merge(&e.value, 1, compile_action(p, p->default_net),
				      cx->default_net_id[i]);
	}
	if (RP_ACTION_OF(e.value.actions, 0) <= RP_ACT_ALLOW)
		return 0;
	rs->shape_flags |= RP_SHAPE_NET_DEFAULT;
	if (RP_ACTION_OF(e.value.actions, 0) == RP_ACT_DENY)
		rs->shape_flags |= RP_SHAPE_NET_DENIES;
	return compile_push_entry(cx, &e, NULL);
}

/* One ruleset: the rules and the strictest defaults of the policies in members[]. */
static int compile_ruleset(struct compile_ctx *cx, __u16 ruleset, const bool *members)
{
	struct compile_entry def = { .key = { .kind = RP_KEY_RULESET, .ruleset = ruleset } };
	struct parent_classes pc = { .n = 0 };
	int ret = 0;

	memset(&cx->globs, 0, sizeof(cx->globs));
	for (size_t i = 0; i < cx->set->n && !ret; i++) {
		const struct policy *p = cx->set->policies[i];

		if (!members[i])
			continue;
		compile_merge(&def.value, RP_ACC_ALL, compile_action(p, p->default_file),
			      cx->default_file_id[i]);
		compile_exec_default(&def.value, compile_action(p, p->default_exec),
				     cx->default_exec_id[i]);
		for (size_t j = 0; j < p->n_file && !ret; j++)
			ret = compile_file_rule(cx, &def.value, ruleset, i, j);
		for (size_t j = 0; j < p->n_exec && !ret; j++)
			ret = compile_exec_rule(cx, &def.value, ruleset, &pc, i, j);
	}
	if (!ret)
		ret = compile_net_rules(cx, &def.value, ruleset, members);
	if (!ret)
		ret = compile_net_default(cx, &def.value, ruleset, members);
	if (ret)
		return ret;
	if (def.value.exec_action != RP_ACT_ALLOW)
		def.value.shape_flags |= RP_SHAPE_EXEC_RULES;
	if (def.value.exec_action == RP_ACT_DENY)
		def.value.shape_flags |= RP_SHAPE_EXEC_DENIES;
	if (RP_ACTION_OF(def.value.actions, 0) == RP_ACT_DENY)
		def.value.shape_flags |= RP_SHAPE_FILE_DENIES;
	for (int cat = RP_CAT_FILE; cat <= RP_CAT_EXEC && !ret; cat++) {
		def.value.glob_shapes[cat] = cx->globs.n[cat];
		for (unsigned i = 0; i < cx->globs.n[cat] && !ret; i++) {
			struct compile_entry e = { .key = { .kind = RP_KEY_GLOB_SHAPE,
							    .ruleset = ruleset,
							    .hash = (__u64)cat << 8 | i } };

			e.value.glob = cx->globs.shape[cat][i];
			ret = compile_push_entry(cx, &e, NULL);
		}
	}
	return ret ? ret : compile_push_entry(cx, &def, NULL);
}

/* Whether cg is the cgroup at path or below it, comparing literally. */
static bool cgroup_path_under(const char *path, const char *cg)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (strcmp(path, "/") == 0)
		return true;
	return strncmp(path, cg, n) == 0 && (cg[n] == '\0' || cg[n] == '/');
}

/* Whether a policy of the set selects the bound container b. */
static bool compile_binding_selected(const struct policy_set *set, const struct compile_binding *b)
{
	for (size_t i = 0; i < set->n; i++)
		if (policy_selects_container(set->policies[i], &b->who))
			return true;
	return false;
}

/* The policies binding a cgroup: those with a selector naming it or one of its ancestors,
 * and those whose container selector matches a container bound at or above it. */
static void compile_members(const struct policy_set *set, const struct compile_cgroups *cgs,
			    const char *cg, bool *members)
{
	for (size_t i = 0; i < set->n; i++) {
		members[i] = false;
		for (size_t j = 0; j < set->policies[i]->n_cgroups; j++)
			if (cgroup_pattern_covers(set->policies[i]->cgroups[j], cg))
				members[i] = true;
		for (size_t b = 0; b < cgs->n_bindings && !members[i]; b++)
			if (cgroup_path_under(cgs->bindings[b].cgroup, cg) &&
			    policy_selects_container(set->policies[i], &cgs->bindings[b].who))
				members[i] = true;
	}
}

/* The ruleset whose membership equals members[], created on first use. */
static int compile_find_ruleset(struct compile_ctx *cx, bool **rulesets, const bool *members,
				__u16 *ret_id)
{
	size_t n = cx->set->n, k, n_rs = cx->out->n_rulesets;
	void *q;
	int ret;

	for (k = 0; k < n_rs; k++)
		if (memcmp(&(*rulesets)[k * n], members, n) == 0) {
			*ret_id = (__u16)k;
			return 0;
		}
	if (n_rs == COMPILE_RULESETS_MAX)
		return -E2BIG;
	q = realloc(*rulesets, (n_rs + 1) * n);
	if (!q)
		return -ENOMEM;
	*rulesets = q;
	memcpy(&(*rulesets)[n_rs * n], members, n);
	ret = compile_ruleset(cx, (__u16)n_rs, members);
	if (ret)
		return ret;
	cx->out->n_rulesets++;
	*ret_id = (__u16)n_rs;
	return 0;
}

/* The cgroups that become subjects: each selector path, and what each pattern expands to. */
struct subject_list {
	struct subject_cgroup {
		char *path;
		size_t pi, ci;		/* the first selector that named it */
		bool from_pattern;	/* or a binding: a cgroup gone since is skipped */
		const struct compile_binding *binding;	/* when a bound container named it */
	} *v;
	size_t n, cap;
	size_t pi, ci;			/* the selector being expanded */
	const struct compile_binding *binding;	/* the binding being added */
};

static int subject_list_add(void *ctx, const char *path)
{
	struct subject_list *l = ctx;
	struct subject_cgroup *q;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return 0;
	if (l->n == RP_SET_ENTRIES_MAX)
		return -E2BIG;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		q = realloc(l->v, l->cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		l->v = q;
	}
	l->v[l->n] = (struct subject_cgroup){ .path = strdup(path), .pi = l->pi, .ci = l->ci,
					      .binding = l->binding };
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->n++;
	return 0;
}

static void subject_list_free(struct subject_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

static int compile_subject_error(struct compile_ctx *cx, const struct subject_cgroup *sc,
				 const char *what, int ret)
{
	const struct policy *p;

	if (sc->binding) {
		snprintf(cx->err->msg, sizeof(cx->err->msg), "container %s: %s '%s': %s",
			 sc->binding->who.id, what, sc->binding->cgroup, strerror(-ret));
		return ret;
	}
	p = cx->set->policies[sc->pi];
	snprintf(cx->err->msg, sizeof(cx->err->msg),
		 "%s: .selector.cgroups[%zu]: %s '%s' of policy '%s': %s", p->source, sc->ci,
		 what, p->cgroups[sc->ci], p->name, strerror(-ret));
	return ret;
}

static int compile_list_subjects(struct compile_ctx *cx, const struct compile_cgroups *cg,
				 struct subject_list *l)
{
	const struct policy_set *set = cx->set;
	int ret = 0;

	for (size_t i = 0; i < set->n && !ret; i++)
		for (size_t j = 0; j < set->policies[i]->n_cgroups && !ret; j++) {
			const char *sel = set->policies[i]->cgroups[j];
			size_t before = l->n;

			l->pi = i;
			l->ci = j;
			if (!cgroup_is_pattern(sel)) {
				ret = subject_list_add(l, sel);
				continue;
			}
			ret = cg->expand(cg->ctx, sel, subject_list_add, l);
			for (size_t k = before; k < l->n; k++)
				l->v[k].from_pattern = true;
			if (ret && ret != -E2BIG && ret != -ENOMEM)
				ret = compile_subject_error(cx, &(struct subject_cgroup){ .pi = i,
							    .ci = j }, "cgroup pattern", ret);
		}
	for (size_t b = 0; b < cg->n_bindings && !ret; b++) {
		size_t before = l->n;

		if (!compile_binding_selected(set, &cg->bindings[b]))
			continue;
		l->binding = &cg->bindings[b];
		ret = subject_list_add(l, cg->bindings[b].cgroup);
		for (size_t k = before; k < l->n; k++)
			l->v[k].from_pattern = true;
		l->binding = NULL;
	}
	return ret;
}

static int compile_subject(struct compile_ctx *cx, const struct compile_cgroups *cg,
			   const struct subject_cgroup *sc, bool **rulesets, bool *members)
{
	struct compile_entry e = { .key = { .kind = RP_KEY_SUBJECT } };
	__u16 rs;
	int ret;

	ret = cg->resolve(cg->ctx, sc->path, &e.key.hash);
	/* A cgroup a pattern found may be gone by now: it has nothing left to enforce on. */
	if (ret == -ENOENT && sc->from_pattern)
		return 0;
	if (ret)
		return compile_subject_error(cx, sc, "cgroup", ret);
	compile_members(cx->set, cg, sc->path, members);
	ret = compile_find_ruleset(cx, rulesets, members, &rs);
	if (ret)
		return ret;
	e.value.id[0] = rs;
	cx->out->n_subjects++;
	return compile_push_entry(cx, &e, sc->path);
}

static int compile_subjects(struct compile_ctx *cx, const struct compile_cgroups *cg)
{
	struct subject_list l = {};
	bool *members = calloc(cx->set->n, 1), *rulesets = NULL;
	int ret = members ? 0 : -ENOMEM;

	if (!ret)
		ret = compile_list_subjects(cx, cg, &l);
	for (size_t i = 0; i < l.n && !ret; i++)
		ret = compile_subject(cx, cg, &l.v[i], &rulesets, members);
	subject_list_free(&l);
	free(rulesets);
	free(members);
	return ret;
}

int compile_set(const struct policy_set *set, const struct rp_hash_key *hkey,
		const struct compile_cgroups *cgroups, struct compiled_set *ret_set,
		struct policy_error *err)
{
	struct compiled_set out = {};
	struct compile_ctx cx = { .set = set, .hkey = hkey, .out = &out, .err = err };
	int ret;

	err->msg[0] = '\0';
	ret = compile_slots_reserve(&cx);
	if (!ret)
		ret = compile_rule_table(&cx);
	if (!ret)
		ret = compile_subjects(&cx, cgroups);
	if (ret == -E2BIG && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "policy set too large: more than %d map "
			 "entries or %d distinct rulesets", RP_SET_ENTRIES_MAX, COMPILE_RULESETS_MAX);
	else if (ret && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "compiling the policy set: %s", strerror(-ret));
	free(cx.slots);
	free(cx.default_file_id);
	free(cx.default_exec_id);
	free(cx.first_file_id);
	free(cx.first_exec_id);
	free(cx.default_net_id);
	free(cx.first_net_id);
	if (ret) {
		compiled_set_free(&out);
		return ret;
	}
	*ret_set = out;
	return 0;
}

/* Does the subject entry e belong in filter set `set`? by_id: c's rulesets by id, n_ids
 * of them (NULL: unknown, then every subject does, which is safe and only slower). */
static bool compile_filter_takes(const struct compile_entry *e, unsigned int set,
				 const struct rp_value *const *by_id, size_t n_ids)
{
	__u32 id = e->value.id[0];

	if (!by_id || id >= n_ids || !by_id[id])
		return true;
	return rp_ruleset_in_set(by_id[id], set);
}

void compile_filter(const struct compiled_set *c, int level_offset, unsigned int set,
		    struct rp_filter *f)
{
	const struct rp_value **by_id = NULL;
	size_t n_ids = 0;

	memset(f, 0, sizeof(*f));
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].key.kind == RP_KEY_RULESET && c->entries[i].key.ruleset >= n_ids)
			n_ids = c->entries[i].key.ruleset + 1;
	by_id = n_ids ? calloc(n_ids, sizeof(*by_id)) : NULL;
	for (size_t i = 0; by_id && i < c->n_entries; i++)
		if (c->entries[i].key.kind == RP_KEY_RULESET)
			by_id[c->entries[i].key.ruleset] = &c->entries[i].value;
	for (size_t i = 0; i < c->n_entries; i++) {
		unsigned int depth;

		if (c->entries[i].key.kind != RP_KEY_SUBJECT ||
		    !compile_filter_takes(&c->entries[i], set, by_id, n_ids))
			continue;
		depth = c->texts[i] ? cgroup_path_depth(c->texts[i]) : 0;
		if (level_offset >= 0 && c->texts[i]) {
			rp_filter_add(f, c->entries[i].key.hash, depth + level_offset);
			continue;
		}
		for (unsigned int l = depth; l <= RP_FILTER_LEVEL_LAST; l++)
			rp_filter_add(f, c->entries[i].key.hash, l);
	}
	free(by_id);
}

void compiled_set_free(struct compiled_set *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_rules; i++)
		free(c->rules[i].policy);
	free(c->rules);
	for (size_t i = 0; c->texts && i < c->n_entries; i++)
		free(c->texts[i]);
	free(c->texts);
	free(c->entries);
	free(c->net);
	memset(c, 0, sizeof(*c));
}

const struct compile_rule *compiled_rule(const struct compiled_set *c, __u32 rule_id)
{
	return c && rule_id < c->n_rules ? &c->rules[rule_id] : NULL;
}
