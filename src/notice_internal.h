/* notice_internal.h: what the outbox's parts share (notice.c: drafting, queueing, reading;
 * notice_person.c: what a person does to a letter; notice_send.c: sending). */
#ifndef DOCKET_NOTICE_INTERNAL_H
#define DOCKET_NOTICE_INTERNAL_H

#include "db_internal.h"
#include "notice.h"
#include "obligation.h"

/* What a letter's demand owes and forbids now, for a change to the letter or its send. */
struct notice_judged {
	struct ob_facts f;
	struct obligations ob;
	bool loaded; /* false for a digest, which has no demand */
};
enum dk_status notice_judge(struct db *db, const struct notice *n, int64_t now, struct notice_judged *j,
			    struct dk_error *err);
void notice_judged_free(struct notice_judged *j);

/* Whether the letter may go to recipient now, by the obligations ("" in why when it may); for a
 * digest, whether recipient is no customer's. */
enum dk_status notice_why_not(struct db *db, const struct notice *n, const struct notice_judged *j,
			      const char *recipient, char *why, size_t nwhy, struct dk_error *err);
/* The same as a refusal naming the letter: DK_REFUSED with the reason. */
enum dk_status notice_may_go(struct db *db, const struct notice *n, const struct notice_judged *j,
			     const char *recipient, struct dk_error *err);

/* Ends the changes array in ch, appends the event (on the demand, or on none when demand_id is 0),
 * bumps the demand's version, and frees ch. */
enum dk_status notice_log(struct db *db, const struct acting *by, int64_t demand_id, const char *action, struct buf *ch,
			  const char *note, int64_t now, struct dk_error *err);

#endif
