// SPDX-License-Identifier: GPL-2.0
/*
 * Selector patterns: which cgroups a pattern covers, and cgroup_expand() walking a
 * directory tree built in a temporary folder (any tree will do; cgroupfs is one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "unit.h"

UNIT_TEST(cgroup_pattern_covers_itself_and_descendants)
{
	ASSERT_TRUE(cgroup_pattern_covers("/a", "/a"), "/a covers /a");
	ASSERT_TRUE(cgroup_pattern_covers("/a", "/a/b/c"), "/a covers /a/b/c");
	ASSERT_TRUE(!cgroup_pattern_covers("/a", "/ab"), "/a does not cover /ab");
	ASSERT_TRUE(!cgroup_pattern_covers("/a/b", "/a"), "/a/b does not cover its parent");
	ASSERT_TRUE(cgroup_pattern_covers("/", "/x/y"), "/ covers everything");
	ASSERT_TRUE(cgroup_pattern_covers("/", "/"), "/ covers itself");
}

UNIT_TEST(cgroup_pattern_star_stays_in_one_component)
{
	ASSERT_TRUE(cgroup_pattern_covers("/pods/*", "/pods/p1"), "* matches a name");
	ASSERT_TRUE(cgroup_pattern_covers("/pods/*", "/pods/p1/c"), "and its descendants");
	ASSERT_TRUE(!cgroup_pattern_covers("/pods/*", "/pods"), "* needs a component");
	ASSERT_TRUE(cgroup_pattern_covers("/k/*/cri-*.scope", "/k/burst/cri-9f.scope"),
		    "prefix and suffix around *");
	ASSERT_TRUE(!cgroup_pattern_covers("/k/*/cri-*.scope", "/k/burst/crio-9f.scope"),
		    "literal prefix must match");
	ASSERT_TRUE(!cgroup_pattern_covers("/k/*/cri-*.scope", "/k/cri-9f.scope"),
		    "* does not match an empty component list");
	ASSERT_TRUE(cgroup_pattern_covers("/p*d*", "/pod"), "two stars");
	ASSERT_TRUE(cgroup_pattern_covers("/p*", "/p"), "* matches nothing");
	ASSERT_TRUE(!cgroup_pattern_covers("/*x", "/ab"), "suffix must match");
	ASSERT_TRUE(cgroup_pattern_covers("/a*a", "/aXaYa"), "backtracking");
	ASSERT_TRUE(cgroup_is_pattern("/a/*") && !cgroup_is_pattern("/a/b"), "is_pattern");
}

static char tree[64];

static void mk(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s", tree, rel);
	mkdir(p, 0755);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

struct seen {
	char list[512];
	int stop_after;		/* return 1 from the callback after this many (0: never) */
	int n;
};

static int collect(void *ctx, const char *path)
{
	struct seen *s = ctx;

	strncat(s->list, path, sizeof(s->list) - strlen(s->list) - 2);
	strcat(s->list, " ");
	return ++s->n == s->stop_after;
}

static void make_tree(void)
{
	FILE *f;
	char p[256];

	snprintf(tree, sizeof(tree), "/tmp/rampart-cgtest.XXXXXX");
	if (!mkdtemp(tree))
		abort();
	mk("/pods");
	mk("/pods/p2");
	mk("/pods/p1");
	mk("/pods/p1/c");
	mk("/pods/q3");
	mk("/other");
	snprintf(p, sizeof(p), "%s/pods/p9", tree);	/* a file, not a cgroup */
	f = fopen(p, "w");
	if (f)
		fclose(f);
}

UNIT_TEST(cgroup_expand_walks_a_tree_in_sorted_order)
{
	struct seen s = {};
	int ret;

	make_tree();
	ret = cgroup_expand(tree, "/pods/p*", collect, &s);
	ASSERT_EQ(ret, 0, "expand returns 0");
	ASSERT_STREQ(s.list, "/pods/p1 /pods/p2 ", "directories only, sorted, no descendants");

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(cgroup_expand(tree, "/*/p1", collect, &s), 0, "star in the first component");
	ASSERT_STREQ(s.list, "/pods/p1 ", "one match");

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(cgroup_expand(tree, "/nope/*", collect, &s), 0, "no match is not an error");
	ASSERT_STREQ(s.list, "", "nothing reported");

	memset(&s, 0, sizeof(s));
	ASSERT_EQ(cgroup_expand(tree, "/", collect, &s), 0, "root");
	ASSERT_STREQ(s.list, "/ ", "root reports /");

	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	ASSERT_EQ(cgroup_expand(tree, "/*", collect, &s), 1, "callback's nonzero ends the walk");
	ASSERT_STREQ(s.list, "/other ", "stopped after the first");

	ASSERT_EQ(cgroup_expand("/nonexistent-rampart", "/*", collect, &s), -ENOENT,
		  "missing mount is -ENOENT");
	nftw(tree, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

UNIT_TEST(cgroup_path_depth_counts_components)
{
	ASSERT_EQ(cgroup_path_depth("/"), 0, "/ is the root");
	ASSERT_EQ(cgroup_path_depth("/a"), 1, "/a");
	ASSERT_EQ(cgroup_path_depth("/a/b.slice/c"), 3, "/a/b.slice/c");
	ASSERT_EQ(cgroup_path_depth("//a//b/"), 2, "empty components do not count");
}
