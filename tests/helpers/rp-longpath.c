// SPDX-License-Identifier: GPL-2.0
/*
 * rp-longpath create ROOT DEPTH       builds ROOT/D/D/.../f, DEPTH levels of a 200-byte D
 * rp-longpath enter ROOT DEPTH CMD... walks down by relative steps, then execs CMD
 * Paths beyond PATH_MAX cannot be named whole, so tests reach them one step at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COMP_LEN 200

static int walk(const char *root, int depth, int create)
{
	char comp[COMP_LEN + 1];

	memset(comp, 'd', COMP_LEN);
	comp[COMP_LEN] = '\0';
	if (chdir(root) < 0)
		return -errno;
	for (int i = 0; i < depth; i++) {
		if (create && mkdir(comp, 0755) < 0 && errno != EEXIST)
			return -errno;
		if (chdir(comp) < 0)
			return -errno;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int depth, ret;

	if (argc < 4 || (strcmp(argv[1], "create") && strcmp(argv[1], "enter")))
		return fprintf(stderr, "usage: rp-longpath create|enter ROOT DEPTH [CMD...]\n"), 2;
	depth = atoi(argv[3]);
	ret = walk(argv[2], depth, strcmp(argv[1], "create") == 0);
	if (ret)
		return fprintf(stderr, "rp-longpath: %s\n", strerror(-ret)), 1;
	if (strcmp(argv[1], "create") == 0) {
		FILE *f = fopen("f", "w");

		if (!f)
			return fprintf(stderr, "rp-longpath: f: %s\n", strerror(errno)), 1;
		fputs("x\n", f);
		fclose(f);
		return 0;
	}
	if (argc < 5)
		return fprintf(stderr, "rp-longpath: enter needs a command\n"), 2;
	execvp(argv[4], argv + 4);
	fprintf(stderr, "rp-longpath: exec %s: %s\n", argv[4], strerror(errno));
	return 127;
}
