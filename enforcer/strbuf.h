/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Short strings built without printf's machinery, for text made once per rule whether or
 * not an error ever shows it (JSON pointers, rule labels, error locations): a policy of
 * 10,000 rules builds some 40,000 of them on every reload.
 */
#ifndef RAMPART_STRBUF_H
#define RAMPART_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* len counts every byte put, kept or not: len >= size means the text was truncated. */
struct strbuf {
	char *buf;
	size_t size, len;
};

static inline struct strbuf strbuf_init(char *buf, size_t size)
{
	buf[0] = '\0';
	return (struct strbuf){ .buf = buf, .size = size };
}

static inline void strbuf_putn(struct strbuf *b, const char *s, size_t n)
{
	if (b->len + 1 < b->size) {
		size_t room = b->size - 1 - b->len, k = n < room ? n : room;

		memcpy(b->buf + b->len, s, k);
		b->buf[b->len + k] = '\0';
	}
	b->len += n;
}

static inline void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_putn(b, s, strlen(s));
}

/* v in decimal */
static inline void strbuf_putu(struct strbuf *b, size_t v)
{
	char d[24];
	size_t i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while (v /= 10);
	strbuf_putn(b, d + i, sizeof(d) - i);
}

/* strlcpy: src cut to fit, always terminated */
static inline void strbuf_copy(char *dst, size_t size, const char *src)
{
	struct strbuf b = strbuf_init(dst, size);

	strbuf_puts(&b, src);
}

static inline bool strbuf_truncated(const struct strbuf *b)
{
	return b->len >= b->size;
}

#endif /* RAMPART_STRBUF_H */
