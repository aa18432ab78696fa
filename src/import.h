/* import.h: turning records from outside (CSV, JSON, NDJSON) into demands.
 *
 * An import reads its input as it arrives (import_feed), one record at a time, and checks each the
 * way `docket add` checks its options (demand_check) and against the database (the customer, the
 * assignee). A demand is identified by its intake source and reference: a record already recorded
 * with the same content is counted and skipped, one recorded with different content is a conflict,
 * reported and left alone. A run is one transaction and one import batch (source, input SHA-256,
 * counts, actor, time) that the created event of every demand it records names.
 *
 * By default a run is atomic: one invalid record and nothing is written. With skip_invalid the
 * valid records are written and the invalid ones handed to a sink in the input's format, each
 * with its reason. Every problem names the input, the line (CSV, NDJSON) or record number (JSON),
 * the field and the value. docs/docket-import.5 describes the fields. */
#ifndef DOCKET_IMPORT_H
#define DOCKET_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "staff.h"
#include "status.h"

enum import_format { IMPORT_FORMAT_NONE = 0, IMPORT_CSV, IMPORT_JSON, IMPORT_NDJSON };

/* "csv", "json", "ndjson". */
const char *import_format_name(enum import_format f);
/* Parses a format name; NONE when s is not one. */
enum import_format import_format_parse(const char *s);
/* The format a file name or URL path ends in (.csv, .json, .ndjson, .jsonl; any case), or NONE. */
enum import_format import_format_from_name(const char *name);
/* The format a Content-Type names (text/csv, application/json, application/x-ndjson,
 * application/jsonl, ...), or NONE. */
enum import_format import_format_from_type(const char *content_type);

/* The names of the fields a record may have (CSV columns, JSON keys), NULL-terminated. */
extern const char *const import_fields[];

#define IMPORT_ERRORS_MAX     100 /* problems kept for the report */
#define IMPORT_SOURCE_DEFAULT "import"

struct import_counts {
	int64_t records;   /* read so far */
	int64_t imported;  /* new and valid: recorded (or, in a dry run or an atomic run that failed, would be) */
	int64_t present;   /* already recorded with the same content */
	int64_t conflicts; /* already recorded with other content: left alone */
	int64_t rejected;  /* invalid */
	int64_t bytes;     /* of input */
};

struct import_options {
	const char *source;        /* the intake source the references belong to; IMPORT_SOURCE_DEFAULT when NULL */
	const char *input;         /* the input's name in messages and in the batch: a file name, "stdin", a URL
				    * without credentials */
	enum import_format format; /* NONE: import_set_format must be called before the first byte */
	bool dry_run;              /* check and count, write nothing */
	bool skip_invalid;         /* write the valid records, hand the others to reject */
	bool create_customers;     /* unknown tenants become customers (customer_region required) */
	/* Receives the rejected records in the input's format, each with its reason (a first column
	 * "error" in CSV, an "error" member in JSON); 0 on success. NULL: they are only counted. */
	int (*reject)(void *ctx, const char *data, size_t n);
	/* Throws away what reject received: the input starts over. 0 on success. */
	int (*reject_restart)(void *ctx);
	void *reject_ctx;
	/* Called every few thousand records, and at the end. */
	void (*progress)(void *ctx, const struct import_counts *n);
	void *progress_ctx;
};

struct import_result {
	struct import_counts n;
	bool complete;                   /* the input was read to its end, and the run decided */
	bool written;                    /* the run was committed */
	int64_t batch;                   /* its batch, when written */
	char sha256[65];                 /* of the input, hex */
	char *errors[IMPORT_ERRORS_MAX]; /* the first problems (invalid records, conflicts), in input order */
	size_t n_errors;
	int64_t more_errors; /* problems not kept */
};

struct import;

/* Starts an import by who (checked staff) into db. */
enum dk_status import_begin(struct db *db, const struct acting *who, const struct import_options *o,
			    struct import **out, struct dk_error *err);

/* Sets the format when the options left it open (a URL whose Content-Type says it); only before
 * the first byte. */
enum dk_status import_set_format(struct import *im, enum import_format f, struct dk_error *err);

/* Reads n more bytes of input. A failure here (storage, or input that cannot be read on) ends
 * the run: every later import_feed fails, and import_finish writes nothing (not even the records
 * read before the failure) and fails too; import_restart starts over. */
enum dk_status import_feed(struct import *im, const char *data, size_t n, struct dk_error *err);

/* Forgets everything read so far, rolls back what was written and starts over with the input's
 * first byte (a download that is retried). */
enum dk_status import_restart(struct import *im, struct dk_error *err);

/* Ends the input and writes the run (or, atomic with an invalid record, a dry run or with nothing
 * new, rolls it back), filling res. The status is the run's: DK_INVALID when records were invalid
 * (none written unless skip_invalid), else DK_REFUSED when records conflicted, else DK_OK; err
 * says so in one line. DK_STORAGE and other failures write nothing. res is filled in every case;
 * free it with import_result_free. */
enum dk_status import_finish(struct import *im, struct import_result *res, struct dk_error *err);

/* Rolls back anything not finished, frees and sets *im to NULL. */
void import_free(struct import **im);

void import_result_free(struct import_result *res);

#endif
