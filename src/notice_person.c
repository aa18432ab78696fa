/* notice_person.c: what people do to letters: edit, retry, cancel, record a delivery by hand; and
 * what the workflow does to the letters of a demand that closes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "demand.h"
#include "mail.h"
#include "notice.h"
#include "notice_internal.h"
#include "text.h"
#include "when.h"


/* Steps an UPDATE that cancels letters, RETURNING id, kind: each one cancelled goes into the
 * changes ch. doing names the work for an error. */
static enum dk_status note_cancelled(struct db *db, sqlite3_stmt *st, struct buf *ch, const char *doing,
				     struct dk_error *err)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char what[64];
		snprintf(what, sizeof what, "#%lld %s", (long long)sqlite3_column_int64(st, 0),
			 (const char *)sqlite3_column_text(st, 1));
		audit_change(ch, "notice", what, "cancelled");
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, doing, err);
}

enum dk_status notice_cancel_pending(struct db *db, int64_t demand_id, int64_t now, struct buf *ch,
				     struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(db,
			"UPDATE notice SET status = 'cancelled', last_error = 'cancelled: the demand was closed',"
			" next_attempt_at = NULL, version = version + 1, updated_at = ?2"
			" WHERE demand_id = ?1 AND status IN ('queued', 'failed') RETURNING id, kind, status",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_int64(st, 2, now);
	return note_cancelled(db, st, ch, "cancelling the demand's letters", err);
}

enum dk_status notice_record_delivery(struct db *db, int64_t demand_id, const char *kind, const char *via, int64_t at,
				      int64_t now, int64_t *id, struct buf *ch, struct dk_error *err)
{
	*id = 0;
	/* The letter docket drafted is the one the person delivered: it becomes the record. */
	sqlite3_stmt *st = db_stmt(db,
				   "UPDATE notice SET status = 'sent', via = ?3, sent_at = ?4, next_attempt_at = NULL,"
				   " version = version + 1, updated_at = ?5"
				   " WHERE id = (SELECT id FROM notice WHERE demand_id = ?1 AND kind = ?2"
				   "             AND status IN ('queued', 'failed') ORDER BY id LIMIT 1)"
				   " RETURNING id",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at);
	sqlite3_bind_int64(st, 5, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, "recording the notice", err);
	if (!*id) {
		st = db_stmt(
			db,
			"INSERT INTO notice (demand_id, kind, via, recipient, status, created_at, updated_at, sent_at)"
			" SELECT ?1, ?2, ?3, c.contact_email, 'sent', ?4, ?4, ?5 FROM demand AS d"
			" JOIN customer AS c ON c.id = d.customer_id WHERE d.id = ?1",
			err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_int64(st, 1, demand_id);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		sqlite3_bind_int64(st, 5, at);
		enum dk_status s = db_exec_stmt(db, st, "recording the notice", err);
		if (s)
			return s;
		*id = sqlite3_last_insert_rowid(db->h);
	}
	/* Any other customer letter still waiting would tell the customer twice. */
	st = db_stmt(
		db,
		"UPDATE notice SET status = 'cancelled', next_attempt_at = NULL, version = version + 1,"
		" updated_at = ?3, last_error = 'cancelled: the customer was told otherwise (notice #' || ?2 || ')'"
		" WHERE demand_id = ?1 AND kind IN ('advance', 'delayed') AND status IN ('queued', 'failed')"
		" RETURNING id, kind",
		err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_int64(st, 2, *id);
	sqlite3_bind_int64(st, 3, now);
	return note_cancelled(db, st, ch, "recording the notice", err);
}

/* Loads the notice inside the transaction and checks that a person may change it now. */
static enum dk_status load_waiting(struct db *db, int64_t id, const char *doing, struct notice **n,
				   struct dk_error *err)
{
	enum dk_status s = notice_get(db, id, n, err);
	if (s)
		return s;
	const char *st = (*n)->status;
	if (strcmp(st, "queued") != 0 && strcmp(st, "failed") != 0) {
		dk_fail(err, DK_REFUSED, "notice %lld: %s; only a queued or failed notice can be %s", (long long)id,
			strcmp(st, "sending") == 0 ? "being sent right now" : st, doing);
		notice_free(n);
		return DK_REFUSED;
	}
	return DK_OK;
}

static enum dk_status check_actor(const struct acting *by, int64_t id, struct dk_error *err)
{
	if (by->role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED, "notice %lld: %s may not change letters", (long long)id, by->actor);
	return DK_OK;
}

static enum dk_status do_edit(struct db *db, const struct acting *by, int64_t id, int64_t expect, const char *recipient,
			      const char *subject, const char *body, struct dk_error *err)
{
	struct notice *n = NULL;
	enum dk_status s = load_waiting(db, id, "edited", &n, err);
	if (s)
		return s;
	if (strcmp(n->via, "smtp") != 0 && strcmp(n->via, "letter") != 0)
		s = dk_fail(err, DK_REFUSED, "notice %lld: recorded by hand, not a letter docket drafted",
			    (long long)id);
	else if (expect && expect != n->version)
		s = dk_fail(err, DK_REFUSED,
			    "notice %lld: changed by someone else since it was read (version %lld, now %lld); "
			    "nothing was saved",
			    (long long)id, (long long)expect, (long long)n->version);
	else if (strcmp(n->kind, "digest") == 0 && !*recipient)
		s = dk_fail(err, DK_INVALID, "notice %lld: a digest needs an e-mail address", (long long)id);
	if (s) {
		notice_free(&n);
		return s;
	}
	int64_t now = when_now();
	const char *via = *recipient ? "smtp" : "letter";
	struct buf ch;
	buf_init(&ch);
	char what[32];
	snprintf(what, sizeof what, "#%lld", (long long)id);
	audit_change(&ch, "notice", NULL, what);
	bool changed = false;
	if (strcmp(n->recipient, recipient) != 0) {
		audit_change(&ch, "to", *n->recipient ? n->recipient : NULL, *recipient ? recipient : NULL);
		changed = true;
	}
	if (strcmp(n->subject, subject) != 0) {
		audit_change(&ch, "subject", n->subject, subject);
		changed = true;
	}
	if (strcmp(n->body, body) != 0) {
		audit_change(&ch, "body", n->body, body);
		changed = true;
	}
	if (!changed) {
		buf_free(&ch);
		notice_free(&n);
		return DK_OK;
	}
	sqlite3_stmt *st = db_stmt(db,
				   "UPDATE notice SET recipient = ?2, subject = ?3, body = ?4, via = ?5,"
				   " last_error = CASE WHEN ?5 = 'letter' THEN 'no e-mail address: deliver it by hand'"
				   "                   ELSE last_error END,"
				   " version = version + 1, updated_at = ?6 WHERE id = ?1 AND version = ?7",
				   err);
	if (!st) {
		s = DK_STORAGE;
	} else {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, recipient, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, body, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, via, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, now);
		sqlite3_bind_int64(st, 7, n->version);
		s = db_exec_stmt(db, st, "editing the notice", err);
	}
	if (s) {
		buf_free(&ch);
	} else {
		s = notice_log(db, by, n->demand_id, "notice_edited", &ch, "", now, err);
	}
	notice_free(&n);
	return s;
}

enum dk_status notice_edit(struct db *db, const struct acting *by, int64_t id, int64_t expect_version,
			   const char *recipient, const char *subject, const char *body, struct dk_error *err)
{
	enum dk_status s;
	if (!recipient)
		recipient = "";
	if ((s = check_actor(by, id, err)))
		return s;
	if (*recipient && (s = mail_check_address("To", recipient, err)))
		return s;
	if (!subject || !*subject)
		return dk_fail(err, DK_INVALID, "Subject: empty");
	if (strpbrk(subject, "\r\n"))
		return dk_fail(err, DK_INVALID, "Subject: contains a line break; refused (it would add headers)");
	if ((s = text_check("Subject", subject, MAIL_SUBJECT_MAX, false, true, err)) ||
	    (s = text_check("the letter", body, MAIL_BODY_MAX, true, true, err)))
		return s;
	if ((s = db_begin(db, err)))
		return s;
	return db_end(db, do_edit(db, by, id, expect_version, recipient, subject, body, err), err);
}

static enum dk_status do_retry(struct db *db, const struct acting *by, int64_t id, struct dk_error *err)
{
	struct notice *n = NULL;
	enum dk_status s = load_waiting(db, id, "retried", &n, err);
	if (s)
		return s;
	int64_t now = when_now();
	char order[TEXT_SHORT_MAX + 1] = "";
	if (strcmp(n->via, "smtp") != 0)
		s = dk_fail(err, DK_REFUSED, "notice %lld: no e-mail address; add one with docket outbox edit %lld",
			    (long long)id, (long long)id);
	else if (notice_is_customer(n->kind) &&
		 !(s = notice_order_in_force(db, n->demand_id, now, order, sizeof order, err)) && *order)
		s = dk_fail(
			err, DK_REFUSED,
			"notice %lld: demand %lld: a non-disclosure order (%s) is in force: the customer may not be "
			"told",
			(long long)id, (long long)n->demand_id, order);
	if (!s) {
		sqlite3_stmt *st = db_stmt(db,
					   "UPDATE notice SET status = 'queued', attempts = 0, next_attempt_at = NULL,"
					   " version = version + 1, updated_at = ?2 WHERE id = ?1",
					   err);
		if (!st)
			s = DK_STORAGE;
		else {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, now);
			s = db_exec_stmt(db, st, "queueing the notice again", err);
		}
	}
	if (!s) {
		struct buf ch;
		buf_init(&ch);
		char what[32];
		snprintf(what, sizeof what, "#%lld %s", (long long)id, n->kind);
		audit_change(&ch, "notice", what, "queued");
		s = notice_log(db, by, n->demand_id, "notice_retry", &ch, n->last_error, now, err);
	}
	notice_free(&n);
	return s;
}

enum dk_status notice_retry(struct db *db, const struct acting *by, int64_t id, struct dk_error *err)
{
	enum dk_status s = check_actor(by, id, err);
	if (s || (s = db_begin(db, err)))
		return s;
	return db_end(db, do_retry(db, by, id, err), err);
}

static enum dk_status do_cancel(struct db *db, const struct acting *by, int64_t id, const char *reason,
				struct dk_error *err)
{
	struct notice *n = NULL;
	enum dk_status s = load_waiting(db, id, "cancelled", &n, err);
	if (s)
		return s;
	int64_t now = when_now();
	sqlite3_stmt *st =
		db_stmt(db,
			"UPDATE notice SET status = 'cancelled', next_attempt_at = NULL,"
			" last_error = 'cancelled: ' || ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
			err);
	if (!st)
		s = DK_STORAGE;
	else {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		s = db_exec_stmt(db, st, "cancelling the notice", err);
	}
	if (!s) {
		struct buf ch;
		buf_init(&ch);
		char what[32];
		snprintf(what, sizeof what, "#%lld %s", (long long)id, n->kind);
		audit_change(&ch, "notice", what, "cancelled");
		s = notice_log(db, by, n->demand_id, "notice_cancelled", &ch, reason, now, err);
	}
	notice_free(&n);
	return s;
}

enum dk_status notice_cancel(struct db *db, const struct acting *by, int64_t id, const char *reason,
			     struct dk_error *err)
{
	enum dk_status s = check_actor(by, id, err);
	if (s || (s = text_check("reason", reason, TEXT_LONG_MAX, true, true, err)) || (s = db_begin(db, err)))
		return s;
	return db_end(db, do_cancel(db, by, id, reason, err), err);
}

static enum dk_status do_delivered(struct db *db, const struct acting *by, int64_t id, const char *via, int64_t at,
				   struct dk_error *err)
{
	struct notice *n = NULL;
	enum dk_status s = load_waiting(db, id, "recorded as delivered", &n, err);
	if (s)
		return s;
	int64_t now = when_now();
	char when[32], order[TEXT_SHORT_MAX + 1] = "";
	when_format(at, when, sizeof when);
	if (at < n->created_at - 86400)
		s = dk_fail(err, DK_INVALID, "notice %lld: at: %s is before the letter was drafted", (long long)id,
			    when);
	/* A customer notice given while a court forbade it is the failure this program exists to
	 * prevent: now, and at the time given. */
	if (!s && notice_is_customer(n->kind)) {
		if (!(s = notice_order_in_force(db, n->demand_id, now, order, sizeof order, err)) && *order)
			s = dk_fail(
				err, DK_REFUSED,
				"notice %lld: demand %lld: a non-disclosure order (%s) is in force: the customer may "
				"not be told",
				(long long)id, (long long)n->demand_id, order);
		else if (!s && !(s = notice_order_in_force(db, n->demand_id, at, order, sizeof order, err)) && *order)
			s = dk_fail(err, DK_REFUSED,
				    "notice %lld: demand %lld: a non-disclosure order (%s) was in force at %s: the "
				    "customer may not have been told then",
				    (long long)id, (long long)n->demand_id, order, when);
	}
	if (!s) {
		sqlite3_stmt *st =
			db_stmt(db,
				"UPDATE notice SET status = 'sent', via = ?2, sent_at = ?3, next_attempt_at = NULL,"
				" version = version + 1, updated_at = ?4 WHERE id = ?1",
				err);
		if (!st)
			s = DK_STORAGE;
		else {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_text(st, 2, via, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, at);
			sqlite3_bind_int64(st, 4, now);
			s = db_exec_stmt(db, st, "recording the delivery", err);
		}
	}
	if (!s) {
		struct buf ch;
		buf_init(&ch);
		char what[32];
		snprintf(what, sizeof what, "#%lld", (long long)id);
		audit_change(&ch, notice_is_customer(n->kind) ? "customer_notice" : "letter", NULL, n->kind);
		audit_change(&ch, "via", NULL, via);
		audit_change(&ch, "sent", NULL, when);
		audit_change(&ch, "notice", NULL, what);
		s = notice_log(db, by, n->demand_id,
			       notice_is_customer(n->kind)        ? "notice_sent"
			       : strcmp(n->kind, "redirect") == 0 ? "letter_sent"
								  : "digest_sent",
			       &ch, "", now, err);
	}
	notice_free(&n);
	return s;
}

enum dk_status notice_check_given(const char *via, const char *at, int64_t *t, struct dk_error *err)
{
	static const char *const vias[] = {"letter", "phone", "email", NULL};
	enum dk_status s;
	if (!demand_name_known(vias, via))
		return dk_fail(err, DK_INVALID, "via: \"%.40s\" is not one of letter, phone, email", via ? via : "");
	*t = when_now();
	if (at && (s = when_parse("at", at, t, err)))
		return s;
	if (*t > when_now() + 300)
		return dk_fail(err, DK_INVALID, "at: %s is in the future", at);
	return DK_OK;
}

enum dk_status notice_delivered(struct db *db, const struct acting *by, int64_t id, const char *via, const char *at,
				struct dk_error *err)
{
	enum dk_status s = check_actor(by, id, err);
	if (s)
		return s;
	int64_t t;
	if ((s = notice_check_given(via, at, &t, err)) || (s = db_begin(db, err)))
		return s;
	return db_end(db, do_delivered(db, by, id, via, t, err), err);
}
