/* csv.h: a streaming reader of CSV as RFC 4180 defines it.
 *
 * Bytes are pushed in as they arrive (csv_feed, any chunk size) and each complete record is handed
 * to a callback, so that no more than one record is held at a time. It accepts CRLF or LF line
 * ends, a UTF-8 byte order mark at the very start, quoted fields holding commas, quotes ("") and
 * line ends, and skips empty lines. Memory is bounded by the limits: a record that breaks one, or
 * breaks the syntax in a way the reader can recover from (a quote inside an unquoted field, text
 * after a closing quote, a carriage return alone), is still handed over, with its error set, so
 * that the caller can reject that record and go on. Only a quoted field left open at the end of
 * the input ends the reading.
 *
 * The reader knows nothing of headers: the first record is the caller's to interpret. */
#ifndef DOCKET_CSV_H
#define DOCKET_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define CSV_FIELD_MAX  (64 * 1024)   /* bytes in one field */
#define CSV_FIELDS_MAX 256           /* fields in one record */
#define CSV_RECORD_MAX (1024 * 1024) /* bytes in one record, as written */

struct csv_field {
	const char *s; /* NUL-terminated; may hold NUL bytes of its own before len */
	size_t len;
};

struct csv_record {
	const struct csv_field *fields;
	size_t n;
	int64_t line;    /* the line the record starts on, from 1 */
	int64_t index;   /* the record's number, from 1 (the header, when there is one, is 1) */
	const char *raw; /* the record as written, without its line end; NULL when longer than the limit */
	size_t raw_len;
	const char *error; /* what is wrong with the record's syntax, or NULL */
};

/* Called for each record; a status other than DK_OK stops the reading and is returned by csv_feed
 * or csv_finish with err as the callback filled it. */
typedef enum dk_status (*csv_record_fn)(void *ctx, const struct csv_record *rec, struct dk_error *err);

struct csv_limits {
	size_t field_max;  /* 0: CSV_FIELD_MAX */
	size_t fields_max; /* 0: CSV_FIELDS_MAX */
	size_t record_max; /* 0: CSV_RECORD_MAX */
};

struct csv_reader;

/* A reader for the input called name (used in messages); lim may be NULL. NULL when out of memory. */
struct csv_reader *csv_new(const char *name, const struct csv_limits *lim, csv_record_fn fn, void *ctx);

/* Reads n more bytes. */
enum dk_status csv_feed(struct csv_reader *r, const char *data, size_t n, struct dk_error *err);

/* Ends the input: hands over a last record that had no line end, or fails (DK_INVALID, naming
 * the line) when a quoted field is still open. */
enum dk_status csv_finish(struct csv_reader *r, struct dk_error *err);

/* Starts again from the beginning of a new input, keeping the name, limits and callback. */
void csv_reset(struct csv_reader *r);

/* Frees the reader and sets *r to NULL. */
void csv_free(struct csv_reader **r);

#endif
