// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"
#include "pin.h"
#include "probe.h"
#include "rampart.skel.h"

#define KERNEL_ENOTSUPP 524	/* the kernel's internal "operation not supported" */
#define LOADER_HITS_BYTES (RP_HITS_ENTRIES * sizeof(__u64))

int loader_load(struct loader *l)
{
	return loader_load_opts(l, false);
}

int loader_load_opts(struct loader *l, bool maps_only)
{
	struct bpf_program *prog;
	struct rampart_bpf *skel;
	int ret;

	memset(l, 0, sizeof(*l));
	l->level_offset = -1;
	if (getrandom(&l->hkey, sizeof(l->hkey), 0) != sizeof(l->hkey))
		return -errno;
	/* RAMPART_VERIFIER_STATS=1 with --verbose: the verifier's time and size per program. */
	LIBBPF_OPTS(bpf_object_open_opts, opts,
		    .kernel_log_level = getenv("RAMPART_VERIFIER_STATS") ? 4 : 0);
	skel = rampart_bpf__open_opts(&opts);
	if (!skel)
		return -errno;
	bpf_object__for_each_program(prog, skel->obj)
		bpf_program__set_autoload(prog, !maps_only);
	skel->rodata->rp_hash_key = l->hkey;
	ret = rampart_bpf__load(skel);
	if (ret) {
		rampart_bpf__destroy(skel);
		return ret < 0 ? ret : -EINVAL;
	}
	l->hits = mmap(NULL, LOADER_HITS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(skel->maps.rp_hits), 0);
	if (l->hits == MAP_FAILED) {
		ret = -errno;
		l->hits = NULL;
		rampart_bpf__destroy(skel);
		return ret;
	}
	l->skel = skel;
	return 0;
}

/*
 * The hooks that only decide policy, by the filter set their program consults (the
 * hook's rp_unselected()/rp_selected_gen() argument in rampart.bpf.c). A trampoline costs
 * every call of its hook on the whole machine, selected or not (about 150 instructions:
 * 0.8% of a UDP socket+connect+close, whose socket_post_create and socket_connect each
 * had one); with no subject for them, these are not attached at all. file_open stays
 * attached always: the guard needs it.
 */
static const struct {
	const char *prog;
	unsigned int set;
} loader_hooks[] = {
	{ "rp_bprm_check", RP_FILTER_EXEC },
	{ "rp_socket_create", RP_FILTER_NET_CREATE },
	{ "rp_socket_connect", RP_FILTER_NET_INET },
	{ "rp_socket_bind", RP_FILTER_NET_INET },
	{ "rp_socket_sendmsg", RP_FILTER_NET_INET },
	{ "rp_socket_listen", RP_FILTER_NET_INET },
	{ "rp_unix_connect", RP_FILTER_NET_UNIX },
	{ "rp_unix_send", RP_FILTER_NET_UNIX },
};

int loader_hook_set(const char *prog_name)
{
	for (size_t i = 0; i < sizeof(loader_hooks) / sizeof(*loader_hooks); i++)
		if (!strcmp(loader_hooks[i].prog, prog_name))
			return loader_hooks[i].set;
	return -1;
}

/* Does the live filter (the union, before a flip) hold a subject for the hook of prog? */
static bool loader_hook_needed(const struct loader *l, const char *prog_name)
{
	int set = loader_hook_set(prog_name);

	return set < 0 || l->skel->bss->rp_filters[set].levels;
}

/* The pin of program name in this loader's set: false while the set is not pinned. */
static bool loader_pin_path(const struct loader *l, const char *name, char *path, size_t size)
{
	if (!l->pin_set[0])
		return false;
	snprintf(path, size, "%s/%s", l->pin_set, name);
	return true;
}

/*
 * Attaches, and pins once the set is pinned, each program the live filter needs and no
 * link holds. A link that cannot be pinned is detached again: unpinned, it would end
 * with this process and leave its hook unguarded. Except when the set's directory is
 * gone (ENOENT: `rampart unload` removed it, and this daemon's links end with it, as
 * unload means).
 */
static int loader_hooks_attach(struct loader *l)
{
	const struct bpf_object_skeleton *sk = l->skel->skeleton;
	char path[PATH_MAX];

	for (int i = 0; i < sk->prog_cnt; i++) {
		struct bpf_link *link;

		if (*sk->progs[i].link || !loader_hook_needed(l, sk->progs[i].name))
			continue;
		link = bpf_program__attach(*sk->progs[i].prog);
		if (!link)
			return -errno;
		if (loader_pin_path(l, sk->progs[i].name, path, sizeof(path)) &&
		    bpf_obj_pin(bpf_link__fd(link), path) < 0 && errno != ENOENT) {
			int ret = -errno;

			bpf_link__destroy(link);
			return ret;
		}
		*sk->progs[i].link = link;
	}
	return 0;
}

/*
 * Detaches each program the live filter (narrowed, after a flip) no longer needs: its
 * pin goes first, then its link. Returns how many stay attached because their pin could
 * not be removed (a later apply tries again).
 */
static unsigned loader_hooks_detach(struct loader *l)
{
	const struct bpf_object_skeleton *sk = l->skel->skeleton;
	char path[PATH_MAX];
	unsigned stuck = 0;

	for (int i = 0; i < sk->prog_cnt; i++) {
		if (!*sk->progs[i].link || loader_hook_needed(l, sk->progs[i].name))
			continue;
		if (loader_pin_path(l, sk->progs[i].name, path, sizeof(path)) &&
		    unlink(path) < 0 && errno != ENOENT) {
			stuck++;
			continue;
		}
		bpf_link__destroy(*sk->progs[i].link);
		*sk->progs[i].link = NULL;
	}
	return stuck;
}

int loader_attach(struct loader *l)
{
	int ret = loader_hooks_attach(l);

	if (ret)
		return ret;
	l->attached = true;
	return 0;
}

int loader_pin(struct loader *l, const char *dir, char *ret_set, size_t size)
{
	int ret = pin_publish(l->skel->skeleton, dir, ret_set, size);

	if (!ret)
		snprintf(l->pin_set, sizeof(l->pin_set), "%s/%s", dir, ret_set);
	return ret;
}

/* Deletes the given keys; missing ones are fine (a failed apply may not have got far). */
static void loader_delete(int fd, struct rp_key *keys, size_t n)
{
	__u32 count = n;

	if (n && bpf_map_delete_batch(fd, keys, &count, NULL) == 0)
		return;
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
}

/*
 * One batch when the kernel has them (5.6 on; a batch's elem_flags may hold only
 * BPF_F_LOCK, so no BPF_NOEXIST: the keys carry the new generation, which no entry in
 * the map has). Else one element at a time, counted in *fallbacks.
 */
static int loader_insert(int fd, const struct rp_key *keys, const struct rp_value *vals, size_t n,
			 unsigned *fallbacks)
{
	__u32 count = n;

	if (!n || bpf_map_update_batch(fd, keys, vals, &count, NULL) == 0)
		return 0;
	if (errno != EINVAL && errno != KERNEL_ENOTSUPP && errno != EOPNOTSUPP)
		return -errno;
	(*fallbacks)++;
	for (size_t i = 0; i < n; i++)
		if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_NOEXIST) < 0)
			return -errno;
	return 0;
}

/* The inet address trie: one element at a time (LPM tries have no batch operations). */
static int loader_insert_net(int fd, const struct compile_net_entry *net, size_t n, __u32 gen,
			     struct rp_net_key *keys)
{
	for (size_t i = 0; i < n; i++) {
		keys[i] = net[i].key;
		keys[i].gen = gen;
		if (bpf_map_update_elem(fd, &keys[i], &net[i].value, BPF_NOEXIST) < 0)
			return -errno;
	}
	return 0;
}

static void loader_delete_net(int fd, const struct rp_net_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, &keys[i]);
}

void loader_retire(struct loader *l)
{
	loader_delete(bpf_map__fd(l->skel->maps.rp_decisions), l->old, l->n_old);
	loader_delete_net(bpf_map__fd(l->skel->maps.rp_net), l->old_net, l->n_old_net);
	free(l->old);
	free(l->old_net);
	l->old = NULL;
	l->old_net = NULL;
	l->n_old = l->n_old_net = 0;
}

void loader_set_level_offset(struct loader *l, int level_offset)
{
	l->level_offset = level_offset;
}

/*
 * Writes the selection filter's sets (RP_FILTER_SETS of them, in the programs' mapped
 * .bss) for the set c is about to become: before the flip, each the union of what it
 * holds and c's subjects for it (then it covers both generations); after it, c's alone
 * (the programs trust a "no" of the filter only when the live generation did not change
 * across their check). Every byte only gains bits before the flip and only loses bits
 * after it, so a program reading a byte while the set is half written still reads a
 * superset of the live generation's subjects. Takes next.
 */
static void loader_filter_write(struct loader *l, struct rp_filter *next, bool flipped)
{
	struct rp_filter *live = l->skel->bss->rp_filters;

	for (__u32 set = 0; set < RP_FILTER_SETS; set++) {
		struct rp_filter *f = &next[set];

		if (!flipped) {
			f->levels |= live[set].levels;
			for (size_t i = 0; i < RP_FILTER_SLOTS; i++)
				f->slots[i] |= live[set].slots[i];
		}
		memcpy(&live[set], f, sizeof(*f));
	}
	free(next);
}

int loader_apply(struct loader *l, const struct compiled_set *c, __u32 *ret_gen,
		 unsigned *ret_stuck)
{
	struct rp_filter *before = calloc(RP_FILTER_SETS, sizeof(*before));
	struct rp_filter *after = calloc(RP_FILTER_SETS, sizeof(*after));
	int net_fd = bpf_map__fd(l->skel->maps.rp_net);
	struct rp_net_key *net_keys = calloc(c->n_net + 1, sizeof(*net_keys));
	int fd = bpf_map__fd(l->skel->maps.rp_decisions);
	__u32 gen = l->gen + 1 ? l->gen + 1 : 1;
	struct rp_key *keys = calloc(c->n_entries + 1, sizeof(*keys));
	struct rp_value *vals = calloc(c->n_entries + 1, sizeof(*vals));
	int ret;

	if (!keys || !vals || !net_keys || !before || !after) {
		ret = -ENOMEM;
		goto err_free;
	}
	loader_retire(l);	/* at most one unused generation in the maps */
	/* the new generation's counters start at 0; the half was the retired one's */
	memset(&l->hits[RP_HITS_INDEX(gen, 0)], 0, c->n_rules * sizeof(__u64));
	for (size_t i = 0; i < c->n_entries; i++) {
		keys[i] = c->entries[i].key;
		keys[i].gen = gen;
		vals[i] = c->entries[i].value;
	}
	ret = loader_insert(fd, keys, vals, c->n_entries, &l->insert_fallbacks);
	if (!ret)
		ret = loader_insert_net(net_fd, c->net, c->n_net, gen, net_keys);
	if (ret)
		goto err_delete;
	for (unsigned int set = 0; set < RP_FILTER_SETS; set++)
		compile_filter(c, l->level_offset, set, &before[set]);
	memcpy(after, before, RP_FILTER_SETS * sizeof(*after));
	loader_filter_write(l, before, false);
	before = NULL;
	/* Every hook either generation needs is attached before the flip. On failure the
	 * filter keeps the union: a superset of the live subjects, only slower. */
	ret = l->attached ? loader_hooks_attach(l) : 0;
	if (ret)
		goto err_delete;
	/*
	 * The one write that makes the new set live. The fences keep the filter's union
	 * (above) visible before it and its narrowing (below) after it, on any CPU.
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&l->skel->bss->rp_live_gen, gen, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	loader_filter_write(l, after, true);
	*ret_stuck = l->attached ? loader_hooks_detach(l) : 0;
	l->old = l->live;
	l->n_old = l->n_live;
	l->old_net = l->live_net;
	l->n_old_net = l->n_live_net;
	free(vals);
	l->live = keys;
	l->n_live = c->n_entries;
	l->live_net = net_keys;
	l->n_live_net = c->n_net;
	l->gen = gen;
	*ret_gen = l->gen;
	return 0;

err_delete:
	loader_delete(fd, keys, c->n_entries);
	loader_delete_net(net_fd, net_keys, c->n_net);
err_free:
	free(before);
	free(after);
	free(keys);
	free(vals);
	free(net_keys);
	return ret;
}

/*
 * The device of the file system holding path as the guard sees it, the inode's
 * i_sb->s_dev: stat()'s st_dev is that on most file systems, but btrfs reports a device
 * of the subvolume instead. The line of the file's mount in /proc/self/mountinfo names
 * the superblock's device. 0, or a negative errno (then st_dev stands).
 */
static int loader_sb_dev(const char *path, unsigned *ret_major, unsigned *ret_minor)
{
	char line[4096];
	int ret = probe_mount_line(path, line, sizeof(line));

	if (ret)
		return ret;
	return sscanf(line, "%*u %*u %u:%u", ret_major, ret_minor) == 2 ? 0 : -EINVAL;
}

static int loader_guard_file(const char *path, struct rp_guard_file *f)
{
	unsigned maj, min;
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (loader_sb_dev(path, &maj, &min)) {
		maj = major(st.st_dev);
		min = minor(st.st_dev);
	}
	f->ino = st.st_ino;
	f->dev = (__u32)(maj << 20 | min);	/* the kernel's MKDEV */
	return 0;
}

int loader_guard_trust(struct loader *l, const char *path)
{
	struct rp_guard *g = &l->skel->bss->rp_guard;
	struct rp_guard_file f = {};
	int ret = loader_guard_file(path, &f);

	if (ret)
		return ret;
	for (int i = 0; i < RP_GUARD_TRUSTED_MAX; i++)
		if (g->trusted[i].ino == f.ino && g->trusted[i].dev == f.dev)
			return 0;
	for (int i = 0; i < RP_GUARD_TRUSTED_MAX; i++) {
		if (g->trusted[i].ino)
			continue;
		g->trusted[i].dev = f.dev;
		__atomic_store_n(&g->trusted[i].ino, f.ino, __ATOMIC_RELEASE);
		return 1;
	}
	return -ENOSPC;
}

int loader_guard(struct loader *l, const char *pin_dir, const char *const *trusted,
		 size_t n_trusted)
{
	struct rp_guard *g = &l->skel->bss->rp_guard;
	struct bpf_map *map;
	int ret;

	memset(g, 0, sizeof(*g));
	bpf_object__for_each_map(map, l->skel->obj) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		if (g->n_maps == RP_GUARD_MAPS_MAX)
			return -E2BIG;
		if (bpf_obj_get_info_by_fd(bpf_map__fd(map), &info, &len) < 0)
			return -errno;
		g->map_ids[g->n_maps++] = info.id;
	}
	ret = loader_guard_file(pin_dir, &g->pin_dir);
	for (size_t i = 0; !ret && i < n_trusted; i++) {
		int t = loader_guard_trust(l, trusted[i]);

		ret = t < 0 ? t : 0;
	}
	if (ret)
		return ret;
	__atomic_store_n(&g->armed, 1, __ATOMIC_RELEASE);
	return 0;
}

int loader_events_fd(const struct loader *l)
{
	return bpf_map__fd(l->skel->maps.rp_events);
}

__u64 loader_lost_events(const struct loader *l)
{
	return __atomic_load_n(&l->skel->bss->rp_lost_events, __ATOMIC_RELAXED);
}

__u64 loader_undecided_events(const struct loader *l, bool no_memory)
{
	return __atomic_load_n(no_memory ? &l->skel->bss->rp_undecided_no_memory
					 : &l->skel->bss->rp_undecided_changing, __ATOMIC_RELAXED);
}

void loader_vcache_counts(const struct loader *l, __u64 *hits, __u64 *stores)
{
	*hits = __atomic_load_n(&l->skel->bss->rp_vcache_hits, __ATOMIC_RELAXED);
	*stores = __atomic_load_n(&l->skel->bss->rp_vcache_stores, __ATOMIC_RELAXED);
}

void loader_dcache_counts(const struct loader *l, __u64 *hits, __u64 *stores)
{
	*hits = __atomic_load_n(&l->skel->bss->rp_dcache_hits, __ATOMIC_RELAXED);
	*stores = __atomic_load_n(&l->skel->bss->rp_dcache_stores, __ATOMIC_RELAXED);
}

__u64 loader_rule_hits(const struct loader *l, __u32 gen, __u32 rule_id)
{
	if (!l->hits || !gen || rule_id >= RP_RULES_MAX || (gen != l->gen && gen + 1 != l->gen))
		return 0;
	return __atomic_load_n(&l->hits[RP_HITS_INDEX(gen, rule_id)], __ATOMIC_RELAXED);
}

size_t loader_programs(const struct loader *l, struct loader_prog *out, size_t max)
{
	const struct bpf_object_skeleton *sk = l->skel ? l->skel->skeleton : NULL;
	size_t n = sk ? (size_t)sk->prog_cnt : 0;

	for (size_t i = 0; i < n && i < max; i++) {
		const struct bpf_program *prog = *sk->progs[i].prog;
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		const char *sec = bpf_program__section_name(prog), *slash = strchr(sec, '/');

		out[i] = (struct loader_prog){ .name = sk->progs[i].name,
					       .hook = slash ? slash + 1 : sec,
					       .attached = *sk->progs[i].link != NULL,
					       .on_demand = loader_hook_set(sk->progs[i].name) >= 0 };
		if (bpf_program__fd(prog) >= 0 &&
		    bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0)
			out[i].id = info.id;
	}
	return n;
}

void loader_map_usage(const struct loader *l, size_t *decisions, size_t *net)
{
	*decisions = l->n_live + l->n_old;
	*net = l->n_live_net + l->n_old_net;
}

void loader_close(struct loader *l)
{
	if (!l)
		return;
	if (l->hits)
		munmap(l->hits, LOADER_HITS_BYTES);
	rampart_bpf__destroy(l->skel);
	free(l->live);
	free(l->live_net);
	free(l->old);
	free(l->old_net);
	memset(l, 0, sizeof(*l));
}
