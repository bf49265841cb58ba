// SPDX-License-Identifier: GPL-2.0
/*
 * rp-bench open PATH N: times N open+close of PATH and prints the mean in ns. Under
 * qemu -icount the guest clock counts instructions, so the figure is repeatable.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	double start;
	long n;

	if (argc != 4 || strcmp(argv[1], "open") != 0)
		return fprintf(stderr, "usage: rp-bench open PATH N\n"), 2;
	n = atol(argv[3]);
	start = now_ns();
	for (long i = 0; i < n; i++) {
		int fd = open(argv[2], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return perror(argv[2]), 1;
		close(fd);
	}
	printf("%.1f\n", (now_ns() - start) / n);
	return 0;
}
