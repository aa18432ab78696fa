/* test_workflow.c: the guarded workflow. Each guard has a test that shows both sides: the move it
 * refuses (DK_REFUSED, with a message naming the demand, nothing written) and the same move once the
 * condition holds. Then the rest of what changes a case: roles, extensions, optimistic versions,
 * the events every move leaves, and the list of possible moves the UI shows. */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "staff.h"
#include "when.h"
#include "workflow.h"

#define DAY WHEN_DAY

static const char *const with_content[] = {"subscriber", "content"};

/* A demand received days ago (so that a notice recorded since is after its receipt). */
static int64_t add_demand(struct fx *fx, const char *ref, int64_t days_ago, bool emergency)
{
	char when[32];
	struct demand_input in;
	fx_demand_defaults(&in, ref);
	in.received = fx_when(-days_ago * DAY, when);
	in.emergency = emergency;
	return fx_add(fx, &in);
}

static void expect_status(struct fx *fx, int64_t id, const char *want)
{
	char status[32];
	fx_status(fx, id, status, sizeof status);
	assert_string_equal(status, want);
}

/* received -> redirecting -> in_review, the way a demand reaches review when it is no emergency. */
static void to_review(struct fx *fx, int64_t id)
{
	FX_OK(fx, fx_move(fx, &fx->intake, id, "redirecting", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->intake, id, "in_review", NULL, NULL));
}

static void verify_requester(struct fx *fx, int64_t id)
{
	FX_OK(fx, workflow_authenticate(fx->db, &fx->attorney, id, "callback",
					"called the duty desk back on the number published by the agency", &fx->err));
}

static void record_order(struct fx *fx, int64_t id, const char *ref, int64_t expires_in, bool indefinite)
{
	char when[32];
	struct order_input o = {.reference = ref, .statute = "18 U.S.C. 2705(b)"};
	if (indefinite)
		o.indefinite = true;
	else
		o.expires = fx_when(expires_in, when);
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err));
}

static enum dk_status record_notice(struct fx *fx, int64_t id, int64_t ago)
{
	char when[32];
	dk_clear(&fx->err);
	return workflow_notice_record(fx->db, &fx->attorney, id, "letter", ago ? fx_when(-ago, when) : NULL, &fx->err);
}

/* The customer told now, and the waiting period over: a test cannot wait a week, and a notice
 * dated a week back is exactly what the rules refuse (it would skip the wait). */
static void told_and_waited(struct fx *fx, int64_t id)
{
	fx_policy(fx, "notice_wait_days", 0);
	FX_OK(fx, record_notice(fx, id, 0));
}

/* received -> ... -> notifying, with the requester verified. */
static void to_notifying(struct fx *fx, int64_t id)
{
	to_review(fx, id);
	verify_requester(fx, id);
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notifying", NULL, "valid and in scope"));
}

static int64_t events_of(const struct fx *fx, int64_t id)
{
	char sql[100];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM event WHERE demand_id = %lld", (long long)id);
	sqlite3 *h = fx_raw_open(fx);
	int64_t n = fx_raw_int(h, sql);
	sqlite3_close(h);
	return n;
}

struct last_event {
	int64_t id;
	char action[32], login[80], actor[80], changes[1024], note[256];
};

static int keep_last(const struct event *e, void *ctx)
{
	struct last_event *l = ctx;
	l->id = e->id;
	snprintf(l->action, sizeof l->action, "%s", e->action);
	snprintf(l->login, sizeof l->login, "%s", e->login);
	snprintf(l->actor, sizeof l->actor, "%s", e->actor);
	snprintf(l->changes, sizeof l->changes, "%s", e->changes);
	snprintf(l->note, sizeof l->note, "%s", e->note);
	return 0;
}

static struct last_event last_event(struct fx *fx, int64_t id)
{
	struct last_event l;
	memset(&l, 0, sizeof l);
	FX_OK(fx, audit_list(fx->db, id, keep_last, &l, &fx->err));
	return l;
}

static struct demand *get(struct fx *fx, int64_t id)
{
	struct demand *d = NULL;
	FX_OK(fx, demand_get(fx->db, id, &d, &fx->err));
	return d;
}

/* The demand's customer notices (advance, delayed) in a status (NULL: any); *first receives the
 * first of them. The redirect letter every demand through redirecting has is not one. */
static size_t customer_notices(const struct demand *d, const char *status, const struct notice_summary **first)
{
	size_t n = 0;
	if (first)
		*first = NULL;
	for (size_t i = 0; i < d->n_notices; i++) {
		const struct notice_summary *x = &d->notices[i];
		if (strcmp(x->kind, "redirect") == 0 || (status && strcmp(x->status, status) != 0))
			continue;
		if (!n++ && first)
			*first = x;
	}
	return n;
}

/* A refused move leaves the demand where it was, with no event and the same version. */
#define REFUSED_MOVE(fx, by, id, to, outcome, note, needle)                                                            \
	do {                                                                                                           \
		char st_[32];                                                                                          \
		fx_status((fx), (id), st_, sizeof st_);                                                                \
		int64_t ev_ = events_of((fx), (id)), v_ = fx_version((fx), (id));                                      \
		FX_REFUSED((fx), fx_move((fx), (by), (id), (to), (outcome), (note)), (id), (needle));                  \
		expect_status((fx), (id), st_);                                                                        \
		assert_int_equal(events_of((fx), (id)), ev_);                                                          \
		assert_int_equal(fx_version((fx), (id)), v_);                                                          \
	} while (0)

static void test_emergency_may_skip_redirecting(void **state)
{
	struct fx *fx = *state;
	int64_t plain = add_demand(fx, "EM-1", 0, false);
	REFUSED_MOVE(fx, &fx->intake, plain, "in_review", NULL, NULL, "emergency");
	REFUSED_MOVE(fx, &fx->attorney, plain, "in_review", NULL, NULL, "emergency");

	int64_t urgent = add_demand(fx, "EM-2", 0, true);
	FX_OK(fx, fx_move(fx, &fx->intake, urgent, "in_review", NULL, NULL));
	expect_status(fx, urgent, "in_review");

	/* The ordinary way round is open to every demand. */
	to_review(fx, plain);
	expect_status(fx, plain, "in_review");
}

static void test_preservation_path(void **state)
{
	struct fx *fx = *state;
	struct demand_input in;
	fx_demand_defaults(&in, "PRES-1");
	in.instrument = "preservation";
	in.categories = NULL;
	in.n_categories = 0;
	int64_t p = fx_add(fx, &in);

	REFUSED_MOVE(fx, &fx->intake, p, "redirecting", NULL, NULL, "own path");
	FX_OK(fx, fx_move(fx, &fx->intake, p, "preserving", NULL, NULL));
	struct demand *d = get(fx, p);
	assert_string_equal(d->status, "preserving");
	/* The preservation period is the deadline. */
	assert_true(d->due_at >= when_now() + 90 * DAY - 60 && d->due_at <= when_now() + 90 * DAY);
	demand_free(&d);
	REFUSED_MOVE(fx, &fx->intake, p, "in_review", NULL, NULL, NULL);
	REFUSED_MOVE(fx, &fx->attorney, p, "closed", "disclosed_content", NULL, NULL);
	FX_OK(fx, fx_move(fx, &fx->intake, p, "closed", "preservation_expired", NULL));
	d = get(fx, p);
	assert_string_equal(d->status, "closed");
	assert_string_equal(d->outcome, "preservation_expired");
	assert_true(d->closed_at > 0);
	assert_int_equal(d->due_at, 0);
	demand_free(&d);

	in.reference = "PRES-2";
	int64_t p2 = fx_add(fx, &in);
	FX_OK(fx, fx_move(fx, &fx->intake, p2, "preserving", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->intake, p2, "closed", "superseded", "a warrant followed as its own demand"));

	int64_t plain = add_demand(fx, "PRES-3", 0, false);
	REFUSED_MOVE(fx, &fx->intake, plain, "preserving", NULL, NULL, "preservation");
}

static void test_notice_wait(void **state)
{
	struct fx *fx = *state;
	int64_t early = add_demand(fx, "NW-1", 10, false);
	to_notifying(fx, early);
	REFUSED_MOVE(fx, &fx->attorney, early, "disclosing", NULL, NULL, "not been notified");
	/* Dated before the decision to notify, a notice would skip the wait: refused, nothing written. */
	int64_t notices = fx_count(fx, "notice"), events = events_of(fx, early);
	FX_REFUSED(fx, record_notice(fx, early, 1 * DAY), early, "before the notice was owed");
	assert_int_equal(fx_count(fx, "notice"), notices);
	assert_int_equal(events_of(fx, early), events);
	FX_OK(fx, record_notice(fx, early, 0));
	REFUSED_MOVE(fx, &fx->attorney, early, "disclosing", NULL, NULL, "wait until");
	/* Told once, the customer is not told again. */
	FX_REFUSED(fx, record_notice(fx, early, 0), early, "told already");

	int64_t waited = add_demand(fx, "NW-2", 10, false);
	to_notifying(fx, waited);
	told_and_waited(fx, waited);
	FX_OK(fx, fx_move(fx, &fx->attorney, waited, "disclosing", NULL, NULL));
	expect_status(fx, waited, "disclosing");
	/* The advance notice queued with the move to notifying is the one recorded as delivered. */
	struct demand *d = get(fx, waited);
	const struct notice_summary *n;
	assert_int_equal(customer_notices(d, NULL, &n), 1);
	assert_string_equal(n->kind, "advance");
	assert_string_equal(n->via, "letter");
	assert_string_equal(n->status, "sent");
	assert_string_equal(n->recipient, "legal@acme.example");
	assert_true(n->sent_at >= when_now() - 60);
	demand_free(&d);

	/* An emergency cannot wait a week. */
	int64_t urgent = add_demand(fx, "NW-3", 0, true);
	FX_OK(fx, fx_move(fx, &fx->intake, urgent, "in_review", NULL, NULL));
	verify_requester(fx, urgent);
	FX_OK(fx, fx_move(fx, &fx->attorney, urgent, "notifying", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->attorney, urgent, "disclosing", NULL, NULL));

	/* A notice can only be recorded where the workflow expects one, and never in the future. */
	int64_t fresh = add_demand(fx, "NW-4", 0, false);
	FX_REFUSED(fx, record_notice(fx, fresh, 0), fresh, "notifying");
	dk_clear(&fx->err);
	char when[32];
	assert_int_equal(workflow_notice_record(fx->db, &fx->attorney, early, "letter", fx_when(DAY, when), &fx->err),
			 DK_INVALID);
	assert_int_equal(workflow_notice_record(fx->db, &fx->attorney, early, "pigeon", NULL, &fx->err), DK_INVALID);
}

static void test_no_customer_notice_under_order(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "GAG-1", 10, false);
	to_notifying(fx, id);
	/* The order arrives after the notice was planned. */
	record_order(fx, id, "NDO-17", 180 * DAY, false);
	int64_t notices = fx_count(fx, "notice"), events = events_of(fx, id);
	FX_REFUSED(fx, record_notice(fx, id, 0), id, "non-disclosure order");
	FX_REFUSED(fx, record_notice(fx, id, 8 * DAY), id, "non-disclosure order");
	assert_int_equal(fx_count(fx, "notice"), notices);
	assert_int_equal(events_of(fx, id), events);
	struct demand *d = get(fx, id);
	assert_int_equal(d->n_orders, 1);
	assert_true(d->orders[0].in_force);
	assert_string_equal(d->orders[0].reference, "NDO-17");
	assert_string_equal(d->orders[0].statute, "18 U.S.C. 2705(b)");
	/* The advance notice queued before the order is cancelled with it: nothing was sent, and
	 * nothing is waiting to be. */
	const struct notice_summary *n;
	assert_int_equal(customer_notices(d, "sent", NULL), 0);
	assert_int_equal(customer_notices(d, NULL, &n), 1);
	assert_string_equal(n->kind, "advance");
	assert_string_equal(n->status, "cancelled");
	demand_free(&d);

	/* Nor may review send a demand toward notifying while an order stands. */
	int64_t other = add_demand(fx, "GAG-2", 0, false);
	to_review(fx, other);
	record_order(fx, other, "NDO-18", 30 * DAY, false);
	REFUSED_MOVE(fx, &fx->attorney, other, "notifying", NULL, "valid", "non-disclosure order is in force");

	/* Once the order is lifted, the customer may and must be told. */
	char when[32];
	struct order_input lift = {.reference = "NDO-17", .lifted = fx_when(-60, when), .reason = "the court lifted it"};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &lift, NULL, 0, &fx->err));
	/* The lift queued the notice owed (nothing is disclosed yet: an advance notice); recorded by
	 * hand, that letter is the record. */
	d = get(fx, id);
	assert_int_equal(customer_notices(d, "queued", &n), 1);
	assert_string_equal(n->kind, "advance");
	demand_free(&d);
	FX_OK(fx, record_notice(fx, id, 0));
	d = get(fx, id);
	assert_false(d->orders[0].in_force);
	assert_int_equal(customer_notices(d, "sent", &n), 1);
	assert_string_equal(n->kind, "advance");
	assert_int_equal(customer_notices(d, "cancelled", &n), 1);
	demand_free(&d);
}

/* An order that arrives while the customer notice waits leaves the demand a way on: back to
 * review (an attorney's decision), which cancels the letter, and from there to disclosing under
 * the order. */
static void test_order_in_notifying_goes_back_to_review(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "GAG-R", 10, false);
	to_notifying(fx, id);
	record_order(fx, id, "NDO-31", 90 * DAY, false);
	verify_requester(fx, id);
	/* The notice cannot go out, so disclosing stays closed from here. */
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "not been notified");
	REFUSED_MOVE(fx, &fx->intake, id, "in_review", NULL, NULL, "attorney");
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "in_review", NULL, "order arrived before the notice went out"));
	expect_status(fx, id, "in_review");
	struct demand *d = get(fx, id);
	const struct notice_summary *n;
	assert_int_equal(customer_notices(d, "queued", NULL), 0);
	assert_int_equal(customer_notices(d, "cancelled", &n), 1);
	assert_string_equal(n->kind, "advance");
	demand_free(&d);
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "disclosing", NULL, "disclose under the order"));
	expect_status(fx, id, "disclosing");
}

/* A notice dated inside the order's term is a notice the court forbade: refused, and the refusal
 * says which demand, like every other. */
static void test_backdated_notice_inside_order_refused(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "GAG-3", 20, false);
	to_notifying(fx, id);
	char when[32];
	struct order_input o = {.reference = "NDO-19", .issued = fx_when(-15 * DAY, when)};
	char exp[32];
	o.expires = fx_when(-3600, exp);
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err));
	int64_t notices = fx_count(fx, "notice");
	FX_REFUSED(fx, record_notice(fx, id, 2 * DAY), id, "before the notice was owed");
	assert_int_equal(fx_count(fx, "notice"), notices);
	/* After the order's end it is what the workflow asks for. */
	FX_OK(fx, record_notice(fx, id, 0));
}

/* The waiting period runs from the customer notice, and no notice for a demand can have been sent
 * before the demand was received: a date earlier than that would let the wait be skipped by
 * mistyping (or choosing) a date. */
static void test_notice_cannot_predate_demand(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "NW-5", 0, false);
	to_notifying(fx, id);
	int64_t notices = fx_count(fx, "notice");
	dk_clear(&fx->err);
	enum dk_status s = record_notice(fx, id, 30 * DAY);
	if (s == DK_OK)
		print_error("demand %lld, received today, accepted a customer notice dated 30 days ago\n",
			    (long long)id);
	assert_int_not_equal(s, DK_OK);
	assert_int_equal(fx_count(fx, "notice"), notices);
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "not been notified");
}

static void test_order_input(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "ORD-IN", 0, false);
	char a[32], b[32];
	struct order_input o = {.reference = "NDO-IN"};
	dk_clear(&fx->err);
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "demand ");
	o.expires = fx_when(DAY, a);
	o.indefinite = true;
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	o.indefinite = false;
	/* An order not issued yet is not one to record; one that ends before it begins is a typo. */
	o.issued = fx_when(2 * DAY, b);
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "in the future");
	o.issued = fx_when(-DAY, b);
	o.expires = fx_when(-2 * DAY, a);
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "expires");
	o.expires = fx_when(DAY, a);
	o.issued = NULL;
	o.lifted = fx_when(DAY, b);
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "lifted");
	o.lifted = NULL;
	o.expires = "soon";
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	o.reference = "";
	o.expires = fx_when(DAY, a);
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &o, NULL, 0, &fx->err), DK_INVALID);
	assert_int_equal(fx_count(fx, "nd_order"), 0);

	/* Recorded, then updated: what an update leaves out is kept. */
	struct order_input first = {.reference = "NDO-IN", .statute = "18 U.S.C. 2705(b)", .expires = fx_when(DAY, a)};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &first, NULL, 0, &fx->err));
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "order");
	FX_CONTAINS(e.changes, "[\"order\",null,\"NDO-IN\"]");
	struct order_input update = {.reference = "NDO-IN", .challenged = true, .expires = fx_when(60 * DAY, b)};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &update, NULL, 0, &fx->err));
	e = last_event(fx, id);
	FX_CONTAINS(e.changes, "[\"challenged\",\"no\",\"yes\"]");
	FX_CONTAINS(e.changes, "[\"expires\",\"");
	struct demand *d = get(fx, id);
	assert_int_equal(d->n_orders, 1);
	assert_string_equal(d->orders[0].statute, "18 U.S.C. 2705(b)");
	assert_true(d->orders[0].challenged);
	assert_true(d->orders[0].expires_at > when_now() + 59 * DAY);
	assert_true(d->orders[0].in_force);
	demand_free(&d);
}

static void test_disclosing_needs_order_in_force(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "ORD-1", 0, false);
	to_review(fx, id);
	verify_requester(fx, id);
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "no non-disclosure order is in force");
	/* An order that already expired does not forbid telling the customer. */
	record_order(fx, id, "NDO-OLD", -DAY, false);
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "no non-disclosure order is in force");
	record_order(fx, id, "NDO-NEW", 30 * DAY, false);
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "disclosing", NULL, NULL));
	expect_status(fx, id, "disclosing");
}

static void test_disclosed_under_order(void **state)
{
	struct fx *fx = *state;
	/* An order with an end: the notice falls due when it ends. */
	int64_t id = add_demand(fx, "OWE-1", 0, false);
	to_review(fx, id);
	verify_requester(fx, id);
	record_order(fx, id, "NDO-1", 30 * DAY, false);
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "disclosing", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notice_owed", NULL, NULL));
	struct demand *d = get(fx, id);
	assert_true(d->due_at == d->orders[0].expires_at);
	demand_free(&d);
	REFUSED_MOVE(fx, &fx->attorney, id, "closed", "disclosed_non_content", NULL, "in force until");
	FX_REFUSED(fx, record_notice(fx, id, 0), id, "non-disclosure order");

	/* The order ends (recorded afterwards with an expiry in the past); the deadline follows it. */
	char when[32];
	struct order_input ended = {.reference = "NDO-1", .expires = fx_when(-3600, when)};
	/* Ending an order sooner is said with a reason. */
	dk_clear(&fx->err);
	assert_int_equal(workflow_order(fx->db, &fx->attorney, id, &ended, NULL, 0, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "needs --reason");
	ended.reason = "the court shortened the order at our request";
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, id, &ended, NULL, 0, &fx->err));
	d = get(fx, id);
	assert_false(d->orders[0].in_force);
	assert_true(d->due_at == d->orders[0].expires_at);
	assert_true(d->due_at < when_now());
	demand_free(&d);
	REFUSED_MOVE(fx, &fx->attorney, id, "closed", "disclosed_non_content", NULL, "has not been given");
	/* Recording the order's end queued the delayed notice; delivered by hand, it is the record. */
	d = get(fx, id);
	const struct notice_summary *n;
	assert_int_equal(customer_notices(d, NULL, &n), 1);
	assert_string_equal(n->kind, "delayed");
	assert_string_equal(n->status, "queued");
	demand_free(&d);
	FX_OK(fx, record_notice(fx, id, 0));
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "closed", "disclosed_non_content", NULL));
	d = get(fx, id);
	assert_string_equal(d->status, "closed");
	assert_string_equal(d->outcome, "disclosed_non_content");
	assert_int_equal(d->disclosed, CAT_SUBSCRIBER);
	assert_int_equal(customer_notices(d, NULL, &n), 1);
	assert_string_equal(n->kind, "delayed");
	assert_string_equal(n->status, "sent");
	demand_free(&d);

	/* The same with an order that is lifted rather than expiring. */
	int64_t lifted = add_demand(fx, "OWE-2", 0, false);
	to_review(fx, lifted);
	verify_requester(fx, lifted);
	record_order(fx, lifted, "NDO-2", 365 * DAY, false);
	FX_OK(fx, fx_move(fx, &fx->attorney, lifted, "disclosing", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->attorney, lifted, "notice_owed", NULL, NULL));
	struct order_input lift = {.reference = "NDO-2", .lifted = fx_when(-600, when), .reason = "the court lifted it"};
	FX_OK(fx, workflow_order(fx->db, &fx->attorney, lifted, &lift, NULL, 0, &fx->err));
	REFUSED_MOVE(fx, &fx->attorney, lifted, "closed", "disclosed_non_content", NULL, "has not been given");
	FX_OK(fx, record_notice(fx, lifted, 0));
	FX_OK(fx, fx_move(fx, &fx->attorney, lifted, "closed", "disclosed_non_content", NULL));

	/* An indefinite order: nothing will ever fall due, so the case may close. */
	int64_t forever = add_demand(fx, "OWE-3", 0, false);
	to_review(fx, forever);
	verify_requester(fx, forever);
	record_order(fx, forever, "NSL-3", 0, true);
	FX_OK(fx, fx_move(fx, &fx->attorney, forever, "disclosing", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->attorney, forever, "notice_owed", NULL, NULL));
	d = get(fx, forever);
	assert_true(d->orders[0].indefinite);
	assert_int_equal(d->due_at, 0);
	demand_free(&d);
	FX_OK(fx, fx_move(fx, &fx->attorney, forever, "closed", "disclosed_non_content", NULL));

	/* Without any order there is no notice to owe. */
	int64_t none = add_demand(fx, "OWE-4", 10, false);
	to_notifying(fx, none);
	told_and_waited(fx, none);
	FX_OK(fx, fx_move(fx, &fx->attorney, none, "disclosing", NULL, NULL));
	REFUSED_MOVE(fx, &fx->attorney, none, "notice_owed", NULL, NULL, "no non-disclosure order is on record");
	FX_OK(fx, fx_move(fx, &fx->attorney, none, "closed", "no_data", NULL));
}

static void test_attorney_only_moves(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "ATT-1", 0, false);
	REFUSED_MOVE(fx, &fx->intake, id, "closed", "rejected", NULL, "attorney");
	REFUSED_MOVE(fx, &fx->admin, id, "closed", "rejected", NULL, "attorney");
	to_review(fx, id);
	verify_requester(fx, id);
	REFUSED_MOVE(fx, &fx->intake, id, "notifying", NULL, NULL, "attorney");
	REFUSED_MOVE(fx, &fx->admin, id, "notifying", NULL, NULL, "attorney");
	REFUSED_MOVE(fx, &fx->admin, id, "challenged", NULL, NULL, "attorney");
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "challenged", NULL, "overbroad: asks for all accounts"));
	REFUSED_MOVE(fx, &fx->intake, id, "closed", "rejected", NULL, "attorney");
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "closed", "rejected", NULL));

	/* Moves that decide nothing are open to intake. */
	int64_t w = add_demand(fx, "ATT-2", 0, false);
	to_review(fx, w);
	FX_OK(fx, fx_move(fx, &fx->intake, w, "closed", "withdrawn", NULL));
	int64_t r = add_demand(fx, "ATT-3", 0, false);
	FX_OK(fx, fx_move(fx, &fx->attorney, r, "closed", "rejected", "not addressed to us"));
}

/* A login checked when a session opened has only what it has now: demoted or deactivated
 * while the UI stays open, it may no longer do what its old role allowed. */
static void test_role_read_again_for_each_action(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "ROLE-1", 0, false);
	struct acting kept = fx->attorney; /* as the UI holds it */
	FX_OK(fx, staff_change(fx->db, &fx->admin, "atty", "intake", -1, "now at intake", &fx->err));
	REFUSED_MOVE(fx, &kept, id, "closed", "rejected", NULL, "attorney");
	FX_OK(fx, staff_change(fx->db, &fx->admin, "atty", "attorney", 0, "left the team", &fx->err));
	REFUSED_MOVE(fx, &kept, id, "closed", "withdrawn", NULL, "not active staff");
	FX_OK(fx, staff_change(fx->db, &fx->admin, "atty", NULL, 1, "came back", &fx->err));
	FX_OK(fx, fx_move(fx, &kept, id, "closed", "rejected", NULL));
}

static void test_unverified_cannot_disclose(void **state)
{
	struct fx *fx = *state;
	/* A forged emergency from a hijacked police mailbox is exactly the case this stops. */
	int64_t id = add_demand(fx, "VER-1", 0, true);
	FX_OK(fx, fx_move(fx, &fx->intake, id, "in_review", NULL, NULL));
	record_order(fx, id, "NDO-V", 30 * DAY, false);
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "not verified");
	dk_clear(&fx->err);
	assert_int_equal(workflow_authenticate(fx->db, &fx->attorney, id, "gut-feeling", NULL, &fx->err), DK_INVALID);
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "not verified");
	/* Verifying the requester satisfies a guard of disclosure: an attorney's, not intake's. */
	dk_clear(&fx->err);
	FX_REFUSED(fx,
		   workflow_authenticate(fx->db, &fx->intake, id, "supervisor", "confirmed with the duty sergeant",
					 &fx->err),
		   id, "for an attorney");
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "not verified");
	FX_OK(fx, workflow_authenticate(fx->db, &fx->attorney, id, "supervisor", "confirmed with the duty sergeant",
					&fx->err));
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "disclosing", NULL, NULL));
	struct demand *d = get(fx, id);
	assert_int_equal(d->n_verifications, 1);
	assert_string_equal(d->verifications[0].method, "supervisor");
	assert_string_equal(d->verifications[0].verified_by, "atty");
	demand_free(&d);

	int64_t other = add_demand(fx, "VER-2", 10, false);
	to_review(fx, other);
	FX_OK(fx, fx_move(fx, &fx->attorney, other, "notifying", NULL, NULL));
	told_and_waited(fx, other);
	REFUSED_MOVE(fx, &fx->attorney, other, "disclosing", NULL, NULL, "not verified");
	verify_requester(fx, other);
	FX_OK(fx, fx_move(fx, &fx->attorney, other, "disclosing", NULL, NULL));
}

static void test_review_note_cross_region(void **state)
{
	struct fx *fx = *state;
	struct demand_input in;
	fx_demand_defaults(&in, "XR-1");
	in.requester.name = "Special Agent Dana Scully";
	in.requester.agency = "FBI";
	in.requester.jurisdiction = "US";
	in.requester.email = "dscully@fbi.example";
	int64_t id = fx_add(fx, &in);
	struct demand *d = get(fx, id);
	assert_true(d->cross_region);
	demand_free(&d);
	to_review(fx, id);
	REFUSED_MOVE(fx, &fx->attorney, id, "notifying", NULL, NULL, "cross-region");
	REFUSED_MOVE(fx, &fx->attorney, id, "notifying", NULL, "", "cross-region");
	REFUSED_MOVE(fx, &fx->attorney, id, "closed", "rejected", NULL, "cross-region");
	REFUSED_MOVE(fx, &fx->attorney, id, "challenged", NULL, NULL, "cross-region");
	const char *note = "US process for EU data: referred to the MLAT channel; customer agrees to be notified";
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notifying", NULL, note));
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.note, note);

	/* Leaving review without deciding anything needs no note. */
	in.reference = "XR-2";
	int64_t w = fx_add(fx, &in);
	to_review(fx, w);
	FX_OK(fx, fx_move(fx, &fx->intake, w, "closed", "withdrawn", NULL));

	/* A demand from inside the region needs none either. */
	int64_t local = add_demand(fx, "XR-3", 0, false);
	to_review(fx, local);
	FX_OK(fx, fx_move(fx, &fx->attorney, local, "notifying", NULL, NULL));
}

static void test_content_refused_for_subpoena(void **state)
{
	struct fx *fx = *state;
	char when[32];
	struct demand_input in;
	fx_demand_defaults(&in, "SUB-1");
	in.received = fx_when(-10 * DAY, when);
	in.categories = with_content;
	in.n_categories = 2;
	int64_t id = fx_add(fx, &in);
	struct demand *d = get(fx, id);
	assert_true(d->process_flag);
	demand_free(&d);
	to_review(fx, id);
	verify_requester(fx, id);
	REFUSED_MOVE(fx, &fx->attorney, id, "notifying", NULL, NULL, "process");
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "notifying", NULL, "content out of scope: subscriber data only"));
	told_and_waited(fx, id);
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "disclosing", NULL, NULL));
	REFUSED_MOVE(fx, &fx->attorney, id, "closed", "disclosed_content", NULL, "cannot compel content");
	struct move_request req = {.id = id,
				   .to = "closed",
				   .outcome = "disclosed_non_content",
				   .disclosed = (const char *const[]){"content"},
				   .n_disclosed = 1};
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_move(fx->db, &fx->attorney, &req, &fx->err), id, "cannot compel content");
	req.disclosed = (const char *const[]){"non_content"};
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_move(fx->db, &fx->attorney, &req, &fx->err), id, "not requested");
	expect_status(fx, id, "disclosing");
	FX_OK(fx, fx_move(fx, &fx->attorney, id, "closed", "disclosed_non_content", NULL));
	d = get(fx, id);
	assert_int_equal(d->disclosed, CAT_SUBSCRIBER);
	demand_free(&d);

	/* A warrant can compel content. */
	in.reference = "SW-1";
	in.instrument = "search_warrant";
	int64_t w = fx_add(fx, &in);
	to_review(fx, w);
	verify_requester(fx, w);
	FX_OK(fx, fx_move(fx, &fx->attorney, w, "notifying", NULL, NULL));
	told_and_waited(fx, w);
	FX_OK(fx, fx_move(fx, &fx->attorney, w, "disclosing", NULL, NULL));
	FX_OK(fx, fx_move(fx, &fx->attorney, w, "closed", "disclosed_content", NULL));
	d = get(fx, w);
	assert_int_equal(d->disclosed, CAT_SUBSCRIBER | CAT_CONTENT);
	demand_free(&d);
}

static void test_extend(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "EXT-1", 0, false);
	struct demand *d = get(fx, id);
	int64_t due = d->due_at, version = d->version;
	demand_free(&d);
	char old[32], earlier[32], later[32];
	when_format(due, old, sizeof old);
	when_format(due - DAY, earlier, sizeof earlier);
	when_format(due + 3 * DAY, later, sizeof later);
	int64_t events = events_of(fx, id);
	/* A deadline is the law's or the requester's: moving it is an attorney's decision. */
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_extend(fx->db, &fx->intake, id, later, "asked for more time", &fx->err), id,
		   "for an attorney");

	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_extend(fx->db, &fx->attorney, id, earlier, "asked for less time", &fx->err), id,
		   "only be extended");
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_extend(fx->db, &fx->attorney, id, old, "same time", &fx->err), id, "only be extended");
	dk_clear(&fx->err);
	assert_int_equal(workflow_extend(fx->db, &fx->attorney, id, later, NULL, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "reason");
	dk_clear(&fx->err);
	assert_int_equal(workflow_extend(fx->db, &fx->attorney, id, later, "", &fx->err), DK_INVALID);
	dk_clear(&fx->err);
	assert_int_equal(workflow_extend(fx->db, &fx->attorney, id, "2026-02-30", "r", &fx->err), DK_INVALID);
	assert_int_equal(events_of(fx, id), events);
	assert_int_equal(fx_version(fx, id), version);

	const char *reason = "the agency agreed by phone to a week more";
	FX_OK(fx, workflow_extend(fx->db, &fx->attorney, id, later, reason, &fx->err));
	d = get(fx, id);
	assert_true(d->due_at == due + 3 * DAY);
	assert_int_equal(d->version, version + 1);
	demand_free(&d);
	struct last_event e = last_event(fx, id);
	assert_string_equal(e.action, "extended");
	assert_string_equal(e.note, reason);
	/* Old and new deadline, nothing else: the change is the whole record of it. */
	char want[128];
	snprintf(want, sizeof want, "[[\"due\",\"%s\",\"%s\"]]", old, later);
	assert_string_equal(e.changes, want);

	FX_OK(fx, fx_move(fx, &fx->intake, id, "closed", "withdrawn", NULL));
	char much_later[32];
	when_format(due + 30 * DAY, much_later, sizeof much_later);
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_extend(fx->db, &fx->attorney, id, much_later, "too late", &fx->err), id, "closed");
}

static void test_expect_version(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "VER-1", 0, false);
	int64_t v = fx_version(fx, id);
	/* Someone else assigns it meanwhile. */
	FX_OK(fx, workflow_assign(fx->db, &fx->admin, id, "atty", 0, &fx->err));
	assert_int_equal(fx_version(fx, id), v + 1);
	struct move_request req = {.id = id, .to = "redirecting", .expect_version = v};
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_move(fx->db, &fx->intake, &req, &fx->err), id, "changed by someone else");
	expect_status(fx, id, "received");
	dk_clear(&fx->err);
	FX_REFUSED(fx, workflow_assign(fx->db, &fx->intake, id, "clerk", v, &fx->err), id, "changed by someone else");
	req.expect_version = v + 1;
	FX_OK(fx, workflow_move(fx->db, &fx->intake, &req, &fx->err));
	expect_status(fx, id, "redirecting");
	assert_int_equal(fx_version(fx, id), v + 2);
	/* A note changes nothing about the demand, so a reader's version stays good. */
	FX_OK(fx, workflow_note(fx->db, &fx->intake, id, "left a voicemail for the officer", &fx->err));
	assert_int_equal(fx_version(fx, id), v + 2);
	struct demand *d = get(fx, id);
	assert_string_equal(d->assignee, "atty");
	demand_free(&d);
}

static void test_not_staff_refused(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "NS-1", 0, false);
	int64_t events = fx_count(fx, "event"), version = fx_version(fx, id);
	const struct acting *by = &fx->nobody;
	char later[32];
	struct order_input o = {.reference = "NDO-X", .indefinite = true};
	struct move_request req = {.id = id, .to = "redirecting"};
	struct {
		const char *what;
		enum dk_status s;
		char msg[DK_ERROR_MAX];
	} r[7];
	int n = 0;
#define TRY(what_, call_)                                                                                              \
	do {                                                                                                           \
		dk_clear(&fx->err);                                                                                    \
		r[n].what = (what_);                                                                                   \
		r[n].s = (call_);                                                                                      \
		snprintf(r[n].msg, sizeof r[n].msg, "%s", fx->err.msg);                                                \
		n++;                                                                                                   \
	} while (0)
	TRY("move", workflow_move(fx->db, by, &req, &fx->err));
	TRY("assign", workflow_assign(fx->db, by, id, "mallory", 0, &fx->err));
	TRY("note", workflow_note(fx->db, by, id, "nothing to see", &fx->err));
	TRY("order", workflow_order(fx->db, by, id, &o, NULL, 0, &fx->err));
	TRY("authenticate", workflow_authenticate(fx->db, by, id, "callback", NULL, &fx->err));
	TRY("extend", workflow_extend(fx->db, by, id, fx_when(30 * DAY, later), "because", &fx->err));
	TRY("notice", workflow_notice_record(fx->db, by, id, "phone", NULL, &fx->err));
#undef TRY
	for (int i = 0; i < n; i++) {
		if (r[i].s != DK_REFUSED)
			print_error("%s by a non-staff login: status %d: %s\n", r[i].what, (int)r[i].s, r[i].msg);
		assert_int_equal(r[i].s, DK_REFUSED);
		FX_CONTAINS(r[i].msg, "mallory");
	}
	assert_int_equal(fx_count(fx, "event"), events);
	assert_int_equal(fx_version(fx, id), version);
	expect_status(fx, id, "received");
	/* Every refusal names the demand it refused. */
	char name[40];
	snprintf(name, sizeof name, "demand %lld", (long long)id);
	int unnamed = 0;
	for (int i = 0; i < n; i++) {
		if (!strstr(r[i].msg, name)) {
			print_error("%s refusal does not name %s: \"%s\"\n", r[i].what, name, r[i].msg);
			unnamed++;
		}
	}
	assert_int_equal(unnamed, 0);
}

static void expect_moved(struct fx *fx, int64_t id, const struct acting *by, const char *from, const char *to,
			 const char *outcome, int64_t *events)
{
	struct last_event e = last_event(fx, id);
	char want[200];
	assert_int_equal(events_of(fx, id), *events + 1);
	*events += 1;
	assert_string_equal(e.action, "moved");
	assert_string_equal(e.login, by->login);
	assert_string_equal(e.actor, by->actor);
	snprintf(want, sizeof want, "[\"status\",\"%s\",\"%s\"]", from, to);
	FX_CONTAINS(e.changes, want);
	if (outcome) {
		snprintf(want, sizeof want, "[\"outcome\",null,\"%s\"]", outcome);
		FX_CONTAINS(e.changes, want);
	}
}

static void test_every_move_writes_event(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "EV-1", 10, false);
	int64_t events = events_of(fx, id);
	assert_int_equal(events, 1);
	struct last_event created = last_event(fx, id);
	assert_string_equal(created.action, "created");
	FX_CONTAINS(created.changes, "[\"status\",null,\"received\"]");

	static const struct {
		const char *from, *to, *outcome;
		bool attorney;
	} path[] = {
		{"received", "redirecting", NULL, false},
		{"redirecting", "in_review", NULL, false},
		{"in_review", "notifying", NULL, true},
		{"notifying", "disclosing", NULL, true},
		{"disclosing", "closed", "disclosed_non_content", true},
	};
	for (size_t i = 0; i < sizeof path / sizeof path[0]; i++) {
		if (strcmp(path[i].to, "disclosing") == 0) {
			verify_requester(fx, id);
			told_and_waited(fx, id);
			events += 2;
		}
		const struct acting *by = path[i].attorney ? &fx->attorney : &fx->intake;
		FX_OK(fx, fx_move(fx, by, id, path[i].to, path[i].outcome, NULL));
		expect_moved(fx, id, by, path[i].from, path[i].to, path[i].outcome, &events);
	}
	/* The disclosure's scope is part of the record. */
	FX_CONTAINS(last_event(fx, id).changes, "[\"disclosed\",null,\"subscriber\"]");

	/* An admin acting for an attorney: the event keeps both. */
	int64_t other = add_demand(fx, "EV-2", 0, false);
	to_review(fx, other);
	struct acting as = fx->attorney;
	snprintf(as.login, sizeof as.login, "%s", "boss");
	int64_t n = events_of(fx, other);
	FX_OK(fx, fx_move(fx, &as, other, "closed", "no_data", NULL));
	expect_moved(fx, other, &as, "in_review", "closed", "no_data", &n);
	struct last_event e = last_event(fx, other);
	assert_string_equal(e.login, "boss");
	assert_string_equal(e.actor, "atty");

	struct audit_report rep = {0};
	FX_OK(fx, audit_verify(fx->db, &rep, &fx->err));
}

static void test_illegal_moves_name_the_demand(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "ILL-1", 0, false);
	/* Not a row of the transition table: the refusal lists what is. */
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "redirecting");
	REFUSED_MOVE(fx, &fx->attorney, id, "closed", "disclosed_content", NULL, "cannot move from received");
	dk_clear(&fx->err);
	assert_int_equal(fx_move(fx, &fx->attorney, id, "closed", NULL, NULL), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "outcome");
	assert_int_equal(fx_move(fx, &fx->attorney, id, "redirecting", "withdrawn", NULL), DK_INVALID);
	assert_int_equal(fx_move(fx, &fx->attorney, id, "limbo", NULL, NULL), DK_INVALID);
	assert_int_equal(fx_move(fx, &fx->attorney, id, "closed", "vanished", NULL), DK_INVALID);
	assert_int_equal(fx_move(fx, &fx->attorney, id, "redirecting", NULL, "bad\x1b[2Jnote"), DK_INVALID);
	assert_int_equal(fx_move(fx, &fx->attorney, 9999, "redirecting", NULL, NULL), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "demand 9999");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "closed", "withdrawn", NULL));
	/* Closed is final. */
	REFUSED_MOVE(fx, &fx->attorney, id, "in_review", NULL, NULL, "final");
}

static void test_compels_content_matches_schema(void **state)
{
	struct fx *fx = *state;
	sqlite3 *h = fx_raw_open(fx);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT name, compels_content FROM instrument", -1, &st, NULL),
			 SQLITE_OK);
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		bool schema = sqlite3_column_int(st, 1) != 0;
		if (workflow_instrument_compels_content(name) != schema)
			print_error("%s: the code says %d, the instrument table %d\n", name,
				    workflow_instrument_compels_content(name), schema);
		assert_true(workflow_instrument_compels_content(name) == schema);
		rows++;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	assert_true(rows >= 9);
	assert_false(workflow_instrument_compels_content("no_such_instrument"));
}

struct moves {
	int n;
	struct {
		char to[24], outcome[32], reason[400];
		bool attorney, possible;
	} m[16];
};

static int collect_moves(const struct allowed_move *m, void *ctx)
{
	struct moves *l = ctx;
	if (l->n >= 16)
		return 1;
	snprintf(l->m[l->n].to, sizeof l->m[0].to, "%s", m->to);
	snprintf(l->m[l->n].outcome, sizeof l->m[0].outcome, "%s", m->outcome);
	snprintf(l->m[l->n].reason, sizeof l->m[0].reason, "%s", m->reason ? m->reason : "(null)");
	l->m[l->n].attorney = m->needs_attorney;
	l->m[l->n].possible = m->possible;
	l->n++;
	return 0;
}

static int find_move(const struct moves *l, const char *to, const char *outcome)
{
	for (int i = 0; i < l->n; i++)
		if (strcmp(l->m[i].to, to) == 0 && strcmp(l->m[i].outcome, outcome) == 0)
			return i;
	print_error("move to %s(%s) not listed\n", to, outcome);
	fail();
	return -1;
}

static void test_allowed_lists_moves(void **state)
{
	struct fx *fx = *state;
	int64_t id = add_demand(fx, "ALW-1", 10, false);
	struct moves l = {0};
	FX_OK(fx, workflow_allowed(fx->db, id, collect_moves, &l, &fx->err));
	assert_int_equal(l.n, 5);
	int i = find_move(&l, "redirecting", "");
	assert_true(l.m[i].possible);
	assert_false(l.m[i].attorney);
	assert_string_equal(l.m[i].reason, "");
	i = find_move(&l, "in_review", "");
	assert_false(l.m[i].possible);
	FX_CONTAINS(l.m[i].reason, "emergency");
	i = find_move(&l, "preserving", "");
	assert_false(l.m[i].possible);
	FX_CONTAINS(l.m[i].reason, "preservation");
	i = find_move(&l, "closed", "rejected");
	assert_true(l.m[i].possible);
	assert_true(l.m[i].attorney);
	i = find_move(&l, "closed", "withdrawn");
	assert_true(l.m[i].possible);
	assert_false(l.m[i].attorney);
	/* Open states first, closing moves last. */
	assert_string_equal(l.m[3].to, "closed");
	assert_string_equal(l.m[4].to, "closed");

	/* In notifying, the wait shows as the reason disclosure is not yet possible. */
	to_notifying(fx, id);
	FX_OK(fx, record_notice(fx, id, 0));
	memset(&l, 0, sizeof l);
	FX_OK(fx, workflow_allowed(fx->db, id, collect_moves, &l, &fx->err));
	assert_int_equal(l.n, 3);
	i = find_move(&l, "disclosing", "");
	assert_false(l.m[i].possible);
	assert_true(l.m[i].attorney);
	FX_CONTAINS(l.m[i].reason, "wait until");
	/* Back to review (schema 0005): an attorney's move, open at any time. */
	i = find_move(&l, "in_review", "");
	assert_true(l.m[i].possible);
	assert_true(l.m[i].attorney);
	i = find_move(&l, "closed", "withdrawn");
	assert_true(l.m[i].possible);

	/* The list agrees with what a move then does. */
	REFUSED_MOVE(fx, &fx->attorney, id, "disclosing", NULL, NULL, "wait until");
	FX_OK(fx, fx_move(fx, &fx->intake, id, "closed", "withdrawn", NULL));
	memset(&l, 0, sizeof l);
	FX_OK(fx, workflow_allowed(fx->db, id, collect_moves, &l, &fx->err));
	assert_int_equal(l.n, 0);

	dk_clear(&fx->err);
	assert_int_equal(workflow_allowed(fx->db, 9999, collect_moves, &l, &fx->err), DK_INVALID);
}

static void test_deadlines(void **state)
{
	struct fx *fx = *state;
	const int64_t t0 = 1772323200;
	struct deadline_facts f = {.received_at = t0, .entered_at = t0 + DAY};
	assert_true(workflow_deadline(fx->db, "received", &f) == t0 + 2 * DAY);
	assert_true(workflow_deadline(fx->db, "in_review", &f) == t0 + 14 * DAY);
	assert_true(workflow_deadline(fx->db, "preserving", &f) == t0 + DAY + 90 * DAY);
	assert_int_equal(workflow_deadline(fx->db, "closed", &f), 0);
	f.response_due = t0 + 5 * DAY;
	assert_true(workflow_deadline(fx->db, "in_review", &f) == t0 + 5 * DAY);
	f.emergency = true;
	assert_true(workflow_deadline(fx->db, "received", &f) == t0 + DAY);
	assert_true(workflow_deadline(fx->db, "in_review", &f) == t0 + DAY);
	f.order_end = t0 + 60 * DAY;
	assert_true(workflow_deadline(fx->db, "notice_owed", &f) == t0 + 60 * DAY);
	f.order_open_ended = true;
	assert_int_equal(workflow_deadline(fx->db, "notice_owed", &f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emergency_may_skip_redirecting, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_preservation_path, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_notice_wait, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_customer_notice_under_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_order_in_notifying_goes_back_to_review, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_backdated_notice_inside_order_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_notice_cannot_predate_demand, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_order_input, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_disclosing_needs_order_in_force, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_disclosed_under_order, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_attorney_only_moves, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_role_read_again_for_each_action, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unverified_cannot_disclose, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_review_note_cross_region, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_content_refused_for_subpoena, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_extend, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_expect_version, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_not_staff_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_every_move_writes_event, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_illegal_moves_name_the_demand, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_compels_content_matches_schema, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_allowed_lists_moves, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_deadlines, fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
