/* csv.c: the streaming RFC 4180 reader (see csv.h). A byte-at-a-time state machine with runs of
 * plain bytes copied at once; the only memory it holds is the current record. */
#include "csv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

enum csv_state {
	ST_RECORD,   /* between records: nothing of the next one read yet */
	ST_FIELD,    /* at the start of a field */
	ST_UNQUOTED, /* inside an unquoted field */
	ST_QUOTED,   /* inside a quoted field */
	ST_QUOTE,    /* a quote inside a quoted field: the end, or the first of "" */
	ST_CR,       /* a carriage return outside quotes: a line end if a line feed follows */
};

struct span {
	size_t off, len;
};

struct csv_reader {
	char *name;
	size_t field_max, fields_max, record_max;
	csv_record_fn fn;
	void *ctx;

	enum csv_state state;
	enum csv_state cr_from; /* the state a carriage return was seen in */
	int bom;                /* bytes of a byte order mark matched so far; 3 once decided */
	int64_t line;           /* the line being read */
	int64_t record_line;
	int64_t quote_line; /* where the quoted field being read opened */
	int64_t index;

	struct buf data; /* the fields' bytes, each followed by a NUL */
	struct span *spans;
	struct csv_field *out;
	size_t n;           /* fields stored, including the one being read */
	size_t field_start; /* offset of the current field in data */
	bool field_over;    /* the current field passed field_max */
	bool fields_over;   /* the record has more than fields_max fields */
	struct buf raw;
	bool raw_over;
	char error[160];
};


struct csv_reader *csv_new(const char *name, const struct csv_limits *lim, csv_record_fn fn, void *ctx)
{
	struct csv_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->field_max = lim && lim->field_max ? lim->field_max : CSV_FIELD_MAX;
	r->fields_max = lim && lim->fields_max ? lim->fields_max : CSV_FIELDS_MAX;
	r->record_max = lim && lim->record_max ? lim->record_max : CSV_RECORD_MAX;
	r->fn = fn;
	r->ctx = ctx;
	r->name = strdup(name ? name : "input");
	r->spans = calloc(r->fields_max, sizeof *r->spans);
	r->out = calloc(r->fields_max, sizeof *r->out);
	if (!r->name || !r->spans || !r->out) {
		csv_free(&r);
		return NULL;
	}
	buf_init(&r->data);
	buf_init(&r->raw);
	csv_reset(r);
	return r;
}

void csv_free(struct csv_reader **pr)
{
	struct csv_reader *r = *pr;
	if (!r)
		return;
	buf_free(&r->data);
	buf_free(&r->raw);
	free(r->spans);
	free(r->out);
	free(r->name);
	free(r);
	*pr = NULL;
}

static void record_clear(struct csv_reader *r)
{
	buf_reset(&r->data);
	buf_reset(&r->raw);
	r->n = 0;
	r->field_start = 0;
	r->field_over = r->fields_over = r->raw_over = false;
	r->error[0] = '\0';
}

void csv_reset(struct csv_reader *r)
{
	record_clear(r);
	r->state = ST_RECORD;
	r->bom = 0;
	r->line = 1;
	r->record_line = 1;
	r->index = 0;
}

static void set_error(struct csv_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(struct csv_reader *r, const char *fmt, ...)
{
	if (r->error[0])
		return; /* the first problem is the one reported */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error, sizeof r->error, fmt, ap);
	va_end(ap);
}

static void begin_record(struct csv_reader *r)
{
	record_clear(r);
	r->record_line = r->line;
	r->n = 1;
}

static void add_raw(struct csv_reader *r, const char *s, size_t n)
{
	if (r->raw_over)
		return;
	if (n > r->record_max - r->raw.len) {
		r->raw_over = true;
		buf_reset(&r->raw);
		set_error(r, "the record is longer than the limit of %zu bytes", r->record_max);
		return;
	}
	buf_add(&r->raw, s, n);
}

/* Bytes of the current field's value, cut at the field's limit. The values together are never
 * longer than the record as written, so that bound (plus the NULs) caps the memory too. */
static void add_data(struct csv_reader *r, const char *s, size_t n)
{
	if (r->fields_over || r->field_over)
		return;
	size_t room = r->field_max - (r->data.len - r->field_start);
	size_t total = r->record_max + r->fields_max;
	if (total - r->data.len < room)
		room = total - r->data.len;
	if (n > room) {
		buf_add(&r->data, s, room);
		r->field_over = true;
		set_error(r, "field %zu is longer than the limit of %zu bytes", r->n, r->field_max);
		return;
	}
	buf_add(&r->data, s, n);
}

/* Bytes that are both written and the field's value. The first limit they pass is the one
 * reported, whatever the pieces the input came in. */
static void add_both(struct csv_reader *r, const char *s, size_t n)
{
	size_t raw_room = r->raw_over ? SIZE_MAX : r->record_max - r->raw.len;
	size_t field_room = r->fields_over || r->field_over ? SIZE_MAX : r->field_max - (r->data.len - r->field_start);
	if (n > field_room && field_room < raw_room) {
		add_data(r, s, n);
		add_raw(r, s, n);
	} else {
		add_raw(r, s, n);
		add_data(r, s, n);
	}
}

static void end_field(struct csv_reader *r)
{
	if (!r->fields_over) {
		r->spans[r->n - 1].off = r->field_start;
		r->spans[r->n - 1].len = r->data.len - r->field_start;
		buf_putc(&r->data, '\0');
	}
	r->field_over = false;
	r->field_start = r->data.len;
}

static void next_field(struct csv_reader *r)
{
	end_field(r);
	if (r->fields_over)
		return;
	if (r->n == r->fields_max) {
		r->fields_over = true;
		set_error(r, "the record has more than %zu fields", r->fields_max);
		return;
	}
	r->n++;
}

static enum dk_status end_record(struct csv_reader *r, struct dk_error *err)
{
	end_field(r);
	if (r->data.oom || r->raw.oom)
		return dk_fail(err, DK_STORAGE, "%s:%lld: out of memory", r->name, (long long)r->record_line);
	for (size_t i = 0; i < r->n; i++) {
		r->out[i].s = r->data.data + r->spans[i].off;
		r->out[i].len = r->spans[i].len;
	}
	struct csv_record rec = {
		.fields = r->out,
		.n = r->n,
		.line = r->record_line,
		.index = ++r->index,
		.raw = r->raw_over ? NULL : (r->raw.data ? r->raw.data : ""),
		.raw_len = r->raw_over ? 0 : r->raw.len,
		.error = r->error[0] ? r->error : NULL,
	};
	r->state = ST_RECORD;
	enum dk_status s = r->fn(r->ctx, &rec, err);
	record_clear(r);
	return s;
}

/* A carriage return that no line feed followed: kept as data, and an error. */
static void stray_cr(struct csv_reader *r)
{
	if (r->cr_from == ST_RECORD)
		begin_record(r);
	set_error(r, "a carriage return not followed by a line feed");
	add_both(r, "\r", 1);
	r->state = ST_UNQUOTED;
}

/* How many bytes from p on are plain data in the current state (no quote, comma, CR or LF, or
 * in a quoted field no quote or LF). */
static size_t plain_run(const char *p, size_t n, bool quoted)
{
	size_t i = 0;
	if (quoted) {
		while (i < n && p[i] != '"' && p[i] != '\n')
			i++;
	} else {
		while (i < n && p[i] != '"' && p[i] != ',' && p[i] != '\r' && p[i] != '\n')
			i++;
	}
	return i;
}

/* What ends a field, read in state from: a comma begins the next field, a line feed ends the record
 * (*s its status), a carriage return waits for its line feed. False when c is none of these. */
static bool field_end(struct csv_reader *r, char c, enum csv_state from, enum dk_status *s, struct dk_error *err)
{
	if (c == ',') {
		add_raw(r, &c, 1);
		next_field(r);
		r->state = ST_FIELD;
	} else if (c == '\n') {
		r->line++;
		*s = end_record(r, err);
	} else if (c == '\r') {
		r->cr_from = from;
		r->state = ST_CR;
	} else {
		return false;
	}
	return true;
}

static enum dk_status feed(struct csv_reader *r, const char *data, size_t n, struct dk_error *err)
{
	enum dk_status s = DK_OK;
	size_t i = 0;
	while (i < n) {
		if (r->state == ST_UNQUOTED || r->state == ST_QUOTED) {
			size_t run = plain_run(data + i, n - i, r->state == ST_QUOTED);
			if (run) {
				add_both(r, data + i, run);
				i += run;
				continue;
			}
		}
		char c = data[i++];
		switch (r->state) {
		case ST_CR:
			if (c == '\n') {
				r->line++;
				if (r->cr_from == ST_RECORD) {
					r->state = ST_RECORD; /* an empty line */
					continue;
				}
				if ((s = end_record(r, err)))
					return s;
				continue;
			}
			stray_cr(r);
			i--; /* the byte is read again as part of the unquoted field */
			continue;
		case ST_RECORD:
			if (c == '\n') {
				r->line++;
				continue;
			}
			if (c == '\r') {
				r->cr_from = ST_RECORD;
				r->state = ST_CR;
				continue;
			}
			begin_record(r);
			r->state = ST_FIELD;
			/* fall through */
		case ST_FIELD:
			if (c == '"') {
				add_raw(r, &c, 1);
				r->quote_line = r->line;
				r->state = ST_QUOTED;
			} else if (!field_end(r, c, ST_FIELD, &s, err)) {
				add_both(r, &c, 1);
				r->state = ST_UNQUOTED;
			}
			break;
		case ST_UNQUOTED:
			if (!field_end(r, c, ST_UNQUOTED, &s, err)) { /* a quote */
				set_error(r, "field %zu: a quote inside an unquoted field", r->n);
				add_both(r, &c, 1);
			}
			break;
		case ST_QUOTED:
			if (c == '"') {
				add_raw(r, &c, 1);
				r->state = ST_QUOTE;
			} else { /* a line feed inside the field */
				r->line++;
				add_both(r, &c, 1);
			}
			continue;
		case ST_QUOTE:
			if (c == '"') {
				add_both(r, &c, 1);
				r->state = ST_QUOTED;
			} else if (!field_end(r, c, ST_QUOTE, &s, err)) {
				set_error(r, "field %zu: text after the closing quote", r->n);
				add_both(r, &c, 1);
				r->state = ST_UNQUOTED;
			}
			break;
		}
		if (s)
			return s;
	}
	return DK_OK;
}

static enum dk_status sink(void *r, const char *data, size_t n, struct dk_error *err)
{
	return feed(r, data, n, err);
}

enum dk_status csv_feed(struct csv_reader *r, const char *data, size_t n, struct dk_error *err)
{
	return text_skip_bom(&r->bom, data, n, sink, r, err);
}

enum dk_status csv_finish(struct csv_reader *r, struct dk_error *err)
{
	enum dk_status s = text_skip_bom_end(&r->bom, sink, r, err);
	if (s)
		return s;
	switch (r->state) {
	case ST_RECORD: return DK_OK;
	case ST_QUOTED:
		return dk_fail(err, DK_INVALID,
			       "%s:%lld: the quoted field opened on this line is not closed at the end", r->name,
			       (long long)r->quote_line);
	case ST_CR:
		if (r->cr_from == ST_RECORD)
			return DK_OK;
		/* a carriage return at the very end is taken as the line end */
		/* fall through */
	default: return end_record(r, err);
	}
}
