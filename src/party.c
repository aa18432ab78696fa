/* party.c: customers and requesters. */
#include "party.h"

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "country.h"
#include "db_internal.h"
#include "text.h"
#include "when.h"

const char *const party_requester_kinds[] = {"law_enforcement", "government", "civil_litigant", "other", NULL};

enum dk_status party_check_email(const char *field, const char *s, struct dk_error *err)
{
	if (!s || !*s)
		return DK_OK;
	enum dk_status st = text_check(field, s, 254, false, false, err);
	if (st)
		return st;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || !strchr(at + 1, '.') || strpbrk(s, " <>,;\"") || at[1] == '.' ||
	    s[strlen(s) - 1] == '.')
		return dk_fail(err, DK_INVALID, "%s: \"%s\" is not an e-mail address", field, s);
	return DK_OK;
}

static enum dk_status check_region(struct db *db, const char *region, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT 1 FROM region WHERE name = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, region, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return DK_OK;
	if (rc != SQLITE_DONE)
		return db_error(db, "reading regions", err);
	st = db_stmt(db, "SELECT group_concat(name, ', ') FROM (SELECT name FROM region ORDER BY name)", err);
	if (!st)
		return DK_STORAGE;
	char names[400] = "";
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(names, sizeof names, "%s", sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return dk_fail(err, DK_INVALID, "region: \"%.60s\" is not one of %s", region, names);
}

enum dk_status customer_check_region(struct db *db, const char *region, struct dk_error *err)
{
	return check_region(db, region, err);
}

enum dk_status customer_add(struct db *db, const struct acting *by, const struct customer *c, int64_t *id,
			    struct dk_error *err)
{
	enum dk_status s;
	if ((s = text_check("tenant", c->tenant, TEXT_SHORT_MAX, false, true, err)) ||
	    (s = text_check("name", c->name, TEXT_SHORT_MAX, false, true, err)) ||
	    (s = text_check("contact name", c->contact_name, TEXT_SHORT_MAX, false, false, err)) ||
	    (s = party_check_email("contact email", c->contact_email, err)) ||
	    (s = text_check("contact phone", c->contact_phone, 40, false, false, err)) ||
	    (s = text_check("region", c->region, 40, false, true, err)))
		return s;
	if ((s = staff_may(db, by, "customer", NULL, err)) || (s = db_begin(db, err)))
		return s;
	if ((s = check_region(db, c->region, err)))
		goto fail;
	int64_t now = when_now();
	sqlite3_stmt *st =
		db_stmt(db,
			"INSERT INTO customer (tenant, name, contact_name, contact_email, contact_phone, region,"
			" created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			err);
	if (!st) {
		s = DK_STORAGE;
		goto fail;
	}
	db_bind_text(st, 1, c->tenant);
	db_bind_text(st, 2, c->name);
	db_bind_text(st, 3, c->contact_name ? c->contact_name : "");
	db_bind_text(st, 4, c->contact_email ? c->contact_email : "");
	db_bind_text(st, 5, c->contact_phone ? c->contact_phone : "");
	db_bind_text(st, 6, c->region);
	sqlite3_bind_int64(st, 7, now);
	s = db_exec_stmt(db, st, "adding the customer", err);
	if (s == DK_REFUSED)
		s = dk_fail(err, DK_REFUSED, "customer %s already exists", c->tenant);
	if (s)
		goto fail;
	*id = sqlite3_last_insert_rowid(db->h);
	struct buf ch;
	buf_init(&ch);
	audit_change(&ch, "tenant", NULL, c->tenant);
	audit_change(&ch, "name", NULL, c->name);
	audit_change(&ch, "region", NULL, c->region);
	audit_changes_end(&ch);
	s = ch.oom ? dk_fail(err, DK_STORAGE, "out of memory")
		   : audit_append(db, 0, by, "customer_added", ch.data, "", now, err);
	buf_free(&ch);
fail:
	return db_end(db, s, err);
}

enum dk_status customer_find(struct db *db, const char *tenant, int64_t *id, struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db, "SELECT id FROM customer WHERE tenant = ?1", err);
	if (!st)
		return DK_STORAGE;
	sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	enum dk_status s = DK_OK;
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		s = dk_fail(err, DK_INVALID,
			    "customer: no customer with tenant id \"%.80s\" (see `docket customer list`)", tenant);
	else
		s = db_error(db, "finding the customer", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status customer_list(struct db *db, const char *search, int (*fn)(const struct customer *, void *), void *ctx,
			     struct dk_error *err)
{
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT id, tenant, name, contact_name, contact_email, contact_phone, region FROM customer"
			" WHERE ?1 IS NULL OR instr(lower(tenant), lower(?1)) > 0 OR instr(lower(name), lower(?1)) > 0"
			" ORDER BY tenant",
			err);
	if (!st)
		return DK_STORAGE;
	db_bind_text(st, 1, search && *search ? search : NULL);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct customer c = {
			.id = sqlite3_column_int64(st, 0),
			.tenant = (const char *)sqlite3_column_text(st, 1),
			.name = (const char *)sqlite3_column_text(st, 2),
			.contact_name = (const char *)sqlite3_column_text(st, 3),
			.contact_email = (const char *)sqlite3_column_text(st, 4),
			.contact_phone = (const char *)sqlite3_column_text(st, 5),
			.region = (const char *)sqlite3_column_text(st, 6),
		};
		if (fn(&c, ctx))
			break;
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "listing customers", err);
	sqlite3_reset(st);
	return s;
}

enum dk_status requester_check(const struct requester_input *in, struct dk_error *err)
{
	enum dk_status s;
	if ((s = text_check("requester name", in->name, TEXT_SHORT_MAX, false, true, err)) ||
	    (s = text_check("requester kind", in->kind, 40, false, true, err)))
		return s;
	bool known = false;
	for (int i = 0; party_requester_kinds[i]; i++)
		known = known || strcmp(in->kind, party_requester_kinds[i]) == 0;
	if (!known)
		return dk_fail(
			err, DK_INVALID,
			"requester kind: \"%.40s\" is not one of law_enforcement, government, civil_litigant, other",
			in->kind);
	char cc[3], sub[4];
	if ((s = text_check("agency", in->agency, TEXT_SHORT_MAX, false, false, err)) ||
	    (s = text_check("jurisdiction", in->jurisdiction, 10, false, true, err)) ||
	    (s = country_parse_jurisdiction("jurisdiction", in->jurisdiction, cc, sub, err)) ||
	    (s = text_check("requester contact", in->contact_name, TEXT_SHORT_MAX, false, false, err)) ||
	    (s = party_check_email("requester email", in->email, err)) ||
	    (s = text_check("requester phone", in->phone, 40, false, false, err)))
		return s;
	return DK_OK;
}

enum dk_status requester_find_or_create(struct db *db, const struct requester_input *in, int64_t *id,
					struct dk_error *err)
{
	char cc[3], sub[4];
	enum dk_status s = country_parse_jurisdiction("jurisdiction", in->jurisdiction, cc, sub, err);
	if (s)
		return s;
	const char *agency = in->agency ? in->agency : "", *email = in->email ? in->email : "";
	sqlite3_stmt *st =
		db_stmt(db,
			"SELECT id FROM requester WHERE name = ?1 AND kind = ?2 AND agency = ?3 AND country = ?4"
			" AND subdivision = ?5 AND email = ?6",
			err);
	if (!st)
		return DK_STORAGE;
	db_bind_text(st, 1, in->name);
	db_bind_text(st, 2, in->kind);
	db_bind_text(st, 3, agency);
	db_bind_text(st, 4, cc);
	db_bind_text(st, 5, sub);
	db_bind_text(st, 6, email);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return DK_OK;
	if (rc != SQLITE_DONE)
		return db_error(db, "finding the requester", err);
	st = db_stmt(db,
		     "INSERT INTO requester (name, kind, agency, country, subdivision, contact_name, email, phone)"
		     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		     err);
	if (!st)
		return DK_STORAGE;
	db_bind_text(st, 1, in->name);
	db_bind_text(st, 2, in->kind);
	db_bind_text(st, 3, agency);
	db_bind_text(st, 4, cc);
	db_bind_text(st, 5, sub);
	db_bind_text(st, 6, in->contact_name ? in->contact_name : "");
	db_bind_text(st, 7, email);
	db_bind_text(st, 8, in->phone ? in->phone : "");
	if ((s = db_exec_stmt(db, st, "adding the requester", err)))
		return s;
	*id = sqlite3_last_insert_rowid(db->h);
	return DK_OK;
}

enum dk_status requester_list(struct db *db, int (*fn)(const struct requester *, void *), void *ctx,
			      struct dk_error *err)
{
	sqlite3_stmt *st = db_stmt(db,
				   "SELECT id, name, kind, agency, country, subdivision, contact_name, email, phone"
				   " FROM requester ORDER BY name, id",
				   err);
	if (!st)
		return DK_STORAGE;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct requester r = {
			.id = sqlite3_column_int64(st, 0),
			.name = (const char *)sqlite3_column_text(st, 1),
			.kind = (const char *)sqlite3_column_text(st, 2),
			.agency = (const char *)sqlite3_column_text(st, 3),
			.country = (const char *)sqlite3_column_text(st, 4),
			.subdivision = (const char *)sqlite3_column_text(st, 5),
			.contact_name = (const char *)sqlite3_column_text(st, 6),
			.email = (const char *)sqlite3_column_text(st, 7),
			.phone = (const char *)sqlite3_column_text(st, 8),
		};
		if (fn(&r, ctx))
			break;
	}
	enum dk_status s = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? DK_OK : db_error(db, "listing requesters", err);
	sqlite3_reset(st);
	return s;
}
