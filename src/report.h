/* report.h: the quarterly transparency report.
 *
 * report_compute() reads the figures from the database (aggregate SQL only) into a struct report
 * and checks that they reconcile before handing them back; report_write() turns a struct report
 * into text, CSV, JSON or HTML without touching the database. docs/docket-report.5 defines every
 * figure: which demands count, which date anchors them, and the layout of each format.
 *
 * National-security figures exist here only as bands: the exact count never leaves
 * report_compute(), so no writer can print it. */
#ifndef DOCKET_REPORT_H
#define DOCKET_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "db.h"
#include "status.h"

#define REPORT_VERSION       1
#define REPORT_BAND_DEFAULT  250
#define REPORT_BAND_MIN      100
#define REPORT_BAND_MAX      1000000
#define REPORT_TREND         4  /* quarters in the trend, the last being the period's */
#define REPORT_TOP_COUNTRIES 10 /* bars in the HTML's country chart */

/* The final outcome of a demand at the as-of time: mutually exclusive, adding up to the total. */
enum report_outcome {
	RO_REJECTED,    /* rejected, or challenged successfully */
	RO_WITHDRAWN,   /* withdrawn by the requester */
	RO_REDIRECTED,  /* redirected to the customer */
	RO_NO_DATA,     /* no data found */
	RO_NON_CONTENT, /* non-content data disclosed */
	RO_CONTENT,     /* content disclosed */
	RO_PENDING,     /* still open at the as-of time */
	RO_COUNT,
};

/* Customer notice, a partition of the demands too. */
enum report_notice {
	RN_BEFORE,         /* an advance notice was sent */
	RN_AFTER_ORDER,    /* a delayed notice was sent after an order ended */
	RN_ORDER_IN_FORCE, /* not notified: an order is in force at the as-of time */
	RN_OWED,           /* disclosed, not notified, no order in force: the notice is owed */
	RN_NOT_APPLICABLE, /* none of these */
	RN_COUNT,
};

enum report_by { REPORT_BY_COUNTRY, REPORT_BY_KIND, REPORT_BY_INSTRUMENT };
enum report_format { REPORT_TEXT, REPORT_CSV, REPORT_JSON, REPORT_HTML };

/* Keys (JSON and CSV) and labels (text and HTML), indexed by the enums above. */
extern const char *const report_outcome_keys[RO_COUNT];
extern const char *const report_outcome_labels[RO_COUNT];
extern const char *const report_notice_keys[RN_COUNT];
extern const char *const report_notice_labels[RN_COUNT];
extern const char *const report_by_keys[3]; /* country, requester-kind, instrument */

/* A reporting period: [start, end) in UTC seconds, with a label ("2026Q3", or the dates). */
struct report_period {
	int64_t start, end;
	char label[40];
};

/* "2026Q3" (or "2026q3"): the quarter's three months. */
enum dk_status report_period_quarter(const char *s, struct report_period *p, struct dk_error *err);
/* Two dates YYYY-MM-DD, both days included. */
enum dk_status report_period_dates(const char *from, const char *to, struct report_period *p, struct dk_error *err);
/* The calendar quarter holding time t. */
void report_period_of(int64_t t, struct report_period *p);
/* The default as-of time: the period's last second, or now when that is still to come. */
int64_t report_default_as_of(const struct report_period *p, int64_t now);

struct report_options {
	struct report_period period;
	int64_t as_of;      /* only what was recorded by then counts, and each demand's state then */
	int64_t band_width; /* national-security bands, REPORT_BAND_MIN to _MAX; REPORT_BAND_DEFAULT when 0 */
	enum report_by by;  /* the dimension of the outcome breakdown */
};

/* One row of a breakdown: a requester kind, an instrument or a country. */
struct report_row {
	char key[48];
	char label[96];
	int64_t demands, identifiers;
	int64_t outcome[RO_COUNT];
};

/* A band [low, low + width - 1]; the exact count is not kept. */
struct report_band {
	int64_t low, high;
};

struct report_close_time {
	int64_t closed;      /* demands closed with this outcome */
	int64_t median, p90; /* seconds from receipt to closing (nearest rank); 0 when closed is 0 */
};

struct report_trend {
	struct report_period period;
	int64_t demands;
	int64_t outcome[RO_COUNT];
};

struct report {
	struct report_options opt;

	int64_t demands, identifiers; /* figures 1 and 2 */
	int64_t outcome[RO_COUNT];    /* figure 3 */
	struct report_row *kinds, *instruments, *countries;
	size_t n_kinds, n_instruments, n_countries;
	int64_t notice[RN_COUNT]; /* figure 4 */
	struct {
		int64_t received, indefinite, challenged;
	} orders; /* figure 5 */
	struct {
		int64_t demands, data_provided;
	} emergency, cross_border; /* figures 6 and 7 */
	/* figure 8, indexed by outcome; [RO_PENDING] holds all closed demands together */
	struct report_close_time close_time[RO_COUNT];
	struct {
		int64_t width;
		struct report_band demands, identifiers;
	} national_security; /* figure 9 */
	struct {
		int64_t received, followed;
	} preservation; /* figure 10 */
	struct report_trend trend[REPORT_TREND];
};

/* Computes every figure, then runs report_reconcile(): DK_STORAGE naming the difference when the
 * figures do not add up. DK_INVALID when the options make no sense (as_of before the period). */
enum dk_status report_compute(struct db *db, const struct report_options *o, struct report **out, struct dk_error *err);

/* The reconciliation check: the outcomes add up to the total, every breakdown adds up to the
 * total, every row's outcomes to the row, the closed demands timed to the closed outcomes. A
 * failure is a bug in docket or a database edited behind its back: DK_STORAGE, naming the
 * figure and the difference. */
enum dk_status report_reconcile(const struct report *r, struct dk_error *err);

void report_free(struct report **r);

/* The rows of the outcome breakdown chosen by opt.by. */
const struct report_row *report_breakdown(const struct report *r, size_t *n);

/* Appends the report in the format to out. Writes nothing to the database or elsewhere; fails
 * only when out of memory (DK_STORAGE). */
enum dk_status report_write(const struct report *r, enum report_format f, struct buf *out, struct dk_error *err);
/* The formats one by one (report_write.c, report_html.c). */
void report_write_text(const struct report *r, struct buf *out);
void report_write_csv(const struct report *r, struct buf *out);
void report_write_json(const struct report *r, struct buf *out);
void report_write_html(const struct report *r, struct buf *out);

/* Helpers the writers share. */
/* "12.3": count as a percentage of total, rounded half up to one decimal ("0.0" when total is 0). */
void report_pct(int64_t count, int64_t total, char *out, size_t n);
/* "4.5": seconds as days, rounded half up to one decimal. */
void report_days(int64_t seconds, char *out, size_t n);
/* "250–499" (an en dash) */
void report_band_text(const struct report_band *b, char *out, size_t n);

#endif
