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
#include "obligation.h"
#include "text.h"
#include "when.h"


enum dk_status notice_record_delivery(struct db *db, int64_t demand_id, const char **kind, const char *via, int64_t at,
				      int64_t now, int64_t *id, struct dk_error *err)
{
	*id = 0;
	/* The customer letter docket drafted is the one the person delivered: it becomes the record. */
	sqlite3_stmt *st = db_stmt(db,
				   "UPDATE notice SET status = 'sent', via = ?3, sent_at = ?4, next_attempt_at = NULL,"
				   " version = version + 1, updated_at = ?5"
				   " WHERE id = (SELECT id FROM notice WHERE demand_id = ?1 AND kind IN ('advance', 'delayed')"
				   "             AND status IN ('queued', 'failed') ORDER BY id LIMIT 1)"
				   " RETURNING id, kind",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, at);
	sqlite3_bind_int64(st, 5, now);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*kind = strcmp((const char *)sqlite3_column_text(st, 1), "delayed") == 0 ? "delayed" : "advance";
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_error(db, "recording the notice", err);
	if (*id)
		return DK_OK;
	st = db_stmt(db,
		     "INSERT INTO notice (demand_id, kind, via, recipient, status, created_at, updated_at, sent_at)"
		     " SELECT ?1, ?2, ?3, c.contact_email, 'sent', ?4, ?4, ?5 FROM demand AS d"
		     " JOIN customer AS c ON c.id = d.customer_id WHERE d.id = ?1",
		     err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 2, *kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, via, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_int64(st, 5, at);
	enum dk_status s = db_exec_stmt(db, st, "recording the notice", err);
	if (!s)
		*id = sqlite3_last_insert_rowid(db->h);
	return s;
}

/* Who may change a letter: a customer notice is an attorney's (the permission table). */
static enum dk_status may_change(struct db *db, const struct acting *by, const struct notice *n, bool recording,
				 struct dk_error *err)
{
	char subject[40];
	snprintf(subject, sizeof subject, "notice %lld", (long long)n->id);
	const char *action = !obligation_is_customer_kind(n->kind) ? "letter.edit"
			     : recording			   ? "notice.record"
								   : "notice.edit";
	return staff_may(db, by, action, subject, err);
}

/* Ends a person's change to a letter: the obligations act on it (a letter that may no longer go
 * is cancelled), then the event on the demand, or on none for a digest. */
static enum dk_status logged(struct db *db, const struct acting *by, const struct notice *n, const char *action,
			     struct buf *ch, const char *note, int64_t now, struct dk_error *err)
{
	enum dk_status s = DK_OK;
	if (n->demand_id)
		s = obligation_reconcile(db, n->demand_id, now, NULL, false, ch, NULL, err);
	if (s) {
		buf_free(ch);
		return s;
	}
	return notice_log(db, by, n->demand_id, action, ch, note, now, err);
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
		return dk_fail(err, DK_REFUSED, "notice %lld: %s is not active staff: reading only", (long long)id,
			       by->actor);
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
	int64_t now = when_now();
	struct notice_judged j = {0};
	if (!s && !(s = may_change(db, by, n, false, err)) && !(s = notice_judge(db, n, now, &j, err))) {
		/* Under an order the customer's notice is held as it is: it cannot be readied for a
		 * person to post, nor pointed elsewhere. */
		if (j.loaded && obligation_is_customer_kind(n->kind) && j.ob.contact_forbidden)
			s = dk_fail(err, DK_REFUSED,
				    "notice %lld: demand %lld: a non-disclosure order is in force (%s): the customer "
				    "notice is held and cannot be changed",
				    (long long)id, (long long)n->demand_id, j.ob.order_in_force);
		else
			s = notice_may_go(db, n, &j, recipient, err);
	}
	notice_judged_free(&j);
	if (s) {
		notice_free(&n);
		return s;
	}
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
	if (s)
		buf_free(&ch);
	else
		s = logged(db, by, n, "notice_edited", &ch, "", now, err);
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
	struct notice_judged j = {0};
	if (strcmp(n->via, "smtp") != 0)
		s = dk_fail(err, DK_REFUSED, "notice %lld: no e-mail address; add one with docket outbox edit %lld",
			    (long long)id, (long long)id);
	else if (!(s = may_change(db, by, n, false, err)) && !(s = notice_judge(db, n, now, &j, err)))
		s = notice_may_go(db, n, &j, n->recipient, err);
	notice_judged_free(&j);
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
		s = logged(db, by, n, "notice_retry", &ch, n->last_error, now, err);
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
	struct notice_judged j = {0};
	/* Cancelling the customer's letter while the notice is owed would lose it. */
	if (!(s = may_change(db, by, n, false, err)) && !(s = notice_judge(db, n, now, &j, err)) && j.loaded &&
	    obligation_is_customer_kind(n->kind) && j.ob.notice == OB_OWED)
		s = dk_fail(err, DK_REFUSED,
			    "notice %lld: demand %lld: the customer is owed this notice: edit it, or record its "
			    "delivery (docket outbox delivered %lld --via ...)",
			    (long long)id, (long long)n->demand_id, (long long)id);
	notice_judged_free(&j);
	sqlite3_stmt *st = s ? NULL
			     : db_stmt(db,
				       "UPDATE notice SET status = 'cancelled', next_attempt_at = NULL,"
				       " last_error = 'cancelled: ' || ?2, version = version + 1, updated_at = ?3 WHERE id = ?1",
				       err);
	if (s)
		;
	else if (!st)
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
		s = logged(db, by, n, "notice_cancelled", &ch, reason, now, err);
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
	char when[32], from[32];
	when_format(at, when, sizeof when);
	struct notice_judged j = {0};
	if (at < n->created_at - 86400)
		s = dk_fail(err, DK_INVALID, "notice %lld: at: %s is before the letter was drafted", (long long)id,
			    when);
	else if (!(s = may_change(db, by, n, true, err)) && !(s = notice_judge(db, n, now, &j, err))) {
		/* A customer notice given while a court forbade it is the failure this program exists to
		 * prevent; one dated before it was owed would skip the waiting period. */
		if (j.loaded && obligation_is_customer_kind(n->kind)) {
			if (j.ob.contact_forbidden)
				s = dk_fail(err, DK_REFUSED,
					    "notice %lld: demand %lld: a non-disclosure order is in force (%s): the "
					    "customer may not be told",
					    (long long)id, (long long)n->demand_id, j.ob.order_in_force);
			else if (j.ob.notice != OB_OWED)
				s = dk_fail(err, DK_REFUSED, "notice %lld: demand %lld: no customer notice is owed (%s)",
					    (long long)id, (long long)n->demand_id, ob_notice_names[j.ob.notice]);
			else if (at < j.ob.owed_from) {
				when_format(j.ob.owed_from, from, sizeof from);
				s = dk_fail(err, DK_REFUSED,
					    "notice %lld: demand %lld: at: %s is before the notice was owed (%s: the "
					    "decision to notify or an order's end)",
					    (long long)id, (long long)n->demand_id, when, from);
			}
		} else {
			s = notice_may_go(db, n, &j, n->recipient, err);
		}
	}
	notice_judged_free(&j);
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
		audit_change(&ch, obligation_is_customer_kind(n->kind) ? "customer_notice" : "letter", NULL, n->kind);
		audit_change(&ch, "via", NULL, via);
		audit_change(&ch, "sent", NULL, when);
		audit_change(&ch, "notice", NULL, what);
		s = logged(db, by, n,
			   obligation_is_customer_kind(n->kind)        ? "notice_sent"
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
