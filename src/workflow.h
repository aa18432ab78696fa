/* workflow.h: moving a demand along the workflow, and every other change to a case.
 *
 * The allowed moves are rows of the transition table (schema/); a trigger refuses any other
 * status change. This module checks the guards those rows name before it writes, so that a
 * refusal comes with its reason:
 *   emergency         only an emergency demand may skip redirecting
 *   preservation      only a preservation request moves to preserving
 *   not_preservation  a preservation request follows its own path
 *   review_note       a cross-region or process-flagged demand needs a note saying how it was handled
 *   no_order          no non-disclosure order in force (the customer is about to be told)
 *   order_in_force    disclosing without notice only while an order forbids it
 *   verified          the requester's identity was checked
 *   notice_wait       the customer notice was sent and the waiting period has passed (or emergency)
 *   order_on_record   an order was recorded on the demand
 *   notice_settled    no customer notice is still owed (none was ever owed, the order is indefinite,
 *                     or the notice was sent after the order ended)
 * A move whose transition row says needs_attorney needs an attorney. */
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
	bool needs_attorney;
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
};

/* Records a non-disclosure order, or updates the one with the same reference. */
enum dk_status workflow_order(struct db *db, const struct acting *by, int64_t id, const struct order_input *in,
			      struct dk_error *err);

extern const char *const workflow_verify_methods[]; /* NULL-terminated */

/* Records how the requester's identity was verified. */
enum dk_status workflow_authenticate(struct db *db, const struct acting *by, int64_t id, const char *method,
				     const char *note, struct dk_error *err);

/* Moves the current state's deadline later, with the reason; never earlier, never silently. */
enum dk_status workflow_extend(struct db *db, const struct acting *by, int64_t id, const char *due, const char *reason,
			       struct dk_error *err);

/* Records a customer notice delivered outside docket (via letter, phone or email) at time at
 * (ISO-8601; now when NULL). Refused while a non-disclosure order is in force. The customer letter
 * docket queued, if any, becomes the record; other customer letters waiting are cancelled. */
enum dk_status workflow_notice_record(struct db *db, const struct acting *by, int64_t id, const char *via,
				      const char *at, struct dk_error *err);

/* Letters the workflow queues itself (notice.h): the
 * redirect letter with the move to redirecting, the advance notice with the move to notifying,
 * and the delayed notice once every order on a demand in notice_owed has ended: when the order's
 * end is recorded (docket order --lifted/--expires), with the move to notice_owed if the orders
 * had already ended, or, for an order that simply expires, by the sweep below. */

/* The sweep: queues the delayed notice on each demand in notice_owed whose orders have all ended
 * (an expiry passes without anyone recording it). Each demand in its own transaction, with an
 * event. *queued receives how many were queued. `docket outbox send` runs it first. */
enum dk_status workflow_queue_owed_notices(struct db *db, const struct acting *by, int64_t *queued,
					   struct dk_error *err);

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
