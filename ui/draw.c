/* draw.c: writing text on the terminal safely and in its columns, the bars every screen has, and
 * text wrapped to the screen for the screens that scroll through one (a case, a letter). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "ui_internal.h"

const char *ui_ellipsis(const struct ui *ui)
{
	return ui->utf8 ? "\xe2\x80\xa6" : "~";
}

const char *ui_dot(const struct ui *ui)
{
	return ui->utf8 ? "\xc2\xb7" : "|";
}

void ui_fill(int y, int x, int width, attr_t a)
{
	if (width <= 0)
		return;
	attrset(a);
	mvhline(y, x, ' ', width);
	attrset(A_NORMAL);
}

int ui_put(struct ui *ui, int y, int x, int width, const char *s, attr_t a, bool safe)
{
	if (y < 0 || y >= ui->rows || x < 0 || x >= ui->cols || width <= 0)
		return 0;
	if (x + width > ui->cols)
		width = ui->cols - x;
	char *owned = NULL;
	if (!s)
		s = "";
	if (!safe) {
		owned = text_neutralise(s, false);
		s = owned ? owned : "?";
	}
	size_t sz = (size_t)width * 4 + 8;
	char *buf = malloc(sz);
	if (!buf) {
		free(owned);
		return 0;
	}
	size_t used;
	if (text_width(s) > (size_t)width) {
		used = text_fit(s, (size_t)width - 1, buf, sz - 4);
		strcat(buf, ui_ellipsis(ui));
		used++;
	} else {
		used = text_fit(s, (size_t)width, buf, sz);
	}
	attrset(a);
	mvaddstr(y, x, buf);
	if ((int)used < width)
		mvhline(y, x + (int)used, ' ', width - (int)used);
	attrset(A_NORMAL);
	free(buf);
	free(owned);
	return (int)used;
}

void ui_put_right(struct ui *ui, int y, int x, int width, const char *s, attr_t a)
{
	char *n = text_neutralise(s ? s : "", false);
	if (!n)
		return;
	int w = (int)text_width(n);
	if (w < width) {
		ui_fill(y, x, width - w, a);
		ui_put(ui, y, x + width - w, w, n, a, true);
	} else {
		ui_put(ui, y, x, width, n, a, true);
	}
	free(n);
}

int ui_body_rows(const struct ui *ui, int *first)
{
	*first = 1;
	return ui->rows - 3;
}

void ui_draw_title(struct ui *ui, const char *left)
{
	attr_t bar = ui_attr(ui, ST_BAR);
	ui_fill(0, 0, ui->cols, bar);
	/* The database path on the right, in what the title leaves, its end kept when cut. */
	char *l = text_neutralise(left ? left : "", false);
	int lw = l ? (int)text_width(l) : 0;
	int room = ui->cols - lw - 4;
	if (room < 16)
		room = 16;
	char *n = text_neutralise(db_path(ui->db) ? db_path(ui->db) : "", false);
	int used = 0;
	if (n) {
		const char *p = n;
		while ((int)text_width(p) > room - 1 && *p) {
			p++;
			while ((*p & 0xc0) == 0x80)
				p++;
		}
		int w = (int)text_width(p) + (p != n ? 1 : 0);
		int x = ui->cols - w - 1;
		if (x > 0) {
			attrset(bar);
			if (p != n)
				mvaddstr(0, x, ui_ellipsis(ui));
			mvaddstr(0, x + (p != n ? 1 : 0), p);
			attrset(A_NORMAL);
			used = w + 2;
		}
		free(n);
	}
	ui_put(ui, 0, 1, ui->cols - used - 2, l ? l : "", bar, true);
	free(l);
}

void ui_draw_footer(struct ui *ui, int y, const struct ui_key *keys)
{
	attr_t bar = ui_attr(ui, ST_BAR);
	ui_fill(y, 0, ui->cols, bar);
	int x = 1;
	struct screen *top = ui_top(ui);
	bool typing = top && top->ops->typing;
	const struct ui_key *tables[] = {keys, ui_common_keys};
	for (int t = 0; t < 2; t++) {
		for (const struct ui_key *k = tables[t]; k && k->help; k++) {
			if (!k->footer)
				continue;
			const char *word = k->footer;
			char name[32];
			if (k->label)
				snprintf(name, sizeof name, "%s", k->label);
			else
				ui_key_name(k->keys[0], name, sizeof name);
			if (t == 1 && typing) {
				/* Letters are text here: help is on F1, and Esc is the screen's own. */
				if (k->action == UI_A_BACK)
					continue;
				if (k->action == UI_A_HELP)
					snprintf(name, sizeof name, "F1");
			}
			if (k->action == UI_A_BACK && top && top->ops->quit_on_back)
				word = "quit";
			int need = (int)text_width(name) + 1 + (int)text_width(word) + 2;
			if (x + need > ui->cols)
				return;
			attrset(bar | A_BOLD);
			mvaddstr(y, x, name);
			attrset(bar);
			mvaddstr(y, x + (int)text_width(name) + 1, word);
			attrset(A_NORMAL);
			x += need;
		}
	}
}

void ui_lines_add(struct ui_lines *l, enum ui_style st, const char *text)
{
	if (!array_reserve(&l->v, &l->cap, (size_t)l->n + 1, sizeof *l->v, 64))
		return;
	l->v[l->n].text = strdup(text);
	l->v[l->n].style = st;
	if (l->v[l->n].text)
		l->n++;
}

void ui_lines_wrap(struct ui_lines *l, enum ui_style st, const char *prefix, const char *text, int width)
{
	int indent = (int)text_width(prefix);
	int room = width - indent;
	if (room < 10)
		room = 10;
	size_t cap = strlen(text) + (size_t)width * 4 + 16;
	char *chunk = malloc(cap), *line = malloc(cap + strlen(prefix) + (size_t)indent + 1);
	if (!chunk || !line) {
		free(chunk);
		free(line);
		return;
	}
	const char *p = text;
	bool first = true;
	do {
		size_t used = text_fit(p, (size_t)room, chunk, cap);
		size_t len = strlen(chunk);
		if (p[len] && used >= (size_t)room / 2) {
			/* Break at the last space, when there is one in the second half. */
			char *sp = strrchr(chunk, ' ');
			if (sp && text_width(sp) < (size_t)room / 2) {
				*sp = '\0';
				len = (size_t)(sp - chunk) + 1;
			}
		}
		if (len == 0 && *p)
			len = 1;
		if (first)
			strcpy(line, prefix);
		else
			snprintf(line, (size_t)indent + 1, "%*s", indent, "");
		strcat(line, chunk);
		ui_lines_add(l, st, line);
		p += len;
		while (*p == ' ')
			p++;
		first = false;
	} while (*p);
	free(chunk);
	free(line);
}

void ui_lines_clear(struct ui_lines *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->v[i].text);
	l->n = 0;
}

void ui_lines_free(struct ui_lines *l)
{
	ui_lines_clear(l);
	free(l->v);
	memset(l, 0, sizeof *l);
}
