/* workflow.c: guarded moves along the workflow, the facts the guards read, and deadlines. */
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

const char *const workflow_verify_methods[] = {"callback", "email-domain", "portal", "supervisor", NULL};

bool workflow_instrument_compels_content(const char *instrument)
{
	/* Mirrors instrument.compels_content in schema/0001_init.sql; test_workflow checks it. */
	return strcmp(instrument, "search_warrant") == 0 || strcmp(instrument, "mlat") == 0;
}

int64_t workflow_deadline(struct db *db, const char *state, const struct deadline_facts *f)
{
	int64_t day = WHEN_DAY;
	int64_t answer = f->response_due;
	if (f->emergency) {
		int64_t e = f->received_at + db_policy(db, "emergency_hours", 24) * 3600;
		if (!answer || e < answer)
			answer = e;
	}
	if (!answer)
		answer = f->received_at + db_policy(db, "review_days", 14) * day;
	if (strcmp(state, "received") == 0) {
		int64_t redirect = f->received_at + db_policy(db, "redirect_days", 2) * day;
		return f->emergency && answer < redirect ? answer : redirect;
	}
	if (strcmp(state, "preserving") == 0)
		return f->entered_at + db_policy(db, "preservation_days", 90) * day;
	if (strcmp(state, "notice_owed") == 0)
		return f->order_open_ended ? 0 : f->order_end;
	if (strcmp(state, "closed") == 0)
		return 0;
	return answer;
}

void wf_copy_col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

enum dk_status wf_load_facts(struct db *db, int64_t id, struct facts *f, struct dk_error *err)
{
	memset(f, 0, sizeof *f);
	f->id = id;
	f->now = when_now();
	sqlite3_stmt *st = db_stmt(
		db,
		"SELECT status, coalesce(outcome, ''), instrument, version, received_at, coalesce(response_due, 0),"
		" coalesce(due_at, 0), emergency, cross_region, process_flag,"
		" EXISTS (SELECT 1 FROM verification WHERE demand_id = d.id),"
		" (SELECT count(*) FROM nd_order WHERE demand_id = d.id),"
		" EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id AND (o.lifted_at IS NULL OR o.lifted_at "
		"> ?2)"
		"   AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > ?2)),"
		" EXISTS (SELECT 1 FROM nd_order WHERE demand_id = d.id AND indefinite = 1 AND lifted_at IS NULL),"
		" (SELECT coalesce(max(coalesce(lifted_at, expires_at)), 0) FROM nd_order WHERE demand_id = d.id),"
		" (SELECT coalesce(min(sent_at), 0) FROM notice WHERE demand_id = d.id AND kind = 'advance' AND status "
		"= 'sent'),"
		" (SELECT coalesce(max(sent_at), 0) FROM notice WHERE demand_id = d.id AND kind IN ('advance', "
		"'delayed')"
		"   AND status = 'sent')"
		" FROM demand AS d WHERE d.id = ?1",
		err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, f->now);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return dk_fail(err, DK_INVALID, "demand %lld: no such demand", (long long)id);
		return db_error(db, "reading the demand", err);
	}
	wf_copy_col(st, 0, f->status, sizeof f->status);
	wf_copy_col(st, 1, f->outcome, sizeof f->outcome);
	wf_copy_col(st, 2, f->instrument, sizeof f->instrument);
	f->version = sqlite3_column_int64(st, 3);
	f->received_at = sqlite3_column_int64(st, 4);
	f->response_due = sqlite3_column_int64(st, 5);
	f->due_at = sqlite3_column_int64(st, 6);
	f->emergency = sqlite3_column_int(st, 7);
	f->cross_region = sqlite3_column_int(st, 8);
	f->process_flag = sqlite3_column_int(st, 9);
	f->verified = sqlite3_column_int(st, 10);
	f->n_orders = sqlite3_column_int64(st, 11);
	f->in_force = sqlite3_column_int(st, 12);
	f->open_ended = sqlite3_column_int(st, 13);
	f->order_end = sqlite3_column_int64(st, 14);
	f->advance_sent = sqlite3_column_int64(st, 15);
	f->last_notice = sqlite3_column_int64(st, 16);
	sqlite3_reset(st);

	st = db_stmt(db, "SELECT category FROM demand_category WHERE demand_id = ?1 AND scope = 'requested'", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		f->requested |= demand_category_parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, "reading the demand", err);
}

struct deadline_facts wf_deadline_of(const struct facts *f)
{
	struct deadline_facts d = {
		.received_at = f->received_at,
		.response_due = f->response_due,
		.entered_at = f->now,
		.emergency = f->emergency,
		.order_end = f->order_end,
		.order_open_ended = f->open_ended,
	};
	return d;
}

enum dk_status wf_check_version(const struct facts *f, int64_t expect, struct dk_error *err)
{
	if (expect && expect != f->version)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: changed by someone else since it was read (version %lld, now %lld); "
			       "reload and try again",
			       (long long)f->id, (long long)expect, (long long)f->version);
	return DK_OK;
}

/* Bumps the version, as the write that every change to a demand makes; refuses a concurrent change. */
enum dk_status wf_touch(struct db *db, const struct facts *f, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(
		db, "UPDATE demand SET version = version + 1, updated_at = ?3 WHERE id = ?1 AND version = ?2", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, f->version);
	sqlite3_bind_int64(st, 3, f->now);
	enum dk_status s = db_exec_stmt(db, st, "updating the demand", err);
	if (!s && sqlite3_changes(db->h) != 1)
		return dk_fail(err, DK_REFUSED, "demand %lld: changed by someone else; reload and try again",
			       (long long)f->id);
	return s;
}

enum dk_status wf_set_due(struct db *db, int64_t id, int64_t due, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE demand SET due_at = ?2 WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	if (due)
		sqlite3_bind_int64(st, 2, due);
	return db_exec_stmt(db, st, "updating the deadline", err);
}

void wf_fmt_time(int64_t t, char *out, size_t n, const char **p)
{
	if (t) {
		when_format(t, out, n);
		*p = out;
	} else {
		*p = NULL;
	}
}

enum dk_status wf_log_event(struct db *db, const struct acting *by, int64_t id, const char *action, struct buf *ch,
			    const char *note, int64_t now, struct dk_error *err)
{
	audit_changes_end(ch);
	enum dk_status s = ch->oom ? dk_fail(err, DK_STORAGE, "out of memory")
				   : audit_append(db, id, by, action, ch->data, note, now, err);
	buf_free(ch);
	return s;
}

/* Checks one named guard; returns false with the reason in why. */
static bool guard_holds(struct db *db, const struct facts *f, const char *guard, const char *note, char *why, size_t n)
{
	char a[32], b[32];
	if (strcmp(guard, "emergency") == 0) {
		if (f->emergency)
			return true;
		snprintf(why, n, "only an emergency demand may skip redirecting (move to redirecting first)");
	} else if (strcmp(guard, "preservation") == 0) {
		if (strcmp(f->instrument, "preservation") == 0)
			return true;
		snprintf(why, n, "only a preservation request moves to preserving");
	} else if (strcmp(guard, "not_preservation") == 0) {
		if (strcmp(f->instrument, "preservation") != 0)
			return true;
		snprintf(why, n, "a preservation request follows its own path (received -> preserving)");
	} else if (strcmp(guard, "review_note") == 0) {
		if (!(f->cross_region || f->process_flag) || (note && *note))
			return true;
		snprintf(why, n, "it is flagged %s%s%s: record how the review handled it with --note",
			 f->cross_region ? "cross-region (requester outside the data's region)" : "",
			 f->cross_region && f->process_flag ? " and " : "",
			 f->process_flag ? "for process (content requested under an instrument that cannot compel it)"
					 : "");
	} else if (strcmp(guard, "no_order") == 0) {
		if (!f->in_force)
			return true;
		snprintf(why, n,
			 "a non-disclosure order is in force: the customer may not be told (move to disclosing)");
	} else if (strcmp(guard, "order_in_force") == 0) {
		if (f->in_force)
			return true;
		snprintf(
			why, n,
			"no non-disclosure order is in force: the customer must be notified first (move to notifying)");
	} else if (strcmp(guard, "verified") == 0) {
		if (f->verified)
			return true;
		snprintf(why, n, "the requester's identity is not verified (docket authenticate %lld --method ...)",
			 (long long)f->id);
	} else if (strcmp(guard, "notice_wait") == 0) {
		if (f->emergency)
			return true;
		if (!f->advance_sent) {
			snprintf(why, n, "the customer has not been notified yet (docket notice %lld --via ...)",
				 (long long)f->id);
			return false;
		}
		int64_t until = f->advance_sent + db_policy(db, "notice_wait_days", 7) * WHEN_DAY;
		if (f->now >= until)
			return true;
		when_format(f->advance_sent, a, sizeof a);
		when_format(until, b, sizeof b);
		snprintf(why, n, "the customer was notified at %s; disclosure must wait until %s", a, b);
	} else if (strcmp(guard, "order_on_record") == 0) {
		if (f->n_orders > 0)
			return true;
		snprintf(why, n, "no non-disclosure order is on record: no notice is owed (close it instead)");
	} else if (strcmp(guard, "notice_settled") == 0) {
		if (f->n_orders == 0 || f->open_ended)
			return true;
		if (f->in_force) {
			when_format(f->order_end, a, sizeof a);
			snprintf(why, n,
				 "the non-disclosure order is in force until %s: the customer notice is owed after it",
				 f->order_end ? a : "further notice");
			return false;
		}
		if (f->last_notice && f->last_notice >= f->order_end)
			return true;
		when_format(f->order_end, a, sizeof a);
		snprintf(why, n, "the customer notice owed since the order ended (%s) has not been sent", a);
	} else {
		snprintf(why, n, "unknown guard \"%s\" in the transition table", guard);
	}
	return false;
}

/* Checks every guard in the space-separated list; returns false at the first that fails. */
static bool guards_hold(struct db *db, const struct facts *f, const char *guards, const char *note, char *why, size_t n)
{
	char copy[200];
	snprintf(copy, sizeof copy, "%s", guards);
	char *save = NULL;
	for (char *g = strtok_r(copy, " ", &save); g; g = strtok_r(NULL, " ", &save))
		if (!guard_holds(db, f, g, note, why, n))
			return false;
	return true;
}

/* Lists the moves from a state as "a, b, closed(x)" for refusals. */
static void moves_from(struct db *db, const char *from, char *out, size_t n)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT to_state, outcome FROM transition WHERE from_state = ?1 ORDER BY to_state = "
				   "'closed', to_state, outcome",
				   NULL);
	size_t used = 0;
	out[0] = '\0';
	if (!st)
		return;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && used < n) {
		const char *to = (const char *)sqlite3_column_text(st, 0),
			   *oc = (const char *)sqlite3_column_text(st, 1);
		used += (size_t)snprintf(out + used, n - used, "%s%s%s%s%s", used ? ", " : "", to, *oc ? "(" : "", oc,
					 *oc ? ")" : "");
	}
	sqlite3_reset(st);
	if (!out[0])
		snprintf(out, n, "none (%s is final)", from);
}

/* The categories a disclosure covers: what was given, else what the outcome implies. */
static enum dk_status disclosed_scope(const struct facts *f, const struct move_request *req, unsigned *mask,
				      struct dk_error *err)
{
	*mask = 0;
	bool content = strcmp(req->outcome, "disclosed_content") == 0;
	bool non_content = strcmp(req->outcome, "disclosed_non_content") == 0;
	if (!content && !non_content) {
		if (req->n_disclosed)
			return dk_fail(err, DK_INVALID, "demand %lld: --disclosed goes only with a disclosed outcome",
				       (long long)f->id);
		return DK_OK;
	}
	for (size_t i = 0; i < req->n_disclosed; i++) {
		unsigned bit = demand_category_parse(req->disclosed[i]);
		if (!bit)
			return dk_fail(err, DK_INVALID,
				       "disclosed: \"%.40s\" is not one of subscriber, non_content, content",
				       req->disclosed[i]);
		*mask |= bit;
	}
	if (!req->n_disclosed)
		*mask = content ? f->requested : (f->requested & ~(unsigned)CAT_CONTENT);
	if (!*mask)
		*mask = CAT_SUBSCRIBER;
	if (*mask & ~f->requested) {
		char cats[64];
		demand_categories_format(*mask & ~f->requested, ", ", cats, sizeof cats);
		return dk_fail(err, DK_REFUSED, "demand %lld: cannot disclose %s: not requested", (long long)f->id,
			       cats);
	}
	if ((*mask & CAT_CONTENT) && !f->emergency && !workflow_instrument_compels_content(f->instrument))
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: a %s cannot compel content: disclose non-content only, or record the "
			       "warrant as its own demand",
			       (long long)f->id, f->instrument);
	if (content != ((*mask & CAT_CONTENT) != 0))
		return dk_fail(err, DK_REFUSED, "demand %lld: outcome %s does not match the categories disclosed",
			       (long long)f->id, req->outcome);
	return DK_OK;
}

/* The letters a move calls for, queued in the move's transaction and named in its event: the
 * redirect letter on the way to redirecting, the customer's advance notice on the way to
 * notifying, the delayed notice on the way to notice_owed when the order has already ended. A
 * demand that closes, or goes back from notifying to review, takes its letters still waiting with
 * it. */
static enum dk_status move_letters(struct db *db, const struct facts *f, const char *to, struct buf *ch,
				   struct dk_error *err)
{
	struct notice_queued q;
	enum dk_status s = DK_OK;
	q.id = 0;
	if (strcmp(to, "redirecting") == 0)
		s = notice_queue(db, f->id, "redirect", 0, f->now, &q, err);
	else if (strcmp(to, "notifying") == 0)
		s = notice_queue(db, f->id, "advance", 0, f->now, &q, err);
	else if (strcmp(to, "notice_owed") == 0 && wf_notice_now_owed(f))
		s = notice_queue(db, f->id, "delayed", f->order_end, f->now, &q, err);
	else if (strcmp(to, "closed") == 0 || (strcmp(to, "in_review") == 0 && strcmp(f->status, "notifying") == 0))
		s = notice_cancel_pending(db, f->id, f->now, ch, err);
	if (!s && q.id)
		audit_change(ch, "notice", NULL, q.summary);
	return s;
}

bool wf_notice_now_owed(const struct facts *f)
{
	return f->n_orders > 0 && !f->in_force && !f->open_ended;
}

static enum dk_status do_move(struct db *db, const struct acting *by, const struct move_request *req,
			      struct dk_error *err)
{
	struct facts f;
	enum dk_status s = wf_load_facts(db, req->id, &f, err);
	if (s || (s = wf_check_version(&f, req->expect_version, err)))
		return s;
	const char *outcome = req->outcome && *req->outcome ? req->outcome : "";
	long long id = (long long)req->id;
	char moves[600];
	if (strcmp(req->to, "closed") == 0 && !*outcome) {
		moves_from(db, f.status, moves, sizeof moves);
		return dk_fail(err, DK_INVALID, "demand %lld: closing needs --outcome; moves from %s: %s", id, f.status,
			       moves);
	}
	if (strcmp(req->to, "closed") != 0 && *outcome)
		return dk_fail(err, DK_INVALID, "demand %lld: --outcome goes only with a move to closed", id);

	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT needs_attorney, guard FROM transition WHERE from_state = ?1 AND to_state = ?2"
			" AND outcome = ?3",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, f.status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	bool needs_attorney = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	char guards[200] = "";
	if (rc == SQLITE_ROW)
		wf_copy_col(st, 1, guards, sizeof guards);
	sqlite3_reset(st);
	char target[64];
	snprintf(target, sizeof target, "%s%s%s%s", req->to, *outcome ? "(" : "", outcome, *outcome ? ")" : "");
	if (rc == SQLITE_DONE) {
		moves_from(db, f.status, moves, sizeof moves);
		return dk_fail(err, DK_REFUSED, "demand %lld: cannot move from %s to %s; moves from %s: %s", id,
			       f.status, target, f.status, moves);
	}
	if (rc != SQLITE_ROW)
		return db_error(db, "reading the workflow", err);
	if (needs_attorney && by->role != STAFF_ATTORNEY)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: moving from %s to %s is a legal decision for an attorney (%s is %s)", id,
			       f.status, target, by->actor, staff_role_name(by->role));
	char why[400];
	if (!guards_hold(db, &f, guards, req->note, why, sizeof why))
		return dk_fail(err, DK_REFUSED, "demand %lld: cannot move from %s to %s: %s", id, f.status, target,
			       why);
	unsigned disclosed = 0;
	if (*outcome && (s = disclosed_scope(&f, req, &disclosed, err)))
		return s;

	struct deadline_facts df = wf_deadline_of(&f);
	int64_t due = workflow_deadline(db, req->to, &df);
	st = db_stmt(db,
		     "UPDATE demand SET status = ?3, outcome = ?4, due_at = ?5, closed_at = ?6, version = version + 1,"
		     " updated_at = ?7 WHERE id = ?1 AND version = ?2",
		     err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f.id);
	sqlite3_bind_int64(st, 2, f.version);
	sqlite3_bind_text(st, 3, req->to, -1, SQLITE_STATIC);
	db_bind_text(st, 4, *outcome ? outcome : NULL);
	if (due)
		sqlite3_bind_int64(st, 5, due);
	if (strcmp(req->to, "closed") == 0)
		sqlite3_bind_int64(st, 6, f.now);
	sqlite3_bind_int64(st, 7, f.now);
	if ((s = db_exec_stmt(db, st, "moving the demand", err)))
		return s;
	if (sqlite3_changes(db->h) != 1)
		return dk_fail(err, DK_REFUSED, "demand %lld: changed by someone else; reload and try again", id);
	if (disclosed && (s = demand_store_categories(db, f.id, "disclosed", disclosed, err)))
		return s;

	char olddue[32], newdue[32], cats[64];
	const char *po, *pn;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "status", f.status, req->to);
	if (*outcome)
		audit_change(&ch, "outcome", NULL, outcome);
	wf_fmt_time(f.due_at, olddue, sizeof olddue, &po);
	wf_fmt_time(due, newdue, sizeof newdue, &pn);
	if (f.due_at != due)
		audit_change(&ch, "due", po, pn);
	if (disclosed) {
		demand_categories_format(disclosed, ",", cats, sizeof cats);
		audit_change(&ch, "disclosed", NULL, cats);
	}
	if ((s = move_letters(db, &f, req->to, &ch, err))) {
		buf_free(&ch);
		return s;
	}
	return wf_log_event(db, by, f.id, "moved", &ch, req->note, f.now, err);
}

enum dk_status workflow_move(struct db *db, const struct acting *by, const struct move_request *req,
			     struct dk_error *err)
{
	enum dk_status s;
	if (!demand_name_known(demand_states, req->to)) {
		char names[300];
		demand_names_join(demand_states, names, sizeof names);
		return dk_fail(err, DK_INVALID, "state: \"%.40s\" is not one of %s", req->to, names);
	}
	if (req->outcome && *req->outcome && !demand_name_known(demand_outcomes, req->outcome)) {
		char names[300];
		demand_names_join(demand_outcomes, names, sizeof names);
		return dk_fail(err, DK_INVALID, "outcome: \"%.40s\" is not one of %s", req->outcome, names);
	}
	if ((s = text_check("note", req->note, TEXT_LONG_MAX, true, false, err)))
		return s;
	if (by->role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED, "demand %lld: %s may not change demands", (long long)req->id,
			       by->actor);
	if ((s = db_begin(db, err)))
		return s;
	return db_end(db, do_move(db, by, req, err), err);
}

enum dk_status workflow_allowed(struct db *db, int64_t id, int (*fn)(const struct allowed_move *, void *), void *ctx,
				struct dk_error *err)
{
	struct facts f;
	enum dk_status s = wf_load_facts(db, id, &f, err);
	if (s)
		return s;
	/* Collect first: the guards use cached statements of their own. */
	struct row {
		char to[24], outcome[32], guards[200];
		bool attorney;
	} rows[32];
	int n = 0;
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT to_state, outcome, needs_attorney, guard FROM transition WHERE from_state = ?1"
			" ORDER BY to_state = 'closed', to_state, outcome",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, f.status, -1, SQLITE_STATIC);
	while (n < 32 && sqlite3_step(st) == SQLITE_ROW) {
		wf_copy_col(st, 0, rows[n].to, sizeof rows[n].to);
		wf_copy_col(st, 1, rows[n].outcome, sizeof rows[n].outcome);
		rows[n].attorney = sqlite3_column_int(st, 2);
		wf_copy_col(st, 3, rows[n].guards, sizeof rows[n].guards);
		n++;
	}
	sqlite3_reset(st);
	for (int i = 0; i < n; i++) {
		char why[400] = "";
		/* A note can always be given with the move, so review_note is not a reason here. */
		bool ok = guards_hold(db, &f, rows[i].guards, "(note)", why, sizeof why);
		struct allowed_move m = {rows[i].to, rows[i].outcome, rows[i].attorney, ok, ok ? "" : why};
		if (fn(&m, ctx))
			break;
	}
	return DK_OK;
}
