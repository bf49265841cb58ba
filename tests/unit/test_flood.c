// SPDX-License-Identifier: GPL-2.0
/*
 * Flood control with a driven clock: coalescing windows and their count, the per-rule
 * token bucket and its reports, and the bounds on memory (windows, bytes, rules).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flood.h"
#include "unit.h"

#define MS 1000000LL
#define SEC 1000000000LL

struct sink_log {
	char lines[64][256];
	int n;			/* lines published (those past 64 only counted) */
	int reports;
	char report_policy[64], report_rule[64];
	unsigned long long suppressed, total;
};

static void log_publish(void *ctx, const char *line)
{
	struct sink_log *l = ctx;

	if (l->n < 64)
		snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s", line);
	l->n++;
}

static void log_rate_limited(void *ctx, const char *policy, const char *rule,
			     unsigned long long suppressed, unsigned long long total)
{
	struct sink_log *l = ctx;

	l->reports++;
	snprintf(l->report_policy, sizeof(l->report_policy), "%s", policy ? policy : "(null)");
	snprintf(l->report_rule, sizeof(l->report_rule), "%s", rule ? rule : "(null)");
	l->suppressed += suppressed;
	l->total = total;
}

static const struct flood_ops log_ops = { log_publish, log_rate_limited };

static struct flood_config config(long long window_ns, unsigned rate)
{
	return (struct flood_config){ .window_ns = window_ns, .rate = rate, .max_entries = 8,
				      .max_line_bytes = 1 << 20, .max_rules = 4 };
}

UNIT_TEST(flood_with_count_adds_the_field)
{
	char *s = flood_with_count("{\"kind\":\"file\"}", 7);
	char got[128];

	ASSERT_TRUE(s != NULL, "allocated");
	snprintf(got, sizeof(got), "%s", s);
	free(s);
	ASSERT_STREQ(got, "{\"kind\":\"file\",\"count\":7}", "count appended");
	ASSERT_TRUE(flood_with_count("not json", 1) == NULL, "refuses a line without a brace");
}

UNIT_TEST(flood_refuses_bad_config)
{
	struct flood f;
	struct flood_config c = config(SEC, 0);

	ASSERT_EQ(flood_init(&f, &c, &log_ops, NULL), -EINVAL, "rate 0");
	c = config(-1, 10);
	ASSERT_EQ(flood_init(&f, &c, &log_ops, NULL), -EINVAL, "negative window");
	c = config(SEC, FLOOD_RATE_MAX + 1);
	ASSERT_EQ(flood_init(&f, &c, &log_ops, NULL), -EINVAL, "rate above max");
}

UNIT_TEST(flood_coalesces_repeats_inside_the_window)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(SEC, 100);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	flood_event(&f, 42, "web", "file[0]", "{\"n\":1}", 0);
	ASSERT_EQ(l.n, 1, "first published at once");
	ASSERT_STREQ(l.lines[0], "{\"n\":1}", "first line as is");
	for (int i = 2; i <= 5; i++) {
		char line[32];

		snprintf(line, sizeof(line), "{\"n\":%d}", i);
		flood_event(&f, 42, "web", "file[0]", line, i * 100 * MS);
	}
	ASSERT_EQ(l.n, 1, "repeats held inside the window");
	ASSERT_EQ(flood_next_deadline(&f), SEC, "deadline is the window's end");
	flood_tick(&f, SEC - 1);
	ASSERT_EQ(l.n, 1, "window still open 1 ns before its end");
	flood_tick(&f, SEC);
	ASSERT_EQ(l.n, 2, "one line when the window closes");
	ASSERT_STREQ(l.lines[1], "{\"n\":5,\"count\":4}", "last repeat with the repeat count");
	ASSERT_EQ(flood_open_windows(&f), 0, "window forgotten");
	ASSERT_EQ(flood_next_deadline(&f), -1, "nothing pending");
	flood_event(&f, 42, "web", "file[0]", "{\"n\":6}", SEC + 1);
	ASSERT_EQ(l.n, 3, "after the window the next one is published at once");
	flood_free(&f);
}

UNIT_TEST(flood_window_without_repeats_publishes_nothing_more)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(SEC, 100);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	flood_event(&f, 1, "web", "file[0]", "{\"a\":1}", 0);
	flood_event(&f, 2, "web", "file[0]", "{\"b\":1}", 10 * MS);
	ASSERT_EQ(l.n, 2, "distinct identities both published");
	flood_tick(&f, 3 * SEC);
	ASSERT_EQ(l.n, 2, "closing windows without repeats adds no line");
	flood_free(&f);
}

UNIT_TEST(flood_closes_due_windows_on_the_next_event)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(SEC, 100);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	flood_event(&f, 1, "web", "file[0]", "{\"a\":1}", 0);
	flood_event(&f, 1, "web", "file[0]", "{\"a\":2}", 1);
	flood_event(&f, 2, "web", "file[0]", "{\"b\":1}", 2 * SEC);
	ASSERT_EQ(l.n, 3, "count line, then the new event");
	ASSERT_STREQ(l.lines[1], "{\"a\":2,\"count\":1}", "count line first");
	ASSERT_STREQ(l.lines[2], "{\"b\":1}", "then the event");
	flood_free(&f);
}

UNIT_TEST(flood_zero_window_never_coalesces)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(0, 100);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	for (int i = 0; i < 5; i++)
		flood_event(&f, 7, "web", "file[0]", "{}", i);
	ASSERT_EQ(l.n, 5, "every event published");
	ASSERT_EQ(flood_open_windows(&f), 0, "no window kept");
	flood_free(&f);
}

UNIT_TEST(flood_rate_limit_caps_and_reports_per_rule)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(0, 3);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	for (int i = 0; i < 10; i++)
		flood_event(&f, 100 + i, "web", "file[1]", "{}", i * MS);
	ASSERT_EQ(l.n, 3, "burst of rate published");
	ASSERT_EQ(l.reports, 0, "no report before a second has passed");
	flood_event(&f, 999, "other", "exec[0]", "{}", 20 * MS);
	ASSERT_EQ(l.n, 4, "another rule has its own bucket");
	ASSERT_EQ(flood_next_deadline(&f), 3 * MS + SEC, "report due 1 s after the first");
	flood_tick(&f, 3 * MS + SEC);
	ASSERT_EQ(l.reports, 1, "one report");
	ASSERT_STREQ(l.report_policy, "web", "report names the policy");
	ASSERT_STREQ(l.report_rule, "file[1]", "report names the rule");
	ASSERT_EQ(l.suppressed, 7, "suppressed count");
	ASSERT_EQ(l.n + l.suppressed, 11, "published + suppressed = events");
	/* a second later the bucket is full again */
	flood_event(&f, 500, "web", "file[1]", "{}", 3 * SEC);
	ASSERT_EQ(l.n, 5, "refilled after a second");
	flood_free(&f);
}

UNIT_TEST(flood_rate_limit_refills_at_the_rate)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(0, 10);
	int t;

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	/* 1000 distinct events over 10 s, one per 10 ms: 10 of burst + 10/s */
	for (t = 0; t < 1000; t++)
		flood_event(&f, t, "web", "file[0]", "{}", t * 10 * MS);
	flood_flush(&f);
	ASSERT_TRUE(l.n >= 105 && l.n <= 111, "published about burst + rate * 10 s");
	ASSERT_EQ(l.n + l.suppressed, 1000, "published + suppressed = events");
	ASSERT_EQ(l.total, l.suppressed, "total counts all suppressed");
	ASSERT_TRUE(l.reports >= 9 && l.reports <= 11, "about one report per second");
	flood_free(&f);
}

UNIT_TEST(flood_suppressed_events_are_not_coalesced)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(SEC, 1);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	flood_event(&f, 1, "web", "file[0]", "{\"a\":1}", 0);
	flood_event(&f, 2, "web", "file[0]", "{\"b\":1}", 1);
	flood_event(&f, 2, "web", "file[0]", "{\"b\":2}", 2);
	ASSERT_EQ(l.n, 1, "only the first within the rate");
	ASSERT_EQ(flood_open_windows(&f), 1, "no window for a suppressed event");
	flood_flush(&f);
	ASSERT_EQ(l.suppressed, 2, "both suppressed counted");
	flood_free(&f);
}

UNIT_TEST(flood_full_table_publishes_instead_of_coalescing)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(SEC, 1000);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	for (int i = 0; i < 8; i++)
		flood_event(&f, i, "web", "file[0]", "{}", i);
	ASSERT_EQ(flood_open_windows(&f), 8, "table full");
	flood_event(&f, 100, "web", "file[0]", "{}", 10);
	flood_event(&f, 100, "web", "file[0]", "{}", 11);
	ASSERT_EQ(l.n, 10, "identity without a window is published every time");
	ASSERT_EQ(flood_open_windows(&f), 8, "table stays bounded");
	flood_event(&f, 3, "web", "file[0]", "{}", 12);
	ASSERT_EQ(l.n, 10, "identities in the table still coalesce");
	flood_flush(&f);
	ASSERT_EQ(l.n, 11, "flush publishes the pending count");
	ASSERT_EQ(flood_open_windows(&f), 0, "flush empties the table");
	flood_free(&f);
}

UNIT_TEST(flood_line_bytes_are_bounded)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(SEC, 1000);
	char line[200];

	c.max_line_bytes = 1000;
	memset(line, 'x', sizeof(line));
	line[0] = '{';
	line[sizeof(line) - 2] = '}';
	line[sizeof(line) - 1] = '\0';
	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	for (int i = 0; i < 8; i++)
		flood_event(&f, i, "web", "file[0]", line, i);
	ASSERT_TRUE(flood_open_windows(&f) < 8, "fewer windows than entries");
	ASSERT_TRUE(f.line_bytes <= 1000, "stored bytes within the bound");
	ASSERT_EQ(l.n, 8, "every event published");
	flood_free(&f);
}

UNIT_TEST(flood_rule_table_is_bounded_and_recycles_idle_rules)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(0, 1);
	char rule[16];

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	for (int i = 0; i < 4; i++) {
		snprintf(rule, sizeof(rule), "file[%d]", i);
		flood_event(&f, i, "web", rule, "{}", 0);
		flood_event(&f, i, "web", rule, "{}", 0);	/* suppressed: rule busy */
	}
	ASSERT_EQ(f.n_buckets, 4, "four rules tracked");
	flood_event(&f, 9, "web", "file[9]", "{}", 1);
	ASSERT_EQ(f.n_buckets, 4, "no fifth bucket");
	ASSERT_EQ(l.n, 5, "event of an untracked rule is published, not dropped");
	flood_tick(&f, 2 * SEC);
	ASSERT_EQ(l.reports, 4, "pending rules reported");
	flood_event(&f, 10, "web", "file[10]", "{}", 3 * SEC);
	ASSERT_EQ(f.n_buckets, 1, "idle rules recycled");
	flood_event(&f, 10, "web", "file[10]", "{}", 3 * SEC);
	ASSERT_EQ(l.n, 6, "new rule limited again");
	ASSERT_EQ(l.suppressed, 4, "four suppressed so far");
	flood_free(&f);
}

UNIT_TEST(flood_unknown_rule_has_its_own_bucket)
{
	struct sink_log l = {};
	struct flood f;
	struct flood_config c = config(0, 1);

	ASSERT_OK(flood_init(&f, &c, &log_ops, &l), "init");
	flood_event(&f, 1, NULL, NULL, "{}", 0);
	flood_event(&f, 2, NULL, NULL, "{}", 0);
	flood_event(&f, 3, "", "", "{}", 0);
	ASSERT_EQ(l.n, 2, "NULL rule and empty rule are different buckets");
	flood_flush(&f);
	ASSERT_STREQ(l.report_policy, "(null)", "report without a policy");
	flood_free(&f);
}
