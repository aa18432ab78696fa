/* queue.h: the demand queue as the terminal UI reads it.
 *
 * Pages in a chosen order under filters, read by keyset: each read starts from the sort key of a
 * row already seen, so a page costs the same at the top of a million demands as deep inside them,
 * and no read ever loads or skips over every demand. Also the counts the UI's header shows, and
 * search by reference, identifier, name and note. Reads only: every change goes through
 * workflow.h and demand.h. */
#ifndef DOCKET_QUEUE_H
#define DOCKET_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "demand.h"
#include "status.h"

/* The orders a page can come in:
 *   QUEUE_BY_DEADLINE  open demands with a deadline, soonest first; then every other demand
 *                      (open without a deadline, closed), newest first
 *   QUEUE_BY_RECEIVED  newest received first
 *   QUEUE_BY_ID        newest recorded first */
enum queue_order { QUEUE_BY_DEADLINE, QUEUE_BY_RECEIVED, QUEUE_BY_ID };
#define QUEUE_ORDERS 3

/* "deadline", "received", "id"; NULL-terminated. */
extern const char *const queue_order_names[];

struct queue_filter {
	const char *status;   /* NULL, "" or "open": open demands; "all"; "closed"; or a state name */
	const char *assignee; /* only demands assigned to this login; NULL or "" for anyone */
	bool late;            /* only open demands past their deadline */
	bool under_order;     /* only demands with a non-disclosure order in force */
	int64_t now;          /* what late and in force are judged against; 0 for the current time */
};

/* Checks a filter's status name; DK_INVALID naming the field when it is not one. */
enum dk_status queue_filter_check(const struct queue_filter *f, struct dk_error *err);

/* A position in the queue: the sort key of one row in one order. Only meaningful for the order it
 * was read in. */
struct queue_key {
	int64_t id;
	int64_t value; /* due_at (deadline order) or received_at (received order) */
	bool rest;     /* deadline order: the row is in the second part (no deadline, or closed) */
};

enum queue_dir {
	QUEUE_NEXT, /* rows after the key, in queue order */
	QUEUE_PREV, /* rows before the key, nearest first (the reverse of queue order) */
};

/* Called for each row read; strings are borrowed for the duration of the call. Returns non-zero
 * to stop. */
typedef int (*queue_row_fn)(const struct demand_row *row, const struct queue_key *key, void *ctx);

/* A reader: holds the prepared statements of the filter and order combinations in use. Free it
 * before closing the database. */
struct queue;

enum dk_status queue_open(struct db *db, struct queue **out, struct dk_error *err);
void queue_free(struct queue **q);

/* Reads up to limit rows from the key in the direction given: from NULL reads from the start
 * (QUEUE_NEXT) or the end (QUEUE_PREV); inclusive takes the key's own row too. */
enum dk_status queue_read(struct queue *q, const struct queue_filter *f, enum queue_order order, enum queue_dir dir,
			  const struct queue_key *from, bool inclusive, int limit, queue_row_fn fn, void *ctx,
			  struct dk_error *err);

/* One demand as a queue row (key in deadline order); DK_INVALID when there is no such demand. */
enum dk_status queue_row(struct queue *q, int64_t id, int64_t now, queue_row_fn fn, void *ctx, struct dk_error *err);

/* The header's counts, all over open demands. */
struct queue_counts {
	int64_t open;
	int64_t late;        /* deadline passed */
	int64_t due_soon;    /* not late, deadline within the window */
	int64_t under_order; /* a non-disclosure order in force */
};

/* Counts at now, with due_soon over deadlines before now + soon seconds. */
enum dk_status queue_count(struct queue *q, int64_t now, int64_t soon, struct queue_counts *out, struct dk_error *err);

/* What a search result matched. */
enum queue_match { QUEUE_MATCH_REFERENCE, QUEUE_MATCH_IDENTIFIER, QUEUE_MATCH_NAME, QUEUE_MATCH_NOTE };

/* "reference", "identifier", "name", "note". */
extern const char *const queue_match_names[];

/* Called for each search result; what is the text that matched (the identifier, the name, the
 * note), borrowed for the call. Returns non-zero to stop. */
typedef int (*queue_hit_fn)(const struct demand_row *row, enum queue_match match, const char *what, void *ctx);

/* The quick part of a search, all through indexes: demands whose reference or one of whose
 * identifiers starts with text (as typed, in capitals or in small letters), then demands of the
 * customers (name or tenant id) and requesters (name) whose name contains text in any case,
 * newest first. At most limit results, each demand once, references first. */
enum dk_status queue_search(struct queue *q, const char *text, int limit, queue_hit_fn fn, void *ctx,
			    struct dk_error *err);

/* The notes of the timeline, searched a slice at a time so that a caller can stay responsive:
 * start with a zeroed scan; each call looks at no more than span events, newest first, calls fn
 * for each note containing text (any case), at most limit times, and sets done once the oldest
 * event was looked at (or fn asked to stop). A demand with several matching notes comes once per
 * note. */
struct queue_note_scan {
	int64_t below; /* the next slice ends below this event id; 0 before the first call */
	bool done;
	int64_t scanned; /* events looked at so far */
	int64_t total;   /* events there were when the scan started */
};

enum dk_status queue_search_notes(struct queue *q, const char *text, struct queue_note_scan *scan, int64_t span,
				  int limit, queue_hit_fn fn, void *ctx, struct dk_error *err);

#endif
