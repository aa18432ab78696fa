/* intake.c: the intake form: every field a new demand has, each checked as it is left with the
 * core's own checks, the enumerations and the customer picked from lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "country.h"
#include "demand.h"
#include "party.h"
#include "text.h"
#include "ui_internal.h"
#include "when.h"

enum {
	I_REFERENCE,
	I_RECEIVED,
	I_CHANNEL,
	I_INSTRUMENT,
	I_EMERGENCY,
	I_CUSTOMER,
	I_REQUESTER,
	I_KIND,
	I_AGENCY,
	I_JURISDICTION,
	I_RCONTACT,
	I_REMAIL,
	I_RPHONE,
	I_IDENTIFIERS,
	I_SUBSCRIBER,
	I_NON_CONTENT,
	I_CONTENT,
	I_DUE,
	I_ASSIGNEE,
	I_SOURCE,
	I_NOTE,
	I_FIELDS
};

static enum dk_status check_jurisdiction(struct ui *ui, const struct field *f, struct dk_error *err)
{
	enum dk_status s = field_check_text(ui, f, err);
	char cc[3], sub[4];
	if (!s)
		s = country_parse_jurisdiction(f->name, f->value, cc, sub, err);
	return s;
}

static enum dk_status check_email(struct ui *ui, const struct field *f, struct dk_error *err)
{
	(void)ui;
	return party_check_email(f->name, f->value, err);
}

/* Splits the identifiers field at commas and spaces into at most max items (in buf). */
static size_t split_identifiers(const char *s, char *buf, size_t bufsz, const char **items, size_t max)
{
	snprintf(buf, bufsz, "%s", s);
	size_t n = 0;
	char *save = NULL;
	for (char *p = strtok_r(buf, ", \t", &save); p && n < max; p = strtok_r(NULL, ", \t", &save))
		items[n++] = p;
	return n;
}

static enum dk_status check_identifiers(struct ui *ui, const struct field *f, struct dk_error *err)
{
	enum dk_status s = field_check_text(ui, f, err);
	if (s)
		return s;
	char buf[TEXT_LONG_MAX + 1];
	const char *items[64];
	size_t n = split_identifiers(f->value, buf, sizeof buf, items, 64);
	for (size_t i = 0; i < n; i++) {
		const char *kind, *value;
		if ((s = text_check("identifier", items[i], TEXT_SHORT_MAX, false, true, err)) ||
		    (s = demand_identifier_parse(items[i], &kind, &value, err)))
			return s;
	}
	return DK_OK;
}

static enum dk_status submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	(void)ctx;
	struct field *fl = f->fields;
	char buf[TEXT_LONG_MAX + 1];
	const char *ids[64];
	size_t nids = split_identifiers(fl[I_IDENTIFIERS].value, buf, sizeof buf, ids, 64);
	const char *cats[3];
	size_t ncats = 0;
	if (fl[I_SUBSCRIBER].checked)
		cats[ncats++] = "subscriber";
	if (fl[I_NON_CONTENT].checked)
		cats[ncats++] = "non_content";
	if (fl[I_CONTENT].checked)
		cats[ncats++] = "content";
	const char *assignee = field_value(&fl[I_ASSIGNEE]);
	struct demand_input in = {
		.source = fl[I_SOURCE].value[0] ? fl[I_SOURCE].value : NULL,
		.reference = fl[I_REFERENCE].value,
		.received = fl[I_RECEIVED].value[0] ? fl[I_RECEIVED].value : NULL,
		.channel = field_value(&fl[I_CHANNEL]),
		.instrument = field_value(&fl[I_INSTRUMENT]),
		.customer = field_value(&fl[I_CUSTOMER]),
		.requester =
			{
				.name = fl[I_REQUESTER].value,
				.kind = field_value(&fl[I_KIND]),
				.agency = fl[I_AGENCY].value,
				.jurisdiction = fl[I_JURISDICTION].value,
				.contact_name = fl[I_RCONTACT].value,
				.email = fl[I_REMAIL].value,
				.phone = fl[I_RPHONE].value,
			},
		.identifiers = ids,
		.n_identifiers = nids,
		.categories = cats,
		.n_categories = ncats,
		.response_due = fl[I_DUE].value[0] ? fl[I_DUE].value : NULL,
		.emergency = fl[I_EMERGENCY].checked,
		.assignee = strcmp(assignee, "(nobody)") == 0 ? NULL : assignee,
		.note = fl[I_NOTE].value[0] ? fl[I_NOTE].value : NULL,
	};
	if (!in.customer[0])
		return dk_fail(err, DK_INVALID, "customer: pick the customer whose data is demanded");
	int64_t id = 0;
	enum dk_status s = demand_check(&in, err);
	if (!s)
		s = demand_add(ui->db, &ui->who, &in, &id, err);
	if (s)
		return s;
	/* The queue and its counts take the new demand in; its case opens. */
	ui_reload_all(ui);
	ui_say(ui, ST_OK, "demand %lld recorded", (long long)id);
	f->then_open = id;
	return DK_OK;
}

struct customers {
	char **tenants, **labels;
	int n, cap;
	bool oom;
};

static int add_customer(const struct customer *c, void *ctx)
{
	struct customers *l = ctx;
	if (l->n + 2 > l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		char **a = realloc(l->tenants, (size_t)cap * sizeof *a);
		if (a)
			l->tenants = a;
		char **b = a ? realloc(l->labels, (size_t)cap * sizeof *b) : NULL;
		if (!a || !b) {
			l->oom = true;
			return 1;
		}
		l->labels = b;
		l->cap = cap;
	}
	char label[600];
	snprintf(label, sizeof label, "%s (%s, data in %s)", c->name, c->tenant, c->region);
	l->tenants[l->n] = strdup(c->tenant);
	l->labels[l->n] = strdup(label);
	if (!l->tenants[l->n] || !l->labels[l->n]) {
		free(l->tenants[l->n]), free(l->labels[l->n]);
		l->oom = true;
		return 1;
	}
	l->n++;
	l->tenants[l->n] = l->labels[l->n] = NULL;
	return 0;
}

struct screen *intake_screen_new(struct ui *ui)
{
	struct form *f = form_new("New demand", I_FIELDS, submit, NULL, NULL);
	if (!f) {
		ui_say(ui, ST_ERROR, "out of memory");
		return NULL;
	}
	f->intro = "Tab moves between fields, Enter on a list field picks, Ctrl-S saves, Esc cancels. * is required.";
	struct field *fl = f->fields;
	field_text(&fl[I_REFERENCE], "reference", "Reference", true, TEXT_SHORT_MAX, "");
	fl[I_REFERENCE].hint = "The requester's reference for the demand (unique per source).";
	field_text(&fl[I_RECEIVED], "received", "Received", false, 40, "");
	fl[I_RECEIVED].check = field_check_date;
	fl[I_RECEIVED].hint = "YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC); empty for now";
	field_choice(&fl[I_CHANNEL], "channel", "Channel", demand_channels, "email");
	fl[I_CHANNEL].picker = true;
	field_choice(&fl[I_INSTRUMENT], "instrument", "Instrument", demand_instruments, "subpoena");
	fl[I_INSTRUMENT].picker = true;
	field_check(&fl[I_EMERGENCY], "emergency", "Emergency", false);
	fl[I_EMERGENCY].hint = "An emergency request may skip redirecting.";

	struct customers cs = {0};
	struct dk_error err = {0};
	if (customer_list(ui->db, NULL, add_customer, &cs, &err))
		ui_fail(ui, &err);
	if (cs.oom || !cs.n) {
		for (int i = 0; i < cs.n; i++)
			free(cs.tenants[i]), free(cs.labels[i]);
		free(cs.tenants), free(cs.labels);
		f->base.ops->free(&f->base);
		if (!cs.oom)
			ui_say(ui, ST_ERROR, "no customers yet: add one first (docket customer add)");
		return NULL;
	}
	field_choice_owned(&fl[I_CUSTOMER], "customer", "Customer", cs.tenants, cs.labels, NULL);
	fl[I_CUSTOMER].picker = true;
	fl[I_CUSTOMER].required = true;
	fl[I_CUSTOMER].hint = "Enter opens the customers; type to narrow by name or tenant id.";

	field_text(&fl[I_REQUESTER], "requester name", "Requester", true, TEXT_SHORT_MAX, "");
	field_choice(&fl[I_KIND], "requester kind", "Requester kind", party_requester_kinds, "law_enforcement");
	fl[I_KIND].picker = true;
	field_text(&fl[I_AGENCY], "agency", "Agency or firm", false, TEXT_SHORT_MAX, "");
	field_text(&fl[I_JURISDICTION], "jurisdiction", "Jurisdiction", true, 10, "");
	fl[I_JURISDICTION].check = check_jurisdiction;
	fl[I_JURISDICTION].hint = "ISO 3166 country code, optionally with a subdivision: US, DE, US-CA";
	field_text(&fl[I_RCONTACT], "requester contact", "Contact", false, TEXT_SHORT_MAX, "");
	field_text(&fl[I_REMAIL], "requester email", "E-mail", false, TEXT_SHORT_MAX, "");
	fl[I_REMAIL].check = check_email;
	field_text(&fl[I_RPHONE], "requester phone", "Phone", false, 40, "");
	field_text(&fl[I_IDENTIFIERS], "identifier", "Identifiers", false, TEXT_LONG_MAX, "");
	fl[I_IDENTIFIERS].check = check_identifiers;
	fl[I_IDENTIFIERS].hint = "Accounts, e-mails, IPs, phones, separated by commas; kind:value to say the kind.";
	field_check(&fl[I_SUBSCRIBER], "category", "Wants subscriber", true);
	field_check(&fl[I_NON_CONTENT], "category_non_content", "Wants non-content", false);
	field_check(&fl[I_CONTENT], "category_content", "Wants content", false);
	field_text(&fl[I_DUE], "due", "Response date", false, 40, "");
	fl[I_DUE].check = field_check_date;
	fl[I_DUE].hint = "The date the demand asks for an answer by: YYYY-MM-DD (optional)";
	char **names, **labels;
	if (ui_staff_choices(ui, "(nobody)", "nobody", NULL, NULL, &names, &labels)) {
		field_choice_owned(&fl[I_ASSIGNEE], "assignee", "Assignee", names, labels, "(nobody)");
		fl[I_ASSIGNEE].picker = true;
	} else {
		static const char *const nobody[] = {"(nobody)", NULL};
		field_choice(&fl[I_ASSIGNEE], "assignee", "Assignee", nobody, NULL);
	}
	field_text(&fl[I_SOURCE], "source", "Intake source", false, 64, "");
	fl[I_SOURCE].hint = "Where it came from; empty for manual.";
	field_text(&fl[I_NOTE], "note", "Note", false, TEXT_LONG_MAX, "");
	return &f->base;
}
