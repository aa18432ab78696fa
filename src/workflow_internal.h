/* workflow_internal.h: what the workflow's two halves share (workflow.c, workflow_case.c). */
#ifndef DOCKET_WORKFLOW_INTERNAL_H
#define DOCKET_WORKFLOW_INTERNAL_H

#include "buf.h"
#include "db_internal.h"
#include "workflow.h"

/* What the guards look at, read once inside the move's transaction. */
struct facts {
	int64_t id, version, received_at, response_due, due_at, now;
	char status[24], outcome[32], instrument[24];
	bool emergency, cross_region, process_flag;
	bool verified;
	int64_t n_orders;
	bool in_force;        /* an order is in force now */
	bool open_ended;      /* an indefinite order not lifted */
	int64_t order_end;    /* latest lifted_at or expires_at over the orders */
	int64_t advance_sent; /* first advance customer notice sent, 0 when none */
	int64_t last_notice;  /* last customer notice sent (advance or delayed), 0 when none */
	unsigned requested;
};

void wf_copy_col(sqlite3_stmt *st, int i, char *out, size_t n);
/* Reads the facts inside the caller's transaction; DK_INVALID when there is no such demand. */
enum dk_status wf_load_facts(struct db *db, int64_t id, struct facts *f, struct dk_error *err);
struct deadline_facts wf_deadline_of(const struct facts *f);
/* Refuses when the demand changed since version expect was read (0: no check). */
enum dk_status wf_check_version(const struct facts *f, int64_t expect, struct dk_error *err);
/* Bumps the version, as the write that every change to a demand makes; refuses a concurrent change. */
enum dk_status wf_touch(struct db *db, const struct facts *f, struct dk_error *err);
enum dk_status wf_set_due(struct db *db, int64_t id, int64_t due, struct dk_error *err);
/* Formats t into out and points *p at it, or sets *p to NULL when t is 0. */
void wf_fmt_time(int64_t t, char *out, size_t n, const char **p);
/* Whether the customer notice a disclosure under order left owed may be given now: there were
 * orders, and every one has ended (none indefinite and in force). */
bool wf_notice_now_owed(const struct facts *f);
/* Ends the changes array in ch, appends the event and frees ch. */
enum dk_status wf_log_event(struct db *db, const struct acting *by, int64_t id, const char *action, struct buf *ch,
			    const char *note, int64_t now, struct dk_error *err);

#endif
