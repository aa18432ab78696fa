/* test_audit.c: the hash-chained audit trail: what the program appends verifies; an edit, a deleted
 * event or a truncated tail made in the sqlite3 shell is found and named; the triggers refuse
 * UPDATE and DELETE; an anchor kept outside the database catches a rewritten chain. */
#include "helpers.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "when.h"

/* The stored hash of one event, read behind the program's back. */
static void stored_hash(const struct fx *fx, int64_t id, unsigned char out[AUDIT_HASH_LEN])
{
	sqlite3 *h = fx_raw_open(fx);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT hash FROM event WHERE id = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), AUDIT_HASH_LEN);
	memcpy(out, sqlite3_column_blob(st, 0), AUDIT_HASH_LEN);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* Runs SQL in the shell after dropping the trigger that would stop it. */
static void tamper(const struct fx *fx, const char *drop, const char *sql)
{
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, drop), SQLITE_OK);
	int rc = fx_raw_exec(h, sql);
	if (rc != SQLITE_OK)
		print_error("%s: %s\n", sql, sqlite3_errmsg(h));
	assert_int_equal(rc, SQLITE_OK);
	assert_int_equal(sqlite3_changes(h), 1);
	sqlite3_close(h);
}

static void assert_chain_ok(struct fx *fx, int64_t events)
{
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	assert_int_equal(rep.events, events);
	assert_int_equal(rep.bad_id, 0);
}

static void assert_chain_broken_at(struct fx *fx, int64_t bad, int64_t checked, const char *why)
{
	struct audit_report rep = {0};
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	assert_int_equal(rep.bad_id, bad);
	/* Everything before the bad event was checked and held. */
	assert_int_equal(rep.events, checked);
	char name[40];
	snprintf(name, sizeof name, "event %lld", (long long)bad);
	FX_CONTAINS(fx->err.msg, name);
	FX_CONTAINS(fx->err.msg, why);
}

static void test_appended_events_verify(void **state)
{
	struct fx *fx = *state;
	/* The fixture wrote five: the bootstrap, two staff, two customers. */
	assert_chain_ok(fx, 5);
	fx_add_ref(fx, "AUD-1");
	fx_add_ref(fx, "AUD-2");
	assert_chain_ok(fx, 7);
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	unsigned char last[AUDIT_HASH_LEN];
	stored_hash(fx, 7, last);
	assert_memory_equal(rep.head, last, AUDIT_HASH_LEN);
	assert_int_equal(rep.anchor_id, 0);
}

static void test_empty_chain_verifies(void **state)
{
	struct fx *fx = *state;
	FX_OK(fx, db_open(fx->path, DB_CREATE, &fx->db, &fx->err));
	struct audit_report rep;
	memset(&rep, 0xff, sizeof rep);
	rep.anchor = NULL;
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	assert_int_equal(rep.events, 0);
	assert_int_equal(rep.bad_id, 0);
	static const unsigned char zero[AUDIT_HASH_LEN];
	assert_memory_equal(rep.head, zero, AUDIT_HASH_LEN);
}

struct collected {
	int n;
	int64_t ids[16];
	char actions[16][32];
	char changes[16][512];
	char notes[16][128];
};

static int collect(const struct event *e, void *ctx)
{
	struct collected *c = ctx;
	if (c->n >= 16)
		return 1;
	c->ids[c->n] = e->id;
	snprintf(c->actions[c->n], sizeof c->actions[0], "%s", e->action);
	snprintf(c->changes[c->n], sizeof c->changes[0], "%s", e->changes);
	snprintf(c->notes[c->n], sizeof c->notes[0], "%s", e->note);
	c->n++;
	return 0;
}

static void test_append_and_list(void **state)
{
	struct fx *fx = *state;
	int64_t id = fx_add_ref(fx, "AUD-L");

	/* Appending is part of the caller's transaction, never a write of its own. */
	dk_clear(&fx->err);
	assert_int_equal(audit_append(fx->db, id, &fx->attorney, "note", NULL, "loose", when_now(), &fx->err),
			 DK_STORAGE);
	FX_CONTAINS(fx->err.msg, "outside a transaction");

	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "assignee", NULL, "atty");
	audit_change(&ch, "reason", "said \"no\"\n", NULL);
	audit_changes_end(&ch);
	assert_string_equal(ch.data, "[[\"assignee\",null,\"atty\"],[\"reason\",\"said \\\"no\\\"\\n\",null]]");
	FX_OK(fx, db_begin(fx->db, &fx->err));
	FX_OK(fx, audit_append(fx->db, id, &fx->attorney, "assigned", ch.data, "first", when_now(), &fx->err));
	FX_OK(fx, audit_append(fx->db, id, &fx->attorney, "note", NULL, NULL, when_now(), &fx->err));
	FX_OK(fx, db_commit(fx->db, &fx->err));
	buf_free(&ch);

	struct buf empty;
	buf_init(&empty);
	audit_changes_end(&empty);
	assert_string_equal(empty.data, "[]");
	buf_free(&empty);

	struct collected c = {0};
	FX_OK(fx, audit_list(fx->db, id, collect, &c, &fx->err));
	assert_int_equal(c.n, 3);
	assert_true(c.ids[0] < c.ids[1] && c.ids[1] < c.ids[2]);
	assert_string_equal(c.actions[0], "created");
	FX_CONTAINS(c.changes[0], "[\"status\",null,\"received\"]");
	assert_string_equal(c.actions[1], "assigned");
	assert_string_equal(c.notes[1], "first");
	assert_string_equal(c.changes[2], "[]");
	assert_string_equal(c.notes[2], "");
	assert_chain_ok(fx, 8);

	/* Events of another demand, or of none, are not listed. */
	struct collected none = {0};
	FX_OK(fx, audit_list(fx->db, id + 100, collect, &none, &fx->err));
	assert_int_equal(none.n, 0);
}

static void test_edited_note_detected(void **state)
{
	struct fx *fx = *state;
	struct demand_input in;
	fx_demand_defaults(&in, "AUD-T");
	in.note = "received by fax, original in the safe";
	int64_t id = fx_add(fx, &in);
	fx_add_ref(fx, "AUD-U");
	assert_chain_ok(fx, 7);
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE event SET note = 'nothing unusual' WHERE demand_id = %lld", (long long)id);
	tamper(fx, "DROP TRIGGER event_no_update", sql);
	assert_chain_broken_at(fx, 6, 5, "does not match its hash");
}

/* Every column that carries meaning is covered by the hash. */
static void test_each_field_covered(void **state)
{
	(void)state;
	static const char *const edits[] = {
		"UPDATE event SET at = at - 86400 WHERE id = 6",
		"UPDATE event SET login = 'boss' WHERE id = 6",
		"UPDATE event SET actor = 'atty' WHERE id = 6",
		"UPDATE event SET action = 'note' WHERE id = 6",
		"UPDATE event SET changes = '[]' WHERE id = 6",
		"UPDATE event SET demand_id = NULL WHERE id = 6",
		"UPDATE event SET hash = zeroblob(32) WHERE id = 6",
		NULL,
	};
	for (int i = 0; edits[i]; i++) {
		void *st = NULL;
		assert_int_equal(fx_setup(&st), 0);
		struct fx *fx = st;
		fx_add_ref(fx, "AUD-F");
		fx_add_ref(fx, "AUD-G");
		tamper(fx, "DROP TRIGGER event_no_update", edits[i]);
		struct audit_report rep = {0};
		dk_clear(&fx->err);
		enum dk_status s = audit_verify(fx->db, &rep, &fx->err);
		if (s != DK_REFUSED || rep.bad_id != 6)
			print_error("%s: status %d, bad_id %lld\n", edits[i], (int)s, (long long)rep.bad_id);
		assert_int_equal(s, DK_REFUSED);
		assert_int_equal(rep.bad_id, 6);
		fx_teardown(&st);
	}
}

static void test_deleted_middle_event_detected(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "AUD-D1");
	fx_add_ref(fx, "AUD-D2");
	tamper(fx, "DROP TRIGGER event_no_delete", "DELETE FROM event WHERE id = 3");
	assert_chain_broken_at(fx, 4, 2, "event 3 is missing");
}

static void test_triggers_refuse_update_and_delete(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "AUD-R");
	sqlite3 *h = fx_raw_open(fx);
	static const char *const sqls[] = {
		"UPDATE event SET note = 'rewritten' WHERE id = 6",
		"UPDATE event SET hash = hash",
		"DELETE FROM event WHERE id = 6",
		"DELETE FROM event",
		NULL,
	};
	for (int i = 0; sqls[i]; i++) {
		int rc = fx_raw_exec(h, sqls[i]);
		if (rc != SQLITE_CONSTRAINT)
			print_error("%s: rc %d\n", sqls[i], rc);
		assert_int_equal(rc, SQLITE_CONSTRAINT);
		FX_CONTAINS(sqlite3_errmsg(h), "append-only");
	}
	assert_int_equal(fx_raw_int(h, "SELECT count(*) FROM event"), 6);
	sqlite3_close(h);
	assert_chain_ok(fx, 6);
}

static void test_anchor(void **state)
{
	struct fx *fx = *state;
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	unsigned char anchor[AUDIT_HASH_LEN];
	memcpy(anchor, rep.head, AUDIT_HASH_LEN);
	fx_add_ref(fx, "AUD-A1");
	fx_add_ref(fx, "AUD-A2");

	/* An earlier head is found where it was taken. */
	memset(&rep, 0, sizeof rep);
	rep.anchor = anchor;
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	assert_int_equal(rep.anchor_id, 5);
	assert_int_equal(rep.events, 7);
	assert_true(rep.anchor == anchor);

	/* The current head is found at the end. */
	unsigned char head[AUDIT_HASH_LEN];
	memcpy(head, rep.head, AUDIT_HASH_LEN);
	memset(&rep, 0, sizeof rep);
	rep.anchor = head;
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	assert_int_equal(rep.anchor_id, 7);

	unsigned char bogus[AUDIT_HASH_LEN];
	memset(bogus, 0x5a, sizeof bogus);
	memset(&rep, 0, sizeof rep);
	rep.anchor = bogus;
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	assert_int_equal(rep.anchor_id, 0);
	assert_int_equal(rep.bad_id, 0);
	FX_CONTAINS(fx->err.msg, "anchored head");
}

/* Cutting events off the end leaves a chain that holds by itself; only an anchor taken before
 * shows that something is gone. */
static void test_anchor_catches_truncated_tail(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "AUD-X1");
	fx_add_ref(fx, "AUD-X2");
	/* The newest event is about no demand (a staff member added), so that no demand's row is left
	 * without the event that vouched for it: only the anchor can tell it is gone. */
	FX_OK(fx, staff_add(fx->db, &fx->admin, "late", "Late Hire", "intake", &fx->err));
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	unsigned char anchor[AUDIT_HASH_LEN];
	memcpy(anchor, rep.head, AUDIT_HASH_LEN);
	db_close(&fx->db);
	tamper(fx, "DROP TRIGGER event_no_delete", "DELETE FROM event WHERE id = 8");
	FX_OK(fx, db_open(fx->path, DB_EXISTING, &fx->db, &fx->err));
	assert_chain_ok(fx, 7);
	memset(&rep, 0, sizeof rep);
	rep.anchor = anchor;
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	assert_int_equal(rep.anchor_id, 0);
	FX_CONTAINS(fx->err.msg, "removed or rewritten");
}

/* A demand's newest event removed, or its row changed behind docket's back, is named by the check
 * of each demand against its last event, without an anchor. */
static void test_state_behind_docket_named(void **state)
{
	struct fx *fx = *state;
	int64_t a = fx_add_ref(fx, "AUD-S1");
	int64_t b = fx_add_ref(fx, "AUD-S2");
	assert_chain_ok(fx, 7);
	char sql[120];
	/* A move the workflow table allows, typed into the shell: the trigger lets it through. */
	snprintf(sql, sizeof sql, "UPDATE demand SET status = 'redirecting' WHERE id = %lld", (long long)a);
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	struct audit_report rep = {0};
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	assert_int_equal(rep.bad_demand, a);
	FX_CONTAINS(fx->err.msg, "changed outside docket");
	snprintf(sql, sizeof sql, "UPDATE demand SET status = 'received' WHERE id = %lld", (long long)a);
	h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "DROP TRIGGER demand_follows_workflow"), SQLITE_OK);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	assert_chain_ok(fx, 7);
	/* The version alone. */
	snprintf(sql, sizeof sql, "UPDATE demand SET version = version + 1 WHERE id = %lld", (long long)b);
	h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	assert_int_equal(rep.bad_demand, b);
	/* Its only event removed: a demand with no event at all. */
	snprintf(sql, sizeof sql, "UPDATE demand SET version = version - 1 WHERE id = %lld", (long long)b);
	h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, sql), SQLITE_OK);
	sqlite3_close(h);
	db_close(&fx->db);
	tamper(fx, "DROP TRIGGER event_no_delete", "DELETE FROM event WHERE id = 7");
	FX_OK(fx, db_open(fx->path, DB_EXISTING, &fx->db, &fx->err));
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	FX_CONTAINS(fx->err.msg, "has no event");
}

/* The hash covers every stored byte of a field: text hidden after a NUL inside one is not outside it. */
static void test_text_after_nul_is_hashed(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "AUD-N1");
	assert_chain_ok(fx, 6);
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "DROP TRIGGER event_no_update"), SQLITE_OK);
	/* The note as C code reads it is unchanged; its stored bytes are not. */
	assert_int_equal(fx_raw_exec(h, "UPDATE event SET note = note || char(0) || 'hidden' WHERE id = 6"), SQLITE_OK);
	sqlite3_close(h);
	assert_chain_broken_at(fx, 6, 5, "does not match its hash");
}

/* The canonical content of an event, as src/audit.c hashes it: prev, then id, demand, time as
 * 8-byte big-endian integers, then each text field as an 8-byte length and its bytes (and the
 * recorded state, see below). Someone who
 * read the source can rewrite the whole chain this way; the anchor is what stops them. */
static void put_u64(unsigned char **p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		*(*p)++ = (unsigned char)(v >> (56 - 8 * i));
}

static void rehash_chain(const struct fx *fx)
{
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "DROP TRIGGER IF EXISTS event_no_update"), SQLITE_OK);
	sqlite3_stmt *st = NULL, *up = NULL;
	assert_int_equal(sqlite3_prepare_v2(h,
					    "SELECT id, coalesce(demand_id, 0), at, login, actor, action, changes, note,"
					    " version, status, outcome FROM event ORDER BY id",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "UPDATE event SET hash = ?2 WHERE id = ?1", -1, &up, NULL), SQLITE_OK);
	unsigned char prev[AUDIT_HASH_LEN] = {0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		/* An event that records the demand's state adds a 1 byte, the version, the state, whether
		 * there is an outcome and the outcome. */
		bool state = sqlite3_column_type(st, 8) != SQLITE_NULL;
		size_t len = AUDIT_HASH_LEN + 3 * 8 + (state ? 1 + 8 + 8 + 8 + 8 : 0);
		for (int c = 3; c < 11; c++)
			len += 8 + (size_t)sqlite3_column_bytes(st, c);
		unsigned char *buf = malloc(len), *p = buf;
		assert_non_null(buf);
		memcpy(p, prev, AUDIT_HASH_LEN);
		p += AUDIT_HASH_LEN;
		for (int c = 0; c < 3; c++)
			put_u64(&p, (uint64_t)sqlite3_column_int64(st, c));
		for (int c = 3; c < 8; c++) {
			const unsigned char *t = sqlite3_column_text(st, c);
			size_t n = (size_t)sqlite3_column_bytes(st, c);
			put_u64(&p, n);
			if (n) /* a NULL column has no bytes, and memcpy takes no NULL */
				memcpy(p, t, n);
			p += n;
		}
		if (state) {
			*p++ = 1;
			put_u64(&p, (uint64_t)sqlite3_column_int64(st, 8));
			for (int c = 9; c < 11; c++) {
				if (c == 10)
					put_u64(&p, sqlite3_column_type(st, c) != SQLITE_NULL);
				size_t n = (size_t)sqlite3_column_bytes(st, c);
				put_u64(&p, n);
				if (n)
					memcpy(p, sqlite3_column_text(st, c), n);
				p += n;
			}
		}
		len = (size_t)(p - buf);
		unsigned int outlen = 0;
		assert_int_equal(EVP_Digest(buf, len, prev, &outlen, EVP_sha256(), NULL), 1);
		free(buf);
		sqlite3_bind_int64(up, 1, sqlite3_column_int64(st, 0));
		sqlite3_bind_blob(up, 2, prev, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	sqlite3_close(h);
}

static void test_anchor_catches_rewritten_chain(void **state)
{
	struct fx *fx = *state;
	fx_add_ref(fx, "AUD-W1");
	fx_add_ref(fx, "AUD-W2");
	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
	unsigned char anchor[AUDIT_HASH_LEN];
	memcpy(anchor, rep.head, AUDIT_HASH_LEN);
	tamper(fx, "DROP TRIGGER event_no_update", "UPDATE event SET actor = 'atty' WHERE id = 6");
	assert_chain_broken_at(fx, 6, 5, "does not match its hash");
	rehash_chain(fx);
	/* The forger's chain holds by itself, which proves the rewrite above matches the real hash... */
	assert_chain_ok(fx, 7);
	/* ...but not against the head kept outside the database. */
	memset(&rep, 0, sizeof rep);
	rep.anchor = anchor;
	dk_clear(&fx->err);
	assert_int_equal(audit_verify(fx->db, &rep, &fx->err), DK_REFUSED);
	assert_int_equal(rep.anchor_id, 0);
}

static void test_hex_round_trip(void **state)
{
	(void)state;
	unsigned char h[AUDIT_HASH_LEN], back[AUDIT_HASH_LEN];
	for (int i = 0; i < AUDIT_HASH_LEN; i++)
		h[i] = (unsigned char)(i * 37 + 11);
	h[0] = 0x00, h[1] = 0xff, h[2] = 0x0f, h[3] = 0xf0;
	char hex[2 * AUDIT_HASH_LEN + 1];
	audit_hex(h, hex);
	assert_int_equal(strlen(hex), 64);
	assert_true(strncmp(hex, "00ff0ff0", 8) == 0);
	for (int i = 0; i < 64; i++)
		assert_true((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f'));
	assert_true(audit_unhex(hex, back));
	assert_memory_equal(h, back, AUDIT_HASH_LEN);

	/* Upper case is the same hash, as someone might copy it from a printout. */
	char upper[65];
	for (int i = 0; i < 65; i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	memset(back, 0, sizeof back);
	assert_true(audit_unhex(upper, back));
	assert_memory_equal(h, back, AUDIT_HASH_LEN);

	assert_false(audit_unhex("", back));
	assert_false(audit_unhex("00ff", back));
	char bad[70];
	snprintf(bad, sizeof bad, "%.63s", hex);
	assert_false(audit_unhex(bad, back));
	snprintf(bad, sizeof bad, "%s0", hex);
	assert_false(audit_unhex(bad, back));
	snprintf(bad, sizeof bad, "%s", hex);
	bad[10] = 'g';
	assert_false(audit_unhex(bad, back));
	bad[10] = ' ';
	assert_false(audit_unhex(bad, back));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_appended_events_verify, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_empty_chain_verifies, fx_setup_dir, fx_teardown),
		cmocka_unit_test_setup_teardown(test_append_and_list, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_edited_note_detected, fx_setup, fx_teardown),
		cmocka_unit_test(test_each_field_covered),
		cmocka_unit_test_setup_teardown(test_deleted_middle_event_detected, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_triggers_refuse_update_and_delete, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_anchor, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_anchor_catches_truncated_tail, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_anchor_catches_rewritten_chain, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_state_behind_docket_named, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_text_after_nul_is_hashed, fx_setup, fx_teardown),
		cmocka_unit_test(test_hex_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
