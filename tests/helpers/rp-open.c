// SPDX-License-Identifier: GPL-2.0
/*
 * rp-open [-r|-w|-a|-rw|-c|-t] PATH: opens PATH and prints "ok" or the errno name
 * (EPERM, ENOENT, ...), exiting 0 on success and 1 on failure. Tests use it to assert
 * the exact errno of a denied open.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case EISDIR: return "EISDIR";
	case ELOOP: return "ELOOP";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	int flags = O_RDONLY, fd;
	const char *path;

	if (argc == 3) {
		if (strcmp(argv[1], "-w") == 0)
			flags = O_WRONLY;
		else if (strcmp(argv[1], "-a") == 0)
			flags = O_WRONLY | O_APPEND;
		else if (strcmp(argv[1], "-rw") == 0)
			flags = O_RDWR;
		else if (strcmp(argv[1], "-c") == 0)
			flags = O_WRONLY | O_CREAT;
		else if (strcmp(argv[1], "-t") == 0)
			flags = O_WRONLY | O_TRUNC;
		else if (strcmp(argv[1], "-r") != 0)
			return fprintf(stderr, "rp-open: unknown flag '%s'\n", argv[1]), 2;
		path = argv[2];
	} else if (argc == 2) {
		path = argv[1];
	} else {
		return fprintf(stderr, "usage: rp-open [-r|-w|-a|-rw|-c|-t] PATH\n"), 2;
	}
	fd = open(path, flags | O_CLOEXEC, 0600);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}
