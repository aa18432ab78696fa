/* workflow_internal.h: what the workflow's two halves share (workflow.c, workflow_case.c). */
#ifndef DOCKET_WORKFLOW_INTERNAL_H
#define DOCKET_WORKFLOW_INTERNAL_H

#include "buf.h"
#include "db_internal.h"
#include "obligation.h"
#include "workflow.h"

/* What the guards look at, read once inside the move's transaction: the demand's row, and its
 * obligations (obligation.h) from their facts. */
struct facts {
	int64_t id, version, received_at, response_due, due_at, now;
	char status[24], outcome[32], instrument[24];
	bool emergency, cross_region, process_flag;
	unsigned requested;
	struct ob_facts ob; /* owned: wf_facts_free */
	struct obligations obl;
};

/* Reads the facts inside the caller's transaction; DK_INVALID when there is no such demand. */
enum dk_status wf_load_facts(struct db *db, int64_t id, struct facts *f, struct dk_error *err);
void wf_facts_free(struct facts *f);
struct deadline_facts wf_deadline_of(const struct facts *f);
/* Refuses when the demand changed since version expect was read (0: no check). */
enum dk_status wf_check_version(const struct facts *f, int64_t expect, struct dk_error *err);
/* Bumps the version, as the write that every change to a demand makes; refuses a concurrent change. */
enum dk_status wf_touch(struct db *db, const struct facts *f, struct dk_error *err);
enum dk_status wf_set_due(struct db *db, int64_t id, int64_t due, struct dk_error *err);
/* Formats t into out and points *p at it, or sets *p to NULL when t is 0. */
void wf_fmt_time(int64_t t, char *out, size_t n, const char **p);
/* Ends the changes array in ch, appends the event and frees ch. */
enum dk_status wf_log_event(struct db *db, const struct acting *by, int64_t id, const char *action, struct buf *ch,
			    const char *note, int64_t now, struct dk_error *err);

/* Runs body inside a write transaction with the demand's facts loaded and the version checked. */
#define WITH_DEMAND(db, by, id, expect, f, err, body)                                                                  \
	do {                                                                                                           \
		enum dk_status s_;                                                                                     \
		if ((by)->role == STAFF_NONE)                                                                          \
			return dk_fail(err, DK_REFUSED, "demand %lld: %s is not active staff: reading only",           \
				       (long long)(id), (by)->actor);                                                  \
		if ((s_ = db_begin(db, err)))                                                                          \
			return s_;                                                                                     \
		if (!(s_ = wf_load_facts(db, id, &(f), err)) && !(s_ = wf_check_version(&(f), expect, err)))          \
			s_ = (body);                                                                                   \
		wf_facts_free(&(f));                                                                                   \
		return db_end(db, s_, err);                                                                            \
	} while (0)

#endif
