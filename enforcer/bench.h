/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rampart bench-apply: how long making a policy set live takes (parse, compile, apply to
 * the maps) and how much kernel memory the maps then hold. It creates the maps only and
 * loads no program, so it runs on kernels that refuse LSM programs (lockdown) too.
 */
#ifndef RAMPART_BENCH_H
#define RAMPART_BENCH_H

#define BENCH_ROUNDS_MAX 1000
#define BENCH_ROUNDS_DEFAULT 5

/* The command; argv[0] is "bench-apply". Returns the exit status (2: usage error). */
int bench_apply_main(int argc, char **argv);

#endif /* RAMPART_BENCH_H */
