/* SPDX-License-Identifier: GPL-2.0 */
/* `rampart compile --dump`: what a compiled policy set would put in the kernel, readably. */
#ifndef RAMPART_DUMP_H
#define RAMPART_DUMP_H

#include <stdio.h>

#include "compile.h"

/* Prints every ruleset with its cgroups, defaults, shape and entries, in map order. */
void dump_compiled(const struct compiled_set *c, FILE *out);

#endif /* RAMPART_DUMP_H */
