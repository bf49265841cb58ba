/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small named-check unit test framework. Each test is a function registered with
 * UNIT_TEST(name); each check inside it is named, and the first failing check ends the
 * test (like the kernel selftests' ASSERT_*). The runner prints one line per test and
 * ends with 'N passed, N failed'.
 */
#ifndef RAMPART_UNIT_H
#define RAMPART_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(int *failed);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);

#define UNIT_TEST(tname)                                                                       \
	static void tname(int *unit_failed);                                                   \
	static struct unit_test unit_##tname = { #tname, tname, NULL };                        \
	__attribute__((constructor)) static void unit_reg_##tname(void)                        \
	{                                                                                      \
		unit_register(&unit_##tname);                                                  \
	}                                                                                      \
	static void tname(int *unit_failed)

#define UNIT_FAIL(check, fmt, ...)                                                             \
	do {                                                                                   \
		fprintf(stderr, "  %s:%d: check '%s' failed: " fmt "\n", __FILE__, __LINE__,   \
			check, ##__VA_ARGS__);                                                 \
		*unit_failed = 1;                                                              \
		return;                                                                        \
	} while (0)

#define ASSERT_TRUE(cond, check)                                                               \
	do {                                                                                   \
		if (!(cond))                                                                   \
			UNIT_FAIL(check, "%s is false", #cond);                                \
	} while (0)

#define ASSERT_EQ(a, b, check)                                                                 \
	do {                                                                                   \
		long long _a = (long long)(a), _b = (long long)(b);                            \
		if (_a != _b)                                                                  \
			UNIT_FAIL(check, "%s == %lld, expected %lld", #a, _a, _b);             \
	} while (0)

#define ASSERT_OK(x, check)                                                                    \
	do {                                                                                   \
		long long _x = (long long)(x);                                                 \
		if (_x != 0)                                                                   \
			UNIT_FAIL(check, "%s returned %lld, expected 0", #x, _x);              \
	} while (0)

#define ASSERT_STREQ(a, b, check)                                                              \
	do {                                                                                   \
		const char *_a = (a), *_b = (b);                                               \
		if (!_a || !_b || strcmp(_a, _b) != 0)                                         \
			UNIT_FAIL(check, "%s is \"%s\", expected \"%s\"", #a, _a ? _a : "(null)", \
				  _b ? _b : "(null)");                                         \
	} while (0)

#define ASSERT_CONTAINS(hay, needle, check)                                                    \
	do {                                                                                   \
		const char *_h = (hay), *_n = (needle);                                        \
		if (!_h || !strstr(_h, _n))                                                    \
			UNIT_FAIL(check, "%s is \"%s\", expected it to contain \"%s\"", #hay,   \
				  _h ? _h : "(null)", _n);                                     \
	} while (0)

#endif /* RAMPART_UNIT_H */
