/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the audit stream goes: stdout, a log file with size-based rotation, and a Unix
 * socket that local clients stream from. A line is a JSON object without its newline.
 * Nothing here blocks on a reader: a client that does not keep up loses lines, counted
 * and reported to it, or is disconnected.
 */
#ifndef RAMPART_SINK_H
#define RAMPART_SINK_H

#include <stdbool.h>
#include <stddef.h>

#define SINK_LOG_MAX_BYTES_DEFAULT (64ULL << 20)
#define SINK_LOG_KEEP_DEFAULT 5
#define SINK_LOG_KEEP_MAX 1000
#define SINK_QUEUE_BYTES_DEFAULT (1u << 20)
#define SINK_STALL_NS_DEFAULT 10000000000LL
#define SINK_CLIENTS_MAX 256
#define SINK_SOCKET_SUGGESTED "/run/rampart/events.sock"

/* Lines wait in a log file's buffer up to this many bytes, or until sink_file_flush(). */
#define SINK_FILE_BATCH_BYTES (64u << 10)

/*
 * An append-only log file, mode 0600, rotated to PATH.1 ... PATH.keep past max_bytes.
 * Lines are written in batches: the daemon flushes after each round of its event loop, so
 * a flood costs a write per round instead of one per line.
 */
struct sink_file {
	char *path;
	int fd;
	unsigned long long size, max_bytes;	/* size: written and waiting */
	unsigned keep;
	char *pend;		/* SINK_FILE_BATCH_BYTES, or NULL: every line written alone */
	size_t pend_len;
	int error;		/* the first write error since the last sink_file_flush() */
	bool wrote;		/* a write succeeded since the last sink_file_flush() */
};

/* 0 or a negative errno (-EINVAL: not a regular file). */
int sink_file_open(struct sink_file *f, const char *path, unsigned long long max_bytes,
		   unsigned keep);
/* Appends line and a newline, rotating first when it would pass max_bytes; 0 or the
 * negative errno of a write that failed (the lines it held are lost). */
int sink_file_write(struct sink_file *f, const char *line);
/* Writes the waiting lines: the first negative errno since the last flush, else 1 if
 * anything was written since then, else 0. */
int sink_file_flush(struct sink_file *f);
/* Opens the path again (after logrotate moved the file away), the waiting lines written
 * to the old one first; keeps the old fd on failure. */
int sink_file_reopen(struct sink_file *f);
/* Renames PATH.i to PATH.i+1 (the oldest is overwritten), PATH to PATH.1, opens PATH;
 * the waiting lines are written first. */
int sink_file_rotate(struct sink_file *f);
/* Writes the waiting lines and closes. */
void sink_file_close(struct sink_file *f);

struct sink_client {
	int fd;
	unsigned id;		/* in connection order, for messages */
	char *buf;		/* queued bytes: buf[off .. off + len) */
	size_t off, len, cap;
	unsigned long long lost;	/* lines dropped since the last client_loss line */
	unsigned long long lost_total;
	long long full_since_ns;	/* when it first lost a line still unreported; 0: none */
	bool want_out;		/* registered for EPOLLOUT */
};

struct sink_server_ops {
	/* A client was disconnected (why: "closed", "stalled", "error", "too many");
	 * lost: the lines it will never get, counted ones and those still queued. */
	void (*closed)(void *ctx, unsigned id, const char *why, unsigned long long lost);
	void (*opened)(void *ctx, unsigned id);
};

struct sink_server {
	char *path;		/* NULL for a server without a listening socket (tests) */
	int fd;			/* listening socket */
	int epfd;		/* the listening socket and every client */
	struct sink_client *clients[SINK_CLIENTS_MAX];
	size_t n_clients;
	size_t queue_max;
	long long stall_ns;
	unsigned next_id;
	struct sink_server_ops ops;
	void *ctx;
};

/*
 * Listens on path (mode 0600; a stale socket there is replaced, a live one or another
 * file is -EADDRINUSE / -EEXIST); path NULL: no listening socket, clients only through
 * sink_server_add_client(). 0 or a negative errno.
 */
int sink_server_open(struct sink_server *s, const char *path, size_t queue_max,
		     long long stall_ns, const struct sink_server_ops *ops, void *ctx);
/* One fd to poll for input: readable when sink_server_service() has work. */
int sink_server_fd(const struct sink_server *s);
/* Takes a connected, non-blocking socket as a new client. 0 or a negative errno. */
int sink_server_add_client(struct sink_server *s, int fd);
/* Queues line for every client and writes what each can take now. */
void sink_server_publish(struct sink_server *s, const char *line, long long now_ns);
/* Accepts, writes queued bytes, reads and discards input, drops stalled clients. */
void sink_server_service(struct sink_server *s, long long now_ns);
void sink_server_close(struct sink_server *s);

/*
 * Listens on the Unix socket path with the given mode, creating its directory (one
 * level). A stale socket there is replaced; a live one is -EADDRINUSE, another file
 * -EEXIST. The listening fd (non-blocking) or a negative errno.
 */
int sink_listen_unix(const char *path, unsigned mode);

/* Every sink of the daemon. */
struct sinks {
	bool to_stdout;
	struct sink_file file;		/* fd -1: no log file */
	struct sink_server server;	/* epfd -1: no socket */
	int file_error;			/* the last flush's error, to log changes only */
};

void sinks_init(struct sinks *s);
/* Publishes line to every sink; 0, or the log file's negative errno. */
int sinks_publish(struct sinks *s, const char *line, long long now_ns);
/* Flushes standard output and the log file: sink_file_flush()'s answer. */
int sinks_flush(struct sinks *s);
void sinks_close(struct sinks *s);

#endif /* RAMPART_SINK_H */
