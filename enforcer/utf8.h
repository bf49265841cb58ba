/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Well-formed UTF-8 (RFC 3629): what a policy's text must be, and what an audit line's
 * strings are made into.
 */
#ifndef RAMPART_UTF8_H
#define RAMPART_UTF8_H

#include <stddef.h>

/*
 * The length of the well-formed sequence at s[0..n) that starts with a byte >= 0x80 (no
 * overlong form, no surrogate, nothing above U+10FFFF), 0 when there is none.
 */
static inline size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	/* The second byte's range is narrower after E0, ED, F0 and F4. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

#endif /* RAMPART_UTF8_H */
