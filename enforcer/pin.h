/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Enforcement that outlives the daemon: the program links of one daemon start are pinned
 * in bpffs as one set, DIR/set-<pid>-<seconds>/<program>. A pinned link stays attached
 * when the daemon exits or is killed; only unpinning it (with no process holding it)
 * detaches it. A starting daemon attaches its own programs first, then pins them, then
 * removes the other sets: while both are attached both decide, so there is never a
 * moment in which neither enforces.
 */
#ifndef RAMPART_PIN_H
#define RAMPART_PIN_H

#include <stddef.h>

#define PIN_DIR_DEFAULT "/sys/fs/bpf/rampart"
#define PIN_SET_NAME_MAX 64

struct bpf_object_skeleton;

/*
 * Pins every attached link of skel into a new set under dir (created 0700 when missing);
 * its name in ret_set. 0 or a negative errno, with nothing left pinned on failure.
 */
int pin_publish(const struct bpf_object_skeleton *skel, const char *dir, char *ret_set,
		size_t size);
/* Unpins every set under dir except keep (NULL: all); the number of sets removed, or a
 * negative errno. A set no process holds is detached by this. */
int pin_remove_sets(const char *dir, const char *keep);

#endif /* RAMPART_PIN_H */
