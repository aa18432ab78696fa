/* import.c: running an import (see import.h): the readers, one transaction per run, the batch,
 * idempotence by (source, reference), conflicts, the rejects in the input's format, the report. */
#include "import.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit.h"
#include "csv.h"
#include "db_internal.h"
#include "import_internal.h"
#include "party.h"
#include "text.h"
#include "when.h"

#define PROGRESS_EVERY 4096

struct import {
	struct db *db;
	struct acting who;
	struct import_options o;
	char *source, *input;
	enum import_format format;
	struct csv_reader *csv;
	struct json_reader *json;
	bool started; /* a byte was read */
	/* import_feed failed: the input was not read to its end, and nothing may be written. */
	enum dk_status feed_failed;

	/* CSV: the header */
	bool header_seen;
	size_t ncols;
	int col_field[CSV_FIELDS_MAX];
	bool error_first; /* its first column is "error" (a rejects file read back) */

	EVP_MD_CTX *sha;
	bool tx;
	bool fresh;                 /* the database had no demand: its indexes are set aside during the run */
	struct demand_cache *cache; /* for the transaction's life */
	struct db_saved_indexes ix;
	int64_t batch, started_at;
	struct import_counts n;
	char *errors[IMPORT_ERRORS_MAX];
	size_t n_errors;
	int64_t more_errors;
	int64_t rejects_written;
	struct import_scratch sc;
	struct buf out; /* a rejected record being written */
};

const char *import_format_name(enum import_format f)
{
	switch (f) {
	case IMPORT_CSV: return "csv";
	case IMPORT_JSON: return "json";
	case IMPORT_NDJSON: return "ndjson";
	default: return "none";
	}
}

enum import_format import_format_parse(const char *s)
{
	for (int f = IMPORT_CSV; f <= IMPORT_NDJSON; f++)
		if (strcmp(s, import_format_name((enum import_format)f)) == 0)
			return (enum import_format)f;
	return IMPORT_FORMAT_NONE;
}

enum import_format import_format_from_name(const char *name)
{
	/* A URL's path: the query and fragment are not part of the name. */
	size_t n = strcspn(name, "?#");
	static const struct {
		const char *ext;
		enum import_format f;
	} exts[] = {
		{".csv", IMPORT_CSV}, {".json", IMPORT_JSON}, {".ndjson", IMPORT_NDJSON}, {".jsonl", IMPORT_NDJSON}};
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		size_t k = strlen(exts[i].ext);
		if (n > k && strncasecmp(name + n - k, exts[i].ext, k) == 0)
			return exts[i].f;
	}
	return IMPORT_FORMAT_NONE;
}

enum import_format import_format_from_type(const char *type)
{
	if (!type)
		return IMPORT_FORMAT_NONE;
	while (*type == ' ')
		type++;
	size_t n = strcspn(type, "; ");
	static const struct {
		const char *type;
		enum import_format f;
	} types[] = {
		{"text/csv", IMPORT_CSV},
		{"application/csv", IMPORT_CSV},
		{"application/json", IMPORT_JSON},
		{"text/json", IMPORT_JSON},
		{"application/x-ndjson", IMPORT_NDJSON},
		{"application/ndjson", IMPORT_NDJSON},
		{"application/jsonl", IMPORT_NDJSON},
		{"application/x-jsonlines", IMPORT_NDJSON},
		{"application/jsonlines", IMPORT_NDJSON},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i].type) == n && strncasecmp(type, types[i].type, n) == 0)
			return types[i].f;
	return IMPORT_FORMAT_NONE;
}

/* ---- the report and the rejects ---- */

static void note_problem(struct import *im, const char *msg)
{
	if (im->n_errors < IMPORT_ERRORS_MAX && (im->errors[im->n_errors] = strdup(msg)))
		im->n_errors++;
	else
		im->more_errors++;
}

/* Offset just past the first field of a CSV record as written (and its comma). */
static size_t csv_after_first(const char *raw, size_t n)
{
	size_t i = 0;
	if (n && raw[0] == '"') {
		for (i = 1; i < n; i++) {
			if (raw[i] != '"')
				continue;
			if (i + 1 < n && raw[i + 1] == '"') {
				i++;
				continue;
			}
			i++;
			break;
		}
	}
	while (i < n && raw[i] != ',')
		i++;
	return i < n ? i + 1 : n;
}

static enum dk_status put_out(struct import *im, struct dk_error *err)
{
	struct buf *b = &im->out;
	if (b->oom)
		return dk_fail(err, DK_STORAGE, "out of memory");
	if (b->len && im->o.reject(im->o.reject_ctx, b->data, b->len))
		return dk_fail(err, DK_STORAGE, "writing the rejected records failed");
	buf_reset(b);
	return DK_OK;
}

static void csv_row(struct import *im, const char *first, const char *raw, size_t raw_len)
{
	buf_csv_cell(&im->out, first);
	if (raw) {
		size_t skip = im->error_first ? csv_after_first(raw, raw_len) : 0;
		if (skip < raw_len || !im->error_first) {
			buf_putc(&im->out, ',');
			buf_add(&im->out, raw + skip, raw_len - skip);
		}
	}
	buf_puts(&im->out, "\r\n");
}

/* A rejected record, in the input's format, with the reason first. parsed says that raw is an
 * object the reader could read. */
static enum dk_status write_reject(struct import *im, const char *msg, const char *raw, size_t raw_len, bool parsed,
				   struct dk_error *err)
{
	if (!im->o.reject)
		return DK_OK;
	struct buf *b = &im->out;
	if (im->format == IMPORT_CSV) {
		csv_row(im, msg, raw, raw_len);
	} else {
		if (im->format == IMPORT_JSON)
			buf_puts(b, im->rejects_written ? ",\n" : "[\n");
		buf_puts(b, "{\"error\": ");
		buf_json_str(b, msg);
		const char *brace = raw && parsed ? memchr(raw, '{', raw_len) : NULL;
		if (brace) {
			/* The record as it was, with the reason as its first member. */
			const char *rest = brace + 1, *end = raw + raw_len, *p = rest;
			while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
				p++;
			if (p < end && *p != '}')
				buf_puts(b, ", ");
			buf_add(b, rest, (size_t)(end - rest));
		} else {
			if (raw) {
				struct buf s;
				buf_init(&s);
				buf_add(&s, raw, raw_len);
				buf_puts(b, ", \"record\": ");
				buf_json_str(b, s.data ? s.data : "");
				buf_free(&s);
			}
			buf_putc(b, '}');
		}
		if (im->format == IMPORT_NDJSON)
			buf_putc(b, '\n');
	}
	im->rejects_written++;
	return put_out(im, err);
}

struct where {
	char at[300]; /* "intake.csv:17" or "intake.json: record 17" */
	const char *raw;
	size_t raw_len;
	bool parsed;
};

/* An invalid record: counted, reported, handed to the rejects. */
static enum dk_status reject(struct import *im, const struct where *w, const char *problem, struct dk_error *err)
{
	char msg[DK_ERROR_MAX + 320];
	snprintf(msg, sizeof msg, "%s: %s", w->at, problem);
	im->n.rejected++;
	note_problem(im, msg);
	return write_reject(im, msg, w->raw, w->raw_len, w->parsed, err);
}

/* ---- writing ---- */

static bool writing(const struct import *im)
{
	return im->n.rejected == 0 || im->o.skip_invalid;
}

static enum dk_status ensure_tx(struct import *im, struct dk_error *err)
{
	if (im->tx)
		return DK_OK;
	bool any;
	enum dk_status s = demand_any(im->db, &any, err);
	if (s)
		return s;
	im->fresh = !any;
	db_load_mode(im->db, DB_LOAD_IMPORT, true, im->fresh);
	if ((s = db_begin(im->db, err))) {
		db_load_mode(im->db, DB_LOAD_IMPORT, false, im->fresh);
		return s;
	}
	im->tx = true;
	if (!(im->cache = demand_cache_new()))
		return dk_fail(err, DK_STORAGE, "out of memory");
	if (im->fresh && (s = db_indexes_drop(im->db, &im->ix, err)))
		return s;
	im->started_at = when_now();
	sqlite3_stmt *st = db_stmt(im->db,
				   "INSERT INTO import_batch (source, input, format, login, actor, started_at)"
				   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, im->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, im->input, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, import_format_name(im->format), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, im->who.login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, im->who.actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, im->started_at);
	if ((s = db_exec_stmt(im->db, st, "recording the import batch", err)))
		return s;
	im->batch = sqlite3_last_insert_rowid(im->db->h);
	return DK_OK;
}

static void end_tx(struct import *im)
{
	if (!im->tx)
		return;
	db_rollback(im->db);
	db_indexes_forget(&im->ix); /* the rollback brought them back */
	demand_cache_free(&im->cache);
	im->tx = false;
	db_load_mode(im->db, DB_LOAD_IMPORT, false, im->fresh);
}

/* The digest the batch that recorded demand id kept for it; *found false when none did. */
static enum dk_status item_digest(struct import *im, int64_t id, unsigned char digest[32], bool *found,
				  struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(im->db, "SELECT digest, batch_id FROM import_item WHERE demand_id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32;
	if (*found)
		memcpy(digest, sqlite3_column_blob(st, 0), 32);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DK_OK : db_error(im->db, "reading import items", err);
}

/* A record whose (source, reference) is demand id: the same record again, or a conflict. */
static enum dk_status judge_existing(struct import *im, const struct where *w, int64_t id,
				     const struct demand_input *in, const unsigned char digest[32],
				     struct dk_error *err)
{
	unsigned char had[32];
	bool found;
	enum dk_status s = item_digest(im, id, had, &found, err);
	if (s)
		return s;
	if (found && memcmp(had, digest, 32) == 0) {
		im->n.present++;
		return DK_OK;
	}
	char diff[400];
	if ((s = demand_differs(im->db, id, in, diff, sizeof diff, err)))
		return s;
	if (!found && !*diff) {
		im->n.present++; /* recorded by other means, with the same facts */
		return DK_OK;
	}
	char msg[DK_ERROR_MAX + 800];
	snprintf(msg, sizeof msg,
		 "%s: reference: \"%.200s\" is already recorded (demand %lld) with other content (%s); left unchanged",
		 w->at, in->reference, (long long)id,
		 *diff ? diff : "the assignee, the note or a customer_ field differs");
	im->n.conflicts++;
	note_problem(im, msg);
	return DK_OK;
}

static enum dk_status insert_item(struct import *im, int64_t id, const unsigned char digest[32], struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(im->db, "INSERT INTO import_item (demand_id, batch_id, digest) VALUES (?1, ?2, ?3)", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, im->batch);
	sqlite3_bind_blob(st, 3, digest, 32, SQLITE_STATIC);
	return db_exec_stmt(im->db, st, "recording the import item", err);
}

static enum dk_status create_customer(struct import *im, const struct demand_input *in, const struct import_extra *x,
				      struct dk_error *err)
{
	struct customer c = {
		.tenant = in->customer,
		.name = x->customer_name ? x->customer_name : in->customer,
		.contact_email = x->customer_email,
		.region = x->customer_region,
	};
	int64_t id;
	/* Checked beforehand, so a failure here is the storage's; customer_add has then rolled the
	 * whole run back. */
	return customer_add(im->db, &im->who, &c, &id, err);
}

/* One record's values: checked, then recorded, counted as present, or reported. */
static enum dk_status take(struct import *im, const struct import_value *v, const struct where *w, const char *problem,
			   struct dk_error *err)
{
	im->n.records++;
	if (im->o.progress && im->n.records % PROGRESS_EVERY == 0)
		im->o.progress(im->o.progress_ctx, &im->n);
	enum dk_status s = ensure_tx(im, err);
	if (s)
		return s;
	if (problem)
		return reject(im, w, problem, err);
	struct demand_input in;
	struct import_extra x;
	char msg[DK_ERROR_MAX + 200];
	if (!import_record_check(v, im->source, &im->sc, &in, &x, msg, sizeof msg))
		return reject(im, w, msg, err);

	/* What needs the database: the customer (or whether it may be created), the assignee. */
	struct dk_error e;
	int64_t customer_id;
	bool create = false;
	if ((s = demand_cache_customer(im->db, im->cache, in.customer, &customer_id, &e))) {
		if (s != DK_INVALID)
			return dk_fail(err, s, "%s", e.msg);
		if (!im->o.create_customers) {
			snprintf(msg, sizeof msg, "%s; --create-customers adds it", e.msg);
			return reject(im, w, msg, err);
		}
		if (!x.customer_region) {
			snprintf(msg, sizeof msg, "customer_region: a value is required to create customer \"%.200s\"",
				 in.customer);
			return reject(im, w, msg, err);
		}
		if ((s = customer_check_region(im->db, x.customer_region, &e))) {
			if (s != DK_INVALID)
				return dk_fail(err, s, "%s", e.msg);
			import_field_message(e.msg, v, msg, sizeof msg);
			return reject(im, w, msg, err);
		}
		create = true;
	}
	if ((s = demand_check_refs(im->db, &in, &e))) {
		if (s != DK_INVALID)
			return dk_fail(err, s, "%s", e.msg);
		import_field_message(e.msg, v, msg, sizeof msg);
		return reject(im, w, msg, err);
	}
	unsigned char digest[32];
	if (import_record_digest(&in, &x, digest))
		return dk_fail(err, DK_STORAGE, "computing a record digest failed");

	int64_t id;
	if ((s = demand_find_ref(im->db, in.source, in.reference, &id, err)))
		return s;
	if (id)
		return judge_existing(im, w, id, &in, digest, err);
	im->n.imported++;
	if (!writing(im))
		return DK_OK;
	if (create && (s = create_customer(im, &in, &x, err)))
		return s;
	in.batch = im->batch;
	/* Everything demand_insert refuses was checked above: a failure now ends the run. */
	if ((s = demand_insert(im->db, &im->who, &in, im->cache, &id, &e)))
		return dk_fail(err, s, "%s: %s", w->at, e.msg);
	return insert_item(im, id, digest, err);
}

/* ---- the readers ---- */

static enum dk_status csv_header(struct import *im, const struct csv_record *rec, struct dk_error *err)
{
	if (rec->error)
		return dk_fail(err, DK_INVALID, "%s:%lld: the header row: %s", im->input, (long long)rec->line,
			       rec->error);
	bool seen[F_COUNT] = {false};
	for (size_t i = 0; i < rec->n; i++) {
		int f = import_field_find(rec->fields[i].s, rec->fields[i].len);
		if (f < 0) {
			char names[600];
			size_t used = 0;
			for (int k = 0; import_fields[k] && used < sizeof names; k++)
				used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", k ? ", " : "",
							 import_fields[k]);
			return dk_fail(err, DK_INVALID, "%s:%lld: unknown column \"%.60s\" (the columns are %s)",
				       im->input, (long long)rec->line, rec->fields[i].s, names);
		}
		if (f < F_COUNT && seen[f])
			return dk_fail(err, DK_INVALID, "%s:%lld: column \"%s\" appears twice", im->input,
				       (long long)rec->line, import_fields[f]);
		if (f < F_COUNT)
			seen[f] = true;
		im->col_field[i] = f;
	}
	for (int f = 0; f < F_COUNT; f++)
		if (import_required[f] && !seen[f])
			return dk_fail(err, DK_INVALID, "%s:%lld: the header has no column \"%s\", which is required",
				       im->input, (long long)rec->line, import_fields[f]);
	im->header_seen = true;
	im->ncols = rec->n;
	im->error_first = rec->n > 0 && im->col_field[0] == F_IGNORED;
	if (!im->o.reject)
		return DK_OK;
	csv_row(im, "error", rec->raw, rec->raw_len);
	return put_out(im, err);
}

static enum dk_status on_csv(void *ctx, const struct csv_record *rec, struct dk_error *err)
{
	struct import *im = ctx;
	if (!im->header_seen)
		return csv_header(im, rec, err);
	struct where w = {.raw = rec->raw, .raw_len = rec->raw_len};
	snprintf(w.at, sizeof w.at, "%s:%lld", im->input, (long long)rec->line);
	struct import_value v[F_COUNT];
	memset(v, 0, sizeof v);
	char problem[120];
	if (rec->error)
		return take(im, v, &w, rec->error, err);
	if (rec->n != im->ncols) {
		snprintf(problem, sizeof problem, "%zu fields, where the header has %zu", rec->n, im->ncols);
		return take(im, v, &w, problem, err);
	}
	for (size_t i = 0; i < rec->n; i++) {
		int f = im->col_field[i];
		if (f >= F_COUNT || rec->fields[i].len == 0)
			continue;
		v[f].present = true;
		v[f].s = rec->fields[i].s;
		v[f].len = rec->fields[i].len;
	}
	return take(im, v, &w, NULL, err);
}

static const char *type_word(enum json_type t)
{
	switch (t) {
	case JSON_NUMBER: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_ARRAY_VALUE: return "an array";
	case JSON_OBJECT_VALUE: return "an object";
	default: return "a string";
	}
}

/* A member's value as a field's, or a problem. */
static bool json_value_of(const struct json_member *m, int f, struct import_value *out, char *problem, size_t n)
{
	const struct json_value *jv = &m->value;
	if (jv->type == JSON_NULL)
		return true;
	enum import_kind kind = import_kinds[f];
	if (jv->type == JSON_STRING) {
		out->present = jv->len > 0;
		out->s = jv->s;
		out->len = jv->len;
		return true;
	}
	if (kind == K_BOOL && (jv->type == JSON_TRUE || jv->type == JSON_FALSE)) {
		out->present = true;
		out->s = jv->type == JSON_TRUE ? "true" : "false";
		out->len = strlen(out->s);
		return true;
	}
	if (kind == K_LIST && jv->type == JSON_ARRAY_VALUE && !jv->nested) {
		out->present = jv->n_items > 0;
		out->array = true;
		out->items = jv->items;
		out->n_items = jv->n_items;
		return true;
	}
	const char *want = kind == K_LIST   ? "a string or an array of strings"
			   : kind == K_BOOL ? "true, false or a string"
					    : "a string";
	if (jv->type == JSON_NUMBER)
		snprintf(problem, n, "%s: %.40s is a number, where %s is needed", import_fields[f], jv->s, want);
	else
		snprintf(problem, n, "%s: %s, where %s is needed", import_fields[f], type_word(jv->type), want);
	return false;
}

static enum dk_status on_json(void *ctx, const struct json_record *rec, struct dk_error *err)
{
	struct import *im = ctx;
	struct where w = {.raw = rec->raw, .raw_len = rec->raw_len, .parsed = !rec->error};
	if (im->format == IMPORT_JSON)
		snprintf(w.at, sizeof w.at, "%s: record %lld", im->input, (long long)rec->index);
	else
		snprintf(w.at, sizeof w.at, "%s:%lld", im->input, (long long)rec->line);
	struct import_value v[F_COUNT];
	memset(v, 0, sizeof v);
	bool seen[F_COUNT] = {false};
	char problem[200];
	if (rec->error)
		return take(im, v, &w, rec->error, err);
	for (size_t i = 0; i < rec->n; i++) {
		const struct json_member *m = &rec->members[i];
		int f = import_field_find(m->key, m->key_len);
		if (f < 0) {
			snprintf(problem, sizeof problem, "unknown field \"%.60s\"", m->key);
			return take(im, v, &w, problem, err);
		}
		if (f == F_IGNORED)
			continue;
		if (seen[f]) {
			snprintf(problem, sizeof problem, "field \"%s\" appears twice", import_fields[f]);
			return take(im, v, &w, problem, err);
		}
		seen[f] = true;
		if (!json_value_of(m, f, &v[f], problem, sizeof problem))
			return take(im, v, &w, problem, err);
	}
	return take(im, v, &w, NULL, err);
}

/* ---- the run ---- */

static enum dk_status make_reader(struct import *im, struct dk_error *err)
{
	if (im->format == IMPORT_CSV)
		im->csv = csv_new(im->input, NULL, on_csv, im);
	else
		im->json = json_new(im->input, im->format == IMPORT_JSON ? JSON_ARRAY : JSON_LINES, 0, on_json, im);
	if (!im->csv && !im->json)
		return dk_fail(err, DK_STORAGE, "out of memory");
	return DK_OK;
}

enum dk_status import_begin(struct db *db, const struct acting *who, const struct import_options *o,
			    struct import **out, struct dk_error *err)
{
	*out = NULL;
	const char *source = o->source ? o->source : IMPORT_SOURCE_DEFAULT;
	enum dk_status s = text_check("source", source, 64, false, true, err);
	if (s)
		return s;
	if ((s = staff_may(db, who, "add", NULL, err)))
		return s;
	struct import *im = calloc(1, sizeof *im);
	if (!im)
		return dk_fail(err, DK_STORAGE, "out of memory");
	im->db = db;
	im->who = *who;
	im->o = *o;
	im->source = strdup(source);
	im->input = strdup(o->input ? o->input : "input");
	im->sha = EVP_MD_CTX_new();
	buf_init(&im->out);
	if (!im->source || !im->input || !im->sha || EVP_DigestInit_ex(im->sha, EVP_sha256(), NULL) != 1) {
		import_free(&im);
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	*out = im;
	if (o->format)
		return import_set_format(im, o->format, err);
	return DK_OK;
}

enum dk_status import_set_format(struct import *im, enum import_format f, struct dk_error *err)
{
	if (im->started || im->csv || im->json)
		return dk_fail(err, DK_STORAGE, "internal error: the format is set once, before the input");
	im->format = f;
	return make_reader(im, err);
}

enum dk_status import_feed(struct import *im, const char *data, size_t n, struct dk_error *err)
{
	if (!im->csv && !im->json)
		return dk_fail(err, DK_INVALID, "%s: the format is not known: give --format csv, json or ndjson",
			       im->input);
	if (im->feed_failed)
		return dk_fail(err, im->feed_failed, "%s: the input could not be read to its end", im->input);
	im->started = true;
	im->n.bytes += (int64_t)n;
	EVP_DigestUpdate(im->sha, data, n);
	enum dk_status s = im->csv ? csv_feed(im->csv, data, n, err) : json_feed(im->json, data, n, err);
	im->feed_failed = s;
	return s;
}

static void clear_errors(struct import *im)
{
	for (size_t i = 0; i < im->n_errors; i++)
		free(im->errors[i]);
	im->n_errors = 0;
	im->more_errors = 0;
}

enum dk_status import_restart(struct import *im, struct dk_error *err)
{
	end_tx(im);
	clear_errors(im);
	memset(&im->n, 0, sizeof im->n);
	im->header_seen = false;
	im->started = false;
	im->feed_failed = DK_OK;
	im->rejects_written = 0;
	buf_reset(&im->out);
	if (im->csv)
		csv_reset(im->csv);
	if (im->json)
		json_reset(im->json);
	if (EVP_DigestInit_ex(im->sha, EVP_sha256(), NULL) != 1)
		return dk_fail(err, DK_STORAGE, "out of memory");
	if (im->o.reject_restart && im->o.reject_restart(im->o.reject_ctx))
		return dk_fail(err, DK_STORAGE, "starting the rejected records again failed");
	return DK_OK;
}

/* Completes the batch, with its event, and commits. */
static enum dk_status commit_run(struct import *im, const char *sha, struct dk_error *err)
{
	int64_t now = when_now();
	sqlite3_stmt *st = db_stmt(im->db,
				   "UPDATE import_batch SET sha256 = ?2, records = ?3, imported = ?4, present = ?5,"
				   " conflicts = ?6, rejected = ?7, finished_at = ?8 WHERE id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, im->batch);
	sqlite3_bind_text(st, 2, sha, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, im->n.records);
	sqlite3_bind_int64(st, 4, im->n.imported);
	sqlite3_bind_int64(st, 5, im->n.present);
	sqlite3_bind_int64(st, 6, im->n.conflicts);
	sqlite3_bind_int64(st, 7, im->n.rejected);
	sqlite3_bind_int64(st, 8, now);
	enum dk_status s = db_exec_stmt(im->db, st, "completing the import batch", err);
	if (s)
		return s;
	struct buf ch;
	buf_init(&ch);
	char num[24];
	snprintf(num, sizeof num, "%lld", (long long)im->batch);
	audit_change(&ch, "batch", NULL, num);
	audit_change(&ch, "source", NULL, im->source);
	audit_change(&ch, "input", NULL, im->input);
	audit_change(&ch, "format", NULL, import_format_name(im->format));
	audit_change(&ch, "sha256", NULL, sha);
	const struct {
		const char *name;
		int64_t v;
	} counts[] = {{"records", im->n.records},
		      {"imported", im->n.imported},
		      {"present", im->n.present},
		      {"conflicts", im->n.conflicts},
		      {"rejected", im->n.rejected}};
	for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
		snprintf(num, sizeof num, "%lld", (long long)counts[i].v);
		audit_change(&ch, counts[i].name, NULL, num);
	}
	audit_changes_end(&ch);
	s = ch.oom ? dk_fail(err, DK_STORAGE, "out of memory")
		   : audit_append(im->db, 0, &im->who, "imported", ch.data, "", now, err);
	buf_free(&ch);
	if (s || (s = db_indexes_restore(im->db, &im->ix, err)))
		return s;
	if ((s = db_commit(im->db, err)))
		return s;
	im->tx = false;
	demand_cache_free(&im->cache);
	db_load_mode(im->db, DB_LOAD_IMPORT, false, im->fresh);
	return DK_OK;
}

enum dk_status import_finish(struct import *im, struct import_result *res, struct dk_error *err)
{
	memset(res, 0, sizeof *res);
	enum dk_status s = DK_OK;
	if (!im->csv && !im->json)
		s = dk_fail(err, DK_INVALID, "%s: the format is not known: give --format csv, json or ndjson",
			    im->input);
	else if (im->feed_failed)
		/* A run whose input failed part-way writes nothing, even the records read before. */
		s = dk_fail(err, im->feed_failed, "%s: the input could not be read to its end; nothing imported",
			    im->input);
	else if (im->csv)
		s = csv_finish(im->csv, err);
	else
		s = json_finish(im->json, err);
	if (!s && im->csv && !im->header_seen)
		s = dk_fail(err, DK_INVALID, "%s: no header row: the input is empty", im->input);
	if (!s && im->format == IMPORT_JSON && im->o.reject) {
		buf_puts(&im->out, im->rejects_written ? "\n]\n" : "[]\n");
		s = put_out(im, err);
	}
	unsigned char h[32];
	unsigned len = 0;
	EVP_DigestFinal_ex(im->sha, h, &len);
	audit_hex(h, res->sha256);
	if (im->o.progress)
		im->o.progress(im->o.progress_ctx, &im->n);

	if (!s && im->tx) {
		if (!im->o.dry_run && writing(im) && im->n.imported > 0) {
			s = commit_run(im, res->sha256, err);
			res->written = s == DK_OK;
			res->batch = res->written ? im->batch : 0;
		}
	}
	end_tx(im); /* everything not committed */
	res->n = im->n;
	memcpy(res->errors, im->errors, im->n_errors * sizeof im->errors[0]);
	res->n_errors = im->n_errors;
	res->more_errors = im->more_errors;
	im->n_errors = 0;
	if (s)
		return s;
	res->complete = true;
	const char *dry = im->o.dry_run ? "dry run: " : "";
	if (im->n.rejected && !im->o.skip_invalid)
		return dk_fail(
			err, DK_INVALID,
			"%snothing imported: %lld of %lld records %s invalid (--skip-invalid imports the others)", dry,
			(long long)im->n.rejected, (long long)im->n.records, im->n.rejected == 1 ? "is" : "are");
	if (im->n.rejected)
		return dk_fail(err, DK_INVALID, "%s%lld invalid record%s left out", dry, (long long)im->n.rejected,
			       im->n.rejected == 1 ? " was" : "s were");
	if (im->n.conflicts)
		return dk_fail(err, DK_REFUSED, "%s%lld record%s with demands already recorded and left alone", dry,
			       (long long)im->n.conflicts, im->n.conflicts == 1 ? " conflicts" : "s conflict");
	return DK_OK;
}

void import_result_free(struct import_result *res)
{
	for (size_t i = 0; i < res->n_errors; i++)
		free(res->errors[i]);
	res->n_errors = 0;
}

void import_free(struct import **pim)
{
	struct import *im = *pim;
	if (!im)
		return;
	end_tx(im);
	clear_errors(im);
	csv_free(&im->csv);
	json_free(&im->json);
	EVP_MD_CTX_free(im->sha);
	import_scratch_free(&im->sc);
	buf_free(&im->out);
	free(im->source);
	free(im->input);
	free(im);
	*pim = NULL;
}
