/* SPDX-License-Identifier: GPL-2.0 */
/* Turning ring buffer events into the audit stream: one JSON object per line. */
#ifndef RAMPART_AUDIT_H
#define RAMPART_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "compile.h"

/* CLOCK_REALTIME minus CLOCK_BOOTTIME now, to date events stamped with boot time. */
long long audit_boot_to_real_ns(void);

/* The version of the event schema (docs/audit.md); bumped on any incompatible change. */
#define AUDIT_SCHEMA_VERSION 1

/* What the daemon knows of an event beyond the kernel's record; strings may be NULL. */
struct audit_context {
	long long boot_to_real_ns;	/* audit_boot_to_real_ns() */
	const char *node;	/* this machine's node name */
	const char *exe;	/* the process's executable, read when the event is handled */
	const char *cgroup;	/* the process's cgroup, below the cgroup2 mount */
	/* The container it runs in, when `rampart oci-hook` bound it: names from its OCI
	 * annotations. Else NULL, and a kubelet cgroup path still gives the container id
	 * and pod UID. */
	const struct policy_container *container;
};

/*
 * Formats one event of size bytes as a JSON line (no newline) into a malloc'd string.
 * rule is what the event's rule id names in its generation's table, or NULL if unknown.
 * 0, -EBADMSG for a malformed or foreign-ABI event, or -ENOMEM.
 */
int audit_format(const void *data, size_t size, const struct compile_rule *rule,
		 const struct audit_context *ctx, char **ret_line);

/* The tgid of a well-formed event (for looking up its executable), or 0. */
__u32 audit_event_tgid(const void *data, size_t size);
/* Whether a well-formed event lacks the executable's path the kernel adds to denials and
 * audits, so that the daemon must read it from /proc (a readlink per event otherwise). */
bool audit_event_needs_exe(const void *data, size_t size);
/* The cgroup id of a well-formed event, or 0. */
__u64 audit_event_cgroup(const void *data, size_t size);

/*
 * Who did what to which object, as one keyed 64-bit hash of the event without its time
 * and thread id: equal for repeats of the same decision by the same process (tgid) on the
 * same object under the same rule and generation. Flood control coalesces on it; keyed
 * (key from getrandom) so a crafted path cannot collide into another process's events.
 * 0, or -EBADMSG for a malformed event.
 */
int audit_event_identity(const void *data, size_t size, const struct rp_hash_key *key,
			 __u64 *ret_id);

/* The RFC 3339 UTC form of a CLOCK_REALTIME instant with nanoseconds; buf >= 40 bytes. */
const char *audit_time(long long real_ns, char *buf, size_t size);

#endif /* RAMPART_AUDIT_H */
