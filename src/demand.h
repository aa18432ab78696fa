/* demand.h: recording a demand, reading it back, and listing demands.
 *
 * Moves along the workflow live in workflow.h; this module owns the demand row, its identifiers
 * and its data categories. */
#ifndef DOCKET_DEMAND_H
#define DOCKET_DEMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "party.h"
#include "staff.h"
#include "status.h"

/* Data categories, as bits. */
enum demand_category { CAT_SUBSCRIBER = 1, CAT_NON_CONTENT = 2, CAT_CONTENT = 4 };

/* NULL-terminated lists of the names the schema accepts. */
extern const char *const demand_channels[];
extern const char *const demand_instruments[];
extern const char *const demand_categories[];
extern const char *const demand_identifier_kinds[];
extern const char *const demand_states[];
extern const char *const demand_outcomes[];

/* Whether s is in the NULL-terminated list. */
bool demand_name_known(const char *const *list, const char *s);

/* "a, b, c" for messages; written into out. */
void demand_names_join(const char *const *list, char *out, size_t n);

/* Parses a category name; 0 when unknown. */
unsigned demand_category_parse(const char *s);

/* Writes the category names of mask, joined by sep, into out. */
void demand_categories_format(unsigned mask, const char *sep, char *out, size_t n);

/* Splits "kind:value" or infers the kind (email with '@', ip for an IPv4/IPv6 address, phone for
 * +digits, else account). kind receives a static string; *value points into s. */
enum dk_status demand_identifier_parse(const char *s, const char **kind, const char **value, struct dk_error *err);

/* Everything intake knows, as text, the way a person or a file gives it. */
struct demand_input {
	const char *source;     /* intake source; "manual" when NULL */
	const char *reference;  /* the requester's reference, unique per source */
	const char *received;   /* ISO-8601; now when NULL */
	const char *channel;    /* email, portal, mail, fax, in_person */
	const char *instrument; /* subpoena, court_order, ... */
	const char *customer;   /* the customer's tenant id */
	struct requester_input requester;
	const char *const *identifiers; /* "kind:value" or a value whose kind is inferred */
	size_t n_identifiers;
	const char *const *categories; /* subscriber, non_content, content */
	size_t n_categories;
	const char *response_due; /* ISO-8601, optional */
	bool emergency;
	const char *assignee; /* staff login, optional */
	const char *note;     /* optional */
	int64_t batch;        /* the import batch that records it, named in the created event; 0 for none */
};

#define DEMAND_MAX_IDENTIFIERS 1000

/* Checks input without writing; the message names the field. */
enum dk_status demand_check(const struct demand_input *in, struct dk_error *err);

/* The checks of input that passed demand_check which need the database, except the customer's:
 * received is not in the future, the assignee is active staff. Writes nothing. */
enum dk_status demand_check_refs(struct db *db, const struct demand_input *in, struct dk_error *err);

/* Records a new demand in state received, with its created event; *id receives its id. A demand
 * whose (source, reference) exists is refused (DK_REFUSED). */
enum dk_status demand_add(struct db *db, const struct acting *by, const struct demand_input *in, int64_t *id,
			  struct dk_error *err);

/* What demand_insert looks up (customers, requesters, whether a region answers to a country),
 * remembered from one demand to the next within one transaction. Throw it away with the
 * transaction: a rollback may remove what it remembers. */
struct demand_cache;
struct demand_cache *demand_cache_new(void);
void demand_cache_free(struct demand_cache **c);

/* customer_find, through the cache (which may be NULL). */
enum dk_status demand_cache_customer(struct db *db, struct demand_cache *c, const char *tenant, int64_t *id,
				     struct dk_error *err);

/* demand_add without its checks and its transaction, for loading many demands in one: input that
 * passed demand_check, inside the caller's transaction, with a cache (or NULL). The caller checks
 * that (source, reference) is new (demand_find_ref); every other refusal (an unknown customer or
 * assignee, a time in the future) comes before anything is written, so that the caller may go on
 * with its transaction after one. Any other failure leaves it for the caller to roll back. */
enum dk_status demand_insert(struct db *db, const struct acting *by, const struct demand_input *in,
			     struct demand_cache *cache, int64_t *id, struct dk_error *err);

/* Whether the database holds any demand. */
enum dk_status demand_any(struct db *db, bool *any, struct dk_error *err);

/* The id of the demand with this (source, reference), or 0 in *id when there is none. */
enum dk_status demand_find_ref(struct db *db, const char *source, const char *reference, int64_t *id,
			       struct dk_error *err);

/* Which of the facts intake gave (received when in gives it, channel, instrument, customer, the
 * requester's fields, identifiers, categories, due, emergency) differ between in and the recorded
 * demand id: their names, comma-separated, in out ("" when none). The assignee and the note are
 * not compared: the first may have changed since, the second is in the timeline. */
enum dk_status demand_differs(struct db *db, int64_t id, const struct demand_input *in, char *out, size_t n,
			      struct dk_error *err);

struct nd_order {
	char *reference;
	char *statute;
	int64_t issued_at;  /* 0 when unknown */
	int64_t expires_at; /* 0 when none */
	bool indefinite;
	bool challenged;
	int64_t lifted_at; /* 0 when not lifted */
	bool in_force;     /* now */
};

/* An order on one line, for people: "NDO-7 18 U.S.C. 2705(b): IN FORCE, expires 2027-01-31". */
void demand_order_format(const struct nd_order *o, char *out, size_t n);

struct verification {
	char *method;
	char *note;
	char *verified_by;
	int64_t verified_at;
};

struct notice_summary {
	int64_t id;
	char *kind;
	char *via;
	char *recipient;
	char *status;
	int64_t created_at;
	int64_t sent_at; /* 0 when not sent */
};

struct demand {
	int64_t id;
	char *source;
	char *reference;
	int64_t received_at;
	char *channel;
	char *instrument;
	struct customer customer;   /* strings owned by the demand */
	struct requester requester; /* strings owned by the demand */
	int64_t response_due;       /* 0 when none */
	bool emergency;
	bool cross_region;
	bool process_flag;
	char *assignee; /* NULL when unassigned */
	char *status;
	char *outcome;     /* NULL while open */
	int64_t due_at;    /* the current state's deadline, 0 when none */
	int64_t closed_at; /* 0 while open */
	int64_t version;
	int64_t created_at;
	int64_t updated_at;
	char **identifier_kinds;
	char **identifiers;
	size_t n_identifiers;
	unsigned requested; /* enum demand_category bits */
	unsigned disclosed;
	struct nd_order *orders;
	size_t n_orders;
	struct verification *verifications;
	size_t n_verifications;
	struct notice_summary *notices;
	size_t n_notices;
};

/* Records the categories of a scope (requested or disclosed) inside the caller's transaction. */
enum dk_status demand_store_categories(struct db *db, int64_t id, const char *scope, unsigned mask,
				       struct dk_error *err);

/* Bumps the version (and updated_at) inside the caller's transaction, for a change to something
 * that belongs to the demand, such as one of its letters, made outside the workflow module. */
enum dk_status demand_touch(struct db *db, int64_t id, int64_t now, struct dk_error *err);

/* Reads a demand with everything attached; DK_INVALID when there is no such demand. */
enum dk_status demand_get(struct db *db, int64_t id, struct demand **out, struct dk_error *err);

/* Frees and sets *d to NULL. */
void demand_free(struct demand **d);

/* A row of a listing: strings are borrowed for the duration of the callback. */
struct demand_row {
	int64_t id;
	const char *reference;
	int64_t received_at;
	const char *requester;
	const char *requester_kind;
	const char *instrument;
	const char *customer;
	const char *status;
	const char *outcome;  /* NULL while open */
	int64_t due_at;       /* 0 when none */
	const char *assignee; /* NULL when unassigned */
	bool emergency;
	bool cross_region;
	bool process_flag;
	bool under_order;
	int64_t version;
};

struct demand_filter {
	const char *status;   /* NULL: open demands; "all"; or a state name */
	const char *assignee; /* login, or NULL */
	int64_t due_before;   /* only demands with a deadline before this time; 0 for no limit */
	const char *search;   /* reference or identifier prefix, names, notes; NULL for none */
	int64_t limit;        /* 0 for no limit */
};

/* Open demands (and a named status) come by deadline, soonest first, then by id; "closed" and
 * "all" come newest first. Uses indexes: it never loads every demand to sort. */
enum dk_status demand_list(struct db *db, const struct demand_filter *f, int (*fn)(const struct demand_row *, void *),
			   void *ctx, struct dk_error *err);

/* The listing row of one demand, open or closed; fn is not called when there is no such demand. */
enum dk_status demand_list_one(struct db *db, int64_t id, int (*fn)(const struct demand_row *, void *), void *ctx,
			       struct dk_error *err);

/* A non-disclosure order that ends in a window, on an open demand. Strings are borrowed. */
struct order_ending {
	int64_t demand_id;
	const char *reference; /* the demand's */
	const char *status;
	const char *order; /* the order's reference */
	int64_t ends_at;
};

/* Orders that expire in [from, to), not lifted and not indefinite, on open demands; by end. */
enum dk_status demand_orders_ending(struct db *db, int64_t from, int64_t to,
				    int (*fn)(const struct order_ending *, void *), void *ctx, struct dk_error *err);

#endif
