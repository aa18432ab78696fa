/* letter_forms.c: what a person does to a letter from the outbox and letter screens: try it again,
 * cancel it, correct its address or subject, record that they delivered it, or open its demand.
 * Each calls one notice_* function; the core decides, and its refusal is shown as it says it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "notice.h"
#include "text.h"
#include "ui_internal.h"

bool letter_key_action(int action)
{
	return action >= L_RETRY && action <= L_DEMAND;
}

static void done(struct ui *ui, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void done(struct ui *ui, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Our own writes do not move this connection's data_version: read everything again (the
	 * queue's count of letters that need a person among it). */
	ui_reload_all(ui);
	ui_say(ui, ST_OK, "%s", msg);
}

/* A refusal: the letter may have changed under the screen (sent, cancelled, recorded by someone
 * else), so everything is read again before the core's reason is shown. */
static void refused(struct ui *ui, const struct dk_error *err)
{
	ui_reload_all(ui);
	ui_fail(ui, err);
}

/* What a letter's form knows of it. */
struct lform {
	struct notice *n;
};

static void lform_free(void *ctx)
{
	struct lform *c = ctx;
	notice_free(&c->n);
	free(c);
}

/* Reads the letter for a form; NULL (having said why) when it cannot. */
static struct lform *lform_new(struct ui *ui, int64_t id)
{
	struct lform *c = calloc(1, sizeof *c);
	if (!c) {
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	struct dk_error err = {0};
	if (notice_get(ui->db, id, &c->n, &err)) {
		ui_fail(ui, &err);
		free(c);
		return NULL;
	}
	return c;
}

static void form_title(const struct notice *n, const char *what, char *out, size_t sz)
{
	snprintf(out, sz, "Notice %lld, %s%s%s: %s", (long long)n->id, n->kind, n->demand_id ? " for " : "",
		 n->reference, what);
}

/* The ending of a form's submit: a refusal by a rule closes the form (the letter is not what it
 * was); bad input leaves it open on the field named. */
static enum dk_status finish(struct ui *ui, struct form *f, enum dk_status s, const struct dk_error *err)
{
	if (s == DK_REFUSED) {
		refused(ui, err);
		f->close = true;
	}
	return s;
}

/* Retry: no form, nothing to ask. */
static void retry(struct ui *ui, int64_t id)
{
	struct dk_error err = {0};
	if (notice_retry(ui->db, &ui->who, id, &err))
		refused(ui, &err);
	else
		done(ui, "notice %lld: back in the queue; the next docket outbox send sends it", (long long)id);
}

/* Cancel. */
static enum dk_status cancel_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct lform *c = ctx;
	enum dk_status s = notice_cancel(ui->db, &ui->who, c->n->id, field_value(form_field(f, "reason")), err);
	if (s == DK_OK)
		done(ui, "notice %lld: cancelled", (long long)c->n->id);
	return finish(ui, f, s, err);
}

static void form_cancel(struct ui *ui, int64_t id)
{
	struct lform *c = lform_new(ui, id);
	if (!c)
		return;
	char title[600];
	form_title(c->n, "cancel", title, sizeof title);
	struct form *f = form_new(title, 1, cancel_submit, c, lform_free);
	if (!f)
		return;
	field_text(&f->fields[0], "reason", "Reason", true, TEXT_LONG_MAX, "");
	f->fields[0].hint = "Why it will not go out, for the demand's timeline.";
	f->intro = "Enter cancels the letter (it is kept, marked cancelled); Esc leaves it as it is.";
	ui_push(ui, &f->base);
}

/* Delivered by a person. */
static enum dk_status delivered_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct lform *c = ctx;
	const char *via = field_value(form_field(f, "via"));
	const char *at = field_value(form_field(f, "at"));
	enum dk_status s = notice_delivered(ui->db, &ui->who, c->n->id, via, at[0] ? at : NULL, err);
	if (s == DK_OK)
		done(ui, "notice %lld: recorded as delivered by %s", (long long)c->n->id, via);
	return finish(ui, f, s, err);
}

static void form_delivered(struct ui *ui, int64_t id)
{
	static const char *const vias[] = {"letter", "phone", "email", NULL};
	static const char *const labels[] = {"letter (posted or handed over)", "phone", "e-mail (sent by hand)", NULL};
	struct lform *c = lform_new(ui, id);
	if (!c)
		return;
	char title[600];
	form_title(c->n, "delivered by a person", title, sizeof title);
	struct form *f = form_new(title, 2, delivered_submit, c, lform_free);
	if (!f)
		return;
	f->fields[0].choice_labels = labels;
	field_choice(&f->fields[0], "via", "By", vias, "letter");
	field_text(&f->fields[1], "at", "When", false, 40, "");
	f->fields[1].check = field_check_date;
	f->fields[1].hint =
		"When it was posted, handed over or read out: YYYY-MM-DD or YYYY-MM-DDTHH:MM; empty for now";
	f->intro = "Enter on the last field records it; Esc cancels. A customer notice is refused while an order is in "
		   "force.";
	ui_push(ui, &f->base);
}

/* The address and the subject. */
static enum dk_status check_to(struct ui *ui, const struct field *f, struct dk_error *err)
{
	(void)ui;
	return f->value[0] ? mail_check_address(f->name, f->value, err) : DK_OK;
}

static enum dk_status edit_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct lform *c = ctx;
	const char *to = field_value(form_field(f, "To"));
	enum dk_status s = notice_edit(ui->db, &ui->who, c->n->id, c->n->version, to,
				       field_value(form_field(f, "Subject")), c->n->body, err);
	if (s == DK_OK)
		done(ui, "notice %lld: saved; %s", (long long)c->n->id,
		     *to ? "docket e-mails it on the next send" : "a person delivers it");
	return finish(ui, f, s, err);
}

static void form_edit(struct ui *ui, int64_t id)
{
	struct lform *c = lform_new(ui, id);
	if (!c)
		return;
	char title[600];
	form_title(c->n, "address and subject", title, sizeof title);
	struct form *f = form_new(title, 2, edit_submit, c, lform_free);
	if (!f)
		return;
	field_text(&f->fields[0], "To", "To (e-mail)", false, MAIL_ADDRESS_MAX, c->n->recipient);
	f->fields[0].check = check_to;
	f->fields[0].hint = "An address: docket e-mails it. Empty: a person delivers it.";
	field_text(&f->fields[1], "Subject", "Subject", true, MAIL_SUBJECT_MAX, c->n->subject);
	f->intro = "Ctrl-S saves; Esc cancels. The text itself: docket outbox edit.";
	ui_push(ui, &f->base);
}

/* Its demand: the case already open beneath, else a new one on top. */
static void open_demand(struct ui *ui, int64_t demand_id)
{
	if (!demand_id) {
		ui_say(ui, ST_ERROR, "the digest belongs to no demand");
		return;
	}
	for (int i = ui->depth - 1; i >= 0; i--) {
		if (!case_screen_shows(ui->stack[i], demand_id))
			continue;
		while (ui->depth > i + 1)
			ui_pop(ui);
		return;
	}
	ui_push(ui, case_screen_new(ui, demand_id));
}

void letter_key(struct ui *ui, int action, int64_t id, int64_t demand_id)
{
	if (action == L_DEMAND) {
		open_demand(ui, demand_id);
		return;
	}
	if (ui->readonly) {
		ui_say(ui, ST_ERROR, "read-only: %s", ui->readonly);
		return;
	}
	switch (action) {
	case L_RETRY: retry(ui, id); break;
	case L_CANCEL: form_cancel(ui, id); break;
	case L_DELIVERED: form_delivered(ui, id); break;
	case L_EDIT: form_edit(ui, id); break;
	default: break;
	}
}
