// SPDX-License-Identifier: GPL-2.0
/*
 * audit_format(): the exact JSON line a ring buffer event becomes, escaping, the
 * optional fields, and the events it refuses; audit_time()'s RFC 3339 form.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "unit.h"

/* 2026-01-02T03:04:05.000000007Z */
#define T_REAL_NS 1767323045000000007LL
#define T_BOOT_NS 987654321ULL

static const struct audit_context test_ctx = {
	.boot_to_real_ns = T_REAL_NS - (long long)T_BOOT_NS,
	.node = "node-1",
	.exe = "/usr/bin/cat",
	.cgroup = "/kubepods/pod-a",
};

static struct rp_event *new_event(const char *path)
{
	struct rp_event *ev = calloc(1, sizeof(*ev));

	ev->abi = RP_ABI_VERSION;
	ev->kind = RP_EV_FILE;
	ev->decision = RP_ACT_DENY;
	ev->pid = 1235;
	ev->tgid = 1234;
	ev->ppid = 1;
	ev->uid = 1000;
	ev->gid = 1001;
	ev->gen = 3;
	ev->rule_id = 1;
	ev->access = RP_ACC_READ | RP_ACC_WRITE;
	ev->time_boot_ns = T_BOOT_NS;
	ev->cgroup_id = 4242;
	memcpy(ev->comm, "cat", 4);
	ev->path_len = (__u16)strlen(path);
	memcpy(ev->path, path, ev->path_len + 1);
	return ev;
}

static size_t event_size(const struct rp_event *ev)
{
	return RP_EVENT_HDR_SIZE + ev->path_len + 1;
}

/* Formats ev with rule and frees it: audit_format()'s return, the line in *line. */
static int format_event(struct rp_event *ev, const struct compile_rule *rule, char **line)
{
	int ret;

	*line = NULL;
	ret = audit_format(ev, event_size(ev), rule, &test_ctx, line);
	free(ev);
	return ret;
}

static const struct compile_rule web_rule = { .policy = "web", .label = "file[0]" };

UNIT_TEST(audit_formats_known_event_exactly)
{
	char *line;
	int ret = format_event(new_event("/etc/shadow"), &web_rule, &line);
	char got[1024];

	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_STREQ(got, "{\"time\":\"2026-01-02T03:04:05.000000007Z\",\"schema\":1,"
		     "\"node\":\"node-1\",\"kind\":\"file\","
		     "\"decision\":\"deny\",\"mode\":\"enforce\",\"policy\":\"web\","
		     "\"rule\":\"file[0]\",\"generation\":3,\"pid\":1234,\"tid\":1235,\"ppid\":1,"
		     "\"uid\":1000,\"gid\":1001,\"comm\":\"cat\",\"exe\":\"/usr/bin/cat\","
		     "\"cgroup_id\":4242,\"cgroup\":\"/kubepods/pod-a\",\"container\":null,"
		     "\"path\":\"/etc/shadow\",\"access\":[\"read\",\"write\"]}", "JSON line");
}

UNIT_TEST(audit_reports_audit_decision_and_audit_mode)
{
	const struct compile_rule rule = { .policy = "trial", .label = "defaults.file",
					   .audit_mode = true };
	struct rp_event *ev = new_event("/tmp/x");
	char *line, got[1024];
	int ret;

	ev->decision = RP_ACT_AUDIT;
	ev->access = RP_ACC_APPEND | RP_ACC_CREATE | RP_ACC_TRUNCATE | RP_ACC_EXEC;
	ret = format_event(ev, &rule, &line);
	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"decision\":\"audit\",\"mode\":\"audit\",\"policy\":\"trial\","
			"\"rule\":\"defaults.file\",", "decision, mode and rule");
	ASSERT_CONTAINS(got, "\"access\":[\"append\",\"create\",\"truncate\",\"exec\"]}",
			"access names in bit order");
}

UNIT_TEST(audit_prints_null_policy_and_rule_for_unknown_rule)
{
	char *line, got[1024];
	int ret = format_event(new_event("/etc/shadow"), NULL, &line);

	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"decision\":\"deny\",\"mode\":\"enforce\",\"policy\":null,"
			"\"rule\":null,\"generation\":3,", "null policy and rule");
}

UNIT_TEST(audit_escapes_quote_and_newline_in_path)
{
	char *line, got[1024];
	int ret = format_event(new_event("/tmp/a\"b\nc\\d\x01"), &web_rule, &line);

	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"path\":\"/tmp/a\\\"b\\nc\\\\d\\u0001\",\"access\"", "escaped path");
	ASSERT_TRUE(strchr(got, '\n') == NULL, "one line");
}

UNIT_TEST(audit_prints_full_16_byte_comm)
{
	struct rp_event *ev = new_event("/etc/shadow");
	char *line, got[1024];
	int ret;

	memcpy(ev->comm, "abcdefghijklmnop", RP_COMM_LEN);
	ret = format_event(ev, &web_rule, &line);
	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"comm\":\"abcdefghijklmnop\",\"exe\":",
			"16-char comm");
}

UNIT_TEST(audit_stops_comm_at_nul)
{
	struct rp_event *ev = new_event("/etc/shadow");
	char *line, got[1024];
	int ret;

	memcpy(ev->comm, "sh\0garbagegarba", RP_COMM_LEN);
	ret = format_event(ev, &web_rule, &line);
	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"comm\":\"sh\",", "comm up to the NUL");
}

UNIT_TEST(audit_prints_full_64_bit_cgroup_id)
{
	struct rp_event *ev = new_event("/etc/shadow");
	char *line, got[1024];
	int ret;

	ev->cgroup_id = 0xffffffffffffffffULL;
	ev->uid = 4294967295u;
	ret = format_event(ev, &web_rule, &line);
	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"cgroup_id\":18446744073709551615,", "unsigned cgroup id");
	ASSERT_CONTAINS(got, "\"uid\":4294967295,", "unsigned uid");
}

/* audit_format() on ev with the given size must refuse and leave *line alone. */
static int format_bad(struct rp_event *ev, size_t size, char **line)
{
	int ret = audit_format(ev, size, &web_rule, &test_ctx, line);

	free(ev);
	return ret;
}

UNIT_TEST(audit_rejects_malformed_events)
{
	char *line = NULL;
	struct rp_event *ev;

	ASSERT_EQ(format_bad(new_event("/x"), 0, &line), -EBADMSG, "size 0");
	ASSERT_EQ(format_bad(new_event("/x"), RP_EVENT_HDR_SIZE - 1, &line), -EBADMSG,
		  "size below header");
	ASSERT_EQ(format_bad(new_event(""), RP_EVENT_HDR_SIZE, &line), -EBADMSG,
		  "no room for the path's NUL");
	ev = new_event("/x");
	ev->abi = RP_ABI_VERSION + 1;
	ASSERT_EQ(format_bad(ev, event_size(ev), &line), -EBADMSG, "foreign abi");
	ev = new_event("/x");
	ev->kind = RP_EV_NET + 1;
	ASSERT_EQ(format_bad(ev, event_size(ev), &line), -EBADMSG, "unknown kind");
	ev = new_event("/etc/shadow");
	ASSERT_EQ(format_bad(ev, RP_EVENT_HDR_SIZE + 5 + 1, &line), -EBADMSG,
		  "path_len past the data");
	ev = new_event("/etc/shadow");
	ASSERT_EQ(format_bad(ev, RP_EVENT_HDR_SIZE + 11, &line), -EBADMSG,
		  "path_len leaves no NUL");
	ev = new_event("/x");
	ev->path_len = 65535;
	ASSERT_EQ(format_bad(ev, sizeof(*ev), &line), -EBADMSG, "path_len beyond RP_PATH_MAX");
	ASSERT_TRUE(line == NULL, "no line for a malformed event");
}

UNIT_TEST(audit_adds_error_for_unresolved_path)
{
	struct rp_event *ev = new_event("");
	char *line, got[1024];
	int ret;

	ev->flags = RP_EVF_PATH_ERROR;
	ev->error = -ENAMETOOLONG;
	ev->access = RP_ACC_READ;
	ret = format_event(ev, &web_rule, &line);
	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"path\":\"\",\"access\":[\"read\"],"
			"\"error\":\"File name too long\"}", "error after access");
}

UNIT_TEST(audit_omits_error_without_path_error_flag)
{
	struct rp_event *ev = new_event("/etc/shadow");
	char *line, got[1024];
	int ret;

	ev->error = -ENAMETOOLONG;
	ret = format_event(ev, &web_rule, &line);
	ASSERT_OK(ret, "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_TRUE(strstr(got, "\"error\"") == NULL, "no error field");
	ASSERT_CONTAINS(got, "\"access\":[\"read\",\"write\"]}", "line ends with access");
}

UNIT_TEST(audit_time_prints_nine_digit_nanoseconds)
{
	char buf[48];

	ASSERT_STREQ(audit_time(T_REAL_NS, buf, sizeof(buf)), "2026-01-02T03:04:05.000000007Z",
		     "7 ns");
	ASSERT_STREQ(audit_time(1767323045123456789LL, buf, sizeof(buf)),
		     "2026-01-02T03:04:05.123456789Z", "all nine digits");
	ASSERT_STREQ(audit_time(0, buf, sizeof(buf)), "1970-01-01T00:00:00.000000000Z", "epoch");
	ASSERT_STREQ(audit_time(951782400999999999LL, buf, sizeof(buf)),
		     "2000-02-29T00:00:00.999999999Z", "leap day");
}

static __u64 identity_of(const struct rp_event *ev, const struct rp_hash_key *key)
{
	__u64 id = 0;

	if (audit_event_identity(ev, event_size(ev), key, &id))
		return 0;
	return id;
}

UNIT_TEST(audit_identity_ignores_time_and_thread_only)
{
	static const struct rp_hash_key key = { 1, 2 }, other_key = { 3, 4 };
	struct rp_event *a = new_event("/etc/shadow"), *b = new_event("/etc/shadow");
	__u64 base = identity_of(a, &key);

	ASSERT_TRUE(base != 0, "identity computed");
	b->time_boot_ns += 5000;
	b->pid = 9999;
	ASSERT_EQ(identity_of(b, &key), base, "time and tid do not count");
	b->tgid = 4321;
	ASSERT_TRUE(identity_of(b, &key) != base, "another process differs");
	b->tgid = a->tgid;
	b->rule_id = 2;
	ASSERT_TRUE(identity_of(b, &key) != base, "another rule differs");
	b->rule_id = a->rule_id;
	b->access = RP_ACC_READ;
	ASSERT_TRUE(identity_of(b, &key) != base, "another access differs");
	free(b);
	b = new_event("/etc/shadoW");
	ASSERT_TRUE(identity_of(b, &key) != base, "another path differs");
	ASSERT_TRUE(identity_of(a, &other_key) != base, "keyed");
	b->abi = 0;
	ASSERT_EQ(audit_event_identity(b, event_size(b), &key, &base), -EBADMSG,
		  "foreign ABI refused");
	free(a);
	free(b);
}

/* A network event of the given operation and socket; its peer set by the caller. */
static struct rp_event *new_net_event(const char *unix_name, __u8 flags, __u8 op,
				      __u16 family, __u16 type, __u16 protocol)
{
	struct rp_event *ev = new_event(unix_name);

	ev->kind = RP_EV_NET;
	ev->flags = flags;
	memset(&ev->net, 0, sizeof(ev->net));
	ev->net.op = op;
	ev->net.family = family;
	ev->net.type = type;
	ev->net.protocol = protocol;
	return ev;
}

UNIT_TEST(audit_formats_network_events)
{
	struct rp_event *ev = new_net_event("", RP_EVF_INET, RP_NET_CONNECT, 2, 1, 6);
	const struct compile_rule rule = { .policy = "net", .label = "network[2]" };
	char *line, got[1024];

	ev->net.port = 443;
	ev->net.addr[10] = ev->net.addr[11] = 0xff;
	ev->net.addr[12] = 10;
	ev->net.addr[15] = 7;
	ASSERT_OK(format_event(ev, &rule, &line), "audit_format");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"kind\":\"network\",\"decision\":\"deny\"", "kind");
	ASSERT_CONTAINS(got, "\"cgroup\":\"/kubepods/pod-a\",\"container\":null,\"operation\":\"connect\","
			"\"family\":\"inet\",\"type\":\"stream\",\"protocol\":\"tcp\","
			"\"address\":\"10.0.0.7\",\"port\":443}", "inet object, no path or access");

	ev = new_net_event("@abs\x01", RP_EVF_UNIX, RP_NET_CONNECT, 1, 2, 0);
	ASSERT_OK(format_event(ev, &rule, &line), "audit_format unix");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"operation\":\"connect\",\"family\":\"unix\",\"type\":\"dgram\","
			"\"address\":\"@abs\\u0001\"}", "unix peer name, escaped, no protocol");

	ev = new_net_event("", RP_EVF_INET, RP_NET_BIND, 10, 2, 17);
	ev->net.addr[15] = 1;
	ev->net.port = 53;
	ASSERT_OK(format_event(ev, &rule, &line), "audit_format inet6");
	snprintf(got, sizeof(got), "%s", line);
	free(line);
	ASSERT_CONTAINS(got, "\"operation\":\"bind\",\"family\":\"inet6\",\"type\":\"dgram\","
			"\"protocol\":\"udp\",\"address\":\"::1\",\"port\":53}", "inet6 object");
}

UNIT_TEST(audit_prefers_the_kernels_executable)
{
	struct rp_event *ev = new_event("/etc/shadow");
	char *line = NULL, got[1024];
	size_t size;

	memcpy(ev->path + ev->path_len + 1, "/usr/bin/kcat", 14);
	ev->exe_len = 13;
	ev->flags |= RP_EVF_EXE;
	size = event_size(ev) + 14;
	ASSERT_OK(audit_format(ev, size, &web_rule, &test_ctx, &line), "audit_format");
	snprintf(got, sizeof(got), "%s", line ? line : "");
	free(line);
	ASSERT_CONTAINS(got, "\"comm\":\"cat\",\"exe\":\"/usr/bin/kcat\",", "kernel's exe, not /proc's");
	ASSERT_CONTAINS(got, "\"path\":\"/etc/shadow\",", "object path unchanged");
	line = NULL;
	ASSERT_EQ(audit_format(ev, size - 1, &web_rule, &test_ctx, &line), -EBADMSG,
		  "exe past the data refused");
	ASSERT_TRUE(line == NULL, "no line for a malformed event");
	free(ev);
}

UNIT_TEST(audit_names_the_container)
{
	static const struct policy_container web = { "c0ffee", "prod", "web-7d9f", "nginx",
						     "docker.io/library/nginx:1.25" };
	struct audit_context ctx = test_ctx;
	struct rp_event *ev;
	char *line = NULL;

	ctx.container = &web;
	ev = new_event("/etc/shadow");
	ASSERT_OK(audit_format(ev, event_size(ev), &web_rule, &ctx, &line), "bound: audit_format");
	free(ev);
	ASSERT_CONTAINS(line, "\"container\":{\"id\":\"c0ffee\",\"name\":\"nginx\","
			"\"pod\":\"web-7d9f\",\"namespace\":\"prod\",\"image\":"
			"\"docker.io/library/nginx:1.25\"}", "bound container named");
	free(line);
	line = NULL;
	ctx.container = NULL;
	ctx.cgroup = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod"
		     "1b2c3d4e_0000_4000_8000_00000000abcd.slice/cri-containerd-"
		     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope";
	ev = new_event("/etc/shadow");
	ASSERT_OK(audit_format(ev, event_size(ev), &web_rule, &ctx, &line), "kubelet: audit_format");
	free(ev);
	ASSERT_CONTAINS(line, "\"container\":{\"id\":\"0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef\",\"pod_uid\":"
			"\"1b2c3d4e-0000-4000-8000-00000000abcd\"}", "kubelet path: id and pod UID");
	free(line);
}

/* What json-c, the stream's original writer, makes of s[0..n) as a JSON string. */
static char *json_c_string(const char *s, size_t n)
{
	json_object *o = json_object_new_string_len(s, (int)n);
	char *out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							     JSON_C_TO_STRING_NOSLASHESCAPE));

	json_object_put(o);
	return out;
}

/* The path member of ev's line, "\"path\":...,\"access\"", as the test expects it. */
static int path_member_is(struct rp_event *ev, const char *want_string, char **line)
{
	int ret = audit_format(ev, event_size(ev), &web_rule, &test_ctx, line);
	size_t size = strlen(want_string) + 32;
	char *want = malloc(size);

	if (ret || !want) {
		free(want);
		return ret ? ret : -ENOMEM;
	}
	snprintf(want, size, "\"path\":%s,\"access\"", want_string);
	ret = strstr(*line, want) ? 0 : -EINVAL;
	free(want);
	return ret;
}

UNIT_TEST(audit_writes_every_ascii_byte_as_json_c_does)
{
	for (int c = 0; c < 0x80; c++) {
		struct rp_event *ev = new_event("a_b");
		char *want, *line = NULL, check[32];
		int ret;

		ev->path[1] = (char)c;
		want = json_c_string(ev->path, 3);
		ret = path_member_is(ev, want, &line);
		snprintf(check, sizeof(check), "byte 0x%02x", c);
		if (ret)
			fprintf(stderr, "  line: %s\n  json-c: %s\n", line ? line : "(none)", want);
		free(want);
		free(line);
		free(ev);
		ASSERT_OK(ret, check);
	}
}

/*
 * Whether line is one JSON object that a strict parser takes (RFC 8259: valid UTF-8)
 * and, when path_hex is present, whether it holds path's exact bytes.
 */
static bool line_is_strict_json(const char *line, const char *path, size_t path_len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o, *hex;
	bool ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)strlen(line) + 1);
	ok = o && json_tokener_get_error(tok) == json_tokener_success &&
	     json_object_is_type(o, json_type_object);
	if (ok && json_object_object_get_ex(o, "path_hex", &hex)) {
		const char *h = json_object_get_string(hex);

		ok = strlen(h) == 2 * path_len;
		for (size_t i = 0; ok && i < path_len; i++) {
			unsigned int b;

			ok = sscanf(h + 2 * i, "%2x", &b) == 1 && b == (unsigned char)path[i];
		}
	}
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

/*
 * Frees ev after checking its line: the path member is want, path_hex is present when
 * hex is (and then holds the exact bytes), and the line is strict JSON.
 */
static int path_member_checked(struct rp_event *ev, const char *want, bool hex)
{
	char *line = NULL;
	int ret = path_member_is(ev, want, &line);

	if (!ret && (hex != (strstr(line, "\"path_hex\"") != NULL) ||
		     !line_is_strict_json(line, ev->path, ev->path_len)))
		ret = -EINVAL;
	if (ret)
		fprintf(stderr, "  line: %s\n  want: %s\n", line ? line : "(none)", want);
	free(line);
	free(ev);
	return ret;
}

UNIT_TEST(audit_writes_a_byte_outside_utf8_as_ufffd_and_adds_the_hex)
{
	for (int c = 0x80; c < 0x100; c++) {
		static const char hex[] = "0123456789abcdef";
		struct rp_event *ev = new_event("a_b");
		char want[64], check[48];

		ev->path[1] = (char)c;
		snprintf(want, sizeof(want), "\"a\\ufffdb\",\"path_hex\":\"61%c%c62\"",
			 hex[c >> 4], hex[c & 0xf]);
		snprintf(check, sizeof(check), "byte 0x%02x alone", c);
		ASSERT_OK(path_member_checked(ev, want, true), check);
	}
}

UNIT_TEST(audit_writes_well_formed_utf8_as_json_c_does)
{
	/* The first and last code point of each length and around the surrogates. */
	static const char *const good[] = {
		"\xc2\x80", "\xc3\xa9", "\xdf\xbf", "\xe0\xa0\x80", "\xe2\x82\xac", "\xed\x9f\xbf",
		"\xee\x80\x80", "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf0\x9d\x84\x9e",
		"\xf3\xbf\xbf\xbf", "\xf4\x8f\xbf\xbf", "/srv/caf\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct rp_event *ev = new_event(good[i]);
		char *want = json_c_string(ev->path, ev->path_len), check[48];
		int ret = path_member_checked(ev, want, false);

		free(want);
		snprintf(check, sizeof(check), "well-formed string %zu", i);
		ASSERT_OK(ret, check);
	}
}

UNIT_TEST(audit_replaces_each_byte_of_ill_formed_utf8)
{
	/* RFC 3629 refuses overlong forms, surrogates, code points past U+10FFFF, cut
	 * sequences and stray continuation bytes: each of their bytes is one U+FFFD. */
	static const struct {
		const char *in, *path, *hex;
	} bad[] = {
		{ "\xc0\x80", "\\ufffd\\ufffd", "c080" },
		{ "\xc1\xbf", "\\ufffd\\ufffd", "c1bf" },
		{ "\xe0\x9f\xbf", "\\ufffd\\ufffd\\ufffd", "e09fbf" },
		{ "\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd", "eda080" },
		{ "\xf0\x8f\xbf\xbf", "\\ufffd\\ufffd\\ufffd\\ufffd", "f08fbfbf" },
		{ "\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd", "f4908080" },
		{ "\xf5\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd", "f5808080" },
		{ "\xe2\x82", "\\ufffd\\ufffd", "e282" },
		{ "\xe2\x82" "A", "\\ufffd\\ufffdA", "e28241" },
		{ "\xf0\x9d\x84", "\\ufffd\\ufffd\\ufffd", "f09d84" },
		{ "\xe2\xc3\xa9", "\\ufffd\xc3\xa9", "e2c3a9" },
		{ "/tmp/\xc3\xa9\xff.txt", "/tmp/\xc3\xa9\\ufffd.txt", "2f746d702fc3a9ff2e747874" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128], check[48];

		snprintf(want, sizeof(want), "\"%s\",\"path_hex\":\"%s\"", bad[i].path, bad[i].hex);
		snprintf(check, sizeof(check), "ill-formed string %zu", i);
		ASSERT_OK(path_member_checked(new_event(bad[i].in), want, true), check);
	}
}

UNIT_TEST(audit_writes_a_longest_ill_formed_path_whole)
{
	struct rp_event *ev = new_event("/x");
	char *line = NULL;
	int ret;

	memset(ev->path, 0xff, RP_PATH_MAX - 1);	/* 6 + 2 bytes written each */
	ev->path[RP_PATH_MAX - 1] = '\0';
	ev->path_len = RP_PATH_MAX - 1;
	ret = audit_format(ev, event_size(ev), &web_rule, &test_ctx, &line);
	ASSERT_OK(ret, "audit_format");
	ASSERT_TRUE(strlen(line) > 8 * (RP_PATH_MAX - 1), "every byte replaced and in hex");
	ASSERT_TRUE(line_is_strict_json(line, ev->path, ev->path_len),
		    "strict JSON, path_hex the exact bytes");
	free(line);
	free(ev);
}

UNIT_TEST(audit_adds_the_hex_of_every_ill_formed_member)
{
	const struct policy_container bound = {
		.id = "c1", .ns = "prod", .pod = "web\xfe", .name = "nginx", .image = "x",
	};
	struct audit_context ctx = test_ctx;
	struct rp_event *ev = new_event("/ok");
	char *line = NULL;

	memcpy(ev->comm, "c\x80", 3);
	ctx.exe = "/bin/\xff";
	ctx.cgroup = "/cg\xc0";
	ctx.container = &bound;
	ASSERT_OK(audit_format(ev, event_size(ev), &web_rule, &ctx, &line), "audit_format");
	free(ev);
	ASSERT_CONTAINS(line, "\"comm\":\"c\\ufffd\",\"comm_hex\":\"6380\",", "comm");
	ASSERT_CONTAINS(line, "\"exe\":\"/bin/\\ufffd\",\"exe_hex\":\"2f62696e2fff\",", "exe");
	ASSERT_CONTAINS(line, "\"cgroup\":\"/cg\\ufffd\",\"cgroup_hex\":\"2f6367c0\",", "cgroup");
	ASSERT_CONTAINS(line, "\"pod\":\"web\\ufffd\",\"pod_hex\":\"776562fe\",",
			"container annotation");
	ASSERT_CONTAINS(line, "\"path\":\"/ok\",\"access\"", "a well-formed path has no hex");
	ASSERT_TRUE(line_is_strict_json(line, NULL, 0), "strict JSON");
	free(line);

	ev = new_net_event("/run/\xef.sock", RP_EVF_UNIX, RP_NET_CONNECT, 1, 1, 0);
	ASSERT_OK(format_event(ev, &web_rule, &line), "audit_format unix");
	ASSERT_CONTAINS(line, "\"address\":\"/run/\\ufffd.sock\",\"address_hex\":"
			"\"2f72756e2fef2e736f636b\"}", "unix peer name");
	ASSERT_TRUE(line_is_strict_json(line, NULL, 0), "strict JSON, unix");
	free(line);
}

UNIT_TEST(audit_writes_a_longest_path_of_escapes_whole)
{
	struct rp_event *ev = new_event("/x");
	char *want, *line = NULL;
	int ret;

	for (int i = 0; i < RP_PATH_MAX - 1; i++)
		ev->path[i] = (char)(i % 2 ? 0x01 : '"');	/* 6 and 2 bytes written each */
	ev->path_len = RP_PATH_MAX - 1;
	want = json_c_string(ev->path, ev->path_len);
	ret = path_member_is(ev, want, &line);
	ASSERT_TRUE(line != NULL, "a line for the longest path");
	ASSERT_EQ(strlen(line) > 4 * (RP_PATH_MAX - 1), 1, "every byte escaped");
	free(want);
	free(line);
	free(ev);
	ASSERT_OK(ret, "the path as json-c writes it");
}

UNIT_TEST(audit_formats_exec_event_exactly)
{
	struct rp_event *ev = new_event("/memfd:x (deleted)");
	char *line = NULL;
	size_t size;

	ev->kind = RP_EV_EXEC;
	ev->access = 0;
	ev->flags = RP_EVF_FILELESS | RP_EVF_PARENT_ERROR | RP_EVF_EXE;
	ev->error = -ENOENT;
	memcpy(ev->path + ev->path_len + 1, "/bin/sh", 8);
	ev->exe_len = 7;
	size = event_size(ev) + 8;
	ASSERT_OK(audit_format(ev, size, NULL, &test_ctx, &line), "audit_format");
	free(ev);
	ASSERT_STREQ(line, "{\"time\":\"2026-01-02T03:04:05.000000007Z\",\"schema\":1,"
		     "\"node\":\"node-1\",\"kind\":\"exec\",\"decision\":\"deny\","
		     "\"mode\":\"enforce\",\"policy\":null,\"rule\":null,\"generation\":3,"
		     "\"pid\":1234,\"tid\":1235,\"ppid\":1,\"uid\":1000,\"gid\":1001,"
		     "\"comm\":\"cat\",\"exe\":\"/bin/sh\",\"cgroup_id\":4242,"
		     "\"cgroup\":\"/kubepods/pod-a\",\"container\":null,"
		     "\"path\":\"/memfd:x (deleted)\",\"fileless\":true,"
		     "\"parent_error\":\"No such file or directory\"}", "exec line, no access");
	free(line);
}

UNIT_TEST(audit_writes_unnamed_network_values_as_numbers)
{
	struct rp_event *ev = new_net_event("", RP_EVF_INET, RP_NET_CONNECT, 2, 99, 253);
	char *line = NULL;

	ev->net.addr[10] = ev->net.addr[11] = 0xff;
	ev->net.port = 65535;
	ASSERT_OK(audit_format(ev, event_size(ev), NULL, &test_ctx, &line), "audit_format");
	free(ev);
	ASSERT_CONTAINS(line, "\"family\":\"inet\",\"type\":99,\"protocol\":253,"
			"\"address\":\"0.0.0.0\",\"port\":65535}", "numbers where no name");
	free(line);
}

UNIT_TEST(audit_needs_proc_only_without_the_kernels_executable)
{
	struct rp_event *ev = new_event("/etc/shadow");

	ASSERT_TRUE(audit_event_needs_exe(ev, event_size(ev)), "no exe: read /proc");
	memcpy(ev->path + ev->path_len + 1, "/bin/cat", 9);
	ev->exe_len = 8;
	ev->flags |= RP_EVF_EXE;
	ASSERT_TRUE(!audit_event_needs_exe(ev, event_size(ev) + 9), "kernel's exe: no /proc");
	ASSERT_TRUE(!audit_event_needs_exe(ev, 3), "malformed: nothing to read");
	free(ev);
}
