/* report_html.c: the report as one self-contained HTML page: inline CSS, inline SVG bar charts,
 * no script, nothing fetched (a Content-Security-Policy says so to the browser too), every text
 * escaped, laid out to print on A4. */
#include "report.h"

#include <stdio.h>
#include <string.h>

#include "text.h"
#include "when.h"

#define CHART_W 680 /* px: 180 mm, the printable width of A4 with 15 mm margins */
#define LABEL_W 230
#define BAR_MAX 340
#define BAR_ROW 22
#define TREND_H 220

static const char *const outcome_colour[RO_COUNT] = {
	"#b03a2e", "#7f8c8d", "#2e86c1", "#a6acaf", "#d68910", "#873600", "#5d6d7e",
};

static void esc(struct buf *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default:
			/* Controls have no business in a report; show them as a replacement mark. */
			if ((unsigned char)*s < 0x20 || *s == 0x7f)
				buf_puts(b, "&#xfffd;");
			else
				buf_putc(b, *s);
		}
	}
}

static void num(struct buf *b, int64_t v)
{
	char t[32];
	text_thousands(v, t, sizeof t);
	buf_puts(b, t);
}

static void pct(struct buf *b, int64_t v, int64_t total)
{
	char t[32];
	report_pct(v, total, t, sizeof t);
	buf_printf(b, "%s%%", t);
}

static const char style[] =
	"@page{size:A4;margin:15mm}\n"
	"*{box-sizing:border-box}\n"
	"body{font:10pt/1.4 \"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;color:#1b1b1b;background:#fff;"
	"max-width:180mm;margin:0 auto;padding:6mm 0}\n"
	"h1{font-size:18pt;margin:0 0 1mm}\n"
	"h2{font-size:12.5pt;margin:7mm 0 2mm;padding-bottom:1mm;border-bottom:1.5px solid #2c3e50;"
	"break-after:avoid;page-break-after:avoid}\n"
	"p{margin:1mm 0}\n"
	".meta{color:#444}\n"
	".note{color:#555;font-size:8.5pt}\n"
	".cards{display:flex;gap:3mm;margin:4mm 0}\n"
	".card{flex:1;border:1px solid #ccd;border-radius:2mm;padding:2mm 3mm;background:#f6f7fa}\n"
	".card b{display:block;font-size:16pt}\n"
	"table{border-collapse:collapse;width:100%;margin:2mm 0;break-inside:avoid;page-break-inside:avoid}\n"
	"th,td{padding:0.8mm 2mm;border-bottom:1px solid #dde;text-align:left;vertical-align:top}\n"
	"th{background:#eef0f4;font-weight:600}\n"
	".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;width:17%}\n"
	"time{white-space:nowrap}\n"
	"tr.total td{font-weight:700;border-top:1.5px solid #888}\n"
	"table.wide{font-size:8pt}\n"
	"table.wide th,table.wide td{padding:0.6mm 1mm}\n"
	"table.wide .n{width:auto}\n"
	"figure{margin:2mm 0;break-inside:avoid;page-break-inside:avoid}\n"
	"svg{display:block;max-width:100%;height:auto}\n"
	"svg text{font-family:\"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;font-size:11px;fill:#1b1b1b}\n"
	"section{break-inside:auto}\n";

/* A horizontal bar chart: one bar per item, labelled, with its value after the bar. */
struct bar {
	const char *label;
	int64_t value;
	const char *colour;
	int64_t total; /* for the percentage shown after the value; 0 for none */
};

static void bar_chart(struct buf *b, const char *title, const struct bar *bars, size_t n)
{
	int64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	int h = (int)n * BAR_ROW + 8;
	buf_printf(b,
		   "<figure><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
		   " role=\"img\"><title>",
		   CHART_W, h, CHART_W, h);
	esc(b, title);
	buf_puts(b, "</title>\n");
	for (size_t i = 0; i < n; i++) {
		int y = 4 + (int)i * BAR_ROW;
		int64_t w = max > 0 ? bars[i].value * BAR_MAX / max : 0;
		if (bars[i].value > 0 && w < 1)
			w = 1;
		buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W - 6, y + 13);
		esc(b, bars[i].label);
		buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%lld\" height=\"16\" fill=\"%s\"/>", LABEL_W, y,
			   (long long)w, bars[i].colour);
		buf_printf(b, "<text x=\"%lld\" y=\"%d\">", (long long)(LABEL_W + w + 6), y + 13);
		num(b, bars[i].value);
		if (bars[i].total > 0) {
			buf_puts(b, " (");
			pct(b, bars[i].value, bars[i].total);
			buf_puts(b, ")");
		}
		buf_puts(b, "</text>\n");
	}
	buf_puts(b, "</svg><figcaption class=\"note\">");
	esc(b, title);
	buf_puts(b, "</figcaption></figure>\n");
}

/* The trend: for each quarter a bar of the demands received and one of those with data disclosed. */
static void trend_chart(struct buf *b, const struct report *r)
{
	int64_t max = 0;
	for (int k = 0; k < REPORT_TREND; k++)
		if (r->trend[k].demands > max)
			max = r->trend[k].demands;
	const int top = 34, base = TREND_H - 30, span = base - top, group = (CHART_W - 60) / REPORT_TREND;
	buf_printf(b,
		   "<figure><svg width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
		   " role=\"img\"><title>Demands received and data disclosed, last four quarters</title>\n",
		   CHART_W, TREND_H, CHART_W, TREND_H);
	buf_printf(b, "<rect x=\"60\" y=\"6\" width=\"12\" height=\"12\" fill=\"#2c3e50\"/>"
		      "<text x=\"78\" y=\"16\">Demands received</text>"
		      "<rect x=\"230\" y=\"6\" width=\"12\" height=\"12\" fill=\"#d68910\"/>"
		      "<text x=\"248\" y=\"16\">Data disclosed (content or non-content)</text>\n");
	buf_printf(b, "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n", base, CHART_W - 10, base);
	for (int k = 0; k < REPORT_TREND; k++) {
		const struct report_trend *q = &r->trend[k];
		int64_t vals[2] = {q->demands, q->outcome[RO_CONTENT] + q->outcome[RO_NON_CONTENT]};
		static const char *const colours[2] = {"#2c3e50", "#d68910"};
		int x0 = 60 + k * group + group / 2 - 50;
		for (int j = 0; j < 2; j++) {
			int64_t hgt = max > 0 ? vals[j] * span / max : 0;
			if (vals[j] > 0 && hgt < 1)
				hgt = 1;
			int x = x0 + j * 52;
			buf_printf(b, "<rect x=\"%d\" y=\"%lld\" width=\"48\" height=\"%lld\" fill=\"%s\"/>", x,
				   (long long)(base - hgt), (long long)hgt, colours[j]);
			buf_printf(b, "<text x=\"%d\" y=\"%lld\" text-anchor=\"middle\">", x + 24,
				   (long long)(base - hgt - 4));
			num(b, vals[j]);
			buf_puts(b, "</text>\n");
		}
		buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">", x0 + 50, base + 18);
		esc(b, q->period.label);
		buf_puts(b, "</text>\n");
	}
	buf_puts(b, "</svg><figcaption class=\"note\">Demands received in each of the last four quarters, and how "
		    "many of them had data disclosed, all as of the report's as-of time.</figcaption></figure>\n");
}

static void th(struct buf *b, const char *s, bool n)
{
	buf_puts(b, n ? "<th class=\"n\">" : "<th>");
	esc(b, s);
	buf_puts(b, "</th>");
}

static void td_text(struct buf *b, const char *s)
{
	buf_puts(b, "<td>");
	esc(b, s);
	buf_puts(b, "</td>");
}

static void td_num(struct buf *b, int64_t v)
{
	buf_puts(b, "<td class=\"n\">");
	num(b, v);
	buf_puts(b, "</td>");
}

static void td_pct(struct buf *b, int64_t v, int64_t total)
{
	buf_puts(b, "<td class=\"n\">");
	pct(b, v, total);
	buf_puts(b, "</td>");
}

/* A two-column table of figures, with an optional percentage column. */
static void figure_row(struct buf *b, const char *label, int64_t v, int64_t of)
{
	buf_puts(b, "<tr>");
	td_text(b, label);
	td_num(b, v);
	if (of >= 0)
		td_pct(b, v, of);
	buf_puts(b, "</tr>\n");
}

static void rows_table(struct buf *b, const char *dimension, const struct report_row *rows, size_t n)
{
	buf_puts(b, "<table><tr>");
	th(b, dimension, false);
	th(b, "Demands", true);
	th(b, "Identifiers", true);
	buf_puts(b, "</tr>\n");
	for (size_t i = 0; i < n; i++) {
		buf_puts(b, "<tr>");
		td_text(b, rows[i].label);
		td_num(b, rows[i].demands);
		td_num(b, rows[i].identifiers);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

static void shares_table(struct buf *b, const char *what, const char *const *labels, const int64_t *v, int n,
			 int64_t total, bool total_row)
{
	buf_puts(b, "<table><tr>");
	th(b, what, false);
	th(b, "Demands", true);
	th(b, "Percent", true);
	buf_puts(b, "</tr>\n");
	for (int i = 0; i < n; i++)
		figure_row(b, labels[i], v[i], total);
	if (total_row) {
		buf_puts(b, "<tr class=\"total\">");
		td_text(b, "Total");
		td_num(b, total);
		td_pct(b, total, total);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

static void card(struct buf *b, const char *label, const char *value)
{
	buf_puts(b, "<div class=\"card\"><b>");
	esc(b, value);
	buf_puts(b, "</b>");
	esc(b, label);
	buf_puts(b, "</div>");
}

static void breakdown_table(struct buf *b, const struct report *r)
{
	static const char *const titles[] = {"Country", "Requester kind", "Instrument"};
	static const char *const short_outcome[RO_COUNT] = {
		"Rejected", "Withdrawn", "Redirected", "No data", "Non-content", "Content", "Pending",
	};
	size_t n;
	const struct report_row *rows = report_breakdown(r, &n);
	buf_puts(b, "<table class=\"wide\"><tr>");
	th(b, titles[r->opt.by], false);
	th(b, "Demands", true);
	th(b, "Identifiers", true);
	for (int i = 0; i < RO_COUNT; i++)
		th(b, short_outcome[i], true);
	buf_puts(b, "</tr>\n");
	for (size_t k = 0; k < n; k++) {
		buf_puts(b, "<tr>");
		td_text(b, rows[k].label);
		td_num(b, rows[k].demands);
		td_num(b, rows[k].identifiers);
		for (int i = 0; i < RO_COUNT; i++)
			td_num(b, rows[k].outcome[i]);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

void report_write_html(const struct report *r, struct buf *b)
{
	char a[48], from[16], to[16], t[64];
	when_format(r->opt.as_of, a, sizeof a);
	when_format_date(r->opt.period.start, from, sizeof from);
	when_format_date(r->opt.period.end - 1, to, sizeof to);

	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
		    "'unsafe-inline'\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>Transparency report: ");
	esc(b, r->opt.period.label);
	buf_printf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>Transparency report: ", style);
	esc(b, r->opt.period.label);
	buf_printf(b,
		   "</h1>\n<p class=\"meta\">Demands for customer data received from <time>%s</time> to "
		   "<time>%s</time> (UTC), as of <time>%s</time>: those recorded by then, each in the state it was "
		   "in at that time.</p>\n",
		   from, to, a);
	buf_puts(b, "<p class=\"note\">Preservation requests and national-security process are not in the totals; "
		    "they are reported on their own below, national-security process only in bands.</p>\n");
	buf_puts(b, "<div class=\"cards\">");
	text_thousands(r->demands, t, sizeof t);
	card(b, "demands received", t);
	text_thousands(r->identifiers, t, sizeof t);
	card(b, "accounts or identifiers specified", t);
	report_pct(r->outcome[RO_CONTENT] + r->outcome[RO_NON_CONTENT], r->demands, t, sizeof t);
	strcat(t, "%");
	card(b, "with data disclosed", t);
	report_pct(r->outcome[RO_CONTENT], r->demands, t, sizeof t);
	strcat(t, "%");
	card(b, "with content disclosed", t);
	buf_puts(b, "</div>\n</header>\n");

	buf_puts(b, "<section id=\"outcomes\">\n<h2>Outcomes</h2>\n");
	struct bar bars[RO_COUNT > REPORT_TOP_COUNTRIES ? RO_COUNT : REPORT_TOP_COUNTRIES];
	for (int i = 0; i < RO_COUNT; i++)
		bars[i] = (struct bar){report_outcome_labels[i], r->outcome[i], outcome_colour[i], r->demands};
	bar_chart(b, "Final outcome of each demand received in the period", bars, RO_COUNT);
	shares_table(b, "Outcome", report_outcome_labels, r->outcome, RO_COUNT, r->demands, true);
	buf_puts(b, "</section>\n");

	buf_puts(b, "<section id=\"received\">\n<h2>Demands received</h2>\n<table>");
	figure_row(b, "Demands received", r->demands, -1);
	figure_row(b, "Accounts or identifiers specified", r->identifiers, -1);
	buf_puts(b, "</table>\n");
	rows_table(b, "Requester kind", r->kinds, r->n_kinds);
	rows_table(b, "Instrument", r->instruments, r->n_instruments);
	buf_puts(b, "<p class=\"note\">National-security process is reported only in bands, below.</p>\n</section>\n");

	buf_puts(b, "<section id=\"countries\">\n<h2>Countries of the requesters</h2>\n");
	size_t top = r->n_countries < REPORT_TOP_COUNTRIES ? r->n_countries : REPORT_TOP_COUNTRIES;
	for (size_t i = 0; i < top; i++)
		bars[i] = (struct bar){r->countries[i].label, r->countries[i].demands, "#2c3e50", r->demands};
	if (top)
		bar_chart(b, "The countries that sent the most demands", bars, top);
	rows_table(b, "Country", r->countries, r->n_countries);
	buf_puts(b, "</section>\n");

	static const char *const by_title[] = {"Outcomes by country", "Outcomes by requester kind",
					       "Outcomes by instrument"};
	buf_puts(b, "<section id=\"breakdown\">\n<h2>");
	esc(b, by_title[r->opt.by]);
	buf_puts(b, "</h2>\n");
	breakdown_table(b, r);
	buf_puts(b, "</section>\n");

	buf_puts(b, "<section id=\"notice\">\n<h2>Customer notice</h2>\n");
	shares_table(b, "Notice", report_notice_labels, r->notice, RN_COUNT, r->demands, false);
	buf_puts(b, "</section>\n<section id=\"orders\">\n<h2>Non-disclosure orders</h2>\n<table>");
	figure_row(b, "Orders received", r->orders.received, -1);
	figure_row(b, "Without an end date", r->orders.indefinite, -1);
	figure_row(b, "Challenged", r->orders.challenged, -1);
	buf_puts(b, "</table>\n</section>\n");

	buf_puts(b, "<section id=\"emergency\">\n<h2>Emergency and cross-border demands</h2>\n<table>");
	figure_row(b, "Emergency demands", r->emergency.demands, r->demands);
	figure_row(b, "Emergency demands with data provided", r->emergency.data_provided, r->emergency.demands);
	figure_row(b, "Cross-border demands (data stored outside the requester's country or region)",
		   r->cross_border.demands, r->demands);
	figure_row(b, "Cross-border demands with data disclosed", r->cross_border.data_provided,
		   r->cross_border.demands);
	buf_puts(b, "</table>\n</section>\n");

	buf_puts(b, "<section id=\"time\">\n<h2>Time to close</h2>\n<table><tr>");
	th(b, "Outcome", false);
	th(b, "Closed", true);
	th(b, "Median days", true);
	th(b, "90th percentile days", true);
	buf_puts(b, "</tr>\n");
	for (int i = 0; i < RO_COUNT; i++) {
		const struct report_close_time *k = &r->close_time[i];
		char m[32] = "\xe2\x80\x93", q[32] = "\xe2\x80\x93";
		if (k->closed) {
			report_days(k->median, m, sizeof m);
			report_days(k->p90, q, sizeof q);
		}
		buf_puts(b, i == RO_PENDING ? "<tr class=\"total\">" : "<tr>");
		td_text(b, i == RO_PENDING ? "All closed demands" : report_outcome_labels[i]);
		td_num(b, k->closed);
		buf_puts(b, "<td class=\"n\">");
		esc(b, m);
		buf_puts(b, "</td><td class=\"n\">");
		esc(b, q);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n</section>\n");

	buf_puts(b, "<section id=\"national-security\">\n<h2>National-security process</h2>\n<table>");
	report_band_text(&r->national_security.demands, t, sizeof t);
	buf_puts(b, "<tr><td>Demands received</td><td class=\"n\">");
	esc(b, t);
	report_band_text(&r->national_security.identifiers, t, sizeof t);
	buf_puts(b, "</td></tr>\n<tr><td>Accounts or identifiers specified</td><td class=\"n\">");
	esc(b, t);
	buf_printf(b,
		   "</td></tr>\n</table>\n<p class=\"note\">Reported in bands of %lld, as the law allows; never an "
		   "exact count.</p>\n</section>\n",
		   (long long)r->national_security.width);

	buf_puts(b, "<section id=\"preservation\">\n<h2>Preservation requests</h2>\n<table>");
	figure_row(b, "Preservation requests received", r->preservation.received, -1);
	figure_row(b, "Followed by legal process", r->preservation.followed, r->preservation.received);
	buf_puts(b, "</table>\n</section>\n");

	buf_puts(b, "<section id=\"trend\">\n<h2>Trend</h2>\n");
	trend_chart(b, r);
	buf_puts(b, "<table><tr>");
	th(b, "Quarter", false);
	th(b, "Demands", true);
	th(b, "Data disclosed", true);
	th(b, "Percent", true);
	buf_puts(b, "</tr>\n");
	for (int k = 0; k < REPORT_TREND; k++) {
		const struct report_trend *q = &r->trend[k];
		int64_t disclosed = q->outcome[RO_CONTENT] + q->outcome[RO_NON_CONTENT];
		buf_puts(b, "<tr>");
		td_text(b, q->period.label);
		td_num(b, q->demands);
		td_num(b, disclosed);
		td_pct(b, disclosed, q->demands);
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n</section>\n</body>\n</html>\n");
}
