/* test_report.c: the transparency report's figures on the hand-built fixture
 * (tests/data/report/fixture.sql, whose comments work out every number asserted here), the
 * reconciliation check firing on inconsistent figures and on a database edited behind docket's
 * back, national-security counts leaving the core only as bands, periods and the number formats. */
#include "helpers.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report.h"
#include "text.h"
#include "when.h"

static int64_t at(const char *iso)
{
	int64_t t = 0;
	assert_int_equal(when_parse("test", iso, &t, NULL), DK_OK);
	return t;
}

/* A database holding the fixture, and nothing else. */
static int setup_fixture(void **state)
{
	if (fx_setup_dir(state))
		return -1;
	struct fx *fx = *state;
	FX_OK(fx, db_open(fx->path, DB_CREATE, &fx->db, &fx->err));
	const char *top = getenv("top_srcdir");
	char path[FX_PATH_MAX];
	snprintf(path, sizeof path, "%s/tests/data/report/fixture.sql", top && *top ? top : ".");
	size_t n;
	unsigned char *sql = fx_slurp(path, &n);
	char *text = malloc(n + 1);
	assert_non_null(text);
	memcpy(text, sql, n);
	text[n] = '\0';
	free(sql);
	sqlite3 *h = fx_raw_open(fx);
	char *msg = NULL;
	if (sqlite3_exec(h, text, NULL, NULL, &msg) != SQLITE_OK) {
		print_error("fixture.sql: %s\n", msg ? msg : "?");
		fail();
	}
	sqlite3_free(msg);
	sqlite3_close(h);
	free(text);
	return 0;
}

static struct report *compute(struct fx *fx, const char *quarter, const char *as_of, int64_t width)
{
	struct report_options o = {.band_width = width};
	FX_OK(fx, report_period_quarter(quarter, &o.period, &fx->err));
	o.as_of = as_of ? at(as_of) : report_default_as_of(&o.period, when_now());
	struct report *r = NULL;
	FX_OK(fx, report_compute(fx->db, &o, &r, &fx->err));
	assert_non_null(r);
	return r;
}

static const struct report_row *row(const struct report_row *rows, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].key, key) == 0)
			return &rows[i];
	print_error("no row %s\n", key);
	fail();
	return NULL;
}

#define DAY WHEN_DAY

static void test_q3_at_its_end(void **state)
{
	struct fx *fx = *state;
	struct report *r = compute(fx, "2025Q3", NULL, 0);
	assert_true(r->opt.as_of == at("2025-09-30T23:59:59Z"));

	/* 16 demands received in Q3 less the one recorded in Q4 (12); preservation and NS apart. */
	assert_int_equal(r->demands, 15);
	assert_int_equal(r->identifiers, 20);
	static const int64_t outcome[RO_COUNT] = {3, 1, 1, 1, 1, 3, 5};
	for (int i = 0; i < RO_COUNT; i++)
		assert_int_equal(r->outcome[i], outcome[i]);

	assert_int_equal(r->n_kinds, 4);
	assert_int_equal(row(r->kinds, r->n_kinds, "law_enforcement")->demands, 11);
	assert_int_equal(row(r->kinds, r->n_kinds, "law_enforcement")->identifiers, 16);
	assert_int_equal(row(r->kinds, r->n_kinds, "government")->demands, 2);
	assert_int_equal(row(r->kinds, r->n_kinds, "civil_litigant")->demands, 1);
	assert_int_equal(row(r->kinds, r->n_kinds, "other")->demands, 1);

	assert_int_equal(r->n_instruments, 7); /* national security is not among them */
	static const struct {
		const char *key;
		int64_t n;
	} inst[] = {{"subpoena", 3},  {"civil_subpoena", 1}, {"court_order", 2}, {"search_warrant", 5},
		    {"emergency", 2}, {"mlat", 1},           {"other", 1}};
	for (size_t i = 0; i < sizeof inst / sizeof inst[0]; i++) {
		assert_string_equal(r->instruments[i].key, inst[i].key);
		assert_int_equal(r->instruments[i].demands, inst[i].n);
	}

	/* Countries by demands, most first. */
	assert_int_equal(r->n_countries, 4);
	assert_string_equal(r->countries[0].key, "US");
	assert_string_equal(r->countries[0].label, "United States");
	assert_int_equal(r->countries[0].demands, 9);
	assert_int_equal(r->countries[0].outcome[RO_CONTENT], 3);
	assert_int_equal(r->countries[0].outcome[RO_PENDING], 3);
	assert_string_equal(r->countries[1].key, "IE");
	assert_int_equal(r->countries[1].demands, 3);
	assert_string_equal(r->countries[2].key, "DE");
	assert_string_equal(r->countries[3].key, "=<");
	assert_string_equal(r->countries[3].label, "=<");

	assert_int_equal(r->notice[RN_BEFORE], 3);         /* 6, 7, 15 */
	assert_int_equal(r->notice[RN_AFTER_ORDER], 1);    /* 9: its order ended mid-quarter */
	assert_int_equal(r->notice[RN_ORDER_IN_FORCE], 2); /* 10 (indefinite), 13 (ends in Q4) */
	assert_int_equal(r->notice[RN_NOT_APPLICABLE], 9);

	/* The 250 national-security orders are not counted. */
	assert_int_equal(r->orders.received, 3);
	assert_int_equal(r->orders.indefinite, 1);
	assert_int_equal(r->orders.challenged, 1);
	assert_int_equal(r->emergency.demands, 2);
	assert_int_equal(r->emergency.data_provided, 1);
	assert_int_equal(r->cross_border.demands, 4);
	assert_int_equal(r->cross_border.data_provided, 1);

	assert_int_equal(r->close_time[RO_REJECTED].closed, 3);
	assert_true(r->close_time[RO_REJECTED].median == 20 * DAY);
	assert_true(r->close_time[RO_REJECTED].p90 == 46 * DAY);
	assert_true(r->close_time[RO_CONTENT].median == 17 * DAY);
	assert_true(r->close_time[RO_CONTENT].p90 == 45 * DAY);
	assert_true(r->close_time[RO_WITHDRAWN].median == 3 * DAY);
	assert_int_equal(r->close_time[RO_PENDING].closed, 10); /* all closed demands */
	assert_true(r->close_time[RO_PENDING].median == 10 * DAY);
	assert_true(r->close_time[RO_PENDING].p90 == 45 * DAY);

	/* Exactly 250 national-security demands: the band that starts at 250. */
	assert_int_equal(r->national_security.width, 250);
	assert_int_equal(r->national_security.demands.low, 250);
	assert_int_equal(r->national_security.demands.high, 499);
	assert_int_equal(r->national_security.identifiers.low, 500);
	assert_int_equal(r->national_security.identifiers.high, 749);

	/* 21 superseded within the quarter; 22 still preserving at its end. */
	assert_int_equal(r->preservation.received, 2);
	assert_int_equal(r->preservation.followed, 1);

	static const char *const quarters[] = {"2024Q4", "2025Q1", "2025Q2", "2025Q3"};
	static const int64_t totals[] = {0, 1, 1, 15};
	for (int k = 0; k < REPORT_TREND; k++) {
		assert_string_equal(r->trend[k].period.label, quarters[k]);
		assert_int_equal(r->trend[k].demands, totals[k]);
	}
	assert_int_equal(r->trend[2].outcome[RO_NON_CONTENT], 1);
	assert_int_equal(r->trend[3].outcome[RO_PENDING], 5);
	report_free(&r);
	assert_null(r);
}

/* The same quarter seen at the end of the next: the late entry counts, the demands closed in Q4
 * have their outcomes, the order that ended in Q4 has its notice. */
static void test_q3_seen_later(void **state)
{
	struct fx *fx = *state;
	struct report *r = compute(fx, "2025Q3", "2025-12-31T23:59:59Z", 0);
	assert_int_equal(r->demands, 16);
	assert_int_equal(r->identifiers, 21);
	static const int64_t outcome[RO_COUNT] = {3, 1, 1, 2, 2, 3, 4};
	for (int i = 0; i < RO_COUNT; i++)
		assert_int_equal(r->outcome[i], outcome[i]);
	assert_int_equal(row(r->countries, r->n_countries, "GB")->demands, 1);
	assert_int_equal(r->notice[RN_AFTER_ORDER], 2);
	assert_int_equal(r->notice[RN_ORDER_IN_FORCE], 1);
	assert_int_equal(r->close_time[RO_NO_DATA].closed, 2);
	assert_true(r->close_time[RO_NO_DATA].median == 10 * DAY);
	assert_true(r->close_time[RO_NO_DATA].p90 == 20 * DAY);
	assert_true(r->close_time[RO_NON_CONTENT].p90 == 89 * DAY);
	assert_int_equal(r->preservation.followed, 1); /* 22 expired: not followed */
	report_free(&r);
}

static void test_q2_and_q4(void **state)
{
	struct fx *fx = *state;
	/* Q2's preservation request was superseded in Q3: not yet at Q2's end, but later yes. */
	struct report *r = compute(fx, "2025Q2", NULL, 0);
	assert_int_equal(r->demands, 1);
	assert_int_equal(r->outcome[RO_NON_CONTENT], 1);
	assert_int_equal(r->notice[RN_BEFORE], 1);
	assert_int_equal(r->preservation.received, 1);
	assert_int_equal(r->preservation.followed, 0);
	assert_int_equal(r->national_security.demands.low, 0);
	assert_int_equal(r->national_security.demands.high, 249);
	report_free(&r);
	r = compute(fx, "2025Q2", "2025-12-31T23:59:59Z", 0);
	assert_int_equal(r->preservation.followed, 1);
	report_free(&r);

	/* Q4 holds neither the Q3 demand closed in it nor the one recorded in it. */
	r = compute(fx, "2025Q4", "2025-12-31T23:59:59Z", 0);
	assert_int_equal(r->demands, 1);
	assert_int_equal(r->outcome[RO_REDIRECTED], 1);
	assert_int_equal(r->trend[2].demands, 16);
	report_free(&r);
}

static void test_band_width(void **state)
{
	struct fx *fx = *state;
	struct report *r = compute(fx, "2025Q3", NULL, 100);
	assert_int_equal(r->national_security.demands.low, 200);
	assert_int_equal(r->national_security.demands.high, 299);
	assert_int_equal(r->national_security.identifiers.low, 500);
	assert_int_equal(r->national_security.identifiers.high, 599);

	/* In no format does the exact count, 250, appear: not as a figure, not by accident. */
	regex_t re;
	assert_int_equal(regcomp(&re, "(^|[^0-9])250([^0-9]|$)", REG_EXTENDED | REG_NEWLINE), 0);
	for (int f = REPORT_TEXT; f <= REPORT_HTML; f++) {
		struct buf b;
		buf_init(&b);
		FX_OK(fx, report_write(r, (enum report_format)f, &b, &fx->err));
		assert_non_null(b.data);
		if (regexec(&re, b.data, 0, NULL, 0) == 0) {
			print_error("format %d shows 250:\n%s\n", f, b.data);
			fail();
		}
		FX_CONTAINS(b.data, "200\xe2\x80\x93"
				    "299");
		buf_free(&b);
	}
	regfree(&re);
	report_free(&r);

	struct report_options o = {.band_width = 99};
	FX_OK(fx, report_period_quarter("2025Q3", &o.period, &fx->err));
	o.as_of = at("2025-12-01");
	assert_int_equal(report_compute(fx->db, &o, &r, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "band");
	assert_null(r);
}

static void expect_mismatch(struct fx *fx, const struct report *r, const char *needle)
{
	dk_clear(&fx->err);
	assert_int_equal(report_reconcile(r, &fx->err), DK_STORAGE);
	FX_CONTAINS(fx->err.msg, "reconciliation failed");
	FX_CONTAINS(fx->err.msg, needle);
}

/* The check fires on figures that do not add up, and names the difference. */
static void test_reconcile_fires(void **state)
{
	struct fx *fx = *state;
	struct report *r = compute(fx, "2025Q3", NULL, 0);
	FX_OK(fx, report_reconcile(r, &fx->err));

	r->outcome[RO_PENDING]--;
	expect_mismatch(fx, r, "the outcomes add up to 14 but the total of demands received is 15 (short by 1)");
	r->outcome[RO_PENDING]++;

	r->outcome[RO_REJECTED]++;
	r->outcome[RO_PENDING]--;
	expect_mismatch(fx, r, "the demands timed to close as rejected add up to 3 but the count of that outcome is 4");
	r->outcome[RO_REJECTED]--;
	r->outcome[RO_PENDING]++;

	r->countries[1].outcome[RO_NO_DATA] += 2;
	expect_mismatch(fx, r, "the outcomes of country IE add up to 5 but its number of demands is 3 (over by 2)");
	r->countries[1].outcome[RO_NO_DATA] -= 2;

	r->kinds[0].demands--;
	r->kinds[0].outcome[RO_PENDING]--;
	expect_mismatch(fx, r, "the demands by requester kind add up to 14 but the total is 15");
	r->kinds[0].demands++;
	r->kinds[0].outcome[RO_PENDING]++;

	r->trend[1].demands = 2;
	expect_mismatch(fx, r, "the outcomes of 2025Q1 add up to 1 but its total is 2");
	r->trend[1].demands = 1;

	r->emergency.data_provided = 3;
	expect_mismatch(fx, r, "emergency");
	r->emergency.data_provided = 1;
	FX_OK(fx, report_reconcile(r, &fx->err));
	report_free(&r);
}

/* A demand moved in the sqlite3 shell where the workflow would never take it (a subpoena closed
 * as a superseded preservation request) has no reportable outcome: nothing is reported. */
static void test_reconcile_on_edited_database(void **state)
{
	struct fx *fx = *state;
	sqlite3 *h = fx_raw_open(fx);
	assert_int_equal(fx_raw_exec(h, "UPDATE demand SET status = 'preserving' WHERE id = 16"), SQLITE_OK);
	assert_int_equal(fx_raw_exec(h, "UPDATE demand SET status = 'closed', outcome = 'superseded',"
					" closed_at = unixepoch('2025-09-20') WHERE id = 16"),
			 SQLITE_OK);
	sqlite3_close(h);
	struct report_options o = {0};
	FX_OK(fx, report_period_quarter("2025Q3", &o.period, &fx->err));
	o.as_of = report_default_as_of(&o.period, when_now());
	struct report *r = NULL;
	assert_int_equal(report_compute(fx->db, &o, &r, &fx->err), DK_STORAGE);
	assert_null(r);
	FX_CONTAINS(fx->err.msg, "the outcomes add up to 14 but the total of demands received is 15 (short by 1)");
}

static void test_as_of_before_period(void **state)
{
	struct fx *fx = *state;
	struct report_options o = {0};
	FX_OK(fx, report_period_quarter("2025Q3", &o.period, &fx->err));
	o.as_of = at("2025-06-30T23:59:59Z");
	struct report *r = NULL;
	assert_int_equal(report_compute(fx->db, &o, &r, &fx->err), DK_INVALID);
	FX_CONTAINS(fx->err.msg, "--as-of");
	/* The first second of the period is enough, and shows nothing received yet but what came then. */
	o.as_of = o.period.start;
	FX_OK(fx, report_compute(fx->db, &o, &r, &fx->err));
	assert_int_equal(r->demands, 0);
	report_free(&r);
}

static void test_periods(void **state)
{
	(void)state;
	struct report_period p;
	struct dk_error err;
	assert_int_equal(report_period_quarter("2026Q3", &p, &err), DK_OK);
	assert_true(p.start == at("2026-07-01") && p.end == at("2026-10-01"));
	assert_string_equal(p.label, "2026Q3");
	assert_int_equal(report_period_quarter("2026q4", &p, &err), DK_OK);
	assert_true(p.start == at("2026-10-01") && p.end == at("2027-01-01"));
	assert_string_equal(p.label, "2026Q4");
	assert_int_equal(report_period_quarter("2024Q1", &p, &err), DK_OK);
	assert_true(p.start == at("2024-01-01") && p.end == at("2024-04-01"));
	static const char *const bad[] = {"2026Q5", "2026Q0", "2026-Q3", "26Q1", "", "Q3", "2026Q31", "abcdQ1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dk_clear(&err);
		assert_int_equal(report_period_quarter(bad[i], &p, &err), DK_INVALID);
		FX_CONTAINS(err.msg, "--quarter");
	}
	assert_int_equal(report_period_dates("2026-02-01", "2026-02-28", &p, &err), DK_OK);
	assert_true(p.start == at("2026-02-01") && p.end == at("2026-03-01"));
	assert_string_equal(p.label, "2026-02-01 to 2026-02-28");
	assert_int_equal(report_period_dates("2026-02-01", "2026-02-01", &p, &err), DK_OK);
	assert_true(p.end - p.start == WHEN_DAY);
	assert_int_equal(report_period_dates("2026-02-02", "2026-02-01", &p, &err), DK_INVALID);
	assert_int_equal(report_period_dates("2026-02-01T00:00", "2026-03-01", &p, &err), DK_INVALID);
	assert_int_equal(report_period_dates("2026-02-30", "2026-03-01", &p, &err), DK_INVALID);

	report_period_of(at("2026-12-31T23:59:59Z"), &p);
	assert_string_equal(p.label, "2026Q4");
	report_period_of(at("2027-01-01"), &p);
	assert_string_equal(p.label, "2027Q1");
	/* The trend of 1970Q1 reaches before the epoch; a period may end with year 9999. */
	report_period_of(-1, &p);
	assert_string_equal(p.label, "1969Q4");
	assert_true(p.start == -92 * WHEN_DAY && p.end == 0);
	report_period_of(at("9999-12-31T23:59:59Z"), &p);
	assert_string_equal(p.label, "9999Q4");
	assert_true(p.start == at("9999-10-01") && p.end == at("9999-12-31") + WHEN_DAY);
	assert_int_equal(report_period_quarter("2026Q3", &p, &err), DK_OK);
	assert_true(report_default_as_of(&p, at("2027-01-01")) == at("2026-09-30T23:59:59Z"));
	assert_true(report_default_as_of(&p, at("2026-08-01")) == at("2026-08-01"));
}

static void test_number_formats(void **state)
{
	(void)state;
	char s[64];
	report_pct(1, 3, s, sizeof s);
	assert_string_equal(s, "33.3");
	report_pct(2, 3, s, sizeof s);
	assert_string_equal(s, "66.7");
	report_pct(1, 16, s, sizeof s); /* 6.25 rounds half up */
	assert_string_equal(s, "6.3");
	report_pct(0, 0, s, sizeof s);
	assert_string_equal(s, "0.0");
	report_pct(7, 7, s, sizeof s);
	assert_string_equal(s, "100.0");
	report_days(8 * 3600, s, sizeof s);
	assert_string_equal(s, "0.3");
	report_days(WHEN_DAY / 2, s, sizeof s);
	assert_string_equal(s, "0.5");
	report_days(45 * WHEN_DAY, s, sizeof s);
	assert_string_equal(s, "45.0");
	report_days(0, s, sizeof s);
	assert_string_equal(s, "0.0");
	text_thousands(0, s, sizeof s);
	assert_string_equal(s, "0");
	text_thousands(999, s, sizeof s);
	assert_string_equal(s, "999");
	text_thousands(1000, s, sizeof s);
	assert_string_equal(s, "1,000");
	text_thousands(1234567, s, sizeof s);
	assert_string_equal(s, "1,234,567");
	struct report_band b = {250, 499};
	report_band_text(&b, s, sizeof s);
	assert_string_equal(s, "250\xe2\x80\x93"
			       "499");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_q3_at_its_end, setup_fixture, fx_teardown),
		cmocka_unit_test_setup_teardown(test_q3_seen_later, setup_fixture, fx_teardown),
		cmocka_unit_test_setup_teardown(test_q2_and_q4, setup_fixture, fx_teardown),
		cmocka_unit_test_setup_teardown(test_band_width, setup_fixture, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_fires, setup_fixture, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reconcile_on_edited_database, setup_fixture, fx_teardown),
		cmocka_unit_test_setup_teardown(test_as_of_before_period, setup_fixture, fx_teardown),
		cmocka_unit_test(test_periods),
		cmocka_unit_test(test_number_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
