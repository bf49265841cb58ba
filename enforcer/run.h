/* SPDX-License-Identifier: GPL-2.0 */
/* `rampart run`: the daemon's top level. It logs; the modules below it do not. */
#ifndef RAMPART_RUN_H
#define RAMPART_RUN_H

#include <stdbool.h>
#include <stddef.h>

struct run_options {
	const char *const *paths;	/* policies */
	size_t n_paths;
	bool no_stdout;
	const char *log_file;		/* NULL: none */
	unsigned long long log_max_bytes;
	unsigned log_keep;
	const char *socket_path;	/* NULL: none */
	long long coalesce_ns;		/* 0: no coalescing */
	unsigned rate_limit;		/* events per second per rule */
	const char *pin_dir;		/* bpffs directory of the pinned program links */
	const char *const *watch_dirs;	/* policy directories reloaded when they change */
	size_t n_watch_dirs;
	bool no_seccomp;		/* do not confine the daemon (debugging) */
	bool keep_caps;			/* keep every capability (debugging) */
	bool no_guard;			/* leave maps, pins and binary unguarded */
	const char *control_path;	/* the control socket; NULL: none */
	const char *control_group;	/* group allowed on it besides root; NULL: root only */
	const char *metrics_addr;	/* Prometheus listener (ctl.h); NULL: none */
	const char *bindings_path;	/* state file of bound containers */
};

#define RUN_BINDINGS_DEFAULT "/run/rampart/containers.json"

#define RUN_POLICY_DIR_DEFAULT "/etc/rampart/policies.d"

/* The defaults of every option but the policies. */
void run_options_init(struct run_options *o);

/* Enforces the policies, pinned so that enforcement outlives the process (pin.h), and
 * serves their events until SIGINT or SIGTERM; SIGHUP reloads them and reopens the log
 * file. Returns the process exit status. */
int run_daemon(const struct run_options *o);

#endif /* RAMPART_RUN_H */
