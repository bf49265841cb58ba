// SPDX-License-Identifier: GPL-2.0
/*
 * Sinks: the log file (mode 0600, append, rotation, reopen after a move) in a temporary
 * directory, and socket clients through socketpairs: queue bound, loss accounting and the
 * client_loss line, disconnection of a stalled client.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sink.h"
#include "unit.h"

static char *tmpdir(void)
{
	char tmpl[] = "/tmp/rampart-sink-XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

static void rmtree(const char *dir)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* The file's content (up to 4 KiB), or "" when it does not exist. */
static const char *slurp(const char *dir, const char *name, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return buf;
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static int mode_of(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

UNIT_TEST(sink_file_creates_0600_and_appends)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512], buf[4096];
	mode_t old = umask(0);
	int ret;

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
	ret = sink_file_open(&f, path, 1 << 20, 2);
	umask(old);
	ASSERT_OK(ret, "open");
	ASSERT_EQ(mode_of(dir, "events.jsonl"), 0600, "created with mode 0600");
	ASSERT_OK(sink_file_write(&f, "{\"a\":1}"), "write 1");
	ASSERT_OK(sink_file_write(&f, "{\"a\":2}"), "write 2");
	sink_file_close(&f);
	ASSERT_OK(sink_file_open(&f, path, 1 << 20, 2), "open again");
	ASSERT_EQ(f.size, 16, "size of the existing file known");
	ASSERT_OK(sink_file_write(&f, "{\"a\":3}"), "write 3");
	sink_file_close(&f);
	ASSERT_STREQ(slurp(dir, "events.jsonl", buf, sizeof(buf)),
		     "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", "appended, one line each");
	rmtree(dir);
	free(dir);
}

UNIT_TEST(sink_file_narrows_a_wider_existing_file)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512];
	int fd;

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/wide.jsonl", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_TRUE(fd >= 0, "create wide file");
	fchmod(fd, 0644);
	close(fd);
	ASSERT_OK(sink_file_open(&f, path, 1 << 20, 2), "open");
	ASSERT_EQ(mode_of(dir, "wide.jsonl"), 0600, "narrowed to 0600");
	sink_file_close(&f);
	ASSERT_EQ(sink_file_open(&f, dir, 1 << 20, 2), -EISDIR, "a directory is refused");
	ASSERT_EQ(sink_file_open(&f, "/dev/null", 1 << 20, 2), -EINVAL, "a device is refused");
	ASSERT_EQ(sink_file_open(&f, path, 0, 2), -EINVAL, "max bytes 0 refused");
	rmtree(dir);
	free(dir);
}

UNIT_TEST(sink_file_rotates_by_size_and_keeps_k_files)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512], buf[4096];

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/ev", dir);
	/* lines of 10 bytes with the newline; 25 bytes hold two */
	ASSERT_OK(sink_file_open(&f, path, 25, 2), "open");
	for (int i = 0; i < 7; i++) {
		char line[16];

		snprintf(line, sizeof(line), "{\"n\":%03d}", i);
		ASSERT_OK(sink_file_write(&f, line), "write");
	}
	sink_file_close(&f);
	ASSERT_STREQ(slurp(dir, "ev", buf, sizeof(buf)), "{\"n\":006}\n", "current file");
	ASSERT_STREQ(slurp(dir, "ev.1", buf, sizeof(buf)), "{\"n\":004}\n{\"n\":005}\n",
		     "first rotated file");
	ASSERT_STREQ(slurp(dir, "ev.2", buf, sizeof(buf)), "{\"n\":002}\n{\"n\":003}\n",
		     "second rotated file");
	ASSERT_EQ(mode_of(dir, "ev.3"), -1, "no third file with keep 2");
	ASSERT_EQ(mode_of(dir, "ev"), 0600, "new file 0600 too");
	rmtree(dir);
	free(dir);
}

UNIT_TEST(sink_file_line_longer_than_the_limit_is_written)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512], buf[4096];

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/ev", dir);
	ASSERT_OK(sink_file_open(&f, path, 4, 1), "open");
	ASSERT_OK(sink_file_write(&f, "{\"long\":1}"), "write long");
	ASSERT_OK(sink_file_write(&f, "{\"long\":2}"), "write long again");
	sink_file_close(&f);
	ASSERT_STREQ(slurp(dir, "ev", buf, sizeof(buf)), "{\"long\":2}\n", "alone in its file");
	ASSERT_STREQ(slurp(dir, "ev.1", buf, sizeof(buf)), "{\"long\":1}\n", "previous rotated");
	rmtree(dir);
	free(dir);
}

static long long size_of(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

UNIT_TEST(sink_file_lines_wait_for_a_flush_or_a_full_batch)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512], buf[4096], line[1000];
	long long n = 0;

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/ev", dir);
	ASSERT_OK(sink_file_open(&f, path, 1 << 30, 1), "open");
	ASSERT_EQ(sink_file_flush(&f), 0, "nothing to flush: 0");
	ASSERT_OK(sink_file_write(&f, "{\"a\":1}"), "write");
	ASSERT_EQ(size_of(dir, "ev"), 0, "the line waits");
	ASSERT_EQ(sink_file_flush(&f), 1, "flush wrote: 1");
	ASSERT_STREQ(slurp(dir, "ev", buf, sizeof(buf)), "{\"a\":1}\n", "the line after a flush");
	ASSERT_EQ(sink_file_flush(&f), 0, "flushed again: nothing written");
	/* lines of 1000 bytes with the newline: the batch holds 65 of them */
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	for (; n * 1000 <= SINK_FILE_BATCH_BYTES; n++)
		ASSERT_OK(sink_file_write(&f, line), "write a batch");
	ASSERT_EQ(size_of(dir, "ev"), 8 + (n - 1) * 1000, "a full batch is written, the last "
		  "line waits");
	ASSERT_EQ(f.size, 8 + n * 1000, "size counts the waiting line");
	sink_file_close(&f);
	ASSERT_EQ(size_of(dir, "ev"), 8 + n * 1000, "close writes the waiting line");
	rmtree(dir);
	free(dir);
}

UNIT_TEST(sink_file_line_longer_than_a_batch_goes_out_whole_at_once)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512];
	size_t len = SINK_FILE_BATCH_BYTES + 100;
	char *line = malloc(len + 1);

	ASSERT_TRUE(dir != NULL && line != NULL, "mkdtemp, malloc");
	memset(line, 'y', len);
	line[len] = '\0';
	snprintf(path, sizeof(path), "%s/ev", dir);
	ASSERT_OK(sink_file_open(&f, path, 1 << 30, 1), "open");
	ASSERT_OK(sink_file_write(&f, "{\"a\":1}"), "short line");
	ASSERT_OK(sink_file_write(&f, line), "long line");
	ASSERT_EQ(size_of(dir, "ev"), 8 + (long long)len + 1, "both written, in order");
	ASSERT_EQ(sink_file_flush(&f), 1, "flush reports the writes");
	sink_file_close(&f);
	free(line);
	rmtree(dir);
	free(dir);
}

UNIT_TEST(sink_file_flush_reports_a_failed_write_once)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512];
	int fd;

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/ev", dir);
	ASSERT_OK(sink_file_open(&f, path, 1 << 30, 1), "open");
	fd = f.fd;
	f.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);	/* every write fails: EBADF */
	ASSERT_OK(sink_file_write(&f, "{\"a\":1}"), "write waits");
	ASSERT_EQ(sink_file_flush(&f), -EBADF, "the failed write reported");
	ASSERT_EQ(f.size, 0, "lost lines not counted in the size");
	ASSERT_EQ(sink_file_flush(&f), 0, "reported once");
	close(f.fd);
	f.fd = fd;
	ASSERT_OK(sink_file_write(&f, "{\"a\":2}"), "write again");
	ASSERT_EQ(sink_file_flush(&f), 1, "works again");
	sink_file_close(&f);
	ASSERT_EQ(size_of(dir, "ev"), 8, "only the line written after");
	rmtree(dir);
	free(dir);
}

UNIT_TEST(sink_file_reopens_after_a_move)
{
	struct sink_file f;
	char *dir = tmpdir(), path[512], moved[512], buf[4096];

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/ev", dir);
	snprintf(moved, sizeof(moved), "%s/ev.old", dir);
	ASSERT_OK(sink_file_open(&f, path, 1 << 20, 1), "open");
	ASSERT_OK(sink_file_write(&f, "{\"a\":1}"), "write before move");
	ASSERT_OK(rename(path, moved), "logrotate moves it");
	ASSERT_OK(sink_file_write(&f, "{\"a\":2}"), "write after move, before reopen");
	ASSERT_OK(sink_file_reopen(&f), "reopen");
	ASSERT_EQ(f.size, 0, "new file is empty");
	ASSERT_OK(sink_file_write(&f, "{\"a\":3}"), "write after reopen");
	sink_file_close(&f);
	ASSERT_STREQ(slurp(dir, "ev.old", buf, sizeof(buf)), "{\"a\":1}\n{\"a\":2}\n",
		     "moved file got the lines before reopen");
	ASSERT_STREQ(slurp(dir, "ev", buf, sizeof(buf)), "{\"a\":3}\n", "new file");
	ASSERT_EQ(mode_of(dir, "ev"), 0600, "new file 0600");
	rmtree(dir);
	free(dir);
}

struct closed_log {
	int n;
	char why[32];
	unsigned long long lost;
};

static void on_closed(void *ctx, unsigned id, const char *why, unsigned long long lost)
{
	struct closed_log *l = ctx;

	(void)id;
	l->n++;
	snprintf(l->why, sizeof(l->why), "%s", why);
	l->lost = lost;
}

static const struct sink_server_ops closed_ops = { .closed = on_closed };

/* A client through a socketpair with a small send buffer; *ret_peer is our end. */
static int pair_client(struct sink_server *s, int *ret_peer)
{
	int sv[2], small = 4096;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	*ret_peer = sv[1];
	return sink_server_add_client(s, sv[0]);
}

/* Reads everything available on fd into buf (NUL-terminated); bytes read. */
static size_t drain(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size - 1 && (n = read(fd, buf + got, size - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return got;
}

static size_t count_lines(const char *s, const char *needle)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

UNIT_TEST(sink_client_queue_is_bounded_and_losses_counted)
{
	static char buf[1 << 20];
	struct closed_log cl = {};
	struct sink_server s;
	char line[100];
	int peer = -1, stuck = -1;
	size_t sent = 300, got;
	const char *loss;

	ASSERT_OK(sink_server_open(&s, NULL, 8192, 10000, &closed_ops, &cl), "open");
	ASSERT_OK(pair_client(&s, &stuck), "stuck client");
	ASSERT_OK(pair_client(&s, &peer), "reading client");
	memset(line, 'x', sizeof(line));
	memcpy(line, "{\"n\":\"", 6);
	line[sizeof(line) - 2] = '}';
	line[sizeof(line) - 1] = '\0';
	line[sizeof(line) - 3] = '"';
	for (size_t i = 0; i < sent; i++) {
		sink_server_publish(&s, line, 1000 + (long long)i);
		if (i % 10 == 0) {	/* the reading client keeps up */
			drain(peer, buf, sizeof(buf));
			sink_server_service(&s, 1000 + (long long)i);
		}
	}
	ASSERT_EQ(s.n_clients, 2, "both still connected");
	ASSERT_TRUE(s.clients[0]->len <= 8192, "stuck client's queue within bound");
	ASSERT_TRUE(s.clients[0]->lost > 0, "stuck client lost lines");
	ASSERT_EQ(s.clients[1]->lost_total, 0, "reading client lost nothing");
	/* the stuck client now reads everything: queued lines, then the loss line */
	{
		unsigned long long lost = s.clients[0]->lost;
		char want[64];

		got = drain(stuck, buf, sizeof(buf));
		for (int k = 0; k < 100; k++) {
			sink_server_service(&s, 2000);
			got += drain(stuck, buf + got, sizeof(buf) - got);
		}
		loss = strstr(buf, "\"kind\":\"client_loss\"");
		ASSERT_TRUE(loss != NULL, "client_loss line delivered");
		snprintf(want, sizeof(want), "\"lost\":%llu,", lost);
		ASSERT_CONTAINS(loss, want, "loss line has the count");
		ASSERT_EQ(count_lines(buf, "\"n\":") + lost, sent, "delivered + lost = published");
		ASSERT_EQ(s.clients[0]->full_since_ns, 0, "no longer losing");
	}
	sink_server_publish(&s, "{\"after\":1}", 3000);
	drain(stuck, buf, sizeof(buf));
	ASSERT_STREQ(buf, "{\"after\":1}\n", "next line after catching up is the event");
	ASSERT_EQ(cl.n, 0, "nobody disconnected");
	close(peer);
	sink_server_service(&s, 4000);
	ASSERT_EQ(cl.n, 1, "closed client noticed");
	ASSERT_STREQ(cl.why, "closed", "reason closed");
	ASSERT_EQ(s.n_clients, 1, "one client left");
	sink_server_close(&s);
	close(stuck);
}

UNIT_TEST(sink_stalled_client_is_disconnected_with_its_count)
{
	static char buf[1 << 16];
	struct closed_log cl = {};
	struct sink_server s;
	int stuck = -1;

	ASSERT_OK(sink_server_open(&s, NULL, 2048, 10000, &closed_ops, &cl), "open");
	ASSERT_OK(pair_client(&s, &stuck), "client");
	for (int i = 0; i < 1000; i++)
		sink_server_publish(&s, "{\"kind\":\"file\",\"pad\":\"0123456789\"}", 100 + i);
	ASSERT_TRUE(s.clients[0]->full_since_ns > 0, "losing since a time");
	sink_server_service(&s, s.clients[0]->full_since_ns + 9999);
	ASSERT_EQ(cl.n, 0, "still connected just before the stall limit");
	sink_server_service(&s, s.clients[0]->full_since_ns + 10000);
	ASSERT_EQ(cl.n, 1, "disconnected at the stall limit");
	ASSERT_STREQ(cl.why, "stalled", "reason stalled");
	ASSERT_EQ(s.n_clients, 0, "no client left");
	{
		size_t got = drain(stuck, buf, sizeof(buf));

		ASSERT_EQ(count_lines(buf, "\"kind\":\"file\"") + cl.lost, 1000,
			  "delivered + reported lost = published");
		(void)got;
	}
	close(stuck);
	sink_server_close(&s);
}

UNIT_TEST(sink_server_socket_is_0600_and_replaces_a_stale_one)
{
	struct sink_server s, t;
	char *dir = tmpdir(), path[512];

	ASSERT_TRUE(dir != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/events.sock", dir);
	ASSERT_OK(sink_server_open(&s, path, 4096, 1000, NULL, NULL), "listen");
	ASSERT_EQ(mode_of(dir, "events.sock"), 0600, "socket mode 0600");
	ASSERT_EQ(sink_server_open(&t, path, 4096, 1000, NULL, NULL), -EADDRINUSE,
		  "a live socket is not replaced");
	close(s.fd);	/* leave the path behind, as a crash would */
	s.fd = -1;
	free(s.path);
	s.path = NULL;
	sink_server_close(&s);
	ASSERT_OK(sink_server_open(&t, path, 4096, 1000, NULL, NULL), "stale socket replaced");
	sink_server_close(&t);
	ASSERT_EQ(mode_of(dir, "events.sock"), -1, "socket removed on close");
	ASSERT_EQ(sink_server_open(&t, dir, 4096, 1000, NULL, NULL), -EEXIST,
		  "another kind of file is refused");
	rmtree(dir);
	free(dir);
}
