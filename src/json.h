/* json.h: a streaming reader of records in JSON: an array of objects, or one object a line
 * (NDJSON, also called JSON Lines).
 *
 * Bytes are pushed in as they arrive (json_feed, any chunk size); each object is handed to a
 * callback as soon as it is complete, so that an array of a million objects is read holding one of
 * them. The grammar is RFC 8259's, strictly: no comments, no trailing commas, no single quotes, no
 * control characters in strings; a UTF-8 byte order mark at the start is skipped. Strings are
 * decoded (escapes, \u surrogate pairs to UTF-8); bytes of 0x80 and above are passed through as
 * they are, for the caller to check.
 *
 * A record that is not a valid object, or is longer than the limit, is still handed over, with its
 * error set and no members, so that the caller can reject it and go on. In an array, an error in
 * the array itself (a missing comma, text after the closing bracket, an element never closed) ends
 * the reading; in NDJSON every line stands alone. */
#ifndef DOCKET_JSON_H
#define DOCKET_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define JSON_RECORD_MAX (1024 * 1024) /* bytes in one record, as written */
#define JSON_DEPTH_MAX  32            /* nesting inside one record */

enum json_mode {
	JSON_ARRAY, /* [ {...}, {...} ] */
	JSON_LINES, /* {...}\n{...}\n */
};

enum json_type { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY_VALUE, JSON_OBJECT_VALUE };

struct json_value {
	enum json_type type;
	const char *s; /* a string's decoded bytes (NUL-terminated, may hold NULs of its own) or a number's
			* text; "" for the other types */
	size_t len;
	/* An array's elements, when every one is a scalar (not an array or object); nested is set
	 * instead when one is not. An object member's own members are not kept: nested is set. */
	const struct json_value *items;
	size_t n_items;
	bool nested;
};

struct json_member {
	const char *key; /* decoded, NUL-terminated */
	size_t key_len;
	struct json_value value;
};

struct json_record {
	const struct json_member *members; /* in the order written; duplicates are kept */
	size_t n;
	int64_t index;   /* the record's number, from 1 */
	int64_t line;    /* the line it starts on, from 1 */
	const char *raw; /* the record as written (for NDJSON, the line without its line end); NULL when
			  * longer than the limit */
	size_t raw_len;
	const char *error; /* why the record could not be read, or NULL */
};

/* Called for each record; a status other than DK_OK stops the reading and is returned by
 * json_feed or json_finish with err as the callback filled it. */
typedef enum dk_status (*json_record_fn)(void *ctx, const struct json_record *rec, struct dk_error *err);

struct json_reader;

/* A reader for the input called name (used in messages); record_max 0 means JSON_RECORD_MAX.
 * NULL when out of memory. */
struct json_reader *json_new(const char *name, enum json_mode mode, size_t record_max, json_record_fn fn, void *ctx);

/* Reads n more bytes. A failure (the input's, or the callback's) ends the reading: json_feed and
 * json_finish fail again with the same error until json_reset. */
enum dk_status json_feed(struct json_reader *r, const char *data, size_t n, struct dk_error *err);

/* Ends the input: hands over a last NDJSON line without a line end, or fails (DK_INVALID) when the
 * array is not complete. */
enum dk_status json_finish(struct json_reader *r, struct dk_error *err);

/* Starts again from the beginning of a new input. */
void json_reset(struct json_reader *r);

/* Frees the reader and sets *r to NULL. */
void json_free(struct json_reader **r);

/* Parses one complete JSON object held in text[0..n) into rec (members, error; not index, line or
 * raw). The strings in rec point into the reader's memory until the next call. For the readers
 * above and for tests. */
void json_parse_record(struct json_reader *r, const char *text, size_t n, struct json_record *rec);

#endif
