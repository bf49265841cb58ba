// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"
#include "sink.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59
#endif

/* epoll data: listeners are tagged apart from connection slots. */
#define CTL_TAG_CONTROL (-1)
#define CTL_TAG_METRICS (-2)
#define CTL_GROUPS_MAX 1024
/* A reply the client never takes is dropped past this size (a status of 100,000 rules
 * is about 10 MiB). */
#define CTL_REPLY_MAX (256u << 20)

/* A formatted, malloc'd string, or NULL. */
static char *ctl_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *ctl_strf(const char *fmt, ...)
{
	va_list ap;
	char *out;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&out, fmt, ap);
	va_end(ap);
	return n < 0 ? NULL : out;
}

void ctl_server_init(struct ctl_server *s, const struct ctl_ops *ops, void *ctx)
{
	memset(s, 0, sizeof(*s));
	s->epfd = s->fd = s->metrics_fd = -1;
	for (int i = 0; i < CTL_CONNS_MAX; i++)
		s->conns[i].fd = -1;
	if (ops)
		s->ops = *ops;
	s->ctx = ctx;
}

int ctl_group_lookup(const char *name, gid_t *ret_gid)
{
	struct group *g = getgrnam(name);
	char *end;
	unsigned long v;

	if (g) {
		*ret_gid = g->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name >= '0' && *name <= '9' && !*end && !errno && v < (gid_t)-1) {
		*ret_gid = (gid_t)v;
		return 0;
	}
	return -ENOENT;
}

static int ctl_epoll_add(struct ctl_server *s, int fd, int tag, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.u64 = (uint64_t)(long long)tag };

	if (s->epfd < 0) {
		s->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (s->epfd < 0)
			return -errno;
	}
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int ctl_server_listen(struct ctl_server *s, const char *path, const char *group)
{
	int ret;

	if (group) {
		ret = ctl_group_lookup(group, &s->group);
		if (ret)
			return ret;
		s->has_group = true;
		snprintf(s->group_name, sizeof(s->group_name), "%s", group);
	}
	s->fd = sink_listen_unix(path, 0666);
	if (s->fd < 0) {
		ret = s->fd;
		s->fd = -1;
		return ret;
	}
	s->path = strdup(path);
	if (!s->path)
		return -ENOMEM;
	return ctl_epoll_add(s, s->fd, CTL_TAG_CONTROL, EPOLLIN);
}

/* "PORT", "IPV4:PORT" or "[IPV6]:PORT" into a socket address; 0 or -EINVAL. */
static int ctl_parse_inet(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64] = "127.0.0.1";
	const char *port = addr, *colon = strrchr(addr, ':');
	unsigned long p;
	char *end;

	if (colon) {
		size_t n = (size_t)(colon - addr);

		if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']') {
			addr++;
			n -= 2;
		}
		if (n == 0 || n >= sizeof(host))
			return -EINVAL;
		memcpy(host, addr, n);
		host[n] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port < '0' || *port > '9' || *end || errno || p == 0 || p > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((unsigned short)p);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((unsigned short)p);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

bool ctl_metrics_addr_valid(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (addr[0] == '/')
		return strlen(addr) < sizeof(((struct sockaddr_un *)0)->sun_path);
	return ctl_parse_inet(addr, &ss, &len) == 0;
}

int ctl_server_listen_metrics(struct ctl_server *s, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, ret;

	if (addr[0] == '/') {
		s->metrics_fd = sink_listen_unix(addr, 0666);
		if (s->metrics_fd < 0) {
			ret = s->metrics_fd;
			s->metrics_fd = -1;
			return ret;
		}
		s->metrics_path = strdup(addr);
		if (!s->metrics_path)
			return -ENOMEM;
		return ctl_epoll_add(s, s->metrics_fd, CTL_TAG_METRICS, EPOLLIN);
	}
	if (ctl_parse_inet(addr, &ss, &len))
		return -EINVAL;
	s->metrics_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->metrics_fd < 0)
		return -errno;
	setsockopt(s->metrics_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->metrics_fd, (struct sockaddr *)&ss, len) < 0 || listen(s->metrics_fd, 16) < 0)
		return -errno;
	return ctl_epoll_add(s, s->metrics_fd, CTL_TAG_METRICS, EPOLLIN);
}

int ctl_server_fd(const struct ctl_server *s)
{
	return s->epfd;
}

/* Who is on the other end, and whether it may use the socket at all. */
static void ctl_peer_check(const struct ctl_server *s, int fd, struct ctl_peer *p)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	gid_t groups[CTL_GROUPS_MAX];

	memset(p, 0, sizeof(*p));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		p->uid = (uid_t)-1;
		return;		/* unknown peer: not allowed */
	}
	p->pid = cr.pid;
	p->uid = cr.uid;
	p->gid = cr.gid;
	p->allowed = cr.uid == 0 || (s->has_group && cr.gid == s->group);
	len = sizeof(groups);
	if (p->allowed || !s->has_group ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0)
		return;		/* more than CTL_GROUPS_MAX groups: not checked, not allowed */
	for (size_t i = 0; i < len / sizeof(gid_t); i++)
		if (groups[i] == s->group)
			p->allowed = true;
}

static void ctl_conn_close(struct ctl_server *s, struct ctl_conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	free(c->reply);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Queues reply (taken over) and writes what the socket takes now. */
static void ctl_conn_reply(struct ctl_server *s, struct ctl_conn *c, char *reply);

/* {"ok":false,"error":MSG} and a newline, malloc'd. */
static char *ctl_error_reply(const char *msg)
{
	json_object *o = json_object_new_object();
	char *out;

	json_object_object_add(o, "ok", json_object_new_boolean(false));
	json_object_object_add(o, "error", json_object_new_string(msg));
	out = ctl_strf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}

static char *ctl_refusal(const struct ctl_server *s, const struct ctl_peer *p)
{
	char msg[256];

	if (s->has_group)
		snprintf(msg, sizeof(msg), "refused: uid %u (pid %d) is not root and not in group "
			 "'%s'", (unsigned)p->uid, (int)p->pid, s->group_name);
	else
		snprintf(msg, sizeof(msg), "refused: uid %u (pid %d) is not root (rampart run "
			 "--control-group GROUP lets a group in)", (unsigned)p->uid, (int)p->pid);
	return ctl_error_reply(msg);
}

/* A free connection slot, or NULL; metrics connections get at most CTL_HTTP_MAX. */
static struct ctl_conn *ctl_free_slot(struct ctl_server *s, bool http)
{
	struct ctl_conn *free_slot = NULL;
	int n_http = 0;

	for (int i = 0; i < CTL_CONNS_MAX; i++) {
		if (s->conns[i].fd < 0 && !free_slot)
			free_slot = &s->conns[i];
		n_http += s->conns[i].fd >= 0 && s->conns[i].http;
	}
	return http && n_http >= CTL_HTTP_MAX ? NULL : free_slot;
}

static void ctl_accept(struct ctl_server *s, int lfd, bool http, long long now_ns)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ctl_conn *c = NULL;

		if (fd < 0)
			return;
		c = ctl_free_slot(s, http);
		if (!c) {
			close(fd);	/* busy: the client sees the connection closed */
			continue;
		}
		c->fd = fd;
		c->http = http;
		c->deadline_ns = now_ns + CTL_DEADLINE_NS;
		if (ctl_epoll_add(s, fd, (int)(c - s->conns), EPOLLIN)) {
			ctl_conn_close(s, c);
			continue;
		}
		if (http)
			continue;	/* metrics: whoever can reach the address may read them */
		ctl_peer_check(s, fd, &c->peer);
		if (!c->peer.allowed) {
			s->refused++;
			ctl_conn_reply(s, c, ctl_refusal(s, &c->peer));
		}
	}
}

static void ctl_conn_reply(struct ctl_server *s, struct ctl_conn *c, char *reply)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)(c - s->conns) };

	if (!reply) {
		ctl_conn_close(s, c);
		return;
	}
	c->reply = reply;
	c->reply_len = strlen(reply);
	c->reply_off = 0;
	shutdown(c->fd, SHUT_RD);
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static char *ctl_http(struct ctl_server *s, const char *req)
{
	static const char missing[] = "only /metrics is here\n";
	char *body, *out;

	if (strncmp(req, "GET /metrics ", 13) != 0 && strncmp(req, "GET / ", 6) != 0)
		return ctl_strf("HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\n"
				"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
				sizeof(missing) - 1, missing);
	body = s->ops.metrics ? s->ops.metrics(s->ctx) : NULL;
	if (!body)
		return ctl_strf("HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n"
				"Connection: close\r\n\r\n");
	out = ctl_strf("HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4; "
		       "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		       strlen(body), body);
	free(body);
	return out;
}

/* Reads the request; once complete, answers it. */
static void ctl_conn_read(struct ctl_server *s, struct ctl_conn *c)
{
	char *end;
	ssize_t n = read(c->fd, c->req + c->req_len, sizeof(c->req) - 1 - c->req_len);
	int fd;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		ctl_conn_close(s, c);
		return;
	}
	c->req_len += (size_t)n;
	c->req[c->req_len] = '\0';
	end = c->http ? strstr(c->req, "\r\n\r\n") : strchr(c->req, '\n');
	if (!end && c->http)
		end = strstr(c->req, "\n\n");
	if (!end) {
		if (c->req_len == sizeof(c->req) - 1)
			ctl_conn_reply(s, c, ctl_error_reply("request too long"));
		return;
	}
	*end = '\0';
	if (end > c->req && end[-1] == '\r')
		end[-1] = '\0';
	s->served++;
	if (c->http) {
		ctl_conn_reply(s, c, ctl_http(s, c->req));
		return;
	}
	fd = c->fd;
	if (!s->ops.request) {
		ctl_conn_close(s, c);
		return;
	}
	{
		char *reply = s->ops.request(s->ctx, &c->peer, c->req, &fd);

		if (fd < 0) {	/* the connection is the caller's now */
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			c->fd = -1;
			free(reply);
			ctl_conn_close(s, c);
			return;
		}
		ctl_conn_reply(s, c, reply);
	}
}

static void ctl_conn_write(struct ctl_server *s, struct ctl_conn *c)
{
	while (c->reply_off < c->reply_len) {
		ssize_t n = send(c->fd, c->reply + c->reply_off, c->reply_len - c->reply_off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		c->reply_off += (size_t)n;
	}
	ctl_conn_close(s, c);
}

void ctl_server_service(struct ctl_server *s, long long now_ns)
{
	struct epoll_event evs[16];
	int n;

	if (s->epfd < 0)
		return;
	while ((n = epoll_wait(s->epfd, evs, 16, 0)) > 0) {
		for (int i = 0; i < n; i++) {
			long long tag = (long long)evs[i].data.u64;
			struct ctl_conn *c;

			if (tag == CTL_TAG_CONTROL || tag == CTL_TAG_METRICS) {
				ctl_accept(s, tag == CTL_TAG_CONTROL ? s->fd : s->metrics_fd,
					   tag == CTL_TAG_METRICS, now_ns);
				continue;
			}
			if (tag < 0 || tag >= CTL_CONNS_MAX || s->conns[tag].fd < 0)
				continue;
			c = &s->conns[tag];
			if (c->reply)
				ctl_conn_write(s, c);
			else if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				ctl_conn_read(s, c);
		}
		if (n < 16)
			break;
	}
	for (int i = 0; i < CTL_CONNS_MAX; i++)
		if (s->conns[i].fd >= 0 && now_ns > s->conns[i].deadline_ns)
			ctl_conn_close(s, &s->conns[i]);
}

void ctl_server_close(struct ctl_server *s)
{
	for (int i = 0; i < CTL_CONNS_MAX; i++)
		if (s->conns[i].fd >= 0)
			ctl_conn_close(s, &s->conns[i]);
	if (s->fd >= 0)
		close(s->fd);
	if (s->metrics_fd >= 0)
		close(s->metrics_fd);
	if (s->path)
		unlink(s->path);
	if (s->metrics_path)
		unlink(s->metrics_path);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->path);
	free(s->metrics_path);
	s->path = s->metrics_path = NULL;
	s->fd = s->metrics_fd = s->epfd = -1;
}

void ctl_prom_escape(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; in && *in && o + 3 < size; in++) {
		if (*in == '\\' || *in == '"' || *in == '\n') {
			out[o++] = '\\';
			out[o++] = *in == '\n' ? 'n' : *in;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

static int ctl_send_line(int fd, const char *req)
{
	char line[CTL_REQUEST_MAX + 1];
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", req), off = 0;

	if (n >= sizeof(line))
		return errno = E2BIG, -1;
	while (off < n) {
		ssize_t w = send(fd, line + off, n - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

/* The client: one request, the reply line up to EOF. */
static int ctl_connect_timeout(const char *path, int timeout_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Bounds connect (a full backlog), send and each read: EAGAIN when it runs out. */
	if (timeout_ms > 0 && (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
			       setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))) {
		ret = -errno;
		close(fd);
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int ctl_connect(const char *path)
{
	return ctl_connect_timeout(path, 0);
}

int ctl_request_timeout(const char *path, const char *req, int timeout_ms, char **ret_reply)
{
	size_t len = 0, cap = 4096;
	char *buf;
	int fd, ret = 0;

	fd = ctl_connect_timeout(path, timeout_ms);
	if (fd < 0)
		return fd;
	/* A refused peer's reply may already wait, its request unread: read it anyway. */
	if (ctl_send_line(fd, req) < 0 && errno != EPIPE && errno != ECONNRESET) {
		ret = -errno;
		close(fd);
		return ret;
	}
	buf = malloc(cap);
	while (buf) {
		ssize_t n;

		if (len + 1 == cap) {
			char *b = cap >= CTL_REPLY_MAX ? NULL : realloc(buf, cap * 2);

			if (!b) {
				ret = -E2BIG;
				break;
			}
			buf = b;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !(errno == ECONNRESET && len))
			ret = errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	if (ret || !len) {
		free(buf);
		return ret ? ret : -ECONNRESET;
	}
	buf[len] = '\0';
	if (buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	*ret_reply = buf;
	return 0;
}

int ctl_request(const char *path, const char *req, char **ret_reply)
{
	return ctl_request_timeout(path, req, 0, ret_reply);
}
