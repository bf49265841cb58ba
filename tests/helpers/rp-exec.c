// SPDX-License-Identifier: GPL-2.0
/*
 * rp-exec MODE ...: runs a program in one of the ways the exec rules must see through,
 * and prints the errno name (EPERM, ENOENT, EACCES, ...) and exits 1 when the kernel
 * refuses. On success the program runs in its place, so its own output shows it ran.
 *
 *   rp-exec memfd NAME SRC [ARGS...]     copy SRC into memfd_create(NAME), execveat the fd
 *   rp-exec fd PATH [ARGS...]            open PATH (O_PATH), execveat(fd, "", AT_EMPTY_PATH)
 *   rp-exec deleted SRC TMPDIR [ARGS...] copy SRC into TMPDIR, open it, unlink it, execveat
 *   rp-exec plain PATH [ARGS...]         execve(PATH)
 *   rp-exec cgroupns PATH [ARGS...]      unshare a new cgroup namespace, execvp(PATH)
 *
 * ARGS are the arguments after argv[0]; argv[0] of the new program is SRC or PATH.
 * Setup failures (reading SRC, creating the copy) print "setup: ..." on stderr, exit 2.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif

extern char **environ;

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENOEXEC: return "ENOEXEC";
	case ETXTBSY: return "ETXTBSY";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case EISDIR: return "EISDIR";
	case ELOOP: return "ELOOP";
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case ENOSYS: return "ENOSYS";
	default: return strerror(e);
	}
}

static int fail(void)
{
	printf("%s\n", errno_name(errno));
	return 1;
}

static int setup_fail(const char *what, const char *arg)
{
	fprintf(stderr, "rp-exec: setup: %s '%s': %s\n", what, arg, strerror(errno));
	return 2;
}

/* Copies the whole file src into fd; 0 or -1 with errno set. */
static int copy_into(const char *src, int fd)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (in < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, n - off);

			if (w < 0) {
				close(in);
				return -1;
			}
			off += w;
		}
	}
	close(in);
	return n < 0 ? -1 : 0;
}

/* argv for the new program: prog, then args[0..n). */
static char **new_argv(const char *prog, char **args, int n)
{
	char **v = calloc(n + 2, sizeof(*v));

	if (!v)
		exit(2);
	v[0] = (char *)prog;
	for (int i = 0; i < n; i++)
		v[i + 1] = args[i];
	return v;
}

static int exec_fd(int fd, char **argv)
{
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return fail();
}

static int usage(void)
{
	fprintf(stderr, "usage: rp-exec memfd NAME SRC [ARGS...]\n"
			"       rp-exec fd PATH [ARGS...]\n"
			"       rp-exec deleted SRC TMPDIR [ARGS...]\n"
			"       rp-exec plain PATH [ARGS...]\n"
			"       rp-exec cgroupns PATH [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int fd;

	if (argc < 3)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "memfd") == 0) {
		if (argc < 4)
			return usage();
		/* no MFD_CLOEXEC: with it, a script run this way could not reopen /dev/fd/N */
		fd = syscall(SYS_memfd_create, argv[2], 0);
		if (fd < 0)
			return setup_fail("memfd_create", argv[2]);
		if (copy_into(argv[3], fd) < 0)
			return setup_fail("copying", argv[3]);
		return exec_fd(fd, new_argv(argv[3], argv + 4, argc - 4));
	}
	if (strcmp(argv[1], "fd") == 0) {
		fd = open(argv[2], O_PATH);
		if (fd < 0)
			return fail();
		return exec_fd(fd, new_argv(argv[2], argv + 3, argc - 3));
	}
	if (strcmp(argv[1], "deleted") == 0) {
		char tmp[4096];

		if (argc < 4)
			return usage();
		snprintf(tmp, sizeof(tmp), "%s/rp-exec-deleted.XXXXXX", argv[3]);
		fd = mkstemp(tmp);
		if (fd < 0)
			return setup_fail("mkstemp", tmp);
		if (copy_into(argv[2], fd) < 0 || fchmod(fd, 0755) < 0)
			return setup_fail("copying", argv[2]);
		close(fd);	/* a file open for writing cannot be executed (ETXTBSY) */
		fd = open(tmp, O_RDONLY);
		if (fd < 0)
			return setup_fail("reopening", tmp);
		if (unlink(tmp) < 0)
			return setup_fail("unlinking", tmp);
		return exec_fd(fd, new_argv(argv[2], argv + 4, argc - 4));
	}
	if (strcmp(argv[1], "plain") == 0) {
		execve(argv[2], new_argv(argv[2], argv + 3, argc - 3), environ);
		return fail();
	}
	if (strcmp(argv[1], "cgroupns") == 0) {
		if (unshare(CLONE_NEWCGROUP) < 0)
			return setup_fail("unshare", "CLONE_NEWCGROUP");
		execvp(argv[2], argv + 2);
		return fail();
	}
	return usage();
}
