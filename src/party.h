/* party.h: the customers whose data is demanded and the requesters who demand it. */
#ifndef DOCKET_PARTY_H
#define DOCKET_PARTY_H

#include <stdint.h>

#include "db.h"
#include "staff.h"
#include "status.h"

struct customer {
	int64_t id;
	const char *tenant;
	const char *name;
	const char *contact_name;
	const char *contact_email;
	const char *contact_phone;
	const char *region;
};

struct requester {
	int64_t id;
	const char *name;
	const char *kind;
	const char *agency;
	const char *country; /* ISO 3166-1 alpha-2 */
	const char *subdivision;
	const char *contact_name;
	const char *email;
	const char *phone;
};

/* Requester input: jurisdiction is "CC" or "CC-SUB". */
struct requester_input {
	const char *name;
	const char *kind;
	const char *agency;
	const char *jurisdiction;
	const char *contact_name;
	const char *email;
	const char *phone;
};

extern const char *const party_requester_kinds[]; /* NULL-terminated */

/* Checks an e-mail address's shape (one @, no spaces or controls, a dot in the domain). */
enum dk_status party_check_email(const char *field, const char *s, struct dk_error *err);

/* Adds a customer; *id receives its id. DK_REFUSED when the tenant exists. */
enum dk_status customer_add(struct db *db, const struct acting *by, const struct customer *c, int64_t *id,
			    struct dk_error *err);

/* DK_INVALID naming the known regions when region is not one of them. */
enum dk_status customer_check_region(struct db *db, const char *region, struct dk_error *err);

/* The id of the customer with this tenant id; DK_INVALID naming the tenant when unknown. */
enum dk_status customer_find(struct db *db, const char *tenant, int64_t *id, struct dk_error *err);

/* Calls fn for each customer (by tenant), or those whose tenant or name contains search. */
enum dk_status customer_list(struct db *db, const char *search, int (*fn)(const struct customer *, void *), void *ctx,
			     struct dk_error *err);

/* Checks requester input without touching the database. */
enum dk_status requester_check(const struct requester_input *in, struct dk_error *err);

/* The id of the requester matching in, created when new. Inside the caller's transaction. */
enum dk_status requester_find_or_create(struct db *db, const struct requester_input *in, int64_t *id,
					struct dk_error *err);

enum dk_status requester_list(struct db *db, int (*fn)(const struct requester *, void *), void *ctx,
			      struct dk_error *err);

#endif
