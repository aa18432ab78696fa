/* import_internal.h: what the import's two halves share: import.c runs an import (readers,
 * transaction, batch, rejects) and import_record.c turns one record's fields into a checked demand
 * input. */
#ifndef DOCKET_IMPORT_INTERNAL_H
#define DOCKET_IMPORT_INTERNAL_H

#include "buf.h"
#include "demand.h"
#include "import.h"
#include "json.h"

/* The fields, in the order of import_fields[]. */
enum import_field {
	F_REFERENCE,
	F_RECEIVED,
	F_CHANNEL,
	F_INSTRUMENT,
	F_CUSTOMER,
	F_CUSTOMER_NAME,
	F_CUSTOMER_REGION,
	F_CUSTOMER_EMAIL,
	F_REQUESTER,
	F_REQUESTER_KIND,
	F_AGENCY,
	F_JURISDICTION,
	F_REQUESTER_CONTACT,
	F_REQUESTER_EMAIL,
	F_REQUESTER_PHONE,
	F_IDENTIFIERS,
	F_CATEGORIES,
	F_DUE,
	F_EMERGENCY,
	F_ASSIGNEE,
	F_NOTE,
	F_COUNT,
	F_IGNORED = F_COUNT, /* "error", the reason a rejects file gives: read and ignored */
};

enum import_kind {
	K_TEXT, /* a string */
	K_LIST, /* values separated by ';', or in JSON also an array of strings */
	K_BOOL, /* true or false; yes, no, 1, 0 */
};

extern const enum import_kind import_kinds[F_COUNT];
/* The columns a CSV header must have. */
extern const bool import_required[F_COUNT];

/* The field named name (n bytes), F_IGNORED for "error", or -1. */
int import_field_find(const char *name, size_t n);

/* One record's fields as read: text (CSV cells, JSON strings, "true"/"false"), or a JSON array. */
struct import_value {
	bool present; /* given and not empty or null */
	const char *s;
	size_t len;
	const struct json_value *items;
	size_t n_items;
	bool array;
};

/* Fields a record may carry beside the demand's: the customer to create. */
struct import_extra {
	const char *customer_name;
	const char *customer_region;
	const char *customer_email;
};

/* Room for one record's lists and copies; reused from record to record. */
struct import_scratch {
	struct buf ids, cats, note;
	const char *id_ptrs[DEMAND_MAX_IDENTIFIERS];
	const char *cat_ptrs[16];
};

void import_scratch_free(struct import_scratch *sc);

/* Fills in and x from the record's values (the strings stay the record's or the scratch's) and
 * checks them as demand_check and the extra fields' rules say. False, with the problem in msg
 * ("field: what is wrong: value"), when something is wrong. */
bool import_record_check(const struct import_value *v, const char *source, struct import_scratch *sc,
			 struct demand_input *in, struct import_extra *x, char *msg, size_t n);

/* A message from the core ("requester kind: ...") in the import's terms ("requester_kind: ..."),
 * with the field's value appended when the message does not quote it. */
void import_field_message(const char *core_msg, const struct import_value *v, char *out, size_t n);

/* The SHA-256 of the record's content, independent of the input's format and of how lists are
 * ordered or spelled, for telling a changed record from the same one. */
int import_record_digest(const struct demand_input *in, const struct import_extra *x, unsigned char out[32]);

#endif
