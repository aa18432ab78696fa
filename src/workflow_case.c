/* workflow_case.c: the audited changes to a case besides moves: assignment, notes, orders,
 * verification, extensions and notices recorded by hand. */
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "demand.h"
#include "notice.h"
#include "text.h"
#include "when.h"
#include "workflow_internal.h"

/* Runs body inside a write transaction with the demand's facts loaded and the version checked. */
#define WITH_DEMAND(db, by, id, expect, f, err, body)                                                                  \
	do {                                                                                                           \
		enum dk_status s_;                                                                                     \
		if ((by)->role == STAFF_NONE)                                                                          \
			return dk_fail(err, DK_REFUSED, "demand %lld: %s may not change demands", (long long)(id),     \
				       (by)->actor);                                                                   \
		if ((s_ = db_begin(db, err)))                                                                          \
			return s_;                                                                                     \
		if (!(s_ = wf_load_facts(db, id, &(f), err)) && !(s_ = wf_check_version(&(f), expect, err)))          \
			s_ = (body);                                                                                   \
		return db_end(db, s_, err);                                                                            \
	} while (0)

static enum dk_status do_assign(struct db *db, const struct acting *by, const struct facts *f, const char *login,
				struct dk_error *err)
{
	enum dk_status s;
	char old[STAFF_LOGIN_MAX + 1] = "";
	sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(assignee, '') FROM demand WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		wf_copy_col(st, 0, old, sizeof old);
	sqlite3_reset(st);
	if (*login) {
		st = db_stmt(db, "SELECT 1 FROM staff WHERE login = ?1 AND active = 1", err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return dk_fail(err, DK_INVALID, "demand %lld: cannot assign to %s: not active staff",
				       (long long)f->id, login);
	}
	if ((s = wf_touch(db, f, err)))
		return s;
	st = db_stmt(db, "UPDATE demand SET assignee = ?2 WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	db_bind_text(st, 2, *login ? login : NULL);
	if ((s = db_exec_stmt(db, st, "assigning the demand", err)))
		return s;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "assignee", *old ? old : NULL, *login ? login : NULL);
	return wf_log_event(db, by, f->id, "assigned", &ch, "", f->now, err);
}

enum dk_status workflow_assign(struct db *db, const struct acting *by, int64_t id, const char *login,
			       int64_t expect_version, struct dk_error *err)
{
	struct facts f;
	if (!login)
		login = "";
	WITH_DEMAND(db, by, id, expect_version, f, err, do_assign(db, by, &f, login, err));
}

enum dk_status workflow_note(struct db *db, const struct acting *by, int64_t id, const char *text, struct dk_error *err)
{
	enum dk_status s = text_check("note", text, TEXT_LONG_MAX, true, true, err);
	if (s)
		return s;
	struct facts f;
	struct buf ch;
	buf_init(&ch);
	/* A note changes nothing about the demand, so it does not bump the version. */
	WITH_DEMAND(db, by, id, 0, f, err, wf_log_event(db, by, id, "note", &ch, text, f.now, err));
}

static enum dk_status do_order(struct db *db, const struct acting *by, struct facts *f, const struct order_input *in,
			       int64_t issued, int64_t expires, int64_t lifted, struct dk_error *err)
{
	enum dk_status s;
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT id, statute, coalesce(expires_at, 0), indefinite, challenged, coalesce(lifted_at, 0)"
			" FROM nd_order WHERE demand_id = ?1 AND reference = ?2",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_text(st, 2, in->reference, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	bool exists = rc == SQLITE_ROW;
	int64_t old_expires = 0, old_lifted = 0;
	bool old_indef = false, old_chal = false;
	if (exists) {
		old_expires = sqlite3_column_int64(st, 2);
		old_indef = sqlite3_column_int(st, 3);
		old_chal = sqlite3_column_int(st, 4);
		old_lifted = sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, "reading orders", err);
	if (!exists && !expires && !in->indefinite && !lifted)
		return dk_fail(err, DK_INVALID, "demand %lld: a new order needs --expires, --indefinite or --lifted",
			       (long long)f->id);
	/* An update keeps what it does not mention. */
	bool indefinite = in->indefinite || (exists && old_indef && !expires);
	if (expires)
		indefinite = false;
	int64_t new_expires = expires ? expires : (indefinite ? 0 : old_expires);
	int64_t new_lifted = lifted ? lifted : old_lifted;
	bool challenged = in->challenged || old_chal;
	if ((s = wf_touch(db, f, err)))
		return s;
	st = db_stmt(
		db,
		"INSERT INTO nd_order (demand_id, reference, statute, issued_at, expires_at, indefinite, challenged,"
		" lifted_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT (demand_id, reference) DO UPDATE SET"
		" statute = CASE WHEN excluded.statute <> '' THEN excluded.statute ELSE statute END,"
		" issued_at = coalesce(excluded.issued_at, issued_at), expires_at = excluded.expires_at,"
		" indefinite = excluded.indefinite, challenged = excluded.challenged, lifted_at = excluded.lifted_at",
		err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	db_bind_text(st, 2, in->reference);
	db_bind_text(st, 3, in->statute ? in->statute : "");
	if (issued)
		sqlite3_bind_int64(st, 4, issued);
	if (new_expires)
		sqlite3_bind_int64(st, 5, new_expires);
	sqlite3_bind_int(st, 6, indefinite);
	sqlite3_bind_int(st, 7, challenged);
	if (new_lifted)
		sqlite3_bind_int64(st, 8, new_lifted);
	sqlite3_bind_int64(st, 9, f->now);
	if ((s = db_exec_stmt(db, st, "recording the order", err)))
		return s;

	char a[32], b[32];
	const char *pa, *pb;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "order", exists ? in->reference : NULL, in->reference);
	if (in->statute && *in->statute)
		audit_change(&ch, "statute", NULL, in->statute);
	if (!exists || new_expires != old_expires) {
		wf_fmt_time(old_expires, a, sizeof a, &pa);
		wf_fmt_time(new_expires, b, sizeof b, &pb);
		audit_change(&ch, "expires", exists ? pa : NULL, pb);
	}
	if (!exists || indefinite != old_indef)
		audit_change(&ch, "indefinite", exists ? (old_indef ? "yes" : "no") : NULL, indefinite ? "yes" : "no");
	if (challenged != old_chal)
		audit_change(&ch, "challenged", exists ? "no" : NULL, "yes");
	if (new_lifted != old_lifted) {
		wf_fmt_time(old_lifted, a, sizeof a, &pa);
		wf_fmt_time(new_lifted, b, sizeof b, &pb);
		audit_change(&ch, "lifted", pa, pb);
	}
	/* In notice_owed the deadline is the order's end: follow it. Once every order has ended the
	 * notice is owed now, and its letter is queued with this change. */
	if (strcmp(f->status, "notice_owed") == 0) {
		struct facts now;
		if ((s = wf_load_facts(db, f->id, &now, err))) {
			buf_free(&ch);
			return s;
		}
		struct deadline_facts df = wf_deadline_of(&now);
		int64_t due = workflow_deadline(db, "notice_owed", &df);
		if (due != now.due_at) {
			wf_fmt_time(now.due_at, a, sizeof a, &pa);
			wf_fmt_time(due, b, sizeof b, &pb);
			audit_change(&ch, "due", pa, pb);
			if ((s = wf_set_due(db, f->id, due, err))) {
				buf_free(&ch);
				return s;
			}
		}
		struct notice_queued q = {0};
		if (wf_notice_now_owed(&now) &&
		    (s = notice_queue(db, f->id, "delayed", now.order_end, now.now, &q, err))) {
			buf_free(&ch);
			return s;
		}
		if (q.id)
			audit_change(&ch, "notice", NULL, q.summary);
	}
	return wf_log_event(db, by, f->id, "order", &ch, "", f->now, err);
}

enum dk_status workflow_order(struct db *db, const struct acting *by, int64_t id, const struct order_input *in,
			      struct dk_error *err)
{
	enum dk_status s;
	int64_t issued = 0, expires = 0, lifted = 0;
	if ((s = text_check("order reference", in->reference, TEXT_SHORT_MAX, false, true, err)) ||
	    (s = text_check("statute", in->statute, TEXT_SHORT_MAX, false, false, err)) ||
	    (in->issued && (s = when_parse("issued", in->issued, &issued, err))) ||
	    (in->expires && (s = when_parse("expires", in->expires, &expires, err))) ||
	    (in->lifted && (s = when_parse("lifted", in->lifted, &lifted, err))))
		return s;
	if (in->indefinite && expires)
		return dk_fail(err, DK_INVALID, "order: --expires and --indefinite exclude each other");
	if (issued && expires && expires <= issued)
		return dk_fail(err, DK_INVALID, "expires: %s is not after the issue date %s", in->expires, in->issued);
	if (lifted && lifted > when_now() + 300)
		return dk_fail(err, DK_INVALID, "lifted: %s is in the future", in->lifted);
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_order(db, by, &f, in, issued, expires, lifted, err));
}

static enum dk_status do_authenticate(struct db *db, const struct acting *by, const struct facts *f, const char *method,
				      const char *note, struct dk_error *err)
{
	enum dk_status s;
	if ((s = wf_touch(db, f, err)))
		return s;
	sqlite3_stmt *st = db_stmt(db,
				   "INSERT INTO verification (demand_id, method, note, verified_by, verified_at)"
				   " VALUES (?1, ?2, ?3, ?4, ?5)",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	db_bind_text(st, 2, method);
	db_bind_text(st, 3, note ? note : "");
	db_bind_text(st, 4, by->actor);
	sqlite3_bind_int64(st, 5, f->now);
	if ((s = db_exec_stmt(db, st, "recording the verification", err)))
		return s;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "verified", NULL, method);
	return wf_log_event(db, by, f->id, "verified", &ch, note, f->now, err);
}

enum dk_status workflow_authenticate(struct db *db, const struct acting *by, int64_t id, const char *method,
				     const char *note, struct dk_error *err)
{
	enum dk_status s;
	if (!demand_name_known(workflow_verify_methods, method))
		return dk_fail(err, DK_INVALID,
			       "method: \"%.40s\" is not one of callback, email-domain, portal, supervisor",
			       method ? method : "");
	if ((s = text_check("note", note, TEXT_LONG_MAX, true, false, err)))
		return s;
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_authenticate(db, by, &f, method, note, err));
}

static enum dk_status do_extend(struct db *db, const struct acting *by, const struct facts *f, int64_t due,
				const char *reason, struct dk_error *err)
{
	enum dk_status s;
	if (strcmp(f->status, "closed") == 0)
		return dk_fail(err, DK_REFUSED, "demand %lld: closed; it has no deadline to extend", (long long)f->id);
	char a[32], b[32];
	if (f->due_at && due <= f->due_at) {
		when_format(f->due_at, a, sizeof a);
		return dk_fail(err, DK_REFUSED, "demand %lld: a deadline can only be extended: %s is not after %s",
			       (long long)f->id, (when_format(due, b, sizeof b), b), a);
	}
	if ((s = wf_touch(db, f, err)) || (s = wf_set_due(db, f->id, due, err)))
		return s;
	const char *pa;
	wf_fmt_time(f->due_at, a, sizeof a, &pa);
	when_format(due, b, sizeof b);
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "due", pa, b);
	return wf_log_event(db, by, f->id, "extended", &ch, reason, f->now, err);
}

enum dk_status workflow_extend(struct db *db, const struct acting *by, int64_t id, const char *due, const char *reason,
			       struct dk_error *err)
{
	enum dk_status s;
	int64_t t;
	if ((s = when_parse("due", due ? due : "", &t, err)) ||
	    (s = text_check("reason", reason, TEXT_LONG_MAX, true, true, err)))
		return s;
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_extend(db, by, &f, t, reason, err));
}

static enum dk_status do_notice(struct db *db, const struct acting *by, const struct facts *f, const char *via,
				int64_t at, struct dk_error *err)
{
	enum dk_status s;
	long long id = (long long)f->id;
	if (strcmp(f->status, "notifying") != 0 && strcmp(f->status, "disclosing") != 0 &&
	    strcmp(f->status, "notice_owed") != 0)
		return dk_fail(
			err, DK_REFUSED,
			"demand %lld: in %s; a customer notice is recorded in notifying, disclosing or notice_owed", id,
			f->status);
	if (f->in_force)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: a non-disclosure order is in force: the customer may not be told", id);
	char when[32];
	when_format(at, when, sizeof when);
	if (at < f->received_at)
		return dk_fail(err, DK_INVALID, "demand %lld: at: %s is before the demand was received", id, when);
	/* A notice dated back into an order's term is as forbidden as one sent now. */
	char order[TEXT_SHORT_MAX + 1];
	if ((s = notice_order_in_force(db, f->id, at, order, sizeof order, err)))
		return s;
	if (*order)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: a non-disclosure order was in force at %s: the customer may not have been "
			       "told then",
			       id, when);
	const char *kind = f->n_orders > 0 ? "delayed" : "advance";
	if ((s = wf_touch(db, f, err)))
		return s;
	/* The letter docket queued for the customer, if any, is the one the person delivered. */
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "customer_notice", NULL, kind);
	audit_change(&ch, "via", NULL, via);
	audit_change(&ch, "sent", NULL, when);
	int64_t nid = 0;
	if ((s = notice_record_delivery(db, f->id, kind, via, at, f->now, &nid, &ch, err))) {
		buf_free(&ch);
		return s;
	}
	char what[32];
	snprintf(what, sizeof what, "#%lld", (long long)nid);
	audit_change(&ch, "notice", NULL, what);
	return wf_log_event(db, by, f->id, "notice_sent", &ch, "", f->now, err);
}

/* One demand of the sweep below, in its own transaction. */
static enum dk_status owe_one(struct db *db, const struct acting *by, const struct facts *f, int64_t *queued,
			      struct dk_error *err)
{
	if (strcmp(f->status, "notice_owed") != 0 || !wf_notice_now_owed(f))
		return DK_OK;
	struct notice_queued q = {0};
	enum dk_status s = notice_queue(db, f->id, "delayed", f->order_end, f->now, &q, err);
	if (s || !q.id)
		return s;
	if ((s = wf_touch(db, f, err)))
		return s;
	(*queued)++;
	char ended[32], note[80];
	when_format(f->order_end, ended, sizeof ended);
	snprintf(note, sizeof note, "the non-disclosure order ended %s", ended);
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "notice", NULL, q.summary);
	return wf_log_event(db, by, f->id, "notice_queued", &ch, note, f->now, err);
}

static enum dk_status owe_demand(struct db *db, const struct acting *by, int64_t id, int64_t *queued,
				 struct dk_error *err)
{
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, owe_one(db, by, &f, queued, err));
}

enum dk_status workflow_queue_owed_notices(struct db *db, const struct acting *by, int64_t *queued,
					   struct dk_error *err)
{
	*queued = 0;
	/* In notice_owed the deadline is the end of the orders: a deadline passed is an order ended. */
	sqlite3_stmt *st = db_stmt(
		db, "SELECT id FROM demand WHERE status = 'notice_owed' AND due_at <= ?1 ORDER BY due_at, id", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, when_now());
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!array_reserve(&ids, &cap, n + 1, sizeof *ids, 16)) {
			sqlite3_reset(st);
			free(ids);
			return dk_fail(err, DK_STORAGE, "out of memory");
		}
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	enum dk_status s = rc == SQLITE_DONE ? DK_OK : db_error(db, "reading demands", err);
	for (size_t i = 0; !s && i < n; i++)
		s = owe_demand(db, by, ids[i], queued, err);
	free(ids);
	return s;
}

enum dk_status workflow_notice_record(struct db *db, const struct acting *by, int64_t id, const char *via,
				      const char *at, struct dk_error *err)
{
	int64_t t;
	enum dk_status s = notice_check_given(via, at, &t, err);
	if (s)
		return s;
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_notice(db, by, &f, via, t, err));
}
