/* buf.c: growable buffer, JSON string escaping, CSV cells. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof *b);
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

bool array_reserve(void *items, size_t *cap, size_t need, size_t size, size_t first)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap : first ? first : 1;
	while (c < need) {
		if (c > SIZE_MAX / 2 / size)
			return false;
		c *= 2;
	}
	void *old;
	memcpy(&old, items, sizeof old);
	void *p = realloc(old, c * size);
	if (!p)
		return false;
	memcpy(items, &p, sizeof p);
	*cap = c;
	return true;
}

static bool buf_grow(struct buf *b, size_t extra)
{
	if (b->oom)
		return false;
	if (b->len + extra + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + extra + 1) {
		if (cap > SIZE_MAX / 2) {
			b->oom = true;
			return false;
		}
		cap *= 2;
	}
	char *p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void buf_add(struct buf *b, const char *s, size_t n)
{
	if (!buf_grow(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !buf_grow(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *buf_take(struct buf *b)
{
	char *s = b->oom ? NULL : b->data;
	if (!s && !b->oom)
		s = strdup("");
	if (b->oom)
		free(b->data);
	buf_init(b);
	return s;
}

void buf_json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
	while (*p) {
		/* A run that needs no escape is copied at once. */
		const unsigned char *run = p;
		while (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
			p++;
		if (p > run)
			buf_add(b, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		if (*p >= 0x80) {
			/* UTF-8 goes through, but C1 controls are escaped (a terminal may take U+009B for
			 * CSI) and a byte that is not UTF-8 becomes U+FFFD, so that the output is valid
			 * JSON and safe to show. */
			unsigned cp;
			size_t len = text_utf8_decode((const char *)p, (size_t)(end - p), &cp);
			if (len == 0)
				buf_puts(b, "\\ufffd"), len = 1;
			else if (cp < 0xa0)
				buf_printf(b, "\\u%04x", cp);
			else
				buf_add(b, (const char *)p, len);
			p += len;
			continue;
		}
		switch (*p) {
		case '"': buf_puts(b, "\\\""); break;
		case '\\': buf_puts(b, "\\\\"); break;
		case '\n': buf_puts(b, "\\n"); break;
		case '\r': buf_puts(b, "\\r"); break;
		case '\t': buf_puts(b, "\\t"); break;
		default: buf_printf(b, "\\u%04x", *p);
		}
		p++;
	}
	buf_putc(b, '"');
}

void buf_json_str_or_null(struct buf *b, const char *s)
{
	if (s)
		buf_json_str(b, s);
	else
		buf_puts(b, "null");
}

void buf_csv_cell(struct buf *b, const char *s)
{
	bool formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_putc(b, '"');
	if (formula)
		buf_putc(b, '\'');
	const char *end = s + strlen(s);
	for (const char *p = s; *p;) {
		unsigned char c = (unsigned char)*p;
		if (c == '"') {
			buf_puts(b, "\"\"");
			p++;
		} else if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
			/* A control character belongs in no cell and must not reach a terminal that shows the
			 * export: caret notation, as the tables show it. */
			buf_putc(b, '^');
			buf_putc(b, (char)(c ^ 0x40));
			p++;
		} else if (c >= 0x80) {
			unsigned cp;
			size_t len = text_utf8_decode(p, (size_t)(end - p), &cp);
			if (len == 0 || cp < 0xa0)
				buf_putc(b, '?'), len = len ? len : 1;
			else
				buf_add(b, p, len);
			p += len;
		} else {
			buf_putc(b, *p++);
		}
	}
	if (quote)
		buf_putc(b, '"');
}
