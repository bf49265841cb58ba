// SPDX-License-Identifier: GPL-2.0
/*
 * rp-ptrace PID: attaches to PID with PTRACE_SEIZE (then detaches) and prints "ok" or
 * the errno name, exiting 0 on success and 1 on failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/types.h>

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc != 2) {
		fprintf(stderr, "usage: rp-ptrace PID\n");
		return 2;
	}
	pid = (pid_t)atoi(argv[1]);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
		printf("%s\n", errno == EPERM ? "EPERM" : strerror(errno));
		return 1;
	}
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	printf("ok\n");
	return 0;
}
