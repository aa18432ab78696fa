/* obligation.h: what a demand owes its customer and what it forbids, at one moment, derived from
 * its facts alone. docs/workflow.md ("Obligations") states the rules this module implements.
 *
 * The facts: the demand's state, instrument and emergency mark; its orders; whether the
 * requester was verified; the times of its moves into notifying (N, the latest) and into
 * disclosing (D, the first), read from the audit trail; and its letters. From them, for a time:
 *   - whether contact with the customer is forbidden (an order is in force);
 *   - the customer notice: not owed, given, held (an order without an end), waiting (until the
 *     orders in force end) or owed (since R, the latest of N and every order's end);
 *   - whether a move into disclosing would pass now, later, or not (the attorney aside);
 *   - whether the redirect letter is still wanted;
 *   - what needs a person (`docket due`): an owed notice with no letter, a notice falling due, an
 *     order without an end due for review, a notice given while an order was in force.
 *
 * Every write that can change the facts asks obligation_reconcile() inside its transaction, which
 * cancels the letters that may no longer go, queues an owed notice that has none, and keeps the
 * demand's watch_at: the time its obligations next need a look. */
#ifndef DOCKET_OBLIGATION_H
#define DOCKET_OBLIGATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "status.h"
#include "text.h"

struct ob_order {
	int64_t id;
	char reference[TEXT_SHORT_MAX + 1];
	int64_t issued_at;  /* 0 when unknown */
	int64_t expires_at; /* 0 when none */
	int64_t lifted_at;  /* 0 when not lifted */
	int64_t created_at;
	int64_t reviewed_at; /* 0 when never */
	bool indefinite;
};

/* A letter of the demand. */
struct ob_letter {
	int64_t id;
	char kind[12];   /* redirect, advance, delayed */
	char status[12]; /* queued, sending, sent, failed, cancelled */
	char via[8];
	int64_t sent_at; /* when it was given; 0 when not sent */
	char *recipient;
};

struct ob_facts {
	int64_t id;
	int64_t now;
	char status[24], outcome[32], instrument[24];
	bool emergency;
	bool verified;
	int64_t notify_at;   /* N: the latest move into notifying; 0 when none */
	int64_t disclose_at; /* D: the first move into disclosing; 0 when none */
	int64_t wait_days;   /* policy notice_wait_days */
	int64_t review_days; /* policy order_review_days */
	struct ob_order *orders;
	size_t n_orders;
	struct ob_letter *letters;
	size_t n_letters;
};

enum ob_notice { OB_NOT_OWED, OB_GIVEN, OB_HELD, OB_WAITING, OB_OWED };
enum ob_disclosure { OB_DISCLOSE_NO, OB_DISCLOSE_AFTER, OB_DISCLOSE_ALLOWED };
enum ob_what { OB_ATT_NOTICE_OWED, OB_ATT_NOTICE_WAITING, OB_ATT_ORDER_REVIEW, OB_ATT_TOLD_UNDER_ORDER };

extern const char *const ob_notice_names[];     /* indexed by enum ob_notice */
extern const char *const ob_disclosure_names[]; /* by enum ob_disclosure */
extern const char *const ob_what_names[];       /* by enum ob_what */

#define OB_ATTENTION_MAX 16

struct ob_attention {
	enum ob_what what;
	int64_t since;     /* when it falls due */
	const char *order; /* the order it is about (borrowed from the facts), or NULL */
	int64_t notice;    /* told_under_order: the notice given */
};

struct obligations {
	bool contact_forbidden;     /* an order is in force: nothing may reach the customer */
	const char *order_in_force; /* the first order in force, borrowed from the facts; NULL when none */
	const char *order_last;     /* the order in force whose end the notice waits for; NULL when none */
	bool wanted;                /* a customer notice is wanted (notifying, or D known) */
	enum ob_notice notice;
	int64_t notice_from;  /* given: when; waiting: the end it waits for; owed: R; else 0 */
	int64_t owed_from;    /* R, the latest of N and every order's end; 0 when there is neither */
	bool letter_pending;  /* a customer letter is queued, sending or failed */
	const char *kind;     /* the customer letter to queue when owed: "advance" or "delayed" */
	int64_t given_letter; /* the letter that made it given, 0 otherwise */
	/* The notice_wait guard: an emergency, or a notice given since N and the wait over. */
	bool notified_since_n;
	int64_t wait_until; /* the end of the waiting period, when notified_since_n */
	bool wait_over;
	enum ob_disclosure disclosure;
	int64_t disclose_after; /* with OB_DISCLOSE_AFTER */
	char disclosure_why[200];
	bool redirect_wanted;
	struct ob_attention attention[OB_ATTENTION_MAX];
	size_t n_attention;
	int64_t watch_at; /* the earliest attention time; 0 when nothing will need a look by itself */
};

/* Whether the order is in force at time t: issued by t (when the issue date is known), neither
 * lifted nor expired by t; and its end (0: none). OB_IN_FORCE_SQL is the same for SQL, over the
 * nd_order row o and the time t (a parameter or an expression), for the listings that count
 * orders in force without loading them. */
bool obligation_in_force(const struct ob_order *o, int64_t t);
#define OB_IN_FORCE_SQL(o, t)                                                                                          \
	"((" o ".issued_at IS NULL OR " o ".issued_at <= " t ") AND (" o ".lifted_at IS NULL OR " o ".lifted_at > " t \
	") AND (" o ".indefinite = 1 OR " o ".expires_at IS NULL OR " o ".expires_at > " t "))"
int64_t obligation_order_end(const struct ob_order *o);
bool obligation_is_customer_kind(const char *kind);

/* Reads the demand's facts at time now (inside the caller's transaction, or on its own). */
enum dk_status obligation_load(struct db *db, int64_t demand_id, int64_t now, struct ob_facts *f,
			       struct dk_error *err);
void obligation_facts_free(struct ob_facts *f);

/* The answers, from the facts alone. */
void obligation_derive(const struct ob_facts *f, struct obligations *ob);

/* Whether address is one of the customer's addresses for this demand: its contact e-mail, an
 * e-mail identifier of any demand of that customer, or an address at its contact's domain. */
enum dk_status obligation_customer_address(struct db *db, int64_t demand_id, const char *address, bool *is,
					   struct dk_error *err);
/* Whether address is any customer's, for the digest. */
enum dk_status obligation_any_customer_address(struct db *db, const char *address, bool *is, struct dk_error *err);

/* Whether a letter of the demand may go now (be sent, retried or re-addressed to recipient), by
 * the obligations: "" in why when it may, else the reason. */
enum dk_status obligation_letter_may_go(struct db *db, const struct ob_facts *f, const struct obligations *ob,
					const char *kind, const char *recipient, char *why, size_t n,
					struct dk_error *err);

/* Acts on the obligations inside the caller's write transaction: cancels the demand's letters
 * that may no longer go (a change in ch for each), queues the owed customer notice when none is
 * pending and queue is true (a change in ch; *queued receives its id), and stores watch_at. A move
 * calls it before its event is written: entered names the state it moved into at now, which
 * the facts read from the audit trail do not show yet (NULL for a write that is not a move). */
enum dk_status obligation_reconcile(struct db *db, int64_t demand_id, int64_t now, const char *entered, bool queue,
				    struct buf *ch, int64_t *queued, struct dk_error *err);

/* The demands whose watch_at is at or before upto, earliest first: their obligations said they
 * would need a look by then. *ids is the caller's to free. */
enum dk_status obligation_watched(struct db *db, int64_t upto, int64_t **ids, size_t *n, struct dk_error *err);

/* What needs attention across the database: each item of each demand, open or closed, that falls
 * due before `before` (now plus the window), ordered by when, then by demand. The demands asked
 * are those whose watch_at says so (through its index); each is derived afresh at now. */
struct ob_item {
	int64_t demand_id;
	enum ob_what what;
	int64_t since;
	const char *order; /* borrowed for the call, or NULL */
};
enum dk_status obligation_attention(struct db *db, int64_t now, int64_t before, int (*fn)(const struct ob_item *, void *),
				    void *ctx, struct dk_error *err);

/* Stores the demand's watch_at from its obligations at now, changing no letter: for a writer that
 * builds a demand's history itself (the demo). */
enum dk_status obligation_refresh(struct db *db, int64_t demand_id, int64_t now, struct dk_error *err);

/* The obligations in words, for a person reading the case (docket show, the terminal UI): line
 * is called once per line, the first about the customer notice. */
void obligation_describe(const struct obligations *ob, int64_t now, void (*line)(const char *text, void *ctx),
			 void *ctx);

/* The facts as they are once a move into entered at f->now is recorded (see above). */
void obligation_entered(struct ob_facts *f, const char *entered);

#endif
