/* audit.h: the append-only, hash-chained trail of every change.
 *
 * Each event's hash is SHA-256 over the previous event's hash and the event's own content, so an
 * edit made behind the program's back breaks the chain from that event on. */
#ifndef DOCKET_AUDIT_H
#define DOCKET_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "staff.h"
#include "status.h"

#define AUDIT_HASH_LEN 32

/* The demand's state after an event on it, which the event records (and its hash covers). */
struct audit_state {
	int64_t version;
	const char *status;
	const char *outcome; /* NULL while open */
};

struct event {
	int64_t id;
	int64_t demand_id; /* 0 for events about no demand */
	int64_t at;
	const char *login;
	const char *actor;
	const char *action;
	const char *changes; /* JSON array of [field, old, new] */
	const char *note;
	/* The bytes of each text field as stored: the hash covers them all, a NUL inside included. */
	size_t n_login, n_actor, n_action, n_changes, n_note;
	bool has_state; /* the event records the demand's state after it (events from schema 7 on) */
	struct audit_state state;
	size_t n_status, n_outcome;
};

/* Appends one event inside the caller's transaction. changes may be NULL ("[]"). An event on a
 * demand records the demand's version, state and outcome as they are now (after the change). */
enum dk_status audit_append(struct db *db, int64_t demand_id, const struct acting *who, const char *action,
			    const char *changes, const char *note, int64_t at, struct dk_error *err);
/* The same with the state given, for a writer that sets the demand's row afterwards (the demo). */
enum dk_status audit_append_state(struct db *db, int64_t demand_id, const struct acting *who, const char *action,
				  const char *changes, const char *note, int64_t at, const struct audit_state *state,
				  struct dk_error *err);

/* Adds [field, old, new] to a JSON array being built in b (start with an empty buffer); NULL
 * values are written as null. Call audit_changes_end before use. */
void audit_change(struct buf *b, const char *field, const char *old, const char *new_value);
void audit_changes_end(struct buf *b);

/* Calls fn for each event of a demand, oldest first. */
enum dk_status audit_list(struct db *db, int64_t demand_id, int (*fn)(const struct event *, void *), void *ctx,
			  struct dk_error *err);

struct audit_report {
	const unsigned char *anchor;        /* in: a head hash kept outside the database, or NULL */
	int64_t anchor_id;                  /* out: the event whose hash is anchor, 0 when not found */
	int64_t events;                     /* events checked */
	int64_t bad_id;                     /* the first event whose hash does not match, or 0 */
	int64_t bad_demand;                 /* a demand whose row its last event does not vouch for, or 0 */
	unsigned char head[AUDIT_HASH_LEN]; /* the last event's hash (zeros when none) */
};

/* Recomputes the chain over every field's stored bytes, then checks that each demand's version,
 * state and outcome are those its last event recorded (for demands whose last event records them).
 * DK_REFUSED naming the first bad event, or the demand changed behind docket's back, or when an
 * anchor was given and no event carries it (events were removed or rewritten since). Set
 * rep->anchor before the call; the rest is filled in. */
enum dk_status audit_verify(struct db *db, struct audit_report *rep, struct dk_error *err);

void audit_hex(const unsigned char *h, char out[2 * AUDIT_HASH_LEN + 1]);

/* Parses 64 hex digits; false when s is not that. */
bool audit_unhex(const char *s, unsigned char out[AUDIT_HASH_LEN]);

#endif
