// SPDX-License-Identifier: GPL-2.0
/*
 * rp-flood [-c] [-d DISTINCT] COUNT PATH: opens PATH for reading COUNT times, as fast as
 * it can, in one process (no fork: the guest is emulated). With -d, the i-th open is of
 * PATH.<i % DISTINCT> instead; with -c those files are first created (write-only, which
 * a read rule does not report). Prints "attempts=N denied=N opened=N errors=N"; exits 1
 * when an open failed with anything but EPERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *name_of(const char *path, long distinct, long i, char *buf, size_t size)
{
	if (!distinct)
		return path;
	snprintf(buf, size, "%s.%ld", path, i % distinct);
	return buf;
}

int main(int argc, char **argv)
{
	unsigned long denied = 0, opened = 0, errors = 0;
	long count, distinct = 0;
	int create = 0, c;
	char buf[8192];

	while ((c = getopt(argc, argv, "cd:")) != -1) {
		if (c == 'c')
			create = 1;
		else if (c == 'd')
			distinct = atol(optarg);
		else
			return 2;
	}
	if (argc - optind != 2 || distinct < 0)
		return fprintf(stderr, "usage: rp-flood [-c] [-d DISTINCT] COUNT PATH\n"), 2;
	count = atol(argv[optind]);
	for (long i = 0; create && i < distinct; i++) {
		int fd = open(name_of(argv[optind + 1], distinct, i, buf, sizeof(buf)),
			      O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return fprintf(stderr, "rp-flood: create %s: %s\n", buf, strerror(errno)), 1;
		close(fd);
	}
	for (long i = 0; i < count; i++) {
		int fd = open(name_of(argv[optind + 1], distinct, i, buf, sizeof(buf)),
			      O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			close(fd);
			opened++;
		} else if (errno == EPERM) {
			denied++;
		} else {
			errors++;
		}
	}
	printf("attempts=%ld denied=%lu opened=%lu errors=%lu\n", count, denied, opened, errors);
	return errors ? 1 : 0;
}
