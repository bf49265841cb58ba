// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "oci.h"

static const char *oci_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n >= OCI_ID_MAX)
		return false;
	return strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

int oci_state_parse(const char *json, struct oci_container *ret_c)
{
	json_object *o = json_tokener_parse(json), *pid;
	struct oci_container c = {};
	const char *id, *bundle, *status;
	int ret = -EINVAL;

	if (!o || !json_object_is_type(o, json_type_object))
		goto out;
	id = oci_str(o, "id");
	bundle = oci_str(o, "bundle");
	status = oci_str(o, "status");
	if (!id || !oci_id_valid(id) || !bundle || bundle[0] != '/' ||
	    strlen(bundle) >= sizeof(c.bundle) || !json_object_object_get_ex(o, "pid", &pid) ||
	    !json_object_is_type(pid, json_type_int) || json_object_get_int64(pid) <= 0 ||
	    json_object_get_int64(pid) > 0x3fffffff)
		goto out;
	if (status && strcmp(status, "creating") != 0 && strcmp(status, "created") != 0) {
		ret = -EPROTO;
		goto out;
	}
	snprintf(c.id, sizeof(c.id), "%s", id);
	snprintf(c.bundle, sizeof(c.bundle), "%s", bundle);
	c.pid = (pid_t)json_object_get_int64(pid);
	*ret_c = c;
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/* The whole file at path, NUL-terminated, at most max bytes; 0 or a negative errno. */
static int oci_slurp(const char *path, size_t max, char **ret_buf)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0, cap = 4096;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	while (buf && (n = read(fd, buf + len, cap - 1 - len)) > 0) {
		len += (size_t)n;
		if (len + 1 == cap) {
			char *b = cap > max ? NULL : realloc(buf, cap * 2);

			if (!b) {
				free(buf);
				close(fd);
				return cap > max ? -EFBIG : -ENOMEM;
			}
			buf = b;
			cap *= 2;
		}
	}
	close(fd);
	if (!buf)
		return -ENOMEM;
	if (n < 0 || len > max) {
		free(buf);
		return n < 0 ? -EIO : -EFBIG;
	}
	buf[len] = '\0';
	*ret_buf = buf;
	return 0;
}

int oci_bundle_read(const char *root, struct oci_container *c)
{
	char path[PATH_MAX * 2];
	json_object *o, *ann = NULL;
	struct k8s_identity id = {};
	char *text = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s%s/config.json", root, c->bundle);
	ret = oci_slurp(path, OCI_CONFIG_MAX, &text);
	if (ret)
		return ret;
	o = json_tokener_parse(text);
	free(text);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EINVAL;
	}
	json_object_object_get_ex(o, "annotations", &ann);
	ret = k8s_identity_from_annotations(ann, &id);
	json_object_put(o);
	if (ret == -ENOENT) {
		c->is_k8s = false;
		memset(&c->k8s, 0, sizeof(c->k8s));
		return 0;
	}
	if (ret)
		return ret;
	c->is_k8s = true;
	c->k8s = id;
	return 0;
}

int oci_cgroup_read(const char *root, struct oci_container *c)
{
	char path[PATH_MAX], *text = NULL, *line, *save = NULL;
	int ret;

	snprintf(path, sizeof(path), "%s/proc/%d/cgroup", root, (int)c->pid);
	ret = oci_slurp(path, 1 << 16, &text);
	if (ret)
		return ret;
	ret = -ENOENT;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "0::", 3) != 0 || line[3] != '/')
			continue;
		ret = strlen(line + 3) < sizeof(c->cgroup) ? 0 : -ENAMETOOLONG;
		if (!ret)
			snprintf(c->cgroup, sizeof(c->cgroup), "%s", line + 3);
		break;
	}
	free(text);
	return ret;
}

bool oci_namespace_exempt(const char *ns, const char *const *patterns, size_t n)
{
	for (size_t i = 0; ns && ns[0] && i < n; i++)
		if (fnmatch(patterns[i], ns, 0) == 0)
			return true;
	return false;
}
