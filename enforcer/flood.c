// SPDX-License-Identifier: GPL-2.0
/*
 * Coalescing windows and per-rule token buckets. Pure: the caller passes the time, so the
 * unit tests drive the clock. Windows all last window_ns, so they close in the order they
 * opened: a ring in that order, plus a chained hash from identity to slot.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flood.h"

#define FLOOD_TOKEN 1000000000ULL	/* one event, in token units; refill is rate per ns */
#define FLOOD_LINE_SLACK 32		/* repeats differ from the first only in time and tid */

struct flood_entry {
	__u64 id;
	long long opened_ns;
	unsigned long long repeats;
	char *last;		/* the last repeat's line; NULL until there is one */
	size_t charged;		/* bytes counted in line_bytes for this window */
	int next;		/* next slot in the same hash chain, -1 at the end */
};

struct flood_bucket {
	char *policy, *rule;	/* NULL when the event named no rule */
	__u64 hash;
	bool used, pending;
	unsigned long long tokens;
	long long refilled_ns;
	long long first_suppressed_ns;	/* of the unreported ones, when pending */
	unsigned long long suppressed, total;
};

/* Buckets live in a fixed array of max_rules; the index and the pending ring hold
 * positions in it, so recycling an idle bucket never moves a pending one. */
struct flood_rules {
	int *index;		/* open addressing, 2 * max_rules slots, -1 empty */
	size_t index_size;
	int *pending;		/* ring of positions waiting for their report */
	size_t pending_head, n_pending;
};

static size_t flood_pow2(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

static struct flood_rules *flood_rules(const struct flood *f)
{
	return (struct flood_rules *)(f->buckets + f->cfg.max_rules);
}

int flood_init(struct flood *f, const struct flood_config *cfg, const struct flood_ops *ops,
	       void *ctx)
{
	struct flood_rules *r;

	if (cfg->window_ns < 0 || !cfg->rate || cfg->rate > FLOOD_RATE_MAX || !cfg->max_entries ||
	    !cfg->max_rules || cfg->max_entries > (1u << 24) || cfg->max_rules > (1u << 24))
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->ops = *ops;
	f->ctx = ctx;
	f->index_size = flood_pow2(cfg->max_entries * 2);
	f->entries = calloc(cfg->max_entries, sizeof(*f->entries));
	f->index = malloc(f->index_size * sizeof(*f->index));
	/* the buckets, then their bookkeeping in the same allocation */
	f->buckets = calloc(1, cfg->max_rules * sizeof(*f->buckets) + sizeof(*r));
	if (!f->entries || !f->index || !f->buckets) {
		flood_free(f);
		return -ENOMEM;
	}
	memset(f->index, 0xff, f->index_size * sizeof(*f->index));
	r = flood_rules(f);
	r->index_size = flood_pow2(cfg->max_rules * 2);
	r->index = malloc(r->index_size * sizeof(*r->index));
	r->pending = malloc(cfg->max_rules * sizeof(*r->pending));
	if (!r->index || !r->pending) {
		flood_free(f);
		return -ENOMEM;
	}
	memset(r->index, 0xff, r->index_size * sizeof(*r->index));
	return 0;
}

void flood_free(struct flood *f)
{
	if (f->entries)
		for (size_t i = 0; i < f->n; i++)
			free(f->entries[(f->head + i) % f->cfg.max_entries].last);
	if (f->buckets) {
		struct flood_rules *r = flood_rules(f);

		for (size_t i = 0; i < f->cfg.max_rules; i++) {
			free(f->buckets[i].policy);
			free(f->buckets[i].rule);
		}
		free(r->index);
		free(r->pending);
	}
	free(f->entries);
	free(f->index);
	free(f->buckets);
	f->entries = NULL;
	f->index = NULL;
	f->buckets = NULL;
	f->n = 0;
}

char *flood_with_count(const char *line, unsigned long long count)
{
	size_t len = strlen(line);
	char *out;

	if (!len || line[len - 1] != '}')
		return NULL;
	out = malloc(len + 32);
	if (!out)
		return NULL;
	snprintf(out, len + 32, "%.*s%s\"count\":%llu}", (int)(len - 1), line,
		 len > 2 ? "," : "", count);
	return out;
}

/* Coalescing windows. */

static size_t flood_slot_of(const struct flood *f, __u64 id)
{
	/* ids are keyed SipHash outputs: their low bits are already uniform */
	return (size_t)(id & (f->index_size - 1));
}

static struct flood_entry *flood_find(const struct flood *f, __u64 id)
{
	for (int s = f->index[flood_slot_of(f, id)]; s >= 0; s = f->entries[s].next)
		if (f->entries[s].id == id)
			return &f->entries[s];
	return NULL;
}

static void flood_publish(struct flood *f, const char *line)
{
	f->published++;
	f->ops.publish(f->ctx, line);
}

/* Publishes the oldest window's count, if any, and forgets it. */
static void flood_close_oldest(struct flood *f)
{
	int slot = (int)f->head;
	struct flood_entry *e = &f->entries[slot];
	int *p = &f->index[flood_slot_of(f, e->id)];

	while (*p != slot)
		p = &f->entries[*p].next;
	*p = e->next;
	if (e->repeats) {
		char *line = flood_with_count(e->last, e->repeats);

		/* without memory for the count, the repeats still go out, one line each */
		if (line)
			flood_publish(f, line);
		else
			for (unsigned long long i = 0; i < e->repeats; i++)
				flood_publish(f, e->last);
		free(line);
	}
	free(e->last);
	f->line_bytes -= e->charged;
	memset(e, 0, sizeof(*e));
	f->head = (f->head + 1) % f->cfg.max_entries;
	f->n--;
}

static void flood_open_window(struct flood *f, __u64 id, size_t line_len, long long now_ns)
{
	size_t charge = line_len + FLOOD_LINE_SLACK + 1;
	size_t slot, h;

	if (f->n == f->cfg.max_entries || f->line_bytes + charge > f->cfg.max_line_bytes)
		return;		/* full: the next repeat is published, not coalesced */
	slot = (f->head + f->n) % f->cfg.max_entries;
	h = flood_slot_of(f, id);
	f->entries[slot] = (struct flood_entry){ .id = id, .opened_ns = now_ns,
						 .charged = charge, .next = f->index[h] };
	f->index[h] = (int)slot;
	f->line_bytes += charge;
	f->n++;
}

static int flood_repeat(struct flood *f, struct flood_entry *e, const char *line)
{
	size_t len = strlen(line);
	char *copy = malloc(len + 1);

	if (!copy)
		return -ENOMEM;
	memcpy(copy, line, len + 1);
	free(e->last);
	e->last = copy;
	if (len + 1 > e->charged) {
		f->line_bytes += len + 1 - e->charged;
		e->charged = len + 1;
	}
	e->repeats++;
	f->coalesced++;
	return 0;
}

size_t flood_open_windows(const struct flood *f)
{
	return f->n;
}

/* Rate limit. */

static __u64 flood_rule_hash(const char *policy, const char *rule)
{
	__u64 h = 0xcbf29ce484222325ULL;

	for (const char *s = policy ? policy : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	h = (h ^ (policy ? 1 : 2)) * 0x100000001b3ULL;
	for (const char *s = rule ? rule : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static bool flood_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void flood_refill(struct flood *f, struct flood_bucket *b, long long now_ns)
{
	unsigned long long cap = (unsigned long long)f->cfg.rate * FLOOD_TOKEN;
	long long dt = now_ns - b->refilled_ns;

	if (dt <= 0)
		return;
	if (dt >= 1000000000LL)
		b->tokens = cap;
	else
		b->tokens += (unsigned long long)dt * f->cfg.rate;
	if (b->tokens > cap)
		b->tokens = cap;
	b->refilled_ns = now_ns;
}

static void flood_index_bucket(struct flood *f, int pos)
{
	struct flood_rules *r = flood_rules(f);
	size_t i = f->buckets[pos].hash & (r->index_size - 1);

	while (r->index[i] >= 0)
		i = (i + 1) & (r->index_size - 1);
	r->index[i] = pos;
}

/* Frees the buckets that hold nothing a fresh bucket would not: full and not pending. */
static void flood_recycle_buckets(struct flood *f, long long now_ns)
{
	struct flood_rules *r = flood_rules(f);

	memset(r->index, 0xff, r->index_size * sizeof(*r->index));
	f->n_buckets = 0;
	for (size_t i = 0; i < f->cfg.max_rules; i++) {
		struct flood_bucket *b = &f->buckets[i];

		if (!b->used)
			continue;
		flood_refill(f, b, now_ns);
		if (!b->pending && b->tokens == (unsigned long long)f->cfg.rate * FLOOD_TOKEN) {
			free(b->policy);
			free(b->rule);
			memset(b, 0, sizeof(*b));
			continue;
		}
		flood_index_bucket(f, (int)i);
		f->n_buckets++;
	}
}

static struct flood_bucket *flood_bucket(struct flood *f, const char *policy, const char *rule,
					 long long now_ns)
{
	struct flood_rules *r = flood_rules(f);
	__u64 h = flood_rule_hash(policy, rule);
	struct flood_bucket *b;
	size_t i, pos = 0;

	for (i = h & (r->index_size - 1); r->index[i] >= 0; i = (i + 1) & (r->index_size - 1)) {
		b = &f->buckets[r->index[i]];
		if (b->hash == h && flood_str_eq(b->policy, policy) && flood_str_eq(b->rule, rule))
			return b;
	}
	if (f->n_buckets == f->cfg.max_rules)
		flood_recycle_buckets(f, now_ns);
	if (f->n_buckets == f->cfg.max_rules)
		return NULL;
	while (f->buckets[pos].used)
		pos++;
	b = &f->buckets[pos];
	b->policy = policy ? strdup(policy) : NULL;
	b->rule = rule ? strdup(rule) : NULL;
	if ((policy && !b->policy) || (rule && !b->rule)) {
		free(b->policy);
		free(b->rule);
		memset(b, 0, sizeof(*b));
		return NULL;
	}
	b->used = true;
	b->hash = h;
	b->tokens = (unsigned long long)f->cfg.rate * FLOOD_TOKEN;
	b->refilled_ns = now_ns;
	flood_index_bucket(f, (int)pos);
	f->n_buckets++;
	return b;
}

static void flood_suppress(struct flood *f, struct flood_bucket *b, long long now_ns)
{
	struct flood_rules *r = flood_rules(f);

	b->suppressed++;
	b->total++;
	f->suppressed++;
	if (b->pending)
		return;
	b->pending = true;
	b->first_suppressed_ns = now_ns;
	r->pending[(r->pending_head + r->n_pending++) % f->cfg.max_rules] = (int)(b - f->buckets);
}

static void flood_report_first(struct flood *f)
{
	struct flood_rules *r = flood_rules(f);
	struct flood_bucket *b = &f->buckets[r->pending[r->pending_head]];

	r->pending_head = (r->pending_head + 1) % f->cfg.max_rules;
	r->n_pending--;
	f->ops.rate_limited(f->ctx, b->policy, b->rule, b->suppressed, b->total);
	b->suppressed = 0;
	b->pending = false;
}

/* The loop. */

void flood_tick(struct flood *f, long long now_ns)
{
	struct flood_rules *r = flood_rules(f);

	while (f->n && f->entries[f->head].opened_ns + f->cfg.window_ns <= now_ns)
		flood_close_oldest(f);
	while (r->n_pending &&
	       f->buckets[r->pending[r->pending_head]].first_suppressed_ns + FLOOD_REPORT_NS <=
		       now_ns)
		flood_report_first(f);
}

long long flood_next_deadline(const struct flood *f)
{
	const struct flood_rules *r = flood_rules(f);
	long long t = -1;

	if (f->n)
		t = f->entries[f->head].opened_ns + f->cfg.window_ns;
	if (r->n_pending) {
		long long u = f->buckets[r->pending[r->pending_head]].first_suppressed_ns +
			      FLOOD_REPORT_NS;

		if (t < 0 || u < t)
			t = u;
	}
	return t;
}

void flood_flush(struct flood *f)
{
	while (f->n)
		flood_close_oldest(f);
	while (flood_rules(f)->n_pending)
		flood_report_first(f);
}

int flood_event(struct flood *f, __u64 id, const char *policy, const char *rule,
		const char *line, long long now_ns)
{
	struct flood_entry *e;
	struct flood_bucket *b;

	flood_tick(f, now_ns);
	e = f->cfg.window_ns ? flood_find(f, id) : NULL;
	if (e && flood_repeat(f, e, line) == 0)
		return 0;
	if (e) {
		flood_publish(f, line);	/* no memory to keep it: out now rather than lost */
		return -ENOMEM;
	}
	b = flood_bucket(f, policy, rule, now_ns);
	if (b) {
		flood_refill(f, b, now_ns);
		if (b->tokens < FLOOD_TOKEN) {
			flood_suppress(f, b, now_ns);
			return 0;
		}
		b->tokens -= FLOOD_TOKEN;
	}
	flood_publish(f, line);
	if (f->cfg.window_ns)
		flood_open_window(f, id, strlen(line), now_ns);
	return 0;
}
