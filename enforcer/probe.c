// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probe.h"

static const char *const probe_names[PROBE__COUNT] = {
	[PROBE_SECURITYFS] = "securityfs",
	[PROBE_LSM_BPF] = "bpf-lsm",
	[PROBE_LOCKDOWN] = "lockdown",
	[PROBE_BTF] = "btf",
	[PROBE_BPFFS] = "bpffs",
	[PROBE_CGROUP2] = "cgroup2",
	[PROBE_LSM_LOAD] = "lsm-load",
};

/* Reads the first line of ROOT/path into buf without its newline; 0 or -errno. */
static int probe_read_line(const char *root, const char *path, char *buf, size_t size)
{
	char full[512];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	f = fopen(full, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* mountinfo writes space, tab, newline and backslash in paths as \ooo octal escapes. */
static void probe_unescape(char *s)
{
	char *out = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

int probe_find_mount(const char *root, const char *fstype, char *buf, size_t size)
{
	char path[512], line[4096], mnt[2048], type[64];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "%s/proc/self/mountinfo", root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %2047s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s", type) != 1 || strcmp(type, fstype) != 0)
			continue;
		probe_unescape(mnt);
		snprintf(buf, size, "%s", mnt);
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

int probe_mount_line(const char *path, char *line, size_t size)
{
	unsigned long long id;
	struct statx stx;
	int ret = -ENOENT;
	FILE *f;

	if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &stx) < 0)
		return -errno;
	if (!(stx.stx_mask & STATX_MNT_ID))
		return -EOPNOTSUPP;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, size, f))
		if (sscanf(line, "%llu", &id) == 1 && id == stx.stx_mnt_id) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

static void probe_fail(struct probe_item *it, const char *hint)
{
	it->ok = false;
	snprintf(it->hint, sizeof(it->hint), "%s", hint);
}

static void probe_lsm(const char *root, struct probe_report *r)
{
	struct probe_item *sfs = &r->items[PROBE_SECURITYFS], *lsm = &r->items[PROBE_LSM_BPF];
	char list[256] = "";
	char mnt[256];

	if (probe_find_mount(root, "securityfs", mnt, sizeof(mnt)) < 0 ||
	    probe_read_line(root, "/sys/kernel/security/lsm", list, sizeof(list)) < 0) {
		probe_fail(sfs, "securityfs is not mounted at /sys/kernel/security, so the active "
				"LSMs cannot be read: mount it with 'mount -t securityfs securityfs "
				"/sys/kernel/security'");
		probe_fail(lsm, "the active LSM list is unknown until securityfs is mounted");
		return;
	}
	snprintf(sfs->detail, sizeof(sfs->detail), "mounted at %s", mnt);
	snprintf(lsm->detail, sizeof(lsm->detail), "active LSMs: %s", list);
	for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "bpf") == 0)
			return;
	probe_fail(lsm, "the BPF LSM is not active (it is missing from "
			"/sys/kernel/security/lsm): boot with 'bpf' added to the lsm= kernel "
			"parameter, e.g. lsm=lockdown,capability,landlock,yama,apparmor,bpf, on a "
			"kernel built with CONFIG_BPF_LSM=y");
}

static void probe_lockdown(const char *root, struct probe_report *r)
{
	struct probe_item *it = &r->items[PROBE_LOCKDOWN];
	char mode[128] = "";

	if (!r->items[PROBE_SECURITYFS].ok) {
		snprintf(it->detail, sizeof(it->detail), "unknown until securityfs is mounted");
		return;
	}
	if (probe_read_line(root, "/sys/kernel/security/lockdown", mode, sizeof(mode)) < 0) {
		snprintf(it->detail, sizeof(it->detail), "no lockdown LSM");
		return;
	}
	/* "none [integrity] confidentiality": the bracketed word is the mode in force */
	if (sscanf(strchr(mode, '[') ? strchr(mode, '[') + 1 : mode, "%63[a-z]", it->detail) != 1)
		snprintf(it->detail, sizeof(it->detail), "%s", mode);
	if (strstr(mode, "[confidentiality]"))
		probe_fail(it, "kernel lockdown is in confidentiality mode, which refuses BPF LSM "
			       "programs and cannot be lowered at run time: boot with "
			       "lockdown=integrity or without lockdown (check whether Secure Boot "
			       "enforces it)");
}

static void probe_fs(const char *root, struct probe_report *r)
{
	struct probe_item *btf = &r->items[PROBE_BTF], *bpffs = &r->items[PROBE_BPFFS];
	struct probe_item *cg = &r->items[PROBE_CGROUP2];
	char path[512], mnt[256];

	snprintf(path, sizeof(path), "%s/sys/kernel/btf/vmlinux", root);
	if (access(path, R_OK) == 0)
		snprintf(btf->detail, sizeof(btf->detail), "/sys/kernel/btf/vmlinux");
	else
		probe_fail(btf, "the kernel exposes no BTF at /sys/kernel/btf/vmlinux, which "
				"Rampart's CO-RE programs need: use a kernel built with "
				"CONFIG_DEBUG_INFO_BTF=y (Debian, Ubuntu, RHEL and Fedora kernels are)");
	if (probe_find_mount(root, "bpf", mnt, sizeof(mnt)) == 0)
		snprintf(bpffs->detail, sizeof(bpffs->detail), "mounted at %s", mnt);
	else
		probe_fail(bpffs, "no BPF filesystem is mounted: mount it with "
				  "'mount -t bpf bpf /sys/fs/bpf'");
	if (probe_find_mount(root, "cgroup2", mnt, sizeof(mnt)) == 0) {
		snprintf(cg->detail, sizeof(cg->detail), "mounted at %s", mnt);
		snprintf(r->cgroup2_mount, sizeof(r->cgroup2_mount), "%s", mnt);
	} else {
		probe_fail(cg, "no cgroup v2 hierarchy is mounted, and policies select processes "
			       "by cgroup v2: mount it with 'mount -t cgroup2 none /sys/fs/cgroup' "
			       "or boot with systemd.unified_cgroup_hierarchy=1");
	}
}

int probe_kernel(const char *root, struct probe_report *r)
{
	struct utsname u;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < PROBE__COUNT; i++) {
		r->items[i].name = probe_names[i];
		r->items[i].ok = true;
	}
	if (probe_read_line(root, "/proc/sys/kernel/osrelease", r->kernel_release,
			    sizeof(r->kernel_release)) < 0 && uname(&u) == 0)
		snprintf(r->kernel_release, sizeof(r->kernel_release), "%s", u.release);
	probe_lsm(root, r);
	probe_lockdown(root, r);
	probe_fs(root, r);
	return probe_first_failure(r) ? -EOPNOTSUPP : 0;
}

int probe_lsm_load(struct probe_report *r)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC);
	struct probe_item *it = &r->items[PROBE_LSM_LOAD];
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id, fd, err;

	if (!vmlinux)
		return -ENOENT;	/* reported by the btf item */
	id = btf__find_by_name_kind(vmlinux, "bpf_lsm_file_open", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0) {
		probe_fail(it, "the kernel has no bpf_lsm_file_open hook: it was built without "
			       "CONFIG_BPF_LSM=y; use a kernel built with it");
		return -ENOENT;
	}
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "rp_probe", "GPL", insns, 2, &opts);
	if (fd >= 0) {
		close(fd);
		snprintf(it->detail, sizeof(it->detail), "a minimal LSM program loads");
		return 0;
	}
	err = -errno;
	snprintf(it->detail, sizeof(it->detail), "load failed: %s", strerror(-err));
	snprintf(it->hint, sizeof(it->hint), "the kernel refused to load a minimal BPF LSM "
		 "program (%s) although bpf is an active LSM and lockdown is '%s': %s",
		 strerror(-err),
		 r->items[PROBE_LOCKDOWN].detail[0] ? r->items[PROBE_LOCKDOWN].detail : "unknown",
		 err == -EPERM ? "a kernel lockdown or security policy of this host forbids BPF "
				 "LSM programs, so run Rampart on a node whose kernel allows them "
				 "(check with 'rampart probe')"
			       : "check 'rampart --verbose probe' and the kernel log");
	it->ok = false;
	return err;
}

const struct probe_item *probe_first_failure(const struct probe_report *r)
{
	for (int i = 0; i < PROBE__COUNT; i++)
		if (!r->items[i].ok)
			return &r->items[i];
	return NULL;
}
