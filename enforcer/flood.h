/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Flood control between the ring buffer and the sinks, with the clock passed in:
 *
 * - Coalescing: the first event of an identity (audit_event_identity()) is published at
 *   once and opens a window; identical events inside it are only counted, and when it
 *   closes the last of them is published once with "count":N added (N = the repeats).
 * - Rate limit: a token bucket per rule (policy name + rule label) caps the events
 *   published at once; what it suppresses is counted and handed to the rate_limited
 *   callback per rule, once per second at most while suppression goes on.
 *
 * Nothing is dropped without a count. Memory is bounded: at most max_entries windows and
 * max_line_bytes of stored lines (beyond, events are published instead of coalesced), at
 * most max_rules buckets (beyond, idle buckets are recycled, else the event is published).
 */
#ifndef RAMPART_FLOOD_H
#define RAMPART_FLOOD_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#define FLOOD_WINDOW_NS_DEFAULT 1000000000LL
#define FLOOD_RATE_DEFAULT 100
#define FLOOD_RATE_MAX 1000000
#define FLOOD_ENTRIES_DEFAULT 4096
#define FLOOD_LINE_BYTES_DEFAULT (16u << 20)
#define FLOOD_RULES_DEFAULT 4096
/* A rule's suppressed events are reported at most this long after the first of them. */
#define FLOOD_REPORT_NS 1000000000LL

struct flood_ops {
	/* A line to publish (no newline); valid during the call only. */
	void (*publish)(void *ctx, const char *line);
	/* suppressed events of a rule since its last report; policy and rule may be NULL. */
	void (*rate_limited)(void *ctx, const char *policy, const char *rule,
			     unsigned long long suppressed, unsigned long long total);
};

struct flood_config {
	long long window_ns;	/* 0: no coalescing */
	unsigned rate;		/* events per second per rule, 1..FLOOD_RATE_MAX */
	size_t max_entries;
	size_t max_line_bytes;
	size_t max_rules;
};

struct flood_entry;
struct flood_bucket;

struct flood {
	struct flood_config cfg;
	struct flood_ops ops;
	void *ctx;
	/* Windows in the order they opened, which is the order they close. */
	struct flood_entry *entries;	/* ring of max_entries */
	size_t head, n;
	int *index;			/* id hash -> entry slot chain heads, -1 empty */
	size_t index_size;
	size_t line_bytes;
	struct flood_bucket *buckets;
	size_t n_buckets;
	unsigned long long published, coalesced, suppressed;	/* totals, for the status */
};

/* 0, -EINVAL for a bad config, or -ENOMEM. */
int flood_init(struct flood *f, const struct flood_config *cfg, const struct flood_ops *ops,
	       void *ctx);
/*
 * One event: id its identity, policy and rule name the rule (NULL when unknown), line its
 * JSON (no newline; copied when kept). Closes due windows first. 0 or -ENOMEM (then the
 * line was published rather than coalesced).
 */
int flood_event(struct flood *f, __u64 id, const char *policy, const char *rule,
		const char *line, long long now_ns);
/* Closes the windows and sends the rate reports that are due at now_ns. */
void flood_tick(struct flood *f, long long now_ns);
/* When flood_tick() has something to do next; -1 when nothing is pending. */
long long flood_next_deadline(const struct flood *f);
/* Publishes every open window's count and every pending rate report (shutdown). */
void flood_flush(struct flood *f);
/* The coalescing windows now open. */
size_t flood_open_windows(const struct flood *f);
void flood_free(struct flood *f);

/* line with ,"count":N inserted before its closing brace, malloc'd; NULL on failure. */
char *flood_with_count(const char *line, unsigned long long count);

#endif /* RAMPART_FLOOD_H */
