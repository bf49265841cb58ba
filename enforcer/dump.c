// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <string.h>

#include "dump.h"

static const char *const dump_access[RP_ACC_BITS] = {
	"read", "write", "append", "create", "truncate", "exec",
};

static const char *dump_kind(__u16 kind)
{
	switch (kind & 0xff) {
	case RP_KEY_FILE_PATH: return "file path";
	case RP_KEY_FILE_DIR: return "file dir";
	case RP_KEY_FILE_TREE: return "file dir/**";
	case RP_KEY_EXEC_PATH: return "exec path";
	case RP_KEY_EXEC_DIR: return "exec dir";
	case RP_KEY_EXEC_TREE: return "exec dir/**";
	case RP_KEY_EXEC_FILELESS: return "exec fileless";
	case RP_KEY_PARENT_PATH: return "parent path";
	case RP_KEY_PARENT_DIR: return "parent dir";
	case RP_KEY_PARENT_TREE: return "parent dir/**";
	case RP_KEY_FILE_GLOB: return "file glob";
	case RP_KEY_EXEC_GLOB: return "exec glob";
	case RP_KEY_GLOB_SHAPE: return "glob shape";
	case RP_KEY_NET_CREATE: return "net create";
	case RP_KEY_NET_UNIX: return "net unix";
	case RP_KEY_NET_DEFAULT: return "net default";
	default: return "?";
	}
}

static void dump_rule(const struct compiled_set *c, __u32 id, FILE *out)
{
	const struct compile_rule *r = compiled_rule(c, id);

	if (r)
		fprintf(out, "%s %s%s", r->policy, r->label, r->audit_mode ? " (audit mode)" : "");
	else
		fprintf(out, "rule %u", id);
}

/* "read=deny [web file[0]], write=allow [...]" for the accesses a value decides. */
static void dump_actions(const struct compiled_set *c, const struct rp_value *v, FILE *out)
{
	static const char *const names[] = { "none", "allow", "audit", "deny" };
	const char *sep = "";
	bool same = true;

	for (int bit = 1; bit < RP_ACC_BITS; bit++)
		same = same && RP_ACTION_OF(v->actions, bit) == RP_ACTION_OF(v->actions, 0) &&
		       v->id[bit] == v->id[0];
	if (same && RP_ACTION_OF(v->actions, 0) != RP_ACT_NONE) {
		fprintf(out, "all=%s [", names[RP_ACTION_OF(v->actions, 0)]);
		dump_rule(c, v->id[0], out);
		fputc(']', out);
		return;
	}
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		unsigned a = RP_ACTION_OF(v->actions, bit);

		if (a == RP_ACT_NONE)
			continue;
		fprintf(out, "%s%s=%s [", sep, dump_access[bit], names[a]);
		dump_rule(c, v->id[bit], out);
		fputc(']', out);
		sep = ", ";
	}
}

static void dump_depths(const char *what, __u32 mask, FILE *out)
{
	if (!mask)
		return;
	fprintf(out, " %s", what);
	for (int d = 0; d <= RP_RULE_DEPTH_MAX; d++)
		if (mask & (1u << d))
			fprintf(out, "%s%d", mask & ((1u << d) - 1) ? "," : "=", d);
}

static void dump_ruleset(const struct compiled_set *c, const struct rp_value *rs, FILE *out)
{
	static const char *const names[] = { "none", "allow", "audit", "deny" };
	static const char *const cats[] = { "file", "exec", "parent" };

	fprintf(out, "  defaults: file ");
	dump_actions(c, rs, out);
	fprintf(out, "\n  defaults: exec=%s [", names[rs->exec_action & 3]);
	dump_rule(c, rs->exec_id, out);
	fprintf(out, "]\n  lookups:");
	if (rs->shape_flags & RP_SHAPE_FILE_PATHS)
		fprintf(out, " file-paths");
	if (rs->shape_flags & RP_SHAPE_EXEC_RULES)
		fprintf(out, " exec");
	if (rs->shape_flags & RP_SHAPE_FILELESS)
		fprintf(out, " fileless");
	if (rs->shape_flags & RP_SHAPE_PARENTS)
		fprintf(out, " parents");
	if (rs->shape_flags & RP_SHAPE_NET_CREATE)
		fprintf(out, " net-create");
	if (rs->shape_flags & RP_SHAPE_NET_UNIX)
		fprintf(out, " net-unix");
	if (rs->shape_flags & RP_SHAPE_NET_INET)
		fprintf(out, " net-inet");
	if (rs->shape_flags & RP_SHAPE_NET_DEFAULT)
		fprintf(out, " net-default");
	if (rs->glob_shapes[RP_CAT_FILE])
		fprintf(out, " file-glob-shapes=%u", rs->glob_shapes[RP_CAT_FILE]);
	if (rs->glob_shapes[RP_CAT_EXEC])
		fprintf(out, " exec-glob-shapes=%u", rs->glob_shapes[RP_CAT_EXEC]);
	for (int i = 0; i < 3; i++) {
		char what[32];

		snprintf(what, sizeof(what), "%s-dir-depths", cats[i]);
		dump_depths(what, rs->dir_depths[i], out);
		snprintf(what, sizeof(what), "%s-tree-depths", cats[i]);
		dump_depths(what, rs->tree_depths[i], out);
	}
	fputc('\n', out);
}

static void dump_entry(const struct compiled_set *c, size_t i, FILE *out)
{
	const struct compile_entry *e = &c->entries[i];
	const char *text = c->texts && c->texts[i] ? c->texts[i] : "";
	unsigned kind = e->key.kind & 0xff, class = e->key.kind >> 8;

	if (kind == RP_KEY_GLOB_SHAPE) {
		fprintf(out, "  glob shape    %s #%u: %u components%s\n",
			e->key.hash >> 8 ? "exec" : "file", (unsigned)(e->key.hash & 0xff),
			e->value.glob.ncomp, e->value.glob.tree ? " and /**" : "");
		return;
	}
	if (kind >= RP_KEY_NET_CREATE && kind <= RP_KEY_NET_DEFAULT) {
		static const char *const names[] = { "none", "allow", "audit", "deny" };

		fprintf(out, "  %-13s %s%s%s [", dump_kind(kind), text, *text ? ": " : "",
			names[RP_ACTION_OF(e->value.actions, 0)]);
		dump_rule(c, e->value.id[0], out);
		fprintf(out, "]\n");
		return;
	}
	fprintf(out, "  %-13s %s", dump_kind(e->key.kind), text);
	if (kind == RP_KEY_FILE_GLOB || kind == RP_KEY_EXEC_GLOB)
		fprintf(out, " (%u literal characters)", e->value.flags);
	if (kind >= RP_KEY_PARENT_PATH && kind <= RP_KEY_PARENT_TREE) {
		fprintf(out, " -> parent classes");
		for (unsigned b = 1; b <= RP_PARENT_CLASSES_MAX; b++)
			if (e->value.id[0] & (1u << b))
				fprintf(out, " %u", b);
		fputc('\n', out);
		return;
	}
	if (class)
		fprintf(out, " (when the caller matches parent class %u)", class);
	fprintf(out, ": ");
	dump_actions(c, &e->value, out);
	fputc('\n', out);
}

/* "  net connect   10.0.0.0/8: 443 deny [web network[0]], any allow [...]" */
static void dump_net_node(const struct compiled_set *c, const struct compile_net_entry *n,
			  FILE *out)
{
	static const char *const names[] = { "none", "allow", "audit", "deny" };

	fprintf(out, "  net %-9s %s:", policy_net_op_name(n->key.op), n->text);
	for (unsigned i = 0; i < n->value.n; i++) {
		const struct rp_net_port *p = &n->value.ports[i];

		if (p->lo == 0 && p->hi == 65535)
			fprintf(out, "%s any port", i ? "," : "");
		else if (p->lo == p->hi)
			fprintf(out, "%s port %u", i ? "," : "", p->lo);
		else
			fprintf(out, "%s ports %u-%u", i ? "," : "", p->lo, p->hi);
		fprintf(out, " %s [", names[p->action & 3]);
		dump_rule(c, p->rule_id, out);
		fputc(']', out);
	}
	fputc('\n', out);
}

void dump_compiled(const struct compiled_set *c, FILE *out)
{
	fprintf(out, "%zu rulesets, %zu selected cgroups, %zu map entries, %zu rules\n",
		c->n_rulesets, c->n_subjects, c->n_entries, c->n_rules);
	for (size_t rs = 0; rs < c->n_rulesets; rs++) {
		fprintf(out, "ruleset %zu\n", rs);
		for (size_t i = 0; i < c->n_entries; i++)
			if (c->entries[i].key.kind == RP_KEY_SUBJECT && c->entries[i].value.id[0] == rs)
				fprintf(out, "  cgroup        %s%s\n", c->texts[i] ? c->texts[i] : "?",
					c->texts[i] && strchr(c->texts[i], '*') ?
					" (a pattern: each cgroup it names when loaded)" : "");
		for (size_t i = 0; i < c->n_entries; i++)
			if (c->entries[i].key.kind == RP_KEY_RULESET && c->entries[i].key.ruleset == rs)
				dump_ruleset(c, &c->entries[i].value, out);
		for (size_t i = 0; i < c->n_entries; i++) {
			const struct rp_key *k = &c->entries[i].key;

			if (k->kind != RP_KEY_SUBJECT && k->kind != RP_KEY_RULESET && k->ruleset == rs)
				dump_entry(c, i, out);
		}
		for (size_t i = 0; i < c->n_net; i++)
			if (c->net[i].key.ruleset == rs)
				dump_net_node(c, &c->net[i], out);
	}
}
