/* notice.h: the outbox: the letters the workflow calls for, drafted from templates, queued in the
 * same transaction as the step that calls for them, sent over SMTP, or delivered by a person.
 *
 * Kinds: redirect (to the requester, when a demand moves to redirecting), advance (to the
 * customer, when an attorney moves it to notifying), delayed (to the customer, once the order
 * that kept a disclosure secret has ended), digest (to staff, from `docket due --mail`).
 *
 * A notice via smtp moves queued -> sending -> sent. A temporary failure (no connection, a
 * timeout, a 4xx) puts it back in the queue with the error and a next attempt time that doubles
 * each time; after the configured number of attempts, or at once when the server refuses the
 * recipient or the message (5xx), it is failed: it needs a person. A notice docket cannot
 * e-mail (no address) is queued via letter, for a person to deliver and record.
 *
 * Delivery is at least once: the Message-ID is fixed when the notice is queued and the notice is
 * marked sent only after the server accepted it, so a crash between the two sends it again, with
 * the same Message-ID, on the next run.
 *
 * Whether a letter may go is the demand's obligations' to say (obligation.h): while a
 * non-disclosure order is in force nothing reaches the customer, a redirect letter goes only while
 * its demand is in redirecting, a customer letter only while the notice is owed. Checked when a
 * letter is queued, changed or recorded, again as each send begins, and by triggers in the schema.
 * A send refused for that cancels the letter with the reason, and an event on the demand says why;
 * the digest never goes to a customer's address. */
#ifndef DOCKET_NOTICE_H
#define DOCKET_NOTICE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "smtp.h"
#include "staff.h"
#include "status.h"

extern const char *const notice_kinds[];    /* NULL-terminated */
extern const char *const notice_statuses[]; /* NULL-terminated */

struct notice {
	int64_t id;
	int64_t demand_id; /* 0 for a digest */
	char *reference;   /* the demand's reference, "" for a digest */
	char *kind;
	char *via;
	char *status;
	char *recipient;
	char *recipient_name;
	char *subject;
	char *body;
	char *message_id;
	char *template_source;
	char *last_error;
	int64_t attempts;
	int64_t next_attempt_at; /* 0 when none */
	int64_t version;
	int64_t created_at;
	int64_t updated_at;
	int64_t sent_at;   /* 0 when not sent */
	bool needs_person; /* failed, or queued for a person to deliver */
};

/* Reads a notice; DK_INVALID when there is none. */
enum dk_status notice_get(struct db *db, int64_t id, struct notice **out, struct dk_error *err);
void notice_free(struct notice **n);

/* What a workflow step queued, for its event. */
struct notice_queued {
	int64_t id;        /* 0 when nothing was queued: one of this kind is already pending, or sent */
	char summary[400]; /* "#12 redirect queued to a@b.example" */
};

/* Drafts and queues a letter of kind redirect, advance or delayed for the demand, inside the
 * caller's transaction. Nothing is queued when a notice of the kind is pending on the demand or
 * was sent at or after `since`. Refused (naming the template, line and field) when the template
 * names an unknown field or one that is empty for this demand, and refused for a customer notice
 * while an order is in force. */
enum dk_status notice_queue(struct db *db, int64_t demand_id, const char *kind, int64_t since, int64_t now,
			    struct notice_queued *q, struct dk_error *err);

/* `docket notice`: records a customer notice delivered by a person via letter, phone or email at
 * time at. The oldest customer letter waiting on the demand becomes the record (*kind receives its
 * kind); with none waiting a new one of *kind is recorded. *id receives the notice. Inside the
 * caller's transaction, which has checked that the notice is owed and writes the event. */
enum dk_status notice_record_delivery(struct db *db, int64_t demand_id, const char **kind, const char *via, int64_t at,
				      int64_t now, int64_t *id, struct dk_error *err);

/* A person's part. Each writes an event (on the demand, or on none for a digest). */

/* Replaces the letter's recipient, subject and body (queued or failed only). The recipient "" makes
 * it a letter for a person to deliver; an address makes it one docket e-mails. Refused when the
 * notice changed since version expect_version was read. */
enum dk_status notice_edit(struct db *db, const struct acting *by, int64_t id, int64_t expect_version,
			   const char *recipient, const char *subject, const char *body, struct dk_error *err);

/* Puts a failed (or waiting) e-mail back in the queue for the next run, its attempts reset. */
enum dk_status notice_retry(struct db *db, const struct acting *by, int64_t id, struct dk_error *err);

/* Withdraws a queued or failed notice, with the reason. */
enum dk_status notice_cancel(struct db *db, const struct acting *by, int64_t id, const char *reason,
			     struct dk_error *err);

/* Checks how and when a person gave a letter: via is one of letter, phone, email; at is ISO-8601
 * (now when NULL) and not in the future. *t is the time. */
enum dk_status notice_check_given(const char *via, const char *at, int64_t *t, struct dk_error *err);

/* Records that a person delivered a queued or failed notice via letter, phone or email at time at
 * (ISO-8601; now when NULL). For a customer notice this is the notice the waiting period runs
 * from, and it is refused while, or for a time when, an order was in force. */
enum dk_status notice_delivered(struct db *db, const struct acting *by, int64_t id, const char *via, const char *at,
				struct dk_error *err);

/* Listing. */
struct notice_row {
	int64_t id;
	int64_t demand_id; /* 0 for a digest */
	const char *reference;
	const char *kind;
	const char *via;
	const char *status;
	const char *recipient;
	const char *subject;
	int64_t attempts;
	const char *last_error;
	int64_t next_attempt_at; /* 0 when none */
	int64_t created_at;
	int64_t sent_at; /* 0 when not sent */
	bool needs_person;
};

struct notice_filter {
	const char *status; /* NULL: waiting (queued, sending, failed); "all"; or a status */
	bool needs_person;  /* only failed ones, and letters queued for a person */
	int64_t demand_id;  /* 0: any */
	int64_t limit;      /* 0: no limit */
	bool person_first;  /* those that need a person before the others (the UI's outbox) */
};

/* Newest first (after those that need a person, with person_first). */
enum dk_status notice_list(struct db *db, const struct notice_filter *f, int (*fn)(const struct notice_row *, void *),
			   void *ctx, struct dk_error *err);

/* The outbox at a glance, read through its index of waiting letters alone, so that it costs the
 * same beside a million sent ones. */
struct notice_counts {
	int64_t waiting;      /* queued, sending or failed */
	int64_t needs_person; /* of those: failed, or queued for a person to deliver */
};

enum dk_status notice_count(struct db *db, struct notice_counts *out, struct dk_error *err);

/* Sending. */
enum notice_result {
	NOTICE_SENT,
	NOTICE_DEFERRED, /* a temporary failure: queued again for next_attempt_at */
	NOTICE_FAILED,   /* needs a person */
	NOTICE_REFUSED,  /* a non-disclosure order is in force: nothing was sent */
	NOTICE_WOULD_SEND,
};

struct notice_outcome {
	int64_t id;
	int64_t demand_id;
	const char *kind;
	const char *recipient;
	enum notice_result result;
	const char *detail; /* the server's reply, or the reason */
	int64_t next_attempt_at;
};

struct notice_send_options {
	const struct smtp_config *cfg;
	bool dry_run;  /* check and build every message, send and change nothing */
	int64_t limit; /* 0: every notice that is due */
	int64_t only;  /* a notice id: just this one, due or not; 0: all that are due */
	void (*each)(const struct notice_outcome *, void *ctx);
	void *ctx;
};

struct notice_send_report {
	int64_t sent, deferred, failed, refused, would_send;
};

/* Sends the notices that are due. Only one process sends at a time (a lock file beside the
 * database); a notice left "sending" by one that died is sent again. Returns an error only when
 * the run could not start or the database failed; each notice's fate is in the report. */
enum dk_status notice_send(struct db *db, const struct acting *by, const struct notice_send_options *o,
			   struct notice_send_report *rep, struct dk_error *err);

/* The morning digest to address to: what is late, what is due within `within` days, orders ending
 * in that time, and letters that need a person. Queued like any notice; *id receives it. */
enum dk_status notice_queue_digest(struct db *db, const char *to, int64_t within, int64_t *id, struct dk_error *err);

#endif
