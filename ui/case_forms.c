/* case_forms.c: the forms that change a case: a move (with its note and, for a disclosure, the
 * categories disclosed), a note, an assignment, an order, a verification, an extension and a
 * customer notice given by hand. Each calls one workflow_* function; the core decides. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demand.h"
#include "text.h"
#include "ui_internal.h"
#include "when.h"
#include "workflow.h"

/* What a case form knows of the demand it changes. */
struct cform {
	int64_t id;
	int64_t version; /* as the case screen read it: the change is refused if it moved on */
	char to[24], outcome[32];
};

static struct cform *cform_new(const struct demand *d)
{
	struct cform *c = calloc(1, sizeof *c);
	if (c) {
		c->id = d->id;
		c->version = d->version;
	}
	return c;
}

/* A form on demand d, titled "Demand ID: what"; NULL when out of memory. */
static struct form *demand_form(const struct demand *d, const char *what, int nfields, form_submit_fn submit)
{
	char title[160];
	snprintf(title, sizeof title, "Demand %lld: %s", (long long)d->id, what);
	struct cform *c = cform_new(d);
	return c ? form_new(title, nfields, submit, c, free) : NULL;
}

void case_changed(struct ui *ui, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* Our own writes do not move this connection's data_version: read everything again. */
	ui_reload_all(ui);
	ui_say(ui, ST_OK, "%s", msg);
}

struct version_of {
	int64_t version;
};

static int take_version(const struct demand_row *r, const struct queue_key *k, void *ctx)
{
	(void)k;
	((struct version_of *)ctx)->version = r->version;
	return 1;
}

/* Shows the core's refusal; when the demand changed since the screen read it, reads it again and
 * says so. Returns whether it had changed. */
static bool refused(struct ui *ui, int64_t id, int64_t version, const struct dk_error *err)
{
	struct version_of now = {version};
	struct dk_error e2 = {0};
	bool changed = queue_row(ui->q, id, 0, take_version, &now, &e2) == DK_OK && now.version != version;
	if (changed) {
		/* The core's advice is to reload: done here. */
		char msg[DK_ERROR_MAX];
		snprintf(msg, sizeof msg, "%s", err->msg);
		char *cut = strstr(msg, "; reload and try again");
		if (cut)
			*cut = '\0';
		ui_reload_all(ui);
		ui_say(ui, ST_ERROR, "%s; docket read it again: check it and try again", msg);
	} else {
		ui_fail(ui, err);
	}
	return changed;
}

void case_refused(struct ui *ui, int64_t id, int64_t version, const struct dk_error *err)
{
	refused(ui, id, version, err);
}

/* The ending of a form's submit: success, or a refusal that closes the form when the demand
 * changed under it. */
static enum dk_status finish(struct ui *ui, struct form *f, const struct cform *c, enum dk_status s,
			     const struct dk_error *err, const char *done)
{
	if (s == DK_OK) {
		case_changed(ui, "demand %lld: %s", (long long)c->id, done);
		return DK_OK;
	}
	if (s == DK_REFUSED && refused(ui, c->id, c->version, err))
		f->close = true;
	return s;
}

/* Moves. */
static enum dk_status move_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	const char *disclosed[3];
	size_t n = 0;
	static const char *const cats[] = {"subscriber", "non_content", "content"};
	for (int i = 0; i < 3; i++) {
		struct field *fl = form_field(f, cats[i]);
		if (fl && fl->checked)
			disclosed[n++] = cats[i];
	}
	struct move_request req = {
		.id = c->id,
		.to = c->to,
		.outcome = c->outcome[0] ? c->outcome : NULL,
		.note = field_value(form_field(f, "note")),
		.disclosed = disclosed,
		.n_disclosed = n,
		.expect_version = c->version,
	};
	char done[120];
	snprintf(done, sizeof done, "moved to %s%s%s%s", c->to, c->outcome[0] ? " (" : "", c->outcome,
		 c->outcome[0] ? ")" : "");
	return finish(ui, f, c, workflow_move(ui->db, &ui->who, &req, err), err, done);
}

void case_form_move(struct ui *ui, const struct demand *d, const char *to, const char *outcome)
{
	struct cform *c = cform_new(d);
	if (!c)
		return;
	snprintf(c->to, sizeof c->to, "%s", to);
	snprintf(c->outcome, sizeof c->outcome, "%s", outcome ? outcome : "");
	bool content = strcmp(c->outcome, "disclosed_content") == 0;
	bool disclosing = content || strcmp(c->outcome, "disclosed_non_content") == 0;
	char title[200];
	snprintf(title, sizeof title, "Demand %lld: move from %s to %s%s%s%s", (long long)d->id, d->status, to,
		 c->outcome[0] ? " (" : "", c->outcome, c->outcome[0] ? ")" : "");
	struct form *f = form_new(title, disclosing ? 4 : 1, move_submit, c, free);
	if (!f)
		return;
	int i = 0;
	if (disclosing) {
		static const char *const cats[] = {"subscriber", "non_content", "content"};
		static const char *const labels[] = {"Disclosed: subscriber", "Disclosed: non-content",
						     "Disclosed: content"};
		for (int k = 0; k < 3; k++) {
			bool requested = d->requested & (1u << k);
			field_check(&f->fields[i++], cats[k], labels[k], requested && (content || k != 2));
		}
	}
	field_text(&f->fields[i], "note", "Note", false, TEXT_LONG_MAX, "");
	f->fields[i].hint = d->cross_region || d->process_flag
				    ? "The demand is flagged: say in the note how the review handled it."
				    : "Why, for the timeline (optional).";
	f->intro = "Enter on the note makes the move; Esc cancels and nothing is written.";
	f->focus = i;
	ui_push(ui, &f->base);
}

/* A note. */
static enum dk_status note_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	enum dk_status s = workflow_note(ui->db, &ui->who, c->id, field_value(form_field(f, "note")), err);
	return finish(ui, f, c, s, err, "note added");
}

void case_form_note(struct ui *ui, const struct demand *d)
{
	struct form *f = demand_form(d, "add a note", 1, note_submit);
	if (!f)
		return;
	field_text(&f->fields[0], "note", "Note", true, TEXT_LONG_MAX, "");
	f->intro = "Enter adds the note to the timeline; Esc cancels.";
	ui_push(ui, &f->base);
}

/* Assignment. */
static enum dk_status assign_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	const char *login = field_value(form_field(f, "assignee"));
	if (strcmp(login, "(nobody)") == 0)
		login = "";
	enum dk_status s = workflow_assign(ui->db, &ui->who, c->id, login, c->version, err);
	char done[120];
	snprintf(done, sizeof done, *login ? "assigned to %s" : "unassigned%s", login);
	return finish(ui, f, c, s, err, done);
}

void case_form_assign(struct ui *ui, const struct demand *d)
{
	struct form *f = demand_form(d, "assign", 1, assign_submit);
	if (!f)
		return;
	char **names, **labels;
	if (!ui_staff_choices(ui, "(nobody)", "nobody (unassigned)", NULL, NULL, &names, &labels)) {
		f->base.ops->free(&f->base);
		return;
	}
	field_choice_owned(&f->fields[0], "assignee", "Assignee", names, labels,
			   d->assignee ? d->assignee : "(nobody)");
	f->fields[0].picker = true;
	f->intro = "Enter picks from the staff; Ctrl-S assigns; Esc cancels.";
	ui_push(ui, &f->base);
}

/* A non-disclosure order. */
static const char *const order_ends[] = {"expires", "indefinite", "lifted", "unchanged", NULL};
static const char *const order_end_labels[] = {"expires on the date below", "indefinite: no end date",
					       "was lifted on the date below", "unchanged", NULL};

static enum dk_status order_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	const char *ends = field_value(form_field(f, "ends"));
	const char *date = field_value(form_field(f, "date"));
	struct order_input in = {
		.reference = field_value(form_field(f, "reference")),
		.statute = field_value(form_field(f, "statute")),
		.issued = field_value(form_field(f, "issued")),
		.challenged = form_field(f, "challenged")->checked,
		.reviewed = form_field(f, "reviewed")->checked,
		.reason = field_value(form_field(f, "reason")),
	};
	if (!in.reason[0])
		in.reason = NULL;
	if (!in.issued[0])
		in.issued = NULL;
	if (!in.statute[0])
		in.statute = NULL;
	if (strcmp(ends, "expires") == 0 || strcmp(ends, "lifted") == 0) {
		if (!date[0])
			return dk_fail(err, DK_INVALID, "date: the order %s on which date?", ends);
		if (ends[0] == 'e')
			in.expires = date;
		else
			in.lifted = date;
	} else if (strcmp(ends, "indefinite") == 0) {
		in.indefinite = true;
	}
	char warning[400], done[440];
	enum dk_status s = workflow_order(ui->db, &ui->who, c->id, &in, warning, sizeof warning, err);
	snprintf(done, sizeof done, "order recorded%s%s", warning[0] ? "; warning: " : "", warning);
	return finish(ui, f, c, s, err, done);
}

void case_form_order(struct ui *ui, const struct demand *d)
{
	struct form *f = demand_form(d, "non-disclosure order", 8, order_submit);
	if (!f)
		return;
	/* The order in force (else the last one) comes filled in, so that updating it is quick. */
	const struct nd_order *o = NULL;
	for (size_t i = 0; i < d->n_orders; i++)
		if (!o || d->orders[i].in_force)
			o = &d->orders[i];
	field_text(&f->fields[0], "reference", "Order reference", true, TEXT_SHORT_MAX, o ? o->reference : "");
	f->fields[0].hint = "An order with this reference on the demand is updated; a new one is added.";
	field_text(&f->fields[1], "statute", "Statute", false, TEXT_SHORT_MAX, o ? o->statute : "");
	f->fields[1].hint = "The law it was issued under, e.g. 18 U.S.C. 2705(b).";
	char issued[16] = "";
	if (o && o->issued_at)
		when_format_date(o->issued_at, issued, sizeof issued);
	field_text(&f->fields[2], "issued", "Issued", false, 40, issued);
	f->fields[2].check = field_check_date;
	f->fields[2].hint = "YYYY-MM-DD";
	f->fields[3].choice_labels = order_end_labels;
	field_choice(&f->fields[3], "ends", "It", order_ends, o ? "unchanged" : "expires");
	char date[16] = "";
	if (o && o->expires_at)
		when_format_date(o->expires_at, date, sizeof date);
	field_text(&f->fields[4], "date", "Date", false, 40, date);
	f->fields[4].check = field_check_date;
	f->fields[4].hint = "When it expires or was lifted: YYYY-MM-DD";
	field_check(&f->fields[5], "challenged", "Being challenged", o && o->challenged);
	field_check(&f->fields[6], "reviewed", "Reviewed now", false);
	f->fields[6].hint = "An attorney reviewed the order today (clears a review that is due).";
	field_text(&f->fields[7], "reason", "Reason", false, TEXT_LONG_MAX, "");
	f->fields[7].hint = "Why: required to lift it, to end it sooner and with Reviewed now.";
	f->intro = "Ctrl-S records the order; Esc cancels.";
	ui_push(ui, &f->base);
}

/* Verification of the requester. */
static enum dk_status verify_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	const char *note = field_value(form_field(f, "note"));
	enum dk_status s = workflow_authenticate(ui->db, &ui->who, c->id, field_value(form_field(f, "method")),
						 note[0] ? note : NULL, err);
	return finish(ui, f, c, s, err, "verification recorded");
}

void case_form_verify(struct ui *ui, const struct demand *d)
{
	struct form *f = demand_form(d, "the requester's identity was verified", 2, verify_submit);
	if (!f)
		return;
	static const char *const labels[] = {"callback to a known number", "official e-mail domain",
					     "portal credential", "supervisor contact (emergencies)", NULL};
	f->fields[0].choice_labels = labels;
	field_choice(&f->fields[0], "method", "Method", workflow_verify_methods, "callback");
	field_text(&f->fields[1], "note", "How", false, TEXT_LONG_MAX, "");
	f->fields[1].hint = "The number called, the supervisor's name.";
	f->intro = "Enter on the last field records it; Esc cancels.";
	ui_push(ui, &f->base);
}

/* A later deadline. */
static enum dk_status extend_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	enum dk_status s = workflow_extend(ui->db, &ui->who, c->id, field_value(form_field(f, "due")),
					   field_value(form_field(f, "reason")), err);
	return finish(ui, f, c, s, err, "deadline extended");
}

void case_form_extend(struct ui *ui, const struct demand *d)
{
	struct form *f = demand_form(d, "extend the deadline", 2, extend_submit);
	if (!f)
		return;
	field_text(&f->fields[0], "due", "New deadline", true, 40, "");
	f->fields[0].check = field_check_date;
	f->fields[0].hint = "YYYY-MM-DD or YYYY-MM-DDTHH:MM, later than the current one";
	field_text(&f->fields[1], "reason", "Reason", true, TEXT_LONG_MAX, "");
	f->intro = "Enter on the reason extends it; Esc cancels.";
	ui_push(ui, &f->base);
}

/* A customer notice given by hand. */
static enum dk_status notice_submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	struct cform *c = ctx;
	const char *at = field_value(form_field(f, "at"));
	enum dk_status s = workflow_notice_record(ui->db, &ui->who, c->id, field_value(form_field(f, "via")),
						  at[0] ? at : NULL, err);
	return finish(ui, f, c, s, err, "customer notice recorded");
}

void case_form_notice(struct ui *ui, const struct demand *d)
{
	static const char *const vias[] = {"letter", "phone", "email", NULL};
	struct form *f = demand_form(d, "the customer was told", 2, notice_submit);
	if (!f)
		return;
	field_choice(&f->fields[0], "via", "By", vias, "letter");
	field_text(&f->fields[1], "at", "When", false, 40, "");
	f->fields[1].check = field_check_date;
	f->fields[1].hint = "YYYY-MM-DD or YYYY-MM-DDTHH:MM; empty for now";
	f->intro = "Enter on the last field records it; Esc cancels. Refused while an order is in force.";
	ui_push(ui, &f->base);
}
