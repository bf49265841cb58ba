/* SPDX-License-Identifier: GPL-2.0 */
/* `rampart run`: the daemon's top level. It logs; the modules below it do not. */
#ifndef RAMPART_RUN_H
#define RAMPART_RUN_H

#include <stddef.h>

/* Enforces the policies at paths until SIGINT or SIGTERM; SIGHUP reloads them. Returns
 * the process exit status. */
int run_daemon(const char *const *paths, size_t n_paths);

#endif /* RAMPART_RUN_H */
