/* demo.h: a database full of realistic demands, for trying docket and for the benchmarks. */
#ifndef DOCKET_DEMO_H
#define DOCKET_DEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "staff.h"
#include "status.h"

struct demo_options {
	int64_t count; /* demands to write */
	int64_t seed;  /* the same seed and as_of give the same demands */
	int64_t as_of; /* the data ends here (UTC seconds; the start of a day) */
	/* When set, called after each batch of demands with how many are made; on a fresh database,
	 * with indexing true once all are made and the indexes are being built. */
	void (*progress)(void *ctx, int64_t done, int64_t total, bool indexing);
	void *progress_ctx;
};

/* Adds staff, customers and requesters when missing, then demands spread over the eight quarters
 * before as_of, across every state, outcome and jurisdiction, each with the events its path would
 * have written. Resumable: demands already written (source "demo") are skipped, so a run cut
 * short completes the next time. */
enum dk_status demo_generate(struct db *db, const struct acting *by, const struct demo_options *o,
			     struct dk_error *err);

#endif
