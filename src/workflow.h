/* workflow.h: moving a demand along the workflow, and every other change to a case.
 *
 * The allowed moves are rows of the transition table (schema/); a trigger refuses any other
 * status change. This module checks the guards those rows name before it writes, so that a
 * refusal comes with its reason, reading the demand's obligations (obligation.h) for those about
 * orders and notices:
 *   skip_redirect     only an emergency or national-security process may skip redirecting
 *   preservation      only a preservation request moves to preserving
 *   redirect          neither a preservation request nor national-security process is redirected
 *   review_note       a cross-region or process-flagged demand needs a note saying how it was handled
 *   no_order          no non-disclosure order in force (the customer is about to be told)
 *   order_in_force    disclosing without notice only while an order forbids it
 *   verified          the requester's identity was checked
 *   notice_wait       a customer notice was given since the latest move into notifying and the
 *                     waiting period has passed since (or emergency)
 *   order_on_record   an order was recorded on the demand
 *   notice_settled    no order on record, or the customer notice is given or held (indefinite)
 * Who may make a move is the action its row names (move or decide) in the permission table. After
 * the move, the obligations decide its letters (obligation_reconcile). */
#ifndef DOCKET_WORKFLOW_H
#define DOCKET_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "staff.h"
#include "status.h"

struct move_request {
	int64_t id;
	const char *to;               /* state name */
	const char *outcome;          /* required when to is closed, else NULL */
	const char *note;             /* optional, except where review_note asks for one */
	const char *const *disclosed; /* categories disclosed, when closing as disclosed; optional */
	size_t n_disclosed;
	int64_t expect_version; /* refuse if the demand changed since this version was read; 0: don't check */
};

enum dk_status workflow_move(struct db *db, const struct acting *by, const struct move_request *req,
			     struct dk_error *err);

/* A move from the current state, and whether it could be made now. */
struct allowed_move {
	const char *to;
	const char *outcome; /* "" unless closing */
	const char *action;  /* move or decide: who may, in the permission table */
	const char *roles;   /* who may, for people: "an attorney" */
	bool needs_attorney; /* only an attorney may */
	bool possible;      /* the guards hold now (the actor's role is not considered) */
	const char *reason; /* why not, when !possible */
};

/* Calls fn for each move the transition table allows from the demand's current state. */
enum dk_status workflow_allowed(struct db *db, int64_t id, int (*fn)(const struct allowed_move *, void *), void *ctx,
				struct dk_error *err);

/* Assigns the demand to a staff member (login "" unassigns). */
enum dk_status workflow_assign(struct db *db, const struct acting *by, int64_t id, const char *login,
			       int64_t expect_version, struct dk_error *err);

/* Adds a free-text note to the demand's timeline. */
enum dk_status workflow_note(struct db *db, const struct acting *by, int64_t id, const char *text,
			     struct dk_error *err);

struct order_input {
	const char *reference; /* required; the order is matched by it on the demand */
	const char *statute;   /* optional */
	const char *issued;    /* ISO-8601, optional */
	const char *expires;   /* ISO-8601; or */
	bool indefinite;       /* no end date; or */
	const char *lifted;    /* ISO-8601: the order was lifted */
	bool challenged;
	bool reviewed;      /* an attorney reviewed it now */
	const char *reason; /* why: required to lift, to end sooner, to record a review */
};

/* Records a non-disclosure order, or updates the one with the same reference (docs/workflow.md,
 * "Orders"). A customer letter being sent at that moment under the new order cannot be called
 * back: warning (when not NULL) receives what to tell the person, "" when nothing. */
enum dk_status workflow_order(struct db *db, const struct acting *by, int64_t id, const struct order_input *in,
			      char *warning, size_t nwarning, struct dk_error *err);

extern const char *const workflow_verify_methods[]; /* NULL-terminated */

/* Records how the requester's identity was verified. */
enum dk_status workflow_authenticate(struct db *db, const struct acting *by, int64_t id, const char *method,
				     const char *note, struct dk_error *err);

/* Moves the current state's deadline later, with the reason; never earlier, never silently. */
enum dk_status workflow_extend(struct db *db, const struct acting *by, int64_t id, const char *due, const char *reason,
			       struct dk_error *err);

/* Records a customer notice delivered outside docket (via letter, phone or email) at time at
 * (ISO-8601; now when NULL). Only while the notice is owed, and for a time at or after the one it
 * is owed from. The customer letter docket queued, if any, becomes the record; other customer
 * letters waiting are cancelled. */
enum dk_status workflow_notice_record(struct db *db, const struct acting *by, int64_t id, const char *via,
				      const char *at, struct dk_error *err);

/* Letters the workflow queues itself (notice.h): the redirect letter with the move to
 * redirecting; the customer notice whenever the obligations say it is owed and none is pending
 * (obligation.h): with the move to notifying, with the end of an order recorded, or, for an order
 * that simply expires, by the sweep below. */

/* The sweep: each demand, open or closed, whose obligations said they would need a look by now
 * (an order expired without anyone recording it) is reconciled in its own transaction, the owed
 * notice queued with an event. *queued receives how many were queued. `docket outbox send` runs
 * it first. */
/* A demand whose owed notice could not be drafted (a template field empty for it, say) does not stop
 * the others: its transaction is rolled back, skipped(demand, why, ctx) is called, and the notice
 * stays owed (docket due lists it). Only a storage failure ends the sweep. */
typedef void workflow_skipped_fn(int64_t demand_id, const struct dk_error *why, void *ctx);
enum dk_status workflow_queue_owed_notices(struct db *db, const struct acting *by, int64_t *queued,
					   workflow_skipped_fn *skipped, void *ctx, struct dk_error *err);

/* What a deadline is computed from. */
struct deadline_facts {
	int64_t received_at;
	int64_t response_due; /* 0 when none */
	int64_t entered_at;   /* when the demand entered the state */
	bool emergency;
	int64_t order_end;     /* latest end of the demand's orders, 0 when none */
	bool order_open_ended; /* an indefinite order that has not been lifted */
};

/* The deadline of a state from policy; 0 when the state has none. */
int64_t workflow_deadline(struct db *db, const char *state, const struct deadline_facts *f);

/* Whether an instrument can compel content (a search warrant can, a subpoena cannot). */
bool workflow_instrument_compels_content(const char *instrument);

#endif
