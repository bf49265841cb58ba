// SPDX-License-Identifier: GPL-2.0
/*
 * confine_capabilities() in the bounding sets a service manager leaves: with CAP_SETPCAP,
 * and without it once everything to drop is already out. Each case runs in a child in
 * its own user namespace (full capabilities there, none gained outside), so the test
 * needs no privileges and leaves the runner's capabilities alone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "confine.h"
#include "unit.h"

#define CHILD_CHECK(cond, check)                                                               \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "  child: check '%s' failed: %s (errno %d)\n", check,  \
				#cond, errno);                                                 \
			_exit(1);                                                              \
		}                                                                              \
	} while (0)

static int last_cap(void)
{
	int last = 63;

	while (last > 0 && prctl(PR_CAPBSET_READ, last, 0, 0, 0) < 0)
		last--;
	return last;
}

static unsigned long long bounding_set(void)
{
	unsigned long long set = 0;

	for (int c = 0; c <= last_cap(); c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			set |= 1ULL << c;
	return set;
}

static int caps_get(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return (int)syscall(SYS_capget, &hdr, data);
}

/* Takes `drop` out of the effective and permitted sets. */
static int caps_remove(unsigned long long drop)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (caps_get(data) < 0)
		return -errno;
	data[0].effective = data[0].permitted &= ~(__u32)drop;
	data[1].effective = data[1].permitted &= ~(__u32)(drop >> 32);
	return syscall(SYS_capset, &hdr, data) < 0 ? -errno : 0;
}

/* Leaves the bounding set with `keep` only; needs CAP_SETPCAP. */
static int bounding_keep(unsigned long long keep)
{
	for (int c = 0; c <= last_cap(); c++)
		if (!(keep & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			return -errno;
	return 0;
}

static unsigned long long all_caps(void)
{
	return last_cap() == 63 ? ~0ULL : (1ULL << (last_cap() + 1)) - 1;
}

/* What a child must see after confine_capabilities() returned 0. */
static void child_confined(unsigned long long expect_permitted)
{
	struct __user_cap_data_struct data[2] = {};

	CHILD_CHECK(bounding_set() == (CONFINE_CAPS_KEPT & all_caps()), "bounding set: kept only");
	CHILD_CHECK(caps_get(data) == 0, "capget");
	CHILD_CHECK((data[0].permitted | (unsigned long long)data[1].permitted << 32) ==
			    expect_permitted, "permitted set");
	CHILD_CHECK((data[0].effective | (unsigned long long)data[1].effective << 32) ==
			    expect_permitted, "effective set");
	CHILD_CHECK(!data[0].inheritable && !data[1].inheritable, "inheritable set empty");
	_exit(0);
}

/* Runs fn in a child with full capabilities in a new user namespace; its exit status. */
static int in_child(void (*fn)(void))
{
	int status = -1;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		CHILD_CHECK(unshare(CLONE_NEWUSER) == 0, "user namespace");
		fn();
		_exit(1);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void full_bounding_set(void)
{
	CHILD_CHECK(confine_capabilities() == 0, "confine with CAP_SETPCAP");
	child_confined(CONFINE_CAPS_KEPT & all_caps());
}

/* systemd's CapabilityBoundingSet= without CAP_SETPCAP, nothing else left to drop. */
static void only_kept_in_bounding_set(void)
{
	CHILD_CHECK(bounding_keep(CONFINE_CAPS_KEPT) == 0, "setup: bounding set");
	CHILD_CHECK(caps_remove(all_caps() & ~CONFINE_CAPS_KEPT) == 0, "setup: no CAP_SETPCAP");
	CHILD_CHECK(prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) < 0 && errno == EPERM,
		    "setup: dropping needs CAP_SETPCAP");
	CHILD_CHECK(confine_capabilities() == 0, "confine without CAP_SETPCAP");
	child_confined(CONFINE_CAPS_KEPT & all_caps());
}

/* CAP_PERFMON still in the bounding set, CAP_SETPCAP gone: the drop cannot be made. */
static void perfmon_left_without_setpcap(void)
{
	CHILD_CHECK(bounding_keep(CONFINE_CAPS_KEPT | 1ULL << CAP_PERFMON) == 0,
		    "setup: bounding set");
	CHILD_CHECK(caps_remove(1ULL << CAP_SETPCAP) == 0, "setup: no CAP_SETPCAP");
	CHILD_CHECK(confine_capabilities() == -EPERM, "confine refuses with EPERM");
	CHILD_CHECK(prctl(PR_CAPBSET_READ, CAP_PERFMON, 0, 0, 0) == 1, "CAP_PERFMON still there");
	_exit(0);
}

/* A kept capability the process does not hold is not asked for (capset would refuse). */
static void kept_capability_not_held(void)
{
	CHILD_CHECK(caps_remove(1ULL << CAP_SYS_PTRACE) == 0, "setup: no CAP_SYS_PTRACE");
	CHILD_CHECK(confine_capabilities() == 0, "confine without CAP_SYS_PTRACE");
	child_confined(CONFINE_CAPS_KEPT & all_caps() & ~(1ULL << CAP_SYS_PTRACE));
}

UNIT_TEST(confine_caps_full_bounding_set)
{
	ASSERT_EQ(in_child(full_bounding_set), 0, "child checks");
}

UNIT_TEST(confine_caps_no_setpcap_nothing_to_drop)
{
	ASSERT_EQ(in_child(only_kept_in_bounding_set), 0, "child checks");
}

UNIT_TEST(confine_caps_no_setpcap_something_to_drop)
{
	ASSERT_EQ(in_child(perfmon_left_without_setpcap), 0, "child checks");
}

UNIT_TEST(confine_caps_kept_capability_not_held)
{
	ASSERT_EQ(in_child(kept_capability_not_held), 0, "child checks");
}
