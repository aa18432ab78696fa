/* workflow_case.c: the audited changes to a case besides moves and orders: assignment, notes,
 * verification, extensions, notices recorded by hand, and the sweep that queues the notices an
 * order's expiry left owed. */
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

static enum dk_status do_assign(struct db *db, const struct acting *by, const struct facts *f, const char *login,
				struct dk_error *err)
{
	char subject[40], old[STAFF_LOGIN_MAX + 1] = "";
	snprintf(subject, sizeof subject, "demand %lld", (long long)f->id);
	enum dk_status s = staff_may(db, by, "assign", subject, err);
	if (s)
		return s;
	sqlite3_stmt *st = db_stmt(db, "SELECT coalesce(assignee, '') FROM demand WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	if (sqlite3_step(st) == SQLITE_ROW)
		db_col_copy(st, 0, old, sizeof old);
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

/* The subject of a refusal: "demand 7". */
static const char *subject_of(const struct facts *f, char *out, size_t n)
{
	snprintf(out, n, "demand %lld", (long long)f->id);
	return out;
}

static enum dk_status do_note(struct db *db, const struct acting *by, const struct facts *f, const char *text,
			      struct dk_error *err)
{
	char subject[40];
	enum dk_status s = staff_may(db, by, "note", subject_of(f, subject, sizeof subject), err);
	if (s)
		return s;
	struct buf ch;
	buf_init(&ch);
	/* A note changes nothing about the demand, so it does not bump the version. */
	return wf_log_event(db, by, f->id, "note", &ch, text, f->now, err);
}

enum dk_status workflow_note(struct db *db, const struct acting *by, int64_t id, const char *text, struct dk_error *err)
{
	enum dk_status s = text_check("note", text, TEXT_LONG_MAX, true, true, err);
	if (s)
		return s;
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_note(db, by, &f, text, err));
}

static enum dk_status do_authenticate(struct db *db, const struct acting *by, const struct facts *f, const char *method,
				      const char *note, struct dk_error *err)
{
	char subject[40];
	enum dk_status s = staff_may(db, by, "authenticate", subject_of(f, subject, sizeof subject), err);
	if (s || (s = wf_touch(db, f, err)))
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
	char subject[40];
	enum dk_status s = staff_may(db, by, "extend", subject_of(f, subject, sizeof subject), err);
	if (s)
		return s;
	if (strcmp(f->status, "closed") == 0)
		return dk_fail(err, DK_REFUSED, "demand %lld: closed; it has no deadline to extend", (long long)f->id);
	/* The deadline there is when the notice falls due, the end of the orders: it is changed by
	 * recording the order's change, never moved on its own. */
	if (strcmp(f->status, "notice_owed") == 0)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: in notice_owed the deadline is the end of the orders; record a change "
			       "to the order with docket order",
			       (long long)f->id);
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
	char subject[40], when[32], from[32];
	long long id = (long long)f->id;
	const struct obligations *ob = &f->obl;
	enum dk_status s = staff_may(db, by, "notice.record", subject_of(f, subject, sizeof subject), err);
	if (s)
		return s;
	/* Only a notice that is owed can be given: not one nobody wants, not a second, never under an
	 * order. */
	switch (ob->notice) {
	case OB_NOT_OWED:
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: in %s no customer notice is owed (one is owed in notifying and once the "
			       "demand entered disclosing)",
			       id, f->status);
	case OB_GIVEN:
		when_format(ob->notice_from, when, sizeof when);
		return dk_fail(err, DK_REFUSED, "demand %lld: the customer was told already (notice #%lld, %s)", id,
			       (long long)ob->given_letter, when);
	case OB_HELD:
	case OB_WAITING:
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: a non-disclosure order is in force: the customer may not be told (%s)", id,
			       ob->order_in_force);
	case OB_OWED: break;
	}
	when_format(at, when, sizeof when);
	if (at < f->received_at)
		return dk_fail(err, DK_INVALID, "demand %lld: at: %s is before the demand was received", id, when);
	/* A notice dated before it was owed (the decision to notify, an order's end) cannot settle it:
	 * a backdated one would skip the waiting period, or fall inside an order's term. */
	if (at < ob->owed_from) {
		when_format(ob->owed_from, from, sizeof from);
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: at: %s is before the notice was owed (%s: the decision to notify or an "
			       "order's end)",
			       id, when, from);
	}
	if ((s = wf_touch(db, f, err)))
		return s;
	struct buf ch;
	buf_init(&ch);
	int64_t nid = 0;
	const char *kind = ob->kind;
	if ((s = notice_record_delivery(db, f->id, &kind, via, at, f->now, &nid, err))) {
		buf_free(&ch);
		return s;
	}
	audit_change(&ch, "customer_notice", NULL, kind);
	audit_change(&ch, "via", NULL, via);
	audit_change(&ch, "sent", NULL, when);
	char what[32];
	snprintf(what, sizeof what, "#%lld", (long long)nid);
	audit_change(&ch, "notice", NULL, what);
	/* The customer is told: any other customer letter still waiting goes. */
	if ((s = obligation_reconcile(db, f->id, f->now, NULL, true, &ch, NULL, err))) {
		buf_free(&ch);
		return s;
	}
	return wf_log_event(db, by, f->id, "notice_sent", &ch, "", f->now, err);
}

/* One demand of the sweep below, in its own transaction: what its obligations say now. */
static enum dk_status owe_one(struct db *db, const struct acting *by, const struct facts *f, int64_t *queued,
			      struct dk_error *err)
{
	struct buf ch;
	buf_init(&ch);
	int64_t nid = 0;
	enum dk_status s = obligation_reconcile(db, f->id, f->now, NULL, true, &ch, &nid, err);
	if (s || !ch.len) {
		buf_free(&ch);
		return s;
	}
	if ((s = wf_touch(db, f, err))) {
		buf_free(&ch);
		return s;
	}
	char from[32], note[120] = "";
	if (nid) {
		(*queued)++;
		when_format(f->obl.owed_from, from, sizeof from);
		if (f->ob.n_orders)
			snprintf(note, sizeof note, "the non-disclosure order ended %s: the customer notice is owed", from);
		else
			snprintf(note, sizeof note, "the customer notice is owed since %s", from);
	}
	return wf_log_event(db, by, f->id, nid ? "notice_queued" : "notice_cancelled", &ch, note, f->now, err);
}

static enum dk_status owe_demand(struct db *db, const struct acting *by, int64_t id, int64_t *queued,
				 struct dk_error *err)
{
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, owe_one(db, by, &f, queued, err));
}

enum dk_status workflow_queue_owed_notices(struct db *db, const struct acting *by, int64_t *queued,
					   workflow_skipped_fn *skipped, void *ctx, struct dk_error *err)
{
	*queued = 0;
	/* The demands whose obligations said they would need a look by now. */
	int64_t *ids;
	size_t n;
	enum dk_status s = obligation_watched(db, when_now(), &ids, &n, err);
	for (size_t i = 0; !s && i < n; i++) {
		struct dk_error one = {0};
		s = owe_demand(db, by, ids[i], queued, &one);
		if (s && s != DK_STORAGE) {
			if (skipped)
				skipped(ids[i], &one, ctx);
			s = DK_OK;
		} else if (s && err) {
			*err = one;
		}
	}
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
