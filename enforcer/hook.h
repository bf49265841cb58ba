/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `rampart oci-hook`: an OCI createRuntime hook. The runtime runs it after the container's
 * first process exists in its cgroup and before that process executes anything; the hook
 * has the daemon bind the policies that select the container to that cgroup and waits for
 * the generation that confines it to be live. When that fails the hook exits non-zero and
 * the runtime does not start the container (fail closed), unless the container's
 * Kubernetes namespace is exempt.
 */
#ifndef RAMPART_HOOK_H
#define RAMPART_HOOK_H

#define HOOK_TIMEOUT_MS_DEFAULT 10000
#define HOOK_EXEMPT_MAX 64
#define HOOK_STATE_MAX (1 << 20)	/* bytes of state on stdin */

/* argv[0] is "oci-hook". Returns the exit status. */
int hook_main(int argc, char **argv);

#endif /* RAMPART_HOOK_H */
