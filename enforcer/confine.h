/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon confines itself once its programs are attached and pinned: a seccomp
 * allow-list of the system calls its loop needs (files, sockets, epoll, inotify, memory,
 * and bpf() restricted to map commands, so no program can be loaded, attached or
 * detached from it any more). Any other call fails with EPERM and the kernel logs it
 * (an audit record of type 1326, SECCOMP).
 */
#ifndef RAMPART_CONFINE_H
#define RAMPART_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Capabilities kept after start: CAP_BPF (bpf() on 6.1 kernels checks it for every
 * command while unprivileged BPF is disabled), CAP_DAC_READ_SEARCH (open_by_handle_at,
 * which names the cgroups of events) and CAP_SYS_PTRACE (reading /proc/PID/exe of a
 * process with capabilities the daemon lacks: network events name the executable that
 * way; ptrace(), process_vm_* and pidfd_getfd stay outside the seccomp list). Everything
 * else leaves the effective, permitted, inheritable, ambient and bounding sets.
 */
#define CONFINE_CAPS_KEPT ((1ULL << 39) | (1ULL << 19) | (1ULL << 2))

/* Capabilities loading and attaching Rampart's programs needs: CAP_BPF, CAP_PERFMON
 * (LSM programs and the BTF they read), CAP_SETPCAP (dropping the rest from the bounding
 * set afterwards), CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (kept, above). */
#define CONFINE_CAPS_START (CONFINE_CAPS_KEPT | (1ULL << 38) | (1ULL << 8))
/* Whether the effective set holds capability cap. */
bool confine_has_cap(int cap);
/* The names of the CONFINE_CAPS_START capabilities the effective set lacks, comma
 * separated, into buf ("" when none is missing). */
void confine_missing_start_caps(char *buf, size_t size);
/* Drops every capability but CONFINE_CAPS_KEPT; 0 or a negative errno. */
int confine_capabilities(void);
/* Installs the filter; the number of system calls allowed, or a negative errno. */
int confine_seccomp(void);
/* Checks the filter refuses a call outside the list: 0, or -EPERM when it did not. */
int confine_selftest(void);

#endif /* RAMPART_CONFINE_H */
