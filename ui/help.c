/* help.c: key names, the keys every screen shares, and the help screen, generated from the same
 * key tables the screens act on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "ui_internal.h"

const struct ui_key ui_common_keys[] = {
	{UI_A_HELP, {'?', UI_FN(KEY_F(1))}, NULL, "show the keys of this screen", "help"},
	{UI_A_BACK, {'q', UI_ESC}, NULL, "go back; on the queue, quit", "back"},
	{UI_A_QUIT, {UI_CTRL('c')}, NULL, "quit at once (the terminal is given back)", NULL},
	{UI_A_REDRAW, {UI_CTRL('l')}, NULL, "draw the screen again", NULL},
	{UI_A_SUSPEND, {UI_CTRL('z')}, NULL, "suspend docket (the shell's fg brings it back)", NULL},
	{0, {0}, NULL, NULL, NULL},
};

void ui_key_name(int key, char *out, size_t n)
{
	static const struct {
		int key;
		const char *name;
	} names[] = {
		{UI_ENTER, "Enter"},
		{UI_ESC, "Esc"},
		{UI_TAB, "Tab"},
		{' ', "Space"},
		{UI_BACKSPACE, "Backspace"},
		{UI_FN(KEY_BACKSPACE), "Backspace"},
		{UI_FN(KEY_BTAB), "Shift-Tab"},
		{UI_FN(KEY_UP), "Up"},
		{UI_FN(KEY_DOWN), "Down"},
		{UI_FN(KEY_LEFT), "Left"},
		{UI_FN(KEY_RIGHT), "Right"},
		{UI_FN(KEY_NPAGE), "PgDn"},
		{UI_FN(KEY_PPAGE), "PgUp"},
		{UI_FN(KEY_HOME), "Home"},
		{UI_FN(KEY_END), "End"},
		{UI_FN(KEY_DC), "Delete"},
		{UI_FN(KEY_RESIZE), "Resize"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i].key == key) {
			snprintf(out, n, "%s", names[i].name);
			return;
		}
	}
	if (key >= UI_FN(KEY_F(1)) && key <= UI_FN(KEY_F(12))) {
		snprintf(out, n, "F%d", key - UI_FN(KEY_F0));
	} else if (key > 0 && key < 32) {
		snprintf(out, n, "Ctrl-%c", 'A' + key - 1);
	} else if (key >= 32 && key < 0x110000) {
		/* A character: as itself, in UTF-8. */
		unsigned cp = (unsigned)key;
		char s[5] = {0};
		if (cp < 0x80) {
			s[0] = (char)cp;
		} else if (cp < 0x800) {
			s[0] = (char)(0xc0 | (cp >> 6));
			s[1] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			s[0] = (char)(0xe0 | (cp >> 12));
			s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[2] = (char)(0x80 | (cp & 0x3f));
		} else {
			s[0] = (char)(0xf0 | (cp >> 18));
			s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
			s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
			s[3] = (char)(0x80 | (cp & 0x3f));
		}
		char *safe = text_neutralise(s, false);
		snprintf(out, n, "%s", safe ? safe : "?");
		free(safe);
	} else {
		snprintf(out, n, "key %d", key);
	}
}

void ui_key_label(const struct ui_key *k, char *out, size_t n)
{
	if (k->label) {
		snprintf(out, n, "%s", k->label);
		return;
	}
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < 4 && k->keys[i] && used < n; i++) {
		char name[32];
		ui_key_name(k->keys[i], name, sizeof name);
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "", name);
	}
}

int ui_key_action(const struct ui_key *table, int key)
{
	for (const struct ui_key *k = table; k && k->help; k++)
		for (int i = 0; i < 4 && k->keys[i]; i++)
			if (k->keys[i] == key)
				return k->action;
	return 0;
}

/* The help screen: the keys of the screen it was opened from, then the common ones. */
enum { H_DOWN = 1, H_UP, H_PGDN, H_PGUP, H_FIRST, H_LAST };

static const struct ui_key help_keys[] = {
	{H_DOWN, {'j', UI_FN(KEY_DOWN)}, NULL, "scroll down", NULL},
	{H_UP, {'k', UI_FN(KEY_UP)}, NULL, "scroll up", NULL},
	{H_PGDN, {UI_FN(KEY_NPAGE), ' '}, NULL, "page down", NULL},
	{H_PGUP, {UI_FN(KEY_PPAGE)}, NULL, "page up", NULL},
	{H_FIRST, {'g', UI_FN(KEY_HOME)}, NULL, "to the top", NULL},
	{H_LAST, {'G', UI_FN(KEY_END)}, NULL, "to the bottom", NULL},
	{0, {0}, NULL, NULL, NULL},
};

struct help {
	struct screen base;
	const struct screen_ops *of;
	int top;
};

/* The lines of help: a heading (keys NULL) or a key and what it does. */
static int help_lines(const struct help *h, int i, const char **heading, char *keys, size_t nk, const char **what)
{
	static char title[96];
	int n = 0;
	const struct ui_key *tables[] = {h->of->keys, ui_common_keys};
	for (int t = 0; t < 2; t++) {
		if (n++ == i) {
			if (t == 0)
				snprintf(title, sizeof title, "Keys on the %s screen", h->of->name);
			else
				snprintf(title, sizeof title, "On every screen");
			*heading = title;
			return 1;
		}
		for (const struct ui_key *k = tables[t]; k && k->help; k++) {
			if (n++ == i) {
				*heading = NULL;
				ui_key_label(k, keys, nk);
				*what = k->help;
				return 1;
			}
		}
		if (n++ == i) {
			*heading = NULL;
			keys[0] = '\0';
			*what = "";
			return 1;
		}
	}
	return 0;
}

static int help_count(const struct help *h)
{
	int n = 0;
	const char *heading, *what;
	char keys[96];
	while (help_lines(h, n, &heading, keys, sizeof keys, &what))
		n++;
	return n;
}

static void help_draw(struct ui *ui, struct screen *s)
{
	struct help *h = (struct help *)s;
	char title[128];
	snprintf(title, sizeof title, "docket %s help: %s", ui_dot(ui), h->of->name);
	ui_draw_title(ui, title);
	int first, rows = ui_body_rows(ui, &first);
	int total = help_count(h);
	if (h->top > total - rows)
		h->top = total - rows;
	if (h->top < 0)
		h->top = 0;
	for (int r = 0; r < rows; r++) {
		const char *heading = NULL, *what = "";
		char keys[96];
		if (!help_lines(h, h->top + r, &heading, keys, sizeof keys, &what))
			break;
		int y = first + r;
		if (heading) {
			ui_put(ui, y, 1, ui->cols - 2, heading, ui_attr(ui, ST_HEADING), true);
			continue;
		}
		ui_put(ui, y, 3, 22, keys, ui_attr(ui, ST_KEY), true);
		ui_put(ui, y, 26, ui->cols - 27, what, A_NORMAL, true);
	}
	ui_draw_footer(ui, ui->rows - 2, help_keys);
}

static bool help_key(struct ui *ui, struct screen *s, int action, int key)
{
	(void)key;
	struct help *h = (struct help *)s;
	int first, rows = ui_body_rows(ui, &first);
	switch (action) {
	case H_DOWN: h->top++; return true;
	case H_UP: h->top--; return true;
	case H_PGDN: h->top += rows; return true;
	case H_PGUP: h->top -= rows; return true;
	case H_FIRST: h->top = 0; return true;
	case H_LAST: h->top = help_count(h); return true;
	case UI_A_HELP: return true; /* already here */
	default: return false;
	}
}

static void help_free(struct screen *s)
{
	free(s);
}

const struct screen_ops help_screen_ops = {
	.name = "help",
	.keys = help_keys,
	.draw = help_draw,
	.key = help_key,
	.free = help_free,
};

struct screen *help_screen_new(struct ui *ui, const struct screen *of)
{
	(void)ui;
	struct help *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->base.ops = &help_screen_ops;
	h->of = of->ops;
	return &h->base;
}

void ui_each_key(void (*fn)(const char *screen, const char *keys, const char *help, void *ctx), void *ctx)
{
	const struct screen_ops *screens[] = {&queue_screen_ops,  &search_screen_ops, &case_screen_ops,
					      &outbox_screen_ops, &letter_screen_ops, &form_screen_ops,
					      &picker_screen_ops, &help_screen_ops};
	char label[96];
	for (size_t i = 0; i < sizeof screens / sizeof screens[0]; i++)
		for (const struct ui_key *k = screens[i]->keys; k && k->help; k++) {
			ui_key_label(k, label, sizeof label);
			fn(screens[i]->name, label, k->help, ctx);
		}
	for (const struct ui_key *k = ui_common_keys; k->help; k++) {
		ui_key_label(k, label, sizeof label);
		fn("every", label, k->help, ctx);
	}
}
