// SPDX-License-Identifier: GPL-2.0
/*
 * rp-caps CAPS PROG [ARGS...]: runs PROG the way systemd runs a root service with
 * CapabilityBoundingSet=CAPS and NoNewPrivileges=yes (Kubernetes: capabilities.add
 * CAPS, drop ALL, allowPrivilegeEscalation false): every capability outside CAPS leaves
 * the bounding, inheritable and ambient sets, no_new_privs is set, and execve() then
 * gives root the bounding set as its permitted and effective sets.
 * CAPS is a comma- or space-separated list of names (CAP_BPF or bpf); "" keeps none.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

static const char *const cap_names[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid",
	"setuid", "setpcap", "linux_immutable", "net_bind_service", "net_broadcast",
	"net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio",
	"sys_chroot", "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease", "audit_write",
	"audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm",
	"block_suspend", "audit_read", "perfmon", "bpf", "checkpoint_restore",
};
#define CAP_NAMES_N ((int)(sizeof(cap_names) / sizeof(*cap_names)))

/* The set named by CAPS, or -1 with a message on an unknown name. */
static long long caps_parse(const char *caps)
{
	char *copy = strdup(caps), *save = NULL;
	long long set = 0;

	for (char *tok = strtok_r(copy, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		const char *name = strncasecmp(tok, "cap_", 4) == 0 ? tok + 4 : tok;
		int c = 0;

		while (c < CAP_NAMES_N && strcasecmp(name, cap_names[c]) != 0)
			c++;
		if (c == CAP_NAMES_N) {
			fprintf(stderr, "rp-caps: unknown capability '%s'\n", tok);
			free(copy);
			return -1;
		}
		set |= 1LL << c;
	}
	free(copy);
	return set;
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	long long keep;

	if (argc < 3) {
		fprintf(stderr, "usage: rp-caps CAPS PROG [ARGS...]\n");
		return 2;
	}
	keep = caps_parse(argv[1]);
	if (keep < 0)
		return 2;
	for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (!(keep & (1LL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) {
			perror("rp-caps: PR_CAPBSET_DROP");
			return 2;
		}
	if (syscall(SYS_capget, &hdr, data) < 0 ||
	    (data[0].inheritable = data[1].inheritable = 0, syscall(SYS_capset, &hdr, data) < 0) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		perror("rp-caps: setting the capability sets");
		return 2;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "rp-caps: cannot run '%s': %s\n", argv[2], strerror(errno));
	return 127;
}
