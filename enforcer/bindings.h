/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Containers bound by `rampart oci-hook`: which cgroup each container runs in and what
 * its OCI annotations say (Kubernetes namespace, pod, container name, image). The daemon
 * keeps them in memory, compiles them into every generation (policies with a matching
 * container selector take the cgroup as a subject), names them in events, and writes them
 * to a state file after each change, so that a restarted daemon goes on enforcing on the
 * containers that were started under its predecessor.
 *
 * A binding is keyed by cgroup id, never by path alone: ids are not reused while the
 * system runs, so a binding whose cgroup is gone (or whose path now names a new cgroup)
 * is dropped, never inherited by a newcomer.
 */
#ifndef RAMPART_BINDINGS_H
#define RAMPART_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "compile.h"

#define BINDINGS_MAX 8192		/* containers on one node, with room to spare */
#define BINDING_ID_MAX 127		/* [A-Za-z0-9_.-], as OCI runtimes name containers */
#define BINDING_NAME_MAX 253		/* namespace, pod and container names */
#define BINDING_IMAGE_MAX 511

struct binding {
	char *id, *ns, *pod, *name, *image;	/* "" when unknown */
	char *cgroup;				/* path below the cgroup2 mount */
	__u64 cgroup_id;
	long long bound_ns;			/* CLOCK_REALTIME when bound */
};

struct bindings {
	struct binding *v;
	size_t n;
};

/*
 * Parses a bind request's JSON object into *ret_b (id, cgroup_id and the names; cgroup
 * stays NULL for the caller to resolve from the id). 0, or -EINVAL with a message naming
 * the field in err (size errsz).
 */
int binding_parse(const char *json, struct binding *ret_b, char *err, size_t errsz);
void binding_free(struct binding *b);

/* Adds b (taking its strings), replacing a binding of the same id or cgroup id. 0 or
 * -E2BIG past BINDINGS_MAX. */
int bindings_put(struct bindings *s, struct binding *b);
/* Drops the binding of container id; whether there was one. */
bool bindings_remove(struct bindings *s, const char *id);
/* Drops bindings whose cgroup is gone or is another cgroup now: resolve gives the id of a
 * path (0) or an error. Returns how many were dropped. */
size_t bindings_prune(struct bindings *s, int (*resolve)(void *ctx, const char *path,
							  __u64 *ret_id), void *ctx);
/* The binding whose cgroup is path or its nearest ancestor, or NULL. */
const struct binding *bindings_find(const struct bindings *s, const char *path);
/* The bindings as the compiler takes them: a malloc'd array pointing into s (NULL and
 * *n = 0 when there are none), valid until s changes. */
struct compile_binding *bindings_for_compile(const struct bindings *s, size_t *n);

/* The state file: written to a temporary file beside it and renamed over (0 or -errno);
 * read back at start (-ENOENT when there is none; -EINVAL naming the entry in err). */
int bindings_save(const struct bindings *s, const char *path);
int bindings_load(struct bindings *s, const char *path, char *err, size_t errsz);
void bindings_free(struct bindings *s);

#endif /* RAMPART_BINDINGS_H */
