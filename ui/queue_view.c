/* queue_view.c: the queue screen: one row per demand, paged through the core's keyset reads so
 * that only the rows on the screen are ever held; counts in the title; filters and sort. Search
 * lives in queue_search.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "demand.h"
#include "queue_view.h"
#include "text.h"
#include "when.h"

static const struct ui_key queue_keys[] = {
	{Q_DOWN, {'j', UI_FN(KEY_DOWN)}, NULL, "next demand", NULL},
	{Q_UP, {'k', UI_FN(KEY_UP)}, NULL, "previous demand", NULL},
	{Q_PGDN, {UI_FN(KEY_NPAGE), ' ', UI_CTRL('f')}, NULL, "next page", NULL},
	{Q_PGUP, {UI_FN(KEY_PPAGE), UI_CTRL('b')}, NULL, "previous page", NULL},
	{Q_FIRST, {'g', UI_FN(KEY_HOME)}, NULL, "first demand", NULL},
	{Q_LAST, {'G', UI_FN(KEY_END)}, NULL, "last demand", NULL},
	{Q_OPEN, {UI_ENTER, 'o'}, NULL, "open the demand", "open"},
	{Q_SEARCH, {'/'}, NULL, "search references, identifiers, names and notes; results as you type", "search"},
	{Q_FILTER, {'f'}, NULL, "filter: status, assignee (anyone, mine, a login), late, under an order", "filter"},
	{Q_SORT, {'s'}, NULL, "sort by deadline, by date received, by id", "sort"},
	{Q_REFRESH, {'r'}, NULL, "read the queue again", "refresh"},
	{Q_NEW, {'n'}, NULL, "record a new demand (the intake form)", "new"},
	/* No room in the footer at 80 columns: the title names the key when a letter needs a person. */
	{Q_LETTERS, {'l'}, NULL, "the outbox: letters waiting to go out, those that need a person first", NULL},
	{0, {0}, NULL, NULL, NULL},
};

void qrow_clear(struct qrow *r)
{
	free(r->reference);
	free(r->requester);
	free(r->requester_kind);
	free(r->instrument);
	free(r->customer);
	free(r->status);
	free(r->assignee);
	free(r->matched);
	memset(r, 0, sizeof *r);
}

static char *safe_dup(const char *s)
{
	return text_neutralise(s ? s : "", false);
}

bool qrow_set(struct qrow *r, const struct demand_row *d, const struct queue_key *k)
{
	memset(r, 0, sizeof *r);
	r->id = d->id;
	r->received_at = d->received_at;
	r->due_at = d->due_at;
	r->version = d->version;
	r->emergency = d->emergency;
	r->cross_region = d->cross_region;
	r->process_flag = d->process_flag;
	r->under_order = d->under_order;
	r->open = strcmp(d->status, "closed") != 0;
	if (k)
		r->key = *k;
	char status[80];
	snprintf(status, sizeof status, "%s%s%s%s", d->status, d->outcome ? "(" : "", d->outcome ? d->outcome : "",
		 d->outcome ? ")" : "");
	r->reference = safe_dup(d->reference);
	r->requester = safe_dup(d->requester);
	r->requester_kind = safe_dup(d->requester_kind);
	r->instrument = safe_dup(d->instrument);
	r->customer = safe_dup(d->customer);
	r->status = safe_dup(status);
	r->assignee = safe_dup(d->assignee);
	if (!r->reference || !r->requester || !r->requester_kind || !r->instrument || !r->customer || !r->status ||
	    !r->assignee) {
		qrow_clear(r);
		return false;
	}
	return true;
}

/* Reading rows into a list. */
struct gather {
	struct qrow *rows;
	int n;
	size_t cap;
	bool oom;
};

static int gather_row(const struct demand_row *d, const struct queue_key *k, void *ctx)
{
	struct gather *g = ctx;
	if (!array_reserve(&g->rows, &g->cap, (size_t)g->n + 1, sizeof *g->rows, 32)) {
		g->oom = true;
		return 1;
	}
	if (!qrow_set(&g->rows[g->n], d, k)) {
		g->oom = true;
		return 1;
	}
	g->n++;
	return 0;
}

static void gather_free(struct gather *g)
{
	for (int i = 0; i < g->n; i++)
		qrow_clear(&g->rows[i]);
	free(g->rows);
	memset(g, 0, sizeof *g);
}

static bool read_rows(struct ui *ui, struct qview *v, enum queue_dir dir, const struct queue_key *from, bool incl,
		      int limit, struct gather *g)
{
	struct dk_error err = {0};
	memset(g, 0, sizeof *g);
	if (queue_read(ui->q, &v->filter, v->order, dir, from, incl, limit, gather_row, g, &err)) {
		ui_fail(ui, &err);
		gather_free(g);
		return false;
	}
	if (g->oom) {
		ui_say(ui, ST_ERROR, "out of memory");
		gather_free(g);
		return false;
	}
	return true;
}

static void window_clear(struct qview *v)
{
	for (int i = 0; i < v->nrows; i++)
		qrow_clear(&v->rows[i]);
	v->nrows = 0;
}

/* Makes the window rows[] hold g's rows (in queue order), taking them over. */
static void window_take(struct qview *v, struct gather *g, bool reversed)
{
	window_clear(v);
	free(v->rows);
	v->rows = g->rows;
	v->nrows = g->n;
	if (reversed)
		for (int i = 0; i < g->n / 2; i++) {
			struct qrow t = v->rows[i];
			v->rows[i] = v->rows[g->n - 1 - i];
			v->rows[g->n - 1 - i] = t;
		}
	memset(g, 0, sizeof *g);
}

int qview_list_rows(const struct ui *ui)
{
	int n = ui->rows - 5;
	return n > 1 ? n : 1;
}

/* Fills the window from a key (NULL: the start); a window that reaches the end is filled up from
 * above, so that the last page is a full one. */
static void fill_from(struct ui *ui, struct qview *v, const struct queue_key *from, bool incl)
{
	int h = qview_list_rows(ui);
	struct gather g;
	if (!read_rows(ui, v, QUEUE_NEXT, from, incl, h, &g))
		return;
	if (g.n < h && g.n > 0 && from) {
		struct gather up;
		struct queue_key first = g.rows[0].key;
		if (read_rows(ui, v, QUEUE_PREV, &first, false, h - g.n, &up) && up.n > 0) {
			/* up comes nearest first: put it, reversed, before g. */
			struct qrow *all = malloc((size_t)(up.n + g.n) * sizeof *all);
			if (all) {
				for (int i = 0; i < up.n; i++)
					all[i] = up.rows[up.n - 1 - i];
				memcpy(all + up.n, g.rows, (size_t)g.n * sizeof *all);
				free(up.rows);
				free(g.rows);
				g.rows = all;
				g.n += up.n;
				g.cap = (size_t)g.n;
				v->cursor += up.n;
				memset(&up, 0, sizeof up);
			}
		}
		gather_free(&up);
	}
	window_take(v, &g, false);
	v->height = h;
}

static void load_counts(struct ui *ui, struct qview *v)
{
	struct dk_error err = {0};
	v->have_counts = queue_count(ui->q, when_now(), ui->soon, &v->counts, &err) == DK_OK &&
			 notice_count(ui->db, &v->letters, &err) == DK_OK;
	if (!v->have_counts)
		ui_fail(ui, &err);
}

/* Reads the window again from its first row, keeping the cursor on the same demand when it is
 * still there. */
static void reload_window(struct ui *ui, struct qview *v)
{
	int64_t at = v->nrows ? v->rows[v->cursor].id : 0;
	int old = v->cursor;
	if (v->nrows && !v->top_is_start) {
		struct queue_key top = v->rows[0].key;
		v->cursor = 0;
		fill_from(ui, v, &top, true);
	} else {
		v->cursor = 0;
		fill_from(ui, v, NULL, false);
	}
	if (v->nrows == 0) {
		v->cursor = 0;
		return;
	}
	v->cursor = old < v->nrows ? old : v->nrows - 1;
	for (int i = 0; i < v->nrows; i++)
		if (v->rows[i].id == at)
			v->cursor = i;
}

void qview_restart(struct ui *ui, struct qview *v)
{
	window_clear(v);
	v->cursor = 0;
	v->top_is_start = true;
	fill_from(ui, v, NULL, false);
}

static void qview_reload(struct ui *ui, struct screen *s)
{
	struct qview *v = (struct qview *)s;
	load_counts(ui, v);
	reload_window(ui, v);
}

static void move_down(struct ui *ui, struct qview *v, int by)
{
	if (v->nrows == 0)
		return;
	int h = qview_list_rows(ui);
	if (by == 1 && v->cursor + 1 < v->nrows) {
		v->cursor++;
		return;
	}
	struct gather g;
	struct queue_key last = v->rows[v->nrows - 1].key;
	if (!read_rows(ui, v, QUEUE_NEXT, &last, false, by, &g))
		return;
	if (g.n == 0) {
		v->cursor = v->nrows - 1;
		gather_free(&g);
		return;
	}
	/* Keep the last (h - g.n) rows of the window, then the new ones. */
	int keep = v->nrows + g.n > h ? h - g.n : v->nrows;
	if (keep < 0)
		keep = 0;
	int drop = v->nrows - keep;
	if (drop > 0)
		v->top_is_start = false;
	for (int i = 0; i < drop; i++)
		qrow_clear(&v->rows[i]);
	struct qrow *all = malloc((size_t)(keep + g.n) * sizeof *all);
	if (!all) {
		gather_free(&g);
		return;
	}
	memcpy(all, v->rows + drop, (size_t)keep * sizeof *all);
	memcpy(all + keep, g.rows, (size_t)g.n * sizeof *all);
	free(v->rows);
	free(g.rows);
	v->rows = all;
	v->nrows = keep + g.n;
	if (by == 1)
		v->cursor = v->nrows - 1;
	else if (v->cursor >= v->nrows)
		v->cursor = v->nrows - 1;
}

static void move_up(struct ui *ui, struct qview *v, int by)
{
	if (v->nrows == 0)
		return;
	int h = qview_list_rows(ui);
	if (by == 1 && v->cursor > 0) {
		v->cursor--;
		return;
	}
	struct gather g;
	struct queue_key first = v->rows[0].key;
	if (!read_rows(ui, v, QUEUE_PREV, &first, false, by, &g))
		return;
	if (g.n < by)
		v->top_is_start = true;
	if (g.n == 0) {
		v->cursor = 0;
		gather_free(&g);
		return;
	}
	int keep = v->nrows + g.n > h ? h - g.n : v->nrows;
	if (keep < 0)
		keep = 0;
	for (int i = keep; i < v->nrows; i++)
		qrow_clear(&v->rows[i]);
	struct qrow *all = malloc((size_t)(keep + g.n) * sizeof *all);
	if (!all) {
		gather_free(&g);
		return;
	}
	for (int i = 0; i < g.n; i++)
		all[i] = g.rows[g.n - 1 - i];
	memcpy(all + g.n, v->rows, (size_t)keep * sizeof *all);
	free(v->rows);
	free(g.rows);
	v->rows = all;
	v->nrows = keep + g.n;
	if (by == 1)
		v->cursor = 0;
	else if (v->cursor >= v->nrows)
		v->cursor = v->nrows - 1;
}

static void to_last(struct ui *ui, struct qview *v)
{
	struct gather g;
	if (!read_rows(ui, v, QUEUE_PREV, NULL, false, qview_list_rows(ui), &g))
		return;
	window_take(v, &g, true);
	v->cursor = v->nrows ? v->nrows - 1 : 0;
	v->top_is_start = v->nrows < qview_list_rows(ui);
}

/* Columns of the list, and how wide each may be. */
enum col { C_ID, C_REF, C_RECEIVED, C_REQUESTER, C_INSTRUMENT, C_CUSTOMER, C_STATUS, C_DUE, C_ASSIGNEE, C_FLAGS, NCOL };

static const char *const col_names[NCOL] = {"ID",       "REFERENCE", "RECEIVED", "REQUESTER", "INSTRUMENT",
					    "CUSTOMER", "STATUS",    "DUE",      "ASSIGNEE",  "FLAGS"};
/* Headings for narrow columns: a column is as wide as its rows need, not its heading. */
static const char *const col_short[NCOL] = {"ID",   "REF",    "RECEIVED", "FROM", "INSTR",
					    "CUST", "STATUS", "DUE",      "WHO",  "FL"};

/* Short names that keep the 80-column queue readable. */
static const char *short_kind(const char *kind)
{
	if (strcmp(kind, "law_enforcement") == 0)
		return "LE";
	if (strcmp(kind, "government") == 0)
		return "gov";
	if (strcmp(kind, "civil_litigant") == 0)
		return "civil";
	return kind;
}

static const char *short_instrument(const char *inst)
{
	static const char *const names[][2] = {
		{"court_order", "court ord"},     {"search_warrant", "warrant"},  {"preservation", "preserve"},
		{"national_security", "nat sec"}, {"civil_subpoena", "civ subp"}, {"mlat", "MLAT"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(inst, names[i][0]) == 0)
			return names[i][1];
	return inst;
}

struct cells {
	char id[24], received[16], requester[512], due[32], flags[8];
	const char *text[NCOL];
};

static void row_cells(const struct qrow *r, int64_t now, bool full_date, bool wide, struct cells *c)
{
	snprintf(c->id, sizeof c->id, "%lld", (long long)r->id);
	if (full_date)
		when_format_date(r->received_at, c->received, sizeof c->received);
	else {
		char full[16];
		when_format_date(r->received_at, full, sizeof full);
		snprintf(c->received, sizeof c->received, "%s", full + 2);
	}
	snprintf(c->requester, sizeof c->requester, "%s (%s)", r->requester,
		 wide ? r->requester_kind : short_kind(r->requester_kind));
	c->due[0] = '\0';
	if (r->due_at && r->open)
		when_relative(r->due_at, now, c->due, sizeof c->due);
	size_t n = 0;
	if (r->emergency)
		c->flags[n++] = 'E';
	if (r->cross_region)
		c->flags[n++] = 'X';
	if (r->process_flag)
		c->flags[n++] = 'P';
	if (r->under_order)
		c->flags[n++] = 'O';
	c->flags[n] = '\0';
	c->text[C_ID] = c->id;
	c->text[C_REF] = r->reference;
	c->text[C_RECEIVED] = c->received;
	c->text[C_REQUESTER] = c->requester;
	c->text[C_INSTRUMENT] = wide ? r->instrument : short_instrument(r->instrument);
	c->text[C_CUSTOMER] = r->customer;
	c->text[C_STATUS] = r->status;
	c->text[C_DUE] = c->due;
	c->text[C_ASSIGNEE] = r->assignee;
	c->text[C_FLAGS] = c->flags;
}

/* Widths: each column its minimum, then what is left in order of importance up to what the rows
 * on screen need; the requester and customer share any rest. */
static void layout(const struct ui *ui, const struct qrow *rows, int n, int64_t now, int *w, bool *wide_out)
{
	bool wide = ui->cols >= 120;
	int want[NCOL] = {0};
	for (int c = 0; c < NCOL; c++)
		want[c] = (int)text_width(col_short[c]);
	for (int i = 0; i < n; i++) {
		struct cells cl;
		row_cells(&rows[i], now, ui->cols >= 100, wide, &cl);
		for (int c = 0; c < NCOL; c++) {
			int cw = (int)text_width(cl.text[c]);
			if (cw > want[c])
				want[c] = cw;
		}
	}
	static const int caps[NCOL] = {9, 28, 10, 40, 17, 36, 26, 9, 12, 5};
	static const int mins[NCOL] = {2, 8, 8, 6, 5, 6, 8, 3, 4, 0};
	for (int c = 0; c < NCOL; c++) {
		if (want[c] > caps[c])
			want[c] = caps[c];
		w[c] = mins[c] < want[c] ? mins[c] : want[c];
	}
	if (!wide || want[C_FLAGS] <= (int)text_width(col_short[C_FLAGS]))
		w[C_FLAGS] = want[C_FLAGS] = 0;
	int left = ui->cols;
	for (int c = 0; c < NCOL; c++)
		left -= w[c] + (w[c] ? 1 : 0);
	/* The short columns first, up to a soft cap; then the names share, a column at a time;
	 * then the short columns whole; what is left spreads the names out. */
	static const int fixed[] = {C_ID, C_DUE, C_ASSIGNEE, C_RECEIVED, C_REF, C_STATUS, C_FLAGS};
	static const int soft[NCOL] = {[C_ID] = 9,   [C_DUE] = 9,     [C_ASSIGNEE] = 8, [C_RECEIVED] = 10,
				       [C_REF] = 16, [C_STATUS] = 12, [C_FLAGS] = 5};
	static const int shared[] = {C_REQUESTER, C_CUSTOMER, C_INSTRUMENT};
	for (int phase = 0; phase < 2; phase++) {
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
			int c = fixed[i], upto = phase == 0 && soft[c] < want[c] ? soft[c] : want[c];
			int more = upto - w[c];
			if (more > left)
				more = left;
			if (more > 0)
				w[c] += more, left -= more;
		}
		for (bool grew = true; phase == 0 && left > 0 && grew;) {
			grew = false;
			for (size_t i = 0; i < 3 && left > 0; i++) {
				int c = shared[i];
				if (w[c] < want[c])
					w[c]++, left--, grew = true;
			}
		}
	}
	for (int i = 0; left > 0; i++, left--)
		w[i % 2 ? C_CUSTOMER : C_REQUESTER]++;
	*wide_out = wide;
}

/* The requester's name cut to leave room for its kind, which always shows. */
static void put_requester(struct ui *ui, int y, int x, int w, const struct qrow *r, bool wide, attr_t a)
{
	char kind[64];
	snprintf(kind, sizeof kind, " (%s)", wide ? r->requester_kind : short_kind(r->requester_kind));
	int kw = (int)text_width(kind);
	if (w - kw < 4) {
		char all[600];
		snprintf(all, sizeof all, "%s%s", r->requester, kind);
		ui_put(ui, y, x, w, all, a, true);
		return;
	}
	int used = ui_put(ui, y, x, w - kw, r->requester, a, true);
	ui_put(ui, y, x + used, w - used, kind, a, true);
}

static void draw_rows(struct ui *ui, const struct qrow *rows, int n, int cursor, int first_y, int h)
{
	int64_t now = when_now();
	int w[NCOL];
	bool wide;
	layout(ui, rows, n, now, w, &wide);
	attr_t head = ui_attr(ui, ST_HEADING);
	ui_fill(first_y - 1, 0, ui->cols, head);
	for (int c = 0, x = 0; c < NCOL; c++) {
		if (!w[c])
			continue;
		bool fits = (int)text_width(col_names[c]) <= w[c];
		ui_put(ui, first_y - 1, x, w[c], fits ? col_names[c] : col_short[c], head, true);
		x += w[c] + 1;
	}
	for (int i = 0; i < n && i < h; i++) {
		const struct qrow *r = &rows[i];
		struct cells cl;
		row_cells(r, now, ui->cols >= 100, wide, &cl);
		attr_t a = A_NORMAL;
		if (r->open && r->due_at && r->due_at < now)
			a = ui_attr(ui, ST_LATE);
		else if (r->open && r->due_at && r->due_at < now + ui->soon)
			a = ui_attr(ui, ST_SOON);
		if (i == cursor)
			a |= ui_attr(ui, ST_CURSOR);
		int y = first_y + i;
		ui_fill(y, 0, ui->cols, a);
		for (int c = 0, x = 0; c < NCOL; c++) {
			if (!w[c])
				continue;
			if (c == C_ID || c == C_DUE)
				ui_put_right(ui, y, x, w[c], cl.text[c], a);
			else if (c == C_REQUESTER)
				put_requester(ui, y, x, w[c], r, wide, a);
			else
				ui_put(ui, y, x, w[c], cl.text[c], a, true);
			x += w[c] + 1;
		}
	}
}

void qview_draw_list(struct ui *ui, const struct qrow *rows, int n, int cursor, const char *empty)
{
	int first_y = 3, h = qview_list_rows(ui);
	draw_rows(ui, rows, n, cursor, first_y, h);
	if (n == 0)
		ui_put(ui, first_y + 1, 2, ui->cols - 4, empty, A_NORMAL, true);
}

/* Appends to out (size n) what fmt gives, never past its end. */
static void append(char *out, size_t n, const char *fmt, const char *a, const char *b)
{
	size_t len = strlen(out);
	if (len + 1 < n)
		snprintf(out + len, n - len, fmt, a, b);
}

static void describe_filter(struct ui *ui, const struct qview *v, char *out, size_t n)
{
	static const char *const orders[] = {"by deadline", "newest received first", "newest first"};
	const char *dot = ui_dot(ui);
	char who[120];
	if (v->mine)
		snprintf(who, sizeof who, "mine (%s)", ui->who.actor);
	else if (v->assignee[0])
		snprintf(who, sizeof who, "assigned to %s", v->assignee);
	else
		snprintf(who, sizeof who, "anyone's");
	out[0] = '\0';
	append(out, n, "Queue: %s%s", v->status_name[0] ? v->status_name : "open", "");
	append(out, n, " %s %s", dot, who);
	append(out, n, " %s %s", dot, orders[v->order]);
	if (v->filter.late)
		append(out, n, " %s %s", dot, "late");
	if (v->filter.under_order)
		append(out, n, " %s %s", dot, "under order");
}

void qview_draw_title(struct ui *ui, const struct qview *v)
{
	static const char lead[] = "docket  ";
	char title[400], alert[80] = "";
	const char *dot = ui_dot(ui);
	/* Letters that need a person come first, so that no width cuts them off, and stand out of
	 * the bar as late rows do in the list. */
	if (v->have_counts && v->letters.needs_person) {
		char n[32];
		text_thousands(v->letters.needs_person, n, sizeof n);
		snprintf(alert, sizeof alert, "%s letter%s need%s a person (l)", n,
			 v->letters.needs_person == 1 ? "" : "s", v->letters.needs_person == 1 ? "s" : "");
	}
	if (v->have_counts) {
		char open[32], late[32], soon[32], order[32];
		text_thousands(v->counts.open, open, sizeof open);
		text_thousands(v->counts.late, late, sizeof late);
		text_thousands(v->counts.due_soon, soon, sizeof soon);
		text_thousands(v->counts.under_order, order, sizeof order);
		snprintf(title, sizeof title, "%s%s%s%s%s%s open %s %s late %s %s due within %lldd %s %s under order",
			 lead, alert, alert[0] ? " " : "", alert[0] ? dot : "", alert[0] ? " " : "", open, dot, late,
			 dot, soon, (long long)(ui->soon / WHEN_DAY), dot, order);
	} else {
		snprintf(title, sizeof title, "docket");
	}
	ui_draw_title(ui, title);
	if (alert[0])
		ui_put(ui, 0, 1 + (int)text_width(lead), (int)text_width(alert), alert, ui_attr(ui, ST_ALERT), true);
}

static void qview_draw(struct ui *ui, struct screen *s)
{
	struct qview *v = (struct qview *)s;
	if (v->height != qview_list_rows(ui))
		reload_window(ui, v);
	qview_draw_title(ui, v);
	char filt[400];
	describe_filter(ui, v, filt, sizeof filt);
	ui_put(ui, 1, 0, ui->cols, filt, ui_attr(ui, ST_LABEL), false);
	qview_draw_list(ui, v->rows, v->nrows, v->cursor,
			"No demands here. n records a new one; f changes the filter.");
	ui_draw_footer(ui, ui->rows - 2, queue_keys);
}

static void open_case(struct ui *ui, int64_t id)
{
	ui_push(ui, case_screen_new(ui, id));
}

static bool qview_key(struct ui *ui, struct screen *s, int action, int key)
{
	struct qview *v = (struct qview *)s;
	(void)key;
	int h = qview_list_rows(ui);
	switch (action) {
	case Q_DOWN: move_down(ui, v, 1); return true;
	case Q_UP: move_up(ui, v, 1); return true;
	case Q_PGDN: move_down(ui, v, h); return true;
	case Q_PGUP: move_up(ui, v, h); return true;
	case Q_FIRST: qview_restart(ui, v); return true;
	case Q_LAST: to_last(ui, v); return true;
	case Q_OPEN:
		if (v->nrows)
			open_case(ui, v->rows[v->cursor].id);
		return true;
	case Q_SEARCH: ui_push(ui, search_screen_new(ui, v)); return true;
	case Q_FILTER: qview_filter_form(ui, v); return true;
	case Q_SORT:
		v->order = (enum queue_order)((v->order + 1) % QUEUE_ORDERS);
		qview_restart(ui, v);
		return true;
	case Q_REFRESH: ui_reload_all(ui); return true;
	case Q_LETTERS: ui_push(ui, outbox_screen_new(ui, 0)); return true;
	case Q_NEW:
		if (ui->readonly)
			ui_say(ui, ST_ERROR, "read-only: %s", ui->readonly);
		else
			ui_push(ui, intake_screen_new(ui));
		return true;
	default: return false;
	}
}

static void qview_free(struct screen *s)
{
	struct qview *v = (struct qview *)s;
	window_clear(v);
	free(v->rows);
	free(v);
}

const struct screen_ops queue_screen_ops = {
	.name = "queue",
	.keys = queue_keys,
	.quit_on_back = true,
	.draw = qview_draw,
	.key = qview_key,
	.reload = qview_reload,
	.free = qview_free,
};

void qview_apply_filter(struct ui *ui, struct qview *v)
{
	v->filter.status = v->status_name[0] ? v->status_name : NULL;
	v->filter.assignee = v->mine ? ui->who.actor : v->assignee[0] ? v->assignee : NULL;
	qview_restart(ui, v);
}

struct screen *queue_screen_new(struct ui *ui)
{
	struct qview *v = calloc(1, sizeof *v);
	if (!v)
		return NULL;
	v->base.ops = &queue_screen_ops;
	v->order = QUEUE_BY_DEADLINE;
	load_counts(ui, v);
	qview_apply_filter(ui, v);
	return &v->base;
}
