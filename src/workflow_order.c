/* workflow_order.c: recording, changing, lifting and reviewing a demand's non-disclosure orders.
 *
 * An order is what decides whether the customer may be told: every change to one is an
 * attorney's (the permission table), a change that ends it sooner says why, an order once lifted
 * stays lifted, and the change acts on the obligations in its own transaction: the letters that
 * would reach the customer under a new order are cancelled, the notice owed once every order has
 * ended is queued. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "notice.h"
#include "text.h"
#include "when.h"
#include "workflow.h"
#include "workflow_internal.h"

/* The order as recorded, when there is one with the reference. */
struct recorded {
	bool exists;
	char statute[TEXT_SHORT_MAX + 1];
	int64_t issued, expires, lifted, reviewed;
	bool indefinite, challenged;
};

static enum dk_status read_order(struct db *db, int64_t demand_id, const char *reference, struct recorded *o,
				 struct dk_error *err)
{
	memset(o, 0, sizeof *o);
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT statute, coalesce(issued_at, 0), coalesce(expires_at, 0), indefinite, challenged,"
				   " coalesce(lifted_at, 0), coalesce(reviewed_at, 0)"
				   " FROM nd_order WHERE demand_id = ?1 AND reference = ?2",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 2, reference, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o->exists = true;
		db_col_copy(st, 0, o->statute, sizeof o->statute);
		o->issued = sqlite3_column_int64(st, 1);
		o->expires = sqlite3_column_int64(st, 2);
		o->indefinite = sqlite3_column_int(st, 3);
		o->challenged = sqlite3_column_int(st, 4);
		o->lifted = sqlite3_column_int64(st, 5);
		o->reviewed = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DK_OK : db_error(db, "reading orders", err);
}

/* What the change is, in the actions of the permission table, each checked. */
static enum dk_status may_change(struct db *db, const struct acting *by, const struct facts *f,
				 const struct recorded *old, const struct order_input *in, int64_t issued,
				 int64_t expires, int64_t lifted, struct dk_error *err)
{
	char subject[40];
	snprintf(subject, sizeof subject, "demand %lld", (long long)f->id);
	bool terms = !old->exists || (in->statute && *in->statute && strcmp(in->statute, old->statute) != 0) ||
		     (issued && issued != old->issued) || (expires && expires != old->expires) ||
		     (in->challenged && !old->challenged);
	/* A command that changes nothing restates the order: that is recording it, too. */
	if (!terms && !(in->indefinite && !old->indefinite) && !lifted && !in->reviewed)
		terms = true;
	enum dk_status s = DK_OK;
	if (terms)
		s = staff_may(db, by, "order.record", subject, err);
	if (!s && in->indefinite && !old->indefinite)
		s = staff_may(db, by, "order.indefinite", subject, err);
	if (!s && lifted)
		s = staff_may(db, by, "order.lift", subject, err);
	if (!s && in->reviewed)
		s = staff_may(db, by, "order.review", subject, err);
	return s;
}

/* The rules of a change that do not depend on who makes it. */
static enum dk_status check_change(const struct facts *f, const struct recorded *old, const struct order_input *in,
				   int64_t issued, int64_t expires, int64_t lifted, struct dk_error *err)
{
	long long id = (long long)f->id;
	char a[32], b[32];
	if (!old->exists && !expires && !in->indefinite && !lifted)
		return dk_fail(err, DK_INVALID, "demand %lld: a new order needs --expires, --indefinite or --lifted", id);
	/* A court that imposes the gag again makes a new order: changing a lifted one would leave the
	 * record saying one thing (lifted) and the attorney believing another. */
	if (old->lifted && (expires || in->indefinite || lifted)) {
		when_format_date(old->lifted, a, sizeof a);
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: order %s was lifted on %s; a re-imposed order is a new one: record it "
			       "under its own --ref",
			       id, in->reference, a);
	}
	int64_t start = issued ? issued : old->issued;
	int64_t end = expires ? expires : (in->indefinite ? 0 : old->expires);
	if (start && end && !in->indefinite && end <= start) {
		when_format(end, a, sizeof a);
		when_format(start, b, sizeof b);
		return dk_fail(err, DK_INVALID, "expires: %s is not after the issue date %s", a, b);
	}
	bool had_end = old->exists && !old->indefinite && old->expires;
	bool sooner = lifted || (old->exists && expires && (!had_end || expires < old->expires));
	if ((sooner || in->reviewed) && (!in->reason || !*in->reason))
		return dk_fail(err, DK_INVALID, "demand %lld: %s needs --reason", id,
			       lifted   ? "lifting an order"
			       : sooner ? "ending an order sooner"
					: "recording an order's review");
	return DK_OK;
}

static enum dk_status write_order(struct db *db, const struct facts *f, const struct recorded *old,
				  const struct order_input *in, int64_t issued, int64_t expires, int64_t lifted,
				  struct dk_error *err)
{
	/* An update keeps what it does not mention. */
	bool indefinite = in->indefinite || (old->exists && old->indefinite && !expires);
	if (expires)
		indefinite = false;
	int64_t new_expires = expires ? expires : (indefinite ? 0 : old->expires);
	sqlite3_stmt *st = db_stmt(
		db,
		"INSERT INTO nd_order (demand_id, reference, statute, issued_at, expires_at, indefinite, challenged,"
		" lifted_at, reviewed_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
		" ON CONFLICT (demand_id, reference) DO UPDATE SET"
		" statute = CASE WHEN excluded.statute <> '' THEN excluded.statute ELSE statute END,"
		" issued_at = coalesce(excluded.issued_at, issued_at), expires_at = excluded.expires_at,"
		" indefinite = excluded.indefinite, challenged = excluded.challenged, lifted_at = excluded.lifted_at,"
		" reviewed_at = excluded.reviewed_at",
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
	sqlite3_bind_int(st, 7, in->challenged || old->challenged);
	if (lifted || old->lifted)
		sqlite3_bind_int64(st, 8, lifted ? lifted : old->lifted);
	if (in->reviewed || old->reviewed)
		sqlite3_bind_int64(st, 9, in->reviewed ? f->now : old->reviewed);
	sqlite3_bind_int64(st, 10, f->now);
	return db_exec_stmt(db, st, "recording the order", err);
}

/* The event's changes: what the order was and is now. */
static void order_changes(struct buf *ch, const struct recorded *old, const struct recorded *now,
			  const struct order_input *in)
{
	char a[32], b[32];
	const char *pa, *pb;
	audit_change(ch, "order", old->exists ? in->reference : NULL, in->reference);
	if (in->statute && *in->statute && strcmp(in->statute, old->statute) != 0)
		audit_change(ch, "statute", old->exists && *old->statute ? old->statute : NULL, in->statute);
	if (now->issued != old->issued) {
		wf_fmt_time(old->issued, a, sizeof a, &pa);
		wf_fmt_time(now->issued, b, sizeof b, &pb);
		audit_change(ch, "issued", pa, pb);
	}
	if (!old->exists || now->expires != old->expires) {
		wf_fmt_time(old->expires, a, sizeof a, &pa);
		wf_fmt_time(now->expires, b, sizeof b, &pb);
		audit_change(ch, "expires", old->exists ? pa : NULL, pb);
	}
	if (!old->exists || now->indefinite != old->indefinite)
		audit_change(ch, "indefinite", old->exists ? (old->indefinite ? "yes" : "no") : NULL,
			     now->indefinite ? "yes" : "no");
	if (now->challenged != old->challenged)
		audit_change(ch, "challenged", old->exists ? "no" : NULL, "yes");
	if (now->lifted != old->lifted) {
		wf_fmt_time(old->lifted, a, sizeof a, &pa);
		wf_fmt_time(now->lifted, b, sizeof b, &pb);
		audit_change(ch, "lifted", pa, pb);
	}
	if (now->reviewed != old->reviewed) {
		wf_fmt_time(old->reviewed, a, sizeof a, &pa);
		wf_fmt_time(now->reviewed, b, sizeof b, &pb);
		audit_change(ch, "reviewed", pa, pb);
	}
}

/* A customer letter in flight cannot be called back: say so, in the event and to the caller. */
static enum dk_status in_flight(struct db *db, const struct facts *f, char *warning, size_t n, struct dk_error *err)
{
	if (warning && n)
		warning[0] = '\0';
	struct ob_facts ob;
	enum dk_status s = obligation_load(db, f->id, f->now, &ob, err);
	if (s)
		return s;
	struct obligations now;
	obligation_derive(&ob, &now);
	for (size_t i = 0; !s && now.contact_forbidden && i < ob.n_letters; i++) {
		const struct ob_letter *l = &ob.letters[i];
		if (strcmp(l->status, "sending") != 0)
			continue;
		bool to_customer = obligation_is_customer_kind(l->kind);
		if (!to_customer && (s = obligation_customer_address(db, f->id, l->recipient, &to_customer, err)))
			break;
		if (to_customer && warning && n)
			snprintf(warning, n,
				 "letter #%lld (%s) is being sent right now and may reach the customer; once it is "
				 "recorded as sent, docket due lists it until an attorney reviews the order",
				 (long long)l->id, l->kind);
	}
	obligation_facts_free(&ob);
	return s;
}

/* The letters the obligations say went to the customer under an order, not yet reviewed: one
 * entry for each letter and order it went under. */
struct told {
	int64_t notice[OB_ATTENTION_MAX];
	char orders[OB_ATTENTION_MAX][TEXT_SHORT_MAX + 1];
	size_t n;
};

static enum dk_status told_under_order(struct db *db, const struct facts *f, struct told *t, struct dk_error *err)
{
	t->n = 0;
	struct ob_facts ob;
	enum dk_status s = obligation_load(db, f->id, f->now, &ob, err);
	if (s)
		return s;
	struct obligations now;
	obligation_derive(&ob, &now);
	for (size_t i = 0; i < now.n_attention; i++)
		if (now.attention[i].what == OB_ATT_TOLD_UNDER_ORDER) {
			t->notice[t->n] = now.attention[i].notice;
			snprintf(t->orders[t->n], sizeof t->orders[t->n], "%s", now.attention[i].order);
			t->n++;
		}
	obligation_facts_free(&ob);
	return DK_OK;
}

/* Only a review clears the record that a letter went under an order: not an issue date moved
 * later, a lift or an expiry moved earlier than the letter. */
static enum dk_status keeps_told(struct db *db, const struct facts *f, const struct told *before,
				 const struct order_input *in, struct dk_error *err)
{
	if (in->reviewed || !before->n)
		return DK_OK;
	struct told after;
	enum dk_status s = told_under_order(db, f, &after, err);
	for (size_t i = 0; !s && i < before->n; i++) {
		bool kept = false;
		/* The record is of a letter under one order: kept under another order is not kept. */
		for (size_t j = 0; j < after.n; j++)
			kept = kept || (after.notice[j] == before->notice[i] &&
					strcmp(after.orders[j], before->orders[i]) == 0);
		if (!kept)
			s = dk_fail(err, DK_REFUSED,
				    "demand %lld: this would erase the record that letter #%lld reached the customer "
				    "while order %s was in force; record the order's review instead (--reviewed --reason)",
				    (long long)f->id, (long long)before->notice[i], before->orders[i]);
	}
	return s;
}

static enum dk_status do_order(struct db *db, const struct acting *by, struct facts *f, const struct order_input *in,
			       int64_t issued, int64_t expires, int64_t lifted, char *warning, size_t nwarning,
			       struct dk_error *err)
{
	struct recorded old, now;
	struct told told;
	enum dk_status s = read_order(db, f->id, in->reference, &old, err);
	if (s || (s = may_change(db, by, f, &old, in, issued, expires, lifted, err)) ||
	    (s = check_change(f, &old, in, issued, expires, lifted, err)) ||
	    (s = told_under_order(db, f, &told, err)) || (s = wf_touch(db, f, err)) ||
	    (s = write_order(db, f, &old, in, issued, expires, lifted, err)) ||
	    (s = read_order(db, f->id, in->reference, &now, err)))
		return s;
	struct buf ch;
	buf_init(&ch);
	order_changes(&ch, &old, &now, in);
	/* In notice_owed the deadline is when the notice falls due: it follows the orders. */
	if (strcmp(f->status, "notice_owed") == 0) {
		struct facts after;
		if ((s = wf_load_facts(db, f->id, &after, err))) {
			wf_facts_free(&after);
			buf_free(&ch);
			return s;
		}
		struct deadline_facts df = wf_deadline_of(&after);
		int64_t due = workflow_deadline(db, "notice_owed", &df);
		wf_facts_free(&after);
		if (due != f->due_at) {
			char a[32], b[32];
			const char *pa, *pb;
			wf_fmt_time(f->due_at, a, sizeof a, &pa);
			wf_fmt_time(due, b, sizeof b, &pb);
			audit_change(&ch, "due", pa, pb);
			if ((s = wf_set_due(db, f->id, due, err))) {
				buf_free(&ch);
				return s;
			}
		}
	}
	char flight[300];
	if ((s = obligation_reconcile(db, f->id, f->now, NULL, true, &ch, NULL, err)) ||
	    (s = keeps_told(db, f, &told, in, err)) || (s = in_flight(db, f, flight, sizeof flight, err))) {
		buf_free(&ch);
		return s;
	}
	if (*flight)
		audit_change(&ch, "warning", NULL, flight);
	if (warning && nwarning)
		snprintf(warning, nwarning, "%s", flight);
	return wf_log_event(db, by, f->id, "order", &ch, in->reason, f->now, err);
}

enum dk_status workflow_order(struct db *db, const struct acting *by, int64_t id, const struct order_input *in,
			      char *warning, size_t nwarning, struct dk_error *err)
{
	enum dk_status s;
	int64_t issued = 0, expires = 0, lifted = 0, now = when_now();
	if (warning && nwarning)
		warning[0] = '\0';
	if ((s = text_check("order reference", in->reference, TEXT_SHORT_MAX, false, true, err)) ||
	    (s = text_check("statute", in->statute, TEXT_SHORT_MAX, false, false, err)) ||
	    (s = text_check("reason", in->reason, TEXT_LONG_MAX, true, false, err)) ||
	    (in->issued && (s = when_parse("issued", in->issued, &issued, err))) ||
	    (in->expires && (s = when_parse("expires", in->expires, &expires, err))) ||
	    (in->lifted && (s = when_parse("lifted", in->lifted, &lifted, err))))
		return s;
	if (in->indefinite && expires)
		return dk_fail(err, DK_INVALID, "order: --expires and --indefinite exclude each other");
	/* An order the court has not issued yet is not in force: record it once it is. No slack: an
	 * issue date a minute ahead would leave the customer ungagged for that minute. */
	if (issued && issued > now)
		return dk_fail(err, DK_INVALID, "issued: %s is in the future", in->issued);
	if (lifted && lifted > now + 300)
		return dk_fail(err, DK_INVALID, "lifted: %s is in the future", in->lifted);
	struct facts f;
	WITH_DEMAND(db, by, id, 0, f, err, do_order(db, by, &f, in, issued, expires, lifted, warning, nwarning, err));
}
