/* SPDX-License-Identifier: GPL-2.0 */
/* Turning ring buffer events into the audit stream: one JSON object per line. */
#ifndef RAMPART_AUDIT_H
#define RAMPART_AUDIT_H

#include <stddef.h>

#include "compile.h"

/* CLOCK_REALTIME minus CLOCK_BOOTTIME now, to date events stamped with boot time. */
long long audit_boot_to_real_ns(void);

/*
 * Formats one event of size bytes as a JSON line (no newline) into a malloc'd string.
 * rule is what the event's rule id names in its generation's table, or NULL if unknown.
 * 0, -EBADMSG for a malformed or foreign-ABI event, or -ENOMEM.
 */
int audit_format(const void *data, size_t size, const struct compile_rule *rule,
		 long long boot_to_real_ns, char **ret_line);

/* The RFC 3339 UTC form of a CLOCK_REALTIME instant with nanoseconds; buf >= 40 bytes. */
const char *audit_time(long long real_ns, char *buf, size_t size);

#endif /* RAMPART_AUDIT_H */
