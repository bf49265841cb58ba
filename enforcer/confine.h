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

/* Installs the filter; the number of system calls allowed, or a negative errno. */
int confine_seccomp(void);
/* Checks the filter refuses a call outside the list: 0, or -EPERM when it did not. */
int confine_selftest(void);

#endif /* RAMPART_CONFINE_H */
