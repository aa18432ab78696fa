/* picker.c: a list to pick one item from, narrowed as you type (customers, staff, states). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "ui_internal.h"

enum { P_DOWN = 1, P_UP, P_PGDN, P_PGUP, P_FIRST, P_LAST, P_PICK, P_CANCEL, P_BACKSPACE, P_CLEAR };

static const struct ui_key picker_keys[] = {
	{0, {0}, "letters", "narrow the list to the items containing what you type (any case)", NULL},
	{P_DOWN, {UI_FN(KEY_DOWN), UI_CTRL('n')}, NULL, "next item", NULL},
	{P_UP, {UI_FN(KEY_UP), UI_CTRL('p')}, NULL, "previous item", NULL},
	{P_PGDN, {UI_FN(KEY_NPAGE)}, NULL, "next page", NULL},
	{P_PGUP, {UI_FN(KEY_PPAGE)}, NULL, "previous page", NULL},
	{P_FIRST, {UI_FN(KEY_HOME)}, NULL, "first item", NULL},
	{P_LAST, {UI_FN(KEY_END)}, NULL, "last item", NULL},
	{P_PICK, {UI_ENTER}, NULL, "pick the item", "pick"},
	{P_CANCEL, {UI_ESC}, NULL, "cancel: keep what was there", "cancel"},
	{P_BACKSPACE, {UI_BACKSPACE}, NULL, "delete the last letter typed", NULL},
	{P_CLEAR, {UI_CTRL('u')}, NULL, "show the whole list again", NULL},
	{0, {0}, NULL, NULL, NULL},
};

struct picker {
	struct screen base;
	char title[200];
	const char *const *labels; /* borrowed: the field that opened the picker outlives it */
	int n;
	char typed[TEXT_SHORT_MAX + 1];
	int *shown;
	int nshown, cursor, top;
	void (*done)(struct ui *ui, int picked, void *ctx);
	void *ctx;
};

static bool contains_nocase(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (!n)
		return true;
	for (const char *p = hay; *p; p++) {
		size_t i = 0;
		while (i < n && p[i]) {
			char a = p[i], b = needle[i];
			if (a >= 'A' && a <= 'Z')
				a = (char)(a - 'A' + 'a');
			if (b >= 'A' && b <= 'Z')
				b = (char)(b - 'A' + 'a');
			if (a != b)
				break;
			i++;
		}
		if (i == n)
			return true;
	}
	return false;
}

static void narrow(struct picker *p)
{
	int at = p->nshown ? p->shown[p->cursor] : -1;
	p->nshown = 0;
	for (int i = 0; i < p->n; i++)
		if (contains_nocase(p->labels[i], p->typed))
			p->shown[p->nshown++] = i;
	p->cursor = 0;
	for (int i = 0; i < p->nshown; i++)
		if (p->shown[i] == at)
			p->cursor = i;
}

static void picker_draw(struct ui *ui, struct screen *s)
{
	struct picker *p = (struct picker *)s;
	char title[300];
	snprintf(title, sizeof title, "Pick: %s", p->title);
	ui_draw_title(ui, title);
	char line[TEXT_SHORT_MAX + 64];
	snprintf(line, sizeof line, "Narrow: %s", p->typed);
	int used = ui_put(ui, 1, 1, ui->cols - 2, line, ui_attr(ui, ST_LABEL), false);
	ui->cur_y = 1;
	ui->cur_x = 1 + used;
	int first = 3, h = ui->rows - 5;
	if (h < 1)
		h = 1;
	if (p->cursor < p->top)
		p->top = p->cursor;
	if (p->cursor >= p->top + h)
		p->top = p->cursor - h + 1;
	for (int r = 0; r < h && p->top + r < p->nshown; r++) {
		int i = p->top + r;
		attr_t a = i == p->cursor ? ui_attr(ui, ST_CURSOR) : A_NORMAL;
		ui_fill(first + r, 0, ui->cols, a);
		ui_put(ui, first + r, 2, ui->cols - 4, p->labels[p->shown[i]], a, false);
	}
	if (!p->nshown)
		ui_put(ui, first, 2, ui->cols - 4, "Nothing matches.", A_NORMAL, true);
	char count[64];
	snprintf(count, sizeof count, "%d of %d", p->nshown, p->n);
	ui_put_right(ui, 2, 0, ui->cols - 1, count, ui_attr(ui, ST_LABEL));
	ui_draw_footer(ui, ui->rows - 2, picker_keys);
}

static bool picker_key(struct ui *ui, struct screen *s, int action, int key)
{
	struct picker *p = (struct picker *)s;
	int h = ui->rows - 5;
	if (key >= 32 && key < 127) {
		size_t n = strlen(p->typed);
		if (n + 1 < sizeof p->typed) {
			p->typed[n] = (char)key;
			p->typed[n + 1] = '\0';
			narrow(p);
		}
		return true;
	}
	switch (action) {
	case P_DOWN: p->cursor++; break;
	case P_UP: p->cursor--; break;
	case P_PGDN: p->cursor += h; break;
	case P_PGUP: p->cursor -= h; break;
	case P_FIRST: p->cursor = 0; break;
	case P_LAST: p->cursor = p->nshown - 1; break;
	case P_BACKSPACE:
		if (p->typed[0]) {
			p->typed[strlen(p->typed) - 1] = '\0';
			narrow(p);
		}
		break;
	case P_CLEAR:
		p->typed[0] = '\0';
		narrow(p);
		break;
	case P_PICK:
		if (p->nshown) {
			void (*done)(struct ui *, int, void *) = p->done;
			void *ctx = p->ctx;
			int picked = p->shown[p->cursor];
			ui_pop(ui);
			done(ui, picked, ctx);
		}
		return true;
	case P_CANCEL:
	case UI_A_BACK: ui_pop(ui); return true;
	default: return false;
	}
	if (p->cursor >= p->nshown)
		p->cursor = p->nshown - 1;
	if (p->cursor < 0)
		p->cursor = 0;
	return true;
}

static void picker_free(struct screen *s)
{
	struct picker *p = (struct picker *)s;
	free(p->shown);
	free(p);
}

const struct screen_ops picker_screen_ops = {
	.name = "pick",
	.keys = picker_keys,
	.typing = true,
	.draw = picker_draw,
	.key = picker_key,
	.free = picker_free,
};

struct screen *picker_new(struct ui *ui, const char *title, const char *const *labels, int n, int current,
			  void (*done)(struct ui *ui, int picked, void *ctx), void *ctx)
{
	struct picker *p = calloc(1, sizeof *p);
	if (p)
		p->shown = calloc((size_t)(n > 0 ? n : 1), sizeof *p->shown);
	if (!p || !p->shown) {
		free(p);
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	p->base.ops = &picker_screen_ops;
	snprintf(p->title, sizeof p->title, "%s", title);
	p->labels = labels;
	p->n = n;
	p->done = done;
	p->ctx = ctx;
	narrow(p);
	p->cursor = current >= 0 && current < p->nshown ? current : 0;
	return &p->base;
}
