// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/capability.h>

#include "confine.h"

/* What the event loop, reloads, sinks and cgroup naming call, and libc beneath them. */
static const char *const confine_syscalls[] = {
	/* files and directories */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "open", "openat", "close",
	"fstat", "newfstatat", "stat", "lstat", "statx", "lseek", "fcntl", "ioctl", "dup",
	"dup2", "dup3", "rename", "renameat", "renameat2", "unlink", "unlinkat", "getdents64",
	"readlink", "readlinkat", "access", "faccessat", "faccessat2", "fsync", "fdatasync",
	"statfs", "fstatfs", "umask", "fchmod", "name_to_handle_at", "open_by_handle_at",
	/* waiting */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll",
	"ppoll", "inotify_init1", "inotify_add_watch", "inotify_rm_watch",
	/* event socket clients */
	"accept", "accept4", "sendto", "sendmsg", "recvfrom", "recvmsg", "shutdown",
	"getsockopt", "setsockopt", "getsockname", "getpeername",
	/* memory */
	"mmap", "munmap", "mremap", "mprotect", "brk", "madvise",
	/* signals, time, identity, exit */
	"rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigreturn", "sigaltstack",
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep",
	"getpid",
	"gettid", "getppid", "getuid", "geteuid", "getgid", "getegid", "uname", "getrandom",
	"getrusage", "prlimit64", "futex", "sched_yield", "restart_syscall", "exit",
	"exit_group", "tgkill", "rseq", "set_robust_list",
};

/*
 * bpf(): only what applying a policy set and reading counters need: map commands, and
 * attaching and pinning a hook a new policy set needs (loader_apply()). The programs
 * are loaded before the filter: no program can be loaded after it (BPF_PROG_LOAD), and
 * the only program fds the daemon holds are its own. Attaching one of them can only add
 * a hook that decides by the daemon's maps; detaching needs no bpf() (unlink the pin,
 * close the fd), which the allowed file calls already gave a compromised daemon.
 * BPF_RAW_TRACEPOINT_OPEN: libbpf's fallback for a kernel without BPF_LINK_CREATE for
 * LSM programs.
 */
static const int confine_bpf_cmds[] = {
	BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_MAP_GET_NEXT_KEY,
	BPF_OBJ_GET_INFO_BY_FD, BPF_MAP_LOOKUP_BATCH, BPF_MAP_UPDATE_BATCH, BPF_MAP_DELETE_BATCH,
	BPF_LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN, BPF_OBJ_PIN,
};

int confine_seccomp(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int n = 0, ret;

	if (!ctx)
		return -ENOMEM;
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);	/* refusals are logged */
	for (size_t i = 0; !ret && i < sizeof(confine_syscalls) / sizeof(*confine_syscalls); i++) {
		int nr = seccomp_syscall_resolve_name(confine_syscalls[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;	/* not a call of this architecture */
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		n += !ret;
	}
	for (size_t i = 0; !ret && i < sizeof(confine_bpf_cmds) / sizeof(*confine_bpf_cmds); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 1,
				       SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)confine_bpf_cmds[i]));
	n += !ret;
	if (!ret)
		ret = seccomp_load(ctx);
	seccomp_release(ctx);
	return ret < 0 ? ret : n;
}

/*
 * Drops c from the bounding set unless it is kept or already out. A service manager may
 * have emptied the bounding set of everything else (and of CAP_SETPCAP, which dropping
 * needs): then there is nothing left to drop and no CAP_SETPCAP is needed.
 */
static int confine_bounding_drop(int c)
{
	int in = prctl(PR_CAPBSET_READ, c, 0, 0, 0);

	if ((CONFINE_CAPS_KEPT & (1ULL << c)) || in == 0 || (in < 0 && errno == EINVAL))
		return 0;
	if (in < 0 || prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int confine_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	int last = 63, ret;

	/* The bounding set first: dropping from it needs CAP_SETPCAP, which goes next. */
	while (last > 0 && prctl(PR_CAPBSET_READ, last, 0, 0, 0) < 0)
		last--;
	for (int c = 0; c <= last; c++) {
		ret = confine_bounding_drop(c);
		if (ret)
			return ret;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	/* Kept means kept if held: capset() cannot add to the permitted set. */
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	data[0].effective = data[0].permitted &= (__u32)CONFINE_CAPS_KEPT;
	data[1].effective = data[1].permitted &= (__u32)(CONFINE_CAPS_KEPT >> 32);
	data[0].inheritable = data[1].inheritable = 0;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

bool confine_has_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (cap < 0 || cap > 63 || syscall(SYS_capget, &hdr, data) < 0)
		return false;
	return data[cap / 32].effective & (1U << (cap % 32));
}

void confine_missing_start_caps(char *buf, size_t size)
{
	static const struct { int cap; const char *name; } caps[] = {
		{ 39, "CAP_BPF" }, { 38, "CAP_PERFMON" }, { 8, "CAP_SETPCAP" },
		{ 2, "CAP_DAC_READ_SEARCH" }, { 19, "CAP_SYS_PTRACE" },
	};
	size_t n = 0;

	_Static_assert(CONFINE_CAPS_START == ((1ULL << 39) | (1ULL << 38) | (1ULL << 8) |
					     (1ULL << 2) | (1ULL << 19)), "caps[] lists them all");
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (!confine_has_cap(caps[i].cap) && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
					      caps[i].name);
}

int confine_selftest(void)
{
	/* personality(0xffffffff) only reads the persona: harmless when it is allowed. */
	long r = syscall(SYS_personality, 0xffffffffUL);

	return r == -1 && errno == EPERM ? 0 : -EPERM;
}
