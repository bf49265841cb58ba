// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "k8s.h"

#define K8S_ROWS(table) (sizeof(table) / sizeof((table)[0]))

/* Container runtimes by the prefix they give a container's cgroup. */
static const struct {
	const char *prefix;
	enum k8s_runtime runtime;
} k8s_runtimes[] = {
	{ "cri-containerd-", K8S_RUNTIME_CONTAINERD },
	{ "crio-", K8S_RUNTIME_CRIO },
	{ "docker-", K8S_RUNTIME_DOCKER },
};

/* CRI-O's monitor process, a sibling of the container's cgroup in the pod's. */
#define K8S_CONMON_PREFIX "crio-conmon-"

static const struct {
	const char *name;
	enum k8s_qos qos;
} k8s_qos_levels[] = {
	{ "burstable", K8S_QOS_BURSTABLE },
	{ "besteffort", K8S_QOS_BESTEFFORT },
};

/* One component of a path; not NUL-terminated. */
struct k8s_span {
	const char *s;
	size_t n;
};

/* Where a parse stands: the rest of the path, and what the kubepods component said. */
struct k8s_walk {
	const char *next;		/* "" or "/NAME..." */
	struct k8s_span stem;		/* systemd: the kubepods slice's name, less ".slice" */
	bool systemd;
};

/* Moves the component after *p into ret; false at the end of the path. */
static bool k8s_next(const char **p, struct k8s_span *ret)
{
	const char *s = *p;

	if (*s != '/')
		return false;
	ret->s = ++s;
	ret->n = strcspn(s, "/");
	*p = s + ret->n;
	return true;
}

static bool k8s_is(struct k8s_span c, const char *lit)
{
	return c.n == strlen(lit) && memcmp(c.s, lit, c.n) == 0;
}

/* Consumes s[0..n) from the front of c. */
static bool k8s_eat(struct k8s_span *c, const char *s, size_t n)
{
	if (c->n < n || memcmp(c->s, s, n) != 0)
		return false;
	c->s += n;
	c->n -= n;
	return true;
}

static bool k8s_eat_str(struct k8s_span *c, const char *lit)
{
	return k8s_eat(c, lit, strlen(lit));
}

/* Consumes lit from the back of c. */
static bool k8s_eat_suffix(struct k8s_span *c, const char *lit)
{
	size_t n = strlen(lit);

	if (c->n < n || memcmp(c->s + c->n - n, lit, n) != 0)
		return false;
	c->n -= n;
	return true;
}

static bool k8s_is_hex(struct k8s_span c)
{
	for (size_t i = 0; i < c.n; i++)
		if (!((c.s[i] >= '0' && c.s[i] <= '9') || (c.s[i] >= 'a' && c.s[i] <= 'f')))
			return false;
	return true;
}

/* Is c the kubepods cgroup, "kubepods" (cgroupfs) or "[PARENT-]kubepods.slice"? */
static bool k8s_is_kubepods(struct k8s_span c, struct k8s_walk *w)
{
	w->systemd = !k8s_is(c, "kubepods");
	if (!w->systemd)
		return true;
	if (!k8s_eat_suffix(&c, ".slice"))
		return false;
	w->stem = c;
	return k8s_is(c, "kubepods") || (k8s_eat_suffix(&c, "-kubepods") && c.n > 0);
}

/* Finds the first kubepods component; w->next is then the rest of the path after it. */
static bool k8s_find_kubepods(const char *path, struct k8s_walk *w)
{
	struct k8s_span c;

	w->next = path;
	while (k8s_next(&w->next, &c))
		if (k8s_is_kubepods(c, w))
			return true;
	return false;
}

/* No empty, "." or ".." component anywhere (a trailing '/' makes an empty one). */
static bool k8s_is_normal(const char *path)
{
	struct k8s_span c;

	while (k8s_next(&path, &c))
		if (c.n == 0 || k8s_is(c, ".") || k8s_is(c, ".."))
			return false;
	return true;
}

/* Consumes what a systemd slice's name repeats of its parents: "kubepods-", "QOS-". */
static bool k8s_eat_parents(struct k8s_span *c, const struct k8s_walk *w, const char *qos)
{
	if (!w->systemd)
		return true;
	if (!k8s_eat(c, w->stem.s, w->stem.n) || !k8s_eat_str(c, "-"))
		return false;
	return !qos || (k8s_eat_str(c, qos) && k8s_eat_str(c, "-"));
}

/* Is c the cgroup of a QoS level? Its row in k8s_qos_levels into *ret_i. */
static bool k8s_match_qos(struct k8s_span c, const struct k8s_walk *w, size_t *ret_i)
{
	for (size_t i = 0; i < K8S_ROWS(k8s_qos_levels); i++) {
		struct k8s_span t = c;

		if (k8s_eat_parents(&t, w, NULL) && k8s_eat_str(&t, k8s_qos_levels[i].name) &&
		    k8s_is(t, w->systemd ? ".slice" : "")) {
			*ret_i = i;
			return true;
		}
	}
	return false;
}

/* A pod UID, 8-4-4-4-12 hex with sep for '-' or a static pod's 32 hex, into ret. */
static int k8s_uid_parse(struct k8s_span u, char sep, char ret[K8S_POD_UID_SIZE])
{
	if (u.n == 32 && k8s_is_hex(u)) {
		memcpy(ret, u.s, u.n);
		ret[u.n] = '\0';
		return 0;
	}
	if (u.n != 36)
		return -EINVAL;
	for (size_t i = 0; i < u.n; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? u.s[i] != sep : !k8s_is_hex((struct k8s_span){ u.s + i, 1 }))
			return -EINVAL;
		ret[i] = dash ? '-' : u.s[i];
	}
	ret[u.n] = '\0';
	return 0;
}

/* The pod's cgroup: "pod<UID>", or "kubepods[-QOS]-pod<UID>.slice". */
static int k8s_pod_parse(struct k8s_span c, const struct k8s_walk *w, const char *qos,
			 struct k8s_cgroup *out)
{
	if (!k8s_eat_parents(&c, w, qos) || !k8s_eat_str(&c, "pod") ||
	    (w->systemd && !k8s_eat_suffix(&c, ".slice")))
		return -EINVAL;
	return k8s_uid_parse(c, w->systemd ? '_' : '-', out->pod_uid);
}

/* Walks from the kubepods component to the pod's, through the QoS level if any. */
static int k8s_walk_pod(struct k8s_walk *w, struct k8s_cgroup *out)
{
	const char *qos = NULL;
	struct k8s_span c;
	size_t i;

	if (!k8s_next(&w->next, &c))
		return -ENOENT;		/* kubepods itself */
	if (k8s_match_qos(c, w, &i)) {
		out->qos = k8s_qos_levels[i].qos;
		qos = k8s_qos_levels[i].name;
		if (!k8s_next(&w->next, &c))
			return -ENOENT;	/* the QoS level itself */
	}
	return k8s_pod_parse(c, w, qos, out);
}

/* Consumes the runtime's prefix from c; which runtime, or UNKNOWN when there is none. */
static enum k8s_runtime k8s_eat_runtime(struct k8s_span *c)
{
	for (size_t i = 0; i < K8S_ROWS(k8s_runtimes); i++)
		if (k8s_eat_str(c, k8s_runtimes[i].prefix))
			return k8s_runtimes[i].runtime;
	return K8S_RUNTIME_UNKNOWN;
}

/* The container's cgroup: "RUNTIME-<ID>.scope", or "[RUNTIME-]<ID>" with cgroupfs. */
static int k8s_container_parse(struct k8s_span c, const struct k8s_walk *w,
			       struct k8s_cgroup *out)
{
	struct k8s_span conmon = c;

	if (k8s_eat_str(&conmon, K8S_CONMON_PREFIX))
		return -ENOENT;
	out->runtime = k8s_eat_runtime(&c);
	if (w->systemd && (out->runtime == K8S_RUNTIME_UNKNOWN || !k8s_eat_suffix(&c, ".scope")))
		return -EINVAL;
	if (c.n == 0 || c.n > K8S_CONTAINER_ID_MAX || !k8s_is_hex(c))
		return -EINVAL;
	memcpy(out->container_id, c.s, c.n);
	out->container_id[c.n] = '\0';
	return 0;
}

int k8s_cgroup_parse(const char *path, struct k8s_cgroup *ret_cg)
{
	struct k8s_cgroup cg = {};
	struct k8s_walk w = {};
	struct k8s_span c;
	int r;

	if (!path || path[0] != '/')
		return -EINVAL;
	if (!k8s_find_kubepods(path, &w))
		return -ENOENT;
	if (!k8s_is_normal(path))
		return -EINVAL;
	r = k8s_walk_pod(&w, &cg);
	/* Components below the container's cgroup are its own sub-cgroups. */
	if (r == 0 && k8s_next(&w.next, &c))
		r = k8s_container_parse(c, &w, &cg);
	if (r < 0)
		return r;
	cg.systemd_driver = w.systemd;
	*ret_cg = cg;
	return 0;
}

/* The annotations as read, before they become a struct k8s_identity. */
struct k8s_fields {
	struct k8s_identity id;
	char type[16];			/* "sandbox" or "container" */
};

#define K8S_FIELD(f) offsetof(struct k8s_fields, f), sizeof(((struct k8s_fields *)0)->f)

static const struct k8s_annotation {
	const char *key;
	size_t offset, size;		/* of the field in struct k8s_fields */
	enum k8s_runtime runtime;
} k8s_annotations[] = {
	{ "io.kubernetes.cri.sandbox-namespace", K8S_FIELD(id.ns), K8S_RUNTIME_CONTAINERD },
	{ "io.kubernetes.cri.sandbox-name", K8S_FIELD(id.pod), K8S_RUNTIME_CONTAINERD },
	{ "io.kubernetes.cri.container-name", K8S_FIELD(id.container), K8S_RUNTIME_CONTAINERD },
	{ "io.kubernetes.cri.image-name", K8S_FIELD(id.image), K8S_RUNTIME_CONTAINERD },
	{ "io.kubernetes.cri.container-type", K8S_FIELD(type), K8S_RUNTIME_CONTAINERD },
	{ "io.kubernetes.cri.sandbox-id", K8S_FIELD(id.sandbox_id), K8S_RUNTIME_CONTAINERD },
	{ "io.kubernetes.pod.namespace", K8S_FIELD(id.ns), K8S_RUNTIME_CRIO },
	{ "io.kubernetes.pod.name", K8S_FIELD(id.pod), K8S_RUNTIME_CRIO },
	{ "io.kubernetes.container.name", K8S_FIELD(id.container), K8S_RUNTIME_CRIO },
	{ "io.kubernetes.cri-o.ImageName", K8S_FIELD(id.image), K8S_RUNTIME_CRIO },
	{ "io.kubernetes.cri-o.ContainerType", K8S_FIELD(type), K8S_RUNTIME_CRIO },
	{ "io.kubernetes.cri-o.SandboxID", K8S_FIELD(id.sandbox_id), K8S_RUNTIME_CRIO },
};

/* Copies the value of row's key into f. 1 when copied, 0 when the key is absent. */
static int k8s_annotation_read(json_object *annotations, const struct k8s_annotation *row,
			       struct k8s_fields *f)
{
	json_object *v;
	const char *s;
	size_t n;

	if (!json_object_object_get_ex(annotations, row->key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	n = json_object_get_string_len(v);
	/* An embedded NUL would cut the name short: "kube-system\u0000x" is not kube-system. */
	if (memchr(s, '\0', n))
		return -EINVAL;
	if (n >= row->size)
		return -E2BIG;
	memcpy((char *)f + row->offset, s, n + 1);
	return 1;
}

/* Reads every row's key into f, and which runtime wrote them into f->id.runtime. */
static int k8s_annotations_read(json_object *annotations, struct k8s_fields *f)
{
	for (size_t i = 0; i < K8S_ROWS(k8s_annotations); i++) {
		const struct k8s_annotation *row = &k8s_annotations[i];
		int r = k8s_annotation_read(annotations, row, f);

		if (r < 0)
			return r;
		if (r == 0)
			continue;
		if (f->id.runtime != K8S_RUNTIME_UNKNOWN && f->id.runtime != row->runtime)
			return -EINVAL;
		f->id.runtime = row->runtime;
	}
	return f->id.runtime == K8S_RUNTIME_UNKNOWN ? -ENOENT : 0;
}

int k8s_identity_from_annotations(json_object *annotations, struct k8s_identity *ret_id)
{
	struct k8s_fields f = {};
	int r;

	if (!annotations)
		return -ENOENT;
	if (!json_object_is_type(annotations, json_type_object))
		return -EINVAL;
	r = k8s_annotations_read(annotations, &f);
	if (r < 0)
		return r;
	f.id.is_sandbox = strcmp(f.type, "sandbox") == 0;
	if (!f.id.is_sandbox && f.type[0] && strcmp(f.type, "container") != 0)
		return -EINVAL;
	*ret_id = f.id;
	return 0;
}
