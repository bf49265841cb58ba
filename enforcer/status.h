/* SPDX-License-Identifier: GPL-2.0 */
/* `rampart status`: the daemon's status object (run-ctl.c) as text for people. */
#ifndef RAMPART_STATUS_H
#define RAMPART_STATUS_H

#include <stdio.h>

/* Prints the status object line as text; 0, or -EINVAL when it is not a status object. */
int status_print_text(const char *line, FILE *f);

#endif /* RAMPART_STATUS_H */
