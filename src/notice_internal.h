/* notice_internal.h: what the outbox's parts share (notice.c: drafting, queueing, reading;
 * notice_person.c: what a person does to a letter; notice_send.c: sending). */
#ifndef DOCKET_NOTICE_INTERNAL_H
#define DOCKET_NOTICE_INTERNAL_H

#include "db_internal.h"
#include "notice.h"

/* Whether the kind is a notice to the customer, which no order in force may let out. */
bool notice_is_customer(const char *kind);

/* Ends the changes array in ch, appends the event (on the demand, or on none when demand_id is 0),
 * bumps the demand's version, and frees ch. */
enum dk_status notice_log(struct db *db, const struct acting *by, int64_t demand_id, const char *action, struct buf *ch,
			  const char *note, int64_t now, struct dk_error *err);

#endif
