/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kubernetes container identity, from what a node offers: the kubelet's cgroup layout and
 * the OCI annotations that container runtimes write into a bundle's config.json. Pure
 * parsers: no file or kernel access, no logging.
 *
 * Cgroup layouts (cgroup v2), for both kubelet cgroup drivers:
 *   systemd   /kubepods.slice[/kubepods-QOS.slice]/kubepods[-QOS]-pod<UID>.slice/RT-<ID>.scope
 *             UID with '_' for '-'; RT one of cri-containerd, crio, docker. The kubepods slice
 *             may carry a parent prefix, as kind's /kubelet.slice/kubelet-kubepods.slice does,
 *             and every slice below it then repeats that prefix.
 *   cgroupfs  /kubepods[/QOS]/pod<UID>/[RT-]<ID>
 * QOS is burstable or besteffort; Guaranteed pods have no QoS level. The kubepods component
 * may sit anywhere (a cgroup namespace or a nesting node puts a prefix before it), and
 * sub-cgroups below a container's cgroup belong to that container.
 */
#ifndef RAMPART_K8S_H
#define RAMPART_K8S_H

#include <stdbool.h>

#include <json-c/json.h>

#define K8S_POD_UID_SIZE 40		/* 36 characters 8-4-4-4-12, or 32 for static pods */
#define K8S_CONTAINER_ID_MAX 64		/* hex characters */
#define K8S_CONTAINER_ID_SIZE 72
#define K8S_NAME_SIZE 254		/* a DNS subdomain (253) and its NUL */
#define K8S_IMAGE_SIZE 512

enum k8s_runtime {
	K8S_RUNTIME_UNKNOWN,
	K8S_RUNTIME_CONTAINERD,
	K8S_RUNTIME_CRIO,
	K8S_RUNTIME_DOCKER,		/* docker through cri-dockerd */
};

enum k8s_qos {
	K8S_QOS_NONE,			/* Guaranteed: no QoS level in the path */
	K8S_QOS_BURSTABLE,
	K8S_QOS_BESTEFFORT,
};

/* What a kubelet cgroup path says. */
struct k8s_cgroup {
	char pod_uid[K8S_POD_UID_SIZE];	/* with dashes: 8-4-4-4-12 lowercase hex; a static
					 * pod's is 32 hex characters (an md5 sum) */
	char container_id[K8S_CONTAINER_ID_SIZE]; /* lowercase hex, usually 64 characters; empty
						   * for the pod's own cgroup */
	enum k8s_qos qos;
	enum k8s_runtime runtime;	/* UNKNOWN for the pod's own cgroup and for cgroupfs
					 * container ids without a runtime prefix */
	bool systemd_driver;		/* kubepods.slice layout, rather than cgroupfs */
};

/*
 * Parses path, an absolute cgroup v2 path relative to the cgroup2 mount, into *ret_cg. 0;
 * -ENOENT when the path is not a kubelet pod or container cgroup (no kubepods component,
 * the kubepods or a QoS cgroup itself, or CRI-O's conmon cgroup beside a container);
 * -EINVAL when path is not absolute, or when it has a kubepods component but what follows
 * does not match the layout: empty, '.' or '..' components anywhere, a pod UID of the wrong
 * shape, a container id that is not 1 to 64 lowercase hex characters, an unknown scope.
 */
int k8s_cgroup_parse(const char *path, struct k8s_cgroup *ret_cg);

/* What the OCI annotations say. */
struct k8s_identity {
	char ns[K8S_NAME_SIZE];
	char pod[K8S_NAME_SIZE];
	char container[K8S_NAME_SIZE];
	char image[K8S_IMAGE_SIZE];
	char sandbox_id[K8S_CONTAINER_ID_SIZE];
	enum k8s_runtime runtime;	/* CONTAINERD or CRIO: whose keys were present */
	bool is_sandbox;		/* the pause container */
};

/*
 * Reads the identity from the "annotations" object of an OCI runtime config.json (NULL
 * when the bundle has none) into ret. Missing keys leave their fields empty. 0; -ENOENT
 * when no Kubernetes annotation is present; -EINVAL when annotations is not an object,
 * a Kubernetes annotation is not a string or holds a NUL, the container type is neither
 * "sandbox" nor "container", or keys of both containerd and CRI-O are present (a pod's own
 * annotations can reach config.json, so a mixture may be an attempt to pass for another pod);
 * -E2BIG when a value does not fit its field. Errors are reported for the first offending
 * key in the order of the table in k8s.c.
 */
int k8s_identity_from_annotations(json_object *annotations, struct k8s_identity *ret_id);

#endif /* RAMPART_K8S_H */
