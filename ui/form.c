/* form.c: forms: fields edited in place, each checked as it is left, all checked and handed to the
 * core together. Text is edited as UTF-8 and shown by display width. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "ui_internal.h"
#include "when.h"

enum {
	F_NEXT = 1,
	F_PREV,
	F_ENTER,
	F_SAVE,
	F_CANCEL,
	F_LEFT,
	F_RIGHT,
	F_TOGGLE,
	F_HOME,
	F_END,
	F_BACKSPACE,
	F_DELETE,
	F_CLEAR,
};

static const struct ui_key form_keys[] = {
	{F_NEXT, {UI_TAB, UI_FN(KEY_DOWN)}, NULL, "next field (the field is checked as you leave it)", "next"},
	{F_PREV, {UI_FN(KEY_BTAB), UI_FN(KEY_UP)}, NULL, "previous field", NULL},
	{F_ENTER, {UI_ENTER}, NULL, "next field; on a list field, pick from the list; on the last field, save", NULL},
	{F_SAVE, {UI_CTRL('s'), UI_FN(KEY_F(2))}, NULL, "check every field and save", "save"},
	{F_CANCEL, {UI_ESC}, NULL, "cancel: nothing is saved", "cancel"},
	{F_LEFT, {UI_FN(KEY_LEFT)}, NULL, "move left in the text; the previous choice", NULL},
	{F_RIGHT, {UI_FN(KEY_RIGHT)}, NULL, "move right in the text; the next choice", NULL},
	{F_TOGGLE, {' '}, NULL, "tick or untick; the next choice", NULL},
	{F_HOME, {UI_FN(KEY_HOME), UI_CTRL('a')}, NULL, "to the start of the text", NULL},
	{F_END, {UI_FN(KEY_END), UI_CTRL('e')}, NULL, "to the end of the text", NULL},
	{F_BACKSPACE, {UI_BACKSPACE}, NULL, "delete the character before the cursor", NULL},
	{F_DELETE, {UI_FN(KEY_DC)}, NULL, "delete the character under the cursor", NULL},
	{F_CLEAR, {UI_CTRL('u')}, NULL, "clear the field", NULL},
	{0, {0}, NULL, NULL, NULL},
};

struct form *form_new(const char *title, int n, form_submit_fn submit, void *ctx, void (*ctx_free)(void *))
{
	struct form *f = calloc(1, sizeof *f);
	if (f)
		f->fields = calloc((size_t)n, sizeof *f->fields);
	if (!f || !f->fields) {
		free(f);
		if (ctx_free)
			ctx_free(ctx);
		return NULL;
	}
	f->base.ops = &form_screen_ops;
	snprintf(f->title, sizeof f->title, "%s", title);
	f->nfields = n;
	f->submit = submit;
	f->ctx = ctx;
	f->ctx_free = ctx_free;
	return f;
}

struct field *form_field(struct form *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (f->fields[i].name && strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

void field_text(struct field *f, const char *name, const char *label, bool required, size_t max, const char *value)
{
	f->name = name;
	f->label = label;
	f->type = F_TEXT;
	f->required = required;
	f->max = max > TEXT_LONG_MAX ? TEXT_LONG_MAX : max;
	snprintf(f->value, sizeof f->value, "%s", value ? value : "");
	f->cursor = strlen(f->value);
	if (!f->check)
		f->check = field_check_text;
}

static void set_choice(struct field *f, const char *value)
{
	f->choice = 0;
	for (int i = 0; value && i < f->nchoices; i++)
		if (strcmp(f->choices[i], value) == 0)
			f->choice = i;
}

void field_choice(struct field *f, const char *name, const char *label, const char *const *choices, const char *value)
{
	f->name = name;
	f->label = label;
	f->type = F_CHOICE;
	f->choices = choices;
	f->nchoices = 0;
	while (choices[f->nchoices])
		f->nchoices++;
	set_choice(f, value);
}

void field_choice_owned(struct field *f, const char *name, const char *label, char **choices, char **labels,
			const char *value)
{
	f->owned = choices;
	f->owned_labels = labels;
	f->choice_labels = (const char *const *)labels;
	field_choice(f, name, label, (const char *const *)choices, value);
}

void field_check(struct field *f, const char *name, const char *label, bool checked)
{
	f->name = name;
	f->label = label;
	f->type = F_CHECK;
	f->checked = checked;
}

const char *field_value(const struct field *f)
{
	if (!f)
		return "";
	if (f->type == F_CHOICE)
		return f->nchoices ? f->choices[f->choice] : "";
	if (f->type == F_CHECK)
		return f->checked ? "yes" : "";
	return f->value;
}

enum dk_status field_check_text(struct ui *ui, const struct field *f, struct dk_error *err)
{
	(void)ui;
	return text_check(f->name, f->value, f->max ? f->max : TEXT_SHORT_MAX, false, f->required, err);
}

enum dk_status field_check_date(struct ui *ui, const struct field *f, struct dk_error *err)
{
	(void)ui;
	if (!f->value[0])
		return f->required ? dk_fail(err, DK_INVALID, "%s: a value is required", f->name) : DK_OK;
	int64_t t;
	return when_parse(f->name, f->value, &t, err);
}

/* Runs the field's check; the message is kept beside the field. */
static bool check_field(struct ui *ui, struct field *f)
{
	struct dk_error err = {0};
	enum dk_status s = DK_OK;
	if (f->type == F_TEXT && f->check)
		s = f->check(ui, f, &err);
	f->error[0] = '\0';
	if (s)
		snprintf(f->error, sizeof f->error, "%s", err.msg);
	return s == DK_OK;
}

static void form_free(struct screen *s)
{
	struct form *f = (struct form *)s;
	for (int i = 0; i < f->nfields; i++) {
		struct field *fl = &f->fields[i];
		for (int k = 0; fl->owned && fl->owned[k]; k++)
			free(fl->owned[k]);
		for (int k = 0; fl->owned_labels && fl->owned_labels[k]; k++)
			free(fl->owned_labels[k]);
		free(fl->owned);
		free(fl->owned_labels);
	}
	if (f->ctx_free)
		f->ctx_free(f->ctx);
	free(f->fields);
	free(f);
}

/* Field rows start at row 3; the footer and status take the last two. */
static int visible_fields(const struct ui *ui)
{
	int n = ui->rows - 5;
	return n > 1 ? n : 1;
}

static void draw_text_field(struct ui *ui, struct field *fl, int y, int x, int w, bool focus)
{
	attr_t a = focus ? ui_attr(ui, ST_FOCUS) : ui_attr(ui, ST_INPUT);
	char *safe = text_neutralise(fl->value, false);
	if (!safe)
		return;
	/* Keep the cursor in view: scroll so that the text before it fits. */
	if (fl->scroll > fl->cursor)
		fl->scroll = fl->cursor;
	char before[TEXT_LONG_MAX + 1];
	for (;;) {
		size_t len = fl->cursor - fl->scroll;
		memcpy(before, fl->value + fl->scroll, len);
		before[len] = '\0';
		char *sb = text_neutralise(before, false);
		int bw = sb ? (int)text_width(sb) : 0;
		free(sb);
		if (bw < w || fl->scroll >= fl->cursor)
			break;
		fl->scroll++;
		while (fl->scroll < fl->cursor && ((unsigned char)fl->value[fl->scroll] & 0xc0) == 0x80)
			fl->scroll++;
	}
	char *shown = text_neutralise(fl->value + fl->scroll, false);
	memcpy(before, fl->value + fl->scroll, fl->cursor - fl->scroll);
	before[fl->cursor - fl->scroll] = '\0';
	char *sb = text_neutralise(before, false);
	ui_fill(y, x, w, a);
	if (shown)
		ui_put(ui, y, x, w, shown, a, true);
	if (focus && sb) {
		ui->cur_y = y;
		ui->cur_x = x + (int)text_width(sb);
		if (ui->cur_x >= x + w)
			ui->cur_x = x + w - 1;
	}
	free(sb);
	free(shown);
	free(safe);
}

static void form_draw(struct ui *ui, struct screen *s)
{
	struct form *f = (struct form *)s;
	ui_draw_title(ui, f->title);
	if (f->intro)
		ui_put(ui, 1, 1, ui->cols - 2, f->intro, ui_attr(ui, ST_LABEL), true);
	int lw = 0;
	for (int i = 0; i < f->nfields; i++) {
		int w = (int)text_width(f->fields[i].label) + (f->fields[i].required ? 1 : 0);
		if (w > lw)
			lw = w;
	}
	if (lw > ui->cols / 3)
		lw = ui->cols / 3;
	int vis = visible_fields(ui);
	if (f->focus < f->top)
		f->top = f->focus;
	if (f->focus >= f->top + vis)
		f->top = f->focus - vis + 1;
	int x = lw + 5, w = ui->cols - x - 2;
	for (int r = 0; r < vis && f->top + r < f->nfields; r++) {
		int i = f->top + r;
		struct field *fl = &f->fields[i];
		int y = 3 + r;
		bool focus = i == f->focus;
		char label[128];
		snprintf(label, sizeof label, "%s%s", fl->label, fl->required ? "*" : "");
		ui_put(ui, y, 0, 2, fl->error[0] ? "!" : "", ui_attr(ui, ST_ERROR), true);
		ui_put(ui, y, 2, lw + 1, label, fl->error[0] ? ui_attr(ui, ST_ERROR) : ui_attr(ui, ST_LABEL), true);
		if (fl->type == F_TEXT) {
			draw_text_field(ui, fl, y, x, w, focus);
		} else if (fl->type == F_CHECK) {
			ui_put(ui, y, x, 3, fl->checked ? "[x]" : "[ ]", focus ? ui_attr(ui, ST_FOCUS) : A_NORMAL,
			       true);
		} else {
			const char *shown = fl->nchoices ? (fl->choice_labels ? fl->choice_labels[fl->choice]
									      : fl->choices[fl->choice])
							 : "";
			char box[400];
			snprintf(box, sizeof box, "< %s >%s", shown,
				 fl->picker && focus ? "  (Enter: pick from a list)" : "");
			ui_put(ui, y, x, w, box, focus ? ui_attr(ui, ST_FOCUS) : A_NORMAL, false);
		}
	}
	ui_draw_footer(ui, ui->rows - 2, form_keys);
	struct field *fl = &f->fields[f->focus];
	if (!ui->status[0]) {
		if (fl->error[0])
			ui_say(ui, ST_ERROR, "%s", fl->error);
		else if (fl->hint)
			ui_say(ui, ST_NORMAL, "%s", fl->hint);
	}
}

static void insert(struct ui *ui, struct field *fl, int key)
{
	char enc[5] = {0};
	unsigned cp = (unsigned)key;
	size_t len;
	if (cp < 0x80) {
		enc[0] = (char)cp, len = 1;
	} else if (cp < 0x800) {
		enc[0] = (char)(0xc0 | (cp >> 6)), enc[1] = (char)(0x80 | (cp & 0x3f)), len = 2;
	} else if (cp < 0x10000) {
		enc[0] = (char)(0xe0 | (cp >> 12)), enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		enc[2] = (char)(0x80 | (cp & 0x3f)), len = 3;
	} else {
		enc[0] = (char)(0xf0 | (cp >> 18)), enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), enc[3] = (char)(0x80 | (cp & 0x3f)), len = 4;
	}
	size_t n = strlen(fl->value);
	size_t max = fl->max ? fl->max : TEXT_SHORT_MAX;
	if (n + len > max) {
		ui_say(ui, ST_ERROR, "%s: at most %zu bytes", fl->name, max);
		return;
	}
	memmove(fl->value + fl->cursor + len, fl->value + fl->cursor, n - fl->cursor + 1);
	memcpy(fl->value + fl->cursor, enc, len);
	fl->cursor += len;
}

static size_t prev_char(const char *s, size_t at)
{
	while (at > 0) {
		at--;
		if (((unsigned char)s[at] & 0xc0) != 0x80)
			break;
	}
	return at;
}

static size_t next_char(const char *s, size_t at)
{
	if (!s[at])
		return at;
	at++;
	while (s[at] && ((unsigned char)s[at] & 0xc0) == 0x80)
		at++;
	return at;
}

static void pick_done(struct ui *ui, int picked, void *ctx)
{
	(void)ui;
	struct field *fl = ctx;
	if (picked >= 0 && picked < fl->nchoices)
		fl->choice = picked;
}

static void open_picker(struct ui *ui, struct field *fl)
{
	const char *const *labels = fl->choice_labels ? fl->choice_labels : fl->choices;
	ui_push(ui, picker_new(ui, fl->label, labels, fl->nchoices, fl->choice, pick_done, fl));
}

static void submit(struct ui *ui, struct form *f)
{
	int bad = -1;
	for (int i = 0; i < f->nfields; i++)
		if (!check_field(ui, &f->fields[i]) && bad < 0)
			bad = i;
	if (bad >= 0) {
		f->focus = bad;
		ui_say(ui, ST_ERROR, "%s", f->fields[bad].error);
		return;
	}
	struct dk_error err = {0};
	enum dk_status s = f->submit(ui, f, f->ctx, &err);
	if (s == DK_OK || f->close) {
		/* Done, or refused in a way the form cannot mend (the submit function said why). */
		int64_t then = f->then_open;
		ui_remove(ui, &f->base);
		if (then)
			ui_push(ui, case_screen_new(ui, then));
		return;
	}
	/* A message naming a field puts the focus there. */
	for (int i = 0; i < f->nfields; i++) {
		size_t n = strlen(f->fields[i].name);
		if (strncmp(err.msg, f->fields[i].name, n) == 0 && err.msg[n] == ':') {
			f->focus = i;
			snprintf(f->fields[i].error, sizeof f->fields[i].error, "%s", err.msg);
		}
	}
	ui_fail(ui, &err);
}

static void move_focus(struct ui *ui, struct form *f, int by)
{
	if (!check_field(ui, &f->fields[f->focus]))
		ui_say(ui, ST_ERROR, "%s", f->fields[f->focus].error);
	f->focus = (f->focus + by + f->nfields) % f->nfields;
}

static bool form_key(struct ui *ui, struct screen *s, int action, int key)
{
	struct form *f = (struct form *)s;
	struct field *fl = &f->fields[f->focus];
	if (fl->type == F_TEXT && key >= 32 && key < 0x110000 && key != 127) {
		insert(ui, fl, key);
		return true;
	}
	switch (action) {
	case F_NEXT: move_focus(ui, f, 1); return true;
	case F_PREV: move_focus(ui, f, -1); return true;
	case F_ENTER:
		if (fl->type == F_CHOICE && fl->picker)
			open_picker(ui, fl);
		else if (f->focus == f->nfields - 1 || f->enter_submits)
			submit(ui, f);
		else
			move_focus(ui, f, 1);
		return true;
	case F_SAVE: submit(ui, f); return true;
	case F_CANCEL: ui_pop(ui); return true;
	case F_LEFT:
	case F_RIGHT:
		if (fl->type == F_TEXT)
			fl->cursor =
				action == F_LEFT ? prev_char(fl->value, fl->cursor) : next_char(fl->value, fl->cursor);
		else if (fl->type == F_CHOICE && fl->nchoices)
			fl->choice = (fl->choice + (action == F_LEFT ? -1 : 1) + fl->nchoices) % fl->nchoices;
		else if (fl->type == F_CHECK)
			fl->checked = action == F_RIGHT;
		return true;
	case F_TOGGLE:
		if (fl->type == F_CHECK)
			fl->checked = !fl->checked;
		else if (fl->type == F_CHOICE && fl->nchoices)
			fl->choice = (fl->choice + 1) % fl->nchoices;
		return true;
	case F_HOME: fl->cursor = 0; return true;
	case F_END: fl->cursor = strlen(fl->value); return true;
	case F_BACKSPACE:
		if (fl->type == F_TEXT && fl->cursor > 0) {
			size_t p = prev_char(fl->value, fl->cursor);
			memmove(fl->value + p, fl->value + fl->cursor, strlen(fl->value + fl->cursor) + 1);
			fl->cursor = p;
		}
		return true;
	case F_DELETE:
		if (fl->type == F_TEXT && fl->value[fl->cursor]) {
			size_t nx = next_char(fl->value, fl->cursor);
			memmove(fl->value + fl->cursor, fl->value + nx, strlen(fl->value + nx) + 1);
		}
		return true;
	case F_CLEAR:
		if (fl->type == F_TEXT)
			fl->value[0] = '\0', fl->cursor = fl->scroll = 0;
		return true;
	case UI_A_BACK:
		/* q is a letter in a form; only Esc leaves (F_CANCEL above). */
		return true;
	default: return false;
	}
}

const struct screen_ops form_screen_ops = {
	.name = "form",
	.keys = form_keys,
	.typing = true,
	.draw = form_draw,
	.key = form_key,
	.free = form_free,
};
