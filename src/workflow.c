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

enum dk_status wf_load_facts(struct db *db, int64_t id, struct facts *f, struct dk_error *err)
{
	memset(f, 0, sizeof *f);
	f->id = id;
	f->now = when_now();
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT status, coalesce(outcome, ''), instrument, version, received_at,"
				   " coalesce(response_due, 0), coalesce(due_at, 0), emergency, cross_region, process_flag"
				   " FROM demand AS d WHERE d.id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return dk_fail(err, DK_INVALID, "demand %lld: no such demand", (long long)id);
		return db_error(db, "reading the demand", err);
	}
	db_col_copy(st, 0, f->status, sizeof f->status);
	db_col_copy(st, 1, f->outcome, sizeof f->outcome);
	db_col_copy(st, 2, f->instrument, sizeof f->instrument);
	f->version = sqlite3_column_int64(st, 3);
	f->received_at = sqlite3_column_int64(st, 4);
	f->response_due = sqlite3_column_int64(st, 5);
	f->due_at = sqlite3_column_int64(st, 6);
	f->emergency = sqlite3_column_int(st, 7);
	f->cross_region = sqlite3_column_int(st, 8);
	f->process_flag = sqlite3_column_int(st, 9);
	sqlite3_reset(st);

	st = db_stmt(db, "SELECT category FROM demand_category WHERE demand_id = ?1 AND scope = 'requested'", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		f->requested |= demand_category_parse((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "reading the demand", err);
	enum dk_status s = obligation_load(db, id, f->now, &f->ob, err);
	if (!s)
		obligation_derive(&f->ob, &f->obl);
	return s;
}

void wf_facts_free(struct facts *f)
{
	obligation_facts_free(&f->ob);
}

struct deadline_facts wf_deadline_of(const struct facts *f)
{
	struct deadline_facts d = {
		.received_at = f->received_at,
		.response_due = f->response_due,
		.entered_at = f->now,
		.emergency = f->emergency,
		/* In notice_owed the deadline is when the notice falls due: as the orders end. */
		.order_end = f->obl.notice == OB_WAITING ? f->obl.notice_from : f->obl.owed_from,
		.order_open_ended = f->obl.notice == OB_HELD,
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

/* Checks one named guard against the facts and their obligations; returns false with the reason in
 * why. */
static bool guard_holds(const struct facts *f, const char *guard, const char *note, char *why, size_t n)
{
	char a[32], b[32];
	const struct obligations *ob = &f->obl;
	bool preservation = strcmp(f->instrument, "preservation") == 0;
	bool national_security = strcmp(f->instrument, "national_security") == 0;
	if (strcmp(guard, "skip_redirect") == 0) {
		if ((f->emergency || national_security) && !preservation)
			return true;
		snprintf(why, n, "%s",
			 preservation ? "a preservation request follows its own path (received -> preserving)"
				      : "only an emergency demand may skip redirecting (or national-security process; "
					"move to redirecting first)");
	} else if (strcmp(guard, "preservation") == 0) {
		if (preservation)
			return true;
		snprintf(why, n, "only a preservation request moves to preserving");
	} else if (strcmp(guard, "redirect") == 0) {
		if (!preservation && !national_security)
			return true;
		snprintf(why, n, "%s",
			 preservation ? "a preservation request follows its own path (received -> preserving)"
				      : "national-security process is never redirected to the customer (move to "
					"in_review)");
	} else if (strcmp(guard, "review_note") == 0) {
		if (!(f->cross_region || f->process_flag) || (note && *note))
			return true;
		snprintf(why, n, "it is flagged %s%s%s: record how the review handled it with --note",
			 f->cross_region ? "cross-region (requester outside the data's region)" : "",
			 f->cross_region && f->process_flag ? " and " : "",
			 f->process_flag ? "for process (content requested under an instrument that cannot compel it)"
					 : "");
	} else if (strcmp(guard, "no_order") == 0) {
		if (!ob->contact_forbidden)
			return true;
		snprintf(why, n,
			 "a non-disclosure order is in force: the customer may not be told (%s; move to disclosing)",
			 ob->order_in_force);
	} else if (strcmp(guard, "order_in_force") == 0) {
		if (ob->contact_forbidden)
			return true;
		snprintf(
			why, n,
			"no non-disclosure order is in force: the customer must be notified first (move to notifying)");
	} else if (strcmp(guard, "verified") == 0) {
		if (f->ob.verified)
			return true;
		snprintf(why, n, "the requester's identity is not verified (docket authenticate %lld --method ...)",
			 (long long)f->id);
	} else if (strcmp(guard, "notice_wait") == 0) {
		if (ob->wait_over)
			return true;
		if (!ob->notified_since_n) {
			snprintf(why, n, "the customer has not been notified yet (docket notice %lld --via ...)",
				 (long long)f->id);
			return false;
		}
		when_format(ob->wait_until - f->ob.wait_days * WHEN_DAY, a, sizeof a);
		when_format(ob->wait_until, b, sizeof b);
		snprintf(why, n, "the customer was notified at %s; disclosure must wait until %s", a, b);
	} else if (strcmp(guard, "order_on_record") == 0) {
		if (f->ob.n_orders > 0)
			return true;
		snprintf(why, n, "no non-disclosure order is on record: no notice is owed (close it instead)");
	} else if (strcmp(guard, "notice_settled") == 0) {
		if (f->ob.n_orders == 0 || ob->notice == OB_GIVEN || ob->notice == OB_HELD)
			return true;
		if (ob->notice == OB_WAITING) {
			when_format(ob->notice_from, a, sizeof a);
			snprintf(why, n,
				 "the non-disclosure order is in force until %s: the customer notice is owed after it",
				 a);
			return false;
		}
		when_format(ob->owed_from, a, sizeof a);
		snprintf(why, n, "the customer notice owed since the order ended (%s) has not been given", a);
	} else {
		snprintf(why, n, "unknown guard \"%s\" in the transition table", guard);
	}
	return false;
}

/* Checks every guard in the space-separated list; returns false at the first that fails. */
static bool guards_hold(const struct facts *f, const char *guards, const char *note, char *why, size_t n)
{
	char copy[200];
	snprintf(copy, sizeof copy, "%s", guards);
	char *save = NULL;
	for (char *g = strtok_r(copy, " ", &save); g; g = strtok_r(NULL, " ", &save))
		if (!guard_holds(f, g, note, why, n))
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
 * redirect letter on the way to redirecting; then whatever the obligations say, as the move
 * leaves them (an owed customer notice queued, a letter that may no longer go cancelled). */
static enum dk_status move_letters(struct db *db, const struct facts *f, const char *to, struct buf *ch,
				   struct dk_error *err)
{
	struct notice_queued q = {0};
	enum dk_status s = DK_OK;
	if (strcmp(to, "redirecting") == 0 && !(s = notice_queue(db, f->id, "redirect", 0, f->now, &q, err)) && q.id)
		audit_change(ch, "notice", NULL, q.summary);
	return s ? s : obligation_reconcile(db, f->id, f->now, to, true, ch, NULL, err);
}

/* Who may make a move: the action its row names (a routine move or a legal decision), as the
 * permission table says. */
static enum dk_status move_permitted(struct db *db, const struct acting *by, const struct facts *f,
				     const char *target, const char *action, struct dk_error *err)
{
	bool ok;
	char roles[64];
	struct acting now;
	enum dk_status s = staff_current(db, by, &now, err);
	if (s == DK_REFUSED)
		return dk_fail(err, DK_REFUSED, "demand %lld: %s is not active staff now: reading only", (long long)f->id,
			       by->actor);
	if (s || (s = staff_permits(db, now.role, action, &ok, roles, sizeof roles, err)) || ok)
		return s;
	return dk_fail(err, DK_REFUSED, "demand %lld: moving from %s to %s is %s for %s (%s is %s)", (long long)f->id,
		       f->status, target, strcmp(action, "decide") == 0 ? "a legal decision" : "a move", roles,
		       by->actor, staff_role_name(now.role));
}

static enum dk_status move_with(struct db *db, const struct acting *by, const struct move_request *req, struct facts *f_,
				struct dk_error *err)
{
	struct facts f = *f_;
	enum dk_status s = wf_check_version(&f, req->expect_version, err);
	if (s)
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
			"SELECT action, guard FROM transition WHERE from_state = ?1 AND to_state = ?2"
			" AND outcome = ?3",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, f.status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, req->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, outcome, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	char action[24] = "", guards[200] = "";
	if (rc == SQLITE_ROW) {
		db_col_copy(st, 0, action, sizeof action);
		db_col_copy(st, 1, guards, sizeof guards);
	}
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
	if ((s = move_permitted(db, by, &f, target, action, err)))
		return s;
	char why[400];
	if (!guards_hold(&f, guards, req->note, why, sizeof why))
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

static enum dk_status do_move(struct db *db, const struct acting *by, const struct move_request *req,
			      struct dk_error *err)
{
	struct facts f;
	enum dk_status s = wf_load_facts(db, req->id, &f, err);
	if (!s)
		s = move_with(db, by, req, &f, err);
	wf_facts_free(&f);
	return s;
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
		return dk_fail(err, DK_REFUSED, "demand %lld: %s is not active staff: reading only", (long long)req->id,
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
	if (s) {
		wf_facts_free(&f);
		return s;
	}
	/* Collect first: the guards use cached statements of their own. */
	struct row {
		char to[24], outcome[32], action[24], guards[200], roles[64];
		bool attorney;
	} rows[32];
	int n = 0;
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT to_state, outcome, action, guard FROM transition WHERE from_state = ?1"
			" ORDER BY to_state = 'closed', to_state, outcome",
			err);
	if (!st) {
		wf_facts_free(&f);
		return DK_STORAGE;
	}
	sqlite3_bind_text(st, 1, f.status, -1, SQLITE_STATIC);
	while (n < 32 && sqlite3_step(st) == SQLITE_ROW) {
		db_col_copy(st, 0, rows[n].to, sizeof rows[n].to);
		db_col_copy(st, 1, rows[n].outcome, sizeof rows[n].outcome);
		db_col_copy(st, 2, rows[n].action, sizeof rows[n].action);
		db_col_copy(st, 3, rows[n].guards, sizeof rows[n].guards);
		n++;
	}
	sqlite3_reset(st);
	for (int i = 0; !s && i < n; i++) {
		/* Who may: "an attorney" alone is what the timeline and the UI call an attorney's move. */
		bool intake, attorney, admin;
		if ((s = staff_permits(db, STAFF_INTAKE, rows[i].action, &intake, rows[i].roles, sizeof rows[i].roles,
				       err)) ||
		    (s = staff_permits(db, STAFF_ATTORNEY, rows[i].action, &attorney, NULL, 0, err)) ||
		    (s = staff_permits(db, STAFF_ADMIN, rows[i].action, &admin, NULL, 0, err)))
			break;
		rows[i].attorney = attorney && !intake && !admin;
	}
	for (int i = 0; !s && i < n; i++) {
		char why[400] = "";
		/* A note can always be given with the move, so review_note is not a reason here. */
		bool ok = guards_hold(&f, rows[i].guards, "(note)", why, sizeof why);
		struct allowed_move m = {rows[i].to,	     rows[i].outcome, rows[i].action, rows[i].roles,
					 rows[i].attorney, ok,		      ok ? "" : why};
		if (fn(&m, ctx))
			break;
	}
	wf_facts_free(&f);
	return s;
}
