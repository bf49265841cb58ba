/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Matching a resolved path against a ruleset: the exact path, then the direct entries
 * of its parent, then each enclosing directory from the deepest up. Each level costs at
 * most one hash and one lookup per parent class, and only levels that some rule of the
 * ruleset uses are visited, so the cost does not depend on how many rules there are.
 */
#ifndef RAMPART_MATCH_BPF_H
#define RAMPART_MATCH_BPF_H

/* Global (verified once): the keyed hash of the first len bytes of p. */
__noinline __u64 rp_hash(const struct rp_pathbuf *p, __u32 len)
{
	struct rp_hash_key key = { .k0 = rp_hash_key.k0, .k1 = rp_hash_key.k1 };

	if (!p || len >= RP_PATH_MAX)
		return 0;
	return rp_siphash(p->s, len, &key);
}

#define RP_NOT_SCANNED (-2)	/* rp_pathinfo.parent_depth before rp_path_scan() */

struct rp_scan_ctx {
	const struct rp_pathbuf *p;
	struct rp_pathinfo *info;
	__u32 len;
	__s32 slashes;
};

/* One word of the path per call: bpf_loop's call costs more than eight byte tests. */
static long rp_scan_word(__u32 w, void *data)
{
	struct rp_scan_ctx *c = data;
	__u32 base = w * 8;

	if (base >= c->len)
		return 1;
#pragma unroll
	for (__u32 b = 0; b < 8; b++) {
		__u32 i = base + b;

		if (i >= c->len)
			return 1;
		/* the leading '/' is prefix[0], "/" itself */
		if (i == 0 || c->p->s[i & (RP_PATH_MAX - 1)] != '/')
			continue;
		c->slashes++;
		if (c->slashes <= RP_RULE_DEPTH_MAX)
			c->info->prefix[c->slashes & RP_RULE_DEPTH_MAX] = i;
	}
	return 0;
}

/*
 * Global (verified once): where the directory prefixes of the len-byte path p end. The
 * scan runs under bpf_loop(): as a plain loop the verifier walks every slash count.
 */
__noinline int rp_path_scan(const struct rp_pathbuf *p, __u32 len, struct rp_pathinfo *info)
{
	struct rp_scan_ctx c = { .p = p, .info = info, .len = len };

	if (!p || !info)
		return 0;
	info->parent_depth = -1;
	if (len == 0 || len >= RP_PATH_MAX || p->s[0] != '/')
		return 0;
	info->prefix[0] = 1;	/* "/" */
	bpf_loop((len + 7) / 8, rp_scan_word, &c, 0);
	info->parent_depth = c.slashes;
	return 0;
}

/* Takes from v the accesses in want that d has not decided yet. */
static __always_inline void rp_take(struct rp_decision *d, const struct rp_value *v, __u32 want)
{
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		__u16 a = RP_ACTION_OF(v->actions, bit);

		if (!(want & (1u << bit)) || (d->covered & (1u << bit)) || a == RP_ACT_NONE)
			continue;
		d->actions |= a << (2 * bit);
		d->id[bit] = v->id[bit];
		d->covered |= 1u << bit;
	}
}

/* Keeps the strictest of d and v per access in want: rules of equal specificity. */
static __always_inline void rp_strictest(struct rp_decision *d, const struct rp_value *v, __u32 want)
{
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		__u16 a = RP_ACTION_OF(v->actions, bit);

		if (!(want & (1u << bit)) || a == RP_ACT_NONE || a <= RP_ACTION_OF(d->actions, bit))
			continue;
		d->actions = (d->actions & ~(3u << (2 * bit))) | (a << (2 * bit));
		d->id[bit] = v->id[bit];
		d->covered |= 1u << bit;
	}
}

struct rp_match {
	__u64 full_hash;	/* keyed hash of the whole path */
	__u32 gen;
	__u16 ruleset;
	__u16 kind;		/* RP_KEY_FILE_PATH or RP_KEY_EXEC_PATH: the triple's first kind */
	__u32 classes;		/* parent classes the executing program matches (exec only) */
	__u32 want;		/* access bits to decide */
	__s32 cat;		/* enum rp_category: which depth masks of the ruleset apply */
	__u16 len;		/* path length */
	__u8 n_globs;		/* glob shapes of the ruleset for cat */
	__u8 pad;
};

/* Global: merges the entry (kind, hash), if any, into lvl; strictest or first-come. */
__noinline int rp_level_entry(const struct rp_match *m, __u16 kind, __u64 hash,
			      struct rp_decision *lvl, int strictest)
{
	struct rp_value *v;

	if (!m || !lvl)
		return 0;
	v = rp_lookup(m->gen, kind, m->ruleset, hash);
	if (!v)
		return 0;
	if (strictest)
		rp_strictest(lvl, v, lvl->want);
	else
		rp_take(lvl, v, lvl->want);
	return 1;
}

/*
 * One level: entries with a matching parent condition first, the more specific, then
 * the unconditional entry for the accesses they left open. Global, like the functions
 * below, so the verifier checks each once instead of once per loop iteration.
 */
__noinline int rp_match_level(const struct rp_match *m, __u16 kind, __u64 hash,
			      struct rp_decision *d)
{
	struct rp_decision lvl = {};

	if (!m || !d)
		return 0;
	lvl.want = m->want & ~d->covered;
	for (__u32 c = 1; c <= RP_PARENT_CLASSES_MAX; c++) {
		if (!(m->classes >> c))
			break;
		if (m->classes & (1u << c))
			rp_level_entry(m, RP_KEY_KIND(kind, c), hash, &lvl, 1);
	}
	rp_level_entry(m, kind, hash, &lvl, 0);
	/* lvl decided only accesses d left open */
	d->actions |= lvl.actions;
	d->covered |= lvl.covered;
	for (int bit = 0; bit < RP_ACC_BITS; bit++)
		if (lvl.covered & (1u << bit))
			d->id[bit] = lvl.id[bit];
	return 0;
}

/*
 * Decides the accesses of m->want still open in d by the directory rules of one triple:
 * direct entries of the parent, then enclosing directories, deepest first. Accesses no
 * rule covers stay undecided.
 */
__noinline int rp_match_path(const struct rp_match *m, const struct rp_value *rs,
			     const struct rp_pathbuf *p, const struct rp_pathinfo *info,
			     struct rp_decision *d)
{
	__s32 pd, top, cat;

	if (!m || !rs || !p || !info || !d || m->cat < 0 || m->cat >= RP_CAT_PARENT)
		return 0;
	cat = m->cat;
	pd = info->parent_depth;
	if (d->covered == m->want || pd < 0)
		return 0;
	if (pd <= RP_RULE_DEPTH_MAX && (rs->dir_depths[cat] & (1u << pd)))
		rp_match_level(m, m->kind + RP_KIND_DIR,
			       rp_hash(p, info->prefix[pd & RP_RULE_DEPTH_MAX]), d);
	top = pd < RP_RULE_DEPTH_MAX ? pd : RP_RULE_DEPTH_MAX;
	for (__s32 i = 0; i <= RP_RULE_DEPTH_MAX; i++) {
		__s32 depth = top - i;

		if (depth < 0 || d->covered == m->want)
			break;
		if (!(rs->tree_depths[cat] & (1u << depth)))
			continue;
		rp_match_level(m, m->kind + RP_KIND_TREE,
			       rp_hash(p, info->prefix[depth & RP_RULE_DEPTH_MAX]), d);
	}
	return 0;
}

/* Component i of a path: where it starts and how long it is. */
static __always_inline void rp_component(const struct rp_pathinfo *info, __u32 len, __u32 i,
					 __u32 *start, __u32 *clen)
{
	__u32 end;

	*start = i == 0 ? 1 : (__u32)info->prefix[i & RP_RULE_DEPTH_MAX] + 1;
	end = (__s32)i < info->parent_depth ? info->prefix[(i + 1) & RP_RULE_DEPTH_MAX] : len;
	*clen = end > *start ? end - *start : 0;
}

/* x & mask (a constant) that clang cannot drop when it knows x is small already: the
 * verifier may not know it (a test's bound can be lost through a spill), and needs the
 * bound to accept the access. */
#define RP_MASKED(x, mask) ({						\
	__u32 __v = (x);						\
	asm volatile("%[v] &= %[m]" : [v] "+r"(__v) : [m] "i"(mask));	\
	__v;								\
})

/* x & (RP_PATH_MAX - 1), kept (RP_MASKED()). */
static __always_inline __u32 rp_bound(__u32 x)
{
	return RP_MASKED(x, RP_PATH_MAX - 1);
}

/* Appends n bytes of p at src to out at *off, through one helper call. */
static __always_inline void rp_canon_copy(struct rp_canonbuf *out, __u32 *off,
					  const struct rp_pathbuf *p, __u32 src, __u32 n)
{
	n = rp_bound(n);
	if (n)
		bpf_probe_read_kernel(&out->s[rp_bound(*off)], n, &p->s[rp_bound(src)]);
	*off += n;
}

static __always_inline void rp_canon_put(struct rp_canonbuf *out, __u32 *off, char c)
{
	out->s[rp_bound(*off)] = c;
	*off += 1;
}

/*
 * Global: writes the len-byte path p in the form of glob shape sh into out and returns
 * its length, or -1 when the path cannot have that form (component count, or a
 * component shorter than a prefix and suffix).
 */
__noinline int rp_glob_canon(const struct rp_glob_shape *sh, const struct rp_pathbuf *p,
			     const struct rp_pathinfo *info, __u32 len, struct rp_canonbuf *out)
{
	__u32 off = 0, start, clen;
	__s32 ncomp;

	if (!sh || !p || !info || !out || info->parent_depth < 0 || len >= RP_PATH_MAX)
		return -1;
	ncomp = info->parent_depth + 1;
	if (sh->ncomp > RP_GLOB_COMPS_MAX || (sh->tree ? ncomp <= sh->ncomp : ncomp != sh->ncomp))
		return -1;
	for (__u32 i = 0; i < RP_GLOB_COMPS_MAX; i++) {
		if (i >= sh->ncomp)
			break;
		rp_component(info, len, i, &start, &clen);
		rp_canon_put(out, &off, '/');
		if (sh->kind[i] == RP_GLOB_LITERAL) {
			rp_canon_copy(out, &off, p, start, clen);
		} else if (sh->kind[i] == RP_GLOB_STAR) {
			rp_canon_put(out, &off, '*');
		} else {
			if (clen < (__u32)sh->pre[i] + sh->suf[i])
				return -1;
			rp_canon_copy(out, &off, p, start, sh->pre[i]);
			rp_canon_put(out, &off, '*');
			rp_canon_copy(out, &off, p, start + clen - sh->suf[i], sh->suf[i]);
		}
		if (off >= RP_PATH_MAX - 4)
			return -1;
	}
	if (sh->tree) {
		rp_canon_put(out, &off, '/');
		rp_canon_put(out, &off, '*');
		rp_canon_put(out, &off, '*');
	}
	return off < RP_PATH_MAX ? (int)off : -1;
}

/* The best glob match so far, per access. */
struct rp_glob_best {
	struct rp_decision lvl;
	__u16 lit[RP_ACC_BITS];	/* literal characters of the glob that decided each access */
	__u16 pad[2];
};

/* Global: keeps, per access in open, the glob with the most literals, strictest at a tie. */
__noinline int rp_glob_merge(const struct rp_value *v, __u32 open, struct rp_glob_best *b)
{
	if (!v || !b)
		return 0;
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		__u16 a = RP_ACTION_OF(v->actions, bit);
		__u16 cur = RP_ACTION_OF(b->lvl.actions, bit);

		if (!(open & (1u << bit)) || a == RP_ACT_NONE)
			continue;
		if ((b->lvl.covered & (1u << bit)) &&
		    (v->flags < b->lit[bit] || (v->flags == b->lit[bit] && a <= cur)))
			continue;
		b->lvl.actions = (b->lvl.actions & ~(3u << (2 * bit))) | (a << (2 * bit));
		b->lvl.id[bit] = v->id[bit];
		b->lvl.covered |= 1u << bit;
		b->lit[bit] = v->flags;
	}
	return 0;
}

/*
 * Global: decides the accesses d left open by the ruleset's globs of m->cat: per access
 * the matching glob with the most literal characters, the strictest at a tie.
 */
__noinline int rp_match_globs(const struct rp_match *m, const struct rp_pathbuf *p,
			      const struct rp_pathinfo *info, struct rp_canonbuf *canon,
			      struct rp_decision *d)
{
	struct rp_glob_best b = {};
	struct rp_value *sh, *v;
	__u32 open;
	__u16 kind;
	int n;

	if (!m || !p || !info || !canon || !d)
		return 0;
	open = m->want & ~d->covered;
	kind = m->cat == RP_CAT_FILE ? RP_KEY_FILE_GLOB : RP_KEY_EXEC_GLOB;
	for (__u32 i = 0; i < RP_GLOB_SHAPES_MAX; i++) {
		if (i >= m->n_globs)
			break;
		sh = rp_lookup(m->gen, RP_KEY_GLOB_SHAPE, m->ruleset, (__u64)m->cat << 8 | i);
		if (!sh)
			continue;
		n = rp_glob_canon(&sh->glob, p, info, m->len, canon);
		if (n < 0)
			continue;
		v = rp_lookup(m->gen, kind, m->ruleset, rp_hash((const struct rp_pathbuf *)canon, n));
		rp_glob_merge(v, open, &b);
	}
	d->actions |= b.lvl.actions;
	d->covered |= b.lvl.covered;
	for (int bit = 0; bit < RP_ACC_BITS; bit++)
		if (b.lvl.covered & (1u << bit))
			d->id[bit] = b.lvl.id[bit];
	return 0;
}

/* The parent classes a program path matches: every pattern that matches, at any level. */
/* m: gen, ruleset and full_hash of the program path p. */
__noinline __u32 rp_parent_classes(const struct rp_match *m, const struct rp_value *rs,
				   const struct rp_pathbuf *p, const struct rp_pathinfo *info)
{
	__u32 classes = 0, gen;
	struct rp_value *v;
	__s32 pd, top;
	__u16 ruleset;

	if (!m || !rs || !p || !info)
		return 0;
	gen = m->gen;
	ruleset = m->ruleset;
	pd = info->parent_depth;
	if (rs->shape_flags & RP_SHAPE_PARENT_PATHS) {
		v = rp_lookup(gen, RP_KEY_PARENT_PATH, ruleset, m->full_hash);
		if (v)
			classes |= v->id[0];
	}
	if (pd < 0)
		return classes;
	if (pd <= RP_RULE_DEPTH_MAX && (rs->dir_depths[RP_CAT_PARENT] & (1u << pd))) {
		v = rp_lookup(gen, RP_KEY_PARENT_DIR, ruleset,
			      rp_hash(p, info->prefix[pd & RP_RULE_DEPTH_MAX]));
		if (v)
			classes |= v->id[0];
	}
	top = pd < RP_RULE_DEPTH_MAX ? pd : RP_RULE_DEPTH_MAX;
	for (__s32 i = 0; i <= RP_RULE_DEPTH_MAX; i++) {
		__s32 depth = top - i;

		if (depth < 0)
			break;
		if (!(rs->tree_depths[RP_CAT_PARENT] & (1u << depth)))
			continue;
		v = rp_lookup(gen, RP_KEY_PARENT_TREE, ruleset,
			      rp_hash(p, info->prefix[depth & RP_RULE_DEPTH_MAX]));
		if (v)
			classes |= v->id[0];
	}
	return classes;
}

/*
 * Every level in order of specificity: the exact path, the globs, the parent's direct
 * entries, the enclosing directories. has_paths: the ruleset has exact rules of m->cat.
 */
static __always_inline void rp_match_all(const struct rp_match *m, const struct rp_value *rs,
					 bool has_paths, struct rp_scratch *s,
					 const struct rp_pathbuf *p, struct rp_pathinfo *info,
					 struct rp_decision *d)
{
	/*
	 * The exact path is the first level: with no parent classes and nothing decided
	 * yet, taking its entry straight into d equals rp_match_level()'s merge, without
	 * its second decision and its loops (about 90 instructions an open).
	 */
	if (has_paths && !m->classes && !d->covered) {
		d->want = m->want;
		rp_level_entry(m, m->kind + RP_KIND_PATH, m->full_hash, d, 0);
	} else if (has_paths) {
		rp_match_level(m, m->kind + RP_KIND_PATH, m->full_hash, d);
	}
	if (d->covered == m->want ||
	    !(m->n_globs || rs->dir_depths[m->cat & 1] || rs->tree_depths[m->cat & 1]))
		return;
	/* Only globs and dir rules need the components: scan the path on first need. */
	if (info->parent_depth == RP_NOT_SCANNED)
		rp_path_scan(p, m->len, info);
	if (m->n_globs)
		rp_match_globs(m, p, info, &s->canon, d);
	rp_match_path(m, rs, p, info, d);
}

/*
 * The accesses no rule decided take the default (defaults: per access, from rs). The
 * loop keeps the deciding access, not its rule: choosing between d->id[bit] and
 * def_ids[bit] inside it made the compiler keep an address per access on the stack.
 */
static __always_inline __u8 rp_conclude(struct rp_decision *d, const __u16 def_actions,
					const __u32 *def_ids, __u32 want, __u32 *rule_id)
{
	__u8 verdict = RP_ACT_NONE;
	__u32 best = 0;

	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		__u8 a;

		if (!(want & (1u << bit)))
			continue;
		if (d->covered & (1u << bit))
			a = RP_ACTION_OF(d->actions, bit);
		else
			a = RP_ACTION_OF(def_actions, bit);
		if (a > verdict) {
			verdict = a;
			best = bit;
		}
	}
	if (verdict == RP_ACT_NONE || best >= RP_ACC_BITS)
		return verdict;
	*rule_id = d->covered & (1u << best) ? d->id[best] : def_ids[best];
	return verdict;
}

#endif /* RAMPART_MATCH_BPF_H */
