/* text.c: UTF-8 checks, neutralising control characters, display width. */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

size_t text_utf8_decode(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t len;
	unsigned c, min;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2, c = p[0] & 0x1f, min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3, c = p[0] & 0x0f, min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4, c = p[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

bool text_utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			return false;
		i += len;
	}
	return true;
}

enum dk_status text_check(const char *field, const char *s, size_t max, bool multiline, bool required,
			  struct dk_error *err)
{
	if (!s || !*s) {
		if (required)
			return dk_fail(err, DK_INVALID, "%s: a value is required", field);
		return DK_OK;
	}
	size_t n = strlen(s);
	if (n > max)
		return dk_fail(err, DK_INVALID, "%s: %zu bytes is longer than the limit of %zu", field, n, max);
	size_t i = 0;
	while (i < n) {
		if (s[i] >= 0x20 && s[i] < 0x7f) { /* printable ASCII, most of what is checked */
			i++;
			continue;
		}
		unsigned cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		if (len == 0)
			return dk_fail(err, DK_INVALID, "%s: not valid UTF-8 (byte %zu)", field, i + 1);
		bool control = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
		if (control && !(multiline && (cp == '\n' || cp == '\t')))
			return dk_fail(err, DK_INVALID, "%s: control character U+%04X at byte %zu is not allowed",
				       field, cp, i + 1);
		i += len;
	}
	return DK_OK;
}

char *text_neutralise(const char *s, bool keep_newline)
{
	struct buf b;
	buf_init(&b);
	size_t n = strlen(s), i = 0;
	buf_add(&b, "", 0);
	while (i < n) {
		unsigned cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			buf_putc(&b, '?');
			i++;
			continue;
		}
		if ((cp == '\n' && keep_newline) || (cp >= 0x20 && cp < 0x7f) || cp >= 0xa0) {
			buf_add(&b, s + i, len);
		} else if (cp < 0x20 || cp == 0x7f) {
			buf_putc(&b, '^');
			buf_putc(&b, (char)(cp ^ 0x40));
		} else {
			buf_putc(&b, '?');
		}
		i += len;
	}
	return buf_take(&b);
}

/* East Asian wide and fullwidth ranges, enough to line up names in tables. */
static const unsigned wide_ranges[][2] = {
	{0x1100, 0x115f}, {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},
	{0xa000, 0xa4cf}, {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe30, 0xfe4f},   {0xff00, 0xff60},
	{0xffe0, 0xffe6}, {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff}, {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
};

static int cp_width(unsigned cp)
{
	if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f))
		return 0;
	for (size_t i = 0; i < sizeof wide_ranges / sizeof wide_ranges[0]; i++)
		if (cp >= wide_ranges[i][0] && cp <= wide_ranges[i][1])
			return 2;
	return 1;
}

size_t text_width(const char *s)
{
	size_t n = strlen(s), i = 0, w = 0;
	while (i < n) {
		unsigned cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		if (len == 0) {
			w++;
			i++;
			continue;
		}
		w += (size_t)cp_width(cp);
		i += len;
	}
	return w;
}

size_t text_fit(const char *s, size_t cols, char *out, size_t outsz)
{
	size_t n = strlen(s), i = 0, w = 0, o = 0;
	while (i < n) {
		unsigned cp;
		size_t len = text_utf8_decode(s + i, n - i, &cp);
		int cw = 1;
		if (len == 0)
			len = 1;
		else
			cw = cp_width(cp);
		if (w + (size_t)cw > cols || o + len + 1 > outsz)
			break;
		memcpy(out + o, s + i, len);
		o += len;
		w += (size_t)cw;
		i += len;
	}
	if (outsz)
		out[o] = '\0';
	return w;
}

static const unsigned char bom_bytes[3] = {0xef, 0xbb, 0xbf};

enum dk_status text_skip_bom_end(int *bom, text_sink sink, void *ctx, struct dk_error *err)
{
	int matched = *bom;
	*bom = 3;
	return matched > 0 && matched < 3 ? sink(ctx, (const char *)bom_bytes, (size_t)matched, err) : DK_OK;
}

enum dk_status text_skip_bom(int *bom, const char *data, size_t n, text_sink sink, void *ctx, struct dk_error *err)
{
	while (*bom < 3 && n > 0) {
		if ((unsigned char)*data == bom_bytes[*bom]) {
			++*bom;
			data++, n--;
			continue;
		}
		enum dk_status s = text_skip_bom_end(bom, sink, ctx, err);
		if (s)
			return s;
	}
	return n ? sink(ctx, data, n, err) : DK_OK;
}

void text_thousands(int64_t v, char *out, size_t n)
{
	char digits[32];
	snprintf(digits, sizeof digits, "%lld", (long long)(v < 0 ? -v : v));
	size_t len = strlen(digits), o = 0;
	if (v < 0 && o + 1 < n)
		out[o++] = '-';
	for (size_t i = 0; i < len && o + 1 < n; i++) {
		if (i && (len - i) % 3 == 0 && o + 1 < n)
			out[o++] = ',';
		if (o + 1 < n)
			out[o++] = digits[i];
	}
	out[o] = '\0';
}
