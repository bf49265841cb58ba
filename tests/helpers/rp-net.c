// SPDX-License-Identifier: GPL-2.0
/*
 * rp-net: one socket operation, printing "ok" or the errno name (EPERM, ...) of the
 * step that failed, exiting 0 on success and 1 on failure. Network guest tests use it.
 *
 *   rp-net create FAMILY TYPE [PROTOCOL]     inet|inet6|unix|packet|netlink, stream|dgram|raw
 *   rp-net connect tcp|udp ADDR PORT         ADDR with ':' uses an inet6 socket
 *   rp-net bind tcp|udp ADDR PORT
 *   rp-net listen ADDR PORT                  bind (not decided here), then listen
 *   rp-net sendto ADDR PORT                  one UDP datagram, no connect
 *   rp-net unix-connect NAME                 stream; NAME is /path or @abstract
 *   rp-net unix-send NAME                    datagram sendto
 *   rp-net unix-serve stream|dgram NAME SEC  binds NAME, accepts/reads for SEC seconds
 *
 * RP_NET_HOLD_MS=N: waits N ms before exiting, so that the daemon, which names the
 * executable of a network event from /proc/PID/exe, finds the process still there.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ENETUNREACH: return "ENETUNREACH";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EINVAL: return "EINVAL";
	default: return strerror(e);
	}
}

/* RP_NET_HOLD_MS, at exit. */
static void hold(void)
{
	const char *ms = getenv("RP_NET_HOLD_MS");

	if (ms)
		usleep(atoi(ms) * 1000);
}

static int fail(void)
{
	printf("%s\n", errno_name(errno));
	return 1;
}

static int ok(void)
{
	printf("ok\n");
	return 0;
}

static int lookup(const char *s, const char *const *names, const int *values)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return values[i];
	return atoi(s);
}

static int family_of(const char *s)
{
	static const char *const n[] = { "unix", "inet", "inet6", "netlink", "packet", NULL };
	static const int v[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_PACKET };

	return lookup(s, n, v);
}

static int type_of(const char *s)
{
	static const char *const n[] = { "stream", "dgram", "raw", "seqpacket", NULL };
	static const int v[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET };

	return lookup(s, n, v);
}

/* An inet or inet6 address and port; returns the family, 0 when unparsable. */
static int inet_addr_of(const char *addr, const char *port, struct sockaddr_storage *ss,
			socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(atoi(port));
		*len = sizeof(*in6);
		return inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1 ? AF_INET6 : 0;
	}
	in->sin_family = AF_INET;
	in->sin_port = htons(atoi(port));
	*len = sizeof(*in);
	return inet_pton(AF_INET, addr, &in->sin_addr) == 1 ? AF_INET : 0;
}

static socklen_t unix_addr_of(const char *name, struct sockaddr_un *sun)
{
	size_t n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		n = sizeof(sun->sun_path) - 1;
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@') {
		sun->sun_path[0] = '\0';
		return offsetof(struct sockaddr_un, sun_path) + n;
	}
	return sizeof(*sun);
}

static int inet_op(const char *op, const char *proto, const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int family = inet_addr_of(addr, port, &ss, &len), fd;
	int type = strcmp(proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM;

	if (!family)
		return fprintf(stderr, "rp-net: bad address '%s'\n", addr), 2;
	fd = socket(family, type, 0);
	if (fd < 0)
		return fail();
	if (strcmp(op, "connect") == 0)
		return connect(fd, (struct sockaddr *)&ss, len) ? fail() : ok();
	if (strcmp(op, "bind") == 0)
		return bind(fd, (struct sockaddr *)&ss, len) ? fail() : ok();
	if (strcmp(op, "sendto") == 0)
		return sendto(fd, "x", 1, 0, (struct sockaddr *)&ss, len) < 0 ? fail() : ok();
	if (bind(fd, (struct sockaddr *)&ss, len))
		return printf("bind:"), fail();
	return listen(fd, 4) ? fail() : ok();
}

static int unix_serve(const char *kind, const char *name, int seconds)
{
	int type = strcmp(kind, "dgram") == 0 ? SOCK_DGRAM : SOCK_STREAM;
	int fd = socket(AF_UNIX, type | SOCK_NONBLOCK, 0);
	time_t end = time(NULL) + seconds;
	struct sockaddr_un sun;
	socklen_t len = unix_addr_of(name, &sun);
	char buf[64];

	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, len) ||
	    (type == SOCK_STREAM && listen(fd, 16)))
		return fail();
	printf("listening\n");
	fflush(stdout);
	while (time(NULL) < end) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
		if (type == SOCK_DGRAM)
			(void)!read(fd, buf, sizeof(buf));
		usleep(20000);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	atexit(hold);
	if (strcmp(op, "create") == 0 && argc >= 4) {
		fd = socket(family_of(argv[2]), type_of(argv[3]), argc > 4 ? atoi(argv[4]) : 0);
		return fd < 0 ? fail() : ok();
	}
	if ((strcmp(op, "connect") == 0 || strcmp(op, "bind") == 0) && argc == 5)
		return inet_op(op, argv[2], argv[3], argv[4]);
	if (strcmp(op, "listen") == 0 && argc == 4)
		return inet_op(op, "tcp", argv[2], argv[3]);
	if (strcmp(op, "sendto") == 0 && argc == 4)
		return inet_op(op, "udp", argv[2], argv[3]);
	if (strcmp(op, "unix-connect") == 0 && argc == 3) {
		len = unix_addr_of(argv[2], &sun);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		return fd < 0 ? fail() : connect(fd, (struct sockaddr *)&sun, len) ? fail() : ok();
	}
	if (strcmp(op, "unix-send") == 0 && argc == 3) {
		len = unix_addr_of(argv[2], &sun);
		fd = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (fd < 0)
			return fail();
		return sendto(fd, "x", 1, 0, (struct sockaddr *)&sun, len) < 0 ? fail() : ok();
	}
	if (strcmp(op, "unix-serve") == 0 && argc == 5)
		return unix_serve(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: see the comment at the top of rp-net.c\n");
	return 2;
}
