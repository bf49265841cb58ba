// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "bindings.h"

static bool binding_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > BINDING_ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_.-", *s)))
			return false;
	return true;
}

/* A name or image: printable ASCII without spaces, at most max bytes; "" is allowed. */
static bool binding_text_valid(const char *s, size_t len, size_t max)
{
	if (len > max || strlen(s) != len)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

static int binding_field(json_object *o, const char *key, size_t max, bool required,
			 char **ret, char *err, size_t errsz)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v)) {
		if (required) {
			snprintf(err, errsz, "bind: missing '%s'", key);
			return -EINVAL;
		}
		*ret = strdup("");
		return *ret ? 0 : -ENOMEM;
	}
	if (!json_object_is_type(v, json_type_string) ||
	    !binding_text_valid(json_object_get_string(v), json_object_get_string_len(v), max)) {
		snprintf(err, errsz, "bind: '%s' must be a string of at most %zu printable "
			 "characters without spaces", key, max);
		return -EINVAL;
	}
	*ret = strdup(json_object_get_string(v));
	return *ret ? 0 : -ENOMEM;
}

/* The fields of one binding object, shared by bind requests and the state file. */
static int binding_from_json(json_object *o, struct binding *b, char *err, size_t errsz)
{
	json_object *v;
	int ret;

	memset(b, 0, sizeof(*b));
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(err, errsz, "bind: expected a JSON object");
		return -EINVAL;
	}
	ret = binding_field(o, "id", BINDING_ID_MAX, true, &b->id, err, errsz);
	if (!ret && !binding_id_valid(b->id)) {
		snprintf(err, errsz, "bind: 'id' must be 1 to %d characters of [A-Za-z0-9_.-]",
			 BINDING_ID_MAX);
		ret = -EINVAL;
	}
	if (!ret)
		ret = binding_field(o, "namespace", BINDING_NAME_MAX, false, &b->ns, err, errsz);
	if (!ret)
		ret = binding_field(o, "pod", BINDING_NAME_MAX, false, &b->pod, err, errsz);
	if (!ret)
		ret = binding_field(o, "container", BINDING_NAME_MAX, false, &b->name, err, errsz);
	if (!ret)
		ret = binding_field(o, "image", BINDING_IMAGE_MAX, false, &b->image, err, errsz);
	if (!ret && (!json_object_object_get_ex(o, "cgroup_id", &v) ||
		     !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 1)) {
		/* id 1 is the root cgroup: binding it would confine the whole host */
		snprintf(err, errsz, "bind: 'cgroup_id' must be the id of a cgroup below the root");
		ret = -EINVAL;
	}
	if (!ret)
		b->cgroup_id = (__u64)json_object_get_int64(v);
	if (ret)
		binding_free(b);
	return ret;
}

int binding_parse(const char *json, struct binding *ret_b, char *err, size_t errsz)
{
	json_object *o = json_tokener_parse(json);
	int ret;

	if (!o) {
		snprintf(err, errsz, "bind: not a JSON object");
		return -EINVAL;
	}
	ret = binding_from_json(o, ret_b, err, errsz);
	json_object_put(o);
	return ret;
}

void binding_free(struct binding *b)
{
	free(b->id);
	free(b->ns);
	free(b->pod);
	free(b->name);
	free(b->image);
	free(b->cgroup);
	memset(b, 0, sizeof(*b));
}

int bindings_put(struct bindings *s, struct binding *b)
{
	struct binding *q;

	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, b->id) == 0 || s->v[i].cgroup_id == b->cgroup_id) {
			binding_free(&s->v[i]);
			s->v[i] = *b;
			memset(b, 0, sizeof(*b));
			return 0;
		}
	if (s->n == BINDINGS_MAX)
		return -E2BIG;
	q = realloc(s->v, (s->n + 1) * sizeof(*q));
	if (!q)
		return -ENOMEM;
	s->v = q;
	s->v[s->n++] = *b;
	memset(b, 0, sizeof(*b));
	return 0;
}

static void bindings_drop(struct bindings *s, size_t i)
{
	binding_free(&s->v[i]);
	s->v[i] = s->v[--s->n];
}

bool bindings_remove(struct bindings *s, const char *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0) {
			bindings_drop(s, i);
			return true;
		}
	return false;
}

size_t bindings_prune(struct bindings *s, int (*resolve)(void *ctx, const char *path,
							  __u64 *ret_id), void *ctx)
{
	size_t dropped = 0;

	for (size_t i = 0; i < s->n;) {
		__u64 id = 0;

		if (!s->v[i].cgroup || resolve(ctx, s->v[i].cgroup, &id) == 0) {
			if (!s->v[i].cgroup || id == s->v[i].cgroup_id) {
				i++;
				continue;
			}
		}
		bindings_drop(s, i);
		dropped++;
	}
	return dropped;
}

const struct binding *bindings_find(const struct bindings *s, const char *path)
{
	const struct binding *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; path && i < s->n; i++) {
		const char *cg = s->v[i].cgroup;
		size_t n = cg ? strlen(cg) : 0;

		if (n > best_len && strncmp(cg, path, n) == 0 && (path[n] == '\0' || path[n] == '/')) {
			best = &s->v[i];
			best_len = n;
		}
	}
	return best;
}

struct compile_binding *bindings_for_compile(const struct bindings *s, size_t *n)
{
	struct compile_binding *v;
	size_t k = 0;

	*n = 0;
	if (!s->n)
		return NULL;
	v = calloc(s->n, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		if (!s->v[i].cgroup)
			continue;
		v[k++] = (struct compile_binding){
			.cgroup = s->v[i].cgroup,
			.who = { .id = s->v[i].id, .ns = s->v[i].ns, .pod = s->v[i].pod,
				 .name = s->v[i].name, .image = s->v[i].image },
		};
	}
	*n = k;
	return v;
}

static json_object *binding_to_json(const struct binding *b)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(b->id));
	json_object_object_add(o, "namespace", json_object_new_string(b->ns));
	json_object_object_add(o, "pod", json_object_new_string(b->pod));
	json_object_object_add(o, "container", json_object_new_string(b->name));
	json_object_object_add(o, "image", json_object_new_string(b->image));
	json_object_object_add(o, "cgroup", json_object_new_string(b->cgroup ? b->cgroup : ""));
	json_object_object_add(o, "cgroup_id", json_object_new_int64((int64_t)b->cgroup_id));
	json_object_object_add(o, "bound_ns", json_object_new_int64(b->bound_ns));
	return o;
}

int bindings_save(const struct bindings *s, const char *path)
{
	json_object *arr = json_object_new_array();
	char tmp[4096];
	const char *text;
	size_t len, off = 0;
	int fd, ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < s->n; i++)
		json_object_array_add(arr, binding_to_json(&s->v[i]));
	text = json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		json_object_put(arr);
		return -errno;
	}
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (!ret && write(fd, "\n", 1) != 1)
		ret = -EIO;
	if (!ret && fsync(fd))
		ret = -errno;
	close(fd);
	json_object_put(arr);
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

int bindings_load(struct bindings *s, const char *path, char *err, size_t errsz)
{
	json_object *arr = json_object_from_file(path);
	int ret = 0;

	if (!arr) {
		if (access(path, F_OK) && errno == ENOENT)
			return -ENOENT;
		snprintf(err, errsz, "%s: not valid JSON", path);
		return -EINVAL;
	}
	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(err, errsz, "%s: expected an array of bindings", path);
		json_object_put(arr);
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(arr) && !ret; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v;
		struct binding b;
		char why[256];

		ret = binding_from_json(o, &b, why, sizeof(why));
		if (!ret && (!json_object_object_get_ex(o, "cgroup", &v) ||
			     !json_object_is_type(v, json_type_string) ||
			     json_object_get_string(v)[0] != '/')) {
			snprintf(why, sizeof(why), "'cgroup' must be an absolute path");
			binding_free(&b);
			ret = -EINVAL;
		}
		if (ret) {
			snprintf(err, errsz, "%s: entry %zu: %s", path, i, why);
			break;
		}
		b.cgroup = strdup(json_object_get_string(v));
		if (json_object_object_get_ex(o, "bound_ns", &v))
			b.bound_ns = json_object_get_int64(v);
		ret = b.cgroup ? bindings_put(s, &b) : -ENOMEM;
		binding_free(&b);
	}
	json_object_put(arr);
	return ret;
}

void bindings_free(struct bindings *s)
{
	for (size_t i = 0; i < s->n; i++)
		binding_free(&s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}
