/* workflow.c: guarded moves and the other audited changes to a demand. */
#include "workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "db_internal.h"
#include "demand.h"
#include "text.h"
#include "when.h"

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

/* What the guards look at, read once inside the move's transaction. */
struct facts {
	int64_t id, version, received_at, response_due, due_at, now;
	char status[24], outcome[32], instrument[24];
	bool emergency, cross_region, process_flag;
	bool verified;
	int64_t n_orders;
	bool in_force;         /* an order is in force now */
	bool open_ended;       /* an indefinite order not lifted */
	int64_t order_end;     /* latest lifted_at or expires_at over the orders */
	int64_t advance_sent;  /* first advance customer notice sent, 0 when none */
	int64_t last_notice;   /* last customer notice sent (advance or delayed), 0 when none */
	unsigned requested;
};

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t n)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	snprintf(out, n, "%s", t ? (const char *)t : "");
}

static enum dk_status load_facts(struct db *db, int64_t id, struct facts *f, struct dk_error *err)
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
		" EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id AND (o.lifted_at IS NULL OR o.lifted_at > ?2)"
		"   AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > ?2)),"
		" EXISTS (SELECT 1 FROM nd_order WHERE demand_id = d.id AND indefinite = 1 AND lifted_at IS NULL),"
		" (SELECT coalesce(max(coalesce(lifted_at, expires_at)), 0) FROM nd_order WHERE demand_id = d.id),"
		" (SELECT coalesce(min(sent_at), 0) FROM notice WHERE demand_id = d.id AND kind = 'advance' AND status = 'sent'),"
		" (SELECT coalesce(max(sent_at), 0) FROM notice WHERE demand_id = d.id AND kind IN ('advance', 'delayed')"
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
	copy_col(st, 0, f->status, sizeof f->status);
	copy_col(st, 1, f->outcome, sizeof f->outcome);
	copy_col(st, 2, f->instrument, sizeof f->instrument);
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

static struct deadline_facts deadline_of(const struct facts *f)
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

/* Checks one named guard; returns false with the reason in why. */
static bool guard_holds(struct db *db, const struct facts *f, const char *guard, const char *note, char *why,
			size_t n)
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
			 f->process_flag ? "for process (content requested under an instrument that cannot compel it)" : "");
	} else if (strcmp(guard, "no_order") == 0) {
		if (!f->in_force)
			return true;
		snprintf(why, n, "a non-disclosure order is in force: the customer may not be told (move to disclosing)");
	} else if (strcmp(guard, "order_in_force") == 0) {
		if (f->in_force)
			return true;
		snprintf(why, n, "no non-disclosure order is in force: the customer must be notified first (move to notifying)");
	} else if (strcmp(guard, "verified") == 0) {
		if (f->verified)
			return true;
		snprintf(why, n, "the requester's identity is not verified (docket authenticate %lld --method ...)",
			 (long long)f->id);
	} else if (strcmp(guard, "notice_wait") == 0) {
		if (f->emergency)
			return true;
		if (!f->advance_sent) {
			snprintf(why, n, "the customer has not been notified yet (docket notice %lld --via ...)", (long long)f->id);
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
			snprintf(why, n, "the non-disclosure order is in force until %s: the customer notice is owed after it",
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
static bool guards_hold(struct db *db, const struct facts *f, const char *guards, const char *note, char *why,
			size_t n)
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
	sqlite3_stmt *st = db_stmt(db, "SELECT to_state, outcome FROM transition WHERE from_state = ?1 ORDER BY to_state = 'closed', to_state, outcome", NULL);
	size_t used = 0;
	out[0] = '\0';
	if (!st)
		return;
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && used < n) {
		const char *to = (const char *)sqlite3_column_text(st, 0), *oc = (const char *)sqlite3_column_text(st, 1);
		used += (size_t)snprintf(out + used, n - used, "%s%s%s%s%s", used ? ", " : "", to, *oc ? "(" : "", oc,
					 *oc ? ")" : "");
	}
	sqlite3_reset(st);
	if (!out[0])
		snprintf(out, n, "none (%s is final)", from);
}

static enum dk_status check_version(const struct facts *f, int64_t expect, struct dk_error *err)
{
	if (expect && expect != f->version)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: changed by someone else since it was read (version %lld, now %lld); reload and try again",
			       (long long)f->id, (long long)expect, (long long)f->version);
	return DK_OK;
}

/* Bumps the version, as the write that every change to a demand makes; refuses a concurrent change. */
static enum dk_status touch(struct db *db, const struct facts *f, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE demand SET version = version + 1, updated_at = ?3 WHERE id = ?1 AND version = ?2",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, f->version);
	sqlite3_bind_int64(st, 3, f->now);
	enum dk_status s = db_exec_stmt(db, st, "updating the demand", err);
	if (!s && sqlite3_changes(db->h) != 1)
		return dk_fail(err, DK_REFUSED, "demand %lld: changed by someone else; reload and try again", (long long)f->id);
	return s;
}

static enum dk_status set_due(struct db *db, int64_t id, int64_t due, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE demand SET due_at = ?2 WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	if (due)
		sqlite3_bind_int64(st, 2, due);
	return db_exec_stmt(db, st, "updating the deadline", err);
}

static void fmt_time_or_null(int64_t t, char *out, size_t n, const char **p)
{
	if (t) {
		when_format(t, out, n);
		*p = out;
	} else {
		*p = NULL;
	}
}

static enum dk_status log_event(struct db *db, const struct acting *by, int64_t id, const char *action, struct buf *ch,
				const char *note, int64_t now, struct dk_error *err)
{
	audit_changes_end(ch);
	enum dk_status s = ch->oom ? dk_fail(err, DK_STORAGE, "out of memory")
				   : audit_append(db, id, by, action, ch->data, note, now, err);
	buf_free(ch);
	return s;
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
			return dk_fail(err, DK_INVALID, "disclosed: \"%.40s\" is not one of subscriber, non_content, content",
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
		return dk_fail(err, DK_REFUSED, "demand %lld: cannot disclose %s: not requested", (long long)f->id, cats);
	}
	if ((*mask & CAT_CONTENT) && !f->emergency && !workflow_instrument_compels_content(f->instrument))
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: a %s cannot compel content: disclose non-content only, or record the warrant as its own demand",
			       (long long)f->id, f->instrument);
	if (content != ((*mask & CAT_CONTENT) != 0))
		return dk_fail(err, DK_REFUSED, "demand %lld: outcome %s does not match the categories disclosed",
			       (long long)f->id, req->outcome);
	return DK_OK;
}

static enum dk_status do_move(struct db *db, const struct acting *by, const struct move_request *req,
			      struct dk_error *err)
{
	struct facts f;
	enum dk_status s = load_facts(db, req->id, &f, err);
	if (s || (s = check_version(&f, req->expect_version, err)))
		return s;
	const char *outcome = req->outcome && *req->outcome ? req->outcome : "";
	long long id = (long long)req->id;
	char moves[600];
	if (strcmp(req->to, "closed") == 0 && !*outcome) {
		moves_from(db, f.status, moves, sizeof moves);
		return dk_fail(err, DK_INVALID, "demand %lld: closing needs --outcome; moves from %s: %s", id, f.status, moves);
	}
	if (strcmp(req->to, "closed") != 0 && *outcome)
		return dk_fail(err, DK_INVALID, "demand %lld: --outcome goes only with a move to closed", id);

	sqlite3_stmt *st = db_stmt(db,
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
		copy_col(st, 1, guards, sizeof guards);
	sqlite3_reset(st);
	char target[64];
	snprintf(target, sizeof target, "%s%s%s%s", req->to, *outcome ? "(" : "", outcome, *outcome ? ")" : "");
	if (rc == SQLITE_DONE) {
		moves_from(db, f.status, moves, sizeof moves);
		return dk_fail(err, DK_REFUSED, "demand %lld: cannot move from %s to %s; moves from %s: %s", id, f.status,
			       target, f.status, moves);
	}
	if (rc != SQLITE_ROW)
		return db_error(db, "reading the workflow", err);
	if (needs_attorney && by->role != STAFF_ATTORNEY)
		return dk_fail(err, DK_REFUSED, "demand %lld: moving from %s to %s is a legal decision for an attorney (%s is %s)",
			       id, f.status, target, by->actor, staff_role_name(by->role));
	char why[400];
	if (!guards_hold(db, &f, guards, req->note, why, sizeof why))
		return dk_fail(err, DK_REFUSED, "demand %lld: cannot move from %s to %s: %s", id, f.status, target, why);
	unsigned disclosed = 0;
	if (*outcome && (s = disclosed_scope(&f, req, &disclosed, err)))
		return s;

	struct deadline_facts df = deadline_of(&f);
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
	fmt_time_or_null(f.due_at, olddue, sizeof olddue, &po);
	fmt_time_or_null(due, newdue, sizeof newdue, &pn);
	if (f.due_at != due)
		audit_change(&ch, "due", po, pn);
	if (disclosed) {
		demand_categories_format(disclosed, ",", cats, sizeof cats);
		audit_change(&ch, "disclosed", NULL, cats);
	}
	return log_event(db, by, f.id, "moved", &ch, req->note, f.now, err);
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
		return dk_fail(err, DK_REFUSED, "demand %lld: %s may not change demands", (long long)req->id, by->actor);
	if ((s = db_begin(db, err)))
		return s;
	if ((s = do_move(db, by, req, err))) {
		db_rollback(db);
		return s;
	}
	return db_commit(db, err);
}

enum dk_status workflow_allowed(struct db *db, int64_t id, int (*fn)(const struct allowed_move *, void *),
				void *ctx, struct dk_error *err)
{
	struct facts f;
	enum dk_status s = load_facts(db, id, &f, err);
	if (s)
		return s;
	/* Collect first: the guards use cached statements of their own. */
	struct row {
		char to[24], outcome[32], guards[200];
		bool attorney;
	} rows[32];
	int n = 0;
	sqlite3_stmt *st = db_stmt(db, "SELECT to_state, outcome, needs_attorney, guard FROM transition WHERE from_state = ?1"
				       " ORDER BY to_state = 'closed', to_state, outcome",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, f.status, -1, SQLITE_STATIC);
	while (n < 32 && sqlite3_step(st) == SQLITE_ROW) {
		copy_col(st, 0, rows[n].to, sizeof rows[n].to);
		copy_col(st, 1, rows[n].outcome, sizeof rows[n].outcome);
		rows[n].attorney = sqlite3_column_int(st, 2);
		copy_col(st, 3, rows[n].guards, sizeof rows[n].guards);
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

/* Runs body inside a write transaction with the demand's facts loaded and the version checked. */
#define WITH_DEMAND(db, by, id, expect, f, err, body)                                                                  \
	do {                                                                                                           \
		enum dk_status s_;                                                                                     \
		if ((by)->role == STAFF_NONE)                                                                          \
			return dk_fail(err, DK_REFUSED, "demand %lld: %s may not change demands", (long long)(id),     \
				       (by)->actor);                                                                   \
		if ((s_ = db_begin(db, err)))                                                                          \
			return s_;                                                                                     \
		if ((s_ = load_facts(db, id, &(f), err)) || (s_ = check_version(&(f), expect, err)) ||                \
		    (s_ = (body))) {                                                                                   \
			db_rollback(db);                                                                               \
			return s_;                                                                                     \
		}                                                                                                      \
		return db_commit(db, err);                                                                             \
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
		copy_col(st, 0, old, sizeof old);
	sqlite3_reset(st);
	if (*login) {
		st = db_stmt(db, "SELECT 1 FROM staff WHERE login = ?1 AND active = 1", err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return dk_fail(err, DK_INVALID, "demand %lld: cannot assign to %s: not active staff", (long long)f->id,
				       login);
	}
	if ((s = touch(db, f, err)))
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
	return log_event(db, by, f->id, "assigned", &ch, "", f->now, err);
}

enum dk_status workflow_assign(struct db *db, const struct acting *by, int64_t id, const char *login,
			       int64_t expect_version, struct dk_error *err)
{
	struct facts f;
	if (!login)
		login = "";
	WITH_DEMAND(db, by, id, expect_version, f, err, do_assign(db, by, &f, login, err));
}

enum dk_status workflow_note(struct db *db, const struct acting *by, int64_t id, const char *text,
			     struct dk_error *err)
{
	enum dk_status s = text_check("note", text, TEXT_LONG_MAX, true, true, err);
	if (s)
		return s;
	struct facts f;
	struct buf ch;
	buf_init(&ch);
	/* A note changes nothing about the demand, so it does not bump the version. */
	WITH_DEMAND(db, by, id, 0, f, err, log_event(db, by, id, "note", &ch, text, f.now, err));
}

static enum dk_status do_order(struct db *db, const struct acting *by, struct facts *f, const struct order_input *in,
			       int64_t issued, int64_t expires, int64_t lifted, struct dk_error *err)
{
	enum dk_status s;
	sqlite3_stmt *st = db_stmt(db,
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
	if ((s = touch(db, f, err)))
		return s;
	st = db_stmt(db,
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
		fmt_time_or_null(old_expires, a, sizeof a, &pa);
		fmt_time_or_null(new_expires, b, sizeof b, &pb);
		audit_change(&ch, "expires", exists ? pa : NULL, pb);
	}
	if (!exists || indefinite != old_indef)
		audit_change(&ch, "indefinite", exists ? (old_indef ? "yes" : "no") : NULL, indefinite ? "yes" : "no");
	if (challenged != old_chal)
		audit_change(&ch, "challenged", exists ? "no" : NULL, "yes");
	if (new_lifted != old_lifted) {
		fmt_time_or_null(old_lifted, a, sizeof a, &pa);
		fmt_time_or_null(new_lifted, b, sizeof b, &pb);
		audit_change(&ch, "lifted", pa, pb);
	}
	/* In notice_owed the deadline is the order's end: follow it. */
	if (strcmp(f->status, "notice_owed") == 0) {
		struct facts now;
		if ((s = load_facts(db, f->id, &now, err))) {
			buf_free(&ch);
			return s;
		}
		struct deadline_facts df = deadline_of(&now);
		int64_t due = workflow_deadline(db, "notice_owed", &df);
		if (due != now.due_at) {
			fmt_time_or_null(now.due_at, a, sizeof a, &pa);
			fmt_time_or_null(due, b, sizeof b, &pb);
			audit_change(&ch, "due", pa, pb);
			if ((s = set_due(db, f->id, due, err))) {
				buf_free(&ch);
				return s;
			}
		}
	}
	return log_event(db, by, f->id, "order", &ch, "", f->now, err);
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

static enum dk_status do_authenticate(struct db *db, const struct acting *by, const struct facts *f,
				      const char *method, const char *note, struct dk_error *err)
{
	enum dk_status s;
	if ((s = touch(db, f, err)))
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
	return log_event(db, by, f->id, "verified", &ch, note, f->now, err);
}

enum dk_status workflow_authenticate(struct db *db, const struct acting *by, int64_t id, const char *method,
				     const char *note, struct dk_error *err)
{
	enum dk_status s;
	if (!demand_name_known(workflow_verify_methods, method))
		return dk_fail(err, DK_INVALID, "method: \"%.40s\" is not one of callback, email-domain, portal, supervisor",
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
	if ((s = touch(db, f, err)) || (s = set_due(db, f->id, due, err)))
		return s;
	const char *pa;
	fmt_time_or_null(f->due_at, a, sizeof a, &pa);
	when_format(due, b, sizeof b);
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "due", pa, b);
	return log_event(db, by, f->id, "extended", &ch, reason, f->now, err);
}

enum dk_status workflow_extend(struct db *db, const struct acting *by, int64_t id, const char *due,
			       const char *reason, struct dk_error *err)
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
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: in %s; a customer notice is recorded in notifying, disclosing or notice_owed", id,
			       f->status);
	if (f->in_force)
		return dk_fail(err, DK_REFUSED, "demand %lld: a non-disclosure order is in force: the customer may not be told",
			       id);
	char when[32];
	when_format(at, when, sizeof when);
	if (at < f->received_at)
		return dk_fail(err, DK_INVALID, "demand %lld: at: %s is before the demand was received", id, when);
	/* A notice dated back into an order's term is as forbidden as one sent now. */
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = ?1"
				   " AND (o.lifted_at IS NULL OR o.lifted_at > ?2)"
				   " AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > ?2))",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_int64(st, 2, at);
	int gagged = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (gagged)
		return dk_fail(err, DK_REFUSED, "demand %lld: a non-disclosure order was in force at %s: the customer may not have been told then",
			       id, when);
	const char *kind = f->n_orders > 0 ? "delayed" : "advance";
	if ((s = touch(db, f, err)))
		return s;
	st = db_stmt(db,
				   "INSERT INTO notice (demand_id, kind, via, recipient, status, created_at, sent_at)"
				   " SELECT ?1, ?2, ?3, c.contact_email, 'sent', ?4, ?5 FROM demand AS d"
				   " JOIN customer AS c ON c.id = d.customer_id WHERE d.id = ?1",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, f->id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	db_bind_text(st, 3, via);
	sqlite3_bind_int64(st, 4, f->now);
	sqlite3_bind_int64(st, 5, at);
	if ((s = db_exec_stmt(db, st, "recording the notice", err)))
		return s;
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "customer_notice", NULL, kind);
	audit_change(&ch, "via", NULL, via);
	audit_change(&ch, "sent", NULL, when);
	return log_event(db, by, f->id, "notice_sent", &ch, "", f->now, err);
}

enum dk_status workflow_notice_record(struct db *db, const struct acting *by, int64_t id, const char *via,
				      const char *at, struct dk_error *err)
{
	static const char *const vias[] = {"letter", "phone", "email", NULL};
	enum dk_status s;
	if (!demand_name_known(vias, via))
		return dk_fail(err, DK_INVALID, "via: \"%.40s\" is not one of letter, phone, email", via ? via : "");
	int64_t t = when_now();
	if (at && (s = when_parse("at", at, &t, err)))
		return s;
	if (t > when_now() + 300)
		return dk_fail(err, DK_INVALID, "at: %s is in the future", at);
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_notice(db, by, &f, via, t, err));
}
