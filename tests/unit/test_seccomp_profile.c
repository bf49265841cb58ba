// SPDX-License-Identifier: GPL-2.0
/*
 * seccomp profiles from a policy's syscalls section: the JSON a runtime reads (built,
 * written, parsed back with json-c), errno numbers, audit mode, the calls a container
 * needs to start, and the file the command writes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "policy.h"
#include "seccomp_profile.h"
#include "unit.h"

#define HDR "\"apiVersion\": \"rampart.dev/v1\", \"name\": \"web\", " \
	    "\"selector\": {\"cgroups\": [\"/demo\"]}"
#define DENY_LIST "\"syscalls\": {\"deny\": [\"ptrace\", \"bpf\", \"mount\", \"kexec_load\"]}"
#define ALLOW_LIST "\"syscalls\": {\"default\": \"deny\", \"errno\": \"EACCES\", " \
		   "\"allow\": [\"write\", \"read\", \"exit_group\", \"execve\"]}"

static struct policy *parse(const char *doc)
{
	struct policy_error e = { "" };
	struct policy *p = NULL;

	if (policy_parse_string(doc, "web.json", &p, &e))
		fprintf(stderr, "  parse: %s\n", e.msg);
	return p;
}

/* The profile as the runtime sees it: built, printed, and parsed back. */
static json_object *profile_of(const char *doc)
{
	struct policy *p = parse(doc);
	json_object *built = NULL, *back = NULL;

	if (p && seccomp_profile_json(p, &built) == 0)
		back = json_tokener_parse(json_object_to_json_string_ext(built,
									 JSON_C_TO_STRING_PRETTY));
	json_object_put(built);
	policy_free(p);
	return back;
}

static json_object *key(json_object *o, const char *k)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static const char *str(json_object *o, const char *k)
{
	return json_object_get_string(key(o, k));
}

/* The names of the one rule, joined with ',' into buf. */
static const char *rule_names(json_object *rule, char *buf, size_t size)
{
	json_object *names = key(rule, "names");
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(names) && o < size; i++)
		o += snprintf(buf + o, size - o, "%s%s", i ? "," : "",
			      json_object_get_string(json_object_array_get_idx(names, i)));
	return buf;
}

static json_object *only_rule(json_object *profile)
{
	json_object *rules = key(profile, "syscalls");

	return json_object_array_length(rules) == 1 ? json_object_array_get_idx(rules, 0) : NULL;
}

UNIT_TEST(profile_deny_list_refuses_the_names_with_an_errno)
{
	json_object *prof = profile_of("{" HDR ", " DENY_LIST "}"), *archs, *rule;
	char names[256];

	ASSERT_TRUE(prof != NULL, "profile built and parsed back");
	ASSERT_STREQ(str(prof, "defaultAction"), "SCMP_ACT_ALLOW", "default allows");
	ASSERT_TRUE(key(prof, "defaultErrnoRet") == NULL, "no default errno for allow");
	archs = key(prof, "architectures");
	ASSERT_EQ(json_object_array_length(archs), 3, "three architectures");
	ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(archs, 0)),
		     "SCMP_ARCH_X86_64", "native first");
	ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(archs, 1)),
		     "SCMP_ARCH_X86", "32-bit");
	ASSERT_STREQ(json_object_get_string(json_object_array_get_idx(archs, 2)),
		     "SCMP_ARCH_X32", "x32");
	rule = only_rule(prof);
	ASSERT_TRUE(rule != NULL, "one rule");
	ASSERT_STREQ(rule_names(rule, names, sizeof(names)), "bpf,kexec_load,mount,ptrace",
		     "names sorted");
	ASSERT_STREQ(str(rule, "action"), "SCMP_ACT_ERRNO", "refused with an errno");
	ASSERT_EQ(json_object_get_int(key(rule, "errnoRet")), EPERM, "EPERM by default");
	ASSERT_EQ(json_object_object_length(prof), 3, "no other top-level key");
	ASSERT_EQ(json_object_object_length(rule), 3, "no other rule key");
	json_object_put(prof);
}

UNIT_TEST(profile_allow_list_refuses_everything_else)
{
	json_object *prof = profile_of("{" HDR ", " ALLOW_LIST "}"), *rule;
	char names[256];

	ASSERT_TRUE(prof != NULL, "profile built and parsed back");
	ASSERT_STREQ(str(prof, "defaultAction"), "SCMP_ACT_ERRNO", "default refuses");
	ASSERT_EQ(json_object_get_int(key(prof, "defaultErrnoRet")), EACCES, "with EACCES");
	rule = only_rule(prof);
	ASSERT_TRUE(rule != NULL, "one rule");
	ASSERT_STREQ(rule_names(rule, names, sizeof(names)), "execve,exit_group,read,write",
		     "names sorted");
	ASSERT_STREQ(str(rule, "action"), "SCMP_ACT_ALLOW", "listed calls allowed");
	ASSERT_TRUE(key(rule, "errnoRet") == NULL, "no errno for allow");
	ASSERT_EQ(json_object_object_length(prof), 4, "no other top-level key");
	json_object_put(prof);
}

UNIT_TEST(profile_errno_numbers)
{
	static const struct {
		const char *name;
		int value;
	} want[] = { { "EPERM", 1 }, { "EACCES", 13 }, { "ENOSYS", 38 } };
	char doc[512];
	json_object *prof;

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(doc, sizeof(doc), "{" HDR ", \"syscalls\": {\"deny\": [\"ptrace\"], "
			 "\"errno\": \"%s\"}}", want[i].name);
		prof = profile_of(doc);
		ASSERT_TRUE(prof != NULL, "deny-list profile");
		ASSERT_EQ(json_object_get_int(key(only_rule(prof), "errnoRet")), want[i].value,
			  "errnoRet number");
		json_object_put(prof);
		snprintf(doc, sizeof(doc), "{" HDR ", \"syscalls\": {\"default\": \"deny\", "
			 "\"allow\": [\"read\"], \"errno\": \"%s\"}}", want[i].name);
		prof = profile_of(doc);
		ASSERT_TRUE(prof != NULL, "allow-list profile");
		ASSERT_EQ(json_object_get_int(key(prof, "defaultErrnoRet")), want[i].value,
			  "defaultErrnoRet number");
		json_object_put(prof);
	}
}

UNIT_TEST(profile_in_audit_mode_logs_instead_of_refusing)
{
	json_object *prof = profile_of("{" HDR ", \"mode\": \"audit\", " DENY_LIST "}");

	ASSERT_TRUE(prof != NULL, "deny-list profile");
	ASSERT_STREQ(str(prof, "defaultAction"), "SCMP_ACT_ALLOW", "default allows");
	ASSERT_STREQ(str(only_rule(prof), "action"), "SCMP_ACT_LOG", "listed calls logged");
	ASSERT_TRUE(key(only_rule(prof), "errnoRet") == NULL, "no errno for log");
	json_object_put(prof);
	prof = profile_of("{" HDR ", \"mode\": \"audit\", " ALLOW_LIST "}");
	ASSERT_TRUE(prof != NULL, "allow-list profile");
	ASSERT_STREQ(str(prof, "defaultAction"), "SCMP_ACT_LOG", "other calls logged");
	ASSERT_TRUE(key(prof, "defaultErrnoRet") == NULL, "no default errno for log");
	ASSERT_STREQ(str(only_rule(prof), "action"), "SCMP_ACT_ALLOW", "listed calls allowed");
	json_object_put(prof);
}

UNIT_TEST(profile_needs_a_syscalls_section)
{
	struct policy *p = parse("{" HDR ", \"exec\": [{\"fileless\": true, "
				 "\"action\": \"deny\"}]}");
	json_object *sentinel = (json_object *)&p, *prof = sentinel;

	ASSERT_TRUE(p != NULL, "parse");
	ASSERT_EQ(seccomp_profile_json(p, &prof), -ENODATA, "no section: -ENODATA");
	ASSERT_TRUE(prof == sentinel, "ret_profile untouched");
	policy_free(p);
}

UNIT_TEST(profile_missing_start_calls)
{
	struct policy *p = parse("{" HDR ", " ALLOW_LIST "}");
	char buf[SECCOMP_PROFILE_MISSING_MAX], small[12];

	ASSERT_TRUE(p != NULL, "parse");
	ASSERT_EQ(seccomp_profile_missing(p, buf, sizeof(buf)), 3, "three lacking");
	ASSERT_STREQ(buf, "brk, mmap, rt_sigreturn", "named in order");
	ASSERT_EQ(seccomp_profile_missing(p, small, sizeof(small)), 3, "counted in a small buffer");
	ASSERT_STREQ(small, "brk, mmap", "whole names only");
	p->audit_mode = true;
	ASSERT_EQ(seccomp_profile_missing(p, buf, sizeof(buf)), 0, "audit mode refuses nothing");
	ASSERT_STREQ(buf, "", "empty list");
	policy_free(p);
	p = parse("{" HDR ", \"syscalls\": {\"default\": \"deny\", \"allow\": [\"rt_sigreturn\", "
		  "\"mmap\", \"brk\", \"exit_group\", \"execve\", \"read\"]}}");
	ASSERT_TRUE(p != NULL, "parse complete list");
	ASSERT_EQ(seccomp_profile_missing(p, buf, sizeof(buf)), 0, "nothing lacking");
	ASSERT_STREQ(buf, "", "nothing named");
	policy_free(p);
	p = parse("{" HDR ", \"syscalls\": {\"deny\": [\"execve\", \"brk\"]}}");
	ASSERT_TRUE(p != NULL, "parse deny list");
	ASSERT_EQ(seccomp_profile_missing(p, buf, sizeof(buf)), 0, "a deny list is not checked");
	policy_free(p);
}

/* ---- the file ------------------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static char *slurp(const char *path)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (getdelim(&text, &size, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/* A file of mode mode, longer than any profile here. */
static int put(const char *path, mode_t mode)
{
	static char junk[8192];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode), r;

	if (fd < 0)
		return -errno;
	memset(junk, 'x', sizeof(junk));
	r = write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk) ? 0 : -EIO;
	close(fd);
	return r;
}

static json_object *deny_list_profile(void)
{
	struct policy *p = parse("{" HDR ", " DENY_LIST "}");
	json_object *prof = NULL;

	if (p)
		seccomp_profile_json(p, &prof);
	policy_free(p);
	return prof;
}

UNIT_TEST(profile_write_replaces_the_file_with_mode_0644)
{
	char dir[] = "/tmp/rampart-unit-XXXXXX", path[600], tmp[600], *text = NULL;
	json_object *prof = deny_list_profile(), *back = NULL;
	mode_t old_umask;
	struct stat st;
	int r;

	ASSERT_TRUE(prof != NULL, "profile");
	ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/web.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/web.json.tmp", dir);
	/* an earlier profile, mode 0600, and a .tmp left by a crash, both longer than the new */
	r = put(path, 0600);
	if (!r)
		r = put(tmp, 0600);
	old_umask = umask(077);
	if (!r)
		r = seccomp_profile_write(prof, path);
	umask(old_umask);
	if (!r)
		r = lstat(path, &st) == 0 ? 0 : -errno;
	if (!r)
		text = slurp(path);
	back = text ? json_tokener_parse(text) : NULL;
	r = r ? r : access(tmp, F_OK) == 0 ? -EEXIST : 0;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ASSERT_OK(r, "written, nothing left at .tmp");
	ASSERT_TRUE(S_ISREG(st.st_mode), "a regular file");
	ASSERT_EQ(st.st_mode & 07777, 0644, "mode 0644 whatever the umask");
	ASSERT_TRUE(text && text[strlen(text) - 1] == '\n', "ends with a newline");
	ASSERT_CONTAINS(text, "\n  \"defaultAction\"", "indented");
	ASSERT_TRUE(back != NULL, "parses back");
	ASSERT_TRUE(json_object_equal(back, prof), "the same profile");
	free(text);
	json_object_put(back);
	json_object_put(prof);
}

UNIT_TEST(profile_write_refuses_to_replace_what_is_not_a_regular_file)
{
	char dir[] = "/tmp/rampart-unit-XXXXXX", path[600], tmp[600];
	json_object *prof = deny_list_profile();
	int r_link, r_fifo, r_dir, r_tmp, r_kept;
	struct stat st;

	ASSERT_TRUE(prof != NULL, "profile");
	ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/link", dir);
	r_link = symlink("/dev/null", path) == 0 ? seccomp_profile_write(prof, path) : -errno;
	r_kept = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? 0 : -ENOENT;
	snprintf(path, sizeof(path), "%s/fifo", dir);
	r_fifo = mkfifo(path, 0600) == 0 ? seccomp_profile_write(prof, path) : -errno;
	r_dir = seccomp_profile_write(prof, dir);
	snprintf(tmp, sizeof(tmp), "%s/fifo.tmp", dir);
	r_tmp = lstat(tmp, &st) == 0 ? -EEXIST : 0;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	json_object_put(prof);
	ASSERT_EQ(r_link, -EEXIST, "a symbolic link: -EEXIST");
	ASSERT_OK(r_kept, "the link is still there");
	ASSERT_EQ(r_fifo, -EEXIST, "a fifo: -EEXIST");
	ASSERT_EQ(r_dir, -EEXIST, "a directory: -EEXIST");
	ASSERT_OK(r_tmp, "no .tmp made");
}

UNIT_TEST(profile_write_failures_leave_nothing_behind)
{
	char dir[] = "/tmp/rampart-unit-XXXXXX", path[600], tmp[600];
	json_object *prof = deny_list_profile();
	int r_missing, r_link, r_target, r_tmp;
	struct stat st;

	ASSERT_TRUE(prof != NULL, "profile");
	ASSERT_TRUE(mkdtemp(dir) != NULL, "mkdtemp");
	snprintf(path, sizeof(path), "%s/none/web.json", dir);
	r_missing = seccomp_profile_write(prof, path);
	/* a link planted at FILE.tmp is not written through */
	snprintf(path, sizeof(path), "%s/web.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/web.json.tmp", dir);
	r_link = symlink(path, tmp) == 0 ? seccomp_profile_write(prof, path) : -errno;
	r_target = access(path, F_OK) == 0 ? -EEXIST : 0;
	r_tmp = lstat(tmp, &st) == 0 ? -EEXIST : 0;
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	json_object_put(prof);
	ASSERT_EQ(r_missing, -ENOENT, "missing directory: -ENOENT");
	ASSERT_EQ(r_link, -ELOOP, "link at .tmp: -ELOOP");
	ASSERT_OK(r_target, "the link's target was not created");
	ASSERT_OK(r_tmp, "nothing left at .tmp");
}
