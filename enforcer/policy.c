// SPDX-License-Identifier: GPL-2.0
/*
 * Policy language v1: JSON document -> struct policy (see policy.h, docs/policy.md).
 *
 * A document is checked in stages and the first problem found is the only one reported:
 *   1. it must be valid JSON (strict RFC 8259 as json-c reads it, UTF-8, no NUL bytes);
 *   2. no object may repeat a key, in document order;
 *   3. validation: every object is checked when its turn comes, first for unknown keys
 *      (in document order), then its known keys in a fixed order. The top level goes
 *      apiVersion, name, mode, selector, defaults, file, exec, network, syscalls; a rule goes
 *      pattern keys ('fileless', then the one of path/dir/glob/fileless, then 'recursive'),
 *      access, parent, action; the syscalls section goes default, the list the default
 *      calls for, that list's names, errno. Array elements are checked in element order.
 * The order is part of the interface: tests pin it, users see errors in a stable order.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <json-c/json.h>
#include <seccomp.h>

#include "policy.h"
#include "strbuf.h"
#include "utf8.h"

#define POLICY_API_VERSION "rampart.dev/v1"
#define POLICY_DOC_MAX (16u << 20)	/* bytes of one document */
#define PTR_MAX 256			/* ".exec[99999].parent.recursive" and room to spare */
#define QUOTE_MAX 200			/* user text shown in one message */

_Static_assert(RP_ACC_ALL == (1 << 6) - 1, "access_names[] covers every access bit");

struct pctx {
	const char *source;
	struct policy_error *err;
};

static const char *const access_names[] = {
	"read", "write", "append", "create", "truncate", "exec",
};

static void verror(const struct pctx *c, const char *at, const char *fmt, va_list ap)
{
	int n;

	if (!c->err)
		return;
	if (at)
		n = snprintf(c->err->msg, sizeof(c->err->msg), "%s: %s: ", c->source, at);
	else
		n = snprintf(c->err->msg, sizeof(c->err->msg), "%s: ", c->source);
	if (n < 0 || (size_t)n >= sizeof(c->err->msg))
		return;
	vsnprintf(c->err->msg + n, sizeof(c->err->msg) - n, fmt, ap);
}

/* Fills the one error of this parse; at is a pointer like ".file[2]", or NULL. */
__attribute__((format(printf, 4, 5)))
static int fail_with(const struct pctx *c, int r, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(c, at, fmt, ap);
	va_end(ap);
	return r;
}

#define fail(c, at, ...) fail_with(c, -EINVAL, at, __VA_ARGS__)

static int oom(const struct pctx *c)
{
	return fail_with(c, -ENOMEM, NULL, "out of memory");
}

/*
 * User text goes into messages shortened and with control characters escaped, so a stray
 * byte in a policy cannot break or forge a log line.
 */
static const char *escape(char *buf, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];

		if (o + 9 > size) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch == 0x7f)
			o += snprintf(buf + o, 5, "\\x%02x", ch);
		else
			buf[o++] = ch;
	}
	buf[o] = '\0';
	return buf;
}

struct quoted {
	char s[QUOTE_MAX + 8];
};

static const char *quote_n(struct quoted *q, const char *s, size_t len)
{
	q->s[0] = '\'';
	escape(q->s + 1, sizeof(q->s) - 2, s, len);
	strcat(q->s, "'");
	return q->s;
}

static const char *quote(struct quoted *q, const char *s)
{
	return quote_n(q, s, strlen(s));
}

/* Only a duplicate key deep in a document can make a pointer this long: show its start. */
static const char *ptr_fit(const struct strbuf *b)
{
	if (strbuf_truncated(b))
		strcpy(b->buf + PTR_MAX - 4, "...");
	return b->buf;
}

static const char *ptr_key(char buf[PTR_MAX], const char *at, const char *key)
{
	struct strbuf b = strbuf_init(buf, PTR_MAX);

	if (strcmp(at, ".") != 0)
		strbuf_puts(&b, at);
	strbuf_puts(&b, ".");
	strbuf_puts(&b, key);
	return ptr_fit(&b);
}

static const char *ptr_index(char buf[PTR_MAX], const char *at, size_t i)
{
	struct strbuf b = strbuf_init(buf, PTR_MAX);

	strbuf_puts(&b, at);
	strbuf_puts(&b, "[");
	strbuf_putu(&b, i);
	strbuf_puts(&b, "]");
	return ptr_fit(&b);
}

static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return "boolean";
	case json_type_double:
	case json_type_int:
		return "number";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	default:
		return "null";
	}
}

static int expect_type(const struct pctx *c, const char *at, json_object *v, enum json_type t)
{
	const char *want = t == json_type_object ? "an object" :
			   t == json_type_array ? "an array" :
			   t == json_type_boolean ? "a boolean" : "a string";

	if (json_object_is_type(v, t))
		return 0;
	return fail(c, at, "expected %s, got %s", want, type_name(v));
}

/* A string value: its text and length (json-c strings may hold NUL bytes). */
static int get_string(const struct pctx *c, const char *at, json_object *v, const char **ret_s,
		      size_t *ret_len)
{
	int r = expect_type(c, at, v, json_type_string);

	if (r < 0)
		return r;
	*ret_s = json_object_get_string(v);
	*ret_len = json_object_get_string_len(v);
	return 0;
}

/* Looks up key below at; a missing required key is an error naming it. */
static int get_key(const struct pctx *c, const char *at, json_object *obj, const char *key,
		   bool required, json_object **ret_v)
{
	char kat[PTR_MAX];

	if (json_object_object_get_ex(obj, key, ret_v))
		return 1;
	if (required)
		return fail(c, ptr_key(kat, at, key), "missing required key");
	return 0;
}

/* Known keys that belong elsewhere get a message saying where, instead of "unknown". */
struct key_hint {
	const char *key;
	const char *msg;
};

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

/* The error for key, which the object at `at` may not hold: the hint's message when hints
 * names it, else "unknown key". */
static int fail_unknown_key(const struct pctx *c, const char *at, const char *key,
			    const struct key_hint *hints)
{
	char kat[PTR_MAX];
	struct quoted q;

	for (const struct key_hint *h = hints; h && h->key; h++)
		if (strcmp(h->key, key) == 0)
			return fail(c, ptr_key(kat, at, key), "%s", h->msg);
	return fail(c, at, "unknown key %s", quote(&q, key));
}

static int check_keys(const struct pctx *c, const char *at, json_object *obj,
		      const char *const *known, const struct key_hint *hints)
{
	struct json_object_iterator it = json_object_iter_begin(obj);
	struct json_object_iterator end = json_object_iter_end(obj);

	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *key = json_object_iter_peek_name(&it);

		if (!in_list(known, key))
			return fail_unknown_key(c, at, key, hints);
	}
	return 0;
}

static int get_object(const struct pctx *c, const char *at, json_object *v,
		      const char *const *known, const struct key_hint *hints)
{
	int r = expect_type(c, at, v, json_type_object);

	return r < 0 ? r : check_keys(c, at, v, known, hints);
}

/* An array of 1 to max elements; what names them in "too many" errors. */
static int get_array(const struct pctx *c, const char *at, json_object *v, size_t max,
		     const char *what, const char *empty_msg, size_t *ret_n)
{
	int r = expect_type(c, at, v, json_type_array);

	if (r < 0)
		return r;
	*ret_n = json_object_array_length(v);
	if (*ret_n == 0)
		return fail(c, at, "%s", empty_msg);
	if (*ret_n > max)
		return fail(c, at, "too many %s (%zu, at most %zu)", what, *ret_n, max);
	return 0;
}

/* ---- paths ---------------------------------------------------------------------------- */

enum path_kind {
	PATH_EXACT,	/* "path" */
	PATH_DIR,	/* "dir" */
	PATH_GLOB,	/* "glob" */
	PATH_CGROUP,	/* selector.cgroups[] */
};

static size_t strcspn_n(const char *s, size_t len, char ch)
{
	const char *e = memchr(s, ch, len);

	return e ? (size_t)(e - s) : len;
}

static bool has_double_star(const char *s, size_t len)
{
	for (size_t i = 1; i < len; i++)
		if (s[i - 1] == '*' && s[i] == '*')
			return true;
	return false;
}

static int check_components(const struct pctx *c, const char *at, const char *s, size_t len,
			    enum path_kind kind)
{
	struct quoted q;

	for (size_t i = 1, clen; i <= len; i += clen + 1) {
		const char *comp = s + i;

		clen = strcspn_n(comp, len - i, '/');
		if (clen == 2 && comp[0] == '.' && comp[1] == '.')
			return fail(c, at, "'..' components are not allowed in %s",
				    quote_n(&q, s, len));
		if (kind == PATH_GLOB && clen != 2 && has_double_star(comp, clen))
			return fail(c, at, "'**' must be a whole path component in %s",
				    quote_n(&q, s, len));
	}
	return 0;
}

static int check_wildcards(const struct pctx *c, const char *at, const char *s, size_t len,
			   enum path_kind kind)
{
	struct quoted q;
	size_t i;

	if (kind == PATH_EXACT || kind == PATH_DIR) {
		if (!memchr(s, '*', len))
			return 0;
		return fail(c, at, "'*' is not allowed in %s (use 'glob' for wildcards)",
			    quote_n(&q, s, len));
	}
	if (kind == PATH_CGROUP && has_double_star(s, len))
		return fail(c, at, "'**' is not allowed in cgroup %s: '*' matches within one "
			    "component, and a selected cgroup includes its descendants",
			    quote_n(&q, s, len));
	/* Reserved so that character classes and alternatives can be added later without
	 * changing what existing policies mean. */
	i = strcspn(s, "?[{");
	if (i < len)
		return fail(c, at, "reserved character '%c' in %s %s (only '*'%s %s supported)",
			    s[i], kind == PATH_CGROUP ? "cgroup" : "glob", quote_n(&q, s, len),
			    kind == PATH_CGROUP ? "" : " and '**'",
			    kind == PATH_CGROUP ? "is" : "are");
	return 0;
}

/* Drops empty and "." components: "//a/./b/" -> "/a/b"; "/" stays "/". */
static char *normalize(const char *s, size_t len)
{
	char *out = malloc(len + 2), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 1, clen; i <= len; i += clen + 1) {
		const char *comp = s + i;

		clen = strcspn_n(comp, len - i, '/');
		if (clen == 0 || (clen == 1 && comp[0] == '.'))
			continue;
		*o++ = '/';
		memcpy(o, comp, clen);
		o += clen;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}

static int parse_path(const struct pctx *c, const char *at, json_object *v, enum path_kind kind,
		      char **ret_text)
{
	struct quoted q;
	const char *s;
	size_t len;
	char *text;
	int r;

	r = get_string(c, at, v, &s, &len);
	if (r < 0)
		return r;
	if (memchr(s, '\0', len))
		return fail(c, at, "must not contain a NUL character");
	if (len > RP_PATH_MAX - 1)
		return fail(c, at, "too long (%zu bytes, at most %d)", len, RP_PATH_MAX - 1);
	if (len == 0 || s[0] != '/')
		return fail(c, at, "must be an absolute path, got %s", quote_n(&q, s, len));
	r = check_components(c, at, s, len, kind);
	if (r < 0)
		return r;
	r = check_wildcards(c, at, s, len, kind);
	if (r < 0)
		return r;
	text = normalize(s, len);
	if (!text)
		return oom(c);
	*ret_text = text;
	return 0;
}

/* ---- rules ---------------------------------------------------------------------------- */

/*
 * The keys of a file or exec rule, or of its parent, read in one pass over the object:
 * a lookup hashes the key each time, and a policy may have 100,000 rules. The pattern
 * keys (path, dir, glob, fileless) stay the first four: parse_pattern() counts on it.
 */
enum rule_key { RK_PATH, RK_DIR, RK_GLOB, RK_FILELESS, RK_RECURSIVE, RK_ACCESS, RK_ACTION,
		RK_PARENT, RK_COUNT };

static const char *const rule_key_names[RK_COUNT] = {
	"path", "dir", "glob", "fileless", "recursive", "access", "action", "parent",
};

#define RK(k) (1u << (k))

struct rule_keys {
	unsigned present;		/* RK() bits: a key whose value is null is present */
	json_object *v[RK_COUNT];
};

/* Fills k from obj, which may hold only the keys in allowed; any other is an error
 * naming it (with the hint's message when hints names it). */
static int read_rule_keys(const struct pctx *c, const char *at, json_object *obj,
			  unsigned allowed, const struct key_hint *hints, struct rule_keys *k)
{
	int r;

	r = expect_type(c, at, obj, json_type_object);
	if (r < 0)
		return r;
	*k = (struct rule_keys){};
	json_object_object_foreach(obj, key, val) {
		int i = 0;

		while (i < RK_COUNT && strcmp(rule_key_names[i], key) != 0)
			i++;
		if (i >= RK_COUNT || !(allowed & RK(i)))
			return fail_unknown_key(c, at, key, hints);
		k->present |= RK(i);
		k->v[i] = val;
	}
	return 0;
}

static int parse_fileless(const struct pctx *c, const char *at, const struct rule_keys *k)
{
	json_object *v = k->v[RK_FILELESS];
	char kat[PTR_MAX];
	int r;

	if (!(k->present & RK(RK_FILELESS)))
		return 0;
	ptr_key(kat, at, "fileless");
	r = expect_type(c, kat, v, json_type_boolean);
	if (r < 0)
		return r;
	if (!json_object_get_boolean(v))
		return fail(c, kat, "must be true when present");
	return 0;
}

static int parse_recursive(const struct pctx *c, const char *at, const struct rule_keys *k,
			   bool is_dir, bool *ret_recursive)
{
	json_object *v = k->v[RK_RECURSIVE];
	char kat[PTR_MAX];
	int r;

	if (!(k->present & RK(RK_RECURSIVE))) {
		*ret_recursive = false;
		return 0;
	}
	ptr_key(kat, at, "recursive");
	if (!is_dir)
		return fail(c, kat, "only valid with 'dir'");
	r = expect_type(c, kat, v, json_type_boolean);
	if (r < 0)
		return r;
	*ret_recursive = json_object_get_boolean(v);
	return 0;
}

/* The object of a rule or a parent: exactly one of path, dir (+ recursive), glob, and for
 * exec rules fileless. */
static int parse_pattern(const struct pctx *c, const char *at, const struct rule_keys *k,
			 bool allow_fileless, struct policy_pattern *ret)
{
	static const enum path_kind kinds[] = { PATH_EXACT, PATH_DIR, PATH_GLOB };
	size_t n_keys = allow_fileless ? 4 : 3, found = 0, which = 0;
	bool recursive = false;
	char kat[PTR_MAX];
	int r;

	if (allow_fileless) {
		r = parse_fileless(c, at, k);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n_keys; i++)
		if (k->present & RK(i)) {
			found++;
			which = i;
		}
	if (found != 1)
		return fail(c, at, "exactly one of 'path', 'dir', 'glob'%s is required",
			    allow_fileless ? ", 'fileless'" : "");
	if (which == 3) {
		r = parse_recursive(c, at, k, false, &recursive);
		if (r == 0)
			ret->match = POLICY_MATCH_FILELESS;
		return r;
	}
	r = parse_path(c, ptr_key(kat, at, rule_key_names[which]), k->v[which], kinds[which],
		       &ret->text);
	if (r < 0)
		return r;
	r = parse_recursive(c, at, k, kinds[which] == PATH_DIR, &recursive);
	if (r < 0)
		return r;
	ret->match = which == 0 ? POLICY_MATCH_PATH : which == 2 ? POLICY_MATCH_GLOB :
		     recursive ? POLICY_MATCH_TREE : POLICY_MATCH_DIR;
	return 0;
}

static int parse_access_name(const struct pctx *c, const char *at, json_object *v, __u32 seen,
			     __u32 *ret_bit)
{
	struct quoted q;
	const char *s;
	int r;

	r = expect_type(c, at, v, json_type_string);
	if (r < 0)
		return r;
	s = json_object_get_string(v);
	for (size_t i = 0; i < sizeof(access_names) / sizeof(access_names[0]); i++) {
		if (strcmp(s, access_names[i]) != 0)
			continue;
		if (seen & (1u << i))
			return fail(c, at, "duplicate access %s", quote(&q, s));
		*ret_bit = 1u << i;
		return 0;
	}
	return fail(c, at, "unknown access %s (expected read, write, append, create, truncate, "
		    "exec)", quote_n(&q, s, json_object_get_string_len(v)));
}

static int parse_access(const struct pctx *c, const char *at, const struct rule_keys *k,
			__u32 *ret)
{
	char kat[PTR_MAX], iat[PTR_MAX];
	json_object *v = k->v[RK_ACCESS];
	__u32 access = 0, bit = 0;
	size_t n;
	int r;

	if (!(k->present & RK(RK_ACCESS))) {
		*ret = RP_ACC_ALL;
		return 0;
	}
	ptr_key(kat, at, "access");
	r = get_array(c, kat, v, RP_ACC_BITS, "accesses", "must not be empty", &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		r = parse_access_name(c, ptr_index(iat, kat, i), json_object_array_get_idx(v, i),
				      access, &bit);
		if (r < 0)
			return r;
		access |= bit;
	}
	*ret = access;
	return 0;
}

/* Rule actions are allow, deny, audit; category defaults only allow or deny. */
static int parse_action(const struct pctx *c, const char *at, json_object *v, bool is_default,
			enum rp_action *ret)
{
	struct quoted q;
	const char *s;
	int r;

	r = expect_type(c, at, v, json_type_string);
	if (r < 0)
		return r;
	s = json_object_get_string(v);
	if (strcmp(s, "allow") == 0)
		*ret = RP_ACT_ALLOW;
	else if (strcmp(s, "deny") == 0)
		*ret = RP_ACT_DENY;
	else if (strcmp(s, "audit") == 0 && !is_default)
		*ret = RP_ACT_AUDIT;
	else if (strcmp(s, "audit") == 0)
		return fail(c, at, "'audit' is not a valid default (expected allow, deny; "
			    "set mode 'audit' to audit a whole policy)");
	else
		return fail(c, at, "unknown action %s (expected %s)",
			    quote_n(&q, s, json_object_get_string_len(v)),
			    is_default ? "allow, deny" : "allow, deny, audit");
	return 0;
}

/* A rule's "action" (required): present says whether the rule has the key, v its value. */
static int parse_rule_action(const struct pctx *c, const char *at, bool present, json_object *v,
			     enum rp_action *ret)
{
	char kat[PTR_MAX];

	ptr_key(kat, at, "action");
	if (!present)
		return fail(c, kat, "missing required key");
	return parse_action(c, kat, v, false, ret);
}

static int parse_file_rule(const struct pctx *c, const char *at, json_object *v, void *out)
{
	struct policy_file_rule *rule = out;
	static const unsigned known = RK(RK_PATH) | RK(RK_DIR) | RK(RK_GLOB) | RK(RK_RECURSIVE) |
				      RK(RK_ACCESS) | RK(RK_ACTION);
	static const struct key_hint hints[] = {
		{ "fileless", "only valid in exec rules" },
		{ "parent", "only valid in exec rules" },
		{ NULL, NULL },
	};
	struct rule_keys k;
	int r;

	r = read_rule_keys(c, at, v, known, hints, &k);
	if (r < 0)
		return r;
	r = parse_pattern(c, at, &k, false, &rule->object);
	if (r < 0)
		return r;
	r = parse_access(c, at, &k, &rule->access);
	if (r < 0)
		return r;
	return parse_rule_action(c, at, k.present & RK(RK_ACTION), k.v[RK_ACTION], &rule->action);
}

static int parse_parent(const struct pctx *c, const char *at, const struct rule_keys *rule,
			struct policy_exec_rule *ret)
{
	static const unsigned known = RK(RK_PATH) | RK(RK_DIR) | RK(RK_GLOB) | RK(RK_RECURSIVE);
	static const struct key_hint hints[] = {
		{ "fileless", "a parent cannot be fileless" },
		{ NULL, NULL },
	};
	struct rule_keys k;
	char kat[PTR_MAX];
	int r;

	if (!(rule->present & RK(RK_PARENT)))
		return 0;
	ptr_key(kat, at, "parent");
	r = read_rule_keys(c, kat, rule->v[RK_PARENT], known, hints, &k);
	if (r < 0)
		return r;
	r = parse_pattern(c, kat, &k, false, &ret->parent);
	if (r < 0)
		return r;
	ret->has_parent = true;
	return 0;
}

static int parse_exec_rule(const struct pctx *c, const char *at, json_object *v, void *out)
{
	struct policy_exec_rule *rule = out;
	static const unsigned known = RK(RK_PATH) | RK(RK_DIR) | RK(RK_GLOB) | RK(RK_FILELESS) |
				      RK(RK_RECURSIVE) | RK(RK_PARENT) | RK(RK_ACTION);
	static const struct key_hint hints[] = {
		{ "access", "only valid in file rules" },
		{ NULL, NULL },
	};
	struct rule_keys k;
	int r;

	r = read_rule_keys(c, at, v, known, hints, &k);
	if (r < 0)
		return r;
	r = parse_pattern(c, at, &k, true, &rule->object);
	if (r < 0)
		return r;
	r = parse_parent(c, at, &k, rule);
	if (r < 0)
		return r;
	return parse_rule_action(c, at, k.present & RK(RK_ACTION), k.v[RK_ACTION], &rule->action);
}

/* Returns 1 and the array when the list is present, 0 when absent. */
static int get_rule_list(const struct pctx *c, json_object *doc, const char *key,
			 json_object **ret_arr, size_t *ret_n)
{
	char kat[PTR_MAX];
	json_object *v;
	size_t n;
	int r;

	if (!get_key(c, ".", doc, key, false, &v))
		return 0;
	ptr_key(kat, ".", key);
	r = get_array(c, kat, v, POLICY_RULES_MAX, "rules", "must not be empty", &n);
	if (r < 0)
		return r;
	*ret_arr = v;
	*ret_n = n;
	return 1;
}



/* ---- network rules -------------------------------------------------------------------- */

struct net_name {
	const char *name;
	__u16 value;
};

/* Address families by their socket(2) names without AF_; numbers from linux/socket.h. */
static const struct net_name net_families[] = {
	{ "unix", 1 }, { "inet", 2 }, { "ax25", 3 }, { "ipx", 4 }, { "appletalk", 5 },
	{ "x25", 9 }, { "inet6", 10 }, { "key", 15 }, { "netlink", 16 }, { "packet", 17 },
	{ "rds", 21 }, { "llc", 26 }, { "can", 29 }, { "tipc", 30 }, { "bluetooth", 31 },
	{ "alg", 38 }, { "vsock", 40 }, { "kcm", 41 }, { "qipcrtr", 42 }, { "smc", 43 },
	{ "xdp", 44 }, { "mctp", 45 }, { NULL, 0 },
};

static const struct net_name net_types[] = {
	{ "stream", 1 }, { "dgram", 2 }, { "raw", 3 }, { "rdm", 4 }, { "seqpacket", 5 },
	{ "dccp", 6 }, { "packet", 10 }, { NULL, 0 },
};

/* The protocols users name; any other is written as its number (0-255). */
static const struct net_name net_protocols[] = {
	{ "ip", 0 }, { "icmp", 1 }, { "igmp", 2 }, { "tcp", 6 }, { "udp", 17 },
	{ "ipv6", 41 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 }, { "icmpv6", 58 },
	{ "sctp", 132 }, { "udplite", 136 }, { "mptcp", 262 }, { "raw", 255 }, { NULL, 0 },
};

const char *policy_net_name(int what, __u16 value)
{
	const struct net_name *t = what == 0 ? net_families : what == 1 ? net_types :
				   net_protocols;

	for (; t->name; t++)
		if (t->value == value)
			return t->name;
	return NULL;
}

static const char *const net_op_names[RP_NET_OPS] = { "create", "connect", "bind", "listen" };

const char *policy_net_op_name(enum rp_net_op op)
{
	return (unsigned)op < RP_NET_OPS ? net_op_names[op] : "?";
}

static int parse_net_name(const struct pctx *c, const char *at, json_object *v,
			  const struct net_name *table, bool numbers, __u16 *ret)
{
	char expected[512];
	struct quoted q;
	size_t n = 0;
	const char *s;

	if (numbers && json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);

		if (x < 0 || x > 255)
			return fail(c, at, "protocol number %lld out of range (0-255)",
				    (long long)x);
		*ret = (__u16)x;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(c, at, "expected a string%s, got %s", numbers ? " or a number" : "",
			    type_name(v));
	s = json_object_get_string(v);
	for (const struct net_name *t = table; t->name; t++)
		if (strcmp(s, t->name) == 0) {
			*ret = t->value;
			return 0;
		}
	for (const struct net_name *t = table; t->name && n < sizeof(expected); t++)
		n += snprintf(expected + n, sizeof(expected) - n, "%s%s", n ? ", " : "", t->name);
	return fail(c, at, "unknown %s (expected %s%s)", quote_n(&q, s, json_object_get_string_len(v)),
		    expected, numbers ? ", or a number" : "");
}

static int parse_net_create(const struct pctx *c, const char *at, json_object *o,
			    struct policy_net_rule *r)
{
	static const char *const known[] = { "family", "type", "protocol", NULL };
	char kat[PTR_MAX];
	json_object *v;
	int ret;

	ret = get_object(c, at, o, known, NULL);
	if (ret < 0)
		return ret;
	r->type = RP_NET_ANY;
	r->protocol = RP_NET_ANY;
	ret = get_key(c, at, o, "family", true, &v);
	if (ret < 0)
		return ret;
	ret = parse_net_name(c, ptr_key(kat, at, "family"), v, net_families, false, &r->family);
	if (ret < 0)
		return ret;
	if (get_key(c, at, o, "type", false, &v)) {
		ret = parse_net_name(c, ptr_key(kat, at, "type"), v, net_types, false, &r->type);
		if (ret < 0)
			return ret;
	}
	if (get_key(c, at, o, "protocol", false, &v))
		return parse_net_name(c, ptr_key(kat, at, "protocol"), v, net_protocols, true,
				      &r->protocol);
	return 0;
}

/* "10.0.0.0/8", "192.168.1.1" (a /32), "fd00::/8", "::1": host bits must be zero. */
static int parse_net_address(const struct pctx *c, const char *at, json_object *v,
			     struct policy_net_rule *r)
{
	char text[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long bits;
	struct quoted q;
	bool v4;
	int ret;

	ret = expect_type(c, at, v, json_type_string);
	if (ret < 0)
		return ret;
	if ((size_t)json_object_get_string_len(v) >= sizeof(text))
		return fail(c, at, "invalid address %s (expected a CIDR such as 10.0.0.0/8 or "
			    "fd00::/8)", quote(&q, json_object_get_string(v)));
	strcpy(text, json_object_get_string(v));
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	v4 = inet_pton(AF_INET, text, r->addr + 12) == 1;
	if (v4) {
		memset(r->addr, 0, 10);
		r->addr[10] = r->addr[11] = 0xff;
	} else if (inet_pton(AF_INET6, text, r->addr) != 1) {
		return fail(c, at, "invalid address %s (expected a CIDR such as 10.0.0.0/8 or "
			    "fd00::/8)", quote(&q, json_object_get_string(v)));
	}
	bits = v4 ? 32 : 128;
	if (slash) {
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || bits > (v4 ? 32u : 128u) || slash[1] == '+' ||
		    slash[1] == '-' || slash[1] == ' ')
			return fail(c, at, "invalid prefix length in %s (expected 0-%d)",
				    quote(&q, json_object_get_string(v)), v4 ? 32 : 128);
	}
	r->prefix = (__u8)(bits + (v4 ? 96 : 0));
	for (unsigned i = r->prefix; i < 128; i++)
		if (r->addr[i / 8] & (0x80 >> (i % 8))) {
			char net[INET6_ADDRSTRLEN];

			for (unsigned j = r->prefix; j < 128; j++)
				r->addr[j / 8] &= ~(0x80 >> (j % 8));
			inet_ntop(v4 ? AF_INET : AF_INET6, r->addr + (v4 ? 12 : 0), net,
				  sizeof(net));
			return fail(c, at, "%s has host bits set (did you mean '%s/%lu'?)",
				    quote(&q, json_object_get_string(v)), net, bits);
		}
	if (slash)
		*slash = '/';
	else
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "/%lu", bits);
	r->addr_text = strdup(text);
	return r->addr_text ? 0 : oom(c);
}

static int parse_net_port(const struct pctx *c, const char *at, json_object *v, __u16 range[2])
{
	unsigned long lo, hi;
	struct quoted q;
	const char *s;
	char *end;

	if (json_object_is_type(v, json_type_int)) {
		int64_t x = json_object_get_int64(v);

		if (x < 0 || x > 65535)
			return fail(c, at, "port %lld out of range (0-65535)", (long long)x);
		range[0] = range[1] = (__u16)x;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(c, at, "expected a port number or a \"lo-hi\" range, got %s",
			    type_name(v));
	s = json_object_get_string(v);
	errno = 0;
	lo = strtoul(s, &end, 10);
	if (end == s || *end != '-' || s[0] < '0' || s[0] > '9')
		goto bad;
	s = end + 1;
	hi = strtoul(s, &end, 10);
	if (end == s || *end || s[0] < '0' || s[0] > '9' || errno)
		goto bad;
	if (lo > 65535 || hi > 65535 || lo > hi)
		return fail(c, at, "invalid port range %s (expected lo-hi with 0 <= lo <= hi "
			    "<= 65535)", quote(&q, json_object_get_string(v)));
	range[0] = (__u16)lo;
	range[1] = (__u16)hi;
	return 0;
bad:
	return fail(c, at, "invalid port range %s (expected a number, or \"lo-hi\" such as "
		    "\"8000-8080\")", quote(&q, json_object_get_string(v)));
}

static int parse_net_ports(const struct pctx *c, const char *at, json_object *v,
			   struct policy_net_rule *r)
{
	char iat[PTR_MAX];
	size_t n;
	int ret;

	ret = get_array(c, at, v, RP_NET_PORTS_MAX, "port ranges",
			"must not be empty (leave 'ports' out for any port)", &n);
	if (ret < 0)
		return ret;
	r->ports = calloc(n, sizeof(*r->ports));
	if (!r->ports)
		return oom(c);
	r->n_ports = n;
	for (size_t i = 0; i < n; i++) {
		ret = parse_net_port(c, ptr_index(iat, at, i), json_object_array_get_idx(v, i),
				     r->ports[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* A unix peer's bound name: an absolute path, or '@' and an abstract name. */
static int parse_net_unix(const struct pctx *c, const char *at, json_object *v,
			  struct policy_net_rule *r)
{
	struct quoted q;
	size_t len;
	const char *s;
	int ret;

	ret = get_string(c, at, v, &s, &len);
	if (ret < 0)
		return ret;
	if (memchr(s, '\0', len))
		return fail(c, at, "must not contain a NUL character");
	if (len < 2 || (s[0] != '/' && s[0] != '@'))
		return fail(c, at, "expected an absolute socket path or '@' and an abstract "
			    "name, got %s", quote_n(&q, s, len));
	if (len > RP_UNIX_NAME_MAX - (s[0] == '/'))
		return fail(c, at, "too long (%zu bytes, at most %d)", len,
			    RP_UNIX_NAME_MAX - (s[0] == '/'));
	r->unix_name = strdup(s);
	return r->unix_name ? 0 : oom(c);
}

static int parse_net_peer(const struct pctx *c, const char *at, json_object *o,
			  struct policy_net_rule *r)
{
	static const char *const known[] = { "address", "ports", "unix", NULL };
	char kat[PTR_MAX];
	json_object *v;
	int ret;

	ret = get_object(c, at, o, known, NULL);
	if (ret < 0)
		return ret;
	if (get_key(c, at, o, "unix", false, &v)) {
		if (r->op != RP_NET_CONNECT)
			return fail(c, ptr_key(kat, at, "unix"), "only valid with 'connect'");
		if (json_object_object_length(o) != 1)
			return fail(c, at, "'unix' excludes 'address' and 'ports'");
		return parse_net_unix(c, ptr_key(kat, at, "unix"), v, r);
	}
	if (get_key(c, at, o, "address", false, &v)) {
		ret = parse_net_address(c, ptr_key(kat, at, "address"), v, r);
		if (ret < 0)
			return ret;
	}
	if (get_key(c, at, o, "ports", false, &v))
		return parse_net_ports(c, ptr_key(kat, at, "ports"), v, r);
	return 0;
}

static int parse_net_rule(const struct pctx *c, const char *at, json_object *v, void *out)
{
	struct policy_net_rule *r = out;
	static const char *const known[] = { "create", "connect", "bind", "listen", "action",
					     NULL };
	static const struct key_hint hints[] = {
		{ "access", "only valid in file rules" },
		{ "path", "network rules name an operation: create, connect, bind or listen" },
		{ NULL, NULL },
	};
	size_t found = 0;
	bool has_action;
	char kat[PTR_MAX];
	json_object *o;
	int ret;

	ret = get_object(c, at, v, known, hints);
	if (ret < 0)
		return ret;
	for (int op = 0; op < RP_NET_OPS; op++)
		if (json_object_object_get_ex(v, net_op_names[op], NULL)) {
			found++;
			r->op = op;
		}
	if (found != 1)
		return fail(c, at, "exactly one of 'create', 'connect', 'bind', 'listen' is "
			    "required");
	json_object_object_get_ex(v, net_op_names[r->op], &o);
	ptr_key(kat, at, net_op_names[r->op]);
	ret = r->op == RP_NET_CREATE ? parse_net_create(c, kat, o, r) :
				       parse_net_peer(c, kat, o, r);
	if (ret < 0)
		return ret;
	has_action = json_object_object_get_ex(v, "action", &o);
	return parse_rule_action(c, at, has_action, o, &r->action);
}


typedef int (*parse_rule_fn)(const struct pctx *c, const char *at, json_object *v, void *rule);

/*
 * The rule list under key: each element parsed into an array of elem_size-byte rules.
 * All entries exist (zeroed) before the first is parsed, so policy_free() can undo a
 * partial list.
 */
static int parse_rule_list(const struct pctx *c, json_object *doc, const char *key,
			   size_t elem_size, parse_rule_fn parse, void **ret_rules, size_t *ret_n)
{
	char at[PTR_MAX], lat[PTR_MAX];
	json_object *arr;
	size_t n;
	int r;

	r = get_rule_list(c, doc, key, &arr, &n);
	if (r <= 0)
		return r;
	*ret_rules = calloc(n, elem_size);
	if (!*ret_rules)
		return oom(c);
	*ret_n = n;
	ptr_key(lat, "", key);
	for (size_t i = 0; i < n; i++) {
		r = parse(c, ptr_index(at, lat, i), json_object_array_get_idx(arr, i),
			  (char *)*ret_rules + i * elem_size);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_file_rules(const struct pctx *c, json_object *doc, struct policy *p)
{
	return parse_rule_list(c, doc, "file", sizeof(*p->file), parse_file_rule,
			       (void **)&p->file, &p->n_file);
}

static int parse_exec_rules(const struct pctx *c, json_object *doc, struct policy *p)
{
	return parse_rule_list(c, doc, "exec", sizeof(*p->exec), parse_exec_rule,
			       (void **)&p->exec, &p->n_exec);
}

static int parse_net_rules(const struct pctx *c, json_object *doc, struct policy *p)
{
	return parse_rule_list(c, doc, "network", sizeof(*p->net), parse_net_rule,
			       (void **)&p->net, &p->n_net);
}

/* ---- system calls --------------------------------------------------------------------- */

struct errno_name {
	const char *name;
	int value;
};

static const struct errno_name syscall_errnos[] = {
	{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS }, { NULL, 0 },
};

/* A name libseccomp knows for this machine's architecture, not among the seen ones. */
static int parse_syscall_name(const struct pctx *c, const char *at, json_object *v,
			      char *const *seen, size_t n_seen, char **ret_name)
{
	struct quoted q;
	const char *s;
	size_t len;
	int r;

	r = get_string(c, at, v, &s, &len);
	if (r < 0)
		return r;
	if (memchr(s, '\0', len) || seccomp_syscall_resolve_name(s) == __NR_SCMP_ERROR)
		return fail(c, at, "unknown system call %s", quote_n(&q, s, len));
	for (size_t i = 0; i < n_seen; i++)
		if (strcmp(seen[i], s) == 0)
			return fail(c, at, "duplicate system call %s", quote(&q, s));
	*ret_name = strdup(s);
	return *ret_name ? 0 : oom(c);
}

static int parse_syscall_names(const struct pctx *c, const char *at, json_object *v,
			       struct policy_syscalls *sc)
{
	char iat[PTR_MAX];
	size_t n;
	int r;

	r = get_array(c, at, v, POLICY_SYSCALLS_MAX, "system calls", "must not be empty", &n);
	if (r < 0)
		return r;
	sc->names = calloc(n, sizeof(*sc->names));
	if (!sc->names)
		return oom(c);
	sc->n = n;
	for (size_t i = 0; i < n; i++) {
		r = parse_syscall_name(c, ptr_index(iat, at, i), json_object_array_get_idx(v, i),
				       sc->names, i, &sc->names[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Default allow takes a 'deny' list (what is refused), default deny an 'allow' list. */
static int parse_syscall_list(const struct pctx *c, const char *at, json_object *obj,
			      struct policy_syscalls *sc)
{
	bool deny_default = sc->default_action == RP_ACT_DENY;
	const char *list = deny_default ? "allow" : "deny";
	const char *other = deny_default ? "deny" : "allow";
	char kat[PTR_MAX];
	json_object *v;

	if (json_object_object_get_ex(obj, other, NULL))
		return fail(c, ptr_key(kat, at, other), "only valid with default '%s' (the default "
			    "is '%s': list the calls to %s in '%s')", list, other,
			    deny_default ? "permit" : "refuse", list);
	ptr_key(kat, at, list);
	if (!json_object_object_get_ex(obj, list, &v))
		return fail(c, kat, "missing required key (the default is '%s')", other);
	return parse_syscall_names(c, kat, v, sc);
}

static int parse_syscall_errno(const struct pctx *c, const char *at, json_object *obj,
			       int *ret_errno)
{
	char kat[PTR_MAX];
	struct quoted q;
	json_object *v;
	const char *s;
	size_t len;
	int r;

	if (!get_key(c, at, obj, "errno", false, &v)) {
		*ret_errno = EPERM;
		return 0;
	}
	r = expect_type(c, ptr_key(kat, at, "errno"), v, json_type_string);
	if (r < 0)
		return r;
	s = json_object_get_string(v);
	len = json_object_get_string_len(v);
	for (const struct errno_name *e = syscall_errnos; e->name; e++)
		if (strlen(e->name) == len && strcmp(s, e->name) == 0) {
			*ret_errno = e->value;
			return 0;
		}
	return fail(c, kat, "unknown errno %s (expected EPERM, EACCES, ENOSYS)",
		    quote_n(&q, s, len));
}

static int parse_syscalls(const struct pctx *c, json_object *doc, struct policy *p)
{
	static const char *const known[] = { "default", "deny", "allow", "errno", NULL };
	struct policy_syscalls *sc = &p->syscalls;
	char at[PTR_MAX], kat[PTR_MAX];
	json_object *v, *d;
	int r;

	if (!get_key(c, ".", doc, "syscalls", false, &v))
		return 0;
	ptr_key(at, ".", "syscalls");
	r = get_object(c, at, v, known, NULL);
	if (r < 0)
		return r;
	sc->default_action = RP_ACT_ALLOW;
	if (get_key(c, at, v, "default", false, &d)) {
		r = parse_action(c, ptr_key(kat, at, "default"), d, true, &sc->default_action);
		if (r < 0)
			return r;
	}
	r = parse_syscall_list(c, at, v, sc);
	if (r < 0)
		return r;
	r = parse_syscall_errno(c, at, v, &sc->errno_value);
	if (r < 0)
		return r;
	sc->present = true;
	return 0;
}

/* ---- top level ------------------------------------------------------------------------ */

static int get_string_key(const struct pctx *c, json_object *doc, const char *key, bool required,
			  char at[PTR_MAX], json_object **ret_v)
{
	int r = get_key(c, ".", doc, key, required, ret_v);

	if (r <= 0)
		return r;
	r = expect_type(c, ptr_key(at, ".", key), *ret_v, json_type_string);
	return r < 0 ? r : 1;
}

static int parse_api_version(const struct pctx *c, json_object *doc)
{
	char at[PTR_MAX];
	struct quoted q;
	json_object *v;
	int r;

	r = get_string_key(c, doc, "apiVersion", true, at, &v);
	if (r < 0)
		return r;
	if (strcmp(json_object_get_string(v), POLICY_API_VERSION) == 0 &&
	    json_object_get_string_len(v) == strlen(POLICY_API_VERSION))
		return 0;
	return fail(c, at, "unsupported apiVersion %s (expected '" POLICY_API_VERSION "')",
		    quote_n(&q, json_object_get_string(v), json_object_get_string_len(v)));
}

/* [a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])? */
static bool valid_name(const char *s, size_t len)
{
	if (len == 0 || len > POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		bool alnum = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9');
		bool edge = i == 0 || i == len - 1;

		if (!alnum && (edge || !memchr("._-", s[i], 3)))
			return false;
	}
	return true;
}

static int parse_name(const struct pctx *c, json_object *doc, struct policy *p)
{
	char at[PTR_MAX];
	struct quoted q;
	json_object *v;
	size_t len;
	int r;

	r = get_string_key(c, doc, "name", true, at, &v);
	if (r < 0)
		return r;
	len = json_object_get_string_len(v);
	if (!valid_name(json_object_get_string(v), len))
		return fail(c, at, "invalid name %s (expected 1 to %d lowercase letters, digits, "
			    "'.', '_' or '-', starting and ending with a letter or digit)",
			    quote_n(&q, json_object_get_string(v), len), POLICY_NAME_MAX);
	p->name = strdup(json_object_get_string(v));
	return p->name ? 0 : oom(c);
}

static int parse_mode(const struct pctx *c, json_object *doc, struct policy *p)
{
	char at[PTR_MAX];
	struct quoted q;
	json_object *v;
	const char *s;
	int r;

	r = get_string_key(c, doc, "mode", false, at, &v);
	if (r <= 0)
		return r;
	s = json_object_get_string(v);
	if (strcmp(s, "enforce") == 0 || strcmp(s, "audit") == 0) {
		p->audit_mode = s[0] == 'a';
		return 0;
	}
	return fail(c, at, "unknown mode %s (expected enforce, audit)",
		    quote_n(&q, s, json_object_get_string_len(v)));
}

static int parse_cgroups(const struct pctx *c, const char *at, json_object *v, struct policy *p)
{
	char iat[PTR_MAX];
	struct quoted q;
	size_t n;
	int r;

	r = get_array(c, at, v, POLICY_SELECTORS_MAX, "cgroups", "must not be empty", &n);
	if (r < 0)
		return r;
	p->cgroups = calloc(n, sizeof(*p->cgroups));
	if (!p->cgroups)
		return oom(c);
	p->n_cgroups = n;
	for (size_t i = 0; i < n; i++) {
		ptr_index(iat, at, i);
		r = parse_path(c, iat, json_object_array_get_idx(v, i), PATH_CGROUP,
			       &p->cgroups[i]);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->cgroups[j], p->cgroups[i]) == 0)
				return fail(c, iat, "duplicate cgroup %s",
					    quote(&q, p->cgroups[i]));
	}
	return 0;
}

/* One glob of a container selector: 1..511 printable ASCII characters, a valid pattern. */
static int parse_container_glob(const struct pctx *c, const char *at, json_object *v,
				size_t max, char **ret)
{
	struct quoted q;
	const char *s;
	size_t len;
	int r;

	r = get_string(c, at, v, &s, &len);
	if (r < 0)
		return r;
	if (len == 0 || len > max)
		return fail(c, at, "expected 1 to %zu characters, got %zu", max, len);
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return fail(c, at, "%s: only printable ASCII without spaces is allowed",
				    quote_n(&q, s, len));
	if (strchr(s, '[') && !strchr(strchr(s, '['), ']'))
		return fail(c, at, "%s: '[' without a closing ']'", quote_n(&q, s, len));
	*ret = strdup(s);
	return *ret ? 0 : oom(c);
}

static int parse_container_sel(const struct pctx *c, const char *at, json_object *v,
			       struct policy_container_sel *sel)
{
	static const char *const known[] = { "namespace", "pod", "container", "image", NULL };
	static const size_t max[] = { 253, 253, 253, 511 };
	char *const *const fields[] = { &sel->ns, &sel->pod, &sel->container, &sel->image };
	char kat[PTR_MAX];
	json_object *g;
	bool any = false;
	int r;

	r = get_object(c, at, v, known, NULL);
	if (r < 0)
		return r;
	for (size_t k = 0; known[k]; k++) {
		if (!get_key(c, at, v, known[k], false, &g))
			continue;
		r = parse_container_glob(c, ptr_key(kat, at, known[k]), g, max[k],
					 (char **)fields[k]);
		if (r < 0)
			return r;
		any = true;
	}
	if (!any)
		return fail(c, at, "a container selector needs at least one of namespace, pod, "
			    "container, image");
	return 0;
}

static int parse_containers(const struct pctx *c, const char *at, json_object *v,
			    struct policy *p)
{
	char iat[PTR_MAX];
	size_t n;
	int r;

	r = get_array(c, at, v, POLICY_SELECTORS_MAX, "container selectors", "must not be empty",
		      &n);
	if (r < 0)
		return r;
	p->containers = calloc(n, sizeof(*p->containers));
	if (!p->containers)
		return oom(c);
	p->n_containers = n;
	for (size_t i = 0; i < n; i++) {
		r = parse_container_sel(c, ptr_index(iat, at, i), json_object_array_get_idx(v, i),
					&p->containers[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_selector(const struct pctx *c, json_object *doc, struct policy *p)
{
	static const char *const known[] = { "cgroups", "containers", NULL };
	char at[PTR_MAX], kat[PTR_MAX];
	json_object *v, *cg, *ct;
	bool has_cg, has_ct;
	int r;

	r = get_key(c, ".", doc, "selector", true, &v);
	if (r < 0)
		return r;
	ptr_key(at, ".", "selector");
	r = get_object(c, at, v, known, NULL);
	if (r < 0)
		return r;
	has_cg = get_key(c, at, v, "cgroups", false, &cg);
	has_ct = get_key(c, at, v, "containers", false, &ct);
	if (!has_cg && !has_ct)
		return fail(c, at, "expected 'cgroups', 'containers' or both");
	if (has_cg) {
		r = parse_cgroups(c, ptr_key(kat, at, "cgroups"), cg, p);
		if (r < 0)
			return r;
	}
	return has_ct ? parse_containers(c, ptr_key(kat, at, "containers"), ct, p) : 0;
}

static bool glob_matches(const char *pattern, const char *s)
{
	return !pattern || fnmatch(pattern, s, 0) == 0;
}

bool policy_selects_container(const struct policy *p, const struct policy_container *c)
{
	for (size_t i = 0; i < p->n_containers; i++) {
		const struct policy_container_sel *sel = &p->containers[i];

		if (glob_matches(sel->ns, c->ns) && glob_matches(sel->pod, c->pod) &&
		    glob_matches(sel->container, c->name) && glob_matches(sel->image, c->image))
			return true;
	}
	return false;
}

static int parse_defaults(const struct pctx *c, json_object *doc, struct policy *p)
{
	static const char *const known[] = { "file", "exec", "network", NULL };
	char at[PTR_MAX], kat[PTR_MAX];
	json_object *v, *d;
	int r;

	p->default_file = RP_ACT_ALLOW;
	p->default_exec = RP_ACT_ALLOW;
	p->default_net = RP_ACT_ALLOW;
	if (!get_key(c, ".", doc, "defaults", false, &v))
		return 0;
	ptr_key(at, ".", "defaults");
	r = get_object(c, at, v, known, NULL);
	if (r < 0)
		return r;
	if (get_key(c, at, v, "file", false, &d)) {
		r = parse_action(c, ptr_key(kat, at, "file"), d, true, &p->default_file);
		if (r < 0)
			return r;
	}
	if (get_key(c, at, v, "exec", false, &d)) {
		r = parse_action(c, ptr_key(kat, at, "exec"), d, true, &p->default_exec);
		if (r < 0)
			return r;
	}
	if (get_key(c, at, v, "network", false, &d))
		return parse_action(c, ptr_key(kat, at, "network"), d, true, &p->default_net);
	return 0;
}

static int parse_document(const struct pctx *c, json_object *doc, struct policy *p)
{
	static const char *const known[] = {
		"apiVersion", "name", "mode", "selector", "defaults", "file", "exec", "network",
		"syscalls", NULL,
	};
	static int (*const steps[])(const struct pctx *, json_object *, struct policy *) = {
		parse_name, parse_mode, parse_selector, parse_defaults, parse_file_rules,
		parse_exec_rules, parse_net_rules, parse_syscalls,
	};
	int r;

	r = get_object(c, ".", doc, known, NULL);
	if (r < 0)
		return r;
	r = parse_api_version(c, doc);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		r = steps[i](c, doc, p);
		if (r < 0)
			return r;
	}
	if (!p->n_file && !p->n_exec && !p->n_net && !p->syscalls.present)
		return fail(c, ".", "at least one of 'file', 'exec', 'network', 'syscalls' is "
			    "required");
	return 0;
}

/* ---- JSON text ------------------------------------------------------------------------ */

static unsigned int line_of(const char *s, size_t off)
{
	unsigned int line = 1;

	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n';
	return line;
}

static size_t bom_len(const char *json, size_t len)
{
	return len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* json needs a NUL at json[len]; the tokener is told about it so "1" is not incomplete. */
static int tokenize(const struct pctx *c, const char *json, size_t len, json_object **ret_root)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	json_object *root;
	size_t start, end;

	/* Some editors save a byte order mark; RFC 8259 lets parsers ignore it. */
	start = bom_len(json, len);
	tok = json_tokener_new();
	if (!tok)
		return oom(c);
	/* UTF-8 is checked by the scan for repeated keys, scan_string() */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json + start, (int)(len - start + 1));
	jerr = json_tokener_get_error(tok);
	end = start + json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success) {
		json_object_put(root);
		return fail(c, NULL, "invalid JSON at line %u: %s", line_of(json, end),
			    json_tokener_error_desc(jerr));
	}
	*ret_root = root;
	return 0;
}

/*
 * json-c keeps the last of repeated keys. In a policy that silently drops a rule's first
 * "action" or "path", so repeated keys are found here, on the text json-c accepted.
 */
struct scan {
	const struct pctx *c;
	const char *doc, *p;
};

/*
 * Where the scan is, built into a JSON pointer only when a duplicate is reported: one
 * link per enclosing object key or array index, on the stack.
 */
struct scan_at {
	const struct scan_at *up;	/* NULL: the document */
	const char *key;		/* NULL: an array element */
	size_t key_len, index;
};

static const char *scan_at_text(const struct scan_at *a, char buf[PTR_MAX])
{
	char shown[64], up[PTR_MAX];

	if (!a)
		return strcpy(buf, ".");
	scan_at_text(a->up, up);
	if (!a->key)
		return ptr_index(buf, up, a->index);
	return ptr_key(buf, up, escape(shown, sizeof(shown), a->key, a->key_len));
}

static int scan_value(struct scan *s, const struct scan_at *at);

static void scan_ws(struct scan *s)
{
	while (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')
		s->p++;
}

/*
 * Past a string; fails if its bytes are not well-formed UTF-8. (json-c's own check,
 * JSON_TOKENER_VALIDATE_UTF8, cost 12 instructions a byte of the whole document: this
 * is one comparison a byte of the strings.)
 */
static int scan_string(struct scan *s)
{
	char q = *s->p++;

	while (*s->p && *s->p != q) {
		const unsigned char *u = (const unsigned char *)s->p;
		size_t k;

		if (u[0] < 0x80) {
			s->p += u[0] == '\\' && u[1] ? 2 : 1;
			continue;
		}
		/* 4: the text ends with a NUL, which stops the check before the end */
		k = utf8_seq_len(u, 4);
		if (!k)
			return fail(s->c, NULL, "invalid JSON at line %u: invalid utf-8 string",
				    line_of(s->doc, (size_t)(s->p - s->doc)));
		s->p += k;
	}
	if (*s->p)
		s->p++;
	return 0;
}

/*
 * One key of an object. A key with no escape is its bytes in the document (no copy: a
 * large policy has tens of thousands of keys); else it is decoded as json-c stores it,
 * escapes decoded and cut at an embedded NUL, into owned.
 */
struct scan_key {
	const char *s;
	size_t len;
	char *owned;
};

static int key_read(const char *start, const char *end, struct scan_key *k)
{
	size_t len = end - start;
	json_object *o;
	char *raw;

	*k = (struct scan_key){ .s = "" };
	if (len < 2)
		return 0;
	if (start[0] == '"' && !memchr(start, '\\', len)) {
		k->s = start + 1;
		k->len = len - 2;
		return 0;
	}
	raw = strndup(start, len);
	if (!raw)
		return -ENOMEM;
	o = json_tokener_parse(raw);
	k->owned = strdup(o ? json_object_get_string(o) : raw);
	json_object_put(o);
	free(raw);
	if (!k->owned)
		return -ENOMEM;
	k->s = k->owned;
	k->len = strlen(k->owned);
	return 0;
}

/* Keys of one object seen so far: compared in a list while short, then in a hash table
 * (so that an object with very many keys costs no quadratic time). */
#define SCAN_KEYS_LISTED 16

struct scan_keys {
	struct scan_key list[SCAN_KEYS_LISTED];
	size_t n;
	json_object *set;	/* all keys, once there are more than the list holds */
};

/* The set's operations need the key as a C string: 1 if present, 0 if not (added when
 * add), -ENOMEM. */
static int scan_keys_set(json_object *set, const struct scan_key *key, bool add)
{
	char *text = strndup(key->s, key->len);
	int r;

	if (!text)
		return -ENOMEM;
	r = json_object_object_get_ex(set, text, NULL);
	if (!r && add && json_object_object_add(set, text, NULL) < 0)
		r = -ENOMEM;
	free(text);
	return r;
}

static int scan_keys_has(const struct scan_keys *k, const struct scan_key *key)
{
	if (k->set)
		return scan_keys_set(k->set, key, false);
	for (size_t i = 0; i < k->n; i++)
		if (k->list[i].len == key->len && memcmp(k->list[i].s, key->s, key->len) == 0)
			return 1;
	return 0;
}

/* Adds key: 1 when the list keeps it (its owned text freed by scan_keys_free()), 0 when
 * the hash table holds a copy (the caller still frees key->owned), or -ENOMEM. */
static int scan_keys_add(struct scan_keys *k, const struct scan_key *key)
{
	if (!k->set && k->n < SCAN_KEYS_LISTED) {
		k->list[k->n++] = *key;
		return 1;
	}
	if (!k->set) {
		k->set = json_object_new_object();
		for (size_t i = 0; k->set && i < k->n; i++)
			if (scan_keys_set(k->set, &k->list[i], true) < 0)
				return -ENOMEM;
	}
	if (!k->set || scan_keys_set(k->set, key, true) < 0)
		return -ENOMEM;
	return 0;
}

static void scan_keys_free(struct scan_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		free(k->list[i].owned);
	json_object_put(k->set);
}

/*
 * Reads a key into *key; a repeated one fails naming it and the object. *ret_free says
 * whether the caller frees key->owned (else k keeps it).
 */
static int scan_key(struct scan *s, const struct scan_at *at, struct scan_keys *k,
		    struct scan_key *key, bool *ret_free)
{
	const char *start = s->p;
	char where[PTR_MAX];
	struct quoted q;
	int r;

	r = scan_string(s);
	if (r < 0)
		return r;
	if (key_read(start, s->p, key) < 0)
		return oom(s->c);
	r = scan_keys_has(k, key);
	if (r > 0)
		r = fail(s->c, scan_at_text(at, where), "duplicate key %s",
			 quote_n(&q, key->s, key->len));
	if (r == 0)
		r = scan_keys_add(k, key);
	if (r < 0) {
		free(key->owned);
		return r == -ENOMEM ? oom(s->c) : r;
	}
	*ret_free = r == 0;
	return 0;
}

static int scan_object(struct scan *s, const struct scan_at *at)
{
	struct scan_keys k = {};
	int r = 0;

	for (s->p++; r == 0;) {
		struct scan_at kat = { .up = at };
		struct scan_key key;
		bool owned = false;

		scan_ws(s);
		if (!*s->p || *s->p == '}')
			break;
		if (*s->p == ',') {
			s->p++;
			continue;
		}
		r = scan_key(s, at, &k, &key, &owned);
		if (r < 0)
			break;
		kat.key = key.s;
		kat.key_len = key.len;
		scan_ws(s);
		if (*s->p == ':')
			s->p++;
		r = scan_value(s, &kat);
		if (owned)
			free(key.owned);
	}
	if (*s->p)
		s->p++;
	scan_keys_free(&k);
	return r;
}

static int scan_array(struct scan *s, const struct scan_at *at)
{
	struct scan_at iat = { .up = at };
	int r = 0;

	for (s->p++; r == 0;) {
		scan_ws(s);
		if (!*s->p || *s->p == ']')
			break;
		if (*s->p == ',') {
			s->p++;
			continue;
		}
		r = scan_value(s, &iat);
		iat.index++;
	}
	if (*s->p)
		s->p++;
	return r;
}

static int scan_value(struct scan *s, const struct scan_at *at)
{
	scan_ws(s);
	switch (*s->p) {
	case '{':
		return scan_object(s, at);
	case '[':
		return scan_array(s, at);
	case '"':
	case '\'':
		return scan_string(s);
	default:
		while (*s->p && !strchr(",]} \t\r\n", *s->p))
			s->p++;
		return 0;
	}
}

/* ---- entry points --------------------------------------------------------------------- */

static int build(const struct pctx *c, json_object *root, struct policy **ret_policy)
{
	struct policy *p = calloc(1, sizeof(*p));
	int r;

	if (!p || !(p->source = strdup(c->source))) {
		free(p);
		return oom(c);
	}
	r = parse_document(c, root, p);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	*ret_policy = p;
	return 0;
}

static int parse_buffer(const struct pctx *c, const char *json, size_t len,
			struct policy **ret_policy)
{
	const char *nul = memchr(json, '\0', len);
	json_object *root = NULL;
	int r;

	if (len > POLICY_DOC_MAX)
		return fail_with(c, -EFBIG, NULL, "larger than the limit of 16 MiB");
	if (nul)
		return fail(c, NULL, "invalid JSON at line %u: NUL byte",
			    line_of(json, nul - json));
	r = tokenize(c, json, len, &root);
	if (r < 0)
		return r;
	r = scan_value(&(struct scan){ .c = c, .doc = json, .p = json + bom_len(json, len) }, NULL);
	if (r == 0)
		r = build(c, root, ret_policy);
	json_object_put(root);
	return r;
}

int policy_parse_string(const char *json, const char *source, struct policy **ret_policy,
			struct policy_error *err)
{
	struct pctx c = { .source = source ? source : "<string>", .err = err };

	return parse_buffer(&c, json, strlen(json), ret_policy);
}

/* Reads at most one byte more than a document may have, to tell "too large" apart. */
static int read_all(const struct pctx *c, int fd, size_t hint, char **ret_buf, size_t *ret_len)
{
	size_t cap = hint < POLICY_DOC_MAX ? hint + 1 : POLICY_DOC_MAX + 1, len = 0;
	char *buf = malloc(cap + 1), *nbuf;
	ssize_t n;

	while (buf) {
		if (len == cap && cap > POLICY_DOC_MAX)
			break;
		if (len == cap) {
			cap = cap * 2 < POLICY_DOC_MAX + 1 ? cap * 2 : POLICY_DOC_MAX + 1;
			nbuf = realloc(buf, cap + 1);
			if (!nbuf) {
				free(buf);
				return oom(c);
			}
			buf = nbuf;
		}
		n = read(fd, buf + len, cap - len);
		if (n == 0)
			break;
		if (n > 0) {
			len += n;
		} else if (errno != EINTR) {
			free(buf);
			return fail_with(c, -errno, NULL, "cannot read: %s", strerror(errno));
		}
	}
	if (!buf)
		return oom(c);
	if (len > POLICY_DOC_MAX) {
		free(buf);
		return fail_with(c, -EFBIG, NULL, "larger than the limit of 16 MiB");
	}
	buf[len] = '\0';
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int read_file(const struct pctx *c, const char *path, char **ret_buf, size_t *ret_len)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fail_with(c, -errno, NULL, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = fail_with(c, -errno, NULL, "cannot stat: %s", strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		r = fail_with(c, -EISDIR, NULL, "is a directory, expected a policy file");
	} else {
		r = read_all(c, fd, S_ISREG(st.st_mode) ? (size_t)st.st_size : 4096, ret_buf,
			     ret_len);
	}
	close(fd);
	return r;
}

int policy_parse_file(const char *path, struct policy **ret_policy, struct policy_error *err)
{
	struct pctx c = { .source = path, .err = err };
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = read_file(&c, path, &buf, &len);
	if (r < 0)
		return r;
	r = parse_buffer(&c, buf, len, ret_policy);
	free(buf);
	return r;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->source);
	for (size_t i = 0; i < p->n_cgroups; i++)
		free(p->cgroups[i]);
	free(p->cgroups);
	for (size_t i = 0; i < p->n_containers; i++) {
		free(p->containers[i].ns);
		free(p->containers[i].pod);
		free(p->containers[i].container);
		free(p->containers[i].image);
	}
	free(p->containers);
	for (size_t i = 0; i < p->n_file; i++)
		free(p->file[i].object.text);
	free(p->file);
	for (size_t i = 0; i < p->n_exec; i++) {
		free(p->exec[i].object.text);
		free(p->exec[i].parent.text);
	}
	free(p->exec);
	for (size_t i = 0; i < p->n_net; i++) {
		free(p->net[i].unix_name);
		free(p->net[i].addr_text);
		free(p->net[i].ports);
	}
	free(p->net);
	for (size_t i = 0; i < p->syscalls.n; i++)
		free(p->syscalls.names[i]);
	free(p->syscalls.names);
	free(p);
}

/* ---- sets ----------------------------------------------------------------------------- */

struct plist {
	struct policy **v;
	size_t n, cap;
};

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		policy_free(l->v[i]);
	free(l->v);
}

/* Takes p: adds it or frees it. */
static int plist_add(struct plist *l, struct policy *p, struct policy_error *err)
{
	const struct pctx c = { .source = p->source, .err = err };
	struct policy **nv;
	struct quoted q;
	int r;

	for (size_t i = 0; i < l->n; i++) {
		if (strcmp(l->v[i]->name, p->name) != 0)
			continue;
		r = fail(&c, ".name", "duplicate policy name %s (also in %s)", quote(&q, p->name),
			 l->v[i]->source);
		policy_free(p);
		return r;
	}
	if (l->n == l->cap) {
		nv = realloc(l->v, (l->cap ? l->cap * 2 : 8) * sizeof(*nv));
		if (!nv) {
			r = oom(&c);	/* before the free: c.source is p's */
			policy_free(p);
			return r;
		}
		l->v = nv;
		l->cap = l->cap ? l->cap * 2 : 8;
	}
	l->v[l->n++] = p;
	return 0;
}

static int load_file(const char *path, struct plist *l, struct policy_error *err)
{
	struct policy *p = NULL;
	int r;

	r = policy_parse_file(path, &p, err);
	if (r < 0)
		return r;
	return plist_add(l, p, err);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_policy_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".json") == 0;
}

static char *join(const char *dir, const char *name)
{
	size_t dlen = strlen(dir), size;
	char *path;

	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	size = dlen + strlen(name) + 2;
	path = malloc(size);
	if (path)
		snprintf(path, size, "%.*s%s%s", (int)dlen, dir, dir[dlen - 1] == '/' ? "" : "/",
			 name);
	return path;
}

struct names {
	char **v;
	size_t n, cap;
};

static void names_free(struct names *nm)
{
	for (size_t i = 0; i < nm->n; i++)
		free(nm->v[i]);
	free(nm->v);
}

/* Adds the full path of one directory entry if it is a policy file. Symbolic links are
 * followed: a Kubernetes ConfigMap volume is a directory of links into "..data/". */
static int add_entry(const struct pctx *c, DIR *d, const char *dir, const char *name,
		     struct names *nm)
{
	struct pctx ec = *c;
	struct stat st;
	char **nv, *path;

	if (!is_policy_name(name))
		return 0;
	path = join(dir, name);
	if (!path)
		return oom(c);
	ec.source = path;
	if (fstatat(dirfd(d), name, &st, 0) < 0) {
		int r = fail_with(&ec, -errno, NULL, "cannot open: %s", strerror(errno));

		free(path);
		return r;
	}
	if (!S_ISREG(st.st_mode)) {
		free(path);
		return 0;
	}
	if (nm->n == nm->cap) {
		nv = realloc(nm->v, (nm->cap ? nm->cap * 2 : 16) * sizeof(*nv));
		if (!nv) {
			free(path);
			return oom(c);
		}
		nm->v = nv;
		nm->cap = nm->cap ? nm->cap * 2 : 16;
	}
	nm->v[nm->n++] = path;
	return 0;
}

static int list_dir(const struct pctx *c, const char *dir, struct names *nm)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d)
		return fail_with(c, -errno, NULL, "cannot open: %s", strerror(errno));
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				r = fail_with(c, -errno, NULL, "cannot read: %s", strerror(errno));
			break;
		}
		r = add_entry(c, d, dir, de->d_name, nm);
		if (r < 0)
			break;
	}
	closedir(d);
	return r;
}

static int load_dir(const char *dir, struct plist *l, struct policy_error *err)
{
	const struct pctx c = { .source = dir, .err = err };
	struct names nm = { 0 };
	int r;

	r = list_dir(&c, dir, &nm);
	if (r == 0 && nm.n == 0)
		r = fail_with(&c, -ENOENT, NULL, "no *.json policies found");
	/* Sorted so the order, and which of two duplicates is reported, never depends on
	 * the file system. */
	if (r == 0)
		qsort(nm.v, nm.n, sizeof(*nm.v), cmp_names);
	for (size_t i = 0; r == 0 && i < nm.n; i++)
		r = load_file(nm.v[i], l, err);
	names_free(&nm);
	return r;
}

int policy_set_load(const char *const *paths, size_t n_paths, struct policy_set *ret_set,
		    struct policy_error *err)
{
	const struct pctx none = { .source = "rampart", .err = err };
	struct plist l = { 0 };
	struct stat st;
	int r = 0;

	for (size_t i = 0; r == 0 && i < n_paths; i++) {
		const struct pctx c = { .source = paths[i], .err = err };

		if (stat(paths[i], &st) < 0)
			r = fail_with(&c, -errno, NULL, "cannot open: %s", strerror(errno));
		else if (S_ISDIR(st.st_mode))
			r = load_dir(paths[i], &l, err);
		else
			r = load_file(paths[i], &l, err);
	}
	if (r == 0 && l.n == 0)
		r = fail_with(&none, -ENOENT, NULL, "no policies given");
	if (r < 0) {
		plist_free(&l);
		return r;
	}
	ret_set->policies = l.v;
	ret_set->n = l.n;
	return 0;
}

void policy_set_free(struct policy_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		policy_free(set->policies[i]);
	free(set->policies);
	set->policies = NULL;
	set->n = 0;
}

const char *policy_action_name(enum rp_action a)
{
	switch (a) {
	case RP_ACT_NONE:
		return "none";
	case RP_ACT_ALLOW:
		return "allow";
	case RP_ACT_AUDIT:
		return "audit";
	case RP_ACT_DENY:
		return "deny";
	}
	return "unknown";
}

const char *policy_access_names(__u32 access, char *buf, size_t size)
{
	size_t o = 0;
	int n;

	if (!buf || size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(access_names) / sizeof(access_names[0]); i++) {
		if (!(access & (1u << i)))
			continue;
		n = snprintf(buf + o, size - o, "%s%s", o ? "," : "", access_names[i]);
		if (n < 0 || (size_t)n >= size - o) {
			buf[o] = '\0';	/* whole names only */
			break;
		}
		o += n;
	}
	if (o == 0)
		snprintf(buf, size, "none");
	return buf;
}
