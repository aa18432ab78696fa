/* outbox_view.c: the outbox screen: the letters waiting to go out (or every letter of one demand,
 * opened from its case), those that need a person first and marked; Enter reads one, and the
 * keys of letter_forms.c retry, cancel, edit or record a delivery through the core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notice.h"
#include "text.h"
#include "ui_internal.h"

/* The most letters the screen holds. The waiting ones are a few in the normal run of things;
 * past this the title says how many more there are. */
#define OUTBOX_MAX 1000

enum { O_DOWN = 1, O_UP, O_PGDN, O_PGUP, O_FIRST, O_LAST, O_READ, O_REFRESH, O_LETTER_KEYS };

static const struct ui_key outbox_keys[] = {
	{O_DOWN, {'j', UI_FN(KEY_DOWN)}, NULL, "next letter", NULL},
	{O_UP, {'k', UI_FN(KEY_UP)}, NULL, "previous letter", NULL},
	{O_PGDN, {UI_FN(KEY_NPAGE), ' ', UI_CTRL('f')}, NULL, "next page", NULL},
	{O_PGUP, {UI_FN(KEY_PPAGE), UI_CTRL('b')}, NULL, "previous page", NULL},
	{O_FIRST, {'g', UI_FN(KEY_HOME)}, NULL, "first letter", NULL},
	{O_LAST, {'G', UI_FN(KEY_END)}, NULL, "last letter", NULL},
	{O_READ, {UI_ENTER}, NULL, "read the letter as it goes out", "read"},
	LETTER_KEYS,
	{O_REFRESH, {'r'}, NULL, "read the outbox again", NULL},
	{0, {0}, NULL, NULL, NULL},
};

/* A row as shown: strings neutralised once, when read. */
struct orow {
	int64_t id, demand_id, attempts;
	char *reference, *kind, *to, *status, *note;
	bool needs_person;
};

struct oview {
	struct screen base;
	int64_t demand_id; /* 0: every waiting letter; else every letter of this demand */
	struct orow *rows;
	int nrows;
	bool more; /* there were more than OUTBOX_MAX */
	struct notice_counts counts;
	int cursor, top;
};

static void orow_clear(struct orow *r)
{
	free(r->reference), free(r->kind), free(r->to), free(r->status), free(r->note);
	memset(r, 0, sizeof *r);
}

static void rows_clear(struct oview *v)
{
	for (int i = 0; i < v->nrows; i++)
		orow_clear(&v->rows[i]);
	free(v->rows);
	v->rows = NULL;
	v->nrows = 0;
	v->more = false;
}

struct gather {
	struct orow *rows;
	int n;
	bool more, oom;
};

static int gather_row(const struct notice_row *r, void *ctx)
{
	struct gather *g = ctx;
	if (g->n == OUTBOX_MAX) {
		g->more = true;
		return 1;
	}
	struct orow *o = &g->rows[g->n];
	char to[300], status[64];
	snprintf(to, sizeof to, "%s", *r->recipient ? r->recipient : "(no address)");
	if (strcmp(r->via, "smtp") == 0)
		snprintf(status, sizeof status, "%s", r->status);
	else
		snprintf(status, sizeof status, "%s (%s)", r->status, r->via);
	o->id = r->id;
	o->demand_id = r->demand_id;
	o->attempts = r->attempts;
	o->needs_person = r->needs_person;
	o->reference = text_neutralise(r->demand_id ? r->reference : "-", false);
	o->kind = text_neutralise(r->kind, false);
	o->to = text_neutralise(to, false);
	o->status = text_neutralise(status, false);
	o->note = text_neutralise(r->last_error, false);
	if (!o->reference || !o->kind || !o->to || !o->status || !o->note) {
		orow_clear(o);
		g->oom = true;
		return 1;
	}
	g->n++;
	return 0;
}

static void load(struct ui *ui, struct oview *v)
{
	int64_t at = v->nrows ? v->rows[v->cursor].id : 0;
	int old = v->cursor;
	rows_clear(v);
	struct dk_error err = {0};
	struct gather g = {.rows = calloc(OUTBOX_MAX, sizeof *g.rows)};
	struct notice_filter f = {
		.status = v->demand_id ? "all" : NULL,
		.demand_id = v->demand_id,
		.limit = OUTBOX_MAX + 1,
		.person_first = true,
	};
	if (!g.rows) {
		ui_say(ui, ST_ERROR, "out of memory");
		return;
	}
	/* The counts are the whole outbox's, for the title of the screen that shows it all. */
	if ((!v->demand_id && notice_count(ui->db, &v->counts, &err)) ||
	    notice_list(ui->db, &f, gather_row, &g, &err)) {
		ui_fail(ui, &err);
	} else if (g.oom) {
		ui_say(ui, ST_ERROR, "out of memory");
	}
	v->rows = g.rows;
	v->nrows = g.n;
	v->more = g.more;
	/* The cursor stays on the same letter while it is listed, else where it was. */
	v->cursor = old < v->nrows ? old : v->nrows ? v->nrows - 1 : 0;
	for (int i = 0; i < v->nrows; i++)
		if (v->rows[i].id == at)
			v->cursor = i;
}

static int list_rows(const struct ui *ui)
{
	/* Title, description, headings above; the selected letter's note, footer, status below. */
	int n = ui->rows - 6;
	return n > 1 ? n : 1;
}

/* Columns, and how wide each may be. */
enum ocol { OC_MARK, OC_ID, OC_DEMAND, OC_KIND, OC_TO, OC_STATUS, OC_TRIES, OC_NOTE, NOCOL };

static const char *const ocol_names[NOCOL] = {"", "ID", "DEMAND", "KIND", "TO", "STATUS", "TRIES", "NOTE"};

static void cells(const struct orow *r, char *id, size_t nid, char *tries, size_t ntries, const char **text)
{
	snprintf(id, nid, "%lld", (long long)r->id);
	snprintf(tries, ntries, "%lld", (long long)r->attempts);
	text[OC_MARK] = r->needs_person ? "!" : "";
	text[OC_ID] = id;
	text[OC_DEMAND] = r->reference;
	text[OC_KIND] = r->kind;
	text[OC_TO] = r->to;
	text[OC_STATUS] = r->status;
	text[OC_TRIES] = tries;
	text[OC_NOTE] = r->note;
}

/* Each column as wide as its rows need, up to a cap; the note takes the rest, and when that is
 * too little the recipient and the demand give way first. */
static void layout(const struct ui *ui, const struct oview *v, int *w)
{
	static const int caps[NOCOL] = {1, 9, 18, 8, 30, 18, 5, 0};
	static const int mins[NOCOL] = {1, 2, 6, 4, 10, 6, 5, 0};
	for (int c = 0; c < NOCOL; c++)
		w[c] = (int)text_width(ocol_names[c]);
	for (int i = 0; i < v->nrows; i++) {
		char id[24], tries[24];
		const char *text[NOCOL];
		cells(&v->rows[i], id, sizeof id, tries, sizeof tries, text);
		for (int c = 0; c < NOCOL; c++) {
			int cw = (int)text_width(text[c]);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	int used = 0;
	for (int c = 0; c < OC_NOTE; c++) {
		if (w[c] > caps[c])
			w[c] = caps[c];
		used += w[c] + 1;
	}
	static const int give[] = {OC_TO, OC_DEMAND, OC_STATUS, OC_ID};
	int note = ui->cols >= 100 ? 32 : 24;
	for (size_t i = 0; i < sizeof give / sizeof give[0] && ui->cols - used < note; i++) {
		int c = give[i], less = w[c] - mins[c], need = note - (ui->cols - used);
		if (less > need)
			less = need;
		if (less > 0)
			w[c] -= less, used -= less;
	}
	w[OC_NOTE] = ui->cols - used;
	if (w[OC_NOTE] < 0)
		w[OC_NOTE] = 0;
}

static void draw_list(struct ui *ui, struct oview *v)
{
	int h = list_rows(ui), first_y = 3;
	if (v->cursor < v->top)
		v->top = v->cursor;
	if (v->cursor >= v->top + h)
		v->top = v->cursor - h + 1;
	if (v->top > v->nrows - h)
		v->top = v->nrows - h;
	if (v->top < 0)
		v->top = 0;
	int w[NOCOL];
	layout(ui, v, w);
	attr_t head = ui_attr(ui, ST_HEADING);
	ui_fill(first_y - 1, 0, ui->cols, head);
	for (int c = 0, x = 0; c < NOCOL; c++) {
		ui_put(ui, first_y - 1, x, w[c], ocol_names[c], head, true);
		x += w[c] + 1;
	}
	for (int r = 0; r < h && v->top + r < v->nrows; r++) {
		int i = v->top + r, y = first_y + r;
		const struct orow *row = &v->rows[i];
		char id[24], tries[24];
		const char *text[NOCOL];
		cells(row, id, sizeof id, tries, sizeof tries, text);
		/* Those that need a person stand out as late demands do in the queue. */
		attr_t a = row->needs_person ? ui_attr(ui, ST_LATE) : A_NORMAL;
		if (i == v->cursor)
			a |= ui_attr(ui, ST_CURSOR);
		ui_fill(y, 0, ui->cols, a);
		for (int c = 0, x = 0; c < NOCOL; c++) {
			if (c == OC_ID || c == OC_TRIES)
				ui_put_right(ui, y, x, w[c], text[c], a);
			else
				ui_put(ui, y, x, w[c], text[c], a, true);
			x += w[c] + 1;
		}
	}
	if (v->nrows == 0)
		ui_put(ui, first_y + 1, 2, ui->cols - 4,
		       v->demand_id ? "No letters for this demand." : "No letters waiting: every letter has gone out.",
		       A_NORMAL, true);
	/* The selected letter's note whole (the column may cut it). */
	if (v->nrows && *v->rows[v->cursor].note) {
		char line[DK_ERROR_MAX + 64];
		snprintf(line, sizeof line, "#%lld: %s", (long long)v->rows[v->cursor].id, v->rows[v->cursor].note);
		ui_put(ui, ui->rows - 3, 0, ui->cols, line, ui_attr(ui, ST_LABEL), true);
	}
}

static void outbox_draw(struct ui *ui, struct screen *s)
{
	struct oview *v = (struct oview *)s;
	const char *dot = ui_dot(ui);
	char title[300], waiting[32], person[64];
	text_thousands(v->counts.waiting, waiting, sizeof waiting);
	snprintf(person, sizeof person, "%lld need%s a person", (long long)v->counts.needs_person,
		 v->counts.needs_person == 1 ? "s" : "");
	int prefix;
	if (v->demand_id) {
		snprintf(title, sizeof title, "docket  letters of demand %lld%s%s", (long long)v->demand_id,
			 v->nrows ? " " : "", v->nrows ? dot : "");
		if (v->nrows) {
			size_t len = strlen(title);
			snprintf(title + len, sizeof title - len, " %s", v->rows[0].reference);
		}
		prefix = -1;
	} else {
		snprintf(title, sizeof title, "docket  outbox %s %s waiting %s ", dot, waiting, dot);
		prefix = (int)text_width(title);
		size_t len = strlen(title);
		snprintf(title + len, sizeof title - len, "%s", person);
	}
	ui_draw_title(ui, title);
	if (prefix > 0 && v->counts.needs_person)
		ui_put(ui, 0, 1 + prefix, (int)text_width(person), person, ui_attr(ui, ST_ALERT), true);
	char desc[300];
	if (v->demand_id)
		snprintf(desc, sizeof desc, "Every letter of the demand, those that need a person (!) first");
	else
		snprintf(desc, sizeof desc, "Letters waiting to go out, those that need a person (!) first%s",
			 v->more ? "; the first 1,000 shown" : "");
	ui_put(ui, 1, 0, ui->cols, desc, ui_attr(ui, ST_LABEL), true);
	draw_list(ui, v);
	ui_draw_footer(ui, ui->rows - 2, outbox_keys);
}

static bool outbox_key(struct ui *ui, struct screen *s, int action, int key)
{
	struct oview *v = (struct oview *)s;
	(void)key;
	int h = list_rows(ui);
	switch (action) {
	case O_DOWN: v->cursor++; break;
	case O_UP: v->cursor--; break;
	case O_PGDN: v->cursor += h, v->top += h; break;
	case O_PGUP: v->cursor -= h, v->top -= h; break;
	case O_FIRST: v->cursor = 0; break;
	case O_LAST: v->cursor = v->nrows - 1; break;
	case O_REFRESH: ui_reload_all(ui); return true;
	default:
		if (action == O_READ || letter_key_action(action)) {
			if (!v->nrows) {
				ui_say(ui, ST_ERROR, "no letter here");
				return true;
			}
			const struct orow *r = &v->rows[v->cursor];
			if (action == O_READ)
				ui_push(ui, letter_screen_new(ui, r->id));
			else
				letter_key(ui, action, r->id, r->demand_id);
			return true;
		}
		return false;
	}
	if (v->cursor >= v->nrows)
		v->cursor = v->nrows - 1;
	if (v->cursor < 0)
		v->cursor = 0;
	return true;
}

static void outbox_reload(struct ui *ui, struct screen *s)
{
	load(ui, (struct oview *)s);
}

static void outbox_free(struct screen *s)
{
	struct oview *v = (struct oview *)s;
	rows_clear(v);
	free(v);
}

const struct screen_ops outbox_screen_ops = {
	.name = "outbox",
	.keys = outbox_keys,
	.draw = outbox_draw,
	.key = outbox_key,
	.reload = outbox_reload,
	.free = outbox_free,
};

struct screen *outbox_screen_new(struct ui *ui, int64_t demand_id)
{
	struct oview *v = calloc(1, sizeof *v);
	if (!v) {
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	v->base.ops = &outbox_screen_ops;
	v->demand_id = demand_id;
	load(ui, v);
	return &v->base;
}
