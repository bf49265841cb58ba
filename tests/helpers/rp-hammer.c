// SPDX-License-Identifier: GPL-2.0
/*
 * rp-hammer SECONDS PAUSE_US PROGRAM PATH...: for SECONDS, opens each PATH for reading
 * and, every eighth round, forks and executes PROGRAM (none when PROGRAM is "-"), pausing PAUSE_US between rounds. Prints how many attempts succeeded and how
 * many were refused with EPERM; any other failure is counted as an error and makes it
 * exit 1. SIGTERM ends it early, counts printed. Used to keep decisions flowing while policy sets are swapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

struct counts {
	unsigned long opened, open_denied, execed, exec_denied, errors;
};

static void try_open(const char *path, struct counts *c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		close(fd);
		c->opened++;
	} else if (errno == EPERM) {
		c->open_denied++;
	} else {
		c->errors++;
	}
}

/* The child reports through its exit status: 0 executed, 3 EPERM, 4 other error. */
static void try_exec(const char *prog, struct counts *c)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		char *const argv[] = { (char *)prog, "/nonexistent", NULL };

		execv(prog, argv);
		_exit(errno == EPERM ? 3 : 4);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		c->errors++;
		return;
	}
	if (WEXITSTATUS(status) == 3)
		c->exec_denied++;
	else if (WEXITSTATUS(status) == 4)
		c->errors++;
	else
		c->execed++;
}

int main(int argc, char **argv)
{
	struct counts c = { 0 };
	struct timespec start, now;
	double seconds;
	int pause_us;

	if (argc < 5)
		return fprintf(stderr, "usage: rp-hammer SECONDS PAUSE_US PROGRAM PATH...\n"), 2;
	seconds = atof(argv[1]);
	pause_us = atoi(argv[2]);
	signal(SIGTERM, on_term);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned long round = 0; !stop; round++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 >= seconds)
			break;
		for (int i = 4; i < argc; i++)
			try_open(argv[i], &c);
		if (round % 8 == 0 && strcmp(argv[3], "-") != 0)
			try_exec(argv[3], &c);
		if (pause_us)
			usleep(pause_us);
	}
	printf("opened=%lu open_denied=%lu execed=%lu exec_denied=%lu errors=%lu\n", c.opened,
	       c.open_denied, c.execed, c.exec_denied, c.errors);
	return c.errors ? 1 : 0;
}
