// SPDX-License-Identifier: GPL-2.0
/*
 * What an OCI createRuntime hook reads (oci.c): the state on stdin, the bundle's
 * annotations and the process's cgroup, from a fake bundle and /proc in a temporary
 * folder.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci.h"
#include "unit.h"

static const char *const CID =
	"4f1b6c5a0e2d4c7b9a8f3e2d1c0b9a8f7e6d5c4b3a291807f6e5d4c3b2a19080";

/* Writes text to root + path, creating its directories. */
static int put(const char *root, const char *path, const char *text)
{
	char full[1024], cmd[1100];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	if (system(cmd) != 0)
		return -1;
	f = fopen(full, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static char *fake_root(void)
{
	char tmpl[] = "/tmp/rampart-oci-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

static void rmtree(char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", dir);
	free(dir);
}

UNIT_TEST(oci_state_of_a_creating_container_is_read)
{
	struct oci_container c = {};

	ASSERT_OK(oci_state_parse("{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c1\",\"status\":"
				  "\"creating\",\"pid\":110,\"bundle\":\"/bundle\"}", &c), "parse");
	ASSERT_STREQ(c.id, "c1", "id");
	ASSERT_EQ(c.pid, 110, "pid");
	ASSERT_STREQ(c.bundle, "/bundle", "bundle");
	ASSERT_OK(oci_state_parse("{\"id\":\"c2\",\"pid\":7,\"bundle\":\"/b\"}", &c),
		  "status may be absent");
	ASSERT_OK(oci_state_parse("{\"id\":\"c3\",\"status\":\"created\",\"pid\":7,\"bundle\":"
				  "\"/b\"}", &c), "created (createContainer stage) is accepted");
}

UNIT_TEST(oci_bad_state_is_refused_and_leaves_the_result_untouched)
{
	struct oci_container c = { .pid = 42 };

	ASSERT_EQ(oci_state_parse("not json", &c), -EINVAL, "not JSON");
	ASSERT_EQ(oci_state_parse("[1]", &c), -EINVAL, "not an object");
	ASSERT_EQ(oci_state_parse("{\"pid\":7,\"bundle\":\"/b\"}", &c), -EINVAL, "no id");
	ASSERT_EQ(oci_state_parse("{\"id\":\"../x\",\"pid\":7,\"bundle\":\"/b\"}", &c), -EINVAL,
		  "id with a slash");
	ASSERT_EQ(oci_state_parse("{\"id\":\"c\",\"pid\":\"7\",\"bundle\":\"/b\"}", &c), -EINVAL,
		  "pid as a string");
	ASSERT_EQ(oci_state_parse("{\"id\":\"c\",\"pid\":0,\"bundle\":\"/b\"}", &c), -EINVAL,
		  "pid 0");
	ASSERT_EQ(oci_state_parse("{\"id\":\"c\",\"pid\":7,\"bundle\":\"b\"}", &c), -EINVAL,
		  "relative bundle");
	ASSERT_EQ(oci_state_parse("{\"id\":\"c\",\"status\":\"running\",\"pid\":7,\"bundle\":"
				  "\"/b\"}", &c), -EPROTO, "a running container is too late");
	ASSERT_EQ(c.pid, 42, "untouched");
}

UNIT_TEST(oci_bundle_annotations_give_the_kubernetes_identity)
{
	char *root = fake_root();
	struct oci_container c = { .bundle = "/run/containerd/b1" };
	char cfg[2048];

	ASSERT_TRUE(root != NULL, "temp root");
	snprintf(cfg, sizeof(cfg), "{\"ociVersion\":\"1.0.2\",\"annotations\":{"
		 "\"io.kubernetes.cri.container-type\":\"container\","
		 "\"io.kubernetes.cri.sandbox-namespace\":\"shop\","
		 "\"io.kubernetes.cri.sandbox-name\":\"web-7d9f\","
		 "\"io.kubernetes.cri.container-name\":\"nginx\","
		 "\"io.kubernetes.cri.image-name\":\"docker.io/library/nginx:1.27\","
		 "\"io.kubernetes.cri.sandbox-id\":\"%s\"}}", CID);
	ASSERT_OK(put(root, "/run/containerd/b1/config.json", cfg), "write config");
	ASSERT_OK(oci_bundle_read(root, &c), "read");
	ASSERT_TRUE(c.is_k8s, "a Kubernetes container");
	ASSERT_STREQ(c.k8s.ns, "shop", "namespace");
	ASSERT_STREQ(c.k8s.pod, "web-7d9f", "pod");
	ASSERT_STREQ(c.k8s.container, "nginx", "container");
	ASSERT_STREQ(c.k8s.image, "docker.io/library/nginx:1.27", "image");
	ASSERT_OK(put(root, "/plain/config.json", "{\"ociVersion\":\"1.0.2\"}"), "plain bundle");
	snprintf(c.bundle, sizeof(c.bundle), "/plain");
	ASSERT_OK(oci_bundle_read(root, &c), "a bundle without annotations");
	ASSERT_TRUE(!c.is_k8s, "not Kubernetes");
	ASSERT_STREQ(c.k8s.ns, "", "identity cleared");
	ASSERT_OK(put(root, "/bad/config.json", "{\"ociVersion\":"), "bad bundle");
	snprintf(c.bundle, sizeof(c.bundle), "/bad");
	ASSERT_EQ(oci_bundle_read(root, &c), -EINVAL, "config.json that is not JSON");
	snprintf(c.bundle, sizeof(c.bundle), "/missing");
	ASSERT_EQ(oci_bundle_read(root, &c), -ENOENT, "no config.json");
	rmtree(root);
}

UNIT_TEST(oci_cgroup_is_the_v2_line_of_proc_pid_cgroup)
{
	char *root = fake_root();
	struct oci_container c = { .pid = 110 };
	char want[512], text[640];

	ASSERT_TRUE(root != NULL, "temp root");
	snprintf(want, sizeof(want), "/kubepods.slice/kubepods-burstable.slice/"
		 "kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/"
		 "cri-containerd-%s.scope", CID);
	snprintf(text, sizeof(text), "0::%s\n", want);
	ASSERT_OK(put(root, "/proc/110/cgroup", text), "write cgroup");
	ASSERT_OK(oci_cgroup_read(root, &c), "read");
	ASSERT_STREQ(c.cgroup, want, "the unified hierarchy's path");
	ASSERT_OK(put(root, "/proc/111/cgroup", "12:pids:/x\n1:name=systemd:/y\n0::/c1\n"),
		  "hybrid layout");
	c.pid = 111;
	ASSERT_OK(oci_cgroup_read(root, &c), "read hybrid");
	ASSERT_STREQ(c.cgroup, "/c1", "the 0:: line wins");
	ASSERT_OK(put(root, "/proc/112/cgroup", "12:pids:/x\n"), "v1 only");
	c.pid = 112;
	ASSERT_EQ(oci_cgroup_read(root, &c), -ENOENT, "no unified line");
	c.pid = 113;
	ASSERT_EQ(oci_cgroup_read(root, &c), -ENOENT, "no such process");
	rmtree(root);
}

UNIT_TEST(oci_namespace_exemptions_are_globs)
{
	const char *const ex[] = { "kube-system", "monitoring-*" };

	ASSERT_TRUE(oci_namespace_exempt("kube-system", ex, 2), "exact");
	ASSERT_TRUE(oci_namespace_exempt("monitoring-prod", ex, 2), "glob");
	ASSERT_TRUE(!oci_namespace_exempt("kube-public", ex, 2), "other namespace");
	ASSERT_TRUE(!oci_namespace_exempt("", ex, 2), "no namespace is never exempt");
	ASSERT_TRUE(!oci_namespace_exempt("kube-system", ex, 0), "no patterns");
}
