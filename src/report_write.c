/* report_write.c: the report as aligned text, as CSV (one table per section) and as JSON.
 *
 * The layouts are documented in docs/docket-report.5; a change here is a change there. Text from
 * the database (country codes) is neutralised for the terminal, quoted for CSV (formula cells
 * escaped), escaped for JSON. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "text.h"
#include "when.h"

static const char *const short_outcome[RO_COUNT] = {
	"Rejected", "Withdrawn", "Redirected", "No data", "Non-content", "Content", "Pending",
};

static void fmt_int(int64_t v, char *out, size_t n)
{
	snprintf(out, n, "%lld", (long long)v);
}

/* ---- text ---- */

/* Writes the table indented by two spaces, then frees it. */
static void tt_put(struct table *t, struct buf *b)
{
	table_put(t, b, 2);
	table_free(t);
}

static void heading(struct buf *b, const char *title)
{
	buf_printf(b, "\n%s\n", title);
	for (size_t i = strlen(title); i > 0; i--)
		buf_putc(b, '-');
	buf_putc(b, '\n');
}

static void text_rows(struct buf *b, const char *dimension, const struct report_row *rows, size_t n)
{
	struct table t;
	char d[32], id[32];
	table_init(&t, 3, 6);
	table_row(&t, (const char *[]){dimension, "Demands", "Identifiers"});
	for (size_t i = 0; i < n; i++) {
		text_thousands(rows[i].demands, d, sizeof d);
		text_thousands(rows[i].identifiers, id, sizeof id);
		table_row(&t, (const char *[]){rows[i].label, d, id});
	}
	tt_put(&t, b);
}

static void text_scalar(struct table *t, const char *label, int64_t v, int64_t of)
{
	char n[32], p[32] = "";
	text_thousands(v, n, sizeof n);
	if (of >= 0) {
		report_pct(v, of, p, sizeof p);
		strcat(p, "%");
	}
	table_row(t, (const char *[]){label, n, p});
}

void report_write_text(const struct report *r, struct buf *b)
{
	char a[48], from[16], to[16], n1[48], n2[48], p[32];
	struct table t;
	when_format(r->opt.as_of, a, sizeof a);
	when_format_date(r->opt.period.start, from, sizeof from);
	when_format_date(r->opt.period.end - 1, to, sizeof to);
	buf_printf(b, "Transparency report: %s\n", r->opt.period.label);
	table_init(&t, 2, 0);
	snprintf(n1, sizeof n1, "%s to %s", from, to);
	table_row(&t, (const char *[]){"Period", n1});
	table_row(&t, (const char *[]){"As of", a});
	tt_put(&t, b);
	buf_puts(b, "The demands received in the period and recorded by the as-of time, each in the state it was\n"
		    "in at that time. Preservation requests and national-security process are not in the totals:\n"
		    "they are reported on their own below.\n");

	heading(b, "Demands received");
	table_init(&t, 3, 2);
	text_scalar(&t, "Demands received", r->demands, -1);
	text_scalar(&t, "Accounts or identifiers specified", r->identifiers, -1);
	tt_put(&t, b);

	heading(b, "By requester kind");
	text_rows(b, "Requester kind", r->kinds, r->n_kinds);
	heading(b, "By instrument");
	text_rows(b, "Instrument", r->instruments, r->n_instruments);
	buf_puts(b, "  National-security process is reported only in bands, below.\n");
	heading(b, "By country of the requester");
	text_rows(b, "Country", r->countries, r->n_countries);

	heading(b, "Outcomes");
	table_init(&t, 3, 6);
	table_row(&t, (const char *[]){"Outcome", "Demands", "Percent"});
	for (int i = 0; i < RO_COUNT; i++)
		text_scalar(&t, report_outcome_labels[i], r->outcome[i], r->demands);
	text_scalar(&t, "Total", r->demands, r->demands);
	tt_put(&t, b);

	size_t nb;
	const struct report_row *rows = report_breakdown(r, &nb);
	static const char *const by_title[] = {"Outcomes by country", "Outcomes by requester kind",
					       "Outcomes by instrument"};
	heading(b, by_title[r->opt.by]);
	table_init(&t, 3 + RO_COUNT, ~1u);
	const char *hdr[3 + RO_COUNT] = {r->opt.by == REPORT_BY_COUNTRY ? "Country"
					 : r->opt.by == REPORT_BY_KIND  ? "Requester kind"
									: "Instrument",
					 "Demands", "Identifiers"};
	for (int i = 0; i < RO_COUNT; i++)
		hdr[3 + i] = short_outcome[i];
	table_row(&t, hdr);
	for (size_t k = 0; k < nb; k++) {
		char cells[3 + RO_COUNT][32];
		const char *row[3 + RO_COUNT] = {rows[k].label};
		text_thousands(rows[k].demands, cells[1], sizeof cells[1]);
		text_thousands(rows[k].identifiers, cells[2], sizeof cells[2]);
		row[1] = cells[1];
		row[2] = cells[2];
		for (int i = 0; i < RO_COUNT; i++) {
			text_thousands(rows[k].outcome[i], cells[3 + i], sizeof cells[3 + i]);
			row[3 + i] = cells[3 + i];
		}
		table_row(&t, row);
	}
	tt_put(&t, b);

	heading(b, "Customer notice");
	table_init(&t, 3, 6);
	table_row(&t, (const char *[]){"Notice", "Demands", "Percent"});
	for (int i = 0; i < RN_COUNT; i++)
		text_scalar(&t, report_notice_labels[i], r->notice[i], r->demands);
	tt_put(&t, b);

	heading(b, "Non-disclosure orders");
	table_init(&t, 3, 2);
	text_scalar(&t, "Orders received", r->orders.received, -1);
	text_scalar(&t, "Without an end date", r->orders.indefinite, -1);
	text_scalar(&t, "Challenged", r->orders.challenged, -1);
	tt_put(&t, b);

	heading(b, "Emergency and cross-border demands");
	table_init(&t, 3, 6);
	text_scalar(&t, "Emergency demands", r->emergency.demands, r->demands);
	text_scalar(&t, "  with data provided", r->emergency.data_provided, r->emergency.demands);
	text_scalar(&t, "Cross-border demands", r->cross_border.demands, r->demands);
	text_scalar(&t, "  with data disclosed", r->cross_border.data_provided, r->cross_border.demands);
	tt_put(&t, b);

	heading(b, "Time to close (days from receipt)");
	table_init(&t, 4, 14);
	table_row(&t, (const char *[]){"Outcome", "Closed", "Median", "90th percentile"});
	for (int i = 0; i < RO_COUNT; i++) {
		const struct report_close_time *k = &r->close_time[i];
		char m[32] = "-", q[32] = "-";
		text_thousands(k->closed, n1, sizeof n1);
		if (k->closed) {
			report_days(k->median, m, sizeof m);
			report_days(k->p90, q, sizeof q);
		}
		table_row(&t,
		       (const char *[]){i == RO_PENDING ? "All closed demands" : report_outcome_labels[i], n1, m, q});
	}
	tt_put(&t, b);

	heading(b, "National-security process (in bands only)");
	table_init(&t, 2, 2);
	report_band_text(&r->national_security.demands, n1, sizeof n1);
	report_band_text(&r->national_security.identifiers, n2, sizeof n2);
	table_row(&t, (const char *[]){"Demands received", n1});
	table_row(&t, (const char *[]){"Accounts or identifiers specified", n2});
	tt_put(&t, b);
	buf_printf(b, "  Bands of %lld; never an exact count.\n", (long long)r->national_security.width);

	heading(b, "Preservation requests");
	table_init(&t, 3, 6);
	text_scalar(&t, "Received", r->preservation.received, -1);
	text_scalar(&t, "Followed by legal process", r->preservation.followed, r->preservation.received);
	tt_put(&t, b);

	heading(b, "Trend: the last four quarters");
	table_init(&t, 4, 14);
	table_row(&t, (const char *[]){"Quarter", "Demands", "Data disclosed", "Percent"});
	for (int k = 0; k < REPORT_TREND; k++) {
		const struct report_trend *q = &r->trend[k];
		int64_t disclosed = q->outcome[RO_CONTENT] + q->outcome[RO_NON_CONTENT];
		text_thousands(q->demands, n1, sizeof n1);
		text_thousands(disclosed, n2, sizeof n2);
		report_pct(disclosed, q->demands, p, sizeof p);
		strcat(p, "%");
		table_row(&t, (const char *[]){q->period.label, n1, n2, p});
	}
	tt_put(&t, b);
}

/* ---- CSV ---- */

static void csv_row(struct buf *b, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(b, ',');
		buf_csv_cell(b, cells[i] ? cells[i] : "");
	}
	buf_puts(b, "\r\n");
}

static void csv_table_start(struct buf *b, const char *const *header, size_t n)
{
	if (b->len)
		buf_puts(b, "\r\n");
	csv_row(b, header, n);
}

static void csv_figure(struct buf *b, const char *section, const char *key, const char *label, int64_t v)
{
	char n[32];
	fmt_int(v, n, sizeof n);
	csv_row(b, (const char *[]){section, key, label, n}, 4);
}

static const char *const figure_header[] = {"section", "figure", "label", "value"};

static void csv_rows(struct buf *b, const char *section, const struct report_row *rows, size_t n)
{
	char d[32], id[32];
	csv_table_start(b, (const char *[]){"section", "key", "label", "demands", "identifiers"}, 5);
	for (size_t i = 0; i < n; i++) {
		fmt_int(rows[i].demands, d, sizeof d);
		fmt_int(rows[i].identifiers, id, sizeof id);
		csv_row(b, (const char *[]){section, rows[i].key, rows[i].label, d, id}, 5);
	}
}

static void csv_shares(struct buf *b, const char *section, const char *const *keys, const char *const *labels,
		       const int64_t *v, int n, int64_t total)
{
	char d[32], p[32];
	csv_table_start(b, (const char *[]){"section", "key", "label", "demands", "percent"}, 5);
	for (int i = 0; i < n; i++) {
		fmt_int(v[i], d, sizeof d);
		report_pct(v[i], total, p, sizeof p);
		csv_row(b, (const char *[]){section, keys[i], labels[i], d, p}, 5);
	}
}

void report_write_csv(const struct report *r, struct buf *b)
{
	char a[48], from[16], to[16], n[32], lo[32], hi[32], band[48];
	when_format(r->opt.as_of, a, sizeof a);
	when_format_date(r->opt.period.start, from, sizeof from);
	when_format_date(r->opt.period.end - 1, to, sizeof to);
	csv_table_start(b, (const char *[]){"section", "field", "value"}, 3);
	fmt_int(REPORT_VERSION, n, sizeof n);
	csv_row(b, (const char *[]){"report", "version", n}, 3);
	csv_row(b, (const char *[]){"report", "period", r->opt.period.label}, 3);
	csv_row(b, (const char *[]){"report", "from", from}, 3);
	csv_row(b, (const char *[]){"report", "to", to}, 3);
	csv_row(b, (const char *[]){"report", "as_of", a}, 3);
	fmt_int(r->national_security.width, n, sizeof n);
	csv_row(b, (const char *[]){"report", "band_width", n}, 3);
	csv_row(b, (const char *[]){"report", "by", report_by_keys[r->opt.by]}, 3);

	csv_table_start(b, figure_header, 4);
	csv_figure(b, "demands", "received", "Demands received", r->demands);
	csv_figure(b, "demands", "identifiers", "Accounts or identifiers specified", r->identifiers);

	csv_rows(b, "by_requester_kind", r->kinds, r->n_kinds);
	csv_rows(b, "by_instrument", r->instruments, r->n_instruments);
	csv_rows(b, "by_country", r->countries, r->n_countries);
	csv_shares(b, "outcomes", report_outcome_keys, report_outcome_labels, r->outcome, RO_COUNT, r->demands);

	const char *hdr[5 + RO_COUNT] = {"section", "key", "label", "demands", "identifiers"};
	for (int i = 0; i < RO_COUNT; i++)
		hdr[5 + i] = report_outcome_keys[i];
	csv_table_start(b, hdr, 5 + RO_COUNT);
	size_t nb;
	const struct report_row *rows = report_breakdown(r, &nb);
	for (size_t k = 0; k < nb; k++) {
		char cells[2 + RO_COUNT][32];
		const char *row[5 + RO_COUNT] = {"breakdown", rows[k].key, rows[k].label, cells[0], cells[1]};
		fmt_int(rows[k].demands, cells[0], sizeof cells[0]);
		fmt_int(rows[k].identifiers, cells[1], sizeof cells[1]);
		for (int i = 0; i < RO_COUNT; i++) {
			fmt_int(rows[k].outcome[i], cells[2 + i], sizeof cells[2 + i]);
			row[5 + i] = cells[2 + i];
		}
		csv_row(b, row, 5 + RO_COUNT);
	}

	csv_shares(b, "customer_notice", report_notice_keys, report_notice_labels, r->notice, RN_COUNT, r->demands);

	csv_table_start(b, figure_header, 4);
	csv_figure(b, "orders", "received", "Non-disclosure orders received", r->orders.received);
	csv_figure(b, "orders", "without_end_date", "Without an end date", r->orders.indefinite);
	csv_figure(b, "orders", "challenged", "Challenged", r->orders.challenged);
	csv_table_start(b, figure_header, 4);
	csv_figure(b, "emergency", "demands", "Emergency demands", r->emergency.demands);
	csv_figure(b, "emergency", "data_provided", "With data provided", r->emergency.data_provided);
	csv_table_start(b, figure_header, 4);
	csv_figure(b, "cross_border", "demands", "Cross-border demands", r->cross_border.demands);
	csv_figure(b, "cross_border", "data_provided", "With data disclosed", r->cross_border.data_provided);

	csv_table_start(b, (const char *[]){"section", "outcome", "label", "closed", "median_days", "p90_days"}, 6);
	for (int i = 0; i < RO_COUNT; i++) {
		const struct report_close_time *k = &r->close_time[i];
		char m[32] = "", q[32] = "";
		fmt_int(k->closed, n, sizeof n);
		if (k->closed) {
			report_days(k->median, m, sizeof m);
			report_days(k->p90, q, sizeof q);
		}
		csv_row(b,
			(const char *[]){"time_to_close", i == RO_PENDING ? "all" : report_outcome_keys[i],
					 i == RO_PENDING ? "All closed demands" : report_outcome_labels[i], n, m, q},
			6);
	}

	csv_table_start(b, (const char *[]){"section", "figure", "label", "band", "low", "high"}, 6);
	const struct report_band *bands[] = {&r->national_security.demands, &r->national_security.identifiers};
	static const char *const band_keys[] = {"demands", "identifiers"};
	static const char *const band_labels[] = {"Demands received", "Accounts or identifiers specified"};
	for (int i = 0; i < 2; i++) {
		report_band_text(bands[i], band, sizeof band);
		fmt_int(bands[i]->low, lo, sizeof lo);
		fmt_int(bands[i]->high, hi, sizeof hi);
		csv_row(b, (const char *[]){"national_security", band_keys[i], band_labels[i], band, lo, hi}, 6);
	}

	csv_table_start(b, figure_header, 4);
	csv_figure(b, "preservation", "received", "Preservation requests received", r->preservation.received);
	csv_figure(b, "preservation", "followed_by_legal_process", "Followed by legal process",
		   r->preservation.followed);

	const char *th[5 + RO_COUNT] = {"section", "quarter", "from", "to", "demands"};
	for (int i = 0; i < RO_COUNT; i++)
		th[5 + i] = report_outcome_keys[i];
	csv_table_start(b, th, 5 + RO_COUNT);
	for (int k = 0; k < REPORT_TREND; k++) {
		const struct report_trend *q = &r->trend[k];
		char cells[1 + RO_COUNT][32], qf[16], qt[16];
		when_format_date(q->period.start, qf, sizeof qf);
		when_format_date(q->period.end - 1, qt, sizeof qt);
		fmt_int(q->demands, cells[0], sizeof cells[0]);
		const char *row[5 + RO_COUNT] = {"trend", q->period.label, qf, qt, cells[0]};
		for (int i = 0; i < RO_COUNT; i++) {
			fmt_int(q->outcome[i], cells[1 + i], sizeof cells[1 + i]);
			row[5 + i] = cells[1 + i];
		}
		csv_row(b, row, 5 + RO_COUNT);
	}
}

/* ---- JSON ---- */

static void json_key(struct buf *b, int indent, const char *key)
{
	buf_printf(b, "%*s\"%s\": ", indent, "", key);
}

static void json_int(struct buf *b, int indent, const char *key, int64_t v, bool last)
{
	json_key(b, indent, key);
	buf_printf(b, "%lld%s\n", (long long)v, last ? "" : ",");
}

static void json_str(struct buf *b, int indent, const char *key, const char *v, bool last)
{
	json_key(b, indent, key);
	buf_json_str(b, v);
	buf_puts(b, last ? "\n" : ",\n");
}

static void json_outcomes(struct buf *b, const int64_t *o)
{
	buf_puts(b, "{");
	for (int i = 0; i < RO_COUNT; i++)
		buf_printf(b, "%s\"%s\": %lld", i ? ", " : "", report_outcome_keys[i], (long long)o[i]);
	buf_puts(b, "}");
}

static void json_rows(struct buf *b, const char *key, const struct report_row *rows, size_t n, bool outcomes)
{
	json_key(b, outcomes ? 4 : 2, key);
	buf_puts(b, n ? "[\n" : "[]");
	for (size_t i = 0; i < n; i++) {
		buf_printf(b, "%*s{\"key\": ", outcomes ? 6 : 4, "");
		buf_json_str(b, rows[i].key);
		buf_puts(b, ", \"label\": ");
		buf_json_str(b, rows[i].label);
		buf_printf(b, ", \"demands\": %lld, \"identifiers\": %lld", (long long)rows[i].demands,
			   (long long)rows[i].identifiers);
		if (outcomes) {
			buf_puts(b, ", \"outcomes\": ");
			json_outcomes(b, rows[i].outcome);
		}
		buf_puts(b, i + 1 < n ? "},\n" : "}\n");
	}
	if (n)
		buf_printf(b, "%*s]", outcomes ? 4 : 2, "");
	buf_puts(b, outcomes ? "\n" : ",\n");
}

static void json_shares(struct buf *b, const char *key, const char *const *keys, const char *const *labels,
			const int64_t *v, int n, int64_t total)
{
	char p[32];
	json_key(b, 2, key);
	buf_puts(b, "[\n");
	for (int i = 0; i < n; i++) {
		report_pct(v[i], total, p, sizeof p);
		buf_puts(b, "    {\"key\": ");
		buf_json_str(b, keys[i]);
		buf_puts(b, ", \"label\": ");
		buf_json_str(b, labels[i]);
		buf_printf(b, ", \"demands\": %lld, \"percent\": %s}%s\n", (long long)v[i], p, i + 1 < n ? "," : "");
	}
	buf_puts(b, "  ],\n");
}

static void json_band(struct buf *b, const char *key, const struct report_band *band, bool last)
{
	char t[48];
	report_band_text(band, t, sizeof t);
	json_key(b, 4, key);
	buf_puts(b, "{\"band\": ");
	buf_json_str(b, t);
	buf_printf(b, ", \"low\": %lld, \"high\": %lld}%s\n", (long long)band->low, (long long)band->high,
		   last ? "" : ",");
}

void report_write_json(const struct report *r, struct buf *b)
{
	char a[48], from[16], to[16];
	when_format(r->opt.as_of, a, sizeof a);
	when_format_date(r->opt.period.start, from, sizeof from);
	when_format_date(r->opt.period.end - 1, to, sizeof to);
	buf_puts(b, "{\n");
	json_str(b, 2, "report", "docket transparency report", false);
	json_int(b, 2, "version", REPORT_VERSION, false);
	json_key(b, 2, "period");
	buf_puts(b, "{\"label\": ");
	buf_json_str(b, r->opt.period.label);
	buf_printf(b, ", \"from\": \"%s\", \"to\": \"%s\"},\n", from, to);
	json_str(b, 2, "as_of", a, false);
	json_key(b, 2, "demands");
	buf_printf(b, "{\"received\": %lld, \"identifiers\": %lld},\n", (long long)r->demands,
		   (long long)r->identifiers);
	json_rows(b, "by_requester_kind", r->kinds, r->n_kinds, false);
	json_rows(b, "by_instrument", r->instruments, r->n_instruments, false);
	json_rows(b, "by_country", r->countries, r->n_countries, false);
	json_shares(b, "outcomes", report_outcome_keys, report_outcome_labels, r->outcome, RO_COUNT, r->demands);

	size_t nb;
	const struct report_row *rows = report_breakdown(r, &nb);
	buf_puts(b, "  \"breakdown\": {\n");
	json_str(b, 4, "by", report_by_keys[r->opt.by], false);
	json_rows(b, "rows", rows, nb, true);
	buf_puts(b, "  },\n");

	json_shares(b, "customer_notice", report_notice_keys, report_notice_labels, r->notice, RN_COUNT, r->demands);
	json_key(b, 2, "orders");
	buf_printf(b, "{\"received\": %lld, \"without_end_date\": %lld, \"challenged\": %lld},\n",
		   (long long)r->orders.received, (long long)r->orders.indefinite, (long long)r->orders.challenged);
	json_key(b, 2, "emergency");
	buf_printf(b, "{\"demands\": %lld, \"data_provided\": %lld},\n", (long long)r->emergency.demands,
		   (long long)r->emergency.data_provided);
	json_key(b, 2, "cross_border");
	buf_printf(b, "{\"demands\": %lld, \"data_provided\": %lld},\n", (long long)r->cross_border.demands,
		   (long long)r->cross_border.data_provided);

	json_key(b, 2, "time_to_close");
	buf_puts(b, "[\n");
	for (int i = 0; i < RO_COUNT; i++) {
		const struct report_close_time *k = &r->close_time[i];
		char m[32] = "null", q[32] = "null";
		if (k->closed) {
			report_days(k->median, m, sizeof m);
			report_days(k->p90, q, sizeof q);
		}
		buf_puts(b, "    {\"outcome\": ");
		buf_json_str(b, i == RO_PENDING ? "all" : report_outcome_keys[i]);
		buf_puts(b, ", \"label\": ");
		buf_json_str(b, i == RO_PENDING ? "All closed demands" : report_outcome_labels[i]);
		buf_printf(b, ", \"closed\": %lld, \"median_days\": %s, \"p90_days\": %s}%s\n", (long long)k->closed, m,
			   q, i + 1 < RO_COUNT ? "," : "");
	}
	buf_puts(b, "  ],\n");

	buf_puts(b, "  \"national_security\": {\n");
	json_int(b, 4, "band_width", r->national_security.width, false);
	json_band(b, "demands", &r->national_security.demands, false);
	json_band(b, "identifiers", &r->national_security.identifiers, true);
	buf_puts(b, "  },\n");
	json_key(b, 2, "preservation");
	buf_printf(b, "{\"received\": %lld, \"followed_by_legal_process\": %lld},\n",
		   (long long)r->preservation.received, (long long)r->preservation.followed);

	json_key(b, 2, "trend");
	buf_puts(b, "[\n");
	for (int k = 0; k < REPORT_TREND; k++) {
		const struct report_trend *q = &r->trend[k];
		char qf[16], qt[16];
		when_format_date(q->period.start, qf, sizeof qf);
		when_format_date(q->period.end - 1, qt, sizeof qt);
		buf_printf(
			b,
			"    {\"quarter\": \"%s\", \"from\": \"%s\", \"to\": \"%s\", \"demands\": %lld, \"outcomes\": ",
			q->period.label, qf, qt, (long long)q->demands);
		json_outcomes(b, q->outcome);
		buf_puts(b, k + 1 < REPORT_TREND ? "},\n" : "}\n");
	}
	buf_puts(b, "  ]\n}\n");
}

enum dk_status report_write(const struct report *r, enum report_format f, struct buf *out, struct dk_error *err)
{
	switch (f) {
	case REPORT_CSV: report_write_csv(r, out); break;
	case REPORT_JSON: report_write_json(r, out); break;
	case REPORT_HTML: report_write_html(r, out); break;
	default: report_write_text(r, out); break;
	}
	if (out->oom)
		return dk_fail(err, DK_STORAGE, "report: out of memory while writing it");
	return DK_OK;
}
