// SPDX-License-Identifier: GPL-2.0
/*
 * Kubernetes identities: kubelet cgroup paths of both cgroup drivers and the three CRI
 * runtimes, and the OCI annotations of containerd and CRI-O bundles. The paths and
 * config.json fragments have the shapes those components write on a node.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "k8s.h"
#include "unit.h"

#define CID "cb0f5b85008d5df90426552db52d24359a883eba4672b21248ea2daa62f0b61e"
#define CID2 "410c15f7ab9d4cc67c04d2f1f734c774960b138b9ee7cef4b904c6741e493f4b"
#define SANDBOX "43d451d250da1e5cb70b3e25898f318c39219ff2b5e6330ce0d09f1a126a1a3b"
#define UID "dd0a7c70-9923-42e6-bee8-dee0c55e1f19"
#define UID_ "dd0a7c70_9923_42e6_bee8_dee0c55e1f19"	/* as systemd slice names carry it */
#define STATIC_UID "e7c44a6671ff259b2cbaa33e933ff344"	/* static pods: an md5 sum */

#define SD_BURST "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"
#define FS_BURST "/kubepods/burstable/pod" UID

struct cg_case {
	const char *name;
	const char *path;
	int ret;
	const char *uid, *id;		/* expected when ret is 0 */
	enum k8s_qos qos;
	enum k8s_runtime runtime;
	bool systemd;
};

static const char *named(char *buf, size_t size, const char *row, const char *what)
{
	snprintf(buf, size, "%s: %s", row, what);
	return buf;
}

/* One row: the return value, then every field, or on failure the result untouched. */
static void check_cgroup_case(int *unit_failed, const struct cg_case *c)
{
	struct k8s_cgroup cg, before;
	char n[200];

	memset(&cg, 0x5a, sizeof(cg));
	memcpy(&before, &cg, sizeof(cg));
	ASSERT_EQ(k8s_cgroup_parse(c->path, &cg), c->ret, named(n, sizeof(n), c->name, "return"));
	if (c->ret < 0) {
		ASSERT_TRUE(memcmp(&cg, &before, sizeof(cg)) == 0,
			    named(n, sizeof(n), c->name, "result untouched"));
		return;
	}
	ASSERT_STREQ(cg.pod_uid, c->uid, named(n, sizeof(n), c->name, "pod uid"));
	ASSERT_STREQ(cg.container_id, c->id, named(n, sizeof(n), c->name, "container id"));
	ASSERT_EQ(cg.qos, c->qos, named(n, sizeof(n), c->name, "qos"));
	ASSERT_EQ(cg.runtime, c->runtime, named(n, sizeof(n), c->name, "runtime"));
	ASSERT_EQ(cg.systemd_driver, c->systemd, named(n, sizeof(n), c->name, "driver"));
}

#define CHECK_CASES(cases)                                                                     \
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {                        \
		check_cgroup_case(unit_failed, &cases[i]);                                     \
		if (*unit_failed)                                                              \
			return;                                                                \
	}

UNIT_TEST(k8s_cgroup_systemd_driver)
{
	static const struct cg_case cases[] = {
		{ "containerd burstable", SD_BURST "/cri-containerd-" CID ".scope", 0, UID, CID,
		  K8S_QOS_BURSTABLE, K8S_RUNTIME_CONTAINERD, true },
		{ "containerd besteffort", "/kubepods.slice/kubepods-besteffort.slice/"
		  "kubepods-besteffort-pod" UID_ ".slice/cri-containerd-" CID2 ".scope", 0, UID,
		  CID2, K8S_QOS_BESTEFFORT, K8S_RUNTIME_CONTAINERD, true },
		{ "containerd guaranteed", "/kubepods.slice/kubepods-pod" UID_ ".slice/"
		  "cri-containerd-" CID ".scope", 0, UID, CID, K8S_QOS_NONE, K8S_RUNTIME_CONTAINERD,
		  true },
		{ "cri-o burstable", SD_BURST "/crio-" CID ".scope", 0, UID, CID, K8S_QOS_BURSTABLE,
		  K8S_RUNTIME_CRIO, true },
		{ "cri-dockerd burstable", SD_BURST "/docker-" CID ".scope", 0, UID, CID,
		  K8S_QOS_BURSTABLE, K8S_RUNTIME_DOCKER, true },
		{ "pod slice itself", SD_BURST, 0, UID, "", K8S_QOS_BURSTABLE, K8S_RUNTIME_UNKNOWN,
		  true },
		{ "static pod uid", "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod" STATIC_UID ".slice/cri-containerd-" CID ".scope", 0,
		  STATIC_UID, CID,
		  K8S_QOS_BURSTABLE, K8S_RUNTIME_CONTAINERD, true },
		{ "cri-o conmon is not the container", SD_BURST "/crio-conmon-" CID ".scope",
		  -ENOENT },
	};

	CHECK_CASES(cases);
}

UNIT_TEST(k8s_cgroup_cgroupfs_driver)
{
	static const struct cg_case cases[] = {
		{ "burstable", FS_BURST "/" CID, 0, UID, CID, K8S_QOS_BURSTABLE,
		  K8S_RUNTIME_UNKNOWN, false },
		{ "besteffort", "/kubepods/besteffort/pod" UID "/" CID2, 0, UID, CID2,
		  K8S_QOS_BESTEFFORT, K8S_RUNTIME_UNKNOWN, false },
		{ "guaranteed", "/kubepods/pod" UID "/" CID, 0, UID, CID, K8S_QOS_NONE,
		  K8S_RUNTIME_UNKNOWN, false },
		{ "cri-o prefix names the runtime", FS_BURST "/crio-" CID, 0, UID, CID,
		  K8S_QOS_BURSTABLE, K8S_RUNTIME_CRIO, false },
		{ "pod cgroup itself", "/kubepods/pod" UID, 0, UID, "", K8S_QOS_NONE,
		  K8S_RUNTIME_UNKNOWN, false },
		{ "static pod uid", "/kubepods/pod" STATIC_UID "/" CID, 0, STATIC_UID, CID,
		  K8S_QOS_NONE, K8S_RUNTIME_UNKNOWN, false },
		{ "cri-o conmon is not the container", FS_BURST "/crio-conmon-" CID, -ENOENT },
	};

	CHECK_CASES(cases);
}

UNIT_TEST(k8s_cgroup_prefixes_and_sub_cgroups)
{
	static const struct cg_case cases[] = {
		{ "kind systemd", "/kubelet.slice/kubelet-kubepods.slice/"
		  "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID_ ".slice/"
		  "cri-containerd-" CID ".scope", 0, UID, CID, K8S_QOS_BESTEFFORT,
		  K8S_RUNTIME_CONTAINERD, true },
		{ "kind guaranteed", "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod"
		  UID_ ".slice/cri-containerd-" CID ".scope", 0, UID, CID, K8S_QOS_NONE,
		  K8S_RUNTIME_CONTAINERD, true },
		{ "cgroup namespace prefix", "/kubelet/kubepods/burstable/pod" UID "/" CID, 0, UID,
		  CID, K8S_QOS_BURSTABLE, K8S_RUNTIME_UNKNOWN, false },
		{ "scope sub-cgroup", SD_BURST "/cri-containerd-" CID ".scope/init", 0, UID, CID,
		  K8S_QOS_BURSTABLE, K8S_RUNTIME_CONTAINERD, true },
		{ "cgroupfs nested sub-cgroups", FS_BURST "/" CID "/sub/deeper", 0, UID, CID,
		  K8S_QOS_BURSTABLE, K8S_RUNTIME_UNKNOWN, false },
		{ "prefix must repeat the parent", "/kubelet.slice/kubelet-kubepods.slice/"
		  "kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice", -EINVAL },
	};

	CHECK_CASES(cases);
}

UNIT_TEST(k8s_cgroup_not_kubelet)
{
	static const struct cg_case cases[] = {
		{ "docker outside kubepods", "/system.slice/docker-" CID ".scope", -ENOENT },
		{ "a service", "/system.slice/containerd.service", -ENOENT },
		{ "root", "/", -ENOENT },
		{ "kubepods in a longer name", "/mykubepods/pod" UID "/" CID, -ENOENT },
		{ "kubepods slice itself", "/kubepods.slice", -ENOENT },
		{ "qos slice itself", "/kubepods.slice/kubepods-burstable.slice", -ENOENT },
		{ "cgroupfs qos itself", "/kubepods/besteffort", -ENOENT },
	};

	CHECK_CASES(cases);
}

UNIT_TEST(k8s_cgroup_malformed)
{
	static const struct cg_case cases[] = {
		{ "non-hex id", SD_BURST "/cri-containerd-" CID "x.scope", -EINVAL },
		{ "upper-case id", FS_BURST "/CB0F5B85008D5DF9", -EINVAL },
		{ "65-character id", FS_BURST "/" CID "a", -EINVAL },
		{ "empty id", SD_BURST "/cri-containerd-.scope", -EINVAL },
		{ "unknown scope", SD_BURST "/runc-" CID ".scope", -EINVAL },
		{ "scope without .scope", SD_BURST "/cri-containerd-" CID, -EINVAL },
		{ "short uid", "/kubepods/pod" "dd0a7c70-9923-42e6-bee8-dee0c55e1f1/" CID,
		  -EINVAL },
		{ "uid with dashes in a slice", "/kubepods.slice/kubepods-pod" UID ".slice",
		  -EINVAL },
		{ "uid with underscores in cgroupfs", "/kubepods/pod" UID_ "/" CID, -EINVAL },
		{ "non-hex uid", "/kubepods/pod" "dd0a7c70-9923-42e6-bee8-dee0c55e1f1g", -EINVAL },
		{ "unknown qos", "/kubepods/guaranteed/pod" UID "/" CID, -EINVAL },
		{ "pod slice of another qos", "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-besteffort-pod" UID_ ".slice", -EINVAL },
		{ "dot-dot", FS_BURST "/../pod" UID "/" CID, -EINVAL },
		{ "empty component", "/kubepods//burstable/pod" UID "/" CID, -EINVAL },
		{ "trailing slash", FS_BURST "/" CID "/", -EINVAL },
		{ "relative", "kubepods/burstable/pod" UID "/" CID, -EINVAL },
	};

	CHECK_CASES(cases);
}

/* Not absolute first, then not kubelet, then malformed, then the layout. */
UNIT_TEST(k8s_cgroup_checks_ordering)
{
	static const struct cg_case cases[] = {
		{ "relative beats no kubepods", "system.slice/x", -EINVAL },
		{ "no kubepods beats empty components", "/system.slice//x/..", -ENOENT },
		{ "dot-dot before kubepods", "/a/../kubepods/pod" UID, -EINVAL },
		{ "malformed beats conmon", FS_BURST "/crio-conmon-" CID "/..", -EINVAL },
		{ "the first kubepods counts", "/kubepods/pod" UID "/" CID "/kubepods/x", 0, UID,
		  CID, K8S_QOS_NONE, K8S_RUNTIME_UNKNOWN, false },
	};

	CHECK_CASES(cases);
}

static void put_json(json_object **o)
{
	json_object_put(*o);
}

#define AUTO_JSON __attribute__((cleanup(put_json))) json_object *

static json_object *annotations_of(json_object *config)
{
	json_object *a = NULL;

	json_object_object_get_ex(config, "annotations", &a);
	return a;
}

UNIT_TEST(k8s_identity_containerd)
{
	AUTO_JSON cfg = json_tokener_parse(
		"{ \"ociVersion\": \"1.1.0\", \"process\": { \"args\": [\"nginx\"] },"
		"  \"annotations\": {"
		"    \"io.kubernetes.cri.container-name\": \"web\","
		"    \"io.kubernetes.cri.container-type\": \"container\","
		"    \"io.kubernetes.cri.image-name\": \"docker.io/library/nginx:1.25.3\","
		"    \"io.kubernetes.cri.sandbox-id\": \"" SANDBOX "\","
		"    \"io.kubernetes.cri.sandbox-name\": \"web-7d4b9c8f6d-x2k9p\","
		"    \"io.kubernetes.cri.sandbox-namespace\": \"shop\","
		"    \"io.kubernetes.cri.sandbox-uid\": \"" UID "\" } }");
	struct k8s_identity id;

	ASSERT_TRUE(cfg, "config parses");
	ASSERT_OK(k8s_identity_from_annotations(annotations_of(cfg), &id), "containerd parses");
	ASSERT_STREQ(id.ns, "shop", "namespace");
	ASSERT_STREQ(id.pod, "web-7d4b9c8f6d-x2k9p", "pod");
	ASSERT_STREQ(id.container, "web", "container");
	ASSERT_STREQ(id.image, "docker.io/library/nginx:1.25.3", "image");
	ASSERT_STREQ(id.sandbox_id, SANDBOX, "sandbox id");
	ASSERT_EQ(id.runtime, K8S_RUNTIME_CONTAINERD, "runtime");
	ASSERT_TRUE(!id.is_sandbox, "an application container");
}

UNIT_TEST(k8s_identity_crio)
{
	AUTO_JSON cfg = json_tokener_parse(
		"{ \"ociVersion\": \"1.0.2-dev\", \"annotations\": {"
		"    \"io.container.manager\": \"cri-o\","
		"    \"io.kubernetes.container.hash\": \"e9a5b0c2\","
		"    \"io.kubernetes.container.name\": \"coredns\","
		"    \"io.kubernetes.cri-o.ContainerID\": \"" CID "\","
		"    \"io.kubernetes.cri-o.ContainerType\": \"container\","
		"    \"io.kubernetes.cri-o.ImageName\":"
		"        \"registry.k8s.io/coredns/coredns:v1.11.1\","
		"    \"io.kubernetes.cri-o.Labels\": \"{\\\"app\\\":\\\"dns\\\"}\","
		"    \"io.kubernetes.cri-o.SandboxID\": \"" SANDBOX "\","
		"    \"io.kubernetes.pod.name\": \"coredns-5dd5756b68-7xq2m\","
		"    \"io.kubernetes.pod.namespace\": \"kube-system\","
		"    \"io.kubernetes.pod.uid\": \"" UID "\" } }");
	struct k8s_identity id;

	ASSERT_TRUE(cfg, "config parses");
	ASSERT_OK(k8s_identity_from_annotations(annotations_of(cfg), &id), "cri-o parses");
	ASSERT_STREQ(id.ns, "kube-system", "namespace");
	ASSERT_STREQ(id.pod, "coredns-5dd5756b68-7xq2m", "pod");
	ASSERT_STREQ(id.container, "coredns", "container");
	ASSERT_STREQ(id.image, "registry.k8s.io/coredns/coredns:v1.11.1", "image");
	ASSERT_STREQ(id.sandbox_id, SANDBOX, "sandbox id");
	ASSERT_EQ(id.runtime, K8S_RUNTIME_CRIO, "runtime");
	ASSERT_TRUE(!id.is_sandbox, "an application container");
}

UNIT_TEST(k8s_identity_sandbox)
{
	AUTO_JSON cd = json_tokener_parse(
		"{ \"io.kubernetes.cri.container-type\": \"sandbox\","
		"  \"io.kubernetes.cri.sandbox-id\": \"" SANDBOX "\","
		"  \"io.kubernetes.cri.sandbox-name\": \"web-7d4b9c8f6d-x2k9p\","
		"  \"io.kubernetes.cri.sandbox-namespace\": \"shop\" }");
	AUTO_JSON crio = json_tokener_parse(
		"{ \"io.kubernetes.container.name\": \"POD\","
		"  \"io.kubernetes.cri-o.ContainerType\": \"sandbox\","
		"  \"io.kubernetes.pod.namespace\": \"kube-system\" }");
	struct k8s_identity id;

	ASSERT_OK(k8s_identity_from_annotations(cd, &id), "containerd pause parses");
	ASSERT_TRUE(id.is_sandbox, "containerd pause is the sandbox");
	ASSERT_STREQ(id.container, "", "a missing key leaves its field empty");
	ASSERT_STREQ(id.image, "", "no image");
	ASSERT_STREQ(id.pod, "web-7d4b9c8f6d-x2k9p", "its pod");
	ASSERT_OK(k8s_identity_from_annotations(crio, &id), "cri-o infra parses");
	ASSERT_TRUE(id.is_sandbox, "cri-o infra is the sandbox");
	ASSERT_STREQ(id.container, "POD", "cri-o names it POD");
	ASSERT_EQ(id.runtime, K8S_RUNTIME_CRIO, "cri-o runtime");
}

UNIT_TEST(k8s_identity_not_kubernetes)
{
	AUTO_JSON plain = json_tokener_parse(
		"{ \"org.opencontainers.image.ref.name\": \"busybox\","
		"  \"io.kubernetes.cri.sandbox-uid\": \"" UID "\","
		"  \"com.example.note\": 7 }");
	AUTO_JSON list = json_tokener_parse("[\"io.kubernetes.pod.name\"]");
	struct k8s_identity id;

	ASSERT_EQ(k8s_identity_from_annotations(plain, &id), -ENOENT, "no identity key");
	ASSERT_EQ(k8s_identity_from_annotations(NULL, &id), -ENOENT, "no annotations at all");
	ASSERT_EQ(k8s_identity_from_annotations(list, &id), -EINVAL, "annotations not an object");
}

/* A containerd object with key set to v (taken over), for the error cases. */
static json_object *with(json_object *v, const char *key)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "io.kubernetes.cri.container-name",
			       json_object_new_string("web"));
	json_object_object_add(a, key, v);
	return a;
}

/* The call fails with err, and the result keeps its sentinel bytes. */
#define ASSERT_FAILS_UNTOUCHED(a, err, check)                                                  \
	do {                                                                                   \
		struct k8s_identity _id, _before;                                              \
		memset(&_id, 0x5a, sizeof(_id));                                               \
		memcpy(&_before, &_id, sizeof(_id));                                           \
		ASSERT_EQ(k8s_identity_from_annotations(a, &_id), err, check);                 \
		ASSERT_TRUE(memcmp(&_id, &_before, sizeof(_id)) == 0,                          \
			    check " leaves it untouched");                                     \
	} while (0)

UNIT_TEST(k8s_identity_value_limits)
{
	char s[K8S_NAME_SIZE + 1];
	struct k8s_identity id;

	memset(s, 'a', sizeof(s));
	s[K8S_NAME_SIZE - 1] = '\0';
	AUTO_JSON fits = with(json_object_new_string(s), "io.kubernetes.cri.sandbox-name");
	s[K8S_NAME_SIZE - 1] = 'a';
	s[K8S_NAME_SIZE] = '\0';
	AUTO_JSON over = with(json_object_new_string(s), "io.kubernetes.cri.sandbox-name");

	ASSERT_OK(k8s_identity_from_annotations(fits, &id), "253 characters fit");
	ASSERT_EQ(strlen(id.pod), K8S_NAME_SIZE - 1, "all of them kept");
	ASSERT_FAILS_UNTOUCHED(over, -E2BIG, "254 characters");
}

UNIT_TEST(k8s_identity_rejects_bad_values)
{
	AUTO_JSON number = with(json_object_new_int(3), "io.kubernetes.cri.sandbox-namespace");
	AUTO_JSON null = with(NULL, "io.kubernetes.cri.sandbox-namespace");
	AUTO_JSON nul = with(json_object_new_string_len("kube-system\0x", 13),
			     "io.kubernetes.cri.sandbox-namespace");
	AUTO_JSON type = with(json_object_new_string("pause"), "io.kubernetes.cri.container-type");
	AUTO_JSON mixed = with(json_object_new_string("kube-system"),
			       "io.kubernetes.pod.namespace");

	ASSERT_FAILS_UNTOUCHED(number, -EINVAL, "a number");
	ASSERT_FAILS_UNTOUCHED(null, -EINVAL, "null");
	ASSERT_FAILS_UNTOUCHED(nul, -EINVAL, "an embedded NUL");
	ASSERT_FAILS_UNTOUCHED(type, -EINVAL, "an unknown container type");
	ASSERT_FAILS_UNTOUCHED(mixed, -EINVAL, "containerd and cri-o keys together");
}

/* The first offending key in table order decides: namespace rows come before name rows. */
UNIT_TEST(k8s_identity_checks_ordering)
{
	char s[K8S_NAME_SIZE + 1];

	memset(s, 'a', K8S_NAME_SIZE);
	s[K8S_NAME_SIZE] = '\0';
	AUTO_JSON long_first = with(json_object_new_string(s),
				    "io.kubernetes.cri.sandbox-namespace");
	AUTO_JSON type_first = with(json_object_new_int(1), "io.kubernetes.cri.sandbox-namespace");

	json_object_object_add(long_first, "io.kubernetes.cri.sandbox-name",
			       json_object_new_int(1));
	json_object_object_add(type_first, "io.kubernetes.cri.sandbox-name",
			       json_object_new_string(s));
	ASSERT_FAILS_UNTOUCHED(long_first, -E2BIG, "too long namespace before a number name");
	ASSERT_FAILS_UNTOUCHED(type_first, -EINVAL, "number namespace before a too long name");
}
