/* json.c: the streaming JSON and NDJSON record reader (see json.h).
 *
 * Two layers: a scanner that finds where each record ends (the depth of brackets outside strings,
 * or the line end for NDJSON) and holds only that record's bytes, and a recursive-descent parser
 * that reads one complete record into members. */
#include "json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

enum scan_state {
	SC_BEGIN, /* before the opening [ */
	SC_FIRST, /* after [: a record or ] */
	SC_NEXT,  /* after a comma: a record */
	SC_ELEM,  /* inside a record */
	SC_AFTER, /* after a record: a comma or ] */
	SC_END,   /* after the closing ]: only white space */
	SC_LINE,  /* NDJSON: inside a line */
};

/* A parsed value, with offsets into the reader's string store (pointers are made once the record
 * is complete, as the store may move while it grows). */
struct pvalue {
	enum json_type type;
	size_t off, len;
	size_t item_start, n_items;
	bool nested;
};

struct pmember {
	size_t key_off, key_len;
	struct pvalue v;
};

struct json_reader {
	char *name;
	enum json_mode mode;
	size_t record_max;
	json_record_fn fn;
	void *ctx;

	enum scan_state state;
	int bom;
	int64_t line;
	int64_t index;
	int64_t elem_line;
	/* the record being scanned */
	struct buf elem;
	bool elem_over;
	bool elem_scalar; /* the record is not an object or array: it ends at white space, , or ] */
	int depth;
	bool in_string, escape;

	/* the parsed record */
	struct buf strings;
	struct pmember *pm;
	size_t n_pm, cap_pm;
	struct pvalue *pi;
	size_t n_pi, cap_pi;
	struct json_member *members;
	struct json_value *items;
	bool oom;
	char error[200];
	/* The failure that ended the reading: json_feed and json_finish give it again. */
	bool failed;
	struct dk_error failure;
};


struct json_reader *json_new(const char *name, enum json_mode mode, size_t record_max, json_record_fn fn, void *ctx)
{
	struct json_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->name = strdup(name ? name : "input");
	if (!r->name) {
		free(r);
		return NULL;
	}
	r->mode = mode;
	r->record_max = record_max ? record_max : JSON_RECORD_MAX;
	r->fn = fn;
	r->ctx = ctx;
	buf_init(&r->elem);
	buf_init(&r->strings);
	json_reset(r);
	return r;
}

void json_reset(struct json_reader *r)
{
	r->state = r->mode == JSON_ARRAY ? SC_BEGIN : SC_LINE;
	r->bom = 0;
	r->line = 1;
	r->index = 0;
	r->elem_line = 1;
	buf_reset(&r->elem);
	r->elem_over = false;
	r->depth = 0;
	r->in_string = r->escape = false;
	r->failed = false;
}

void json_free(struct json_reader **pr)
{
	struct json_reader *r = *pr;
	if (!r)
		return;
	buf_free(&r->elem);
	buf_free(&r->strings);
	free(r->pm);
	free(r->pi);
	free(r->members);
	free(r->items);
	free(r->name);
	free(r);
	*pr = NULL;
}

/* ---- the parser ---- */

struct parser {
	struct json_reader *r;
	const char *start, *p, *end;
	int depth;
	bool failed;
};

static void perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void perr(struct parser *ps, const char *fmt, ...)
{
	if (ps->failed)
		return;
	ps->failed = true;
	char what[150];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(ps->r->error, sizeof ps->r->error, "%s at byte %zu of the record", what,
		 (size_t)(ps->p - ps->start) + 1);
}

static void strings_truncate(struct json_reader *r, size_t len)
{
	if (r->strings.data && len < r->strings.len) {
		r->strings.len = len;
		r->strings.data[len] = '\0';
	}
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool read_hex4(struct parser *ps, unsigned *out)
{
	if (ps->end - ps->p < 4) {
		perr(ps, "a \\u escape needs four hex digits");
		return false;
	}
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		int h = hexval(ps->p[i]);
		if (h < 0) {
			perr(ps, "a \\u escape needs four hex digits");
			return false;
		}
		v = v << 4 | (unsigned)h;
	}
	ps->p += 4;
	*out = v;
	return true;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	buf_add(b, u, n);
}

/* A string at ps->p (the opening quote), decoded into the string store. */
static void parse_string(struct parser *ps, size_t *off, size_t *len)
{
	struct buf *b = &ps->r->strings;
	*off = b->len;
	ps->p++;
	for (;;) {
		const char *run = ps->p;
		while (ps->p < ps->end && *ps->p != '"' && *ps->p != '\\' && (unsigned char)*ps->p >= 0x20)
			ps->p++;
		buf_add(b, run, (size_t)(ps->p - run));
		if (ps->p >= ps->end) {
			perr(ps, "a string is not closed");
			break;
		}
		char c = *ps->p;
		if (c == '"') {
			ps->p++;
			break;
		}
		if (c != '\\') {
			perr(ps, "control character 0x%02x inside a string", (unsigned)(unsigned char)c);
			break;
		}
		ps->p++;
		if (ps->p >= ps->end) {
			perr(ps, "a string is not closed");
			break;
		}
		c = *ps->p++;
		switch (c) {
		case '"': buf_putc(b, '"'); break;
		case '\\': buf_putc(b, '\\'); break;
		case '/': buf_putc(b, '/'); break;
		case 'b': buf_putc(b, '\b'); break;
		case 'f': buf_putc(b, '\f'); break;
		case 'n': buf_putc(b, '\n'); break;
		case 'r': buf_putc(b, '\r'); break;
		case 't': buf_putc(b, '\t'); break;
		case 'u': {
			unsigned cp;
			if (!read_hex4(ps, &cp))
				goto out;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				perr(ps, "a \\u escape is a lone low surrogate");
				goto out;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				unsigned lo;
				if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
					perr(ps, "a \\u escape is a high surrogate with no low surrogate after it");
					goto out;
				}
				ps->p += 2;
				if (!read_hex4(ps, &lo))
					goto out;
				if (lo < 0xdc00 || lo > 0xdfff) {
					perr(ps, "a \\u escape is a high surrogate with no low surrogate after it");
					goto out;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			put_utf8(b, cp);
			break;
		}
		default:
			ps->p--;
			perr(ps, "unknown escape \\%c", c > 0x20 && c < 0x7f ? c : '?');
			goto out;
		}
	}
out:
	*len = b->len - *off;
	buf_putc(b, '\0');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static void parse_number(struct parser *ps, size_t *off, size_t *len)
{
	const char *s = ps->p;
	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (ps->p < ps->end && *ps->p == '0') {
		ps->p++;
	} else if (ps->p < ps->end && *ps->p >= '1' && *ps->p <= '9') {
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	} else {
		perr(ps, "not a valid number");
		return;
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p >= ps->end || !is_digit(*ps->p)) {
			perr(ps, "not a valid number");
			return;
		}
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (ps->p >= ps->end || !is_digit(*ps->p)) {
			perr(ps, "not a valid number");
			return;
		}
		while (ps->p < ps->end && is_digit(*ps->p))
			ps->p++;
	}
	struct buf *b = &ps->r->strings;
	*off = b->len;
	*len = (size_t)(ps->p - s);
	buf_add(b, s, *len);
	buf_putc(b, '\0');
}

static bool literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
		ps->p += n;
		return true;
	}
	perr(ps, "unexpected character '%c'", *ps->p > 0x20 && *ps->p < 0x7f ? *ps->p : '?');
	return false;
}

static struct pvalue *new_item(struct json_reader *r)
{
	if (!array_reserve(&r->pi, &r->cap_pi, r->n_pi + 1, sizeof *r->pi, 16)) {
		r->oom = true;
		return NULL;
	}
	struct pvalue *v = &r->pi[r->n_pi++];
	memset(v, 0, sizeof *v);
	return v;
}

static struct pmember *new_member(struct json_reader *r)
{
	if (!array_reserve(&r->pm, &r->cap_pm, r->n_pm + 1, sizeof *r->pm, 16)) {
		r->oom = true;
		return NULL;
	}
	struct pmember *m = &r->pm[r->n_pm++];
	memset(m, 0, sizeof *m);
	return m;
}

/* level 0: the record (its members are kept); 1: a member's value (an array's scalar elements are
 * kept); 2 and deeper: checked only. */
static void parse_value(struct parser *ps, int level, struct pvalue *out);

/* After a member or an item: true when a comma says another follows; false after the closing
 * character (read) or an error. */
static bool another(struct parser *ps, char close)
{
	skip_ws(ps);
	if (ps->p < ps->end && (*ps->p == ',' || *ps->p == close))
		return *ps->p++ == ',';
	perr(ps, "expected ',' or '%c' after a value", close);
	return false;
}

static void parse_object(struct parser *ps, int level, struct pvalue *out)
{
	ps->p++; /* { */
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return;
	}
	for (;;) {
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != '"') {
			perr(ps, "expected a key (a string)");
			return;
		}
		size_t koff, klen, mark = ps->r->strings.len;
		parse_string(ps, &koff, &klen);
		skip_ws(ps);
		if (ps->failed)
			return;
		if (ps->p >= ps->end || *ps->p != ':') {
			perr(ps, "expected ':' after a key");
			return;
		}
		ps->p++;
		skip_ws(ps);
		if (level == 0) {
			struct pvalue v = {0};
			parse_value(ps, 1, &v);
			struct pmember *m = new_member(ps->r);
			if (!m)
				return;
			m->key_off = koff;
			m->key_len = klen;
			m->v = v;
		} else {
			struct pvalue v = {0};
			parse_value(ps, level + 1, &v);
			strings_truncate(ps->r, mark); /* not kept */
			out->nested = true;
		}
		if (ps->failed || !another(ps, '}'))
			return;
	}
}

static void parse_array(struct parser *ps, int level, struct pvalue *out)
{
	ps->p++; /* [ */
	out->item_start = ps->r->n_pi;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return;
	}
	for (;;) {
		skip_ws(ps);
		struct pvalue v = {0};
		size_t mark = ps->r->strings.len;
		parse_value(ps, level + 1, &v);
		if (ps->failed)
			return;
		if (level == 1 && v.type != JSON_ARRAY_VALUE && v.type != JSON_OBJECT_VALUE) {
			struct pvalue *it = new_item(ps->r);
			if (!it)
				return;
			*it = v;
			out->n_items++;
		} else {
			strings_truncate(ps->r, mark);
			out->nested = true;
		}
		if (!another(ps, ']'))
			return;
	}
}

static void parse_value(struct parser *ps, int level, struct pvalue *out)
{
	skip_ws(ps);
	if (ps->p >= ps->end) {
		perr(ps, "expected a value");
		return;
	}
	if (++ps->depth > JSON_DEPTH_MAX) {
		perr(ps, "nested more than %d deep", JSON_DEPTH_MAX);
		return;
	}
	out->off = ps->r->strings.len;
	out->len = 0;
	switch (*ps->p) {
	case '{':
		out->type = JSON_OBJECT_VALUE;
		parse_object(ps, level, out);
		if (level > 0)
			out->nested = true;
		break;
	case '[':
		out->type = JSON_ARRAY_VALUE;
		parse_array(ps, level, out);
		break;
	case '"':
		out->type = JSON_STRING;
		parse_string(ps, &out->off, &out->len);
		break;
	case 't':
		out->type = JSON_TRUE;
		literal(ps, "true");
		break;
	case 'f':
		out->type = JSON_FALSE;
		literal(ps, "false");
		break;
	case 'n':
		out->type = JSON_NULL;
		literal(ps, "null");
		break;
	default:
		if (*ps->p != '-' && !is_digit(*ps->p)) {
			perr(ps, "unexpected character '%c'", *ps->p > 0x20 && *ps->p < 0x7f ? *ps->p : '?');
			break;
		}
		out->type = JSON_NUMBER;
		parse_number(ps, &out->off, &out->len);
		break;
	}
	if (out->type != JSON_STRING && out->type != JSON_NUMBER)
		out->off = out->len = 0; /* the empty string at offset 0 */
	ps->depth--;
}

void json_parse_record(struct json_reader *r, const char *text, size_t n, struct json_record *rec)
{
	buf_reset(&r->strings);
	buf_putc(&r->strings, '\0'); /* offset 0 is an empty string */
	r->n_pm = r->n_pi = 0;
	r->oom = false;
	r->error[0] = '\0';
	struct parser ps = {.r = r, .start = text, .p = text, .end = text + n};
	rec->members = NULL;
	rec->n = 0;
	rec->error = NULL;
	skip_ws(&ps);
	if (ps.p >= ps.end || *ps.p != '{') {
		perr(&ps, "not a JSON object");
	} else {
		struct pvalue top = {0};
		parse_value(&ps, 0, &top);
		skip_ws(&ps);
		if (!ps.failed && ps.p < ps.end)
			perr(&ps, "text after the object");
	}
	if (!ps.failed && (r->oom || r->strings.oom)) {
		snprintf(r->error, sizeof r->error, "out of memory");
		ps.failed = true;
	}
	if (ps.failed) {
		rec->error = r->error;
		return;
	}
	struct json_member *members = realloc(r->members, (r->n_pm ? r->n_pm : 1) * sizeof *members);
	struct json_value *items = members ? realloc(r->items, (r->n_pi ? r->n_pi : 1) * sizeof *items) : NULL;
	if (members)
		r->members = members;
	if (items)
		r->items = items;
	if (!members || !items) {
		snprintf(r->error, sizeof r->error, "out of memory");
		rec->error = r->error;
		return;
	}
	const char *base = r->strings.data;
	for (size_t i = 0; i < r->n_pi; i++) {
		const struct pvalue *v = &r->pi[i];
		items[i] = (struct json_value){.type = v->type, .s = base + v->off, .len = v->len};
	}
	for (size_t i = 0; i < r->n_pm; i++) {
		const struct pmember *m = &r->pm[i];
		members[i] = (struct json_member){
			.key = base + m->key_off,
			.key_len = m->key_len,
			.value = {.type = m->v.type,
				  .s = base + m->v.off,
				  .len = m->v.len,
				  .items = m->v.n_items ? items + m->v.item_start : NULL,
				  .n_items = m->v.n_items,
				  .nested = m->v.nested},
		};
	}
	rec->members = members;
	rec->n = r->n_pm;
}

/* ---- the scanner ---- */

static enum dk_status emit(struct json_reader *r, struct dk_error *err)
{
	struct json_record rec = {0};
	const char *text = r->elem.data ? r->elem.data : "";
	size_t n = r->elem.len;
	if (r->mode == JSON_LINES && n > 0 && text[n - 1] == '\r')
		n--;
	if (r->elem.oom)
		return dk_fail(err, DK_STORAGE, "%s: out of memory", r->name);
	if (r->elem_over) {
		snprintf(r->error, sizeof r->error, "the record is longer than the limit of %zu bytes", r->record_max);
		rec.error = r->error;
	} else {
		json_parse_record(r, text, n, &rec);
		rec.raw = text;
		rec.raw_len = n;
	}
	rec.index = ++r->index;
	rec.line = r->elem_line;
	enum dk_status s = r->fn(r->ctx, &rec, err);
	buf_reset(&r->elem);
	r->elem_over = false;
	return s;
}

static void elem_add(struct json_reader *r, const char *s, size_t n)
{
	if (r->elem_over)
		return;
	if (r->elem.len + n > r->record_max) {
		r->elem_over = true;
		return;
	}
	buf_add(&r->elem, s, n);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static enum dk_status fatal(struct json_reader *r, struct dk_error *err, const char *what)
{
	return dk_fail(err, DK_INVALID, "%s:%lld: %s", r->name, (long long)r->line, what);
}

static enum dk_status feed_lines(struct json_reader *r, const char *data, size_t n, struct dk_error *err)
{
	while (n > 0) {
		const char *nl = memchr(data, '\n', n);
		size_t run = nl ? (size_t)(nl - data) : n;
		if (r->elem.len == 0 && !r->elem_over)
			r->elem_line = r->line;
		elem_add(r, data, run);
		data += run, n -= run;
		if (!nl)
			break;
		data++, n--;
		/* A line of white space only is skipped. */
		bool blank = !r->elem_over;
		for (size_t i = 0; blank && i < r->elem.len; i++)
			blank = is_ws(r->elem.data[i]);
		enum dk_status s = DK_OK;
		if (blank)
			buf_reset(&r->elem);
		else
			s = emit(r, err);
		r->line++;
		if (s)
			return s;
	}
	return DK_OK;
}

/* Starts a record at c (not white space). */
static void elem_begin(struct json_reader *r, char c)
{
	buf_reset(&r->elem);
	r->elem_over = false;
	r->elem_line = r->line;
	r->depth = 0;
	r->in_string = r->escape = false;
	r->elem_scalar = c != '{' && c != '[';
	r->state = SC_ELEM;
}

static enum dk_status feed_array(struct json_reader *r, const char *data, size_t n, struct dk_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char c = data[i];
		switch (r->state) {
		case SC_BEGIN:
			if (is_ws(c))
				break;
			if (c != '[')
				return fatal(r, err, "expected a JSON array of objects, starting with '['");
			r->state = SC_FIRST;
			break;
		case SC_FIRST:
		case SC_NEXT:
			if (is_ws(c))
				break;
			if (c == ']') {
				if (r->state == SC_NEXT)
					return fatal(r, err, "a comma before the closing ']'");
				r->state = SC_END;
				break;
			}
			if (c == ',')
				return fatal(r, err, "expected a record before ','");
			elem_begin(r, c);
			/* fall through */
		case SC_ELEM: {
			/* Copy a run of bytes that cannot end the record at once. */
			size_t j = i;
			if (r->in_string && !r->escape)
				while (j < n && data[j] != '"' && data[j] != '\\' && data[j] != '\n')
					j++;
			if (j > i) {
				elem_add(r, data + i, j - i);
				i = j - 1;
				break;
			}
			if (r->elem_scalar && !r->in_string && (is_ws(c) || c == ',' || c == ']')) {
				r->state = SC_AFTER;
				enum dk_status s = emit(r, err);
				if (s)
					return s;
				i--; /* the byte is read again after the record */
				continue;
			}
			elem_add(r, &c, 1);
			if (r->in_string) {
				if (r->escape)
					r->escape = false;
				else if (c == '\\')
					r->escape = true;
				else if (c == '"') {
					r->in_string = false;
					if (r->elem_scalar && r->depth == 0) {
						r->state = SC_AFTER;
						enum dk_status s = emit(r, err);
						if (s)
							return s;
					}
				}
			} else if (c == '"') {
				r->in_string = true;
			} else if (c == '{' || c == '[') {
				r->depth++;
			} else if (c == '}' || c == ']') {
				if (--r->depth <= 0) {
					r->state = SC_AFTER;
					enum dk_status s = emit(r, err);
					if (s)
						return s;
				}
			}
			break;
		}
		case SC_AFTER:
			if (is_ws(c))
				break;
			if (c == ',')
				r->state = SC_NEXT;
			else if (c == ']')
				r->state = SC_END;
			else
				return fatal(r, err, "expected ',' or ']' after a record");
			break;
		case SC_END:
			if (!is_ws(c))
				return fatal(r, err, "text after the end of the array");
			break;
		case SC_LINE: break;
		}
		if (c == '\n')
			r->line++;
	}
	return DK_OK;
}

static enum dk_status feed(struct json_reader *r, const char *data, size_t n, struct dk_error *err)
{
	return r->mode == JSON_LINES ? feed_lines(r, data, n, err) : feed_array(r, data, n, err);
}

/* Remembers a failure, so that a caller that reads on (or finishes) after it is told again. */
static enum dk_status failed(struct json_reader *r, enum dk_status s, struct dk_error *err)
{
	if (s && !r->failed) {
		r->failed = true;
		if (err)
			r->failure = *err;
		else
			dk_fail(&r->failure, s, "%s: the input could not be read", r->name);
		r->failure.status = s;
	}
	return s;
}

static enum dk_status sink(void *r, const char *data, size_t n, struct dk_error *err)
{
	return feed(r, data, n, err);
}

enum dk_status json_feed(struct json_reader *r, const char *data, size_t n, struct dk_error *err)
{
	if (r->failed)
		return dk_fail(err, r->failure.status, "%s", r->failure.msg);
	return failed(r, text_skip_bom(&r->bom, data, n, sink, r, err), err);
}

static enum dk_status finish(struct json_reader *r, struct dk_error *err)
{
	enum dk_status s = text_skip_bom_end(&r->bom, sink, r, err);
	if (s)
		return s;
	if (r->mode == JSON_LINES) {
		bool blank = !r->elem_over;
		for (size_t i = 0; blank && i < r->elem.len; i++)
			blank = is_ws(r->elem.data[i]);
		if (blank)
			return DK_OK;
		return emit(r, err);
	}
	switch (r->state) {
	case SC_END: return DK_OK;
	case SC_BEGIN: return fatal(r, err, "expected a JSON array of objects, and the input is empty");
	case SC_ELEM:
		if (r->elem_scalar && !r->in_string)
			return fatal(r, err, "the array is not closed");
		return dk_fail(err, DK_INVALID, "%s:%lld: record %lld, which starts on this line, is not closed",
			       r->name, (long long)r->elem_line, (long long)r->index + 1);
	default: return fatal(r, err, "the array is not closed");
	}
}

enum dk_status json_finish(struct json_reader *r, struct dk_error *err)
{
	if (r->failed)
		return dk_fail(err, r->failure.status, "%s", r->failure.msg);
	return failed(r, finish(r, err), err);
}
