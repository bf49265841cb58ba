// SPDX-License-Identifier: GPL-2.0
/* Runner for the host unit tests: `unit-tests [NAME-SUBSTRING]`. */
#include <stdlib.h>

#include "unit.h"

static struct unit_test *unit_head, **unit_tail = &unit_head;

void unit_register(struct unit_test *t)
{
	*unit_tail = t;
	unit_tail = &t->next;
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0;

	for (struct unit_test *t = unit_head; t; t = t->next) {
		int f = 0;

		if (filter && !strstr(t->name, filter))
			continue;
		t->fn(&f);
		printf("%s %s\n", f ? "FAIL" : "ok  ", t->name);
		fflush(stdout);
		if (f)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
