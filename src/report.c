/* report.c: the transparency report's figures, computed in SQL, and the reconciliation check.
 *
 * Every statement binds the same three parameters: ?1 and ?2 the period [start, end) and ?3 the
 * as-of time: only rows recorded by then count, and each demand's state is read then.
 * docs/docket-report.5 defines the figures; the SQL below is that definition. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "db_internal.h"
#include "text.h"
#include "when.h"

const char *const report_outcome_keys[RO_COUNT] = {
	"rejected", "withdrawn", "redirected", "no_data", "disclosed_non_content", "disclosed_content", "pending",
};
const char *const report_outcome_labels[RO_COUNT] = {
	"Rejected or challenged successfully",
	"Withdrawn by the requester",
	"Redirected to the customer",
	"No data found",
	"Non-content data disclosed",
	"Content disclosed",
	"Still pending",
};
const char *const report_notice_keys[RN_COUNT] = {
	"before_disclosure",
	"after_order_ended",
	"order_in_force",
	"owed",
	"not_applicable",
};
const char *const report_notice_labels[RN_COUNT] = {
	"Notified before disclosure",
	"Notified after a non-disclosure order ended",
	"Not notified: an order is still in force",
	"Disclosed, not yet notified: the notice is owed",
	"Notice not applicable",
};
const char *const report_by_keys[3] = {"country", "requester-kind", "instrument"};

/* The dimensions in a fixed order, so that every report lists them alike, zeros included.
 * Preservation and national-security process are reported on their own. */
static const struct {
	const char *key, *label;
} kinds[] = {
	{"law_enforcement", "Law enforcement"},
	{"government", "Other government"},
	{"civil_litigant", "Civil litigant"},
	{"other", "Other"},
};
static const struct {
	const char *key, *label;
} instruments[] = {
	{"subpoena", "Criminal subpoena"},  {"civil_subpoena", "Civil subpoena"},
	{"court_order", "Court order"},     {"search_warrant", "Search warrant"},
	{"emergency", "Emergency request"}, {"mlat", "MLAT or other foreign request"},
	{"other", "Other legal process"},
};
#define N_KINDS       (sizeof kinds / sizeof kinds[0])
#define N_INSTRUMENTS (sizeof instruments / sizeof instruments[0])

/* The demands a report counts: received in the period, recorded by the as-of time, neither
 * preservation requests nor national-security process. */
#define IN_REPORT                                                                                                      \
	" d.received_at >= ?1 AND d.received_at < ?2 AND d.created_at <= ?3"                                           \
	" AND d.instrument NOT IN ('preservation', 'national_security')"
/* Closed by the as-of time: closed is final, and closed_at is set by the move into it. */
#define CLOSED    " d.closed_at <= ?3"
#define DISCLOSED CLOSED " AND d.outcome IN ('disclosed_content', 'disclosed_non_content')"
/* The outcome columns, in enum report_outcome order. */
#define OUTCOME_COUNTS                                                                                                 \
	" count(*) FILTER (WHERE" CLOSED " AND d.outcome = 'rejected'),"                                               \
	" count(*) FILTER (WHERE" CLOSED " AND d.outcome = 'withdrawn'),"                                              \
	" count(*) FILTER (WHERE" CLOSED " AND d.outcome = 'redirected'),"                                             \
	" count(*) FILTER (WHERE" CLOSED " AND d.outcome = 'no_data'),"                                                \
	" count(*) FILTER (WHERE" CLOSED " AND d.outcome = 'disclosed_non_content'),"                                  \
	" count(*) FILTER (WHERE" CLOSED " AND d.outcome = 'disclosed_content'),"                                      \
	" count(*) FILTER (WHERE d.closed_at IS NULL OR d.closed_at > ?3)"

static void bind_window(sqlite3_stmt *st, int64_t start, int64_t end, int64_t as_of)
{
	sqlite3_bind_int64(st, 1, start);
	sqlite3_bind_int64(st, 2, end);
	sqlite3_bind_int64(st, 3, as_of);
}

static void bind_report(sqlite3_stmt *st, const struct report *r)
{
	bind_window(st, r->opt.period.start, r->opt.period.end, r->opt.as_of);
}

void report_period_of(int64_t t, struct report_period *p)
{
	char date[32];
	when_format_date(t, date, sizeof date);
	/* The year may run to five digits or below zero at the ends of time: read it back signed. */
	long long year = strtoll(date, NULL, 10);
	const char *month = strchr(date + 1, '-');
	int q = (atoi(month ? month + 1 : "1") - 1) / 3;
	p->start = when_from_date(year, q * 3 + 1, 1);
	p->end = q == 3 ? when_from_date(year + 1, 1, 1) : when_from_date(year, q * 3 + 4, 1);
	snprintf(p->label, sizeof p->label, "%04lldQ%d", year, q + 1);
}

int64_t report_default_as_of(const struct report_period *p, int64_t now)
{
	return p->end - 1 < now ? p->end - 1 : now;
}

enum dk_status report_period_quarter(const char *s, struct report_period *p, struct dk_error *err)
{
	char date[16];
	if (!s || strlen(s) != 6 || (s[4] != 'Q' && s[4] != 'q') || s[5] < '1' || s[5] > '4')
		return dk_fail(err, DK_INVALID, "--quarter: \"%.40s\" is not a quarter such as 2026Q3", s ? s : "");
	int q = s[5] - '1';
	snprintf(date, sizeof date, "%.4s-%02d-01", s, q * 3 + 1);
	int64_t t;
	if (when_parse("--quarter", date, &t, NULL) != DK_OK)
		return dk_fail(err, DK_INVALID, "--quarter: \"%.40s\" is not a quarter such as 2026Q3", s);
	report_period_of(t, p);
	return DK_OK;
}

static enum dk_status parse_day(const char *field, const char *s, int64_t *t, struct dk_error *err)
{
	if (!s || strlen(s) != 10)
		return dk_fail(err, DK_INVALID, "%s: \"%.40s\" is not a date (YYYY-MM-DD)", field, s ? s : "");
	return when_parse(field, s, t, err);
}

enum dk_status report_period_dates(const char *from, const char *to, struct report_period *p, struct dk_error *err)
{
	enum dk_status s;
	int64_t a, b;
	if ((s = parse_day("--from", from, &a, err)) || (s = parse_day("--to", to, &b, err)))
		return s;
	if (b < a)
		return dk_fail(err, DK_INVALID, "--to: %s is before --from %s", to, from);
	p->start = a;
	p->end = b + WHEN_DAY;
	snprintf(p->label, sizeof p->label, "%s to %s", from, to);
	return DK_OK;
}

/* The row with this key, appended (zeroed, label from the key) when missing. */
static struct report_row *row_for(struct report_row **rows, size_t *n, const char *key, bool *oom)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*rows)[i].key, key) == 0)
			return &(*rows)[i];
	struct report_row *p = realloc(*rows, (*n + 1) * sizeof *p);
	if (!p) {
		*oom = true;
		return NULL;
	}
	*rows = p;
	p = &(*rows)[(*n)++];
	memset(p, 0, sizeof *p);
	snprintf(p->key, sizeof p->key, "%s", key);
	snprintf(p->label, sizeof p->label, "%s", key);
	return p;
}

static void row_add(struct report_row *to, const struct report_row *from)
{
	to->demands += from->demands;
	to->identifiers += from->identifiers;
	for (int i = 0; i < RO_COUNT; i++)
		to->outcome[i] += from->outcome[i];
}

/* Countries by demands, most first, then by code; a stable order. */
static int country_cmp(const void *a, const void *b)
{
	const struct report_row *x = a, *y = b;
	if (x->demands != y->demands)
		return x->demands > y->demands ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* Figures 1, 2, 3, 6 and 7 in one pass, grouped by requester kind, instrument and country; the
 * groups are then summed into each breakdown. */
static enum dk_status main_figures(struct db *db, struct report *r, struct dk_error *err)
{
	bool oom = false;
	for (size_t i = 0; i < N_KINDS; i++) {
		struct report_row *k = row_for(&r->kinds, &r->n_kinds, kinds[i].key, &oom);
		if (k)
			snprintf(k->label, sizeof k->label, "%s", kinds[i].label);
	}
	for (size_t i = 0; i < N_INSTRUMENTS; i++) {
		struct report_row *k = row_for(&r->instruments, &r->n_instruments, instruments[i].key, &oom);
		if (k)
			snprintf(k->label, sizeof k->label, "%s", instruments[i].label);
	}
	sqlite3_stmt *st = db_stmt(
		db,
		"SELECT r.kind, d.instrument, r.country, count(*),"
		" sum((SELECT count(*) FROM demand_identifier AS i WHERE i.demand_id = d.id))," OUTCOME_COUNTS ","
		" count(*) FILTER (WHERE d.emergency = 1 OR d.instrument = 'emergency'),"
		" count(*) FILTER (WHERE (d.emergency = 1 OR d.instrument = 'emergency') AND" DISCLOSED "),"
		" count(*) FILTER (WHERE d.cross_region = 1),"
		" count(*) FILTER (WHERE d.cross_region = 1 AND" DISCLOSED ")"
		" FROM demand AS d JOIN requester AS r ON r.id = d.requester_id"
		" WHERE" IN_REPORT " GROUP BY r.kind, d.instrument, r.country",
		err);
	if (!st)
		return DK_STORAGE;
	bind_report(st, r);
	int rc;
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct report_row g = {0};
		g.demands = sqlite3_column_int64(st, 3);
		g.identifiers = sqlite3_column_int64(st, 4);
		for (int i = 0; i < RO_COUNT; i++)
			g.outcome[i] = sqlite3_column_int64(st, 5 + i);
		r->demands += g.demands;
		r->identifiers += g.identifiers;
		for (int i = 0; i < RO_COUNT; i++)
			r->outcome[i] += g.outcome[i];
		r->emergency.demands += sqlite3_column_int64(st, 5 + RO_COUNT);
		r->emergency.data_provided += sqlite3_column_int64(st, 6 + RO_COUNT);
		r->cross_border.demands += sqlite3_column_int64(st, 7 + RO_COUNT);
		r->cross_border.data_provided += sqlite3_column_int64(st, 8 + RO_COUNT);
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *inst = (const char *)sqlite3_column_text(st, 1);
		const char *cc = (const char *)sqlite3_column_text(st, 2);
		struct report_row *k = row_for(&r->kinds, &r->n_kinds, kind ? kind : "", &oom);
		struct report_row *i = row_for(&r->instruments, &r->n_instruments, inst ? inst : "", &oom);
		struct report_row *c = row_for(&r->countries, &r->n_countries, cc ? cc : "", &oom);
		if (oom)
			break;
		row_add(k, &g);
		row_add(i, &g);
		row_add(c, &g);
	}
	sqlite3_reset(st);
	if (oom)
		return dk_fail(err, DK_STORAGE, "report: out of memory");
	if (rc != SQLITE_DONE)
		return db_error(db, "computing the report's totals", err);
	for (size_t i = 0; i < r->n_countries; i++) {
		const char *name = country_name(r->countries[i].key);
		if (name)
			snprintf(r->countries[i].label, sizeof r->countries[i].label, "%s", name);
	}
	if (r->n_countries)
		qsort(r->countries, r->n_countries, sizeof *r->countries, country_cmp);
	return DK_OK;
}

/* Figure 4. A notice counts when it was recorded and sent by the as-of time; an order is in
 * force then when it was recorded, had started (issued, else recorded) and had neither been
 * lifted nor expired. */
static enum dk_status notice_figures(struct db *db, struct report *r, struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT count(*) FILTER (WHERE adv), count(*) FILTER (WHERE NOT adv AND del),"
			" count(*) FILTER (WHERE NOT adv AND NOT del AND gag),"
			" count(*) FILTER (WHERE NOT adv AND NOT del AND NOT gag AND disclosed) FROM (SELECT"
			" EXISTS (SELECT 1 FROM notice AS n WHERE n.demand_id = d.id AND n.kind = 'advance'"
			"  AND n.status = 'sent' AND n.sent_at <= ?3 AND n.created_at <= ?3) AS adv,"
			" EXISTS (SELECT 1 FROM notice AS n WHERE n.demand_id = d.id AND n.kind = 'delayed'"
			"  AND n.status = 'sent' AND n.sent_at <= ?3 AND n.created_at <= ?3) AS del,"
			" EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id AND o.created_at <= ?3"
			"  AND coalesce(o.issued_at, o.created_at) <= ?3 AND (o.lifted_at IS NULL OR o.lifted_at > ?3)"
			"  AND (o.indefinite = 1 OR o.expires_at IS NULL OR o.expires_at > ?3)) AS gag,"
			" (" DISCLOSED ") AS disclosed"
			" FROM demand AS d WHERE" IN_REPORT ")",
			err);
	if (!st)
		return DK_STORAGE;
	bind_report(st, r);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		for (int i = 0; i < RN_NOT_APPLICABLE; i++)
			r->notice[i] = sqlite3_column_int64(st, i);
		r->notice[RN_NOT_APPLICABLE] = r->demands - r->notice[RN_BEFORE] - r->notice[RN_AFTER_ORDER] -
					       r->notice[RN_ORDER_IN_FORCE] - r->notice[RN_OWED];
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return db_error(db, "computing the customer notice figures", err);

	/* Figure 5: orders on the report's demands, recorded and started by the as-of time. */
	st = db_stmt(
		db,
		"SELECT count(*), count(*) FILTER (WHERE o.indefinite = 1), count(*) FILTER (WHERE o.challenged = 1)"
		" FROM nd_order AS o JOIN demand AS d ON d.id = o.demand_id"
		" WHERE o.created_at <= ?3 AND coalesce(o.issued_at, o.created_at) <= ?3 AND" IN_REPORT,
		err);
	if (!st)
		return DK_STORAGE;
	bind_report(st, r);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->orders.received = sqlite3_column_int64(st, 0);
		r->orders.indefinite = sqlite3_column_int64(st, 1);
		r->orders.challenged = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "computing the order figures", err);
}

static int outcome_index(const char *key)
{
	for (int i = 0; i < RO_PENDING; i++)
		if (key && strcmp(key, report_outcome_keys[i]) == 0)
			return i;
	return -1;
}

/* A row of the ranked times to close: n closed in all, this one of rank rn took dur seconds. */
static void take_rank(struct report_close_time *c, int64_t n, int64_t rn, int64_t dur)
{
	c->closed = n;
	if (rn == (n + 1) / 2)
		c->median = dur;
	if (rn == (9 * n + 9) / 10)
		c->p90 = dur;
}

/* Figure 8: nearest-rank median and 90th percentile of the seconds from receipt to closing, by
 * outcome (one window pass), and over every closed demand (another). */
static enum dk_status close_times(struct db *db, struct report *r, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(
		db,
		"SELECT outcome, n, rn, dur FROM (SELECT d.outcome AS outcome, d.closed_at - d.received_at AS dur,"
		" row_number() OVER (PARTITION BY d.outcome ORDER BY d.closed_at - d.received_at) AS rn,"
		" count(*) OVER (PARTITION BY d.outcome) AS n"
		" FROM demand AS d WHERE" IN_REPORT " AND" CLOSED ")"
		" WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10",
		err);
	if (!st)
		return DK_STORAGE;
	bind_report(st, r);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int o = outcome_index((const char *)sqlite3_column_text(st, 0));
		if (o < 0)
			continue; /* an outcome the report does not know: the reconciliation names it */
		take_rank(&r->close_time[o], sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
			  sqlite3_column_int64(st, 3));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_error(db, "computing the times to close", err);

	st = db_stmt(db,
		     "SELECT n, rn, dur FROM (SELECT d.closed_at - d.received_at AS dur,"
		     " row_number() OVER (ORDER BY d.closed_at - d.received_at) AS rn, count(*) OVER () AS n"
		     " FROM demand AS d WHERE" IN_REPORT " AND" CLOSED ")"
		     " WHERE rn = (n + 1) / 2 OR rn = (9 * n + 9) / 10",
		     err);
	if (!st)
		return DK_STORAGE;
	bind_report(st, r);
	struct report_close_time *all = &r->close_time[RO_PENDING];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		take_rank(all, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2));
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? DK_OK : db_error(db, "computing the times to close", err);
}

static struct report_band band_of(int64_t count, int64_t width)
{
	struct report_band b;
	b.low = count / width * width;
	b.high = b.low + width - 1;
	return b;
}

/* Figures 9 and 10: the demands kept out of the totals. */
static enum dk_status separate_figures(struct db *db, struct report *r, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(
		db,
		"SELECT count(*) FILTER (WHERE d.instrument = 'national_security'),"
		" coalesce(sum((SELECT count(*) FROM demand_identifier AS i WHERE i.demand_id = d.id))"
		"  FILTER (WHERE d.instrument = 'national_security'), 0),"
		" count(*) FILTER (WHERE d.instrument = 'preservation'),"
		" count(*) FILTER (WHERE d.instrument = 'preservation' AND" CLOSED " AND d.outcome = 'superseded')"
		" FROM demand AS d WHERE d.received_at >= ?1 AND d.received_at < ?2 AND d.created_at <= ?3"
		" AND d.instrument IN ('preservation', 'national_security')",
		err);
	if (!st)
		return DK_STORAGE;
	bind_report(st, r);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		/* The exact national-security figures stop here. */
		r->national_security.width = r->opt.band_width;
		r->national_security.demands = band_of(sqlite3_column_int64(st, 0), r->opt.band_width);
		r->national_security.identifiers = band_of(sqlite3_column_int64(st, 1), r->opt.band_width);
		r->preservation.received = sqlite3_column_int64(st, 2);
		r->preservation.followed = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "computing the preservation and national-security figures", err);
}

/* The last four quarters, as of the same time. */
static enum dk_status trend_figures(struct db *db, struct report *r, struct dk_error *err)
{
	struct report_period q;
	report_period_of(r->opt.period.end - 1, &q);
	for (int k = REPORT_TREND - 1; k >= 0; k--) {
		struct report_trend *t = &r->trend[k];
		t->period = q;
		sqlite3_stmt *st =
			db_stmt(db, "SELECT count(*)," OUTCOME_COUNTS " FROM demand AS d WHERE" IN_REPORT, err);
		if (!st)
			return DK_STORAGE;
		bind_window(st, q.start, q.end, r->opt.as_of);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			t->demands = sqlite3_column_int64(st, 0);
			for (int i = 0; i < RO_COUNT; i++)
				t->outcome[i] = sqlite3_column_int64(st, 1 + i);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return db_error(db, "computing the trend", err);
		report_period_of(q.start - 1, &q);
	}
	return DK_OK;
}

enum dk_status report_compute(struct db *db, const struct report_options *o, struct report **out, struct dk_error *err)
{
	*out = NULL;
	if (o->period.end <= o->period.start)
		return dk_fail(err, DK_INVALID, "report: the period is empty");
	if (o->as_of < o->period.start) {
		char a[32], b[32];
		when_format(o->as_of, a, sizeof a);
		when_format(o->period.start, b, sizeof b);
		return dk_fail(err, DK_INVALID,
			       "--as-of: %s is before the period starts (%s): there is nothing to report", a, b);
	}
	/* The statute's narrowest bands are 100 wide; a narrower one would come close to the count. */
	if (o->band_width && (o->band_width < REPORT_BAND_MIN || o->band_width > REPORT_BAND_MAX))
		return dk_fail(err, DK_INVALID, "--band-width: %lld is not from %d to %d", (long long)o->band_width,
			       REPORT_BAND_MIN, REPORT_BAND_MAX);
	struct report *r = calloc(1, sizeof *r);
	if (!r)
		return dk_fail(err, DK_STORAGE, "report: out of memory");
	r->opt = *o;
	if (!r->opt.band_width)
		r->opt.band_width = REPORT_BAND_DEFAULT;
	/* One read transaction: every figure sees the same database. */
	enum dk_status s = DK_OK;
	bool own = sqlite3_get_autocommit(db->h);
	if (own && sqlite3_exec(db->h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		s = db_error(db, "starting the report", err);
	if (!s)
		s = main_figures(db, r, err);
	if (!s)
		s = notice_figures(db, r, err);
	if (!s)
		s = close_times(db, r, err);
	if (!s)
		s = separate_figures(db, r, err);
	if (!s)
		s = trend_figures(db, r, err);
	if (own)
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (!s)
		s = report_reconcile(r, err);
	if (s) {
		report_free(&r);
		return s;
	}
	*out = r;
	return DK_OK;
}

const struct report_row *report_breakdown(const struct report *r, size_t *n)
{
	switch (r->opt.by) {
	case REPORT_BY_KIND: *n = r->n_kinds; return r->kinds;
	case REPORT_BY_INSTRUMENT: *n = r->n_instruments; return r->instruments;
	default: *n = r->n_countries; return r->countries;
	}
}

static int64_t outcome_sum(const int64_t *o)
{
	int64_t sum = 0;
	for (int i = 0; i < RO_COUNT; i++)
		sum += o[i];
	return sum;
}

static enum dk_status mismatch(struct dk_error *err, const char *what, int64_t sum, const char *whole, int64_t total)
{
	int64_t diff = sum - total;
	return dk_fail(err, DK_STORAGE,
		       "report: reconciliation failed: %s add up to %lld but %s is %lld (%s %lld); nothing was "
		       "written",
		       what, (long long)sum, whole, (long long)total, diff < 0 ? "short by" : "over by",
		       (long long)(diff < 0 ? -diff : diff));
}

/* Each row's outcomes add up to the row, and the rows to the total. */
static enum dk_status reconcile_rows(const struct report *r, const char *dimension, const struct report_row *rows,
				     size_t n, struct dk_error *err)
{
	int64_t demands = 0, identifiers = 0;
	char what[200];
	for (size_t i = 0; i < n; i++) {
		int64_t sum = outcome_sum(rows[i].outcome);
		if (sum != rows[i].demands) {
			snprintf(what, sizeof what, "the outcomes of %s %.48s", dimension, rows[i].key);
			return mismatch(err, what, sum, "its number of demands", rows[i].demands);
		}
		demands += rows[i].demands;
		identifiers += rows[i].identifiers;
	}
	snprintf(what, sizeof what, "the demands by %s", dimension);
	if (demands != r->demands)
		return mismatch(err, what, demands, "the total", r->demands);
	snprintf(what, sizeof what, "the identifiers by %s", dimension);
	if (identifiers != r->identifiers)
		return mismatch(err, what, identifiers, "the total", r->identifiers);
	return DK_OK;
}

enum dk_status report_reconcile(const struct report *r, struct dk_error *err)
{
	enum dk_status s;
	int64_t sum = outcome_sum(r->outcome);
	if (sum != r->demands)
		return mismatch(err, "the outcomes", sum, "the total of demands received", r->demands);
	for (int i = 0; i < RO_COUNT; i++)
		if (r->outcome[i] < 0)
			return mismatch(err, report_outcome_keys[i], r->outcome[i], "the least possible", 0);
	if ((s = reconcile_rows(r, "requester kind", r->kinds, r->n_kinds, err)) ||
	    (s = reconcile_rows(r, "instrument", r->instruments, r->n_instruments, err)) ||
	    (s = reconcile_rows(r, "country", r->countries, r->n_countries, err)))
		return s;
	/* The times to close come from their own query: they must see the same closed demands. */
	int64_t closed = sum - r->outcome[RO_PENDING], timed = 0;
	for (int i = 0; i < RO_PENDING; i++) {
		timed += r->close_time[i].closed;
		if (r->close_time[i].closed != r->outcome[i]) {
			char what[120];
			snprintf(what, sizeof what, "the demands timed to close as %s", report_outcome_keys[i]);
			return mismatch(err, what, r->close_time[i].closed, "the count of that outcome", r->outcome[i]);
		}
	}
	if (r->close_time[RO_PENDING].closed != closed || timed != closed)
		return mismatch(err, "the closed demands timed", r->close_time[RO_PENDING].closed,
				"the closed outcomes' sum", closed);
	for (int i = 0; i < RN_COUNT; i++)
		if (r->notice[i] < 0)
			return mismatch(err, "the customer notice figures", r->demands - r->notice[RN_NOT_APPLICABLE],
					"the total", r->demands);
	if (r->emergency.data_provided > r->emergency.demands)
		return mismatch(err, "the emergency demands with data provided", r->emergency.data_provided,
				"the emergency demands", r->emergency.demands);
	if (r->cross_border.data_provided > r->cross_border.demands)
		return mismatch(err, "the cross-border demands with data disclosed", r->cross_border.data_provided,
				"the cross-border demands", r->cross_border.demands);
	if (r->preservation.followed > r->preservation.received)
		return mismatch(err, "the preservation requests followed by legal process", r->preservation.followed,
				"the preservation requests", r->preservation.received);
	for (int k = 0; k < REPORT_TREND; k++) {
		if (outcome_sum(r->trend[k].outcome) != r->trend[k].demands) {
			char what[80];
			snprintf(what, sizeof what, "the outcomes of %s", r->trend[k].period.label);
			return mismatch(err, what, outcome_sum(r->trend[k].outcome), "its total", r->trend[k].demands);
		}
	}
	return DK_OK;
}

void report_free(struct report **r)
{
	if (!*r)
		return;
	free((*r)->kinds);
	free((*r)->instruments);
	free((*r)->countries);
	free(*r);
	*r = NULL;
}

void report_pct(int64_t count, int64_t total, char *out, size_t n)
{
	int64_t tenths = total > 0 ? (count * 2000 + total) / (2 * total) : 0;
	snprintf(out, n, "%lld.%lld", (long long)(tenths / 10), (long long)(tenths % 10));
}

void report_days(int64_t seconds, char *out, size_t n)
{
	bool neg = seconds < 0;
	int64_t a = neg ? -seconds : seconds;
	int64_t tenths = (a * 10 + WHEN_DAY / 2) / WHEN_DAY;
	snprintf(out, n, "%s%lld.%lld", neg && tenths ? "-" : "", (long long)(tenths / 10), (long long)(tenths % 10));
}

void report_band_text(const struct report_band *b, char *out, size_t n)
{
	snprintf(out, n, "%lld\xe2\x80\x93%lld", (long long)b->low, (long long)b->high);
}
