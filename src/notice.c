/* notice.c: drafting letters from templates, queueing them, reading the outbox, the digest. */
#include "notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "demand.h"
#include "mail.h"
#include "notice_internal.h"
#include "template.h"
#include "text.h"
#include "when.h"

const char *const notice_kinds[] = {"redirect", "advance", "delayed", "digest", NULL};
const char *const notice_statuses[] = {"queued", "sending", "sent", "failed", "cancelled", NULL};

enum dk_status notice_judge(struct db *db, const struct notice *n, int64_t now, struct notice_judged *j,
			    struct dk_error *err)
{
	memset(j, 0, sizeof *j);
	if (!n->demand_id)
		return DK_OK;
	enum dk_status s = obligation_load(db, n->demand_id, now, &j->f, err);
	if (!s) {
		obligation_derive(&j->f, &j->ob);
		j->loaded = true;
	}
	return s;
}

void notice_judged_free(struct notice_judged *j)
{
	if (j->loaded)
		obligation_facts_free(&j->f);
	j->loaded = false;
}

enum dk_status notice_why_not(struct db *db, const struct notice *n, const struct notice_judged *j,
			      const char *recipient, char *why, size_t nwhy, struct dk_error *err)
{
	why[0] = '\0';
	bool is;
	enum dk_status s = DK_OK;
	if (j->loaded)
		s = obligation_letter_may_go(db, &j->f, &j->ob, n->kind, recipient, why, nwhy, err);
	else if (strcmp(n->kind, "digest") == 0 && !(s = obligation_any_customer_address(db, recipient, &is, err)) && is)
		snprintf(why, nwhy, "the digest is for staff: %s is a customer's address", recipient);
	return s;
}

enum dk_status notice_may_go(struct db *db, const struct notice *n, const struct notice_judged *j,
			     const char *recipient, struct dk_error *err)
{
	char why[300];
	enum dk_status s = notice_why_not(db, n, j, recipient, why, sizeof why, err);
	if (s || !*why)
		return s;
	if (n->demand_id)
		return dk_fail(err, DK_REFUSED, "notice %lld: demand %lld: %s", (long long)n->id, (long long)n->demand_id,
			       why);
	return dk_fail(err, DK_REFUSED, "notice %lld: %s", (long long)n->id, why);
}

enum dk_status notice_log(struct db *db, const struct acting *by, int64_t demand_id, const char *action, struct buf *ch,
			  const char *note, int64_t now, struct dk_error *err)
{
	audit_changes_end(ch);
	enum dk_status s = ch->oom ? dk_fail(err, DK_STORAGE, "out of memory") : DK_OK;
	if (!s && demand_id)
		s = demand_touch(db, demand_id, now, err);
	if (!s)
		s = audit_append(db, demand_id, by, action, ch->data, note, now, err);
	buf_free(ch);
	return s;
}

/* What needs a person: a failed letter, or one queued for a person to deliver (docket cannot
 * e-mail it). The one definition, for the listing, the counts and a single notice. */
#define NEEDS_PERSON "(n.status = 'failed' OR (n.status = 'queued' AND n.via <> 'smtp'))"

#define NOTICE_COLUMNS                                                                                                 \
	"n.id, coalesce(n.demand_id, 0), coalesce(d.reference, ''), n.kind, n.via, n.status, n.recipient,"             \
	" n.recipient_name, n.subject, n.body, coalesce(n.message_id, ''), n.template, n.last_error, n.attempts,"      \
	" coalesce(n.next_attempt_at, 0), n.version, n.created_at, coalesce(n.updated_at, 0), coalesce(n.sent_at, 0)," \
	" " NEEDS_PERSON

enum dk_status notice_get(struct db *db, int64_t id, struct notice **out, struct dk_error *err)
{
	*out = NULL;
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT " NOTICE_COLUMNS " FROM notice AS n LEFT JOIN demand AS d ON d.id = n.demand_id"
			" WHERE n.id = ?1",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? dk_fail(err, DK_INVALID, "notice %lld: no such notice", (long long)id)
					 : db_error(db, "reading the notice", err);
	}
	struct notice *n = calloc(1, sizeof *n);
	if (!n) {
		sqlite3_reset(st);
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	n->id = sqlite3_column_int64(st, 0);
	n->demand_id = sqlite3_column_int64(st, 1);
	n->reference = db_col_strdup(st, 2);
	n->kind = db_col_strdup(st, 3);
	n->via = db_col_strdup(st, 4);
	n->status = db_col_strdup(st, 5);
	n->recipient = db_col_strdup(st, 6);
	n->recipient_name = db_col_strdup(st, 7);
	n->subject = db_col_strdup(st, 8);
	n->body = db_col_strdup(st, 9);
	n->message_id = db_col_strdup(st, 10);
	n->template_source = db_col_strdup(st, 11);
	n->last_error = db_col_strdup(st, 12);
	n->attempts = sqlite3_column_int64(st, 13);
	n->next_attempt_at = sqlite3_column_int64(st, 14);
	n->version = sqlite3_column_int64(st, 15);
	n->created_at = sqlite3_column_int64(st, 16);
	n->updated_at = sqlite3_column_int64(st, 17);
	n->sent_at = sqlite3_column_int64(st, 18);
	n->needs_person = sqlite3_column_int(st, 19);
	sqlite3_reset(st);
	if (!n->reference || !n->kind || !n->via || !n->status || !n->recipient || !n->recipient_name || !n->subject ||
	    !n->body || !n->message_id || !n->template_source || !n->last_error) {
		notice_free(&n);
		return dk_fail(err, DK_STORAGE, "out of memory");
	}
	*out = n;
	return DK_OK;
}

void notice_free(struct notice **pn)
{
	struct notice *n = *pn;
	if (!n)
		return;
	free(n->reference), free(n->kind), free(n->via), free(n->status), free(n->recipient);
	free(n->recipient_name), free(n->subject), free(n->body), free(n->message_id), free(n->template_source);
	free(n->last_error);
	free(n);
	*pn = NULL;
}

/* The fields a template may name: every one is defined for every letter, "" when empty. */
#define MAX_FIELDS 64

struct fields {
	struct template_field v[MAX_FIELDS];
	size_t n;
	char *owned[MAX_FIELDS];
	size_t nowned;
	bool oom;
};

static void field(struct fields *f, const char *name, const char *value)
{
	if (f->n < MAX_FIELDS)
		f->v[f->n++] = (struct template_field){name, value ? value : ""};
}

/* A field whose value the fields own (taken from a buffer). */
static void field_buf(struct fields *f, const char *name, struct buf *b)
{
	char *s = b->len ? buf_take(b) : NULL;
	if (b->oom)
		f->oom = true;
	buf_free(b);
	if (s && f->nowned < MAX_FIELDS)
		f->owned[f->nowned++] = s;
	field(f, name, s ? s : "");
}

static void field_date(struct fields *f, const char *name, int64_t t)
{
	struct buf b;
	buf_init(&b);
	if (t) {
		static const char *const months[] = {"January",   "February", "March",    "April",
						     "May",       "June",     "July",     "August",
						     "September", "October",  "November", "December"};
		time_t tt = (time_t)t;
		struct tm tm;
		gmtime_r(&tt, &tm);
		buf_printf(&b, "%d %s %d", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900);
	}
	field_buf(f, name, &b);
}

static void fields_free(struct fields *f)
{
	for (size_t i = 0; i < f->nowned; i++)
		free(f->owned[i]);
	f->nowned = f->n = 0;
}

static const char *label(const char *const *pairs, const char *name)
{
	for (size_t i = 0; pairs[i]; i += 2)
		if (strcmp(pairs[i], name) == 0)
			return pairs[i + 1];
	return name;
}

/* Mirrors instrument.label in schema/0001_init.sql. */
static const char *const instrument_labels[] = {"subpoena",
						"criminal subpoena",
						"court_order",
						"court order",
						"search_warrant",
						"search warrant",
						"emergency",
						"emergency request",
						"preservation",
						"preservation request",
						"mlat",
						"mutual legal assistance request",
						"national_security",
						"national security process",
						"civil_subpoena",
						"civil subpoena",
						"other",
						"other legal process",
						NULL};
static const char *const kind_labels[] = {"law_enforcement", "law enforcement", "government",
					  "government body", "civil_litigant",  "civil litigant",
					  "other",           "other",           NULL};

#define MAX_LISTED 200

static void demand_fields(struct fields *f, struct db *db, const struct demand *d, const char *kind, int64_t now)
{
	struct buf b;
	char num[32];
	snprintf(num, sizeof num, "%lld", (long long)d->id);
	buf_init(&b);
	buf_puts(&b, num);
	field_buf(f, "demand.id", &b);
	field(f, "demand.reference", d->reference);
	field_date(f, "demand.received", d->received_at);
	field(f, "demand.channel", d->channel);
	field(f, "demand.instrument", label(instrument_labels, d->instrument));
	field_date(f, "demand.response_due", d->response_due);
	field(f, "demand.emergency", d->emergency ? "yes" : "");
	buf_init(&b);
	for (size_t i = 0; i < d->n_identifiers && i < MAX_LISTED; i++)
		buf_printf(&b, "%s        %s: %s", i ? "\n" : "", d->identifier_kinds[i], d->identifiers[i]);
	if (d->n_identifiers > MAX_LISTED)
		buf_printf(&b, "\n        ... and %zu more", d->n_identifiers - MAX_LISTED);
	field_buf(f, "demand.identifiers", &b);
	static const struct {
		unsigned bit;
		const char *text;
	} cats[] = {{CAT_SUBSCRIBER, "subscriber information"},
		    {CAT_NON_CONTENT, "non-content records"},
		    {CAT_CONTENT, "content"}};
	buf_init(&b);
	int seen = 0, total = 0;
	for (int i = 0; i < 3; i++)
		total += (d->requested & cats[i].bit) != 0;
	for (int i = 0; i < 3; i++) {
		if (!(d->requested & cats[i].bit))
			continue;
		seen++;
		buf_printf(&b, "%s%s", seen == 1 ? "" : seen == total ? " and " : ", ", cats[i].text);
	}
	field_buf(f, "demand.categories", &b);

	field(f, "customer.name", d->customer.name);
	field(f, "customer.tenant", d->customer.tenant);
	field(f, "customer.contact_name", d->customer.contact_name);
	field(f, "customer.contact_email", d->customer.contact_email);
	field(f, "customer.contact_phone", d->customer.contact_phone);
	field(f, "customer.region", d->customer.region);

	field(f, "requester.name", d->requester.name);
	field(f, "requester.kind", label(kind_labels, d->requester.kind));
	field(f, "requester.agency", d->requester.agency);
	buf_init(&b);
	buf_printf(&b, "%s%s%s", d->requester.country, *d->requester.subdivision ? "-" : "", d->requester.subdivision);
	field_buf(f, "requester.jurisdiction", &b);
	field(f, "requester.contact_name", d->requester.contact_name);
	field(f, "requester.email", d->requester.email);
	field(f, "requester.phone", d->requester.phone);

	/* The order that ends last (an open-ended one counts as last) speaks for the demand. */
	const struct nd_order *o = NULL;
	for (size_t i = 0; i < d->n_orders; i++) {
		const struct nd_order *c = &d->orders[i];
		int64_t ce = c->lifted_at ? c->lifted_at : c->indefinite ? INT64_MAX : c->expires_at;
		int64_t oe = !o ? -1 : o->lifted_at ? o->lifted_at : o->indefinite ? INT64_MAX : o->expires_at;
		if (!o || ce >= oe)
			o = c;
	}
	field(f, "order.reference", o ? o->reference : "");
	field(f, "order.statute", o ? o->statute : "");
	field_date(f, "order.issued", o ? o->issued_at : 0);
	field_date(f, "order.expires", o && !o->indefinite ? o->expires_at : 0);
	field_date(f, "order.ended", o && !o->in_force ? (o->lifted_at ? o->lifted_at : o->expires_at) : 0);

	int64_t wait = db_policy(db, "notice_wait_days", 7);
	field_date(f, "letter.date", now);
	field_date(f, "letter.disclose_after",
		   strcmp(kind, "advance") == 0 && !d->emergency ? now + wait * WHEN_DAY : 0);
	buf_init(&b);
	buf_printf(&b, "%lld", (long long)wait);
	field_buf(f, "letter.wait_days", &b);
	field(f, "policy.share_contact", db_policy(db, "redirect_share_contact", 1) ? "yes" : "");
}

/* Whether a notice of this kind is pending on the demand, or was sent at or after since. */
static enum dk_status already(struct db *db, int64_t demand_id, const char *kind, int64_t since, bool *found,
			      struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT 1 FROM notice WHERE demand_id = ?1 AND kind = ?2"
			" AND (status IN ('queued', 'sending', 'failed') OR (status = 'sent' AND sent_at >= ?3))"
			" LIMIT 1",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, since);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	*found = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? DK_OK : db_error(db, "reading the outbox", err);
}

struct draft {
	const char *kind;
	const char *recipient;
	const char *recipient_name;
	const char *via;
	const char *why_letter; /* for a letter a person must deliver: why */
	char *subject, *body, *source;
	char message_id[MAIL_MESSAGE_ID_MAX + 1];
};

static enum dk_status insert(struct db *db, int64_t demand_id, const struct draft *dr, int64_t now, int64_t *id,
			     struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(db,
			"INSERT INTO notice (demand_id, kind, via, recipient, recipient_name, subject, body, template,"
			" message_id, status, last_error, created_at, updated_at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued', ?10, ?11, ?11)",
			err);
	if (!st)
		return DK_STORAGE;
	if (demand_id)
		sqlite3_bind_int64(st, 1, demand_id);
	sqlite3_bind_text(st, 2, dr->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, dr->via, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, dr->recipient, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, dr->recipient_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, dr->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, dr->body, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, dr->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, dr->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, dr->why_letter ? dr->why_letter : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 11, now);
	enum dk_status s = db_exec_stmt(db, st, "queueing the letter", err);
	if (!s)
		*id = sqlite3_last_insert_rowid(db->h);
	return s;
}

/* Renders the kind's template with the fields into dr (subject, body, source). */
static enum dk_status render(const char *kind, const struct fields *f, struct draft *dr, struct dk_error *err)
{
	char *text = NULL;
	enum dk_status s = template_load(kind, &text, &dr->source, err);
	if (!s)
		s = template_render_letter(kind, text, f->v, f->n, &dr->subject, &dr->body, err);
	free(text);
	if (!s && (s = text_check("the letter", dr->body, MAIL_BODY_MAX, true, false, err)))
		return s;
	if (!s && (s = text_check("the subject", dr->subject, MAIL_SUBJECT_MAX, false, true, err)))
		return s;
	return s;
}

static void draft_free(struct draft *dr)
{
	free(dr->subject), free(dr->body), free(dr->source);
	dr->subject = dr->body = dr->source = NULL;
}

enum dk_status notice_queue(struct db *db, int64_t demand_id, const char *kind, int64_t since, int64_t now,
			    struct notice_queued *q, struct dk_error *err)
{
	memset(q, 0, sizeof *q);
	bool customer = obligation_is_customer_kind(kind);
	if (!customer && strcmp(kind, "redirect") != 0)
		return dk_fail(err, DK_INVALID, "notice: \"%.20s\" is not redirect, advance or delayed", kind);
	bool found;
	enum dk_status s = already(db, demand_id, kind, since, &found, err);
	if (s || found)
		return s;
	/* The gag, as the caller's obligations said; asked again here, for the letter's address too. */
	struct ob_facts of;
	struct obligations ob;
	if ((s = obligation_load(db, demand_id, now, &of, err)))
		return s;
	obligation_derive(&of, &ob);
	char order[TEXT_SHORT_MAX + 1];
	snprintf(order, sizeof order, "%s", ob.order_in_force ? ob.order_in_force : "");
	obligation_facts_free(&of);
	if (customer && *order)
		return dk_fail(err, DK_REFUSED,
			       "demand %lld: a non-disclosure order is in force (%s): no customer notice may be queued",
			       (long long)demand_id, order);
	struct demand *d = NULL;
	if ((s = demand_get(db, demand_id, &d, err)))
		return s;
	struct fields f = {0};
	demand_fields(&f, db, d, kind, now);
	struct draft dr = {.kind = kind};
	if (f.oom) {
		s = dk_fail(err, DK_STORAGE, "out of memory");
	} else if ((s = render(kind, &f, &dr, err))) {
		/* Say which demand and which letter, then the template's own words. */
		char msg[DK_ERROR_MAX];
		snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
		dk_fail(err, s, "demand %lld: cannot queue the %s letter: %s", (long long)demand_id, kind, msg);
	}
	if (!s)
		s = mail_new_message_id(dr.message_id, sizeof dr.message_id, err);
	if (!s) {
		bool to_requester = strcmp(kind, "redirect") == 0;
		const char *who = to_requester ? "the requester" : "the customer";
		dr.recipient = to_requester ? d->requester.email : d->customer.contact_email;
		const char *cn = to_requester ? d->requester.contact_name : d->customer.contact_name;
		dr.recipient_name = *cn ? cn : to_requester ? d->requester.name : d->customer.name;
		dr.via = "smtp";
		struct dk_error bad = {0};
		char why[300] = "";
		if (!*dr.recipient) {
			snprintf(why, sizeof why, "no e-mail address for %s: deliver it by hand", who);
		} else if (mail_check_address("address", dr.recipient, &bad)) {
			snprintf(why, sizeof why, "cannot e-mail %s (%.200s): deliver it by hand", who, bad.msg);
		}
		if (*why) {
			dr.via = "letter";
			dr.why_letter = why;
		}
		int64_t id = 0;
		bool theirs = false;
		if (*order && !(s = obligation_customer_address(db, demand_id, dr.recipient, &theirs, err)) && theirs)
			s = dk_fail(err, DK_REFUSED,
				    "demand %lld: a non-disclosure order is in force (%s): the %s letter would go to the "
				    "customer's address %s",
				    (long long)demand_id, order, kind, dr.recipient);
		if (!s)
			s = insert(db, demand_id, &dr, now, &id, err);
		if (!s) {
			q->id = id;
			if (*why)
				snprintf(q->summary, sizeof q->summary, "#%lld %s queued for a person: %s",
					 (long long)id, kind, why);
			else
				snprintf(q->summary, sizeof q->summary, "#%lld %s queued to %s", (long long)id, kind,
					 dr.recipient);
		}
	}
	draft_free(&dr);
	fields_free(&f);
	demand_free(&d);
	return s;
}

/* Listing. */
#define LIST_FROM                                                                                                      \
	"SELECT n.id, coalesce(n.demand_id, 0), coalesce(d.reference, ''), n.kind, n.via, n.status, n.recipient,"      \
	" n.subject, n.attempts, n.last_error, coalesce(n.next_attempt_at, 0), n.created_at, coalesce(n.sent_at, "     \
	"0), " NEEDS_PERSON " FROM notice AS n LEFT JOIN demand AS d ON d.id = n.demand_id"
#define LIST_STATUS                                                                                                    \
	" (CASE WHEN ?1 IS NULL THEN n.status IN ('queued', 'sending', 'failed')"                                      \
	"       WHEN ?1 = 'all' THEN 1 ELSE n.status = ?1 END)"
#define LIST_NEEDS " AND (?2 = 0 OR " NEEDS_PERSON ")"
/* For the few rows of one demand, or the waiting ones, which are sorted anyway. */
#define LIST_SORTED " ORDER BY CASE WHEN ?5 THEN " NEEDS_PERSON " ELSE 0 END DESC, n.id DESC LIMIT ?4"

enum dk_status notice_list(struct db *db, const struct notice_filter *f, int (*fn)(const struct notice_row *, void *),
			   void *ctx, struct dk_error *err)
{
	const char *status = f->status && *f->status ? f->status : NULL;
	if (status && strcmp(status, "all") != 0 && !demand_name_known(notice_statuses, status))
		return dk_fail(err, DK_INVALID,
			       "status: \"%.40s\" is not one of all, queued, sending, sent, failed, cancelled", status);
	/* A statement for each way in, so that each reads through its index: one demand's letters
	 * through notice_demand, the waiting ones through notice_pending (its own condition, word
	 * for word), the rest newest first in id order, stopping at the limit without sorting. */
	sqlite3_stmt *st;
	if (f->demand_id)
		st = db_stmt(db, LIST_FROM " WHERE n.demand_id = ?3 AND" LIST_STATUS LIST_NEEDS LIST_SORTED, err);
	else if (!status)
		st = db_stmt(db, LIST_FROM " WHERE n.status IN ('queued', 'sending', 'failed')" LIST_NEEDS LIST_SORTED,
			     err);
	else if (f->person_first)
		st = db_stmt(db,
			     LIST_FROM " WHERE" LIST_STATUS LIST_NEEDS " ORDER BY " NEEDS_PERSON
				       " DESC, n.id DESC LIMIT ?4",
			     err);
	else
		st = db_stmt(db, LIST_FROM " WHERE" LIST_STATUS LIST_NEEDS " ORDER BY n.id DESC LIMIT ?4", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int(st, 5, f->person_first);
	db_bind_text(st, 1, status);
	sqlite3_bind_int(st, 2, f->needs_person);
	sqlite3_bind_int64(st, 3, f->demand_id);
	sqlite3_bind_int64(st, 4, f->limit > 0 ? f->limit : -1);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct notice_row r = {
			.id = sqlite3_column_int64(st, 0),
			.demand_id = sqlite3_column_int64(st, 1),
			.reference = (const char *)sqlite3_column_text(st, 2),
			.kind = (const char *)sqlite3_column_text(st, 3),
			.via = (const char *)sqlite3_column_text(st, 4),
			.status = (const char *)sqlite3_column_text(st, 5),
			.recipient = (const char *)sqlite3_column_text(st, 6),
			.subject = (const char *)sqlite3_column_text(st, 7),
			.attempts = sqlite3_column_int64(st, 8),
			.last_error = (const char *)sqlite3_column_text(st, 9),
			.next_attempt_at = sqlite3_column_int64(st, 10),
			.created_at = sqlite3_column_int64(st, 11),
			.sent_at = sqlite3_column_int64(st, 12),
			.needs_person = sqlite3_column_int(st, 13),
		};
		if (fn(&r, ctx))
			break;
	}
	enum dk_status s = rc == SQLITE_ROW || rc == SQLITE_DONE ? DK_OK : db_error(db, "listing the outbox", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status notice_count(struct db *db, struct notice_counts *out, struct dk_error *err)
{
	memset(out, 0, sizeof *out);
	/* The status term is the partial index's own condition, which lets SQLite use it. */
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT count(*), coalesce(sum(" NEEDS_PERSON "), 0) FROM notice AS n"
				   " WHERE n.status IN ('queued', 'sending', 'failed')",
				   err);
	if (!st)
		return DK_STORAGE;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->waiting = sqlite3_column_int64(st, 0);
		out->needs_person = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "counting the outbox", err);
}

/* The digest: sections of lines, each at most MAX_LISTED long. */
struct section {
	struct buf b;
	int64_t n;
	int64_t now;
	int64_t split; /* for the demand listing: deadlines before this are late */
	struct section *soon;
};

static void section_line(struct section *s, const char *line)
{
	s->n++;
	if (s->n <= MAX_LISTED) {
		if (s->b.len)
			buf_putc(&s->b, '\n');
		buf_puts(&s->b, "  ");
		buf_puts(&s->b, line);
	}
}

static void section_end(struct section *s)
{
	if (s->n > MAX_LISTED)
		buf_printf(&s->b, "\n  ... and %lld more", (long long)(s->n - MAX_LISTED));
}

static int digest_demand(const struct demand_row *r, void *ctx)
{
	struct section *late = ctx;
	struct section *s = r->due_at < late->split ? late : late->soon;
	char due[32], rel[32], line[600];
	when_format(r->due_at, due, sizeof due);
	when_relative(r->due_at, late->now, rel, sizeof rel);
	snprintf(line, sizeof line, "#%lld %s  %s  due %.10s (%s)  %s%s%s", (long long)r->id, r->reference, r->status,
		 due, rel, r->customer, r->assignee ? "  assigned to " : "", r->assignee ? r->assignee : "");
	section_line(s, line);
	return 0;
}

static int digest_order(const struct order_ending *o, void *ctx)
{
	char ends[32], line[600];
	when_format(o->ends_at, ends, sizeof ends);
	snprintf(line, sizeof line, "#%lld %s  order %s ends %.10s  (%s)", (long long)o->demand_id, o->reference,
		 o->order, ends, o->status);
	section_line(ctx, line);
	return 0;
}

static int digest_attention(const struct ob_item *it, void *ctx)
{
	struct section *sec = ctx;
	char since[32], line[600];
	when_format(it->since, since, sizeof since);
	snprintf(line, sizeof line, "#%lld  %s%s%s  %s %.10s", (long long)it->demand_id, ob_what_names[it->what],
		 it->order ? "  order " : "", it->order ? it->order : "", it->since < sec->now ? "since" : "from",
		 since);
	section_line(sec, line);
	return 0;
}

static int digest_notice(const struct notice_row *r, void *ctx)
{
	char line[900];
	snprintf(line, sizeof line, "notice #%lld %s%s%s  %s via %s  %s%s%.300s", (long long)r->id, r->kind,
		 r->demand_id ? " for " : "", r->reference, r->status, r->via, *r->recipient ? r->recipient : "",
		 *r->last_error ? ": " : "", r->last_error);
	section_line(ctx, line);
	return 0;
}

enum dk_status notice_queue_digest(struct db *db, const char *to, int64_t within, int64_t *id, struct dk_error *err)
{
	*id = 0;
	enum dk_status s = mail_check_address("--mail", to, err);
	if (s)
		return s;
	/* The digest names every customer's demands: it is for staff only. */
	bool theirs;
	if ((s = obligation_any_customer_address(db, to, &theirs, err)))
		return s;
	if (theirs)
		return dk_fail(err, DK_REFUSED, "--mail: %s is a customer's address; the digest is for staff", to);
	int64_t now = when_now();
	struct section late = {.now = now, .split = now}, soon = {.now = now}, orders = {0}, notices = {0},
		       attention = {.now = now};
	late.soon = &soon;
	buf_init(&late.b), buf_init(&soon.b), buf_init(&orders.b), buf_init(&notices.b), buf_init(&attention.b);
	struct demand_filter df = {.due_before = now + within * WHEN_DAY};
	struct notice_filter nf = {.needs_person = true};
	if ((s = demand_list(db, &df, digest_demand, &late, err)) ||
	    (s = demand_orders_ending(db, now, now + within * WHEN_DAY, digest_order, &orders, err)) ||
	    (s = obligation_attention(db, now, now + within * WHEN_DAY, digest_attention, &attention, err)) ||
	    (s = notice_list(db, &nf, digest_notice, &notices, err))) {
		buf_free(&late.b), buf_free(&soon.b), buf_free(&orders.b), buf_free(&notices.b), buf_free(&attention.b);
		return s;
	}
	section_end(&late), section_end(&soon), section_end(&orders), section_end(&notices), section_end(&attention);
	struct fields f = {0};
	struct buf b;
	char date[16];
	when_format_date(now, date, sizeof date);
	field(&f, "digest.date", date);
	buf_init(&b);
	buf_printf(&b, "%lld", (long long)within);
	field_buf(&f, "digest.within_days", &b);
	int64_t counts[] = {late.n, soon.n, orders.n, notices.n, attention.n};
	const char *names[] = {"digest.late_count", "digest.due_soon_count", "digest.orders_ending_count",
			       "digest.notices_count", "digest.attention_count"};
	for (int i = 0; i < 5; i++) {
		buf_init(&b);
		buf_printf(&b, "%lld", (long long)counts[i]);
		field_buf(&f, names[i], &b);
	}
	field_buf(&f, "digest.late", &late.b);
	field_buf(&f, "digest.due_soon", &soon.b);
	field_buf(&f, "digest.orders_ending", &orders.b);
	field_buf(&f, "digest.notices", &notices.b);
	field_buf(&f, "digest.attention", &attention.b);
	struct draft dr = {.kind = "digest", .recipient = to, .recipient_name = "", .via = "smtp"};
	if (f.oom)
		s = dk_fail(err, DK_STORAGE, "out of memory");
	if (!s)
		s = render("digest", &f, &dr, err);
	if (!s)
		s = mail_new_message_id(dr.message_id, sizeof dr.message_id, err);
	if (!s && !(s = db_begin(db, err))) {
		if ((s = insert(db, 0, &dr, now, id, err)))
			db_rollback(db);
		else
			s = db_commit(db, err);
	}
	draft_free(&dr);
	fields_free(&f);
	return s;
}
