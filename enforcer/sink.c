// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "sink.h"

/* Log file. */

static int sink_file_open_fd(const char *path, unsigned long long *ret_size)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	/* an existing file may have been created wider; the stream is not for everyone */
	if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	*ret_size = (unsigned long long)st.st_size;
	return fd;
}

int sink_file_open(struct sink_file *f, const char *path, unsigned long long max_bytes,
		   unsigned keep)
{
	unsigned long long size = 0;
	int fd;

	f->fd = -1;
	if (!max_bytes || keep > SINK_LOG_KEEP_MAX)
		return -EINVAL;
	f->path = strdup(path);
	if (!f->path)
		return -ENOMEM;
	fd = sink_file_open_fd(path, &size);
	if (fd < 0) {
		free(f->path);
		f->path = NULL;
		return fd;
	}
	f->fd = fd;
	f->size = size;
	f->max_bytes = max_bytes;
	f->keep = keep;
	f->pend = malloc(SINK_FILE_BATCH_BYTES);	/* without it, a write per line */
	f->pend_len = 0;
	f->error = 0;
	f->wrote = false;
	return 0;
}

/* a[0..alen) then b[0..blen) to the file, in one write when the kernel takes it all; 0
 * or a negative errno: what was not written is lost. */
static int sink_file_put(struct sink_file *f, const char *a, size_t alen, const char *b,
			 size_t blen)
{
	size_t done = 0, len = alen + blen;

	while (done < len) {
		struct iovec iov[2] = { { (void *)(a + done), alen - done }, { (void *)b, blen } };
		ssize_t n = done < alen ? writev(f->fd, iov, blen ? 2 : 1)
					: write(f->fd, b + (done - alen), len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n < 0 ? -errno : -EIO;

			f->size -= len - done;
			if (!f->error)
				f->error = ret;
			return ret;
		}
		done += (size_t)n;
	}
	f->wrote = true;
	return 0;
}

static int sink_file_put_pending(struct sink_file *f)
{
	size_t len = f->pend_len;

	f->pend_len = 0;
	return len ? sink_file_put(f, f->pend, len, NULL, 0) : 0;
}

int sink_file_flush(struct sink_file *f)
{
	int ret;

	if (f->fd < 0)
		return 0;
	sink_file_put_pending(f);
	ret = f->error ? f->error : f->wrote;
	f->error = 0;
	f->wrote = false;
	return ret;
}

int sink_file_reopen(struct sink_file *f)
{
	unsigned long long size = 0;
	int fd;

	sink_file_put_pending(f);	/* the lines taken before the move go with the file */
	fd = sink_file_open_fd(f->path, &size);
	if (fd < 0)
		return fd;
	close(f->fd);
	f->fd = fd;
	f->size = size;
	return 0;
}

static int sink_file_shift(const char *path, unsigned from, unsigned to)
{
	char a[4096], b[4096];

	if (from)
		snprintf(a, sizeof(a), "%s.%u", path, from);
	else
		snprintf(a, sizeof(a), "%s", path);
	snprintf(b, sizeof(b), "%s.%u", path, to);
	if (rename(a, b) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int sink_file_rotate(struct sink_file *f)
{
	int ret;

	sink_file_put_pending(f);
	if (!f->keep) {
		if (unlink(f->path) < 0 && errno != ENOENT)
			return -errno;
		return sink_file_reopen(f);
	}
	for (unsigned i = f->keep - 1; i >= 1; i--) {
		ret = sink_file_shift(f->path, i, i + 1);
		if (ret)
			return ret;
	}
	ret = sink_file_shift(f->path, 0, 1);
	return ret ? ret : sink_file_reopen(f);
}

int sink_file_write(struct sink_file *f, const char *line)
{
	size_t len = strlen(line);
	int ret;

	/* a line longer than the limit still goes out, alone in its file */
	if (f->size && f->size + len + 1 > f->max_bytes) {
		ret = sink_file_rotate(f);
		if (ret)
			return ret;
	}
	if (f->pend_len + len + 1 > SINK_FILE_BATCH_BYTES) {
		ret = sink_file_put_pending(f);
		if (ret)
			return ret;
	}
	f->size += len + 1;
	if (f->pend && len + 1 <= SINK_FILE_BATCH_BYTES) {
		memcpy(f->pend + f->pend_len, line, len);
		f->pend[f->pend_len + len] = '\n';
		f->pend_len += len + 1;
		return 0;
	}
	/* too long to wait, or no buffer: alone, the newline with it */
	return sink_file_put(f, line, len, "\n", 1);
}

void sink_file_close(struct sink_file *f)
{
	if (f->fd >= 0) {
		sink_file_put_pending(f);
		close(f->fd);
	}
	free(f->pend);
	f->pend = NULL;
	f->pend_len = 0;
	f->fd = -1;
	free(f->path);
	f->path = NULL;
}

/* Socket clients. */

static int sink_client_update(struct sink_server *s, struct sink_client *c)
{
	bool want = c->len > 0;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | (want ? EPOLLOUT : 0),
				  .data.ptr = c };

	if (want == c->want_out)
		return 0;
	c->want_out = want;
	return epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0 ? -errno : 0;
}

static int sink_client_queue(struct sink_server *s, struct sink_client *c, const char *line,
			     size_t len)
{
	size_t need = c->len + len + 1;

	if (need > s->queue_max)
		return -ENOBUFS;
	if (c->off + need > c->cap) {
		if (c->off) {
			memmove(c->buf, c->buf + c->off, c->len);
			c->off = 0;
		}
		if (need > c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 16384;
			char *buf;

			while (cap < need)
				cap *= 2;
			if (cap > s->queue_max)
				cap = s->queue_max;
			buf = realloc(c->buf, cap);
			if (!buf)
				return -ENOMEM;
			c->buf = buf;
			c->cap = cap;
		}
	}
	memcpy(c->buf + c->off + c->len, line, len);
	c->buf[c->off + c->len + len] = '\n';
	c->len += len + 1;
	return 0;
}

/* Queues the client_loss line once there is room for it: the first line the client gets
 * after the ones it lost. */
static void sink_client_report_loss(struct sink_server *s, struct sink_client *c, size_t reserve)
{
	char line[160], when[48];
	struct timespec now;
	int n;

	if (!c->lost)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	audit_time(now.tv_sec * 1000000000LL + now.tv_nsec, when, sizeof(when));
	n = snprintf(line, sizeof(line),
		     "{\"time\":\"%s\",\"kind\":\"client_loss\",\"lost\":%llu,\"lost_total\":%llu}",
		     when, c->lost, c->lost_total);
	if (c->len + (size_t)n + 1 + reserve > s->queue_max)
		return;
	if (sink_client_queue(s, c, line, (size_t)n) == 0) {
		c->lost = 0;
		c->full_since_ns = 0;
	}
}

/* Writes what the socket takes now. 0, or a negative errno when the client is gone. */
static int sink_client_flush(struct sink_server *s, struct sink_client *c)
{
	while (c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		c->off += (size_t)n;
		c->len -= (size_t)n;
	}
	if (!c->len) {
		c->off = 0;
		sink_client_report_loss(s, c, 0);
		if (c->len)
			return sink_client_flush(s, c);
	}
	return sink_client_update(s, c);
}

static unsigned long long sink_client_queued_lines(const struct sink_client *c)
{
	unsigned long long n = 0;

	for (size_t i = 0; i < c->len; i++)
		n += c->buf[c->off + i] == '\n';
	return n;
}

static void sink_client_drop(struct sink_server *s, size_t i, const char *why)
{
	struct sink_client *c = s->clients[i];

	if (s->ops.closed)
		s->ops.closed(s->ctx, c->id, why, c->lost + sink_client_queued_lines(c));
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c);
	s->clients[i] = s->clients[--s->n_clients];
}

int sink_server_add_client(struct sink_server *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
	struct sink_client *c;

	if (s->n_clients == SINK_CLIENTS_MAX) {
		close(fd);
		if (s->ops.closed)
			s->ops.closed(s->ctx, s->next_id++, "too many", 0);
		return -EMFILE;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->fd = fd;
	c->id = s->next_id++;
	ev.data.ptr = c;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int ret = -errno;

		close(fd);
		free(c);
		return ret;
	}
	s->clients[s->n_clients++] = c;
	if (s->ops.opened)
		s->ops.opened(s->ctx, c->id);
	return 0;
}

static size_t sink_client_index(const struct sink_server *s, const struct sink_client *c)
{
	for (size_t i = 0; i < s->n_clients; i++)
		if (s->clients[i] == c)
			return i;
	return s->n_clients;
}

void sink_server_publish(struct sink_server *s, const char *line, long long now_ns)
{
	size_t len = strlen(line);

	for (size_t i = 0; i < s->n_clients;) {
		struct sink_client *c = s->clients[i];

		sink_client_report_loss(s, c, len + 1);
		if (c->lost || sink_client_queue(s, c, line, len)) {
			c->lost++;
			c->lost_total++;
			if (!c->full_since_ns)
				c->full_since_ns = now_ns ? now_ns : 1;
		}
		if (sink_client_flush(s, c)) {
			sink_client_drop(s, i, "error");
			continue;
		}
		i++;
	}
}

/* Clients send nothing: input is read and ignored; end of file means it is gone. A
 * client that sends a lot gets a bounded share of the loop. */
static int sink_client_input(struct sink_client *c)
{
	char buf[512];

	for (int round = 0; round < 16; round++) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return n < 0 ? -errno : -EPIPE;
	}
	return 0;
}

static void sink_server_accept(struct sink_server *s)
{
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return;
		sink_server_add_client(s, fd);
	}
}

void sink_server_service(struct sink_server *s, long long now_ns)
{
	struct epoll_event evs[64];
	int n;

	while ((n = epoll_wait(s->epfd, evs, 64, 0)) > 0) {
		for (int k = 0; k < n; k++) {
			struct sink_client *c = evs[k].data.ptr;
			size_t i;

			if (!c) {
				sink_server_accept(s);
				continue;
			}
			i = sink_client_index(s, c);
			if (i == s->n_clients)
				continue;
			if (evs[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR) &&
			    sink_client_input(c)) {
				sink_client_drop(s, i, "closed");
				continue;
			}
			if (sink_client_flush(s, c))
				sink_client_drop(s, i, "error");
		}
		if (n < 64)
			break;
	}
	for (size_t i = 0; i < s->n_clients;) {
		struct sink_client *c = s->clients[i];

		if (c->full_since_ns && now_ns - c->full_since_ns >= s->stall_ns) {
			sink_client_drop(s, i, "stalled");
			continue;
		}
		i++;
	}
}

int sink_server_fd(const struct sink_server *s)
{
	return s->epfd;
}

/* A socket at path that nobody accepts on is left over from an earlier run. */
static int sink_socket_in_use(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int ret;

	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;
	close(fd);
	return ret;
}

/* /run/rampart does not survive a reboot: create the socket's directory, one level. */
static int sink_make_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int sink_listen_unix(const char *path, unsigned mode)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, ret;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	ret = sink_make_parent(path);
	if (ret)
		return ret;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (sink_socket_in_use(&addr) > 0)
			return -EADDRINUSE;
		if (unlink(path) < 0)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);	/* the socket is born 0600: no window where others connect */
	ret = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (ret < 0 || chmod(path, mode) < 0 || listen(fd, 64) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int sink_server_listen(struct sink_server *s, const char *path)
{
	s->fd = sink_listen_unix(path, 0600);
	if (s->fd < 0) {
		int ret = s->fd;

		s->fd = -1;
		return ret;
	}
	s->path = strdup(path);
	return s->path ? 0 : -ENOMEM;
}

int sink_server_open(struct sink_server *s, const char *path, size_t queue_max,
		     long long stall_ns, const struct sink_server_ops *ops, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	int ret;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->next_id = 1;
	s->queue_max = queue_max;
	s->stall_ns = stall_ns;
	if (ops)
		s->ops = *ops;
	s->ctx = ctx;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	if (!path)
		return 0;
	ret = sink_server_listen(s, path);
	if (!ret && epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		ret = -errno;
	if (ret) {
		bool bound = s->path != NULL;

		sink_server_close(s);
		if (bound)
			unlink(path);
	}
	return ret;
}

void sink_server_close(struct sink_server *s)
{
	while (s->n_clients) {
		struct sink_client *c = s->clients[--s->n_clients];

		close(c->fd);
		free(c->buf);
		free(c);
	}
	if (s->fd >= 0)
		close(s->fd);
	if (s->path)
		unlink(s->path);
	if (s->epfd >= 0)
		close(s->epfd);
	free(s->path);
	s->path = NULL;
	s->fd = -1;
	s->epfd = -1;
}

/* All sinks. */

void sinks_init(struct sinks *s)
{
	memset(s, 0, sizeof(*s));
	s->to_stdout = true;
	s->file.fd = -1;
	s->server.fd = -1;
	s->server.epfd = -1;
}

int sinks_publish(struct sinks *s, const char *line, long long now_ns)
{
	int ret = 0;

	if (s->to_stdout)
		printf("%s\n", line);
	if (s->file.fd >= 0)
		ret = sink_file_write(&s->file, line);
	if (s->server.epfd >= 0)
		sink_server_publish(&s->server, line, now_ns);
	return ret;
}

int sinks_flush(struct sinks *s)
{
	if (s->to_stdout)
		fflush(stdout);
	return sink_file_flush(&s->file);
}

void sinks_close(struct sinks *s)
{
	sink_file_close(&s->file);
	if (s->server.epfd >= 0)
		sink_server_close(&s->server);
}
