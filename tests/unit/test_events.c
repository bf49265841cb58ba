// SPDX-License-Identifier: GPL-2.0
/* `rampart events` filters: on the parsed JSON, never on substrings; accounting lines pass. */
#include "events.h"
#include "unit.h"

static const char *deny_web =
	"{\"kind\":\"file\",\"decision\":\"deny\",\"policy\":\"web\",\"path\":\"/x\"}";

UNIT_TEST(events_filter_matches_parsed_fields)
{
	struct events_filter any = {}, web = { .policy = "web" }, we = { .policy = "we" },
			     audit = { .decision = "audit" }, exec = { .kind = "exec" },
			     all = { .policy = "web", .decision = "deny", .kind = "file" };

	ASSERT_TRUE(events_match(&any, deny_web), "no filter passes everything");
	ASSERT_TRUE(events_match(&web, deny_web), "policy matches");
	ASSERT_TRUE(!events_match(&we, deny_web), "a prefix of the policy does not match");
	ASSERT_TRUE(!events_match(&audit, deny_web), "decision differs");
	ASSERT_TRUE(!events_match(&exec, deny_web), "kind differs");
	ASSERT_TRUE(events_match(&all, deny_web), "all filters match");
	ASSERT_TRUE(!events_match(&web, "{\"kind\":\"file\",\"decision\":\"deny\",\"policy\":null,"
				  "\"path\":\"\\\"policy\\\":\\\"web\\\"\"}"),
		    "a path spelling the policy does not match");
}

UNIT_TEST(events_filter_lets_accounting_lines_through)
{
	struct events_filter f = { .policy = "web", .decision = "deny", .kind = "exec" };

	ASSERT_TRUE(events_match(&f, "{\"kind\":\"loss\",\"lost\":3,\"lost_total\":3}"),
		    "ring buffer loss passes");
	ASSERT_TRUE(events_match(&f, "{\"kind\":\"client_loss\",\"lost\":3}"), "client loss passes");
	ASSERT_TRUE(events_match(&f, "{\"kind\":\"undecided\",\"count\":1}"), "undecided passes");
	ASSERT_TRUE(events_match(&f, "{\"kind\":\"rate_limited\",\"policy\":\"web\"}"),
		    "rate_limited of the policy passes");
	ASSERT_TRUE(!events_match(&f, "{\"kind\":\"rate_limited\",\"policy\":\"db\"}"),
		    "rate_limited of another policy does not");
}

UNIT_TEST(events_filter_values_checked)
{
	ASSERT_OK(events_check_decision("deny"), "deny");
	ASSERT_OK(events_check_decision("audit"), "audit");
	ASSERT_EQ(events_check_decision("allow"), -22, "allow is never reported");
	ASSERT_OK(events_check_kind("network"), "network");
	ASSERT_EQ(events_check_kind("File"), -22, "case matters");
}
