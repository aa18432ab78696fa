/* queue.c: keyset-paged reads of the demand queue, its counts, and search (see queue.h). */
#include "queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db_internal.h"
#include "obligation.h"
#include "text.h"
#include "when.h"

const char *const queue_order_names[] = {"deadline", "received", "id", NULL};
const char *const queue_match_names[] = {"reference", "identifier", "name", "note", NULL};

/* Page statements differ by filter and order so that each gets the index that serves it (a
 * condition like "(:x IS NULL OR d.assignee = :x)" would keep SQLite from using any). They are
 * composed from the constant fragments below, never from values, which are all bound, and kept in
 * a small cache of the reader's own rather than db_stmt's, which is sized for the literals. */
#define QUEUE_CACHE 24

struct queue {
	struct db *db;
	struct {
		unsigned code;
		sqlite3_stmt *st;
		unsigned long used;
	} cache[QUEUE_CACHE];
	int ncache;
	unsigned long tick;
};

/* The parts of the queue a read walks: the two parts of deadline order, and the other orders. */
enum seg { SEG_DUE, SEG_REST, SEG_RECEIVED, SEG_ID };
/* What the status filter selects. */
enum kind { KIND_OPEN, KIND_STATE, KIND_ALL, KIND_CLOSED };

/* A queue row's columns (see row_of), and the tables they come from. */
#define ROW_SELECT                                                                                                     \
	"SELECT d.id, d.reference, d.received_at, r.name, r.kind, d.instrument, c.name, d.status, d.outcome,"          \
	" coalesce(d.due_at, 0), d.assignee, d.emergency, d.cross_region, d.process_flag,"                             \
	" EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id" IN_FORCE "), d.version"
#define ROW_JOINS   " JOIN customer AS c ON c.id = d.customer_id JOIN requester AS r ON r.id = d.requester_id"
#define ROW_COLUMNS ROW_SELECT " FROM demand AS d" ROW_JOINS
/* An order in force at :now (obligation.h). */
#define IN_FORCE " AND " OB_IN_FORCE_SQL("o", ":now")

enum dk_status queue_open(struct db *db, struct queue **out, struct dk_error *err)
{
	*out = calloc(1, sizeof **out);
	if (!*out)
		return dk_fail(err, DK_STORAGE, "out of memory");
	(*out)->db = db;
	return DK_OK;
}

void queue_free(struct queue **pq)
{
	struct queue *q = *pq;
	if (!q)
		return;
	for (int i = 0; i < q->ncache; i++)
		sqlite3_finalize(q->cache[i].st);
	free(q);
	*pq = NULL;
}

enum dk_status queue_filter_check(const struct queue_filter *f, struct dk_error *err)
{
	const char *s = f->status;
	if (!s || !*s || strcmp(s, "open") == 0 || strcmp(s, "all") == 0 || demand_name_known(demand_states, s))
		return DK_OK;
	char names[300];
	demand_names_join(demand_states, names, sizeof names);
	return dk_fail(err, DK_INVALID, "status: \"%.40s\" is not one of open, all, %s", s, names);
}

static enum kind kind_of(const struct queue_filter *f)
{
	const char *s = f->status;
	if (!s || !*s || strcmp(s, "open") == 0)
		return KIND_OPEN;
	if (strcmp(s, "all") == 0)
		return KIND_ALL;
	if (strcmp(s, "closed") == 0)
		return KIND_CLOSED;
	return KIND_STATE;
}

/* Whether a segment's key comparison is "greater than" (ascending order) in direction dir. */
static bool seg_ascending(enum seg seg, enum queue_dir dir)
{
	bool asc = seg == SEG_DUE;
	return dir == QUEUE_NEXT ? asc : !asc;
}

static void compose(struct buf *b, enum kind kind, enum seg seg, enum queue_dir dir, bool assignee, bool late,
		    bool under)
{
	static const char *const where[4][4] = {
		[SEG_DUE] = {"d.status <> 'closed' AND d.due_at IS NOT NULL",
			     "d.status <> 'closed' AND d.due_at IS NOT NULL AND d.status = :status",
			     "d.status <> 'closed' AND d.due_at IS NOT NULL", "0"},
		[SEG_REST] = {"d.status <> 'closed' AND d.due_at IS NULL", "d.status = :status AND d.due_at IS NULL",
			      "(d.status = 'closed' OR d.due_at IS NULL)", "+d.status = 'closed'"},
		[SEG_RECEIVED] = {"d.status <> 'closed'", "d.status = :status AND d.status <> 'closed'", "1",
				  "+d.status = 'closed'"},
		[SEG_ID] = {"d.status <> 'closed'", "d.status = :status AND d.status <> 'closed'", "1",
			    "+d.status = 'closed'"},
	};
	static const char *const key_cmp[4][2] = {
		[SEG_DUE] = {" AND (d.due_at, d.id) > (:kv, :kid)", " AND (d.due_at, d.id) < (:kv, :kid)"},
		[SEG_REST] = {" AND d.id < :kid", " AND d.id > :kid"},
		[SEG_RECEIVED] = {" AND (d.received_at, d.id) < (:kv, :kid)",
				  " AND (d.received_at, d.id) > (:kv, :kid)"},
		[SEG_ID] = {" AND d.id < :kid", " AND d.id > :kid"},
	};
	static const char *const order_by[4][2] = {
		[SEG_DUE] = {" ORDER BY d.due_at, d.id", " ORDER BY d.due_at DESC, d.id DESC"},
		[SEG_REST] = {" ORDER BY d.id DESC", " ORDER BY d.id"},
		[SEG_RECEIVED] = {" ORDER BY d.received_at DESC, d.id DESC", " ORDER BY d.received_at, d.id"},
		[SEG_ID] = {" ORDER BY d.id DESC", " ORDER BY d.id"},
	};
	buf_puts(b, ROW_COLUMNS " WHERE ");
	buf_puts(b, where[seg][kind]);
	if (assignee)
		buf_puts(b, " AND d.assignee = :assignee");
	if (late)
		buf_puts(b, seg == SEG_DUE ? " AND d.due_at < :now" : " AND d.status <> 'closed' AND d.due_at < :now");
	if (under)
		buf_puts(b, " AND EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id" IN_FORCE ")");
	buf_puts(b, key_cmp[seg][dir]);
	buf_puts(b, order_by[seg][dir]);
	buf_puts(b, " LIMIT :limit");
}

static sqlite3_stmt *page_stmt(struct queue *q, enum kind kind, enum seg seg, enum queue_dir dir, bool assignee,
			       bool late, bool under, struct dk_error *err)
{
	unsigned code = (unsigned)kind | (unsigned)seg << 2 | (unsigned)dir << 4 | (unsigned)assignee << 5 |
			(unsigned)late << 6 | (unsigned)under << 7;
	int slot = -1;
	for (int i = 0; i < q->ncache; i++) {
		if (q->cache[i].code == code) {
			q->cache[i].used = ++q->tick;
			sqlite3_reset(q->cache[i].st);
			sqlite3_clear_bindings(q->cache[i].st);
			return q->cache[i].st;
		}
		if (slot < 0 || q->cache[i].used < q->cache[slot].used)
			slot = i;
	}
	struct buf sql;
	buf_init(&sql);
	compose(&sql, kind, seg, dir, assignee, late, under);
	if (sql.oom) {
		buf_free(&sql);
		dk_fail(err, DK_STORAGE, "out of memory");
		return NULL;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(q->db->h, sql.data, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	buf_free(&sql);
	if (rc != SQLITE_OK) {
		db_error(q->db, "preparing the queue", err);
		return NULL;
	}
	if (q->ncache < QUEUE_CACHE) {
		slot = q->ncache++;
	} else {
		sqlite3_finalize(q->cache[slot].st);
	}
	q->cache[slot].code = code;
	q->cache[slot].st = st;
	q->cache[slot].used = ++q->tick;
	return st;
}

static void bind_int(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i)
		sqlite3_bind_int64(st, i, v);
}

static void bind_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i)
		db_bind_text(st, i, v);
}

static void row_of(sqlite3_stmt *st, struct demand_row *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->reference = (const char *)sqlite3_column_text(st, 1);
	r->received_at = sqlite3_column_int64(st, 2);
	r->requester = (const char *)sqlite3_column_text(st, 3);
	r->requester_kind = (const char *)sqlite3_column_text(st, 4);
	r->instrument = (const char *)sqlite3_column_text(st, 5);
	r->customer = (const char *)sqlite3_column_text(st, 6);
	r->status = (const char *)sqlite3_column_text(st, 7);
	r->outcome = (const char *)sqlite3_column_text(st, 8);
	r->due_at = sqlite3_column_int64(st, 9);
	r->assignee = (const char *)sqlite3_column_text(st, 10);
	r->emergency = sqlite3_column_int(st, 11);
	r->cross_region = sqlite3_column_int(st, 12);
	r->process_flag = sqlite3_column_int(st, 13);
	r->under_order = sqlite3_column_int(st, 14);
	r->version = sqlite3_column_int64(st, 15);
}

/* The key of a row as read from segment seg. */
static void key_of(enum seg seg, const struct demand_row *r, struct queue_key *k)
{
	k->id = r->id;
	k->value = seg == SEG_DUE ? r->due_at : seg == SEG_RECEIVED ? r->received_at : 0;
	k->rest = seg == SEG_REST;
}

/* One read over one segment; *got counts rows, *stop is set when fn asked to stop. */
static enum dk_status read_seg(struct queue *q, const struct queue_filter *f, int64_t now, enum seg seg,
			       enum queue_dir dir, const struct queue_key *from, bool inclusive, int limit, int *got,
			       bool *stop, queue_row_fn fn, void *ctx, struct dk_error *err)
{
	enum kind kind = kind_of(f);
	bool assignee = f->assignee && *f->assignee;
	sqlite3_stmt *st = page_stmt(q, kind, seg, dir, assignee, f->late, f->under_order, err);
	if (!st)
		return DK_STORAGE;
	bool asc = seg_ascending(seg, dir);
	int64_t kv, kid;
	if (from) {
		kv = from->value;
		kid = from->id;
		/* Ids are integers: "at or after (v, id)" is "after (v, id - 1)". */
		if (inclusive)
			kid += asc ? -1 : 1;
	} else {
		kv = kid = asc ? INT64_MIN : INT64_MAX;
	}
	bind_int(st, ":kv", kv);
	bind_int(st, ":kid", kid);
	bind_int(st, ":now", now);
	bind_int(st, ":limit", limit - *got);
	if (kind == KIND_STATE)
		bind_text(st, ":status", f->status);
	if (assignee)
		bind_text(st, ":assignee", f->assignee);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct demand_row r;
		struct queue_key k;
		row_of(st, &r);
		key_of(seg, &r, &k);
		(*got)++;
		if (fn(&r, &k, ctx)) {
			*stop = true;
			break;
		}
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(q->db, "reading the queue", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status queue_read(struct queue *q, const struct queue_filter *f, enum queue_order order, enum queue_dir dir,
			  const struct queue_key *from, bool inclusive, int limit, queue_row_fn fn, void *ctx,
			  struct dk_error *err)
{
	enum dk_status s = queue_filter_check(f, err);
	if (s || limit <= 0)
		return s;
	int64_t now = f->now ? f->now : when_now();
	enum kind kind = kind_of(f);
	int got = 0;
	bool stop = false;
	/* Late is about open demands with a deadline: the closed ones have none to miss. */
	if (f->late && kind == KIND_CLOSED)
		return DK_OK;
	if (order == QUEUE_BY_RECEIVED || order == QUEUE_BY_ID)
		return read_seg(q, f, now, order == QUEUE_BY_RECEIVED ? SEG_RECEIVED : SEG_ID, dir, from, inclusive,
				limit, &got, &stop, fn, ctx, err);

	/* Deadline order walks two parts: those with a deadline, then the rest (never late). */
	bool in_rest = from && from->rest && !f->late;
	bool due_part = kind != KIND_CLOSED, rest_part = !f->late;
	if (dir == QUEUE_NEXT) {
		if (due_part && !in_rest)
			s = read_seg(q, f, now, SEG_DUE, dir, from, inclusive, limit, &got, &stop, fn, ctx, err);
		if (!s && !stop && got < limit && rest_part)
			s = read_seg(q, f, now, SEG_REST, dir, in_rest ? from : NULL, inclusive, limit, &got, &stop, fn,
				     ctx, err);
	} else {
		bool in_due = from && !in_rest;
		if (rest_part && !in_due)
			s = read_seg(q, f, now, SEG_REST, dir, from, inclusive, limit, &got, &stop, fn, ctx, err);
		if (!s && !stop && got < limit && due_part)
			s = read_seg(q, f, now, SEG_DUE, dir, in_due ? from : NULL, inclusive, limit, &got, &stop, fn,
				     ctx, err);
	}
	return s;
}

static const char row_by_id_sql[] = ROW_COLUMNS " WHERE d.id = :id";

enum dk_status queue_row(struct queue *q, int64_t id, int64_t now, queue_row_fn fn, void *ctx, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(q->db, row_by_id_sql, err);
	if (!st)
		return DK_STORAGE;
	bind_int(st, ":id", id);
	bind_int(st, ":now", now ? now : when_now());
	int rc = sqlite3_step(st);
	enum dk_status s = DK_OK;
	if (rc == SQLITE_ROW) {
		struct demand_row r;
		struct queue_key k;
		row_of(st, &r);
		bool rest = strcmp(r.status, "closed") == 0 || !r.due_at;
		key_of(rest ? SEG_REST : SEG_DUE, &r, &k);
		fn(&r, &k, ctx);
	} else if (rc == SQLITE_DONE) {
		s = dk_fail(err, DK_INVALID, "demand %lld: no such demand", (long long)id);
	} else {
		s = db_error(q->db, "reading a demand", err);
	}
	sqlite3_reset(st);
	return s;
}

enum dk_status queue_count(struct queue *q, int64_t now, int64_t soon, struct queue_counts *out, struct dk_error *err)
{
	/* The open ones through the partial index of open demands: SQLite would otherwise pick the
	 * index on (status, due_at) and walk every closed demand too. */
	sqlite3_stmt *st =
		db_stmt(q->db,
			"SELECT (SELECT count(*) FROM demand INDEXED BY demand_open_due WHERE status <> 'closed'),"
			" (SELECT count(*) FROM demand WHERE status <> 'closed' AND due_at < :now),"
			" (SELECT count(*) FROM demand WHERE status <> 'closed' AND due_at >= :now AND due_at < :soon),"
			" (SELECT count(*) FROM demand AS d INDEXED BY demand_open_due WHERE d.status <> 'closed'"
			"   AND EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id" IN_FORCE "))",
			err);
	if (!st)
		return DK_STORAGE;
	bind_int(st, ":now", now);
	bind_int(st, ":soon", now + soon);
	int rc = sqlite3_step(st);
	enum dk_status s = DK_OK;
	if (rc == SQLITE_ROW) {
		out->open = sqlite3_column_int64(st, 0);
		out->late = sqlite3_column_int64(st, 1);
		out->due_soon = sqlite3_column_int64(st, 2);
		out->under_order = sqlite3_column_int64(st, 3);
	} else {
		s = db_error(q->db, "counting the queue", err);
	}
	sqlite3_reset(st);
	return s;
}

/* Search: the ids already reported, so that each demand comes once. */
struct seen {
	int64_t *ids;
	int n, cap;
	int limit;
	bool stop;
	queue_hit_fn fn;
	void *ctx;
};

static bool seen_has(const struct seen *s, int64_t id)
{
	for (int i = 0; i < s->n; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

/* Steps st and reports each demand not reported yet; what is the text that matched (NULL: the
 * reference, or for identifiers the statement's column 16). */
static enum dk_status report_rows(struct queue *q, sqlite3_stmt *st, struct seen *s, enum queue_match m,
				  const char *what, struct dk_error *err)
{
	int rc = SQLITE_DONE;
	while (!s->stop && s->n < s->limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct demand_row r;
		row_of(st, &r);
		if (seen_has(s, r.id))
			continue;
		s->ids[s->n++] = r.id;
		const char *w = what ? what : r.reference;
		if (m == QUEUE_MATCH_IDENTIFIER)
			w = (const char *)sqlite3_column_text(st, 16);
		if (s->fn(&r, m, w, s->ctx))
			s->stop = true;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return db_error(q->db, "searching", err);
	}
	sqlite3_reset(st);
	return DK_OK;
}

/* The text as typed, in capitals and in small letters (ASCII), without repeats. */
static int case_variants(const char *text, char out[3][TEXT_SHORT_MAX + 1])
{
	int n = 0;
	snprintf(out[n++], TEXT_SHORT_MAX + 1, "%s", text);
	for (int v = 0; v < 2; v++) {
		char *o = out[n];
		snprintf(o, TEXT_SHORT_MAX + 1, "%s", text);
		for (char *p = o; *p; p++)
			if (v == 0 && *p >= 'a' && *p <= 'z')
				*p = (char)(*p - 'a' + 'A');
			else if (v == 1 && *p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		bool dup = false;
		for (int i = 0; i < n; i++)
			dup = dup || strcmp(out[i], o) == 0;
		if (!dup)
			n++;
	}
	return n;
}

/* A prefix range: value >= :p AND value < :p followed by the last code point. */
#define PREFIX(col) col " >= :p AND " col " < :p || x'f48fbfbf'"

static enum dk_status search_prefixes(struct queue *q, const char *text, struct seen *s, struct dk_error *err)
{
	char variants[3][TEXT_SHORT_MAX + 1];
	int nv = case_variants(text, variants);
	enum dk_status st_ = DK_OK;
	for (int pass = 0; pass < 2 && !st_; pass++) {
		for (int v = 0; v < nv && !st_ && !s->stop && s->n < s->limit; v++) {
			sqlite3_stmt *st;
			if (pass == 0)
				st = db_stmt(q->db,
					     ROW_COLUMNS " WHERE " PREFIX("d.reference") " ORDER BY d.reference, d.id"
											 " LIMIT :limit",
					     err);
			else
				st = db_stmt(q->db,
					     ROW_SELECT
					     ", i.value FROM demand_identifier AS i"
					     " JOIN demand AS d ON d.id = i.demand_id" ROW_JOINS
					     " WHERE " PREFIX("i.value") " ORDER BY i.value, d.id LIMIT :limit",
					     err);
			if (!st)
				return DK_STORAGE;
			bind_text(st, ":p", variants[v]);
			bind_int(st, ":now", when_now());
			/* Rows already reported come again here; read enough to fill up past them. */
			bind_int(st, ":limit", s->limit);
			st_ = report_rows(q, st, s, pass ? QUEUE_MATCH_IDENTIFIER : QUEUE_MATCH_REFERENCE, NULL, err);
		}
	}
	return st_;
}

/* Demands of matching customers, then of matching requesters: each party's newest first, through
 * the index on the party's id. */
static enum dk_status search_names(struct queue *q, const char *text, struct seen *s, struct dk_error *err)
{
	enum { MAX_PARTIES = 64 };
	for (int pass = 0; pass < 2 && !s->stop && s->n < s->limit; pass++) {
		struct {
			int64_t id;
			char name[TEXT_SHORT_MAX + 1];
		} *party = calloc(MAX_PARTIES, sizeof *party);
		if (!party)
			return dk_fail(err, DK_STORAGE, "out of memory");
		int n = 0, rc;
		sqlite3_stmt *st =
			pass == 0 ? db_stmt(q->db,
					    "SELECT id, name FROM customer WHERE instr(lower(name), lower(:t)) > 0"
					    " OR instr(lower(tenant), lower(:t)) > 0 ORDER BY name, id LIMIT :limit",
					    err)
				  : db_stmt(q->db,
					    "SELECT id, name FROM requester WHERE instr(lower(name), lower(:t)) > 0"
					    " ORDER BY name, id LIMIT :limit",
					    err);
		if (!st) {
			free(party);
			return DK_STORAGE;
		}
		bind_text(st, ":t", text);
		bind_int(st, ":limit", MAX_PARTIES);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			party[n].id = sqlite3_column_int64(st, 0);
			snprintf(party[n].name, sizeof party[n].name, "%s", (const char *)sqlite3_column_text(st, 1));
			n++;
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			free(party);
			return db_error(q->db, "searching names", err);
		}
		enum dk_status r = DK_OK;
		for (int i = 0; i < n && !r && !s->stop && s->n < s->limit; i++) {
			st = pass == 0 ? db_stmt(q->db,
						 ROW_COLUMNS
						 " WHERE d.customer_id = :party ORDER BY d.id DESC LIMIT :limit",
						 err)
				       : db_stmt(q->db,
						 ROW_COLUMNS
						 " WHERE d.requester_id = :party ORDER BY d.id DESC LIMIT :limit",
						 err);
			if (!st) {
				r = DK_STORAGE;
				break;
			}
			bind_int(st, ":party", party[i].id);
			bind_int(st, ":now", when_now());
			bind_int(st, ":limit", s->limit);
			r = report_rows(q, st, s, QUEUE_MATCH_NAME, party[i].name, err);
		}
		free(party);
		if (r)
			return r;
	}
	return DK_OK;
}

enum dk_status queue_search(struct queue *q, const char *text, int limit, queue_hit_fn fn, void *ctx,
			    struct dk_error *err)
{
	enum dk_status s = text_check("search", text, TEXT_SHORT_MAX, false, false, err);
	if (s || !text || !*text || limit <= 0)
		return s;
	struct seen seen = {.limit = limit, .fn = fn, .ctx = ctx};
	seen.ids = malloc((size_t)limit * sizeof *seen.ids);
	if (!seen.ids)
		return dk_fail(err, DK_STORAGE, "out of memory");
	s = search_prefixes(q, text, &seen, err);
	if (!s)
		s = search_names(q, text, &seen, err);
	free(seen.ids);
	return s;
}

enum dk_status queue_search_notes(struct queue *q, const char *text, struct queue_note_scan *scan, int64_t span,
				  int limit, queue_hit_fn fn, void *ctx, struct dk_error *err)
{
	enum dk_status s = text_check("search", text, TEXT_SHORT_MAX, false, false, err);
	if (s)
		return s;
	if (scan->done)
		return DK_OK;
	if (!text || !*text) {
		scan->done = true;
		return DK_OK;
	}
	sqlite3_stmt *st;
	if (scan->below == 0) {
		/* Event ids run 1, 2, 3... without gaps (see schema/0001_init.sql). */
		st = db_stmt(q->db, "SELECT coalesce(max(id), 0) FROM event", err);
		if (!st)
			return DK_STORAGE;
		int64_t max = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_reset(st);
		scan->below = max + 1;
		scan->total = max;
	}
	if (span <= 0)
		span = 1;
	int64_t floor = scan->below - span > 1 ? scan->below - span : 1;
	st = db_stmt(q->db,
		     "SELECT e.id, e.demand_id, e.note FROM event AS e WHERE e.id < :below AND e.id >= :floor"
		     " AND e.demand_id IS NOT NULL AND e.note <> '' AND instr(lower(e.note), lower(:t)) > 0"
		     " ORDER BY e.id DESC",
		     err);
	if (!st)
		return DK_STORAGE;
	bind_int(st, ":below", scan->below);
	bind_int(st, ":floor", floor);
	bind_text(st, ":t", text);
	/* Gather first: reading each demand's row uses statements of its own. */
	struct hit {
		int64_t demand;
		char *note;
	} *hits = NULL;
	size_t n = 0, cap = 0;
	int rc = SQLITE_DONE;
	/* A slice that finds more than the caller wants ends at the last note it wants. */
	int64_t last = floor;
	while ((limit <= 0 || n < (size_t)limit) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		last = sqlite3_column_int64(st, 0);
		if (!array_reserve(&hits, &cap, n + 1, sizeof *hits, 16)) {
			s = dk_fail(err, DK_STORAGE, "out of memory");
			break;
		}
		hits[n].demand = sqlite3_column_int64(st, 1);
		hits[n].note = db_col_strdup(st, 2);
		if (!hits[n].note) {
			s = dk_fail(err, DK_STORAGE, "out of memory");
			break;
		}
		n++;
	}
	if (!s && rc != SQLITE_DONE && rc != SQLITE_ROW)
		s = db_error(q->db, "searching notes", err);
	bool cut = rc == SQLITE_ROW;
	sqlite3_reset(st);
	bool stop = false;
	for (size_t i = 0; i < n; i++) {
		if (!s && !stop) {
			st = db_stmt(q->db, row_by_id_sql, err);
			if (!st) {
				s = DK_STORAGE;
			} else {
				bind_int(st, ":id", hits[i].demand);
				bind_int(st, ":now", when_now());
				if (sqlite3_step(st) == SQLITE_ROW) {
					struct demand_row r;
					row_of(st, &r);
					stop = fn(&r, QUEUE_MATCH_NOTE, hits[i].note, ctx) != 0;
				}
				sqlite3_reset(st);
			}
		}
		free(hits[i].note);
	}
	free(hits);
	if (s)
		return s;
	/* Cut short: the next slice starts below the last note reported. */
	int64_t next = cut ? last : floor;
	scan->scanned += scan->below - next;
	scan->below = next;
	if (next <= 1 || stop)
		scan->done = true;
	return DK_OK;
}
