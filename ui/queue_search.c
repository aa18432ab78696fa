/* queue_search.c: the search screen, opened from the queue with /. Results come as you type: the
 * indexed part (references, identifiers, names) on every key, then the notes of the timeline, a
 * slice at a time while the keyboard is idle, added as they are found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "queue_view.h"
#include "text.h"

/* Results kept: the quick part, then notes up to the total. */
#define SEARCH_QUICK 200
#define SEARCH_MAX   500
/* Events looked at per idle slice: adjusted so that a slice takes a few milliseconds, whether
 * the file is in the page cache (50,000 events in about 10 ms) or must be read from disk (ten or
 * twenty times slower); a key waits for at most one slice. */
#define NOTE_SPAN_FIRST 10000
#define NOTE_SPAN_MIN   500
#define NOTE_SPAN_MAX   200000
#define NOTE_SLICE_MS   15.0

enum { S_DOWN = 1, S_UP, S_PGDN, S_PGUP, S_OPEN, S_CANCEL, S_BACKSPACE, S_CLEAR };

static const struct ui_key search_keys[] = {
	{0, {0}, "letters", "the search: a reference or identifier prefix, or part of a name or note (any case)", NULL},
	{S_OPEN, {UI_ENTER}, NULL, "open the selected demand", "open"},
	{S_DOWN, {UI_FN(KEY_DOWN), UI_CTRL('n')}, NULL, "next result", NULL},
	{S_UP, {UI_FN(KEY_UP), UI_CTRL('p')}, NULL, "previous result", NULL},
	{S_PGDN, {UI_FN(KEY_NPAGE)}, NULL, "next page of results", NULL},
	{S_PGUP, {UI_FN(KEY_PPAGE)}, NULL, "previous page of results", NULL},
	{S_BACKSPACE, {UI_BACKSPACE}, NULL, "delete the last character", NULL},
	{S_CLEAR, {UI_CTRL('u')}, NULL, "clear the search", NULL},
	{S_CANCEL, {UI_ESC}, NULL, "back to the queue", "back"},
	{0, {0}, NULL, NULL, NULL},
};

struct search {
	struct screen base;
	struct qview *queue; /* under this screen: its title's counts */
	char text[TEXT_SHORT_MAX + 1];
	struct qrow *results;
	int n, cursor, top;
	size_t cap;
	struct queue_note_scan scan;
	bool searching; /* notes still to look at */
	int64_t span;   /* events per idle slice */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void results_clear(struct search *s)
{
	for (int i = 0; i < s->n; i++)
		qrow_clear(&s->results[i]);
	s->n = s->cursor = s->top = 0;
	memset(&s->scan, 0, sizeof s->scan);
	s->searching = false;
}

static int add_hit(const struct demand_row *d, enum queue_match m, const char *what, void *ctx)
{
	struct search *s = ctx;
	for (int i = 0; i < s->n; i++)
		if (s->results[i].id == d->id)
			return 0;
	if (s->n >= SEARCH_MAX)
		return 1;
	if (!array_reserve(&s->results, &s->cap, (size_t)s->n + 1, sizeof *s->results, 64))
		return 1;
	struct qrow *r = &s->results[s->n];
	if (!qrow_set(r, d, NULL))
		return 1;
	r->match = m;
	r->matched = text_neutralise(what ? what : "", false);
	s->n++;
	return 0;
}

/* The quick part for the text as it is now; the notes follow while the keyboard is idle. */
static void run(struct ui *ui, struct search *s)
{
	results_clear(s);
	ui->busy = false;
	if (!s->text[0])
		return;
	struct dk_error err = {0};
	if (queue_search(ui->q, s->text, SEARCH_QUICK, add_hit, s, &err)) {
		ui_fail(ui, &err);
		return;
	}
	s->searching = true;
	ui->busy = true;
}

static bool search_idle(struct ui *ui, struct screen *sc)
{
	struct search *s = (struct search *)sc;
	if (!s->searching)
		return false;
	struct dk_error err = {0};
	double t0 = now_ms();
	if (queue_search_notes(ui->q, s->text, &s->scan, s->span, SEARCH_MAX - s->n, add_hit, s, &err)) {
		ui_fail(ui, &err);
		s->searching = false;
		return false;
	}
	double took = now_ms() - t0;
	if (took > 2 * NOTE_SLICE_MS && s->span > NOTE_SPAN_MIN)
		s->span /= 2;
	else if (took < NOTE_SLICE_MS / 2 && s->span < NOTE_SPAN_MAX)
		s->span *= 2;
	if (s->scan.done || s->n >= SEARCH_MAX)
		s->searching = false;
	return s->searching;
}

static void search_reload(struct ui *ui, struct screen *sc)
{
	struct search *s = (struct search *)sc;
	int at = s->cursor;
	run(ui, s);
	s->cursor = at < s->n ? at : (s->n ? s->n - 1 : 0);
}

static void encode(unsigned cp, char out[5])
{
	memset(out, 0, 5);
	if (cp < 0x80) {
		out[0] = (char)cp;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
	}
}

static void clamp(struct ui *ui, struct search *s)
{
	int h = qview_list_rows(ui);
	if (s->cursor >= s->n)
		s->cursor = s->n - 1;
	if (s->cursor < 0)
		s->cursor = 0;
	if (s->top > s->cursor)
		s->top = s->cursor;
	if (s->cursor >= s->top + h)
		s->top = s->cursor - h + 1;
	if (s->top < 0)
		s->top = 0;
}

static bool search_key(struct ui *ui, struct screen *sc, int action, int key)
{
	struct search *s = (struct search *)sc;
	int h = qview_list_rows(ui);
	if (key >= 32 && key < 0x110000 && key != 127) {
		char enc[5];
		encode((unsigned)key, enc);
		size_t n = strlen(s->text);
		if (n + strlen(enc) >= sizeof s->text) {
			ui_say(ui, ST_ERROR, "search: at most %zu bytes", sizeof s->text - 1);
			return true;
		}
		memcpy(s->text + n, enc, strlen(enc) + 1);
		run(ui, s);
		return true;
	}
	switch (action) {
	case S_DOWN: s->cursor++; break;
	case S_UP: s->cursor--; break;
	case S_PGDN: s->cursor += h, s->top += h; break;
	case S_PGUP: s->cursor -= h, s->top -= h; break;
	case S_OPEN:
		if (s->n)
			ui_push(ui, case_screen_new(ui, s->results[s->cursor].id));
		return true;
	case S_BACKSPACE: {
		size_t n = strlen(s->text);
		while (n > 0 && ((unsigned char)s->text[--n] & 0xc0) == 0x80)
			;
		s->text[n] = '\0';
		run(ui, s);
		return true;
	}
	case S_CLEAR:
		s->text[0] = '\0';
		run(ui, s);
		return true;
	case S_CANCEL: ui_pop(ui); return true;
	default: return false;
	}
	clamp(ui, s);
	return true;
}

static void search_draw(struct ui *ui, struct screen *sc)
{
	struct search *s = (struct search *)sc;
	qview_draw_title(ui, s->queue);
	const char *dot = ui_dot(ui);
	char *safe = text_neutralise(s->text, false);
	char line[TEXT_SHORT_MAX * 4 + 16];
	snprintf(line, sizeof line, "Search: %s", safe ? safe : "");
	free(safe);
	int half = ui->cols / 2;
	int used = ui_put(ui, 1, 0, half, line, ui_attr(ui, ST_LABEL), true);
	ui->cur_y = 1;
	ui->cur_x = used < half ? used : half - 1;
	char found[80], what[600];
	if (!s->text[0])
		snprintf(found, sizeof found, "type a reference, identifier, name or words of a note");
	else if (s->searching && s->scan.total)
		snprintf(found, sizeof found, "%d found, notes %lld%%", s->n,
			 (long long)(100 * s->scan.scanned / s->scan.total));
	else
		snprintf(found, sizeof found, "%d found", s->n);
	clamp(ui, s);
	if (s->n) {
		const struct qrow *r = &s->results[s->cursor];
		snprintf(what, sizeof what, "%s %s %s %s %s", dot, found, dot, queue_match_names[r->match], r->matched);
	} else {
		snprintf(what, sizeof what, "%s %s", dot, found);
	}
	ui_put(ui, 1, used + 1, ui->cols - used - 1, what, ui_attr(ui, ST_LABEL), true);
	qview_draw_list(ui, s->n ? s->results + s->top : NULL, s->n - s->top, s->cursor - s->top,
			s->text[0] ? (s->searching ? "Searching..." : "Nothing found.") : "");
	ui_draw_footer(ui, ui->rows - 2, search_keys);
}

static void search_free(struct screen *sc)
{
	struct search *s = (struct search *)sc;
	results_clear(s);
	free(s->results);
	free(s);
}

const struct screen_ops search_screen_ops = {
	.name = "search",
	.keys = search_keys,
	.typing = true,
	.draw = search_draw,
	.key = search_key,
	.reload = search_reload,
	.idle = search_idle,
	.free = search_free,
};

struct screen *search_screen_new(struct ui *ui, struct qview *queue)
{
	struct search *s = calloc(1, sizeof *s);
	if (!s) {
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	s->base.ops = &search_screen_ops;
	s->queue = queue;
	s->span = NOTE_SPAN_FIRST;
	return &s->base;
}
