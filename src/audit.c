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

static void put_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u64(b, n);
	buf_add(b, s ? s : "", n);
}

/* The canonical content: prev_hash, then id, demand, time as 8-byte big-endian integers, then each
 * text field as an 8-byte length and its bytes. */
static int event_hash(struct buf *scratch, const unsigned char *prev, const struct event *e,
		      unsigned char out[AUDIT_HASH_LEN])
{
	buf_reset(scratch);
	buf_add(scratch, (const char *)prev, AUDIT_HASH_LEN);
	put_u64(scratch, (uint64_t)e->id);
	put_u64(scratch, (uint64_t)e->demand_id);
	put_u64(scratch, (uint64_t)e->at);
	put_str(scratch, e->login);
	put_str(scratch, e->actor);
	put_str(scratch, e->action);
	put_str(scratch, e->changes);
	put_str(scratch, e->note);
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

enum dk_status audit_append(struct db *db, int64_t demand_id, const struct acting *who, const char *action,
			    const char *changes, const char *note, int64_t at, struct dk_error *err)
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
	};
	unsigned char hash[AUDIT_HASH_LEN];
	struct buf scratch;
	buf_init(&scratch);
	int hr = event_hash(&scratch, db->head, &e, hash);
	buf_free(&scratch);
	if (hr)
		return dk_fail(err, DK_STORAGE, "computing the event hash failed");

	sqlite3_stmt *st = db_stmt(db,
				   "INSERT INTO event (id, demand_id, at, login, actor, action, changes, note, hash)"
				   " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
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

static void event_from_row(sqlite3_stmt *st, struct event *e)
{
	e->id = sqlite3_column_int64(st, 0);
	e->demand_id = sqlite3_column_int64(st, 1);
	e->at = sqlite3_column_int64(st, 2);
	e->login = (const char *)sqlite3_column_text(st, 3);
	e->actor = (const char *)sqlite3_column_text(st, 4);
	e->action = (const char *)sqlite3_column_text(st, 5);
	e->changes = (const char *)sqlite3_column_text(st, 6);
	e->note = (const char *)sqlite3_column_text(st, 7);
}

#define EVENT_COLUMNS "id, coalesce(demand_id, 0), at, login, actor, action, changes, note"

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
		const void *h = sqlite3_column_blob(st, 8);
		unsigned char calc[AUDIT_HASH_LEN];
		if (e.id != expect_id) {
			rep->bad_id = e.id;
			s = dk_fail(err, DK_REFUSED, "audit chain broken at event %lld: event %lld is missing",
				    (long long)e.id, (long long)expect_id);
			break;
		}
		if (!h || sqlite3_column_bytes(st, 8) != AUDIT_HASH_LEN) {
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
