/* queue_filter.c: the queue's filter form: status, assignee (anyone, mine, a login), late, under
 * a non-disclosure order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "demand.h"
#include "queue_view.h"
#include "staff.h"

struct logins {
	char **names, **labels;
	int n, cap;
	bool oom;
};

static void add_login(struct logins *l, const char *name, const char *label)
{
	if (l->oom)
		return;
	if (l->n + 2 > l->cap) {
		int cap = l->cap ? l->cap * 2 : 16;
		char **a = realloc(l->names, (size_t)cap * sizeof *a);
		if (a)
			l->names = a;
		char **b = a ? realloc(l->labels, (size_t)cap * sizeof *b) : NULL;
		if (!a || !b) {
			l->oom = true;
			return;
		}
		l->labels = b;
		l->cap = cap;
	}
	l->names[l->n] = strdup(name);
	l->labels[l->n] = strdup(label);
	if (!l->names[l->n] || !l->labels[l->n]) {
		free(l->names[l->n]);
		free(l->labels[l->n]);
		l->oom = true;
		return;
	}
	l->n++;
	l->names[l->n] = l->labels[l->n] = NULL;
}

static int add_staff(const struct staff *st, void *ctx)
{
	if (st->active) {
		char label[300];
		snprintf(label, sizeof label, "%s (%s, %s)", st->login, st->name, st->role);
		add_login(ctx, st->login, label);
	}
	return 0;
}

/* The names to pick an assignee from: first and second are the choices before the logins. */
bool ui_staff_choices(struct ui *ui, const char *first, const char *first_label, const char *second,
		      const char *second_label, char ***names, char ***labels)
{
	struct logins l = {0};
	add_login(&l, first, first_label);
	if (second)
		add_login(&l, second, second_label);
	struct dk_error err = {0};
	if (staff_list(ui->db, add_staff, &l, &err))
		ui_fail(ui, &err);
	if (l.oom) {
		for (int i = 0; i < l.n; i++)
			free(l.names[i]), free(l.labels[i]);
		free(l.names);
		free(l.labels);
		return false;
	}
	*names = l.names;
	*labels = l.labels;
	return true;
}

static enum dk_status submit(struct ui *ui, struct form *f, void *ctx, struct dk_error *err)
{
	(void)err;
	struct qview *v = ctx;
	const char *status = field_value(form_field(f, "status"));
	const char *who = field_value(form_field(f, "assignee"));
	snprintf(v->status_name, sizeof v->status_name, "%s", strcmp(status, "open") == 0 ? "" : status);
	v->mine = strcmp(who, "(mine)") == 0;
	snprintf(v->assignee, sizeof v->assignee, "%s", v->mine || strcmp(who, "(anyone)") == 0 ? "" : who);
	v->filter.late = form_field(f, "late")->checked;
	v->filter.under_order = form_field(f, "under_order")->checked;
	qview_apply_filter(ui, v);
	return DK_OK;
}

void qview_filter_form(struct ui *ui, struct qview *v)
{
	static const char *statuses[16];
	if (!statuses[0]) {
		int n = 0;
		statuses[n++] = "open";
		statuses[n++] = "all";
		for (int i = 0; demand_states[i] && n < 15; i++)
			statuses[n++] = demand_states[i];
		statuses[n] = NULL;
	}
	struct form *f = form_new("Filter the queue", 4, submit, v, NULL);
	if (!f)
		return;
	f->intro = "Space or Left/Right changes a field; Enter applies; Esc leaves the filter as it was.";
	f->enter_submits = true;
	field_choice(&f->fields[0], "status", "Status", statuses, v->status_name[0] ? v->status_name : "open");
	char **names = NULL, **labels = NULL;
	char mine[120];
	snprintf(mine, sizeof mine, "mine (%s)", ui->who.actor);
	if (!ui_staff_choices(ui, "(anyone)", "anyone", "(mine)", mine, &names, &labels)) {
		f->base.ops->free(&f->base);
		ui_say(ui, ST_ERROR, "out of memory");
		return;
	}
	field_choice_owned(&f->fields[1], "assignee", "Assignee", names, labels,
			   v->mine          ? "(mine)"
			   : v->assignee[0] ? v->assignee
					    : "(anyone)");
	f->fields[1].picker = true;
	field_check(&f->fields[2], "late", "Late only", v->filter.late);
	field_check(&f->fields[3], "under_order", "Under an order only", v->filter.under_order);
	ui_push(ui, &f->base);
}
