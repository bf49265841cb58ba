// SPDX-License-Identifier: GPL-2.0
/*
 * probe_kernel() and probe_find_mount() on fake /proc and /sys trees built under a
 * temporary directory: each missing piece is reported alone, with a hint naming the
 * fix, and several are reported in the order of enum probe_check.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "probe.h"
#include "unit.h"

/* Returned by the helpers when the fake tree itself could not be built. */
#define SETUP_FAILED (-100000)

#define LSM_WITH_BPF "lockdown,capability,landlock,yama,apparmor,bpf"

struct fake_tree {
	bool securityfs;	/* mounted: a mountinfo line */
	const char *lsm;	/* content of security/lsm, NULL: no file */
	const char *lockdown;	/* content of security/lockdown, NULL: no file */
	bool btf;
	bool bpffs;
	bool cgroup2;
};

static const struct fake_tree good_tree = {
	.securityfs = true,
	.lsm = LSM_WITH_BPF "\n",
	.lockdown = "[none] integrity confidentiality\n",
	.btf = true,
	.bpffs = true,
	.cgroup2 = true,
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *root)
{
	nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Writes ROOT/rel, creating the directories above it. */
static int write_file(const char *root, const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	f = fopen(path, "we");
	if (!f)
		return -1;
	fputs(content, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* Builds the tree described by t under a new temporary directory named in root. */
static int make_tree(const struct fake_tree *t, char root[64])
{
	char mountinfo[2048] = "";

	snprintf(root, 64, "/tmp/rampart-probe-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	strcat(mountinfo, "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
			  "23 22 0:21 / /proc rw,nosuid,nodev,noexec shared:12 - proc proc rw\n"
			  "24 22 0:22 / /sys rw,nosuid,nodev,noexec shared:2 - sysfs sysfs rw\n");
	if (t->securityfs)
		strcat(mountinfo, "36 25 0:30 / /sys/kernel/security rw,nosuid shared:3 - "
				  "securityfs securityfs rw\n");
	/* A cgroup v1 hierarchy, whose type must not be taken for cgroup2. */
	strcat(mountinfo, "30 24 0:26 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup "
			  "rw,name=systemd\n");
	if (t->cgroup2)
		strcat(mountinfo, "31 24 0:27 / /sys/fs/cgroup rw,nosuid,nodev shared:4 - "
				  "cgroup2 cgroup2 rw,nsdelegate\n");
	if (t->bpffs)
		strcat(mountinfo, "37 24 0:31 / /sys/fs/bpf rw,nosuid,nodev - bpf bpf "
				  "rw,mode=700\n");
	if (write_file(root, "/proc/self/mountinfo", mountinfo) ||
	    write_file(root, "/proc/sys/kernel/osrelease", "6.8.0-rampart-test\n") ||
	    (t->lsm && write_file(root, "/sys/kernel/security/lsm", t->lsm)) ||
	    (t->lockdown && write_file(root, "/sys/kernel/security/lockdown", t->lockdown)) ||
	    (t->btf && write_file(root, "/sys/kernel/btf/vmlinux", "\x9f\xeb\x01\x00")))
		return -1;
	return 0;
}

/* Probes a fake tree and removes it again: probe_kernel()'s return, or SETUP_FAILED. */
static int probe_fake(const struct fake_tree *t, struct probe_report *r)
{
	char root[64];
	int ret = SETUP_FAILED;

	memset(r, 0, sizeof(*r));
	if (make_tree(t, root) == 0)
		ret = probe_kernel(root, r);
	remove_tree(root);
	return ret;
}

/* Bit per failed item, by enum probe_check. */
static unsigned failed_items(const struct probe_report *r)
{
	unsigned mask = 0;

	for (int i = 0; i < PROBE__COUNT; i++)
		if (!r->items[i].ok)
			mask |= 1u << i;
	return mask;
}

static void check_single_failure(int *unit_failed, const struct fake_tree *t,
				 enum probe_check which, const char *name, const char *keyword)
{
	struct probe_report r;
	const struct probe_item *first;

	ASSERT_EQ(probe_fake(t, &r), -EOPNOTSUPP, "probe_kernel returns -EOPNOTSUPP");
	first = probe_first_failure(&r);
	ASSERT_TRUE(first == &r.items[which], "first failure is the broken item");
	ASSERT_STREQ(first->name, name, "first failure's name");
	ASSERT_EQ(failed_items(&r), 1u << which, "no other item failed");
	ASSERT_CONTAINS(first->hint, keyword, "hint names the fix");
}

UNIT_TEST(probe_accepts_complete_tree)
{
	static const char *const names[PROBE__COUNT] = {
		"securityfs", "bpf-lsm", "lockdown", "btf", "bpffs", "cgroup2", "lsm-load",
	};
	struct probe_report r;

	ASSERT_OK(probe_fake(&good_tree, &r), "probe_kernel");
	ASSERT_TRUE(probe_first_failure(&r) == NULL, "no failure");
	for (int i = 0; i < PROBE__COUNT; i++) {
		ASSERT_STREQ(r.items[i].name, names[i], "item name");
		ASSERT_TRUE(r.items[i].ok, "item ok");
		ASSERT_STREQ(r.items[i].hint, "", "no hint on an ok item");
	}
	ASSERT_STREQ(r.cgroup2_mount, "/sys/fs/cgroup", "cgroup2 mount point");
	ASSERT_STREQ(r.kernel_release, "6.8.0-rampart-test", "kernel release without newline");
	ASSERT_STREQ(r.items[PROBE_SECURITYFS].detail, "mounted at /sys/kernel/security",
		     "securityfs detail");
	ASSERT_STREQ(r.items[PROBE_LSM_BPF].detail, "active LSMs: " LSM_WITH_BPF, "lsm detail");
	ASSERT_STREQ(r.items[PROBE_LOCKDOWN].detail, "none",
		     "lockdown detail");
	ASSERT_STREQ(r.items[PROBE_BPFFS].detail, "mounted at /sys/fs/bpf", "bpffs detail");
	ASSERT_STREQ(r.items[PROBE_CGROUP2].detail, "mounted at /sys/fs/cgroup", "cgroup2 detail");
}

UNIT_TEST(probe_reports_securityfs_not_mounted)
{
	struct fake_tree t = good_tree;
	struct probe_report r;
	const struct probe_item *first;

	t.securityfs = false;
	t.lsm = NULL;
	t.lockdown = NULL;
	ASSERT_EQ(probe_fake(&t, &r), -EOPNOTSUPP, "probe_kernel returns -EOPNOTSUPP");
	first = probe_first_failure(&r);
	ASSERT_TRUE(first == &r.items[PROBE_SECURITYFS], "first failure is securityfs");
	ASSERT_STREQ(first->name, "securityfs", "first failure's name");
	ASSERT_CONTAINS(first->hint, "mount -t securityfs", "hint says how to mount it");
	/* The LSM list cannot be read without securityfs, so bpf-lsm is unknown too. */
	ASSERT_EQ(failed_items(&r), (1u << PROBE_SECURITYFS) | (1u << PROBE_LSM_BPF),
		  "only securityfs and bpf-lsm failed");
}

UNIT_TEST(probe_reports_securityfs_mounted_without_lsm_file)
{
	struct fake_tree t = good_tree;
	struct probe_report r;

	t.lsm = NULL;
	ASSERT_EQ(probe_fake(&t, &r), -EOPNOTSUPP, "probe_kernel returns -EOPNOTSUPP");
	ASSERT_TRUE(probe_first_failure(&r) == &r.items[PROBE_SECURITYFS],
		    "first failure is securityfs");
}

UNIT_TEST(probe_reports_lsm_list_without_bpf)
{
	struct fake_tree t = good_tree;

	t.lsm = "lockdown,capability,landlock,yama,apparmor\n";
	check_single_failure(unit_failed, &t, PROBE_LSM_BPF, "bpf-lsm", "lsm=");
}

UNIT_TEST(probe_lsm_list_needs_exact_bpf_entry)
{
	struct fake_tree t = good_tree;

	t.lsm = "capability,bpffoo,xbpf\n";
	check_single_failure(unit_failed, &t, PROBE_LSM_BPF, "bpf-lsm", "CONFIG_BPF_LSM=y");
}

UNIT_TEST(probe_accepts_bpf_first_or_alone_in_lsm_list)
{
	struct fake_tree t = good_tree;
	struct probe_report r;

	t.lsm = "bpf,capability";
	ASSERT_OK(probe_fake(&t, &r), "bpf first, no newline");
	t.lsm = "bpf\n";
	ASSERT_OK(probe_fake(&t, &r), "bpf alone");
}

UNIT_TEST(probe_reports_lockdown_confidentiality)
{
	struct fake_tree t = good_tree;

	t.lockdown = "none integrity [confidentiality]\n";
	check_single_failure(unit_failed, &t, PROBE_LOCKDOWN, "lockdown", "confidentiality");
}

UNIT_TEST(probe_accepts_lockdown_integrity_and_none)
{
	struct fake_tree t = good_tree;
	struct probe_report r;

	t.lockdown = "none [integrity] confidentiality\n";
	ASSERT_OK(probe_fake(&t, &r), "[integrity]");
	ASSERT_TRUE(r.items[PROBE_LOCKDOWN].ok, "lockdown ok for [integrity]");
	ASSERT_STREQ(r.items[PROBE_LOCKDOWN].detail, "integrity", "lockdown detail for [integrity]");
	t.lockdown = "[none] integrity confidentiality\n";
	ASSERT_OK(probe_fake(&t, &r), "[none]");
	ASSERT_TRUE(r.items[PROBE_LOCKDOWN].ok, "lockdown ok for [none]");
}

UNIT_TEST(probe_accepts_missing_lockdown_lsm)
{
	struct fake_tree t = good_tree;
	struct probe_report r;

	t.lockdown = NULL;
	ASSERT_OK(probe_fake(&t, &r), "probe_kernel");
	ASSERT_STREQ(r.items[PROBE_LOCKDOWN].detail, "no lockdown LSM", "lockdown detail");
}

UNIT_TEST(probe_reports_missing_btf)
{
	struct fake_tree t = good_tree;

	t.btf = false;
	check_single_failure(unit_failed, &t, PROBE_BTF, "btf", "CONFIG_DEBUG_INFO_BTF");
}

UNIT_TEST(probe_reports_missing_bpffs)
{
	struct fake_tree t = good_tree;

	t.bpffs = false;
	check_single_failure(unit_failed, &t, PROBE_BPFFS, "bpffs", "mount -t bpf");
}

UNIT_TEST(probe_reports_missing_cgroup2)
{
	struct fake_tree t = good_tree;
	struct probe_report r;

	t.cgroup2 = false;
	check_single_failure(unit_failed, &t, PROBE_CGROUP2, "cgroup2", "cgroup2");
	if (*unit_failed)
		return;
	/* A cgroup v1 mount is in the tree: it must not count as cgroup2. */
	probe_fake(&t, &r);
	ASSERT_STREQ(r.cgroup2_mount, "", "no cgroup2 mount point");
	ASSERT_CONTAINS(r.items[PROBE_CGROUP2].hint, "mount -t cgroup2", "hint says how to mount");
}

UNIT_TEST(probe_reports_failures_in_check_order)
{
	struct fake_tree t = {
		.securityfs = false,
		.lsm = "capability\n",
		.lockdown = "none integrity [confidentiality]\n",
	};
	static const enum probe_check order[] = {
		PROBE_SECURITYFS, PROBE_LOCKDOWN, PROBE_BTF, PROBE_BPFFS, PROBE_CGROUP2,
	};
	struct probe_report r;
	char check[64];

	ASSERT_EQ(probe_fake(&t, &r), -EOPNOTSUPP, "everything broken");
	/* lockdown is unknown until securityfs is mounted; lsm-load is never tried here */
	ASSERT_EQ(failed_items(&r),
		  ((1u << PROBE__COUNT) - 1) & ~(1u << PROBE_LOCKDOWN) & ~(1u << PROBE_LSM_LOAD),
		  "every file-based item but lockdown failed");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		ASSERT_EQ(probe_fake(&t, &r), -EOPNOTSUPP, "still broken");
		snprintf(check, sizeof(check), "first failure is %s", r.items[order[i]].name);
		ASSERT_TRUE(probe_first_failure(&r) == &r.items[order[i]], check);
		/* Repair the reported item and probe again. */
		switch (order[i]) {
		case PROBE_SECURITYFS:
			t.securityfs = true;
			t.lsm = LSM_WITH_BPF;
			break;
		case PROBE_LOCKDOWN:
			t.lockdown = "none [integrity] confidentiality";
			break;
		case PROBE_BTF:
			t.btf = true;
			break;
		case PROBE_BPFFS:
			t.bpffs = true;
			break;
		default:
			t.cgroup2 = true;
			break;
		}
	}
	ASSERT_OK(probe_fake(&t, &r), "all repaired");
}

UNIT_TEST(probe_find_mount_finds_mount_point_by_fstype)
{
	char root[64], cg2[256] = "", cg1[256] = "", bpf[256] = "", none[256] = "untouched";
	int r_cg2 = SETUP_FAILED, r_cg1 = SETUP_FAILED, r_bpf = SETUP_FAILED;
	int r_none = SETUP_FAILED;

	if (make_tree(&good_tree, root) == 0) {
		r_cg2 = probe_find_mount(root, "cgroup2", cg2, sizeof(cg2));
		r_cg1 = probe_find_mount(root, "cgroup", cg1, sizeof(cg1));
		r_bpf = probe_find_mount(root, "bpf", bpf, sizeof(bpf));
		r_none = probe_find_mount(root, "tmpfs", none, sizeof(none));
	}
	remove_tree(root);
	ASSERT_OK(r_cg2, "cgroup2 found");
	ASSERT_STREQ(cg2, "/sys/fs/cgroup", "cgroup2 mount point");
	ASSERT_OK(r_cg1, "cgroup found");
	ASSERT_STREQ(cg1, "/sys/fs/cgroup/systemd", "cgroup v1 mount point");
	ASSERT_OK(r_bpf, "bpf found");
	ASSERT_STREQ(bpf, "/sys/fs/bpf", "bpf mount point");
	ASSERT_EQ(r_none, -ENOENT, "absent fstype");
	ASSERT_STREQ(none, "untouched", "buffer untouched for an absent fstype");
}

UNIT_TEST(probe_find_mount_fails_without_mountinfo)
{
	char root[64] = "/tmp/rampart-probe-XXXXXX", buf[64];
	int ret = SETUP_FAILED;

	if (mkdtemp(root))
		ret = probe_find_mount(root, "cgroup2", buf, sizeof(buf));
	remove_tree(root);
	ASSERT_EQ(ret, -ENOENT, "no mountinfo file");
}

/*
 * The kernel writes space, tab, newline and backslash in mountinfo paths as \ooo octal
 * escapes; the daemon opens cgroup paths below the returned mount point.
 */
UNIT_TEST(probe_find_mount_unescapes_octal_in_mount_point)
{
	const char *line = "31 24 0:27 / /run/my\\040cgroup rw - cgroup2 cgroup2 rw\n";
	char root[64] = "/tmp/rampart-probe-XXXXXX", buf[256] = "";
	int ret = SETUP_FAILED;

	if (mkdtemp(root) && write_file(root, "/proc/self/mountinfo", line) == 0)
		ret = probe_find_mount(root, "cgroup2", buf, sizeof(buf));
	remove_tree(root);
	ASSERT_OK(ret, "cgroup2 found");
	ASSERT_STREQ(buf, "/run/my cgroup", "mount point with its space restored");
}
