/* letter_view.c: the letter screen: one letter of the outbox as `docket outbox preview` shows it
 * (where it stands, then the message as it goes out), neutralised, wrapped and scrollable, with
 * the keys of letter_forms.c to act on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "notice.h"
#include "smtp.h"
#include "text.h"
#include "ui_internal.h"
#include "when.h"

enum { V_DOWN = 1, V_UP, V_PGDN, V_PGUP, V_FIRST, V_LAST, V_REFRESH };

static const struct ui_key letter_keys[] = {
	{V_DOWN, {'j', UI_FN(KEY_DOWN)}, NULL, "scroll down", NULL},
	{V_UP, {'k', UI_FN(KEY_UP)}, NULL, "scroll up", NULL},
	{V_PGDN, {UI_FN(KEY_NPAGE), ' ', UI_CTRL('f')}, NULL, "page down", NULL},
	{V_PGUP, {UI_FN(KEY_PPAGE), UI_CTRL('b')}, NULL, "page up", NULL},
	{V_FIRST, {'g', UI_FN(KEY_HOME)}, NULL, "to the top", NULL},
	{V_LAST, {'G', UI_FN(KEY_END)}, NULL, "to the end of the letter", NULL},
	LETTER_KEYS,
	{V_REFRESH, {'r'}, NULL, "read the letter again", NULL},
	{0, {0}, NULL, NULL, NULL},
};

struct lview {
	struct screen base;
	int64_t id;
	struct notice *n;
	char from[400]; /* the From: line as it will be sent, or why it is not known */
	struct ui_lines lines;
	int built_for; /* the width the lines were wrapped for; 0: build again */
	int top;
	char failed[DK_ERROR_MAX];
};

static void add_field(struct lview *v, enum ui_style st, const char *label, const char *value, int width)
{
	char prefix[40];
	snprintf(prefix, sizeof prefix, "%-12s ", label);
	char *safe = text_neutralise(value ? value : "", false);
	ui_lines_wrap(&v->lines, st, prefix, safe ? safe : "?", width);
	free(safe);
}

static void fmt_time(int64_t t, char *out, size_t n)
{
	if (t)
		when_format(t, out, n);
	else
		out[0] = '\0';
}

/* The same parts, in the same order and words, as `docket outbox preview`. */
static void build(struct lview *v, int width)
{
	ui_lines_clear(&v->lines);
	v->built_for = width;
	const struct notice *n = v->n;
	char line[800], sent[32], next[32], date[40];
	fmt_time(n->sent_at, sent, sizeof sent);
	fmt_time(n->next_attempt_at, next, sizeof next);
	mail_date(n->created_at, date, sizeof date);
	snprintf(line, sizeof line, "%lld: %s, %s via %s%s", (long long)n->id, n->kind, n->status, n->via,
		 n->needs_person ? "; it needs a person" : "");
	add_field(v, n->needs_person ? ST_LATE : ST_NORMAL, "Notice", line, width);
	if (n->demand_id) {
		snprintf(line, sizeof line, "%lld %s", (long long)n->demand_id, n->reference);
		add_field(v, ST_NORMAL, "Demand", line, width);
	}
	add_field(v, ST_NORMAL, "Template", n->template_source, width);
	snprintf(line, sizeof line, "%lld%s%s", (long long)n->attempts, *next ? ", next " : "", next);
	add_field(v, ST_NORMAL, "Attempts", line, width);
	if (*n->last_error)
		add_field(v, n->needs_person ? ST_LATE : ST_NORMAL, "Note", n->last_error, width);
	if (n->sent_at)
		add_field(v, ST_NORMAL, "Sent", sent, width);
	ui_lines_add(&v->lines, ST_NORMAL, "");
	add_field(v, ST_LABEL, "Date:", date, width);
	add_field(v, ST_LABEL, "From:", v->from, width);
	if (!*n->recipient)
		snprintf(line, sizeof line, "%s%s(no e-mail address: a person delivers it)", n->recipient_name,
			 *n->recipient_name ? " " : "");
	else if (*n->recipient_name)
		snprintf(line, sizeof line, "%s <%s>", n->recipient_name, n->recipient);
	else
		snprintf(line, sizeof line, "%s", n->recipient);
	add_field(v, ST_LABEL, "To:", line, width);
	add_field(v, ST_LABEL, "Subject:", n->subject, width);
	add_field(v, ST_LABEL, "Message-ID:", n->message_id, width);
	ui_lines_add(&v->lines, ST_NORMAL, "");
	/* The body line by line, each neutralised on its own (a control character shows as ^X). */
	const char *p = n->body;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *part = strndup(p, len);
		char *safe = part ? text_neutralise(part, false) : NULL;
		if (safe && *safe)
			ui_lines_wrap(&v->lines, ST_NORMAL, "", safe, width);
		else
			ui_lines_add(&v->lines, ST_NORMAL, "");
		free(safe);
		free(part);
		p = nl ? nl + 1 : p + len;
	}
}

static void load(struct ui *ui, struct lview *v)
{
	notice_free(&v->n);
	ui_lines_clear(&v->lines);
	v->built_for = 0;
	v->failed[0] = '\0';
	struct dk_error err = {0};
	if (notice_get(ui->db, v->id, &v->n, &err)) {
		snprintf(v->failed, sizeof v->failed, "%s", err.msg);
		ui_fail(ui, &err);
	}
}

/* The From: line from the mail settings, as the sender will write it. */
static void load_from(struct lview *v)
{
	struct smtp_config cfg;
	struct dk_error err = {0};
	snprintf(v->from, sizeof v->from, "(not configured: mail_from)");
	if (smtp_config_load(&cfg, &err) != DK_OK) {
		snprintf(v->from, sizeof v->from, "(the mail settings: %.300s)", err.msg);
		return;
	}
	if (cfg.from_addr && *cfg.from_name)
		snprintf(v->from, sizeof v->from, "%s <%s>", cfg.from_name, cfg.from_addr);
	else if (cfg.from_addr)
		snprintf(v->from, sizeof v->from, "%s", cfg.from_addr);
	smtp_config_free(&cfg);
}

static int body_rows(const struct ui *ui)
{
	int first, h = ui_body_rows(ui, &first);
	return h > 1 ? h : 1;
}

static void letter_draw(struct ui *ui, struct screen *s)
{
	struct lview *v = (struct lview *)s;
	const char *dot = ui_dot(ui);
	char title[400];
	if (!v->n) {
		snprintf(title, sizeof title, "docket  notice %lld", (long long)v->id);
		ui_draw_title(ui, title);
		ui_put(ui, 2, 2, ui->cols - 4, v->failed[0] ? v->failed : "not found", ui_attr(ui, ST_ERROR), false);
		ui_draw_footer(ui, ui->rows - 2, letter_keys);
		return;
	}
	const struct notice *n = v->n;
	snprintf(title, sizeof title, "docket  notice %lld %s %s %s %s via %s%s%s", (long long)n->id, dot, n->kind, dot,
		 n->status, n->via, n->demand_id ? " for " : "", n->reference);
	ui_draw_title(ui, title);
	if (v->built_for != ui->cols - 1)
		build(v, ui->cols - 1);
	int first, h = ui_body_rows(ui, &first);
	if (v->top > v->lines.n - h)
		v->top = v->lines.n - h;
	if (v->top < 0)
		v->top = 0;
	for (int r = 0; r < h && v->top + r < v->lines.n; r++) {
		const struct ui_line *l = &v->lines.v[v->top + r];
		ui_put(ui, first + r, 0, ui->cols, l->text, ui_attr(ui, l->style), true);
	}
	ui_draw_footer(ui, ui->rows - 2, letter_keys);
}

static bool letter_key_pressed(struct ui *ui, struct screen *s, int action, int key)
{
	struct lview *v = (struct lview *)s;
	(void)key;
	int h = body_rows(ui);
	switch (action) {
	case V_DOWN: v->top++; return true;
	case V_UP: v->top--; return true;
	case V_PGDN: v->top += h; return true;
	case V_PGUP: v->top -= h; return true;
	case V_FIRST: v->top = 0; return true;
	case V_LAST: v->top = v->lines.n; return true;
	case V_REFRESH: ui_reload_all(ui); return true;
	default: break;
	}
	if (!letter_key_action(action))
		return false;
	if (v->n)
		letter_key(ui, action, v->id, v->n->demand_id);
	return true;
}

static void letter_reload(struct ui *ui, struct screen *s)
{
	load(ui, (struct lview *)s);
}

static void letter_free(struct screen *s)
{
	struct lview *v = (struct lview *)s;
	notice_free(&v->n);
	ui_lines_free(&v->lines);
	free(v);
}

const struct screen_ops letter_screen_ops = {
	.name = "letter",
	.keys = letter_keys,
	.draw = letter_draw,
	.key = letter_key_pressed,
	.reload = letter_reload,
	.free = letter_free,
};

struct screen *letter_screen_new(struct ui *ui, int64_t id)
{
	struct lview *v = calloc(1, sizeof *v);
	if (!v) {
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	v->base.ops = &letter_screen_ops;
	v->id = id;
	load_from(v);
	load(ui, v);
	return &v->base;
}
