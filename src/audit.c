/* audit.c: appending events to the hash chain, listing them, verifying the chain. */
#include "audit.h"

#include <openssl/evp.h>
#include <string.h>

#include "db_internal.h"

static void put_u64(struct buf *b, uint64_t v)
{
	unsigned char x[8];
	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(v >> (56 - 8 * i));
	buf_add(b, (const char *)x, 8);
}

static void put_bytes(struct buf *b, const char *s, size_t n)
{
	put_u64(b, s ? n : 0);
	buf_add(b, s ? s : "", s ? n : 0);
}

/* The canonical content: prev_hash, then id, demand, time as 8-byte big-endian integers, then each
 * text field as an 8-byte length and its bytes; then, for an event that records the demand's
 * state, a 1 byte, the version, the state, whether there is an outcome and the outcome. */
static int event_hash(struct buf *scratch, const unsigned char *prev, const struct event *e,
		      unsigned char out[AUDIT_HASH_LEN])
{
	buf_reset(scratch);
	buf_add(scratch, (const char *)prev, AUDIT_HASH_LEN);
	put_u64(scratch, (uint64_t)e->id);
	put_u64(scratch, (uint64_t)e->demand_id);
	put_u64(scratch, (uint64_t)e->at);
	put_bytes(scratch, e->login, e->n_login);
	put_bytes(scratch, e->actor, e->n_actor);
	put_bytes(scratch, e->action, e->n_action);
	put_bytes(scratch, e->changes, e->n_changes);
	put_bytes(scratch, e->note, e->n_note);
	if (e->has_state) {
		buf_add(scratch, "\x01", 1);
		put_u64(scratch, (uint64_t)e->state.version);
		put_bytes(scratch, e->state.status, e->n_status);
		put_u64(scratch, e->state.outcome != NULL);
		put_bytes(scratch, e->state.outcome, e->n_outcome);
	}
	if (scratch->oom)
		return -1;
	/* Fetching the algorithm and allocating a context on every event costs more than hashing
	 * it: keep one of each for the life of the process (docket is single-threaded). */
	static EVP_MD *sha256;
	static EVP_MD_CTX *ctx;
	if (!sha256 && !(sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return -1;
	if (!ctx && !(ctx = EVP_MD_CTX_new()))
		return -1;
	unsigned int len = 0;
	if (EVP_DigestInit_ex(ctx, sha256, NULL) != 1 || EVP_DigestUpdate(ctx, scratch->data, scratch->len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != AUDIT_HASH_LEN)
		return -1;
	return 0;
}

static enum dk_status load_head(struct db *db, struct dk_error *err)
{
	if (db->head_valid)
		return DK_OK;
	sqlite3_stmt *st = db_stmt(db, "SELECT id, hash FROM event ORDER BY id DESC LIMIT 1", err);
	if (!st)
		return DK_STORAGE;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db->head_id = sqlite3_column_int64(st, 0);
		const void *h = sqlite3_column_blob(st, 1);
		if (!h || sqlite3_column_bytes(st, 1) != AUDIT_HASH_LEN) {
			sqlite3_reset(st);
			return dk_fail(err, DK_STORAGE, "event %lld: stored hash is damaged", (long long)db->head_id);
		}
		memcpy(db->head, h, AUDIT_HASH_LEN);
	} else if (rc == SQLITE_DONE) {
		db->head_id = 0;
		memset(db->head, 0, AUDIT_HASH_LEN);
	} else {
		return db_error(db, "reading the audit chain", err);
	}
	sqlite3_reset(st);
	db->head_valid = 1;
	return DK_OK;
}

/* The demand's state as its row has it now. */
static enum dk_status current_state(struct db *db, int64_t demand_id, struct audit_state *st_out, char *status,
				    size_t ns, char *outcome, size_t no, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT version, status, outcome FROM demand WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		st_out->version = sqlite3_column_int64(st, 0);
		snprintf(status, ns, "%s", (const char *)sqlite3_column_text(st, 1));
		st_out->status = status;
		st_out->outcome = NULL;
		if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
			snprintf(outcome, no, "%s", (const char *)sqlite3_column_text(st, 2));
			st_out->outcome = outcome;
		}
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return dk_fail(err, DK_STORAGE, "internal error: an event for demand %lld, which does not exist",
			       (long long)demand_id);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "reading the demand", err);
}

enum dk_status audit_append(struct db *db, int64_t demand_id, const struct acting *who, const char *action,
			    const char *changes, const char *note, int64_t at, struct dk_error *err)
{
	if (!demand_id)
		return audit_append_state(db, 0, who, action, changes, note, at, NULL, err);
	struct audit_state state;
	char status[32], outcome[32];
	enum dk_status s = current_state(db, demand_id, &state, status, sizeof status, outcome, sizeof outcome, err);
	return s ? s : audit_append_state(db, demand_id, who, action, changes, note, at, &state, err);
}

enum dk_status audit_append_state(struct db *db, int64_t demand_id, const struct acting *who, const char *action,
				  const char *changes, const char *note, int64_t at, const struct audit_state *state,
				  struct dk_error *err)
{
	if (db->depth == 0)
		return dk_fail(err, DK_STORAGE, "internal error: audit_append outside a transaction");
	enum dk_status s = load_head(db, err);
	if (s)
		return s;
	struct event e = {
		.id = db->head_id + 1,
		.demand_id = demand_id,
		.at = at,
		.login = who->login,
		.actor = who->actor,
		.action = action,
		.changes = changes ? changes : "[]",
		.note = note ? note : "",
		.has_state = demand_id && state,
	};
	e.n_login = strlen(e.login), e.n_actor = strlen(e.actor), e.n_action = strlen(e.action);
	e.n_changes = strlen(e.changes), e.n_note = strlen(e.note);
	if (e.has_state) {
		e.state = *state;
		e.n_status = strlen(state->status);
		e.n_outcome = state->outcome ? strlen(state->outcome) : 0;
	}
	unsigned char hash[AUDIT_HASH_LEN];
	struct buf scratch;
	buf_init(&scratch);
	int hr = event_hash(&scratch, db->head, &e, hash);
	buf_free(&scratch);
	if (hr)
		return dk_fail(err, DK_STORAGE, "computing the event hash failed");

	sqlite3_stmt *st = db_stmt(db,
				   "INSERT INTO event (id, demand_id, at, login, actor, action, changes, note, hash,"
				   " version, status, outcome) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, e.id);
	if (demand_id)
		sqlite3_bind_int64(st, 2, demand_id);
	sqlite3_bind_int64(st, 3, at);
	sqlite3_bind_text(st, 4, e.login, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e.actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, e.action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, e.changes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, e.note, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 9, hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	if (e.has_state) {
		sqlite3_bind_int64(st, 10, e.state.version);
		sqlite3_bind_text(st, 11, e.state.status, -1, SQLITE_STATIC);
		if (e.state.outcome)
			sqlite3_bind_text(st, 12, e.state.outcome, -1, SQLITE_STATIC);
	}
	s = db_exec_stmt(db, st, "recording the event", err);
	if (s)
		return s;
	db->head_id = e.id;
	memcpy(db->head, hash, AUDIT_HASH_LEN);
	return DK_OK;
}

void audit_change(struct buf *b, const char *field, const char *old, const char *new_value)
{
	buf_putc(b, b->len == 0 ? '[' : ',');
	buf_putc(b, '[');
	buf_json_str(b, field);
	buf_putc(b, ',');
	buf_json_str_or_null(b, old);
	buf_putc(b, ',');
	buf_json_str_or_null(b, new_value);
	buf_putc(b, ']');
}

void audit_changes_end(struct buf *b)
{
	buf_puts(b, b->len == 0 ? "[]" : "]");
}

/* A text column and its stored length (text first, so that the length is of the text form). */
static const char *text_of(sqlite3_stmt *st, int i, size_t *n)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	*n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
	return t;
}

static void event_from_row(sqlite3_stmt *st, struct event *e)
{
	memset(e, 0, sizeof *e);
	e->id = sqlite3_column_int64(st, 0);
	e->demand_id = sqlite3_column_int64(st, 1);
	e->at = sqlite3_column_int64(st, 2);
	e->login = text_of(st, 3, &e->n_login);
	e->actor = text_of(st, 4, &e->n_actor);
	e->action = text_of(st, 5, &e->n_action);
	e->changes = text_of(st, 6, &e->n_changes);
	e->note = text_of(st, 7, &e->n_note);
	e->has_state = sqlite3_column_type(st, 8) != SQLITE_NULL;
	if (e->has_state) {
		e->state.version = sqlite3_column_int64(st, 8);
		e->state.status = text_of(st, 9, &e->n_status);
		e->state.outcome = text_of(st, 10, &e->n_outcome);
		if (!e->state.status)
			e->state.status = "", e->n_status = 0;
	}
}

#define EVENT_COLUMNS "id, coalesce(demand_id, 0), at, login, actor, action, changes, note, version, status, outcome"

enum dk_status audit_list(struct db *db, int64_t demand_id, int (*fn)(const struct event *, void *), void *ctx,
			  struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT " EVENT_COLUMNS " FROM event WHERE demand_id = ?1 ORDER BY id", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct event e;
		event_from_row(st, &e);
		if (fn(&e, ctx))
			break;
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "listing events", err);
	sqlite3_reset(st);
	return s;
}

/* Each demand's row against its last event: the chain vouches for what the events recorded, so a
 * demand whose version, state or outcome differs was changed behind docket's back (or has no event
 * at all). Demands whose last event is older than the events that record a state are skipped. */
static enum dk_status verify_state(struct db *db, struct audit_report *rep, struct dk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h,
			       "SELECT d.id, d.version, d.status, coalesce(d.outcome, ''), e.id, e.version, e.status,"
			       " coalesce(e.outcome, '') FROM demand AS d"
			       " LEFT JOIN event AS e ON e.id = (SELECT max(id) FROM event WHERE demand_id = d.id)"
			       " WHERE e.id IS NULL OR (e.version IS NOT NULL AND (e.version IS NOT d.version"
			       "  OR e.status IS NOT d.status OR e.outcome IS NOT d.outcome)) ORDER BY d.id LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "checking the demands against the audit chain", err);
	enum dk_status s = DK_OK;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		long long id = sqlite3_column_int64(st, 0);
		rep->bad_demand = id;
		if (sqlite3_column_type(st, 4) == SQLITE_NULL)
			s = dk_fail(err, DK_REFUSED, "demand %lld has no event in the audit chain: it was written outside docket",
				    id);
		else
			s = dk_fail(err, DK_REFUSED,
				    "demand %lld: its row (%s%s%s%s, version %lld) is not what its last event #%lld recorded "
				    "(%s%s%s%s, version %lld): changed outside docket",
				    id, (const char *)sqlite3_column_text(st, 2), *sqlite3_column_text(st, 3) ? "(" : "",
				    (const char *)sqlite3_column_text(st, 3), *sqlite3_column_text(st, 3) ? ")" : "",
				    (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 4),
				    (const char *)sqlite3_column_text(st, 6), *sqlite3_column_text(st, 7) ? "(" : "",
				    (const char *)sqlite3_column_text(st, 7), *sqlite3_column_text(st, 7) ? ")" : "",
				    (long long)sqlite3_column_int64(st, 5));
	} else if (rc != SQLITE_DONE) {
		s = db_error(db, "checking the demands against the audit chain", err);
	}
	sqlite3_finalize(st);
	return s;
}

/* Each demand's events against each other: a state only changes by a move that names it, so an
 * event that records another state than the one before it, without being that move, follows a
 * change made behind docket's back, which a later command of docket's would otherwise launder
 * into the chain. */
static enum dk_status verify_history(struct db *db, struct audit_report *rep, struct dk_error *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(
		    db->h,
		    "WITH ev AS (SELECT id, demand_id, action, changes, version, status, outcome,"
		    "  lag(id) OVER w AS pid, lag(version) OVER w AS pv, lag(status) OVER w AS ps,"
		    "  lag(outcome) OVER w AS po FROM event WHERE demand_id IS NOT NULL AND version IS NOT NULL"
		    "  WINDOW w AS (PARTITION BY demand_id ORDER BY id))"
		    " SELECT demand_id, id, status, coalesce(outcome, ''), pid, ps, coalesce(po, '') FROM ev"
		    " WHERE pid IS NOT NULL AND (version < pv OR ((status IS NOT ps OR outcome IS NOT po)"
		    "  AND NOT (action = 'moved' AND EXISTS (SELECT 1 FROM json_each(ev.changes) AS j"
		    "   WHERE j.value ->> 0 = 'status' AND j.value ->> 1 IS ev.ps AND j.value ->> 2 IS ev.status))))"
		    " ORDER BY id LIMIT 1",
		    -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "checking each demand's events against each other", err);
	enum dk_status s = DK_OK;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rep->bad_demand = sqlite3_column_int64(st, 0);
		const char *o = (const char *)sqlite3_column_text(st, 3), *po = (const char *)sqlite3_column_text(st, 6);
		s = dk_fail(err, DK_REFUSED,
			    "demand %lld: event #%lld records it %s%s%s%s, but the event before it (#%lld) left it "
			    "%s%s%s%s and #%lld is no move from there: its state was changed outside docket",
			    (long long)rep->bad_demand, (long long)sqlite3_column_int64(st, 1),
			    (const char *)sqlite3_column_text(st, 2), *o ? " (" : "", o, *o ? ")" : "",
			    (long long)sqlite3_column_int64(st, 4), (const char *)sqlite3_column_text(st, 5),
			    *po ? " (" : "", po, *po ? ")" : "", (long long)sqlite3_column_int64(st, 1));
	} else if (rc != SQLITE_DONE) {
		s = db_error(db, "checking each demand's events against each other", err);
	}
	sqlite3_finalize(st);
	return s;
}

enum dk_status audit_verify(struct db *db, struct audit_report *rep, struct dk_error *err)
{
	const unsigned char *anchor = rep->anchor;
	memset(rep, 0, sizeof *rep);
	rep->anchor = anchor;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT " EVENT_COLUMNS ", hash FROM event ORDER BY id", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_error(db, "reading the audit chain", err);
	unsigned char prev[AUDIT_HASH_LEN] = {0};
	struct buf scratch;
	buf_init(&scratch);
	enum dk_status s = DK_OK;
	int64_t expect_id = 1;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct event e;
		event_from_row(st, &e);
		if (!e.login || !e.actor || !e.action || !e.changes || !e.note) {
			rep->bad_id = e.id;
			s = dk_fail(err, DK_REFUSED, "audit chain broken at event %lld: a field is missing",
				    (long long)e.id);
			break;
		}
		const void *h = sqlite3_column_blob(st, 11);
		unsigned char calc[AUDIT_HASH_LEN];
		if (e.id != expect_id) {
			rep->bad_id = e.id;
			s = dk_fail(err, DK_REFUSED, "audit chain broken at event %lld: event %lld is missing",
				    (long long)e.id, (long long)expect_id);
			break;
		}
		if (!h || sqlite3_column_bytes(st, 11) != AUDIT_HASH_LEN) {
			rep->bad_id = e.id;
			s = dk_fail(err, DK_REFUSED, "audit chain broken at event %lld: its hash is missing or damaged",
				    (long long)e.id);
			break;
		}
		if (event_hash(&scratch, prev, &e, calc) != 0) {
			s = dk_fail(err, DK_STORAGE, "computing the event hash failed");
			break;
		}
		if (memcmp(calc, h, AUDIT_HASH_LEN) != 0) {
			rep->bad_id = e.id;
			s = dk_fail(err, DK_REFUSED,
				    "audit chain broken at event %lld: its content does not match its hash (edited "
				    "outside docket)",
				    (long long)e.id);
			break;
		}
		memcpy(prev, calc, AUDIT_HASH_LEN);
		if (anchor && !rep->anchor_id && memcmp(calc, anchor, AUDIT_HASH_LEN) == 0)
			rep->anchor_id = e.id;
		rep->events++;
		expect_id++;
	}
	if (!s && rc != SQLITE_DONE)
		s = db_error(db, "reading the audit chain", err);
	if (!s)
		s = verify_history(db, rep, err);
	if (!s)
		s = verify_state(db, rep, err);
	memcpy(rep->head, prev, AUDIT_HASH_LEN);
	if (!s && anchor && !rep->anchor_id)
		s = dk_fail(err, DK_REFUSED,
			    "audit chain does not contain the anchored head: events were removed or rewritten since it "
			    "was taken");
	buf_free(&scratch);
	sqlite3_finalize(st);
	return s;
}

void audit_hex(const unsigned char *h, char out[2 * AUDIT_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	for (int i = 0; i < AUDIT_HASH_LEN; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[2 * AUDIT_HASH_LEN] = '\0';
}

bool audit_unhex(const char *s, unsigned char out[AUDIT_HASH_LEN])
{
	if (strlen(s) != 2 * AUDIT_HASH_LEN)
		return false;
	for (int i = 0; i < 2 * AUDIT_HASH_LEN; i++) {
		char ch = s[i];
		int v = ch >= '0' && ch <= '9'   ? ch - '0'
			: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
			: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
						 : -1;
		if (v < 0)
			return false;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(v << 4);
		else
			out[i / 2] |= (unsigned char)v;
	}
	return true;
}
