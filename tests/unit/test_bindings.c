// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon's bound containers: bind requests parsed and refused, replacement by id and
 * cgroup id, pruning of gone or reused cgroups, nearest-ancestor lookup for events, and
 * the state file written and read back.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bindings.h"
#include "unit.h"

static int put_json(struct bindings *s, const char *json, const char *cgroup)
{
	struct binding b;
	char err[256];
	int ret = binding_parse(json, &b, err, sizeof(err));

	if (ret)
		return ret;
	b.cgroup = strdup(cgroup);
	ret = bindings_put(s, &b);
	binding_free(&b);
	return ret;
}

UNIT_TEST(binding_parse_reads_fields_and_refuses_bad_requests)
{
	struct binding b;
	char err[256];

	ASSERT_OK(binding_parse("{\"id\":\"abc-1\",\"namespace\":\"prod\",\"pod\":\"web-0\","
				"\"container\":\"web\",\"image\":\"nginx:1\",\"cgroup_id\":77}",
				&b, err, sizeof(err)), "full request");
	ASSERT_STREQ(b.ns, "prod", "namespace");
	ASSERT_STREQ(b.name, "web", "container name");
	ASSERT_EQ(b.cgroup_id, 77, "cgroup id");
	ASSERT_TRUE(b.cgroup == NULL, "cgroup path left to the daemon");
	binding_free(&b);
	ASSERT_OK(binding_parse("{\"id\":\"x\",\"cgroup_id\":5}", &b, err, sizeof(err)),
		  "names are optional");
	ASSERT_STREQ(b.pod, "", "missing pod is empty");
	binding_free(&b);
	ASSERT_EQ(binding_parse("{\"id\":\"x\",\"cgroup_id\":1}", &b, err, sizeof(err)), -EINVAL,
		  "root cgroup refused");
	ASSERT_STREQ(err, "bind: 'cgroup_id' must be the id of a cgroup below the root",
		     "root cgroup message");
	ASSERT_EQ(binding_parse("{\"id\":\"../x\",\"cgroup_id\":5}", &b, err, sizeof(err)),
		  -EINVAL, "id with '/' refused");
	ASSERT_EQ(binding_parse("{\"cgroup_id\":5}", &b, err, sizeof(err)), -EINVAL,
		  "missing id refused");
	ASSERT_STREQ(err, "bind: missing 'id'", "missing id message");
	ASSERT_EQ(binding_parse("{\"id\":\"x\",\"pod\":\"a b\",\"cgroup_id\":5}", &b, err,
				sizeof(err)), -EINVAL, "space in a name refused");
	ASSERT_EQ(binding_parse("{\"id\":\"x\",\"cgroup_id\":\"5\"}", &b, err, sizeof(err)),
		  -EINVAL, "cgroup id as a string refused");
	ASSERT_EQ(binding_parse("[1]", &b, err, sizeof(err)), -EINVAL, "not an object");
	ASSERT_EQ(binding_parse("{", &b, err, sizeof(err)), -EINVAL, "not JSON");
}

static int fake_resolve(void *ctx, const char *path, __u64 *ret_id)
{
	(void)ctx;
	if (strcmp(path, "/pods/a") == 0)
		return *ret_id = 10, 0;
	if (strcmp(path, "/pods/b") == 0)
		return *ret_id = 99, 0;	/* recreated: another cgroup at the same path */
	return -ENOENT;
}

UNIT_TEST(bindings_replace_prune_and_find)
{
	struct bindings s = {};
	struct compile_binding *cb;
	size_t n;

	ASSERT_OK(put_json(&s, "{\"id\":\"a\",\"cgroup_id\":10,\"container\":\"one\"}", "/pods/a"),
		  "put a");
	ASSERT_OK(put_json(&s, "{\"id\":\"b\",\"cgroup_id\":20}", "/pods/b"), "put b");
	ASSERT_OK(put_json(&s, "{\"id\":\"c\",\"cgroup_id\":30}", "/pods/c"), "put c");
	ASSERT_OK(put_json(&s, "{\"id\":\"a\",\"cgroup_id\":10,\"container\":\"two\"}", "/pods/a"),
		  "put a again");
	ASSERT_EQ(s.n, 3, "same id replaces");
	ASSERT_STREQ(bindings_find(&s, "/pods/a")->name, "two", "the newer binding of a");
	ASSERT_STREQ(bindings_find(&s, "/pods/a/sub/x")->id, "a", "a descendant finds a");
	ASSERT_TRUE(bindings_find(&s, "/pods/ab") == NULL, "a sibling with a longer name does not");
	ASSERT_TRUE(bindings_find(&s, "/pods") == NULL, "an ancestor does not");
	ASSERT_TRUE(bindings_find(&s, NULL) == NULL, "no path, no container");
	cb = bindings_for_compile(&s, &n);
	ASSERT_EQ(n, 3, "compile view has all three");
	ASSERT_STREQ(cb ? cb[0].who.name : "", "two", "compile view names");
	free(cb);
	ASSERT_EQ(bindings_prune(&s, fake_resolve, NULL), 2, "b (reused path) and c (gone) dropped");
	ASSERT_EQ(s.n, 1, "a is left");
	ASSERT_STREQ(s.v[0].id, "a", "a kept");
	ASSERT_TRUE(bindings_remove(&s, "a"), "remove a");
	ASSERT_TRUE(!bindings_remove(&s, "a"), "a already gone");
	bindings_free(&s);
}

UNIT_TEST(bindings_state_file_round_trip)
{
	char dir[] = "/tmp/rp-bindings-XXXXXX", path[64], err[512] = "";
	struct bindings s = {}, back = {};
	FILE *f;

	ASSERT_TRUE(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/containers.json", dir);
	ASSERT_EQ(bindings_load(&back, path, err, sizeof(err)), -ENOENT, "no file yet");
	ASSERT_OK(put_json(&s, "{\"id\":\"a\",\"namespace\":\"prod\",\"pod\":\"p\",\"container\":"
			   "\"web\",\"image\":\"nginx:1\",\"cgroup_id\":10}", "/pods/a"), "put a");
	s.v[0].bound_ns = 1234567890123LL;
	ASSERT_OK(put_json(&s, "{\"id\":\"b\",\"cgroup_id\":20}", "/pods/b"), "put b");
	ASSERT_OK(bindings_save(&s, path), "save");
	ASSERT_TRUE(access(path, F_OK) == 0, "file written");
	ASSERT_OK(bindings_load(&back, path, err, sizeof(err)), "load");
	ASSERT_EQ(back.n, 2, "two read back");
	ASSERT_STREQ(back.v[0].image, "nginx:1", "image kept");
	ASSERT_STREQ(back.v[0].cgroup, "/pods/a", "cgroup path kept");
	ASSERT_EQ(back.v[0].cgroup_id, 10, "cgroup id kept");
	ASSERT_EQ(back.v[0].bound_ns, 1234567890123LL, "bind time kept");
	bindings_free(&back);
	f = fopen(path, "w");
	fputs("[{\"id\":\"a\",\"cgroup_id\":10,\"cgroup\":\"relative\"}]", f);
	fclose(f);
	ASSERT_EQ(bindings_load(&back, path, err, sizeof(err)), -EINVAL, "relative cgroup refused");
	ASSERT_TRUE(strstr(err, "entry 0: 'cgroup' must be an absolute path") != NULL,
		    "message names the entry");
	bindings_free(&back);
	f = fopen(path, "w");
	fputs("{\"id\":", f);
	fclose(f);
	ASSERT_EQ(bindings_load(&back, path, err, sizeof(err)), -EINVAL, "truncated file refused");
	bindings_free(&back);
	bindings_free(&s);
	unlink(path);
	rmdir(dir);
}
