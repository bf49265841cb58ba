/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's control socket and its metrics listener. A control connection carries
 * one request line ("status", "reload", "events") and gets one reply line, a JSON
 * object, before the daemon closes it; "events" instead turns the connection into a
 * stream client of the audit stream. Every control peer is checked with SO_PEERCRED
 * and SO_PEERGROUPS before a byte is read: only root, or a member of the group the
 * administrator named, gets an answer; others get a refusal that says why.
 *
 * The metrics listener (opt-in) answers HTTP GET requests with Prometheus text.
 *
 * Nothing here blocks: connections are served from the daemon's event loop, a request
 * must arrive within CTL_DEADLINE_NS and a reply be taken within it, or the connection
 * is dropped.
 */
#ifndef RAMPART_CTL_H
#define RAMPART_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTL_SOCKET_DEFAULT "/run/rampart/rampart.sock"
#define CTL_CONNS_MAX 32
/* Metrics connections take at most this many slots: whoever can reach the listener must
 * not be able to crowd out root's control requests. */
#define CTL_HTTP_MAX 8
#define CTL_REQUEST_MAX 4096	/* a bind request carries a container's names and image */
#define CTL_DEADLINE_NS 5000000000LL

struct ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	bool allowed;		/* root, or in the control group */
};

struct ctl_ops {
	/*
	 * Answers a control request from an allowed peer: a malloc'd reply (one line, with
	 * its newline), or NULL once it took the connection (*fd = -1 then: it is theirs).
	 */
	char *(*request)(void *ctx, const struct ctl_peer *peer, const char *req, int *fd);
	/* The metrics page, malloc'd Prometheus text. */
	char *(*metrics)(void *ctx);
};

struct ctl_conn {
	int fd;			/* -1: slot free */
	bool http;		/* from the metrics listener */
	struct ctl_peer peer;
	char req[CTL_REQUEST_MAX];
	size_t req_len;
	char *reply;		/* once answered: the bytes still to write */
	size_t reply_off, reply_len;
	long long deadline_ns;
};

struct ctl_server {
	int epfd;		/* listeners and connections; -1: closed */
	int fd;			/* control listener; -1: none */
	int metrics_fd;		/* metrics listener; -1: none */
	char *path, *metrics_path;	/* Unix socket files to remove at close */
	bool has_group;
	gid_t group;
	char group_name[64];
	struct ctl_conn conns[CTL_CONNS_MAX];
	unsigned long long refused, served;
	struct ctl_ops ops;
	void *ctx;
};

/* Nothing open yet: ctl_server_close() accepts it. */
void ctl_server_init(struct ctl_server *s, const struct ctl_ops *ops, void *ctx);
/*
 * Listens for control requests on path (mode 0666: every local user may connect and
 * be told whether it is allowed). group: the group whose members may use it besides
 * root, or NULL. A stale socket is replaced; a live one is -EADDRINUSE, another file
 * -EEXIST. 0 or a negative errno.
 */
int ctl_server_listen(struct ctl_server *s, const char *path, const char *group);
/* Listens for metrics scrapes on addr: "PORT", "IPV4:PORT", "[IPV6]:PORT" or a Unix
 * socket path starting with '/'. 0 or a negative errno (-EINVAL: addr unreadable). */
int ctl_server_listen_metrics(struct ctl_server *s, const char *addr);
/* The fd to poll: readable when ctl_server_service() has work. -1 when nothing listens. */
int ctl_server_fd(const struct ctl_server *s);
void ctl_server_service(struct ctl_server *s, long long now_ns);
void ctl_server_close(struct ctl_server *s);

/* Resolves a group name or number; 0 or -ENOENT. */
int ctl_group_lookup(const char *name, gid_t *ret_gid);
/* Whether addr is something ctl_server_listen_metrics() can read. */
bool ctl_metrics_addr_valid(const char *addr);

/* A connected Unix stream socket to path, or a negative errno. */
int ctl_connect(const char *path);
/* The client side: sends req (no newline) to the control socket at path, and returns
 * the daemon's reply line in *ret_reply (malloc'd, without its newline). */
int ctl_request(const char *path, const char *req, char **ret_reply);
/* The same, giving up with -ETIMEDOUT when connecting, sending or a read waits longer
 * than timeout_ms (0: no limit). */
int ctl_request_timeout(const char *path, const char *req, int timeout_ms, char **ret_reply);

/* Escapes a Prometheus label value into out (backslash, quote, newline). */
void ctl_prom_escape(const char *in, char *out, size_t size);

#endif /* RAMPART_CTL_H */
