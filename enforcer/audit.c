// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/socket.h>

#include "audit.h"
#include "k8s.h"
#include "policy.h"
#include "utf8.h"

static const char *const audit_access_names[RP_ACC_BITS] = {
	"read", "write", "append", "create", "truncate", "exec",
};

long long audit_boot_to_real_ns(void)
{
	struct timespec real, boot;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (real.tv_sec - boot.tv_sec) * 1000000000LL + (real.tv_nsec - boot.tv_nsec);
}

/* v's last n decimal digits at p, zero-padded; returns the end. */
static char *audit_digits(char *p, unsigned long v, int n)
{
	for (int i = n - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + n;
}

const char *audit_time(long long real_ns, char *buf, size_t size)
{
	time_t sec = real_ns / 1000000000LL;
	struct tm tm;
	size_t n;
	char *p;

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	if (real_ns < 0 || tm.tm_year < -1900 || tm.tm_year > 9999 - 1900 || size < 31) {
		/* out of the common form: leave it to the C library */
		n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, size - n, ".%09lldZ", real_ns % 1000000000LL);
		return buf;
	}
	/* an event of every denial goes through here: digits by hand, not strftime */
	p = audit_digits(buf, (unsigned long)tm.tm_year + 1900, 4);
	*p++ = '-';
	p = audit_digits(p, (unsigned long)tm.tm_mon + 1, 2);
	*p++ = '-';
	p = audit_digits(p, (unsigned long)tm.tm_mday, 2);
	*p++ = 'T';
	p = audit_digits(p, (unsigned long)tm.tm_hour, 2);
	*p++ = ':';
	p = audit_digits(p, (unsigned long)tm.tm_min, 2);
	*p++ = ':';
	p = audit_digits(p, (unsigned long)tm.tm_sec, 2);
	*p++ = '.';
	p = audit_digits(p, (unsigned long)(real_ns % 1000000000LL), 9);
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

/*
 * The line under construction. Events arrive in floods, one line each: writing the text
 * directly costs a tenth of building a json-c object tree and serializing it. Where the
 * strings are well-formed UTF-8 the text is byte for byte what json-c 0.16 writes with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, which the unit tests compare
 * against; json-c would copy other bytes as they are, which strict parsers refuse.
 */
struct audit_line {
	char *buf;
	size_t len, cap;
	bool failed;		/* out of memory: the line is dropped */
};

static bool audit_grow(struct audit_line *l, size_t n)
{
	size_t cap = l->cap ? l->cap : 1024;
	char *buf;

	if (l->failed)
		return false;
	while (cap < l->len + n + 1)
		cap *= 2;
	buf = realloc(l->buf, cap);
	if (!buf) {
		l->failed = true;
		return false;
	}
	l->buf = buf;
	l->cap = cap;
	return true;
}

/* Room for n more bytes and the final NUL; false once out of memory. */
static inline bool audit_reserve(struct audit_line *l, size_t n)
{
	return l->len + n + 1 <= l->cap || audit_grow(l, n);
}

static void audit_raw(struct audit_line *l, const char *s, size_t n)
{
	if (!audit_reserve(l, n))
		return;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static const char audit_hex_digits[] = "0123456789abcdef";

/*
 * s[0..n) as a JSON string: '"' and '\\' escaped, control bytes as json-c writes them,
 * well-formed UTF-8 as it is. A byte that is not part of well-formed UTF-8 (a file name
 * is any bytes but '/' and NUL) becomes U+FFFD, so that every line is valid JSON for
 * strict parsers; false then: the caller adds the exact bytes in hex.
 */
static bool audit_str(struct audit_line *l, const char *s, size_t n)
{
	/* The bytes written as they are: ASCII but control bytes, '"' (0x22) and '\\' (0x5c). */
	static const bool plain[256] = {
		[0x20 ... 0x21] = true, [0x23 ... 0x5b] = true, [0x5d ... 0x7f] = true,
	};
	const unsigned char *u = (const unsigned char *)s;
	bool exact = true;
	char *p;

	if (!audit_reserve(l, 6 * n + 2))
		return true;
	p = l->buf + l->len;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		size_t k;

		if (plain[c]) {
			*p++ = (char)c;
			continue;
		}
		if (c >= 0x80) {
			k = utf8_seq_len(u + i, n - i);
			if (k) {
				memcpy(p, s + i, k);
				p += k;
				i += k - 1;
			} else {
				memcpy(p, "\\ufffd", 6);
				p += 6;
				exact = false;
			}
			continue;
		}
		*p++ = '\\';
		switch (c) {
		case '\b': *p++ = 'b'; break;
		case '\t': *p++ = 't'; break;
		case '\n': *p++ = 'n'; break;
		case '\f': *p++ = 'f'; break;
		case '\r': *p++ = 'r'; break;
		case '"':
		case '\\': *p++ = (char)c; break;
		default:
			memcpy(p, "u00", 3);
			p[3] = audit_hex_digits[c >> 4];
			p[4] = audit_hex_digits[c & 0xf];
			p += 5;
		}
	}
	*p++ = '"';
	l->len = (size_t)(p - l->buf);
	return exact;
}

/* s[0..n) as a JSON string of lowercase hex digits, two per byte. */
static void audit_hex(struct audit_line *l, const char *s, size_t n)
{
	char *p;

	if (!audit_reserve(l, 2 * n + 2))
		return;
	p = l->buf + l->len;
	*p++ = '"';
	for (size_t i = 0; i < n; i++) {
		*p++ = audit_hex_digits[(unsigned char)s[i] >> 4];
		*p++ = audit_hex_digits[(unsigned char)s[i] & 0xf];
	}
	*p++ = '"';
	l->len = (size_t)(p - l->buf);
}

/* The longest member name written with audit_add_strn(): "namespace". */
#define AUDIT_KEY_MAX 16

/* The next member's name: '"key":' after a comma unless it is the first of its object. */
static void audit_key(struct audit_line *l, const char *key)
{
	size_t n = strlen(key);
	char *p;

	if (!audit_reserve(l, n + 4))
		return;
	p = l->buf + l->len;
	if (l->len && p[-1] != '{')
		*p++ = ',';
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	l->len = (size_t)(p - l->buf);
}

/* key_hex: s[0..n)'s bytes, after a member whose string could not hold them. */
static void audit_add_hex(struct audit_line *l, const char *key, const char *s, size_t n)
{
	char hex_key[AUDIT_KEY_MAX + sizeof("_hex")];

	snprintf(hex_key, sizeof(hex_key), "%s_hex", key);
	audit_key(l, hex_key);
	audit_hex(l, s, n);
}

/*
 * key: s[0..n) as a JSON string; when s is not well-formed UTF-8, also key_hex: its
 * exact bytes. Every member whose bytes come from outside (a path, a command name, a
 * cgroup, OCI annotations) is written this way.
 */
static void audit_add_strn(struct audit_line *l, const char *key, const char *s, size_t n)
{
	audit_key(l, key);
	if (!audit_str(l, s, n))
		audit_add_hex(l, key, s, n);
}

/* key: s, or null */
static void audit_add_str(struct audit_line *l, const char *key, const char *s)
{
	if (s) {
		audit_add_strn(l, key, s, strlen(s));
		return;
	}
	audit_key(l, key);
	audit_raw(l, "null", 4);
}

static void audit_add_u64(struct audit_line *l, const char *key, unsigned long long v)
{
	char d[24];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	audit_key(l, key);
	audit_raw(l, d + i, sizeof(d) - i);
}

static void audit_add_access(struct audit_line *l, __u32 access)
{
	bool first = true;

	audit_key(l, "access");
	audit_raw(l, "[", 1);
	for (int bit = 0; bit < RP_ACC_BITS; bit++) {
		if (!(access & (1u << bit)))
			continue;
		if (!first)
			audit_raw(l, ",", 1);
		audit_str(l, audit_access_names[bit], strlen(audit_access_names[bit]));
		first = false;
	}
	audit_raw(l, "]", 1);
}

static void audit_add_rule(struct audit_line *l, const struct rp_event *ev,
			   const struct compile_rule *r)
{
	audit_add_str(l, "mode", r && r->audit_mode ? "audit" : "enforce");
	audit_add_str(l, "policy", r ? r->policy : NULL);
	audit_add_str(l, "rule", r ? r->label : NULL);
	audit_add_u64(l, "generation", ev->gen);
}

/* A bound container's identity; for another kubelet cgroup what its path says; else null. */
static void audit_add_container(struct audit_line *l, const struct audit_context *ctx)
{
	const struct policy_container *c = ctx->container;
	struct k8s_cgroup kc;

	if (!c && (!ctx->cgroup || k8s_cgroup_parse(ctx->cgroup, &kc) || !kc.container_id[0])) {
		audit_add_str(l, "container", NULL);
		return;
	}
	audit_key(l, "container");
	audit_raw(l, "{", 1);
	if (!c) {
		audit_add_str(l, "id", kc.container_id);
		audit_add_str(l, "pod_uid", kc.pod_uid);
	} else {
		audit_add_str(l, "id", c->id);
		audit_add_str(l, "name", c->name);
		audit_add_str(l, "pod", c->pod);
		audit_add_str(l, "namespace", c->ns);
		audit_add_str(l, "image", c->image);
	}
	audit_raw(l, "}", 1);
}

static void audit_add_process(struct audit_line *l, const struct rp_event *ev,
			      const struct audit_context *ctx)
{
	audit_add_u64(l, "pid", ev->tgid);
	audit_add_u64(l, "tid", ev->pid);
	audit_add_u64(l, "ppid", ev->ppid);
	audit_add_u64(l, "uid", ev->uid);
	audit_add_u64(l, "gid", ev->gid);
	audit_add_strn(l, "comm", ev->comm, strnlen(ev->comm, RP_COMM_LEN));
	/* The kernel's, taken when it decided; else what /proc said when the event was read. */
	if (ev->flags & RP_EVF_EXE)
		audit_add_strn(l, "exe", ev->path + ev->path_len + 1, ev->exe_len);
	else
		audit_add_str(l, "exe", ctx->exe);
	audit_add_u64(l, "cgroup_id", ev->cgroup_id);
	audit_add_str(l, "cgroup", ctx->cgroup);
	audit_add_container(l, ctx);
}

static bool audit_event_valid(const struct rp_event *ev, size_t size)
{
	return size >= RP_EVENT_HDR_SIZE + 1 && ev->abi == RP_ABI_VERSION &&
	       (ev->kind == RP_EV_FILE || ev->kind == RP_EV_EXEC || ev->kind == RP_EV_NET) &&
	       ev->path_len <= size - RP_EVENT_HDR_SIZE - 1 &&
	       (!(ev->flags & RP_EVF_EXE) ||
		(size_t)ev->path_len + 1 + ev->exe_len + 1 <= size - RP_EVENT_HDR_SIZE);
}

int audit_event_identity(const void *data, size_t size, const struct rp_hash_key *key,
			 __u64 *ret_id)
{
	const struct rp_event *ev = data;
	struct rp_event hdr;
	__u64 h;

	if (!audit_event_valid(ev, size))
		return -EBADMSG;
	memcpy(&hdr, ev, RP_EVENT_HDR_SIZE);
	hdr.time_boot_ns = 0;
	hdr.pid = 0;
	h = rp_siphash(&hdr, RP_EVENT_HDR_SIZE, key);
	/* Chain the object's bytes under a key derived from the header's hash. */
	*ret_id = rp_siphash(ev->path, ev->path_len,
			     &(struct rp_hash_key){ key->k0 ^ h, key->k1 + h });
	return 0;
}

/* A network value by name, or its number when it has none. */
static void audit_add_net_name(struct audit_line *l, const char *key, int what, __u16 value)
{
	const char *name = policy_net_name(what, value);

	if (name)
		audit_add_str(l, key, name);
	else
		audit_add_u64(l, key, value);
}

static void audit_add_net(struct audit_line *l, const struct rp_event *ev)
{
	const struct rp_net_obj *n = &ev->net;
	char addr[INET6_ADDRSTRLEN];

	audit_add_str(l, "operation", policy_net_op_name(n->op));
	audit_add_net_name(l, "family", 0, n->family);
	audit_add_net_name(l, "type", 1, n->type);
	if (n->family != AF_UNIX)
		audit_add_net_name(l, "protocol", 2, n->protocol);
	if (ev->flags & RP_EVF_UNIX) {
		if (ev->path_len)
			audit_add_strn(l, "address", ev->path, ev->path_len);
		else
			audit_add_str(l, "address", NULL);
	} else if (ev->flags & RP_EVF_INET) {
		if (n->family == AF_INET)
			inet_ntop(AF_INET, n->addr + 12, addr, sizeof(addr));
		else
			inet_ntop(AF_INET6, n->addr, addr, sizeof(addr));
		audit_add_str(l, "address", addr);
		audit_add_u64(l, "port", n->port);
	}
}

__u32 audit_event_tgid(const void *data, size_t size)
{
	const struct rp_event *ev = data;

	return audit_event_valid(ev, size) ? ev->tgid : 0;
}

bool audit_event_needs_exe(const void *data, size_t size)
{
	const struct rp_event *ev = data;

	return audit_event_valid(ev, size) && !(ev->flags & RP_EVF_EXE);
}

__u64 audit_event_cgroup(const void *data, size_t size)
{
	const struct rp_event *ev = data;

	return audit_event_valid(ev, size) ? ev->cgroup_id : 0;
}

int audit_format(const void *data, size_t size, const struct compile_rule *rule,
		 const struct audit_context *ctx, char **ret_line)
{
	const struct rp_event *ev = data;
	struct audit_line l = {};
	char when[48];

	if (!audit_event_valid(ev, size))
		return -EBADMSG;
	audit_time(ctx->boot_to_real_ns + (long long)ev->time_boot_ns, when, sizeof(when));
	audit_raw(&l, "{", 1);
	audit_add_str(&l, "time", when);
	audit_add_u64(&l, "schema", AUDIT_SCHEMA_VERSION);
	audit_add_str(&l, "node", ctx->node);
	audit_add_str(&l, "kind", ev->kind == RP_EV_EXEC ? "exec" :
				  ev->kind == RP_EV_NET ? "network" : "file");
	audit_add_str(&l, "decision", policy_action_name(ev->decision));
	audit_add_rule(&l, ev, rule);
	audit_add_process(&l, ev, ctx);
	if (ev->kind == RP_EV_NET)
		audit_add_net(&l, ev);
	else
		audit_add_strn(&l, "path", ev->path, ev->path_len);
	if (ev->kind == RP_EV_FILE)
		audit_add_access(&l, ev->access);
	if (ev->flags & RP_EVF_FILELESS) {
		audit_key(&l, "fileless");
		audit_raw(&l, "true", 4);
	}
	if (ev->flags & RP_EVF_PATH_ERROR)
		audit_add_str(&l, "error", strerror(-ev->error));
	else if (ev->flags & RP_EVF_PARENT_ERROR)
		audit_add_str(&l, "parent_error", strerror(-ev->error));
	audit_raw(&l, "}", 1);
	if (l.failed) {
		free(l.buf);
		return -ENOMEM;
	}
	l.buf[l.len] = '\0';	/* audit_reserve() kept a byte for it */
	*ret_line = l.buf;
	return 0;
}
