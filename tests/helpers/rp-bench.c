// SPDX-License-Identifier: GPL-2.0
/*
 * rp-bench: times N repetitions of one operation and prints the mean in ns. Under qemu
 * -icount the guest clock counts instructions, so the figure is repeatable. Any failing
 * step prints the object and the error on stderr and exits 1, so a denied operation is
 * never timed as a fast one.
 *
 *   rp-bench open PATH N          open(O_RDONLY) + close
 *   rp-bench exec PATH N          vfork + execve(PATH) + wait; PATH must exit 0 at once
 *   rp-bench connect ADDR PORT N  UDP socket + connect(ADDR:PORT) + close (IPv4)
 *   rp-bench bind ADDR PORT N     UDP socket + bind(ADDR:PORT) + close (IPv4)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] = "usage: rp-bench open PATH N | exec PATH N | connect ADDR PORT N | "
			    "bind ADDR PORT N\n";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One operation: 0, or -errno with what names the failing step. */
typedef int (*op_fn)(char **args, const char **ret_what);

static int op_open(char **args, const char **ret_what)
{
	int fd = open(args[0], O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*ret_what = args[0];
		return -errno;
	}
	close(fd);
	return 0;
}

/* A failed execve exits the child with EXEC_ERRNO_BASE + errno, so the parent can name it. */
#define EXEC_ERRNO_BASE 100
#define EXEC_ERRNO_MAX 150

static int op_exec(char **args, const char **ret_what)
{
	char *argv[] = { args[0], NULL }, *envp[] = { NULL };
	int status;
	pid_t pid = vfork();

	if (pid == 0) {
		execve(args[0], argv, envp);
		_exit(errno < EXEC_ERRNO_MAX ? EXEC_ERRNO_BASE + errno : EXEC_ERRNO_BASE);
	}
	*ret_what = args[0];
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	if (WEXITSTATUS(status) > EXEC_ERRNO_BASE)
		return -(WEXITSTATUS(status) - EXEC_ERRNO_BASE);
	return WEXITSTATUS(status) ? -ECHILD : 0;
}

/* A UDP socket and one step on ADDR:PORT: connect when connect_op, else bind. */
static int op_inet(char **args, const char **ret_what, int connect_op)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(args[1])) };
	int fd, ret = 0;

	*ret_what = args[0];
	if (inet_pton(AF_INET, args[0], &sa.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*ret_what = "socket";
		return -errno;
	}
	if ((connect_op ? connect(fd, (struct sockaddr *)&sa, sizeof(sa))
			: bind(fd, (struct sockaddr *)&sa, sizeof(sa))) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int op_connect(char **args, const char **ret_what)
{
	return op_inet(args, ret_what, 1);
}

static int op_bind(char **args, const char **ret_what)
{
	return op_inet(args, ret_what, 0);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int n_args;
		op_fn fn;
	} ops[] = {
		{ "open", 1, op_open },
		{ "exec", 1, op_exec },
		{ "connect", 2, op_connect },
		{ "bind", 2, op_bind },
	};
	const char *what = "";
	double start;
	long n;

	for (size_t i = 0; argc > 1 && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(argv[1], ops[i].name) != 0 || argc != ops[i].n_args + 3)
			continue;
		n = atol(argv[argc - 1]);
		if (n <= 0)
			break;
		start = now_ns();
		for (long k = 0; k < n; k++) {
			int ret = ops[i].fn(argv + 2, &what);

			if (ret)
				return fprintf(stderr, "rp-bench: %s %s: %s\n", ops[i].name, what,
					       strerror(-ret)), 1;
		}
		printf("%.1f\n", (now_ns() - start) / n);
		return 0;
	}
	fputs(usage, stderr);
	return 2;
}
