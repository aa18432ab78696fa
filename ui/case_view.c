/* case_view.c: the case screen: every field of a demand, its identifiers, categories, orders,
 * verification, notices and timeline, and the moves the workflow allows from here, each on a key.
 * The forms that change a case live in case_forms.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "demand.h"
#include "obligation.h"
#include "text.h"
#include "ui_internal.h"
#include "when.h"
#include "workflow.h"

enum {
	C_DOWN = 1,
	C_UP,
	C_PGDN,
	C_PGUP,
	C_FIRST,
	C_LAST,
	C_MOVE,
	C_NOTE,
	C_ASSIGN,
	C_ORDER,
	C_VERIFY,
	C_EXTEND,
	C_NOTICE,
	C_LETTERS,
	C_REFRESH,
};

static const struct ui_key case_keys[] = {
	{C_MOVE, {0}, "1-9", "make the move with that number (a form asks for a note and what else it needs)", NULL},
	{C_DOWN, {'j', UI_FN(KEY_DOWN)}, NULL, "scroll down", NULL},
	{C_UP, {'k', UI_FN(KEY_UP)}, NULL, "scroll up", NULL},
	{C_PGDN, {UI_FN(KEY_NPAGE), ' ', UI_CTRL('f')}, NULL, "page down", NULL},
	{C_PGUP, {UI_FN(KEY_PPAGE), UI_CTRL('b')}, NULL, "page up", NULL},
	{C_FIRST, {'g', UI_FN(KEY_HOME)}, NULL, "to the top", NULL},
	{C_LAST, {'G', UI_FN(KEY_END)}, NULL, "to the end (the latest events)", NULL},
	{C_NOTE, {'n'}, NULL, "add a note to the timeline", "note"},
	{C_ASSIGN, {'a'}, NULL, "assign the demand to a staff member, or unassign it", "assign"},
	{C_ORDER, {'o'}, NULL, "record or update a non-disclosure order", "order"},
	{C_VERIFY, {'v'}, NULL, "record how the requester's identity was verified", "verify"},
	{C_EXTEND, {'e'}, NULL, "extend the current deadline, with the reason", "extend"},
	{C_NOTICE, {'t'}, NULL, "record a customer notice given outside docket (letter, phone, e-mail)", "told"},
	{C_LETTERS, {'l'}, NULL, "the demand's letters: read them, retry, cancel, record a delivery", NULL},
	{C_REFRESH, {'r'}, NULL, "read the demand again", NULL},
	{0, {0}, NULL, NULL, NULL},
};

struct cmove {
	char to[24], outcome[32];
	bool attorney, possible;
	char reason[400];
};

struct cevent {
	int64_t at;
	char *who, *action, *changes, *note; /* neutralised, except the note (kept with its newlines) */
};

struct cview {
	struct screen base;
	int64_t id;
	struct demand *d;
	struct cmove moves[16];
	int nmoves;
	struct cevent *events;
	int nevents;
	char *obligations[OB_ATTENTION_MAX + 4]; /* what the customer is owed, in words */
	int nobligations;
	struct ui_lines lines;
	int built_for; /* the width the lines were wrapped for; 0: build again */
	int top;
	char failed[DK_ERROR_MAX];
};

static void add_field(struct cview *v, const char *label, const char *value, int width)
{
	char prefix[40];
	snprintf(prefix, sizeof prefix, "  %-14s ", label);
	char *safe = text_neutralise(value ? value : "", false);
	ui_lines_wrap(&v->lines, ST_NORMAL, prefix, safe ? safe : "?", width);
	free(safe);
}

static void add_heading(struct cview *v, const char *title)
{
	ui_lines_add(&v->lines, ST_NORMAL, "");
	ui_lines_add(&v->lines, ST_HEADING, title);
}

static void move_name(const struct cmove *m, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s%s", m->to, m->outcome[0] ? " (" : "", m->outcome, m->outcome[0] ? ")" : "");
}

/* Builds the body for a width. */
static void build(struct ui *ui, struct cview *v, int width)
{
	ui_lines_clear(&v->lines);
	v->built_for = width;
	const struct demand *d = v->d;
	int64_t now = when_now();
	char b1[800], b2[64], b3[64];
	ui_lines_add(&v->lines, ST_HEADING, "Demand");
	snprintf(b1, sizeof b1, "%s (source %s)", d->reference, d->source);
	add_field(v, "Reference", b1, width);
	when_format(d->received_at, b2, sizeof b2);
	snprintf(b1, sizeof b1, "%s by %s", b2, d->channel);
	add_field(v, "Received", b1, width);
	snprintf(b1, sizeof b1, "%s%s", d->instrument, d->emergency ? " (emergency)" : "");
	add_field(v, "Instrument", b1, width);
	snprintf(b1, sizeof b1, "%s%s%s%s (version %lld)", d->status, d->outcome ? " (" : "",
		 d->outcome ? d->outcome : "", d->outcome ? ")" : "", (long long)d->version);
	add_field(v, "Status", b1, width);
	if (d->due_at) {
		when_format(d->due_at, b2, sizeof b2);
		when_relative(d->due_at, now, b3, sizeof b3);
		snprintf(b1, sizeof b1, "%s (%s)", b2, b3);
		add_field(v, "Due", b1, width);
	}
	if (d->response_due) {
		when_format(d->response_due, b2, sizeof b2);
		add_field(v, "Response date", b2, width);
	}
	add_field(v, "Assignee", d->assignee ? d->assignee : "(none)", width);
	snprintf(b1, sizeof b1, "%s (%s), data in %s", d->customer.name, d->customer.tenant, d->customer.region);
	add_field(v, "Customer", b1, width);
	snprintf(b1, sizeof b1, "%s  %s  %s", d->customer.contact_name, d->customer.contact_email,
		 d->customer.contact_phone);
	add_field(v, "  contact", b1, width);
	snprintf(b1, sizeof b1, "%s (%s)%s%s, %s%s%s", d->requester.name, d->requester.kind,
		 *d->requester.agency ? ", " : "", d->requester.agency, d->requester.country,
		 *d->requester.subdivision ? "-" : "", d->requester.subdivision);
	add_field(v, "Requester", b1, width);
	snprintf(b1, sizeof b1, "%s  %s  %s", d->requester.contact_name, d->requester.email, d->requester.phone);
	add_field(v, "  contact", b1, width);
	if (d->cross_region || d->process_flag) {
		snprintf(b1, sizeof b1, "%s%s%s",
			 d->cross_region ? "cross-region (requester outside the data's region)" : "",
			 d->cross_region && d->process_flag ? "; " : "",
			 d->process_flag ? "process: content requested under an instrument that cannot compel it" : "");
		add_field(v, "Flags", b1, width);
	}
	for (size_t i = 0; i < d->n_identifiers; i++) {
		snprintf(b1, sizeof b1, "%s: %s", d->identifier_kinds[i], d->identifiers[i]);
		add_field(v, i ? "" : "Identifiers", b1, width);
	}
	if (!d->n_identifiers)
		add_field(v, "Identifiers", "(none)", width);
	demand_categories_format(d->requested, ", ", b1, sizeof b1);
	add_field(v, "Requested", b1[0] ? b1 : "(none)", width);
	if (d->disclosed) {
		demand_categories_format(d->disclosed, ", ", b1, sizeof b1);
		add_field(v, "Disclosed", b1, width);
	}
	for (size_t i = 0; i < d->n_orders; i++) {
		demand_order_format(&d->orders[i], b1, sizeof b1);
		add_field(v, i ? "" : "Orders", b1, width);
	}
	if (!d->n_orders)
		add_field(v, "Orders", "none", width);
	for (size_t i = 0; i < d->n_verifications; i++) {
		const struct verification *ve = &d->verifications[i];
		when_format(ve->verified_at, b2, sizeof b2);
		snprintf(b1, sizeof b1, "%s by %s at %s%s%s", ve->method, ve->verified_by, b2, *ve->note ? ": " : "",
			 ve->note);
		add_field(v, i ? "" : "Verified", b1, width);
	}
	if (!d->n_verifications)
		add_field(v, "Verified", "no", width);
	for (size_t i = 0; i < d->n_notices; i++) {
		const struct notice_summary *n = &d->notices[i];
		b2[0] = '\0';
		if (n->sent_at)
			when_format(n->sent_at, b2, sizeof b2);
		snprintf(b1, sizeof b1, "#%lld %s via %s to %s: %s%s%s", (long long)n->id, n->kind, n->via,
			 *n->recipient ? n->recipient : "-", n->status, n->sent_at ? " " : "", b2);
		add_field(v, i ? "" : "Notices", b1, width);
	}
	if (!d->n_notices)
		add_field(v, "Notices", "none", width);
	else
		add_field(v, "", "(l: read them, retry, cancel, record a delivery)", width);

	for (int i = 0; i < v->nobligations; i++)
		add_field(v, i ? "" : "Obligations", v->obligations[i], width);

	add_heading(v, "Moves from here");
	for (int i = 0; i < v->nmoves; i++) {
		const struct cmove *m = &v->moves[i];
		char name[80], prefix[100];
		move_name(m, name, sizeof name);
		snprintf(prefix, sizeof prefix, "  %d  %-36s %-9s ", i + 1, name, m->attorney ? "attorney" : "");
		char *why = text_neutralise(m->possible ? "" : m->reason, false);
		char text[600];
		snprintf(text, sizeof text, "%s%s", m->possible ? "" : "not now: ", why ? why : "");
		ui_lines_wrap(&v->lines, m->possible ? ST_NORMAL : ST_DIM, prefix, text, width);
		free(why);
	}
	if (!v->nmoves)
		ui_lines_add(&v->lines, ST_NORMAL, "  none: the demand is closed");

	add_heading(v, "Timeline");
	for (int i = 0; i < v->nevents; i++) {
		const struct cevent *e = &v->events[i];
		char at[32], prefix[120];
		when_format(e->at, at, sizeof at);
		at[16] = '\0';
		at[10] = ' ';
		snprintf(prefix, sizeof prefix, "  %s  ", at);
		snprintf(b1, sizeof b1, "%s  %s%s%s", e->who, e->action, e->changes[0] ? "  " : "", e->changes);
		ui_lines_wrap(&v->lines, ST_NORMAL, prefix, b1, width);
		/* The note, line by line, under the event. */
		const char *p = e->note;
		while (p && *p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			char *part = malloc(len + 1);
			if (!part)
				break;
			memcpy(part, p, len);
			part[len] = '\0';
			char *safe = text_neutralise(part, false);
			char pad[64];
			snprintf(pad, sizeof pad, "%*s", (int)text_width(prefix) + 2, "");
			ui_lines_wrap(&v->lines, ST_LABEL, pad, safe ? safe : "?", width);
			free(safe);
			free(part);
			p = nl ? nl + 1 : p + len;
		}
	}
	(void)ui;
}

/* The human form of an event's changes, "status: a -> b; due: x -> y", from the JSON the core
 * wrote: an array of [field, old, new] with strings or null. */
static void changes_text(const char *json, struct buf *out)
{
	char val[3][400];
	bool null[3];
	int k = 0;
	const char *p = json;
	while (p && *p) {
		if (*p == '"') {
			size_t n = 0;
			for (p++; *p && *p != '"'; p++) {
				char c = *p;
				if (c == '\\' && p[1]) {
					p++;
					switch (*p) {
					case 'n': c = '\n'; break;
					case 't': c = '\t'; break;
					case 'r': c = '\r'; break;
					case 'b': c = '\b'; break;
					case 'f': c = '\f'; break;
					case 'u': {
						unsigned cp = 0;
						int i = 1;
						for (; i <= 4 && p[i]; i++) {
							char h = p[i];
							cp = cp * 16 + (unsigned)(h >= 'a'   ? h - 'a' + 10
										  : h >= 'A' ? h - 'A' + 10
											     : h - '0');
						}
						p += i - 1;
						/* Control characters are what the writer escapes; others pass as '?'.
						 */
						c = cp < 0x80 ? (char)cp : '?';
						break;
					}
					default: c = *p;
					}
				}
				if (n + 1 < sizeof val[k])
					val[k][n++] = c;
			}
			if (*p == '"')
				p++;
			val[k][n] = '\0';
			null[k++] = false;
		} else if (strncmp(p, "null", 4) == 0) {
			val[k][0] = '\0';
			null[k++] = true;
			p += 4;
		} else {
			p++;
		}
		if (k == 3) {
			buf_printf(out, "%s%s: ", out->len ? "; " : "", val[0]);
			if (!null[1])
				buf_printf(out, "%s -> ", val[1]);
			buf_puts(out, null[2] ? "-" : val[2]);
			k = 0;
		}
	}
}

static int collect_event(const struct event *e, void *ctx)
{
	struct cview *v = ctx;
	struct cevent *p = realloc(v->events, (size_t)(v->nevents + 1) * sizeof *p);
	if (!p)
		return 1;
	v->events = p;
	struct cevent *ce = &v->events[v->nevents];
	char who[200];
	if (strcmp(e->login, e->actor) == 0)
		snprintf(who, sizeof who, "%s", e->actor);
	else
		snprintf(who, sizeof who, "%s (by %s)", e->actor, e->login);
	struct buf ch;
	buf_init(&ch);
	changes_text(e->changes, &ch);
	ce->at = e->at;
	ce->who = text_neutralise(who, false);
	ce->action = text_neutralise(e->action, false);
	ce->changes = text_neutralise(ch.data ? ch.data : "", false);
	ce->note = strdup(e->note ? e->note : "");
	buf_free(&ch);
	if (!ce->who || !ce->action || !ce->changes || !ce->note) {
		free(ce->who), free(ce->action), free(ce->changes), free(ce->note);
		return 1;
	}
	v->nevents++;
	return 0;
}

static int collect_move(const struct allowed_move *m, void *ctx)
{
	struct cview *v = ctx;
	if (v->nmoves == 16)
		return 1;
	struct cmove *c = &v->moves[v->nmoves++];
	snprintf(c->to, sizeof c->to, "%s", m->to);
	snprintf(c->outcome, sizeof c->outcome, "%s", m->outcome ? m->outcome : "");
	c->attorney = m->needs_attorney;
	c->possible = m->possible;
	snprintf(c->reason, sizeof c->reason, "%s", m->reason ? m->reason : "");
	return 0;
}

static void free_data(struct cview *v)
{
	demand_free(&v->d);
	for (int i = 0; i < v->nevents; i++) {
		struct cevent *e = &v->events[i];
		free(e->who), free(e->action), free(e->changes), free(e->note);
	}
	free(v->events);
	v->events = NULL;
	v->nevents = 0;
	for (int i = 0; i < v->nobligations; i++)
		free(v->obligations[i]);
	v->nobligations = 0;
	v->nmoves = 0;
	ui_lines_clear(&v->lines);
	v->built_for = 0;
}

static void collect_obligation(const char *text, void *ctx)
{
	struct cview *v = ctx;
	if (v->nobligations < (int)(sizeof v->obligations / sizeof v->obligations[0]))
		if ((v->obligations[v->nobligations] = strdup(text)))
			v->nobligations++;
}

/* The obligations now, in the words docket show uses. */
static enum dk_status load_obligations(struct ui *ui, struct cview *v, struct dk_error *err)
{
	struct ob_facts f;
	int64_t now = when_now();
	enum dk_status s = obligation_load(ui->db, v->id, now, &f, err);
	if (s)
		return s;
	struct obligations ob;
	obligation_derive(&f, &ob);
	obligation_describe(&ob, now, collect_obligation, v);
	obligation_facts_free(&f);
	return DK_OK;
}

static void load(struct ui *ui, struct cview *v)
{
	free_data(v);
	v->failed[0] = '\0';
	struct dk_error err = {0};
	if (demand_get(ui->db, v->id, &v->d, &err) || audit_list(ui->db, v->id, collect_event, v, &err) ||
	    workflow_allowed(ui->db, v->id, collect_move, v, &err) || load_obligations(ui, v, &err)) {
		snprintf(v->failed, sizeof v->failed, "%s", err.msg);
		ui_fail(ui, &err);
		free_data(v);
	}
}

/* The moves bar above the footer: how many rows it needs at this width. */
static int moves_bar(struct ui *ui, struct cview *v, int y, bool draw)
{
	int x = 1, rows = 1;
	if (draw) {
		ui_fill(y, 0, ui->cols, A_NORMAL);
		ui_put(ui, y, x, 7, "Moves:", ui_attr(ui, ST_HEADING), true);
	}
	x += 7;
	if (!v->nmoves && draw)
		ui_put(ui, y, x, ui->cols - x - 1, "none (closed)", A_NORMAL, true);
	for (int i = 0; i < v->nmoves; i++) {
		char name[80], item[100];
		move_name(&v->moves[i], name, sizeof name);
		snprintf(item, sizeof item, "%d %s", i + 1, name);
		int w = (int)text_width(item) + 2;
		if (x + w > ui->cols) {
			rows++;
			y++;
			x = 8;
			if (draw)
				ui_fill(y, 0, ui->cols, A_NORMAL);
		}
		if (draw) {
			attr_t a = v->moves[i].possible ? A_NORMAL : ui_attr(ui, ST_DIM);
			char digit[2] = {item[0], '\0'};
			ui_put(ui, y, x, 1, digit, ui_attr(ui, ST_KEY) | a, true);
			ui_put(ui, y, x + 1, w - 1, item + 1, a, true);
		}
		x += w;
	}
	return rows;
}

static int body_height(struct ui *ui, struct cview *v)
{
	int h = ui->rows - 3 - moves_bar(ui, v, 0, false);
	return h > 1 ? h : 1;
}

static void case_draw(struct ui *ui, struct screen *s)
{
	struct cview *v = (struct cview *)s;
	char title[600];
	if (!v->d) {
		snprintf(title, sizeof title, "docket  demand %lld", (long long)v->id);
		ui_draw_title(ui, title);
		ui_put(ui, 2, 2, ui->cols - 4, v->failed[0] ? v->failed : "not found", ui_attr(ui, ST_ERROR), false);
		ui_draw_footer(ui, ui->rows - 2, case_keys);
		return;
	}
	const struct demand *d = v->d;
	char due[40] = "";
	if (d->due_at)
		when_relative(d->due_at, when_now(), due, sizeof due);
	const char *dot = ui_dot(ui);
	snprintf(title, sizeof title, "docket  demand %lld %s %s %s %s%s%s%s%s%s", (long long)d->id, dot, d->reference,
		 dot, d->status, d->outcome ? " (" : "", d->outcome ? d->outcome : "", d->outcome ? ")" : "",
		 due[0] ? " " : "", due[0] ? dot : "");
	if (due[0]) {
		size_t len = strlen(title);
		snprintf(title + len, sizeof title - len, " due %s", due);
	}
	ui_draw_title(ui, title);
	if (v->built_for != ui->cols - 1)
		build(ui, v, ui->cols - 1);
	int h = body_height(ui, v);
	if (v->top > v->lines.n - h)
		v->top = v->lines.n - h;
	if (v->top < 0)
		v->top = 0;
	for (int r = 0; r < h && v->top + r < v->lines.n; r++) {
		const struct ui_line *l = &v->lines.v[v->top + r];
		ui_put(ui, 1 + r, 0, ui->cols, l->text, ui_attr(ui, l->style), true);
	}
	moves_bar(ui, v, 1 + h, true);
	ui_draw_footer(ui, ui->rows - 2, case_keys);
}

static bool writable(struct ui *ui)
{
	if (!ui->readonly)
		return true;
	ui_say(ui, ST_ERROR, "read-only: %s", ui->readonly);
	return false;
}

static void make_move(struct ui *ui, struct cview *v, int i)
{
	if (i >= v->nmoves) {
		ui_say(ui, ST_ERROR, "demand %lld: there is no move %d from %s", (long long)v->id, i + 1,
		       v->d ? v->d->status : "here");
		return;
	}
	const struct cmove *m = &v->moves[i];
	if (m->possible) {
		if (writable(ui))
			case_form_move(ui, v->d, m->to, m->outcome);
		return;
	}
	/* Not possible now: let the core say why, in its words; nothing is written. */
	struct move_request req = {
		.id = v->id,
		.to = m->to,
		.outcome = m->outcome[0] ? m->outcome : NULL,
		.expect_version = v->d->version,
	};
	struct dk_error err = {0};
	if (workflow_move(ui->db, &ui->who, &req, &err) == DK_OK)
		case_changed(ui, "demand %lld moved to %s", (long long)v->id, m->to);
	else
		case_refused(ui, v->id, v->d->version, &err);
}

static bool case_key(struct ui *ui, struct screen *s, int action, int key)
{
	struct cview *v = (struct cview *)s;
	int h = body_height(ui, v);
	if (key >= '1' && key <= '9') {
		if (v->d)
			make_move(ui, v, key - '1');
		return true;
	}
	switch (action) {
	case C_DOWN: v->top++; return true;
	case C_UP: v->top--; return true;
	case C_PGDN: v->top += h; return true;
	case C_PGUP: v->top -= h; return true;
	case C_FIRST: v->top = 0; return true;
	case C_LAST: v->top = v->lines.n; return true;
	case C_REFRESH: ui_reload_all(ui); return true;
	case C_LETTERS: ui_push(ui, outbox_screen_new(ui, v->id)); return true;
	default: break;
	}
	if (!v->d || action < C_NOTE || action > C_NOTICE)
		return false;
	if (!writable(ui))
		return true;
	switch (action) {
	case C_NOTE: case_form_note(ui, v->d); break;
	case C_ASSIGN: case_form_assign(ui, v->d); break;
	case C_ORDER: case_form_order(ui, v->d); break;
	case C_VERIFY: case_form_verify(ui, v->d); break;
	case C_EXTEND: case_form_extend(ui, v->d); break;
	case C_NOTICE: case_form_notice(ui, v->d); break;
	default: break;
	}
	return true;
}

static void case_reload(struct ui *ui, struct screen *s)
{
	load(ui, (struct cview *)s);
}

static void case_free(struct screen *s)
{
	struct cview *v = (struct cview *)s;
	free_data(v);
	ui_lines_free(&v->lines);
	free(v);
}

const struct screen_ops case_screen_ops = {
	.name = "case",
	.keys = case_keys,
	.draw = case_draw,
	.key = case_key,
	.reload = case_reload,
	.free = case_free,
};

bool case_screen_shows(const struct screen *s, int64_t id)
{
	return s->ops == &case_screen_ops && ((const struct cview *)s)->id == id;
}

struct screen *case_screen_new(struct ui *ui, int64_t id)
{
	struct cview *v = calloc(1, sizeof *v);
	if (!v) {
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	v->base.ops = &case_screen_ops;
	v->id = id;
	load(ui, v);
	return &v->base;
}
