/* notice_internal.h: what the outbox's parts share (notice.c: drafting, queueing, reading;
 * notice_person.c: what a person does to a letter; notice_send.c: sending). */
#ifndef DOCKET_NOTICE_INTERNAL_H
#define DOCKET_NOTICE_INTERNAL_H

#include "db_internal.h"
#include "notice.h"

/* Whether the kind is a notice to the customer, which no order in force may let out. */
bool notice_is_customer(const char *kind);

/* The reference of an order on the demand in force at time t, into out ("" when none). */
enum dk_status notice_order_in_force(struct db *db, int64_t demand_id, int64_t t, char *out, size_t n,
				     struct dk_error *err);

/* Ends the changes array in ch, appends the event (on the demand, or on none when demand_id is 0),
 * bumps the demand's version, and frees ch. */
enum dk_status notice_log(struct db *db, const struct acting *by, int64_t demand_id, const char *action, struct buf *ch,
			  const char *note, int64_t now, struct dk_error *err);

#endif
