/* demand.c: intake of a demand, reading one back, and listing them by deadline. */
#include "demand.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "buf.h"
#include "db_internal.h"
#include "demand_internal.h"
#include "obligation.h"
#include "text.h"
#include "when.h"
#include "workflow.h"

/* These mirror the CHECK constraints and the rows of schema/0001_init.sql; test_demand checks
 * that they agree. */
const char *const demand_channels[] = {"email", "portal", "mail", "fax", "in_person", NULL};
const char *const demand_instruments[] = {"subpoena",     "court_order", "search_warrant",    "emergency",
					  "preservation", "mlat",        "national_security", "civil_subpoena",
					  "other",        NULL};
const char *const demand_categories[] = {"subscriber", "non_content", "content", NULL};
const char *const demand_identifier_kinds[] = {"account", "email", "ip", "phone", NULL};
const char *const demand_states[] = {"received",  "redirecting", "preserving",  "in_review", "challenged",
				     "notifying", "disclosing",  "notice_owed", "closed",    NULL};
const char *const demand_outcomes[] = {
	"redirected",           "withdrawn",  "rejected", "no_data", "disclosed_content", "disclosed_non_content",
	"preservation_expired", "superseded", NULL};

bool demand_name_known(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

void demand_names_join(const char *const *list, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; list[i] && used < n; i++)
		used += (size_t)snprintf(out + used, n - used, "%s%s", i ? ", " : "", list[i]);
}

unsigned demand_category_parse(const char *s)
{
	for (int i = 0; demand_categories[i]; i++)
		if (strcmp(s, demand_categories[i]) == 0)
			return 1u << i;
	return 0;
}

void demand_order_format(const struct nd_order *o, char *out, size_t n)
{
	char ex[16] = "", li[16] = "";
	if (o->expires_at)
		when_format_date(o->expires_at, ex, sizeof ex);
	if (o->lifted_at)
		when_format_date(o->lifted_at, li, sizeof li);
	snprintf(out, n, "%s%s%s: %s%s%s%s%s%s%s", o->reference, *o->statute ? " " : "", o->statute,
		 o->in_force ? "IN FORCE" : "ended", o->indefinite ? ", indefinite" : "", *ex ? ", expires " : "", ex,
		 *li ? ", lifted " : "", li, o->challenged ? ", challenged" : "");
}

void demand_categories_format(unsigned mask, const char *sep, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; demand_categories[i] && used < n; i++)
		if (mask & (1u << i))
			used += (size_t)snprintf(out + used, n - used, "%s%s", used ? sep : "", demand_categories[i]);
}

enum dk_status demand_identifier_parse(const char *s, const char **kind, const char **value, struct dk_error *err)
{
	const char *colon = strchr(s, ':');
	if (colon) {
		for (int i = 0; demand_identifier_kinds[i]; i++) {
			size_t k = strlen(demand_identifier_kinds[i]);
			if ((size_t)(colon - s) == k && strncmp(s, demand_identifier_kinds[i], k) == 0) {
				*kind = demand_identifier_kinds[i];
				*value = colon + 1;
				goto check;
			}
		}
	}
	*value = s;
	unsigned char addr[16];
	if (strchr(s, '@'))
		*kind = "email";
	else if (inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1)
		*kind = "ip";
	else if (s[0] == '+' && strspn(s + 1, "0123456789 -") == strlen(s + 1) && s[1])
		*kind = "phone";
	else
		*kind = "account";
check:;
	enum dk_status st = text_check("identifier", *value, TEXT_SHORT_MAX, false, true, err);
	if (st)
		return st;
	if (strcmp(*kind, "ip") == 0 && inet_pton(AF_INET, *value, addr) != 1 && inet_pton(AF_INET6, *value, addr) != 1)
		return dk_fail(err, DK_INVALID, "identifier: \"%.60s\" is not an IP address", *value);
	if (strcmp(*kind, "email") == 0)
		return party_check_email("identifier", *value, err);
	return DK_OK;
}

static enum dk_status check_enum(const char *field, const char *const *list, const char *s, struct dk_error *err)
{
	enum dk_status st = text_check(field, s, 40, false, true, err);
	if (st)
		return st;
	if (demand_name_known(list, s))
		return DK_OK;
	char names[400];
	demand_names_join(list, names, sizeof names);
	return dk_fail(err, DK_INVALID, "%s: \"%.40s\" is not one of %s", field, s, names);
}

enum dk_status demand_check(const struct demand_input *in, struct dk_error *err)
{
	enum dk_status s;
	int64_t t;
	if ((s = text_check("source", in->source, 64, false, false, err)) ||
	    (s = text_check("reference", in->reference, TEXT_SHORT_MAX, false, true, err)) ||
	    (in->received && (s = when_parse("received", in->received, &t, err))) ||
	    (s = check_enum("channel", demand_channels, in->channel, err)) ||
	    (s = check_enum("instrument", demand_instruments, in->instrument, err)) ||
	    (s = text_check("customer", in->customer, TEXT_SHORT_MAX, false, true, err)) ||
	    (s = requester_check(&in->requester, err)) ||
	    (in->response_due && *in->response_due && (s = when_parse("due", in->response_due, &t, err))) ||
	    (s = text_check("assignee", in->assignee, 64, false, false, err)) ||
	    (s = text_check("note", in->note, TEXT_LONG_MAX, true, false, err)))
		return s;
	if (in->n_identifiers > DEMAND_MAX_IDENTIFIERS)
		return dk_fail(err, DK_INVALID, "identifier: %zu identifiers is more than the limit of %d",
			       in->n_identifiers, DEMAND_MAX_IDENTIFIERS);
	for (size_t i = 0; i < in->n_identifiers; i++) {
		const char *kind, *value;
		if ((s = demand_identifier_parse(in->identifiers[i], &kind, &value, err)))
			return s;
	}
	if (in->n_categories == 0 && strcmp(in->instrument, "preservation") != 0)
		return dk_fail(err, DK_INVALID,
			       "category: at least one of subscriber, non_content, content is required");
	for (size_t i = 0; i < in->n_categories; i++)
		if ((s = check_enum("category", demand_categories, in->categories[i], err)))
			return s;
	return DK_OK;
}

/* Whether the requester's country answers for the customer's data region. */
enum dk_status demand_region_covers(struct db *db, int64_t customer_id, const char *country, bool *covers,
				    struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT EXISTS (SELECT 1 FROM customer AS c JOIN region_country AS rc ON rc.region = c.region"
			" WHERE c.id = ?1 AND rc.country = ?2)",
			err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, customer_id);
	sqlite3_bind_text(st, 2, country, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*covers = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? DK_OK : db_error(db, "reading regions", err);
}

static enum dk_status staff_exists(struct db *db, const char *login, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM staff WHERE login = ?1 AND active = 1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, login, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return DK_OK;
	if (rc == SQLITE_DONE)
		return dk_fail(err, DK_INVALID, "assignee: \"%.64s\" is not active staff", login);
	return db_error(db, "reading staff", err);
}

static enum dk_status insert_category(struct db *db, int64_t id, const char *scope, const char *cat,
				      struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(
		db, "INSERT OR IGNORE INTO demand_category (demand_id, scope, category) VALUES (?1, ?2, ?3)", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cat, -1, SQLITE_STATIC);
	return db_exec_stmt(db, st, "recording data categories", err);
}

enum dk_status demand_store_categories(struct db *db, int64_t id, const char *scope, unsigned mask,
				       struct dk_error *err)
{
	for (int i = 0; demand_categories[i]; i++) {
		if (!(mask & (1u << i)))
			continue;
		enum dk_status s = insert_category(db, id, scope, demand_categories[i], err);
		if (s)
			return s;
	}
	return DK_OK;
}

/* When the demand was received: the time given, which may not be in the future, or now. */
static enum dk_status received_time(const struct demand_input *in, int64_t now, int64_t *received, struct dk_error *err)
{
	*received = now;
	enum dk_status s;
	if (in->received && (s = when_parse("received", in->received, received, err)))
		return s;
	if (*received > now + 300)
		return dk_fail(err, DK_INVALID, "received: \"%s\" is in the future", in->received);
	return DK_OK;
}

enum dk_status demand_check_refs(struct db *db, const struct demand_input *in, struct dk_error *err)
{
	int64_t received;
	enum dk_status s = received_time(in, when_now(), &received, err);
	if (s)
		return s;
	if (in->assignee && *in->assignee)
		return staff_exists(db, in->assignee, err);
	return DK_OK;
}

static enum dk_status insert_demand(struct db *db, const struct acting *by, const struct demand_input *in,
				    struct demand_cache *cache, int64_t *id, struct dk_error *err)
{
	enum dk_status s;
	int64_t now = when_now(), received, response_due = 0, customer_id, requester_id;
	const char *source = in->source && *in->source ? in->source : "manual";
	if ((s = received_time(in, now, &received, err)))
		return s;
	if (in->response_due && *in->response_due && (s = when_parse("due", in->response_due, &response_due, err)))
		return s;
	/* Every refusal before the first write (the requester may be new). */
	if ((s = demand_cache_customer(db, cache, in->customer, &customer_id, err)))
		return s;
	if (in->assignee && *in->assignee && (s = staff_exists(db, in->assignee, err)))
		return s;
	if ((s = demand_cache_requester(db, cache, &in->requester, &requester_id, err)))
		return s;

	unsigned requested = 0;
	for (size_t i = 0; i < in->n_categories; i++)
		requested |= demand_category_parse(in->categories[i]);
	char cc[3] = {0};
	cc[0] = (char)(in->requester.jurisdiction[0] & ~0x20);
	cc[1] = (char)(in->requester.jurisdiction[1] & ~0x20);
	bool covers;
	if ((s = demand_cache_covers(db, cache, customer_id, cc, &covers, err)))
		return s;
	bool preservation = strcmp(in->instrument, "preservation") == 0;
	bool process_flag =
		!preservation && (requested & CAT_CONTENT) && !workflow_instrument_compels_content(in->instrument);
	struct deadline_facts df = {
		.received_at = received, .response_due = response_due, .entered_at = now, .emergency = in->emergency};
	int64_t due = workflow_deadline(db, "received", &df);

	sqlite3_stmt *st = db_stmt(
		db,
		"INSERT INTO demand (source, reference, received_at, channel, instrument, customer_id, requester_id,"
		" response_due, emergency, cross_region, process_flag, assignee, due_at, created_at, updated_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
		err);
	if (!st)
		return DK_STORAGE;
	db_bind_text(st, 1, source);
	db_bind_text(st, 2, in->reference);
	sqlite3_bind_int64(st, 3, received);
	db_bind_text(st, 4, in->channel);
	db_bind_text(st, 5, in->instrument);
	sqlite3_bind_int64(st, 6, customer_id);
	sqlite3_bind_int64(st, 7, requester_id);
	if (response_due)
		sqlite3_bind_int64(st, 8, response_due);
	sqlite3_bind_int(st, 9, in->emergency);
	sqlite3_bind_int(st, 10, !covers);
	sqlite3_bind_int(st, 11, process_flag);
	db_bind_text(st, 12, in->assignee && *in->assignee ? in->assignee : NULL);
	if (due)
		sqlite3_bind_int64(st, 13, due);
	sqlite3_bind_int64(st, 14, now);
	s = db_exec_stmt(db, st, "recording the demand", err);
	if (s == DK_REFUSED)
		return dk_fail(err, DK_REFUSED, "reference %s from source %s is already recorded", in->reference,
			       source);
	if (s)
		return s;
	*id = sqlite3_last_insert_rowid(db->h);

	for (size_t i = 0; i < in->n_identifiers; i++) {
		const char *kind, *value;
		if ((s = demand_identifier_parse(in->identifiers[i], &kind, &value, err)))
			return s;
		st = db_stmt(db, "INSERT OR IGNORE INTO demand_identifier (demand_id, kind, value) VALUES (?1, ?2, ?3)",
			     err);
		if (!st)
			return DK_STORAGE;
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
		if ((s = db_exec_stmt(db, st, "recording identifiers", err)))
			return s;
	}
	if ((s = demand_store_categories(db, *id, "requested", requested, err)))
		return s;

	char when[32], duebuf[32] = "", cats[64];
	when_format(received, when, sizeof when);
	if (due)
		when_format(due, duebuf, sizeof duebuf);
	demand_categories_format(requested, ",", cats, sizeof cats);
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "source", NULL, source);
	audit_change(&ch, "reference", NULL, in->reference);
	audit_change(&ch, "received", NULL, when);
	audit_change(&ch, "instrument", NULL, in->instrument);
	audit_change(&ch, "customer", NULL, in->customer);
	audit_change(&ch, "requester", NULL, in->requester.name);
	audit_change(&ch, "categories", NULL, cats);
	audit_change(&ch, "status", NULL, "received");
	audit_change(&ch, "due", NULL, due ? duebuf : NULL);
	if (in->batch) {
		char batch[24];
		snprintf(batch, sizeof batch, "%lld", (long long)in->batch);
		audit_change(&ch, "batch", NULL, batch);
	}
	if (!covers)
		audit_change(&ch, "cross_region", NULL, "yes");
	if (process_flag)
		audit_change(&ch, "process_flag", NULL,
			     "content requested under an instrument that cannot compel content");
	audit_changes_end(&ch);
	s = ch.oom ? dk_fail(err, DK_STORAGE, "out of memory")
		   : audit_append(db, *id, by, "created", ch.data, in->note, now, err);
	buf_free(&ch);
	return s;
}

enum dk_status demand_add(struct db *db, const struct acting *by, const struct demand_input *in, int64_t *id,
			  struct dk_error *err)
{
	enum dk_status s = demand_check(in, err);
	if (s)
		return s;
	if ((s = staff_may(db, by, "add", NULL, err)) || (s = db_begin(db, err)))
		return s;
	s = insert_demand(db, by, in, NULL, id, err);
	return db_end(db, s, err);
}

enum dk_status demand_insert(struct db *db, const struct acting *by, const struct demand_input *in,
			     struct demand_cache *cache, int64_t *id, struct dk_error *err)
{
	/* The caller (an import) asked staff_may("add") once for the run. */
	if (by->role == STAFF_NONE)
		return dk_fail(err, DK_REFUSED, "%s is not active staff: reading only", by->actor);
	return insert_demand(db, by, in, cache, id, err);
}

/* Ownership: every string in the struct is owned by it and freed here. */
void demand_free(struct demand **pd)
{
	struct demand *d = *pd;
	if (!d)
		return;
	free(d->source), free(d->reference), free(d->channel), free(d->instrument);
	free((char *)d->customer.tenant), free((char *)d->customer.name), free((char *)d->customer.contact_name);
	free((char *)d->customer.contact_email), free((char *)d->customer.contact_phone);
	free((char *)d->customer.region);
	free((char *)d->requester.name), free((char *)d->requester.kind), free((char *)d->requester.agency);
	free((char *)d->requester.country), free((char *)d->requester.subdivision);
	free((char *)d->requester.contact_name), free((char *)d->requester.email), free((char *)d->requester.phone);
	free(d->assignee), free(d->status), free(d->outcome);
	for (size_t i = 0; i < d->n_identifiers; i++)
		free(d->identifier_kinds[i]), free(d->identifiers[i]);
	free(d->identifier_kinds), free(d->identifiers);
	for (size_t i = 0; i < d->n_orders; i++)
		free(d->orders[i].reference), free(d->orders[i].statute);
	free(d->orders);
	for (size_t i = 0; i < d->n_verifications; i++)
		free(d->verifications[i].method), free(d->verifications[i].note), free(d->verifications[i].verified_by);
	free(d->verifications);
	for (size_t i = 0; i < d->n_notices; i++)
		free(d->notices[i].kind), free(d->notices[i].via), free(d->notices[i].recipient),
			free(d->notices[i].status);
	free(d->notices);
	free(d);
	*pd = NULL;
}

/* Grows an array by one element; returns the new element (zeroed) or NULL. */
static void *grow(void **arr, size_t *n, size_t size)
{
	void *p = realloc(*arr, (*n + 1) * size);
	if (!p)
		return NULL;
	*arr = p;
	memset((char *)p + *n * size, 0, size);
	return (char *)p + (*n)++ * size;
}

static char *col_or_null(sqlite3_stmt *st, int i)
{
	return sqlite3_column_type(st, i) == SQLITE_NULL ? NULL : db_col_strdup(st, i);
}

static enum dk_status load_main(struct db *db, int64_t id, struct demand *d, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(
		db,
		"SELECT d.source, d.reference, d.received_at, d.channel, d.instrument, coalesce(d.response_due, 0),"
		" d.emergency, d.cross_region, d.process_flag, d.assignee, d.status, d.outcome, coalesce(d.due_at, 0),"
		" coalesce(d.closed_at, 0), d.version, d.created_at, d.updated_at,"
		" c.id, c.tenant, c.name, c.contact_name, c.contact_email, c.contact_phone, c.region,"
		" r.id, r.name, r.kind, r.agency, r.country, r.subdivision, r.contact_name, r.email, r.phone"
		" FROM demand AS d JOIN customer AS c ON c.id = d.customer_id JOIN requester AS r ON r.id = "
		"d.requester_id"
		" WHERE d.id = ?1",
		err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return dk_fail(err, DK_INVALID, "demand %lld: no such demand", (long long)id);
		return db_error(db, "reading the demand", err);
	}
	d->id = id;
	d->source = db_col_strdup(st, 0);
	d->reference = db_col_strdup(st, 1);
	d->received_at = sqlite3_column_int64(st, 2);
	d->channel = db_col_strdup(st, 3);
	d->instrument = db_col_strdup(st, 4);
	d->response_due = sqlite3_column_int64(st, 5);
	d->emergency = sqlite3_column_int(st, 6);
	d->cross_region = sqlite3_column_int(st, 7);
	d->process_flag = sqlite3_column_int(st, 8);
	d->assignee = col_or_null(st, 9);
	d->status = db_col_strdup(st, 10);
	d->outcome = col_or_null(st, 11);
	d->due_at = sqlite3_column_int64(st, 12);
	d->closed_at = sqlite3_column_int64(st, 13);
	d->version = sqlite3_column_int64(st, 14);
	d->created_at = sqlite3_column_int64(st, 15);
	d->updated_at = sqlite3_column_int64(st, 16);
	d->customer.id = sqlite3_column_int64(st, 17);
	d->customer.tenant = db_col_strdup(st, 18);
	d->customer.name = db_col_strdup(st, 19);
	d->customer.contact_name = db_col_strdup(st, 20);
	d->customer.contact_email = db_col_strdup(st, 21);
	d->customer.contact_phone = db_col_strdup(st, 22);
	d->customer.region = db_col_strdup(st, 23);
	d->requester.id = sqlite3_column_int64(st, 24);
	d->requester.name = db_col_strdup(st, 25);
	d->requester.kind = db_col_strdup(st, 26);
	d->requester.agency = db_col_strdup(st, 27);
	d->requester.country = db_col_strdup(st, 28);
	d->requester.subdivision = db_col_strdup(st, 29);
	d->requester.contact_name = db_col_strdup(st, 30);
	d->requester.email = db_col_strdup(st, 31);
	d->requester.phone = db_col_strdup(st, 32);
	sqlite3_reset(st);
	if (!d->source || !d->reference || !d->channel || !d->instrument || !d->status || !d->customer.region ||
	    !d->requester.phone)
		return dk_fail(err, DK_STORAGE, "out of memory");
	return DK_OK;
}

static enum dk_status load_attached(struct db *db, struct demand *d, struct dk_error *err)
{
	int64_t now = when_now();
	int rc;
	sqlite3_stmt *st =
		db_stmt(db, "SELECT kind, value FROM demand_identifier WHERE demand_id = ?1 ORDER BY kind, value", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t n = d->n_identifiers;
		char **k = grow((void **)&d->identifier_kinds, &n, sizeof(char *));
		n = d->n_identifiers;
		char **v = k ? grow((void **)&d->identifiers, &n, sizeof(char *)) : NULL;
		if (!v)
			goto oom;
		d->n_identifiers = n;
		*k = db_col_strdup(st, 0);
		*v = db_col_strdup(st, 1);
	}
	sqlite3_reset(st);

	st = db_stmt(db, "SELECT scope, category FROM demand_category WHERE demand_id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		unsigned bit = demand_category_parse((const char *)sqlite3_column_text(st, 1));
		if (strcmp((const char *)sqlite3_column_text(st, 0), "requested") == 0)
			d->requested |= bit;
		else
			d->disclosed |= bit;
	}
	sqlite3_reset(st);

	st = db_stmt(
		db,
		"SELECT reference, statute, coalesce(issued_at, 0), coalesce(expires_at, 0), indefinite, challenged,"
		" coalesce(lifted_at, 0) FROM nd_order WHERE demand_id = ?1 ORDER BY id",
		err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct nd_order *o = grow((void **)&d->orders, &d->n_orders, sizeof *o);
		if (!o)
			goto oom;
		o->reference = db_col_strdup(st, 0);
		o->statute = db_col_strdup(st, 1);
		o->issued_at = sqlite3_column_int64(st, 2);
		o->expires_at = sqlite3_column_int64(st, 3);
		o->indefinite = sqlite3_column_int(st, 4);
		o->challenged = sqlite3_column_int(st, 5);
		o->lifted_at = sqlite3_column_int64(st, 6);
		struct ob_order facts = {.issued_at = o->issued_at,
					 .expires_at = o->expires_at,
					 .lifted_at = o->lifted_at,
					 .indefinite = o->indefinite};
		o->in_force = obligation_in_force(&facts, now);
	}
	sqlite3_reset(st);

	st = db_stmt(db,
		     "SELECT method, note, verified_by, verified_at FROM verification WHERE demand_id = ?1 ORDER BY id",
		     err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct verification *v = grow((void **)&d->verifications, &d->n_verifications, sizeof *v);
		if (!v)
			goto oom;
		v->method = db_col_strdup(st, 0);
		v->note = db_col_strdup(st, 1);
		v->verified_by = db_col_strdup(st, 2);
		v->verified_at = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);

	st = db_stmt(db,
		     "SELECT id, kind, via, recipient, status, created_at, coalesce(sent_at, 0) FROM notice"
		     " WHERE demand_id = ?1 ORDER BY id",
		     err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, d->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct notice_summary *n = grow((void **)&d->notices, &d->n_notices, sizeof *n);
		if (!n)
			goto oom;
		n->id = sqlite3_column_int64(st, 0);
		n->kind = db_col_strdup(st, 1);
		n->via = db_col_strdup(st, 2);
		n->recipient = db_col_strdup(st, 3);
		n->status = db_col_strdup(st, 4);
		n->created_at = sqlite3_column_int64(st, 5);
		n->sent_at = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	return DK_OK;
oom:
	sqlite3_reset(st);
	return dk_fail(err, DK_STORAGE, "out of memory");
}

enum dk_status demand_touch(struct db *db, int64_t id, int64_t now, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "UPDATE demand SET version = version + 1, updated_at = ?2 WHERE id = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return db_exec_stmt(db, st, "updating the demand", err);
}

enum dk_status demand_get(struct db *db, int64_t id, struct demand **out, struct dk_error *err)
{
	*out = NULL;
	struct demand *d = calloc(1, sizeof *d);
	if (!d)
		return dk_fail(err, DK_STORAGE, "out of memory");
	/* One read transaction, so that the parts agree with each other. */
	sqlite3_exec(db->h, db->depth ? "SAVEPOINT demand_get" : "BEGIN", NULL, NULL, NULL);
	enum dk_status s = load_main(db, id, d, err);
	if (!s)
		s = load_attached(db, d, err);
	sqlite3_exec(db->h, db->depth ? "RELEASE demand_get" : "COMMIT", NULL, NULL, NULL);
	if (s) {
		demand_free(&d);
		return s;
	}
	*out = d;
	return DK_OK;
}

/* The listing's columns; shared by every shape of the query. */
#define ROW_COLUMNS                                                                                                    \
	"d.id AS id, d.reference, d.received_at, r.name, r.kind, d.instrument, c.name, d.status, d.outcome,"           \
	" d.due_at AS due_at, d.assignee, d.emergency, d.cross_region, d.process_flag,"                                \
	" EXISTS (SELECT 1 FROM nd_order AS o WHERE o.demand_id = d.id AND " OB_IN_FORCE_SQL("o", ":now") "),"      \
	" d.version"
#define ROW_FROM                                                                                                       \
	" FROM demand AS d JOIN customer AS c ON c.id = d.customer_id JOIN requester AS r ON r.id = d.requester_id"
/* Optional filters: a NULL parameter turns each off. */
#define ROW_FILTERS                                                                                                    \
	" AND (:assignee IS NULL OR d.assignee = :assignee)"                                                           \
	" AND (:before IS NULL OR d.due_at < :before)"                                                                 \
	" AND (:search IS NULL OR (d.reference >= :search AND d.reference < :search || x'f48fbfbf')"                   \
	"  OR instr(lower(c.name), lower(:search)) > 0 OR instr(lower(c.tenant), lower(:search)) > 0"                  \
	"  OR instr(lower(r.name), lower(:search)) > 0"                                                                \
	"  OR d.id IN (SELECT demand_id FROM demand_identifier WHERE value >= :search AND value < :search || "         \
	"x'f48fbfbf')"                                                                                                 \
	"  OR d.id IN (SELECT demand_id FROM event WHERE note <> '' AND instr(lower(note), lower(:search)) > 0))"

/* A listing read in two parts, each through an index in its own order and cut at the limit; the
 * outer sort sees at most twice the limit. PART is one part: its condition and its order. */
#define PART(WHERE, ORDER)                                                                                             \
	"SELECT * FROM (SELECT " ROW_COLUMNS ROW_FROM " WHERE " WHERE ROW_FILTERS " ORDER BY " ORDER " LIMIT :limit)"
#define TWO_PARTS(FIRST, SECOND, ORDER) "SELECT * FROM (" FIRST " UNION ALL " SECOND ") ORDER BY " ORDER " LIMIT :limit"
/* Demands by deadline (WHERE names which): those with a deadline in the index's order, then those
 * without one in id order. */
#define BY_DEADLINE(WHERE)                                                                                             \
	TWO_PARTS(PART(WHERE " AND d.due_at IS NOT NULL", "d.due_at, d.id"),                                           \
		  PART(WHERE " AND d.due_at IS NULL", "d.id"), "due_at IS NULL, due_at, id")
static const char list_open_sql[] = BY_DEADLINE("d.status <> 'closed'");
static const char list_state_sql[] = BY_DEADLINE("d.status = :status");
/* Closed demands, the newest first. A closed demand has no deadline: the first part reads
 * demand_status_due backwards in id order; the second is there for correctness alone. */
static const char list_closed_sql[] =
	TWO_PARTS(PART("d.status = 'closed' AND d.due_at IS NULL", "d.id DESC"),
		  PART("d.status = 'closed' AND d.due_at IS NOT NULL", "d.id DESC"), "id DESC");
static const char list_all_sql[] =
	"SELECT " ROW_COLUMNS ROW_FROM " WHERE 1" ROW_FILTERS " ORDER BY d.id DESC LIMIT :limit";
static const char list_one_sql[] = "SELECT " ROW_COLUMNS ROW_FROM " WHERE d.id = :id";

static void bind_named_int(sqlite3_stmt *st, const char *name, int64_t v, bool null)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i == 0)
		return;
	if (null)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int64(st, i, v);
}

static void bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i)
		db_bind_text(st, i, v);
}

/* Calls fn for each row of st (ROW_COLUMNS), until it returns non-zero; the last step's code. */
static int rows_of(sqlite3_stmt *st, int (*fn)(const struct demand_row *, void *), void *ctx)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct demand_row r = {
			.id = sqlite3_column_int64(st, 0),
			.reference = (const char *)sqlite3_column_text(st, 1),
			.received_at = sqlite3_column_int64(st, 2),
			.requester = (const char *)sqlite3_column_text(st, 3),
			.requester_kind = (const char *)sqlite3_column_text(st, 4),
			.instrument = (const char *)sqlite3_column_text(st, 5),
			.customer = (const char *)sqlite3_column_text(st, 6),
			.status = (const char *)sqlite3_column_text(st, 7),
			.outcome = (const char *)sqlite3_column_text(st, 8),
			.due_at = sqlite3_column_int64(st, 9),
			.assignee = (const char *)sqlite3_column_text(st, 10),
			.emergency = sqlite3_column_int(st, 11),
			.cross_region = sqlite3_column_int(st, 12),
			.process_flag = sqlite3_column_int(st, 13),
			.under_order = sqlite3_column_int(st, 14),
			.version = sqlite3_column_int64(st, 15),
		};
		if (fn(&r, ctx))
			break;
	}
	return rc;
}

enum dk_status demand_list(struct db *db, const struct demand_filter *f, int (*fn)(const struct demand_row *, void *),
			   void *ctx, struct dk_error *err)
{
	const char *sql;
	if (!f->status || !*f->status || strcmp(f->status, "open") == 0)
		sql = list_open_sql;
	else if (strcmp(f->status, "all") == 0)
		sql = list_all_sql;
	else if (strcmp(f->status, "closed") == 0)
		sql = list_closed_sql;
	else if (demand_name_known(demand_states, f->status))
		sql = list_state_sql;
	else {
		char names[300];
		demand_names_join(demand_states, names, sizeof names);
		return dk_fail(err, DK_INVALID, "status: \"%.40s\" is not one of open, all, %s", f->status, names);
	}
	enum dk_status s;
	if (f->search && (s = text_check("search", f->search, TEXT_SHORT_MAX, false, false, err)))
		return s;
	sqlite3_stmt *st = db_stmt(db, sql, err);
	if (!st)
		return DK_STORAGE;
	bind_named_int(st, ":now", when_now(), false);
	bind_named_int(st, ":limit", f->limit > 0 ? f->limit : -1, false);
	bind_named_text(st, ":status", f->status);
	bind_named_text(st, ":assignee", f->assignee && *f->assignee ? f->assignee : NULL);
	bind_named_int(st, ":before", f->due_before, f->due_before == 0);
	bind_named_text(st, ":search", f->search && *f->search ? f->search : NULL);
	int rc = rows_of(st, fn, ctx);
	s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "listing demands", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status demand_list_one(struct db *db, int64_t id, int (*fn)(const struct demand_row *, void *), void *ctx,
			       struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, list_one_sql, err);
	if (!st)
		return DK_STORAGE;
	bind_named_int(st, ":now", when_now(), false);
	bind_named_int(st, ":id", id, false);
	int rc = rows_of(st, fn, ctx);
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "reading the demand", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status demand_orders_ending(struct db *db, int64_t from, int64_t to,
				    int (*fn)(const struct order_ending *, void *), void *ctx, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT d.id, d.reference, d.status, o.reference, o.expires_at FROM nd_order AS o"
				   " JOIN demand AS d ON d.id = o.demand_id"
				   " WHERE o.expires_at >= ?1 AND o.expires_at < ?2 AND o.indefinite = 0"
				   " AND o.lifted_at IS NULL AND d.status <> 'closed' ORDER BY o.expires_at, d.id",
				   err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct order_ending o = {
			.demand_id = sqlite3_column_int64(st, 0),
			.reference = (const char *)sqlite3_column_text(st, 1),
			.status = (const char *)sqlite3_column_text(st, 2),
			.order = (const char *)sqlite3_column_text(st, 3),
			.ends_at = sqlite3_column_int64(st, 4),
		};
		if (fn(&o, ctx))
			break;
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "listing orders", err);
	sqlite3_reset(st);
	return s;
}
