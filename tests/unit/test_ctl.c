// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket and the metrics listener (ctl.c) with a fake daemon behind them:
 * a client in a child process, as root, as an unprivileged user and as a member of the
 * control group (SO_PEERCRED and SO_PEERGROUPS decide); metrics over HTTP on loopback;
 * the status text `rampart status` prints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "status.h"
#include "unit.h"

struct fake {
	int requests;
	char last[CTL_REQUEST_MAX];
};

static char *fake_request(void *ctx, const struct ctl_peer *peer, const char *req, int *fd)
{
	struct fake *f = ctx;
	char *out = NULL;

	(void)fd;
	f->requests++;
	snprintf(f->last, sizeof(f->last), "%s", req);
	if (asprintf(&out, "{\"ok\":true,\"echo\":\"%s\",\"uid\":%u}\n", req,
		     (unsigned)peer->uid) < 0)
		return NULL;
	return out;
}

static char *fake_metrics(void *ctx)
{
	(void)ctx;
	return strdup("# TYPE rampart_generation gauge\nrampart_generation 7\n");
}

static const struct ctl_ops fake_ops = { .request = fake_request, .metrics = fake_metrics };

static long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* Serves until the child pid exits (at most 2 s), then reads what it wrote to fd into out;
 * the child's exit status. */
static int serve_child(struct ctl_server *s, pid_t pid, int fd, char *out, size_t size)
{
	ssize_t n, len = 0;
	int status = -1;

	for (int i = 0; i < 2000 && waitpid(pid, &status, WNOHANG) == 0; i++) {
		ctl_server_service(s, now_ns());
		usleep(1000);
	}
	while (len + 1 < (ssize_t)size && (n = read(fd, out + len, size - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Runs ctl_request(path, req) in a child with the given identity (uid -1: unchanged,
 * group: one supplementary group or -1) while this process serves; the reply in out.
 */
static int client_as(struct ctl_server *s, const char *path, const char *req, int uid, int group,
		     char *out, size_t size)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		char *reply = NULL;
		gid_t g = (gid_t)group;

		close(pipefd[0]);
		if (group >= 0 && setgroups(1, &g) < 0)
			_exit(3);
		if (uid >= 0 && (setgid(65534) < 0 || setuid((uid_t)uid) < 0))
			_exit(3);
		if (ctl_request(path, req, &reply))
			_exit(4);
		if (write(pipefd[1], reply, strlen(reply)) < 0)
			_exit(5);
		_exit(0);
	}
	close(pipefd[1]);
	return serve_child(s, pid, pipefd[0], out, size);
}

static char *sock_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "/tmp/rampart-ctl-%d/%s", (int)getpid(), name);
	return buf;
}

UNIT_TEST(ctl_root_peer_gets_the_daemons_reply)
{
	struct ctl_server s;
	struct fake f = {};
	char path[128], out[512];

	ctl_server_init(&s, &fake_ops, &f);
	ASSERT_OK(ctl_server_listen(&s, sock_path(path, sizeof(path), "a.sock"), NULL), "listen");
	if (geteuid() != 0) {
		ctl_server_close(&s);
		UNIT_FAIL("root", "this test needs root (make test runs as root)");
	}
	ASSERT_EQ(client_as(&s, path, "status", -1, -1, out, sizeof(out)), 0, "client exits 0");
	ASSERT_STREQ(out, "{\"ok\":true,\"echo\":\"status\",\"uid\":0}", "reply line");
	ASSERT_EQ(f.requests, 1, "one request reached the daemon");
	ASSERT_EQ(ctl_server_listen(&(struct ctl_server){ .fd = -1, .metrics_fd = -1,
							  .epfd = -1 }, path, NULL),
		  -EADDRINUSE, "a second daemon cannot take a live socket");
	ctl_server_close(&s);
	ASSERT_TRUE(access(path, F_OK) != 0, "socket file removed at close");
}

UNIT_TEST(ctl_unprivileged_peer_is_refused_before_its_request_is_read)
{
	struct ctl_server s;
	struct fake f = {};
	char path[128], out[512];

	if (geteuid() != 0)
		UNIT_FAIL("root", "this test needs root (make test runs as root)");
	ctl_server_init(&s, &fake_ops, &f);
	ASSERT_OK(ctl_server_listen(&s, sock_path(path, sizeof(path), "b.sock"), NULL), "listen");
	ASSERT_EQ(client_as(&s, path, "reload", 65534, -1, out, sizeof(out)), 0, "client exits 0");
	ASSERT_CONTAINS(out, "\"ok\":false", "refused");
	ASSERT_CONTAINS(out, "refused: uid 65534", "names the uid");
	ASSERT_CONTAINS(out, "--control-group", "says how to let a group in");
	ASSERT_EQ(f.requests, 0, "the request never reached the daemon");
	ASSERT_EQ(s.refused, 1, "counted");
	ctl_server_close(&s);
}

UNIT_TEST(ctl_control_group_member_is_allowed_and_others_are_not)
{
	struct ctl_server s;
	struct fake f = {};
	char path[128], out[512];

	if (geteuid() != 0)
		UNIT_FAIL("root", "this test needs root (make test runs as root)");
	ctl_server_init(&s, &fake_ops, &f);
	ASSERT_OK(ctl_server_listen(&s, sock_path(path, sizeof(path), "c.sock"), "4242"),
		  "listen with group 4242");
	ASSERT_EQ(client_as(&s, path, "status", 65534, 4242, out, sizeof(out)), 0, "member");
	ASSERT_CONTAINS(out, "\"uid\":65534", "a supplementary member is answered");
	ASSERT_EQ(client_as(&s, path, "status", 65534, 4243, out, sizeof(out)), 0, "other");
	ASSERT_CONTAINS(out, "not in group '4242'", "another group's member is refused");
	ASSERT_EQ(f.requests, 1, "only the member's request reached the daemon");
	ctl_server_close(&s);
	ASSERT_EQ(ctl_server_listen(&s, path, "no-such-group-here"), -ENOENT, "unknown group");
	ctl_server_close(&s);
}

UNIT_TEST(ctl_stale_socket_is_replaced_and_other_files_are_not)
{
	struct ctl_server s;
	char path[128];
	FILE *f;

	ctl_server_init(&s, &fake_ops, NULL);
	ASSERT_OK(ctl_server_listen(&s, sock_path(path, sizeof(path), "d.sock"), NULL), "first");
	close(s.fd);		/* as after SIGKILL: the file stays, nobody listens */
	s.fd = -1;
	free(s.path);
	s.path = NULL;
	ctl_server_close(&s);
	ctl_server_init(&s, &fake_ops, NULL);
	ASSERT_OK(ctl_server_listen(&s, path, NULL), "stale socket replaced");
	ctl_server_close(&s);
	sock_path(path, sizeof(path), "plain");
	f = fopen(path, "w");
	ASSERT_TRUE(f != NULL, "plain file");
	fclose(f);
	ctl_server_init(&s, &fake_ops, NULL);
	ASSERT_EQ(ctl_server_listen(&s, path, NULL), -EEXIST, "a plain file is left alone");
	ctl_server_close(&s);
	unlink(path);
}

/* One HTTP request to 127.0.0.1:port from a child; the raw response in out. */
static int http_get(struct ctl_server *s, int port, const char *req, char *out, size_t size)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		ssize_t n;
		char buf[4096];

		close(pipefd[0]);
		if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
		    write(fd, req, strlen(req)) < 0)
			_exit(3);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (write(pipefd[1], buf, (size_t)n) < 0)
				_exit(4);
		_exit(0);
	}
	close(pipefd[1]);
	return serve_child(s, pid, pipefd[0], out, size);
}

UNIT_TEST(ctl_metrics_are_served_over_http_on_loopback)
{
	struct ctl_server s;
	char addr[32], out[1024];
	int port = 20000 + getpid() % 20000;

	ctl_server_init(&s, &fake_ops, NULL);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ASSERT_OK(ctl_server_listen_metrics(&s, addr), "listen");
	ASSERT_EQ(http_get(&s, port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", out, sizeof(out)),
		  0, "scrape");
	ASSERT_CONTAINS(out, "HTTP/1.0 200 OK", "status line");
	ASSERT_CONTAINS(out, "text/plain; version=0.0.4", "Prometheus content type");
	ASSERT_CONTAINS(out, "Content-Length: 53\r\n", "length of the body");
	ASSERT_CONTAINS(out, "\r\n\r\n# TYPE rampart_generation gauge\nrampart_generation 7\n",
			"body");
	ASSERT_EQ(http_get(&s, port, "GET /other HTTP/1.0\r\n\r\n", out, sizeof(out)), 0, "404");
	ASSERT_CONTAINS(out, "HTTP/1.0 404 Not Found", "other paths are not found");
	ctl_server_close(&s);
}

UNIT_TEST(ctl_metrics_addresses_are_checked)
{
	ASSERT_TRUE(ctl_metrics_addr_valid("9464"), "port");
	ASSERT_TRUE(ctl_metrics_addr_valid("127.0.0.1:9464"), "ipv4:port");
	ASSERT_TRUE(ctl_metrics_addr_valid("[::1]:9464"), "[ipv6]:port");
	ASSERT_TRUE(ctl_metrics_addr_valid("/run/rampart/metrics.sock"), "unix path");
	ASSERT_TRUE(!ctl_metrics_addr_valid("0"), "port 0");
	ASSERT_TRUE(!ctl_metrics_addr_valid("65536"), "port too large");
	ASSERT_TRUE(!ctl_metrics_addr_valid("localhost:9464"), "names are not resolved");
	ASSERT_TRUE(!ctl_metrics_addr_valid("1.2.3.4:"), "no port");
	ASSERT_TRUE(!ctl_metrics_addr_valid("metrics.sock"), "relative path");
}

UNIT_TEST(ctl_prometheus_label_values_are_escaped)
{
	char out[64];

	ctl_prom_escape("a\"b\\c\nd", out, sizeof(out));
	ASSERT_STREQ(out, "a\\\"b\\\\c\\nd", "quote, backslash and newline escaped");
	ctl_prom_escape("0123456789", out, 8);
	ASSERT_TRUE(strlen(out) < 8, "bounded");
}

UNIT_TEST(status_text_shows_policies_rules_hits_programs_and_kernel)
{
	static const char line[] =
		"{\"ok\":true,\"version\":\"0.1.0\",\"pid\":42,\"started\":\"T0\",\"generation\":3,"
		"\"live_since\":\"T1\",\"apply_ms\":1.5,\"reloads\":2,\"reload_failures\":1,"
		"\"last_error\":\"reload failed: bad.json: no name\",\"policies\":[{\"name\":\"demo\","
		"\"mode\":\"enforce\",\"rules\":[{\"rule\":\"file[0]\",\"action\":\"deny\",\"hits\":"
		"12}]}],\"containers\":[{\"id\":\"0123456789abcdef0123\",\"namespace\":\"shop\","
		"\"pod\":\"web-0\",\"container\":\"nginx\",\"cgroup\":\"/k/p/c\"}],"
		"\"events\":{\"read\":12,\"published\":12,\"lost\":0},\"pinned\":\"/p/set-1\","
		"\"programs\":[{\"hook\":\"file_open\",\"program\":\"rp_file_open\",\"id\":9,"
		"\"attached\":true,\"on_demand\":false},{\"hook\":\"socket_connect\",\"program\":"
		"\"rp_socket_connect\",\"id\":10,\"attached\":false,\"on_demand\":true},{\"hook\":"
		"\"socket_bind\",\"program\":\"rp_socket_bind\",\"id\":11,\"attached\":false}],\"maps\":[{\"name\":\"rp_decisions\",\"entries\":5,\"capacity\":"
		"524288}],\"kernel\":{\"release\":\"6.1.0\",\"checks\":[{\"name\":\"bpf-lsm\",\"ok\":"
		"true,\"detail\":\"bpf in lsm list\"}]},\"features\":{\"ring_buffer\":true,"
		"\"verdict_cache\":false,\"guard\":true}}";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_OK(status_print_text(line, f), "prints");
	fclose(f);
	ASSERT_CONTAINS(buf, "rampart 0.1.0 (pid 42)", "version and pid");
	ASSERT_CONTAINS(buf, "generation 3, live since T1 (applied in 1.5 ms); 2 reloads, 1 failed",
			"generation line");
	ASSERT_CONTAINS(buf, "last reload failed: reload failed: bad.json: no name", "last error");
	ASSERT_CONTAINS(buf, "  demo (enforce)\n    deny   file[0]              12 hits", "rule hits");
	ASSERT_CONTAINS(buf, "containers: 1 bound by oci-hook\n  0123456789ab  shop/web-0/nginx  /k/p/c",
			"bound container");
	ASSERT_CONTAINS(buf, "file_open              rp_file_open         id 9      attached\n",
			"program");
	ASSERT_CONTAINS(buf, "socket_connect         rp_socket_connect    id 10     not attached: "
			"no policy needs it\n", "a hook attached on demand, not needed now");
	ASSERT_CONTAINS(buf, "socket_bind            rp_socket_bind       id 11     not attached\n",
			"a program not attached, not on demand");
	ASSERT_CONTAINS(buf, "rp_decisions   5 of 524288 entries", "map usage");
	ASSERT_CONTAINS(buf, "bpf-lsm     ok   bpf in lsm list", "kernel check");
	ASSERT_CONTAINS(buf, "features: ring buffer on, sleepable LSM off, verdict cache off, "
			"guard on,", "features");
	free(buf);
	ASSERT_EQ(status_print_text("{\"ok\":false}", stdout), -EINVAL, "not a status");
}

UNIT_TEST(ctl_idle_metrics_connections_cannot_crowd_out_control_requests)
{
	struct ctl_server s;
	struct fake f = {};
	char path[128], addr[32], out[512];
	int port = 20000 + (getpid() + 7) % 20000, idle[CTL_CONNS_MAX];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	if (geteuid() != 0)
		UNIT_FAIL("root", "this test needs root (make test runs as root)");
	ctl_server_init(&s, &fake_ops, &f);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ASSERT_OK(ctl_server_listen(&s, sock_path(path, sizeof(path), "e.sock"), NULL), "listen");
	ASSERT_OK(ctl_server_listen_metrics(&s, addr), "metrics");
	for (int i = 0; i < CTL_CONNS_MAX; i++) {
		idle[i] = socket(AF_INET, SOCK_STREAM, 0);
		ASSERT_TRUE(idle[i] >= 0 && connect(idle[i], (struct sockaddr *)&a, sizeof(a)) == 0,
			    "an idle scraper connects");
		ctl_server_service(&s, now_ns());
	}
	ASSERT_EQ(client_as(&s, path, "status", -1, -1, out, sizeof(out)), 0, "control client");
	ASSERT_CONTAINS(out, "\"echo\":\"status\"", "answered despite idle scrapers");
	for (int i = 0; i < CTL_CONNS_MAX; i++)
		close(idle[i]);
	ctl_server_close(&s);
}
